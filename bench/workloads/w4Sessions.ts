/**
 * W4 — keyed event-time session windows, gap 5 s, count and sum, over sparse
 * keys.
 *
 * Data ({@link sessionEvents}): 20,000 keys (scaled by `--scale`), each
 * active in 1–3 bursts (uniform) starting at uniform times over one hour of
 * event time; a burst is 1–9 records (uniform) 0–6 s apart (uniform,
 * inclusive). So ~200,000 records, ~55 per second of event time, and at any
 * moment only ~1% of the keys have an open session. About 1 in 6 gaps within
 * a burst exceeds 5 s (the burst splits into several sessions), some are
 * exactly 5 s (touching windows merge), and the records, ordered by true
 * time, are each pulled back 0–2 s, so they arrive out of order and sessions
 * merge when a record bridges two of them. Watermarks: boundedOutOfOrderness
 * (2 s), per source batch; nothing is late. Result: one ON_TIME pane per
 * session (~66,000).
 */
import { boundedOutOfOrderness, MetricRegistry, session, StreamLite, type WindowResult } from '../../src';
import { type CountSum, type Event, sessionEvents, type SessionEventsSpec, windowChecksum, windowResult, type WindowRun } from '../lib/eventData';
import { defineWorkload, scaled } from './types';
import { BATCH, countAndSum, lateCounter, OUT_OF_ORDERNESS_MS } from './w1Tumbling';

export const W4_KEYS = 20_000;
export const W4_GAP_MS = 5_000;
/** Approximate records at scale 1 (the generator decides the exact count). */
export const W4_RECORDS = 200_000;

export function w4Spec(scale: number): SessionEventsSpec {
  return {
    keys: scaled(W4_KEYS, scale),
    maxBursts: 3,
    maxBurstRecords: 9,
    maxIntraGapMs: 6_000,
    spanMs: 3_600_000,
    disorderMs: OUT_OF_ORDERNESS_MS,
  };
}

interface HandSession {
  readonly key: string;
  start: number;
  end: number;
  count: number;
  sum: number;
  /** Fired ON_TIME and not extended since. */
  fired: boolean;
  /** Index of the next pane. */
  panes: number;
  alive: boolean;
}

/** A min-heap of (end, session) in two parallel arrays; stale entries are skipped when popped. */
class EndHeap {
  private readonly ends: number[] = [];
  private readonly sessions: HandSession[] = [];

  get size(): number {
    return this.ends.length;
  }

  topEnd(): number {
    return this.ends[0];
  }

  push(end: number, s: HandSession): void {
    const ends = this.ends;
    const sessions = this.sessions;
    let i = ends.length;
    ends.push(end);
    sessions.push(s);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ends[p] <= end) break;
      ends[i] = ends[p];
      sessions[i] = sessions[p];
      i = p;
    }
    ends[i] = end;
    sessions[i] = s;
  }

  /** Removes the top entry; returns its session (its end was topEnd()). */
  pop(): HandSession {
    const ends = this.ends;
    const sessions = this.sessions;
    const top = sessions[0];
    const end = ends.pop()!;
    const s = sessions.pop()!;
    const n = ends.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && ends[r] < ends[l] ? r : l;
        if (ends[c] >= end) break;
        ends[i] = ends[c];
        sessions[i] = sessions[c];
        i = c;
      }
      ends[i] = end;
      sessions[i] = s;
    }
    return top;
  }
}

/**
 * The hand loop for event-time sessions (allowed lateness 0), with the
 * engine's semantics: a record opens `[t, t + gap)`; the open sessions of its
 * key that overlap or touch it merge into one covering them all (count and
 * sum added, pane index the highest of them); a record whose new session would
 * already be late (`t + gap − 1 ≤ W`) and that touches no open session is
 * late. Per batch of 1,024: records, then `W = max − bound − 1`, then every
 * session with `end − 1 ≤ W` fires an ON_TIME pane. A session is dropped at
 * `W ≥ end` — one ms after it fires, so that a record at exactly `end` (on
 * time while `W = end − 1`, and exactly `gap` after the session's last record)
 * still merges with it; the merged session fires again later with the next
 * pane index. So a pane is the last (`isLast`) when `W ≥ end` at its firing.
 * Sessions fire from a min-heap by end (stale entries skipped); open sessions
 * are kept per key in a Map of small arrays.
 */
export function handSessions(events: readonly Event[], gap: number, bound: number): WindowRun {
  const results: WindowResult<string, CountSum>[] = [];
  const late: Event[] = [];
  const open = new Map<string, HandSession[]>();
  const heap = new EndHeap();
  /** Sessions fired with W = end − 1: dropped at the next advance (W ≥ end) unless a record extended them. */
  let lingering: HandSession[] = [];
  let max = -Infinity;
  let wm = -Infinity;

  const drop = (s: HandSession): void => {
    s.alive = false;
    const list = open.get(s.key)!;
    if (list.length === 1) open.delete(s.key);
    else list.splice(list.indexOf(s), 1);
  };

  const advance = (): void => {
    if (lingering.length > 0) {
      for (const s of lingering) if (s.alive && s.fired) drop(s);
      lingering = [];
    }
    while (heap.size > 0 && heap.topEnd() - 1 <= wm) {
      const end = heap.topEnd();
      const s = heap.pop();
      if (!s.alive || s.end !== end) continue; // merged away, or extended (a later entry holds it)
      const isLast = wm >= end;
      results.push(windowResult(s.key, s.start, s.end, s.count, s.sum, 'ON_TIME', s.panes++, isLast));
      s.fired = true;
      if (isLast) drop(s);
      else lingering.push(s);
    }
  };

  const n = events.length;
  for (let from = 0; from < n; from += BATCH) {
    const to = Math.min(from + BATCH, n);
    for (let i = from; i < to; i++) {
      const e = events[i];
      const t = e.t;
      if (t > max) max = t;
      const lo = t;
      const hi = t + gap;
      const list = open.get(e.k);
      let target: HandSession | undefined;
      let targetEnd = 0; // the end of target's live heap entry
      if (list !== undefined) {
        for (let j = 0; j < list.length; j++) {
          const s = list[j];
          if (s.start > hi || s.end < lo) continue; // neither overlaps nor touches
          if (target === undefined) {
            target = s;
            targetEnd = s.end;
            continue;
          }
          // a second session bridged by this record: merge it into the first
          target.start = Math.min(target.start, s.start);
          target.end = Math.max(target.end, s.end);
          target.count += s.count;
          target.sum += s.sum;
          target.panes = Math.max(target.panes, s.panes);
          s.alive = false;
          list.splice(j--, 1);
        }
      }
      if (target === undefined) {
        if (hi - 1 <= wm) {
          late.push(e);
          continue;
        }
        const s: HandSession = { key: e.k, start: lo, end: hi, count: 1, sum: e.v, fired: false, panes: 0, alive: true };
        if (list === undefined) open.set(e.k, [s]);
        else list.push(s);
        heap.push(hi, s);
        continue;
      }
      if (lo < target.start) target.start = lo;
      if (hi > target.end) target.end = hi;
      target.count++;
      target.sum += e.v;
      if (target.end !== targetEnd) {
        target.fired = false; // a new, larger window (its end − 1 > W): it fires again
        heap.push(target.end, target);
      }
    }
    const next = max - bound - 1;
    if (next > wm) {
      wm = next;
      advance();
    }
  }
  wm = Infinity;
  advance();
  return { results, late, lateCount: late.length };
}

export const w4Sessions = defineWorkload<readonly Event[], WindowRun>({
  id: 'W4',
  description: 'keyed session windows, gap 5 s, count+sum; sparse keys: 20,000 keys × 1–3 bursts of 1–9 records 0–6 s apart over 1 h; disorder 0–2 s',
  records: W4_RECORDS,
  generate(seed, scale) {
    const data = sessionEvents(seed, w4Spec(scale));
    return { data, records: data.length };
  },
  variants: {
    engine: async (events) => {
      const metrics = new MetricRegistry();
      const results = await StreamLite.fromCollection(events, { timestamp: (e) => e.t })
        .assignTimestampsAndWatermarks(boundedOutOfOrderness(OUT_OF_ORDERNESS_MS))
        .keyBy((e) => e.k)
        .window(session(W4_GAP_MS), { metrics, name: 'w4' })
        .aggregate(countAndSum)
        .collect();
      return { results, late: [], lateCount: lateCounter(metrics, 'w4') };
    },

    hand: (events) => handSessions(events, W4_GAP_MS, OUT_OF_ORDERNESS_MS),
  },
  checksum: windowChecksum,
});
