import { InvalidArgumentError } from '../../core/errors';
import { countEvictor } from '../evictors/countEvictor';
import { countTrigger } from '../triggers/countTrigger';
import { purging } from '../triggers/purging';
import type { WindowAssigner } from '../WindowAssigner';
import { global } from './global';

/**
 * Count windows per key: `countWindow(n)` emits every `n` records of a key
 * (tumbling by count); `countWindow(n, slide)` emits the last `n` records
 * every `slide` records (sliding by count). Records left when the input ends
 * are emitted in a final pane.
 *
 * It's Flink's `countWindow(size)` / `countWindow(size, slide)`: the global
 * window with a (purging) count trigger, and a count evictor when sliding.
 *
 * ```
 * countWindow(3):     -a-b-c-d-e-f-g-|  → [a b c] [d e f] [g]
 * countWindow(3, 1):  -a-b-c-d-|        → [a] [a b] [a b c] [b c d]
 * ```
 *
 * @example
 * keyed.pipe(window(countWindow(100)), aggregate(avg(r => r.latency)));
 * @param n records per window.
 * @param slide records between firings (sliding count windows).
 */
export function countWindow<T = unknown>(n: number, slide?: number): WindowAssigner<T> {
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('countWindow', 'n', 'a positive integer', n);
  if (slide !== undefined && (!Number.isInteger(slide) || slide < 1)) {
    throw new InvalidArgumentError('countWindow', 'slide', 'a positive integer', slide);
  }
  const base = global() as WindowAssigner<T>;
  if (slide === undefined) {
    return { ...base, description: `countWindow(${n})`, defaultTrigger: () => purging(countTrigger(n)) };
  }
  return {
    ...base,
    description: `countWindow(${n}, ${slide})`,
    defaultTrigger: () => countTrigger(slide),
    defaultEvictor: () => countEvictor<T>(n),
  };
}
