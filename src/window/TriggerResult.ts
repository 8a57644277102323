/**
 * What a trigger decides for a window:
 * - `CONTINUE`: nothing happens;
 * - `FIRE`: the window function runs and a pane is emitted; contents are kept;
 * - `PURGE`: contents are dropped without emitting (the window stays);
 * - `FIRE_AND_PURGE`: emit a pane, then drop the contents.
 *
 * It's Flink's `TriggerResult`.
 */
export type TriggerResult = 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE';

/** @internal True when the result fires the window. */
export const isFire = (r: TriggerResult): boolean => r === 'FIRE' || r === 'FIRE_AND_PURGE';
/** @internal True when the result purges the window contents. */
export const isPurge = (r: TriggerResult): boolean => r === 'PURGE' || r === 'FIRE_AND_PURGE';
