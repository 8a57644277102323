/**
 * The window operator, unit by unit: the lateness predicates against their
 * brute-force definition, pane timing and isLast when one watermark passes
 * several timers, continuous triggers under watermark jumps, count windows
 * without event time, the process function's context, option validation, and
 * the fluent API against the pipeable one.
 */
import fc from 'fast-check';
import { from, lastValueFrom, of, toArray, type Observable } from 'rxjs';
import {
  aggregate,
  cleanupTime,
  continuousEventTimeTrigger,
  count,
  countWindow,
  END_OF_INPUT,
  fromCollection,
  fromValues,
  global,
  InvalidArgumentError,
  isWindowLate,
  keyBy,
  MAX_WATERMARK,
  MetricRegistry,
  OutputTag,
  processWindow,
  recordBatch,
  session,
  sideOutput,
  sliding,
  StreamLite,
  sum,
  TimeWindow,
  tumbling,
  values,
  watermark,
  window,
  type Element,
  type KeyedElement,
  type PaneInfo,
  type WindowResult,
} from '../src';

/** Keyed records `[value, timestamp]` of one key, as one batch. */
const batch = (...records: [string, number][]): Element<string> =>
  recordBatch(records.map((r) => r[0]), records.map((r) => r[1]), records.map(() => 'k'));

/** Runs elements through `window(...)` + `aggregate(count())`; returns every result. */
function counts(elements: Element<string>[], ...args: Parameters<typeof window<string, string>>): WindowResult<string, number>[] {
  const out: WindowResult<string, number>[] = [];
  let failure: unknown;
  from(elements as KeyedElement<string, string>[])
    .pipe(window<string, string>(...args), aggregate(count()))
    .subscribe({ next: (e) => e.kind === 'batch' && out.push(...(e.values as WindowResult<string, number>[])), error: (err) => (failure = err) });
  if (failure !== undefined) throw failure;
  return out;
}

/** Runs a stream to completion: every element (or value) it emitted. */
const collectElements = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()));
const collectValues = collectElements;

/** The main records of `elements`, with their timestamps. */
const recordsOf = <T>(elements: readonly Element<T>[]) =>
  elements.flatMap((e) => (e.kind === 'batch' ? e.values.map((value, i) => ({ value, timestamp: e.timestamps[i] })) : []));

/** The elements as short tokens: `b:<values>`, `s:<tag>:<values>`, `w:<t>`, or the kind (`end`). */
const shapeOf = (elements: readonly Element<unknown>[]): string[] =>
  elements.map((e) =>
    e.kind === 'batch' ? `b:${e.values.join(',')}` : e.kind === 'side' ? `s:${e.tag.id}:${e.batch.values.join(',')}` : e.kind === 'watermark' ? `w:${e.timestamp}` : e.kind,
  );

const pane = (timing: PaneInfo['timing'], index: number, isLast: boolean): PaneInfo => ({ timing, index, isLast });

describe('lateness predicates against their definition', () => {
  it('isWindowLate(w, L, W) ⇔ end − 1 + L ≤ W, and cleanupTime saturates at the maximum watermark', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: -1200, max: 1200 }),
        (start, size, lateness, wm) => {
          const w = new TimeWindow(start, start + size);
          expect(cleanupTime(w, lateness)).toBe(start + size - 1 + lateness);
          expect(isWindowLate(w, lateness, wm)).toBe(start + size - 1 + lateness <= wm);
        },
      ),
      { numRuns: 500 },
    );
    expect(cleanupTime(new TimeWindow(0, MAX_WATERMARK + 1), 0)).toBe(MAX_WATERMARK);
    expect(cleanupTime(new TimeWindow(0, MAX_WATERMARK - 5), 1_000)).toBe(MAX_WATERMARK);
    expect(isWindowLate(new TimeWindow(0, 10), 5, 13)).toBe(false);
    expect(isWindowLate(new TimeWindow(0, 10), 5, 14)).toBe(true);
  });
});

describe('pane timing and isLast when one watermark passes several timers', () => {
  it('continuous trigger: one EARLY pane for intervals passed at once, then ON_TIME as the only last pane', () => {
    // Timers at 5, 10, 15 and 19: W12 passes 5 and 10 at once (one pane), W40 passes 15 and 19.
    const results = counts([batch(['a', 1], ['b', 3]), watermark(12), batch(['c', 14]), watermark(40), END_OF_INPUT], tumbling(20), {
      trigger: continuousEventTimeTrigger(5),
    });
    expect(results.map((r) => [r.value, r.pane])).toEqual([
      [2, pane('EARLY', 0, false)],
      [3, pane('ON_TIME', 1, true)],
    ]);
  });

  it('continuous trigger in the global window: end of input fires once, not once per interval up to the maximum watermark', () => {
    const results = counts([batch(['a', 1], ['b', 3]), watermark(7), END_OF_INPUT], global(), { trigger: continuousEventTimeTrigger(4) });
    expect(results.map((r) => [r.value, r.pane])).toEqual([
      [2, pane('EARLY', 0, false)],
      [2, pane('ON_TIME', 1, true)],
    ]);
  });

  it('a watermark passing an interval and the window end at once fires only the on-time pane', () => {
    const results = counts([batch(['a', 1]), watermark(2), batch(['b', 6]), END_OF_INPUT], tumbling(20), { trigger: continuousEventTimeTrigger(5) });
    // The 5 ms timer runs at end of input (the maximum watermark), which also passes the window's end:
    // an EARLY pane there would repeat the on-time one, so the continuous trigger leaves it out.
    expect(results.map((r) => [r.value, r.pane])).toEqual([[2, pane('ON_TIME', 0, true)]]);
  });

  it('with lateness: the on-time pane is the last one only when the same watermark also clears the window', () => {
    expect(counts([batch(['a', 1]), watermark(9), watermark(14), END_OF_INPUT], tumbling(10), { allowedLateness: 5 }).map((r) => r.pane)).toEqual([
      pane('ON_TIME', 0, false),
    ]);
    expect(counts([batch(['a', 1]), watermark(14), END_OF_INPUT], tumbling(10), { allowedLateness: 5 }).map((r) => r.pane)).toEqual([
      pane('ON_TIME', 0, true),
    ]);
  });
});

describe('event-time timers are exact', () => {
  /** The output as tokens: `[start,end)=count` for a result, `W<t>` for a watermark, `E` for end of input. */
  function timeline(elements: Element<string>[], size: number): string[] {
    const tokens: string[] = [];
    from(elements as KeyedElement<string, string>[])
      .pipe(window<string, string>(tumbling(size)), aggregate(count()))
      .subscribe((e) => {
        if (e.kind === 'batch') for (const r of e.values) tokens.push(`[${r.start},${r.end})=${r.value}`);
        else if (e.kind === 'watermark') tokens.push(`W${e.timestamp}`);
        else if (e.kind === 'end') tokens.push('E');
      });
    return tokens;
  }

  it('fires at W = end − 1 and not at W = end − 2, for every end − 1 (odd or even, negative) set before any watermark', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 1, max: 50 }), (ts, size) => {
        const start = ts - (((ts % size) + size) % size);
        const end = start + size;
        const w = `[${start},${end})=1`;
        expect(timeline([batch(['a', ts]), watermark(end - 2), END_OF_INPUT], size)).toEqual([`W${end - 2}`, w, 'E']);
        expect(timeline([batch(['a', ts]), watermark(end - 1), END_OF_INPUT], size)).toEqual([w, `W${end - 1}`, 'E']);
      }),
      { numRuns: 300 },
    );
  });

  it('fires large timestamps exactly (near 2^50)', () => {
    const t = 2 ** 50 + 7;
    const start = t - (t % 10);
    const w = `[${start},${start + 10})=1`;
    expect(timeline([batch(['a', t]), watermark(start + 8), END_OF_INPUT], 10)).toEqual([`W${start + 8}`, w, 'E']);
    expect(timeline([batch(['a', t]), watermark(start + 9), END_OF_INPUT], 10)).toEqual([w, `W${start + 9}`, 'E']);
  });
});

describe('count windows need no event time', () => {
  it('countWindow(2) over plain values (no timestamps) entered with fromValues()', async () => {
    const sums = await collectValues(
      of(1, 2, 3, 4, 5).pipe(
        fromValues(),
        keyBy((n: number) => n % 2),
        window(countWindow(2)),
        aggregate(sum((n: number) => n)),
        values(),
      ),
    );
    expect(sums.map((r) => [r.key, r.value])).toEqual([
      [1, 4],
      [0, 6],
      [1, 5],
    ]);
  });
});

describe('processWindow and aggregate with a process function', () => {
  it('sees key, window, pane, watermark and state, and can write side outputs stamped end − 1', async () => {
    const notes = new OutputTag<string>('notes');
    const seen: unknown[] = [];
    const out = await collectElements(
      from([batch(['a', 1], ['b', 2]), watermark(9), batch(['c', 3]), watermark(30), END_OF_INPUT] as KeyedElement<string, string>[]).pipe(
        window<string, string>(tumbling(10), { allowedLateness: 10 }),
        processWindow<string, string, string>((records, ctx, collector) => {
          const firings = ctx.windowState.get('firings', 0) + 1;
          ctx.windowState.set('firings', firings);
          const total = ctx.globalState.get('total', 0) + records.length;
          ctx.globalState.set('total', total);
          seen.push({ key: ctx.key, window: ctx.window, pane: ctx.pane, wm: ctx.currentWatermark, firings, total });
          collector.collect(records.join(''));
          ctx.output(notes, `fired ${firings}`);
        }),
      ),
    );
    expect(seen).toEqual([
      { key: 'k', window: { start: 0, end: 10 }, pane: pane('ON_TIME', 0, false), wm: 9, firings: 1, total: 2 },
      { key: 'k', window: { start: 0, end: 10 }, pane: pane('LATE', 1, false), wm: 9, firings: 2, total: 5 },
    ]);
    expect(recordsOf(out)).toEqual([
      { value: 'ab', timestamp: 9 },
      { value: 'abc', timestamp: 9 },
    ]);
    expect(shapeOf(out)).toEqual(['b:ab', 's:notes:fired 1', 'w:9', 'b:abc', 's:notes:fired 2', 'w:30', 'end']);
  });

  it('aggregate(fn, process) hands the pane result to the process function', async () => {
    const out = await collectValues(
      from([batch(['a', 1], ['b', 2], ['c', 12]), watermark(MAX_WATERMARK), END_OF_INPUT] as KeyedElement<string, string>[]).pipe(
        window<string, string>(tumbling(10)),
        aggregate(count(), (n: number, ctx, collector) => collector.collect(`${ctx.key} [${ctx.window.start}, ${ctx.window.end}): ${n}`)),
        values(),
      ),
    );
    expect(out).toEqual(['k [0, 10): 2', 'k [10, 20): 1']);
  });
});

describe('late records', () => {
  it('counts late records in the registry under the operator name, and sends them to the late output in order', async () => {
    const late = new OutputTag<string>('late');
    const metrics = new MetricRegistry();
    const out = await collectElements(
      from([batch(['a', 5]), watermark(20), batch(['b', 9], ['c', 25], ['d', 19]), END_OF_INPUT] as KeyedElement<string, string>[]).pipe(
        window<string, string>(tumbling(10), { lateOutput: late, metrics, name: 'ten' }),
        aggregate(count()),
      ),
    );
    expect(metrics.counter('streamlite_late_records_dropped_total', { operator: 'ten' }).value).toBe(2);
    expect(metrics.toPrometheusText()).toContain('streamlite_late_records_dropped_total{operator="ten"} 2');
    const lateRecords = recordsOf(await collectElements(from(out).pipe(sideOutput(late))));
    expect(lateRecords).toEqual([
      { value: 'b', timestamp: 9 },
      { value: 'd', timestamp: 19 },
    ]);
  });

  it('without a late output, late records are still counted (never silently lost)', () => {
    const metrics = new MetricRegistry();
    counts([batch(['a', 5]), watermark(9), batch(['b', 9]), END_OF_INPUT], tumbling(10), { metrics });
    expect(metrics.counter('streamlite_late_records_dropped_total', { operator: 'window' }).value).toBe(1);
  });

  it('a session record whose own session is late but touches an open session joins it', () => {
    // gap 5, lateness 0: [10, 15) open until W14. At W12, b@6 proposes [6, 11) — late on its own
    // (10 ≤ 12) — but it touches [10, 15): they merge into [6, 15), which is not late.
    const results = counts([batch(['a', 10]), watermark(12), batch(['b', 6]), END_OF_INPUT], session(5));
    expect(results.map((r) => [r.start, r.end, r.value])).toEqual([[6, 15, 2]]);
  });
});

describe('validation at creation', () => {
  it('rejects bad options where the pipeline is written', () => {
    expect(() => window(tumbling(10), { allowedLateness: -1 })).toThrow(InvalidArgumentError);
    expect(() => window(tumbling(10), { allowedLateness: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => window(tumbling(10, 0, { timeDomain: 'processing' }), { allowedLateness: 5 })).toThrow(InvalidArgumentError);
    expect(() => window(tumbling(10), { accumulation: 'sometimes' as never })).toThrow(InvalidArgumentError);
    expect(() => window(tumbling(10), { emit: 'always' as never })).toThrow(InvalidArgumentError);
    expect(() => tumbling(10, 10)).toThrow(InvalidArgumentError);
    expect(() => tumbling(10, -10)).toThrow(InvalidArgumentError);
    expect(() => sliding(10, 11)).toThrow(InvalidArgumentError);
    expect(() => session(0)).toThrow(InvalidArgumentError);
    expect(() => countWindow(0)).toThrow(InvalidArgumentError);
    expect(() => continuousEventTimeTrigger(0)).toThrow(InvalidArgumentError);
  });

  it('refuses retractions with a process function (they need aggregate results)', () => {
    const keyed = of(batch(['a', 1]) as KeyedElement<string, string>);
    expect(() => keyed.pipe(window(tumbling(10), { accumulation: 'retracting' }), processWindow(() => undefined))).toThrow(InvalidArgumentError);
  });
});

describe('the fluent API is the pipeable one', () => {
  it('keyBy(...).window(...).allowedLateness(...).sideOutputLateData(...).count() equals the pipe', async () => {
    const readings = [
      { sensor: 's1', at: 1 },
      { sensor: 's2', at: 3 },
      { sensor: 's1', at: 12 },
      { sensor: 's1', at: 7 },
      { sensor: 's2', at: 25 },
    ];
    const late = new OutputTag<{ sensor: string; at: number }>('late');
    const fluent = await StreamLite.fromCollection(readings, { timestamp: (r) => r.at, batchSize: 2 })
      .keyBy((r) => r.sensor)
      .window(tumbling(10))
      .allowedLateness(5)
      .sideOutputLateData(late)
      .count()
      .collect();
    const piped = await collectValues(
      fromCollection(readings, { timestamp: (r) => r.at, batchSize: 2 }).pipe(
        keyBy((r) => r.sensor),
        window(tumbling(10), { allowedLateness: 5, lateOutput: late }),
        aggregate(count()),
        values(),
      ),
    );
    expect(fluent).toEqual(piped);
    expect(fluent.map((r) => [r.key, r.start, r.value])).toEqual([
      ['s1', 0, 2],
      ['s2', 0, 1],
      ['s1', 10, 1],
      ['s2', 20, 1],
    ]);
  });
});
