import type { OperatorFunction } from 'rxjs';
import type { Element, KeyedElement } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, NotKeyedError, StreamLiteError, UserFunctionError } from '../core/errors';
import { MAX_WATERMARK } from '../core/time';
import type { Timestamp } from '../core/types';
import { KeyInterner } from '../state/KeyInterner';
import type { AggregateFunction } from './AggregateFunction';
import { elementOperator } from './operate';
import { currentJob } from '../checkpoint/JobContext';
import { DEFAULT_MAX_PARALLELISM, inKeyGroupRange, keyGroupOf, type KeyGroupRange } from '../state/keyGroups';
import { checkKeyGroupsOption, checkKeyInKeyGroups, checkRestoredCoverage, restoredParts } from '../state/keyGroupsInternals';

/** When a keyed aggregation without a window emits. */
export interface KeyedAggregationOptions {
  /**
   * `'final'` (default): the global window fires at end of input — one result
   * per key, keys in first-seen order. `'every'`: a running changelog, one
   * result per record with that record's timestamp.
   */
  readonly emit?: 'final' | 'every';
  /** The operator's name in checkpoints (default by position). */
  readonly name?: string;
  /** Number of key groups keys hash into, for `keyGroups` (default 128). */
  readonly maxParallelism?: number;
  /**
   * The key groups this instance owns when the aggregation runs as one of
   * several parallel instances (default: all). A restore loads only the
   * accumulators of keys in these groups — from one snapshot, or from the
   * merged savepoints of several former instances — and a record whose key is
   * in another group is an error (see `keyedProcess`).
   */
  readonly keyGroups?: KeyGroupRange;
}

/** @internal What a rolling aggregation keeps in a checkpoint: keys in first-seen order and their accumulators. */
interface RollingCheckpoint {
  readonly keys: readonly unknown[];
  readonly accumulators: readonly unknown[];
  readonly fired: boolean;
  /** The key groups the instance owned, and their number (absent in older snapshots: all of 128). */
  readonly keyGroups?: KeyGroupRange;
  readonly maxParallelism?: number;
}

/**
 * A keyed aggregation: both a pipeable operator (rolling aggregation in the
 * global window, emitting `[key, result]`) and an {@link AggregateFunction} that
 * `aggregate()` applies per window.
 */
export type KeyedAggregation<T, ACC, R> = (<K>(
  source: import('rxjs').Observable<KeyedElement<T, K>>,
) => import('rxjs').Observable<Element<[K, R]>>) &
  AggregateFunction<T, ACC, R> & {
    /** The operator name used in errors. */
    readonly aggregationName: string;
    /** The same aggregation with other emission options. */
    withOptions(options: KeyedAggregationOptions): KeyedAggregation<T, ACC, R>;
  };

/** @internal Checks an emission option. */
function checkEmit(name: string, options: KeyedAggregationOptions): 'final' | 'every' {
  const emit = options.emit ?? 'final';
  if (emit !== 'final' && emit !== 'every') {
    throw new InvalidArgumentError(name, 'options.emit', "'final' or 'every'", emit);
  }
  return emit;
}

/**
 * @internal
 * The rolling aggregation in the global window: an accumulator per interned
 * key, updated inline in the batch loop; results at end of input (the maximum
 * watermark) or after every record.
 */
export function rollingAggregate<T, K, ACC, R>(
  name: string,
  fn: AggregateFunction<T, ACC, R>,
  options: KeyedAggregationOptions,
): OperatorFunction<KeyedElement<T, K>, Element<[K, R]>> {
  const emit = checkEmit(name, options);
  const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
  const keyGroups = checkKeyGroupsOption(name, options.keyGroups, maxParallelism);
  return elementOperator<T, [K, R]>(name, (out) => {
    const interner = new KeyInterner<K>();
    let accumulators: ACC[] = [];
    let fired = false;
    const job = currentJob();
    // The snapshot copies the key and accumulator columns (a flat copy; accumulators are immutable values).
    const snapshotNow = () => {
      const state: RollingCheckpoint = {
        keys: Array.from({ length: interner.size }, (_, id) => interner.keyOf(id)),
        accumulators: accumulators.slice(),
        fired,
        keyGroups,
        maxParallelism,
      };
      return { toData: () => state };
    };
    const handle = job?.registerOperator(name, options.name, { snapshot: snapshotNow });
    // One snapshot, or several (savepoints of several instances merged): only keys of this instance's key groups are loaded.
    const parts = restoredParts<RollingCheckpoint>(handle?.restored);
    checkRestoredCoverage(name, parts, keyGroups, maxParallelism);
    for (const part of parts) {
      if ((part.maxParallelism ?? DEFAULT_MAX_PARALLELISM) !== maxParallelism) {
        throw new InvalidArgumentError(name, 'maxParallelism', `${part.maxParallelism ?? DEFAULT_MAX_PARALLELISM} (the snapshot's number of key groups)`, maxParallelism);
      }
      part.keys.forEach((key, i) => {
        if (inKeyGroupRange(keyGroups, keyGroupOf(key, maxParallelism))) accumulators[interner.intern(key as K)] = part.accumulators[i] as ACC;
      });
      fired ||= part.fired;
    }
    /** Keys with an id below this were checked against `keyGroups` (Infinity: the instance owns all). */
    let keysChecked = options.keyGroups === undefined ? Infinity : interner.size;
    const fire = (): void => {
      if (fired) return;
      fired = true;
      const n = interner.size;
      if (n === 0) return;
      const results = new Array<[K, R]>(n);
      const timestamps = new Array<Timestamp>(n).fill(MAX_WATERMARK);
      let id = 0;
      try {
        for (; id < n; id++) results[id] = [interner.keyOf(id), fn.getResult(accumulators[id])];
      } catch (err) {
        throw new UserFunctionError(name, { value: accumulators[id], key: interner.keyOf(id) }, err);
      }
      accumulators = [];
      out.next(recordBatch(results, timestamps));
    };
    return {
      batch(batch) {
        const keys = batch.keys as readonly K[] | undefined;
        if (keys === undefined) throw new NotKeyedError(name);
        if (fired) throw new StreamLiteError(name, 'record after end of input (the maximum watermark)');
        const { values, timestamps } = batch;
        const n = values.length;
        const every: [K, R][] | undefined = emit === 'every' ? new Array<[K, R]>(n) : undefined;
        let i = 0;
        try {
          for (; i < n; i++) {
            const id = interner.intern(keys[i]);
            if (id >= keysChecked) {
              checkKeyInKeyGroups(name, keys[i], keyGroups, maxParallelism, { value: values[i], timestamp: timestamps[i], key: keys[i] });
              keysChecked = id + 1;
            }
            const acc = id < accumulators.length ? accumulators[id] : fn.createAccumulator();
            const next = fn.add(values[i], acc);
            accumulators[id] = next;
            if (every) every[i] = [keys[i], fn.getResult(next)];
          }
        } catch (err) {
          if (err instanceof StreamLiteError) throw err;
          throw new UserFunctionError(name, { value: values[i], timestamp: timestamps[i], key: keys[i] }, err);
        }
        if (every) out.next(recordBatch(every, timestamps));
      },
      watermark(wm) {
        if (wm.timestamp >= MAX_WATERMARK && emit === 'final') fire();
        out.next(wm);
      },
      barrier(b) {
        handle?.snapshotted(b, snapshotNow());
        out.next(b);
      },
      end() {
        if (emit === 'final') fire();
      },
    };
  }) as OperatorFunction<KeyedElement<T, K>, Element<[K, R]>>;
}

/** @internal Builds a {@link KeyedAggregation} from an aggregate function. */
export function keyedAggregation<T, ACC, R>(
  name: string,
  fn: AggregateFunction<T, ACC, R>,
  options: KeyedAggregationOptions = {},
): KeyedAggregation<T, ACC, R> {
  checkEmit(name, options);
  checkKeyGroupsOption(name, options.keyGroups, options.maxParallelism ?? DEFAULT_MAX_PARALLELISM);
  const operator = (source: import('rxjs').Observable<KeyedElement<T, unknown>>) =>
    rollingAggregate<T, unknown, ACC, R>(name, fn, options)(source);
  return Object.assign(operator, {
    createAccumulator: () => fn.createAccumulator(),
    add: (value: T, acc: ACC) => fn.add(value, acc),
    getResult: (acc: ACC) => fn.getResult(acc),
    merge: (a: ACC, b: ACC) => fn.merge(a, b),
    aggregationName: name,
    withOptions: (next: KeyedAggregationOptions) => keyedAggregation(name, fn, next),
  }) as unknown as KeyedAggregation<T, ACC, R>;
}
