import { MIN_WATERMARK } from '../core/time';
import type { Timestamp } from '../core/types';

/**
 * @internal
 * Combines the watermarks of several inputs: the minimum over the inputs that
 * are not idle (the maximum over all when every input is idle), never going
 * backwards. An ended input counts with the maximum watermark it sent.
 */
export class WatermarkCombiner {
  private readonly watermarks: Timestamp[];
  private readonly idle: boolean[];
  private combined: Timestamp = MIN_WATERMARK;

  constructor(inputs: number) {
    this.watermarks = new Array<Timestamp>(inputs).fill(MIN_WATERMARK);
    this.idle = new Array<boolean>(inputs).fill(false);
  }

  /** The combined watermark so far. */
  get current(): Timestamp {
    return this.combined;
  }

  /** True when every input is idle. */
  get allIdle(): boolean {
    return this.idle.every(Boolean);
  }

  /** Records input `i`'s watermark; returns the new combined watermark when it advanced, else undefined. */
  update(i: number, wm: Timestamp): Timestamp | undefined {
    if (wm > this.watermarks[i]) this.watermarks[i] = wm;
    this.idle[i] = false;
    return this.recompute();
  }

  /** Marks input `i` idle or active; returns the new combined watermark when it advanced, else undefined. */
  setIdle(i: number, isIdle: boolean): Timestamp | undefined {
    this.idle[i] = isIdle;
    return this.recompute();
  }

  /** Marks input `i` active (a record arrived): no watermark change can come of it. */
  markActive(i: number): void {
    this.idle[i] = false;
  }

  /** Snapshot of the per-input state, for checkpoints. */
  snapshot(): { watermarks: Timestamp[]; idle: boolean[]; combined: Timestamp } {
    return { watermarks: this.watermarks.slice(), idle: this.idle.slice(), combined: this.combined };
  }

  /** Restores a snapshot taken with the same number of inputs. */
  restore(s: { watermarks: Timestamp[]; idle: boolean[]; combined: Timestamp }): void {
    for (let i = 0; i < this.watermarks.length; i++) {
      this.watermarks[i] = s.watermarks[i] ?? MIN_WATERMARK;
      this.idle[i] = s.idle[i] ?? false;
    }
    this.combined = s.combined;
  }

  private recompute(): Timestamp | undefined {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < this.watermarks.length; i++) {
      const wm = this.watermarks[i];
      if (wm > max) max = wm;
      if (!this.idle[i] && wm < min) min = wm;
    }
    const next = min === Infinity ? max : min;
    if (next > this.combined) {
      this.combined = next;
      return next;
    }
    return undefined;
  }
}
