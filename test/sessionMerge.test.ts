/**
 * Session merging against a brute-force reference: whatever the arrival order
 * and batch boundaries, the sessions of a key are the maximal unions of the
 * intervals [t, t + gap) of its records, where intervals that overlap or
 * touch join (so records exactly `gap` apart share a session) — with a fixed
 * gap, and with a dynamic gap taken from each record.
 */
import fc from 'fast-check';
import { from } from 'rxjs';
import {
  END_OF_INPUT,
  MAX_WATERMARK,
  processWindow,
  recordBatch,
  session,
  watermark,
  window,
  type Element,
  type KeyedElement,
  type PaneInfo,
} from '../src';
import { refFixedGapSessions, refSessions } from './support/windowReference';

interface Click {
  readonly ts: number;
  /** The gap this record asks for (dynamic gaps). */
  readonly gap: number;
}

interface SeenSession {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly ts: number[];
  readonly pane: PaneInfo;
}

/** Feeds keyed records in the given order and batch cuts, then the maximum watermark; returns every pane emitted. */
function runSessions(records: readonly (Click & { key: string })[], cuts: readonly number[], gap: number | ((c: Click) => number)): SeenSession[] {
  const elements: Element<Click>[] = [];
  const bounds = [...new Set(cuts.filter((c) => c > 0 && c < records.length))].sort((a, b) => a - b);
  let lo = 0;
  for (const hi of [...bounds, records.length]) {
    const part = records.slice(lo, hi);
    if (part.length > 0) elements.push(recordBatch(part, part.map((r) => r.ts), part.map((r) => r.key)));
    lo = hi;
  }
  elements.push(watermark(MAX_WATERMARK), END_OF_INPUT);
  const seen: SeenSession[] = [];
  let failure: unknown;
  from(elements as KeyedElement<Click, string>[])
    .pipe(
      window<Click, string>(session<Click>(gap)),
      processWindow<Click, never, string>((clicks, ctx) =>
        void seen.push({ key: ctx.key, start: ctx.window.start, end: ctx.window.end, ts: clicks.map((c) => c.ts).sort((a, b) => a - b), pane: ctx.pane }),
      ),
    )
    .subscribe({ error: (err) => (failure = err) });
  if (failure !== undefined) throw failure;
  return seen;
}

/** The expected sessions with the timestamps each holds, by brute force. */
function expectedSessions(records: readonly (Click & { key: string })[], gapOf: (c: Click) => number): { key: string; start: number; end: number; ts: number[] }[] {
  const keys = [...new Set(records.map((r) => r.key))].sort();
  const out: { key: string; start: number; end: number; ts: number[] }[] = [];
  for (const key of keys) {
    const mine = records.filter((r) => r.key === key);
    for (const s of refSessions(mine.map((r) => r.ts), (_t, i) => gapOf(mine[i]))) {
      out.push({ key, ...s, ts: mine.filter((r) => s.start <= r.ts && r.ts < s.end).map((r) => r.ts).sort((a, b) => a - b) });
    }
  }
  return out;
}

const sortSessions = <S extends { key: string; start: number }>(s: S[]): S[] =>
  [...s].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.start - b.start));

const clicks = (maxGap: number) =>
  fc.array(
    fc.record({
      key: fc.constantFrom('a', 'b', 'c'),
      ts: fc.integer({ min: -60, max: 60 }),
      gap: fc.integer({ min: 1, max: maxGap }),
    }),
    { maxLength: 40 },
  );

const cuts = fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 8 });

describe('session merging against a brute-force reference', () => {
  it('the reference itself: the interval union equals "split where consecutive timestamps are more than gap apart"', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 30 }), fc.integer({ min: 1, max: 10 }), (ts, gap) => {
        expect(refSessions(ts, () => gap)).toEqual(refFixedGapSessions(ts, gap));
      }),
      { numRuns: 300 },
    );
  });

  it('fixed gap: any arrival order and batching gives the reference sessions, each fired once at the end', () => {
    fc.assert(
      fc.property(clicks(1), fc.integer({ min: 1, max: 12 }), cuts, (records, gap, cutPoints) => {
        const seen = runSessions(records, cutPoints, gap);
        for (const s of seen) expect(s.pane).toEqual({ timing: 'ON_TIME', index: 0, isLast: true });
        expect(sortSessions(seen.map(({ pane: _pane, ...s }) => s))).toEqual(expectedSessions(records, () => gap));
      }),
      { numRuns: 400 },
    );
  });

  it('dynamic gap: sessions are the unions of the touching or overlapping intervals [t, t + gap(record))', () => {
    fc.assert(
      fc.property(clicks(15), cuts, (records, cutPoints) => {
        const seen = runSessions(records, cutPoints, (c) => c.gap);
        expect(sortSessions(seen.map(({ pane: _pane, ...s }) => s))).toEqual(expectedSessions(records, (c) => c.gap));
      }),
      { numRuns: 400 },
    );
  });

  it('records exactly gap apart share a session; one more ms apart they do not', () => {
    const at = (...ts: number[]) => ts.map((t) => ({ key: 'k', ts: t, gap: 0 }));
    expect(runSessions(at(0, 5, 10), [], 5).map(({ start, end, ts }) => ({ start, end, ts }))).toEqual([{ start: 0, end: 15, ts: [0, 5, 10] }]);
    expect(runSessions(at(0, 6), [], 5).map(({ start, end }) => ({ start, end }))).toEqual([
      { start: 0, end: 5 },
      { start: 6, end: 11 },
    ]);
    // A record arriving last that bridges two sessions (touching both ends) merges them.
    expect(runSessions(at(0, 10, 5), [1, 2], 5).map(({ start, end, ts }) => ({ start, end, ts }))).toEqual([{ start: 0, end: 15, ts: [0, 5, 10] }]);
    // Negative timestamps.
    expect(runSessions(at(-20, -15, -3), [], 5).map(({ start, end }) => ({ start, end }))).toEqual([
      { start: -20, end: -10 },
      { start: -3, end: 2 },
    ]);
  });
});
