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

const TIMINGS: readonly PaneTiming[] = ['EARLY', 'ON_TIME', 'LATE'];
const PANES: readonly PaneInfo[] = TIMINGS.flatMap((timing) =>
  [false, true].flatMap((isLast) => Array.from({ length: 8 }, (_, index) => Object.freeze({ timing, index, isLast }))),
);

/**
 * @internal
 * The pane info of an emission. Pane infos are immutable: the common ones
 * (index < 8) are shared, frozen, instead of allocated per result.
 */
export function paneInfo(timing: PaneTiming, index: number, isLast: boolean): PaneInfo {
  if (index > 7) return { timing, index, isLast };
  return PANES[(timing === 'ON_TIME' ? 16 : timing === 'LATE' ? 32 : 0) + (isLast ? 8 : 0) + index];
}
