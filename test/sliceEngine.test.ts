/**
 * The sliced window engine (tumbling and sliding event-time windows with an
 * aggregate and the default trigger) against the general engine, which runs
 * the same configuration when the trigger is a user trigger with the same
 * behaviour (fast-check, random keyed streams, watermarks incl. backwards
 * ones, allowed lateness, late output, discarding mode):
 * - the same results (for tumbling windows in the same order; for sliding
 *   windows as a multiset: the sliced engine emits a firing window by window,
 *   key by key per slice), the same late output and late counter;
 * - a snapshot taken mid-stream, written as plain data after the engine went
 *   on (copy-on-write), restored into a new engine, continues to the same
 *   output as the run that never stopped — for the sliced engine's own
 *   snapshots, and for the general engine's snapshots of tumbling windows;
 * - accumulators updated in place (`copyAccumulator`) give the same, and
 *   neither a snapshot nor an emitted result sees later changes;
 * - the general engine refuses the sliced engine's snapshots with a typed error.
 */
import fc from 'fast-check';
import { from, lastValueFrom, tap, toArray, type Subscriber } from 'rxjs';
import {
  eventTimeTrigger,
  MetricRegistry,
  OutputTag,
  recordBatch,
  sliding,
  StreamLiteError,
  tumbling,
  type AggregateFunction,
  type Element,
  type WindowOptions,
  type WindowResult,
  aggregate,
  END_OF_INPUT,
  inKeyGroupRange,
  keyBy,
  keyGroupOf,
  watermark,
  window,
  MissingTimestampError,
  NO_TIMESTAMP,
  UserFunctionError,
} from '../src';

function fail(): never {
  throw new Error('boom');
}
import { deserialize, serialize } from '../src/checkpoint/serializer';
import { sliceEngine } from '../src/window/engines/sliceEngine';
import type { WindowEngineLike } from '../src/window/engines/WindowEngineLike';
import { createEngine, type WindowOperatorCheckpoint, type WindowSpec } from '../src/window/windowInternals';

interface Rec {
  readonly key: string;
  readonly ts: number;
  readonly v: number;
}
interface CountSum {
  readonly count: number;
  readonly sum: number;
}
const countAndSum: AggregateFunction<Rec, CountSum, CountSum> = {
  createAccumulator: () => ({ count: 0, sum: 0 }),
  add: (r, acc) => ({ count: acc.count + 1, sum: acc.sum + r.v }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ count: a.count + b.count, sum: a.sum + b.sum }),
};

/** The same, updated in place; `getResult` returns the accumulator itself, so results must be handed copies. */
const countAndSumInPlace: AggregateFunction<Rec, { count: number; sum: number }, CountSum> = {
  createAccumulator: () => ({ count: 0, sum: 0 }),
  add: (r, acc) => ((acc.count += 1), (acc.sum += r.v), acc),
  getResult: (acc) => acc,
  merge: (a, b) => ((a.count += b.count), (a.sum += b.sum), a),
  copyAccumulator: (acc) => ({ ...acc }),
};

type Step = { kind: 'batch'; records: Rec[] } | { kind: 'wm'; ts: number };

interface Config {
  readonly shape: { kind: 'tumbling'; size: number; offset: number } | { kind: 'sliding'; size: number; slide: number; offset: number };
  readonly lateness: number;
  readonly discarding: boolean;
  readonly lateOutput: boolean;
  readonly inPlace: boolean;
}

const config: fc.Arbitrary<Config> = fc
  .record({
    slide: fc.integer({ min: 1, max: 6 }),
    span: fc.integer({ min: 1, max: 4 }),
    tumbling: fc.boolean(),
    offsetFraction: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
    lateness: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 15 })),
    discarding: fc.boolean(),
    lateOutput: fc.boolean(),
    inPlace: fc.boolean(),
  })
  .map(({ slide, span, tumbling, offsetFraction, lateness, discarding, lateOutput, inPlace }): Config => {
    const size = slide * span;
    const shape: Config['shape'] = tumbling
      ? { kind: 'tumbling', size, offset: Math.trunc(offsetFraction * size) }
      : { kind: 'sliding', size, slide, offset: Math.trunc(offsetFraction * slide) };
    return { shape, lateness, discarding: discarding && tumbling, lateOutput, inPlace };
  });

/** Batches of records around a rising time, some pulled far back (late), watermarks after some batches (sometimes backwards). */
const steps: fc.Arbitrary<Step[]> = fc
  .array(
    fc.record({
      records: fc.array(
        fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), advance: fc.integer({ min: 0, max: 4 }), back: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 30 })), v: fc.integer({ min: -5, max: 5 }) }),
        { maxLength: 12 },
      ),
      wmLag: fc.option(fc.integer({ min: -2, max: 8 }), { nil: undefined }),
    }),
    { maxLength: 14 },
  )
  .chain((batches) =>
    fc.integer({ min: -40, max: 40 }).map((start) => {
      let now = start;
      const out: Step[] = [];
      for (const b of batches) {
        out.push({ kind: 'batch', records: b.records.map((r) => ((now += r.advance), { key: r.key, ts: now - r.back, v: r.v })) });
        if (b.wmLag !== undefined) out.push({ kind: 'wm', ts: now - b.wmLag });
      }
      return out;
    }),
  );

const LATE = new OutputTag<Rec>('late');

function specOf(c: Config, general: boolean, metrics: MetricRegistry): WindowSpec<Rec> {
  const assigner = c.shape.kind === 'tumbling' ? tumbling<Rec>(c.shape.size, c.shape.offset) : sliding<Rec>(c.shape.size, c.shape.slide, c.shape.offset);
  const options: WindowOptions<Rec> = {
    allowedLateness: c.lateness,
    accumulation: c.discarding ? 'discarding' : 'accumulating',
    lateOutput: c.lateOutput ? LATE : undefined,
    metrics,
    name: 'w',
    // A user trigger (a copy of the default one) keeps the general engine.
    trigger: general ? { ...eventTimeTrigger<Rec>() } : undefined,
  };
  return { assigner, options };
}

interface Run {
  engine: WindowEngineLike;
  results: [WindowResult<string, CountSum>, number][];
  late: Rec[];
  metrics: MetricRegistry;
}

function start(c: Config, general: boolean): Run {
  const metrics = new MetricRegistry();
  const run: Run = { engine: undefined!, results: [], late: [], metrics };
  const out = {
    next(e: Element<unknown>) {
      if (e.kind === 'batch') e.values.forEach((v, i) => run.results.push([v as WindowResult<string, CountSum>, e.timestamps[i]]));
      else if (e.kind === 'side') run.late.push(...(e.batch.values as Rec[]));
    },
  } as unknown as Subscriber<Element<unknown>>;
  const fn = (c.inPlace ? countAndSumInPlace : countAndSum) as AggregateFunction<Rec, CountSum, CountSum>;
  run.engine = createEngine(specOf(c, general, metrics), { kind: 'aggregate', fn }, out);
  return run;
}

/** `start` for an instance owning `keyGroups` of 128. */
function startWith(c: Config, general: boolean, keyGroups: { start: number; end: number }): Run {
  const metrics = new MetricRegistry();
  const run: Run = { engine: undefined!, results: [], late: [], metrics };
  const out = { next: () => undefined } as unknown as Subscriber<Element<unknown>>;
  const spec = specOf(c, general, metrics);
  const fn = (c.inPlace ? countAndSumInPlace : countAndSum) as AggregateFunction<Rec, CountSum, CountSum>;
  run.engine = createEngine({ ...spec, options: { ...spec.options, keyGroups, maxParallelism: 128 } }, { kind: 'aggregate', fn }, out);
  return run;
}

const byRecord = (a: Rec, b: Rec): number => a.ts - b.ts || a.key.localeCompare(b.key) || a.v - b.v;

function feed(run: Run, input: readonly Step[]): void {
  for (const s of input) {
    if (s.kind === 'wm') run.engine.processWatermark(s.ts);
    else if (s.records.length > 0) run.engine.processBatch(recordBatch(s.records, s.records.map((r) => r.ts), s.records.map((r) => r.key)));
  }
}

function finish(run: Run, input: readonly Step[]): Run {
  feed(run, input);
  run.engine.endOfInput();
  return run;
}

const lateCount = (r: Run): number => r.metrics.counter('streamlite_late_records_dropped_total', { operator: 'w' }).value;
const canonical = (r: Run): string[] => r.results.map(([w, ts]) => JSON.stringify([w, ts])).sort();

function expectSameOutput(c: Config, actual: Run, expected: Run): void {
  if (c.shape.kind === 'tumbling') expect(actual.results).toEqual(expected.results);
  else expect(canonical(actual)).toEqual(canonical(expected));
  expect(actual.late).toEqual(expected.late);
  expect(lateCount(actual)).toBe(lateCount(expected));
}

describe('sliced window engine', () => {
  it('is selected for tumbling and sliding windows with an aggregate and the default trigger, and not otherwise', () => {
    const fn = { kind: 'aggregate' as const, fn: countAndSum as AggregateFunction<unknown, unknown, unknown> };
    const m = new MetricRegistry();
    const base = specOf({ shape: { kind: 'tumbling', size: 10, offset: 0 }, lateness: 0, discarding: false, lateOutput: false, inPlace: false }, false, m) as WindowSpec<unknown>;
    expect(sliceEngine.supports(base, fn)).toBe(true);
    expect(sliceEngine.supports({ ...base, assigner: sliding(10, 5) }, fn)).toBe(true);
    expect(sliceEngine.supports({ ...base, assigner: sliding(10, 3) }, fn)).toBe(false); // size not a multiple of the slide
    expect(sliceEngine.supports({ ...base, options: { ...base.options, trigger: { ...eventTimeTrigger() } } }, fn)).toBe(false);
    expect(sliceEngine.supports({ ...base, options: { ...base.options, accumulation: 'retracting' } }, fn)).toBe(false);
    expect(sliceEngine.supports({ ...base, assigner: sliding(10, 5), options: { ...base.options, accumulation: 'discarding' } }, fn)).toBe(false);
    expect(sliceEngine.supports(base, { kind: 'process', fn: () => undefined })).toBe(false);
    expect(sliceEngine.supports({ ...base, assigner: tumbling(10, 0, { timeDomain: 'processing' }) }, fn)).toBe(false);
  });

  it('gives the general engine’s results, late output and late count', () => {
    fc.assert(
      fc.property(config, steps, (c, input) => {
        expectSameOutput(c, finish(start(c, false), input), finish(start(c, true), input));
      }),
      { numRuns: 400 },
    );
  });

  it('restores its own snapshot, taken mid-stream and written after the engine went on, to the uninterrupted output', () => {
    fc.assert(
      fc.property(config, steps, fc.nat(), (c, input, at) => {
        const cut = input.length === 0 ? 0 : at % (input.length + 1);
        const reference = finish(start(c, true), input);
        const first = start(c, false);
        feed(first, input.slice(0, cut));
        const snap = first.engine.snapshot();
        const before = first.results.length;
        const lateAtCut = first.late.length;
        finish(first, input.slice(cut)); // the engine goes on: the snapshot must not see it
        const data = deserialize(serialize(snap.toData())) as WindowOperatorCheckpoint;
        const second = start(c, false);
        second.engine.restore([data]);
        finish(second, input.slice(cut));
        const resumed: Run = { ...second, results: [...first.results.slice(0, before), ...second.results], late: [...first.late.slice(0, lateAtCut), ...second.late] };
        expectSameOutput(c, { ...resumed, metrics: reference.metrics }, reference);
        expect(lateCount(first)).toBe(lateCount(reference));
      }),
      { numRuns: 300 },
    );
  });

  it('restores the general engine’s snapshot of tumbling windows', () => {
    fc.assert(
      fc.property(config.filter((c) => c.shape.kind === 'tumbling'), steps, fc.nat(), (c, input, at) => {
        const cut = input.length === 0 ? 0 : at % (input.length + 1);
        const reference = finish(start(c, true), input);
        const general = start(c, true);
        feed(general, input.slice(0, cut));
        const data = deserialize(serialize(general.engine.snapshot().toData())) as WindowOperatorCheckpoint;
        const sliced = start(c, false);
        sliced.engine.restore([data]);
        finish(sliced, input.slice(cut));
        expect([...general.results, ...sliced.results]).toEqual(reference.results);
        expect([...general.late, ...sliced.late]).toEqual(reference.late);
      }),
      { numRuns: 300 },
    );
  });

  it('restores the merged snapshots of two instances (rescaling 2 → 1) as the general engine does', () => {
    // Instance A owns key groups [0, 63], B owns [64, 127]; both stopped at the same input position (so at the same
    // watermark, as savepoints for rescaling are taken); one engine restores both and goes on. Sliced and general must agree.
    const halves = [
      { start: 0, end: 63 },
      { start: 64, end: 127 },
    ];
    const inHalf = (h: number) => (r: Rec): boolean => inKeyGroupRange(halves[h], keyGroupOf(r.key, 128));
    const only = (steps: readonly Step[], keep: (r: Rec) => boolean): Step[] =>
      steps.map((st) => (st.kind === 'batch' ? { kind: 'batch', records: st.records.filter(keep) } : st));
    fc.assert(
      fc.property(config, steps, fc.nat(), (c, input, x) => {
        const cutA = input.length === 0 ? 0 : x % (input.length + 1);
        const cutB = cutA;
        const outputs = [true, false].map((general) => {
          const parts = [0, 1].map((h) => {
            const run = startWith(c, general, halves[h]);
            feed(run, only(input.slice(0, h === 0 ? cutA : cutB), inHalf(h)));
            return deserialize(serialize(run.engine.snapshot().toData())) as WindowOperatorCheckpoint;
          });
          const merged = start(c, general);
          merged.engine.restore(parts);
          const lo = Math.min(cutA, cutB);
          const hi = Math.max(cutA, cutB);
          const behind = cutA < cutB ? inHalf(0) : inHalf(1);
          feed(merged, only(input.slice(lo, hi), behind));
          finish(merged, input.slice(hi));
          return merged;
        });
        expect(canonical(outputs[1])).toEqual(canonical(outputs[0]));
        expect([...outputs[1].late].sort(byRecord)).toEqual([...outputs[0].late].sort(byRecord));
        expect(lateCount(outputs[1])).toBe(lateCount(outputs[0]));
      }),
      { numRuns: 300 },
    );
  });

  it('restores instances that stopped at different watermarks: a window one of them fired fires ON_TIME later for the other’s keys only', () => {
    // 'c' (key group 5) is A's, 'a' (key group 91) is B's. A fired [-2, -1) at W = -2 (lateness 1 keeps it); B saw nothing.
    // After the merge W = B's (the smallest): a@-2 is on time for B and fires ON_TIME at the end; c does not fire again,
    // until a new c record, which makes its window fire ON_TIME again with the next pane index — as the general engine.
    const c: Config = { shape: { kind: 'sliding', size: 1, slide: 1, offset: 0 }, lateness: 1, discarding: false, lateOutput: false, inPlace: false };
    const outputs = [true, false].map((general) => {
      const a = startWith(c, general, { start: 0, end: 63 });
      feed(a, [{ kind: 'batch', records: [{ key: 'c', ts: -2, v: 1 }] }, { kind: 'wm', ts: -2 }]);
      const b = startWith(c, general, { start: 64, end: 127 });
      const merged = start(c, general);
      merged.engine.restore([a, b].map((r) => deserialize(serialize(r.engine.snapshot().toData())) as WindowOperatorCheckpoint));
      finish(merged, [{ kind: 'batch', records: [{ key: 'a', ts: -2, v: 2 }] }, { kind: 'batch', records: [{ key: 'c', ts: -2, v: 3 }] }]);
      return merged.results.map(([w]) => `${w.key}[${w.start},${w.end}) ${w.value.count}/${w.value.sum} ${w.pane.timing}${w.pane.index}${w.pane.isLast ? ' last' : ''}`);
    });
    expect(outputs[0]).toEqual(['a[-2,-1) 1/2 ON_TIME0 last', 'c[-2,-1) 2/4 ON_TIME1 last']);
    expect([...outputs[1]].sort()).toEqual(outputs[0]); // within one firing, the sliced engine's key order is the slice's
  });

  it('the general engine refuses the sliced engine’s snapshot with a typed error', () => {
    const c: Config = { shape: { kind: 'tumbling', size: 10, offset: 0 }, lateness: 0, discarding: false, lateOutput: false, inPlace: false };
    const sliced = start(c, false);
    feed(sliced, [{ kind: 'batch', records: [{ key: 'a', ts: 3, v: 1 }] }]);
    const data = sliced.engine.snapshot().toData();
    expect(() => start(c, true).engine.restore([data])).toThrow(StreamLiteError);
    expect(() => start(c, true).engine.restore([data])).toThrow(/sliced window engine/);
  });

  it('wraps an error of the aggregate function with the record, and keeps its own errors as they are', () => {
    const c: Config = { shape: { kind: 'tumbling', size: 10, offset: 0 }, lateness: 0, discarding: false, lateOutput: false, inPlace: false };
    const failing: AggregateFunction<Rec, CountSum, CountSum> = { ...countAndSum, add: (r, acc) => (r.v === 13 ? fail() : countAndSum.add(r, acc)) };
    const engine = createEngine(specOf(c, false, new MetricRegistry()), { kind: 'aggregate', fn: failing }, { next: () => undefined } as unknown as Subscriber<Element<unknown>>);
    const records = [{ key: 'a', ts: 1, v: 1 }, { key: 'b', ts: 2, v: 13 }];
    let error: unknown;
    try {
      engine.processBatch(recordBatch(records, [1, 2], ['a', 'b']));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserFunctionError);
    expect((error as UserFunctionError).message).toMatch(/boom/);
    expect((error as UserFunctionError).record).toEqual({ value: records[1], timestamp: 2, key: 'b' });
    expect(() => engine.processBatch(recordBatch([records[0]], [NO_TIMESTAMP], ['a']))).toThrow(MissingTimestampError);
  });

  it('keys the records itself right after keyBy: the same output as keyBy then window, and keyBy’s errors', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({ key: `k${(i * 7919) % 97}`, ts: i * 3 - ((i * 31) % 50), v: i % 5 }));
    const run = (fused: boolean): Promise<unknown[]> => {
      const keyed = from([recordBatch(records.slice(0, 1500), records.slice(0, 1500).map((r) => r.ts)), watermark(2000), recordBatch(records.slice(1500), records.slice(1500).map((r) => r.ts)), END_OF_INPUT]).pipe(
        keyBy((r: Rec) => r.key),
      );
      // Anything between keyBy and window (here a pass-through) keeps them apart.
      return lastValueFrom((fused ? keyed : keyed.pipe(tap(() => undefined))).pipe(window(tumbling<Rec>(100), { allowedLateness: 50 }), aggregate(countAndSum), toArray()));
    };
    expect(await run(true)).toEqual(await run(false));
    const failing = from([recordBatch(records.slice(0, 10), records.slice(0, 10).map((r) => r.ts)), END_OF_INPUT]).pipe(
      keyBy((r: Rec) => (r.v === 3 ? fail() : r.key)),
      window(tumbling<Rec>(100)),
      aggregate(countAndSum),
    );
    await expect(lastValueFrom(failing)).rejects.toThrow(UserFunctionError);
    await expect(lastValueFrom(failing)).rejects.toThrow(/keyBy/);
  });

  it('refuses a snapshot of windows of another size', () => {
    const c: Config = { shape: { kind: 'tumbling', size: 10, offset: 0 }, lateness: 0, discarding: false, lateOutput: false, inPlace: false };
    const sliced = start(c, false);
    feed(sliced, [{ kind: 'batch', records: [{ key: 'a', ts: 3, v: 1 }] }]);
    const data = sliced.engine.snapshot().toData();
    expect(() => start({ ...c, shape: { kind: 'tumbling', size: 20, offset: 0 } }, false).engine.restore([data])).toThrow(/size 10/);
  });
});
