import type { Timestamp } from '../core/types';
import type { TimeWindow } from './TimeWindow';

/** A record as an evictor sees it. */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: Timestamp;
}

/** What an evictor can read. */
export interface EvictorContext {
  readonly currentWatermark: Timestamp;
  readonly currentProcessingTime: Timestamp;
}

/**
 * Removes records from a window's contents before and/or after the window
 * function runs. Both methods are pure: they return the records to keep.
 *
 * It's Flink's `Evictor`. Built-ins: {@link countEvictor}, {@link timeEvictor},
 * {@link deltaEvictor}. A window with an evictor keeps its records (not an
 * incremental accumulator), since an aggregate cannot un-add.
 */
export interface Evictor<T = unknown> {
  /** Records kept before the window function runs. */
  evictBefore(elements: readonly TimestampedValue<T>[], window: TimeWindow, ctx: EvictorContext): readonly TimestampedValue<T>[];
  /** Records kept after the window function ran. */
  evictAfter(elements: readonly TimestampedValue<T>[], window: TimeWindow, ctx: EvictorContext): readonly TimestampedValue<T>[];
}
