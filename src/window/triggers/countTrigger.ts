import { InvalidArgumentError } from '../../core/errors';
import type { Trigger } from '../Trigger';

const COUNT = 'count';

/**
 * Fires a window every `n` records (the count restarts after each firing).
 * Records left over when the window closes (end of input for the global
 * window) are emitted in a final pane — never dropped.
 *
 * It's Flink's `CountTrigger`; wrap it in {@link purging} to emit each group
 * of `n` once (that is {@link countWindow}).
 *
 * ```
 * n = 3
 * input:   -a-b-c-d-e-f-g-|
 * output:  -----x-----y---z|    x = [a b c], y = [a … f], z = [a … g] (accumulating)
 * ```
 *
 * @example
 * keyed.pipe(window(global(), { trigger: countTrigger(100) }), aggregate(sum(r => r.amount)));
 * @param n records per firing (a positive integer).
 */
export function countTrigger<T = unknown>(n: number): Trigger<T> {
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('countTrigger', 'n', 'a positive integer', n);
  return {
    onElement(_value, _timestamp, window, ctx) {
      const state = ctx.getState<number>(COUNT);
      const seen = (state.get() ?? 0) + 1;
      if (seen >= n) {
        state.clear();
        return 'FIRE';
      }
      if (seen === 1) ctx.registerEventTimeTimer(window.maxTimestamp());
      state.set(seen);
      return 'CONTINUE';
    },
    onEventTime: () => 'CONTINUE',
    onProcessingTime: () => 'CONTINUE',
    onMerge(_window, ctx) {
      ctx.mergeState<number>(COUNT, (a, b) => a + b);
    },
    clear(window, ctx) {
      ctx.getState<number>(COUNT).clear();
      ctx.deleteEventTimeTimer(window.maxTimestamp());
    },
  };
}
