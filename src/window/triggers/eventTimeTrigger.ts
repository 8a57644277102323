import type { Trigger } from '../Trigger';

/**
 * Fires a window once, when the watermark reaches its end (`W ≥ end − 1`), and
 * again for every record that arrives within the allowed lateness after that.
 * The default trigger of event-time windows.
 *
 * It's Flink's `EventTimeTrigger`.
 *
 * ```
 * window [0, 10), lateness 5
 * input:   -a@3--b@7--W9---------c@8--W14-|
 * output:  -----------[a b]ON_TIME--[a b c]LATE---|
 * ```
 *
 * @example
 * keyed.pipe(window(tumbling(10_000), { trigger: eventTimeTrigger() }), aggregate(count()));
 */
export function eventTimeTrigger<T = unknown>(): Trigger<T> {
  const trigger: Trigger<T> = {
    onElement(_value, _timestamp, window, ctx) {
      const end = window.maxTimestamp();
      if (end <= ctx.currentWatermark) return 'FIRE';
      ctx.registerEventTimeTimer(end);
      return 'CONTINUE';
    },
    onEventTime: (time, window) => (time === window.maxTimestamp() ? 'FIRE' : 'CONTINUE'),
    onProcessingTime: () => 'CONTINUE',
    onMerge(window, ctx) {
      const end = window.maxTimestamp();
      if (end > ctx.currentWatermark) ctx.registerEventTimeTimer(end);
    },
    clear(window, ctx) {
      ctx.deleteEventTimeTimer(window.maxTimestamp());
    },
  };
  BUILTIN_EVENT_TIME_TRIGGERS.add(trigger as Trigger<unknown>);
  return trigger;
}

/**
 * @internal
 * The triggers made by {@link eventTimeTrigger}: the window operator applies
 * their per-record rule inline (fire if the window's end has passed, else one
 * timer at the end) instead of calling them for every record.
 */
export const BUILTIN_EVENT_TIME_TRIGGERS = new WeakSet<Trigger<unknown>>();
