import { StreamLiteError } from '../core/errors';
import type { KeyGroupRange } from '../state/keyGroups';
import type { CheckpointState } from './CheckpointCoordinator';
import type { CheckpointMetadata } from './CheckpointMetadata';
import type { StoredCheckpoint } from './CheckpointStorage';
import { deserialize, serialize } from './serializer';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Merges the savepoints of several parallel instances of one job (taken at
 * one input position) into one savepoint that instances of another
 * parallelism restore from: keyed operators' snapshots are kept side by side
 * (each new instance loads the key groups of its range from all of them);
 * operators before the key split, identical in every instance, are kept once.
 *
 * ```
 * 3 instances: savepoint[0..42] savepoint[43..85] savepoint[86..127]
 *   ─ mergeSavepoints ─► one savepoint ─► 2 instances: [0..63] [64..127]
 * ```
 *
 * @example
 * const merged = mergeSavepoints(await Promise.all(storages.map((s, i) => s.read(ids[i]))));
 * await newStorage.write(merged.metadata.checkpointId, merged.data, merged.metadata);
 * @throws {StreamLiteError} when the savepoints stand at different source offsets, miss an
 * operator, or differ in an operator that is not keyed by key groups.
 */
export function mergeSavepoints(parts: readonly StoredCheckpoint[]): { data: Uint8Array; metadata: CheckpointMetadata } {
  const states = parts.map((p) => deserialize(p.data) as CheckpointState);
  const sources: Record<string, CheckpointState['sources'][string]> = {};
  for (const [name, offset] of Object.entries(states[0].sources)) {
    for (const s of states) {
      if (s.sources[name] !== offset) {
        throw new StreamLiteError('mergeSavepoints', `source ${name} stood at ${String(s.sources[name])} in one savepoint and ${String(offset)} in another: take the savepoints at one input position`);
      }
    }
    sources[name] = offset;
  }
  const operators: Record<string, Uint8Array> = {};
  for (const name of new Set(states.flatMap((s) => Object.keys(s.operators)))) {
    const blobs = states.map((s) => s.operators[name]);
    if (blobs.some((b) => b === undefined)) throw new StreamLiteError('mergeSavepoints', `operator ${name} is missing from a savepoint: were they taken from one job?`);
    if (blobs.every((b) => sameBytes(b, blobs[0]))) {
      operators[name] = blobs[0]; // an operator before the key split: the same in every instance
      continue;
    }
    const snapshots = blobs.map((b) => deserialize(b) as { keyGroups?: KeyGroupRange });
    if (!snapshots.every((s) => s !== null && typeof s === 'object' && !Array.isArray(s) && s.keyGroups !== undefined)) {
      throw new StreamLiteError('mergeSavepoints', `operator ${name} differs between the savepoints and is not keyed by key groups: it cannot be merged`);
    }
    operators[name] = serialize(snapshots);
  }
  const data = serialize({ formatVersion: 1, operators, sources } satisfies CheckpointState);
  const last = parts.reduce((a, b) => (a.checkpointId >= b.checkpointId ? a : b)).metadata;
  const watermarks: Record<string, number> = {};
  for (const p of parts) for (const [n, w] of Object.entries(p.metadata.watermarks)) watermarks[n] = Math.min(watermarks[n] ?? Infinity, w);
  const metadata: CheckpointMetadata = {
    ...last,
    savepoint: true,
    sizeBytes: data.byteLength,
    operators: Object.fromEntries(Object.entries(operators).map(([n, b]) => [n, { sizeBytes: b.byteLength }])),
    watermarks,
  };
  return { data, metadata };
}
