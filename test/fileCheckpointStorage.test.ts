/**
 * FileCheckpointStorage in a temporary directory: the storage contract with
 * damage done to the files themselves, the layout on disk, what a crash at
 * each step of a write leaves behind, and that a new instance (a restarted
 * process) restores from the latest intact checkpoint.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckpointStorageOptions } from '../src/checkpoint/CheckpointStorage';
import { deserialize } from '../src/checkpoint/serializer';
import { decodeSnapshot, SNAPSHOT_HEADER_LENGTH } from '../src/checkpoint/snapshotFormat';
import { CheckpointCorruptedError, InvalidArgumentError, StreamLiteError } from '../src/core/errors';
import { FileCheckpointStorage } from '../src/node';
import { describeCheckpointStorageContract, metadataOf, stateOf, writeAll, type StorageHarness } from './support/checkpointStorageContract';
import { rejectionOf } from './support/errorOf';

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'streamlite-checkpoints-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const freshDirectory = (): string => join(root, `storage-${count++}`);

async function files(options?: CheckpointStorageOptions): Promise<StorageHarness> {
  const storage = new FileCheckpointStorage(freshDirectory(), options);
  return {
    storage,
    corrupt: async (id, part, edit) => {
      const path = storage.path(id, part);
      const edited = edit(new Uint8Array(await readFile(path)));
      if (edited === undefined) await unlink(path);
      else await writeFile(path, edited);
    },
  };
}

const sorted = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

describe('FileCheckpointStorage', () => {
  describeCheckpointStorageContract(files);

  describe('on disk', () => {
    it('keeps two files per checkpoint, no temporary file, and metadata readable as JSON after the header', async () => {
      const dir = freshDirectory();
      const storage = new FileCheckpointStorage(dir);
      const data = stateOf(7);
      await storage.write(7, data, metadataOf(7, false, data.length));
      expect(await sorted(dir)).toEqual(['chk-7.data', 'chk-7.meta']);
      const meta = await readFile(join(dir, 'chk-7.meta'));
      expect(meta.subarray(0, 4).toString()).toBe('SLRX');
      const json = JSON.parse(meta.subarray(SNAPSHOT_HEADER_LENGTH).toString('utf8')) as { metadata: unknown; data: { length: number } };
      expect(json.metadata).toEqual(metadataOf(7, false, data.length));
      expect(json.data.length).toBe(data.length);
      expect(deserialize(decodeSnapshot(await readFile(join(dir, 'chk-7.data'))))).toMatchObject({ checkpoint: 7 });
      expect(storage.path(7, 'metadata')).toBe(join(dir, 'chk-7.meta'));
    });

    it('creates the directory and its parents on the first write; a missing directory lists nothing', async () => {
      const dir = join(freshDirectory(), 'a', 'b');
      const storage = new FileCheckpointStorage(dir);
      expect(await storage.list()).toEqual([]);
      expect(await storage.latestIntact()).toEqual({ checkpoint: undefined, skipped: [] });
      await writeAll(storage, [1]);
      expect(await sorted(dir)).toEqual(['chk-1.data', 'chk-1.meta']);
    });

    it('ignores files that are not its own', async () => {
      const dir = freshDirectory();
      const storage = new FileCheckpointStorage(dir);
      await writeAll(storage, [1, 2, 3, 4]);
      await writeFile(join(dir, 'README'), 'hello');
      await writeFile(join(dir, 'chk-007.data'), 'x');
      await writeFile(join(dir, 'chk-x.meta'), 'x');
      expect((await storage.list()).map((m) => m.checkpointId)).toEqual([2, 3, 4]);
      expect((await storage.latestIntact()).checkpoint?.checkpointId).toBe(4);
      await writeAll(storage, [5]);
      expect(await sorted(dir)).toEqual(['README', 'chk-007.data', 'chk-3.data', 'chk-3.meta', 'chk-4.data', 'chk-4.meta', 'chk-5.data', 'chk-5.meta', 'chk-x.meta']);
    });

    it('works without fsync (sync: false)', async () => {
      const storage = new FileCheckpointStorage(freshDirectory(), { sync: false });
      await writeAll(storage, [1, 2]);
      expect((await storage.latestIntact()).checkpoint?.checkpointId).toBe(2);
    });

    it('refuses an empty directory name', () => {
      expect(() => new FileCheckpointStorage('')).toThrow(InvalidArgumentError);
    });

    it('reports a failed write with the file-system error as cause, leaving no temporary file', async () => {
      const dir = freshDirectory();
      const storage = new FileCheckpointStorage(dir);
      await writeAll(storage, [1]);
      await mkdir(join(dir, 'chk-2.data')); // a directory where the data file must go: the rename fails
      const err = (await rejectionOf(storage.write(2, stateOf(2), metadataOf(2)))) as StreamLiteError;
      expect(err).toBeInstanceOf(StreamLiteError);
      expect(err.message).toMatch(/^FileCheckpointStorage: writing checkpoint 2 to .*chk-2\.data failed: /);
      expect((err.cause as NodeJS.ErrnoException).code).toMatch(/^(EISDIR|ENOTEMPTY|EEXIST|EPERM)$/);
      expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      await rm(join(dir, 'chk-2.data'), { recursive: true });
      expect((await storage.latestIntact()).checkpoint?.checkpointId).toBe(1);
    });
  });

  describe('a crash at each step of a write, then a restart', () => {
    /** Checkpoints 1–3 written; then the leftovers of a write of 4 that died at some step. */
    async function crashedDuringWriteOf4(leftovers: (dir: string, complete: FileCheckpointStorage) => Promise<void>): Promise<string> {
      const dir = freshDirectory();
      const before = new FileCheckpointStorage(dir, { keepLast: 5 });
      await writeAll(before, [1, 2, 3]);
      // the bytes a complete write of 4 would have produced, made elsewhere
      const elsewhere = new FileCheckpointStorage(freshDirectory());
      await writeAll(elsewhere, [4]);
      await leftovers(dir, elsewhere);
      return dir;
    }
    const bytesOf = (storage: FileCheckpointStorage, part: 'data' | 'metadata') => readFile(storage.path(4, part));
    const restartIn = (dir: string) => new FileCheckpointStorage(dir, { keepLast: 5 });

    it('while writing the data temp file (no rename): restore uses 3, and reports 4 as incomplete', async () => {
      const dir = await crashedDuringWriteOf4(async (d, full) => {
        const data = await bytesOf(full, 'data');
        await writeFile(join(d, '.chk-4.data.0b9c3a52-5e2a-4d43-9c1e-5f2a3e4b6c7d.tmp'), data.subarray(0, data.length / 2));
      });
      const { checkpoint, skipped } = await restartIn(dir).latestIntact();
      expect(checkpoint?.checkpointId).toBe(3);
      expect(skipped.map((s) => [s.checkpointId, (s.error as CheckpointCorruptedError).reason])).toEqual([[4, 'incomplete']]);
      expect(skipped[0].error.message).toContain('only temporary files: the write never finished');
      expect((await restartIn(dir).list()).map((m) => m.checkpointId)).toEqual([1, 2, 3]);
    });

    it('after the data rename, before the metadata: restore uses 3', async () => {
      const dir = await crashedDuringWriteOf4(async (d, full) => {
        await writeFile(join(d, 'chk-4.data'), await bytesOf(full, 'data'));
        await writeFile(join(d, '.chk-4.meta.0b9c3a52-5e2a-4d43-9c1e-5f2a3e4b6c7d.tmp'), (await bytesOf(full, 'metadata')).subarray(0, 9));
      });
      const { checkpoint, skipped } = await restartIn(dir).latestIntact();
      expect(checkpoint?.checkpointId).toBe(3);
      expect(skipped.map((s) => (s.error as CheckpointCorruptedError).reason)).toEqual(['incomplete']);
    });

    it('with the metadata renamed but the data torn (a rename that reached the disk before the data did): restore uses 3', async () => {
      const dir = await crashedDuringWriteOf4(async (d, full) => {
        const data = await bytesOf(full, 'data');
        await writeFile(join(d, 'chk-4.data'), Buffer.concat([data.subarray(0, 20), Buffer.alloc(data.length - 20)]));
        await writeFile(join(d, 'chk-4.meta'), await bytesOf(full, 'metadata'));
      });
      const { checkpoint, skipped } = await restartIn(dir).latestIntact();
      expect(checkpoint?.checkpointId).toBe(3);
      expect(skipped.map((s) => (s.error as CheckpointCorruptedError).reason)).toEqual(['checksum-mismatch']);
    });

    it('after everything: restore uses 4', async () => {
      const dir = await crashedDuringWriteOf4(async (d, full) => {
        await writeFile(join(d, 'chk-4.data'), await bytesOf(full, 'data'));
        await writeFile(join(d, 'chk-4.meta'), await bytesOf(full, 'metadata'));
      });
      const { checkpoint, skipped } = await restartIn(dir).latestIntact();
      expect(checkpoint?.checkpointId).toBe(4);
      expect(deserialize(checkpoint!.data)).toMatchObject({ checkpoint: 4 });
      expect(skipped).toEqual([]);
    });

    it('a restarted writer may write the unfinished id again, and retention clears older leftovers', async () => {
      const dir = await crashedDuringWriteOf4(async (d, full) => {
        await writeFile(join(d, 'chk-4.data'), await bytesOf(full, 'data'));
        await writeFile(join(d, '.chk-4.meta.0b9c3a52-5e2a-4d43-9c1e-5f2a3e4b6c7d.tmp'), 'half');
        await writeFile(join(d, '.chk-2.data.11111111-2222-3333-4444-555555555555.tmp'), 'older leftover');
      });
      const restarted = new FileCheckpointStorage(dir, { keepLast: 2 });
      await writeAll(restarted, [4]);
      expect(await sorted(dir)).toEqual(['.chk-4.meta.0b9c3a52-5e2a-4d43-9c1e-5f2a3e4b6c7d.tmp', 'chk-3.data', 'chk-3.meta', 'chk-4.data', 'chk-4.meta']);
      await writeAll(restarted, [5, 6]);
      expect(await sorted(dir)).toEqual(['chk-5.data', 'chk-5.meta', 'chk-6.data', 'chk-6.meta']);
    });
  });
});
