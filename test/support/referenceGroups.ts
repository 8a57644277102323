import { sameKey } from './sameKey';

/**
 * Brute-force grouping of a plain array by key (linear scan, structural key
 * equality): groups in the order their key was first seen, values in input
 * order. The first key object seen names its group. The reference every keyed
 * operator is checked against.
 */
export function referenceGroups<T, K>(values: readonly T[], keyOf: (value: T) => K): [K, T[]][] {
  const groups: [K, T[]][] = [];
  for (const v of values) {
    const k = keyOf(v);
    const group = groups.find(([g]) => sameKey(g, k));
    if (group) group[1].push(v);
    else groups.push([k, [v]]);
  }
  return groups;
}

/**
 * Brute-force running aggregation: after each record, `[key, fold of that key's
 * values so far]` — the changelog `{ emit: 'every' }` must produce.
 */
export function referenceChangelog<T, K, R>(
  values: readonly T[],
  keyOf: (value: T) => K,
  fold: (groupValues: readonly T[]) => R,
): [K, R][] {
  const seen: [K, T[]][] = [];
  return values.map((v) => {
    const k = keyOf(v);
    let group = seen.find(([g]) => sameKey(g, k));
    if (!group) {
      group = [k, []];
      seen.push(group);
    }
    group[1].push(v);
    return [k, fold(group[1])];
  });
}
