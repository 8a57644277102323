import { configure } from 'rxjs-marbles/jest';
import { MAX_WATERMARK } from '../../src/core/time';
import { assignTimestampsAndWatermarks } from '../../src/operators/assignTimestampsAndWatermarks';
import { boundedOutOfOrderness } from '../../src/time/boundedOutOfOrderness';
import { batchOf, coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

// One batch of four records at 4, 8, 6, 12 with d = 2: W goes 1, 5, (5), 9.
const inputValues = { a: batchOf([4, 4], [8, 8], [6, 6], [12, 12]), M: wm(MAX_WATERMARK) };
const outputValues = { a: rec(4, 4), b: rec(8, 8), c: rec(6, 6), d: rec(12, 12), X: wm(1), Y: wm(5), Z: wm(9), M: wm(MAX_WATERMARK) };

describe('watermark emission per batch and per record', () => {
  it(
    "'batch' (the default): one watermark after the batch, if it advanced",
    marbles((m) => {
      const input = coldElements(m, '-a---------M|', inputValues);
      const expected = '              -(abcdZ)---M(E|)';
      expectElements(m, input.pipe(assignTimestampsAndWatermarks(boundedOutOfOrderness(2))), expected, outputValues);
    }),
  );

  it(
    "'record': the batch is split so that each watermark follows the record that advanced it",
    marbles((m) => {
      const input = coldElements(m, '-a---------M|', inputValues);
      const expected = '              -(aXbYcdZ)-M(E|)';
      expectElements(m, input.pipe(assignTimestampsAndWatermarks(boundedOutOfOrderness(2), { emit: 'record' })), expected, outputValues);
    }),
  );
});
