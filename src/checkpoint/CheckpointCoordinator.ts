import type { SchedulerLike, Subscription } from 'rxjs';
import type { CheckpointBarrier, SourceOffset } from '../core/Element';
import { barrier as makeBarrier } from '../core/elementFactories';
import { InvalidArgumentError, StreamLiteError } from '../core/errors';
import type { Duration, Timestamp } from '../core/types';
import type { CheckpointMetadata } from './CheckpointMetadata';
import type { CheckpointStorage } from './CheckpointStorage';
import type {
  JobContext,
  OperatorHandle,
  OperatorParticipant,
  OperatorSnapshot,
  SinkParticipant,
  SourceHandle,
  SourceParticipant,
} from './JobContext';
import { deserialize, serialize } from './serializer';

/**
 * What a checkpoint's data holds: each operator's snapshot (serialized on its
 * own, so its size is known and it decodes independently) and each source's offset.
 */
export interface CheckpointState {
  readonly formatVersion: 1;
  readonly operators: { readonly [name: string]: Uint8Array };
  readonly sources: { readonly [name: string]: SourceOffset };
}

interface Pending {
  readonly barrier: CheckpointBarrier;
  readonly snapshots: Map<string, OperatorSnapshot>;
  readonly offsets: Map<string, SourceOffset | undefined>;
  readonly sourcesLeft: Set<string>;
  sinkReached: boolean;
  readonly resolve: (m: CheckpointMetadata) => void;
  readonly reject: (err: unknown) => void;
}

/** @internal Hooks for fault-injection tests: each may throw to simulate a crash at that phase. */
export interface CheckpointFaults {
  afterSnapshot?(checkpointId: number): void;
  beforeWrite?(checkpointId: number): void;
  afterWrite?(checkpointId: number): void;
}

/**
 * Runs checkpoints for one attempt of a job: injects barriers at the sources
 * (periodically on the processing-time scheduler, or on demand), collects
 * each stateful operator's O(1) snapshot as the barrier passes it and each
 * source's offset, and — once the barrier has reached the end of the
 * pipeline — serializes and writes the checkpoint off the record path,
 * then tells the sinks to commit.
 *
 * It's Flink's `CheckpointCoordinator` for one process.
 *
 * ```
 * trigger(7) ─► sources: …[batch]B7[batch]…        offsets recorded at B7
 *               operators: snapshot at B7 (O(1)), forward B7
 *               end of pipeline: B7 arrives ─► (next macrotask) serialize, write, commit sinks
 * ```
 */
export class CheckpointCoordinator implements JobContext {
  private readonly operators = new Map<string, OperatorParticipant>();
  private readonly sources = new Map<string, { participant: SourceParticipant; ended: boolean; finalOffset?: SourceOffset }>();
  private readonly sinks = new Map<string, SinkParticipant>();
  private readonly counters = new Map<string, number>();
  private readonly pending = new Map<number, Pending>();
  private nextId: number;
  private readonly completing = new Set<Promise<void>>();
  private periodic: Subscription | undefined;
  private stopped = false;
  /** The sinks' recovery of this attempt: nothing is written or committed before it is done. */
  private recovery: Promise<unknown> = Promise.resolve();
  private recovered = true;
  /** @internal Fails the attempt (set by the job): a checkpoint that cannot be written or committed is a failure. */
  onFailure: ((err: unknown) => void) | undefined;
  /** Metadata of checkpoints completed in this attempt. */
  readonly completed: CheckpointMetadata[] = [];

  constructor(
    private readonly storage: CheckpointStorage,
    private readonly scheduler: SchedulerLike,
    private readonly restored: { readonly checkpointId: number; readonly state: CheckpointState } | undefined,
    private readonly options: {
      readonly exactlyOnce: boolean;
      readonly batchesPerSlice: number;
      readonly faults?: CheckpointFaults;
      readonly onCompleted?: (metadata: CheckpointMetadata) => void;
    },
  ) {
    this.nextId = (restored?.checkpointId ?? 0) + 1;
  }

  /** @internal Sets the next checkpoint id (ids keep growing across attempts). */
  setNextId(id: number): void {
    if (id > this.nextId) this.nextId = id;
  }

  clock(): Timestamp {
    return this.scheduler.now();
  }

  private nameFor(kind: string, name: string | undefined, taken: ReadonlyMap<string, unknown>): string {
    if (name !== undefined) {
      if (taken.has(name)) throw new InvalidArgumentError(kind, 'name', 'a name not used by another participant of the job', name);
      return name;
    }
    const n = this.counters.get(kind) ?? 0;
    this.counters.set(kind, n + 1);
    return `${kind}-${n}`;
  }

  registerOperator(kind: string, name: string | undefined, participant: OperatorParticipant): OperatorHandle {
    const id = this.nameFor(kind, name, this.operators);
    this.operators.set(id, participant);
    return {
      name: id,
      restored: this.restoredOperator(id),
      snapshotted: (barrier, snapshot) => {
        const p = this.pending.get(barrier.checkpointId);
        if (p !== undefined) p.snapshots.set(id, snapshot);
      },
    };
  }

  private restoredOperator(name: string): unknown {
    const bytes = this.restored?.state.operators[name];
    return bytes === undefined ? undefined : deserialize(bytes);
  }

  registerSource(kind: string, name: string | undefined, participant: SourceParticipant): SourceHandle {
    const id = this.nameFor(kind, name, this.sources);
    if (this.options.exactlyOnce && !participant.rewindable) {
      throw new StreamLiteError(
        id,
        'this source cannot rewind to an offset, so exactly-once recovery is impossible; use a rewindable source (fromCollection, a re-iterable fromIterable, fileLines) or run the job with { exactlyOnce: false }',
      );
    }
    const entry: { participant: SourceParticipant; ended: boolean; finalOffset?: SourceOffset } = { participant, ended: false };
    this.sources.set(id, entry);
    return {
      name: id,
      startOffset: this.restored?.state.sources[id],
      batchesPerSlice: this.options.batchesPerSlice,
      scheduler: this.scheduler,
      barrierEmitted: (barrier, offset) => {
        const p = this.pending.get(barrier.checkpointId);
        if (p === undefined) return;
        p.offsets.set(id, offset);
        p.sourcesLeft.delete(id);
      },
      ended: (offset) => {
        entry.ended = true;
        entry.finalOffset = offset;
      },
    };
  }

  registerSink(kind: string, name: string | undefined, participant: SinkParticipant) {
    const id = this.nameFor(kind, name, this.sinks);
    this.sinks.set(id, participant);
    return { name: id, acknowledge: () => undefined };
  }

  /** The sinks of this attempt (the job commits or aborts them). */
  sinkParticipants(): readonly SinkParticipant[] {
    return [...this.sinks.values()];
  }

  /** Starts periodic checkpoints every `interval` of processing time. */
  startPeriodic(interval: Duration): void {
    if (!(interval > 0)) return;
    this.periodic = this.scheduler.schedule(function (this: import('rxjs').SchedulerAction<CheckpointCoordinator>, self) {
      if (self === undefined || self.stopped) return;
      // No periodic barrier before the sinks' recovery is done (an on-demand one waits for it).
      if (self.recovered) self.trigger(false).catch(() => undefined);
      this.schedule(self, interval);
    }, interval, this);
  }

  /**
   * Injects a barrier at every source still running; resolves with the
   * metadata once the checkpoint is written and committed. Rejects when no
   * source can take a barrier (all ended) or the attempt stops first.
   */
  trigger(savepoint: boolean): Promise<CheckpointMetadata> {
    // A barrier before the recovery is done would pre-commit a transaction under an id recovery may still abort.
    if (!this.recovered) return this.recovery.then(() => this.trigger(savepoint));
    const live = [...this.sources].filter(([, s]) => !s.ended);
    if (this.stopped || live.length === 0) {
      return Promise.reject(new StreamLiteError('checkpoint', 'no running source can take a barrier (the job has ended or stopped)'));
    }
    const id = this.nextId++;
    const barrier = makeBarrier(id, this.scheduler.now(), savepoint);
    return new Promise<CheckpointMetadata>((resolve, reject) => {
      this.pending.set(id, {
        barrier,
        snapshots: new Map(),
        offsets: new Map(),
        sourcesLeft: new Set(live.map(([n]) => n)),
        sinkReached: false,
        resolve,
        reject,
      });
      for (const [, s] of live) s.participant.requestBarrier(barrier);
    });
  }

  /** @internal The barrier reached the end of the pipeline: every operator has snapshotted. */
  barrierReachedEnd(barrier: CheckpointBarrier): void {
    const p = this.pending.get(barrier.checkpointId);
    if (p === undefined || p.sinkReached) return;
    p.sinkReached = true;
    this.options.faults?.afterSnapshot?.(barrier.checkpointId);
    // Serialization and writing run off the record path, in a later task.
    const completion = new Promise<void>((resolve) => {
      this.scheduler.schedule(() => {
        this.complete(p)
          .catch((err: unknown) => {
            this.fail(p, err);
            // A checkpoint that cannot be written or committed fails the attempt (as Flink with no tolerated
            // checkpoint failures): going on would leave its sink transaction neither committed nor aborted.
            if (!this.stopped) this.onFailure?.(err);
          })
          .finally(resolve);
      });
    });
    this.completing.add(completion);
    void completion.then(() => this.completing.delete(completion));
  }

  /** @internal The sinks' recovery: checkpoints are written and committed only after it. */
  setRecovery(recovery: Promise<unknown>): void {
    this.recovered = false;
    this.recovery = recovery;
    recovery.then(
      () => {
        if (this.recovery === recovery) this.recovered = true;
      },
      () => undefined,
    );
  }

  private async complete(p: Pending): Promise<void> {
    // Written before the recovery of older transactions is done, a checkpoint could (restored) commit one that recovery aborts.
    await this.recovery;
    if (this.stopped) throw new StreamLiteError('checkpoint', `checkpoint ${p.barrier.checkpointId} abandoned: the attempt stopped`);
    const id = p.barrier.checkpointId;
    const operators: Record<string, Uint8Array> = {};
    const sizes: Record<string, { sizeBytes: number }> = {};
    const watermarks: Record<string, Timestamp> = {};
    let alignmentMs = 0;
    for (const [name, snap] of p.snapshots) {
      const bytes = serialize(snap.toData());
      operators[name] = bytes;
      sizes[name] = { sizeBytes: bytes.byteLength };
      if (snap.watermark !== undefined) watermarks[name] = snap.watermark;
      if (snap.alignmentMs !== undefined && snap.alignmentMs > alignmentMs) alignmentMs = snap.alignmentMs;
    }
    const sources: Record<string, SourceOffset> = {};
    const offsetsMeta: Record<string, number | string> = {};
    // A source that ended before this checkpoint rewinds to its end: it must not replay.
    for (const [name, src] of this.sources) if (src.ended && !p.offsets.has(name)) p.offsets.set(name, src.finalOffset);
    for (const [name, offset] of p.offsets) {
      if (offset === undefined) continue;
      sources[name] = offset;
      offsetsMeta[name] = typeof offset === 'bigint' ? offset.toString() : offset;
    }
    const state: CheckpointState = { formatVersion: 1, operators, sources };
    const data = serialize(state);
    const completedAt = this.scheduler.now();
    const metadata: CheckpointMetadata = {
      checkpointId: id,
      savepoint: p.barrier.savepoint,
      triggeredAt: p.barrier.triggeredAt,
      completedAt,
      durationMs: Math.max(0, completedAt - p.barrier.triggeredAt),
      alignmentMs,
      sizeBytes: data.byteLength,
      operators: sizes,
      watermarks,
      sourceOffsets: offsetsMeta,
    };
    this.options.faults?.beforeWrite?.(id);
    await this.storage.write(id, data, metadata);
    this.options.faults?.afterWrite?.(id);
    // After a failure, committing is the next attempt's recover(): it alone knows which checkpoint it restored.
    if (this.stopped) throw new StreamLiteError('checkpoint', `checkpoint ${id} written, but the attempt stopped before its commit`);
    for (const sink of this.sinks.values()) await sink.commit(id);
    this.pending.delete(id);
    this.completed.push(metadata);
    this.options.onCompleted?.(metadata);
    p.resolve(metadata);
  }

  private fail(p: Pending, err: unknown): void {
    this.pending.delete(p.barrier.checkpointId);
    p.reject(err);
  }

  /**
   * The input ended normally: checkpoints whose barrier already crossed the
   * whole pipeline are completed (written, committed); the others are abandoned.
   */
  async settle(): Promise<void> {
    this.periodic?.unsubscribe();
    while (this.completing.size > 0) await Promise.all([...this.completing]);
  }

  /** Stops triggering; pending checkpoints are abandoned (the next attempt's sink recovery decides their output). */
  stop(): void {
    this.stopped = true;
    this.periodic?.unsubscribe();
    for (const p of this.pending.values()) p.reject(new StreamLiteError('checkpoint', `checkpoint ${p.barrier.checkpointId} abandoned: the attempt stopped`));
    this.pending.clear();
  }

  /** The next id this coordinator would use. */
  get upcomingId(): number {
    return this.nextId;
  }
}
