import type { Timestamp } from '../core/types';
import type { TriggerResult } from './TriggerResult';
import type { TimeWindow } from './TimeWindow';

/** A value kept per key and window for a trigger (e.g. a count so far). */
export interface TriggerState<S> {
  /** The value, or `undefined` when unset. */
  get(): S | undefined;
  /** Replaces the value. */
  set(value: S): void;
  /** Removes the value. */
  clear(): void;
}

/**
 * What a trigger can see and do. The context object is reused by the window
 * operator: it is valid only during the call it is passed to.
 */
export interface TriggerContext {
  /** The current event-time watermark of the operator. */
  readonly currentWatermark: Timestamp;
  /** The current processing time. */
  readonly currentProcessingTime: Timestamp;
  /** Calls `onEventTime(time, …)` for this key and window when the watermark reaches `time` (deduplicated). */
  registerEventTimeTimer(time: Timestamp): void;
  /** Cancels an event-time timer of this key and window. */
  deleteEventTimeTimer(time: Timestamp): void;
  /** Calls `onProcessingTime(time, …)` when the processing clock reaches `time` (deduplicated). */
  registerProcessingTimeTimer(time: Timestamp): void;
  /** Cancels a processing-time timer of this key and window. */
  deleteProcessingTimeTimer(time: Timestamp): void;
  /** State of this trigger for this key and window, by name. */
  getState<S>(name: string): TriggerState<S>;
}

/** The context of {@link Trigger.onMerge}: also merges the trigger state of the windows merged away. */
export interface TriggerMergeContext extends TriggerContext {
  /**
   * Folds the state `name` of the merged windows into the new window's:
   * `merge(a, b)` is applied to every defined value.
   */
  mergeState<S>(name: string, merge: (a: S, b: S) => S): void;
}

/**
 * Decides when a window fires (emits a pane) and when its contents are purged.
 * A trigger only decides: the window operator acts on its result.
 *
 * It's Flink's `Trigger`; implement it to write your own. Built-ins:
 * {@link eventTimeTrigger} (the default for event-time windows),
 * {@link processingTimeTrigger}, {@link countTrigger},
 * {@link continuousEventTimeTrigger}, {@link continuousProcessingTimeTrigger},
 * {@link earlyAndLateTrigger}, {@link purging}.
 *
 * @example
 * // Fire on every record whose value is 'flush'.
 * const onFlush: Trigger<string> = {
 *   onElement: (v) => (v === 'flush' ? 'FIRE' : 'CONTINUE'),
 *   onEventTime: () => 'CONTINUE',
 *   onProcessingTime: () => 'CONTINUE',
 *   clear: () => {},
 * };
 */
export interface Trigger<T = unknown> {
  /** Called for every record added to a window. */
  onElement(value: T, timestamp: Timestamp, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  /** Called when an event-time timer of this key and window fires. */
  onEventTime(time: Timestamp, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  /** Called when a processing-time timer of this key and window fires. */
  onProcessingTime(time: Timestamp, window: TimeWindow, ctx: TriggerContext): TriggerResult;
  /** Called when windows merge into `window` (sessions); required for merging assigners. */
  onMerge?(window: TimeWindow, ctx: TriggerMergeContext): void;
  /** Called when the window is cleared: delete its timers and state. */
  clear(window: TimeWindow, ctx: TriggerContext): void;
}
