import { configure } from 'rxjs-marbles/jest';
import { count, keyBy, MAX_WATERMARK } from '../../src';
import { batchOf, coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('keyBy + count', () => {
  it(
    'emits nothing on ordinary watermarks and every count, stamped with the maximum watermark, when it arrives',
    marbles((m) => {
      const input = coldElements(m, '-a-b-W-c-----M-----E|', {
        a: 'x',
        b: 'y',
        W: wm(10),
        c: batchOf(['x'], ['x']),
        M: wm(MAX_WATERMARK),
      });
      const expected = '                -----W-------(xyM)-E|';
      expectElements(m, input.pipe(keyBy((s: string) => s), count()), expected, {
        W: wm(10),
        x: rec<[string, number]>(['x', 3], MAX_WATERMARK),
        y: rec<[string, number]>(['y', 1], MAX_WATERMARK),
        M: wm(MAX_WATERMARK),
      });
    }),
  );

  it(
    'fires at end of input when the input completes without the maximum watermark',
    marbles((m) => {
      const input = coldElements(m, '-a-b-a-|', { a: 'x', b: 'y' });
      expectElements(m, input.pipe(keyBy((s: string) => s), count()), '-------(xyE|)', {
        x: rec<[string, number]>(['x', 2], MAX_WATERMARK),
        y: rec<[string, number]>(['y', 1], MAX_WATERMARK),
      });
    }),
  );

  it(
    "emits a running count per record with { emit: 'every' }",
    marbles((m) => {
      const input = coldElements(m, '-a-b-a-W-|', { a: rec('x', 1), b: rec('y', 2), W: wm(5) });
      expectElements(m, input.pipe(keyBy((s: string) => s), count({ emit: 'every' })), '-p-q-r-W-(E|)', {
        p: rec<[string, number]>(['x', 1], 1),
        q: rec<[string, number]>(['y', 1], 2),
        r: rec<[string, number]>(['x', 2], 1),
        W: wm(5),
      });
    }),
  );
});
