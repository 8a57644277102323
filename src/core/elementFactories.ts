import type { OutputTag } from '../route/OutputTag';
import type {
  CheckpointBarrier,
  EndOfInput,
  IdleMarker,
  RecordBatch,
  SideOutputBatch,
  SourceOffset,
  Watermark,
} from './Element';
import { NO_TIMESTAMP } from './time';
import type { Timestamp } from './types';

/**
 * Builds a record batch from its columns. The arrays are taken as they are (not
 * copied): do not mutate them afterwards.
 */
export function recordBatch<T>(
  values: readonly T[],
  timestamps: readonly Timestamp[],
  keys?: readonly unknown[],
  offset?: SourceOffset,
): RecordBatch<T> {
  if (keys === undefined) {
    return offset === undefined ? { kind: 'batch', values, timestamps } : { kind: 'batch', values, timestamps, offset };
  }
  return offset === undefined
    ? { kind: 'batch', values, timestamps, keys }
    : { kind: 'batch', values, timestamps, keys, offset };
}

/** A batch of one record. */
export function record<T>(value: T, timestamp: Timestamp = NO_TIMESTAMP, key?: unknown): RecordBatch<T> {
  return key === undefined
    ? { kind: 'batch', values: [value], timestamps: [timestamp] }
    : { kind: 'batch', values: [value], timestamps: [timestamp], keys: [key] };
}

/** A watermark element. */
export function watermark(timestamp: Timestamp): Watermark {
  return { kind: 'watermark', timestamp };
}

/** A checkpoint barrier element. */
export function barrier(checkpointId: number, triggeredAt: Timestamp = 0, savepoint = false): CheckpointBarrier {
  return { kind: 'barrier', checkpointId, triggeredAt, savepoint };
}

/** An idleness marker. */
export function idle(isIdle = true): IdleMarker {
  return { kind: 'idle', idle: isIdle };
}

/** The end-of-input element. */
export const END_OF_INPUT: EndOfInput = Object.freeze({ kind: 'end' as const });

/** Wraps a batch as a side output under `tag`. */
export function sideOutputBatch<X>(tag: OutputTag<X>, batch: RecordBatch<X>): SideOutputBatch {
  return { kind: 'side', tag: tag as OutputTag<unknown>, batch };
}
