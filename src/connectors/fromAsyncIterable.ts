import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { currentFlowGates, gatesOpen, whenGatesOpen } from '../actor/FlowGate';
import { currentJob } from '../checkpoint/JobContext';
import type { CheckpointBarrier, Element } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, SourceError, StreamLiteError } from '../core/errors';
import type { Duration } from '../core/types';
import { checkBatchSize, checkExtractor, endSource, extractTimestamps, type SourceOptions } from './sourceInternals';

/** Options of {@link fromAsyncIterable}. */
export interface FromAsyncIterableOptions<T> extends SourceOptions<T> {
  /** The longest a value waits in a partial batch while the iterator is slow (default 0: the next macrotask). */
  readonly maxDelay?: Duration;
  /** The processing-time scheduler for `maxDelay` (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
  /** The source's name in checkpoints. */
  readonly name?: string;
}

/**
 * A source over an async iterable (an async generator, a Node readable stream,
 * a paginated API), pulled one value at a time — and not at all while a
 * downstream operator applies back-pressure: at most one batch is in flight
 * — it is filled, emitted (downstream operators run synchronously on it), and
 * only then is more requested. Nothing is read ahead, so memory stays flat
 * however long the input is.
 *
 * A batch is emitted when it holds `batchSize` values, or when `maxDelay` has
 * passed since its first value while the iterator is still slow (a live source
 * does not hold records back). Ends with the maximum watermark and end of
 * input; an iterator that throws errors the stream with a {@link SourceError};
 * unsubscribing calls the iterator's `return()`.
 *
 * ```
 * iterable: a b c ... d      (… = the iterator is slow)
 * output:   [a b c]----[d]W(max)|
 * ```
 *
 * @example
 * async function* lines() { yield 'the quick fox'; yield 'the dog'; }
 * await StreamLite.fromAsyncIterable(lines()).flatMap(l => l.split(' ')).keyBy(w => w).count().collect();
 */
export function fromAsyncIterable<T>(
  iterable: AsyncIterable<T>,
  options: FromAsyncIterableOptions<T> = {},
): Observable<Element<T>> {
  if (iterable == null || typeof (iterable as AsyncIterable<T>)[Symbol.asyncIterator] !== 'function') {
    throw new InvalidArgumentError('fromAsyncIterable', 'iterable', 'an async iterable', iterable);
  }
  const batchSize = checkBatchSize('fromAsyncIterable', options.batchSize);
  checkExtractor('fromAsyncIterable', options.timestamp);
  const maxDelay = options.maxDelay ?? 0;
  if (typeof maxDelay !== 'number' || !(maxDelay >= 0) || !Number.isFinite(maxDelay)) {
    throw new InvalidArgumentError('fromAsyncIterable', 'maxDelay', 'a finite number of milliseconds ≥ 0', maxDelay);
  }
  const scheduler = options.scheduler ?? asyncScheduler;
  return new Observable<Element<T>>((subscriber) => {
    const iterator = iterable[Symbol.asyncIterator]();
    let read = 0;
    let values: T[] = [];
    let timer: Subscription | undefined;
    const emit = (): void => {
      timer?.unsubscribe();
      timer = undefined;
      if (values.length === 0 || subscriber.closed) return;
      const batch = values;
      values = [];
      const timestamps = extractTimestamps('fromAsyncIterable', batch, options.timestamp, read);
      read += batch.length;
      subscriber.next(recordBatch(batch, timestamps, undefined, read));
    };
    const fail = (err: unknown): void => {
      if (subscriber.closed) return;
      subscriber.error(
        err instanceof StreamLiteError
          ? err
          : new SourceError('fromAsyncIterable', `iterator failed after ${read + values.length} values`, err),
      );
    };
    const gates = currentFlowGates();
    const job = currentJob();
    const barriers: CheckpointBarrier[] = [];
    const handle = job?.registerSource('fromAsyncIterable', options.name, { rewindable: false, requestBarrier: (b) => barriers.push(b) });
    const flushBarriers = (): void => {
      if (barriers.length === 0) return;
      emit();
      while (barriers.length > 0 && !subscriber.closed) {
        const b = barriers.shift()!;
        subscriber.next(b);
        handle?.barrierEmitted(b, read);
      }
    };
    const run = async (): Promise<void> => {
      for (;;) {
        flushBarriers();
        if (!gatesOpen(gates)) {
          emit();
          await new Promise<void>((resume) => whenGatesOpen(gates, resume));
          if (subscriber.closed) return;
        }
        const step = await iterator.next();
        if (subscriber.closed) return;
        if (step.done) {
          emit();
          flushBarriers();
          handle?.ended(read);
          endSource(subscriber);
          return;
        }
        values.push(step.value);
        if (values.length >= batchSize) emit();
        else if (timer === undefined) {
          timer = scheduler.schedule(() => {
            timer = undefined;
            try {
              emit();
            } catch (err) {
              fail(err);
            }
          }, maxDelay);
        }
        if (subscriber.closed) return;
      }
    };
    run().catch(fail);
    return () => {
      timer?.unsubscribe();
      void Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => undefined);
    };
  });
}
