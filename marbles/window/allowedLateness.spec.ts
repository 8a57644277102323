import { share } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, keyBy, MetricRegistry, OutputTag, tumbling, window, type PaneTiming, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, sideRec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (start: number, end: number, value: number, timing: PaneTiming, index: number, isLast: boolean) =>
  rec<WindowResult<string, number>>({ key: 'k', start, end, value, pane: { timing, index, isLast }, retraction: false }, end - 1);

describe('window: allowed lateness', () => {
  it(
    're-fires the window with a LATE pane for each record within the lateness, and clears it at W ≥ end − 1 + lateness',
    marbles((m) => {
      const late = new OutputTag<string>('late');
      const metrics = new MetricRegistry();
      // [0, 10), lateness 5: ON_TIME at W9 (not the last pane: the window lives until W14);
      // b@3 and c@5 arrive behind the watermark but within the lateness: each fires a LATE pane
      // at once — c at W13, one ms before cleanup. W14 = 9 + 5 clears the window: d@6 is late.
      const input = coldElements(m, '-a-W-----b-V-----c-X-----d---|', {
        a: rec('a', 1),
        W: wm(9),
        b: rec('b', 3),
        V: wm(13),
        c: rec('c', 5),
        X: wm(14),
        d: rec('d', 6),
      });
      const expected = '             ---(xW)--y-V-----z-X-----d---(E|)';
      const out = input.pipe(keyBy(() => 'k'), window(tumbling(10), { allowedLateness: 5, lateOutput: late, metrics }), aggregate(count()), share());
      expectElements(m, out, expected, {
        x: res(0, 10, 1, 'ON_TIME', 0, false),
        W: wm(9),
        y: res(0, 10, 2, 'LATE', 1, false),
        V: wm(13),
        z: res(0, 10, 3, 'LATE', 2, false),
        X: wm(14),
        d: sideRec(late, 'd', 6),
      });
      m.flush();
      expect(metrics.counter('streamlite_late_records_dropped_total', { operator: 'window' }).value).toBe(1);
    }),
  );

  it(
    'marks the on-time pane as the last one when the watermark passes end − 1 + lateness at once',
    marbles((m) => {
      const input = coldElements(m, '-a-W-----|', { a: rec('a', 1), W: wm(20) });
      const expected = '             ---(xW)--(E|)';
      expectElements(m, input.pipe(keyBy(() => 'k'), window(tumbling(10), { allowedLateness: 5 }), aggregate(count())), expected, {
        x: res(0, 10, 1, 'ON_TIME', 0, true),
        W: wm(20),
      });
    }),
  );
});
