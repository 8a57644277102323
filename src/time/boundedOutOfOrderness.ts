import { InvalidArgumentError } from '../core/errors';
import { isValidTimestamp, MIN_WATERMARK } from '../core/time';
import type { Duration, Timestamp } from '../core/types';
import type { WatermarkGenerator, WatermarkGeneratorSnapshot, WatermarkStrategy } from './WatermarkStrategy';

/**
 * @internal
 * The generator behind {@link boundedOutOfOrderness} and `monotonous`:
 * `W = maxTimestamp − maxOutOfOrderness − 1`, floored at the restored
 * watermark (or MIN_WATERMARK). The record path only compares and stores.
 */
export class BoundedOutOfOrdernessGenerator<T> implements WatermarkGenerator<T> {
  private max: Timestamp;
  private readonly floor: Timestamp;

  constructor(
    private readonly maxOutOfOrderness: Duration,
    restored?: WatermarkGeneratorSnapshot,
  ) {
    this.max = restored?.maxTimestamp ?? MIN_WATERMARK;
    this.floor = restored?.watermark ?? MIN_WATERMARK;
  }

  onEvent(_value: T, timestamp: Timestamp): void {
    if (timestamp > this.max) this.max = timestamp;
  }

  onBatch(_values: readonly T[], timestamps: readonly Timestamp[]): void {
    let max = this.max;
    for (let i = 0; i < timestamps.length; i++) {
      const t = timestamps[i];
      if (t > max) max = t;
    }
    this.max = max;
  }

  current(): Timestamp {
    const w = this.max - this.maxOutOfOrderness - 1;
    return w > this.floor ? w : this.floor;
  }

  snapshot(): WatermarkGeneratorSnapshot {
    return { watermark: this.current(), maxTimestamp: this.max };
  }
}

/** @internal Checks a restored snapshot's shape; `operator` names the strategy. */
export function checkSnapshot(operator: string, restored: WatermarkGeneratorSnapshot | undefined): void {
  if (restored === undefined) return;
  const ok =
    restored !== null &&
    typeof restored === 'object' &&
    isValidTimestamp(restored.watermark) &&
    (restored.maxTimestamp === undefined || isValidTimestamp(restored.maxTimestamp));
  if (!ok) {
    throw new InvalidArgumentError(operator, 'restored', 'a watermark snapshot { watermark, maxTimestamp? } of finite numbers', restored);
  }
}

/**
 * A watermark strategy for records at most `maxOutOfOrderness` ms out of
 * order: `W = maxTimestamp − maxOutOfOrderness − 1`, where `maxTimestamp` is
 * the highest timestamp seen so far (before any record, `MIN_WATERMARK`).
 *
 * It's like Flink's `forBoundedOutOfOrderness`, with the same −1: a record
 * exactly `maxOutOfOrderness` behind the maximum is still on time (a
 * watermark `W` promises no more records with timestamp ≤ `W`). After a
 * record at 10000 with `maxOutOfOrderness` 5000, `W = 4999`, so a record at
 * 5000 still counts and one at 4999 is late. The watermark never goes
 * backwards; records behind the maximum leave it where it is.
 *
 * ```
 * records:    -a@10000--b@7000--c@12000-      maxOutOfOrderness 5000
 * watermark:  -W4999----(4999)--W6999---
 * ```
 *
 * @example
 * fromCollection(readings).pipe(
 *   assignTimestampsAndWatermarks(boundedOutOfOrderness(5_000), { timestamp: r => r.at }),
 * ); // after a reading at 10000: watermark 4999
 * @param maxOutOfOrderness how far (ms, finite, ≥ 0) a record may lag behind the highest timestamp seen.
 * @returns a {@link WatermarkStrategy}.
 * @throws InvalidArgumentError when `maxOutOfOrderness` is negative, not finite or not a number.
 * @see monotonous, punctuated, withIdleness
 */
export function boundedOutOfOrderness<T = unknown>(maxOutOfOrderness: Duration): WatermarkStrategy<T> {
  if (typeof maxOutOfOrderness !== 'number' || !(maxOutOfOrderness >= 0) || !Number.isFinite(maxOutOfOrderness)) {
    throw new InvalidArgumentError('boundedOutOfOrderness', 'maxOutOfOrderness', 'a finite number of milliseconds ≥ 0', maxOutOfOrderness);
  }
  return {
    createGenerator(restored?: WatermarkGeneratorSnapshot): WatermarkGenerator<T> {
      checkSnapshot('boundedOutOfOrderness', restored);
      return new BoundedOutOfOrdernessGenerator<T>(maxOutOfOrderness, restored);
    },
  };
}
