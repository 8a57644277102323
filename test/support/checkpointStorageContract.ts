/**
 * The behaviour every CheckpointStorage owes, run against each one: round
 * trips, ordering, retention, concurrent writes, and every kind of damage
 * detected by read() and skipped by latestIntact().
 */
import fc from 'fast-check';
import type { CheckpointMetadata } from '../../src/checkpoint/CheckpointMetadata';
import type { CheckpointStorage, CheckpointStorageOptions } from '../../src/checkpoint/CheckpointStorage';
import { deserialize, serialize } from '../../src/checkpoint/serializer';
import { encodeSnapshot, SNAPSHOT_HEADER_LENGTH } from '../../src/checkpoint/snapshotFormat';
import {
  CheckpointCorruptedError,
  CheckpointNotFoundError,
  CheckpointVersionError,
  InvalidArgumentError,
  type CheckpointCorruption,
} from '../../src/core/errors';
import { rejectionOf } from './errorOf';

/** A storage under test, with a way to damage what it stored. */
export interface StorageHarness {
  readonly storage: CheckpointStorage;
  /** Replaces a part's bytes by `edit`'s result (undefined: removes the part). */
  corrupt(checkpointId: number, part: 'data' | 'metadata', edit: (bytes: Uint8Array) => Uint8Array | undefined): Promise<void>;
}

/** Metadata of a checkpoint, with its numbers derived from the id. */
export function metadataOf(checkpointId: number, savepoint = false, sizeBytes = 0): CheckpointMetadata {
  return {
    checkpointId,
    savepoint,
    triggeredAt: 1_700_000_000_000 + checkpointId * 1000,
    completedAt: 1_700_000_000_000 + checkpointId * 1000 + 42,
    durationMs: 42,
    alignmentMs: 3,
    sizeBytes,
    operators: { 'count-by-user': { sizeBytes } },
    watermarks: { 'count-by-user': checkpointId * 100 - 1 },
    sourceOffsets: { clicks: checkpointId * 10, 'orders.0': `seq:${checkpointId}` },
  };
}

/** The state of checkpoint `id`, serialized: each checkpoint's data differs. */
export const stateOf = (checkpointId: number): Uint8Array =>
  serialize({ checkpoint: checkpointId, counts: new Map([[`user-${checkpointId}`, BigInt(checkpointId)]]), at: new Date(checkpointId) });

/** Writes checkpoints with these ids, in order. */
export async function writeAll(storage: CheckpointStorage, ids: readonly number[], savepoints: readonly number[] = []): Promise<void> {
  for (const id of ids) {
    const data = stateOf(id);
    await storage.write(id, data, metadataOf(id, savepoints.includes(id), data.length));
  }
}

const ids = async (storage: CheckpointStorage): Promise<number[]> => (await storage.list()).map((m) => m.checkpointId);

/** Defines the contract's tests for storages made by `make`. */
export function describeCheckpointStorageContract(make: (options?: CheckpointStorageOptions) => Promise<StorageHarness>): void {
  describe('round trips', () => {
    it('reads back the data and metadata written, and lists it', async () => {
      const { storage } = await make();
      const data = stateOf(1);
      await storage.write(1, data, metadataOf(1, false, data.length));
      const read = await storage.read(1);
      expect(read.checkpointId).toBe(1);
      expect(Buffer.from(read.data).equals(Buffer.from(data))).toBe(true);
      expect(read.metadata).toEqual(metadataOf(1, false, data.length));
      expect(deserialize(read.data)).toEqual({ checkpoint: 1, counts: new Map([['user-1', 1n]]), at: new Date(1) });
      expect(await storage.list()).toEqual([metadataOf(1, false, data.length)]);
    });

    it('keeps arbitrary bytes exactly, empty and large ones too', async () => {
      const { storage } = await make({ keepLast: 10 });
      const big = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * 7919) & 0xff);
      await storage.write(1, new Uint8Array(0), metadataOf(1));
      await storage.write(2, big, metadataOf(2, false, big.length));
      expect((await storage.read(1)).data.length).toBe(0);
      expect(Buffer.from((await storage.read(2)).data).equals(Buffer.from(big))).toBe(true);
    });

    it('lists completed checkpoints oldest first, whatever the order they were written in', async () => {
      const { storage } = await make({ keepLast: 10 });
      await writeAll(storage, [3, 1, 7, 2], [7]);
      expect(await ids(storage)).toEqual([1, 2, 3, 7]);
      expect((await storage.list()).map((m) => m.savepoint)).toEqual([false, false, false, true]);
    });

    it('does not keep a reference to the bytes written', async () => {
      const { storage } = await make();
      const data = stateOf(1);
      const copy = data.slice();
      await storage.write(1, data, metadataOf(1));
      data.fill(0);
      expect(Buffer.from((await storage.read(1)).data).equals(Buffer.from(copy))).toBe(true);
    });

    it('is empty at first: no list, no latest checkpoint, nothing skipped', async () => {
      const { storage } = await make();
      expect(await storage.list()).toEqual([]);
      expect(await storage.latestIntact()).toEqual({ checkpoint: undefined, skipped: [] });
    });
  });

  describe('arguments', () => {
    it.each([
      ['a non-integer id', 1.5, metadataOf(1), "argument 'checkpointId' must be a positive safe integer, got 1.5"],
      ['id 0', 0, metadataOf(1), "argument 'checkpointId' must be a positive safe integer, got 0"],
      ['metadata of another checkpoint', 2, metadataOf(1), "argument 'metadata.checkpointId' must be the checkpoint's id 2, got 1"],
      ['a NaN watermark', 1, { ...metadataOf(1), watermarks: { a: NaN } }, `argument 'metadata.watermarks["a"]' must be a finite number, got NaN`],
      ['a negative duration', 1, { ...metadataOf(1), durationMs: -1 }, "argument 'metadata.durationMs' must be a number ≥ 0, got -1"],
      ['an object offset', 1, { ...metadataOf(1), sourceOffsets: { s: {} } }, `argument 'metadata.sourceOffsets["s"]' must be a finite number or a string, got {}`],
    ])('write refuses %s', async (_name, id, metadata, message) => {
      const { storage } = await make();
      const err = await rejectionOf(storage.write(id, stateOf(1), metadata as CheckpointMetadata));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toContain(message);
      expect(await storage.list()).toEqual([]);
    });

    it('write refuses an id already written, and keeps the first', async () => {
      const { storage } = await make();
      await writeAll(storage, [1]);
      const err = await rejectionOf(storage.write(1, stateOf(99), metadataOf(1)));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toContain("argument 'checkpointId' must be an id not written before (remove() it first), got 1");
      expect(deserialize((await storage.read(1)).data)).toMatchObject({ checkpoint: 1 });
    });

    it('read of a missing checkpoint throws CheckpointNotFoundError', async () => {
      const { storage } = await make();
      const err = (await rejectionOf(storage.read(5))) as CheckpointNotFoundError;
      expect(err).toBeInstanceOf(CheckpointNotFoundError);
      expect(err.checkpointId).toBe(5);
    });

    it('refuses keepLast below 1', async () => {
      await expect(make({ keepLast: 0 })).rejects.toThrow(InvalidArgumentError);
    });
  });

  describe('retention', () => {
    it('keeps exactly the newest N checkpoints, plus every savepoint (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 9 }), async (keepLast, kinds) => {
          const { storage } = await make({ keepLast });
          const all = kinds.map((_, i) => i + 1);
          const savepoints = all.filter((_, i) => kinds[i]);
          await writeAll(storage, all, savepoints);
          const checkpoints = all.filter((id) => !savepoints.includes(id)).slice(-keepLast);
          expect(await ids(storage)).toEqual([...savepoints, ...checkpoints].sort((a, b) => a - b));
        }),
        { numRuns: 25 },
      );
    });

    it('keeps 3 by default', async () => {
      const { storage } = await make();
      await writeAll(storage, [1, 2, 3, 4, 5, 6]);
      expect(await ids(storage)).toEqual([4, 5, 6]);
      await expect(storage.read(3)).rejects.toThrow(CheckpointNotFoundError);
    });

    it('remove() removes checkpoints and savepoints alike, and a missing one quietly', async () => {
      const { storage } = await make();
      await writeAll(storage, [1, 2], [1]);
      await storage.remove(1);
      await storage.remove(2);
      await storage.remove(3);
      expect(await storage.list()).toEqual([]);
      expect(await storage.latestIntact()).toEqual({ checkpoint: undefined, skipped: [] });
    });
  });

  describe('concurrency', () => {
    it('writes of different ids in flight at once all land', async () => {
      const { storage } = await make({ keepLast: 20 });
      const all = Array.from({ length: 12 }, (_, i) => i + 1);
      await Promise.all(all.map((id) => storage.write(id, stateOf(id), metadataOf(id))));
      expect(await ids(storage)).toEqual(all);
      for (const id of all) expect(deserialize((await storage.read(id)).data)).toMatchObject({ checkpoint: id });
    });

    it('retention under concurrent writes ends with exactly the newest N', async () => {
      const { storage } = await make({ keepLast: 3 });
      const all = Array.from({ length: 10 }, (_, i) => i + 1);
      await Promise.all(all.map((id) => storage.write(id, stateOf(id), metadataOf(id, id === 2))));
      expect(await ids(storage)).toEqual([2, 8, 9, 10]);
    });

    it('a second write of an id still in flight is refused', async () => {
      const { storage } = await make();
      const [first, second] = await Promise.allSettled([storage.write(1, stateOf(1), metadataOf(1)), storage.write(1, stateOf(1), metadataOf(1))]);
      expect(first.status).toBe('fulfilled');
      expect(second.status).toBe('rejected');
      expect(await ids(storage)).toEqual([1]);
    });
  });

  describe('damage: read() throws a typed error, latestIntact() skips to the newest intact checkpoint', () => {
    const flipBit = (offset: (b: Uint8Array) => number) => (b: Uint8Array) => {
      b[offset(b)] ^= 0x04;
      return b;
    };
    const cut = (at: (b: Uint8Array) => number) => (b: Uint8Array) => b.slice(0, at(b));
    const setVersion = (b: Uint8Array) => {
      new DataView(b.buffer, b.byteOffset).setUint16(4, 9);
      return b;
    };
    const setChecksum = (b: Uint8Array) => {
      const view = new DataView(b.buffer, b.byteOffset);
      view.setUint32(12, view.getUint32(12) ^ 0x8000_0000);
      return b;
    };
    const cases: [string, 'data' | 'metadata', (b: Uint8Array) => Uint8Array | undefined, CheckpointCorruption | 'version'][] = [
      ['a bit flipped in the data payload', 'data', flipBit((b) => SNAPSHOT_HEADER_LENGTH + Math.floor((b.length - SNAPSHOT_HEADER_LENGTH) / 2)), 'checksum-mismatch'],
      ['the last data byte flipped', 'data', flipBit((b) => b.length - 1), 'checksum-mismatch'],
      ['a bit flipped in the metadata payload', 'metadata', flipBit((b) => SNAPSHOT_HEADER_LENGTH + 5), 'checksum-mismatch'],
      ['a bit flipped in the data magic', 'data', flipBit(() => 1), 'bad-magic'],
      ['a bit flipped in the data length', 'data', flipBit(() => 10), 'truncated'],
      ['a wrong data checksum', 'data', setChecksum, 'checksum-mismatch'],
      ['a wrong metadata checksum', 'metadata', setChecksum, 'checksum-mismatch'],
      ['an unknown data format version', 'data', setVersion, 'version'],
      ['an unknown metadata format version', 'metadata', setVersion, 'version'],
      ['data cut to nothing', 'data', cut(() => 0), 'truncated'],
      ['data cut inside the magic', 'data', cut(() => 3), 'truncated'],
      ['data cut inside the header', 'data', cut(() => 11), 'truncated'],
      ['data cut right after the header', 'data', cut(() => SNAPSHOT_HEADER_LENGTH), 'truncated'],
      ['data cut in the middle of the payload', 'data', cut((b) => Math.floor(b.length / 2)), 'truncated'],
      ['data missing its last byte', 'data', cut((b) => b.length - 1), 'truncated'],
      ['metadata cut inside the header', 'metadata', cut(() => 7), 'truncated'],
      ['metadata cut in the payload', 'metadata', cut((b) => b.length - 2), 'truncated'],
      ['bytes appended to the data', 'data', (b) => Uint8Array.from([...b, 0]), 'length-mismatch'],
      ['metadata never written (a write that died half way)', 'metadata', () => undefined, 'incomplete'],
      ['the data gone', 'data', () => undefined, 'missing-data'],
      ['intact data of another write', 'data', () => encodeSnapshot(stateOf(77)), 'data-mismatch'],
      ['metadata that is intact bytes but not JSON', 'metadata', () => encodeSnapshot(new TextEncoder().encode('{"metadata":')), 'invalid-metadata'],
      ['metadata of another checkpoint', 'metadata', () => encodeSnapshot(new TextEncoder().encode(JSON.stringify({ metadata: metadataOf(2), data: { length: 1, crc32c: 1 } }))), 'invalid-metadata'],
      ['a foreign file', 'data', () => new TextEncoder().encode('#!/bin/sh\necho not a checkpoint\n'), 'bad-magic'],
    ];

    it.each(cases)('%s', async (_name, part, edit, expected) => {
      const harness = await make();
      await writeAll(harness.storage, [1, 2, 3]);
      await harness.corrupt(3, part, edit);

      const err = await rejectionOf(harness.storage.read(3));
      if (expected === 'version') {
        expect(err).toBeInstanceOf(CheckpointVersionError);
        expect((err as CheckpointVersionError).version).toBe(9);
      } else {
        expect(err).toBeInstanceOf(CheckpointCorruptedError);
        expect((err as CheckpointCorruptedError).reason).toBe(expected);
      }
      expect((err as CheckpointCorruptedError).checkpointId).toBe(3);

      const { checkpoint, skipped } = await harness.storage.latestIntact();
      expect(checkpoint?.checkpointId).toBe(2);
      expect(deserialize(checkpoint!.data)).toMatchObject({ checkpoint: 2 });
      expect(skipped.map((s) => [s.checkpointId, s.error.message])).toEqual([[3, (err as Error).message]]);
    });

    it('walks back past several damaged checkpoints, reporting each, newest first', async () => {
      const harness = await make({ keepLast: 5 });
      await writeAll(harness.storage, [1, 2, 3, 4, 5]);
      await harness.corrupt(5, 'data', cut((b) => b.length - 10));
      await harness.corrupt(4, 'metadata', () => undefined);
      await harness.corrupt(3, 'data', flipBit((b) => b.length - 3));
      const { checkpoint, skipped } = await harness.storage.latestIntact();
      expect(checkpoint?.checkpointId).toBe(2);
      expect(skipped.map((s) => [s.checkpointId, (s.error as CheckpointCorruptedError).reason])).toEqual([
        [5, 'truncated'],
        [4, 'incomplete'],
        [3, 'checksum-mismatch'],
      ]);
      // list() shows what has intact metadata; the data is verified only when read
      expect(await ids(harness.storage)).toEqual([1, 2, 3, 5]);
    });

    it('falls back to a savepoint when it is the newest intact one', async () => {
      const harness = await make({ keepLast: 2 });
      await writeAll(harness.storage, [1, 2, 3], [1]);
      await harness.corrupt(3, 'data', flipBit((b) => b.length - 1));
      await harness.corrupt(2, 'data', flipBit((b) => b.length - 1));
      const { checkpoint, skipped } = await harness.storage.latestIntact();
      expect(checkpoint?.metadata.savepoint).toBe(true);
      expect(checkpoint?.checkpointId).toBe(1);
      expect(skipped.map((s) => s.checkpointId)).toEqual([3, 2]);
    });

    it('finds nothing when every checkpoint is damaged, and says why for each', async () => {
      const harness = await make();
      await writeAll(harness.storage, [1, 2]);
      await harness.corrupt(1, 'data', cut(() => 5));
      await harness.corrupt(2, 'metadata', setVersion);
      const { checkpoint, skipped } = await harness.storage.latestIntact();
      expect(checkpoint).toBeUndefined();
      expect(skipped.map((s) => [s.checkpointId, s.error.name])).toEqual([
        [2, 'CheckpointVersionError'],
        [1, 'CheckpointCorruptedError'],
      ]);
    });
  });
}
