import type { Element } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, UserFunctionError } from '../core/errors';
import type { ElementOperator } from '../core/types';
import { elementOperator } from './operate';

/**
 * Transforms every record's value with `project`, keeping its timestamp.
 *
 * It's like RxJS's `map`, but over an element stream: it loops over each record
 * batch and emits one batch per input batch; watermarks, barriers and side
 * outputs pass through in order. The result is not keyed (as in Flink, a map
 * after `keyBy` gives a plain stream).
 *
 * ```
 * input:   -[a b]--W--[c]-|
 * output:  -[A B]--W--[C]-|      A = project(a)
 * ```
 *
 * A throwing `project` errors the stream with a {@link UserFunctionError}
 * naming `map` and the record, with the original error as `cause`.
 *
 * @example
 * await StreamLite.fromCollection([1, 2, 3]).map(n => n * 10).collect(); // [10, 20, 30]
 * @param project the function applied to each value.
 * @returns an operator from `Element<T>` to `Element<R>`.
 */
export function map<T, R>(project: (value: T) => R): ElementOperator<T, R> {
  if (typeof project !== 'function') throw new InvalidArgumentError('map', 'project', 'a function', project);
  return elementOperator<T, R>('map', (out) => ({
    batch(batch) {
      const values = batch.values;
      const n = values.length;
      const result = new Array<R>(n);
      let i = 0;
      try {
        for (; i < n; i++) result[i] = project(values[i]);
      } catch (err) {
        throw new UserFunctionError('map', { value: values[i], timestamp: batch.timestamps[i], key: batch.keys?.[i] }, err);
      }
      out.next(recordBatch(result, batch.timestamps) as Element<R>);
    },
  }));
}
