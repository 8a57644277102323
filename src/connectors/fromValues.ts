import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { currentJob } from '../checkpoint/JobContext';
import type { CheckpointBarrier, Element } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError } from '../core/errors';
import type { Duration } from '../core/types';
import { subscribeLinked } from '../operators/operate';
import { checkBatchSize, checkExtractor, endSource, extractTimestamps, type SourceOptions } from './sourceInternals';

/** Options of {@link fromValues} and {@link fromObservable}. */
export interface FromValuesOptions<T> extends SourceOptions<T> {
  /**
   * Records per batch. Default 1: a batch of one per value, emitted at once.
   * Above 1, values are micro-batched: a batch leaves when it is full, or
   * `maxDelay` after its first value arrived, whichever is first.
   */
  readonly batchSize?: number;
  /** With `batchSize` > 1: the longest a value waits in a partial batch (processing time). Default 10 ms. */
  readonly maxDelay?: Duration;
  /** The processing-time scheduler for `maxDelay` (default `asyncScheduler`; a TestScheduler in marble tests). */
  readonly scheduler?: SchedulerLike;
}

/**
 * Enters an element stream from a plain `Observable<T>`: the inverse of
 * {@link values}. Each value becomes a record (timestamped by
 * `options.timestamp` if given); completion becomes the maximum watermark and
 * end of input; an error passes through.
 *
 * It's the door from any RxJS app into streamlite-rx operators:
 * `clicks$.pipe(fromValues(), keyBy(c => c.page), count(), values())`.
 *
 * ```
 * input:   -a--b-----c-|
 * output:  -a--b-----c-W(max)|          batchSize 1 (default)
 * batched: ----[a b]----[c]W(max)|      batchSize 2, maxDelay 4
 * ```
 *
 * @example
 * of('a', 'b', 'a').pipe(fromValues(), keyBy(w => w), count(), values()).subscribe(console.log);
 * // ['a', 2]  ['b', 1]
 * @param options timestamps and micro-batching.
 */
export function fromValues<T>(options: FromValuesOptions<T> = {}): OperatorFunction<T, Element<T>> {
  const batchSize = checkBatchSize('fromValues', options.batchSize, 1);
  checkExtractor('fromValues', options.timestamp);
  const maxDelay = options.maxDelay ?? 10;
  if (typeof maxDelay !== 'number' || !(maxDelay >= 0) || !Number.isFinite(maxDelay)) {
    throw new InvalidArgumentError('fromValues', 'maxDelay', 'a finite number of milliseconds ≥ 0', maxDelay);
  }
  const scheduler = options.scheduler ?? asyncScheduler;
  const extractor = options.timestamp;
  return (source) =>
    new Observable<Element<T>>((subscriber) => {
      // Under a checkpointed job: a source that cannot rewind (refused when exactly-once is asked);
      // with exactly-once off, barriers go out between values.
      const barriers: CheckpointBarrier[] = [];
      const job = currentJob()?.registerSource('fromValues', undefined, { rewindable: false, requestBarrier: (b) => barriers.push(b) });
      let index = 0;
      let pending: T[] = [];
      let timer: Subscription | undefined;
      const flush = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        if (pending.length === 0) return;
        const values = pending;
        pending = [];
        const timestamps = extractTimestamps('fromValues', values, extractor, index);
        index += values.length;
        subscriber.next(recordBatch(values, timestamps));
        while (barriers.length > 0 && !subscriber.closed) {
          const b = barriers.shift()!;
          subscriber.next(b);
          job?.barrierEmitted(b, index);
        }
      };
      const safeFlush = (): boolean => {
        try {
          flush();
          return true;
        } catch (err) {
          subscriber.error(err);
          return false;
        }
      };
      const subscription = subscribeLinked(source, subscriber, {
        next(value) {
          pending.push(value);
          if (pending.length >= batchSize) safeFlush();
          else if (timer === undefined) timer = scheduler.schedule(() => safeFlush(), maxDelay);
        },
        error(err) {
          if (safeFlush()) subscriber.error(err);
        },
        complete() {
          if (safeFlush()) {
            job?.ended(index);
            endSource(subscriber);
          }
        },
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
