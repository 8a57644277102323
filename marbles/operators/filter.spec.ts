import { configure } from 'rxjs-marbles/jest';
import { filter } from '../../src';
import { bar, batchOf, coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('filter', () => {
  it(
    'drops records but keeps watermarks and barriers where they were',
    marbles((m) => {
      const input = coldElements(m, '-a-b-W-c-B-d-|', {
        a: rec(1, 1),
        b: rec(-2, 2),
        W: wm(2),
        c: rec(-3, 5),
        B: bar(7),
        d: rec(4, 6),
      });
      const expected = '                -a---W---B-d-(E|)';
      expectElements(m, input.pipe(filter((n: number) => n > 0)), expected, {
        a: rec(1, 1),
        W: wm(2),
        B: bar(7),
        d: rec(4, 6),
      });
    }),
  );

  it(
    'keeps the surviving records of a batch, with their timestamps and keys',
    marbles((m) => {
      const input = coldElements(m, '-a-----W-|', {
        a: batchOf([1, 1, 'k'], [-2, 2, 'k'], [3, 3, 'j']),
        W: wm(3),
      });
      expectElements(m, input.pipe(filter((n: number) => n > 0)), '-(xy)--W-(E|)', {
        x: rec(1, 1, 'k'),
        y: rec(3, 3, 'j'),
        W: wm(3),
      });
    }),
  );
});
