import { InvalidArgumentError } from '../core/errors';
import { encodeKey } from './canonicalKey';

/** The default number of key groups (Flink's default max parallelism is 128). */
export const DEFAULT_MAX_PARALLELISM = 128;

/**
 * A contiguous range of key groups `[start, end]` (inclusive), the unit of
 * state a parallel instance owns.
 */
export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

/** Murmur3 (x86, 32-bit) over a string's UTF-16 code units: stable across processes and runtimes. */
export function murmur3(text: string, seed = 0): number {
  let h = seed >>> 0;
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = (text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  if (i < n) {
    let k = text.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * @internal
 * The text hashed for a key. It is part of the checkpoint format (it decides
 * which key group, hence which worker, holds a key's state), so it is written
 * here on its own rather than taken from the in-memory canonical form: a change
 * to that form must never move a key to another group. Structurally equal keys
 * give the same text (object fields sorted, `-0` as `0`).
 */
export function keyHashText(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return `s${key}`;
    case 'number':
      return `n${key === 0 ? 0 : key}`;
    case 'bigint':
      return `b${key}`;
    case 'boolean':
      return key ? 'T' : 'F';
    default:
      return `s\u0000${encodeKey(key)}`;
  }
}

/**
 * The key group of a key: a stable hash of its canonical form modulo the
 * number of key groups. Equal keys (structurally, for composite keys) always
 * land in the same group, on every machine.
 *
 * ```
 * keyGroupOf('sensor-7', 128) → 0…127, the same everywhere
 * ```
 */
export function keyGroupOf(key: unknown, maxParallelism: number = DEFAULT_MAX_PARALLELISM): number {
  return murmur3(keyHashText(key)) % maxParallelism;
}

/** Checks a max-parallelism argument. */
export function checkMaxParallelism(operator: string, maxParallelism: number): void {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > 32768) {
    throw new InvalidArgumentError(operator, 'maxParallelism', 'an integer from 1 to 32768', maxParallelism);
  }
}

/**
 * The key groups parallel instance `index` of `parallelism` owns, as Flink
 * assigns them: contiguous ranges of near-equal size.
 *
 * ```
 * maxParallelism 128, parallelism 3:  [0, 42]  [43, 85]  [86, 127]
 * ```
 */
export function keyGroupRangeFor(index: number, parallelism: number, maxParallelism: number = DEFAULT_MAX_PARALLELISM): KeyGroupRange {
  checkMaxParallelism('keyGroupRangeFor', maxParallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
    throw new InvalidArgumentError('keyGroupRangeFor', 'parallelism', `an integer from 1 to ${maxParallelism}`, parallelism);
  }
  if (!Number.isInteger(index) || index < 0 || index >= parallelism) {
    throw new InvalidArgumentError('keyGroupRangeFor', 'index', `an integer from 0 to ${parallelism - 1}`, index);
  }
  const start = Math.ceil((index * maxParallelism) / parallelism);
  const end = Math.ceil(((index + 1) * maxParallelism) / parallelism) - 1;
  return { start, end };
}

/** All key groups: `[0, maxParallelism − 1]`. */
export const allKeyGroups = (maxParallelism: number = DEFAULT_MAX_PARALLELISM): KeyGroupRange => ({
  start: 0,
  end: maxParallelism - 1,
});

/** True when `group` is in `range`. */
export const inKeyGroupRange = (range: KeyGroupRange, group: number): boolean => group >= range.start && group <= range.end;
