import type { Observable } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { keyedProcess, type Element, type KeyedElement } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

/** The records of these diagrams carry keys (rec(value, ts, key)): the stream is keyed. */
const keyed = <T>(elements: Observable<Element<T>>) => elements as Observable<KeyedElement<T, string>>;

describe('keyedProcess timers in virtual time', () => {
  it(
    'event-time timers fire in timestamp order, per key, just ahead of the watermark that passes them',
    marbles((m) => {
      // each record asks for a timer at ts + 10; W = 15 passes a's and b's (11, 13), Y = 30 passes c's (22)
      const input = '   -a-b-c-W-------Y------|';
      const values = { a: rec('a', 3, 'k1'), b: rec('b', 1, 'k2'), c: rec('c', 12, 'k1'), W: wm(15), Y: wm(30) };
      const timers = keyedProcess<string, string, string>(
        {
          processElement(v, ctx) {
            ctx.timerService.registerEventTimeTimer(ctx.timestamp! + 10);
          },
          onTimer(time, ctx, out) {
            out.collect(`${ctx.key}@${time}`);
          },
        },
        { scheduler: m.scheduler },
      );
      const expected = '-------(xyW)---(zY)---(E|)';
      expectElements(m, keyed(coldElements(m, input, values)).pipe(timers), expected, {
        x: rec('k2@11', 11),
        y: rec('k1@13', 13),
        W: wm(15),
        z: rec('k1@22', 22),
        Y: wm(30),
      });
    }),
  );

  it(
    'processing-time timers fire on the scheduler clock in time order, once per key and time, with the key’s state',
    marbles((m) => {
      const input = '-a-b-c--------|';
      const values = { a: rec(5, 1, 'k1'), b: rec(1, 3, 'k2'), c: rec(1, 5, 'k1') };
      // a asks for now + 5 = 6; b for now + 1 = 4; c for now + 1 = 6 (k1 again, same time: deduplicated)
      const timers = keyedProcess<number, string, string>(
        {
          processElement(after, ctx) {
            const seen = ctx.getValueState('seen', 0);
            seen.update(seen.value() + 1);
            ctx.timerService.registerProcessingTimeTimer(ctx.timerService.currentProcessingTime() + after);
          },
          onTimer(time, ctx, out) {
            out.collect(`${ctx.key}@${time} seen ${ctx.getValueState('seen', 0).value()} (${ctx.timeDomain})`);
          },
        },
        { scheduler: m.scheduler },
      );
      const expected = '----x-y-------(E|)';
      expectElements(m, keyed(coldElements(m, input, values)).pipe(timers), expected, {
        x: rec('k2@4 seen 1 (processing)', 4),
        y: rec('k1@6 seen 2 (processing)', 6),
      });
    }),
  );

  it(
    'deleteProcessingTimeTimer cancels a timer; end of input fires the pending ones once, even a timer that re-registers itself',
    marbles((m) => {
      const input = '-a-b---|';
      const values = { a: rec('start', 1, 'k'), b: rec('cancel', 3, 'k2') };
      const periodic = keyedProcess<string, string, string>(
        {
          processElement(cmd, ctx) {
            const now = ctx.timerService.currentProcessingTime();
            if (cmd === 'start') ctx.timerService.registerProcessingTimeTimer(now + 2);
            else {
              ctx.timerService.registerProcessingTimeTimer(now + 1);
              ctx.timerService.deleteProcessingTimeTimer(now + 1);
            }
          },
          onTimer(time, ctx, out) {
            out.collect(`${ctx.key}@${time}`);
            ctx.timerService.registerProcessingTimeTimer(ctx.timerService.currentProcessingTime() + 2);
          },
        },
        { scheduler: m.scheduler },
      );
      // k fires at 3 and 5; at end of input (frame 7) its timer due at 7 fires once, and the one it registers does not
      const expected = '---x-y-(zE|)';
      expectElements(m, keyed(coldElements(m, input, values)).pipe(periodic), expected, {
        x: rec('k@3', 3),
        y: rec('k@5', 5),
        z: rec('k@7', 7),
      });
    }),
  );
});
