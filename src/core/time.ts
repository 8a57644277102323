import type { Timestamp } from './types';

/**
 * The watermark before any record: a finite floor, because RxJS silently drops
 * actions scheduled with a non-finite delay.
 */
export const MIN_WATERMARK: Timestamp = Number.MIN_SAFE_INTEGER;

/** The watermark at end of input: every pending window and timer fires. */
export const MAX_WATERMARK: Timestamp = Number.MAX_SAFE_INTEGER;

/** The timestamp of a record that has none (like Flink's `Long.MIN_VALUE` marker). */
export const NO_TIMESTAMP: Timestamp = Number.MIN_SAFE_INTEGER;

/** @internal True when `t` is a usable event timestamp: a finite number. */
export const isValidTimestamp = (t: unknown): t is number =>
  typeof t === 'number' && t === t && t !== Infinity && t !== -Infinity;
