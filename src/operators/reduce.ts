import { InvalidArgumentError } from '../core/errors';
import { keyedAggregation, type KeyedAggregation, type KeyedAggregationOptions } from './keyedAggregateInternals';

const EMPTY: unique symbol = Symbol('streamlite-rx.reduce.empty');

/** The accumulator of {@link reduce}: the reduced value, or nothing yet. */
export type ReduceAccumulator<T> = T | typeof EMPTY;

/**
 * Combines the records of each key with `reducer`, the first record being the
 * initial value.
 *
 * It's like RxJS's `reduce` without a seed, but per key: after `keyBy` it emits
 * `[key, reduced]` per key at end of input (or after every record with
 * `{ emit: 'every' }`, like Flink's rolling `reduce`); inside `aggregate()` it
 * reduces per window. A throwing reducer errors the stream, naming the record.
 *
 * ```
 * input:   -[(a,1) (a,2) (b,5) (a,3)]--|
 * output:  ----------------------------[(a,6) (b,5)]|     reducer = (x, y) => x + y
 * ```
 *
 * @example
 * await StreamLite.fromCollection([1, 2, 3]).keyBy(n => n % 2).reduce((a, b) => a + b).collect();
 * // [[1, 4], [0, 2]]
 * @param reducer combines the value so far with the next one; must not mutate either.
 */
export function reduce<T>(
  reducer: (accumulated: T, value: T) => T,
  options: KeyedAggregationOptions = {},
): KeyedAggregation<T, ReduceAccumulator<T>, T> {
  if (typeof reducer !== 'function') throw new InvalidArgumentError('reduce', 'reducer', 'a function', reducer);
  const combine = (a: ReduceAccumulator<T>, b: ReduceAccumulator<T>): ReduceAccumulator<T> =>
    a === EMPTY ? b : b === EMPTY ? a : reducer(a, b);
  return keyedAggregation(
    'reduce',
    {
      createAccumulator: (): ReduceAccumulator<T> => EMPTY,
      add: (value: T, acc: ReduceAccumulator<T>) => (acc === EMPTY ? value : reducer(acc, value)),
      getResult: (acc: ReduceAccumulator<T>) => {
        if (acc === EMPTY) throw new TypeError('reduce: no value to reduce');
        return acc;
      },
      merge: combine,
    },
    options,
  );
}
