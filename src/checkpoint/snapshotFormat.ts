/**
 * The envelope every checkpoint file (and in-memory checkpoint) is stored in:
 * magic bytes, format version, flags, payload length and a CRC-32C of the
 * payload, then the payload.
 */
import { CheckpointCorruptedError, CheckpointVersionError, InvalidArgumentError, type CheckpointSource } from '../core/errors';
import { crc32c } from './crc32c';

/** The four bytes every snapshot starts with: `SLRX` in ASCII. */
export const SNAPSHOT_MAGIC: readonly number[] = [0x53, 0x4c, 0x52, 0x58];

/** The format version {@link encodeSnapshot} writes. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/** The format versions {@link decodeSnapshot} reads. */
export const SUPPORTED_SNAPSHOT_FORMAT_VERSIONS: readonly number[] = [1];

/** The length of the header in bytes; the payload starts here. */
export const SNAPSHOT_HEADER_LENGTH = 16;

/** The largest payload the u32 length field can describe (4 GiB − 1). */
export const MAX_SNAPSHOT_PAYLOAD_LENGTH = 0xffff_ffff;

/** The header of a snapshot, as {@link readSnapshotHeader} finds it. */
export interface SnapshotHeader {
  /** The format version. */
  readonly version: number;
  /** The format flags (0 in version 1). */
  readonly flags: number;
  /** The payload's length in bytes. */
  readonly payloadLength: number;
  /** The CRC-32C of the payload, as written. */
  readonly checksum: number;
}

/**
 * Wraps a payload in the snapshot envelope: a 16-byte header (big-endian)
 * whose checksum lets {@link decodeSnapshot} detect any damage.
 *
 * It's like Flink's versioned metadata serializers, but self-checking: a bit
 * flip, a truncation or a foreign file is detected before deserializing.
 *
 * ```
 * offset  size  field
 *      0     4  magic            "SLRX" = 53 4C 52 58
 *      4     2  format version   u16, 1
 *      6     2  flags            u16, 0 (reserved; a reader refuses bits it does not know)
 *      8     4  payload length   u32, n
 *     12     4  checksum         u32, CRC-32C (Castagnoli) of the payload
 *     16     n  payload
 * ```
 *
 * @example
 * const bytes = encodeSnapshot(serialize(state)); // 16 + payload bytes
 * deserialize(decodeSnapshot(bytes));               // state again
 * @param payload the bytes to wrap (at most 4 GiB − 1); copied.
 * @returns a new array: header, then the payload.
 */
export function encodeSnapshot(payload: Uint8Array): Uint8Array {
  if (!(payload instanceof Uint8Array)) throw new InvalidArgumentError('encodeSnapshot', 'payload', 'a Uint8Array', payload);
  if (payload.length > MAX_SNAPSHOT_PAYLOAD_LENGTH) {
    throw new InvalidArgumentError('encodeSnapshot', 'payload', 'at most 4 GiB − 1 bytes long', `${payload.length} bytes`);
  }
  const bytes = new Uint8Array(SNAPSHOT_HEADER_LENGTH + payload.length);
  const view = new DataView(bytes.buffer);
  bytes.set(SNAPSHOT_MAGIC, 0);
  view.setUint16(4, SNAPSHOT_FORMAT_VERSION);
  view.setUint16(6, 0);
  view.setUint32(8, payload.length);
  view.setUint32(12, crc32c(payload));
  bytes.set(payload, SNAPSHOT_HEADER_LENGTH);
  return bytes;
}

/**
 * Reads and checks a snapshot's header without reading its payload: magic,
 * version, flags, and that the payload length matches `bytes`.
 *
 * @param bytes the whole snapshot (its length is checked against the header).
 * @param source the checkpoint id and path, for the errors.
 * @param component the component named in the errors.
 * @returns the header.
 * @throws {CheckpointCorruptedError} `bad-magic`, `truncated` or `length-mismatch`.
 * @throws {CheckpointVersionError} an unknown format version or flags.
 */
export function readSnapshotHeader(bytes: Uint8Array, source: CheckpointSource = {}, component = 'decodeSnapshot'): SnapshotHeader {
  const magicLength = Math.min(bytes.length, SNAPSHOT_MAGIC.length);
  for (let i = 0; i < magicLength; i++) {
    if (bytes[i] !== SNAPSHOT_MAGIC[i]) {
      const found = Array.from(bytes.subarray(0, SNAPSHOT_MAGIC.length), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new CheckpointCorruptedError(component, source, 'bad-magic', `expected the bytes 53 4c 52 58 ("SLRX"), found ${found}`);
    }
  }
  if (bytes.length < SNAPSHOT_HEADER_LENGTH) {
    throw new CheckpointCorruptedError(
      component,
      source,
      'truncated',
      `the header is cut after ${bytes.length} of ${SNAPSHOT_HEADER_LENGTH} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, SNAPSHOT_HEADER_LENGTH);
  const version = view.getUint16(4);
  const flags = view.getUint16(6);
  if (!SUPPORTED_SNAPSHOT_FORMAT_VERSIONS.includes(version) || flags !== 0) {
    throw new CheckpointVersionError(component, source, version, SUPPORTED_SNAPSHOT_FORMAT_VERSIONS, flags);
  }
  const payloadLength = view.getUint32(8);
  const checksum = view.getUint32(12);
  const actual = bytes.length - SNAPSHOT_HEADER_LENGTH;
  if (actual < payloadLength) {
    throw new CheckpointCorruptedError(component, source, 'truncated', `the payload is cut after ${actual} of ${payloadLength} bytes`);
  }
  if (actual > payloadLength) {
    throw new CheckpointCorruptedError(
      component,
      source,
      'length-mismatch',
      `the header says ${payloadLength} payload bytes, but ${actual} follow it`,
    );
  }
  return { version, flags, payloadLength, checksum };
}

/**
 * Unwraps a snapshot written by {@link encodeSnapshot}, checking everything
 * the header promises; the inverse of {@link encodeSnapshot}.
 *
 * ```
 * bytes:   [SLRX|v1|0|n|crc][payload…]
 *                         ↓ magic? version? length = n? CRC-32C(payload) = crc?
 * result:                  [payload…]     (a view into `bytes`, not a copy)
 * ```
 *
 * @example
 * decodeSnapshot(encodeSnapshot(new Uint8Array([1, 2]))); // Uint8Array [1, 2]
 * decodeSnapshot(bytes.subarray(0, 10), { checkpointId: 7 });
 * // throws CheckpointCorruptedError: "decodeSnapshot: checkpoint 7 is corrupted (truncated): the header is cut after 10 of 16 bytes"
 * @param bytes the whole snapshot.
 * @param source the checkpoint id and path, named in the errors.
 * @returns the payload, a view into `bytes`.
 * @throws {CheckpointCorruptedError} `bad-magic`, `truncated`, `length-mismatch` or `checksum-mismatch`.
 * @throws {CheckpointVersionError} an unknown format version or flags.
 */
export function decodeSnapshot(bytes: Uint8Array, source: CheckpointSource = {}): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('decodeSnapshot', 'bytes', 'a Uint8Array', bytes);
  const header = readSnapshotHeader(bytes, source);
  const payload = bytes.subarray(SNAPSHOT_HEADER_LENGTH);
  const actual = crc32c(payload);
  if (actual !== header.checksum) {
    throw new CheckpointCorruptedError(
      'decodeSnapshot',
      source,
      'checksum-mismatch',
      `the header says CRC-32C ${hex32(header.checksum)}, the ${payload.length} payload bytes have ${hex32(actual)}`,
    );
  }
  return payload;
}

/** @internal `0x0000abcd`. */
export const hex32 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
