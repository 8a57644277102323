import { configure } from 'rxjs-marbles/jest';
import { aggregate, keyBy, sum, tumbling, window, type PaneTiming, type Trigger, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (value: number, timing: PaneTiming, index: number, isLast: boolean) =>
  rec<WindowResult<string, number>>({ key: 'k', start: 0, end: 10, value, pane: { timing, index, isLast }, retraction: false }, 9);

/**
 * A user's trigger: fires (and purges) as soon as the window's values add up
 * to `limit`, keeping its running sum in trigger state; fires the rest at the
 * window's end.
 */
function sumReaches(limit: number): Trigger<number> {
  return {
    onElement(value, _timestamp, window, ctx) {
      const state = ctx.getState<number>('sum');
      const total = (state.get() ?? 0) + value;
      ctx.registerEventTimeTimer(window.maxTimestamp());
      if (total >= limit) {
        state.clear();
        return 'FIRE_AND_PURGE';
      }
      state.set(total);
      return 'CONTINUE';
    },
    onEventTime: (time, window) => (time === window.maxTimestamp() ? 'FIRE_AND_PURGE' : 'CONTINUE'),
    onProcessingTime: () => 'CONTINUE',
    clear(window, ctx) {
      ctx.getState<number>('sum').clear();
      ctx.deleteEventTimeTimer(window.maxTimestamp());
    },
  };
}

describe('window: a custom Trigger', () => {
  it(
    'is asked on every record and timer, and the window operator acts on its verdicts',
    marbles((m) => {
      // 4 + 7 ≥ 10 at b: one pane of 11, purged; c (3) waits for the window's end at W9.
      const input = coldElements(m, '-a-b-c-W----|', { a: rec(4, 1), b: rec(7, 2), c: rec(3, 5), W: wm(9) });
      const expected = '             ---x---(yW)-(E|)';
      const out = input.pipe(keyBy(() => 'k'), window(tumbling(10), { trigger: sumReaches(10) }), aggregate(sum((n: number) => n)));
      expectElements(m, out, expected, {
        x: res(11, 'EARLY', 0, false),
        y: res(3, 'ON_TIME', 1, true),
        W: wm(9),
      });
    }),
  );
});
