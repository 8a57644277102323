import type { Element, RecordBatch } from '../core/Element';
import { recordBatch, sideOutputBatch } from '../core/elementFactories';
import { InvalidArgumentError, InvalidTimestampError, StreamLiteError, UserFunctionError } from '../core/errors';
import { isValidTimestamp, MIN_WATERMARK, NO_TIMESTAMP } from '../core/time';
import type { ElementOperator, Timestamp } from '../core/types';
import type { OutputTag } from '../route/OutputTag';
import { elementOperator } from './operate';

/** What a process function sees of the record being processed. */
export interface ProcessContext<K = unknown> {
  /** The record's event timestamp, or `undefined` when it has none. */
  readonly timestamp: Timestamp | undefined;
  /** The record's key on a keyed stream, else `undefined`. */
  readonly key: K | undefined;
  /** The current watermark of this operator's input. */
  readonly currentWatermark: Timestamp;
  /** Emits `value` to the side output `tag`, with the record's timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Where a process function emits its results. */
export interface Collector<R> {
  /** Emits `value` with the timestamp of the record being processed. */
  collect(value: R): void;
  /** Emits `value` with an explicit event timestamp. */
  collectWithTimestamp(value: R, timestamp: Timestamp): void;
}

/** A process function: called once per record, free to emit any number of results and side outputs. */
export type ProcessFunction<T, R, K = unknown> =
  | ((value: T, ctx: ProcessContext<K>, out: Collector<R>) => void)
  | { processElement(value: T, ctx: ProcessContext<K>, out: Collector<R>): void };

/**
 * The general record-at-a-time operator: for each record, a function with a
 * context (timestamp, key, current watermark, side outputs) and a collector
 * for any number of results.
 *
 * It's Flink's `ProcessFunction`: main results go on as records, side outputs
 * travel in band under their {@link OutputTag} and are read with
 * `sideOutput(tag)`. Watermarks and barriers pass through after the results
 * of the records before them. A throwing function errors the stream with a
 * {@link UserFunctionError} naming the record.
 *
 * ```
 * input:   -[1 -2 3]-----W-|
 * output:  -[1 3]{neg:-2}-W-|     negatives to the side output `neg`
 * ```
 *
 * @example
 * const negatives = new OutputTag<number>('negatives');
 * numbers$.pipe(process<number, number>((n, ctx, out) => (n < 0 ? ctx.output(negatives, n) : out.collect(n))));
 * @param fn the process function.
 */
export function process<T, R, K = unknown>(fn: ProcessFunction<T, R, K>): ElementOperator<T, R> {
  const call =
    typeof fn === 'function'
      ? fn
      : fn !== null && typeof fn === 'object' && typeof fn.processElement === 'function'
        ? fn.processElement.bind(fn)
        : undefined;
  if (call === undefined) {
    throw new InvalidArgumentError('process', 'fn', 'a function or an object with processElement()', fn);
  }
  return elementOperator<T, R>('process', (out) => {
    let currentWatermark = MIN_WATERMARK;
    let results: R[] = [];
    let resultTimestamps: Timestamp[] = [];
    let sides = new Map<OutputTag<unknown>, { values: unknown[]; timestamps: Timestamp[] }>();
    let recordTimestamp: Timestamp = NO_TIMESTAMP;
    let active = false;
    const assertActive = (what: string): void => {
      if (!active) throw new StreamLiteError('process', `${what} called outside of the process function call`);
    };
    const collector: Collector<R> = {
      collect(value) {
        assertActive('collect()');
        results.push(value);
        resultTimestamps.push(recordTimestamp);
      },
      collectWithTimestamp(value, timestamp) {
        assertActive('collectWithTimestamp()');
        if (!isValidTimestamp(timestamp)) throw new InvalidTimestampError('process', { value }, timestamp);
        results.push(value);
        resultTimestamps.push(timestamp);
      },
    };
    const flush = (): void => {
      if (results.length > 0) out.next(recordBatch(results, resultTimestamps) as Element<R>);
      results = [];
      resultTimestamps = [];
      if (sides.size > 0) {
        for (const [tag, side] of sides) out.next(sideOutputBatch(tag, recordBatch(side.values, side.timestamps)));
        sides = new Map();
      }
    };
    return {
      batch(batch: RecordBatch<T>) {
        const { values, timestamps, keys } = batch;
        const n = values.length;
        for (let i = 0; i < n; i++) {
          const ts = timestamps[i];
          recordTimestamp = ts;
          const ctx: ProcessContext<K> = {
            timestamp: ts === NO_TIMESTAMP ? undefined : ts,
            key: keys?.[i] as K | undefined,
            currentWatermark,
            output<X>(tag: OutputTag<X>, value: X) {
              assertActive('ctx.output()');
              let side = sides.get(tag as OutputTag<unknown>);
              if (side === undefined) {
                side = { values: [], timestamps: [] };
                sides.set(tag as OutputTag<unknown>, side);
              }
              side.values.push(value);
              side.timestamps.push(ts);
            },
          };
          active = true;
          try {
            call(values[i], ctx, collector);
          } catch (err) {
            if (err instanceof StreamLiteError && err.operator === 'process') throw err;
            throw new UserFunctionError('process', { value: values[i], timestamp: ts, key: keys?.[i] }, err);
          } finally {
            active = false;
          }
        }
        flush();
      },
      watermark(wm) {
        if (wm.timestamp > currentWatermark) currentWatermark = wm.timestamp;
        out.next(wm);
      },
    };
  });
}
