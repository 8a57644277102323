/**
 * Event-time benchmark data (W1, W1L, W3, W4) and the shape and checksum of
 * their windowed results.
 *
 * Every record is `{ k, t, v }`: a key (a short string, the same string
 * object every time the key recurs, as a parsed input would intern them only
 * if the user did — here they do, so string hashing is cached for every
 * variant alike), an event timestamp in ms, and an integer value 0–999
 * (so sums stay exact in doubles).
 *
 * Results of every variant are `WindowResult<string, CountSum>` objects (the
 * engine's public result type): key, window bounds, the count and sum, and
 * the pane (timing, index, isLast). {@link windowChecksum} hashes them as a
 * multiset — order-insensitive (the engine fires the windows of one watermark
 * in timer order, a hand loop in its map order), but every field of every
 * result counts, and a duplicate or missing firing changes both the hash
 * (a sum of 64-bit per-result hashes, not an xor) and the result count.
 */
import type { WindowResult } from '../../src/window/WindowResult';
import type { PaneTiming } from '../../src/window/PaneInfo';
import { mulberry32, randomInt } from './random';

/** One event: key, event timestamp (ms), value. */
export interface Event {
  readonly k: string;
  readonly t: number;
  readonly v: number;
}

/** The aggregate every event-time workload computes per (key, window): both count and sum. */
export interface CountSum {
  readonly count: number;
  readonly sum: number;
}

/** What a variant of an event-time workload returns. */
export interface WindowRun {
  /** Every pane emitted, in any order. */
  readonly results: readonly WindowResult<string, CountSum>[];
  /** The late side output: records too late for all their windows (any order). */
  readonly late: readonly Event[];
  /** The late-records counter (must equal `late.length` where a side output is configured). */
  readonly lateCount: number;
}

/** Event time of the first record: 2023-11-14T22:13:20Z, a multiple of every window size used. */
export const T0 = 1_700_000_000_000;

/** The keys `k0`, `k1`, …: one string object per key. */
export function keyNames(n: number): string[] {
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) keys[i] = `k${i}`;
  return keys;
}

/** Shape of the W1-style stream (W1, W1L, W3). */
export interface KeyedEventsSpec {
  /** Number of records. */
  readonly records: number;
  /** Distinct keys, drawn uniformly. */
  readonly keys: number;
  /** Records per millisecond of event time (W1: 20, i.e. +1 ms per 20 records). */
  readonly recordsPerMs: number;
  /** Each timestamp is pulled back a uniform 0..disorderMs (inclusive). */
  readonly disorderMs: number;
  /** Fraction of records pulled back further (W1L: 0.01); 0 for none. */
  readonly lateFraction?: number;
  /** The further pull-back, uniform in [lateMinMs, lateMaxMs]. */
  readonly lateMinMs?: number;
  readonly lateMaxMs?: number;
}

/**
 * W1's stream: record `i` has base time `T0 + floor(i / recordsPerMs)`, pulled
 * back a uniform 0..disorderMs; a uniform key; a uniform value 0–999. With
 * `boundedOutOfOrderness(disorderMs)` nothing is late (the watermark
 * `max − d − 1` stays below every later record). With `lateFraction`, that
 * fraction of records (decided by a second generator, so every other record is
 * identical to the stream without it) is pulled back a further
 * lateMinMs..lateMaxMs: late data.
 */
export function keyedEvents(seed: number, spec: KeyedEventsSpec): Event[] {
  const random = mulberry32(seed);
  const lateRandom = mulberry32(seed ^ 0x5a5a5a5a);
  const keys = keyNames(spec.keys);
  const lateFraction = spec.lateFraction ?? 0;
  const lateMin = spec.lateMinMs ?? 0;
  const lateMax = spec.lateMaxMs ?? 0;
  const events = new Array<Event>(spec.records);
  for (let i = 0; i < spec.records; i++) {
    let t = T0 + Math.floor(i / spec.recordsPerMs) - randomInt(random, 0, spec.disorderMs);
    const k = keys[randomInt(random, 0, spec.keys - 1)];
    const v = randomInt(random, 0, 999);
    if (lateFraction > 0 && lateRandom() < lateFraction) t -= randomInt(lateRandom, lateMin, lateMax);
    events[i] = { k, t, v };
  }
  return events;
}

/** Shape of W4's sparse, bursty stream. */
export interface SessionEventsSpec {
  /** Distinct keys. */
  readonly keys: number;
  /** Bursts per key, uniform in [1, maxBursts]. */
  readonly maxBursts: number;
  /** Records per burst, uniform in [1, maxBurstRecords]. */
  readonly maxBurstRecords: number;
  /** Time between two records of a burst, uniform in [0, maxIntraGapMs] (inclusive). */
  readonly maxIntraGapMs: number;
  /** Bursts start uniformly in [T0, T0 + spanMs). */
  readonly spanMs: number;
  /** Each timestamp is pulled back a uniform 0..disorderMs, after ordering by true time. */
  readonly disorderMs: number;
}

/**
 * W4's stream: every key is active in a few short bursts at random times over
 * a long span, idle in between (sparse keys: most keys have no open session
 * at any moment). Within a burst, records are 0..maxIntraGapMs apart, so with
 * a session gap a bit below maxIntraGapMs some bursts split into several
 * sessions, some records are exactly `gap` apart (touching windows merge),
 * and the disorder makes records arrive out of order, so sessions merge when a
 * late-arriving record bridges two of them. The records are ordered by true
 * time, then each is pulled back 0..disorderMs: with
 * `boundedOutOfOrderness(disorderMs)` nothing is late.
 */
export function sessionEvents(seed: number, spec: SessionEventsSpec): Event[] {
  const random = mulberry32(seed);
  const keys = keyNames(spec.keys);
  const trueTimes: number[] = [];
  const keyOf: number[] = [];
  for (let key = 0; key < spec.keys; key++) {
    const bursts = randomInt(random, 1, spec.maxBursts);
    for (let b = 0; b < bursts; b++) {
      let t = T0 + randomInt(random, 0, spec.spanMs - 1);
      const n = randomInt(random, 1, spec.maxBurstRecords);
      for (let r = 0; r < n; r++) {
        if (r > 0) t += randomInt(random, 0, spec.maxIntraGapMs);
        trueTimes.push(t);
        keyOf.push(key);
      }
    }
  }
  const n = trueTimes.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => trueTimes[a] - trueTimes[b] || a - b);
  const events = new Array<Event>(n);
  for (let i = 0; i < n; i++) {
    const j = order[i];
    events[i] = { k: keys[keyOf[j]], t: trueTimes[j] - randomInt(random, 0, spec.disorderMs), v: randomInt(random, 0, 999) };
  }
  return events;
}

// ── results ─────────────────────────────────────────────────────────────

/** A pane as the hand loops and peers build it. */
export function windowResult(
  key: string,
  start: number,
  end: number,
  count: number,
  sum: number,
  timing: PaneTiming,
  index: number,
  isLast: boolean,
): WindowResult<string, CountSum> {
  return { key, start, end, value: { count, sum }, pane: { timing, index, isLast }, retraction: false };
}

const TIMING_CODE: Record<PaneTiming, number> = { EARLY: 1, ON_TIME: 2, LATE: 3 };

/** murmur3's 32-bit finalizer. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Two 32-bit lanes of a per-item hash, fed integers (any size up to 2^53) and strings. */
class ItemHash {
  a = 0;
  b = 0;
  reset(): void {
    this.a = 0x9747b28c;
    this.b = 0x1b873593;
  }
  int32(x: number): void {
    this.a = Math.imul(this.a ^ x, 0x01000193) + 0x7f4a7c15;
    this.b = Math.imul(this.b ^ fmix(x + 0x61c88647), 0x27d4eb2d) + 0x165667b1;
  }
  num(n: number): void {
    if (!Number.isSafeInteger(n)) throw new Error(`windowChecksum: expected an integer, got ${n}`);
    const lo = n % 0x1_0000_0000;
    this.int32(lo | 0);
    this.int32(((n - lo) / 0x1_0000_0000) | 0);
  }
  str(s: string): void {
    for (let i = 0; i < s.length; i++) this.int32(s.charCodeAt(i));
    this.int32(0x1f);
  }
  finishA(): number {
    return fmix(this.a) >>> 0;
  }
  finishB(): number {
    return fmix(this.b ^ 0x5bd1e995) >>> 0;
  }
}

const hex = (x: number): string => (x >>> 0).toString(16).padStart(8, '0');

/**
 * Checksum of a {@link WindowRun}, independent of result order:
 * `<hash>/<results>/<Σcount>/<Σsum>/late:<hash>/<late records>/<late counter>`.
 * Each result hashes key, start, end, count, sum, pane timing, pane index,
 * isLast and retraction; the multiset hash adds the per-result hashes (two
 * 32-bit lanes, mod 2^32), so a duplicate is not cancelled out as with xor.
 */
export function windowChecksum(run: WindowRun): string {
  const h = new ItemHash();
  let sa = 0;
  let sb = 0;
  let totalCount = 0;
  let totalSum = 0;
  const results = run.results;
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    h.reset();
    h.str(String(r.key));
    h.num(r.start);
    h.num(r.end);
    h.num(r.value.count);
    h.num(r.value.sum);
    h.int32(TIMING_CODE[r.pane.timing]);
    h.int32(r.pane.index);
    h.int32(r.pane.isLast ? 1 : 0);
    h.int32(r.retraction ? 1 : 0);
    sa = (sa + h.finishA()) | 0;
    sb = (sb + h.finishB()) | 0;
    totalCount += r.value.count;
    totalSum += r.value.sum;
  }
  let la = 0;
  let lb = 0;
  for (let i = 0; i < run.late.length; i++) {
    const e = run.late[i];
    h.reset();
    h.str(e.k);
    h.num(e.t);
    h.num(e.v);
    la = (la + h.finishA()) | 0;
    lb = (lb + h.finishB()) | 0;
  }
  return `${hex(sa)}${hex(sb)}/${results.length}/${totalCount}/${totalSum}/late:${hex(la)}${hex(lb)}/${run.late.length}/${run.lateCount}`;
}
