/**
 * Properties of the window operator (fast-check):
 * (c) for records whose disorder stays within the bound d and watermarks
 *     W = max − d − 1 after each batch, the final results do not depend on the
 *     arrival order: they equal the brute-force reference, and nothing is late;
 * (d) for the same records and watermarks, the output does not depend on batch
 *     boundaries (sizes 1, 7, 1024 and random splits), whatever the assigner,
 *     trigger, evictor, lateness and accumulation mode — late records included.
 */
import fc from 'fast-check';
import { from } from 'rxjs';
import {
  aggregate,
  assignTimestampsAndWatermarks,
  boundedOutOfOrderness,
  continuousEventTimeTrigger,
  countEvictor,
  countTrigger,
  countWindow,
  earlyAndLateTrigger,
  END_OF_INPUT,
  global,
  keyBy,
  MAX_WATERMARK,
  MetricRegistry,
  OutputTag,
  purging,
  recordBatch,
  session,
  sliding,
  tumbling,
  values,
  watermark,
  window,
  type AggregateFunction,
  type Element,
  type KeyedElement,
  type WindowAssigner,
  type WindowOptions,
  type WindowResult,
} from '../src';
import { toFlat, type FlatElement } from '../src/testing';
import { compareResults, refResults, type RefAssigner, type RefRecord, type RefResult } from './support/windowReference';

interface CountSum {
  readonly count: number;
  readonly sum: number;
}

const countAndSum: AggregateFunction<RefRecord, CountSum, CountSum> = {
  createAccumulator: () => ({ count: 0, sum: 0 }),
  add: (r, acc) => ({ count: acc.count + 1, sum: acc.sum + r.value }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ count: a.count + b.count, sum: a.sum + b.sum }),
};

const assignerOf = (spec: RefAssigner): WindowAssigner<RefRecord> =>
  spec.kind === 'tumbling' ? tumbling(spec.size, spec.offset) : spec.kind === 'sliding' ? sliding(spec.size, spec.slide, spec.offset) : session(spec.gap);

const timeAssigner: fc.Arbitrary<RefAssigner> = fc.oneof(
  fc.integer({ min: 1, max: 20 }).chain((size) =>
    fc.integer({ min: -(size - 1), max: size - 1 }).map((offset): RefAssigner => ({ kind: 'tumbling', size, offset })),
  ),
  fc.integer({ min: 1, max: 20 }).chain((size) =>
    fc.integer({ min: 1, max: size }).chain((slide) =>
      fc.integer({ min: -(slide - 1), max: slide - 1 }).map((offset): RefAssigner => ({ kind: 'sliding', size, slide, offset })),
    ),
  ),
  fc.integer({ min: 1, max: 8 }).map((gap): RefAssigner => ({ kind: 'session', gap })),
);

/** In-order events: a start (negative included), then steps of 0..6 ms; keys a–c. */
const inOrderEvents = fc
  .record({
    start: fc.integer({ min: -100, max: 100 }),
    steps: fc.array(fc.record({ step: fc.integer({ min: 0, max: 6 }), key: fc.constantFrom('a', 'b', 'c'), value: fc.integer({ min: -5, max: 5 }) }), { maxLength: 50 }),
  })
  .map(({ start, steps }) => {
    let ts = start;
    return steps.map(({ step, key, value }): RefRecord => {
      ts += step;
      return { key, ts, value };
    });
  });

/** Runs the operator on a ready list of elements; returns every output element and the late counter. */
function run(elements: readonly Element<RefRecord>[], options: WindowOptions<RefRecord>, assigner: WindowAssigner<RefRecord>): { out: Element<WindowResult<string, CountSum>>[]; late: number } {
  const metrics = new MetricRegistry();
  const out: Element<WindowResult<string, CountSum>>[] = [];
  let failure: unknown;
  from(elements as KeyedElement<RefRecord, string>[])
    .pipe(window<RefRecord, string>(assigner, { ...options, metrics, name: 'w' }), aggregate(countAndSum))
    .subscribe({ next: (e) => out.push(e), error: (err) => (failure = err) });
  if (failure !== undefined) throw failure;
  return { out, late: metrics.counter('streamlite_late_records_dropped_total', { operator: 'w' }).value };
}

const batchOf = (records: readonly RefRecord[]): Element<RefRecord> =>
  recordBatch(records, records.map((r) => r.ts), records.map((r) => r.key));

/** Cut points as a sorted, deduplicated list inside (0, n). */
const cutList = (cuts: readonly number[], n: number): number[] => [...new Set(cuts.filter((c) => c > 0 && c < n))].sort((a, b) => a - b);

describe('(c) results independent of arrival order within the out-of-orderness bound', () => {
  /**
   * Shuffles in-order events so that each arrives at most d ms behind the
   * maximum seen before it: sort by ts + δ with δ in [0, maxDelay].
   */
  const arrive = (events: readonly RefRecord[], delays: readonly number[]): RefRecord[] =>
    events
      .map((e, i) => ({ e, i, at: e.ts + (delays[i % Math.max(1, delays.length)] ?? 0) }))
      .sort((a, b) => a.at - b.at || a.i - b.i)
      .map(({ e }) => e);

  /** Feeds batches cut at `cuts`, each followed by W = max − d − 1 (when it advances); then the maximum watermark. */
  const withWatermarks = (records: readonly RefRecord[], cuts: readonly number[], d: number): Element<RefRecord>[] => {
    const elements: Element<RefRecord>[] = [];
    let max = -Infinity;
    let lastW = -Infinity;
    let lo = 0;
    for (const hi of [...cutList(cuts, records.length), records.length]) {
      if (hi <= lo) continue;
      const part = records.slice(lo, hi);
      elements.push(batchOf(part));
      for (const r of part) max = Math.max(max, r.ts);
      const w = max - d - 1;
      if (w > lastW) {
        elements.push(watermark(w));
        lastW = w;
      }
      lo = hi;
    }
    elements.push(watermark(MAX_WATERMARK), END_OF_INPUT);
    return elements;
  };

  const resultsOf = (out: readonly Element<WindowResult<string, CountSum>>[]): (RefResult & { pane: unknown })[] =>
    out.flatMap((e) => (e.kind === 'batch' ? e.values.map((r) => ({ key: r.key, start: r.start, end: r.end, ...r.value, pane: r.pane })) : []));

  /** The results left after applying retractions (each withdraws one equal earlier result). */
  const netOf = (out: readonly Element<WindowResult<string, CountSum>>[]): RefResult[] => {
    const net: RefResult[] = [];
    for (const e of out) {
      if (e.kind !== 'batch') continue;
      for (const r of e.values) {
        const row: RefResult = { key: r.key, start: r.start, end: r.end, ...r.value };
        if (!r.retraction) net.push(row);
        else {
          const i = net.findIndex((x) => JSON.stringify(x) === JSON.stringify(row));
          expect(i).toBeGreaterThanOrEqual(0);
          net.splice(i, 1);
        }
      }
    }
    return net;
  };

  const check = (assigner: fc.Arbitrary<RefAssigner>, maxDelayOf: (d: number) => number) =>
    fc.assert(
      fc.property(
        assigner,
        inOrderEvents,
        fc.integer({ min: 0, max: 10 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 5 }),
        (spec, events, d, fractions, cuts, allowedLateness) => {
          const delays = fractions.map((f) => Math.floor(f * (maxDelayOf(d) + 1)) % (maxDelayOf(d) + 1));
          const arrival = arrive(events, delays);
          if (spec.kind === 'session') {
            // A record at exactly a session's end can arrive after the session fired (W = end − 1) and extend it:
            // the superseded pane is withdrawn in retracting mode, and the net result must equal the reference.
            const { out, late } = run(withWatermarks(arrival, cuts, d), { allowedLateness, accumulation: 'retracting' }, assignerOf(spec));
            expect(late).toBe(0);
            expect(netOf(out).sort(compareResults)).toEqual(refResults(events, spec));
            return;
          }
          const { out, late } = run(withWatermarks(arrival, cuts, d), { allowedLateness }, assignerOf(spec));
          expect(late).toBe(0);
          const results = resultsOf(out);
          for (const r of results) {
            expect(r.pane).toMatchObject({ timing: 'ON_TIME', index: 0 });
            if (allowedLateness === 0) expect(r.pane).toMatchObject({ isLast: true });
          }
          expect(results.map(({ pane: _pane, ...r }) => r).sort(compareResults)).toEqual(refResults(events, spec));
        },
      ),
      { numRuns: 600 },
    );

  it('tumbling and sliding windows: disorder up to d included', () => {
    check(timeAssigner.filter((a) => a.kind !== 'session'), (d) => d);
  });

  it('sessions: disorder up to d included (net of retractions)', () => {
    check(timeAssigner.filter((a) => a.kind === 'session'), (d) => d);
  });

  it('the same through assignTimestampsAndWatermarks(boundedOutOfOrderness(d)) and keyBy, all assigners', () => {
    fc.assert(
      fc.property(
        timeAssigner,
        inOrderEvents,
        fc.integer({ min: 0, max: 10 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 12 }),
        (spec, events, d, fractions, cuts) => {
          const maxDelay = d;
          const sessions = spec.kind === 'session';
          const arrival = arrive(events, fractions.map((f) => Math.floor(f * (maxDelay + 1)) % (maxDelay + 1)));
          const source: Element<RefRecord>[] = [];
          let lo = 0;
          for (const hi of [...cutList(cuts, arrival.length), arrival.length]) {
            if (hi > lo) source.push(recordBatch(arrival.slice(lo, hi), arrival.slice(lo, hi).map((r) => r.ts)));
            lo = hi;
          }
          source.push(watermark(MAX_WATERMARK), END_OF_INPUT);
          const metrics = new MetricRegistry();
          const out: Element<WindowResult<string, CountSum>>[] = [];
          let failure: unknown;
          from(source)
            .pipe(
              assignTimestampsAndWatermarks(boundedOutOfOrderness<RefRecord>(d)),
              keyBy((r: RefRecord) => r.key),
              // Sessions in retracting mode: a pane superseded by a later merge is withdrawn (see 'sessions, disorder exactly d').
              window(assignerOf(spec), { metrics, accumulation: sessions ? 'retracting' : 'accumulating' }),
              aggregate(countAndSum),
            )
            .subscribe({ next: (e) => out.push(e), error: (err) => (failure = err) });
          if (failure !== undefined) throw failure;
          expect(metrics.counter('streamlite_late_records_dropped_total', { operator: 'window' }).value).toBe(0);
          expect(netOf(out).sort(compareResults)).toEqual(refResults(events, spec));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sessions, disorder exactly d: a record touching a session that already fired still merges with it (the session is kept until W ≥ end)', () => {
    // gap 5, d 2: a@0 → session [0, 5); c@7 → W = 7 − 2 − 1 = 4 = end − 1: [0, 5) fires (ON_TIME) but is kept until W ≥ 5.
    // b@5 is exactly d behind c (on time: 5 > W) and touches [0, 5) and [7, 12): all three merge into [0, 12),
    // as the brute-force reference says. The early [0, 5) pane is superseded; retracting mode withdraws it.
    const records: RefRecord[] = [
      { key: 'k', ts: 0, value: 1 },
      { key: 'k', ts: 7, value: 1 },
      { key: 'k', ts: 5, value: 1 },
    ];
    const elements = [batchOf(records.slice(0, 1)), watermark(-3), batchOf(records.slice(1, 2)), watermark(4), batchOf(records.slice(2)), watermark(MAX_WATERMARK), END_OF_INPUT];
    const { out, late } = run(elements, {}, session(5));
    expect(late).toBe(0);
    expect(resultsOf(out).map(({ start, end, count }) => ({ start, end, count }))).toEqual([
      { start: 0, end: 5, count: 1 },
      { start: 0, end: 12, count: 3 },
    ]);
    const retracting = run(elements, { accumulation: 'retracting' }, session(5));
    const net = retracting.out
      .flatMap((e) => (e.kind === 'batch' ? e.values : []))
      .map((r) => ({ start: r.start, end: r.end, count: r.value.count, retraction: r.retraction }));
    expect(net).toEqual([
      { start: 0, end: 5, count: 1, retraction: false },
      { start: 0, end: 5, count: 1, retraction: true },
      { start: 0, end: 12, count: 3, retraction: false },
    ]);
  });
});

describe('(d) results independent of batch size', () => {
  type Config = { name: string; assigner: () => WindowAssigner<RefRecord>; options: WindowOptions<RefRecord> };

  const late = new OutputTag<RefRecord>('late');
  const configs: fc.Arbitrary<Config> = fc
    .record({
      spec: fc.oneof(
        timeAssigner.map((s) => ({ name: JSON.stringify(s), assigner: () => assignerOf(s) })),
        fc.integer({ min: 1, max: 4 }).map((n) => ({ name: `countWindow(${n})`, assigner: () => countWindow<RefRecord>(n) })),
        fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 })).map(([n, s]) => ({ name: `countWindow(${n}, ${s})`, assigner: () => countWindow<RefRecord>(n, s) })),
        fc.constant({ name: 'global()', assigner: () => global<RefRecord>() }),
      ),
      trigger: fc.constantFrom('default', 'count', 'purgingCount', 'continuous', 'earlyAndLate'),
      allowedLateness: fc.integer({ min: 0, max: 8 }),
      accumulation: fc.constantFrom('accumulating' as const, 'discarding' as const, 'retracting' as const),
      updates: fc.boolean(),
      evictor: fc.boolean(),
    })
    .map(({ spec, trigger, allowedLateness, accumulation, updates, evictor }) => ({
      name: `${spec.name} ${trigger} lateness ${allowedLateness} ${accumulation}${updates ? ' updates' : ''}${evictor ? ' evictor' : ''}`,
      assigner: spec.assigner,
      options: {
        trigger:
          trigger === 'count'
            ? countTrigger(2)
            : trigger === 'purgingCount'
              ? purging(countTrigger(3))
              : trigger === 'continuous'
                ? continuousEventTimeTrigger(4)
                : trigger === 'earlyAndLate'
                  ? earlyAndLateTrigger({ early: { count: 2 } })
                  : undefined,
        allowedLateness,
        accumulation,
        emit: updates ? ('updates' as const) : ('panes' as const),
        evictor: evictor ? countEvictor<RefRecord>(2) : undefined,
        lateOutput: late,
      },
    }));

  /** Records (any disorder) and watermarks placed after given record counts (ascending). */
  const inputs = fc.record({
    records: fc.array(
      fc.record({ key: fc.constantFrom('a', 'b'), ts: fc.integer({ min: -30, max: 60 }), value: fc.integer({ min: -5, max: 5 }) }),
      { maxLength: 40 },
    ),
    marks: fc.array(fc.record({ at: fc.integer({ min: 0, max: 40 }), step: fc.integer({ min: 0, max: 15 }) }), { maxLength: 8 }),
    start: fc.integer({ min: -40, max: 20 }),
    randomCuts: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 10 }),
  });

  /** The same records and watermarks, records cut into batches at `cuts` and at every watermark. */
  const elementsOf = (records: readonly RefRecord[], marks: readonly { at: number; w: number }[], cuts: readonly number[]): Element<RefRecord>[] => {
    const elements: Element<RefRecord>[] = [];
    const boundaries = cutList([...cuts, ...marks.map((m) => m.at)], records.length);
    let lo = 0;
    let mi = 0;
    for (const hi of [...boundaries, records.length]) {
      while (mi < marks.length && marks[mi].at <= lo) elements.push(watermark(marks[mi++].w));
      if (hi > lo) elements.push(batchOf(records.slice(lo, hi)));
      lo = hi;
    }
    while (mi < marks.length) elements.push(watermark(marks[mi++].w));
    elements.push(watermark(MAX_WATERMARK), END_OF_INPUT);
    return elements;
  };

  const everySize = (n: number, size: number): number[] => Array.from({ length: Math.ceil(n / size) }, (_, i) => i * size);

  /** Main and late outputs apart: within one batch the main results precede the late records, so only each stream's own order is defined. */
  const split = (out: readonly Element<WindowResult<string, CountSum>>[]) => {
    const flat = out.flatMap((e) => toFlat(e)) as FlatElement<unknown>[];
    return { main: flat.filter((f) => !('side' in f)), side: flat.filter((f) => 'side' in f || 'watermark' in f) };
  };

  it('sizes 1, 7, 1024 and random splits give the same results, late records and count', () => {
    fc.assert(
      fc.property(configs, inputs, (config, { records, marks, start, randomCuts }) => {
        let w = start;
        const placed = [...marks].sort((a, b) => a.at - b.at).map((m) => ({ at: Math.min(m.at, records.length), w: (w += m.step) }));
        const runWith = (cuts: number[]) => {
          const { out, late: count } = run(elementsOf(records, placed, cuts), config.options, config.assigner());
          return { ...split(out), count };
        };
        const one = runWith(everySize(records.length, 1));
        expect(runWith(everySize(records.length, 7))).toEqual(one);
        expect(runWith(everySize(records.length, 1024))).toEqual(one);
        expect(runWith(randomCuts)).toEqual(one);
      }),
      { numRuns: 500 },
    );
  });
});
