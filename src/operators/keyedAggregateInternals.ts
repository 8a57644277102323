import type { Observable, OperatorFunction, Subscriber } from 'rxjs';
import type { CheckpointBarrier, Element, KeyedElement, RecordBatch, Watermark } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, NotKeyedError, StreamLiteError, UserFunctionError } from '../core/errors';
import { MAX_WATERMARK } from '../core/time';
import type { KeySelector, Timestamp } from '../core/types';
import { KeyInterner } from '../state/KeyInterner';
import type { AggregateFunction } from './AggregateFunction';
import { flatMapOrigin, flattenBatch } from './flatMap';
import { checkKey, fillKeyColumn, keyByOrigin } from './keyBy';
import { numericInitial, type NumericSpec } from './numericAggregateInternals';
import { operate, subscribeElements, type ElementHandlers } from './operate';
import { currentJob, type OperatorHandle, type OperatorSnapshot } from '../checkpoint/JobContext';
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

// ---------------------------------------------------------------------------------------------
// Per-key columns, copy-on-write by page

const PAGE_BITS = 12;
/** Key ids per page. */
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
/** A page starts this small and doubles as keys arrive, so a few keys take little memory. */
const FIRST_PAGE_LENGTH = 16;

/** A page of a column: a `Float64Array` (numeric aggregations) or an array of accumulators. */
interface Page<V> {
  [id: number]: V;
  readonly length: number;
  slice(): Page<V>;
}

/**
 * @internal
 * One value per key id, in pages of 4,096 ids, copy-on-write across
 * snapshots: {@link snapshot} keeps the current pages (it copies only the list
 * of page references, 1 per 4,096 keys) and starts a new epoch; the first write
 * to a page after it copies that page ({@link writable}). So a barrier costs
 * next to nothing, a snapshot's view never changes while processing goes on,
 * and the copying is spread over the records that follow, page by page, only
 * for the pages they touch.
 */
export class PagedColumn<V> {
  /** The live pages; page `p` holds ids `p·4096 …`. Read freely; write only through {@link writable}. */
  readonly pages: Page<V>[] = [];
  /** The epoch whose copy each page is: a page of an older epoch is shared with a snapshot. */
  private readonly owners: number[] = [];
  private epoch = 0;
  /** How many pages are still shared with a snapshot (0: every page is writable as it is). */
  shared = 0;

  private constructor(
    /** Float64Array pages (numbers), or arrays (any values). */
    private readonly typed: boolean,
    /** The value of a new slot. */
    private readonly initial: V,
  ) {}

  /** A numeric column (`Float64Array` pages, new slots `initial`). */
  static numeric(initial: number): PagedColumn<number> {
    return new PagedColumn<number>(true, initial);
  }

  /** A column of arbitrary values (new slots `undefined`). */
  static values<V>(): PagedColumn<V> {
    return new PagedColumn<V>(false, undefined as V);
  }

  // A method rather than a function passed in: optimized code must not embed a per-column closure, which dies
  // with the column and deoptimizes every caller.
  private allocate(length: number): Page<V> {
    if (!this.typed) return new Array<V>(length);
    const page = new Float64Array(length);
    const initial = this.initial as unknown as number;
    if (initial !== 0) page.fill(initial);
    return page as unknown as Page<V>;
  }

  /** Makes room for ids up to `id` (new slots hold the initial value). */
  ensure(id: number): void {
    const p = id >>> PAGE_BITS;
    while (this.pages.length < p) this.addPage(PAGE_SIZE);
    if (this.pages.length === p) {
      this.addPage(Math.max(FIRST_PAGE_LENGTH, nextPowerOfTwo((id & PAGE_MASK) + 1)));
      return;
    }
    const old = this.pages[p];
    const need = (id & PAGE_MASK) + 1;
    if (need <= old.length) return;
    const grown = this.allocate(Math.min(PAGE_SIZE, Math.max(old.length * 2, nextPowerOfTwo(need))));
    for (let i = 0; i < old.length; i++) grown[i] = old[i];
    this.pages[p] = grown;
    this.own(p);
  }

  /** The value of `id` (which must have room, see {@link ensure}). */
  get(id: number): V {
    return this.pages[id >>> PAGE_BITS][id & PAGE_MASK];
  }

  /** Sets the value of `id` (which must have room). */
  set(id: number, value: V): void {
    this.writable(id >>> PAGE_BITS)[id & PAGE_MASK] = value;
  }

  /** Page `p`, copied first if a snapshot shares it. */
  writable(p: number): Page<V> {
    return this.owners[p] === this.epoch ? this.pages[p] : this.copyPage(p);
  }

  /** O(pages): a view of the values as of now, which later writes never change. */
  snapshot(): ColumnView<V> {
    const view = new ColumnView<V>(this.pages.slice());
    this.epoch++;
    this.shared = this.pages.length;
    return view;
  }

  /** Drops every value (the column is empty afterwards). */
  clear(): void {
    this.pages.length = 0;
    this.owners.length = 0;
    this.shared = 0;
  }

  private addPage(length: number): void {
    this.pages.push(this.allocate(length));
    this.owners.push(this.epoch);
  }

  private own(p: number): void {
    if (this.owners[p] !== this.epoch) {
      this.owners[p] = this.epoch;
      this.shared--;
    }
  }

  private copyPage(p: number): Page<V> {
    const copy = this.pages[p].slice();
    this.pages[p] = copy;
    this.own(p);
    return copy;
  }
}

/** @internal A column's values as of a snapshot. */
export class ColumnView<V> {
  constructor(private readonly pages: readonly Page<V>[]) {}

  get(id: number): V {
    return this.pages[id >>> PAGE_BITS][id & PAGE_MASK];
  }
}

const nextPowerOfTwo = (n: number): number => (n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n)));

// ---------------------------------------------------------------------------------------------
// The rolling aggregation

/** How the accumulators are kept: kinds of typed columns, or the aggregate function's accumulators. */
const Kind = { Generic: 0, Count: 1, Sum: 2, Min: 3, Max: 4, Avg: 5 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const KINDS: Readonly<Record<NumericSpec<unknown>['kind'], Kind>> = {
  count: Kind.Count,
  sum: Kind.Sum,
  min: Kind.Min,
  max: Kind.Max,
  avg: Kind.Avg,
};

/** @internal What every subscription of one rolling aggregation shares. */
interface RollingSpec<T, ACC, R> {
  readonly name: string;
  readonly fn: AggregateFunction<T, ACC, R>;
  readonly options: KeyedAggregationOptions;
  readonly emit: 'final' | 'every';
  readonly kind: Kind;
  /** Numeric kinds but count: the checked selector. */
  readonly select: ((value: T) => number) | undefined;
  readonly initial: number;
  readonly keyGroups: KeyGroupRange;
  readonly maxParallelism: number;
}

/**
 * @internal
 * The rolling aggregation in the global window: an accumulator per interned
 * key; results at end of input (the maximum watermark) or after every record.
 *
 * Per batch, one pass turns keys into ids (interning each key once, checking
 * key groups, making room for new keys), a second updates the accumulators
 * by id — for the built-in numeric aggregations ({@link NumericSpec}) in
 * `Float64Array` columns with a loop per kind, for any other aggregate
 * function in a column of its accumulators. Right after {@link keyBy} the
 * operator keys the records itself into a reused array (no keys column per
 * batch); it behaves exactly as keyBy followed by the aggregation would.
 *
 * Checkpoints are copy-on-write ({@link PagedColumn}): the barrier keeps the
 * current pages of the columns and the key list's length, O(keys / 4,096);
 * the checkpoint data is built from them later, off the record path.
 */
export function rollingAggregate<T, K, ACC, R>(
  name: string,
  fn: AggregateFunction<T, ACC, R>,
  options: KeyedAggregationOptions,
  numeric?: NumericSpec<T>,
): OperatorFunction<KeyedElement<T, K>, Element<[K, R]>> {
  const emit = checkEmit(name, options);
  const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
  const spec: RollingSpec<T, ACC, R> = {
    name,
    fn,
    options,
    emit,
    kind: numeric === undefined ? Kind.Generic : KINDS[numeric.kind],
    select: numeric !== undefined && numeric.kind !== 'count' ? numeric.select : undefined,
    initial: numeric === undefined ? 0 : numericInitial(numeric.kind),
    keyGroups: checkKeyGroupsOption(name, options.keyGroups, maxParallelism),
    maxParallelism,
  };
  return (source) => {
    // Fusing: right after keyBy the aggregation keys the records itself; count, right after flatMap → keyBy,
    // also flattens them itself. A non-element is reported by the first operator that sees it.
    let input = source as Observable<Element<unknown>>;
    let first = name;
    const keyedBy = keyByOrigin(source);
    const flattened = keyedBy !== undefined && spec.kind === Kind.Count ? flatMapOrigin(keyedBy.upstream) : undefined;
    if (keyedBy !== undefined) [input, first] = [keyedBy.upstream, 'keyBy'];
    if (flattened !== undefined) [input, first] = [flattened.upstream, 'flatMap'];
    return operate<Element<unknown>, Element<[K, R]>>((_, out) =>
      subscribeElements<unknown, [K, R]>(
        first,
        input,
        out,
        new RollingAggregator<T, K, ACC, R>(spec, out, keyedBy?.selector as KeySelector<T, K> | undefined, flattened?.project as Project<T>) as ElementHandlers<unknown>,
      ),
    )(input);
  };
}

/** @internal One subscription of a rolling aggregation: its state and its element handlers. */
class RollingAggregator<T, K, ACC, R> implements ElementHandlers<T> {
  private readonly interner = new KeyInterner<K>();
  /** Numeric kinds: the value (the sum for avg). */
  private readonly numbers: PagedColumn<number>;
  /** Avg: the counts. */
  private readonly counts: PagedColumn<number>;
  /** Generic: the accumulators. */
  private readonly accumulators: PagedColumn<ACC>;
  /** Ids below this have room in the columns. */
  private capacity = 0;
  /** Generic: ids below this have an accumulator (createAccumulator was called). */
  private initialized = 0;
  /** Keys with an id below this were checked against `keyGroups` (Infinity: the instance owns all). */
  private keysChecked = Infinity;
  private fired = false;
  private readonly handle: OperatorHandle | undefined;
  /** Reused from batch to batch (never handed on): key ids, and keys when keyBy is fused. */
  private ids = new Int32Array(1024);
  private keyScratch: K[] = [];
  private busy = false;
  /** count: the key outside the key groups that stopped the last batch. */
  private rejectedKey: unknown = undefined;

  constructor(
    private readonly spec: RollingSpec<T, ACC, R>,
    private readonly out: Subscriber<Element<[K, R]>>,
    /** The key selector of a fused keyBy. */
    private readonly selector: KeySelector<T, K> | undefined,
    /** The function of a fused flatMap (before the fused keyBy): the batches are then its input. */
    private readonly project: Project<T> | undefined,
  ) {
    const { kind, name, options, keyGroups, maxParallelism } = spec;
    this.numbers = PagedColumn.numeric(kind === Kind.Generic ? 0 : spec.initial);
    this.counts = PagedColumn.numeric(0);
    this.accumulators = PagedColumn.values<ACC>();
    this.handle = currentJob()?.registerOperator(name, options.name, { snapshot: () => this.snapshot() });
    // One snapshot, or several (savepoints of several instances merged): only keys of this instance's key groups are loaded.
    const parts = restoredParts<RollingCheckpoint>(this.handle?.restored);
    checkRestoredCoverage(name, parts, keyGroups, maxParallelism);
    for (const part of parts) {
      if ((part.maxParallelism ?? DEFAULT_MAX_PARALLELISM) !== maxParallelism) {
        throw new InvalidArgumentError(name, 'maxParallelism', `${part.maxParallelism ?? DEFAULT_MAX_PARALLELISM} (the snapshot's number of key groups)`, maxParallelism);
      }
      part.keys.forEach((key, i) => {
        if (!inKeyGroupRange(keyGroups, keyGroupOf(key, maxParallelism))) return;
        const id = this.interner.intern(key as K);
        if (id >= this.capacity) this.makeRoom(id);
        if (i < part.accumulators.length) this.load(id, part.accumulators[i]); // a snapshot taken after firing keeps none
      });
      this.fired ||= part.fired;
    }
    this.initialized = this.interner.size;
    if (options.keyGroups !== undefined) this.keysChecked = this.interner.size;
  }

  batch(b: RecordBatch<T>): void {
    if (this.spec.kind === Kind.Count) this.countBatch(b);
    else this.aggregateBatch(b);
  }

  /**
   * count(): no user function of its own, so one pass per record — key (when keyBy is fused), intern, add one —
   * calls the user's functions exactly as keyBy then count would (the selector once per record, in order), and
   * raises the same error first: a keyBy error anywhere in the batch wins over a key outside the key groups.
   */
  private countBatch(b: RecordBatch<T>): void {
    if (this.project !== undefined) {
      this.countFlattened(b as RecordBatch<unknown>, this.project, this.selector!);
      return;
    }
    const { name, keyGroups, maxParallelism } = this.spec;
    const { values, timestamps } = b;
    const selector = this.selector;
    const keys = b.keys as readonly K[] | undefined;
    if (selector === undefined && keys === undefined) throw new NotKeyedError(name);
    if (this.fired) {
      if (selector !== undefined) fillKeyColumn(selector, values, timestamps, new Array<K>(values.length));
      throw new StreamLiteError(name, 'record after end of input (the maximum watermark)');
    }
    const every: [K, R][] | undefined = this.spec.emit === 'every' ? new Array<[K, R]>(values.length) : undefined;
    const stop =
      every === undefined && this.numbers.shared === 0
        ? this.countFast(values, timestamps, selector, keys)
        : this.countEvery(values, timestamps, selector, keys, every);
    if (stop < values.length) {
      const key = this.rejectedKey as K;
      this.rejectedKey = undefined;
      if (selector !== undefined && stop + 1 < values.length) {
        // keyBy would have keyed the whole batch first: its errors come before this one.
        fillKeyColumn(selector, values.slice(stop + 1), timestamps.slice(stop + 1), []);
      }
      checkKeyInKeyGroups(name, key, keyGroups, maxParallelism, { value: values[stop], timestamp: timestamps[stop], key });
    }
    if (every) this.out.next(recordBatch(every, timestamps));
  }

  /**
   * flatMap → keyBy → count fused: per record, its values, each keyed, interned and counted — no batch of values,
   * timestamps or keys in between. The user's functions see the same calls as unfused, possibly in another
   * interleaving (record by record, as with batches of one record), and the error raised is the one the unfused
   * operators would raise: flatMap's first, then keyBy's, then a key outside the key groups.
   */
  private countFlattened(b: RecordBatch<unknown>, project: Project<T>, selector: KeySelector<T, K>): void {
    const { name, keyGroups, maxParallelism } = this.spec;
    const { values: records, timestamps } = b;
    const n = records.length;
    if (this.fired) {
      const flat = flattenBatch(project, b, { expected: 0 });
      if (flat === undefined) return;
      fillKeyColumn(selector, flat.values, flat.timestamps, []);
      throw new StreamLiteError(name, 'record after end of input (the maximum watermark)');
    }
    const every: [K, R][] | undefined = this.spec.emit === 'every' ? [] : undefined;
    const everyTimestamps: Timestamp[] | undefined = every !== undefined ? [] : undefined;
    const interner = this.interner;
    const column = this.numbers;
    const direct = every === undefined && column.shared === 0;
    const pages = column.pages;
    for (let i = 0; i < n; i++) {
      const produced = produce(project, b, i);
      const m = produced.length;
      const ts = timestamps[i];
      for (let j = 0; j < m; j++) {
        const value = produced[j];
        let key: K;
        try {
          key = selector(value);
        } catch (err) {
          throwAfterFlatMap(new UserFunctionError('keyBy', { value, timestamp: ts }, err), project, b, i + 1);
        }
        if (typeof key !== 'string' && typeof key !== 'bigint' && typeof key !== 'boolean') {
          try {
            checkKey(key, value, ts);
          } catch (err) {
            throwAfterFlatMap(err, project, b, i + 1);
          }
        }
        const id = interner.intern(key);
        if (id >= this.capacity) {
          if (id >= this.keysChecked && !this.checkNewKey(key, id)) {
            // flatMap's errors in the rest of the batch, then keyBy's, come first.
            const restValues = produced.slice(j + 1);
            const restTimestamps = restValues.map(() => ts);
            for (let r = i + 1; r < n; r++) {
              const more = produce(project, b, r);
              for (let k = 0; k < more.length; k++) {
                restValues.push(more[k]);
                restTimestamps.push(timestamps[r]);
              }
            }
            fillKeyColumn(selector, restValues as T[], restTimestamps, []);
            this.rejectedKey = undefined;
            checkKeyInKeyGroups(name, key, keyGroups, maxParallelism, { value, timestamp: ts, key });
          }
          this.makeRoom(id);
        }
        if (direct) {
          pages[id >>> PAGE_BITS][id & PAGE_MASK]++;
        } else {
          const next = ++column.writable(id >>> PAGE_BITS)[id & PAGE_MASK];
          if (every) {
            every.push([key, next as R]);
            everyTimestamps!.push(ts);
          }
        }
      }
    }
    if (every !== undefined && every.length > 0) this.out.next(recordBatch(every, everyTimestamps!));
  }

  /** The key of `values[i]`: the fused keyBy's (checked as keyBy checks it) or the keys column's. */
  private keyAt(values: readonly T[], timestamps: readonly Timestamp[], selector: KeySelector<T, K> | undefined, keys: readonly K[] | undefined, i: number): K {
    if (selector === undefined) return keys![i];
    let key: K;
    try {
      key = selector(values[i]);
    } catch (err) {
      throw new UserFunctionError('keyBy', { value: values[i], timestamp: timestamps[i] }, err);
    }
    if (typeof key !== 'string' && typeof key !== 'bigint' && typeof key !== 'boolean') checkKey(key, values[i], timestamps[i]);
    return key;
  }

  /** count, no changelog, no page shared with a snapshot: returns where a key outside the key groups stopped it. */
  private countFast(values: readonly T[], timestamps: readonly Timestamp[], selector: KeySelector<T, K> | undefined, keys: readonly K[] | undefined): number {
    const n = values.length;
    const interner = this.interner;
    const pages = this.numbers.pages;
    for (let i = 0; i < n; i++) {
      const key = this.keyAt(values, timestamps, selector, keys, i);
      const id = interner.intern(key);
      if (id >= this.capacity) {
        if (id >= this.keysChecked && !this.checkNewKey(key, id)) return i;
        this.makeRoom(id);
      }
      pages[id >>> PAGE_BITS][id & PAGE_MASK]++;
    }
    return n;
  }

  /** count with a changelog or with pages shared with a snapshot. */
  private countEvery(
    values: readonly T[],
    timestamps: readonly Timestamp[],
    selector: KeySelector<T, K> | undefined,
    keys: readonly K[] | undefined,
    every: [K, R][] | undefined,
  ): number {
    const n = values.length;
    const interner = this.interner;
    const column = this.numbers;
    for (let i = 0; i < n; i++) {
      const key = this.keyAt(values, timestamps, selector, keys, i);
      const id = interner.intern(key);
      if (id >= this.capacity) {
        if (id >= this.keysChecked && !this.checkNewKey(key, id)) return i;
        this.makeRoom(id);
      }
      const next = ++column.writable(id >>> PAGE_BITS)[id & PAGE_MASK];
      if (every) every[i] = [key, next as R];
    }
    return n;
  }

  /** Whether a new key is in the instance's key groups (then it counts as checked; if not, it is kept in `rejectedKey`). */
  private checkNewKey(key: K, id: number): boolean {
    if (!inKeyGroupRange(this.spec.keyGroups, keyGroupOf(key, this.spec.maxParallelism))) {
      this.rejectedKey = key;
      return false;
    }
    this.keysChecked = id + 1;
    return true;
  }

  /** sum, min, max, avg and any aggregate function: key the batch, then ids, then the accumulators. */
  private aggregateBatch(b: RecordBatch<T>): void {
    const { name, keyGroups, maxParallelism } = this.spec;
    const { values, timestamps } = b;
    const n = values.length;
    const reentrant = this.busy;
    this.busy = true;
    try {
      let keys: readonly K[] | undefined;
      if (this.selector !== undefined) {
        // Fused keyBy: the whole batch keyed first, as keyBy would have done before passing it on.
        const scratch = reentrant ? new Array<K>(n) : this.keyScratch;
        fillKeyColumn(this.selector, values, timestamps, scratch);
        keys = scratch;
      } else {
        keys = b.keys as readonly K[] | undefined;
        if (keys === undefined) throw new NotKeyedError(name);
      }
      if (this.fired) throw new StreamLiteError(name, 'record after end of input (the maximum watermark)');
      if (!reentrant && this.ids.length < n) this.ids = new Int32Array(Math.max(n, this.ids.length * 2));
      const ids = reentrant ? new Int32Array(n) : this.ids;
      // A key outside the instance's key groups stops the batch there, after the records before it.
      const stop = this.idsOf(keys, n, ids);
      const every: [K, R][] | undefined = this.spec.emit === 'every' ? new Array<[K, R]>(stop) : undefined;
      let i = 0;
      try {
        i = this.update(ids, stop, values, keys, every);
      } catch (err) {
        if (err instanceof StreamLiteError) throw err;
        i = failedAt;
        throw new UserFunctionError(name, { value: values[i], timestamp: timestamps[i], key: keys[i] }, err);
      }
      if (stop < n) {
        const key = keys[stop];
        checkKeyInKeyGroups(name, key, keyGroups, maxParallelism, { value: values[stop], timestamp: timestamps[stop], key });
      }
      if (every) this.out.next(recordBatch(every, timestamps));
    } finally {
      this.busy = reentrant;
    }
  }

  watermark(wm: Watermark): void {
    if (wm.timestamp >= MAX_WATERMARK && this.spec.emit === 'final') this.fire();
    this.out.next(wm);
  }

  barrier(b: CheckpointBarrier): void {
    this.handle?.snapshotted(b, this.snapshot());
    this.out.next(b);
  }

  end(): void {
    if (this.spec.emit === 'final') this.fire();
  }

  /** Pass 1: the id of each key (interned), up to the first key outside the key groups; returns where it stopped. */
  private idsOf(keys: readonly K[], n: number, ids: Int32Array): number {
    const interner = this.interner;
    for (let i = 0; i < n; i++) {
      const id = interner.intern(keys[i]);
      if (id >= this.keysChecked) {
        const { keyGroups, maxParallelism } = this.spec;
        if (!inKeyGroupRange(keyGroups, keyGroupOf(keys[i], maxParallelism))) return i;
        this.keysChecked = id + 1;
      }
      if (id >= this.capacity) this.makeRoom(id);
      ids[i] = id;
    }
    return n;
  }

  /** Pass 2: the accumulators of records `[0, stop)`; a user function's error leaves its index in `failedAt`. */
  private update(ids: Int32Array, stop: number, values: readonly T[], keys: readonly K[], every: [K, R][] | undefined): number {
    const { kind, select } = this.spec;
    switch (kind) {
      case Kind.Sum:
        return sumInto(this.numbers, ids, stop, values, select!, keys, every);
      case Kind.Min:
        return minInto(this.numbers, ids, stop, values, select!, keys, every);
      case Kind.Max:
        return maxInto(this.numbers, ids, stop, values, select!, keys, every);
      case Kind.Avg:
        return avgInto(this.numbers, this.counts, ids, stop, values, select!, keys, every);
      default:
        return this.addGeneric(ids, stop, values, keys, every);
    }
  }

  private addGeneric(ids: Int32Array, stop: number, values: readonly T[], keys: readonly K[], every: [K, R][] | undefined): number {
    const fn = this.spec.fn;
    const column = this.accumulators;
    let i = 0;
    try {
      for (; i < stop; i++) {
        const id = ids[i];
        const acc = id < this.initialized ? column.get(id) : fn.createAccumulator();
        const next = fn.add(values[i], acc);
        column.writable(id >>> PAGE_BITS)[id & PAGE_MASK] = next;
        if (id >= this.initialized) this.initialized = id + 1;
        if (every) every[i] = [keys[i], fn.getResult(next)];
      }
    } catch (err) {
      failedAt = i;
      throw err;
    }
    return i;
  }

  private makeRoom(id: number): void {
    if (this.spec.kind === Kind.Generic) this.accumulators.ensure(id);
    else this.numbers.ensure(id);
    if (this.spec.kind === Kind.Avg) this.counts.ensure(id);
    this.capacity = id + 1;
  }

  /** Loads a restored accumulator (numbers; `[sum, count]` for avg). */
  private load(id: number, acc: unknown): void {
    switch (this.spec.kind) {
      case Kind.Generic:
        this.accumulators.set(id, acc as ACC);
        return;
      case Kind.Avg: {
        const [total, n] = acc as readonly [number, number];
        this.numbers.set(id, total);
        this.counts.set(id, n);
        return;
      }
      default:
        this.numbers.set(id, acc as number);
    }
  }

  private resultOf(id: number): R {
    switch (this.spec.kind) {
      case Kind.Generic:
        return this.spec.fn.getResult(this.accumulators.get(id));
      case Kind.Avg: {
        const n = this.counts.get(id);
        return (n === 0 ? NaN : this.numbers.get(id) / n) as R;
      }
      default:
        return this.numbers.get(id) as R;
    }
  }

  private fire(): void {
    if (this.fired) return;
    this.fired = true;
    const n = this.interner.size;
    if (n === 0) return;
    const results = new Array<[K, R]>(n);
    const timestamps = new Array<Timestamp>(n).fill(MAX_WATERMARK);
    let id = 0;
    try {
      for (; id < n; id++) results[id] = [this.interner.keyOf(id), this.resultOf(id)];
    } catch (err) {
      throw new UserFunctionError(this.spec.name, { value: this.accumulators.get(id), key: this.interner.keyOf(id) }, err);
    }
    this.numbers.clear();
    this.counts.clear();
    this.accumulators.clear();
    this.out.next(recordBatch(results, timestamps));
  }

  /** O(keys / 4,096): the columns' pages and the key list's length; the data is built later, off the record path. */
  private snapshot(): OperatorSnapshot {
    const { kind, keyGroups, maxParallelism } = this.spec;
    const fired = this.fired;
    const n = fired ? 0 : this.interner.size;
    const keyCount = this.interner.size;
    const allKeys = this.interner.keyList();
    const main: ColumnView<unknown> = kind === Kind.Generic ? this.accumulators.snapshot() : this.numbers.snapshot();
    const counts = kind === Kind.Avg ? this.counts.snapshot() : undefined;
    let data: RollingCheckpoint | undefined;
    return {
      toData: () => {
        if (data === undefined) {
          const accumulators = new Array<unknown>(n);
          for (let id = 0; id < n; id++) accumulators[id] = counts === undefined ? main.get(id) : [main.get(id), counts.get(id)];
          data = { keys: allKeys.slice(0, keyCount), accumulators, fired, keyGroups, maxParallelism };
        }
        return data;
      },
    };
  }
}

/** @internal A flatMap function. */
type Project<T> = (value: unknown) => Iterable<T>;

/**
 * The values flatMap makes of record `i` of `batch` (an iterable is iterated at once, as flatMap does), with
 * flatMap's errors.
 */
function produce<T>(project: Project<T>, batch: RecordBatch<unknown>, i: number): readonly T[] {
  let produced: Iterable<T>;
  try {
    produced = project(batch.values[i]);
  } catch (err) {
    throw new UserFunctionError('flatMap', { value: batch.values[i], timestamp: batch.timestamps[i], key: batch.keys?.[i] }, err);
  }
  if (Array.isArray(produced)) return produced as readonly T[];
  if (produced != null && typeof (produced as Iterable<T>)[Symbol.iterator] === 'function') return Array.from(produced);
  throw new StreamLiteError('flatMap', 'the user function must return an array or an iterable', { value: batch.values[i], timestamp: batch.timestamps[i] });
}

/** Throws `err` unless flatMap raises an error for a record of `batch` from `from` on (which comes first). */
function throwAfterFlatMap<T>(err: unknown, project: Project<T>, batch: RecordBatch<unknown>, from: number): never {
  for (let r = from; r < batch.values.length; r++) produce(project, batch, r);
  throw err;
}

/** The index of the record whose user function threw in the last update loop (read right after the throw). */
let failedAt = 0;

// The update loops, one per kind (each call site sees one kind of column). Each returns `stop`; on a throw the
// record's index is in `failedAt`. A write goes through `writable` unless no page is shared with a snapshot.

function sumInto<T, K, R>(
  column: PagedColumn<number>,
  ids: Int32Array,
  stop: number,
  values: readonly T[],
  select: (value: T) => number,
  keys: readonly K[],
  every: [K, R][] | undefined,
): number {
  let i = 0;
  try {
    for (; i < stop; i++) {
      const id = ids[i];
      const x = select(values[i]);
      const next = (column.writable(id >>> PAGE_BITS)[id & PAGE_MASK] += x);
      if (every) every[i] = [keys[i], next as R];
    }
  } catch (err) {
    failedAt = i;
    throw err;
  }
  return i;
}

function minInto<T, K, R>(
  column: PagedColumn<number>,
  ids: Int32Array,
  stop: number,
  values: readonly T[],
  select: (value: T) => number,
  keys: readonly K[],
  every: [K, R][] | undefined,
): number {
  let i = 0;
  try {
    for (; i < stop; i++) {
      const id = ids[i];
      const x = select(values[i]);
      const page = column.writable(id >>> PAGE_BITS);
      const next = (page[id & PAGE_MASK] = Math.min(page[id & PAGE_MASK], x));
      if (every) every[i] = [keys[i], next as R];
    }
  } catch (err) {
    failedAt = i;
    throw err;
  }
  return i;
}

function maxInto<T, K, R>(
  column: PagedColumn<number>,
  ids: Int32Array,
  stop: number,
  values: readonly T[],
  select: (value: T) => number,
  keys: readonly K[],
  every: [K, R][] | undefined,
): number {
  let i = 0;
  try {
    for (; i < stop; i++) {
      const id = ids[i];
      const x = select(values[i]);
      const page = column.writable(id >>> PAGE_BITS);
      const next = (page[id & PAGE_MASK] = Math.max(page[id & PAGE_MASK], x));
      if (every) every[i] = [keys[i], next as R];
    }
  } catch (err) {
    failedAt = i;
    throw err;
  }
  return i;
}

function avgInto<T, K, R>(
  sums: PagedColumn<number>,
  counts: PagedColumn<number>,
  ids: Int32Array,
  stop: number,
  values: readonly T[],
  select: (value: T) => number,
  keys: readonly K[],
  every: [K, R][] | undefined,
): number {
  let i = 0;
  try {
    for (; i < stop; i++) {
      const id = ids[i];
      const x = select(values[i]);
      const p = id >>> PAGE_BITS;
      const total = (sums.writable(p)[id & PAGE_MASK] += x);
      const n = ++counts.writable(p)[id & PAGE_MASK];
      if (every) every[i] = [keys[i], (total / n) as R];
    }
  } catch (err) {
    failedAt = i;
    throw err;
  }
  return i;
}

/** @internal Builds a {@link KeyedAggregation} from an aggregate function (and, for the built-in numeric ones, its columns). */
export function keyedAggregation<T, ACC, R>(
  name: string,
  fn: AggregateFunction<T, ACC, R>,
  options: KeyedAggregationOptions = {},
  numeric?: NumericSpec<T>,
): KeyedAggregation<T, ACC, R> {
  checkEmit(name, options);
  checkKeyGroupsOption(name, options.keyGroups, options.maxParallelism ?? DEFAULT_MAX_PARALLELISM);
  const operator = (source: Observable<KeyedElement<T, unknown>>) =>
    rollingAggregate<T, unknown, ACC, R>(name, fn, options, numeric)(source);
  return Object.assign(operator, {
    createAccumulator: () => fn.createAccumulator(),
    add: (value: T, acc: ACC) => fn.add(value, acc),
    getResult: (acc: ACC) => fn.getResult(acc),
    merge: (a: ACC, b: ACC) => fn.merge(a, b),
    aggregationName: name,
    withOptions: (next: KeyedAggregationOptions) => keyedAggregation(name, fn, next, numeric),
  }) as unknown as KeyedAggregation<T, ACC, R>;
}

/**
 * One instance of each class whose methods run per record, alive as long as the module. V8 keeps a hidden class
 * (map) only while an object has it, and throws away optimized code that embeds a map that died: without these,
 * a pipeline that runs after a full GC left no instance alive (the benchmarks force one between runs; short jobs
 * run one after another do the same) would start with its hot loops deoptimized, in the interpreter.
 */
const KEPT_FOR_THEIR_MAPS: readonly unknown[] = [
  PagedColumn.numeric(0),
  PagedColumn.values(),
  new RollingAggregator(
    {
      name: 'count',
      fn: { createAccumulator: () => 0, add: () => 0, getResult: () => 0, merge: () => 0 },
      options: {},
      emit: 'final',
      kind: Kind.Count,
      select: undefined,
      initial: 0,
      keyGroups: { start: 0, end: DEFAULT_MAX_PARALLELISM - 1 },
      maxParallelism: DEFAULT_MAX_PARALLELISM,
    },
    undefined as never,
    undefined,
    undefined,
  ),
];
void KEPT_FOR_THEIR_MAPS;
