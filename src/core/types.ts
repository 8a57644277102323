import type { OperatorFunction } from 'rxjs';
import type { Element } from './Element';

/** Milliseconds of event time or processing time (an absolute point on a clock). */
export type Timestamp = number;

/** A length of time in milliseconds. */
export type Duration = number;

/** Extracts the key of a record. Keys must be strings, numbers, bigints, booleans or arrays/plain objects of them. */
export type KeySelector<T, K> = (value: T) => K;

/** Extracts the event timestamp (milliseconds) of a value. */
export type TimestampExtractor<T> = (value: T, index: number) => Timestamp;

/**
 * An operator over element streams: a pipeable RxJS `OperatorFunction` from
 * `Element<T>` to `Element<R>`. Every streamlite-rx operator has this type.
 */
export type ElementOperator<T, R> = OperatorFunction<Element<T>, Element<R>>;
