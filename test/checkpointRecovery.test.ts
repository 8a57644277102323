/**
 * Checkpoints and recovery under runJob: restart strategies, sources that
 * cannot rewind, savepoints and retention, checkpoint metadata, the engine's
 * recovery ordering (regressions of bugs found by the fault-injection test),
 * and the testing kit's crash points and runners.
 */
import { Observable, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  aggregate,
  assignTimestampsAndWatermarks,
  boundedOutOfOrderness,
  count,
  failureRate,
  fixedDelay,
  fromAsyncIterable,
  fromCollection,
  fromObservable,
  fromValues,
  keyBy,
  MAX_WATERMARK,
  map,
  MemoryCheckpointStorage,
  MemoryTransactionalSink,
  noRestart,
  runJob,
  StreamLiteError,
  tumbling,
  twoPhaseCommit,
  union,
  window,
  type CheckpointMetadata,
  type CheckpointStorage,
  type Element,
} from '../src';
import {
  bar,
  crashAfter,
  crashInCheckpoint,
  crashOnce,
  expectCrashEquivalence,
  jobMarkers,
  marbleSource,
  runJobInVirtualTime,
  timelineOf,
  wm,
  type CommittedSink,
} from '../src/testing';

const virtualClock = (): TestScheduler => new TestScheduler((a, b) => expect(a).toEqual(b));
const words = 'the quick brown fox jumps over the lazy dog the end'.split(' ');
/** A running count per word, as text. */
const wordCounts = (source: Observable<Element<string>>) =>
  source.pipe(
    keyBy((w: string) => w),
    count({ emit: 'every' }),
    map(([w, n]: readonly [string, number]) => `${w}:${n}`),
  );
const rejectionOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (err: unknown) => err);

describe('restart strategies', () => {
  it('fixedDelay(n) restarts n times, then fails the job with the cause of the last failure', async () => {
    const run = runJobInVirtualTime(virtualClock(), {
      pipeline: () => marbleSource(virtualClock(), 'a-b-c-d-e-f-g-|', { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', f: 'f', g: 'g' }).pipe(twoPhaseCommit(new MemoryTransactionalSink())),
      markers: '-X-X-X',
      restartStrategy: fixedDelay(2, 0),
    });
    const err = await rejectionOf(run);
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toBe("jobMarkers('-X-X-X'): injected crash: X at frame 5");
  });

  it('fixedDelay waits its delay (processing time) before each restart, and a restored run completes', async () => {
    const clock = virtualClock();
    const sink = new MemoryTransactionalSink<string>();
    const run = await runJobInVirtualTime(clock, {
      pipeline: () => marbleSource(clock, 'a-b-c-d-e-|', { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e' }).pipe(twoPhaseCommit(sink)),
      markers: '--B-X',
      restartStrategy: fixedDelay(1, 7),
    });
    expect(run.attempts).toBe(2);
    expect(run.attemptFrames).toEqual([0, 4 + 7]);
    expect(run.failures.map(String)).toEqual(["StreamLiteError: jobMarkers('--B-X'): injected crash: X at frame 4"]);
    expect(sink.committed()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('failureRate(2, 10) restarts while at most 2 failures fall within 10 ms, and fails on the third within the window', async () => {
    const log = 'a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-|';
    const values = Object.fromEntries('abcdefghijklmnopqrst'.split('').map((l) => [l, l]));
    const spread = await runJobInVirtualTime(virtualClock(), {
      pipeline: () => marbleSource(virtualClock(), log, values).pipe(twoPhaseCommit(new MemoryTransactionalSink())),
      markers: '-X--------X--------X',
      restartStrategy: failureRate(2, 10, 0),
    });
    expect(spread.attempts).toBe(4);
    const clustered = rejectionOf(
      runJobInVirtualTime(virtualClock(), {
        pipeline: () => marbleSource(virtualClock(), log, values).pipe(twoPhaseCommit(new MemoryTransactionalSink())),
        markers: '-X---X---X',
        restartStrategy: failureRate(2, 10, 0),
      }),
    );
    expect(String(await clustered)).toBe("StreamLiteError: jobMarkers('-X---X---X'): injected crash: X at frame 9");
  });

  it('failureRate and fixedDelay answer as documented', () => {
    const f = fixedDelay(2, 5);
    expect([f.onFailure(0), f.onFailure(1), f.onFailure(2)]).toEqual([5, 5, undefined]);
    const r = failureRate(2, 100, 3);
    expect([r.onFailure(0), r.onFailure(10), r.onFailure(50), r.onFailure(150), r.onFailure(160)]).toEqual([3, 3, undefined, 3, 3]);
    expect(noRestart().onFailure(0)).toBeUndefined();
  });
});

describe('sources that cannot rewind', () => {
  async function* lines(): AsyncGenerator<string> {
    yield 'a';
    yield 'b';
  }

  it('fromAsyncIterable is refused with a clear error when exactly-once is asked (the default)', async () => {
    const err = await rejectionOf(runJob({ pipeline: () => fromAsyncIterable(lines()).pipe(twoPhaseCommit(new MemoryTransactionalSink())) }).done);
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toMatch(/^fromAsyncIterable-0: this source cannot rewind to an offset, so exactly-once recovery is impossible/);
    expect((err as Error).message).toMatch(/exactlyOnce: false/);
  });

  it('fromAsyncIterable runs with exactlyOnce: false', async () => {
    const sink = new MemoryTransactionalSink<string>();
    await runJob({ pipeline: () => fromAsyncIterable(lines()).pipe(twoPhaseCommit(sink)), exactlyOnce: false, checkpointInterval: 1 }).done;
    expect(sink.committed()).toEqual(['a', 'b']);
  });

  it('fromObservable and fromValues are refused when exactly-once is asked', async () => {
    const viaSource = await rejectionOf(runJob({ pipeline: () => fromObservable(of('a', 'b')).pipe(twoPhaseCommit(new MemoryTransactionalSink())) }).done);
    expect(String(viaSource)).toMatch(/cannot rewind/);
    const viaOperator = await rejectionOf(runJob({ pipeline: () => of('a').pipe(fromValues(), twoPhaseCommit(new MemoryTransactionalSink())) }).done);
    expect(String(viaOperator)).toMatch(/cannot rewind/);
  });
});

describe('savepoints', () => {
  it('job.savepoint() is never removed by retention, and a new job restores from it', async () => {
    const clock = virtualClock();
    const storage = new MemoryCheckpointStorage({ keepLast: 1 });
    const items = 'abcdefghijkl'.split('');
    const pipeline = (sink: MemoryTransactionalSink<string>) => () => fromCollection(items, { batchSize: 1 }).pipe(twoPhaseCommit(sink));
    const first = new MemoryTransactionalSink<string>();
    const run = await runJobInVirtualTime(clock, { pipeline: pipeline(first), storage, batchesPerSlice: 1, checkpointInterval: 1, markers: '---S' });
    const savepoint = run.checkpoints.find((c) => c.savepoint)!;
    expect(savepoint).toMatchObject({ savepoint: true, triggeredAt: 3 });
    expect(run.checkpoints.length).toBeGreaterThan(5);
    // keepLast 1: of all the checkpoints only the newest is left — and the savepoint.
    const kept = await storage.list();
    expect(kept.map((c) => c.checkpointId)).toEqual([savepoint.checkpointId, run.checkpoints[run.checkpoints.length - 1].checkpointId]);
    // a new job from the savepoint: the output after it, exactly once
    const second = new MemoryTransactionalSink<string>();
    await runJob({ pipeline: pipeline(second), storage, restore: savepoint.checkpointId }).done;
    expect(second.committed()).toEqual(items.slice(Number(savepoint.sourceOffsets['fromCollection-0'])));
  });
});

describe('checkpoint metadata', () => {
  it('ids grow across attempts (an abandoned one is not reused); offsets, per-operator sizes, watermarks and durations are recorded', async () => {
    const clock = virtualClock();
    const events = Array.from({ length: 24 }, (_, i) => ({ user: `u${i % 3}`, t: i * 10 }));
    const run = await runJobInVirtualTime(clock, {
      pipeline: () =>
        fromCollection(events, { batchSize: 2, timestamp: (e) => e.t, name: 'events' }).pipe(
          assignTimestampsAndWatermarks(boundedOutOfOrderness(5), { name: 'watermarks' }),
          keyBy((e: { user: string }) => e.user),
          window(tumbling(40), { name: 'per-user' }),
          aggregate(count()),
          twoPhaseCommit(new MemoryTransactionalSink()),
        ),
      batchesPerSlice: 1,
      // checkpoints at 1 and 3; at 5 checkpoint 3 is triggered and the attempt crashes before its barrier leaves
      // the source; attempt 2 starts at once from checkpoint 2, and takes checkpoint 4 at frame 10
      markers: '-B-B-(BX)-B',
    });
    expect(run.attemptFrames).toEqual([0, 5]);
    expect(run.checkpoints.map((c) => [c.checkpointId, c.triggeredAt, c.sourceOffsets])).toEqual([
      [1, 1, { events: 2 }],
      [2, 3, { events: 6 }],
      // restored at offset 6, attempt 2 read one batch per frame from 5 to 9 before the barrier of frame 10
      [4, 10, { events: 16 }],
    ]);
    for (const c of run.checkpoints) {
      expect(Object.keys(c.operators).sort()).toEqual(['per-user', 'watermarks']);
      for (const part of Object.values(c.operators)) expect(part.sizeBytes).toBeGreaterThan(0);
      expect(c.sizeBytes).toBeGreaterThan(c.operators['per-user'].sizeBytes);
      expect(c.durationMs).toBe(c.completedAt - c.triggeredAt);
      expect(c.alignmentMs).toBe(0);
    }
    // at offset 6 the largest timestamp read is 50: W = 50 − 5 − 1
    expect(run.checkpoints[1].watermarks).toEqual({ watermarks: 44, 'per-user': 44 });
  });

  it('alignmentMs is how long a union held input back, on the virtual clock', async () => {
    const clock = virtualClock();
    const run = await runJobInVirtualTime(clock, {
      pipeline: () =>
        fromCollection(['a1', 'a2', 'a3', 'a4', 'a5', 'a6'], { batchSize: 1, name: 'A' }).pipe(
          union(marbleSource(clock, '--------x-------y-|', { x: 'x', y: 'y' }, { name: 'B' }).pipe(delayElements(clock, 4))),
          twoPhaseCommit(new MemoryTransactionalSink()),
        ),
      batchesPerSlice: 1,
      markers: '--B',
    });
    // A's barrier reaches the union at frame 2, B's 4 frames later
    expect(run.checkpoints.map((c) => [c.checkpointId, c.alignmentMs, c.sourceOffsets])).toEqual([[1, 4, { A: 2, B: 0 }]]);
  });
});

/** Delays every element by `frames` (barriers too), keeping their order. */
function delayElements(clock: TestScheduler, frames: number) {
  return (source: Observable<Element<string>>): Observable<Element<string>> =>
    new Observable<Element<string>>((out) =>
      source.subscribe({
        next: (e) => out.add(clock.schedule(() => out.next(e), frames)),
        error: (err) => out.add(clock.schedule(() => out.error(err), frames)),
        complete: () => out.add(clock.schedule(() => out.complete(), frames)),
      }),
    );
}

describe('recovery ordering (regressions)', () => {
  const items = Array.from({ length: 30 }, (_, i) => `w${i % 4}`);

  it('a checkpoint that fails after its write (or before it) fails the attempt, which restarts and commits exactly once', async () => {
    for (const phase of ['beforeWrite', 'afterWrite'] as const) {
      const crash = crashInCheckpoint(phase, 2);
      const report = await expectCrashEquivalence({ pipeline: (inject) => wordCounts(fromCollection(items, { batchSize: 2 }).pipe(inject)), crashPoints: [crash] });
      expect(report.runs[0].attempts).toBe(2);
    }
  });

  it('commits in checkpoint order even when a later checkpoint is written first', async () => {
    const memory = new MemoryCheckpointStorage({ keepLast: 10 });
    let release: (() => void) | undefined;
    const slowSecond: CheckpointStorage = {
      write: async (id: number, data: Uint8Array, metadata: CheckpointMetadata) => {
        // checkpoint 2 is written only once checkpoint 3 has been
        if (id === 2) await new Promise<void>((resolve) => (release = resolve));
        await memory.write(id, data, metadata);
        if (id === 3) release?.();
      },
      read: (id) => memory.read(id),
      list: () => memory.list(),
      latestIntact: () => memory.latestIntact(),
      remove: (id) => memory.remove(id),
    };
    const sink = new MemoryTransactionalSink<string>();
    const commits: number[] = [];
    const watched: CommittedSink<string> = Object.assign(Object.create(sink) as MemoryTransactionalSink<string>, {
      commit: (id: number) => {
        commits.push(id);
        sink.commit(id);
      },
    });
    await runJob({ pipeline: () => wordCounts(fromCollection(items, { batchSize: 1 })).pipe(twoPhaseCommit(watched)), storage: slowSecond, checkpointInterval: 1, batchesPerSlice: 1 }).done;
    expect(commits.slice(0, 3)).toEqual([1, 2, 3]);
    expect(sink.committed()).toEqual(await wordCountsOf(items));
  });

  it('the restarted attempt sends no barrier, and commits nothing, before its sinks have recovered', async () => {
    const log: string[] = [];
    const memory = new MemoryTransactionalSink<string>();
    let attempt = 0;
    const slowRecovery: CommittedSink<string> = {
      write: (values) => memory.write(values),
      preCommit: (id) => {
        log.push(`preCommit ${id}`);
        memory.preCommit(id);
      },
      commit: (id) => {
        log.push(`commit ${id}`);
        memory.commit(id);
      },
      abort: (id) => {
        log.push(`abort ${id}`);
        memory.abort(id);
      },
      pendingTransactions: async () => {
        log.push('recovery starts');
        // a slow listing (a remote transaction log): several ticks
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 2));
        log.push('listed');
        return memory.pendingTransactions();
      },
      discardOpen: () => memory.discardOpen(),
      committed: () => memory.committed(),
    };
    const crash = crashAfter(20);
    await runJob({
      pipeline: () => {
        log.push(`attempt ${++attempt}`);
        return wordCounts(fromCollection(items, { batchSize: 1 }).pipe(crash)).pipe(twoPhaseCommit(slowRecovery));
      },
      checkpointInterval: 1,
      batchesPerSlice: 1,
      restartStrategy: fixedDelay(1, 0),
    }).done;
    const second = log.slice(log.indexOf('attempt 2'));
    const listed = second.indexOf('listed');
    expect(listed).toBeGreaterThan(0);
    // between the start of attempt 2 and the end of its recovery: no pre-commit, no commit of a new transaction
    expect(second.slice(0, listed).filter((e) => e.startsWith('preCommit') || e.startsWith('commit'))).toEqual([]);
    expect(memory.committed()).toEqual(await wordCountsOf(items));
  });

  it('a job that failed for good settles only after the write it started has finished', async () => {
    const memory = new MemoryCheckpointStorage();
    let writing = 0;
    let finishedWrites = 0;
    const slow: CheckpointStorage = {
      write: async (id, data, metadata) => {
        writing++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        await memory.write(id, data, metadata);
        finishedWrites++;
      },
      read: (id) => memory.read(id),
      list: () => memory.list(),
      latestIntact: () => memory.latestIntact(),
      remove: (id) => memory.remove(id),
    };
    const err = await rejectionOf(
      runJob({ pipeline: () => wordCounts(fromCollection(items, { batchSize: 1 }).pipe(crashAfter(8))).pipe(twoPhaseCommit(new MemoryTransactionalSink())), storage: slow, checkpointInterval: 1, batchesPerSlice: 1 }).done,
    );
    expect(String(err)).toMatch(/injected crash/);
    expect(writing).toBeGreaterThan(0);
    expect(finishedWrites).toBe(writing);
  });
});

/** The committed output of the run without a crash. */
async function wordCountsOf(items: readonly string[]): Promise<string[]> {
  const sink = new MemoryTransactionalSink<string>();
  await runJob({ pipeline: () => wordCounts(fromCollection(items)).pipe(twoPhaseCommit(sink)) }).done;
  return [...sink.committed()];
}

describe('the testing kit: crash points and runners', () => {
  const pipeline = (inject: ReturnType<typeof crashAfter>) => wordCounts(fromCollection(words, { batchSize: 3 }).pipe(inject));

  it('expectCrashEquivalence passes an exactly-once pipeline for crashes of every kind and reports each run', async () => {
    const report = await expectCrashEquivalence({
      pipeline,
      crashPoints: [
        crashAfter(1),
        crashAfter(7),
        crashAfter(words.length),
        crashOnce((w: string, i) => w === 'the' && i > 0),
        crashInCheckpoint('afterSnapshot', 2),
        crashInCheckpoint('beforeWrite', 2),
        crashInCheckpoint('duringWrite', 2),
        crashInCheckpoint('duringWrite', 2, { tear: 'no-metadata' }),
        crashInCheckpoint('duringWrite', 2, { tear: 'bit-flip' }),
        crashInCheckpoint('afterWrite', 2),
      ],
    });
    expect(report.expected).toEqual(await wordCountsOf(words));
    expect(report.runs.map((r) => [r.crashPoint, r.crashes, r.attempts])).toEqual([
      ['crashAfter(1)', 1, 2],
      ['crashAfter(7)', 1, 2],
      [`crashAfter(${words.length})`, 1, 2],
      ['crashOnce(predicate)', 1, 2],
      ["crashInCheckpoint('afterSnapshot', 2)", 1, 2],
      ["crashInCheckpoint('beforeWrite', 2)", 1, 2],
      ["crashInCheckpoint('duringWrite', 2)", 1, 2],
      ["crashInCheckpoint('duringWrite', 2, no-metadata)", 1, 2],
      ["crashInCheckpoint('duringWrite', 2, bit-flip)", 1, 2],
      ["crashInCheckpoint('afterWrite', 2)", 1, 2],
    ]);
  });

  it('expectCrashEquivalence rejects a sink that loses output on recovery, naming what was lost', async () => {
    // Broken on purpose: during recovery (from a new attempt's start to its first pre-commit) a commit aborts instead,
    // so the restore drops the transaction of a checkpoint that was written but not committed.
    class LosingSink extends MemoryTransactionalSink<string> {
      private recovering = false;
      override discardOpen(): void {
        this.recovering = true;
        super.discardOpen();
      }
      override preCommit(id: number): void {
        this.recovering = false;
        super.preCommit(id);
      }
      override commit(id: number): void {
        if (this.recovering) this.abort(id);
        else super.commit(id);
      }
    }
    const err = await rejectionOf(expectCrashEquivalence({ pipeline, crashPoints: [crashInCheckpoint('afterWrite', 2)], sink: () => new LosingSink() }));
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toMatch(/^expectCrashEquivalence: crashInCheckpoint\('afterWrite', 2\): the committed output differs from the run that never crashed: \d+ values expected, \d+ committed; missing \(lost\): /);
  });

  it('expectCrashEquivalence rejects a sink that duplicates output, and one that reorders it', async () => {
    // Broken on purpose: an at-least-once sink posing as transactional — records are visible as soon as written,
    // so what a restore replays is output twice.
    class DuplicatingSink extends MemoryTransactionalSink<string> {
      private readonly visible: string[] = [];
      override write(values: readonly string[]): void {
        this.visible.push(...values);
      }
      override committed(): readonly string[] {
        return this.visible;
      }
    }
    const dup = await rejectionOf(expectCrashEquivalence({ pipeline, crashPoints: [crashAfter(8)], sink: () => new DuplicatingSink() }));
    expect(String(dup)).toMatch(/extra \(duplicated or wrong\): /);
    // Broken on purpose: what a restore commits is put before everything committed earlier.
    // 'any' order accepts that permutation; 'exact' (the default) does not.
    class ReorderingSink extends MemoryTransactionalSink<string> {
      private recovering = false;
      private readonly early = new Set<number>();
      override discardOpen(): void {
        this.recovering = true;
        super.discardOpen();
      }
      override preCommit(id: number): void {
        this.recovering = false;
        super.preCommit(id);
      }
      override commit(id: number): void {
        const before = super.committed().length;
        super.commit(id);
        if (this.recovering) for (let i = before; i < super.committed().length; i++) this.early.add(i);
      }
      override committed(): readonly string[] {
        const all = super.committed();
        return [...all.filter((_, i) => this.early.has(i)), ...all.filter((_, i) => !this.early.has(i))];
      }
    }
    const reordered = { pipeline, crashPoints: [crashInCheckpoint('afterWrite', 2)], sink: () => new ReorderingSink() };
    await expect(expectCrashEquivalence({ ...reordered, order: 'any' })).resolves.toBeDefined();
    await expect(expectCrashEquivalence(reordered)).rejects.toThrow(/the same values in another order: at 0, expected "the:1", committed /);
  });

  it('expectCrashEquivalence rejects a crash point that never crashed, and bad arguments', async () => {
    await expect(expectCrashEquivalence({ pipeline: () => wordCounts(fromCollection(words)), crashPoints: [crashAfter(3)] })).rejects.toThrow(
      /crashAfter\(3\) never crashed the job \(is it in the pipeline\?/,
    );
    await expect(expectCrashEquivalence({ pipeline, crashPoints: [crashAfter(1000)], allowNoCrash: true })).resolves.toBeDefined();
    await expect(expectCrashEquivalence({ pipeline, crashPoints: [(() => undefined) as never] })).rejects.toThrow(/crashPoints/);
    expect(() => crashAfter(0)).toThrow(/crashAfter: argument 'n' must be a positive integer/);
    expect(() => crashInCheckpoint('during' as never)).toThrow(/crashInCheckpoint: argument 'phase'/);
    expect(() => crashOnce(3 as never)).toThrow(/crashOnce: argument 'predicate'/);
    expect(() => jobMarkers('--B--Q')).toThrow(/jobMarkers: argument 'marble'/);
    expect(() => jobMarkers('--R--X')).toThrow(/an 'R' only after an 'X'/);
  });

  it('crashAfter(n) lets the n − 1 records before it pass, even within the batch, then errors; after that it passes everything', async () => {
    const crash = crashAfter(5);
    const seen: string[] = [];
    const err = await rejectionOf(
      new Promise((resolve, reject) =>
        fromCollection(words, { batchSize: 3 })
          .pipe(crash)
          .subscribe({ next: (e) => e.kind === 'batch' && seen.push(...e.values), error: reject, complete: () => resolve(undefined) }),
      ),
    );
    expect(seen).toEqual(words.slice(0, 4));
    expect(String(err)).toBe('StreamLiteError: crashAfter(5): injected crash: at record "jumps"');
    expect(crash.crashes).toBe(1);
    const again: string[] = [];
    fromCollection(words).pipe(crash).subscribe((e) => e.kind === 'batch' && again.push(...e.values));
    expect(again).toEqual(words);
    crash.reset();
    expect(crash.crashes).toBe(0);
  });

  it('crashInCheckpoint("duringWrite") needs a storage it can tear', async () => {
    const files = { write: async () => undefined, read: async () => undefined, list: async () => [], latestIntact: async () => ({ checkpoint: undefined, skipped: [] }), remove: async () => undefined } as unknown as CheckpointStorage;
    await expect(expectCrashEquivalence({ pipeline, crashPoints: [crashInCheckpoint('duringWrite')], storage: () => files })).rejects.toThrow(
      /crashInCheckpoint: argument 'storage' must be a storage that can be torn in place/,
    );
  });

  it('runJobInVirtualTime wants a virtual clock and stops a runaway job at maxFrames', async () => {
    await expect(runJobInVirtualTime({} as never, { pipeline: () => fromCollection(['a']) })).rejects.toThrow(/runJobInVirtualTime: argument 'scheduler'/);
    const clock = virtualClock();
    const forever = runJobInVirtualTime(clock, {
      pipeline: () => marbleSource(clock, 'a 1000ms b|', { a: 'a', b: 'b' }).pipe(twoPhaseCommit(new MemoryTransactionalSink())),
      maxFrames: 100,
    });
    await expect(forever).rejects.toThrow(/virtual time passed maxFrames \(100 frames after the start\)/);
  });

  it('timelineOf reads a diagram as run mode does, and refuses a letter without a value', () => {
    expect(timelineOf('a-(bc)-d 10ms e', { a: 1, b: 2, c: 3, d: 4, e: 5 }).map((t) => [t.frame, (t.element as { value: number }).value])).toEqual([
      [0, 1],
      [2, 2],
      [2, 3],
      [7, 4],
      [18, 5],
    ]);
    expect(() => timelineOf('a-q', { a: 1 })).toThrow(/timelineOf: argument 'marble'/);
  });
});

describe('the testing kit: its documented examples', () => {
  it('runJobInVirtualTime and timelineOf: a checkpoint at its marker', async () => {
    const clock = virtualClock();
    const sink = new MemoryTransactionalSink<string>();
    const run = await runJobInVirtualTime(clock, {
      pipeline: () => marbleSource(clock, 'a-b-c-|', { a: 'a', b: 'b', c: 'c' }).pipe(twoPhaseCommit(sink)),
      markers: '---B',
    });
    expect(run.timeline).toEqual(timelineOf('a-bBc-(WE)', { a: 'a', b: 'b', c: 'c', B: bar(1), W: wm(MAX_WATERMARK) }));
    expect(run.checkpoints[0].sourceOffsets).toEqual({ 'marbleSource-0': 2 });
    expect(sink.committed()).toEqual(['a', 'b', 'c']);
  });

  it('runJobInVirtualTime: fromCollection slices and a periodic barrier', async () => {
    const run = await runJobInVirtualTime(virtualClock(), {
      pipeline: () => fromCollection(['a', 'b', 'c', 'd', 'e'], { batchSize: 1 }).pipe(twoPhaseCommit(new MemoryTransactionalSink())),
      batchesPerSlice: 2,
      checkpointInterval: 2,
    });
    expect(run.timeline.map((t) => `${t.frame}:${JSON.stringify(t.element)}`)).toEqual([
      '0:{"value":"a"}',
      '0:{"value":"b"}',
      '1:{"value":"c"}',
      '1:{"value":"d"}',
      '2:{"barrier":1}',
      '2:{"value":"e"}',
      `2:{"watermark":${MAX_WATERMARK}}`,
      '2:{"end":true}',
    ]);
  });

  it('jobMarkers: a checkpoint, a crash, a delayed restart', async () => {
    const clock = virtualClock();
    const sink = new MemoryTransactionalSink<string>();
    const run = await runJobInVirtualTime(clock, {
      pipeline: () => wordCounts(fromCollection(words, { batchSize: 1 })).pipe(twoPhaseCommit(sink)),
      batchesPerSlice: 1,
      markers: '--B---X-R',
    });
    expect(run.attempts).toBe(2);
    expect(run.attemptFrames).toEqual([0, 8]);
    expect(run.checkpoints.map((c) => c.triggeredAt)).toEqual([2]);
    expect(sink.committed()).toEqual(await wordCountsOf(words));
  });
});
