import { keyedAggregation, type KeyedAggregation, type KeyedAggregationOptions } from './keyedAggregateInternals';
import { numericFold, numericSelector } from './numericAggregateInternals';

/**
 * Sums a number selected from each record, per key.
 *
 * As an operator after `keyBy` it emits `[key, sum]` per key at end of input
 * (or after every record with `{ emit: 'every' }`); inside `aggregate()` it sums
 * per window. A selector that returns something other than a number errors the
 * stream, naming the record.
 *
 * ```
 * input:   -[(a,1) (b,5) (a,2)]--|
 * output:  ----------------------[(a,3) (b,5)]|
 * ```
 *
 * @example
 * await StreamLite.fromCollection([{ k: 'a', n: 1 }, { k: 'a', n: 2 }]).keyBy(r => r.k).sum(r => r.n).collect();
 * // [['a', 3]]
 * @param selector the number to add up.
 */
export function sum<T>(
  selector: (value: T) => number,
  options: KeyedAggregationOptions = {},
): KeyedAggregation<T, number, number> {
  const select = numericSelector('sum', selector);
  return keyedAggregation('sum', numericFold(select, 0, (acc, n) => acc + n, (a, b) => a + b), options, { kind: 'sum', select });
}
