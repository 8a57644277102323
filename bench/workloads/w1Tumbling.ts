/**
 * W1 — keyed tumbling event-time windows of 10 s, count and sum.
 *
 * Data ({@link keyedEvents}), as issue 15 defines it, and the default size:
 * 2,000,000 records over 10,000 uniform keys, event time +1 ms per 20 records
 * (100 s of event time, so ~10 windows per key), each timestamp pulled back a
 * uniform 0–2,000 ms; watermarks by `boundedOutOfOrderness(2000)`
 * (W = max − 2000 − 1) after every source batch of 1,024 records, so nothing
 * is late. W1 runs at the issue's size by default, with 5 timed repetitions
 * (the `rxjs-operators` peer takes seconds per run): the peers' cost depends
 * on the number of keys, so a smaller W1 would not compare them as the issue
 * does. W1L and W3 use the same data at a tenth of it by default (200,000
 * records, 1,000 keys, 2 records per ms, the same 100 s span: {@link w1Spec}).
 * Result: one ON_TIME pane per
 * (key, window), ~11 per key; the checksum is order-insensitive
 * (bench/lib/eventData.ts).
 *
 * Variants: the engine through its fluent API; the hand loop (Maps, batches
 * of 1,024, the engine's exact firing rules: it also serves W1L and W3); and
 * the peers a user would pick instead — careful per-record RxJS with a custom
 * operator, RxJS standard operators (groupBy/mergeMap/reduce), @most/core
 * with a custom sink.
 */
import { newStream } from '@most/core';
import { asap, newDefaultScheduler } from '@most/scheduler';
import type { Sink, Stream, Task, Time } from '@most/types';
import {
  connectable,
  from,
  groupBy,
  lastValueFrom,
  map,
  mergeMap,
  Observable,
  type OperatorFunction,
  reduce,
  Subject,
  toArray,
} from 'rxjs';
import {
  type AggregateFunction,
  boundedOutOfOrderness,
  type Element,
  MetricRegistry,
  OutputTag,
  StreamLite,
  tumbling,
  type WindowResult,
} from '../../src';
import {
  type CountSum,
  type Event,
  keyedEvents,
  type KeyedEventsSpec,
  windowChecksum,
  windowResult,
  type WindowRun,
} from '../lib/eventData';
import { defineWorkload, scaled } from './types';

/** Records of W1 as the performance issue defines it (`--size 2000000`). */
export const W1_ISSUE_RECORDS = 2_000_000;
/** Keys of W1 as the issue defines it. */
export const W1_ISSUE_KEYS = 10_000;
/** Records per ms of event time as the issue defines it (+1 ms per 20 records): 100 s of event time. */
export const W1_ISSUE_RECORDS_PER_MS = 20;
/**
 * Default records (scale 1): a tenth of the issue's size, so that a full
 * `npm run bench` stays within its time budget (see bench/README.md).
 */
export const W1_RECORDS = 200_000;
export const WINDOW_MS = 10_000;
export const OUT_OF_ORDERNESS_MS = 2_000;
/** Records per source batch: the engine's default (`fromCollection`), which every hand loop mirrors. */
export const BATCH = 1_024;

/**
 * W1's stream at `scale`. Records, keys and the event-time rate all scale by
 * the same factor (relative to the issue's 2,000,000 records, 10,000 keys and
 * 20 records per ms), so the span stays 100 s of event time: every key sees
 * ~200 records over ~10 windows of 10 s at any size, and only the number of
 * keys (and of records per ms) changes. `--size 2000000` is exactly the
 * issue's W1.
 */
export function w1Spec(scale: number): KeyedEventsSpec {
  const records = scaled(W1_RECORDS, scale);
  const factor = records / W1_ISSUE_RECORDS;
  return {
    records,
    keys: Math.max(1, Math.round(W1_ISSUE_KEYS * factor)),
    recordsPerMs: W1_ISSUE_RECORDS_PER_MS * factor,
    disorderMs: OUT_OF_ORDERNESS_MS,
  };
}

// ── engine helpers (public API only) ────────────────────────────────────

/** Count and sum in one aggregate function, as a user writes it (immutable accumulator, as the API asks). */
export const countAndSum: AggregateFunction<Event, CountSum, CountSum> = {
  createAccumulator: () => ({ count: 0, sum: 0 }),
  add: (e, acc) => ({ count: acc.count + 1, sum: acc.sum + e.v }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ count: a.count + b.count, sum: a.sum + b.sum }),
};

/**
 * Count and sum updated in place, as the engine allows with `copyAccumulator`
 * (it copies an accumulator a snapshot still holds, and hands `getResult` a
 * copy): no allocation per record, as in the hand loop.
 */
export const countAndSumInPlace: AggregateFunction<Event, { count: number; sum: number }, CountSum> = {
  createAccumulator: () => ({ count: 0, sum: 0 }),
  add: (e, acc) => {
    acc.count++;
    acc.sum += e.v;
    return acc;
  },
  getResult: (acc) => acc,
  merge: (a, b) => {
    a.count += b.count;
    a.sum += b.sum;
    return a;
  },
  copyAccumulator: (acc) => ({ count: acc.count, sum: acc.sum }),
};

/** The window operator's late-records counter, as registered in a {@link MetricRegistry}. */
export const LATE_COUNTER = 'streamlite_late_records_dropped_total';

/** The late-records counter of the window operator named `operator`. */
export function lateCounter(metrics: MetricRegistry, operator: string): number {
  return metrics.counter(LATE_COUNTER, { operator }).value;
}

/**
 * Runs a windowed stream once and collects its main output and the side
 * output `tag` from the same run (RxJS `connectable`: both subscribers are in
 * place before the synchronous source starts).
 */
export async function collectWithSide<R, X>(stream: StreamLite<R>, tag: OutputTag<X>): Promise<[R[], X[]]> {
  const shared = connectable(stream.elements$, { connector: () => new Subject<Element<R>>(), resetOnDisconnect: false });
  const main = StreamLite.fromElements(shared).collect();
  const side = StreamLite.fromElements(shared).sideOutput(tag).collect();
  shared.connect();
  return Promise.all([main, side]);
}

// ── the hand loop ───────────────────────────────────────────────────────

interface HandAcc {
  count: number;
  sum: number;
  /** Index of the next pane of this (key, window). */
  panes: number;
}

interface HandWindow {
  readonly start: number;
  readonly end: number;
  /** True once the watermark reached end − 1 (later records re-fire it with LATE panes). */
  fired: boolean;
  readonly accs: Map<string, HandAcc>;
}

/**
 * The hand-written loop for keyed event-time windows of fixed size sliding
 * every `slide` (tumbling: slide = size), count and sum, with the engine's
 * semantics stated in DESIGN.md: per batch of {@link BATCH} records, each
 * record updates its (key, window) accumulators — skipping windows already
 * late (`end − 1 + lateness ≤ W`), going to the late list when all its windows
 * are, and firing a LATE pane for each window it updates whose end the
 * watermark has passed; then `W = max − bound − 1` advances, windows with
 * `end − 1 ≤ W` fire ON_TIME panes (isLast when `W ≥ end − 1 + lateness`),
 * and windows with `end − 1 + lateness ≤ W` are dropped. End of input fires
 * everything left. Windows are kept in a Map by start, accumulators in a Map
 * by key per window; accumulators are mutable.
 */
export function handWindows(
  events: readonly Event[],
  size: number,
  slide: number,
  bound: number,
  lateness: number,
): WindowRun {
  const results: WindowResult<string, CountSum>[] = [];
  const late: Event[] = [];
  const windows = new Map<number, HandWindow>();
  let max = -Infinity;
  let wm = -Infinity;

  const advance = (): void => {
    for (const w of windows.values()) {
      if (!w.fired && w.end - 1 <= wm) {
        const isLast = w.end - 1 + lateness <= wm;
        for (const [k, acc] of w.accs) results.push(windowResult(k, w.start, w.end, acc.count, acc.sum, 'ON_TIME', acc.panes++, isLast));
        w.fired = true;
      }
      if (w.end - 1 + lateness <= wm) windows.delete(w.start);
    }
  };

  const n = events.length;
  for (let from = 0; from < n; from += BATCH) {
    const to = Math.min(from + BATCH, n);
    for (let i = from; i < to; i++) {
      const e = events[i];
      const t = e.t;
      if (t > max) max = t;
      let added = false;
      // the last window containing t, then earlier ones while they still contain t
      for (let start = t - (((t % slide) + slide) % slide); start > t - size; start -= slide) {
        const end = start + size;
        if (end - 1 + lateness <= wm) continue; // this window is late
        let w = windows.get(start);
        if (w === undefined) {
          w = { start, end, fired: end - 1 <= wm, accs: new Map() };
          windows.set(start, w);
        }
        let acc = w.accs.get(e.k);
        if (acc === undefined) {
          acc = { count: 0, sum: 0, panes: 0 };
          w.accs.set(e.k, acc);
        }
        acc.count++;
        acc.sum += e.v;
        if (w.fired) results.push(windowResult(e.k, start, end, acc.count, acc.sum, 'LATE', acc.panes++, false));
        added = true;
      }
      if (!added) late.push(e);
    }
    const next = max - bound - 1;
    if (next > wm) {
      wm = next;
      advance();
    }
  }
  wm = Infinity; // end of input: the maximum watermark
  advance();
  return { results, late, lateCount: late.length };
}

/** The hand loop for tumbling windows. */
export const handTumbling = (events: readonly Event[], size: number, bound: number, lateness: number): WindowRun =>
  handWindows(events, size, size, bound, lateness);

// ── peers ───────────────────────────────────────────────────────────────

/**
 * What a careful user writes without an engine: tumbling count-and-sum
 * windows with a per-record watermark (`max − bound − 1`, updated after each
 * record), firing a window (one `emit` per key) when the watermark reaches its
 * end − 1, and counting records behind a fired window as late. No allowed
 * lateness, no panes (each window fires once).
 */
class PerRecordTumbling {
  private readonly windows = new Map<number, Map<string, { count: number; sum: number }>>();
  private max = -Infinity;
  private wm = -Infinity;
  /** The earliest end − 1 among open windows. */
  private nextFire = Infinity;
  readonly late: Event[] = [];

  constructor(
    private readonly size: number,
    private readonly bound: number,
    private readonly emit: (r: WindowResult<string, CountSum>) => void,
  ) {}

  add(e: Event): void {
    const t = e.t;
    const size = this.size;
    const start = t - (((t % size) + size) % size);
    if (start + size - 1 <= this.wm) {
      this.late.push(e);
    } else {
      let accs = this.windows.get(start);
      if (accs === undefined) {
        accs = new Map();
        this.windows.set(start, accs);
        if (start + size - 1 < this.nextFire) this.nextFire = start + size - 1;
      }
      const acc = accs.get(e.k);
      if (acc === undefined) accs.set(e.k, { count: 1, sum: e.v });
      else {
        acc.count++;
        acc.sum += e.v;
      }
    }
    if (t > this.max) {
      this.max = t;
      const w = t - this.bound - 1;
      if (w > this.wm) {
        this.wm = w;
        if (w >= this.nextFire) this.fire(w);
      }
    }
  }

  /** Fires every window with end − 1 ≤ w. */
  fire(w: number): void {
    const size = this.size;
    let nextFire = Infinity;
    for (const [start, accs] of this.windows) {
      const last = start + size - 1;
      if (last <= w) {
        for (const [k, acc] of accs) this.emit(windowResult(k, start, start + size, acc.count, acc.sum, 'ON_TIME', 0, true));
        this.windows.delete(start);
      } else if (last < nextFire) nextFire = last;
    }
    this.nextFire = nextFire;
  }
}

/** `rxjs-careful`: the per-record windowing above as a custom RxJS operator, one emission per result. */
function tumblingCountSum(size: number, bound: number, late: Event[]): OperatorFunction<Event, WindowResult<string, CountSum>> {
  return (source) =>
    new Observable<WindowResult<string, CountSum>>((subscriber) => {
      const windowing = new PerRecordTumbling(size, bound, (r) => subscriber.next(r));
      return source.subscribe({
        next: (e) => windowing.add(e),
        error: (err) => subscriber.error(err),
        complete: () => {
          windowing.fire(Infinity);
          late.push(...windowing.late);
          subscriber.complete();
        },
      });
    });
}

/** `most`: an array source — a Task run once by the scheduler, the @most/core idiom for a custom source … */
class ArrayTask<A> implements Task {
  private active = true;

  constructor(
    private readonly items: readonly A[],
    private readonly sink: Sink<A>,
  ) {}

  run(time: Time): void {
    if (!this.active) return;
    const items = this.items;
    for (let i = 0; i < items.length && this.active; i++) this.sink.event(time, items[i]);
    if (this.active) this.sink.end(time);
  }

  error(time: Time, err: Error): void {
    this.sink.error(time, err);
  }

  dispose(): void {
    this.active = false;
  }
}

function fromArray<A>(items: readonly A[]): Stream<A> {
  return newStream<A>((sink, scheduler) => asap(new ArrayTask(items, sink), scheduler));
}

/** … into a custom sink doing the per-record windowing. */
function runMost(events: readonly Event[]): Promise<WindowRun> {
  return new Promise((resolve, reject) => {
    const results: WindowResult<string, CountSum>[] = [];
    const windowing = new PerRecordTumbling(WINDOW_MS, OUT_OF_ORDERNESS_MS, (r) => results.push(r));
    const sink: Sink<Event> = {
      event: (_t, e) => windowing.add(e),
      end: () => {
        windowing.fire(Infinity);
        resolve({ results, late: windowing.late, lateCount: windowing.late.length });
      },
      error: (_t, err) => reject(err),
    };
    fromArray(events).run(sink, newDefaultScheduler());
  });
}

const mod = (a: number, m: number): number => ((a % m) + m) % m;

// ── the workload ────────────────────────────────────────────────────────

async function runEngine(events: readonly Event[], fn: AggregateFunction<Event, unknown, CountSum>): Promise<WindowRun> {
  const metrics = new MetricRegistry();
  const results = await StreamLite.fromCollection(events, { timestamp: (e) => e.t })
    .assignTimestampsAndWatermarks(boundedOutOfOrderness(OUT_OF_ORDERNESS_MS))
    .keyBy((e) => e.k)
    .window(tumbling(WINDOW_MS), { metrics, name: 'w1' })
    .aggregate(fn)
    .collect();
  return { results, late: [], lateCount: lateCounter(metrics, 'w1') };
}

export const w1Tumbling = defineWorkload<readonly Event[], WindowRun>({
  id: 'W1',
  description: 'keyed tumbling event-time windows 10 s, count+sum; 2M records, 10,000 keys over 100 s of event time (the issue size), disorder 0–2 s, W = max − 2000 − 1',
  records: W1_ISSUE_RECORDS,
  maxReps: 5,
  generate(seed, scale) {
    // w1Spec's scale is relative to W1_RECORDS (W1L's and W3's default); W1's default is the issue's size.
    const spec = w1Spec(scale * (W1_ISSUE_RECORDS / W1_RECORDS));
    return { data: keyedEvents(seed, spec), records: spec.records };
  },
  variants: {
    engine: (events) => runEngine(events, countAndSumInPlace),

    'engine-immutable': {
      note: 'the engine with an immutable accumulator (a new { count, sum } per record, the default AggregateFunction contract)',
      run: (events) => runEngine(events, countAndSum),
    },

    hand: (events) => handTumbling(events, WINDOW_MS, OUT_OF_ORDERNESS_MS, 0),

    'rxjs-careful': {
      note: 'from(events) per record → custom operator: Map per window, per-record watermark max − 2000 − 1 and firing written by hand; no lateness/panes machinery (none needed in W1)',
      run: async (events) => {
        const late: Event[] = [];
        const results = await lastValueFrom(from(events).pipe(tumblingCountSum(WINDOW_MS, OUT_OF_ORDERNESS_MS, late), toArray()));
        return { results, late, lateCount: late.length };
      },
    },

    'rxjs-operators': {
      note: 'groupBy(key) → mergeMap(groupBy(window start) → mergeMap(reduce)): no event time or watermarks, every window emitted when the input completes (same final set here: W1 has no late data; pane info filled in)',
      run: async (events) => {
        const results = await lastValueFrom(
          from(events).pipe(
            groupBy((e) => e.k),
            mergeMap((byKey) =>
              byKey.pipe(
                groupBy((e) => e.t - mod(e.t, WINDOW_MS)),
                mergeMap((byWindow) =>
                  byWindow.pipe(
                    reduce((acc, e) => ({ count: acc.count + 1, sum: acc.sum + e.v }), { count: 0, sum: 0 }),
                    map((acc) => windowResult(byKey.key, byWindow.key, byWindow.key + WINDOW_MS, acc.count, acc.sum, 'ON_TIME', 0, true)),
                  ),
                ),
              ),
            ),
            toArray(),
          ),
        );
        return { results, late: [], lateCount: 0 };
      },
    },

    most: {
      note: '@most/core array source (newStream + a Task) → custom Sink with the same per-record windowing as rxjs-careful; event time written by hand (most has none)',
      run: runMost,
    },
  },
  checksum: windowChecksum,
});
