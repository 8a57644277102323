import { configure } from 'rxjs-marbles/jest';
import { OutputTag, process, sideOutput } from '../../src';
import { bar, batchOf, coldElements, expectElements, rec, sideRec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const negatives = new OutputTag<number>('negatives');
const positivesAndNegatives = process<number, number>((n, ctx, out) => {
  if (n < 0) ctx.output(negatives, n);
  else out.collect(n);
});

describe('process with side outputs', () => {
  it(
    'puts side-output records in band, after the main results of their batch and before the next control element',
    marbles((m) => {
      const input = coldElements(m, '-a-----W-b-B-|', { a: batchOf([1, 1], [-2, 2], [3, 3]), W: wm(3), b: rec(-4, 5), B: bar(1) });
      const expected = '                -(xzn)-W-o-B-(E|)';
      expectElements(m, input.pipe(positivesAndNegatives), expected, {
        x: rec(1, 1),
        z: rec(3, 3),
        n: sideRec(negatives, -2, 2),
        W: wm(3),
        o: sideRec(negatives, -4, 5),
        B: bar(1),
      });
    }),
  );

  it(
    'selects one side output with sideOutput(tag), control elements included',
    marbles((m) => {
      const input = coldElements(m, '-a-----W-b-B-|', { a: batchOf([1, 1], [-2, 2], [3, 3]), W: wm(3), b: rec(-4, 5), B: bar(1) });
      const expected = '                -n-----W-o-B-(E|)';
      expectElements(m, input.pipe(positivesAndNegatives, sideOutput(negatives)), expected, {
        n: rec(-2, 2),
        W: wm(3),
        o: rec(-4, 5),
        B: bar(1),
      });
    }),
  );

  it(
    'sees the current watermark and can emit with an explicit timestamp',
    marbles((m) => {
      const input = coldElements(m, '-a-W-b-|', { a: rec('x', 1), W: wm(4), b: rec('y', 6) });
      const annotate = process<string, string>((s, ctx, out) => out.collectWithTimestamp(`${s}@wm${ctx.currentWatermark}`, 100));
      expectElements(m, input.pipe(annotate), '-a-W-b-(E|)', {
        a: rec(`x@wm${Number.MIN_SAFE_INTEGER}`, 100),
        W: wm(4),
        b: rec('y@wm4', 100),
      });
    }),
  );
});
