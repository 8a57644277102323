import { configure } from 'rxjs-marbles/jest';
import { MAX_WATERMARK } from '../../src/core/time';
import { assignTimestampsAndWatermarks } from '../../src/operators/assignTimestampsAndWatermarks';
import { boundedOutOfOrderness } from '../../src/time/boundedOutOfOrderness';
import { monotonous } from '../../src/time/monotonous';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('boundedOutOfOrderness', () => {
  it(
    'W = maxTimestamp − d − 1: after a record at 10000 with d = 5000, W = 4999; a record behind the maximum leaves W alone',
    marbles((m) => {
      const values = { a: rec('a', 10_000), b: rec('b', 7_000), c: rec('c', 12_000), M: wm(MAX_WATERMARK) };
      const input = coldElements(m, '-a----b----c----M|', values);
      const expected = '              -(aW)-b----(cX)-M(E|)';
      expectElements(m, input.pipe(assignTimestampsAndWatermarks(boundedOutOfOrderness(5_000))), expected, {
        ...values,
        W: wm(4_999),
        X: wm(6_999),
      });
    }),
  );

  it(
    'monotonous() is boundedOutOfOrderness(0): W = maxTimestamp − 1',
    marbles((m) => {
      const values = { a: rec('a', 10), b: rec('b', 10), c: rec('c', 12), M: wm(MAX_WATERMARK) };
      const input = coldElements(m, '-a----b----c----M|', values);
      const expected = '              -(aW)-b----(cX)-M(E|)';
      expectElements(m, input.pipe(assignTimestampsAndWatermarks(monotonous())), expected, { ...values, W: wm(9), X: wm(11) });
    }),
  );
});
