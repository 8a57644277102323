import type {
  CheckpointStorage,
  CheckpointStorageOptions,
} from './CheckpointStorage';
import { CheckpointStore, StoreBackedCheckpointStorage, type CheckpointBlobs, type CheckpointPart } from './checkpointStorageInternals';

/**
 * A {@link CheckpointStorage} in memory: for tests, and for pipelines that
 * only need to survive an operator failure inside one process (restart
 * strategies), not a crash of the process.
 *
 * It's like {@link FileCheckpointStorage}, but in a `Map`: it still stores the
 * encoded bytes (snapshot envelope, checksum, metadata with its data's CRC),
 * so every check a file gets applies here, and {@link MemoryCheckpointStorage.tamper}
 * lets a test damage them. Both parts of a write land in one synchronous step.
 *
 * ```
 * write(7, data, meta):   parts.set(7, { data: [SLRX…data], metadata: [SLRX…json] })
 * tamper(7, 'data', b => b.subarray(0, 10))   ⇒ read(7) throws CheckpointCorruptedError (truncated)
 * ```
 *
 * @example
 * const storage = new MemoryCheckpointStorage({ keepLast: 2 });
 * await storage.write(1, serialize({ count: 1 }), metadataOf(1));
 * await storage.write(2, serialize({ count: 2 }), metadataOf(2));
 * await storage.write(3, serialize({ count: 3 }), metadataOf(3));
 * (await storage.list()).map((m) => m.checkpointId); // [2, 3]
 * deserialize((await storage.read(3)).data);         // { count: 3 }
 */
export class MemoryCheckpointStorage extends StoreBackedCheckpointStorage {
  private readonly parts = new Map<number, { data?: Uint8Array; metadata?: Uint8Array }>();
  protected readonly store: CheckpointStore;

  /** @param options `keepLast`: how many checkpoints (savepoints aside) to keep, default 3. */
  constructor(options: CheckpointStorageOptions = {}) {
    super();
    const parts = this.parts;
    const blobs: CheckpointBlobs = {
      ids: async () => [...parts].map(([checkpointId, p]) => ({ checkpointId, complete: p.metadata !== undefined })),
      get: async (id, part) => parts.get(id)?.[part]?.slice(), // a copy: callers never alias what is stored
      put: async (id, data, metadata) => void parts.set(id, { data, metadata }),
      delete: async (id) => void parts.delete(id),
      where: () => undefined,
    };
    this.store = new CheckpointStore('MemoryCheckpointStorage', blobs, options);
  }

  /**
   * For tests: replaces the stored bytes of one part of a checkpoint with what
   * `edit` returns (a copy is passed in), or removes the part when it returns
   * undefined — to simulate a flipped bit, a truncation, a foreign version or
   * a write that never finished.
   *
   * @example
   * storage.tamper(3, 'data', (b) => { b[20] ^= 0x01; return b; });  // read(3): checksum-mismatch
   * storage.tamper(3, 'metadata', () => undefined);                  // read(3): incomplete
   * @param checkpointId the checkpoint (it must have been written).
   * @param part `data` or `metadata`.
   * @param edit gets a copy of the current bytes (undefined if the part is gone).
   */
  tamper(checkpointId: number, part: CheckpointPart, edit: (bytes: Uint8Array | undefined) => Uint8Array | undefined): void {
    const entry = this.parts.get(checkpointId) ?? {};
    const current = entry[part];
    const next = edit(current === undefined ? undefined : current.slice());
    this.parts.set(checkpointId, { ...entry, [part]: next });
  }
}
