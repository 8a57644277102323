import { asyncScheduler, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import type { Element, RecordBatch } from '../core/Element';
import { idle, recordBatch, watermark } from '../core/elementFactories';
import { InvalidArgumentError, InvalidTimestampError, MissingTimestampError, UserFunctionError } from '../core/errors';
import { isValidTimestamp, MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP } from '../core/time';
import type { Duration, ElementOperator, Timestamp, TimestampExtractor } from '../core/types';
import { checkIdleTimeout } from '../time/withIdleness';
import type { WatermarkEmission, WatermarkGeneratorSnapshot, WatermarkStrategy } from '../time/WatermarkStrategy';
import { currentJob } from '../checkpoint/JobContext';
import { elementOperator } from './operate';

const NAME = 'assignTimestampsAndWatermarks';

/** @internal What this operator keeps in a checkpoint. */
interface WatermarksCheckpoint {
  readonly generator: WatermarkGeneratorSnapshot;
  readonly emitted: Timestamp;
  readonly index: number;
}

/**
 * Options of {@link assignTimestampsAndWatermarks}: like the settings Flink
 * spreads over `WatermarkStrategy`, `TimestampAssigner` and `autoWatermarkInterval`,
 * in one object; `emit` and `idleTimeout` override the strategy's defaults.
 *
 * @example
 * { timestamp: (e) => e.at, emit: { every: 200 }, idleTimeout: 60_000, scheduler: testScheduler }
 */
export interface AssignTimestampsAndWatermarksOptions<T> {
  /** The operator's name in checkpoints (default by position). */
  readonly name?: string;
  /** Re-extracts every record's event timestamp (value, index since subscription). Without it, records keep theirs. */
  readonly timestamp?: TimestampExtractor<T>;
  /** When watermarks are emitted (default: the strategy's, else `'batch'`). */
  readonly emit?: WatermarkEmission;
  /** Idle after strictly more than this many ms of processing time without records (default: the strategy's; none). */
  readonly idleTimeout?: Duration;
  /** The processing-time scheduler for periodic emission and idleness (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
}

function checkEmission(emit: unknown): WatermarkEmission {
  if (emit === 'batch' || emit === 'record') return emit;
  const every = (emit as { every?: unknown } | null)?.every;
  if (typeof every === 'number' && every > 0 && Number.isFinite(every)) return emit as WatermarkEmission;
  throw new InvalidArgumentError(NAME, 'emit', "'batch', 'record' or { every: ms } with ms a finite number > 0", emit);
}

/** The batch's timestamps, extracted (validated) or checked present; `base` is the index of its first record. */
function timestampsOf<T>(batch: RecordBatch<T>, extractor: TimestampExtractor<T> | undefined, base: number): readonly Timestamp[] {
  const { values, keys } = batch;
  const n = values.length;
  if (extractor === undefined) {
    const ts = batch.timestamps;
    for (let i = 0; i < n; i++) {
      if (ts[i] === NO_TIMESTAMP) throw new MissingTimestampError(NAME, { value: values[i], key: keys?.[i] });
    }
    return ts;
  }
  const out = new Array<Timestamp>(n);
  for (let i = 0; i < n; i++) {
    let t: unknown;
    try {
      t = extractor(values[i], base + i);
    } catch (err) {
      throw new UserFunctionError(NAME, { value: values[i], key: keys?.[i] }, err);
    }
    if (!isValidTimestamp(t)) throw new InvalidTimestampError(NAME, { value: values[i], key: keys?.[i] }, t);
    out[i] = t;
  }
  return out;
}

const slice = <T>(b: RecordBatch<T>, ts: readonly Timestamp[], from: number, to: number): Element<T> =>
  recordBatch(b.values.slice(from, to), ts.slice(from, to), b.keys?.slice(from, to));

/**
 * Gives every record its event timestamp and generates the stream's
 * watermarks from a {@link WatermarkStrategy}; optionally marks the input idle.
 *
 * It's like Flink's `assignTimestampsAndWatermarks`, as a pipeable operator:
 * watermarks arriving from upstream are dropped and replaced by this
 * operator's, except the maximum watermark at end of input, which passes
 * through. Records pass unchanged (with their new timestamps), never dropped
 * or reordered, even when they are behind the watermark — downstream
 * event-time operators decide what is late. Emission (option `emit`):
 *
 * ```
 * input:       -[a@4 b@8 c@6 d@12]--W99--M|     boundedOutOfOrderness(2), W99 from upstream
 * 'batch':     -[a b c d]W9----------------M|   (W99 dropped, M = MAX_WATERMARK kept)
 * 'record':    -[a]W1[b]W5[c d]W9----------M|
 * {every: 5}:  -[a b c d]---W9-------------M|   at the next tick of the processing-time clock
 * ```
 *
 * With an idle timeout (option `idleTimeout` or {@link withIdleness}), the
 * input is idle once no record arrived for strictly more than the timeout of
 * processing time (counted from subscription before the first record): it
 * emits the watermark it holds (if not emitted yet) and `idle(true)`; the next
 * record is preceded by `idle(false)`. Idle markers from upstream are dropped
 * when this operator tracks idleness, and forwarded otherwise.
 *
 * A record without a timestamp and no `timestamp` option errors the stream
 * with a `MissingTimestampError`; an extractor that throws, with a
 * `UserFunctionError`; one returning a non-finite number, with an
 * `InvalidTimestampError` — each naming this operator and the record.
 * Completion and errors pass through; timers stop at the maximum watermark,
 * at end of input and on unsubscription.
 *
 * @example
 * fromCollection([{ at: 10_000 }, { at: 7_000 }]).pipe(
 *   assignTimestampsAndWatermarks(boundedOutOfOrderness(5_000), { timestamp: (e) => e.at }),
 * ); // [{at: 10000} {at: 7000}]@[10000 7000], W4999, W(MAX), END
 * @param strategy how watermarks are generated (with its default `emit` and `idleTimeout`).
 * @param options timestamp extraction, emission, idleness, the processing-time scheduler.
 * @returns an operator from `Element<T>` to `Element<T>`.
 * @throws InvalidArgumentError at creation for a bad strategy or option.
 * @see boundedOutOfOrderness, monotonous, punctuated, withIdleness, union
 */
export function assignTimestampsAndWatermarks<T>(
  strategy: WatermarkStrategy<T>,
  options: AssignTimestampsAndWatermarksOptions<T> = {},
): ElementOperator<T, T> {
  if (typeof strategy?.createGenerator !== 'function') {
    throw new InvalidArgumentError(NAME, 'strategy', 'a WatermarkStrategy (e.g. boundedOutOfOrderness(ms))', strategy);
  }
  const extractor = options.timestamp;
  if (extractor !== undefined && typeof extractor !== 'function') throw new InvalidArgumentError(NAME, 'timestamp', 'a function', extractor);
  const emit = checkEmission(options.emit ?? strategy.emit ?? 'batch');
  const idleTimeout = options.idleTimeout ?? strategy.idleTimeout;
  if (idleTimeout !== undefined) checkIdleTimeout(NAME, 'idleTimeout', idleTimeout);
  const scheduler = options.scheduler ?? asyncScheduler;
  if (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function') {
    throw new InvalidArgumentError(NAME, 'scheduler', 'a SchedulerLike', scheduler);
  }
  const perRecord = emit === 'record';
  const every = typeof emit === 'object' ? emit.every : undefined;

  return elementOperator<T, T>(NAME, (out) => {
    const job = currentJob();
    let emitted: Timestamp = MIN_WATERMARK;
    let index = 0;
    let generator: ReturnType<WatermarkStrategy<T>['createGenerator']>;
    const handle = job?.registerOperator(NAME, options.name, { snapshot: () => snapshotNow() });
    const restored = handle?.restored as WatermarksCheckpoint | undefined;
    if (restored !== undefined) {
      generator = strategy.createGenerator(restored.generator);
      emitted = restored.emitted;
      index = restored.index;
    } else generator = strategy.createGenerator();
    let isIdle = false;
    let lastRecordAt = scheduler.now();
    let idleTimer: Subscription | undefined;
    let periodic: Subscription | undefined;

    const snapshotNow = () => {
      const state: WatermarksCheckpoint = { generator: generator.snapshot(), emitted, index };
      return { toData: () => state, watermark: emitted };
    };
    const emitIfAdvanced = (): void => {
      const w = generator.current();
      if (w > emitted) {
        emitted = w;
        out.next(watermark(w));
      }
    };
    // One timer, armed for the first instant the silence exceeds the timeout; re-armed only when it fires early.
    function checkIdle(this: SchedulerAction<unknown>): void {
      const silent = scheduler.now() - lastRecordAt;
      if (silent > idleTimeout!) {
        idleTimer = undefined;
        isIdle = true;
        emitIfAdvanced();
        out.next(idle(true));
      } else this.schedule(undefined, idleTimeout! + 1 - silent);
    }
    const stopTimers = (): void => {
      idleTimer?.unsubscribe();
      periodic?.unsubscribe();
      idleTimer = periodic = undefined;
    };
    if (idleTimeout !== undefined) idleTimer = scheduler.schedule(checkIdle, idleTimeout + 1);
    if (every !== undefined) {
      periodic = scheduler.schedule(function (this: SchedulerAction<unknown>) {
        if (!isIdle) emitIfAdvanced();
        this.schedule(undefined, every);
      }, every);
    }

    return {
      batch(batch) {
        const n = batch.values.length;
        const timestamps = timestampsOf(batch, extractor, index);
        index += n;
        if (idleTimeout !== undefined && emitted < MAX_WATERMARK) {
          lastRecordAt = scheduler.now();
          if (isIdle) {
            isIdle = false;
            out.next(idle(false));
            idleTimer = scheduler.schedule(checkIdle, idleTimeout + 1);
          }
        }
        if (!perRecord) {
          if (generator.onBatch) generator.onBatch(batch.values, timestamps);
          else for (let i = 0; i < n; i++) generator.onEvent(batch.values[i], timestamps[i]);
          out.next(recordBatch(batch.values, timestamps, batch.keys));
          if (every === undefined) emitIfAdvanced();
          return;
        }
        let from = 0;
        for (let i = 0; i < n; i++) {
          generator.onEvent(batch.values[i], timestamps[i]);
          const w = generator.current();
          if (w > emitted) {
            out.next(from === 0 && i === n - 1 ? recordBatch(batch.values, timestamps, batch.keys) : slice(batch, timestamps, from, i + 1));
            emitted = w;
            out.next(watermark(w));
            from = i + 1;
          }
        }
        if (from < n) out.next(from === 0 ? recordBatch(batch.values, timestamps, batch.keys) : slice(batch, timestamps, from, n));
      },
      watermark(wm) {
        // Upstream watermarks are replaced by ours; only the end of input passes.
        if (wm.timestamp < MAX_WATERMARK || emitted >= MAX_WATERMARK) return;
        stopTimers();
        emitted = MAX_WATERMARK;
        out.next(wm);
      },
      idle(marker) {
        if (idleTimeout === undefined) out.next(marker);
      },
      barrier(b) {
        handle?.snapshotted(b, snapshotNow());
        out.next(b);
      },
      end: stopTimers,
      finalize: stopTimers,
    };
  });
}
