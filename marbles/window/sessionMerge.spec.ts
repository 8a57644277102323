import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, keyBy, session, window, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

// A session is kept until W ≥ end (a record at exactly `end` may still touch it): its pane is last only when the watermark already passed that.
const res = (start: number, end: number, value: number, isLast = false) =>
  rec<WindowResult<string, number>>({ key: 'k', start, end, value, pane: { timing: 'ON_TIME', index: 0, isLast }, retraction: false }, end - 1);

describe('window: session merging', () => {
  it(
    'merges two sessions when an out-of-order record bridges them; records exactly gap apart share a session',
    marbles((m) => {
      // gap 5: a@0 → [0, 5), b@10 → [10, 15); c@5 arrives late but before any watermark and
      // touches both: one session [0, 15) of 3. d@20 alone: [20, 25). e@30 and f@35 are exactly
      // gap apart: [30, 40) of 2. W50 fires them all, in order of their ends.
      const input = coldElements(m, '-a-b-c-d-e-f-W------|', {
        a: rec('a', 0),
        b: rec('b', 10),
        c: rec('c', 5),
        d: rec('d', 20),
        e: rec('e', 30),
        f: rec('f', 35),
        W: wm(50),
      });
      const expected = '             -------------(xyzW)-(E|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(session(5)), aggregate(count())), expected, {
        x: res(0, 15, 3, true),
        y: res(20, 25, 1, true),
        z: res(30, 40, 2, true),
        W: wm(50),
      });
    }),
  );

  it(
    'fires a session at W = last + gap − 1, and one more ms apart starts a new session',
    marbles((m) => {
      // a@0, b@6 with gap 5: 6 > 0 + 5, so [0, 5) and [6, 11). W4 fires [0, 5); W10 fires [6, 11).
      const input = coldElements(m, '-a-b-V-W------X----|', { a: rec('a', 0), b: rec('b', 6), V: wm(3), W: wm(4), X: wm(10) });
      const expected = '             -----V-(xW)---(yX)-(E|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(session(5)), aggregate(count())), expected, {
        V: wm(3),
        x: res(0, 5, 1),
        W: wm(4),
        y: res(6, 11, 1),
        X: wm(10),
      });
    }),
  );
});
