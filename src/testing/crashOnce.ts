import { InvalidArgumentError } from '../core/errors';
import type { CrashPoint } from './CrashPoint';
import { createCrashPoint } from './crashPointInternals';

/**
 * A crash point that fails the job at the first record for which `predicate`
 * returns true, once over all attempts.
 *
 * It's {@link crashAfter} with the record chosen by its value rather than by
 * its number: the records of its batch before it still pass, then the stream
 * errors; after that crash every record passes.
 *
 * ```
 * crashOnce(v => v.user === 'u7'):
 * input:   [u1 u3][u5 u7 u9]
 * output:  [u1 u3][u5]✗           attempt 2 replays from the last checkpoint and passes u7
 * ```
 *
 * @example
 * const crash = crashOnce((e: Click) => e.page === '/checkout');
 * await expectCrashEquivalence({
 *   pipeline: (inject) => fromCollection(clicks).pipe(keyBy(c => c.page), inject, count({ emit: 'every' })),
 *   crashPoints: [crash],
 * });
 * crash.crashes; // 1
 * @param predicate gets each record's value and its 0-based number among the records that reached the crash point.
 * @returns a {@link CrashPoint}.
 */
export function crashOnce<T>(predicate: (value: T, index: number) => boolean): CrashPoint {
  if (typeof predicate !== 'function') throw new InvalidArgumentError('crashOnce', 'predicate', 'a function', predicate);
  let seen = 0;
  let fired = false;
  const state = { crashes: 0 };
  return createCrashPoint(
    'crashOnce(predicate)',
    {
      records(batch) {
        if (fired) return -1;
        const values = batch.values as readonly T[];
        for (let i = 0; i < values.length; i++) {
          if (predicate(values[i], seen++)) {
            fired = true;
            state.crashes++;
            return i;
          }
        }
        return -1;
      },
    },
    state,
    () => {
      seen = 0;
      fired = false;
    },
  );
}
