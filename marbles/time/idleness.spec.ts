import { configure } from 'rxjs-marbles/jest';
import { idle } from '../../src/core/elementFactories';
import { MAX_WATERMARK } from '../../src/core/time';
import { assignTimestampsAndWatermarks } from '../../src/operators/assignTimestampsAndWatermarks';
import { union } from '../../src/route/union';
import { monotonous } from '../../src/time/monotonous';
import { withIdleness } from '../../src/time/withIdleness';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('idleness', () => {
  it(
    'an input silent for strictly more than the timeout is marked idle, and active again before its next record',
    marbles((m) => {
      const values = { a: rec('a', 1), b: rec('b', 20), M: wm(MAX_WATERMARK) };
      // timeout 10: the record at frame 1 → still active at 11 (silent 10), idle at 12 (silent 11)
      const input = coldElements(m, '-a--------------b----M|', values);
      const expected = '              -(aW)-------I---(AbX)M(E|)';
      const op = assignTimestampsAndWatermarks<string>(withIdleness(monotonous(), 10), { scheduler: m.scheduler });
      expectElements(m, input.pipe(op), expected, { ...values, W: wm(0), X: wm(19), I: idle(true), A: idle(false) });
    }),
  );

  it(
    'an idle input no longer holds back the watermark of a union: it follows the active input',
    marbles((m) => {
      const values = { a: rec('a', 1), b: rec('b', 2), c: rec('c', 10), d: rec('d', 20), M: wm(MAX_WATERMARK) };
      const a = coldElements(m, '-a-----------------------M|', values).pipe(
        assignTimestampsAndWatermarks(monotonous(), { idleTimeout: 10, scheduler: m.scheduler }),
      );
      const b = coldElements(m, '--b-----c------d---------M|', values).pipe(assignTimestampsAndWatermarks(monotonous()));
      // W0 = min(a: 0, b: 1); c moves b to 9 but a holds the union at 0 until a goes idle at 12 (silent 11 > 10)
      const expected = '          -a(bW)--c---X--(dY)------M(E|)';
      expectElements(m, a.pipe(union(b)), expected, { ...values, W: wm(0), X: wm(9), Y: wm(19) });
    }),
  );

  it(
    'the same union without idleness waits for the silent input',
    marbles((m) => {
      const values = { a: rec('a', 1), b: rec('b', 2), c: rec('c', 10), d: rec('d', 20), M: wm(MAX_WATERMARK) };
      const a = coldElements(m, '-a-----------------------M---|', values).pipe(assignTimestampsAndWatermarks(monotonous()));
      const b = coldElements(m, '--b-----c------d---------M---|', values).pipe(assignTimestampsAndWatermarks(monotonous()));
      // held at 0 until a ends: a's maximum watermark releases b's 19, then b's gives the maximum
      const expected = '          -a(bW)--c------d---------(ZM)(E|)';
      expectElements(m, a.pipe(union(b)), expected, { ...values, W: wm(0), Z: wm(19) });
    }),
  );
});
