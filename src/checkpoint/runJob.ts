import { asyncScheduler, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Element } from '../core/Element';
import { InvalidArgumentError, StreamLiteError } from '../core/errors';
import type { Duration } from '../core/types';
import type { MetricRegistry } from '../metrics/MetricRegistry';
import { CheckpointCoordinator, type CheckpointFaults, type CheckpointState } from './CheckpointCoordinator';
import type { CheckpointMetadata } from './CheckpointMetadata';
import type { CheckpointStorage } from './CheckpointStorage';
import { withJob } from './JobContext';
import { MemoryCheckpointStorage } from './MemoryCheckpointStorage';
import { noRestart, type RestartStrategy } from './restartStrategies';
import { deserialize } from './serializer';

/** Options of {@link runJob}. */
export interface JobOptions<T> {
  /** Builds the pipeline; called afresh for every attempt (a restore rebuilds it). */
  readonly pipeline: () => Observable<Element<T>>;
  /** Where checkpoints go (default: in memory). */
  readonly storage?: CheckpointStorage;
  /** Periodic checkpoints every this many ms of processing time (default 0: only on demand). */
  readonly checkpointInterval?: Duration;
  /** The processing-time scheduler (default asyncScheduler; a TestScheduler in marble tests). */
  readonly scheduler?: SchedulerLike;
  /** Start from the latest intact checkpoint (default), a given checkpoint id, or from scratch (`'none'`). */
  readonly restore?: 'latest' | number | 'none';
  /** What to do after a failure (default: fail). */
  readonly restartStrategy?: RestartStrategy;
  /** Refuse sources that cannot rewind (default true). */
  readonly exactlyOnce?: boolean;
  /** Batches a source emits before yielding to the scheduler (default 16). */
  readonly batchesPerSlice?: number;
  /** Sees every element reaching the end of the pipeline, in every attempt (replays included). */
  readonly onElement?: (element: Element<T>) => void;
  /**
   * Where the job reports checkpoint metrics, labelled `job`: counter
   * `streamlite_checkpoints_completed_total`, gauges
   * `streamlite_last_checkpoint_{id,duration_ms,alignment_ms,size_bytes}` and
   * `streamlite_checkpoint_operator_size_bytes{operator}`, `streamlite_checkpoint_watermark{operator}`.
   */
  readonly metrics?: MetricRegistry;
  /** The job's name in metrics (default 'job'). */
  readonly name?: string;
  /** @internal Fault injection for tests. */
  readonly faults?: CheckpointFaults;
}

/** How a job ended. */
export interface JobResult {
  /** Attempts run (1 without failures). */
  readonly attempts: number;
  /** Checkpoints completed, over all attempts. */
  readonly checkpoints: readonly CheckpointMetadata[];
  /** The failures that were recovered from. */
  readonly failures: readonly unknown[];
}

/**
 * A running job: a pipeline under a checkpoint coordinator, restarted from
 * its last checkpoint after a failure as its restart strategy allows.
 */
export class Job<T> {
  /** Resolves when the pipeline completes; rejects with the cause when it fails for good. */
  readonly done: Promise<JobResult>;
  private coordinator: CheckpointCoordinator | undefined;
  private subscription: Subscription | undefined;
  private readonly completedCheckpoints: CheckpointMetadata[] = [];
  private readonly failures: unknown[] = [];
  private attempts = 0;
  private nextCheckpointId = 1;
  private cancelled = false;
  private readonly storage: CheckpointStorage;
  private readonly scheduler: SchedulerLike;

  constructor(private readonly options: JobOptions<T>) {
    if (typeof options.pipeline !== 'function') throw new InvalidArgumentError('runJob', 'pipeline', 'a function building the pipeline', options.pipeline);
    const batchesPerSlice = options.batchesPerSlice ?? 16;
    if (!Number.isInteger(batchesPerSlice) || batchesPerSlice < 1) {
      throw new InvalidArgumentError('runJob', 'batchesPerSlice', 'a positive integer', batchesPerSlice);
    }
    const interval = options.checkpointInterval ?? 0;
    if (!(interval >= 0) || !Number.isFinite(interval)) throw new InvalidArgumentError('runJob', 'checkpointInterval', 'a non-negative number of milliseconds', interval);
    this.storage = options.storage ?? new MemoryCheckpointStorage();
    this.scheduler = options.scheduler ?? asyncScheduler;
    const strategy = options.restartStrategy ?? noRestart();
    this.done = new Promise<JobResult>((resolve, reject) => {
      const attempt = (restoreMode: 'latest' | number | 'none'): void => {
        this.startAttempt(restoreMode).then(
          () => resolve({ attempts: this.attempts, checkpoints: this.completedCheckpoints, failures: this.failures }),
          (err: unknown) => {
            if (this.cancelled) {
              reject(err);
              return;
            }
            this.failures.push(err);
            const delay = strategy.onFailure(this.scheduler.now());
            if (delay === undefined) {
              reject(err);
              return;
            }
            this.scheduler.schedule(() => attempt('latest'), delay);
          },
        );
      };
      attempt(options.restore ?? 'latest');
    });
  }

  private report(m: CheckpointMetadata): void {
    const metrics = this.options.metrics;
    if (metrics === undefined) return;
    const job = this.options.name ?? 'job';
    metrics.counter('streamlite_checkpoints_completed_total', { job }, 'Checkpoints (and savepoints) completed.').inc();
    metrics.gauge('streamlite_last_checkpoint_id', { job }).set(m.checkpointId);
    metrics.gauge('streamlite_last_checkpoint_duration_ms', { job }, 'Trigger to completion of the last checkpoint.').set(m.durationMs);
    metrics.gauge('streamlite_last_checkpoint_alignment_ms', { job }, 'Longest barrier alignment in the last checkpoint.').set(m.alignmentMs);
    metrics.gauge('streamlite_last_checkpoint_size_bytes', { job }, 'Serialized size of the last checkpoint.').set(m.sizeBytes);
    for (const [operator, { sizeBytes }] of Object.entries(m.operators)) {
      metrics.gauge('streamlite_checkpoint_operator_size_bytes', { job, operator }).set(sizeBytes);
    }
    for (const [operator, wm] of Object.entries(m.watermarks)) metrics.gauge('streamlite_checkpoint_watermark', { job, operator }).set(wm);
  }

  /** Takes a checkpoint now. */
  checkpoint(): Promise<CheckpointMetadata> {
    return this.requireCoordinator().trigger(false);
  }

  /** Takes a savepoint now (never removed by retention). */
  savepoint(): Promise<CheckpointMetadata> {
    return this.requireCoordinator().trigger(true);
  }

  /** Stops the job: the current attempt is unsubscribed and `done` rejects. */
  cancel(): void {
    this.cancelled = true;
    this.coordinator?.stop();
    this.subscription?.unsubscribe();
    this.failAttempt?.(new StreamLiteError('job', 'cancelled'));
  }

  /** Checkpoints completed so far. */
  get checkpoints(): readonly CheckpointMetadata[] {
    return this.completedCheckpoints;
  }

  private failAttempt: ((err: unknown) => void) | undefined;

  private requireCoordinator(): CheckpointCoordinator {
    if (this.coordinator === undefined) throw new StreamLiteError('job', 'the job is not running');
    return this.coordinator;
  }

  private async loadRestore(mode: 'latest' | number | 'none'): Promise<{ checkpointId: number; state: CheckpointState } | undefined> {
    if (mode === 'none') return undefined;
    const stored = mode === 'latest' ? (await this.storage.latestIntact()).checkpoint : await this.storage.read(mode);
    if (stored === undefined) return undefined;
    const state = deserialize(stored.data) as CheckpointState;
    if (state === null || typeof state !== 'object' || state.formatVersion !== 1) {
      throw new StreamLiteError('job', `checkpoint ${stored.checkpointId} holds state of an unknown format`);
    }
    return { checkpointId: stored.checkpointId, state };
  }

  private async startAttempt(restoreMode: 'latest' | number | 'none'): Promise<void> {
    this.attempts++;
    // A write the failed attempt started may still be running: restore must see it (its recovery commits what it covers).
    await this.coordinator?.settle();
    const restored = await this.loadRestore(restoreMode);
    const known = await this.storage.list();
    for (const m of known) if (m.checkpointId >= this.nextCheckpointId) this.nextCheckpointId = m.checkpointId + 1;
    const coordinator = new CheckpointCoordinator(this.storage, this.scheduler, restored, {
      exactlyOnce: this.options.exactlyOnce ?? true,
      batchesPerSlice: this.options.batchesPerSlice ?? 16,
      faults: this.options.faults,
      onCompleted: (m) => this.report(m),
    });
    coordinator.setNextId(this.nextCheckpointId);
    this.coordinator = coordinator;
    const interval = this.options.checkpointInterval ?? 0;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        if (err === undefined) {
          // Normal end: let checkpoints already past the whole pipeline complete first.
          coordinator.settle().then(() => wrapUp(undefined), (e: unknown) => wrapUp(e));
          return;
        }
        wrapUp(err);
      };
      const wrapUp = (err: unknown): void => {
        this.nextCheckpointId = coordinator.upcomingId;
        coordinator.stop();
        this.completedCheckpoints.push(...coordinator.completed);
        const sinks = coordinator.sinkParticipants();
        if (err !== undefined) {
          // Pending transactions are not aborted here: a checkpoint may have been written just before
          // the failure. The next attempt's recover() commits those its restored checkpoint covers.
          this.subscription?.unsubscribe();
          // The attempt is over once no write or recovery of it is running: the next one starts from a still storage.
          void Promise.allSettled([coordinator.settle(), recovery, ...sinks.map((s) => s.settled?.())]).then(() => reject(err));
        } else {
          // The final commit waits for the recovery: it must not commit a leftover transaction recovery aborts.
          recovery
            .then(() => Promise.all(sinks.map((s) => s.finish())))
            .then(() => resolve(), reject);
        }
      };
      this.failAttempt = finish;
      coordinator.onFailure = finish;
      let recovery: Promise<unknown> = Promise.resolve();
      try {
        this.subscription = withJob(coordinator, () =>
          this.options.pipeline().subscribe({
            next: (e) => {
              if (e.kind === 'barrier') {
                try {
                  coordinator.barrierReachedEnd(e);
                } catch (err) {
                  finish(err);
                  return;
                }
              }
              this.options.onElement?.(e);
            },
            error: (err: unknown) => finish(err),
            complete: () => finish(),
          }),
        );
      } catch (err) {
        finish(err);
        return;
      }
      const restoredId = restored?.checkpointId;
      recovery = Promise.all(coordinator.sinkParticipants().map((s) => s.recover(restoredId)));
      coordinator.setRecovery(recovery);
      recovery.catch((err: unknown) => finish(err));
      coordinator.startPeriodic(interval);
    });
  }
}

/**
 * Runs a pipeline as a job with checkpoints and recovery: sources,
 * stateful operators and two-phase-commit sinks in the pipeline register with
 * the job as it is subscribed; barriers flow through it periodically or on
 * demand; after a failure the job restarts from the latest intact checkpoint
 * (state restored, sources rewound, sinks' pending output committed or
 * aborted), as its restart strategy allows.
 *
 * It's a one-process Flink job: `env.enableCheckpointing(interval)` plus a
 * restart strategy, around a pipeline factory.
 *
 * ```
 * attempt 1: ──records──B1──records──B2──records──✗ (failure)
 * attempt 2: restore B2: state of B2, sources rewound to their B2 offsets ──records──B3──…──|
 * output (two-phase-commit sink): exactly the output of a run that never failed
 * ```
 *
 * @example
 * const job = runJob({
 *   pipeline: () => fromCollection(events, { timestamp: e => e.t }).pipe(keyBy(e => e.user), count(), twoPhaseSink),
 *   storage: new FileCheckpointStorage('./checkpoints'),
 *   checkpointInterval: 1_000,
 *   restartStrategy: fixedDelay(3, 500),
 * });
 * await job.done;
 */
export function runJob<T>(options: JobOptions<T>): Job<T> {
  return new Job(options);
}
