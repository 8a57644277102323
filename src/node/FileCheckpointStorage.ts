import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, StreamLiteError } from '../core/errors';
import type {
  CheckpointStorage,
  CheckpointStorageOptions,
} from '../checkpoint/CheckpointStorage';
import { CheckpointStore, StoreBackedCheckpointStorage, type CheckpointBlobs, type CheckpointPart } from '../checkpoint/checkpointStorageInternals';

/** Options of {@link FileCheckpointStorage}. */
export interface FileCheckpointStorageOptions extends CheckpointStorageOptions {
  /**
   * `fsync` every file and the directory (default true). Without it a write
   * is still atomic against a crash of the process, but not against a power
   * loss or a crash of the machine.
   */
  readonly sync?: boolean;
}

const COMPONENT = 'FileCheckpointStorage';
const PART_FILE = /^chk-([1-9]\d*)\.(data|meta)$/;
const TEMP_FILE = /^\.chk-([1-9]\d*)\.(data|meta)\.[0-9a-f-]+\.tmp$/;
const SUFFIX: Record<CheckpointPart, string> = { data: 'data', metadata: 'meta' };

/**
 * A {@link CheckpointStorage} in a directory of the local file system: the
 * default checkpoint store in Node. One process writes to a directory.
 *
 * It's Flink's file-system checkpoint storage, flattened: two files per
 * checkpoint, each in the checksummed snapshot envelope, each written to a
 * temporary file in the same directory, `fsync`ed, renamed into place, and the
 * directory `fsync`ed — the data first, the metadata last. A checkpoint is
 * complete once its metadata is in place, and the metadata records its data's
 * length and CRC-32C, so a crash at any point leaves either a complete
 * checkpoint or one that reads as incomplete, and a damaged file is detected
 * when read. Retention keeps the newest `keepLast` (savepoints aside) and
 * removes older checkpoints and the leftovers of unfinished writes.
 *
 * ```
 * <directory>/
 *   chk-41.data   chk-41.meta     complete
 *   chk-42.data   chk-42.meta     complete (the newest)
 *   chk-43.data                   incomplete: the process died before the metadata
 *   .chk-44.data.<uuid>.tmp       a write in progress (or that died): ignored
 *
 * write(44):  .chk-44.data.<uuid>.tmp ─fsync→ rename → chk-44.data ─fsync dir→
 *             .chk-44.meta.<uuid>.tmp ─fsync→ rename → chk-44.meta ─fsync dir→ retention
 * ```
 *
 * The files are readable by hand: `tail -c +17 chk-42.meta` is the metadata as
 * JSON (after the 16-byte envelope header).
 *
 * @example
 * import { FileCheckpointStorage } from 'streamlite-rx/node';
 * const storage = new FileCheckpointStorage('/var/lib/my-job/checkpoints', { keepLast: 3 });
 * await storage.write(42, serialize(state), metadata);
 * const { checkpoint, skipped } = await storage.latestIntact(); // checkpoint 42, skipped []
 */
export class FileCheckpointStorage extends StoreBackedCheckpointStorage {
  /** The directory, absolute. Created on the first write. */
  readonly directory: string;
  private readonly sync: boolean;
  protected readonly store: CheckpointStore;
  private created = false;

  /**
   * @param directory where to keep checkpoints (created, with its parents, on the first write).
   * @param options `keepLast` (default 3) and `sync` (default true).
   */
  constructor(directory: string, options: FileCheckpointStorageOptions = {}) {
    super();
    if (typeof directory !== 'string' || directory === '') {
      throw new InvalidArgumentError(COMPONENT, 'directory', 'a non-empty path', directory);
    }
    this.directory = resolve(directory);
    this.sync = options.sync ?? true;
    const blobs: CheckpointBlobs = {
      ids: () => this.ids(),
      get: (id, part) => this.get(id, part),
      put: (id, data, metadata) => this.put(id, data, metadata),
      delete: (id) => this.delete(id),
      where: (id, part) => this.path(id, part),
    };
    this.store = new CheckpointStore(COMPONENT, blobs, options);
  }

  /** The file of one part of a checkpoint: `<directory>/chk-<id>.data` or `.meta`. */
  path(checkpointId: number, part: CheckpointPart): string {
    return join(this.directory, `chk-${checkpointId}.${SUFFIX[part]}`);
  }

  private async names(): Promise<string[]> {
    try {
      return await readdir(this.directory);
    } catch (err) {
      if (isMissing(err)) return [];
      throw new StreamLiteError(COMPONENT, `cannot list ${this.directory}: ${messageOf(err)}`, undefined, { cause: err });
    }
  }

  private async ids(): Promise<{ checkpointId: number; complete: boolean }[]> {
    const found = new Map<number, boolean>();
    for (const name of await this.names()) {
      const part = PART_FILE.exec(name);
      const match = part ?? TEMP_FILE.exec(name);
      const id = match === null ? NaN : Number(match[1]);
      if (!Number.isSafeInteger(id)) continue;
      found.set(id, found.get(id) === true || (part !== null && part[2] === 'meta'));
    }
    return [...found].map(([checkpointId, complete]) => ({ checkpointId, complete }));
  }

  private async get(checkpointId: number, part: CheckpointPart): Promise<Uint8Array | undefined> {
    const path = this.path(checkpointId, part);
    try {
      const bytes = await readFile(path);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // not a Buffer: its slice() does not copy
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new StreamLiteError(COMPONENT, `cannot read ${path}: ${messageOf(err)}`, undefined, { cause: err });
    }
  }

  private async put(checkpointId: number, data: Uint8Array, metadata: Uint8Array): Promise<void> {
    if (!this.created) {
      try {
        const first = await mkdir(this.directory, { recursive: true });
        // Make each new directory's entry durable: sync its parent, from the deepest up to the one that existed.
        if (first !== undefined) {
          const existing = resolve(first, '..');
          for (let dir = this.directory; dir !== existing; dir = resolve(dir, '..')) await this.syncDirectory(resolve(dir, '..'));
        }
      } catch (err) {
        throw new StreamLiteError(COMPONENT, `cannot create ${this.directory}: ${messageOf(err)}`, undefined, { cause: err });
      }
      this.created = true;
    }
    await this.writeAtomically(this.path(checkpointId, 'data'), data, checkpointId);
    await this.writeAtomically(this.path(checkpointId, 'metadata'), metadata, checkpointId);
  }

  /** Temporary file in the same directory, fsync, rename into place, fsync the directory. */
  private async writeAtomically(path: string, bytes: Uint8Array, checkpointId: number): Promise<void> {
    const name = path.slice(this.directory.length + 1);
    const temp = join(this.directory, `.${name}.${randomUUID()}.tmp`);
    try {
      const handle = await open(temp, 'wx');
      try {
        for (let written = 0; written < bytes.length; ) {
          written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
        }
        if (this.sync) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw new StreamLiteError(COMPONENT, `writing checkpoint ${checkpointId} to ${path} failed: ${messageOf(err)}`, undefined, {
        cause: err,
      });
    }
    await this.syncDirectory(this.directory);
  }

  private async delete(checkpointId: number): Promise<void> {
    const temps = (await this.names()).filter((n) => TEMP_FILE.exec(n)?.[1] === String(checkpointId));
    const paths = [this.path(checkpointId, 'metadata'), this.path(checkpointId, 'data'), ...temps.map((n) => join(this.directory, n))];
    for (const path of paths) {
      try {
        await unlink(path);
      } catch (err) {
        if (!isMissing(err)) throw new StreamLiteError(COMPONENT, `cannot remove ${path}: ${messageOf(err)}`, undefined, { cause: err });
      }
    }
    await this.syncDirectory(this.directory);
  }

  /** Makes renames and removals in `directory` durable. Windows cannot open a directory: skipped there. */
  private async syncDirectory(directory: string): Promise<void> {
    if (!this.sync || process.platform === 'win32') return;
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
