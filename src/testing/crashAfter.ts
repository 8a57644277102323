import { InvalidArgumentError } from '../core/errors';
import type { CrashPoint } from './CrashPoint';
import { createCrashPoint } from './crashPointInternals';

/**
 * A crash point that fails the job when the `n`-th record reaches it, once:
 * a crash between two records, at any place of the pipeline.
 *
 * It's like a `map` that throws at record `n`, but it throws only once over
 * all attempts (its count lives in the returned object, so create it outside
 * the pipeline factory) and the records of the batch before the `n`-th one
 * still pass, so the crash falls exactly between records `n − 1` and `n`.
 *
 * ```
 * crashAfter(4), batches of 3:
 * input:   [a b c][d e f]
 * output:  [a b c]✗                 attempt 1: d is the 4th record, it never passes
 * attempt 2 (restored, replayed):   [d e f]…   (fired: everything passes)
 * ```
 *
 * Records are counted as they pass the operator, replays included, until the
 * crash; control elements (watermarks, barriers) pass untouched.
 *
 * @example
 * const report = await expectCrashEquivalence({
 *   pipeline: (inject) => fromCollection(words).pipe(inject, keyBy(w => w), count({ emit: 'every' })),
 *   crashPoints: [crashAfter(1), crashAfter(500), crashAfter(words.length)],
 * });
 * report.runs.map(r => r.attempts); // [2, 2, 2]
 * @see crashOnce for a crash at a record chosen by a predicate.
 * @param n the 1-based number of the record that crashes.
 * @returns a {@link CrashPoint}: put it in the pipeline, or hand it to {@link expectCrashEquivalence}.
 */
export function crashAfter(n: number): CrashPoint {
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('crashAfter', 'n', 'a positive integer', n);
  let seen = 0;
  let fired = false;
  const state = { crashes: 0 };
  return createCrashPoint(
    `crashAfter(${n})`,
    {
      records(batch) {
        if (fired) return -1;
        const length = batch.values.length;
        if (seen + length < n) {
          seen += length;
          return -1;
        }
        fired = true;
        state.crashes++;
        const at = n - seen - 1;
        seen = n;
        return at;
      },
    },
    state,
    () => {
      seen = 0;
      fired = false;
    },
  );
}
