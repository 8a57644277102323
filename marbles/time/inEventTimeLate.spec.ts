import { delay } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { MAX_WATERMARK } from '../../src/core/time';
import { OutputTag } from '../../src/route/OutputTag';
import { inEventTime } from '../../src/time/inEventTime';
import { coldElements, expectElements, rec, sideRec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('late records in event time (inEventTime)', () => {
  it(
    'a record at or behind the watermark goes to the late output and is counted, never silently dropped',
    marbles((m) => {
      const late = new OutputTag<string>('late');
      const counter = { n: 0, inc(k: number) { this.n += k; } };
      const input = coldElements(m, 'Z-a---W---b-c-M---|', { Z: wm(0), a: rec('a', 3), W: wm(5), b: rec('b', 5), c: rec('c', 8), M: wm(MAX_WATERMARK) });
      const expected = '                      Z-----(xW)L---(yM)(E|)';
      const op = inEventTime<string, string>((s) => delay(1, s), { lateOutput: late, lateRecords: counter });
      expectElements(m, input.pipe(op), expected, {
        Z: wm(0),
        x: rec('a', 4),
        W: wm(5),
        L: sideRec(late, 'b', 5), // exactly at the watermark: late
        y: rec('c', 9),
        M: wm(MAX_WATERMARK),
      });
      m.scheduler.schedule(() => expect(counter.n).toBe(1), 20);
    }),
  );
});
