import { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError } from '../core/errors';
import { checkBatchSize, checkExtractor, extractTimestamps, type SourceOptions } from './sourceInternals';
import { runPullSource } from './sourceLoop';

/** Options of {@link fromCollection}. */
export interface FromCollectionOptions<T> extends SourceOptions<T> {
  /** Start at this index (a rewind to a recorded offset). Default 0. */
  readonly startOffset?: number;
  /** The source's name in checkpoints (default: by position, `fromCollection-0`, …). */
  readonly name?: string;
}

/**
 * A bounded source over an array: record batches of `batchSize` slices, each
 * carrying as `offset` the index after its last record (so a restore can
 * rewind), then the maximum watermark and end of input.
 *
 * It's like RxJS's `from(array)`, but emits batches and control elements.
 * Alone it emits everything synchronously; it pauses while a downstream
 * operator applies back-pressure, and under a checkpointed job it rewinds to
 * the restored index and emits barriers between batches.
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
    let from = start;
    runPullSource('fromCollection', options.name, subscriber, {
      next() {
        if (from >= items.length) return undefined;
        const to = Math.min(from + batchSize, items.length);
        const values = items.slice(from, to);
        const timestamps = extractTimestamps('fromCollection', values, options.timestamp, from);
        from = to;
        return recordBatch(values, timestamps, undefined, to);
      },
      offset: () => from,
      seek(offset) {
        if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset > items.length) {
          throw new InvalidArgumentError('fromCollection', 'restored offset', `an integer from 0 to ${items.length}`, offset);
        }
        from = offset;
      },
    });
  });
}
