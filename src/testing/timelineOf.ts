import { InvalidArgumentError } from '../core/errors';
import type { FlatElement } from './FlatElement';
import { flatOf } from './flatOf';
import type { MarbleValues, RecordTypeOf } from './MarbleValues';
import type { TimedElement } from './TimedElement';
import { parseRunMode } from './virtualTimeInternals';

/**
 * The timeline a marble diagram describes, in the form
 * {@link runJobInVirtualTime} records a job's output: `{ frame, element }`
 * per record or control element, frames counted as in `TestScheduler.run()`.
 *
 * It's `m.expect(…).toBeObservable(marble, flatOf(values))` for a job, whose
 * Promises (checkpoint writes, commits) keep it from running inside
 * `TestScheduler.run()`: compare with `expect(run.timeline).toEqual(timelineOf(…))`.
 * Lowercase letters are records (a bare value is `rec(value)`), uppercase
 * letters control elements, `E` is end of input; `|` (completion) adds nothing.
 *
 * ```
 * marble:    (ab)-B-c-(WE)        a b at 0, barrier 1 at 5, c at 7, max watermark and end at 9
 * timeline:  [{0,a} {0,b} {5,B1} {7,c} {9,W} {9,E}]
 * ```
 *
 * @example
 * const run = await runJobInVirtualTime(m.scheduler, {
 *   pipeline: () => marbleSource(m.scheduler, 'a-b-c-|', { a: 'a', b: 'b', c: 'c' }).pipe(twoPhaseCommit(sink)),
 *   markers: '---B',
 * });
 * expect(run.timeline).toEqual(timelineOf('a-bBc-(WE)', { a: 'a', b: 'b', c: 'c', B: bar(1), W: wm(MAX_WATERMARK) }));
 * @param marble the expected diagram.
 * @param values letter → record value or element (see {@link flatOf}).
 * @returns the timeline, in order.
 */
export function timelineOf<V extends MarbleValues<unknown>>(marble: string, values: V = {} as V): TimedElement<RecordTypeOf<V>>[] {
  if (typeof marble !== 'string') throw new InvalidArgumentError('timelineOf', 'marble', 'a marble diagram string', marble);
  const flat = flatOf(values) as { [letter: string]: FlatElement<RecordTypeOf<V>> };
  const out: TimedElement<RecordTypeOf<V>>[] = [];
  for (const m of parseRunMode<FlatElement<RecordTypeOf<V>> | string>(marble, flat)) {
    if (m.kind === 'C') continue;
    if (m.kind === 'E' || typeof m.value === 'string' || m.value === undefined) {
      throw new InvalidArgumentError('timelineOf', 'marble', `a diagram whose letters are all in values (found ${m.kind === 'E' ? "'#'" : `'${String(m.value)}'`})`, marble);
    }
    out.push({ frame: m.frame, element: m.value });
  }
  return out;
}
