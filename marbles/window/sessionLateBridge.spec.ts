import { share } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, keyBy, OutputTag, session, window, type PaneTiming, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, sideRec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (start: number, end: number, value: number, timing: PaneTiming, index: number) =>
  rec<WindowResult<string, number>>({ key: 'k', start, end, value, pane: { timing, index, isLast: false }, retraction: false }, end - 1);

describe('window: a late record bridging fired sessions', () => {
  it(
    'merges two sessions already fired when a record within the lateness bridges them, and fires the merged session LATE',
    marbles((m) => {
      const late = new OutputTag<string>('late');
      // gap 5, lateness 20: a@0 → [0, 5), b@10 → [10, 15); W15 fires both ON_TIME (kept until
      // 4 + 20 and 14 + 20). c@5 is behind the watermark but within the lateness and touches both:
      // they merge into [0, 15), which fires at once, LATE, with the next pane index.
      // W40 ≥ 14 + 20 clears it: e@3 is then late.
      const input = coldElements(m, '-a-b-W------c-X-----e--|', {
        a: rec('a', 0),
        b: rec('b', 10),
        W: wm(15),
        c: rec('c', 5),
        X: wm(40),
        e: rec('e', 3),
      });
      const expected = '             -----(xyW)--z-X-----e--(E|)';
      const out = input.pipe(keyBy(() => 'k'), window(session(5), { allowedLateness: 20, lateOutput: late }), aggregate(count()), share());
      expectElements(m, out, expected, {
        x: res(0, 5, 1, 'ON_TIME', 0),
        y: res(10, 15, 1, 'ON_TIME', 0),
        W: wm(15),
        z: res(0, 15, 3, 'LATE', 1),
        X: wm(40),
        e: sideRec(late, 'e', 3),
      });
    }),
  );
});
