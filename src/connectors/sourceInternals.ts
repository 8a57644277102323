import type { Subscriber } from 'rxjs';
import type { Element } from '../core/Element';
import { END_OF_INPUT, watermark } from '../core/elementFactories';
import { InvalidArgumentError, InvalidTimestampError, UserFunctionError } from '../core/errors';
import { isValidTimestamp, MAX_WATERMARK, NO_TIMESTAMP } from '../core/time';
import type { Timestamp, TimestampExtractor } from '../core/types';

/** Options shared by the sources. */
export interface SourceOptions<T> {
  /** Extracts each value's event timestamp; without it records carry no timestamp. */
  readonly timestamp?: TimestampExtractor<T>;
  /** Records per batch (default 1,024). Results never depend on it. */
  readonly batchSize?: number;
}

/** The default number of records per batch. */
export const DEFAULT_BATCH_SIZE = 1024;

/** @internal Validates a batch size argument. */
export function checkBatchSize(operator: string, size: number | undefined, fallback = DEFAULT_BATCH_SIZE): number {
  if (size === undefined) return fallback;
  if (!Number.isInteger(size) || size < 1) {
    throw new InvalidArgumentError(operator, 'batchSize', 'a positive integer', size);
  }
  return size;
}

/** @internal Validates a timestamp extractor argument. */
export function checkExtractor<T>(operator: string, fn: TimestampExtractor<T> | undefined): void {
  if (fn !== undefined && typeof fn !== 'function') {
    throw new InvalidArgumentError(operator, 'timestamp', 'a function', fn);
  }
}

/**
 * @internal
 * Fills `timestamps` for `values` with the extractor (validated), or with
 * NO_TIMESTAMP when there is none. `base` is the index of values[0] in the source.
 */
export function extractTimestamps<T>(
  operator: string,
  values: readonly T[],
  extractor: TimestampExtractor<T> | undefined,
  base: number,
): Timestamp[] {
  const n = values.length;
  const timestamps = new Array<Timestamp>(n);
  if (extractor === undefined) {
    for (let i = 0; i < n; i++) timestamps[i] = NO_TIMESTAMP;
    return timestamps;
  }
  let i = 0;
  let t: unknown;
  for (; i < n; i++) {
    try {
      t = extractor(values[i], base + i);
    } catch (err) {
      throw new UserFunctionError(operator, { value: values[i] }, err);
    }
    if (!isValidTimestamp(t)) throw new InvalidTimestampError(operator, { value: values[i] }, t);
    timestamps[i] = t;
  }
  return timestamps;
}

/** @internal Ends a bounded source: the maximum watermark, END, completion. */
export function endSource(subscriber: Subscriber<Element<never>>): void {
  if (subscriber.closed) return;
  subscriber.next(watermark(MAX_WATERMARK));
  subscriber.next(END_OF_INPUT);
  subscriber.complete();
}
