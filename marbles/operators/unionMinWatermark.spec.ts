import { configure } from 'rxjs-marbles/jest';
import { MAX_WATERMARK, union } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('union', () => {
  it(
    'emits the minimum of its inputs’ watermarks, only when that minimum advances',
    marbles((m) => {
      const M = wm(MAX_WATERMARK);
      const a = coldElements(m, '-x--W------V-----M----E|', { x: rec('x', 1), W: wm(5), V: wm(12), M });
      const b = coldElements(m, '---y----U------T-M----E|', { y: rec('y', 2), U: wm(7), T: wm(20), M });
      // a's W5 waits for b (still at the minimum watermark); b's U7 releases 5;
      // a's V12 releases b's 7; b's T20 releases a's 12; a's maximum releases 20.
      const expected = '          -x-y----W--U---V-(TM)-(E|)';
      expectElements(m, a.pipe(union(b)), expected, {
        x: rec('x', 1),
        y: rec('y', 2),
        W: wm(5),
        U: wm(7),
        V: wm(12),
        T: wm(20),
        M,
      });
    }),
  );
});
