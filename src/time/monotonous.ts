import { BoundedOutOfOrdernessGenerator, checkSnapshot } from './boundedOutOfOrderness';
import type { WatermarkGenerator, WatermarkGeneratorSnapshot, WatermarkStrategy } from './WatermarkStrategy';

/**
 * A watermark strategy for records that arrive in timestamp order:
 * `W = maxTimestamp − 1` (before any record, `MIN_WATERMARK`).
 *
 * It's like Flink's `forMonotonousTimestamps`, and it is exactly
 * `boundedOutOfOrderness(0)`: a record with the same timestamp as the maximum
 * is still on time; one below it is late for downstream windows (the
 * watermark never goes backwards, it stays where it was).
 *
 * ```
 * records:    -a@3--b@7--c@7--d@5-
 * watermark:  -W2---W6---(6)--(6)-      d is late downstream
 * ```
 *
 * @example
 * fromCollection(clicks, { timestamp: c => c.at }).pipe(assignTimestampsAndWatermarks(monotonous()));
 * // clicks at 3 and 7 → watermarks 2 and 6
 * @returns a {@link WatermarkStrategy}.
 * @see boundedOutOfOrderness, punctuated, withIdleness
 */
export function monotonous<T = unknown>(): WatermarkStrategy<T> {
  return {
    createGenerator(restored?: WatermarkGeneratorSnapshot): WatermarkGenerator<T> {
      checkSnapshot('monotonous', restored);
      return new BoundedOutOfOrdernessGenerator<T>(0, restored);
    },
  };
}
