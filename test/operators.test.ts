/**
 * Every foundation operator in both styles — pipeable (from a source or from a
 * plain Observable through fromValues()/values()) and fluent (StreamLite) —
 * checked against brute-force references over plain arrays.
 */
import { from, of, Subject, share } from 'rxjs';
import {
  avg,
  barrier,
  collect,
  count,
  END_OF_INPUT,
  filter,
  flatMap,
  fromCollection,
  fromValues,
  idle,
  keyBy,
  KeyedStream,
  map,
  max,
  MAX_WATERMARK,
  min,
  MIN_WATERMARK,
  NO_TIMESTAMP,
  OutputTag,
  process,
  recordBatch,
  reduce,
  sideOutput,
  sideOutputBatch,
  StreamLite,
  sum,
  union,
  values,
  watermark,
  type Element,
  type KeyedAggregation,
  type KeyedAggregationOptions,
  type ProcessContext,
} from '../src';
import { collectElements, collectValues } from './support/collectElements';
import { batchesOf, recordsOf, shapeOf } from './support/recordsOf';
import { referenceChangelog, referenceGroups } from './support/referenceGroups';

const LINES = ['the quick brown fox', 'the lazy dog'];
const WORDS = LINES.flatMap((l) => l.split(' '));

interface Sale {
  readonly shop: string;
  readonly amount: number;
  readonly at: number;
}
const SALES: Sale[] = [
  { shop: 'b', amount: 5, at: 10 },
  { shop: 'a', amount: 3, at: 11 },
  { shop: 'b', amount: -2, at: 12 },
  { shop: 'c', amount: 7, at: 13 },
  { shop: 'a', amount: 10, at: 14 },
  { shop: 'b', amount: 4, at: 15 },
];
const shopOf = (s: Sale): string => s.shop;
const amountOf = (s: Sale): number => s.amount;
const saleTime = (s: Sale): number => s.at;

/** A stream with every kind of control element between two batches, built by hand. */
const LATE = new OutputTag<number>('late');
const mixedStream = (): Element<number>[] => [
  recordBatch([1, 2], [1, 2]),
  watermark(2),
  barrier(7),
  idle(true),
  idle(false),
  sideOutputBatch(LATE, recordBatch([0], [0])),
  recordBatch([3], [3]),
  watermark(MAX_WATERMARK),
  END_OF_INPUT,
];

describe('the headline example (issue 11)', () => {
  it('counts words with the fluent API', async () => {
    const counts = await StreamLite.fromCollection(['the quick brown fox', 'the lazy dog'])
      .flatMap((s) => s.split(' '))
      .keyBy((w) => w)
      .count()
      .collect();
    expect(counts).toEqual([
      ['the', 2],
      ['quick', 1],
      ['brown', 1],
      ['fox', 1],
      ['lazy', 1],
      ['dog', 1],
    ]);
  });

  it("gives the running changelog with { emit: 'every' }", async () => {
    const changelog = await StreamLite.fromCollection(['the quick brown fox', 'the lazy dog'])
      .flatMap((s) => s.split(' '))
      .keyBy((w) => w)
      .count({ emit: 'every' })
      .collect();
    expect(changelog).toEqual([
      ['the', 1],
      ['quick', 1],
      ['brown', 1],
      ['fox', 1],
      ['the', 2],
      ['lazy', 1],
      ['dog', 1],
    ]);
  });

  it('gives the same counts pipeable, from a source and from a plain Observable', async () => {
    const expected = referenceGroups(WORDS, (w) => w).map(([w, ws]) => [w, ws.length]);
    const fromSource = await collect(
      fromCollection(LINES).pipe(
        flatMap((s: string) => s.split(' ')),
        keyBy((w: string) => w),
        count(),
      ),
    );
    const fromPlain = await collectValues(
      of(...LINES).pipe(
        fromValues(),
        flatMap((s: string) => s.split(' ')),
        keyBy((w: string) => w),
        count(),
        values(),
      ),
    );
    expect(fromSource).toEqual(expected);
    expect(fromPlain).toEqual(expected);
  });
});

describe('map', () => {
  const project = (n: number): string => `#${n * 10}`;
  const xs = [3, 1, 4, 1, 5];

  it('transforms every value (pipeable, from a source)', async () => {
    expect(await collect(fromCollection(xs, { batchSize: 2 }).pipe(map(project)))).toEqual(xs.map(project));
  });

  it('transforms every value (pipeable, from a plain Observable)', async () => {
    expect(await collectValues(of(...xs).pipe(fromValues(), map(project), values()))).toEqual(xs.map(project));
  });

  it('transforms every value (fluent)', async () => {
    expect(await StreamLite.fromCollection(xs).map(project).collect()).toEqual(xs.map(project));
  });

  it('keeps each record timestamp and drops the keys', async () => {
    const elements = await collectElements(
      fromCollection(SALES, { timestamp: saleTime, batchSize: 4 }).pipe(keyBy(shopOf), map(amountOf)),
    );
    expect(recordsOf(elements)).toEqual(SALES.map((s) => ({ value: s.amount, timestamp: s.at })));
  });

  it('forwards control elements and side outputs in order', async () => {
    const elements = await collectElements(of(...mixedStream()).pipe(map((n: number) => n * 10)));
    expect(shapeOf(elements)).toEqual(['b:10,20', 'w:2', 'x:7', 'i:true', 'i:false', 's:late:0', 'b:30', `w:${MAX_WATERMARK}`, 'e']);
  });
});

describe('filter', () => {
  const even = (n: number): boolean => n % 2 === 0;
  const xs = [5, 2, 8, 3, 3, 6, 0, 7];

  it('keeps the values that pass (pipeable, from a source)', async () => {
    expect(await collect(fromCollection(xs, { batchSize: 3 }).pipe(filter(even)))).toEqual(xs.filter(even));
  });

  it('keeps the values that pass (pipeable, from a plain Observable)', async () => {
    expect(await collectValues(of(...xs).pipe(fromValues(), filter(even), values()))).toEqual(xs.filter(even));
  });

  it('keeps the values that pass (fluent)', async () => {
    expect(await StreamLite.fromCollection(xs).filter(even).collect()).toEqual(xs.filter(even));
  });

  it('narrows with a type guard', async () => {
    const mixed: (number | string)[] = [1, 'a', 2, 'b'];
    const strings: string[] = await StreamLite.fromCollection(mixed)
      .filter((v): v is string => typeof v === 'string')
      .collect();
    expect(strings).toEqual(['a', 'b']);
  });

  it('keeps keys and timestamps, so the stream stays keyed', async () => {
    const big = (s: Sale): boolean => s.amount > 3;
    const keyed = StreamLite.fromCollection(SALES, { timestamp: saleTime, batchSize: 4 }).keyBy(shopOf).filter(big);
    expect(keyed).toBeInstanceOf(KeyedStream);
    const elements = await collectElements(keyed.elements$);
    expect(recordsOf(elements)).toEqual(SALES.filter(big).map((s) => ({ value: s, timestamp: s.at, key: s.shop })));
    expect(await keyed.sum(amountOf).collect()).toEqual(
      referenceGroups(SALES.filter(big), shopOf).map(([k, ss]) => [k, ss.reduce((a, s) => a + s.amount, 0)]),
    );
  });

  it('emits no batch when nothing passes, but forwards control elements', async () => {
    const elements = await collectElements(of(...mixedStream()).pipe(filter(() => false)));
    expect(shapeOf(elements)).toEqual(['w:2', 'x:7', 'i:true', 'i:false', 's:late:0', `w:${MAX_WATERMARK}`, 'e']);
  });
});

describe('flatMap', () => {
  const split = (s: string): string[] => s.split(' ');

  it('flattens arrays (pipeable, from a source)', async () => {
    expect(await collect(fromCollection(LINES, { batchSize: 1 }).pipe(flatMap(split)))).toEqual(WORDS);
  });

  it('flattens arrays (pipeable, from a plain Observable)', async () => {
    expect(await collectValues(of(...LINES).pipe(fromValues(), flatMap(split), values()))).toEqual(WORDS);
  });

  it('flattens arrays (fluent)', async () => {
    expect(await StreamLite.fromCollection(LINES).flatMap(split).collect()).toEqual(WORDS);
  });

  it('flattens any iterable: generators, Sets, strings', async () => {
    function* upTo(n: number): Generator<number> {
      for (let i = 0; i < n; i++) yield i;
    }
    expect(await StreamLite.fromCollection([3, 0, 2]).flatMap(upTo).collect()).toEqual([0, 1, 2, 0, 1]);
    expect(await StreamLite.fromCollection([[1, 1, 2]]).flatMap((xs) => new Set(xs)).collect()).toEqual([1, 2]);
    expect(await StreamLite.fromCollection(['ab', 'c']).flatMap((s) => s).collect()).toEqual(['a', 'b', 'c']);
  });

  it('gives each produced value the timestamp of its record and drops the keys', async () => {
    const elements = await collectElements(
      fromCollection(SALES, { timestamp: saleTime, batchSize: 4 }).pipe(
        keyBy(shopOf),
        flatMap((s: Sale) => (s.amount > 0 ? [s.amount, -s.amount] : [])),
      ),
    );
    const expected = SALES.flatMap((s) => (s.amount > 0 ? [s.amount, -s.amount] : []).map((v) => ({ value: v, timestamp: s.at })));
    expect(recordsOf(elements)).toEqual(expected);
  });

  it('forwards control elements in order and emits no empty batch', async () => {
    const elements = await collectElements(of(...mixedStream()).pipe(flatMap((n: number) => (n === 3 ? [] : [n, n]))));
    expect(shapeOf(elements)).toEqual(['b:1,1,2,2', 'w:2', 'x:7', 'i:true', 'i:false', 's:late:0', `w:${MAX_WATERMARK}`, 'e']);
  });
});

describe('keyBy', () => {
  it('adds the keys column and keeps values and timestamps (pipeable)', async () => {
    const elements = await collectElements(fromCollection(SALES, { timestamp: saleTime, batchSize: 4 }).pipe(keyBy(shopOf)));
    expect(recordsOf(elements)).toEqual(SALES.map((s) => ({ value: s, timestamp: s.at, key: s.shop })));
    for (const b of batchesOf(elements)) expect(b.keys).toHaveLength(b.values.length);
  });

  it('adds the keys column (fluent) and forwards control elements in order', async () => {
    const keyed = StreamLite.fromElements(of(...mixedStream())).keyBy((n) => n % 2);
    const elements = await collectElements(keyed.elements$);
    expect(shapeOf(elements)).toEqual(['b:1,2', 'w:2', 'x:7', 'i:true', 'i:false', 's:late:0', 'b:3', `w:${MAX_WATERMARK}`, 'e']);
    expect(recordsOf(elements).map((r) => r.key)).toEqual([1, 0, 1]);
  });

  it('treats arrays and plain objects as composite keys, compared structurally', async () => {
    const points = [
      { x: 1, y: 2, label: 'p' },
      { x: 2, y: 1, label: 'q' },
      { x: 1, y: 2, label: 'r' },
    ];
    expect(
      await StreamLite.fromCollection(points)
        .keyBy((p) => [p.x, p.y])
        .count()
        .collect(),
    ).toEqual([
      [[1, 2], 2],
      [[2, 1], 1],
    ]);
    // Field order does not matter: {a:1,b:2} and {b:2,a:1} are one key.
    const objectKeys = [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 2, b: 1 }, { a: 1, b: 2, c: [true, 'x'] }, { c: [true, 'x'], b: 2, a: 1 }];
    const counted = await StreamLite.fromCollection(objectKeys)
      .keyBy((k) => k)
      .count()
      .collect();
    expect(counted).toEqual(referenceGroups(objectKeys, (k) => k).map(([k, ks]) => [k, ks.length]));
    expect(counted).toEqual([
      [{ a: 1, b: 2 }, 2],
      [{ a: 2, b: 1 }, 1],
      [{ a: 1, b: 2, c: [true, 'x'] }, 2],
    ]);
  });

  it('keeps keys of different types apart: 1, "1", 1n, true, [1], {"1":1}', async () => {
    const keys: unknown[] = [1, '1', 1n, true, [1], { 1: 1 }, 1, '1', 1n, true, [1], { 1: 1 }, 'true', [[1]], ['1']];
    const counted = await StreamLite.fromCollection(keys)
      .keyBy((k) => k)
      .count()
      .collect();
    expect(counted).toEqual([
      [1, 2],
      ['1', 2],
      [1n, 2],
      [true, 2],
      [[1], 2],
      [{ 1: 1 }, 2],
      ['true', 1],
      [[[1]], 1],
      [['1'], 1],
    ]);
  });

  it('supports bigint and boolean keys', async () => {
    const xs = [1n, 2n, 10n ** 30n, 2n, 10n ** 30n, 10n ** 30n];
    expect(
      await StreamLite.fromCollection(xs)
        .keyBy((n) => n)
        .count()
        .collect(),
    ).toEqual([
      [1n, 1],
      [2n, 2],
      [10n ** 30n, 3],
    ]);
    const ns = [1, 2, 3, 4, 5, 6, 7];
    expect(
      await StreamLite.fromCollection(ns)
        .keyBy((n) => n % 3 === 0)
        .sum((n) => n)
        .collect(),
    ).toEqual([
      [false, 1 + 2 + 4 + 5 + 7],
      [true, 3 + 6],
    ]);
  });

  it('treats 0 and -0 as one key', async () => {
    expect(
      await StreamLite.fromCollection([0, -0, 0])
        .keyBy((n) => n)
        .count()
        .collect(),
    ).toEqual([[0, 3]]);
  });

  // Known bug (src/state/canonicalKey.ts, out of this suite's remit): a string key
  // that starts with NUL collides with the canonical form of a composite key.
  it('keeps a string that looks like a canonical composite key apart from that key', async () => {
    const counted = await StreamLite.fromCollection<unknown>(['\u0000[1]', [1]])
      .keyBy((k) => k)
      .count()
      .collect();
    expect(counted).toEqual([
      ['\u0000[1]', 1],
      [[1], 1],
    ]);
  });
});

describe('keyed aggregations', () => {
  const expectFinal = <R>(fold: (ss: readonly Sale[]) => R): [string, R][] =>
    referenceGroups(SALES, shopOf).map(([k, ss]) => [k, fold(ss)]);
  const expectEvery = <R>(fold: (ss: readonly Sale[]) => R): [string, R][] => referenceChangelog(SALES, shopOf, fold);

  const cases: {
    name: string;
    fold: (ss: readonly Sale[]) => number;
    pipeable: (o?: KeyedAggregationOptions) => KeyedAggregation<Sale, unknown, number>;
    fluent: (k: KeyedStream<Sale, string>, o?: KeyedAggregationOptions) => StreamLite<[string, number]>;
  }[] = [
    { name: 'count', fold: (ss) => ss.length, pipeable: (o) => count(o), fluent: (k, o) => k.count(o) },
    {
      name: 'sum',
      fold: (ss) => ss.reduce((a, s) => a + s.amount, 0),
      pipeable: (o) => sum(amountOf, o),
      fluent: (k, o) => k.sum(amountOf, o),
    },
    {
      name: 'min',
      fold: (ss) => ss.reduce((a, s) => (s.amount < a ? s.amount : a), Infinity),
      pipeable: (o) => min(amountOf, o),
      fluent: (k, o) => k.min(amountOf, o),
    },
    {
      name: 'max',
      fold: (ss) => ss.reduce((a, s) => (s.amount > a ? s.amount : a), -Infinity),
      pipeable: (o) => max(amountOf, o),
      fluent: (k, o) => k.max(amountOf, o),
    },
    {
      name: 'avg',
      fold: (ss) => ss.reduce((a, s) => a + s.amount, 0) / ss.length,
      pipeable: (o) => avg(amountOf, o),
      fluent: (k, o) => k.avg(amountOf, o),
    },
  ];

  describe.each(cases)('$name', ({ fold, pipeable, fluent }) => {
    it('emits one result per key at end of input, keys in first-seen order (pipeable)', async () => {
      const result = await collect(fromCollection(SALES, { batchSize: 4 }).pipe(keyBy(shopOf), pipeable()));
      expect(result).toEqual(expectFinal(fold));
    });

    it('emits one result per key (pipeable, from a plain Observable)', async () => {
      const result = await collectValues(of(...SALES).pipe(fromValues(), keyBy(shopOf), pipeable(), values()));
      expect(result).toEqual(expectFinal(fold));
    });

    it('emits one result per key (fluent)', async () => {
      expect(await fluent(StreamLite.fromCollection(SALES, { batchSize: 2 }).keyBy(shopOf)).collect()).toEqual(expectFinal(fold));
    });

    it("emits the running changelog with { emit: 'every' }, with each record's timestamp", async () => {
      const elements = await collectElements(
        fluent(StreamLite.fromCollection(SALES, { batchSize: 4, timestamp: saleTime }).keyBy(shopOf), { emit: 'every' }).elements$,
      );
      expect(recordsOf(elements)).toEqual(expectEvery(fold).map((r, i) => ({ value: r, timestamp: SALES[i].at })));
      const pipeableResult = await collect(fromCollection(SALES, { batchSize: 3 }).pipe(keyBy(shopOf), pipeable({ emit: 'every' })));
      expect(pipeableResult).toEqual(expectEvery(fold));
    });

    it('fires at the maximum watermark, before forwarding it, with results at the maximum timestamp', async () => {
      const elements = await collectElements(fromCollection(SALES, { timestamp: saleTime }).pipe(keyBy(shopOf), pipeable()));
      expect(elements.map((e) => e.kind)).toEqual(['batch', 'watermark', 'end']);
      expect(recordsOf(elements).every((r) => r.timestamp === MAX_WATERMARK)).toBe(true);
    });
  });

  it('does not fire on a watermark below the maximum; fires at END when no maximum watermark came', async () => {
    const input = new Subject<Element<Sale>>();
    const seen: Element<[unknown, number]>[] = [];
    let completed = false;
    input.pipe(keyBy(shopOf), count()).subscribe({ next: (e) => seen.push(e), complete: () => (completed = true) });
    input.next(recordBatch(SALES.slice(0, 3), [1, 2, 3]));
    input.next(watermark(1_000_000));
    input.next(recordBatch(SALES.slice(3), [4, 5, 6]));
    expect(shapeOf(seen)).toEqual(['w:1000000']);
    input.next(END_OF_INPUT);
    expect(completed).toBe(false);
    expect(recordsOf(seen).map((r) => r.value)).toEqual(expectFinal((ss) => ss.length));
    expect(seen[seen.length - 1]).toEqual(END_OF_INPUT);
    input.complete();
    expect(completed).toBe(true);
  });

  it('emits nothing but the control elements for an empty input', async () => {
    const elements = await collectElements(fromCollection<Sale>([]).pipe(keyBy(shopOf), count()));
    expect(shapeOf(elements)).toEqual([`w:${MAX_WATERMARK}`, 'e']);
  });

  describe('reduce', () => {
    const concat = (a: string, b: string): string => `${a}${b}`;
    const letters = ['a1', 'b1', 'a2', 'c1', 'b2', 'a3'];
    const keyOf = (s: string): string => s[0];
    const expected = referenceGroups(letters, keyOf).map(([k, ls]) => [k, ls.join('')]);

    it('reduces per key, the first record being the initial value (pipeable)', async () => {
      expect(await collect(fromCollection(letters, { batchSize: 2 }).pipe(keyBy(keyOf), reduce(concat)))).toEqual(expected);
    });

    it('reduces per key (pipeable, from a plain Observable)', async () => {
      expect(await collectValues(of(...letters).pipe(fromValues(), keyBy(keyOf), reduce(concat), values()))).toEqual(expected);
    });

    it('reduces per key (fluent), and emits the rolling reduce with { emit: "every" }', async () => {
      expect(await StreamLite.fromCollection(letters).keyBy(keyOf).reduce(concat).collect()).toEqual(expected);
      expect(await StreamLite.fromCollection(letters).keyBy(keyOf).reduce(concat, { emit: 'every' }).collect()).toEqual(
        referenceChangelog(letters, keyOf, (ls) => ls.join('')),
      );
    });

    it('calls the reducer with (accumulated, next) in input order', async () => {
      const calls: [number, number][] = [];
      await StreamLite.fromCollection([1, 2, 3, 4])
        .keyBy(() => 'k')
        .reduce((a, b) => {
          calls.push([a, b]);
          return a * 10 + b;
        })
        .collect();
      expect(calls).toEqual([
        [1, 2],
        [12, 3],
        [123, 4],
      ]);
    });
  });

  it('is a KeyedStream method only after keyBy, and aggregate(count()) is count()', async () => {
    const keyed = StreamLite.fromCollection(WORDS).keyBy((w) => w);
    expect(await keyed.aggregate(count()).collect()).toEqual(await keyed.count().collect());
    expect(await keyed.aggregate(sum((w: string) => w.length)).collect()).toEqual(
      referenceGroups(WORDS, (w) => w).map(([w, ws]) => [w, w.length * ws.length]),
    );
  });

  it('keeps separate state per subscription: each sink runs the pipeline afresh', async () => {
    const counts = StreamLite.fromCollection(WORDS).keyBy((w) => w).count();
    const first = await counts.collect();
    expect(await counts.collect()).toEqual(first);
  });
});

describe('process', () => {
  it('sees timestamp, key and current watermark in its context (pipeable, keyed)', async () => {
    const seen: { value: number; timestamp: number | undefined; key: unknown; wm: number }[] = [];
    const input = from<Element<number>[]>([
      recordBatch([1, 2], [10, 20]),
      watermark(15),
      recordBatch([3], [30]),
      watermark(25),
      watermark(MAX_WATERMARK),
      END_OF_INPUT,
    ]);
    await collect(
      input.pipe(
        keyBy((n: number) => (n % 2 === 0 ? 'even' : 'odd')),
        process<number, never, string>((value, ctx) => {
          seen.push({ value, timestamp: ctx.timestamp, key: ctx.key, wm: ctx.currentWatermark });
        }),
      ),
    );
    expect(seen).toEqual([
      { value: 1, timestamp: 10, key: 'odd', wm: MIN_WATERMARK },
      { value: 2, timestamp: 20, key: 'even', wm: MIN_WATERMARK },
      { value: 3, timestamp: 30, key: 'odd', wm: 15 },
    ]);
  });

  it('reports no timestamp and no key when the record has none', async () => {
    const contexts: ProcessContext[] = [];
    await StreamLite.fromCollection(['x'])
      .process((_v, ctx) => {
        contexts.push({ ...ctx });
      })
      .collect();
    expect(contexts[0].timestamp).toBeUndefined();
    expect(contexts[0].key).toBeUndefined();
  });

  it('emits any number of results per record, with the record timestamp or an explicit one', async () => {
    const elements = await collectElements(
      fromCollection([1, 2, 3], { timestamp: (n) => n * 100 }).pipe(
        process<number, string>((n, _ctx, out) => {
          for (let i = 0; i < n - 1; i++) out.collect(`${n}.${i}`);
          if (n === 3) out.collectWithTimestamp('late-one', 7);
        }),
      ),
    );
    expect(recordsOf(elements)).toEqual([
      { value: '2.0', timestamp: 200 },
      { value: '3.0', timestamp: 300 },
      { value: '3.1', timestamp: 300 },
      { value: 'late-one', timestamp: 7 },
    ]);
  });

  it('accepts an object with processElement (fluent, keyed)', async () => {
    const fn = {
      factor: 10,
      processElement(value: number, ctx: ProcessContext<string>, out: { collect(v: string): void }): void {
        out.collect(`${ctx.key}:${value * this.factor}`);
      },
    };
    const result = await StreamLite.fromCollection([1, 2, 3])
      .keyBy((n) => (n === 2 ? 'two' : 'other'))
      .process(fn)
      .collect();
    expect(result).toEqual(['other:10', 'two:20', 'other:30']);
  });

  it('routes values to side outputs, read with sideOutput(tag) (pipeable, shared run)', async () => {
    const negatives = new OutputTag<number>('negatives');
    const zeros = new OutputTag<string>('zeros');
    const xs = [3, -1, 0, 4, -5, 0, 2];
    const routed$ = fromCollection(xs, { batchSize: 3, timestamp: (_n, i) => i }).pipe(
      process<number, number>((n, ctx, out) => {
        if (n < 0) ctx.output(negatives, n);
        else if (n === 0) ctx.output(zeros, 'zero');
        else out.collect(n);
      }),
      share(),
    );
    const [main, neg, zero] = await Promise.all([
      collectElements(routed$),
      collectElements(routed$.pipe(sideOutput(negatives))),
      collectElements(routed$.pipe(sideOutput(zeros))),
    ]);
    expect(recordsOf(main).map((r) => r.value)).toEqual(xs.filter((n) => n > 0));
    expect(recordsOf(neg)).toEqual([
      { value: -1, timestamp: 1 },
      { value: -5, timestamp: 4 },
    ]);
    expect(recordsOf(zero).map((r) => r.value)).toEqual(['zero', 'zero']);
    // The side-output streams carry the control elements and end like the main one.
    expect(neg.slice(-2)).toEqual([watermark(MAX_WATERMARK), END_OF_INPUT]);
    // Side outputs travel in band, after the main results of their batch.
    expect(shapeOf(main)).toEqual(['b:3', 's:negatives:-1', 's:zeros:zero', 'b:4', 's:negatives:-5', 's:zeros:zero', 'b:2', `w:${MAX_WATERMARK}`, 'e']);
  });

  it('routes values to side outputs (fluent); values() and collect() ignore side outputs', async () => {
    const odd = new OutputTag<number>('odd');
    const stream = StreamLite.fromCollection([1, 2, 3, 4, 5]).process<number>((n, ctx, out) =>
      n % 2 === 0 ? out.collect(n) : ctx.output(odd, n),
    );
    expect(await stream.collect()).toEqual([2, 4]);
    expect(await stream.sideOutput(odd).collect()).toEqual([1, 3, 5]);
    expect(await collectValues(stream.toObservable())).toEqual([2, 4]);
    // A tag with the same id selects the same side output.
    expect(await stream.sideOutput(new OutputTag<number>('odd')).collect()).toEqual([1, 3, 5]);
    expect(await stream.sideOutput(new OutputTag<number>('even')).collect()).toEqual([]);
  });

  it('works from a plain Observable', async () => {
    const result = await collectValues(
      of(1, 2, 3).pipe(
        fromValues(),
        process<number, number>((n, _ctx, out) => {
          out.collect(n);
          out.collect(-n);
        }),
        values(),
      ),
    );
    expect(result).toEqual([1, -1, 2, -2, 3, -3]);
  });

  it('forwards watermarks after the results of the records before them', async () => {
    const elements = await collectElements(of(...mixedStream()).pipe(process<number, number>((n, _c, out) => out.collect(n + 100))));
    expect(shapeOf(elements)).toEqual(['b:101,102', 'w:2', 'x:7', 'i:true', 'i:false', 's:late:0', 'b:103', `w:${MAX_WATERMARK}`, 'e']);
  });
});

describe('union', () => {
  it('merges streams (fluent), END only once after all inputs', async () => {
    const merged = StreamLite.fromCollection([1, 2]).union(StreamLite.fromCollection([3]), fromCollection([4, 5]));
    expect((await merged.collect()).sort()).toEqual([1, 2, 3, 4, 5]);
    const elements = await collectElements(merged.elements$);
    expect(elements.filter((e) => e.kind === 'end')).toHaveLength(1);
    expect(elements[elements.length - 1]).toEqual(END_OF_INPUT);
    expect(elements.filter((e) => e.kind === 'watermark')).toEqual([watermark(MAX_WATERMARK)]);
  });

  it('merges streams (pipeable), then counts the union per key', async () => {
    const a = ['x', 'y', 'x'];
    const b = ['y', 'z'];
    const result = await collect(fromCollection(a).pipe(union(fromCollection(b)), keyBy((w: string) => w), count()));
    expect(result).toEqual(referenceGroups([...a, ...b], (w) => w).map(([w, ws]) => [w, ws.length]));
  });

  it('emits the minimum watermark over its inputs, never going backwards, and END after every input ended', () => {
    const a = new Subject<Element<number>>();
    const b = new Subject<Element<number>>();
    const c = new Subject<Element<number>>();
    const seen: Element<number>[] = [];
    let completed = false;
    a.pipe(union(b, c)).subscribe({ next: (e) => seen.push(e), complete: () => (completed = true) });
    const step = (input: Subject<Element<number>>, e: Element<number>): string[] => {
      const before = seen.length;
      input.next(e);
      return shapeOf(seen.slice(before));
    };
    expect(step(a, recordBatch([1], [1]))).toEqual(['b:1']);
    expect(step(a, watermark(5))).toEqual([]);
    expect(step(b, watermark(7))).toEqual([]);
    expect(step(c, watermark(3))).toEqual(['w:3']);
    expect(step(c, watermark(9))).toEqual(['w:5']);
    expect(step(a, watermark(12))).toEqual(['w:7']);
    expect(step(b, watermark(4))).toEqual([]); // b going backwards does not move the output back
    expect(step(b, watermark(10))).toEqual(['w:9']);
    expect(step(b, recordBatch([2], [11]))).toEqual(['b:2']);
    expect(step(a, END_OF_INPUT)).toEqual([]);
    expect(step(b, END_OF_INPUT)).toEqual([]);
    expect(completed).toBe(false);
    expect(step(c, watermark(MAX_WATERMARK))).toEqual([`w:${MAX_WATERMARK}`]);
    expect(step(c, END_OF_INPUT)).toEqual(['e']);
    expect(completed).toBe(true);
  });

  it('does not let an ended input hold the watermark back', () => {
    const a = new Subject<Element<number>>();
    const b = new Subject<Element<number>>();
    const seen: Element<number>[] = [];
    a.pipe(union(b)).subscribe((e) => seen.push(e));
    a.next(watermark(5));
    b.next(watermark(7));
    a.complete(); // a ends without the maximum watermark
    b.next(watermark(9));
    b.complete();
    expect(shapeOf(seen)).toEqual(['w:5', 'w:7', 'w:9', `w:${MAX_WATERMARK}`, 'e']);
  });

  it('leaves idle inputs out of the minimum and forwards a barrier once it arrived on every input', () => {
    const a = new Subject<Element<number>>();
    const b = new Subject<Element<number>>();
    const seen: Element<number>[] = [];
    a.pipe(union(b)).subscribe((e) => seen.push(e));
    a.next(watermark(5));
    b.next(idle(true));
    a.next(barrier(1));
    b.next(barrier(1));
    a.next(watermark(8));
    expect(shapeOf(seen)).toEqual(['w:5', 'x:1', 'w:8']);
  });

  it('passes side outputs through', async () => {
    const elements = await collectElements(of(...mixedStream()).pipe(union(fromCollection<number>([]))));
    expect(shapeOf(elements).filter((s) => s.startsWith('s:'))).toEqual(['s:late:0']);
  });

  it('propagates an error of any input', async () => {
    const boom = new Error('boom');
    const failing = new Subject<Element<number>>();
    const result = collect(fromCollection([1]).pipe(union(failing)));
    failing.error(boom);
    await expect(result).rejects.toBe(boom);
  });
});

describe('NO_TIMESTAMP', () => {
  it('marks records of sources without a timestamp extractor', async () => {
    const elements = await collectElements(fromCollection(['a', 'b']));
    expect(recordsOf(elements)).toEqual([
      { value: 'a', timestamp: NO_TIMESTAMP },
      { value: 'b', timestamp: NO_TIMESTAMP },
    ]);
  });
});
