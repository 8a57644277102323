/**
 * @internal
 * What the keyed operators (keyedProcess, the window operator, rolling
 * aggregates) share to run as one of several parallel instances: the
 * `keyGroups` option, the check that a record's key belongs to the instance,
 * and restored data that may come from several former instances.
 */
import { describeValue, InvalidArgumentError, StreamLiteError, type RecordDescription } from '../core/errors';
import { allKeyGroups, checkMaxParallelism, DEFAULT_MAX_PARALLELISM, inKeyGroupRange, keyGroupOf, type KeyGroupRange } from './keyGroups';

/**
 * @internal
 * Checks `maxParallelism` and the `keyGroups` option of a keyed operator;
 * returns the range (all key groups when the option is absent).
 */
export function checkKeyGroupsOption(operator: string, keyGroups: KeyGroupRange | undefined, maxParallelism: number): KeyGroupRange {
  checkMaxParallelism(operator, maxParallelism);
  if (keyGroups === undefined) return allKeyGroups(maxParallelism);
  const { start, end } = (keyGroups ?? {}) as Partial<KeyGroupRange>;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start! < 0 || start! > end! || end! >= maxParallelism) {
    throw new InvalidArgumentError(
      operator,
      'keyGroups',
      `a range { start, end } with 0 ≤ start ≤ end ≤ ${maxParallelism - 1} (e.g. keyGroupRangeFor(i, parallelism, ${maxParallelism}))`,
      keyGroups,
    );
  }
  return { start: start!, end: end! };
}

/**
 * @internal
 * The parts of a keyed operator's restored data: its own snapshot, or — when
 * savepoints of several parallel instances were merged to restore onto fewer
 * — an array of them (a keyed operator's snapshot is never an array itself).
 */
export function restoredParts<S>(restored: unknown): readonly S[] {
  if (restored === undefined) return [];
  return Array.isArray(restored) ? (restored as S[]) : [restored as S];
}

/**
 * @internal
 * The smallest watermark of the restored parts (the instances stopped at the
 * same input position saw the same watermarks; the smallest never skips a
 * timer or makes a record late that was not).
 */
export function restoredWatermark(watermarks: readonly number[], fallback: number): number {
  return watermarks.length === 0 ? fallback : Math.min(...watermarks);
}

/**
 * @internal
 * Throws when `key` is outside the key groups this instance owns: its input
 * must be partitioned by key group (see the `keyGroups` option).
 */
export function checkKeyInKeyGroups(
  operator: string,
  key: unknown,
  range: KeyGroupRange,
  maxParallelism: number,
  record: RecordDescription,
): void {
  const group = keyGroupOf(key, maxParallelism);
  if (inKeyGroupRange(range, group)) return;
  throw new StreamLiteError(
    operator,
    `the key ${describeValue(key)} is in key group ${group}, outside this instance's key groups [${range.start}, ${range.end}]: ` +
      `feed it only keys with inKeyGroupRange(keyGroups, keyGroupOf(key, ${maxParallelism}))`,
    record,
  );
}

/**
 * @internal
 * Throws when the restored parts (each taken by an instance owning
 * `keyGroups`, all of them when absent) do not cover `range`: the state of
 * the missing key groups would silently start empty.
 */
export function checkRestoredCoverage(
  operator: string,
  parts: readonly { readonly keyGroups?: KeyGroupRange }[],
  range: KeyGroupRange,
  maxParallelism: number,
): void {
  if (parts.length === 0) return;
  const ranges = parts.map((p) => p.keyGroups ?? allKeyGroups(maxParallelism)).sort((a, b) => a.start - b.start);
  let next = range.start;
  for (const r of ranges) {
    if (r.start > next) break;
    if (r.end + 1 > next) next = r.end + 1;
  }
  if (next > range.end) return;
  throw new StreamLiteError(
    operator,
    `the restored snapshots hold key groups ${ranges.map((r) => `[${r.start}, ${r.end}]`).join(' ')}, which do not cover this instance's ` +
      `key groups [${range.start}, ${range.end}] (group ${next} is missing): restore the savepoints of every former instance`,
  );
}

/**
 * @internal
 * The start every keyed window engine's restore shares: the parts must cover
 * this instance's key groups and count as many key groups as it does; gives
 * the restored watermark (the smallest of the parts') and the test for keys
 * this instance owns.
 */
export function beginRestore(
  operator: string,
  parts: readonly { readonly keyGroups?: KeyGroupRange; readonly maxParallelism?: number; readonly watermark: number }[],
  range: KeyGroupRange,
  maxParallelism: number,
  currentWatermark: number,
): { readonly watermark: number; readonly owned: (key: unknown) => boolean } {
  checkRestoredCoverage(operator, parts, range, maxParallelism);
  for (const p of parts) {
    const snapshotGroups = p.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    if (snapshotGroups !== maxParallelism) {
      throw new InvalidArgumentError(operator, 'maxParallelism', `${snapshotGroups} (the snapshot's number of key groups)`, maxParallelism);
    }
  }
  return {
    watermark: restoredWatermark(parts.map((p) => p.watermark), currentWatermark),
    owned: (key) => inKeyGroupRange(range, keyGroupOf(key, maxParallelism)),
  };
}
