import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, UserFunctionError } from '../core/errors';
import type { ElementOperator, Timestamp } from '../core/types';
import { elementOperator } from './operate';

/**
 * Keeps the records whose value satisfies `predicate`.
 *
 * It's like RxJS's `filter`, but over an element stream: one output batch per
 * input batch (none when nothing passes); keys are kept, so a filter after
 * `keyBy` stays keyed. Control elements and side outputs pass through in order.
 *
 * ```
 * input:   -[1 2 3 4]--W-|
 * output:  -[2 4]------W-|      predicate = n => n % 2 === 0
 * ```
 *
 * A throwing `predicate` errors the stream with a {@link UserFunctionError}.
 *
 * @example
 * await StreamLite.fromCollection([1, 2, 3, 4]).filter(n => n % 2 === 0).collect(); // [2, 4]
 * @param predicate decides whether a value is kept.
 */
export function filter<T, S extends T>(predicate: (value: T) => value is S): ElementOperator<T, S>;
export function filter<T>(predicate: (value: T) => boolean): ElementOperator<T, T>;
export function filter<T>(predicate: (value: T) => boolean): ElementOperator<T, T> {
  if (typeof predicate !== 'function') throw new InvalidArgumentError('filter', 'predicate', 'a function', predicate);
  return elementOperator<T, T>('filter', (out) => ({
    batch(batch) {
      const { values, timestamps, keys } = batch;
      const n = values.length;
      const keptValues: T[] = [];
      const keptTimestamps: Timestamp[] = [];
      const keptKeys: unknown[] | undefined = keys ? [] : undefined;
      let i = 0;
      try {
        for (; i < n; i++) {
          if (predicate(values[i])) {
            keptValues.push(values[i]);
            keptTimestamps.push(timestamps[i]);
            if (keptKeys) keptKeys.push(keys![i]);
          }
        }
      } catch (err) {
        throw new UserFunctionError('filter', { value: values[i], timestamp: timestamps[i], key: keys?.[i] }, err);
      }
      if (keptValues.length === n) out.next(batch);
      else if (keptValues.length > 0) out.next(recordBatch(keptValues, keptTimestamps, keptKeys));
    },
  }));
}
