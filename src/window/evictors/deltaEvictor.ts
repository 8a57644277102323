import { InvalidArgumentError, UserFunctionError } from '../../core/errors';
import type { Evictor, TimestampedValue } from '../Evictor';

/**
 * Evicts the records whose `delta` to the newest record of the window
 * (the last in arrival order) is at least `threshold`, before the window
 * function — or after it with `{ after: true }`.
 *
 * It's Flink's `DeltaEvictor`.
 *
 * ```
 * threshold 10, delta = |a − b|:   window [1 5 30 33] → newest 33 → keeps [30 33]
 * ```
 *
 * @example
 * keyed.pipe(window(global(), { trigger: countTrigger(1), evictor: deltaEvictor(10, (a, b) => Math.abs(a.price - b.price)) }), processWindow(fn));
 */
export function deltaEvictor<T>(
  threshold: number,
  delta: (a: T, b: T) => number,
  options: { after?: boolean } = {},
): Evictor<T> {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new InvalidArgumentError('deltaEvictor', 'threshold', 'a number', threshold);
  }
  if (typeof delta !== 'function') throw new InvalidArgumentError('deltaEvictor', 'delta', 'a function', delta);
  const evict = (elements: readonly TimestampedValue<T>[]) => {
    if (elements.length === 0) return elements;
    const newest = elements[elements.length - 1];
    return elements.filter((e) => {
      try {
        return delta(e.value, newest.value) < threshold;
      } catch (err) {
        throw new UserFunctionError('deltaEvictor', { value: e.value, timestamp: e.timestamp }, err);
      }
    });
  };
  const keepAll = (elements: readonly TimestampedValue<T>[]) => elements;
  return options.after ? { evictBefore: keepAll, evictAfter: evict } : { evictBefore: evict, evictAfter: keepAll };
}
