/**
 * Where completed checkpoints live: the contract every checkpoint storage
 * (memory, file system, later NATS) keeps.
 */
import type { CheckpointCorruptedError, CheckpointVersionError } from '../core/errors';
import type { CheckpointMetadata } from './CheckpointMetadata';

/** How many checkpoints (savepoints aside) a storage keeps unless told otherwise. */
export const DEFAULT_CHECKPOINTS_KEPT = 3;

/** Options every checkpoint storage takes. */
export interface CheckpointStorageOptions {
  /**
   * How many of the newest completed checkpoints to keep (default
   * {@link DEFAULT_CHECKPOINTS_KEPT}, at least 1). Savepoints are never
   * removed by retention, and do not count.
   */
  readonly keepLast?: number;
}

/** A checkpoint read back from a storage, verified. */
export interface StoredCheckpoint {
  /** The checkpoint's id. */
  readonly checkpointId: number;
  /** The bytes given to `write` (the serialized state), checksum verified. */
  readonly data: Uint8Array;
  /** Its metadata. */
  readonly metadata: CheckpointMetadata;
}

/** A checkpoint {@link CheckpointStorage.latestIntact} passed over, and why. */
export interface SkippedCheckpoint {
  /** The checkpoint's id. */
  readonly checkpointId: number;
  /** What is wrong with it: corrupted, truncated, incomplete, or an unknown format version. */
  readonly error: CheckpointCorruptedError | CheckpointVersionError;
}

/** The answer of {@link CheckpointStorage.latestIntact}. */
export interface LatestIntactCheckpoint {
  /** The newest checkpoint that reads back intact, or undefined when there is none. */
  readonly checkpoint: StoredCheckpoint | undefined;
  /** The newer checkpoints passed over on the way, newest first (empty when the newest was intact). */
  readonly skipped: readonly SkippedCheckpoint[];
}

/**
 * A store of completed checkpoints: each is its data (the serialized state,
 * opaque here) plus its {@link CheckpointMetadata}, both in the checksummed
 * snapshot envelope. Writing is atomic; reading verifies; restore starts from
 * {@link CheckpointStorage.latestIntact}, which walks back past damaged ones.
 *
 * It's Flink's `CompletedCheckpointStore` and checkpoint storage in one
 * interface, with corruption reported as typed errors rather than a failed job.
 *
 * ```
 * write(5)   data ──► [SLRX…data]      then   metadata ──► [SLRX…{metadata, data length, data CRC}]
 *            (a checkpoint is complete once its metadata is in place; retention runs after)
 * stored:    1(savepoint)  3  4  5        keepLast = 3: 2 was removed, the savepoint stays
 * latestIntact():  5 truncated → 4 checksum mismatch → 3 intact
 *            ⇒ { checkpoint: 3, skipped: [{5, truncated}, {4, checksum-mismatch}] }
 * ```
 *
 * @example
 * const storage: CheckpointStorage = new MemoryCheckpointStorage({ keepLast: 3 });
 * await storage.write(1, serialize(state), metadata);            // metadata.checkpointId === 1
 * const { checkpoint, skipped } = await storage.latestIntact();
 * if (checkpoint) restore(deserialize(checkpoint.data), checkpoint.metadata.sourceOffsets);
 * for (const s of skipped) log.warn(s.error.message);
 */
export interface CheckpointStorage {
  /**
   * Stores a completed checkpoint atomically: a crash at any point leaves
   * either the complete checkpoint or one that reads as incomplete, never one
   * that passes as complete with wrong data. Then applies retention.
   *
   * @param checkpointId a positive safe integer, equal to `metadata.checkpointId`, not already completed.
   * @param data the serialized state (not retained: copied or written out).
   * @param metadata its metadata (JSON-safe; checked).
   * @throws {InvalidArgumentError} (rejects) for a bad id or metadata, or an id already written.
   */
  write(checkpointId: number, data: Uint8Array, metadata: CheckpointMetadata): Promise<void>;

  /**
   * Reads a checkpoint and verifies both its parts.
   *
   * @throws {CheckpointNotFoundError} no such checkpoint.
   * @throws {CheckpointCorruptedError} damaged, truncated, incomplete, or data not matching its metadata.
   * @throws {CheckpointVersionError} written in a format this build does not read.
   */
  read(checkpointId: number): Promise<StoredCheckpoint>;

  /** The metadata of every completed checkpoint whose metadata reads back, oldest first (by id). Data is not verified. */
  list(): Promise<CheckpointMetadata[]>;

  /**
   * The newest checkpoint (savepoints included) that reads back intact,
   * walking back from the newest and reporting each one skipped.
   */
  latestIntact(): Promise<LatestIntactCheckpoint>;

  /** Removes a checkpoint (savepoints too), its metadata first; removing a missing one does nothing. */
  remove(checkpointId: number): Promise<void>;
}
