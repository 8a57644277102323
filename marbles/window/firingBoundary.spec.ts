import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, keyBy, tumbling, window, type PaneTiming, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

/** A window result as the expected marble shows it: stamped end − 1. */
const res = (start: number, end: number, value: number, timing: PaneTiming = 'ON_TIME', index = 0, isLast = true) =>
  rec<WindowResult<string, number>>({ key: 'k', start, end, value, pane: { timing, index, isLast }, retraction: false }, end - 1);

describe('window: when an event-time window fires', () => {
  it(
    'fires at W ≥ end − 1, not at W = end − 2; the result is stamped end − 1 and precedes the watermark that fired it',
    marbles((m) => {
      // [0, 10): W8 = end − 2 fires nothing, W9 = end − 1 fires. [10, 20): W18 nothing, W19 fires.
      const input = coldElements(m, '-a-b-V-W------c-X-Y------|', {
        a: rec('a', 1),
        b: rec('b', 9),
        V: wm(8),
        W: wm(9),
        c: rec('c', 15),
        X: wm(18),
        Y: wm(19),
      });
      const expected = '             -----V-(rW)-----X-(sY)---(E|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(tumbling(10)), aggregate(count())), expected, {
        V: wm(8),
        r: res(0, 10, 2),
        W: wm(9),
        X: wm(18),
        s: res(10, 20, 1),
        Y: wm(19),
      });
    }),
  );

  it(
    'fires at exactly W = end − 1 for an odd end − 1 set before any watermark (a window of 5 ms)',
    marbles((m) => {
      // end − 1 = 4 and 9: the timers are registered while the watermark is still at its floor.
      const input = coldElements(m, '-a-b-V-W-----X----|', { a: rec('a', 0), b: rec('b', 5), V: wm(3), W: wm(4), X: wm(9) });
      const expected = '             -----V-(rW)--(sX)-(E|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(tumbling(5)), aggregate(count())), expected, {
        V: wm(3),
        r: res(0, 5, 1),
        W: wm(4),
        s: res(5, 10, 1),
        X: wm(9),
      });
    }),
  );

  it(
    'fires every window a watermark passes, in order of their ends, then forwards the watermark once',
    marbles((m) => {
      const input = coldElements(m, '-a-b-c-W------|', { a: rec('a', 25), b: rec('b', 3), c: rec('c', 14), W: wm(40) });
      const expected = '             -------(xyzW)-(E|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(tumbling(10)), aggregate(count())), expected, {
        x: res(0, 10, 1),
        y: res(10, 20, 1),
        z: res(20, 30, 1),
        W: wm(40),
      });
    }),
  );
});
