/**
 * Fault injection (issue 14, "Done when" 1): for random crash points in every
 * phase — between records, during barrier alignment, after the snapshot before
 * the write, during the write (a torn checkpoint), after the write before the
 * commit — a pipeline with event-time windows, keyed state, event-time timers,
 * a union of two sources and a two-phase-commit sink crashes, restores from the
 * latest intact checkpoint and commits exactly the output of the run that never
 * crashed: no loss, no duplicates, the same per-key order.
 *
 * CI runs MEMORY_RUNS jobs with in-memory storage and sink (1–2 crash points
 * each, so at least MEMORY_RUNS crash points) and FILE_RUNS jobs with
 * FileCheckpointStorage and a file-backed transactional sink, restarted either
 * in process or as a new "process" (a new job, new storage and sink instances
 * over the same directories). STREAMLITE_FAULT_RUNS=2000 makes a nightly-size run.
 */
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { link, mkdir, mkdtemp, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncScheduler, Observable, observeOn, type OperatorFunction } from 'rxjs';
import {
  aggregate,
  assignTimestampsAndWatermarks,
  boundedOutOfOrderness,
  collect,
  fixedDelay,
  fromCollection,
  keyBy,
  keyedProcess,
  map,
  MemoryCheckpointStorage,
  MemoryTransactionalSink,
  noRestart,
  runJob,
  sliding,
  tumbling,
  twoPhaseCommit,
  union,
  window,
  type AggregateFunction,
  type CheckpointMetadata,
  type CheckpointStorage,
  type Element,
  type TransactionalSink,
  type WindowResult,
} from '../src';
import type { CheckpointFaults } from '../src/checkpoint/CheckpointCoordinator';
import { FileCheckpointStorage } from '../src/node';

const RUNS = Math.max(200, Number(process.env.STREAMLITE_FAULT_RUNS ?? 200) || 200);
const MEMORY_RUNS = RUNS;
const FILE_RUNS = Math.max(12, Math.round(RUNS / 10));

// ── the pipeline ─────────────────────────────────────────────────────────────

interface Event {
  readonly k: string;
  readonly t: number;
  readonly v: number;
}
/** One line of output: a window result as the keyed process saw it, or one of its timers firing. */
type Out =
  | { readonly type: 'upd'; readonly k: string; readonly s: number; readonly c: number; readonly sum: number; readonly n: number; readonly tot: number }
  | { readonly type: 'tmr'; readonly k: string; readonly t: number; readonly c: number | undefined };

const OUT_OF_ORDERNESS = 40;

/** Deterministic pseudo-random events; each source stays within its out-of-orderness bound. */
function events(seed: number, n: number, step: number, keys: number): Event[] {
  let x = seed >>> 0;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  return Array.from({ length: n }, (_, i) => ({ k: `k${next() % keys}`, t: i * step + (next() % (OUT_OF_ORDERNESS / 2)), v: next() % 10 }));
}

interface Dataset {
  readonly name: string;
  readonly a: readonly Event[];
  readonly b: readonly Event[];
  readonly windows: 'tumbling' | 'sliding';
}

const DATASETS: readonly Dataset[] = [
  { name: 'd0/tumbling', a: events(1, 140, 3, 5), b: events(2, 100, 4, 4), windows: 'tumbling' },
  { name: 'd0/sliding', a: events(1, 140, 3, 5), b: events(2, 100, 4, 4), windows: 'sliding' },
  { name: 'd1/tumbling', a: events(3, 90, 5, 3), b: events(4, 150, 3, 6), windows: 'tumbling' },
  { name: 'd1/sliding', a: events(3, 90, 5, 3), b: events(4, 150, 3, 6), windows: 'sliding' },
];

/** count and sum of a window's values. */
const countAndSum: AggregateFunction<Event, readonly [number, number], readonly [number, number]> = {
  createAccumulator: () => [0, 0],
  add: (e, acc) => [acc[0] + 1, acc[1] + e.v],
  getResult: (acc) => acc,
  merge: (x, y) => [x[0] + y[0], x[1] + y[1]],
};

/** How one run shapes its input: batch sizes, slices, and whether input B arrives a tick late (observeOn). */
interface Shape {
  readonly batchA: number;
  readonly batchB: number;
  readonly batchesPerSlice: number;
  readonly delayB: boolean;
}

/** What one attempt's crash taps and maps need: the run's crash plan (shared over attempts). */
interface Plan {
  readonly crashes: readonly CrashSpec[];
  readonly fired: boolean[];
  records: number;
  aligned: number[];
}

type CrashSpec =
  | { readonly kind: 'record'; readonly at: number }
  | { readonly kind: 'alignment'; readonly role: 'held' | 'racing'; readonly j: number }
  | { readonly kind: 'afterSnapshot' | 'beforeWrite' | 'afterWrite'; readonly n: number }
  | { readonly kind: 'duringWrite'; readonly n: number; readonly tear: 'truncated' | 'no-metadata' | 'bit-flip' };

const describeCrash = (c: CrashSpec): string =>
  c.kind === 'record' ? `record ${c.at}` : c.kind === 'alignment' ? `alignment (${c.role}, #${c.j})` : c.kind === 'duringWrite' ? `duringWrite #${c.n} (${c.tear})` : `${c.kind} #${c.n}`;

class InjectedCrash extends Error {}

/**
 * Marks the inputs of the union, in front of it: which barrier each has
 * delivered. While they differ (and the other input has not ended), the union
 * is aligning. An alignment crash fails the j-th record that reaches the union
 * during an alignment from the input whose barrier already passed (`held`:
 * the union holds its records back) or from the other one (`racing`: its
 * records still flow while the first input's barrier waits).
 */
function alignmentTap(plan: Plan, inputs: { last: number[]; ended: boolean[] }, i: number): OperatorFunction<Element<Event>, Element<Event>> {
  return (source) =>
    new Observable<Element<Event>>((out) =>
      source.subscribe({
        next(e) {
          if (e.kind === 'barrier') inputs.last[i] = e.checkpointId;
          else if (e.kind === 'end') inputs.ended[i] = true;
          else if (e.kind === 'batch') {
            const other = 1 - i;
            const aligning = inputs.last[i] !== inputs.last[other] && !inputs.ended[other];
            if (aligning) {
              const role = inputs.last[i] > inputs.last[other] ? 'held' : 'racing';
              for (let c = 0; c < plan.crashes.length; c++) {
                const spec = plan.crashes[c];
                if (spec.kind !== 'alignment' || plan.fired[c] || spec.role !== role) continue;
                if (++plan.aligned[c] === spec.j) {
                  plan.fired[c] = true;
                  out.error(new InjectedCrash(`alignment crash (${role}) on input ${i === 0 ? 'A' : 'B'} while barrier ${Math.max(...inputs.last)} waits`));
                  return;
                }
              }
            }
          }
          out.next(e);
        },
        error: (err) => out.error(err),
        complete: () => out.complete(),
      }),
    );
}

/** The pipeline of one attempt. */
function pipeline(data: Dataset, shape: Shape, plan: Plan): Observable<Element<Out>> {
  const inputs = { last: [0, 0], ended: [false, false] };
  const a = fromCollection(data.a, { batchSize: shape.batchA, timestamp: (e) => e.t, name: 'A' }).pipe(
    assignTimestampsAndWatermarks(boundedOutOfOrderness(OUT_OF_ORDERNESS)),
    alignmentTap(plan, inputs, 0),
  );
  const b0 = fromCollection(data.b, { batchSize: shape.batchB, timestamp: (e) => e.t, name: 'B' }).pipe(assignTimestampsAndWatermarks(boundedOutOfOrderness(OUT_OF_ORDERNESS)));
  const b = (shape.delayB ? b0.pipe(observeOn(asyncScheduler)) : b0).pipe(alignmentTap(plan, inputs, 1));
  return a.pipe(
    union(b),
    map((e: Event) => {
      plan.records++;
      plan.crashes.forEach((spec, c) => {
        if (spec.kind === 'record' && !plan.fired[c] && plan.records === spec.at) {
          plan.fired[c] = true;
          throw new InjectedCrash(`crash at record ${spec.at}`);
        }
      });
      return e;
    }),
    keyBy((e: Event) => e.k),
    window(data.windows === 'tumbling' ? tumbling(50) : sliding(60, 20)),
    aggregate(countAndSum),
    keyBy((r: WindowResult<string, readonly [number, number]>) => r.key),
    keyedProcess<WindowResult<string, readonly [number, number]>, string, Out>({
      processElement(r, ctx, out) {
        const n = ctx.getValueState('n', 0);
        n.update(n.value() + 1);
        const tot = ctx.getValueState('tot', 0);
        tot.update(tot.value() + r.value[1]);
        // A timer per window, 25 after its end; it reports the window's count, kept in map state until it fires.
        ctx.getMapState<number, number>('pending').put(r.end + 25, r.value[0]);
        ctx.timerService.registerEventTimeTimer(r.end + 25);
        out.collect({ type: 'upd', k: ctx.key, s: r.start, c: r.value[0], sum: r.value[1], n: n.value(), tot: tot.value() });
      },
      onTimer(t, ctx, out) {
        const pending = ctx.getMapState<number, number>('pending');
        out.collect({ type: 'tmr', k: ctx.key, t, c: pending.get(t) });
        pending.remove(t);
      },
    }),
  );
}

// ── comparing outputs ────────────────────────────────────────────────────────

const line = (o: Out): string => JSON.stringify(o);

/** Empty when equal: same multiset of lines, same order per (type, key). Otherwise what differs. */
function differences(expected: readonly Out[], actual: readonly Out[]): string[] {
  const problems: string[] = [];
  const counts = new Map<string, number>();
  for (const o of expected) counts.set(line(o), (counts.get(line(o)) ?? 0) + 1);
  for (const o of actual) {
    const n = counts.get(line(o)) ?? 0;
    if (n === 0) problems.push(`extra (duplicate or wrong): ${line(o)}`);
    else counts.set(line(o), n - 1);
  }
  for (const [l, n] of counts) if (n > 0) problems.push(`missing (lost) ×${n}: ${l}`);
  const perKey = (xs: readonly Out[]) => {
    const by = new Map<string, string[]>();
    for (const o of xs) {
      const key = `${o.type}:${o.k}`;
      by.set(key, [...(by.get(key) ?? []), line(o)]);
    }
    return by;
  };
  if (problems.length === 0) {
    const got = perKey(actual);
    for (const [key, seq] of perKey(expected)) if (JSON.stringify(seq) !== JSON.stringify(got.get(key))) problems.push(`order differs for ${key}`);
  }
  return problems;
}

// ── fault hooks and storages ─────────────────────────────────────────────────

/** runJob's fault hooks for the run's checkpoint-phase crashes (counted over the run). */
function faultsOf(plan: Plan): CheckpointFaults {
  const reached = { afterSnapshot: 0, beforeWrite: 0, afterWrite: 0 };
  const hook = (phase: keyof typeof reached) => (id: number) => {
    reached[phase]++;
    plan.crashes.forEach((spec, c) => {
      if (spec.kind === phase && !plan.fired[c] && reached[phase] === spec.n) {
        plan.fired[c] = true;
        throw new InjectedCrash(`${phase} crash at checkpoint ${id}`);
      }
    });
  };
  return { afterSnapshot: hook('afterSnapshot'), beforeWrite: hook('beforeWrite'), afterWrite: hook('afterWrite') };
}

/** Wraps a storage: the n-th write of a duringWrite crash leaves a torn checkpoint (`tear`), then fails. */
type Tear = (id: number, how: 'truncated' | 'no-metadata' | 'bit-flip', data: Uint8Array, metadata: CheckpointMetadata) => Promise<void>;

function tearingStorage(inner: CheckpointStorage, plan: Plan, tear: Tear, counter: { writes: number }): CheckpointStorage {
  return {
    async write(id: number, data: Uint8Array, metadata: CheckpointMetadata) {
      counter.writes++;
      const c = plan.crashes.findIndex((spec) => spec.kind === 'duringWrite' && spec.n === counter.writes);
      const spec = plan.crashes[c];
      if (c < 0 || plan.fired[c] || spec.kind !== 'duringWrite') return inner.write(id, data, metadata);
      plan.fired[c] = true;
      await tear(id, spec.tear, data, metadata);
      throw new InjectedCrash(`torn write of checkpoint ${id} (${spec.tear})`);
    },
    read: (id) => inner.read(id),
    list: () => inner.list(),
    latestIntact: () => inner.latestIntact(),
    remove: (id) => inner.remove(id),
  };
}

/** A torn in-memory write: written, then damaged in place. */
function memoryTear(storage: MemoryCheckpointStorage): Tear {
  return async (id, how, bytes, metadata) => {
    await storage.write(id, bytes, metadata);
    if (how === 'no-metadata') storage.tamper(id, 'metadata', () => undefined);
    else if (how === 'truncated') storage.tamper(id, 'data', (b) => b?.subarray(0, Math.floor(b.length / 2)));
    else storage.tamper(id, 'data', (b) => (b === undefined ? b : (b[Math.floor(b.length / 2)] ^= 0x10, b)));
  };
}

/**
 * A transactional sink on files, written for this test with node:fs: the open
 * transaction is buffered; a pre-commit writes it to a temporary file and
 * links it to `pending/txn-<id>` (link fails if that exists: a transaction id
 * pre-committed twice would be an engine bug); a commit renames it to
 * `committed/part-<id>` (idempotent: a second commit finds nothing pending);
 * abort unlinks. A new instance over the same directory recovers what an
 * earlier one (a dead process) left.
 */
class FileSink implements TransactionalSink<Out> {
  private open: string[] = [];
  private readonly writes = new Map<number, Promise<void>>();
  constructor(readonly directory: string) {}

  private pendingPath = (id: number) => join(this.directory, 'pending', `txn-${String(id).padStart(16, '0')}`);
  private partPath = (id: number) => join(this.directory, 'committed', `part-${String(id).padStart(16, '0')}`);

  write(values: readonly Out[]): void {
    for (const v of values) this.open.push(JSON.stringify(v));
  }

  preCommit(id: number): Promise<void> {
    const text = this.open.map((l) => `${l}\n`).join('');
    this.open = [];
    const done = (async () => {
      await mkdir(join(this.directory, 'pending'), { recursive: true });
      await mkdir(join(this.directory, 'committed'), { recursive: true });
      const temp = join(this.directory, 'pending', `.tmp-${id}-${randomUUID()}`);
      await writeFile(temp, text);
      try {
        await link(temp, this.pendingPath(id));
      } finally {
        await unlink(temp);
      }
    })();
    this.writes.set(id, done);
    return done;
  }

  async commit(id: number): Promise<void> {
    await this.writes.get(id);
    try {
      await rename(this.pendingPath(id), this.partPath(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  async abort(id: number): Promise<void> {
    await this.writes.get(id)?.catch(() => undefined);
    await unlink(this.pendingPath(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async pendingTransactions(): Promise<number[]> {
    await Promise.allSettled([...this.writes.values()]);
    const names = await readdir(join(this.directory, 'pending')).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith('txn-')).map((n) => Number(n.slice(4))).sort((x, y) => x - y);
  }

  discardOpen(): void {
    this.open = [];
  }

  async committed(): Promise<Out[]> {
    const dir = join(this.directory, 'committed');
    const names = (await readdir(dir).catch(() => [] as string[])).sort();
    const out: Out[] = [];
    for (const n of names) for (const l of (await readFile(join(dir, n), 'utf8')).split('\n')) if (l !== '') out.push(JSON.parse(l) as Out);
    return out;
  }
}

/** A torn file write: half the data file and no metadata (died between the two), or written and then damaged. */
function fileTear(storage: FileCheckpointStorage): Tear {
  return async (id, how, bytes, metadata) => {
    const dataFile = join(storage.directory, `chk-${id}.data`);
    if (how === 'truncated') {
      await mkdir(storage.directory, { recursive: true });
      await writeFile(dataFile, bytes.subarray(0, Math.floor(bytes.length / 2)));
      return;
    }
    await storage.write(id, bytes, metadata);
    // Checkpoints complete concurrently: retention may already have removed this one for newer ones.
    const gone = (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    };
    if (how === 'no-metadata') await unlink(join(storage.directory, `chk-${id}.meta`)).catch(gone);
    else {
      const handle = await open(dataFile, 'r+').catch(gone);
      if (handle === undefined) return;
      try {
        const { size } = await handle.stat();
        const at = Math.max(0, size - 3);
        const b = Buffer.alloc(1);
        await handle.read(b, 0, 1, at);
        b[0] ^= 0x20;
        await handle.write(b, 0, 1, at);
      } finally {
        await handle.close();
      }
    }
  };
}

// ── the runs ─────────────────────────────────────────────────────────────────

const references = new Map<string, Out[]>();
let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'streamlite-fault-'));
  for (const data of DATASETS) {
    const shape: Shape = { batchA: 7, batchB: 5, batchesPerSlice: 2, delayB: false };
    const plan: Plan = { crashes: [], fired: [], records: 0, aligned: [] };
    const sink = new MemoryTransactionalSink<Out>();
    const result = await runJob({ pipeline: () => pipeline(data, shape, plan).pipe(twoPhaseCommit(sink)), checkpointInterval: 1, batchesPerSlice: 2 }).done;
    expect(result.attempts).toBe(1);
    expect(result.checkpoints.length).toBeGreaterThan(5);
    const committed = [...sink.committed()];
    // The run that never crashed commits what the pipeline computes without a job at all.
    const plain = await collect(pipeline(data, { ...shape, batchA: 1000, batchB: 1000 }, { ...plan, records: 0 }));
    expect(differences(plain, committed)).toEqual([]);
    expect(committed.filter((o) => o.type === 'tmr').length).toBeGreaterThan(10);
    expect(committed.filter((o) => o.type === 'upd').length).toBeGreaterThan(10);
    references.set(data.name, committed);
  }
}, 60_000);

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  batchA: fc.integer({ min: 1, max: 12 }),
  batchB: fc.integer({ min: 1, max: 12 }),
  batchesPerSlice: fc.integer({ min: 1, max: 3 }),
  delayB: fc.boolean(),
});

const crashArb = (maxRecord: number): fc.Arbitrary<CrashSpec> =>
  fc.oneof(
    fc.record({ kind: fc.constant('record' as const), at: fc.integer({ min: 1, max: maxRecord }) }),
    fc.record({ kind: fc.constant('alignment' as const), role: fc.constantFrom('held' as const, 'racing' as const), j: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ kind: fc.constantFrom('afterSnapshot' as const, 'beforeWrite' as const, 'afterWrite' as const), n: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('duringWrite' as const), n: fc.integer({ min: 1, max: 8 }), tear: fc.constantFrom('truncated' as const, 'no-metadata' as const, 'bit-flip' as const) }),
  );

const caseArb = fc.integer({ min: 0, max: DATASETS.length - 1 }).chain((d) =>
  fc.record({
    dataset: fc.constant(d),
    shape: shapeArb,
    crashes: fc.array(crashArb(DATASETS[d].a.length + DATASETS[d].b.length), { minLength: 1, maxLength: 2 }),
  }),
);

/** Crash points that fired, by kind, over the whole test file (reported, and checked below). */
const fired = new Map<string, number>();
const countFired = (plan: Plan): number => {
  let n = 0;
  plan.crashes.forEach((c, i) => {
    if (!plan.fired[i]) return;
    n++;
    const kind = c.kind === 'alignment' ? `alignment/${c.role}` : c.kind;
    fired.set(kind, (fired.get(kind) ?? 0) + 1);
  });
  return n;
};

/** Fired crash points in the write phase of the last checkpoint any of them hit (at least 1: one crash may end with the input). */
function atLastWrite(plan: Plan): number {
  const writes = plan.crashes.filter((c, i) => plan.fired[i] && (c.kind === 'beforeWrite' || c.kind === 'duringWrite' || c.kind === 'afterWrite'));
  const last = Math.max(...writes.map((c) => (c as { n: number }).n));
  return Math.max(1, writes.filter((c) => (c as { n: number }).n === last).length);
}

describe('fault injection: crash anywhere, restore, and the committed output equals the run that never crashed', () => {
  it(`in memory: ${MEMORY_RUNS} random runs with 1–2 crash points each`, async () => {
    let crashPoints = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ dataset, shape, crashes }) => {
        const data = DATASETS[dataset];
        const plan: Plan = { crashes, fired: crashes.map(() => false), records: 0, aligned: crashes.map(() => 0) };
        const storage = new MemoryCheckpointStorage();
        const sink = new MemoryTransactionalSink<Out>();
        const result = await runJob({
          pipeline: () => pipeline(data, shape, plan).pipe(twoPhaseCommit(sink)),
          storage: tearingStorage(storage, plan, memoryTear(storage), { writes: 0 }),
          checkpointInterval: 1,
          batchesPerSlice: shape.batchesPerSlice,
          restartStrategy: fixedDelay(3, 0),
          faults: faultsOf(plan),
        }).done;
        // Each crash restarts the job once; a crash in the write of a checkpoint still running as the input
        // ends is not a restart (the job completes and commits everything) — both crash points of a run may
        // hit that one last write (say, during it and after it) — so count the restarts.
        const n = countFired(plan);
        expect(result.attempts - 1).toBeLessThanOrEqual(n);
        expect(result.attempts - 1).toBeGreaterThanOrEqual(n - atLastWrite(plan));
        crashPoints += result.attempts - 1;
        const problems = differences(references.get(data.name)!, sink.committed());
        if (problems.length > 0) throw new Error(`${data.name}, ${crashes.map(describeCrash).join(' + ')}: ${problems.slice(0, 6).join('; ')}`);
      }),
      { numRuns: MEMORY_RUNS },
    );
    // At least one crash and restore per run on average: the CI floor of 200 crash points.
    // eslint-disable-next-line no-console
    console.log(`fault injection (memory): ${MEMORY_RUNS} runs, ${crashPoints} crashes restored from`);
    expect(crashPoints).toBeGreaterThanOrEqual(MEMORY_RUNS);
  }, 600_000);

  it(`on files: ${FILE_RUNS} random runs with FileCheckpointStorage and a file sink, restarted in process or as a new process`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, fc.boolean(), async ({ dataset, shape, crashes }, newProcess) => {
        const data = DATASETS[dataset];
        const plan: Plan = { crashes, fired: crashes.map(() => false), records: 0, aligned: crashes.map(() => 0) };
        const dir = join(base, `file-${run++}`);
        const checkpoints = join(dir, 'checkpoints');
        const output = join(dir, 'output');
        const faults = faultsOf(plan);
        const writes = { writes: 0 };
        /** One "process": its own storage and sink instances over the directories. */
        const start = (restart: boolean) => {
          const files = new FileCheckpointStorage(checkpoints, { sync: false });
          const sink = new FileSink(output);
          return runJob({
            pipeline: () => pipeline(data, shape, plan).pipe(twoPhaseCommit(sink)),
            storage: tearingStorage(files, plan, fileTear(files), writes),
            checkpointInterval: 1,
            batchesPerSlice: shape.batchesPerSlice,
            restartStrategy: restart ? fixedDelay(3, 0) : noRestart(),
            faults,
          }).done;
        };
        if (newProcess) {
          // Each crash kills the "process"; the next one restores from the files the dead one left.
          for (let processes = 1; ; processes++) {
            const outcome = await start(false).then(
              () => 'done',
              (err: unknown) => err,
            );
            if (outcome === 'done') break;
            if (!(outcome instanceof InjectedCrash) && !(outcome instanceof Error && outcome.cause instanceof InjectedCrash)) throw outcome;
            expect(processes).toBeLessThanOrEqual(crashes.length);
          }
        } else {
          await start(true);
        }
        countFired(plan);
        const problems = differences(references.get(data.name)!, await new FileSink(output).committed());
        if (problems.length > 0) {
          throw new Error(`${data.name}, ${newProcess ? 'new process' : 'in process'}, ${crashes.map(describeCrash).join(' + ')}: ${problems.slice(0, 6).join('; ')}`);
        }
        await rm(dir, { recursive: true, force: true });
      }),
      { numRuns: FILE_RUNS },
    );
  }, 600_000);

  it('reached every crash phase', () => {
    // Reported so a run shows what it covered; each phase fired in some runs.
    // eslint-disable-next-line no-console
    console.log(`fault injection: crash points fired by kind ${JSON.stringify(Object.fromEntries([...fired].sort()))}`);
    for (const kind of ['record', 'alignment/held', 'alignment/racing', 'afterSnapshot', 'beforeWrite', 'duringWrite', 'afterWrite']) {
      expect([kind, fired.get(kind) ?? 0]).toEqual([kind, expect.any(Number)]);
      expect(fired.get(kind) ?? 0).toBeGreaterThan(0);
    }
  });
});
