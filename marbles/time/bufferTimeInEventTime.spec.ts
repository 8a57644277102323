import { bufferTime } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { MAX_WATERMARK } from '../../src/core/time';
import { inEventTime } from '../../src/time/inEventTime';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('RxJS bufferTime in event time (inEventTime)', () => {
  it(
    'buffers records by their event timestamps, whatever their arrival order: periods [0,10), [10,20), [20,30)',
    marbles((m) => {
      const input = coldElements(m, 'Z-a-b-c---W-----d-e---X-----M---|', {
        Z: wm(0), // the clock starts here: periods end at 10, 20, 30
        a: rec(3, 3),
        b: rec(1, 1),
        c: rec(12, 12),
        W: wm(10),
        d: rec(11, 11),
        e: rec(25, 25),
        X: wm(30),
        M: wm(MAX_WATERMARK),
      });
      // each buffer is stamped with the event time it closed at; on completion bufferTime flushes its open (empty) buffer
      const expected = '                                   Z---------(xW)--------(yzX)-(fM)(E|)';
      expectElements(m, input.pipe(inEventTime<number, number[]>((s) => bufferTime(10, s))), expected, {
        Z: wm(0),
        x: rec([1, 3], 10),
        W: wm(10),
        y: rec([11, 12], 20),
        z: rec([25], 30),
        X: wm(30),
        f: rec([], 30),
        M: wm(MAX_WATERMARK),
      });
    }),
  );
});
