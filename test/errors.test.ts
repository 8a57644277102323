/**
 * Bad input: every error names its class, its operator and (where there is
 * one) the record, with the exact message a user will read.
 */
import { from, Observable, of, type OperatorFunction } from 'rxjs';
import {
  avg,
  collect,
  count,
  END_OF_INPUT,
  filter,
  flatMap,
  forEach,
  fromAsyncIterable,
  fromCollection,
  fromIterable,
  fromObservable,
  fromValues,
  InvalidArgumentError,
  InvalidElementError,
  InvalidKeyError,
  InvalidTimestampError,
  keyBy,
  map,
  max,
  min,
  NO_TIMESTAMP,
  NotKeyedError,
  OutputTag,
  process,
  recordBatch,
  reduce,
  sideOutput,
  StreamLite,
  StreamLiteError,
  sum,
  union,
  UserFunctionError,
  values,
  type Element,
} from '../src';
import { rejectionOf, thrownBy } from './support/errorOf';

/** Runs any element stream (typed loosely: these tests feed operators what their types forbid). */
const run = (source: Observable<unknown>): Promise<unknown[]> => collect(source as Observable<Element<unknown>>);
const loosely = <A, B>(op: unknown): OperatorFunction<A, B> => op as OperatorFunction<A, B>;

async function* asyncOf<T>(...xs: T[]): AsyncGenerator<T> {
  for (const x of xs) yield x;
}

describe('InvalidTimestampError: a timestamp extractor returning a non-finite number', () => {
  const bad: [string, unknown, string][] = [
    ['NaN', NaN, 'NaN'],
    ['Infinity', Infinity, 'Infinity'],
    ['-Infinity', -Infinity, '-Infinity'],
    ["the string '5'", '5', '"5"'],
    ['undefined', undefined, 'undefined'],
  ];
  const extractorReturning =
    (t: unknown) =>
    (v: { id: number }): number =>
      (v.id === 2 ? t : v.id) as number;
  const items = [{ id: 1 }, { id: 2 }, { id: 3 }];
  const sources: [string, (t: unknown) => Promise<unknown>][] = [
    ['fromCollection', (t) => StreamLite.fromCollection(items, { timestamp: extractorReturning(t) }).collect()],
    ['fromIterable', (t) => StreamLite.fromIterable(new Set(items), { timestamp: extractorReturning(t) }).collect()],
    ['fromAsyncIterable', (t) => StreamLite.fromAsyncIterable(asyncOf(...items), { timestamp: extractorReturning(t) }).collect()],
    ['fromValues', (t) => StreamLite.fromObservable(of(...items), { timestamp: extractorReturning(t) }).collect()],
  ];

  describe.each(sources)('%s', (name, runWith) => {
    it.each(bad)('rejects %s, naming the record', async (_label, t, shown) => {
      const err = await rejectionOf(runWith(t));
      expect(err).toBeInstanceOf(InvalidTimestampError);
      expect(err).toBeInstanceOf(StreamLiteError);
      expect((err as InvalidTimestampError).timestamp).toBe(t);
      expect((err as InvalidTimestampError).operator).toBe(name);
      expect((err as Error).name).toBe('InvalidTimestampError');
      expect((err as Error).message).toBe(`${name}: timestamp must be a finite number of milliseconds, got ${shown} (record {value: {"id":2}})`);
    });
  });

  it('accepts every finite number, negative and fractional included', async () => {
    const ts = [-5e15, -1, 0, 0.5, 1e15];
    const stamped = await StreamLite.fromCollection(ts, { timestamp: (t) => t })
      .process<number>((_v, ctx, out) => out.collect(ctx.timestamp as number))
      .collect();
    expect(stamped).toEqual(ts);
  });

  it('rejects a bad explicit timestamp in process collectWithTimestamp()', async () => {
    const err = await rejectionOf(
      StreamLite.fromCollection(['a'])
        .process<string>((v, _ctx, out) => out.collectWithTimestamp(v, NaN))
        .collect(),
    );
    expect(err).toBeInstanceOf(InvalidTimestampError);
    expect((err as Error).message).toBe('process: timestamp must be a finite number of milliseconds, got NaN (record {value: "a"})');
  });

  it('wraps a throwing extractor in a UserFunctionError naming the source and the record', async () => {
    const boom = new Error('no clock');
    const err = await rejectionOf(
      StreamLite.fromCollection([7], {
        timestamp: () => {
          throw boom;
        },
      }).collect(),
    );
    expect(err).toBeInstanceOf(UserFunctionError);
    expect((err as UserFunctionError).cause).toBe(boom);
    expect((err as Error).message).toBe('fromCollection: user function threw: no clock (record {value: 7})');
  });
});

describe('InvalidKeyError: a key that is not a string, finite number, bigint, boolean, array or plain object', () => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  function anon(): void {}
  const bad: [string, unknown, string, string][] = [
    ['undefined', undefined, 'undefined', 'undefined is not a key'],
    ['null', null, 'null', 'null is not a key'],
    ['a function', anon, '[function anon]', 'functions are not keys'],
    ['a symbol', Symbol('k'), 'Symbol(k)', 'symbols are not keys'],
    ['NaN', NaN, 'NaN', 'numbers must be finite'],
    ['Infinity', Infinity, 'Infinity', 'numbers must be finite'],
    ['a Date', new Date(0), '"1970-01-01T00:00:00.000Z"', 'only plain objects and arrays are composite keys'],
    ['a class instance', new Point(1, 2), '{"x":1,"y":2}', 'only plain objects and arrays are composite keys'],
    ['a Map', new Map(), '{}', 'only plain objects and arrays are composite keys'],
    ['an array holding undefined', ['a', undefined], '["a",null]', 'undefined is not a key'],
    ['an object holding NaN', { a: NaN }, '{"a":null}', 'numbers must be finite'],
    ['an object holding a Date', { at: new Date(0) }, '{"at":"1970-01-01T00:00:00.000Z"}', 'only plain objects and arrays are composite keys'],
  ];

  it.each(bad)('rejects %s, naming the record (fluent)', async (_label, key, shown, reason) => {
    const err = await rejectionOf(
      StreamLite.fromCollection(['ok', 'bad', 'never'], { timestamp: (_v, i) => 100 + i })
        .keyBy((v) => (v === 'bad' ? key : v))
        .count()
        .collect(),
    );
    expect(err).toBeInstanceOf(InvalidKeyError);
    expect((err as InvalidKeyError).key).toBe(key);
    expect((err as InvalidKeyError).reason).toBe(reason);
    expect((err as InvalidKeyError).record).toEqual({ value: 'bad', timestamp: 101 });
    expect((err as Error).message).toBe(
      `keyBy: invalid key ${shown}: ${reason}; expected a string, finite number, bigint, boolean, or an array or plain object of them (record {value: "bad", timestamp: 101})`,
    );
  });

  it.each(bad)('rejects %s (pipeable, from a plain Observable)', async (_label, key) => {
    const err = await rejectionOf(
      collect(
        of(1, 2).pipe(
          fromValues(),
          keyBy((n: number) => (n === 2 ? key : n)),
        ),
      ),
    );
    expect(err).toBeInstanceOf(InvalidKeyError);
    expect((err as InvalidKeyError).record).toEqual({ value: 2, timestamp: NO_TIMESTAMP });
    expect((err as Error).message).toMatch(/ \(record \{value: 2\}\)$/);
  });

  it('accepts plain objects without a prototype', async () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(
      await StreamLite.fromCollection([1, 2])
        .keyBy(() => bare)
        .count()
        .collect(),
    ).toEqual([[bare, 2]]);
  });
});

describe('UserFunctionError: a throwing user function', () => {
  const boom = new Error('boom');
  const throwOn =
    <T>(bad: T) =>
    (v: T): never | T => {
      if (v === bad) throw boom;
      return v;
    };
  const stamp = { timestamp: (n: number) => n * 10 };

  const cases: [string, () => Promise<unknown>, string][] = [
    ['map', () => StreamLite.fromCollection([1, 2, 3], stamp).map(throwOn(2)).collect(), 'map: user function threw: boom (record {value: 2, timestamp: 20})'],
    [
      'map after keyBy (the key is named)',
      () => collect(fromCollection([1, 2, 3], stamp).pipe(keyBy((n: number) => `k${n}`), map(throwOn(3)))),
      'map: user function threw: boom (record {value: 3, timestamp: 30, key: "k3"})',
    ],
    [
      'filter',
      () => StreamLite.fromCollection([1, 2, 3], stamp).filter((n) => throwOn(3)(n) > 0).collect(),
      'filter: user function threw: boom (record {value: 3, timestamp: 30})',
    ],
    [
      'flatMap',
      () => StreamLite.fromCollection([1, 2, 3], stamp).flatMap((n) => [throwOn(1)(n)]).collect(),
      'flatMap: user function threw: boom (record {value: 1, timestamp: 10})',
    ],
    ['keyBy', () => StreamLite.fromCollection([1, 2, 3], stamp).keyBy(throwOn(2)).count().collect(), 'keyBy: user function threw: boom (record {value: 2, timestamp: 20})'],
    [
      'reduce',
      () =>
        StreamLite.fromCollection([1, 2, 3], stamp)
          .keyBy(() => 'all')
          .reduce((a, b) => throwOn(3)(b) + a)
          .collect(),
      'reduce: user function threw: boom (record {value: 3, timestamp: 30, key: "all"})',
    ],
    [
      'process',
      () =>
        collect(
          fromCollection([1, 2, 3], stamp).pipe(
            keyBy((n: number) => n % 2),
            process<number, number>((n, _ctx, out) => out.collect(throwOn(2)(n))),
          ),
        ),
      'process: user function threw: boom (record {value: 2, timestamp: 20, key: 0})',
    ],
    [
      'a sum selector',
      () =>
        StreamLite.fromCollection([1, 2, 3], stamp)
          .keyBy(() => 'all')
          .sum(throwOn(2))
          .collect(),
      'sum: user function threw: boom (record {value: 2, timestamp: 20, key: "all"})',
    ],
    ['a min selector', () => StreamLite.fromCollection([1, 2], stamp).keyBy(() => 'm').min(throwOn(1)).collect(), 'min: user function threw: boom (record {value: 1, timestamp: 10, key: "m"})'],
    ['a max selector', () => StreamLite.fromCollection([1, 2], stamp).keyBy(() => 'm').max(throwOn(2)).collect(), 'max: user function threw: boom (record {value: 2, timestamp: 20, key: "m"})'],
    ['an avg selector', () => StreamLite.fromCollection([1, 2], stamp).keyBy(() => 'm').avg(throwOn(2)).collect(), 'avg: user function threw: boom (record {value: 2, timestamp: 20, key: "m"})'],
    [
      'forEach',
      () => StreamLite.fromCollection([1, 2, 3], stamp).forEach(throwOn(3)),
      'forEach: user function threw: boom (record {value: 3, timestamp: 30})',
    ],
  ];

  it.each(cases)('%s: the original error is the cause; the message names operator and record', async (_label, runIt, message) => {
    const err = await rejectionOf(runIt());
    expect(err).toBeInstanceOf(UserFunctionError);
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).name).toBe('UserFunctionError');
    expect((err as UserFunctionError).cause).toBe(boom);
    expect((err as Error).message).toBe(message);
  });

  it('describes a thrown non-Error value in the message', async () => {
    const err = await rejectionOf(
      StreamLite.fromCollection(['x'])
        .map(() => {
          throw 'plain string'; // eslint-disable-line no-throw-literal
        })
        .collect(),
    );
    expect((err as UserFunctionError).cause).toBe('plain string');
    expect((err as Error).message).toBe('map: user function threw: "plain string" (record {value: "x"})');
  });

  it('stops the source when the stream errors: nothing after the failing record is read', async () => {
    let pulled = 0;
    let closed = false;
    function* naturals(): Generator<number> {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const emitted: number[] = [];
    const err = await rejectionOf(
      StreamLite.fromIterable(naturals(), { batchSize: 4 })
        .map(throwOn(5))
        .forEach((n) => emitted.push(n)),
    );
    expect(err).toBeInstanceOf(UserFunctionError);
    expect(emitted).toEqual([0, 1, 2, 3]);
    expect(pulled).toBe(8);
    expect(closed).toBe(true);
  });

  it('rejects a flatMap result that is not iterable', async () => {
    const err = await rejectionOf(
      StreamLite.fromCollection([1, 2])
        .flatMap((n) => (n === 2 ? (42 as unknown as number[]) : [n]))
        .collect(),
    );
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toBe('flatMap: the user function must return an array or an iterable (record {value: 2})');
  });

  it('rejects a numeric selector that returns something else than a number', async () => {
    const err = await rejectionOf(
      StreamLite.fromCollection(['1', 'x'])
        .keyBy(() => 'all')
        .sum((s) => (s === 'x' ? (s as unknown as number) : Number(s)))
        .collect(),
    );
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toBe('sum: selector must return a number, got x (record {value: "x"})');
  });

  it('rejects collect()/collectWithTimestamp()/output() called after the process function returned', async () => {
    let leaked: { collect(v: number): void } | undefined;
    await StreamLite.fromCollection([1])
      .process<number>((_v, _ctx, out) => {
        leaked = out;
      })
      .collect();
    const err = thrownBy(() => leaked!.collect(1));
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toBe('process: collect() called outside of the process function call');
  });
});

describe('InvalidArgumentError: a bad argument at creation, thrown synchronously', () => {
  const fn = (): number => 1;
  const cases: [string, () => unknown, string][] = [
    ['map(42)', () => map(42 as never), "map: argument 'project' must be a function, got 42"],
    ['filter(null)', () => filter(null as never), "filter: argument 'predicate' must be a function, got null"],
    ['flatMap("x")', () => flatMap('x' as never), `flatMap: argument 'project' must be a function, got "x"`],
    ['keyBy(undefined)', () => keyBy(undefined as never), "keyBy: argument 'selector' must be a function, got undefined"],
    ['reduce(1)', () => reduce(1 as never), "reduce: argument 'reducer' must be a function, got 1"],
    ['sum({})', () => sum({} as never), "sum: argument 'selector' must be a function, got {}"],
    ['min(null)', () => min(null as never), "min: argument 'selector' must be a function, got null"],
    ['max(1)', () => max(1 as never), "max: argument 'selector' must be a function, got 1"],
    ['avg("n")', () => avg('n' as never), `avg: argument 'selector' must be a function, got "n"`],
    ['process(42)', () => process(42 as never), "process: argument 'fn' must be a function or an object with processElement(), got 42"],
    ['process({})', () => process({} as never), "process: argument 'fn' must be a function or an object with processElement(), got {}"],
    ["count({ emit: 'sometimes' })", () => count({ emit: 'sometimes' as never }), `count: argument 'options.emit' must be 'final' or 'every', got "sometimes"`],
    ["sum(f, { emit: 'x' })", () => sum(fn, { emit: 'x' as never }), `sum: argument 'options.emit' must be 'final' or 'every', got "x"`],
    ['fromCollection("abc")', () => fromCollection('abc' as never), `fromCollection: argument 'items' must be an array, got "abc"`],
    ['fromCollection(batchSize 0)', () => fromCollection([], { batchSize: 0 }), "fromCollection: argument 'batchSize' must be a positive integer, got 0"],
    ['fromCollection(batchSize 1.5)', () => fromCollection([], { batchSize: 1.5 }), "fromCollection: argument 'batchSize' must be a positive integer, got 1.5"],
    ['fromCollection(batchSize -1)', () => fromCollection([], { batchSize: -1 }), "fromCollection: argument 'batchSize' must be a positive integer, got -1"],
    ['fromCollection(batchSize NaN)', () => fromCollection([], { batchSize: NaN }), "fromCollection: argument 'batchSize' must be a positive integer, got NaN"],
    ['fromCollection(batchSize Infinity)', () => fromCollection([], { batchSize: Infinity }), "fromCollection: argument 'batchSize' must be a positive integer, got Infinity"],
    ['fromCollection(startOffset -1)', () => fromCollection([1, 2], { startOffset: -1 }), "fromCollection: argument 'startOffset' must be an integer from 0 to 2, got -1"],
    ['fromCollection(startOffset 3 of 2)', () => fromCollection([1, 2], { startOffset: 3 }), "fromCollection: argument 'startOffset' must be an integer from 0 to 2, got 3"],
    ['fromCollection(startOffset 0.5)', () => fromCollection([1, 2], { startOffset: 0.5 }), "fromCollection: argument 'startOffset' must be an integer from 0 to 2, got 0.5"],
    ['fromCollection(timestamp 42)', () => fromCollection([1], { timestamp: 42 as never }), "fromCollection: argument 'timestamp' must be a function, got 42"],
    ['fromIterable(42)', () => fromIterable(42 as never), "fromIterable: argument 'iterable' must be an iterable, got 42"],
    ['fromIterable(null)', () => fromIterable(null as never), "fromIterable: argument 'iterable' must be an iterable, got null"],
    ['fromIterable(batchSize 0)', () => fromIterable([1], { batchSize: 0 }), "fromIterable: argument 'batchSize' must be a positive integer, got 0"],
    ['fromAsyncIterable([1])', () => fromAsyncIterable([1] as never), "fromAsyncIterable: argument 'iterable' must be an async iterable, got [1]"],
    ['fromAsyncIterable(batchSize 0)', () => fromAsyncIterable(asyncOf(1), { batchSize: 0 }), "fromAsyncIterable: argument 'batchSize' must be a positive integer, got 0"],
    ['fromAsyncIterable(maxDelay -1)', () => fromAsyncIterable(asyncOf(1), { maxDelay: -1 }), "fromAsyncIterable: argument 'maxDelay' must be a finite number of milliseconds ≥ 0, got -1"],
    ['fromValues(batchSize 0)', () => fromValues({ batchSize: 0 }), "fromValues: argument 'batchSize' must be a positive integer, got 0"],
    ['fromValues(maxDelay NaN)', () => fromValues({ maxDelay: NaN }), "fromValues: argument 'maxDelay' must be a finite number of milliseconds ≥ 0, got NaN"],
    ['fromValues(maxDelay Infinity)', () => fromValues({ maxDelay: Infinity }), "fromValues: argument 'maxDelay' must be a finite number of milliseconds ≥ 0, got Infinity"],
    ['fromObservable(batchSize -2)', () => fromObservable(of(1), { batchSize: -2 }), "fromValues: argument 'batchSize' must be a positive integer, got -2"],
    ['union(42)', () => union(fromCollection([1]), 42 as never), "union: argument 'others[1]' must be an Observable of elements, got 42"],
    ['new StreamLite(42)', () => new StreamLite(42 as never), "StreamLite: argument 'elements$' must be an Observable of elements, got 42"],
    ['StreamLite.fromCollection(batchSize 0)', () => StreamLite.fromCollection([1], { batchSize: 0 }), "fromCollection: argument 'batchSize' must be a positive integer, got 0"],
    ['KeyedStream.count(emit)', () => StreamLite.fromCollection([1]).keyBy(fn).count({ emit: 1 as never }), "count: argument 'options.emit' must be 'final' or 'every', got 1"],
    ['sideOutput(undefined)', () => sideOutput(undefined as never), "sideOutput: argument 'tag' must be an OutputTag, got undefined"],
    ["new OutputTag('')", () => new OutputTag(''), `OutputTag: argument 'id' must be a non-empty string, got ""`],
    ['forEach(source, 42)', () => forEach(fromCollection([1]), 42 as never), "forEach: argument 'fn' must be a function, got 42"],
  ];

  it.each(cases)('%s', (_label, create, message) => {
    const err = thrownBy(create);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).name).toBe('InvalidArgumentError');
    expect((err as Error).message).toBe(message);
  });

  it('exposes the argument, what was expected and what was given', () => {
    const err = thrownBy(() => fromCollection([], { batchSize: 0 })) as InvalidArgumentError;
    expect(err.operator).toBe('fromCollection');
    expect(err.argument).toBe('batchSize');
    expect(err.expected).toBe('a positive integer');
    expect(err.actual).toBe(0);
    expect(err.record).toBeUndefined();
  });
});

describe('InvalidElementError: something that is not an element on an element stream', () => {
  const nonElements: [string, unknown, string][] = [
    ['a number', 1, '1'],
    ['a string', 'batch', '"batch"'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['an unknown kind', { kind: 'bogus' }, '{"kind":"bogus"}'],
  ];
  const tag = new OutputTag<number>('t');
  const operators: [string, OperatorFunction<unknown, unknown>][] = [
    ['map', loosely(map((x: unknown) => x))],
    ['filter', loosely(filter(() => true))],
    ['flatMap', loosely(flatMap((x: unknown) => [x]))],
    ['keyBy', loosely(keyBy((x: unknown) => String(x)))],
    ['process', loosely(process(() => undefined))],
    ['count', loosely(count())],
    ['reduce', loosely(reduce((a: unknown) => a))],
    ['sideOutput', loosely(sideOutput(tag))],
    ['union', loosely(union(fromCollection<unknown>([])))],
    ['values', loosely(values())],
  ];

  describe.each(operators)('%s', (name, op) => {
    it.each(nonElements)('rejects %s', async (_label, bad, shown) => {
      const err = await rejectionOf(new Promise((resolve, reject) => from([recordBatch([1], [0], ['k']), bad]).pipe(op).subscribe({ error: reject, complete: () => resolve(undefined) })));
      expect(err).toBeInstanceOf(InvalidElementError);
      expect((err as InvalidElementError).element).toBe(bad);
      expect((err as Error).message).toBe(
        `${name}: expected an element (a record batch or a control element), got ${shown}; enter plain values with fromValues()`,
      );
    });
  });

  it.each(nonElements)('collect() and forEach() reject %s', async (_label, bad, shown) => {
    const source = from([recordBatch([1], [0]), bad, END_OF_INPUT]) as Observable<Element<number>>;
    const fromCollect = await rejectionOf(collect(source));
    const fromForEach = await rejectionOf(forEach(source, () => undefined));
    for (const [err, name] of [
      [fromCollect, 'collect'],
      [fromForEach, 'forEach'],
    ] as const) {
      expect(err).toBeInstanceOf(InvalidElementError);
      expect((err as Error).message).toBe(
        `${name}: expected an element (a record batch or a control element), got ${shown}; enter plain values with fromValues()`,
      );
    }
  });

  it('names the way in: plain values need fromValues()', async () => {
    const err = await rejectionOf(run(of('the', 'fox').pipe(loosely(keyBy((w: string) => w)))));
    expect((err as Error).message).toMatch(/enter plain values with fromValues\(\)$/);
  });
});

describe('NotKeyedError: a keyed aggregation on a stream that is not keyed', () => {
  const aggregations: [string, unknown][] = [
    ['count', count()],
    ['sum', sum((n: number) => n)],
    ['min', min((n: number) => n)],
    ['max', max((n: number) => n)],
    ['avg', avg((n: number) => n)],
    ['reduce', reduce((a: number, b: number) => a + b)],
  ];

  it.each(aggregations)('%s rejects records without keys', async (name, aggregation) => {
    const err = await rejectionOf(run(fromCollection([1, 2]).pipe(loosely(aggregation))));
    expect(err).toBeInstanceOf(NotKeyedError);
    expect((err as NotKeyedError).operator).toBe(name);
    expect((err as Error).message).toBe(`${name}: input is not keyed: call keyBy(...) before this operator`);
  });

  it('rejects a stream whose keys a map dropped', async () => {
    const unkeyed = StreamLite.fromCollection([1, 2])
      .keyBy((n) => n)
      .map((n) => n * 2);
    const err = await rejectionOf(run(unkeyed.elements$.pipe(loosely(count()))));
    expect(err).toBeInstanceOf(NotKeyedError);
  });

  it('does not fail on an empty un-keyed stream (no record, nothing to key)', async () => {
    expect(await run(fromCollection([]).pipe(loosely(count())))).toEqual([]);
  });
});
