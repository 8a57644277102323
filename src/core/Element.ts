import type { OutputTag } from '../route/OutputTag';
import type { Timestamp } from './types';

/**
 * A batch of records, stored column by column: `values[i]`, `timestamps[i]` and
 * (after `keyBy`) `keys[i]` describe record `i`. Records travel in batches so
 * that an RxJS emission is paid per batch, never per record.
 *
 * A batch is immutable once emitted: operators build new arrays (they may share
 * an unchanged column with their input, e.g. `keyBy` reuses `values`).
 *
 * A record without an event timestamp carries {@link NO_TIMESTAMP}.
 */
export interface RecordBatch<T> {
  readonly kind: 'batch';
  readonly values: readonly T[];
  readonly timestamps: readonly Timestamp[];
  /** Keys by record, present on keyed streams (after `keyBy`). */
  readonly keys?: readonly unknown[];
  /**
   * The source position just after the last record of this batch, set by
   * rewindable sources (collection index, file byte offset). Operators drop it.
   */
  readonly offset?: SourceOffset;
}

/** Where a source stands: enough to rewind it and replay from there. */
export type SourceOffset = number | string | bigint;

/**
 * A watermark `W`: no more records with timestamp ≤ `W` will arrive on this
 * stream. Watermarks never go backwards.
 */
export interface Watermark {
  readonly kind: 'watermark';
  readonly timestamp: Timestamp;
}

/**
 * A checkpoint barrier: everything before it belongs to checkpoint
 * `checkpointId`, everything after it to the next one.
 */
export interface CheckpointBarrier {
  readonly kind: 'barrier';
  readonly checkpointId: number;
  /** Processing time at which the checkpoint was triggered. */
  readonly triggeredAt: Timestamp;
  /** True for a savepoint (taken on request, portable). */
  readonly savepoint: boolean;
}

/**
 * The input has become idle (`idle: true`) or active again (`idle: false`):
 * an idle input does not hold back the combined watermark of a multi-input operator.
 */
export interface IdleMarker {
  readonly kind: 'idle';
  readonly idle: boolean;
}

/** End of input: nothing follows. Sources send the maximum watermark just before it. */
export interface EndOfInput {
  readonly kind: 'end';
}

/** A control element: flows in band, in order with the data. */
export type ControlElement = Watermark | CheckpointBarrier | IdleMarker | EndOfInput;

/**
 * A batch of side-output records, tagged with its {@link OutputTag}. Main-path
 * operators forward it untouched; `sideOutput(tag)` turns it into main records.
 */
export interface SideOutputBatch {
  readonly kind: 'side';
  readonly tag: OutputTag<unknown>;
  readonly batch: RecordBatch<unknown>;
}

/** What flows inside the engine: record batches, side-output batches and in-band control elements. */
export type Element<T> = RecordBatch<T> | SideOutputBatch | ControlElement;

/** A record batch whose `keys` column is present and typed (the output of `keyBy`). */
export interface KeyedRecordBatch<T, K> extends RecordBatch<T> {
  readonly keys: readonly K[];
}

/** An element of a keyed stream: keyed batches plus everything else. */
export type KeyedElement<T, K> = KeyedRecordBatch<T, K> | SideOutputBatch | ControlElement;
