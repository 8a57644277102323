import type { CheckpointBarrier, SourceOffset } from '../core/Element';
import type { Timestamp } from '../core/types';

/**
 * A stateful operator's part in checkpoints: an O(1) snapshot taken when the
 * barrier passes it, turned into plain data later (off the record path).
 */
export interface OperatorSnapshot {
  /** The operator's state as plain data (Map, Set, Date, BigInt and typed arrays allowed). */
  toData(): unknown;
  /** The operator's watermark at the barrier, if it tracks one. */
  readonly watermark?: Timestamp;
  /** How long the operator held input back aligning this barrier (multi-input operators). */
  readonly alignmentMs?: number;
}

/** What a stateful operator registers with the job (at subscription). */
export interface OperatorParticipant {
  /** Called when the barrier passes the operator, before it forwards it. Must be cheap (O(1) on the record path). */
  snapshot(barrier: CheckpointBarrier): OperatorSnapshot;
}

/** The operator's handle: its name and the state to restore, if the job is restoring. */
export interface OperatorHandle {
  readonly name: string;
  /** The data this operator's snapshot produced in the checkpoint being restored, or undefined. */
  readonly restored: unknown;
  /** Hands the snapshot of a barrier to the job (call before forwarding the barrier). */
  snapshotted(barrier: CheckpointBarrier, snapshot: OperatorSnapshot): void;
}

/** What a source registers with the job. */
export interface SourceParticipant {
  /** True when the source can rewind to an offset (exactly-once needs it). */
  readonly rewindable: boolean;
  /** Called by the job when a barrier must be injected; the source emits it at its next batch boundary. */
  requestBarrier(barrier: CheckpointBarrier): void;
}

/** The source's handle: its name, where to start, and how it reports barriers. */
export interface SourceHandle {
  readonly name: string;
  /** The offset to start from (a restore), or undefined to start at the beginning. */
  readonly startOffset: SourceOffset | undefined;
  /** Reports that the barrier was emitted right after the batch ending at `offset`. */
  barrierEmitted(barrier: CheckpointBarrier, offset: SourceOffset | undefined): void;
  /** Reports end of input at `offset` (the source takes no more barriers; later checkpoints keep this offset). */
  ended(offset: SourceOffset | undefined): void;
  /** How sources pace emission under a job: batches per slice before yielding to the scheduler. */
  readonly batchesPerSlice: number;
  /** The job's processing-time scheduler (sources yield on it). */
  readonly scheduler: import('rxjs').SchedulerLike;
}

/** What a sink registers with the job. */
export interface SinkParticipant {
  /** The barrier reached the sink: everything before it belongs to the checkpoint (pre-commit). */
  preCommit(barrier: CheckpointBarrier): Promise<void> | void;
  /** The checkpoint completed: make its output visible (must be idempotent). */
  commit(checkpointId: number): Promise<void> | void;
  /** The checkpoint failed or the job restarts: drop its pending output. */
  abort(checkpointId: number): Promise<void> | void;
  /**
   * A new attempt starts from checkpoint `restoredId` (undefined: from the
   * beginning): commit what was pre-committed for checkpoints ≤ it (the crash
   * may have come between writing the checkpoint and committing), abort the rest.
   */
  recover(restoredId: number | undefined): Promise<void> | void;
  /** End of input: commit everything still pending (the final epoch). */
  finish(): Promise<void> | void;
  /**
   * Resolves once nothing the sink started is still running (pre-commits
   * being made durable): a failed attempt ends only then, so the next one —
   * or a new process — never races a write of the dead one.
   */
  settled?(): Promise<void>;
}

/**
 * @internal
 * The job a pipeline is being subscribed under. Sources, stateful operators
 * and sinks find it while they are subscribed (subscription runs
 * synchronously from the sink up to the sources) and register with it.
 */
export interface JobContext {
  /** The job's processing-time clock (alignment time is measured on it). */
  clock(): Timestamp;
  registerOperator(kind: string, name: string | undefined, participant: OperatorParticipant): OperatorHandle;
  registerSource(kind: string, name: string | undefined, participant: SourceParticipant): SourceHandle;
  registerSink(kind: string, name: string | undefined, participant: SinkParticipant): { readonly name: string; acknowledge(barrier: CheckpointBarrier): void };
}

const stack: JobContext[] = [];

/** @internal Runs `subscribe` with `job` visible to the participants it subscribes. */
export function withJob<T>(job: JobContext, subscribe: () => T): T {
  stack.push(job);
  try {
    return subscribe();
  } finally {
    stack.pop();
  }
}

/** @internal The job being subscribed, if any. */
export function currentJob(): JobContext | undefined {
  return stack[stack.length - 1];
}
