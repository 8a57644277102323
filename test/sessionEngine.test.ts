/**
 * The specialised session engine (src/window/engines/sessionEngine.ts)
 * against the general window engine, differentially: random keyed event
 * streams with random watermarks, disorder, gaps (fixed and dynamic),
 * allowed lateness, late output, accumulating or discarding panes, with and
 * without a process function, run through the window operator twice — once
 * as configured (the session engine is selected), once with the default
 * trigger wrapped in a user trigger of the same behaviour (which forces the
 * general engine). Both must emit the same elements in the same order (results
 * with their panes and timestamps, late side output, watermarks), count the
 * same late records, take the same checkpoints (compared as data, taken
 * mid-stream and read only after the run went on), and each engine's
 * checkpoint restored into the other must reproduce the rest of the run.
 */
import fc from 'fast-check';
import { from, type Observable } from 'rxjs';
import {
  aggregate,
  barrier,
  deserialize,
  END_OF_INPUT,
  eventTimeTrigger,
  MAX_WATERMARK,
  MetricRegistry,
  MissingTimestampError,
  keyGroupOf,
  NO_TIMESTAMP,
  NotKeyedError,
  OutputTag,
  recordBatch,
  serialize,
  session,
  StreamLiteError,
  UserFunctionError,
  watermark,
  window,
  type AggregateFunction,
  type Element,
  type KeyedElement,
  type WindowOptions,
} from '../src';
import { withJob, type JobContext, type OperatorSnapshot } from '../src/checkpoint/JobContext';
import { sessionEngine } from '../src/window/engines/sessionEngine';
import type { WindowCheckpoint } from '../src/window/windowInternals';

interface Click {
  readonly id: number;
  readonly key: string;
  readonly ts: number;
  /** The gap this record asks for (dynamic gaps). */
  readonly gap: number;
}

/** A non-commutative aggregate: the ids in the order added, merges marked — any difference in add or merge order shows. */
const trail: AggregateFunction<Click, string, string> = {
  createAccumulator: () => '',
  add: (c, acc) => (acc === '' ? `${c.id}` : `${acc},${c.id}`),
  getResult: (acc) => `<${acc}>`,
  merge: (a, b) => `(${a}|${b})`,
};

interface Config {
  readonly gap: number | 'dynamic';
  readonly lateness: number;
  readonly lateOutput: boolean;
  readonly accumulation: 'accumulating' | 'discarding';
  readonly process: boolean;
  readonly name: string;
  readonly keyGroups?: { readonly start: number; readonly end: number };
}

const LATE = new OutputTag<Click>('late');
const SIDE = new OutputTag<string>('process-side');

/** A job context that only serves the window operator: hands it `restored` and keeps its snapshots in barrier order. */
function fakeJob(restored: unknown, snapshots: OperatorSnapshot[]): JobContext {
  return {
    clock: () => 0,
    registerOperator: (_kind, name) => ({
      name: name ?? 'window',
      restored,
      snapshotted: (_b, snapshot) => void snapshots.push(snapshot),
    }),
    registerSource: () => {
      throw new Error('no sources here');
    },
    registerSink: () => {
      throw new Error('no sinks here');
    },
  };
}

interface Run {
  readonly output: Element<unknown>[];
  readonly snapshots: OperatorSnapshot[];
  readonly lateCount: number;
  readonly error: unknown;
}

/** Runs `input` through the window operator, on the session engine (`fast`) or the general one. */
function run(input: readonly Element<Click>[], config: Config, engine: 'fast' | 'general', restored?: unknown): Run {
  const metrics = new MetricRegistry();
  const options: WindowOptions<Click> = {
    allowedLateness: config.lateness,
    accumulation: config.accumulation,
    metrics,
    name: config.name,
    ...(config.keyGroups ? { keyGroups: config.keyGroups } : {}),
    ...(config.lateOutput ? { lateOutput: LATE } : {}),
    // A user trigger with the default trigger's behaviour: the general engine runs it.
    ...(engine === 'general' ? { trigger: { ...eventTimeTrigger<Click>() } } : {}),
  };
  const assigner = config.gap === 'dynamic' ? session<Click>((c) => c.gap) : session<Click>(config.gap);
  const windowed = from(input as KeyedElement<Click, string>[]).pipe(window<Click, string>(assigner, options));
  const out$: Observable<Element<unknown>> = config.process
    ? windowed.pipe(
        aggregate(trail, (result: string, ctx, out) => {
          const panes = ctx.windowState.get('panes', 0) + 1;
          // Sometimes only read: the window's state then exists, empty (a merge must not keep an empty one).
          if (result.length % 3 !== 0) ctx.windowState.set('panes', panes);
          const fired = ctx.globalState.get<string[]>('fired', []);
          ctx.globalState.set('fired', [...fired, `${ctx.window.start}`]);
          if (panes > 2) ctx.windowState.clear('panes');
          out.collect({ key: ctx.key, start: ctx.window.start, end: ctx.window.end, result, pane: ctx.pane, panes, fired: fired.length, wm: ctx.currentWatermark });
          if (panes === 2) out.collectWithTimestamp(`second ${result}`, ctx.window.start);
          ctx.output(SIDE, `${ctx.key}:${result}`);
        }),
      )
    : windowed.pipe(aggregate(trail));
  const snapshots: OperatorSnapshot[] = [];
  const output: Element<unknown>[] = [];
  let error: unknown;
  const spy = jest.spyOn(sessionEngine, 'create');
  try {
    withJob(fakeJob(restored, snapshots), () => out$.subscribe({ next: (e) => void output.push(e), error: (err) => (error = err) }));
    expect(spy).toHaveBeenCalledTimes(engine === 'fast' ? 1 : 0);
  } finally {
    spy.mockRestore();
  }
  return { output, snapshots, lateCount: metrics.counter('streamlite_late_records_dropped_total', { operator: config.name }).value, error };
}

/** Checkpoint data as both engines must agree on it: the general engine may keep timer buckets whose windows are all gone. */
function normalised(data: WindowCheckpoint): WindowCheckpoint {
  return { ...data, eventQueue: data.eventQueue.filter(([, indices]) => indices.length > 0) };
}

/** What a checkpoint store would hand back. */
const roundTrip = (data: WindowCheckpoint): unknown => deserialize(serialize(data));

// ── generators ────────────────────────────────────────────────────────────

type Step = { readonly kind: 'records'; readonly records: readonly Omit<Click, 'id'>[] } | { readonly kind: 'watermark'; readonly at: number } | { readonly kind: 'barrier' };

const stepArb = (maxTs: number): fc.Arbitrary<Step> =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .array(
          fc.record({ key: fc.constantFrom('a', 'b', 'c'), ts: fc.integer({ min: -5, max: maxTs }), gap: fc.integer({ min: 1, max: 12 }) }),
          { minLength: 1, maxLength: 4 },
        )
        .map((records): Step => ({ kind: 'records', records })),
    },
    { weight: 3, arbitrary: fc.integer({ min: -8, max: maxTs + 10 }).map((at): Step => ({ kind: 'watermark', at })) },
    { weight: 1, arbitrary: fc.constant<Step>({ kind: 'barrier' }) },
  );

const configArb: fc.Arbitrary<Config> = fc.record({
  gap: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constant<'dynamic'>('dynamic')),
  lateness: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15 })),
  lateOutput: fc.boolean(),
  accumulation: fc.constantFrom<'accumulating' | 'discarding'>('accumulating', 'discarding'),
  process: fc.boolean(),
  name: fc.constantFrom('window', 'sessions'),
});

/** The steps as elements: records get ids in order; the input ends with the maximum watermark (or not) and END. */
function elementsOf(steps: readonly Step[], endWithMax: boolean): Element<Click>[] {
  const elements: Element<Click>[] = [];
  let id = 0;
  let checkpointId = 1;
  for (const step of steps) {
    if (step.kind === 'records') {
      const records = step.records.map((r) => ({ ...r, id: id++ }));
      elements.push(recordBatch(records, records.map((r) => r.ts), records.map((r) => r.key)));
    } else if (step.kind === 'watermark') {
      elements.push(watermark(step.at));
    } else {
      elements.push(barrier(checkpointId++));
    }
  }
  if (endWithMax) elements.push(watermark(MAX_WATERMARK));
  elements.push(END_OF_INPUT);
  return elements;
}

const isBarrierAt = (e: Element<unknown>, id: number): boolean => e.kind === 'barrier' && e.checkpointId === id;

// ── properties ────────────────────────────────────────────────────────────

describe('the session engine is observably the general engine', () => {
  it('same output, late output, counter and checkpoints; each checkpoint restores into the other engine', () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb(60), { maxLength: 30 }), fc.boolean(), (config, steps, endWithMax) => {
        const input = elementsOf(steps, endWithMax);
        const fast = run(input, config, 'fast');
        const general = run(input, config, 'general');
        expect(fast.error).toBeUndefined();
        expect(general.error).toBeUndefined();
        expect(fast.output).toEqual(general.output);
        expect(fast.lateCount).toBe(general.lateCount);
        // Snapshots were taken at the barriers and are read only now, after the rest of the run.
        expect(fast.snapshots.length).toBe(general.snapshots.length);
        for (let i = 0; i < fast.snapshots.length; i++) {
          expect(fast.snapshots[i].watermark).toBe(general.snapshots[i].watermark);
          expect(normalised(fast.snapshots[i].toData() as WindowCheckpoint)).toEqual(normalised(general.snapshots[i].toData() as WindowCheckpoint));
        }
        // Cross-restore: each engine's snapshot at barrier i, restored into the other, reproduces the rest of the run.
        for (let i = 0; i < fast.snapshots.length; i++) {
          const id = i + 1;
          const rest = input.slice(input.findIndex((e) => isBarrierAt(e, id)) + 1);
          const expected = general.output.slice(general.output.findIndex((e) => isBarrierAt(e, id)) + 1);
          const intoGeneral = run(rest, config, 'general', roundTrip(fast.snapshots[i].toData() as WindowCheckpoint));
          const intoFast = run(rest, config, 'fast', roundTrip(general.snapshots[i].toData() as WindowCheckpoint));
          expect(intoGeneral.error).toBeUndefined();
          expect(intoFast.error).toBeUndefined();
          expect(intoGeneral.output).toEqual(expected);
          expect(intoFast.output).toEqual(expected);
          expect(intoFast.lateCount).toBe(intoGeneral.lateCount);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the same with many records per key and larger disorder (merges, bridges, late firings)', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(stepArb(200), { minLength: 10, maxLength: 60 }),
        fc.boolean(),
        (config, steps, endWithMax) => {
          const input = elementsOf(steps, endWithMax);
          const fast = run(input, config, 'fast');
          const general = run(input, config, 'general');
          expect(fast.output).toEqual(general.output);
          expect(fast.lateCount).toBe(general.lateCount);
          for (let i = 0; i < fast.snapshots.length; i++) {
            expect(normalised(fast.snapshots[i].toData() as WindowCheckpoint)).toEqual(normalised(general.snapshots[i].toData() as WindowCheckpoint));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the same at the ends of time: a huge allowed lateness (cleanup saturating at the maximum watermark) and timestamps near it', () => {
    const near = MAX_WATERMARK - 40;
    fc.assert(
      fc.property(
        configArb.map((c) => ({ ...c, lateness: MAX_WATERMARK })),
        fc.array(stepArb(60), { maxLength: 25 }),
        fc.boolean(),
        fc.boolean(),
        (config, steps, shift, endWithMax) => {
          const moved = shift
            ? steps.map((st): Step => (st.kind === 'records' ? { kind: 'records', records: st.records.map((r) => ({ ...r, ts: near + r.ts })) } : st.kind === 'watermark' ? { kind: 'watermark', at: near + st.at } : st))
            : steps;
          const input = elementsOf(moved, endWithMax);
          const fast = run(input, config, 'fast');
          const general = run(input, config, 'general');
          expect(fast.error).toEqual(general.error);
          expect(fast.output).toEqual(general.output);
          expect(fast.lateCount).toBe(general.lateCount);
          for (let i = 0; i < fast.snapshots.length; i++) {
            expect(normalised(fast.snapshots[i].toData() as WindowCheckpoint)).toEqual(normalised(general.snapshots[i].toData() as WindowCheckpoint));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a snapshot reflects the state at its barrier, however much changes before it is read (several open at once)', () => {
    const config: Config = { gap: 5, lateness: 10, lateOutput: true, accumulation: 'accumulating', process: true, name: 'window' };
    const steps: Step[] = [];
    for (let t = 0; t < 100; t += 3) {
      steps.push({ kind: 'records', records: [{ key: t % 2 === 0 ? 'a' : 'b', ts: t, gap: 5 }, { key: 'c', ts: 100 - t, gap: 5 }] });
      if (t % 9 === 0) steps.push({ kind: 'barrier' });
      if (t % 12 === 0) steps.push({ kind: 'watermark', at: t - 4 });
    }
    const input = elementsOf(steps, true);
    const fast = run(input, config, 'fast');
    const general = run(input, config, 'general');
    expect(fast.output).toEqual(general.output);
    expect(fast.snapshots.length).toBeGreaterThan(8);
    // Read in reverse order, long after they were taken.
    for (let i = fast.snapshots.length - 1; i >= 0; i--) {
      const data = fast.snapshots[i].toData() as WindowCheckpoint;
      expect(normalised(data)).toEqual(normalised(general.snapshots[i].toData() as WindowCheckpoint));
      expect(fast.snapshots[i].toData()).toBe(data); // built once
    }
  });
});

describe('the session engine fails as the general engine does', () => {
  const config: Config = { gap: 5, lateness: 0, lateOutput: false, accumulation: 'accumulating', process: false, name: 'sessions' };

  const failure = (input: Element<Click>[], engine: 'fast' | 'general', options: Partial<Config> = {}): unknown => run(input, { ...config, ...options }, engine).error;

  it('a record without a timestamp: MissingTimestampError', () => {
    const input: Element<Click>[] = [recordBatch([{ id: 0, key: 'a', ts: 0, gap: 1 }], [NO_TIMESTAMP], ['a'])];
    const fast = failure(input, 'fast');
    expect(fast).toBeInstanceOf(MissingTimestampError);
    expect(fast).toEqual(failure(input, 'general'));
  });

  it('an unkeyed batch: NotKeyedError', () => {
    const input: Element<Click>[] = [recordBatch([{ id: 0, key: 'a', ts: 0, gap: 1 }], [0])];
    const fast = failure(input, 'fast');
    expect(fast).toBeInstanceOf(NotKeyedError);
    expect((fast as Error).message).toBe((failure(input, 'general') as Error).message);
  });

  it('a dynamic gap that is not a positive integer, or that throws', () => {
    const input: Element<Click>[] = [recordBatch([{ id: 0, key: 'a', ts: 0, gap: 0 }], [0], ['a'])];
    const fast = failure(input, 'fast', { gap: 'dynamic' });
    expect(fast).toBeInstanceOf(StreamLiteError);
    expect((fast as Error).message).toBe((failure(input, 'general', { gap: 'dynamic' }) as Error).message);
  });

  it.each(['add', 'merge', 'getResult'] as const)('a throwing %s: UserFunctionError with the same message', (which) => {
    const boom = { ...trail, [which]: () => { throw new Error(`boom in ${which}`); } } as AggregateFunction<Click, string, string>;
    const input: Element<Click>[] = [
      recordBatch([{ id: 0, key: 'a', ts: 0, gap: 5 }, { id: 1, key: 'a', ts: 10, gap: 5 }], [0, 10], ['a', 'a']),
      recordBatch([{ id: 2, key: 'a', ts: 5, gap: 5 }], [5], ['a']),
      watermark(MAX_WATERMARK),
      END_OF_INPUT,
    ];
    const errors = (['fast', 'general'] as const).map((engine) => {
      let error: unknown;
      const spy = jest.spyOn(sessionEngine, 'create');
      from(input as KeyedElement<Click, string>[])
        .pipe(window<Click, string>(session<Click>(5), engine === 'general' ? { trigger: { ...eventTimeTrigger<Click>() } } : {}), aggregate(boom))
        .subscribe({ error: (err) => (error = err) });
      expect(spy).toHaveBeenCalledTimes(engine === 'fast' ? 1 : 0);
      spy.mockRestore();
      return error;
    });
    expect(errors[0]).toBeInstanceOf(UserFunctionError);
    expect((errors[0] as Error).message).toBe((errors[1] as Error).message);
  });

  it('a key outside the instance\'s key groups: the same StreamLiteError', () => {
    const group = keyGroupOf('a', 128);
    const other = ['b', 'c', 'd', 'e', 'f'].find((k) => keyGroupOf(k, 128) !== group)!;
    const input: Element<Click>[] = [recordBatch([{ id: 0, key: 'a', ts: 0, gap: 1 }, { id: 1, key: other, ts: 1, gap: 1 }], [0, 1], ['a', other])];
    const fast = failure(input, 'fast', { keyGroups: { start: group, end: group } });
    expect(fast).toBeInstanceOf(StreamLiteError);
    expect((fast as Error).message).toBe((failure(input, 'general', { keyGroups: { start: group, end: group } }) as Error).message);
  });
});

describe('rescaling: a snapshot of all keys restored into an instance owning some key groups', () => {
  it('keeps the same windows and timers on both engines', () => {
    const config: Config = { gap: 4, lateness: 3, lateOutput: true, accumulation: 'accumulating', process: true, name: 'window' };
    const steps: Step[] = [];
    for (let t = 0; t < 40; t += 2) steps.push({ kind: 'records', records: ['a', 'b', 'c', 'd', 'e'].map((key, i) => ({ key, ts: t + i, gap: 4 })) });
    const input = elementsOf([...steps.slice(0, 10), { kind: 'watermark', at: 9 }, { kind: 'barrier' }, ...steps.slice(10)], true);
    const group = keyGroupOf('a', 128);
    const mine = (e: Element<Click>): Element<Click> =>
      e.kind === 'batch'
        ? recordBatch(e.values.filter((_, i) => keyGroupOf(e.keys![i], 128) === group), e.timestamps.filter((_, i) => keyGroupOf(e.keys![i], 128) === group), e.keys!.filter((k) => keyGroupOf(k, 128) === group))
        : e;
    const rest = input.slice(input.findIndex((e) => isBarrierAt(e, 1)) + 1).map(mine);
    const scaled = { ...config, keyGroups: { start: group, end: group } };
    for (const taken of ['fast', 'general'] as const) {
      const data = roundTrip(run(input, config, taken).snapshots[0].toData() as WindowCheckpoint);
      const intoFast = run(rest, scaled, 'fast', data);
      const intoGeneral = run(rest, scaled, 'general', data);
      expect(intoFast.error).toBeUndefined();
      expect(intoFast.output).toEqual(intoGeneral.output);
      expect(intoFast.output.some((e) => e.kind === 'batch' && e.values.length > 0)).toBe(true);
    }
  });
});
