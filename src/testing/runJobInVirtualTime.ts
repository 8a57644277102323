import type { VirtualTimeScheduler } from 'rxjs';
import type { JobOptions, JobResult } from '../checkpoint/runJob';
import { InvalidArgumentError } from '../core/errors';
import type { CrashPoint } from './CrashPoint';
import { launchJob } from './crashPointInternals';
import type { FlatKind } from './FlatElement';
import { jobMarkers } from './jobMarkers';
import type { TimedElement } from './TimedElement';
import { toFlat } from './toFlat';
import { asVirtual, driveVirtualTime } from './virtualTimeInternals';

/** Options of {@link runJobInVirtualTime}: those of `runJob`, but the scheduler is the virtual one. */
export interface VirtualJobOptions<T> extends Omit<JobOptions<T>, 'scheduler'> {
  /** Checkpoint and crash markers ({@link jobMarkers} diagram), or any {@link CrashPoint}. */
  readonly markers?: string | CrashPoint;
  /** Kinds of control element left out of the timeline (e.g. `['watermark']`). */
  readonly omit?: readonly FlatKind[];
  /** The most frames virtual time may advance before the run is abandoned as runaway (default 1,000,000). */
  readonly maxFrames?: number;
}

/** What {@link runJobInVirtualTime} reports: the job's result and its output on the virtual clock. */
export interface VirtualJobRun<T> extends JobResult {
  /** Every element that reached the end of the pipeline, in every attempt, flat, with its frame. */
  readonly timeline: readonly TimedElement<T>[];
  /** The frame each attempt started at (its pipeline subscribed). */
  readonly attemptFrames: readonly number[];
}

/**
 * Runs a checkpointed job on a virtual clock: `runJob` with `scheduler` set to
 * the test's `TestScheduler` (rxjs-marbles' `m.scheduler`), frame by frame,
 * letting the job's Promises (checkpoint writes, commits, restarts) settle
 * between frames, until the job ends; resolves with its result and its output
 * timeline, rejects with the job's failure.
 *
 * It's `TestScheduler.run()` for a job. A job cannot run inside `run()`'s
 * single synchronous flush, because checkpoints are written and committed
 * through Promises; this runner flushes one frame, waits one real tick (every
 * ready Promise runs), and goes on. Deterministic with in-memory storage and
 * sinks; sources yield one frame per slice of `batchesPerSlice` batches, and
 * periodic checkpoints are triggered every `checkpointInterval` frames.
 * Call it inside `marbles(async (m) => …)`; assert with {@link timelineOf}.
 *
 * ```
 * fromCollection([a b c d e], batchSize 1), batchesPerSlice 2, checkpointInterval 2:
 * frame:     0     1     2
 * timeline:  a b   c d   B1 e W E       (B1 requested at frame 2, emitted at that slice's start)
 * ```
 *
 * @example
 * it('takes the checkpoint at its marker', marbles(async (m) => {
 *   const sink = new MemoryTransactionalSink<string>();
 *   const run = await runJobInVirtualTime(m.scheduler, {
 *     pipeline: () => marbleSource(m.scheduler, 'a-b-c-|', { a: 'a', b: 'b', c: 'c' }).pipe(twoPhaseCommit(sink)),
 *     markers: '---B',
 *   });
 *   expect(run.timeline).toEqual(timelineOf('a-bBc-(WE)', { a: 'a', b: 'b', c: 'c', B: bar(1), W: wm(MAX_WATERMARK) }));
 *   expect(run.checkpoints[0].sourceOffsets).toEqual({ 'marbleSource-0': 2 });
 * }));
 * @param scheduler the virtual clock: a `TestScheduler` (or any `VirtualTimeScheduler`).
 * @param options the job, plus `markers` ({@link jobMarkers}), `omit` and `maxFrames`.
 * @returns the job's result with its timeline.
 */
export async function runJobInVirtualTime<T>(scheduler: VirtualTimeScheduler, options: VirtualJobOptions<T>): Promise<VirtualJobRun<T>> {
  const virtual = asVirtual(scheduler);
  if (virtual === undefined) throw new InvalidArgumentError('runJobInVirtualTime', 'scheduler', 'a TestScheduler (VirtualTimeScheduler)', scheduler);
  if (typeof options?.pipeline !== 'function') throw new InvalidArgumentError('runJobInVirtualTime', 'options.pipeline', 'a function building the pipeline', options?.pipeline);
  const maxFrames = options.maxFrames ?? 1_000_000;
  const omit = options.omit ?? [];
  const points = options.markers === undefined ? [] : [typeof options.markers === 'string' ? jobMarkers(options.markers) : options.markers];
  // Leave TestScheduler.run() first: the flush it ends with would run (and pass) what the job schedules now.
  await Promise.resolve();
  const startedAt = virtual.now();
  const timeline: TimedElement<T>[] = [];
  const attemptFrames: number[] = [];
  const { markers: _m, omit: _o, maxFrames: _f, ...jobOptions } = options;
  const { job, stop } = launchJob<T>(
    {
      ...jobOptions,
      scheduler: virtual,
      pipeline: () => {
        attemptFrames.push(virtual.now() - startedAt);
        return options.pipeline();
      },
      onElement: (e) => {
        const frame = virtual.now() - startedAt;
        for (const element of toFlat(e, omit)) timeline.push({ frame, element });
        options.onElement?.(e);
      },
    },
    points,
    { scheduler: virtual, maxRestarts: 0 },
  );
  try {
    try {
      await driveVirtualTime(virtual, job.done, { maxFrames });
    } catch (err) {
      job.cancel();
      throw err;
    }
    const result = await job.done;
    return { ...result, timeline, attemptFrames };
  } finally {
    stop();
  }
}
