/**
 * Rolling (non-windowed) keyed aggregates: copy-on-write snapshots (a barrier
 * keeps the current pages of the per-key columns; a snapshot still reads the
 * values as of the barrier while processing goes on; restore is unchanged),
 * and the fused paths (keyBy → aggregate, flatMap → keyBy → count), which must
 * behave exactly like the operators one after another.
 */
import { Subject, type Observable } from 'rxjs';
import {
  avg,
  collect,
  count,
  filter,
  flatMap,
  fromCollection,
  keyBy,
  max,
  min,
  reduce,
  StreamLite,
  sum,
  type Element,
  type KeyedAggregation,
} from '../src';
import { withJob, type JobContext, type OperatorSnapshot } from '../src/checkpoint/JobContext';
import { deserialize, serialize } from '../src/checkpoint/serializer';
import { barrier, END_OF_INPUT, recordBatch, watermark } from '../src/core/elementFactories';
import { MAX_WATERMARK } from '../src/core/time';
import { Column } from '../src/operators/keyedAggregateInternals';
import { collectElements } from './support/collectElements';
import { rejectionOf } from './support/errorOf';

/** A job that only takes operators: captures their snapshots, hands them `restored`. */
function fakeJob(restored?: unknown): JobContext & { snapshots: Map<number, OperatorSnapshot> } {
  const snapshots = new Map<number, OperatorSnapshot>();
  return {
    snapshots,
    clock: () => 0,
    registerOperator: (kind, name) => ({
      name: name ?? `${kind}-0`,
      restored,
      snapshotted: (b, snapshot) => void snapshots.set(b.checkpointId, snapshot),
    }),
    registerSource: () => {
      throw new Error('no sources in this job');
    },
    registerSink: () => {
      throw new Error('no sinks in this job');
    },
  };
}

/** Subscribes `pipeline` to a Subject under `job`; returns the input and everything emitted. */
function drive<T, R>(job: JobContext, pipeline: (input: Observable<Element<T>>) => Observable<Element<R>>) {
  const input = new Subject<Element<T>>();
  const seen: Element<R>[] = [];
  const errors: unknown[] = [];
  withJob(job, () => pipeline(input).subscribe({ next: (e) => seen.push(e), error: (e: unknown) => errors.push(e) }));
  const values = (): R[] => seen.flatMap((e) => (e.kind === 'batch' ? [...e.values] : []));
  return { input, seen, errors, values };
}

const roundTrip = (data: unknown): unknown => deserialize(serialize(data));

describe('Column (O(1) snapshots: pages copied before the first write after them)', () => {
  const filled = (n: number) => {
    const column = Column.numeric(0);
    column.ensure(n - 1);
    for (let id = 0; id < n; id++) column.set(id, id);
    return column;
  };

  it('a snapshot keeps reading the values as of it while the column is written; only written pages are copied', () => {
    const n = 3 * 4096 + 10;
    const column = filled(n);
    const view = column.snapshot(n);
    expect(column.guarded).toBe(true);
    column.set(5, -1); // page 0
    column.set(4096 * 2 + 1, -2); // page 2
    column.set(4096 * 2 + 2, -3); // page 2 again: copied once
    expect([column.get(5), column.get(4096 * 2 + 1), column.get(4096 * 2 + 2)]).toEqual([-1, -2, -3]);
    expect([view.get(5), view.get(4096 * 2 + 1), view.get(4096 * 2 + 2), view.get(4096 + 7), view.get(n - 1)]).toEqual([
      5,
      4096 * 2 + 1,
      4096 * 2 + 2,
      4096 + 7,
      n - 1,
    ]);
    column.release(view);
    expect(column.guarded).toBe(false);
  });

  it('successive snapshots each read their own state; a snapshot that holds every page stops guarding', () => {
    const column = filled(10);
    const first = column.snapshot(10);
    column.set(1, 100);
    const second = column.snapshot(10);
    column.set(2, 200); // the one page: second copies it now, first already has it
    column.set(1, 101);
    expect([first.get(1), first.get(2), second.get(1), second.get(2), column.get(1), column.get(2)]).toEqual([1, 2, 100, 2, 101, 200]);
    expect(column.guarded).toBe(false); // both hold their only page
  });

  it('a snapshot that completes while others are pending leaves them guarded (regression)', () => {
    const column = filled(10_000);
    const first = column.snapshot(10_000);
    for (let id = 0; id < 5000; id++) column.set(id, column.get(id) + 1); // pages 0 and 1 copied for first
    const second = column.snapshot(10_000);
    column.set(9999, -1); // page 2: completes first; second must still get its copy
    column.set(6000, -2); // page 1: second's copy
    expect([first.get(9999), second.get(9999), second.get(6000), second.get(4000), column.get(9999)]).toEqual([9999, 9999, 6000, 4001, -1]);
    expect(column.guarded).toBe(true);
  });

  it('growing or clearing the column ends guarding: the old storage is never written again', () => {
    const column = filled(16);
    const view = column.snapshot(16);
    column.ensure(1000);
    expect(column.guarded).toBe(false);
    column.set(3, -3);
    expect([view.get(3), column.get(3), column.get(999)]).toEqual([3, -3, 0]);
    const again = column.snapshot(1000);
    column.clear();
    expect([again.get(3), again.get(999), column.guarded]).toEqual([-3, 0, false]);
  });

  it('new slots hold the initial value, also after growing', () => {
    const column = Column.numeric(Infinity);
    column.ensure(40);
    column.ensure(5000);
    expect([column.get(0), column.get(40), column.get(4100), column.get(5000)]).toEqual([Infinity, Infinity, Infinity, Infinity]);
  });
});

describe('rolling aggregate snapshots', () => {
  const words = (s: string): Element<string> => {
    const ws = s.split(' ');
    return recordBatch(ws, ws.map(() => 0));
  };

  const cases: [string, () => KeyedAggregation<string, unknown, unknown>, Record<string, unknown>][] = [
    ['count', () => count({ emit: 'every' }), { a: 2, b: 1 }],
    ['sum', () => sum((w: string) => w.length, { emit: 'every' }), { a: 2, b: 1 }],
    ['min', () => min((w: string) => w.length, { emit: 'every' }), { a: 1, b: 1 }],
    ['max', () => max((w: string) => w.length, { emit: 'every' }), { a: 1, b: 1 }],
    ['avg', () => avg((w: string) => w.length, { emit: 'every' }), { a: [2, 2], b: [1, 1] }],
    ['reduce', () => reduce((x: string, y: string) => x + y, { emit: 'every' }), { a: 'aa', b: 'b' }],
  ];

  it.each(cases)('%s: a snapshot taken mid-stream still reads the values as of the barrier while processing continues', (_name, agg, expected) => {
    const job = fakeJob();
    const run = drive<string, unknown>(job, (s) => s.pipe(keyBy((w: string) => w), agg()));
    run.input.next(words('a b a'));
    run.input.next(barrier(1));
    // after the barrier: an old key changes, a new key arrives — in pages the snapshot shares
    run.input.next(words('a a c b'));
    const snapshot = job.snapshots.get(1)!;
    run.input.next(words('c c'));
    const data = snapshot.toData() as { keys: unknown[]; accumulators: unknown[]; fired: boolean };
    expect(data.fired).toBe(false);
    expect(Object.fromEntries(data.keys.map((k, i) => [k, data.accumulators[i]]))).toEqual(expected);
    expect(run.errors).toEqual([]);
  });

  it('snapshots of successive barriers are each as of their barrier, built whenever toData is called', () => {
    const job = fakeJob();
    const run = drive<string, [unknown, number]>(job, (s) => s.pipe(keyBy((w: string) => w), count()));
    const ids = Array.from({ length: 10_000 }, (_, i) => `k${i}`);
    run.input.next(recordBatch(ids, ids.map(() => 0)));
    run.input.next(barrier(1));
    run.input.next(recordBatch(ids.slice(0, 5000), ids.slice(0, 5000).map(() => 0)));
    run.input.next(barrier(2));
    run.input.next(recordBatch(['k9999', 'new'], [0, 0]));
    run.input.next(barrier(3));
    run.input.next(recordBatch(ids, ids.map(() => 0)));
    const at = (id: number) => job.snapshots.get(id)!.toData() as { keys: string[]; accumulators: number[] };
    const [s3, s1, s2] = [at(3), at(1), at(2)];
    expect(s1.keys).toEqual(ids);
    expect(s1.accumulators.every((n) => n === 1)).toBe(true);
    expect(s2.accumulators.slice(0, 5000).every((n) => n === 2)).toBe(true);
    expect(s2.accumulators.slice(5000).every((n) => n === 1)).toBe(true);
    expect(s3.keys).toEqual([...ids, 'new']);
    expect([s3.accumulators[9999], s3.accumulators[10_000]]).toEqual([2, 1]);
    run.input.next(watermark(MAX_WATERMARK));
    const counts = new Map(run.values());
    expect([counts.get('k0'), counts.get('k9999'), counts.get('new')]).toEqual([3, 3, 1]);
  });

  it('a snapshot is cheap at the barrier: 1,000,000 keys snapshot in well under the time to copy them', () => {
    const job = fakeJob();
    const run = drive<number, [unknown, number]>(job, (s) => s.pipe(keyBy((n: number) => n), count()));
    const n = 1_000_000;
    const keys = Array.from({ length: n }, (_, i) => i);
    run.input.next(recordBatch(keys, new Array<number>(n).fill(0)));
    const t0 = performance.now();
    for (let i = 1; i <= 100; i++) run.input.next(barrier(i));
    const perBarrier = (performance.now() - t0) / 100;
    // a copy of 1M accumulators takes milliseconds; noting the column takes microseconds
    expect(perBarrier).toBeLessThan(0.5);
    const data = job.snapshots.get(100)!.toData() as { keys: number[]; accumulators: number[] };
    expect(data.keys.length).toBe(n);
    expect(data.accumulators[n - 1]).toBe(1);
  });

  it.each(cases)('%s: restore is unchanged — a restored run continues exactly as the uninterrupted one', (_name, agg) => {
    const batches = ['a b a', 'c a', 'b b c d', 'a'];
    const uninterrupted = drive<string, unknown>(fakeJob(), (s) => s.pipe(keyBy((w: string) => w), agg()));
    for (const b of batches) uninterrupted.input.next(words(b));
    const first = fakeJob();
    const before = drive<string, unknown>(first, (s) => s.pipe(keyBy((w: string) => w), agg()));
    for (const b of batches.slice(0, 2)) before.input.next(words(b));
    before.input.next(barrier(1));
    before.input.next(words('z z z')); // after the barrier: not in the checkpoint
    const restored = roundTrip(first.snapshots.get(1)!.toData());
    const after = drive<string, unknown>(fakeJob(restored), (s) => s.pipe(keyBy((w: string) => w), agg()));
    for (const b of batches.slice(2)) after.input.next(words(b));
    expect([...before.values().slice(0, 5), ...after.values()]).toEqual(uninterrupted.values());
  });

  it('restores snapshots in the format of the accumulators (numbers; [sum, count] for avg), and a fired snapshot', async () => {
    const restored = { keys: ['a', 'b'], accumulators: [[6, 3], [1, 1]], fired: false };
    const run = drive<string, [unknown, number]>(fakeJob(restored), (s) => s.pipe(keyBy((w: string) => w), avg((w: string) => w.length)));
    run.input.next(words('a b'));
    run.input.next(END_OF_INPUT);
    expect(run.values()).toEqual([
      ['a', 7 / 4],
      ['b', 1],
    ]);
    const fired = drive<string, [unknown, number]>(fakeJob({ keys: ['a'], accumulators: [], fired: true }), (s) => s.pipe(keyBy((w: string) => w), count()));
    fired.input.next(END_OF_INPUT);
    expect(fired.values()).toEqual([]);
    // a snapshot after firing keeps the keys, no accumulators, and fired
    const job = fakeJob();
    const after = drive<string, [unknown, number]>(job, (s) => s.pipe(keyBy((w: string) => w), count()));
    after.input.next(words('a b'));
    after.input.next(watermark(MAX_WATERMARK));
    after.input.next(barrier(1));
    expect(job.snapshots.get(1)!.toData()).toMatchObject({ keys: ['a', 'b'], accumulators: [], fired: true });
  });
});

describe('fused keyBy → aggregate and flatMap → keyBy → count', () => {
  const lines = ['the quick brown fox', 'jumps over the lazy dog', '', 'the end', 'fox fox'];
  const split = (l: string): string[] => (l === '' ? [] : l.split(' '));
  /** An operator that changes nothing but stands between two operators, so they are not fused. */
  const apart = <T>() => filter((_x: T) => true);
  type Stage = (s: Observable<Element<unknown>>) => Observable<Element<unknown>>;
  /** source → flatMap → keyBy → aggregation, fused, or with operators in between so that nothing is fused. */
  const wordPipeline =
    (fused: boolean, project: (l: never) => Iterable<unknown>, selector: (w: never) => unknown, aggregation: KeyedAggregation<never, unknown, unknown>): Stage =>
    (s) =>
      fused
        ? (s.pipe(flatMap(project as (l: unknown) => Iterable<unknown>), keyBy(selector as (w: unknown) => unknown), aggregation as never) as Observable<Element<unknown>>)
        : (s.pipe(
            flatMap(project as (l: unknown) => Iterable<unknown>),
            apart(),
            keyBy(selector as (w: unknown) => unknown),
            apart(),
            aggregation as never,
          ) as Observable<Element<unknown>>);

  it.each([1, 2, 3, 100])('count gives the same counts and changelog fused as unfused (batch size %i)', async (batchSize) => {
    const source = () => fromCollection(lines, { batchSize, timestamp: (_l, i) => i * 10 }) as Observable<Element<unknown>>;
    const ident = (w: string) => w;
    for (const emit of ['every', 'final'] as const) {
      const fused = await collectElements(wordPipeline(true, split, ident, count({ emit }))(source()));
      const plain = await collectElements(wordPipeline(false, split, ident, count({ emit }))(source()));
      expect(fused).toEqual(plain);
    }
    const final = await StreamLite.fromCollection(lines, { batchSize }).flatMap(split).keyBy((w) => w).count().collect();
    expect(final).toEqual([
      ['the', 3],
      ['quick', 1],
      ['brown', 1],
      ['fox', 3],
      ['jumps', 1],
      ['over', 1],
      ['lazy', 1],
      ['dog', 1],
      ['end', 1],
    ]);
  });

  it('flattens iterables (generators, Sets, strings) and drops empty outputs as flatMap does', async () => {
    function* twice(s: string): Generator<string> {
      yield s;
      yield s;
    }
    expect(await StreamLite.fromCollection(['a', 'b']).flatMap(twice).keyBy((w) => w).count().collect()).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect(await StreamLite.fromCollection(['abca']).flatMap((s) => s).keyBy((c) => c).count().collect()).toEqual([
      ['a', 2],
      ['b', 1],
      ['c', 1],
    ]);
    expect(await StreamLite.fromCollection([['x', 'x', 'y']]).flatMap((xs) => new Set(xs)).keyBy((w) => w).count().collect()).toEqual([
      ['x', 1],
      ['y', 1],
    ]);
    expect(await StreamLite.fromCollection(['', '']).flatMap(() => []).keyBy((w) => w).count().collect()).toEqual([]);
  });

  it('calls project once per record and the selector once per value, and reads a reused output array at once', async () => {
    const calls: string[] = [];
    const buffer: string[] = [];
    const result = await StreamLite.fromCollection(['a b', 'c'])
      .flatMap((l) => {
        calls.push(`project ${l}`);
        buffer.length = 0;
        buffer.push(...l.split(' '));
        return buffer;
      })
      .keyBy((w) => {
        calls.push(`key ${w}`);
        return w;
      })
      .count()
      .collect();
    expect(result).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    expect(calls.filter((c) => c.startsWith('project'))).toEqual(['project a b', 'project c']);
    expect(calls.filter((c) => c.startsWith('key'))).toEqual(['key a', 'key b', 'key c']);
  });

  /** Runs the pipeline fused and unfused over the same input: both fail, with the same error. */
  async function sameError(input: unknown[], pipeline: (fused: boolean) => Stage, options = {}): Promise<string> {
    const fused = await rejectionOf(collect(pipeline(true)(fromCollection(input, options))));
    const plain = await rejectionOf(collect(pipeline(false)(fromCollection(input, options))));
    expect(String(fused)).toBe(String(plain));
    return String(fused);
  }

  it('raises the error the unfused operators raise: flatMap, then keyBy, then a key outside the key groups', async () => {
    const boom = (): never => {
      throw new Error('boom');
    };
    const stamped = { timestamp: (_v: unknown, i: number) => i + 1 };
    const words = (l: string) => l.split(' ');
    // a keyBy error on the first line, a flatMap error on the second: flatMap's comes first
    const flatMapFirst = await sameError(
      ['bad x', 'explode'],
      (fused) => wordPipeline(fused, (l: string) => (l === 'explode' ? boom() : words(l)), (w: string) => (w === 'bad' ? undefined : w), count()),
      stamped,
    );
    expect(flatMapFirst).toBe('UserFunctionError: flatMap: user function threw: boom (record {value: "explode", timestamp: 2})');
    // a key outside the key groups, then a keyBy error later in the batch: keyBy's comes first
    const owned = { keyGroups: { start: 0, end: 0 }, maxParallelism: 2 };
    const keyByFirst = await sameError(
      ['a b c d e f g h', 'i j k l m n o p bad'],
      (fused) => wordPipeline(fused, words, (w: string) => (w === 'bad' ? NaN : w), count(owned)),
      stamped,
    );
    expect(keyByFirst).toMatch(/^InvalidKeyError: keyBy: invalid key NaN: .* \(record \{value: "bad", timestamp: 2\}\)$/);
    const outside = await sameError(['a b c d e f g h'], (fused) => wordPipeline(fused, words, (w: string) => w, count(owned)));
    expect(outside).toMatch(/^StreamLiteError: count: the key "\w" is in key group 1, outside this instance's key groups \[0, 0\]/);
    // a result that is not iterable; a throwing selector, fused with count and with sum
    expect(await sameError(['a', 'b'], (fused) => wordPipeline(fused, () => 5 as never, (w: string) => w, count()))).toBe(
      'StreamLiteError: flatMap: the user function must return an array or an iterable (record {value: "a"})',
    );
    for (const aggregation of [count(), sum((w: string) => w.length)] as KeyedAggregation<never, unknown, unknown>[]) {
      expect(await sameError(['x y', 'z'], (fused) => wordPipeline(fused, words, (w: string) => (w === 'y' ? boom() : w), aggregation), stamped)).toBe(
        'UserFunctionError: keyBy: user function threw: boom (record {value: "y", timestamp: 1})',
      );
    }
  });

  it('reports records after the maximum watermark as the unfused operators do (a batch that flattens to nothing is no record)', () => {
    for (const fused of [true, false]) {
      const input = new Subject<Element<string>>();
      let error: unknown;
      wordPipeline(fused, split, (w: string) => w, count())(input as Observable<Element<unknown>>).subscribe({ error: (e: unknown) => (error = e) });
      input.next(recordBatch(['a b'], [1]));
      input.next(watermark(MAX_WATERMARK));
      input.next(recordBatch([''], [2]));
      expect(error).toBeUndefined();
      input.next(recordBatch(['c'], [3]));
      expect(String(error)).toBe('StreamLiteError: count: record after end of input (the maximum watermark)');
    }
  });

  it('names keyBy (or flatMap) for a non-element, as the first operator that sees it', async () => {
    const bad = new Subject<unknown>();
    const errors: string[] = [];
    for (const stage of [
      (s: Observable<Element<unknown>>) => s.pipe(keyBy((w: unknown) => w), count()),
      (s: Observable<Element<unknown>>) => s.pipe(flatMap((l: unknown) => [l]), keyBy((w: unknown) => w), count()),
    ]) {
      stage(bad as Observable<Element<unknown>>).subscribe({ error: (e: unknown) => errors.push(String(e)) });
    }
    bad.next(42);
    expect(errors.map((e) => e.split(':').slice(0, 2).join(':'))).toEqual(['InvalidElementError: keyBy', 'InvalidElementError: flatMap']);
  });
});
