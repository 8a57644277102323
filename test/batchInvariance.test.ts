/**
 * Batch boundaries are invisible in results (DESIGN, "The model", 1): for the
 * same records and watermarks, every pipeline gives the same output — values,
 * timestamps, side outputs — whether the input arrives in batches of 1, 7,
 * 1,024, or cut at random points; and that output is what a brute-force loop
 * over a plain array computes.
 */
import fc from 'fast-check';
import { from, type Observable } from 'rxjs';
import {
  avg,
  count,
  filter,
  flatMap,
  fromCollection,
  keyBy,
  map,
  max,
  MAX_WATERMARK,
  min,
  MIN_WATERMARK,
  OutputTag,
  process,
  reduce,
  sideOutput,
  sum,
  type Element,
} from '../src';
import { collectElementsSync } from './support/collectElements';
import { cutsEvery, handBuiltElements } from './support/handBuiltStream';
import { recordsOf, type RecordView } from './support/recordsOf';
import { referenceChangelog, referenceGroups } from './support/referenceGroups';

interface Rec {
  readonly word: string;
  readonly n: number;
  readonly t: number;
}

/** A pipeline under test and the brute-force loop it must agree with. */
interface Case {
  readonly name: string;
  readonly pipeline: (source: Observable<Element<Rec>>) => Observable<Element<unknown>>;
  /** The expected main records, from the plain array and the watermark before each record. */
  readonly reference: (records: readonly Rec[], watermarkBefore: readonly number[]) => RecordView<unknown>[];
}

const NEGATIVE = new OutputTag<number>('negative');
const wordOf = (r: Rec): string => r.word;
const final = <R>(groups: [unknown, R][]): RecordView<unknown>[] => groups.map((g) => ({ value: g, timestamp: MAX_WATERMARK }));
const every = <R>(records: readonly Rec[], changelog: [unknown, R][]): RecordView<unknown>[] =>
  changelog.map((g, i) => ({ value: g, timestamp: records[i].t }));

const CASES: Case[] = [
  {
    name: 'map → filter → flatMap',
    pipeline: (s) =>
      s.pipe(
        map((r: Rec) => ({ ...r, n: r.n * 3 })),
        filter((r: Rec) => r.n % 2 !== 0),
        flatMap((r: Rec) => Array.from({ length: Math.abs(r.n) % 4 }, (_, i) => `${r.word}${i}`)),
      ),
    reference: (rs) =>
      rs
        .map((r) => ({ ...r, n: r.n * 3 }))
        .filter((r) => r.n % 2 !== 0)
        .flatMap((r) => Array.from({ length: Math.abs(r.n) % 4 }, (_, i) => ({ value: `${r.word}${i}`, timestamp: r.t }))),
  },
  {
    name: 'keyBy → count',
    pipeline: (s) => s.pipe(keyBy(wordOf), count()),
    reference: (rs) => final(referenceGroups(rs, wordOf).map(([k, g]) => [k, g.length])),
  },
  {
    name: "flatMap → keyBy → count({ emit: 'every' })",
    pipeline: (s) =>
      s.pipe(
        flatMap((r: Rec) => [r, r].slice(0, 1 + (Math.abs(r.n) % 2))),
        keyBy(wordOf),
        count({ emit: 'every' }),
      ),
    reference: (rs) => {
      const doubled = rs.flatMap((r) => [r, r].slice(0, 1 + (Math.abs(r.n) % 2)));
      return every(doubled, referenceChangelog(doubled, wordOf, (g) => g.length));
    },
  },
  {
    name: 'filter → keyBy(composite) → sum',
    pipeline: (s) =>
      s.pipe(
        filter((r: Rec) => r.n !== 0),
        keyBy((r: Rec) => ({ w: r.word, sign: Math.sign(r.n) })),
        sum((r: Rec) => r.n),
      ),
    reference: (rs) =>
      final(
        referenceGroups(
          rs.filter((r) => r.n !== 0),
          (r) => ({ w: r.word, sign: Math.sign(r.n) }),
        ).map(([k, g]) => [k, g.reduce((a, r) => a + r.n, 0)]),
      ),
  },
  {
    name: "keyBy → sum({ emit: 'every' })",
    pipeline: (s) => s.pipe(keyBy(wordOf), sum((r: Rec) => r.n, { emit: 'every' })),
    reference: (rs) => every(rs, referenceChangelog(rs, wordOf, (g) => g.reduce((a, r) => a + r.n, 0))),
  },
  {
    name: 'keyBy([word, n mod 3]) → reduce',
    pipeline: (s) =>
      s.pipe(
        keyBy((r: Rec) => [r.word, ((r.n % 3) + 3) % 3]),
        reduce((a: Rec, b: Rec) => ({ word: a.word, n: a.n * 31 + b.n, t: Math.max(a.t, b.t) })),
      ),
    reference: (rs) =>
      final(
        referenceGroups(rs, (r) => [r.word, ((r.n % 3) + 3) % 3]).map(([k, g]) => [
          k,
          g.reduce((a, b) => ({ word: a.word, n: a.n * 31 + b.n, t: Math.max(a.t, b.t) })),
        ]),
      ),
  },
  {
    name: "keyBy → reduce({ emit: 'every' })",
    pipeline: (s) =>
      s.pipe(
        map((r: Rec) => r.word + r.n),
        keyBy((w: string) => w[0]),
        reduce((a: string, b: string) => `${a}|${b}`, { emit: 'every' }),
      ),
    reference: (rs) => {
      const ws = rs.map((r) => r.word + r.n);
      return every(
        rs,
        referenceChangelog(
          ws,
          (w) => w[0],
          (g) => g.join('|'),
        ),
      );
    },
  },
  {
    name: 'keyBy → min',
    pipeline: (s) => s.pipe(keyBy(wordOf), min((r: Rec) => r.n)),
    reference: (rs) => final(referenceGroups(rs, wordOf).map(([k, g]) => [k, Math.min(...g.map((r) => r.n))])),
  },
  {
    name: 'keyBy → max',
    pipeline: (s) => s.pipe(keyBy(wordOf), max((r: Rec) => r.n)),
    reference: (rs) => final(referenceGroups(rs, wordOf).map(([k, g]) => [k, Math.max(...g.map((r) => r.n))])),
  },
  {
    name: 'keyBy → avg',
    pipeline: (s) => s.pipe(keyBy(wordOf), avg((r: Rec) => r.n)),
    reference: (rs) => final(referenceGroups(rs, wordOf).map(([k, g]) => [k, g.reduce((a, r) => a + r.n, 0) / g.length])),
  },
  {
    name: 'keyBy → process (key, timestamp, current watermark, collectWithTimestamp)',
    pipeline: (s) =>
      s.pipe(
        keyBy(wordOf),
        process<Rec, string, string>((r, ctx, out) => {
          if (r.n < 0) ctx.output(NEGATIVE, r.n);
          else out.collect(`${ctx.key}@${ctx.timestamp}/${ctx.currentWatermark}`);
          if (r.n % 5 === 0) out.collectWithTimestamp(`five:${r.n}`, r.t + 1);
        }),
      ),
    reference: (rs, wms) =>
      rs.flatMap((r, i) => [
        ...(r.n < 0 ? [] : [{ value: `${r.word}@${r.t}/${wms[i]}`, timestamp: r.t }]),
        ...(r.n % 5 === 0 ? [{ value: `five:${r.n}`, timestamp: r.t + 1 }] : []),
      ]),
  },
  {
    name: 'process → sideOutput(tag)',
    pipeline: (s) =>
      s.pipe(
        process<Rec, number>((r, ctx, out) => (r.n < 0 ? ctx.output(NEGATIVE, r.n) : out.collect(r.n))),
        sideOutput(NEGATIVE),
      ),
    reference: (rs) => rs.filter((r) => r.n < 0).map((r) => ({ value: r.n, timestamp: r.t })),
  },
];

const recordArb: fc.Arbitrary<Rec> = fc.record({
  word: fc.constantFrom('the', 'quick', 'brown', 'fox', 'lazy', 'dog', 'a'),
  n: fc.integer({ min: -40, max: 40 }),
  t: fc.integer({ min: 0, max: 100_000 }),
});

/**
 * Mostly short inputs, sometimes up to two default batches of 1,024 (lengths
 * spread over the whole range: a failure shrinks to a handful of records).
 */
const recordsArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(recordArb, { maxLength: 50 }) },
  { weight: 1, arbitrary: fc.array(recordArb, { maxLength: 2200, size: 'max' }) },
);

/** Records, random cut points, and non-decreasing watermarks at random record indexes. */
const inputArb = recordsArb.chain((records) =>
  fc.record({
    records: fc.constant(records),
    cuts: fc.array(fc.integer({ min: 0, max: records.length }), { maxLength: 40 }),
    watermarks: fc
      .array(fc.tuple(fc.integer({ min: 0, max: records.length }), fc.integer({ min: 0, max: 100_000 })), { maxLength: 6 })
      .map((ws) => {
        const indexes = ws.map(([i]) => i).sort((a, b) => a - b);
        const values = ws.map(([, w]) => w).sort((a, b) => a - b);
        return indexes.map((i, j) => [i, values[j]] as const);
      }),
  }),
);

/** The watermark a process function sees at each record: the last one before it. */
function watermarkBefore(n: number, watermarks: readonly (readonly [number, number])[]): number[] {
  return Array.from({ length: n }, (_, i) => watermarks.filter(([at]) => at <= i).reduce((wm, [, w]) => Math.max(wm, w), MIN_WATERMARK));
}

/**
 * Throws a short message naming the first difference. Cheap on inputs of
 * thousands of records, so fast-check shrinks a failure in seconds (a deep
 * `toEqual` diff of two such arrays takes seconds per shrinking step).
 */
function assertSame(what: string, actual: readonly unknown[], expected: readonly unknown[]): void {
  const a = actual.map((x) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
  const e = expected.map((x) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
  const i = a.findIndex((x, j) => x !== e[j]);
  if (i >= 0 || a.length !== e.length) {
    const at = i >= 0 ? i : Math.min(a.length, e.length);
    throw new Error(`${what}: ${a.length} items, expected ${e.length}; item ${at} is ${a[at]}, expected ${e[at]}`);
  }
}

/** Stops a failing property's shrinking after a while: the failure is reported with the smallest input found so far. */
const PARAMETERS: fc.Parameters<unknown> = { plugins: [fc.interruptAfterTimeLimit(30_000)] };

describe('batch invariance', () => {
  it.each(CASES)('$name: batches of 1, 7, 1024 and random cuts all give the brute-force result', ({ pipeline, reference }) => {
    fc.assert(
      fc.property(inputArb, ({ records, cuts, watermarks }) => {
        const timestamps = records.map((r) => r.t);
        const expected = reference(records, watermarkBefore(records.length, watermarks));
        const splits: [string, number[]][] = [
          ['1', cutsEvery(records.length, 1)],
          ['7', cutsEvery(records.length, 7)],
          ['1024', cutsEvery(records.length, 1024)],
          ['random', cuts],
        ];
        for (const [label, splitAt] of splits) {
          const input = from(handBuiltElements(records, timestamps, splitAt, watermarks));
          const elements = collectElementsSync(pipeline(input));
          const actual = recordsOf(elements).map(({ value, timestamp }) => ({ value, timestamp }));
          assertSame(`split ${label}: records`, actual, expected);
          // The control elements are the same whatever the split: the watermarks, then END.
          const control = elements.filter((e) => e.kind !== 'batch' && e.kind !== 'side');
          assertSame(`split ${label}: control elements`, control, handBuiltElements(records, timestamps, [], watermarks).filter((e) => e.kind !== 'batch'));
        }
      }),
      { ...PARAMETERS, numRuns: 60 },
    );
  });

  it('fromCollection gives the same result for every batchSize', () => {
    fc.assert(
      fc.property(recordsArb, fc.integer({ min: 1, max: 3000 }), (records, batchSize) => {
        const expected = referenceGroups(records, wordOf).map(([k, g]) => [k, g.reduce((a, r) => a + r.n, 0)]);
        for (const size of [1, 7, 1024, batchSize]) {
          const elements = collectElementsSync(fromCollection(records, { batchSize: size }).pipe(keyBy(wordOf), sum((r: Rec) => r.n)));
          assertSame(`batchSize ${size}`, recordsOf(elements).map((r) => r.value), expected);
        }
      }),
      { ...PARAMETERS, numRuns: 40 },
    );
  });

  it('the hand-built splits really differ: the property is not vacuous', () => {
    const records = Array.from({ length: 2100 }, (_, i) => i);
    const batchCount = (cuts: number[]): number =>
      handBuiltElements(records, records, cuts).filter((e) => e.kind === 'batch').length;
    expect([1, 7, 1024].map((size) => batchCount(cutsEvery(records.length, size)))).toEqual([2100, 300, 3]);
    expect(batchCount([5, 5, 0, 2100, 3000, 17])).toBe(3);
  });
});
