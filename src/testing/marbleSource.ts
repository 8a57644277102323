import { Observable, type SchedulerLike } from 'rxjs';
import { currentJob, type SourceHandle } from '../checkpoint/JobContext';
import type { Element } from '../core/Element';
import { InvalidArgumentError } from '../core/errors';
import { endSource } from '../connectors/sourceInternals';
import { elementsOf } from './elementsOf';
import type { MarbleValues, RecordTypeOf } from './MarbleValues';
import { parseRunMode } from './virtualTimeInternals';

/** Options of {@link marbleSource}. */
export interface MarbleSourceOptions {
  /** The source's name in checkpoints (default: by position, `marbleSource-0`, …). */
  readonly name?: string;
  /** The value of `#` (the error the source fails with). */
  readonly error?: unknown;
}

/**
 * A rewindable source from a marble diagram: a log whose entries are the
 * diagram's elements at their frames, which a checkpointed job can rewind —
 * the marble counterpart of `fromCollection` for crash and restore tests.
 *
 * It's like {@link hotElements}, but it registers with the job as a source:
 * a checkpoint barrier is emitted the moment the job asks for it (at the
 * trigger's frame, between two entries) with the number of entries read as
 * its offset, and a restored attempt starts reading at the restored offset.
 * Frames are absolute on the job's clock (the scheduler's `now()`, as a hot
 * stream; a fresh `marbles()` test starts at 0, and {@link expectCrashEquivalence}
 * starts every run at the same frame): entries the restored attempt should
 * have read already are replayed at once when it starts, the later ones come
 * at their frames. `|` ends the input as
 * sources do (maximum watermark, end of input), `#` fails it. Lowercase letters
 * are records (`rec(value)` for a bare value), uppercase letters control
 * elements, as in {@link coldElements}.
 *
 * ```
 * log:        a-b-c-d-e-----------f-|
 * markers:    ---B-----X-R                       checkpoint at 3 (offset 2), crash at 9, restart at 11
 * attempt 1:  a-bBc-d-e                          (B after a b)
 * attempt 2:             (cde)----f-(WE)         restored at offset 2: c d e replayed at frame 11
 * ```
 *
 * @example
 * const run = await runJobInVirtualTime(m.scheduler, {
 *   pipeline: () => marbleSource(m.scheduler, 'a-b-c-d-e-----------f-|', { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', f: 'f' })
 *     .pipe(twoPhaseCommit(sink)),
 *   markers: '---B-----X-R',
 * });
 * run.timeline;                     // = timelineOf('a-bBc-d-e--(cde)----f-(WE)', …)
 * run.checkpoints[0].sourceOffsets; // { 'marbleSource-0': 2 }
 * sink.committed();                 // ['a', 'b', 'c', 'd', 'e', 'f'] — exactly once
 * @param scheduler the clock the entries are on when no job runs it (a job uses its own, normally the same TestScheduler).
 * @param marble the log as a diagram.
 * @param values letter → record value or element (see {@link elementsOf}).
 * @param options `name` in checkpoints, `error` for `#`.
 * @returns the source.
 */
export function marbleSource<V extends MarbleValues<unknown> = {}>(
  scheduler: SchedulerLike,
  marble: string,
  values?: V,
  options: MarbleSourceOptions = {},
): Observable<Element<RecordTypeOf<V>>> {
  type T = RecordTypeOf<V>;
  if (scheduler == null || typeof scheduler.schedule !== 'function') throw new InvalidArgumentError('marbleSource', 'scheduler', 'a SchedulerLike', scheduler);
  if (typeof marble !== 'string') throw new InvalidArgumentError('marbleSource', 'marble', 'a marble diagram string', marble);
  const log = parseRunMode<Element<T>>(marble, elementsOf<MarbleValues<unknown>>(values ?? {}) as { [letter: string]: Element<T> }, options.error);
  for (const entry of log) {
    if (entry.kind === 'N' && entry.value === undefined) {
      throw new InvalidArgumentError('marbleSource', 'marble', 'a diagram whose letters are all in values', marble);
    }
  }
  return new Observable<Element<T>>((subscriber) => {
    const job = currentJob();
    let read = 0;
    let clock = scheduler;
    let handle: SourceHandle | undefined;
    if (job !== undefined) {
      handle = job.registerSource('marbleSource', options.name, {
        rewindable: true,
        requestBarrier: (b) => {
          if (subscriber.closed) return;
          subscriber.next(b);
          handle?.barrierEmitted(b, read);
        },
      });
      const start = handle.startOffset;
      if (start !== undefined) {
        if (typeof start !== 'number' || !Number.isInteger(start) || start < 0 || start > log.length) {
          throw new InvalidArgumentError('marbleSource', 'restored offset', `an integer from 0 to ${log.length}`, start);
        }
        read = start;
      }
      clock = handle.scheduler;
    }
    const emitDue = (): void => {
      while (read < log.length && log[read].frame <= clock.now() && !subscriber.closed) {
        const entry = log[read++];
        if (entry.kind === 'N') subscriber.next(entry.value as Element<T>);
        else if (entry.kind === 'E') subscriber.error(entry.value);
        else {
          handle?.ended(read);
          endSource(subscriber);
        }
      }
      if (read < log.length && !subscriber.closed) {
        subscriber.add(clock.schedule(emitDue, log[read].frame - clock.now()));
      }
    };
    emitDue();
  });
}
