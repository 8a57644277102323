import type { Timestamp } from '../core/types';

/** A record after {@link flatten}: `timestamp` and `key` are present only when the record has them. */
export interface FlatRecord<T> {
  readonly value: T;
  readonly timestamp?: Timestamp;
  readonly key?: unknown;
}

/** A watermark after {@link flatten}. */
export interface FlatWatermark {
  readonly watermark: Timestamp;
}

/** A checkpoint barrier after {@link flatten}: `savepoint` is present only for a savepoint. */
export interface FlatBarrier {
  readonly barrier: number;
  readonly savepoint?: true;
}

/** An idleness marker after {@link flatten}. */
export interface FlatIdle {
  readonly idle: boolean;
}

/** End of input after {@link flatten}. */
export interface FlatEnd {
  readonly end: true;
}

/** A side-output record after {@link flatten}, named by its tag's id. */
export interface FlatSideRecord {
  readonly side: string;
  readonly value: unknown;
  readonly timestamp?: Timestamp;
  readonly key?: unknown;
}

/**
 * The flat, batch-free form of an element stream that marble assertions compare:
 * one notification per record (main or side) and one per control element.
 *
 * ```
 * elements: -[x@1 y@2]--W5--B1--|
 * flat:     -({value:x,timestamp:1}{value:y,timestamp:2})--{watermark:5}--{barrier:1}--|
 * ```
 */
export type FlatElement<T> = FlatRecord<T> | FlatWatermark | FlatBarrier | FlatIdle | FlatEnd | FlatSideRecord;

/** The kinds of control element and side output that {@link flatten} can leave out. */
export type FlatKind = 'watermark' | 'barrier' | 'idle' | 'end' | 'side';
