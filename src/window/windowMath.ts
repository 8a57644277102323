import type { Duration, Timestamp } from '../core/types';

/**
 * @internal
 * A true (non-negative) modulo: `mod(-3, 10) = 7`, so window starts are right
 * for negative timestamps and offsets.
 */
export const mod = (a: number, m: number): number => ((a % m) + m) % m;

/**
 * The start of the tumbling window (or the last sliding window) of `ts`:
 * `ts − mod(ts − offset, size)`.
 *
 * ```
 * size 10, offset 0:   ts 17 → 10,  ts −3 → −10,  ts 0 → 0
 * size 10, offset 3:   ts 17 → 13,  ts 2 → −7
 * ```
 */
export const windowStart = (ts: Timestamp, size: Duration, offset: Duration): Timestamp =>
  ts - mod(ts - offset, size);
