import { debounceTime } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { MAX_WATERMARK } from '../../src/core/time';
import { inEventTime } from '../../src/time/inEventTime';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('RxJS debounceTime in event time (inEventTime)', () => {
  it(
    'debounces by event timestamps: a@1 is replaced by b@3 (2 ms later), b is emitted at 8, c@10 at 15',
    marbles((m) => {
      // arrival order a, c, b: in processing time c would come last and win alone
      const input = coldElements(m, 'Z-a-c-b---W-----d---M---|', {
        Z: wm(0),
        a: rec('a', 1),
        c: rec('c', 10),
        b: rec('b', 3),
        W: wm(20),
        d: rec('d', 30),
        M: wm(MAX_WATERMARK),
      });
      // at end of input debounceTime emits its pending value at once (RxJS semantics): d at 30
      const expected = '                         Z---------(bcW)-----(dM)(E|)';
      expectElements(m, input.pipe(inEventTime<string, string>((s) => debounceTime(5, s))), expected, {
        Z: wm(0),
        b: rec('b', 8),
        c: rec('c', 15),
        W: wm(20),
        d: rec('d', 30),
        M: wm(MAX_WATERMARK),
      });
    }),
  );
});
