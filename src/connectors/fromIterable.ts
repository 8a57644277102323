import { Observable } from 'rxjs';
import type { Element } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, SourceError } from '../core/errors';
import { checkBatchSize, checkExtractor, extractTimestamps, type SourceOptions } from './sourceInternals';
import { runPullSource } from './sourceLoop';

/**
 * A bounded source over any (synchronous) iterable — a generator, a Set, a
 * Map's entries: pulled `batchSize` values at a time, never drained into
 * memory first, then the maximum watermark and end of input. Each batch
 * carries as `offset` the number of values read so far.
 *
 * It's like RxJS's `from(iterable)`, but emits batches; an iterator that
 * throws errors the stream with a {@link SourceError} (cause attached), and
 * unsubscribing calls the iterator's `return()`.
 *
 * ```
 * iterable: a b c d e          batchSize = 2
 * output:   [a b][c d][e]W(max)|
 * ```
 *
 * @example
 * function* naturals() { for (let i = 0; ; i++) yield i; }
 * StreamLite.fromIterable(naturals()).filter(n => n % 2 === 0)  // an unbounded source works too
 */
export function fromIterable<T>(iterable: Iterable<T>, options: SourceOptions<T> & { readonly name?: string } = {}): Observable<Element<T>> {
  if (iterable == null || typeof (iterable as Iterable<T>)[Symbol.iterator] !== 'function') {
    throw new InvalidArgumentError('fromIterable', 'iterable', 'an iterable', iterable);
  }
  const batchSize = checkBatchSize('fromIterable', options.batchSize);
  checkExtractor('fromIterable', options.timestamp);
  return new Observable<Element<T>>((subscriber) => {
    let iterator: Iterator<T>;
    try {
      iterator = iterable[Symbol.iterator]();
    } catch (err) {
      subscriber.error(new SourceError('fromIterable', 'could not start the iterator', err));
      return undefined;
    }
    // A fresh iterator per call (arrays, Sets, Maps) can be rewound by skipping; a generator cannot.
    const reiterable = (iterator as unknown) !== iterable;
    let read = 0;
    let done = false;
    runPullSource('fromIterable', options.name, subscriber, {
      next() {
        if (done) return undefined;
        const values: T[] = [];
        try {
          while (values.length < batchSize) {
            const step = iterator.next();
            if (step.done) {
              done = true;
              break;
            }
            values.push(step.value);
          }
        } catch (err) {
          throw new SourceError('fromIterable', `iterator threw after ${read + values.length} values`, err);
        }
        if (values.length === 0) return undefined;
        const timestamps = extractTimestamps('fromIterable', values, options.timestamp, read);
        read += values.length;
        return recordBatch(values, timestamps, undefined, read);
      },
      offset: () => read,
      seek: reiterable
        ? (offset) => {
            if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
              throw new InvalidArgumentError('fromIterable', 'restored offset', 'a non-negative integer', offset);
            }
            for (; read < offset; read++) if (iterator.next().done) break;
          }
        : undefined,
      close() {
        if (!done) iterator.return?.();
      },
    });
    return undefined;
  });
}
