import { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError } from '../core/errors';
import { checkBatchSize, checkExtractor, endSource, extractTimestamps, type SourceOptions } from './sourceInternals';

/** Options of {@link fromCollection}. */
export interface FromCollectionOptions<T> extends SourceOptions<T> {
  /** Start at this index (a rewind to a recorded offset). Default 0. */
  readonly startOffset?: number;
}

/**
 * A bounded source over an array: record batches of `batchSize` slices, each
 * carrying as `offset` the index after its last record (so a restore can
 * rewind), then the maximum watermark and end of input.
 *
 * It's like RxJS's `from(array)`, but emits batches and control elements.
 *
 * ```
 * items:   [a b c d e]           batchSize = 2
 * output:  [a b][c d][e]W(max)|
 * ```
 *
 * @example
 * const counts = await StreamLite.fromCollection(['a', 'b', 'a']).keyBy(w => w).count().collect();
 * // [['a', 2], ['b', 1]]
 * @param items the records' values; not copied, so do not mutate it while the source runs.
 * @param options event timestamps, batch size, start offset.
 */
export function fromCollection<T>(items: readonly T[], options: FromCollectionOptions<T> = {}): Observable<Element<T>> {
  if (!Array.isArray(items)) throw new InvalidArgumentError('fromCollection', 'items', 'an array', items);
  const batchSize = checkBatchSize('fromCollection', options.batchSize);
  checkExtractor('fromCollection', options.timestamp);
  const start = options.startOffset ?? 0;
  if (!Number.isInteger(start) || start < 0 || start > items.length) {
    throw new InvalidArgumentError('fromCollection', 'startOffset', `an integer from 0 to ${items.length}`, start);
  }
  return new Observable<Element<T>>((subscriber) => {
    for (let from = start; from < items.length && !subscriber.closed; from += batchSize) {
      const to = Math.min(from + batchSize, items.length);
      const values = items.slice(from, to);
      const timestamps = extractTimestamps('fromCollection', values, options.timestamp, from);
      subscriber.next(recordBatch(values, timestamps, undefined, to));
    }
    endSource(subscriber);
  });
}
