import { InvalidArgumentError } from '../../core/errors';
import type { Evictor, TimestampedValue } from '../Evictor';

/**
 * Keeps at most the last `n` records of a window (the oldest in arrival order
 * are evicted), before the window function — or after it with
 * `{ after: true }`.
 *
 * It's Flink's `CountEvictor`.
 *
 * ```
 * n = 2:   window [a b c d] → function sees [c d]
 * ```
 *
 * @example
 * keyed.pipe(window(global(), { trigger: countTrigger(1), evictor: countEvictor(10) }), aggregate(avg(r => r.v)));
 */
export function countEvictor<T = unknown>(n: number, options: { after?: boolean } = {}): Evictor<T> {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('countEvictor', 'n', 'a non-negative integer', n);
  const keepLast = (elements: readonly TimestampedValue<T>[]) => (elements.length > n ? elements.slice(elements.length - n) : elements);
  const keepAll = (elements: readonly TimestampedValue<T>[]) => elements;
  return options.after ? { evictBefore: keepAll, evictAfter: keepLast } : { evictBefore: keepLast, evictAfter: keepAll };
}
