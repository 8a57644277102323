import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import type { CheckpointStorage } from '../checkpoint/CheckpointStorage';
import { MemoryCheckpointStorage } from '../checkpoint/MemoryCheckpointStorage';
import { fixedDelay } from '../checkpoint/restartStrategies';
import type { JobOptions, JobResult } from '../checkpoint/runJob';
import { MemoryTransactionalSink, twoPhaseCommit, type TransactionalSink } from '../checkpoint/twoPhaseCommit';
import type { Element } from '../core/Element';
import { InvalidArgumentError, StreamLiteError } from '../core/errors';
import type { Duration } from '../core/types';
import type { CrashPoint } from './CrashPoint';
import { CRASH_HOOKS, launchJob, noCrash } from './crashPointInternals';
import { runJobInVirtualTime } from './runJobInVirtualTime';
import { asVirtual } from './virtualTimeInternals';

/** A {@link TransactionalSink} that can say what it has committed (as {@link MemoryTransactionalSink} does). */
export interface CommittedSink<T> extends TransactionalSink<T> {
  /** Everything committed, in commit order. */
  committed(): readonly T[] | Promise<readonly T[]>;
}

/** Options of {@link expectCrashEquivalence}. */
export interface CrashEquivalenceOptions<T> {
  /**
   * Builds the pipeline for one attempt (called again at every restart). Put
   * `inject` where record crashes ({@link crashAfter}, {@link crashOnce})
   * should happen; it passes elements through otherwise. Do not add a sink:
   * the output goes into a two-phase-commit sink the runner adds.
   */
  readonly pipeline: (inject: CrashPoint) => Observable<Element<T>>;
  /** The crashes to check, one run each. */
  readonly crashPoints: readonly CrashPoint[];
  /** Processing time: a `TestScheduler` runs every job in virtual time; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Periodic checkpoints (default 1: as often as the sources yield). */
  readonly checkpointInterval?: Duration;
  /** Batches a source emits between two yields (default 1). */
  readonly batchesPerSlice?: number;
  /** A fresh checkpoint storage per run (default: a new {@link MemoryCheckpointStorage}). */
  readonly storage?: () => CheckpointStorage;
  /** A fresh sink per run (default: a new {@link MemoryTransactionalSink}). */
  readonly sink?: () => CommittedSink<T>;
  /** Restarts allowed per run when no crash point sets them (default 3). */
  readonly maxRestarts?: number;
  /**
   * How outputs are compared: `'exact'` (default: the same values in the same
   * order), `'any'` (the same values, any order: a union interleaves its
   * inputs differently in each run), or a key function (the same values, in the
   * same order per key).
   */
  readonly order?: 'exact' | 'any' | ((value: T) => unknown);
  /** A value's text for comparisons and messages (default: JSON with sorted keys). */
  readonly describe?: (value: T) => string;
  /** Accept a crash point that never crashed (default false: a crash test that did not crash proves nothing). */
  readonly allowNoCrash?: boolean;
}

/** One crash point's run in a {@link CrashEquivalenceReport}. */
export interface CrashRun<T> {
  readonly crashPoint: string;
  readonly crashes: number;
  readonly attempts: number;
  readonly checkpoints: number;
  readonly committed: readonly T[];
}

/** What {@link expectCrashEquivalence} found: the reference output and each run. */
export interface CrashEquivalenceReport<T> {
  /** The committed output of the run without a crash. */
  readonly expected: readonly T[];
  readonly runs: readonly CrashRun<T>[];
}

/** JSON with sorted object keys; Maps, Sets, BigInts and undefined spelled out. */
function canonical(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (typeof v === 'bigint') return `${v}n`;
    if (v === undefined) return '<undefined>';
    if (v instanceof Map) return { '<Map>': [...v.entries()] };
    if (v instanceof Set) return { '<Set>': [...v.values()] };
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  }) ?? String(value);
}

/** How `actual` differs from `expected` under the order rule, or undefined when it does not. */
function difference<T>(expected: readonly T[], actual: readonly T[], order: CrashEquivalenceOptions<T>['order'], describe: (v: T) => string): string | undefined {
  const counts = new Map<string, number>();
  for (const v of expected) counts.set(describe(v), (counts.get(describe(v)) ?? 0) + 1);
  const extra: string[] = [];
  for (const v of actual) {
    const d = describe(v);
    const n = counts.get(d) ?? 0;
    if (n === 0) extra.push(d);
    else counts.set(d, n - 1);
  }
  const missing = [...counts].flatMap(([d, n]) => Array<string>(n).fill(d));
  const list = (xs: string[]) => xs.slice(0, 5).join(', ') + (xs.length > 5 ? `, … (${xs.length} in all)` : '');
  if (missing.length > 0 || extra.length > 0) {
    return `${expected.length} values expected, ${actual.length} committed` +
      (missing.length > 0 ? `; missing (lost): ${list(missing)}` : '') +
      (extra.length > 0 ? `; extra (duplicated or wrong): ${list(extra)}` : '');
  }
  if (order === 'any') return undefined;
  const sequences = (xs: readonly T[]) => {
    const by = new Map<string, string[]>();
    for (const v of xs) {
      const k = typeof order === 'function' ? canonical(order(v)) : '';
      let seq = by.get(k);
      if (seq === undefined) by.set(k, (seq = []));
      seq.push(describe(v));
    }
    return by;
  };
  const want = sequences(expected);
  const got = sequences(actual);
  for (const [k, seq] of want) {
    const other = got.get(k) ?? [];
    const i = seq.findIndex((d, j) => d !== other[j]);
    if (i >= 0) return `the same values in another order${k === '' ? '' : ` for key ${k}`}: at ${i}, expected ${seq[i]}, committed ${other[i]}`;
  }
  return undefined;
}

/**
 * Checks a pipeline for crash equivalence in one call: runs it as a
 * checkpointed job once without a crash and once per crash point (crashing,
 * restoring from the latest intact checkpoint, replaying), each into a fresh
 * two-phase-commit sink, and rejects unless every run committed exactly the
 * output of the run that never crashed — nothing lost, nothing duplicated.
 *
 * It's the exactly-once property of DESIGN.md §7, as a test helper: a user's
 * own pipeline against {@link crashAfter}, {@link crashOnce},
 * {@link crashInCheckpoint} and {@link jobMarkers} crash points. With a
 * `TestScheduler` as `scheduler`, every run is in virtual time
 * ({@link runJobInVirtualTime}).
 *
 * ```
 * reference:   ──B1──B2──B3──|                        committed: a b c d e f
 * crashAfter(4): ──B1──B2─✗ restore B2 ──B3──|         committed: a b c d e f   ✓
 * a sink that commits twice:                           committed: a b c c d e f ✗ extra (duplicated): c
 * ```
 *
 * Rejects with a StreamLiteError naming the crash point and the difference
 * (values lost, values duplicated, or the first out-of-order value), or when
 * a crash point never fired (unless `allowNoCrash`), or when the reference
 * run failed.
 *
 * @example
 * const report = await expectCrashEquivalence({
 *   pipeline: (inject) => fromCollection(readings, { timestamp: r => r.t, batchSize: 16 }).pipe(
 *     assignTimestampsAndWatermarks(boundedOutOfOrderness(50)),
 *     inject,
 *     keyBy(r => r.sensor), window(tumbling(1_000)), aggregate(avg(r => r.value)),
 *   ),
 *   crashPoints: [crashAfter(10), crashAfter(900), crashInCheckpoint('afterWrite', 3), crashInCheckpoint('duringWrite', 2)],
 * });
 * report.runs.every(r => r.attempts === 2); // true
 * @param options the pipeline, the crash points, and how to run and compare.
 * @returns the report: the reference output and every run.
 */
export async function expectCrashEquivalence<T>(options: CrashEquivalenceOptions<T>): Promise<CrashEquivalenceReport<T>> {
  const name = 'expectCrashEquivalence';
  if (typeof options?.pipeline !== 'function') throw new InvalidArgumentError(name, 'options.pipeline', 'a function (inject) => pipeline', options?.pipeline);
  if (!Array.isArray(options.crashPoints) || options.crashPoints.some((p) => typeof p !== 'function' || p[CRASH_HOOKS] === undefined)) {
    throw new InvalidArgumentError(name, 'options.crashPoints', 'an array of crash points (crashAfter, crashOnce, crashInCheckpoint, jobMarkers)', options.crashPoints);
  }
  const order = options.order ?? 'exact';
  if (order !== 'exact' && order !== 'any' && typeof order !== 'function') throw new InvalidArgumentError(name, 'options.order', "'exact', 'any' or a key function", order);
  const describe = options.describe ?? canonical;
  const scheduler = options.scheduler ?? asyncScheduler;
  const virtual = asVirtual(scheduler);

  const origin = virtual?.now();
  const run = async (point: CrashPoint): Promise<{ result: JobResult; committed: readonly T[] }> => {
    point.reset();
    if (virtual !== undefined) {
      // Every run starts at the same frame, so sources on the test's clock (marbleSource) see the same timeline;
      // what an earlier run left scheduled is dropped.
      for (const action of virtual.actions.splice(0)) action.unsubscribe();
      virtual.frame = origin!;
    }
    const sink = options.sink?.() ?? new MemoryTransactionalSink<T>();
    const job: JobOptions<T> = {
      pipeline: () => options.pipeline(point).pipe(twoPhaseCommit(sink)),
      storage: options.storage?.() ?? new MemoryCheckpointStorage(),
      checkpointInterval: options.checkpointInterval ?? 1,
      batchesPerSlice: options.batchesPerSlice ?? 1,
    };
    const maxRestarts = options.maxRestarts ?? 3;
    let result: JobResult;
    if (virtual !== undefined) {
      // Markers bring their own restart delays; other crash points restart at once.
      const restart = point[CRASH_HOOKS].restartDelays === undefined ? { restartStrategy: fixedDelay(maxRestarts, 0) } : {};
      result = await runJobInVirtualTime(virtual, { ...job, ...restart, markers: point });
    } else {
      const { job: running, stop } = launchJob(job, [point], { scheduler, maxRestarts });
      try {
        result = await running.done;
      } finally {
        stop();
      }
    }
    return { result, committed: [...(await sink.committed())] };
  };

  let reference: { result: JobResult; committed: readonly T[] };
  try {
    reference = await run(noCrash());
  } catch (err) {
    throw new StreamLiteError(name, `the run without a crash failed: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
  }
  const runs: CrashRun<T>[] = [];
  for (const point of options.crashPoints) {
    let outcome: { result: JobResult; committed: readonly T[] };
    try {
      outcome = await run(point);
    } catch (err) {
      throw new StreamLiteError(name, `${point.description}: the job failed for good: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
    }
    if (point.crashes === 0 && options.allowNoCrash !== true) {
      throw new StreamLiteError(name, `${point.description} never crashed the job (is it in the pipeline? does the input reach it?): a crash test without a crash proves nothing`);
    }
    const diff = difference(reference.committed, outcome.committed, order, describe);
    if (diff !== undefined) throw new StreamLiteError(name, `${point.description}: the committed output differs from the run that never crashed: ${diff}`);
    runs.push({
      crashPoint: point.description,
      crashes: point.crashes,
      attempts: outcome.result.attempts,
      checkpoints: outcome.result.checkpoints.length,
      committed: outcome.committed,
    });
  }
  return { expected: reference.committed, runs };
}
