import { InvalidArgumentError } from '../../core/errors';
import type { Duration } from '../../core/types';
import type { Evictor, TimestampedValue } from '../Evictor';

/**
 * Keeps the records whose timestamp is within `keep` of the newest record in
 * the window (`ts > maxTs − keep`), before the window function — or after it
 * with `{ after: true }`.
 *
 * It's Flink's `TimeEvictor`.
 *
 * ```
 * keep 5:   window [a@1 b@4 c@8] → newest 8, cutoff 3 → [b@4 c@8]
 * ```
 *
 * @example
 * keyed.pipe(window(tumbling(60_000), { evictor: timeEvictor(10_000) }), aggregate(count()));
 */
export function timeEvictor<T = unknown>(keep: Duration, options: { after?: boolean } = {}): Evictor<T> {
  if (typeof keep !== 'number' || !(keep >= 0) || !Number.isFinite(keep)) {
    throw new InvalidArgumentError('timeEvictor', 'keep', 'a non-negative number of milliseconds', keep);
  }
  const evict = (elements: readonly TimestampedValue<T>[]) => {
    if (elements.length === 0) return elements;
    let newest = -Infinity;
    for (const e of elements) if (e.timestamp > newest) newest = e.timestamp;
    const cutoff = newest - keep;
    return elements.filter((e) => e.timestamp > cutoff);
  };
  const keepAll = (elements: readonly TimestampedValue<T>[]) => elements;
  return options.after ? { evictBefore: keepAll, evictAfter: evict } : { evictBefore: evict, evictAfter: keepAll };
}
