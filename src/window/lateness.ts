import { MAX_WATERMARK } from '../core/time';
import type { Duration, Timestamp } from '../core/types';
import type { TimeWindow } from './TimeWindow';

/**
 * When a window's state is cleared: `maxTimestamp + allowedLateness`,
 * saturating at the maximum watermark (so the global window is cleared at end
 * of input and a huge lateness never overflows).
 */
export const cleanupTime = (w: TimeWindow, allowedLateness: Duration): Timestamp => {
  const t = w.end - 1 + allowedLateness;
  return t >= MAX_WATERMARK || w.end - 1 >= MAX_WATERMARK ? MAX_WATERMARK : t;
};

/**
 * A window is late — closed for good — once `maxTimestamp + allowedLateness ≤ W`.
 *
 * ```
 * window [0, 10), lateness 5:   W = 13 → open,  W = 14 → late
 * ```
 */
export const isWindowLate = (w: TimeWindow, allowedLateness: Duration, watermark: Timestamp): boolean =>
  cleanupTime(w, allowedLateness) <= watermark;
