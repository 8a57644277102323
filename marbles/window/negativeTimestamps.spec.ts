import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, keyBy, sliding, tumbling, window, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (start: number, end: number, value: number) =>
  rec<WindowResult<string, number>>({ key: 'k', start, end, value, pane: { timing: 'ON_TIME', index: 0, isLast: true }, retraction: false }, end - 1);

describe('window: negative timestamps and offsets', () => {
  it(
    'tumbling(10, 3): ts 2 → [-7, 3), ts -8 → [-17, -7); windows before 0 fire at their end − 1',
    marbles((m) => {
      // b@-8 alone in [-17, -7) fires at W-8; a@2 and c@-7 share [-7, 3), fired at W2; d@3 opens [3, 13),
      // fired at end of input.
      const input = coldElements(m, '-a-b-c-W----d-X----|', { a: rec('a', 2), b: rec('b', -8), c: rec('c', -7), W: wm(-8), d: rec('d', 3), X: wm(2) });
      const expected = '             -------(xW)---(yX)-(zE|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(tumbling(10, 3)), aggregate(count())), expected, {
        x: res(-17, -7, 1),
        W: wm(-8),
        y: res(-7, 3, 2),
        X: wm(2),
        z: res(3, 13, 1),
      });
    }),
  );

  it(
    'sliding(10, 5, -2): ts -1 → [-7, 3) and [-2, 8)',
    marbles((m) => {
      const input = coldElements(m, '-a-W-----|', { a: rec('a', -1), W: wm(2) });
      const expected = '             ---(xW)--(yE|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(sliding(10, 5, -2)), aggregate(count())), expected, {
        x: res(-7, 3, 1),
        W: wm(2),
        y: res(-2, 8, 1),
      });
    }),
  );
});
