import type { Observable } from 'rxjs';
import type { Element, RecordBatch } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, StreamLiteError, UserFunctionError } from '../core/errors';
import { NO_TIMESTAMP } from '../core/time';
import type { ElementOperator, Timestamp } from '../core/types';
import { elementOperator } from './operate';

/**
 * Maps every record to zero or more records (an array or any iterable), each
 * keeping the timestamp of the record it came from.
 *
 * It's like RxJS's `mergeMap` over arrays (or Flink's `flatMap`), but
 * synchronous and batched: one output batch per input batch. The result is not
 * keyed.
 *
 * ```
 * input:   -["a b" "c"]------W-|
 * output:  -["a" "b" "c"]----W-|     project = s => s.split(' ')
 * ```
 *
 * A throwing `project`, or one that returns something that is not iterable,
 * errors the stream naming `flatMap` and the record.
 *
 * @example
 * await StreamLite.fromCollection(['the fox', 'a dog']).flatMap(s => s.split(' ')).collect();
 * // ['the', 'fox', 'a', 'dog']
 * @param project returns the values a record becomes.
 */
export function flatMap<T, R>(project: (value: T) => Iterable<R>): ElementOperator<T, R> {
  if (typeof project !== 'function') throw new InvalidArgumentError('flatMap', 'project', 'a function', project);
  const operator = elementOperator<T, R>('flatMap', (out) => {
    const sizer = { expected: 0 };
    return {
      batch(batch) {
        const flat = flattenBatch(project, batch, sizer);
        if (flat !== undefined) out.next(flat);
      },
    };
  });
  return (source) => {
    const flattened = operator(source);
    origins.set(flattened, { upstream: source as Observable<Element<unknown>>, project: project as (value: unknown) => Iterable<unknown> });
    return flattened;
  };
}

/** @internal Where a stream made by {@link flatMap} comes from: its input and its function. */
export interface FlatMapOrigin {
  readonly upstream: Observable<Element<unknown>>;
  readonly project: (value: unknown) => Iterable<unknown>;
}

const origins = new WeakMap<Observable<unknown>, FlatMapOrigin>();

/**
 * @internal
 * The input and function of `flattened` when it is flatMap's output, so that
 * an operator after it may flatten the records itself (fused). Fusing must not
 * change what the user sees: the same values, timestamps and errors (flatMap's
 * errors before any error of the operators after it in the same batch), and
 * non-elements reported as flatMap reports them.
 */
export function flatMapOrigin(flattened: Observable<unknown>): FlatMapOrigin | undefined {
  return origins.get(flattened);
}

/**
 * @internal
 * flatMap applied to one batch: the output batch, or undefined when no value
 * came out. `sizer.expected` (the last output's size) sizes the output array
 * so that it rarely grows.
 */
export function flattenBatch<T, R>(
  project: (value: T) => Iterable<R>,
  batch: RecordBatch<T>,
  sizer: { expected: number },
): RecordBatch<R> | undefined {
  const expected = sizer.expected;
  // A fresh (young) array: stores into it need no write-barrier work, unlike a long-lived scratch array.
  const outValues = new Array<R>(expected > 16 ? expected + (expected >> 3) : 16);
  const m = flatten(project, batch.values, batch.timestamps, batch.keys, outValues);
  sizer.expected = m;
  const timestamps = flattenedTimestamps;
  flattenedTimestamps = undefined;
  if (m === 0) return undefined;
  outValues.length = m;
  return recordBatch(outValues, timestamps ?? uniformTimestamps(batch.timestamps[0], m));
}

/** No timestamps, for batches whose records have none (sliced: one allocation, no elements-kind change). */
let noTimestamps: Timestamp[] = [];

/** `m` copies of `ts`. */
export function uniformTimestamps(ts: Timestamp, m: number): Timestamp[] {
  if (ts !== NO_TIMESTAMP) return new Array<Timestamp>(m).fill(ts);
  if (noTimestamps.length < m) noTimestamps = new Array<Timestamp>(Math.max(m, 2 * noTimestamps.length)).fill(NO_TIMESTAMP);
  return noTimestamps.slice(0, m);
}

/**
 * The timestamps of the values the last {@link flatten} wrote, or undefined when every record of the batch had
 * the same timestamp (the common case: then no per-value timestamps are gathered).
 */
let flattenedTimestamps: Timestamp[] | undefined;

/**
 * The values `project` makes of a batch, written into `outValues` from index 0 (their timestamps in
 * {@link flattenedTimestamps}); returns their number. The per-record loop lives apart from the operator, so its
 * optimized code never depends on the subscriber's.
 */
function flatten<T, R>(
  project: (value: T) => Iterable<R>,
  values: readonly T[],
  timestamps: readonly Timestamp[],
  keys: readonly unknown[] | undefined,
  outValues: R[],
): number {
  const n = values.length;
  const ts0 = timestamps[0];
  let outTimestamps: Timestamp[] | undefined;
  let m = 0;
  let produced: Iterable<R>;
  for (let i = 0; i < n; i++) {
    try {
      produced = project(values[i]);
    } catch (err) {
      throw new UserFunctionError('flatMap', { value: values[i], timestamp: timestamps[i], key: keys?.[i] }, err);
    }
    const ts = timestamps[i];
    if (outTimestamps === undefined && ts !== ts0) outTimestamps = new Array<Timestamp>(outValues.length).fill(ts0, 0, m);
    if (Array.isArray(produced)) {
      const k = produced.length;
      for (let j = 0; j < k; j++) outValues[m + j] = produced[j] as R;
      if (outTimestamps !== undefined) for (let j = 0; j < k; j++) outTimestamps[m + j] = ts;
      m += k;
    } else if (produced != null && typeof (produced as Iterable<R>)[Symbol.iterator] === 'function') {
      for (const v of produced) {
        outValues[m] = v;
        if (outTimestamps !== undefined) outTimestamps[m] = ts;
        m++;
      }
    } else {
      throw new StreamLiteError('flatMap', 'the user function must return an array or an iterable', { value: values[i], timestamp: ts });
    }
  }
  if (outTimestamps !== undefined) outTimestamps.length = m;
  flattenedTimestamps = outTimestamps;
  return m;
}
