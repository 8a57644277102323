import { keyedAggregation, type KeyedAggregation, type KeyedAggregationOptions } from './keyedAggregateInternals';
import { numericFold, numericSelector } from './numericAggregateInternals';

/**
 * The largest number selected from the records of each key.
 *
 * As an operator after `keyBy` it emits `[key, max]` per key at end of input
 * (or after every record with `{ emit: 'every' }`); inside `aggregate()` per window.
 *
 * ```
 * input:   -[(a,4) (a,2) (a,7)]--|
 * output:  ----------------------[(a,7)]|
 * ```
 *
 * @example
 * await StreamLite.fromCollection([4, 2, 7]).keyBy(() => 'all').max(n => n).collect(); // [['all', 7]]
 * @param selector the number compared.
 */
export function max<T>(
  selector: (value: T) => number,
  options: KeyedAggregationOptions = {},
): KeyedAggregation<T, number, number> {
  const select = numericSelector('max', selector);
  return keyedAggregation('max', numericFold(select, -Infinity, Math.max, Math.max), options, { kind: 'max', select });
}
