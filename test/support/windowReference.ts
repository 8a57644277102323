/**
 * A brute-force reference for event-time windows, written from the definitions
 * in DESIGN.md ("Semantics") and independently of the engine: no shared code,
 * no incremental state, only scans.
 *
 * - A time window of size `size` starting every `slide` ms with `offset` is
 *   every `[s, s + size)` with `s ≡ offset (mod slide)`; a record belongs to
 *   those containing its timestamp. Tumbling is `slide = size`.
 * - A session of a key is a maximal union of the intervals `[t, t + gap(t))` of
 *   its records, where intervals that overlap *or touch* are joined.
 * - The final result of a window is computed by scanning every record of its key.
 */

/** A record as the reference sees it. */
export interface RefRecord {
  readonly key: string;
  readonly ts: number;
  readonly value: number;
}

/** A window `[start, end)`. */
export interface RefWindow {
  readonly start: number;
  readonly end: number;
}

/** The final result of one window of one key: how many records, and their sum. */
export interface RefResult {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly count: number;
  readonly sum: number;
}

/** Which windows the reference computes. */
export type RefAssigner =
  | { readonly kind: 'tumbling'; readonly size: number; readonly offset: number }
  | { readonly kind: 'sliding'; readonly size: number; readonly slide: number; readonly offset: number }
  | { readonly kind: 'session'; readonly gap: number };

/** `a` modulo `m` in `[0, m)`, by floor division (not the engine's `((a % m) + m) % m`). */
const floorMod = (a: number, m: number): number => a - m * Math.floor(a / m);

/**
 * Every window `[s, s + size)` with `s ≡ offset (mod slide)` that contains `ts`,
 * found by trying every candidate start `ts − size < s ≤ ts` one by one.
 * Sorted by start.
 */
export function refTimeWindows(ts: number, size: number, slide: number, offset: number): RefWindow[] {
  const windows: RefWindow[] = [];
  for (let s = ts - size + 1; s <= ts; s++) {
    if (floorMod(s - offset, slide) === 0) windows.push({ start: s, end: s + size });
  }
  return windows;
}

/**
 * The sessions of one key: the intervals `[t, t + gapOf(t, i))` (i = the record's
 * index in `timestamps`) sorted by start, joined while the next one starts at or
 * before the end so far (overlapping or touching). With a fixed gap this is:
 * sort the timestamps and split where two consecutive ones are more than `gap` apart.
 */
export function refSessions(timestamps: readonly number[], gapOf: (ts: number, index: number) => number): RefWindow[] {
  const intervals = timestamps.map((t, i) => ({ start: t, end: t + gapOf(t, i) })).sort((a, b) => a.start - b.start || a.end - b.end);
  const sessions: { start: number; end: number }[] = [];
  for (const iv of intervals) {
    const last = sessions[sessions.length - 1];
    if (last !== undefined && iv.start <= last.end) last.end = Math.max(last.end, iv.end);
    else sessions.push({ ...iv });
  }
  return sessions;
}

/** The sessions of one key with a fixed gap: split the sorted timestamps where consecutive ones are more than `gap` apart. */
export function refFixedGapSessions(timestamps: readonly number[], gap: number): RefWindow[] {
  const sorted = [...timestamps].sort((a, b) => a - b);
  const sessions: RefWindow[] = [];
  let first = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i === sorted.length || sorted[i] - sorted[i - 1] > gap) {
      if (sorted.length > 0) sessions.push({ start: sorted[first], end: sorted[i - 1] + gap });
      first = i;
    }
  }
  return sessions;
}

/** The windows of `key` that hold at least one record: the candidates the scan is run on. */
function candidateWindows(records: readonly RefRecord[], assigner: RefAssigner): RefWindow[] {
  if (assigner.kind === 'session') return refFixedGapSessions(records.map((r) => r.ts), assigner.gap);
  const slide = assigner.kind === 'tumbling' ? assigner.size : assigner.slide;
  const seen = new Map<number, RefWindow>();
  for (const r of records) for (const w of refTimeWindows(r.ts, assigner.size, slide, assigner.offset)) seen.set(w.start, w);
  return [...seen.values()];
}

/**
 * The final result of every window of every key: for each key, each candidate
 * window, a scan over all the key's records counting and summing those inside.
 * Sorted with {@link compareResults}.
 */
export function refResults(records: readonly RefRecord[], assigner: RefAssigner): RefResult[] {
  const byKey = new Map<string, RefRecord[]>();
  for (const r of records) {
    const list = byKey.get(r.key) ?? [];
    list.push(r);
    byKey.set(r.key, list);
  }
  const results: RefResult[] = [];
  for (const [key, list] of byKey) {
    for (const w of candidateWindows(list, assigner)) {
      let count = 0;
      let sum = 0;
      for (const r of list) {
        if (w.start <= r.ts && r.ts < w.end) {
          count++;
          sum += r.value;
        }
      }
      results.push({ key, start: w.start, end: w.end, count, sum });
    }
  }
  return results.sort(compareResults);
}

/** A total order on results, to compare multisets as sorted arrays. */
export function compareResults(a: RefResult, b: RefResult): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : a.start - b.start || a.end - b.end || a.count - b.count || a.sum - b.sum;
}
