import type { RecordBatch } from '../core/Element';
import { record } from '../core/elementFactories';
import { InvalidArgumentError } from '../core/errors';
import { isValidTimestamp, NO_TIMESTAMP } from '../core/time';
import type { Timestamp } from '../core/types';

/**
 * A record batch holding one record: the value of a lowercase marble letter.
 *
 * It's like `record()` from the main entry, but checks its timestamp at once,
 * so a typo in a values map fails where it is written, not deep in an operator.
 *
 * ```
 * marble:  -a--b-|        a = rec('x', 1), b = rec('y', 7)
 * meaning: -[x@1]--[y@7]-|
 * ```
 *
 * @example
 * const values = elementsOf({ a: rec('x', 1), b: rec('y', 7, 'k1') });
 * // values.a.values → ['x'], values.a.timestamps → [1]; values.b.keys → ['k1']
 * @param value the record's value.
 * @param timestamp its event timestamp; omitted means "no timestamp" ({@link NO_TIMESTAMP}).
 * @param key its key, as if `keyBy` had run; omitted means an unkeyed record.
 * @returns a one-record {@link RecordBatch}.
 */
export function rec<T>(value: T, timestamp?: Timestamp, key?: unknown): RecordBatch<T> {
  if (timestamp !== undefined && !isValidTimestamp(timestamp)) {
    throw new InvalidArgumentError('rec', 'timestamp', 'a finite number of milliseconds', timestamp);
  }
  return record(value, timestamp ?? NO_TIMESTAMP, key);
}
