/**
 * fileTransactionalSink: the two-phase-commit contract on files — a round
 * trip, idempotent commit, what a crash leaves and how a new instance (a
 * restarted process) recovers it — and exactly-once end to end under
 * runJob: with crashes between records, the committed parts concatenated
 * equal the output of a run that never crashed.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  collect,
  fixedDelay,
  FINAL_TRANSACTION,
  fromCollection,
  InvalidArgumentError,
  keyBy,
  keyedProcess,
  map,
  MemoryCheckpointStorage,
  runJob,
  StreamLiteError,
  twoPhaseCommit,
  UserFunctionError,
} from '../src';
import { FileCheckpointStorage, fileTransactionalSink } from '../src/node';
import { rejectionOf, thrownBy } from './support/errorOf';

// Crash-equivalence runs with fsync'd files take seconds each on a loaded 2-core machine.
jest.setTimeout(30_000);

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'streamlite-txn-sink-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true, maxRetries: 5 });
});
const freshDirectory = (): string => join(root, `out-${count++}`);

/** The output as a reader sees it: the committed parts in id order, concatenated, as lines. */
async function committedLines(dir: string): Promise<string[]> {
  const parts = (await readdir(dir)).filter((n) => n.startsWith('part-')).sort();
  const text = (await Promise.all(parts.map((p) => readFile(join(dir, p), 'utf8')))).join('');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

describe('fileTransactionalSink', () => {
  describe('the transaction contract', () => {
    it('round trip: written lines stay invisible until commit, then appear as one part per transaction, in id order', async () => {
      const dir = freshDirectory();
      const sink = fileTransactionalSink<{ id: number } | string>(dir);
      sink.write([{ id: 1 }, 'two']);
      const first = sink.preCommit(3);
      sink.write(['three']); // the next transaction: not part of 3
      await first;
      expect(await sink.pendingTransactions()).toEqual([3]);
      expect(await committedLines(dir)).toEqual([]);
      expect(await readFile(join(dir, '.pending', 'txn-3'), 'utf8')).toBe('{"id":1}\ntwo\n');
      await sink.preCommit(12);
      expect(await sink.pendingTransactions()).toEqual([3, 12]);
      await sink.commit(12);
      await sink.commit(3);
      expect(await sink.pendingTransactions()).toEqual([]);
      expect((await readdir(dir)).sort()).toEqual(['.pending', 'part-0000000000000003', 'part-0000000000000012']);
      expect(await readdir(join(dir, '.pending'))).toEqual([]);
      expect(await committedLines(dir)).toEqual(['{"id":1}', 'two', 'three']);
      expect(await sink.committedParts()).toEqual([join(dir, 'part-0000000000000003'), join(dir, 'part-0000000000000012')]);
    });

    it('commits idempotently: a second commit (a restore committing again) changes nothing', async () => {
      const dir = freshDirectory();
      const sink = fileTransactionalSink<string>(dir);
      sink.write(['a', 'b']);
      await sink.preCommit(1);
      await sink.commit(1);
      await sink.commit(1);
      sink.write(['c']);
      await sink.preCommit(2);
      await sink.commit(2);
      await sink.commit(1);
      expect(await committedLines(dir)).toEqual(['a', 'b', 'c']);
    });

    it('abort deletes the pending transaction; the open one is untouched', async () => {
      const dir = freshDirectory();
      const sink = fileTransactionalSink<string>(dir);
      sink.write(['lost']);
      await sink.preCommit(4);
      sink.write(['kept']);
      await sink.abort(4);
      await sink.abort(4); // nothing left: no error
      expect(await sink.pendingTransactions()).toEqual([]);
      await sink.preCommit(5);
      await sink.commit(5);
      await sink.commit(4); // aborted: nothing to commit
      expect(await committedLines(dir)).toEqual(['kept']);
    });

    it('an empty transaction writes no file, and committing it does nothing', async () => {
      const dir = freshDirectory();
      const sink = fileTransactionalSink<string>(dir);
      await sink.preCommit(1);
      expect(await sink.pendingTransactions()).toEqual([]);
      await sink.commit(1);
      expect(await sink.committedParts()).toEqual([]);
    });

    it('discardOpen drops what was written since the last pre-commit', async () => {
      const dir = freshDirectory();
      const sink = fileTransactionalSink<string>(dir);
      sink.write(['a']);
      await sink.preCommit(1);
      sink.write(['replayed later']);
      sink.discardOpen();
      sink.write(['b']);
      await sink.preCommit(2);
      await sink.commit(1);
      await sink.commit(2);
      expect(await committedLines(dir)).toEqual(['a', 'b']);
    });

    it('names the final transaction after every checkpoint id, so it is read last', async () => {
      const dir = freshDirectory();
      const sink = fileTransactionalSink<string>(dir);
      sink.write(['after the last checkpoint']);
      await sink.preCommit(FINAL_TRANSACTION);
      sink.write(['x']);
      await sink.preCommit(9_999);
      await sink.commit(FINAL_TRANSACTION);
      await sink.commit(9_999);
      expect((await sink.committedParts()).map((p) => p.slice(dir.length + 1))).toEqual(['part-0000000000009999', 'part-9007199254740991']);
      expect(await committedLines(dir)).toEqual(['x', 'after the last checkpoint']);
    });

    it('pendingTransactions answers as of the call: a pre-commit made while it lists is not reported', async () => {
      const dir = freshDirectory();
      const sink = fileTransactionalSink<string>(dir);
      sink.write(['old']);
      const old = sink.preCommit(1);
      const listing = sink.pendingTransactions(); // awaits the write of 1, started before the call
      sink.write(['new']);
      const fresh = sink.preCommit(2);
      await Promise.all([old, fresh]);
      expect(await listing).toEqual([1]);
      expect(await sink.pendingTransactions()).toEqual([1, 2]);
    });

    it('serializes with the given function, and refuses a line holding a newline or a throwing serializer', () => {
      const dir = freshDirectory();
      const sink = fileTransactionalSink<number>(dir, { serialize: (n) => (n < 0 ? 'a\nb' : `n=${n}`) });
      expect(() => sink.write([1])).not.toThrow();
      expect(thrownBy(() => sink.write([-1]))).toBeInstanceOf(StreamLiteError);
      const throwing = fileTransactionalSink<number>(dir, {
        serialize: () => {
          throw new Error('no');
        },
      });
      expect(thrownBy(() => throwing.write([1]))).toBeInstanceOf(UserFunctionError);
    });

    it('checks its arguments', () => {
      expect(thrownBy(() => fileTransactionalSink(''))).toBeInstanceOf(InvalidArgumentError);
      expect(thrownBy(() => fileTransactionalSink('x', { serialize: 3 as never }))).toBeInstanceOf(InvalidArgumentError);
      expect(thrownBy(() => fileTransactionalSink('x').preCommit(-1))).toBeInstanceOf(InvalidArgumentError);
      expect(thrownBy(() => fileTransactionalSink('x').preCommit(1.5))).toBeInstanceOf(InvalidArgumentError);
    });

    it('rejects with a StreamLiteError naming the sink when the directory cannot be written', async () => {
      const blocker = join(root, `file-${count++}`);
      await writeFile(blocker, 'not a directory');
      const sink = fileTransactionalSink<string>(join(blocker, 'out'));
      sink.write(['a']);
      const err = await rejectionOf(Promise.resolve(sink.preCommit(1)));
      expect(err).toBeInstanceOf(StreamLiteError);
      expect((err as Error).message).toMatch(/^fileTransactionalSink: pre-committing transaction 1/);
    });
  });

  describe('after a crash', () => {
    it('a new instance on the same directory (a restarted process) sees the pending transactions and commits or aborts them', async () => {
      const dir = freshDirectory();
      const before = fileTransactionalSink<string>(dir);
      before.write(['a']);
      await before.preCommit(1);
      await before.commit(1);
      before.write(['b']);
      await before.preCommit(2); // checkpoint 2 was written, the process died before committing
      before.write(['c']);
      await before.preCommit(3); // checkpoint 3 never completed
      before.write(['d']); // open: lost with the process
      // a pre-commit that died mid-write leaves a temporary file
      await writeFile(join(dir, '.pending', '.txn-4.0b7c3a52-0000-4000-8000-000000000000.tmp'), 'half');

      const after = fileTransactionalSink<string>(dir);
      expect(await after.pendingTransactions()).toEqual([2, 3]);
      // what recover() does when restoring checkpoint 2: commit ≤ 2, abort the rest
      await after.commit(2);
      await after.abort(3);
      await after.abort(4);
      expect(await after.pendingTransactions()).toEqual([]);
      expect(await readdir(join(dir, '.pending'))).toEqual([]);
      expect(await committedLines(dir)).toEqual(['a', 'b']);
    });

    it('a restarted job reusing the id of a transaction its predecessor left pending: the new transaction replaces it and survives the abort', async () => {
      const dir = freshDirectory();
      const before = fileTransactionalSink<string>(dir);
      before.write(['old']);
      await before.preCommit(5); // barrier 5 reached the sink; checkpoint 5 was never written
      const after = fileTransactionalSink<string>(dir);
      const reported = await after.pendingTransactions(); // what recover() sees: [5], newer than the restored checkpoint 4
      expect(reported).toEqual([5]);
      after.write(['new']);
      const preCommitted = after.preCommit(5); // the new attempt's checkpoint 5
      await after.abort(5); // recover() aborting the old transaction 5, after the new one was pre-committed
      await preCommitted;
      expect(await after.pendingTransactions()).toEqual([5]);
      await after.commit(5);
      expect(await committedLines(dir)).toEqual(['new']);
    });

    it('a commit interrupted before its rename leaves the transaction pending; after the rename, committed — never half', async () => {
      const dir = freshDirectory();
      const sink = fileTransactionalSink<string>(dir);
      sink.write(['x', 'y']);
      await sink.preCommit(7);
      // the state on disk at either side of the rename is one of these two, each complete
      expect(await fileTransactionalSink<string>(dir).pendingTransactions()).toEqual([7]);
      await sink.commit(7);
      expect(await fileTransactionalSink<string>(dir).pendingTransactions()).toEqual([]);
      expect(await readFile(join(dir, 'part-0000000000000007'), 'utf8')).toBe('x\ny\n');
    });
  });

  describe('exactly once under runJob', () => {
    const events = Array.from({ length: 3000 }, (_, i) => ({ k: `k${i % 17}`, v: i % 10 }));
    /** A running total per key; throws once at record `crashAt` (counted over attempts). */
    const build = (crashAt: number | undefined, asyncMode: boolean) => {
      let seen = 0;
      let crashed = false;
      return () =>
        fromCollection(events, { batchSize: 25 }).pipe(
          map((e: { k: string; v: number }) => {
            seen++;
            if (crashAt !== undefined && !crashed && seen === crashAt) {
              crashed = true;
              throw new Error(`crash at record ${crashAt}`);
            }
            return e;
          }),
          keyBy((e) => e.k),
          keyedProcess<{ k: string; v: number }, string, string>((e, ctx, out) => {
            const total = ctx.getValueState('total', 0);
            total.update(total.value() + e.v);
            const n = ctx.getValueState('n', 0);
            n.update((x) => x + 1);
            out.collect(`${ctx.key}:${n.value()}:${total.value()}`);
            if (asyncMode) return Promise.resolve();
          }),
        );
    };
    let reference: string[];
    beforeAll(async () => {
      reference = await collect(build(undefined, false)());
      expect(reference).toHaveLength(3000);
    });

    it.each([
      [200, false],
      [1500, false],
      [2999, false],
      [900, true],
      [2400, true],
    ])('crash at record %i (async function: %s): the committed parts equal the run that never crashed', async (crashAt, asyncMode) => {
      const dir = freshDirectory();
      const sink = fileTransactionalSink<string>(dir);
      const pipeline = build(crashAt, asyncMode);
      const result = await runJob({
        pipeline: () => pipeline().pipe(twoPhaseCommit(sink)),
        storage: new MemoryCheckpointStorage(),
        checkpointInterval: 1,
        restartStrategy: fixedDelay(2, 0),
        batchesPerSlice: 2,
      }).done;
      expect(result.attempts).toBe(2);
      expect(result.checkpoints.length).toBeGreaterThan(0);
      expect(await committedLines(dir)).toEqual(reference);
      expect(await sink.pendingTransactions()).toEqual([]);
    });

    it('with a new sink instance per attempt and checkpoints on files, the output is still exactly once', async () => {
      const dir = freshDirectory();
      const pipeline = build(1234, false);
      const result = await runJob({
        pipeline: () => pipeline().pipe(twoPhaseCommit(fileTransactionalSink<string>(dir))),
        storage: new FileCheckpointStorage(join(dir, '..', `${dir.split('/').pop()}-checkpoints`)),
        checkpointInterval: 1,
        restartStrategy: fixedDelay(1, 0),
        batchesPerSlice: 2,
      }).done;
      expect(result.attempts).toBe(2);
      expect(await committedLines(dir)).toEqual(reference);
    });

    it('a job run by a new process after the first one died resumes from the checkpoints and completes the output', async () => {
      const dir = freshDirectory();
      const checkpoints = `${dir}-checkpoints`;
      await mkdir(checkpoints, { recursive: true });
      // process 1 dies at record 2000 (no restart)
      const dying = build(2000, false);
      const first = runJob({
        pipeline: () => dying().pipe(twoPhaseCommit(fileTransactionalSink<string>(dir))),
        storage: new FileCheckpointStorage(checkpoints),
        checkpointInterval: 1,
        batchesPerSlice: 2,
      });
      expect(((await rejectionOf(first.done)) as Error).message).toMatch(/crash at record 2000/);
      const committedBefore = await committedLines(dir);
      expect(committedBefore.length).toBeLessThan(reference.length);
      expect(committedBefore).toEqual(reference.slice(0, committedBefore.length));
      // process 2: the same job, from the latest checkpoint
      const healthy = build(undefined, false);
      await runJob({
        pipeline: () => healthy().pipe(twoPhaseCommit(fileTransactionalSink<string>(dir))),
        storage: new FileCheckpointStorage(checkpoints),
        checkpointInterval: 1,
        batchesPerSlice: 2,
      }).done;
      expect(await committedLines(dir)).toEqual(reference);
    });
  });
});
