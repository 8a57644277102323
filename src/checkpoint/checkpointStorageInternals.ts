/**
 * @internal
 * What every checkpoint storage shares: the metadata file, verification,
 * retention and the walk back to the latest intact checkpoint, over a small
 * set of primitive operations ({@link CheckpointBlobs}) each storage provides.
 */
import {
  CheckpointCorruptedError,
  CheckpointNotFoundError,
  CheckpointVersionError,
  InvalidArgumentError,
  type CheckpointSource,
} from '../core/errors';
import { checkCheckpointMetadata, isCheckpointId, type CheckpointMetadata } from './CheckpointMetadata';
import {
  DEFAULT_CHECKPOINTS_KEPT,
  type CheckpointStorage,
  type CheckpointStorageOptions,
  type LatestIntactCheckpoint,
  type SkippedCheckpoint,
  type StoredCheckpoint,
} from './CheckpointStorage';
import { decodeSnapshot, encodeSnapshot, hex32, readSnapshotHeader } from './snapshotFormat';

/** @internal The two parts of a checkpoint. */
export type CheckpointPart = 'data' | 'metadata';

/** @internal The primitive operations a storage provides; the rest is {@link CheckpointStore}. */
export interface CheckpointBlobs {
  /** Every id with any trace (a part, or a temporary file of one), and whether its metadata exists. */
  ids(): Promise<{ readonly checkpointId: number; readonly complete: boolean }[]>;
  /** A part's bytes, or undefined when it does not exist. */
  get(checkpointId: number, part: CheckpointPart): Promise<Uint8Array | undefined>;
  /** Stores the data, then the metadata, each atomically and durably. */
  put(checkpointId: number, data: Uint8Array, metadata: Uint8Array): Promise<void>;
  /** Removes every trace of a checkpoint, its metadata first. */
  delete(checkpointId: number): Promise<void>;
  /** Where a part lives, for error messages (a file path), if anywhere. */
  where(checkpointId: number, part: CheckpointPart): string | undefined;
}

/** The JSON inside a metadata file's envelope. */
interface MetadataFile {
  readonly metadata: CheckpointMetadata;
  /** The data file's payload length and CRC-32C: ties the metadata to exactly that data. */
  readonly data: { readonly length: number; readonly crc32c: number };
}

/**
 * @internal
 * A checkpoint storage over {@link CheckpointBlobs}: checks arguments, writes
 * data then metadata, verifies on read, keeps the newest `keepLast`
 * checkpoints (savepoints aside) and never touches a checkpoint being written.
 */
export class CheckpointStore implements CheckpointStorage {
  private readonly keepLast: number;
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly component: string,
    private readonly blobs: CheckpointBlobs,
    options: CheckpointStorageOptions = {},
  ) {
    const keepLast = options.keepLast ?? DEFAULT_CHECKPOINTS_KEPT;
    if (!Number.isSafeInteger(keepLast) || keepLast < 1) {
      throw new InvalidArgumentError(component, 'keepLast', 'an integer ≥ 1', keepLast);
    }
    this.keepLast = keepLast;
  }

  async write(checkpointId: number, data: Uint8Array, metadata: CheckpointMetadata): Promise<void> {
    if (!isCheckpointId(checkpointId)) {
      throw new InvalidArgumentError(this.component, 'checkpointId', 'a positive safe integer', checkpointId);
    }
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError(this.component, 'data', 'a Uint8Array', data);
    const checked = checkCheckpointMetadata(metadata, this.component);
    if (checked.checkpointId !== checkpointId) {
      throw new InvalidArgumentError(this.component, 'metadata.checkpointId', `the checkpoint's id ${checkpointId}`, checked.checkpointId);
    }
    const taken = (): InvalidArgumentError =>
      new InvalidArgumentError(this.component, 'checkpointId', 'an id not written before (remove() it first)', checkpointId);
    if (this.inFlight.has(checkpointId)) throw taken();
    this.inFlight.add(checkpointId);
    try {
      if ((await this.blobs.get(checkpointId, 'metadata')) !== undefined) throw taken();
      const dataBytes = encodeSnapshot(data);
      const header = readSnapshotHeader(dataBytes);
      const file: MetadataFile = { metadata: checked, data: { length: header.payloadLength, crc32c: header.checksum } };
      await this.blobs.put(checkpointId, dataBytes, encodeSnapshot(new TextEncoder().encode(JSON.stringify(file))));
    } finally {
      this.inFlight.delete(checkpointId);
    }
    await this.retain();
  }

  async read(checkpointId: number): Promise<StoredCheckpoint> {
    const metaSource = this.source(checkpointId, 'metadata');
    const [metaBytes, dataBytes] = await Promise.all([this.blobs.get(checkpointId, 'metadata'), this.blobs.get(checkpointId, 'data')]);
    if (metaBytes === undefined) {
      if (dataBytes === undefined) throw new CheckpointNotFoundError(this.component, checkpointId, metaSource.path);
      throw this.corrupted(metaSource, 'incomplete', 'the data was written but the metadata never was (a write that did not finish)');
    }
    const file = this.decodeMetadata(checkpointId, metaBytes);
    const dataSource = this.source(checkpointId, 'data');
    if (dataBytes === undefined) throw this.corrupted(dataSource, 'missing-data', 'the metadata is there but the data is not');
    const data = decodeSnapshot(dataBytes, dataSource);
    const header = readSnapshotHeader(dataBytes, dataSource);
    if (header.payloadLength !== file.data.length || header.checksum !== file.data.crc32c) {
      throw this.corrupted(
        dataSource,
        'data-mismatch',
        `the metadata was written for ${file.data.length} bytes with CRC-32C ${hex32(file.data.crc32c)}, ` +
          `the data holds ${header.payloadLength} bytes with ${hex32(header.checksum)}`,
      );
    }
    return { checkpointId, data, metadata: file.metadata };
  }

  async list(): Promise<CheckpointMetadata[]> {
    const out: CheckpointMetadata[] = [];
    for (const { checkpointId, complete } of await this.blobs.ids()) {
      if (!complete) continue;
      const bytes = await this.blobs.get(checkpointId, 'metadata');
      if (bytes === undefined) continue;
      try {
        out.push(this.decodeMetadata(checkpointId, bytes).metadata);
      } catch (err) {
        if (!isCheckpointError(err)) throw err;
      }
    }
    return out.sort((a, b) => a.checkpointId - b.checkpointId);
  }

  async latestIntact(): Promise<LatestIntactCheckpoint> {
    const skipped: SkippedCheckpoint[] = [];
    const ids = (await this.blobs.ids())
      .map((e) => e.checkpointId)
      .filter((id) => !this.inFlight.has(id))
      .sort((a, b) => b - a);
    for (const checkpointId of ids) {
      try {
        return { checkpoint: await this.read(checkpointId), skipped };
      } catch (err) {
        if (err instanceof CheckpointNotFoundError) {
          const detail = 'only temporary files: the write never finished';
          skipped.push({ checkpointId, error: this.corrupted(this.source(checkpointId, 'data'), 'incomplete', detail) });
        } else if (isCheckpointError(err)) {
          skipped.push({ checkpointId, error: err });
        } else {
          throw err;
        }
      }
    }
    return { checkpoint: undefined, skipped };
  }

  async remove(checkpointId: number): Promise<void> {
    if (!isCheckpointId(checkpointId)) {
      throw new InvalidArgumentError(this.component, 'checkpointId', 'a positive safe integer', checkpointId);
    }
    await this.blobs.delete(checkpointId);
  }

  /**
   * Keeps the newest `keepLast` completed checkpoints whose metadata reads
   * back, plus every savepoint; removes older ones and the leftovers of
   * unfinished writes older than the oldest kept. A checkpoint whose metadata
   * is damaged is left alone (it may be a savepoint): `remove()` it by hand.
   */
  private async retain(): Promise<void> {
    const completed = (await this.list()).filter((m) => !m.savepoint);
    if (completed.length <= this.keepLast) return;
    const victims = completed.slice(0, completed.length - this.keepLast).map((m) => m.checkpointId);
    const oldestKept = completed[completed.length - this.keepLast].checkpointId;
    for (const { checkpointId, complete } of await this.blobs.ids()) {
      if (!complete && checkpointId < oldestKept && !this.inFlight.has(checkpointId)) victims.push(checkpointId);
    }
    for (const id of victims) if (!this.inFlight.has(id)) await this.blobs.delete(id);
  }

  private decodeMetadata(checkpointId: number, bytes: Uint8Array): MetadataFile {
    const source = this.source(checkpointId, 'metadata');
    const payload = decodeSnapshot(bytes, source);
    let file: MetadataFile;
    try {
      const json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as Partial<MetadataFile>;
      const data = json?.data;
      if (typeof data !== 'object' || data === null || !Number.isSafeInteger(data.length) || !Number.isSafeInteger(data.crc32c)) {
        throw new Error('no data length and checksum');
      }
      file = { metadata: checkCheckpointMetadata(json.metadata, this.component), data: { length: data.length, crc32c: data.crc32c } };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw this.corrupted(source, 'invalid-metadata', `intact bytes, but not checkpoint metadata: ${reason}`, err);
    }
    if (file.metadata.checkpointId !== checkpointId) {
      throw this.corrupted(source, 'invalid-metadata', `it describes checkpoint ${file.metadata.checkpointId}`);
    }
    return file;
  }

  private source(checkpointId: number, part: CheckpointPart): CheckpointSource {
    const path = this.blobs.where(checkpointId, part);
    return path === undefined ? { checkpointId } : { checkpointId, path };
  }

  private corrupted(
    source: CheckpointSource,
    reason: CheckpointCorruptedError['reason'],
    detail: string,
    cause?: unknown,
  ): CheckpointCorruptedError {
    return new CheckpointCorruptedError(this.component, source, reason, detail, cause === undefined ? undefined : { cause });
  }
}

/** @internal Corruption or an unknown version: what restore skips. */
export const isCheckpointError = (err: unknown): err is CheckpointCorruptedError | CheckpointVersionError =>
  err instanceof CheckpointCorruptedError || err instanceof CheckpointVersionError;

/**
 * @internal
 * A public storage whose operations are its {@link CheckpointStore}'s: the
 * subclass provides the blobs (a `Map`, files) and builds the store over them.
 */
export abstract class StoreBackedCheckpointStorage implements CheckpointStorage {
  protected abstract readonly store: CheckpointStore;

  /** {@inheritDoc CheckpointStorage.write} */
  write(checkpointId: number, data: Uint8Array, metadata: CheckpointMetadata): Promise<void> {
    return this.store.write(checkpointId, data, metadata);
  }

  /** {@inheritDoc CheckpointStorage.read} */
  read(checkpointId: number): Promise<StoredCheckpoint> {
    return this.store.read(checkpointId);
  }

  /** {@inheritDoc CheckpointStorage.list} */
  list(): Promise<CheckpointMetadata[]> {
    return this.store.list();
  }

  /** {@inheritDoc CheckpointStorage.latestIntact} */
  latestIntact(): Promise<LatestIntactCheckpoint> {
    return this.store.latestIntact();
  }

  /** {@inheritDoc CheckpointStorage.remove} */
  remove(checkpointId: number): Promise<void> {
    return this.store.remove(checkpointId);
  }
}
