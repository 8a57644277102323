import { MAX_WATERMARK, MIN_WATERMARK } from '../core/time';
import type { Timestamp } from '../core/types';

/**
 * A window of event (or processing) time: `[start, end)`, so it holds the
 * timestamps `start ≤ t < end` and its last one is `maxTimestamp = end − 1`.
 * An event-time window fires when the watermark reaches `end − 1`; its
 * results carry the timestamp `end − 1`.
 *
 * ```
 * time:    0 1 2 3 4 5 6 7 8 9 10
 * window:  [-------------------)        TimeWindow(0, 10), maxTimestamp 9
 * ```
 */
export class TimeWindow {
  constructor(
    readonly start: Timestamp,
    readonly end: Timestamp,
  ) {}

  /** The last timestamp inside the window: `end − 1`. */
  maxTimestamp(): Timestamp {
    return this.end - 1;
  }

  /** True when the two windows overlap or touch (sessions merge such windows). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window covering both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  /** True for the same bounds. */
  equals(other: TimeWindow): boolean {
    return this.start === other.start && this.end === other.end;
  }

  toString(): string {
    return `[${this.start}, ${this.end})`;
  }

  /** A plain object (for results and snapshots). */
  toJSON(): { start: Timestamp; end: Timestamp } {
    return { start: this.start, end: this.end };
  }
}

/**
 * The single window that holds everything (Flink's `GlobalWindow`):
 * `maxTimestamp` is the maximum watermark, so its event-time firing is end of input.
 */
export const GLOBAL_WINDOW: TimeWindow = new TimeWindow(MIN_WATERMARK, MAX_WATERMARK + 1);

/** Any window the engine handles: a {@link TimeWindow} (the global window is one). */
export type Window = TimeWindow;
