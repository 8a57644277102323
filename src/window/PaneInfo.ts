/**
 * When a pane was emitted relative to the watermark, like Beam's `PaneInfo`:
 * - `EARLY`: before the watermark reached the window's end (speculative);
 * - `ON_TIME`: the firing when the watermark reached `end − 1`;
 * - `LATE`: after that, for records within the allowed lateness.
 */
export type PaneTiming = 'EARLY' | 'ON_TIME' | 'LATE';

/** Describes one emission (pane) of a window. */
export interface PaneInfo {
  readonly timing: PaneTiming;
  /** 0 for the first pane of the window, then 1, 2, … */
  readonly index: number;
  /** True when no further pane of this window will follow (it was cleared right after). */
  readonly isLast: boolean;
}
