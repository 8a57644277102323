import type { OperatorFunction } from 'rxjs';
import type { Element, KeyedElement } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, InvalidKeyError, UserFunctionError } from '../core/errors';
import type { KeySelector } from '../core/types';
import { invalidKeyReason } from '../state/canonicalKey';
import { elementOperator } from './operate';

/**
 * Keys every record with `selector`: the keyed operators after it (count, sum,
 * reduce, process, window, …) keep state and timers per key.
 *
 * It's like Flink's `keyBy`, not RxJS's `groupBy`: no inner Observable per key;
 * the key travels as a column of the batch and keyed operators route each
 * record to its key's state inline.
 *
 * ```
 * input:   -["the" "fox" "the"]--|
 * output:  -["the" "fox" "the"]--|     keys column: the, fox, the
 * ```
 *
 * A key must be a string, a finite number, a bigint, a boolean, or an array or
 * plain object of them (compared structurally). Any other key — `undefined`,
 * `null`, `NaN`, a function, a symbol, a class instance — errors the stream
 * with an {@link InvalidKeyError} naming the record; a throwing selector with a
 * {@link UserFunctionError}.
 *
 * @example
 * await StreamLite.fromCollection(['a', 'b', 'a']).keyBy(w => w).count().collect(); // [['a', 2], ['b', 1]]
 * @param selector extracts the key of a value.
 */
export function keyBy<T, K>(selector: KeySelector<T, K>): OperatorFunction<Element<T>, KeyedElement<T, K>> {
  if (typeof selector !== 'function') throw new InvalidArgumentError('keyBy', 'selector', 'a function', selector);
  return elementOperator<T, T>('keyBy', (out) => ({
    batch(batch) {
      const { values, timestamps } = batch;
      const n = values.length;
      const keys = new Array<K>(n);
      let i = 0;
      let key: K;
      for (; i < n; i++) {
        try {
          key = selector(values[i]);
        } catch (err) {
          throw new UserFunctionError('keyBy', { value: values[i], timestamp: timestamps[i] }, err);
        }
        // Fast path for the common primitive keys; everything else is checked in full.
        if (typeof key !== 'string' && typeof key !== 'bigint' && typeof key !== 'boolean') {
          const reason = invalidKeyReason(key);
          if (reason !== undefined) {
            throw new InvalidKeyError('keyBy', { value: values[i], timestamp: timestamps[i] }, key, reason);
          }
        }
        keys[i] = key;
      }
      out.next(recordBatch(values, timestamps, keys));
    },
  })) as OperatorFunction<Element<T>, KeyedElement<T, K>>;
}
