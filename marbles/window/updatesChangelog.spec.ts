import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, keyBy, session, window, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (start: number, end: number, value: number, index: number, retraction = false) =>
  rec<WindowResult<string, number>>({ key: 'k', start, end, value, pane: { timing: 'EARLY', index, isLast: false }, retraction }, end - 1);

describe("window: emit 'updates' (a changelog)", () => {
  it(
    'emits every update at once, and retracts both sessions before the merged one when a record bridges them',
    marbles((m) => {
      // gap 5: a@0 → +[0, 5) 1; b@10 → +[10, 15) 1; c@5 bridges: −[0, 5) 1, −[10, 15) 1, +[0, 15) 3.
      // The watermark fires nothing more: every change was already emitted.
      const input = coldElements(m, '-a-b-c------W---|', { a: rec('a', 0), b: rec('b', 10), c: rec('c', 5), W: wm(20) });
      const expected = '             -x-y-(pqr)--W---(E|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(session(5), { emit: 'updates' }), aggregate(count())), expected, {
        x: res(0, 5, 1, 0),
        y: res(10, 15, 1, 0),
        p: res(0, 5, 1, 1, true),
        q: res(10, 15, 1, 1, true),
        r: res(0, 15, 3, 1),
        W: wm(20),
      });
    }),
  );

  it(
    'retracts the previous value of a window before each update of it',
    marbles((m) => {
      const input = coldElements(m, '-a-b-----|', { a: rec('a', 0), b: rec('b', 2) });
      const expected = '             -x-(pq)--(E|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(session(5), { emit: 'updates' }), aggregate(count())), expected, {
        x: res(0, 5, 1, 0),
        p: res(0, 5, 1, 1, true),
        q: res(0, 7, 2, 1),
      });
    }),
  );
});
