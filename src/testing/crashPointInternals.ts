/**
 * @internal
 * What the crash points share: how one is built, how its crash is raised,
 * and how the runners install crash points around a job.
 */
import { Observable, type SchedulerLike } from 'rxjs';
import type { CheckpointFaults } from '../checkpoint/CheckpointCoordinator';
import type { CheckpointStorage } from '../checkpoint/CheckpointStorage';
import { MemoryCheckpointStorage } from '../checkpoint/MemoryCheckpointStorage';
import { fixedDelay, type RestartStrategy } from '../checkpoint/restartStrategies';
import { runJob, type Job, type JobOptions } from '../checkpoint/runJob';
import type { Element, RecordBatch } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { StreamLiteError } from '../core/errors';
import type { Timestamp } from '../core/types';
import type { CrashPoint } from './CrashPoint';

/** @internal The key of a crash point's hooks. */
export const CRASH_HOOKS: unique symbol = Symbol('streamlite-rx/testing crash hooks');

/** @internal What a crash point sees of the job it is installed around. */
export interface CrashRunContext {
  readonly job: Job<unknown>;
  readonly scheduler: SchedulerLike;
  /** The processing time the job started at: marker frames count from here. */
  readonly startedAt: Timestamp;
}

/** @internal How a crash point acts on a job; every part is optional. */
export interface CrashHooks {
  /** Per batch through the operator: the index of the record to crash at, or -1 to pass the batch. */
  readonly records?: (batch: RecordBatch<unknown>) => number;
  /** Checkpoint-phase hooks (runJob's `faults`). */
  readonly faults?: CheckpointFaults;
  /** Wraps the job's storage (a write that tears). */
  readonly wrapStorage?: (storage: CheckpointStorage) => CheckpointStorage;
  /** Appended to the pipeline by the runners, per attempt (a crash at a frame). */
  readonly wrapOutput?: () => <T>(source: Observable<Element<T>>) => Observable<Element<T>>;
  /** The delay before each restart, in order, when the runner picks the restart strategy. */
  readonly restartDelays?: () => readonly number[];
  /** Called once the job exists (schedules checkpoint markers); returns what to cancel at the end. */
  readonly start?: (run: CrashRunContext) => (() => void) | void;
}

/** @internal The error an injected crash raises. */
export function crashError(description: string, detail: string): StreamLiteError {
  return new StreamLiteError(description, `injected crash: ${detail}`);
}

/** @internal The first `n` records of a batch (a crash after them). */
function headOf<T>(batch: RecordBatch<T>, n: number): RecordBatch<T> {
  return recordBatch(batch.values.slice(0, n), batch.timestamps.slice(0, n), batch.keys?.slice(0, n));
}

/**
 * @internal
 * Builds a crash point: a pass-through operator (crashing at the record
 * `hooks.records` names) carrying its description, crash count and hooks.
 */
export function createCrashPoint(
  description: string,
  hooks: CrashHooks,
  state: { crashes: number },
  reset: () => void,
): CrashPoint {
  const records = hooks.records;
  const operator = <T>(source: Observable<Element<T>>): Observable<Element<T>> =>
    records === undefined
      ? source
      : new Observable<Element<T>>((out) =>
          source.subscribe({
            next(e) {
              if (e.kind !== 'batch') {
                out.next(e);
                return;
              }
              const at = records(e as RecordBatch<unknown>);
              if (at < 0) {
                out.next(e);
                return;
              }
              if (at > 0) out.next(headOf(e, at));
              out.error(crashError(description, `at record ${JSON.stringify(e.values[at]) ?? String(e.values[at])}`));
            },
            error: (err) => out.error(err),
            complete: () => out.complete(),
          }),
        );
  return Object.defineProperties(operator, {
    description: { value: description, enumerable: true },
    crashes: { get: () => state.crashes, enumerable: true },
    reset: {
      value: () => {
        state.crashes = 0;
        reset();
      },
    },
    [CRASH_HOOKS]: { value: hooks },
  }) as unknown as CrashPoint;
}

/** @internal A crash point that never crashes (the reference run). */
export function noCrash(): CrashPoint {
  return createCrashPoint('noCrash', {}, { crashes: 0 }, () => undefined);
}

/** @internal A restart strategy waiting `delays[i]` before the i-th restart; one more failure fails the job. */
function delaysStrategy(delays: readonly number[]): RestartStrategy {
  let i = 0;
  return {
    description: `restarts after ${delays.join(', ')}`,
    onFailure: () => (i < delays.length ? delays[i++] : undefined),
  };
}

/** @internal Runs `options` as a job with the crash points installed; returns the job and what to cancel at the end. */
export function launchJob<T>(
  options: JobOptions<T>,
  points: readonly CrashPoint[],
  defaults: { readonly scheduler: SchedulerLike; readonly maxRestarts: number },
): { job: Job<T>; stop: () => void } {
  const hooks = points.map((p) => p[CRASH_HOOKS]);
  let storage: CheckpointStorage = options.storage ?? new MemoryCheckpointStorage();
  for (const h of hooks) if (h.wrapStorage !== undefined) storage = h.wrapStorage(storage);
  const faultHooks = [options.faults, ...hooks.map((h) => h.faults)].filter((f): f is CheckpointFaults => f !== undefined);
  const faults: CheckpointFaults = {
    afterSnapshot: (id) => faultHooks.forEach((f) => f.afterSnapshot?.(id)),
    beforeWrite: (id) => faultHooks.forEach((f) => f.beforeWrite?.(id)),
    afterWrite: (id) => faultHooks.forEach((f) => f.afterWrite?.(id)),
  };
  const outputs = hooks.flatMap((h) => (h.wrapOutput === undefined ? [] : [h.wrapOutput]));
  const delays = hooks.flatMap((h) => h.restartDelays?.() ?? []);
  const restartStrategy = options.restartStrategy ?? (delays.length > 0 ? delaysStrategy(delays) : fixedDelay(defaults.maxRestarts, 0));
  const scheduler = options.scheduler ?? defaults.scheduler;
  const job = runJob<T>({
    ...options,
    storage,
    scheduler,
    faults,
    restartStrategy,
    pipeline: () => {
      let out = options.pipeline();
      for (const wrap of outputs) out = out.pipe(wrap());
      return out;
    },
  });
  const startedAt = scheduler.now();
  const stops = hooks.map((h) => h.start?.({ job: job as Job<unknown>, scheduler, startedAt }));
  return { job, stop: () => stops.forEach((s) => s?.()) };
}
