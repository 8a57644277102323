import { share } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { aggregate, count, keyBy, MetricRegistry, OutputTag, sideOutput, sliding, tumbling, window, type WindowResult } from '../../src';
import { coldElements, expectElements, rec, sideRec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

const res = (start: number, end: number, value: number, index = 0, isLast = true): WindowResult<string, number> => ({
  key: 'k',
  start,
  end,
  value,
  pane: { timing: 'ON_TIME', index, isLast },
  retraction: false,
});

describe('window: late records', () => {
  it(
    'routes a record whose every window is late to the late output and counts it',
    marbles((m) => {
      const late = new OutputTag<string>('late');
      const metrics = new MetricRegistry();
      // a@1 b@4 fill [0, 10); W9 fires it (end − 1 = 9 ≤ W); c@9 has ts == W == end − 1:
      // its only window is late (lateness 0), so c goes to the late output; d@12 is on time.
      const input = coldElements(m, '-a-b-W-----c-d-|', { a: rec('a', 1), b: rec('b', 4), W: wm(9), c: rec('c', 9), d: rec('d', 12) });
      const expected = '             -----(xW)--c---(yE|)';
      const out = input.pipe(
        keyBy(() => 'k'),
        window(tumbling(10), { lateOutput: late, metrics, name: 'per-10' }),
        aggregate(count()),
        share(),
      );
      expectElements(m, out, expected, {
        x: rec(res(0, 10, 2), 9),
        W: wm(9),
        c: sideRec(late, 'c', 9),
        y: rec(res(10, 20, 1), 19),
      });
      // Read on its own, the late output is a stream of plain records (control elements kept).
      expectElements(m, out.pipe(sideOutput(late)), '-----W-----c---(E|)', { W: wm(9), c: rec('c', 9) });
      m.flush(); // one run (shared): one late record counted
      expect(metrics.counter('streamlite_late_records_dropped_total', { operator: 'per-10' }).value).toBe(1);
    }),
  );

  it(
    'counts nothing and sends nothing to the late output when some of the record\'s windows are still open',
    marbles((m) => {
      const late = new OutputTag<string>('late');
      const metrics = new MetricRegistry();
      // sliding(10, 5): c@7 belongs to [0, 10) — late at W9 — and [5, 15), still open: it updates only [5, 15).
      const input = coldElements(m, '-a-W-----c-X-----|', { a: rec('a', 6), W: wm(9), c: rec('c', 7), X: wm(14) });
      const expected = '             ---(xW)----(yX)--(E|)';
      const out = input.pipe(keyBy(() => 'k'), window(sliding(10, 5), { lateOutput: late, metrics }), aggregate(count()), share());
      expectElements(m, out, expected, {
        x: rec(res(0, 10, 1), 9),
        W: wm(9),
        y: rec(res(5, 15, 2), 14),
        X: wm(14),
      });
      m.flush();
      expect(metrics.counter('streamlite_late_records_dropped_total', { operator: 'window' }).value).toBe(0);
    }),
  );
});
