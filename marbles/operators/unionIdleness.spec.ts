import { configure } from 'rxjs-marbles/jest';
import { idle, MAX_WATERMARK, union } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('union', () => {
  it(
    'stops waiting for an idle input, and never lets the watermark go back when it wakes up',
    marbles((m) => {
      const a = coldElements(m, '-x-W-----V-----|', { x: rec('x', 1), W: wm(5), V: wm(12) });
      const b = coldElements(m, '--y--I------z-U|', { y: rec('y', 2), I: idle(true), z: rec('z', 13), U: wm(8) });
      // b idle at frame 5 releases a's W5; b wakes up with a record, and its
      // watermark 8 is behind the combined 12, so nothing is emitted for it.
      const expected = '          -xy--W---V--z--(ME|)';
      expectElements(m, a.pipe(union(b)), expected, {
        x: rec('x', 1),
        y: rec('y', 2),
        W: wm(5),
        V: wm(12),
        z: rec('z', 13),
        M: wm(MAX_WATERMARK),
      });
    }),
  );

  it(
    'passes on the maximum watermark and an idle marker when every input is idle',
    marbles((m) => {
      const a = coldElements(m, '-W--I---x---|', { W: wm(5), I: idle(true), x: rec('x', 20) });
      const b = coldElements(m, '--U---I-----|', { U: wm(9), I: idle(true) });
      // a idle releases b's 9; all idle at frame 6: an idle marker (the watermark
      // is already the maximum over the inputs, 9); a record wakes the union up.
      const expected = '          --W-V-I-(Jx)(ME|)';
      expectElements(m, a.pipe(union<string>(b)), expected, {
        W: wm(5),
        V: wm(9),
        I: idle(true),
        J: idle(false),
        x: rec('x', 20),
        M: wm(MAX_WATERMARK),
      });
    }),
  );
});
