/**
 * CRC-32C (Castagnoli), the checksum of checkpoint payloads: table-driven,
 * slicing by 8 (eight 256-entry tables, eight bytes per step), no dependency.
 */

/** The reflected Castagnoli polynomial 0x1EDC6F41. */
const POLYNOMIAL = 0x82f63b78;

/** `TABLES[k][b]`: the CRC of byte `b` followed by `k` zero bytes. */
const TABLES: readonly Uint32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    tables[0][b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) tables[k][b] = (tables[0][tables[k - 1][b] & 0xff] ^ (tables[k - 1][b] >>> 8)) >>> 0;
  }
  return tables;
})();

/**
 * @internal
 * The CRC-32C of `bytes` as an unsigned 32-bit number, continuing from
 * `crc` (the result of a previous call over the preceding bytes; 0 to start).
 *
 * It's the checksum of iSCSI, ext4 metadata and Kafka record batches: it
 * detects every burst of up to 32 flipped bits and all odd numbers of flips.
 *
 * @example
 * crc32c(new TextEncoder().encode('123456789')); // 0xe3069283
 * crc32c(b, crc32c(a)) === crc32c(concat(a, b)); // true: it streams
 * @param bytes the data.
 * @param crc the CRC so far (default 0).
 * @returns the CRC-32C, in [0, 2^32).
 */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  let c = ~crc;
  let i = 0;
  const n = bytes.length;
  for (const end = n - (n % 8); i < end; i += 8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c =
      t7[lo & 0xff] ^
      t6[(lo >>> 8) & 0xff] ^
      t5[(lo >>> 16) & 0xff] ^
      t4[lo >>> 24] ^
      t3[bytes[i + 4]] ^
      t2[bytes[i + 5]] ^
      t1[bytes[i + 6]] ^
      t0[bytes[i + 7]];
  }
  for (; i < n; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
