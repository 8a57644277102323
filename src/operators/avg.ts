import { keyedAggregation, type KeyedAggregation, type KeyedAggregationOptions } from './keyedAggregateInternals';
import { numericSelector } from './numericAggregateInternals';

/** The accumulator of {@link avg}: a running sum and count. */
export type AvgAccumulator = readonly [sum: number, count: number];

/**
 * The arithmetic mean of a number selected from the records of each key.
 *
 * As an operator after `keyBy` it emits `[key, mean]` per key at end of input
 * (or after every record with `{ emit: 'every' }`); inside `aggregate()` per
 * window. Accumulators merge, so it works in session windows.
 *
 * ```
 * input:   -[(a,1) (a,2) (b,4)]--|
 * output:  ----------------------[(a,1.5) (b,4)]|
 * ```
 *
 * @example
 * await StreamLite.fromCollection([1, 2, 6]).keyBy(() => 'all').avg(n => n).collect(); // [['all', 3]]
 * @param selector the number averaged.
 */
export function avg<T>(
  selector: (value: T) => number,
  options: KeyedAggregationOptions = {},
): KeyedAggregation<T, AvgAccumulator, number> {
  const select = numericSelector('avg', selector);
  return keyedAggregation(
    'avg',
    {
      createAccumulator: (): AvgAccumulator => [0, 0],
      add: (value: T, [total, n]: AvgAccumulator): AvgAccumulator => [total + select(value), n + 1],
      getResult: ([total, n]: AvgAccumulator) => (n === 0 ? NaN : total / n),
      merge: (a: AvgAccumulator, b: AvgAccumulator): AvgAccumulator => [a[0] + b[0], a[1] + b[1]],
    },
    options,
    { kind: 'avg', select },
  );
}
