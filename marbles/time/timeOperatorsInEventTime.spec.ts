import { delay, throttleTime, timeout, TimeoutError } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { MAX_WATERMARK } from '../../src/core/time';
import { inEventTime } from '../../src/time/inEventTime';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('RxJS delay, throttleTime and timeout in event time (inEventTime)', () => {
  it(
    'delay(5): each record 5 ms of event time later; a delay not yet due waits for the next watermark',
    marbles((m) => {
      const input = coldElements(m, 'Z-b-a---W---X---|', { Z: wm(0), a: rec('a', 2), b: rec('b', 6), W: wm(9), X: wm(20) });
      // the input ends without a maximum watermark: inEventTime sends it, having run every pending delay
      const expected = '                    Z-------(xW)(yX)(ME|)';
      expectElements(m, input.pipe(inEventTime<string, string>((s) => delay(5, s))), expected, {
        Z: wm(0),
        x: rec('a', 7),
        W: wm(9),
        y: rec('b', 11),
        X: wm(20),
        M: wm(MAX_WATERMARK),
      });
    }),
  );

  it(
    'throttleTime(10): the first record of each 10 ms of event time',
    marbles((m) => {
      const input = coldElements(m, 'Z-c-a-b-d---W-----M---|', {
        Z: wm(0),
        a: rec('a', 1),
        b: rec('b', 5),
        c: rec('c', 11),
        d: rec('d', 14),
        W: wm(20),
        M: wm(MAX_WATERMARK),
      });
      const expected = '                        Z-----------(acW)-M---(E|)';
      expectElements(m, input.pipe(inEventTime<string, string>((s) => throttleTime(10, s))), expected, {
        Z: wm(0),
        a: rec('a', 1),
        c: rec('c', 11),
        W: wm(20),
        M: wm(MAX_WATERMARK),
      });
    }),
  );

  it(
    'timeout(10): errors when 10 ms of event time pass without a record (b@12, then nothing until c@30: error at 22)',
    marbles((m) => {
      const input = coldElements(m, 'Z-a-b---W---c-----X|', { Z: wm(0), a: rec('a', 4), b: rec('b', 12), W: wm(13), c: rec('c', 30), X: wm(30) });
      const expected = '                    Z-------(abW)-----#';
      const op = inEventTime<string, string>((s) => timeout({ each: 10, scheduler: s }));
      expectElements(m, input.pipe(op), expected, { Z: wm(0), a: rec('a', 4), b: rec('b', 12), W: wm(13) }, { error: new TimeoutError() });
    }),
  );
});
