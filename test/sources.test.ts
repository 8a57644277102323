/**
 * Sources and sinks: how they cut batches, stamp offsets and timestamps, end
 * the input (maximum watermark, then END), release iterators, and hand values
 * back to plain RxJS.
 */
import { Observable, of, Subject, take, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  collect,
  END_OF_INPUT,
  forEach,
  fromAsyncIterable,
  fromCollection,
  fromIterable,
  fromObservable,
  fromValues,
  MAX_WATERMARK,
  NO_TIMESTAMP,
  recordBatch,
  SourceError,
  StreamLite,
  toObservable,
  UserFunctionError,
  values,
  watermark,
  type Element,
} from '../src';
import { collectElements, collectValues } from './support/collectElements';
import { rejectionOf } from './support/errorOf';
import { batchesOf, recordsOf, shapeOf } from './support/recordsOf';

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
const ENDING = [`w:${MAX_WATERMARK}`, 'e'];

function* countingGenerator(n: number, log: string[]): Generator<number> {
  try {
    for (let i = 0; i < n; i++) {
      log.push(`pull ${i}`);
      yield i;
    }
  } finally {
    log.push('closed');
  }
}

const nextTick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('fromCollection', () => {
  it('cuts batches of batchSize, each with the offset after its last record, then ends', async () => {
    const elements = await collectElements(fromCollection(['a', 'b', 'c', 'd', 'e'], { batchSize: 2 }));
    expect(shapeOf(elements)).toEqual(['b:a,b', 'b:c,d', 'b:e', ...ENDING]);
    expect(batchesOf(elements).map((b) => b.offset)).toEqual([2, 4, 5]);
    expect(elements.slice(-2)).toEqual([watermark(MAX_WATERMARK), END_OF_INPUT]);
  });

  it('uses batches of 1,024 by default', async () => {
    const xs = range(2500);
    const batches = batchesOf(await collectElements(fromCollection(xs)));
    expect(batches.map((b) => b.values.length)).toEqual([1024, 1024, 452]);
    expect(batches.flatMap((b) => b.values)).toEqual(xs);
  });

  it('starts at startOffset, offsets and extractor indexes staying absolute', async () => {
    const indexes: number[] = [];
    const elements = await collectElements(
      fromCollection([10, 11, 12, 13, 14, 15], {
        startOffset: 2,
        batchSize: 3,
        timestamp: (v, i) => {
          indexes.push(i);
          return v * 1000;
        },
      }),
    );
    expect(shapeOf(elements)).toEqual(['b:12,13,14', 'b:15', ...ENDING]);
    expect(batchesOf(elements).map((b) => b.offset)).toEqual([5, 6]);
    expect(indexes).toEqual([2, 3, 4, 5]);
    expect(recordsOf(elements).map((r) => r.timestamp)).toEqual([12000, 13000, 14000, 15000]);
  });

  it('replays exactly the rest of the input from a recorded offset', async () => {
    const xs = range(10);
    const all = batchesOf(await collectElements(fromCollection(xs, { batchSize: 3 })));
    for (const b of all) {
      const rest = await collect(fromCollection(xs, { startOffset: b.offset as number, batchSize: 3 }));
      expect(rest).toEqual(xs.slice(b.offset as number));
    }
  });

  it('ends at once for an empty array or a start at its end', async () => {
    expect(shapeOf(await collectElements(fromCollection([])))).toEqual(ENDING);
    expect(shapeOf(await collectElements(fromCollection([1, 2], { startOffset: 2 })))).toEqual(ENDING);
  });

  it('records NO_TIMESTAMP without an extractor', async () => {
    expect(recordsOf(await collectElements(fromCollection(['x']))).map((r) => r.timestamp)).toEqual([NO_TIMESTAMP]);
  });

  it('stops emitting when unsubscribed mid-way', async () => {
    const seen = await collectValues(toObservable(fromCollection(range(5000), { batchSize: 10 })).pipe(take(15)));
    expect(seen).toEqual(range(15));
  });

  it('is cold: every subscription reads the array afresh', async () => {
    const source = StreamLite.fromCollection([1, 2, 3]);
    expect(await source.collect()).toEqual([1, 2, 3]);
    expect(await source.collect()).toEqual([1, 2, 3]);
  });
});

describe('fromIterable', () => {
  it('pulls batchSize values at a time, with offsets counting values read', async () => {
    const log: string[] = [];
    const elements = await collectElements(fromIterable(countingGenerator(5, log), { batchSize: 2 }));
    expect(shapeOf(elements)).toEqual(['b:0,1', 'b:2,3', 'b:4', ...ENDING]);
    expect(batchesOf(elements).map((b) => b.offset)).toEqual([2, 4, 5]);
    expect(log[log.length - 1]).toBe('closed');
  });

  it('never reads ahead of what downstream takes, and closes the iterator on unsubscribe', async () => {
    const log: string[] = [];
    const firstThree = await collectValues(toObservable(fromIterable(countingGenerator(1_000_000, log), { batchSize: 4 })).pipe(take(3)));
    expect(firstThree).toEqual([0, 1, 2]);
    expect(log).toEqual(['pull 0', 'pull 1', 'pull 2', 'pull 3', 'closed']);
  });

  it('reads Sets and Map entries, with timestamps from the extractor (index = position)', async () => {
    expect(await StreamLite.fromIterable(new Set(['a', 'b', 'a'])).collect()).toEqual(['a', 'b']);
    const entries = new Map([
      ['x', 5],
      ['y', 7],
    ]).entries();
    const elements = await collectElements(fromIterable(entries, { timestamp: ([, n], i) => n * 100 + i, batchSize: 1 }));
    expect(recordsOf(elements)).toEqual([
      { value: ['x', 5], timestamp: 500 },
      { value: ['y', 7], timestamp: 701 },
    ]);
  });

  it('errors with a SourceError, cause attached, when the iterator throws', async () => {
    const boom = new Error('disk on fire');
    function* failing(): Generator<number> {
      yield 1;
      yield 2;
      throw boom;
    }
    const err = await rejectionOf(StreamLite.fromIterable(failing(), { batchSize: 10 }).collect());
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).cause).toBe(boom);
    expect((err as Error).message).toBe('fromIterable: iterator threw after 2 values');
  });
});

describe('fromAsyncIterable', () => {
  async function* asyncRange(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) yield i;
  }

  it('emits full batches with offsets, then ends', async () => {
    const elements = await collectElements(fromAsyncIterable(asyncRange(7), { batchSize: 3 }));
    expect(shapeOf(elements)).toEqual(['b:0,1,2', 'b:3,4,5', 'b:6', ...ENDING]);
    expect(batchesOf(elements).map((b) => b.offset)).toEqual([3, 6, 7]);
  });

  it('runs through the fluent API with timestamps', async () => {
    async function* lines(): AsyncGenerator<string> {
      yield 'the quick fox';
      yield 'the dog';
    }
    const counts = await StreamLite.fromAsyncIterable(lines())
      .flatMap((l) => l.split(' '))
      .keyBy((w) => w)
      .count()
      .collect();
    expect(counts).toEqual([
      ['the', 2],
      ['quick', 1],
      ['fox', 1],
      ['dog', 1],
    ]);
    const elements = await collectElements(fromAsyncIterable(asyncRange(3), { timestamp: (n, i) => n * 10 + i }));
    expect(recordsOf(elements).map((r) => r.timestamp)).toEqual([0, 11, 22]);
  });

  it('emits a partial batch when the iterator is slow (maxDelay), not holding records back', async () => {
    const log: string[] = [];
    async function* slow(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      await sleep(50);
      log.push('iterator woke up');
      yield 3;
    }
    const elements: Element<number>[] = [];
    await new Promise<void>((resolve, reject) =>
      fromAsyncIterable(slow(), { batchSize: 100, maxDelay: 0 }).subscribe({
        next: (e) => {
          elements.push(e);
          log.push(...shapeOf([e]));
        },
        error: reject,
        complete: resolve,
      }),
    );
    expect(shapeOf(elements)).toEqual(['b:1,2', 'b:3', ...ENDING]);
    // [1 2] left while the iterator was still asleep.
    expect(log).toEqual(['b:1,2', 'iterator woke up', 'b:3', ...ENDING]);
  });

  it('errors with a SourceError when the iterator throws', async () => {
    const boom = new Error('socket closed');
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw boom;
    }
    const err = await rejectionOf(StreamLite.fromAsyncIterable(failing(), { batchSize: 10 }).collect());
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).cause).toBe(boom);
    expect((err as Error).message).toBe('fromAsyncIterable: iterator failed after 1 values');
  });

  it('stops pulling and returns the iterator on unsubscribe', async () => {
    const log: string[] = [];
    async function* endless(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) {
          log.push(`pull ${i}`);
          yield i;
        }
      } finally {
        log.push('closed');
      }
    }
    const firstFive = await collectValues(toObservable(fromAsyncIterable(endless(), { batchSize: 4 })).pipe(take(5)));
    expect(firstFive).toEqual([0, 1, 2, 3, 4]);
    await nextTick();
    expect(log).toEqual(['pull 0', 'pull 1', 'pull 2', 'pull 3', 'pull 4', 'pull 5', 'pull 6', 'pull 7', 'closed']);
  });
});

describe('fromValues and fromObservable', () => {
  const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const batchOf = (...vs: string[]): Element<string> => recordBatch(vs, vs.map(() => NO_TIMESTAMP));
  const ends = { W: watermark(MAX_WATERMARK), E: END_OF_INPUT };

  it('makes a batch of one per value by default, emitted at once', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b---c|');
      expectObservable(source.pipe(fromValues())).toBe('a-b---c(WE|)', { a: batchOf('a'), b: batchOf('b'), c: batchOf('c'), ...ends });
      expectObservable(fromObservable(source)).toBe('a-b---c(WE|)', { a: batchOf('a'), b: batchOf('b'), c: batchOf('c'), ...ends });
    });
  });

  it('micro-batches by size: a batch leaves when it is full', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('a-b-c|');
      expectObservable(source.pipe(fromValues({ batchSize: 2, maxDelay: 4, scheduler: ts }))).toBe('--x--(yWE|)', {
        x: batchOf('a', 'b'),
        y: batchOf('c'),
        ...ends,
      });
    });
  });

  it('micro-batches by time: a partial batch leaves maxDelay after its first value', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('ab----cde----|');
      expectObservable(fromObservable(source, { batchSize: 3, maxDelay: 3, scheduler: ts })).toBe('---x----y----(WE|)', {
        x: batchOf('a', 'b'),
        y: batchOf('c', 'd', 'e'),
        ...ends,
      });
    });
  });

  it('flushes the partial batch before an error passes through', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('a-#', undefined, new Error('upstream'));
      expectObservable(source.pipe(fromValues({ batchSize: 5, maxDelay: 10, scheduler: ts }))).toBe(
        '--(x#)',
        { x: batchOf('a') },
        new Error('upstream'),
      );
    });
  });

  it('checks batch sizes of a real run: batchSize values per batch, the rest in the last one', async () => {
    const elements = await collectElements(fromObservable(of(...range(10)), { batchSize: 4 }));
    expect(batchesOf(elements).map((b) => b.values.length)).toEqual([4, 4, 2]);
    expect(recordsOf(elements).map((r) => r.value)).toEqual(range(10));
  });

  it('timestamps values with the extractor, the index counting values', async () => {
    const elements = await collectElements(of('a', 'b', 'c').pipe(fromValues({ timestamp: (v, i) => v.charCodeAt(0) * 10 + i })));
    expect(recordsOf(elements).map((r) => r.timestamp)).toEqual([970, 981, 992]);
  });

  it('goes round trip with values(): of(...).pipe(fromValues(), …, values())', async () => {
    expect(await collectValues(of(1, 2, 3).pipe(fromValues(), values()))).toEqual([1, 2, 3]);
    expect(await StreamLite.fromObservable(of(1, 2, 3)).map((n) => n * 2).collect()).toEqual([2, 4, 6]);
  });
});

describe('values and toObservable', () => {
  it('emit each record value, consume control elements, and complete', async () => {
    const elements: Element<number>[] = [recordBatch([1, 2], [0, 0]), watermark(3), recordBatch([3], [5]), watermark(MAX_WATERMARK), END_OF_INPUT];
    expect(await collectValues(of(...elements).pipe(values()))).toEqual([1, 2, 3]);
    expect(await collectValues(toObservable(of(...elements)))).toEqual([1, 2, 3]);
    expect(await collectValues(new StreamLite(of(...elements)).toObservable())).toEqual([1, 2, 3]);
  });

  it('pass errors through', async () => {
    const boom = new Error('boom');
    await expect(collectValues(throwError(() => boom).pipe(values()))).rejects.toBe(boom);
  });

  it('are live: values leave as their batch arrives', () => {
    const input = new Subject<Element<string>>();
    const seen: string[] = [];
    toObservable(input).subscribe((v) => seen.push(v));
    input.next(recordBatch(['a', 'b'], [0, 0]));
    expect(seen).toEqual(['a', 'b']);
    input.next(recordBatch(['c'], [0]));
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});

describe('forEach and collect', () => {
  it('forEach calls fn with each value and timestamp, then resolves', async () => {
    const seen: [string, number][] = [];
    await forEach(fromCollection(['x', 'y'], { timestamp: (_v, i) => 100 + i }), (v, t) => seen.push([v, t]));
    expect(seen).toEqual([
      ['x', 100],
      ['y', 101],
    ]);
    const fluent: string[] = [];
    await StreamLite.fromCollection(['p', 'q']).map((s) => s.toUpperCase()).forEach((v) => fluent.push(v));
    expect(fluent).toEqual(['P', 'Q']);
  });

  it('forEach rejects with a UserFunctionError when fn throws, and stops the source', async () => {
    const boom = new Error('sink full');
    const log: string[] = [];
    const seen: number[] = [];
    const err = await rejectionOf(
      forEach(fromIterable(countingGenerator(1_000_000, log), { batchSize: 3 }), (n) => {
        if (n === 4) throw boom;
        seen.push(n);
      }),
    );
    expect(err).toBeInstanceOf(UserFunctionError);
    expect((err as UserFunctionError).cause).toBe(boom);
    expect((err as Error).message).toBe('forEach: user function threw: sink full (record {value: 4})');
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(log[log.length - 1]).toBe('closed');
    expect(log).toHaveLength(7); // two batches of three pulled, then closed
  });

  it('forEach and collect reject with the stream error', async () => {
    const boom = new Error('boom');
    const failing = new Observable<Element<number>>((s) => {
      s.next(recordBatch([1], [0]));
      s.error(boom);
    });
    await expect(forEach(failing, () => undefined)).rejects.toBe(boom);
    await expect(collect(failing)).rejects.toBe(boom);
  });

  it('collect resolves with every value in order, ignoring control elements and side outputs', async () => {
    expect(await collect(fromCollection(range(3000), { batchSize: 7 }))).toEqual(range(3000));
  });
});
