/**
 * W6 — the cost of a checkpoint of keyed state at 1,000,000 keys.
 *
 * Data: 1,000,000 records, one per key (`k0` … `k999999`), each writing a
 * value state. The engine variant runs them through `keyedProcess` under a
 * `runJob` with a `FileCheckpointStorage`, takes one checkpoint after the last
 * write (the barrier passes the operator: an O(1) copy-on-write snapshot),
 * then restores it into a fresh backend. Reported per run:
 * - `snapshotMsOnRecordPath`: what the barrier costs the operator (the
 *   copy-on-write snapshot call), measured on the same backend code path;
 * - `serializedBytes`, `writeMs` (serialize + checksummed atomic write, off the record path:
 *   from the checkpoint's trigger to its completion, as the job reports it);
 * - `restoreMs`: read, verify, deserialize and load into a backend.
 * The hand variant is what one writes without an engine: a Map, copied at
 * the checkpoint (`new Map(state)`: O(keys) on the record path), serialized
 * as JSON and written with writeFileSync, read back and re-built.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromCollection, keyBy, keyedProcess, runJob, HeapKeyedStateBackend, valueState, deserialize, allKeyGroups } from '../../src';
import type { CheckpointState, KeyedStateSnapshotData } from '../../src';
import { FileCheckpointStorage } from '../../src/node';
import { Fnv1a } from '../lib/checksum';
import { defineWorkload, scaled } from './types';

export const W6_KEYS = 1_000_000;
/** The default run: the target size, with 2 timed repetitions (`--size 200000` for a quicker look). */
export const W6_DEFAULT_KEYS = W6_KEYS;

interface W6Data {
  readonly keys: readonly string[];
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

function checksumOf(entries: Iterable<[string, number]>): string {
  let sum = 0;
  let n = 0;
  for (const [k, v] of entries) {
    sum = (sum + v * 31 + k.length) % 1_000_000_007;
    n++;
  }
  const h = new Fnv1a();
  h.str(`${n}:${sum}`);
  return h.digest();
}

export const w6StateCheckpoint = defineWorkload<W6Data, string>({
  id: 'W6',
  description: `keyed value state of ${W6_KEYS.toLocaleString('en')} keys: checkpoint cost (record path, size, write, restore)`,
  records: W6_DEFAULT_KEYS,
  maxReps: 2,
  generate(_seed, scale) {
    const n = scaled(W6_DEFAULT_KEYS, scale);
    return { data: { keys: Array.from({ length: n }, (_, i) => `k${i}`) }, records: n };
  },
  variants: {
    engine: async ({ keys }, ctx) => {
      const dir = mkdtempSync(join(tmpdir(), 'w6-'));
      try {
        const storage = new FileCheckpointStorage(dir, { keepLast: 1 });
        let index = 0;
        let triggeredAt = 0;
        let writtenAt = 0;
        let resolveMeta!: (m: import('../../src').CheckpointMetadata) => void;
        let rejectMeta!: (err: unknown) => void;
        const metadataP = new Promise<import('../../src').CheckpointMetadata>((res, rej) => ((resolveMeta = res), (rejectMeta = rej)));
        // The input is every key once, then the first 1,024 keys again (same values): the checkpoint is
        // requested when every key holds state, so its barrier enters before that tail.
        const input = keys.concat(keys.slice(0, 1024));
        const job: import('../../src').Job<never> = runJob<never>({
          storage,
          restore: 'none',
          batchesPerSlice: 64,
          pipeline: () =>
            fromCollection(input, { batchSize: 1024 }).pipe(
              keyBy((k: string) => k),
              keyedProcess<string, string, never>((k, c) => {
                c.getValueState('v', 0).update(Number(k.slice(1)) + 1);
                if (++index === keys.length) {
                  triggeredAt = now();
                  job.checkpoint().then((m) => {
                    writtenAt = now();
                    resolveMeta(m);
                  }, rejectMeta);
                }
              }),
            ),
        });
        const metadata = await metadataP;
        await job.done;
        // The barrier's cost on the record path: the copy-on-write snapshot of a backend of this size.
        const backend = new HeapKeyedStateBackend('w6', { processingTime: () => 0, eventTime: () => 0 });
        const d = valueState('v', 0);
        for (let i = 0; i < keys.length; i++) backend.value(d, backend.scopeOf(keys[i])).update(Number(keys[i].slice(1)) + 1);
        const t0 = now();
        const snap = backend.snapshot();
        ctx.report('snapshotMsOnRecordPath', now() - t0);
        snap.release();
        ctx.report('serializedBytes', metadata.sizeBytes);
        // Not metadata.durationMs: the coordinator stamps completedAt before the storage writes (the metadata is written
        // with the data), so that duration leaves out the write itself (envelope, CRC-32C, file, fsync).
        ctx.report('writeMs', writtenAt - triggeredAt);
        const r0 = now();
        const stored = await storage.read(metadata.checkpointId);
        const state = deserialize(stored.data) as CheckpointState;
        const operatorData = deserialize(state.operators['keyedProcess-0']) as { state: KeyedStateSnapshotData };
        const restored = new HeapKeyedStateBackend('w6', { processingTime: () => 0, eventTime: () => 0 });
        restored.restore([operatorData.state], allKeyGroups());
        ctx.report('restoreMs', now() - r0);
        const entries: [string, number][] = [];
        for (const k of keys) entries.push([k, restored.value(d, restored.scopeOf(k)).value()]);
        return checksumOf(entries);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    hand: ({ keys }, ctx) => {
      const dir = mkdtempSync(join(tmpdir(), 'w6h-'));
      try {
        const state = new Map<string, number>();
        for (let i = 0; i < keys.length; i++) state.set(keys[i], Number(keys[i].slice(1)) + 1);
        const t0 = now();
        const copy = new Map(state);
        ctx.report('snapshotMsOnRecordPath', now() - t0);
        const w0 = now();
        const text = JSON.stringify([...copy]);
        writeFileSync(join(dir, 'chk'), text);
        ctx.report('writeMs', now() - w0);
        ctx.report('serializedBytes', Buffer.byteLength(text));
        const r0 = now();
        const restored = new Map<string, number>(JSON.parse(readFileSync(join(dir, 'chk'), 'utf8')) as [string, number][]);
        ctx.report('restoreMs', now() - r0);
        return checksumOf(restored);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  checksum: (r) => r,
});
