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
