import type { RecordBatch } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError } from '../core/errors';
import { isValidTimestamp, NO_TIMESTAMP } from '../core/time';
import type { Timestamp } from '../core/types';

/**
 * A record batch of several records, from `[value, timestamp?, key?]` tuples:
 * one marble letter standing for a whole batch, to show that results do not
 * depend on batch boundaries.
 *
 * It's like {@link rec} for many records at once; keys are set on the batch
 * only when every tuple has one.
 *
 * ```
 * marble:  -a---|        a = batchOf(['x', 1], ['y', 2])
 * meaning: -[x@1 y@2]-|
 * flat:    -(xy)-|       after flatten(): one notification per record
 * ```
 *
 * @example
 * const a = batchOf(['x', 1], ['y', 2]);
 * // a.values → ['x', 'y'], a.timestamps → [1, 2], a.keys → undefined
 * @param records the records, in order: `[value]`, `[value, timestamp]` or `[value, timestamp, key]`.
 * @returns one {@link RecordBatch} with all of them.
 */
export function batchOf<T>(...records: ReadonlyArray<readonly [T, Timestamp?, unknown?]>): RecordBatch<T> {
  const n = records.length;
  const values = new Array<T>(n);
  const timestamps = new Array<Timestamp>(n);
  const keys = new Array<unknown>(n);
  let keyed = n > 0;
  for (let i = 0; i < n; i++) {
    const [value, timestamp, key] = records[i];
    if (timestamp !== undefined && !isValidTimestamp(timestamp)) {
      throw new InvalidArgumentError('batchOf', `records[${i}] timestamp`, 'a finite number of milliseconds', timestamp);
    }
    values[i] = value;
    timestamps[i] = timestamp ?? NO_TIMESTAMP;
    keys[i] = key;
    if (records[i].length < 3) keyed = false;
  }
  return keyed ? recordBatch(values, timestamps, keys) : recordBatch(values, timestamps);
}
