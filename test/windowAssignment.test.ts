/**
 * Window assignment (tumbling, sliding) against the brute-force definition:
 * every window [s, s + size) with s ≡ offset (mod slide) containing ts —
 * random sizes, slides, offsets (negative included) and timestamps (negative
 * included). The engine's fast path (it does not call assignWindows) is
 * checked through the operator itself.
 */
import fc from 'fast-check';
import { from } from 'rxjs';
import {
  aggregate,
  END_OF_INPUT,
  MAX_WATERMARK,
  processWindow,
  recordBatch,
  sliding,
  tumbling,
  watermark,
  window,
  windowStart,
  type Element,
  type KeyedElement,
  type TimeWindow,
  type WindowAssigner,
  type WindowResult,
} from '../src';
import { refTimeWindows } from './support/windowReference';

const ctx = { currentProcessingTime: 0 };
const bounds = (ws: readonly TimeWindow[]) => ws.map((w) => ({ start: w.start, end: w.end })).sort((a, b) => a.start - b.start);

/** size, slide ≤ size, |offset| < slide, and a timestamp (negative included). */
const slidingArgs = fc
  .record({ size: fc.integer({ min: 1, max: 60 }), ts: fc.integer({ min: -10_000, max: 10_000 }) })
  .chain(({ size, ts }) =>
    fc.integer({ min: 1, max: size }).chain((slide) =>
      fc.integer({ min: -(slide - 1), max: slide - 1 }).map((offset) => ({ size, slide, offset, ts })),
    ),
  );

const tumblingArgs = fc
  .record({ size: fc.integer({ min: 1, max: 100 }), ts: fc.integer({ min: -10_000, max: 10_000 }) })
  .chain(({ size, ts }) => fc.integer({ min: -(size - 1), max: size - 1 }).map((offset) => ({ size, offset, ts })));

/** Runs the window operator over keyed single records, collecting the [start, end) of every window each record landed in. */
function windowsSeenByOperator(assigner: WindowAssigner<number>, timestamps: readonly number[]): { start: number; end: number; ts: number[] }[] {
  const input: Element<number>[] = [recordBatch(timestamps, timestamps, timestamps.map(() => 'k')), watermark(MAX_WATERMARK), END_OF_INPUT];
  const seen: { start: number; end: number; ts: number[] }[] = [];
  from(input as KeyedElement<number, string>[])
    .pipe(
      window<number, string>(assigner),
      processWindow<number, never, string>((elements, c) => void seen.push({ start: c.window.start, end: c.window.end, ts: [...elements].sort((a, b) => a - b) })),
    )
    .subscribe({ error: (err) => { throw err; } });
  return seen.sort((a, b) => a.start - b.start);
}

describe('window assignment against the brute-force definition', () => {
  it('tumbling(size, offset): exactly one window, the one the definition gives', () => {
    fc.assert(
      fc.property(tumblingArgs, ({ size, offset, ts }) => {
        const expected = refTimeWindows(ts, size, size, offset);
        expect(expected).toHaveLength(1);
        expect(bounds(tumbling(size, offset).assignWindows(undefined, ts, ctx))).toEqual(expected);
        expect(windowStart(ts, size, offset)).toBe(expected[0].start);
      }),
      { numRuns: 500 },
    );
  });

  it('sliding(size, slide, offset): every window containing ts, no other', () => {
    fc.assert(
      fc.property(slidingArgs, ({ size, slide, offset, ts }) => {
        const expected = refTimeWindows(ts, size, slide, offset);
        expect(bounds(sliding(size, slide, offset).assignWindows(undefined, ts, ctx))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('the window operator puts each record in exactly the windows of the definition (tumbling and sliding fast paths)', () => {
    fc.assert(
      fc.property(
        slidingArgs,
        fc.boolean(),
        fc.array(fc.integer({ min: -500, max: 500 }), { minLength: 1, maxLength: 30 }),
        ({ size, slide, offset }, isTumbling, timestamps) => {
          const assigner = isTumbling ? tumbling<number>(size, offset % size) : sliding<number>(size, slide, offset);
          const s = isTumbling ? size : slide;
          const o = isTumbling ? offset % size : offset;
          const expected = new Map<number, { start: number; end: number; ts: number[] }>();
          for (const t of timestamps) {
            for (const w of refTimeWindows(t, size, s, o)) {
              const entry = expected.get(w.start) ?? { ...w, ts: [] };
              entry.ts.push(t);
              expected.set(w.start, entry);
            }
          }
          const want = [...expected.values()].map((e) => ({ ...e, ts: e.ts.sort((a, b) => a - b) })).sort((a, b) => a.start - b.start);
          expect(windowsSeenByOperator(assigner, timestamps)).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('examples from DESIGN.md: negative timestamps and offsets, windows before 0', () => {
    expect(bounds(tumbling(10, 3).assignWindows(undefined, 2, ctx))).toEqual([{ start: -7, end: 3 }]);
    expect(bounds(tumbling(10).assignWindows(undefined, -3, ctx))).toEqual([{ start: -10, end: 0 }]);
    expect(bounds(tumbling(10).assignWindows(undefined, 0, ctx))).toEqual([{ start: 0, end: 10 }]);
    expect(bounds(tumbling(10, -3).assignWindows(undefined, 6, ctx))).toEqual([{ start: -3, end: 7 }]);
    expect(bounds(tumbling(10, -3).assignWindows(undefined, 7, ctx))).toEqual([{ start: 7, end: 17 }]);
    expect(bounds(sliding(10, 5).assignWindows(undefined, 7, ctx))).toEqual([
      { start: 0, end: 10 },
      { start: 5, end: 15 },
    ]);
    expect(bounds(sliding(10, 5, 2).assignWindows(undefined, -1, ctx))).toEqual([
      { start: -8, end: 2 },
      { start: -3, end: 7 },
    ]);
    // A size that is not a multiple of the slide: 7 / 3 → two or three windows.
    expect(bounds(sliding(7, 3).assignWindows(undefined, 6, ctx))).toEqual([
      { start: 0, end: 7 },
      { start: 3, end: 10 },
      { start: 6, end: 13 },
    ]);
    expect(bounds(sliding(7, 3).assignWindows(undefined, 7, ctx))).toEqual([
      { start: 3, end: 10 },
      { start: 6, end: 13 },
    ]);
  });

  it('a result carries timestamp end − 1, also for windows before 0', () => {
    const out: Element<WindowResult<string, number>>[] = [];
    from([recordBatch([1, 1], [2, -5], ['k', 'k']), watermark(MAX_WATERMARK), END_OF_INPUT] as KeyedElement<number, string>[])
      .pipe(
        window<number, string>(tumbling(10, 3)),
        aggregate({ createAccumulator: () => 0, add: (v: number, a: number) => a + v, getResult: (a: number) => a, merge: (a: number, b: number) => a + b }),
      )
      .subscribe((e) => out.push(e));
    const batch = out.find((e) => e.kind === 'batch');
    // Records at 2 and −5 both fall in [−7, 3): one result, stamped 3 − 1 = 2.
    expect(batch).toMatchObject({ values: [{ key: 'k', start: -7, end: 3, value: 2 }], timestamps: [2] });
  });
});
