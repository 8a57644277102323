import type { Element } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, StreamLiteError, UserFunctionError } from '../core/errors';
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
  return elementOperator<T, R>('flatMap', (out) => ({
    batch(batch) {
      const { values, timestamps } = batch;
      const n = values.length;
      const outValues: R[] = [];
      const outTimestamps: Timestamp[] = [];
      let i = 0;
      let produced: Iterable<R>;
      for (; i < n; i++) {
        try {
          produced = project(values[i]);
        } catch (err) {
          throw new UserFunctionError('flatMap', { value: values[i], timestamp: timestamps[i], key: batch.keys?.[i] }, err);
        }
        const ts = timestamps[i];
        if (Array.isArray(produced)) {
          const m = produced.length;
          for (let j = 0; j < m; j++) {
            outValues.push(produced[j] as R);
            outTimestamps.push(ts);
          }
        } else if (produced != null && typeof (produced as Iterable<R>)[Symbol.iterator] === 'function') {
          for (const v of produced) {
            outValues.push(v);
            outTimestamps.push(ts);
          }
        } else {
          throw new StreamLiteError(
            'flatMap',
            'the user function must return an array or an iterable',
            { value: values[i], timestamp: ts },
          );
        }
      }
      if (outValues.length > 0) out.next(recordBatch(outValues, outTimestamps) as Element<R>);
    },
  }));
}
