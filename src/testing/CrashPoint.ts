import type { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import type { CrashHooks } from './crashPointInternals';
import { CRASH_HOOKS } from './crashPointInternals';

/**
 * Where in a checkpoint's life a {@link crashInCheckpoint} crash happens:
 *
 * ```
 * barrier reaches the end ─► afterSnapshot ─► (serialize) ─► beforeWrite ─► duringWrite ─► afterWrite ─► commit sinks
 *   every operator has         the attempt     nothing         the storage     written,        crash before
 *   snapshotted                dies here       written yet     holds a torn    not committed   the commit
 *                                                              checkpoint
 * ```
 */
export type CheckpointCrashPhase = 'afterSnapshot' | 'beforeWrite' | 'duringWrite' | 'afterWrite';

/**
 * A failure to inject into a checkpointed job, once (or at each of its
 * markers): made by {@link crashAfter}, {@link crashOnce},
 * {@link crashInCheckpoint} or {@link jobMarkers}, and run by
 * {@link expectCrashEquivalence} or {@link runJobInVirtualTime}.
 *
 * It's an element operator too: put it in the pipeline where a record crash
 * should happen (`pipe(keyBy(f), crash, count())`). It passes every element
 * through until its crash, then errors the stream — the records of the batch
 * before the crashing one still pass, so a crash falls between two records,
 * not between two batches. Crash points that act on checkpoints or on the
 * clock pass everything through and act from outside the pipeline.
 *
 * Its state lives in the object, not in a subscription: create it outside
 * the pipeline factory (which {@link runJob} calls again for every attempt),
 * so that the restarted attempt does not crash again.
 *
 * ```
 * crashAfter(3) in the pipeline:
 * attempt 1:  [a b][c d]       ─► [a b][c]✗     (the 3rd record crashes the job)
 * attempt 2:  restore, replay  ─► [c d][e]…     (fired: passes everything)
 * ```
 *
 * @example
 * const crash = crashAfter(500);
 * await runJob({
 *   pipeline: () => fromCollection(events).pipe(crash, keyBy(e => e.user), count(), twoPhaseCommit(sink)),
 *   checkpointInterval: 1,
 *   restartStrategy: fixedDelay(1),
 * }).done;
 * crash.crashes; // 1
 */
export interface CrashPoint {
  /** The crash point as a pass-through element operator that errors the stream at its crash. */
  <T>(source: Observable<Element<T>>): Observable<Element<T>>;
  /** What it does, for reports: `crashAfter(500)`, `crashInCheckpoint('afterWrite', 2)`, … */
  readonly description: string;
  /** How many crashes it has caused so far. */
  readonly crashes: number;
  /** Arms it again, as new (a new run of the job). */
  reset(): void;
  /** @internal How the runners install it around a job. */
  readonly [CRASH_HOOKS]: CrashHooks;
}
