/**
 * The catalogue of every error streamlite-rx raises. Each names the operator,
 * the record (value, timestamp, key) where there is one, and what was expected.
 */
import { NO_TIMESTAMP } from './time';

/** A record as errors describe it. */
export interface RecordDescription {
  readonly value: unknown;
  readonly timestamp?: number;
  readonly key?: unknown;
}

/** @internal A short, safe rendering of any value for an error message. */
export function describeValue(value: unknown, max = 80): string {
  let text: string;
  switch (typeof value) {
    case 'string':
      text = JSON.stringify(value);
      break;
    case 'bigint':
      text = `${value}n`;
      break;
    case 'function':
      text = `[function ${value.name || 'anonymous'}]`;
      break;
    case 'symbol':
      text = value.toString();
      break;
    case 'undefined':
      text = 'undefined';
      break;
    case 'number':
      text = String(value);
      break;
    default:
      try {
        text =
          JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
      } catch {
        text = Object.prototype.toString.call(value);
      }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** @internal Renders a record for an error message. */
export function describeRecord(record: RecordDescription): string {
  const parts = [`value: ${describeValue(record.value)}`];
  if (record.timestamp !== undefined && record.timestamp !== NO_TIMESTAMP) {
    parts.push(`timestamp: ${describeValue(record.timestamp)}`);
  }
  if (record.key !== undefined) parts.push(`key: ${describeValue(record.key)}`);
  return `{${parts.join(', ')}}`;
}

/** The base class of every streamlite-rx error. */
export class StreamLiteError extends Error {
  /** The operator (or source, sink, component) that raised it. */
  readonly operator: string;
  /** The record being processed, when there was one. */
  readonly record: RecordDescription | undefined;

  constructor(operator: string, message: string, record?: RecordDescription, options?: { cause?: unknown }) {
    super(`${operator}: ${message}${record ? ` (record ${describeRecord(record)})` : ''}`, options);
    this.name = new.target.name;
    this.operator = operator;
    this.record = record;
  }
}

/** An operator, source or sink was created with an invalid argument. */
export class InvalidArgumentError extends StreamLiteError {
  constructor(
    operator: string,
    readonly argument: string,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(operator, `argument '${argument}' must be ${expected}, got ${describeValue(actual)}`);
  }
}

/** A user function (map, filter, key selector, reducer, …) threw; the original error is the `cause`. */
export class UserFunctionError extends StreamLiteError {
  constructor(operator: string, record: RecordDescription | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : describeValue(cause);
    super(operator, `user function threw: ${reason}`, record, { cause });
  }
}

/** A timestamp was not a finite number. */
export class InvalidTimestampError extends StreamLiteError {
  constructor(
    operator: string,
    record: RecordDescription,
    readonly timestamp: unknown,
  ) {
    super(operator, `timestamp must be a finite number of milliseconds, got ${describeValue(timestamp)}`, record);
  }
}

/** A record reached an event-time operator without an event timestamp. */
export class MissingTimestampError extends StreamLiteError {
  constructor(operator: string, record: RecordDescription) {
    super(
      operator,
      'record has no event timestamp; assign one at the source ({ timestamp }) or with assignTimestampsAndWatermarks()',
      record,
    );
  }
}

/** A key was not a string, number, bigint, boolean, or an array/plain object of them. */
export class InvalidKeyError extends StreamLiteError {
  constructor(
    operator: string,
    record: RecordDescription,
    readonly key: unknown,
    readonly reason: string,
  ) {
    super(
      operator,
      `invalid key ${describeValue(key)}: ${reason}; expected a string, finite number, bigint, boolean, or an array or plain object of them`,
      record,
    );
  }
}

/** A keyed operator received records that were not keyed (no `keyBy` upstream). */
export class NotKeyedError extends StreamLiteError {
  constructor(operator: string) {
    super(operator, 'input is not keyed: call keyBy(...) before this operator');
  }
}

/** Something that is not an element arrived on an element stream. */
export class InvalidElementError extends StreamLiteError {
  constructor(
    operator: string,
    readonly element: unknown,
  ) {
    super(
      operator,
      `expected an element (a record batch or a control element), got ${describeValue(element)}; enter plain values with fromValues()`,
    );
  }
}

/** A source failed (read error, iterator threw). */
export class SourceError extends StreamLiteError {
  constructor(source: string, message: string, cause?: unknown) {
    super(source, message, undefined, { cause });
  }
}

/** Where a checkpoint's bytes came from, as checkpoint errors report it. */
export interface CheckpointSource {
  /** The checkpoint's id, when known. */
  readonly checkpointId?: number;
  /** The file (or storage location) the bytes were read from, when there is one. */
  readonly path?: string;
}

/** @internal "checkpoint 42 (/dir/chk-42.data)", "checkpoint 42", "/dir/x" or "snapshot". */
function describeCheckpointSource(source: CheckpointSource): string {
  const id = source.checkpointId !== undefined ? `checkpoint ${source.checkpointId}` : undefined;
  if (id !== undefined && source.path !== undefined) return `${id} (${source.path})`;
  return id ?? source.path ?? 'snapshot';
}

/**
 * What is wrong with a corrupted checkpoint:
 * - `bad-magic`: the bytes do not start with `SLRX` (not a checkpoint, or overwritten);
 * - `truncated`: fewer bytes than the header or its payload length says;
 * - `length-mismatch`: more bytes than the header says;
 * - `checksum-mismatch`: the payload's CRC-32C differs from the header's (a flipped bit);
 * - `incomplete`: the data was written but its metadata never was (a crash mid-write);
 * - `missing-data`: metadata without its data;
 * - `data-mismatch`: the data is intact but is not the data the metadata was written with;
 * - `invalid-metadata`: the metadata is intact bytes but not valid checkpoint metadata;
 * - `invalid-payload`: the payload is intact bytes but cannot be deserialized.
 */
export type CheckpointCorruption =
  | 'bad-magic'
  | 'truncated'
  | 'length-mismatch'
  | 'checksum-mismatch'
  | 'incomplete'
  | 'missing-data'
  | 'data-mismatch'
  | 'invalid-metadata'
  | 'invalid-payload';

/**
 * A checkpoint's bytes are damaged or incomplete: `reason` says how, the
 * message gives the numbers (expected and actual checksum, length, …).
 * Restore skips such a checkpoint and falls back to an older intact one.
 */
export class CheckpointCorruptedError extends StreamLiteError {
  /** The checkpoint's id, when known. */
  readonly checkpointId: number | undefined;
  /** The file it was read from, when there is one. */
  readonly path: string | undefined;

  constructor(
    component: string,
    source: CheckpointSource,
    readonly reason: CheckpointCorruption,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(component, `${describeCheckpointSource(source)} is corrupted (${reason}): ${detail}`, undefined, options);
    this.checkpointId = source.checkpointId;
    this.path = source.path;
  }
}

/**
 * A checkpoint was written in a format version (or with format flags) this
 * build cannot read: written by a newer streamlite-rx, or a damaged header.
 */
export class CheckpointVersionError extends StreamLiteError {
  /** The checkpoint's id, when known. */
  readonly checkpointId: number | undefined;
  /** The file it was read from, when there is one. */
  readonly path: string | undefined;

  constructor(
    component: string,
    source: CheckpointSource,
    readonly version: number,
    readonly supportedVersions: readonly number[],
    readonly flags = 0,
  ) {
    super(
      component,
      `${describeCheckpointSource(source)} has format version ${version}${flags !== 0 ? ` with unknown flags 0x${flags.toString(16).padStart(4, '0')}` : ''}; this build reads version ${supportedVersions.join(', ')}${flags !== 0 ? ' without flags' : ''}`,
    );
    this.checkpointId = source.checkpointId;
    this.path = source.path;
  }
}

/** A checkpoint asked for by id does not exist (or was never completed). */
export class CheckpointNotFoundError extends StreamLiteError {
  constructor(
    component: string,
    readonly checkpointId: number,
    readonly path?: string,
  ) {
    super(component, `no completed checkpoint ${checkpointId}${path !== undefined ? ` in ${path}` : ''}`);
  }
}

/**
 * A value cannot be serialized into a checkpoint (a function, a symbol, a
 * WeakMap, a cycle, …) or checkpoint bytes cannot be deserialized. `path` says
 * where in the value, e.g. `states.counts.keyGroups.7[0][1]`.
 */
export class SerializationError extends StreamLiteError {
  constructor(
    readonly phase: 'serialize' | 'deserialize',
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(phase, `${path === '' ? 'value' : `value at ${path}`}: ${message}`, undefined, options);
  }
}
