import { keyedAggregation, type KeyedAggregation, type KeyedAggregationOptions } from './keyedAggregateInternals';
import { numericFold, numericSelector } from './numericAggregateInternals';

/**
 * The smallest number selected from the records of each key.
 *
 * As an operator after `keyBy` it emits `[key, min]` per key at end of input
 * (or after every record with `{ emit: 'every' }`); inside `aggregate()` per window.
 *
 * ```
 * input:   -[(a,4) (a,2) (a,7)]--|
 * output:  ----------------------[(a,2)]|
 * ```
 *
 * @example
 * await StreamLite.fromCollection([4, 2, 7]).keyBy(() => 'all').min(n => n).collect(); // [['all', 2]]
 * @param selector the number compared.
 */
export function min<T>(
  selector: (value: T) => number,
  options: KeyedAggregationOptions = {},
): KeyedAggregation<T, number, number> {
  const select = numericSelector('min', selector);
  return keyedAggregation('min', numericFold(select, Infinity, Math.min, Math.min), options, { kind: 'min', select });
}
