import { configure } from 'rxjs-marbles/jest';
import { MAX_WATERMARK } from '../../src/core/time';
import { assignTimestampsAndWatermarks } from '../../src/operators/assignTimestampsAndWatermarks';
import { monotonous } from '../../src/time/monotonous';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('periodic watermark emission', () => {
  it(
    '{ every: 10 }: at each tick of the processing-time clock (10, 20, 30…), only when the watermark advanced',
    marbles((m) => {
      const values = { a: rec('a', 5), b: rec('b', 9), c: rec('c', 12), M: wm(MAX_WATERMARK) };
      const input = coldElements(m, '-a--b-------c-----------------------M|', values);
      const expected = '              -a--b-----W-c-------X---------------M(E|)';
      //                            tick 10: W8   tick 20: W11   tick 30: nothing new
      const op = assignTimestampsAndWatermarks<string>(monotonous(), { emit: { every: 10 }, scheduler: m.scheduler });
      expectElements(m, input.pipe(op), expected, { ...values, W: wm(8), X: wm(11) });
    }),
  );
});
