import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, keyBy, tumbling, window, type PaneTiming, type WindowResult } from '../../src';
import { coldElements, expectElements, rec } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (start: number, end: number, value: number, timing: PaneTiming = 'ON_TIME') =>
  rec<WindowResult<string, number>>({ key: 'k', start, end, value, pane: { timing, index: 0, isLast: true }, retraction: false }, end - 1);

describe('window: processing-time windows', () => {
  it(
    'assigns records by the virtual clock and fires at end − 1 of it, with no timestamps and no watermarks',
    marbles((m) => {
      // tumbling(10) on the test scheduler's clock: a (frame 1) and b (frame 3) fall in [0, 10),
      // which fires at frame 9; c (frame 12) in [10, 20), fired at frame 19. d (frame 24) is in
      // [20, 30) when the input ends at frame 27: the window closes early with what it has (EARLY).
      const input = coldElements(m, '-a-b--------c-----------d--|', { a: 'a', b: 'b', c: 'c', d: 'd' });
      const expected = '             ---------x---------y-------(zE|)';
      const assigner = tumbling(10, 0, { timeDomain: 'processing' });
      expectElements(m, input.pipe(keyBy(() => 'k'), window(assigner, { scheduler: m.scheduler }), aggregate(count())), expected, {
        x: res(0, 10, 2),
        y: res(10, 20, 1),
        z: res(20, 30, 1, 'EARLY'),
      });
    }),
  );
});
