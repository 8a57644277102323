import { configure } from 'rxjs-marbles/jest';
import { map } from '../../src';
import { bar, batchOf, coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('map', () => {
  it(
    'keeps watermarks and barriers in order with the records around them',
    marbles((m) => {
      const input = coldElements(m, '-a-W-b-B-c-|', { a: rec(1, 1), W: wm(1), b: rec(2, 4), B: bar(1), c: rec(3, 9) });
      const expected = '                -a-W-b-B-c-(E|)';
      expectElements(m, input.pipe(map((n: number) => n * 10)), expected, {
        a: rec(10, 1),
        W: wm(1),
        b: rec(20, 4),
        B: bar(1),
        c: rec(30, 9),
      });
    }),
  );

  it(
    'maps every record of a batch, independent of batch boundaries',
    marbles((m) => {
      // A group takes as many frames as it has characters: the input leaves room for it.
      const input = coldElements(m, '-a-----W-|', { a: batchOf([1, 1], [2, 2], [3, 3]), W: wm(3) });
      expectElements(m, input.pipe(map((n: number) => -n)), '-(xyz)-W-(E|)', {
        x: rec(-1, 1),
        y: rec(-2, 2),
        z: rec(-3, 3),
        W: wm(3),
      });
    }),
  );
});
