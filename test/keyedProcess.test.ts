/**
 * keyedProcess with synchronous functions, and what does not depend on time:
 * the seed's running average per sensor (fluent API) against a brute-force
 * scan, state isolation through the context, the five state kinds from the
 * context, frozen values, bad keys naming the record, errors naming the key
 * and record, and idle mailboxes reclaimed.
 */
import fc from 'fast-check';
import { from, lastValueFrom, toArray, type Observable } from 'rxjs';
import {
  aggregatingState,
  type AggregateFunction,
  avg,
  collect,
  END_OF_INPUT,
  fromCollection,
  InvalidKeyError,
  keyBy,
  keyedProcess,
  MAX_WATERMARK,
  reducingState,
  recordBatch,
  StreamLite,
  UserFunctionError,
  watermark,
  type Element,
  type KeyedElement,
} from '../src';
import type { KeyedProcessProbe } from '../src/operators/keyedProcess';
import { rejectionOf } from './support/errorOf';

interface Reading {
  readonly sensor: string;
  readonly value: number;
}

/** A keyed element stream built by hand: one batch per group of records, then the end. */
function keyedInput<T, K>(batches: readonly (readonly [T, K][])[]): Observable<KeyedElement<T, K>> {
  const elements: Element<T>[] = batches.map((b) =>
    recordBatch(
      b.map(([v]) => v),
      b.map((_, i) => i),
      b.map(([, k]) => k),
    ),
  );
  return from([...elements, watermark(MAX_WATERMARK), END_OF_INPUT]) as Observable<KeyedElement<T, K>>;
}

/** Brute force: after each reading, the mean of every reading of its sensor so far (a scan from the start). */
function referenceRunningAverage(readings: readonly Reading[]): [string, number][] {
  return readings.map((r, i) => {
    const same = readings.slice(0, i + 1).filter((x) => x.sensor === r.sensor);
    return [r.sensor, same.reduce((a, x) => a + x.value, 0) / same.length];
  });
}

const runningAverage = (r: Reading, ctx: { key: string; getValueState<S>(name: string, d: S): { value(): S; update(v: S): void } }, out: { collect(v: [string, number]): void }) => {
  const total = ctx.getValueState('total', 0);
  const count = ctx.getValueState('count', 0);
  total.update(total.value() + r.value);
  count.update(count.value() + 1);
  out.collect([ctx.key, total.value() / count.value()]);
};

describe("the seed's example: a running average per sensor with two value states", () => {
  it('works as written, with the fluent API', async () => {
    const readings: Reading[] = [
      { sensor: 'a', value: 10 },
      { sensor: 'b', value: 1 },
      { sensor: 'a', value: 20 },
      { sensor: 'a', value: 30 },
      { sensor: 'b', value: 3 },
    ];
    const averages = await StreamLite.fromCollection(readings)
      .keyBy((r) => r.sensor)
      .process<[string, number]>((r, ctx, out) => {
        const total = ctx.getValueState('total', 0);
        const count = ctx.getValueState('count', 0);
        total.update(total.value() + r.value);
        count.update(count.value() + 1);
        out.collect([ctx.key, total.value() / count.value()]);
      })
      .collect();
    expect(averages).toEqual([
      ['a', 10],
      ['b', 1],
      ['a', 15],
      ['a', 20],
      ['b', 2],
    ]);
  });

  it('equals a brute-force scan for any readings and any batch size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ sensor: fc.constantFrom('s1', 's2', 's3', 's4'), value: fc.integer({ min: -100, max: 100 }) }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        async (readings, batchSize) => {
          const averages = await StreamLite.fromCollection(readings, { batchSize })
            .keyBy((r) => r.sensor)
            .process<[string, number]>(runningAverage)
            .collect();
          expect(averages).toEqual(referenceRunningAverage(readings));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('state through the context', () => {
  it('gives each key its own state: no key sees another key’s values (brute-force model)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z'), fc.integer({ min: 0, max: 9 })), { maxLength: 50 }), async (records) => {
        const seen = await collect(
          keyedInput([records.map(([k, v]) => [v, k] as [number, string])]).pipe(
            keyedProcess<number, string, string>((v, ctx, out) => {
              const list = ctx.getListState<number>('list');
              const map = ctx.getMapState<number, number>('map');
              list.add(v);
              map.put(v, (map.get(v) ?? 0) + 1);
              out.collect(JSON.stringify([ctx.key, list.get(), map.entries().sort()]));
            }),
          ),
        );
        const expected = records.map(([k], i) => {
          const mine = records.slice(0, i + 1).filter(([kk]) => kk === k).map(([, v]) => v);
          const counts = new Map<number, number>();
          for (const v of mine) counts.set(v, (counts.get(v) ?? 0) + 1);
          return JSON.stringify([k, mine, [...counts].sort()]);
        });
        expect(seen).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('offers all five kinds: value (with an Immer recipe), list, map, reducing and aggregating', async () => {
    const maxOf = reducingState<number>('max', Math.max);
    const meanOf = aggregatingState('mean', avg((x: number) => x));
    const out = await collect(
      keyedInput([
        [
          [4, 'k'],
          [8, 'k'],
          [6, 'k'],
        ],
      ]).pipe(
        keyedProcess<number, string, unknown>((v, ctx, o) => {
          const stats = ctx.getValueState('stats', { count: 0, last: -1 });
          stats.update((draft) => {
            draft.count++;
            draft.last = v;
          });
          ctx.getListState<number>('all').add(v);
          ctx.getMapState<string, number>('parity').put(v % 4 === 0 ? 'four' : 'two', v);
          ctx.state(maxOf).add(v);
          ctx.state(meanOf).add(v);
          o.collect({
            stats: stats.value(),
            all: ctx.getListState<number>('all').get(),
            parity: Object.fromEntries(ctx.getMapState<string, number>('parity').entries()),
            max: ctx.state(maxOf).get(),
            mean: ctx.state(meanOf).get(),
          });
        }),
      ),
    );
    expect(out[2]).toEqual({ stats: { count: 3, last: 6 }, all: [4, 8, 6], parity: { four: 8, two: 6 }, max: 8, mean: 6 });
  });

  it('takes an in-place aggregate function (copyAccumulator) in aggregating state: it works on copies, the stored accumulator stays as it was', async () => {
    const averageInPlace: AggregateFunction<number, { sum: number; n: number }, number> = {
      createAccumulator: () => ({ sum: 0, n: 0 }),
      add: (v, acc) => ((acc.sum += v), acc.n++, acc),
      getResult: (acc) => acc.sum / acc.n,
      merge: (a, b) => ((a.sum += b.sum), (a.n += b.n), a),
      copyAccumulator: (acc) => ({ ...acc }),
    };
    const meanOf = aggregatingState('mean', averageInPlace);
    const out = await collect(
      keyedInput([
        [
          [4, 'k'],
          [8, 'k'],
          [6, 'k'],
        ],
      ]).pipe(
        keyedProcess<number, string, number>((v, ctx, o) => {
          ctx.state(meanOf).add(v);
          o.collect(ctx.state(meanOf).get()!);
        }),
      ),
    );
    expect(out).toEqual([4, 6, 6]);
  });

  it('hands user code frozen values: mutating them throws, and the state is unchanged', async () => {
    const attempts: string[] = [];
    const out = await collect(
      keyedInput([
        [
          [1, 'k'],
          [2, 'k'],
        ],
      ]).pipe(
        keyedProcess<number, string, string>((v, ctx, o) => {
          const doc = ctx.getValueState('doc', { items: [] as number[] });
          const list = ctx.getListState<{ v: number }>('list');
          for (const [what, mutate] of [
            ['value', () => (doc.value().items as number[]).push(99)],
            ['list', () => (list.get() as { v: number }[]).push({ v: 99 })],
            ['list element', () => list.get().length > 0 && ((list.get()[0] as { v: number }).v = 99)],
          ] as const) {
            try {
              mutate();
              attempts.push(`${what}: mutated`);
            } catch (err) {
              attempts.push(`${what}: ${(err as Error).name}`);
            }
          }
          doc.update((d) => {
            d.items.push(v);
          });
          list.add({ v });
          o.collect(JSON.stringify([doc.value(), list.get()]));
        }),
      ),
    );
    expect(attempts).toEqual(['value: TypeError', 'list: TypeError', 'list element: mutated', 'value: TypeError', 'list: TypeError', 'list element: TypeError']);
    expect(out).toEqual([JSON.stringify([{ items: [1] }, [{ v: 1 }]]), JSON.stringify([{ items: [1, 2] }, [{ v: 1 }, { v: 2 }]])]);
  });
});

describe('bad keys', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const badKeys: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['NaN', NaN],
    ['a function', () => 0],
    ['a symbol', Symbol('s')],
    ['a class instance', new Point(1)],
  ];

  it.each(badKeys)('keyBy rejects %s with InvalidKeyError naming the record', async (_label, key) => {
    const err = await rejectionOf(
      collect(
        fromCollection([{ id: 'first' }, { id: 'second' }], { timestamp: (_v, i) => 100 + i }).pipe(
          keyBy((v) => (v.id === 'second' ? key : v.id)),
          keyedProcess(() => undefined),
        ),
      ),
    );
    expect(err).toBeInstanceOf(InvalidKeyError);
    expect((err as InvalidKeyError).key).toBe(key);
    expect((err as InvalidKeyError).record).toEqual({ value: { id: 'second' }, timestamp: 101 });
    expect((err as Error).message).toContain('{value: {"id":"second"}, timestamp: 101}');
  });

  it.each(badKeys)('keyedProcess rejects %s in a hand-built keyed batch, naming the record', async (_label, key) => {
    const err = await rejectionOf(
      collect(
        keyedInput([
          [
            ['ok', 'a'],
            ['bad', key],
          ],
        ]).pipe(keyedProcess(() => undefined)),
      ),
    );
    expect(err).toBeInstanceOf(InvalidKeyError);
    expect((err as InvalidKeyError).operator).toBe('keyedProcess');
    expect((err as InvalidKeyError).record).toEqual({ value: 'bad', timestamp: 1 });
  });
});

describe('errors', () => {
  it('wraps a throwing function in UserFunctionError naming the key and the record, with the cause', async () => {
    const boom = new Error('boom');
    const err = await rejectionOf(
      collect(
        keyedInput<number, unknown>([
          [
            [1, 'a'],
            [2, { user: 'u7' }],
          ],
        ]).pipe(
          keyedProcess<number, unknown, number>((v) => {
            if (v === 2) throw boom;
          }),
        ),
      ),
    );
    expect(err).toBeInstanceOf(UserFunctionError);
    expect((err as UserFunctionError).cause).toBe(boom);
    expect((err as UserFunctionError).record).toEqual({ value: 2, timestamp: 1, key: { user: 'u7' } });
    expect((err as Error).message).toBe('keyedProcess: user function threw: boom (record {value: 2, timestamp: 1, key: {"user":"u7"}})');
  });
});

describe('actors are reclaimed', () => {
  it('keeps no mailbox for a key once its work is done: the count returns to 0 after 10,000 keys, sync or async', async () => {
    for (const asyncFn of [false, true]) {
      let probe!: KeyedProcessProbe;
      const peak = { mailboxes: 0 };
      const records: [number, number][] = Array.from({ length: 10_000 }, (_, i) => [i, i]);
      const out = await lastValueFrom(
        keyedInput([records.slice(0, 5_000), records.slice(5_000)]).pipe(
          keyedProcess<number, number, number>(
            (v, _ctx, o) => {
              peak.mailboxes = Math.max(peak.mailboxes, probe.mailboxes());
              o.collect(v);
              return asyncFn ? Promise.resolve() : undefined;
            },
            { probe: (p) => (probe = p) },
          ),
          toArray(),
        ),
      );
      expect(out.filter((e) => e.kind === 'batch').flatMap((b) => (b.kind === 'batch' ? b.values : []))).toHaveLength(10_000);
      // while running, a synchronous key has at most its own mailbox; asynchronous keys wait in theirs
      expect(peak.mailboxes).toBeGreaterThan(0);
      if (!asyncFn) expect(peak.mailboxes).toBe(1);
      expect(probe.mailboxes()).toBe(0);
      expect(probe.inFlight()).toBe(0);
    }
  });
});
