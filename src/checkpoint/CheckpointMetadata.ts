/**
 * What is known about a completed checkpoint: when, how long, how big, and
 * where each source and watermark stood. Plain JSON.
 */
import { InvalidArgumentError } from '../core/errors';
import type { Duration, Timestamp } from '../core/types';

/** The size of one operator's part of a checkpoint. */
export interface OperatorCheckpointMetadata {
  /** Serialized bytes of the operator's state, timers and watermark logic. */
  readonly sizeBytes: number;
}

/**
 * The metadata of a completed checkpoint (or savepoint), as a storage keeps it
 * beside the checkpoint's data and lists it. JSON-safe: numbers are finite,
 * names are strings.
 *
 * It's Flink's `CompletedCheckpointStats` in one plain object: what the metrics
 * (checkpoint duration, size, alignment time) report and what restore needs to
 * pick a checkpoint.
 *
 * ```
 * triggeredAt          completedAt
 *     |--B at sources--…--all sinks acked--|
 *     |<------------ durationMs ---------->|
 *              |<-alignmentMs->|  (longest barrier alignment at a multi-input operator)
 * ```
 *
 * @example
 * const metadata: CheckpointMetadata = {
 *   checkpointId: 7, savepoint: false,
 *   triggeredAt: 1_700_000_000_000, completedAt: 1_700_000_000_042, durationMs: 42, alignmentMs: 3,
 *   sizeBytes: 18_204, operators: { 'count-by-user': { sizeBytes: 18_100 } },
 *   watermarks: { 'count-by-user': 1_699_999_995_000 }, sourceOffsets: { clicks: 10_240, 'orders.0': 'seq:5531' },
 * };
 */
export interface CheckpointMetadata {
  /** The checkpoint's id: a positive safe integer, growing with every checkpoint (savepoints included). */
  readonly checkpointId: number;
  /** True for a savepoint: taken on request, never removed by retention. */
  readonly savepoint: boolean;
  /** When the coordinator injected the barriers (processing time, ms). */
  readonly triggeredAt: Timestamp;
  /** When the last sink acknowledged it (processing time, ms). */
  readonly completedAt: Timestamp;
  /** `completedAt − triggeredAt`. */
  readonly durationMs: Duration;
  /** The longest time an operator held input back aligning barriers. */
  readonly alignmentMs: Duration;
  /** The size of the checkpoint's serialized data in bytes. */
  readonly sizeBytes: number;
  /** Per operator, by name: its part of `sizeBytes`. */
  readonly operators: { readonly [name: string]: OperatorCheckpointMetadata };
  /** Per operator (or input), by name: its watermark at the barrier. */
  readonly watermarks: { readonly [name: string]: Timestamp };
  /** Per source, by name: the offset to rewind to on restore (collection index, byte offset, stream sequence…). */
  readonly sourceOffsets: { readonly [name: string]: number | string };
}

/**
 * @internal
 * Checks that `value` is checkpoint metadata (after `JSON.parse`, or from a
 * caller) and returns a clean copy holding only the documented fields.
 *
 * @param value the candidate.
 * @param component named in the error.
 * @throws {InvalidArgumentError} naming the first field that is wrong.
 */
export function checkCheckpointMetadata(value: unknown, component = 'CheckpointMetadata'): CheckpointMetadata {
  const bad = (field: string, expected: string, actual: unknown): never => {
    throw new InvalidArgumentError(component, `metadata.${field}`, expected, actual);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('', 'an object', value);
  const m = value as Record<string, unknown>;
  const finite = (field: string): number =>
    typeof m[field] === 'number' && Number.isFinite(m[field]) ? (m[field] as number) : bad(field, 'a finite number', m[field]);
  const nonNegative = (field: string): number => (finite(field) >= 0 ? (m[field] as number) : bad(field, 'a number ≥ 0', m[field]));
  if (!isCheckpointId(m.checkpointId)) bad('checkpointId', 'a positive safe integer', m.checkpointId);
  if (typeof m.savepoint !== 'boolean') bad('savepoint', 'a boolean', m.savepoint);
  const record = <V>(field: string, expected: string, check: (v: unknown) => v is V): Record<string, V> => {
    const r = m[field];
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return bad(field, 'an object', r);
    // fromEntries defines own properties: a name such as "__proto__" stays a name.
    return Object.fromEntries(
      Object.entries(r).map(([name, v]) => [name, check(v) ? v : bad(`${field}[${JSON.stringify(name)}]`, expected, v)]),
    );
  };
  const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const operators = record(
    'operators',
    'an object { sizeBytes: number ≥ 0 }',
    (v): v is OperatorCheckpointMetadata => {
      const size = typeof v === 'object' && v !== null ? (v as OperatorCheckpointMetadata).sizeBytes : undefined;
      return isFinite(size) && size >= 0;
    },
  );
  return {
    checkpointId: m.checkpointId as number,
    savepoint: m.savepoint as boolean,
    triggeredAt: finite('triggeredAt'),
    completedAt: finite('completedAt'),
    durationMs: nonNegative('durationMs'),
    alignmentMs: nonNegative('alignmentMs'),
    sizeBytes: nonNegative('sizeBytes'),
    operators: Object.fromEntries(Object.entries(operators).map(([name, o]) => [name, { sizeBytes: o.sizeBytes }])),
    watermarks: record('watermarks', 'a finite number', isFinite),
    sourceOffsets: record(
      'sourceOffsets',
      'a finite number or a string',
      (v): v is number | string => isFinite(v) || typeof v === 'string',
    ),
  };
}

/** @internal A checkpoint id is a positive safe integer. */
export const isCheckpointId = (id: unknown): id is number => typeof id === 'number' && Number.isSafeInteger(id) && id > 0;
