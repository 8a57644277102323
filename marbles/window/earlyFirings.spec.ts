import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, earlyAndLateTrigger, keyBy, tumbling, window, type PaneTiming, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (value: number, timing: PaneTiming, index: number, isLast = false) =>
  rec<WindowResult<string, number>>({ key: 'k', start: 0, end: 100, value, pane: { timing, index, isLast }, retraction: false }, 99);

describe('window: early firings by processing time', () => {
  it(
    'emits EARLY panes every N ms of processing time before the watermark, then the ON_TIME pane',
    marbles((m) => {
      // [0, 100), early every 5 ms of the test scheduler's clock after the first record of a pane:
      // a at frame 1 arms frame 6 (EARLY, 2 records); c at frame 10 arms frame 15 (EARLY, 3).
      // No record between 15 and W99: no timer. W99 fires ON_TIME, before the watermark.
      const input = coldElements(m, '-a-b------c-------W----|', { a: rec('a', 10), b: rec('b', 20), c: rec('c', 30), W: wm(99) });
      const expected = '             ------x--------y--(zW)-(E|)';
      const trigger = earlyAndLateTrigger({ early: { every: 5 } });
      expectElements(m, input.pipe(keyBy(() => 'k'), window(tumbling(100), { trigger, scheduler: m.scheduler }), aggregate(count())), expected, {
        x: res(2, 'EARLY', 0),
        y: res(3, 'EARLY', 1),
        z: res(3, 'ON_TIME', 2, true),
        W: wm(99),
      });
    }),
  );

  it(
    'emits only what is new in each pane when discarding, and no ON_TIME pane when nothing arrived since the last',
    marbles((m) => {
      const input = coldElements(m, '-a-b------c-------W----|', { a: rec('a', 10), b: rec('b', 20), c: rec('c', 30), W: wm(99) });
      const expected = '             ------x--------y--W----(E|)';
      const trigger = earlyAndLateTrigger({ early: { every: 5 } });
      const options = { trigger, scheduler: m.scheduler, accumulation: 'discarding' as const };
      expectElements(m, input.pipe(keyBy(() => 'k'), window(tumbling(100), options), aggregate(count())), expected, {
        x: res(2, 'EARLY', 0),
        y: res(1, 'EARLY', 1),
        W: wm(99),
      });
    }),
  );
});
