import { InvalidArgumentError } from '../core/errors';
import type { ElementOperator } from '../core/types';
import { elementOperator } from '../operators/operate';
import { currentJob } from './JobContext';

/** The id of the transaction holding the output after the last checkpoint, committed at end of input. */
export const FINAL_TRANSACTION = Number.MAX_SAFE_INTEGER;

/**
 * An external system written transactionally, the two-phase-commit contract:
 * records are written into the open transaction; at a checkpoint barrier the
 * transaction is pre-committed (made durable but invisible) under the
 * barrier's checkpoint id; when the checkpoint completes it is committed
 * (made visible — idempotently, since a restore may commit it again); on
 * failure it is aborted. It's Flink's `TwoPhaseCommitSinkFunction`.
 */
export interface TransactionalSink<T> {
  /** Appends values to the open transaction (buffered until pre-commit). */
  write(values: readonly T[]): void;
  /**
   * Closes the open transaction under `id` and opens a new one — synchronously
   * (what was written so far is the transaction); making it durable may finish
   * asynchronously in the returned Promise.
   */
  preCommit(id: number): Promise<void> | void;
  /** Makes transaction `id` visible. Must be idempotent. */
  commit(id: number): Promise<void> | void;
  /** Drops transaction `id` (and the open one). */
  abort(id: number): Promise<void> | void;
  /** Pre-committed transactions: a restore commits those ≤ the restored checkpoint and aborts the rest. */
  pendingTransactions(): Promise<readonly number[]> | readonly number[];
  /** Drops what was written since the last pre-commit (a new attempt starts). */
  discardOpen(): void;
}

/**
 * Writes a stream's records exactly once into a {@link TransactionalSink}:
 * the records between two checkpoint barriers form one transaction,
 * pre-committed when the barrier passes and committed when the checkpoint
 * completes; after a failure, the job's restore commits what the restored
 * checkpoint covers and aborts the rest, and the replayed records are written
 * again into new transactions. Elements pass through unchanged.
 *
 * ```
 * input:   -[a b]-B1-[c]-B2-[d]-✗        restore from 2, replay [d]
 * commits:  …B1 done ⇒ {a b}  B2 done ⇒ {c}        final ⇒ {d}
 * visible: a b c d   (no loss, no duplicates)
 * ```
 *
 * Outside a checkpointed job (no `runJob`), everything is one transaction
 * committed at end of input.
 *
 * @example
 * const out = new MemoryTransactionalSink<string>();
 * await runJob({ pipeline: () => fromCollection(lines).pipe(map(f), twoPhaseCommit(out)), checkpointInterval: 100 }).done;
 * out.committed(); // every value exactly once
 */
export function twoPhaseCommit<T>(sink: TransactionalSink<T>, options: { readonly name?: string } = {}): ElementOperator<T, T> {
  if (sink == null || typeof sink.write !== 'function' || typeof sink.preCommit !== 'function' || typeof sink.commit !== 'function') {
    throw new InvalidArgumentError('twoPhaseCommit', 'sink', 'a TransactionalSink (write, preCommit, commit, abort, pendingTransactions)', sink);
  }
  return elementOperator<T, T>('twoPhaseCommit', (out) => {
    const job = currentJob();
    let preCommitting: Promise<void> = Promise.resolve();
    let committing: Promise<void> = Promise.resolve();
    if (job !== undefined) sink.discardOpen();
    job?.registerSink('twoPhaseCommit', options.name, {
      preCommit: (b) => sink.preCommit(b.checkpointId),
      commit: (id) => {
        // One commit at a time, in order: checkpoint `id` covers every transaction pre-committed before it
        // (one whose checkpoint failed or is still being written), so those become visible first, as in Flink.
        const run = async (): Promise<void> => {
          await preCommitting;
          for (const earlier of await sink.pendingTransactions()) if (earlier < id) await sink.commit(earlier);
          await sink.commit(id);
        };
        const done = committing.then(run);
        committing = done.catch(() => undefined);
        return done;
      },
      abort: (id) => sink.abort(id),
      settled: () => preCommitting.catch(() => undefined),
      recover: async (restoredId) => {
        for (const id of await sink.pendingTransactions()) {
          if (restoredId !== undefined && id <= restoredId) await sink.commit(id);
          else await sink.abort(id);
        }
      },
      finish: async () => {
        const done = sink.preCommit(FINAL_TRANSACTION);
        await preCommitting;
        await done;
        // The job completed: every transaction still pending (checkpoints cut short by the end) is final output.
        for (const id of await sink.pendingTransactions()) await sink.commit(id);
      },
    });
    const finishAlone = (): void => {
      // Without a job, end of input commits everything.
      void Promise.resolve(sink.preCommit(FINAL_TRANSACTION)).then(async () => {
        for (const id of await sink.pendingTransactions()) await sink.commit(id);
      });
    };
    return {
      batch(batch) {
        sink.write(batch.values);
        out.next(batch);
      },
      barrier(b) {
        // Called now, in stream order: the transaction holds exactly the records before the barrier.
        const done = sink.preCommit(b.checkpointId);
        preCommitting = preCommitting.then(() => done);
        out.next(b);
      },
      end() {
        if (job === undefined) finishAlone();
      },
    };
  });
}

/**
 * An in-memory {@link TransactionalSink}: its committed output survives a
 * job's restarts (keep one instance across attempts), which makes it the
 * reference sink for exactly-once tests.
 */
export class MemoryTransactionalSink<T> implements TransactionalSink<T> {
  private open: T[] = [];
  private readonly pending = new Map<number, T[]>();
  private readonly done = new Set<number>();
  private readonly output: T[] = [];

  write(values: readonly T[]): void {
    for (const v of values) this.open.push(v);
  }

  preCommit(id: number): void {
    if (this.done.has(id)) {
      this.open = [];
      return;
    }
    const existing = this.pending.get(id) ?? [];
    this.pending.set(id, existing.concat(this.open));
    this.open = [];
  }

  commit(id: number): void {
    if (this.done.has(id)) return;
    const values = this.pending.get(id);
    if (values === undefined) return;
    this.pending.delete(id);
    this.done.add(id);
    for (const v of values) this.output.push(v);
  }

  abort(id: number): void {
    this.pending.delete(id);
  }

  discardOpen(): void {
    this.open = [];
  }

  pendingTransactions(): number[] {
    return [...this.pending.keys()].sort((a, b) => a - b);
  }

  /** Everything committed, in commit order. */
  committed(): readonly T[] {
    return this.output;
  }
}
