import { InvalidArgumentError } from '../../core/errors';
import type { Duration } from '../../core/types';
import type { Trigger, TriggerContext } from '../Trigger';
import { mod } from '../windowMath';

const NEXT = 'continuous-event-time';

/**
 * Fires a window every `interval` of event time — when the watermark reaches
 * the next multiple of the interval after the window's first record — and at
 * the window's end. A watermark that passes several multiples at once fires
 * one pane for them (the panes in between would hold the same records), and
 * none when it also passes the window's end (the on-time pane follows).
 *
 * It's Flink's `ContinuousEventTimeTrigger`: early, periodic results of a long
 * window as the watermark advances.
 *
 * ```
 * window [0, 60), interval 20
 * watermark: --W20----W40----W59-|
 * output:    --EARLY--EARLY--ON_TIME
 * ```
 *
 * @example
 * keyed.pipe(window(tumbling(60_000), { trigger: continuousEventTimeTrigger(10_000) }), aggregate(count()));
 * @param interval event time between firings.
 */
export function continuousEventTimeTrigger<T = unknown>(interval: Duration): Trigger<T> {
  if (!(interval > 0) || !Number.isFinite(interval)) {
    throw new InvalidArgumentError('continuousEventTimeTrigger', 'interval', 'a positive number of milliseconds', interval);
  }
  const registerNext = (time: number, windowEnd: number, ctx: TriggerContext): void => {
    const next = Math.min(time, windowEnd);
    ctx.getState<number>(NEXT).set(next);
    ctx.registerEventTimeTimer(next);
  };
  return {
    onElement(_value, timestamp, window, ctx) {
      const end = window.maxTimestamp();
      if (end <= ctx.currentWatermark) return 'FIRE';
      ctx.registerEventTimeTimer(end);
      if (ctx.getState<number>(NEXT).get() === undefined) {
        const start = timestamp - mod(timestamp, interval);
        registerNext(start + interval, end, ctx);
      }
      return 'CONTINUE';
    },
    onEventTime(time, window, ctx) {
      const end = window.maxTimestamp();
      if (time === end) return 'FIRE';
      const state = ctx.getState<number>(NEXT);
      if (state.get() !== time) return 'CONTINUE';
      state.clear();
      // One watermark may pass several intervals (or, at end of input, the window's end):
      // the panes in between would repeat the same contents, so fire once for all of them
      // — and not at all when the on-time firing of this same advance follows.
      const wm = ctx.currentWatermark;
      if (wm >= end) return 'CONTINUE';
      registerNext(Math.max(time + interval, wm - mod(wm, interval) + interval), end, ctx);
      return 'FIRE';
    },
    onProcessingTime: () => 'CONTINUE',
    onMerge(window, ctx) {
      ctx.mergeState<number>(NEXT, Math.min);
      const next = ctx.getState<number>(NEXT).get();
      if (next !== undefined) ctx.registerEventTimeTimer(next);
      const end = window.maxTimestamp();
      if (end > ctx.currentWatermark) ctx.registerEventTimeTimer(end);
    },
    clear(window, ctx) {
      const state = ctx.getState<number>(NEXT);
      const next = state.get();
      if (next !== undefined) ctx.deleteEventTimeTimer(next);
      state.clear();
      ctx.deleteEventTimeTimer(window.maxTimestamp());
    },
  };
}
