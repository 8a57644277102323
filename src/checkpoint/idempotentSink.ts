import { InvalidArgumentError, UserFunctionError } from '../core/errors';
import type { ElementOperator } from '../core/types';
import { elementOperator } from '../operators/operate';

/**
 * Writes every record as a keyed upsert: `upsert(key, value)` replaces the
 * key's row. A replay after a restore writes the same rows again, which
 * changes nothing — so at-least-once delivery gives exactly-once *results*
 * for keyed, last-value-wins output (counts per key, latest window results),
 * without transactions. Elements pass through unchanged.
 *
 * It's the idempotent-writes alternative to {@link twoPhaseCommit}, like a
 * Kafka Streams table sink or an `INSERT … ON CONFLICT DO UPDATE`. It is only
 * exact when the key identifies the result (replays overwrite, never append)
 * and the values written for a key in a replay are the ones the first run
 * wrote — true for deterministic pipelines restored from a checkpoint.
 *
 * ```
 * input:   -[(a,1)]-B1-[(a,2) (b,1)]-✗   restore from 1, replay [(a,2) (b,1)]
 * rows:    a=1 → a=2, b=1 → (replay) a=2, b=1      final: a=2, b=1
 * ```
 *
 * @example
 * const rows = new Map<string, number>();
 * counts$.pipe(idempotentSink(([word]) => word, (word, [, n]) => rows.set(word, n)));
 * @param keyOf the row key of a record.
 * @param upsert writes (replaces) one row; a Promise is not awaited (use a store whose writes are ordered).
 */
export function idempotentSink<T, K>(keyOf: (value: T) => K, upsert: (key: K, value: T) => void): ElementOperator<T, T> {
  if (typeof keyOf !== 'function') throw new InvalidArgumentError('idempotentSink', 'keyOf', 'a function', keyOf);
  if (typeof upsert !== 'function') throw new InvalidArgumentError('idempotentSink', 'upsert', 'a function', upsert);
  return elementOperator<T, T>('idempotentSink', (out) => ({
    batch(batch) {
      const { values, timestamps } = batch;
      for (let i = 0; i < values.length; i++) {
        try {
          upsert(keyOf(values[i]), values[i]);
        } catch (err) {
          throw new UserFunctionError('idempotentSink', { value: values[i], timestamp: timestamps[i] }, err);
        }
      }
      out.next(batch);
    },
  }));
}
