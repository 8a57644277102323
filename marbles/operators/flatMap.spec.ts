import { configure } from 'rxjs-marbles/jest';
import { flatMap } from '../../src';
import { bar, coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('flatMap', () => {
  it(
    'emits the records a record becomes before the watermark and barrier that followed it',
    marbles((m) => {
      const input = coldElements(m, '-a-----W-B-b-c---|', {
        a: rec('x y z', 1),
        W: wm(1),
        B: bar(1),
        b: rec('', 3),
        c: rec('u v', 4),
      });
      const expected = '                -(xyz)-W-B---(uv)(E|)';
      expectElements(m, input.pipe(flatMap((s: string) => s.split(' ').filter(Boolean))), expected, {
        x: rec('x', 1),
        y: rec('y', 1),
        z: rec('z', 1),
        W: wm(1),
        B: bar(1),
        u: rec('u', 4),
        v: rec('v', 4),
      });
    }),
  );
});
