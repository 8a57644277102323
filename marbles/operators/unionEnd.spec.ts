import { configure } from 'rxjs-marbles/jest';
import { MAX_WATERMARK, union } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('union', () => {
  it(
    'ends once, when the last input has ended; an ended input no longer holds the watermark back',
    marbles((m) => {
      const a = coldElements(m, '-x--M-E|', { x: rec('x', 1), M: wm(MAX_WATERMARK) });
      const b = coldElements(m, '---y----W---z--M-E|', { y: rec('y', 2), W: wm(5), z: rec('z', 9), M: wm(MAX_WATERMARK) });
      const expected = '          -x-y----W---z--M-(E|)';
      expectElements(m, a.pipe(union(b)), expected, {
        x: rec('x', 1),
        y: rec('y', 2),
        W: wm(5),
        z: rec('z', 9),
        M: wm(MAX_WATERMARK),
      });
    }),
  );

  it(
    'treats completion without END as the end of that input, and sends the maximum watermark before its own END',
    marbles((m) => {
      const a = coldElements(m, '-x-|', { x: 'x' });
      const b = coldElements(m, '---y---|', { y: 'y' });
      expectElements(m, a.pipe(union(b)), '-x-y---(ME|)', { x: 'x', y: 'y', M: wm(MAX_WATERMARK) });
    }),
  );
});
