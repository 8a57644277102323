import type { Watermark } from '../core/Element';
import { watermark } from '../core/elementFactories';
import { InvalidArgumentError } from '../core/errors';
import { isValidTimestamp } from '../core/time';
import type { Timestamp } from '../core/types';

/**
 * A watermark element: the value of an uppercase marble letter, by convention `W`.
 *
 * It's like `watermark()` from the main entry, but refuses a non-finite time
 * (use `MAX_WATERMARK` for "end of time", as sources do at end of input).
 *
 * ```
 * marble:  -a--W--b-|     a = rec('x', 1), W = wm(5), b = rec('y', 9)
 * meaning: no record with timestamp ≤ 5 follows W
 * ```
 *
 * @example
 * const values = elementsOf({ a: rec('x', 1), W: wm(5), M: wm(MAX_WATERMARK) });
 * // values.W → { kind: 'watermark', timestamp: 5 }
 * @param timestamp the watermark time `W`.
 * @returns a {@link Watermark}.
 */
export function wm(timestamp: Timestamp): Watermark {
  if (!isValidTimestamp(timestamp)) {
    throw new InvalidArgumentError('wm', 'timestamp', 'a finite number of milliseconds', timestamp);
  }
  return watermark(timestamp);
}
