import { InvalidArgumentError } from '../../core/errors';
import type { Duration } from '../../core/types';
import type { Trigger } from '../Trigger';
import { mod } from '../windowMath';

const NEXT = 'continuous-processing-time';

/**
 * Fires a window at the next multiple of `interval` of processing time after
 * a record arrives: at most once per interval, and only when records arrived
 * since the last firing (so an idle window schedules nothing). Whatever the
 * window holds when it closes is emitted in a final pane.
 *
 * It's like Flink's `ContinuousProcessingTimeTrigger`, but it does not keep
 * re-arming itself while nothing arrives.
 *
 * ```
 * interval 5 (processing time)
 * clock:   0----5----10---
 * input:   a-b------c-----
 * output:  -----x----y----     x = [a b], y = [a b c]
 * ```
 *
 * @example
 * keyed.pipe(window(global(), { trigger: continuousProcessingTimeTrigger(1_000) }), aggregate(count()));
 * @param interval processing time between firings.
 */
export function continuousProcessingTimeTrigger<T = unknown>(interval: Duration): Trigger<T> {
  if (!(interval > 0) || !Number.isFinite(interval)) {
    throw new InvalidArgumentError('continuousProcessingTimeTrigger', 'interval', 'a positive number of milliseconds', interval);
  }
  return {
    onElement(_value, _timestamp, _window, ctx) {
      const state = ctx.getState<number>(NEXT);
      if (state.get() === undefined) {
        const now = ctx.currentProcessingTime;
        const next = now - mod(now, interval) + interval;
        state.set(next);
        ctx.registerProcessingTimeTimer(next);
      }
      return 'CONTINUE';
    },
    onEventTime: () => 'CONTINUE',
    onProcessingTime(time, _window, ctx) {
      const state = ctx.getState<number>(NEXT);
      if (state.get() !== time) return 'CONTINUE';
      state.clear();
      return 'FIRE';
    },
    onMerge(_window, ctx) {
      ctx.mergeState<number>(NEXT, Math.min);
      const next = ctx.getState<number>(NEXT).get();
      if (next !== undefined) ctx.registerProcessingTimeTimer(next);
    },
    clear(_window, ctx) {
      const state = ctx.getState<number>(NEXT);
      const next = state.get();
      if (next !== undefined) ctx.deleteProcessingTimeTimer(next);
      state.clear();
    },
  };
}
