import type { SchedulerLike, Subscription } from 'rxjs';
import { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { InvalidArgumentError } from '../core/errors';
import type { CrashPoint } from './CrashPoint';
import { createCrashPoint, crashError } from './crashPointInternals';
import { parseRunMode } from './virtualTimeInternals';

const LETTERS = new Set(['B', 'S', 'X', 'R']);

/**
 * Checkpoint and crash markers for a job, as one marble diagram on the job's
 * processing-time clock: `B` takes a checkpoint, `S` a savepoint, `X` crashes
 * the running attempt, `R` restarts it (the restart delay is the distance
 * from the `X` before it; without an `R` the restart is immediate).
 *
 * It's the marble line of a crash test: one character per frame as in
 * `TestScheduler.run()` (spaces ignored, `10ms` progressions), frames counted
 * from the job's start. Hand it to {@link runJobInVirtualTime} (`markers`) or
 * to {@link expectCrashEquivalence} (`crashPoints`); as an operator it
 * passes everything through (the runners install it). Each `X` fires once;
 * an `X` at a frame when no attempt runs fires as the next attempt starts.
 *
 * ```
 * markers:  --B---B--X--R-------      checkpoints at 2 and 6, crash at 9, restart at 12
 * attempt 1: ──records──B1──records──B2──records──✗
 * attempt 2:                                     R: restore B2, replay from its offsets ──…──|
 * ```
 *
 * @example
 * const run = await runJobInVirtualTime(m.scheduler, {
 *   pipeline: () => fromCollection(words, { batchSize: 1 }).pipe(keyBy(w => w), count({ emit: 'every' }), twoPhaseCommit(sink)),
 *   batchesPerSlice: 1,
 *   markers: '--B---X-R',
 * });
 * run.attempts;                            // 2
 * run.checkpoints.map(c => c.triggeredAt); // [2]
 * @param marble the diagram: `B`, `S`, `X`, `R`, `-`, spaces, groups `(BX)` and time progressions.
 * @returns a {@link CrashPoint} whose crashes are the `X`s.
 */
export function jobMarkers(marble: string): CrashPoint {
  if (typeof marble !== 'string') throw new InvalidArgumentError('jobMarkers', 'marble', 'a marble diagram string', marble);
  const parsed = parseRunMode<string>(marble);
  const markers: { frame: number; letter: string }[] = [];
  for (const m of parsed) {
    if (m.kind !== 'N' || !LETTERS.has(m.value as string)) {
      throw new InvalidArgumentError('jobMarkers', 'marble', "a diagram of 'B' (checkpoint), 'S' (savepoint), 'X' (crash), 'R' (restart) and '-'", marble);
    }
    markers.push({ frame: m.frame, letter: m.value as string });
  }
  const crashes = markers.filter((m) => m.letter === 'X').map((m) => m.frame);
  const delays: number[] = [];
  let lastCrash: number | undefined;
  for (const m of markers) {
    if (m.letter === 'X') {
      if (lastCrash !== undefined) delays.push(0);
      lastCrash = m.frame;
    } else if (m.letter === 'R') {
      if (lastCrash === undefined) throw new InvalidArgumentError('jobMarkers', 'marble', "an 'R' only after an 'X'", marble);
      delays.push(m.frame - lastCrash);
      lastCrash = undefined;
    }
  }
  if (lastCrash !== undefined) delays.push(0);
  const state = { crashes: 0 };
  let fired = 0;
  let startedAt = 0;
  let clock: SchedulerLike | undefined;
  return createCrashPoint(
    `jobMarkers('${marble}')`,
    {
      restartDelays: () => delays,
      start({ job, scheduler, startedAt: t0 }) {
        startedAt = t0;
        clock = scheduler;
        const actions: Subscription[] = [];
        for (const m of markers) {
          if (m.letter !== 'B' && m.letter !== 'S') continue;
          actions.push(
            scheduler.schedule(() => {
              // A marker while no attempt runs, or after the input ended, takes no checkpoint.
              try {
                (m.letter === 'S' ? job.savepoint() : job.checkpoint()).catch(() => undefined);
              } catch {
                /* the job is between attempts */
              }
            }, Math.max(0, t0 + m.frame - scheduler.now())),
          );
        }
        return () => actions.forEach((a) => a.unsubscribe());
      },
      wrapOutput:
        crashes.length === 0
          ? undefined
          : () =>
              <T>(source: Observable<Element<T>>) =>
                new Observable<Element<T>>((out) => {
                  // The runners append this to every attempt's pipeline: it errors the attempt at the next X.
                  const scheduler = clock;
                  if (fired < crashes.length && scheduler !== undefined) {
                    const frame = crashes[fired];
                    out.add(
                      scheduler.schedule(() => {
                        fired++;
                        state.crashes++;
                        out.error(crashError(`jobMarkers('${marble}')`, `X at frame ${frame}`));
                      }, Math.max(0, startedAt + frame - scheduler.now())),
                    );
                  }
                  out.add(source.subscribe(out));
                }),
    },
    state,
    () => {
      fired = 0;
    },
  );
}
