/**
 * Savepoints restored with a different number of parallel instances, via
 * key groups: a job at parallelism 1 takes a savepoint; three instances
 * (three jobs in this process, each keeping the keys of its key-group range)
 * restore it, run on and take savepoints at one input position; those three
 * are merged and restored onto two instances. For keyedProcess (state and
 * event-time timers), the window operator and a rolling aggregate, the
 * output of every rescaled run equals, key by key and in order, the output of
 * the run that never rescaled.
 *
 * How N parallel instances run in one process: instance i of N is the same
 * pipeline with a `filter` after the source keeping only keys whose key group
 * is in `keyGroupRangeFor(i, N)`, and the keyed operator given that range as
 * its `keyGroups` option; each instance is its own job (own checkpoint
 * storage, own sink). Operators before the filter (source, watermarks) see
 * the whole input in every instance, so their state is the same in each.
 *
 * Merging savepoints (N → fewer): `CheckpointState` holds one blob per
 * operator name, so merging writes, per operator, either the one blob (when
 * all instances hold the same bytes: operators before the key split) or the
 * array of the instances' snapshots — which a keyed operator restores as
 * several parts, keeping its key groups. Source offsets must be equal (the
 * instances stopped at one input position). `mergeSavepoints` below is that
 * merge; it is written here, on the public API (serialize, storage), until it
 * has a home in src/checkpoint.
 */
import {
  assignTimestampsAndWatermarks,
  boundedOutOfOrderness,
  count,
  deserialize,
  filter,
  fromCollection,
  inKeyGroupRange,
  InvalidArgumentError,
  keyBy,
  keyedProcess,
  keyGroupOf,
  keyGroupRangeFor,
  map,
  MemoryCheckpointStorage,
  runJob,
  serialize,
  StreamLiteError,
  sum,
  tumbling,
  twoPhaseCommit,
  window,
  aggregate,
  type CheckpointMetadata,
  type CheckpointState,
  type CheckpointStorage,
  type Element,
  type Job,
  type KeyGroupRange,
  type StoredCheckpoint,
  type TransactionalSink,
  mergeSavepoints,
} from '../src';
import type { Observable } from 'rxjs';
import { rejectionOf, thrownBy } from './support/errorOf';

// ── the merge of several instances' savepoints ─────────────────────────────



/** A storage holding only `checkpoint` (a copy of a savepoint handed to a new instance). */
async function storageWith(checkpoint: { data: Uint8Array; metadata: CheckpointMetadata }): Promise<CheckpointStorage> {
  const storage = new MemoryCheckpointStorage();
  await storage.write(checkpoint.metadata.checkpointId, checkpoint.data, checkpoint.metadata);
  return storage;
}

// ── a sink that remembers its committed transactions by id ─────────────────

class TransactionLog implements TransactionalSink<string> {
  private open: string[] = [];
  private readonly pending = new Map<number, string[]>();
  private readonly committed = new Map<number, string[]>();
  write(values: readonly string[]): void {
    this.open.push(...values);
  }
  preCommit(id: number): void {
    this.pending.set(id, [...(this.pending.get(id) ?? []), ...this.open]);
    this.open = [];
  }
  commit(id: number): void {
    const values = this.pending.get(id);
    if (values === undefined) return;
    this.pending.delete(id);
    this.committed.set(id, values);
  }
  abort(id: number): void {
    this.pending.delete(id);
  }
  pendingTransactions(): number[] {
    return [...this.pending.keys()].sort((a, b) => a - b);
  }
  discardOpen(): void {
    this.open = [];
  }
  /** The output of the transactions with id ≤ `id` (the records before that checkpoint's barrier), in order. */
  upTo(id = Infinity): string[] {
    return [...this.committed]
      .filter(([k]) => k <= id)
      .sort(([a], [b]) => a - b)
      .flatMap(([, v]) => v);
  }
}

// ── the pipelines ──────────────────────────────────────────────────────────

interface Event {
  readonly i: number;
  readonly k: string;
  readonly v: number;
  readonly t: number;
}
const events: Event[] = Array.from({ length: 4000 }, (_, i) => ({ i, k: `k${(i * 31) % 23}`, v: (i * 7) % 10, t: i * 3 + ((i * 7919) % 50) }));
const MAX_PARALLELISM = 128;

type Operator = 'keyedProcess' | 'window' | 'rolling';

/** The keyed part of each pipeline: the operator under test with this instance's key groups, its output as lines `key…`. */
const keyedParts: Record<Operator, (keyGroups: KeyGroupRange | undefined) => (s: Observable<Element<Event>>) => Observable<Element<string>>> = {
  keyedProcess: (keyGroups) => (s) =>
    s.pipe(
      keyBy((e: Event) => e.k),
      keyedProcess<Event, string, string>(
        {
          processElement(e, ctx, out) {
            const total = ctx.getValueState('total', 0);
            total.update(total.value() + e.v);
            const n = ctx.getValueState('n', 0);
            n.update((x) => x + 1);
            out.collect(`${ctx.key}:${n.value()}:${total.value()}`);
            ctx.timerService.registerEventTimeTimer(Math.floor(e.t / 400) * 400 + 399);
          },
          onTimer(time, ctx, out) {
            out.collect(`${ctx.key}@${time}:${ctx.getValueState('total', 0).value()}`);
          },
        },
        { name: 'totals', keyGroups, maxParallelism: MAX_PARALLELISM },
      ),
    ),
  window: (keyGroups) => (s) =>
    s.pipe(
      keyBy((e: Event) => e.k),
      window(tumbling(500), { name: 'windows', keyGroups, maxParallelism: MAX_PARALLELISM }),
      aggregate(sum((e: Event) => e.v)),
      map((r) => `${r.key}@${r.start}:${r.value}`),
    ),
  rolling: (keyGroups) => (s) =>
    s.pipe(
      keyBy((e: Event) => e.k),
      count({ emit: 'every', name: 'counts', keyGroups, maxParallelism: MAX_PARALLELISM }),
      map(([key, n]) => `${key}:${n}`),
    ),
};

/**
 * Runs one instance: the whole input from the source (or the restored
 * offset), a savepoint requested when event `savepointAt` passes the source,
 * this instance's keys only, the keyed operator, a transactional sink.
 */
async function runInstance(
  operator: Operator,
  options: { keyGroups?: KeyGroupRange; storage?: CheckpointStorage; restore?: number; savepointAt?: number },
): Promise<{ out: TransactionLog; savepoint: StoredCheckpoint | undefined }> {
  const out = new TransactionLog();
  const storage = options.storage ?? new MemoryCheckpointStorage();
  const range = options.keyGroups;
  let job: Job<string> | undefined;
  let savepoint: Promise<CheckpointMetadata> | undefined;
  job = runJob({
    storage,
    restore: options.restore ?? 'none',
    batchesPerSlice: 3,
    pipeline: () =>
      fromCollection(events, { batchSize: 40, name: 'events', timestamp: (e) => e.t }).pipe(
        map((e: Event) => {
          // the barrier follows the batch holding this event: the same input position in every instance
          if (e.i === options.savepointAt && savepoint === undefined) savepoint = job!.savepoint();
          return e;
        }),
        assignTimestampsAndWatermarks(boundedOutOfOrderness<Event>(60), { name: 'watermarks' }),
        filter((e: Event) => range === undefined || inKeyGroupRange(range, keyGroupOf(e.k, MAX_PARALLELISM))),
        keyedParts[operator](range),
        twoPhaseCommit(out, { name: 'sink' }),
      ),
  });
  await job.done;
  const metadata = savepoint === undefined ? undefined : await savepoint;
  return { out, savepoint: metadata === undefined ? undefined : await storage.read(metadata.checkpointId) };
}

const keyOf = (line: string): string => /^[^:@]+/.exec(line)![0];
/** Lines grouped by key, each key's lines in order. */
function byKey(lines: readonly string[]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const line of lines) (groups[keyOf(line)] ??= []).push(line);
  return Object.fromEntries(Object.entries(groups).sort(([a], [b]) => a.localeCompare(b)));
}
const ranges = (parallelism: number): KeyGroupRange[] =>
  Array.from({ length: parallelism }, (_, i) => keyGroupRangeFor(i, parallelism, MAX_PARALLELISM));

describe.each<Operator>(['keyedProcess', 'window', 'rolling'])('rescaling a savepoint of %s', (operator) => {
  const FIRST = 1333; // the parallelism-1 job's savepoint
  const SECOND = 2777; // the three instances' savepoints
  let reference: string[];
  let prefix: string[];
  let first: StoredCheckpoint;

  beforeAll(async () => {
    // the run that never rescales: parallelism 1 from start to end, with a savepoint on the way
    const run = await runInstance(operator, { savepointAt: FIRST });
    reference = run.out.upTo();
    first = run.savepoint!;
    expect(first.metadata.savepoint).toBe(true);
    prefix = run.out.upTo(first.checkpointId);
    expect(prefix.length).toBeGreaterThan(0);
    expect(prefix.length).toBeLessThan(reference.length);
    expect(new Set(reference.map(keyOf)).size).toBe(23);
  });

  it('1 → 3: three instances restoring the same savepoint, each with its key groups, continue exactly the output', async () => {
    const instances = await Promise.all(
      ranges(3).map(async (keyGroups) => runInstance(operator, { keyGroups, storage: await storageWith(first), restore: first.checkpointId })),
    );
    const after = instances.flatMap((r) => r.out.upTo());
    expect(after.length).toBe(reference.length - prefix.length);
    expect(byKey([...prefix, ...after])).toEqual(byKey(reference));
    // each instance wrote only its own keys
    instances.forEach((r, i) => {
      for (const line of r.out.upTo()) expect(inKeyGroupRange(ranges(3)[i], keyGroupOf(keyOf(line), MAX_PARALLELISM))).toBe(true);
    });
  });

  it('1 → 3 → 2: the savepoints of three instances merged and restored onto two give the output of the run that never rescaled', async () => {
    const three = await Promise.all(
      ranges(3).map(async (keyGroups) =>
        runInstance(operator, { keyGroups, storage: await storageWith(first), restore: first.checkpointId, savepointAt: SECOND }),
      ),
    );
    const middle = three.flatMap((r) => r.out.upTo(r.savepoint!.checkpointId));
    const merged = mergeSavepoints(three.map((r) => r.savepoint!));
    const two = await Promise.all(
      ranges(2).map(async (keyGroups) => runInstance(operator, { keyGroups, storage: await storageWith(merged), restore: merged.metadata.checkpointId })),
    );
    const last = two.flatMap((r) => r.out.upTo());
    expect(byKey([...prefix, ...middle, ...last])).toEqual(byKey(reference));
    expect(prefix.length + middle.length + last.length).toBe(reference.length);
  });

  it('3 → 1: one instance restoring the merged savepoints of three owns every key again', async () => {
    const three = await Promise.all(
      ranges(3).map(async (keyGroups) =>
        runInstance(operator, { keyGroups, storage: await storageWith(first), restore: first.checkpointId, savepointAt: SECOND }),
      ),
    );
    const middle = three.flatMap((r) => r.out.upTo(r.savepoint!.checkpointId));
    const merged = mergeSavepoints(three.map((r) => r.savepoint!));
    const one = await runInstance(operator, { storage: await storageWith(merged), restore: merged.metadata.checkpointId });
    expect(byKey([...prefix, ...middle, ...one.out.upTo()])).toEqual(byKey(reference));
  });

  it('refuses to restore when a former instance’s savepoint is missing (its key groups would start empty)', async () => {
    const three = await Promise.all(
      ranges(3).map(async (keyGroups) =>
        runInstance(operator, { keyGroups, storage: await storageWith(first), restore: first.checkpointId, savepointAt: SECOND }),
      ),
    );
    const partial = mergeSavepoints([three[0].savepoint!, three[2].savepoint!]);
    const err = await rejectionOf(runInstance(operator, { keyGroups: ranges(2)[0], storage: await storageWith(partial), restore: partial.metadata.checkpointId }));
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toMatch(/do not cover this instance's key groups \[0, 63\] \(group 43 is missing\)/);
  });

  it('refuses a record whose key is outside the instance’s key groups', async () => {
    const out = new TransactionLog();
    const unfiltered = fromCollection(events, { timestamp: (e) => e.t }).pipe(
      assignTimestampsAndWatermarks(boundedOutOfOrderness<Event>(60)),
      keyedParts[operator](ranges(3)[1]),
      twoPhaseCommit(out),
    );
    const err = await rejectionOf(runJob({ pipeline: () => unfiltered }).done);
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toMatch(/is in key group \d+, outside this instance's key groups \[43, 85\]/);
  });
});

describe('the keyGroups option', () => {
  it('is checked where the operator is created', () => {
    for (const keyGroups of [{ start: -1, end: 3 }, { start: 5, end: 4 }, { start: 0, end: 128 }, { start: 0.5, end: 3 }, null]) {
      expect(thrownBy(() => keyedProcess(() => undefined, { keyGroups: keyGroups as never }))).toBeInstanceOf(InvalidArgumentError);
      expect(thrownBy(() => window(tumbling(10), { keyGroups: keyGroups as never }))).toBeInstanceOf(InvalidArgumentError);
      expect(thrownBy(() => count({ keyGroups: keyGroups as never }))).toBeInstanceOf(InvalidArgumentError);
    }
    expect(thrownBy(() => keyedProcess(() => undefined, { keyGroups: { start: 0, end: 9 }, maxParallelism: 8 }))).toBeInstanceOf(InvalidArgumentError);
    expect(() => keyedProcess(() => undefined, { keyGroups: { start: 0, end: 7 }, maxParallelism: 8 })).not.toThrow();
  });

  it('merging refuses savepoints taken at different input positions', async () => {
    const a = await runInstance('rolling', { keyGroups: ranges(2)[0], savepointAt: 100 });
    const b = await runInstance('rolling', { keyGroups: ranges(2)[1], savepointAt: 900 });
    expect(() => mergeSavepoints([a.savepoint!, b.savepoint!])).toThrow(/source events stood at/);
  });
});
