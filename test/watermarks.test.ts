/**
 * Watermark strategies against the brute-force formula (fast-check), the
 * assignTimestampsAndWatermarks operator's contract outside marble diagrams,
 * and inEventTime's edges (late records, end of input, errors).
 */
import fc from 'fast-check';
import { bufferTime, defer, delay, from, interval, map as rxMap, merge, Observable, Subject, timeout, VirtualTimeScheduler } from 'rxjs';
import {
  END_OF_INPUT,
  idle,
  InvalidArgumentError,
  InvalidTimestampError,
  MAX_WATERMARK,
  MIN_WATERMARK,
  MissingTimestampError,
  NO_TIMESTAMP,
  OutputTag,
  recordBatch,
  StreamLiteError,
  UserFunctionError,
  watermark,
  type Element,
} from '../src';
import { assignTimestampsAndWatermarks } from '../src/operators/assignTimestampsAndWatermarks';
import { boundedOutOfOrderness } from '../src/time/boundedOutOfOrderness';
import { EventTimeScheduler } from '../src/time/EventTimeScheduler';
import { IN_EVENT_TIME_LATE, inEventTime } from '../src/time/inEventTime';
import { monotonous } from '../src/time/monotonous';
import { punctuated } from '../src/time/punctuated';
import { withIdleness } from '../src/time/withIdleness';
import type { WatermarkStrategy } from '../src/time/WatermarkStrategy';
import { collectElements } from './support/collectElements';
import { rejectionOf, thrownBy } from './support/errorOf';
import { cutsEvery, handBuiltStream } from './support/handBuiltStream';
import { recordsOf, shapeOf } from './support/recordsOf';

const timestampArb = fc.integer({ min: -1_000_000, max: 1_000_000 });

/** The watermark after each prefix of `ts`: the brute-force formula, clamped to never go backwards. */
const reference = (ts: readonly number[], d: number): number[] => {
  let w = MIN_WATERMARK;
  return ts.map((_, i) => {
    const max = Math.max(...ts.slice(0, i + 1));
    w = Math.max(w, max - d - 1);
    return w;
  });
};

describe('watermark strategies', () => {
  it('boundedOutOfOrderness: after a record at 10000 with d = 5000, W = 4999', () => {
    const gen = boundedOutOfOrderness(5_000).createGenerator();
    expect(gen.current()).toBe(MIN_WATERMARK);
    gen.onEvent('x', 10_000);
    expect(gen.current()).toBe(4_999);
  });

  it('boundedOutOfOrderness: W = max − d − 1 after every record, and monotone (property)', () => {
    fc.assert(
      fc.property(fc.array(timestampArb, { maxLength: 60 }), fc.integer({ min: 0, max: 5_000 }), (ts, d) => {
        const gen = boundedOutOfOrderness(d).createGenerator();
        const expected = reference(ts, d);
        let previous = gen.current();
        ts.forEach((t, i) => {
          gen.onEvent(t, t);
          const w = gen.current();
          expect(w).toBe(Math.max(...ts.slice(0, i + 1)) - d - 1);
          expect(w).toBe(expected[i]);
          expect(w).toBeGreaterThanOrEqual(previous);
          previous = w;
        });
      }),
    );
  });

  it('boundedOutOfOrderness: onBatch (the fast path) equals onEvent per record (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(timestampArb, { maxLength: 10 }), { maxLength: 10 }), fc.nat(100), (batches, d) => {
        const one = boundedOutOfOrderness(d).createGenerator();
        const many = boundedOutOfOrderness(d).createGenerator();
        for (const b of batches) {
          b.forEach((t) => one.onEvent(t, t));
          many.onBatch!(b, b);
          expect(many.current()).toBe(one.current());
        }
      }),
    );
  });

  it('monotonous: W = max − 1 (property)', () => {
    fc.assert(
      fc.property(fc.array(timestampArb, { minLength: 1, maxLength: 40 }), (ts) => {
        const gen = monotonous().createGenerator();
        ts.forEach((t) => gen.onEvent(t, t));
        expect(gen.current()).toBe(Math.max(...ts) - 1);
      }),
    );
  });

  it('punctuated: the highest watermark returned so far; undefined and null leave it', () => {
    const gen = punctuated<string>((v, ts) => (v === 'mark' ? ts : v === 'null' ? null : undefined)).createGenerator();
    expect(gen.current()).toBe(MIN_WATERMARK);
    gen.onEvent('a', 3);
    expect(gen.current()).toBe(MIN_WATERMARK);
    gen.onEvent('mark', 8);
    gen.onEvent('null', 9);
    expect(gen.current()).toBe(8);
    gen.onEvent('mark', 5); // behind: ignored
    expect(gen.current()).toBe(8);
    expect(punctuated(() => 1).emit).toBe('record');
  });

  it('punctuated: a throwing function and a non-finite watermark name the strategy and the record', () => {
    const boom = punctuated<string>(() => {
      throw new Error('bad');
    }).createGenerator();
    const err = thrownBy(() => boom.onEvent('x', 4)) as UserFunctionError;
    expect(err).toBeInstanceOf(UserFunctionError);
    expect(err.message).toBe('punctuated: user function threw: bad (record {value: "x", timestamp: 4})');
    const nan = punctuated<string>(() => NaN).createGenerator();
    expect(thrownBy(() => nan.onEvent('y', 5))).toBeInstanceOf(InvalidTimestampError);
  });

  it('snapshots survive a JSON round trip and resume where they stood', () => {
    const strategies: [string, WatermarkStrategy<number>][] = [
      ['bounded', boundedOutOfOrderness(3)],
      ['monotonous', monotonous()],
      ['punctuated', punctuated((v, ts) => (v % 2 === 0 ? ts : undefined))],
    ];
    for (const [, strategy] of strategies) {
      const gen = strategy.createGenerator();
      [10, 4, 20, 7].forEach((t) => gen.onEvent(t, t));
      const restored = strategy.createGenerator(JSON.parse(JSON.stringify(gen.snapshot())));
      expect(restored.current()).toBe(gen.current());
      restored.onEvent(30, 30);
      gen.onEvent(30, 30);
      expect(restored.current()).toBe(gen.current());
    }
    // restored floor: never below the snapshot's watermark
    expect(boundedOutOfOrderness(5).createGenerator({ watermark: 100 }).current()).toBe(100);
    expect(thrownBy(() => monotonous().createGenerator({ watermark: NaN }))).toBeInstanceOf(InvalidArgumentError);
  });

  it('validates arguments where the pipeline is written', () => {
    for (const bad of [-1, NaN, Infinity, '5' as unknown as number]) {
      expect(thrownBy(() => boundedOutOfOrderness(bad))).toBeInstanceOf(InvalidArgumentError);
    }
    expect((thrownBy(() => boundedOutOfOrderness(-1)) as Error).message).toBe(
      "boundedOutOfOrderness: argument 'maxOutOfOrderness' must be a finite number of milliseconds ≥ 0, got -1",
    );
    expect(thrownBy(() => punctuated(5 as never))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => withIdleness(monotonous(), -5))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => withIdleness({} as never, 5))).toBeInstanceOf(InvalidArgumentError);
    expect(withIdleness(monotonous(), 100).idleTimeout).toBe(100);
    expect(withIdleness(punctuated(() => 1), 100).emit).toBe('record');
    expect(thrownBy(() => assignTimestampsAndWatermarks({} as never))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => assignTimestampsAndWatermarks(monotonous(), { emit: { every: 0 } }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => assignTimestampsAndWatermarks(monotonous(), { emit: 'often' as never }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => assignTimestampsAndWatermarks(monotonous(), { idleTimeout: NaN }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => assignTimestampsAndWatermarks(monotonous(), { timestamp: 3 as never }))).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('assignTimestampsAndWatermarks', () => {
  const run = <T>(elements: Element<T>[], op: ReturnType<typeof assignTimestampsAndWatermarks<T>>) => collectElements(from(elements).pipe(op));

  it('replaces upstream watermarks with its own and passes the maximum watermark at end of input', async () => {
    const out = await run(
      [recordBatch([4, 8], [4, 8]), watermark(100), recordBatch([6], [6]), watermark(MAX_WATERMARK), END_OF_INPUT],
      assignTimestampsAndWatermarks(boundedOutOfOrderness(2)),
    );
    expect(shapeOf(out)).toEqual(['b:4,8', 'w:5', 'b:6', `w:${MAX_WATERMARK}`, 'e']);
  });

  it("'record' splits a batch so that each watermark follows the record that advanced it", async () => {
    const out = await run(
      [recordBatch([4, 8, 6, 12], [4, 8, 6, 12]), watermark(MAX_WATERMARK), END_OF_INPUT],
      assignTimestampsAndWatermarks(boundedOutOfOrderness(2), { emit: 'record' }),
    );
    expect(shapeOf(out)).toEqual(['b:4', 'w:1', 'b:8', 'w:5', 'b:6,12', 'w:9', `w:${MAX_WATERMARK}`, 'e']);
  });

  it('re-extracts timestamps with (value, index since subscription), keeping keys', async () => {
    const out = await run(
      [recordBatch(['a', 'b'], [NO_TIMESTAMP, NO_TIMESTAMP], ['k1', 'k2']), recordBatch(['c'], [NO_TIMESTAMP], ['k1'])],
      assignTimestampsAndWatermarks<string>(monotonous(), { timestamp: (_v, i) => 100 * (i + 1) }),
    );
    expect(recordsOf(out)).toEqual([
      { value: 'a', timestamp: 100, key: 'k1' },
      { value: 'b', timestamp: 200, key: 'k2' },
      { value: 'c', timestamp: 300, key: 'k1' },
    ]);
    expect(shapeOf(out)).toEqual(['b:a,b', 'w:199', 'b:c', 'w:299', 'e']);
  });

  it('errors on a record without a timestamp, and on bad extracted timestamps, naming the operator and the record', async () => {
    const missing = await rejectionOf(run([recordBatch(['x'], [NO_TIMESTAMP])], assignTimestampsAndWatermarks(monotonous())));
    expect(missing).toBeInstanceOf(MissingTimestampError);
    expect((missing as Error).message).toMatch(/^assignTimestampsAndWatermarks: record has no event timestamp.*\{value: "x"\}/);
    const invalid = await rejectionOf(
      run([recordBatch(['y'], [1])], assignTimestampsAndWatermarks<string>(monotonous(), { timestamp: () => Infinity })),
    );
    expect(invalid).toBeInstanceOf(InvalidTimestampError);
    expect((invalid as Error).message).toContain('assignTimestampsAndWatermarks');
    const thrown = await rejectionOf(
      run(
        [recordBatch(['z'], [1])],
        assignTimestampsAndWatermarks<string>(monotonous(), {
          timestamp: () => {
            throw new Error('nope');
          },
        }),
      ),
    );
    expect(thrown).toBeInstanceOf(UserFunctionError);
  });

  it("'batch' emits, after each batch, the reference watermark of its last record when it advanced (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(timestampArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), fc.nat(50), async (ts, size, d) => {
        const out = await collectElements(handBuiltStream(ts, ts, cutsEvery(ts.length, size)).pipe(assignTimestampsAndWatermarks(boundedOutOfOrderness(d))));
        const ref = reference(ts, d);
        const expected: string[] = [];
        let last = MIN_WATERMARK;
        for (let from = 0; from < ts.length; from += size) {
          const to = Math.min(from + size, ts.length);
          expected.push(`b:${ts.slice(from, to).join(',')}`);
          if (ref[to - 1] > last) expected.push(`w:${(last = ref[to - 1])}`);
        }
        expect(shapeOf(out)).toEqual([...expected, `w:${MAX_WATERMARK}`, 'e']);
      }),
    );
  });

  it("'record' output is the same whatever the batch size: each watermark right after the record that advanced it (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(timestampArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), fc.nat(50), async (ts, size, d) => {
        const out = await collectElements(handBuiltStream(ts, ts, cutsEvery(ts.length, size)).pipe(assignTimestampsAndWatermarks(boundedOutOfOrderness(d), { emit: 'record' })));
        // per record: a watermark after exactly the records that advanced it, equal to the reference
        const expected: string[] = [];
        let last = MIN_WATERMARK;
        reference(ts, d).forEach((w, i) => {
          expected.push(`r:${ts[i]}`);
          if (w > last) expected.push(`w:${(last = w)}`);
        });
        const flat = out.flatMap((e) => (e.kind === 'batch' ? e.values.map((v) => `r:${v}`) : e.kind === 'watermark' && e.timestamp < MAX_WATERMARK ? [`w:${e.timestamp}`] : []));
        expect(flat).toEqual(expected);
      }),
    );
  });

  it('withIdleness and the idleTimeout option: idle after strictly more than the timeout, active before the next record', () => {
    for (const op of [
      (s: VirtualTimeScheduler) => assignTimestampsAndWatermarks(withIdleness(monotonous(), 10), { scheduler: s }),
      (s: VirtualTimeScheduler) => assignTimestampsAndWatermarks(monotonous(), { idleTimeout: 10, scheduler: s }),
    ]) {
      const s = new VirtualTimeScheduler();
      const input = new Subject<Element<string>>();
      const seen: string[] = [];
      input.pipe(op(s)).subscribe((e) => seen.push(`${shapeOf([e])[0]}@${s.now()}`));
      s.schedule(() => input.next(recordBatch(['a'], [5])), 3);
      s.schedule(() => input.next(idle(true)), 4); // upstream idleness: this operator owns it, so dropped
      s.schedule(() => input.next(recordBatch(['b'], [7])), 30);
      s.schedule(() => input.next(watermark(MAX_WATERMARK)), 35);
      s.flush();
      expect(seen).toEqual(['b:a@3', 'w:4@3', 'i:true@14', 'i:false@30', 'b:b@30', 'w:6@30', `w:${MAX_WATERMARK}@35`]);
    }
  });

  it('forwards upstream idle markers when it does not track idleness', async () => {
    const out = await run([idle(true), recordBatch([1], [1])], assignTimestampsAndWatermarks(monotonous()));
    expect(shapeOf(out)).toEqual(['i:true', 'b:1', 'w:0', 'e']);
  });

  it('periodic emission stops at end of input (no timer left behind)', () => {
    const s = new VirtualTimeScheduler();
    const input = new Subject<Element<number>>();
    const seen: string[] = [];
    input.pipe(assignTimestampsAndWatermarks(monotonous(), { emit: { every: 10 }, scheduler: s })).subscribe({
      next: (e) => seen.push(`${shapeOf([e])[0]}@${s.now()}`),
      complete: () => seen.push(`complete@${s.now()}`),
    });
    s.schedule(() => input.next(recordBatch([5, 9], [5, 9])), 3);
    s.schedule(() => input.next(recordBatch([12], [12])), 25);
    s.schedule(() => input.complete(), 42);
    s.flush(); // would never return if the periodic timer survived completion
    expect(seen).toEqual(['b:5,9@3', 'w:8@10', 'b:12@25', 'w:11@30', 'e@42', 'complete@42']);
  });
});

describe('inEventTime', () => {
  it('routes records at or behind the watermark to the late output and counts them', async () => {
    const late = new OutputTag<number>('late');
    let counted = 0;
    const out = await collectElements(
      from<Element<number>[]>([recordBatch([3, 1], [3, 1]), watermark(5), recordBatch([5, 7, 2], [5, 7, 2]), watermark(MAX_WATERMARK), END_OF_INPUT]).pipe(
        inEventTime<number, number[]>((s) => bufferTime(10, s), { lateOutput: late, lateRecords: { inc: (n) => (counted += n) } }),
      ),
    );
    expect(shapeOf(out as Element<unknown>[])).toEqual(['w:5', 's:late:5,2', 'b:1,3,7', `w:${MAX_WATERMARK}`, 'e']);
    expect(counted).toBe(2);
    // without a tag, late records go to IN_EVENT_TIME_LATE
    const dflt = await collectElements(from<Element<number>[]>([watermark(5), recordBatch([4], [4])]).pipe(inEventTime<number, number>((s) => delay(1, s))));
    expect(shapeOf(dflt as Element<unknown>[])).toEqual(['w:5', `s:${IN_EVENT_TIME_LATE.id}:4`, `w:${MAX_WATERMARK}`, 'e']);
  });

  it('releases records in (timestamp, arrival) order as watermarks pass them, late ones to the side (property)', async () => {
    const stepArb = fc.oneof(
      fc.record({ batch: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 6 }) }),
      fc.record({ advance: fc.integer({ min: 1, max: 20 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 25 }), async (steps) => {
        // records are [timestamp, arrival number] so that ties show their order
        const elements: Element<[number, number]>[] = [];
        const expectedMain: [number, number][] = [];
        const expectedLate: [number, number][] = [];
        let held: [number, number][] = [];
        let wm = MIN_WATERMARK;
        let seq = 0;
        const releaseUpTo = (w: number) => {
          const out = held.filter(([t]) => t <= w).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
          held = held.filter(([t]) => t > w);
          expectedMain.push(...out);
        };
        for (const step of steps) {
          if ('batch' in step) {
            const recs = step.batch.map((t): [number, number] => [t, seq++]);
            elements.push(recordBatch(recs, step.batch));
            for (const r of recs) (r[0] <= wm ? expectedLate : held).push(r);
          } else {
            wm = (wm === MIN_WATERMARK ? 0 : wm) + step.advance;
            elements.push(watermark(wm));
            releaseUpTo(wm);
          }
        }
        releaseUpTo(MAX_WATERMARK);
        const out = await collectElements(from(elements).pipe(inEventTime<[number, number], [number, number]>(() => (src) => src)));
        const main = recordsOf(out);
        expect(main.map((r) => r.value)).toEqual(expectedMain);
        expect(main.every((r) => r.timestamp === r.value[0])).toBe(true); // the clock stood at each record's timestamp
        const late = out.flatMap((e) => (e.kind === 'side' ? (e.batch.values as [number, number][]) : []));
        expect(late).toEqual(expectedLate);
      }),
    );
  });

  it('starts the clock at the earliest known time: a periodic bufferTime ends at once, its last buffer at the last record', async () => {
    const started = Date.now();
    const out = await collectElements(
      from<Element<number>[]>([recordBatch([1_000_000_003, 1_000_000_001], [1_000_000_003, 1_000_000_001]), watermark(MAX_WATERMARK), END_OF_INPUT]).pipe(
        inEventTime<number, number[]>((s) => bufferTime(10, s)),
      ),
    );
    expect(recordsOf(out)).toEqual([{ value: [1_000_000_001, 1_000_000_003], timestamp: 1_000_000_003 }]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('subscribes the inner pipeline lazily, with the clock at the first real time (never MIN_WATERMARK)', async () => {
    const startedAt = async (elements: Element<number>[]) => {
      let at: number | undefined;
      await collectElements(
        from(elements).pipe(
          inEventTime<number, number>((s) => (src) =>
            defer(() => {
              at = s.now();
              return src;
            }),
          ),
        ),
      );
      return at;
    };
    // a watermark first: the clock starts there
    expect(await startedAt([watermark(40), recordBatch([50], [50]), watermark(60)])).toBe(40);
    // records held before the first watermark: the clock starts at the earliest one released
    expect(await startedAt([recordBatch([7, 3], [7, 3]), watermark(60)])).toBe(3);
    // only records, then end of input
    expect(await startedAt([recordBatch([9, 8], [9, 8])])).toBe(8);
    // nothing before the subscription ends: the inner pipeline is subscribed at the end, to see completion
    expect(await startedAt([watermark(12)])).toBe(12);
  });

  it('at end of input, lets a large number of pending actions run (no false runaway)', async () => {
    // a minimal delay: one action per value, completing when the last one ran (RxJS's delay is slow with 10^5 pending)
    const cheapDelay = (s: EventTimeScheduler, by: number) => (src: Observable<number>) =>
      new Observable<number>((sub) => {
        let pending = 0;
        let done = false;
        return src.subscribe({
          next(v) {
            pending++;
            s.schedule(() => {
              sub.next(v);
              if (--pending === 0 && done) sub.complete();
            }, by);
          },
          complete() {
            done = true;
            if (pending === 0) sub.complete();
          },
        });
      });
    const n = 150_000;
    const ts = Array.from({ length: n }, (_, i) => i);
    const out = await collectElements(
      from<Element<number>[]>([recordBatch(ts, ts), watermark(MAX_WATERMARK), END_OF_INPUT]).pipe(inEventTime<number, number>((s) => cheapDelay(s, 1_000_000))),
    );
    const records = recordsOf(out);
    expect(records.length).toBe(n);
    expect(records[n - 1]).toEqual({ value: n - 1, timestamp: n - 1 + 1_000_000 });
  });

  it('at end of input, pending delays still run at their own event times', async () => {
    const out = await collectElements(
      from<Element<string>[]>([recordBatch(['a', 'b'], [10, 2]), watermark(MAX_WATERMARK), END_OF_INPUT]).pipe(inEventTime<string, string>((s) => delay(5, s))),
    );
    expect(recordsOf(out)).toEqual([
      { value: 'b', timestamp: 7 },
      { value: 'a', timestamp: 15 },
    ]);
    expect(shapeOf(out)).toEqual(['b:b,a', `w:${MAX_WATERMARK}`, 'e']);
  });

  it('ends with the maximum watermark even when the input ends without one', async () => {
    const out = await collectElements(from<Element<number>[]>([recordBatch([1], [1])]).pipe(inEventTime<number, number>((s) => delay(2, s))));
    expect(shapeOf(out as Element<unknown>[])).toEqual(['b:1', `w:${MAX_WATERMARK}`, 'e']);
    expect(recordsOf(out)[0].timestamp).toBe(3);
  });

  it('errors the stream with the inner error (timeout in event time) and on records without a timestamp', async () => {
    const err = await rejectionOf(
      collectElements(
        from<Element<number>[]>([recordBatch([0, 50], [0, 50]), watermark(100)]).pipe(inEventTime<number, number>((s) => timeout({ each: 20, scheduler: s }))),
      ),
    );
    expect((err as Error).name).toBe('TimeoutError');
    const missing = await rejectionOf(collectElements(from([recordBatch(['x'], [NO_TIMESTAMP])]).pipe(inEventTime<string, string>((s) => delay(1, s)))));
    expect(missing).toBeInstanceOf(MissingTimestampError);
  });

  it('refuses an inner pipeline that never completes after end of input, instead of hanging', async () => {
    const err = await rejectionOf(
      collectElements(
        from<Element<number>[]>([recordBatch([1], [1]), watermark(MAX_WATERMARK)]).pipe(
          inEventTime<number, number>((s) => (src) => merge(src, interval(1, s).pipe(rxMap(() => -1)))),
        ),
      ),
    );
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toMatch(/^inEventTime: the inner pipeline kept scheduling work after end of input/);
  });

  it('validates its arguments', () => {
    expect(thrownBy(() => inEventTime(5 as never))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => inEventTime((s) => delay(1, s), { lateOutput: 'late' as never }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => inEventTime((s) => delay(1, s), { lateRecords: {} as never }))).toBeInstanceOf(InvalidArgumentError);
  });
});
