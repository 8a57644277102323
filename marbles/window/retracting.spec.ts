import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, keyBy, session, tumbling, window, type PaneTiming, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (start: number, end: number, value: number, timing: PaneTiming, index: number, retraction = false) =>
  rec<WindowResult<string, number>>({ key: 'k', start, end, value, pane: { timing, index, isLast: false }, retraction }, end - 1);

describe('window: retracting accumulation', () => {
  it(
    'precedes each new pane with a retraction of the previous pane of the window',
    marbles((m) => {
      // [0, 10), lateness 10: ON_TIME 1 at W9; b@2 re-fires it: retract 1, then emit 2 (same pane, LATE #1).
      const input = coldElements(m, '-a-W-----b----X-----|', { a: rec('a', 1), W: wm(9), b: rec('b', 2), X: wm(19) });
      const expected = '             ---(xW)--(pq)-X-----(E|)';
      const options = { allowedLateness: 10, accumulation: 'retracting' as const };
      expectElements(m, input.pipe(keyBy(() => 'k'), window(tumbling(10), options), aggregate(count())), expected, {
        x: res(0, 10, 1, 'ON_TIME', 0),
        W: wm(9),
        p: res(0, 10, 1, 'LATE', 1, true),
        q: res(0, 10, 2, 'LATE', 1),
        X: wm(19),
      });
    }),
  );

  it(
    'retracts both fired sessions before the merged one when a late record bridges them',
    marbles((m) => {
      const input = coldElements(m, '-a-b-W------c-----|', { a: rec('a', 0), b: rec('b', 10), W: wm(15), c: rec('c', 5) });
      const expected = '             -----(xyW)--(pqr)-(E|)';
      const options = { allowedLateness: 20, accumulation: 'retracting' as const };
      expectElements(m, input.pipe(keyBy(() => 'k'), window(session(5), options), aggregate(count())), expected, {
        x: res(0, 5, 1, 'ON_TIME', 0),
        y: res(10, 15, 1, 'ON_TIME', 0),
        W: wm(15),
        p: res(0, 5, 1, 'LATE', 1, true),
        q: res(10, 15, 1, 'LATE', 1, true),
        r: res(0, 15, 3, 'LATE', 1),
      });
    }),
  );
});
