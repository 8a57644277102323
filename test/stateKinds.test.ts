/**
 * The five state kinds of the heap backend, against brute-force models:
 * value (replace and Immer recipes), list, map, reducing and aggregating;
 * isolation between keys (and namespaces); values handed to user code are
 * frozen; the engine's Immer instance is private; bad keys are rejected.
 */
import fc from 'fast-check';
import { produce, setAutoFreeze } from 'immer';
import {
  aggregatingState,
  avg,
  HeapKeyedStateBackend,
  InvalidKeyError,
  listState,
  mapState,
  reducingState,
  StreamLiteError,
  UserFunctionError,
  valueState,
  type AggregateFunction,
} from '../src';
import { thrownBy } from './support/errorOf';

const newBackend = () => new HeapKeyedStateBackend('test', { processingTime: () => 0, eventTime: () => 0 });

/** Mutating a frozen value throws in strict mode (test files are modules, hence strict). */
function expectFrozen(value: unknown, mutate: () => void): void {
  expect(Object.isFrozen(value)).toBe(true);
  expect(mutate).toThrow(TypeError);
}

describe('value state', () => {
  it('returns the default until set, then the value; clear() goes back to the default', () => {
    const backend = newBackend();
    const total = backend.value(valueState('total', 0), backend.scopeOf('a'));
    expect(total.value()).toBe(0);
    total.update(5);
    expect(total.value()).toBe(5);
    total.update((n) => n + 1);
    expect(total.value()).toBe(6);
    total.clear();
    expect(total.value()).toBe(0);
  });

  it('changes an object with an Immer recipe: update(draft => { draft.count++ }) makes a new frozen object and leaves the old one intact', () => {
    const backend = newBackend();
    const stats = backend.value(valueState('stats', { count: 0, names: [] as string[] }), backend.scopeOf('a'));
    stats.update((draft) => {
      draft.count++;
      draft.names.push('x');
    });
    const first = stats.value();
    stats.update((draft) => {
      draft.count++;
    });
    const second = stats.value();
    expect(first).toEqual({ count: 1, names: ['x'] });
    expect(second).toEqual({ count: 2, names: ['x'] });
    expect(second).not.toBe(first);
    // structural sharing: the untouched array is the same object
    expect(second.names).toBe(first.names);
    // a recipe may also return a replacement
    stats.update(() => ({ count: 10, names: [] }));
    expect(stats.value()).toEqual({ count: 10, names: [] });
  });

  it('hands out frozen values — the default, a replaced object and a recipe result: mutation throws and has no effect', () => {
    const backend = newBackend();
    const descriptor = valueState('doc', { count: 0, nested: { deep: [1] } });
    const doc = backend.value(descriptor, backend.scopeOf('a'));
    const dflt = doc.value();
    expectFrozen(dflt, () => {
      (dflt as { count: number }).count = 99;
    });
    expectFrozen(dflt.nested.deep, () => (dflt.nested.deep as number[]).push(2));
    // the default is shared by every key: it must still be pristine for another key
    expect(backend.value(descriptor, backend.scopeOf('b')).value()).toEqual({ count: 0, nested: { deep: [1] } });

    const replacement = { count: 1, nested: { deep: [2] } };
    doc.update(replacement);
    const stored = doc.value();
    expectFrozen(stored, () => {
      (stored as { count: number }).count = 99;
    });
    expectFrozen(stored.nested, () => {
      (stored.nested as { deep: number[] }).deep = [];
    });
    doc.update((d) => {
      d.nested.deep.push(3);
    });
    const produced = doc.value();
    expectFrozen(produced.nested.deep, () => (produced.nested.deep as number[]).push(4));
    expect(doc.value()).toEqual({ count: 1, nested: { deep: [2, 3] } });
  });

  it('wraps an error thrown by a recipe in UserFunctionError naming the state and key, with the cause, and keeps the old value', () => {
    const backend = newBackend();
    const doc = backend.value(valueState('doc', { n: 1 }), backend.scopeOf('user-7'));
    const boom = new Error('boom');
    const err = thrownBy(() =>
      doc.update((d) => {
        d.n = 2;
        throw boom;
      }),
    );
    expect(err).toBeInstanceOf(UserFunctionError);
    expect((err as UserFunctionError).cause).toBe(boom);
    expect((err as Error).message).toContain("state 'doc'");
    expect((err as Error).message).toContain('"user-7"');
    expect(doc.value()).toEqual({ n: 1 });
  });

  it('refuses to declare one name as two kinds', () => {
    const backend = newBackend();
    backend.value(valueState('x', 0), backend.scopeOf('a'));
    const err = thrownBy(() => backend.list(listState('x'), backend.scopeOf('a')));
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toContain("state 'x' is a value state, not a list state");
  });
});

describe('list state', () => {
  it('adds, adds all, replaces and clears; get() is a frozen array of frozen elements', () => {
    const backend = newBackend();
    const log = backend.list(listState<{ id: number }>('log'), backend.scopeOf('a'));
    expect(log.get()).toEqual([]);
    expectFrozen(log.get(), () => (log.get() as { id: number }[]).push({ id: 0 }));
    const first = { id: 1 };
    log.add(first);
    log.addAll([{ id: 2 }, { id: 3 }]);
    const before = log.get();
    expect(before).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expectFrozen(before, () => (before as { id: number }[]).push({ id: 9 }));
    expectFrozen(before[0], () => {
      (before[0] as { id: number }).id = 9;
    });
    log.add({ id: 4 });
    // the array read before is a value, not a view
    expect(before).toHaveLength(3);
    log.update([{ id: 9 }]);
    expect(log.get()).toEqual([{ id: 9 }]);
    log.clear();
    expect(log.get()).toEqual([]);
  });
});

describe('map state', () => {
  it('put, get, update with a recipe, remove, contains, entries, keys, values, isEmpty, clear', () => {
    const backend = newBackend();
    const m = backend.map(mapState<string, { hits: number }>('hits'), backend.scopeOf('a'));
    expect(m.isEmpty()).toBe(true);
    expect(m.get('x')).toBeUndefined();
    m.put('x', { hits: 1 });
    m.update('y', { hits: 0 }, (d) => {
      d.hits += 5;
    });
    m.update('x', { hits: 0 }, (d) => {
      d.hits++;
    });
    expect(m.get('x')).toEqual({ hits: 2 });
    expect(m.get('y')).toEqual({ hits: 5 });
    expect(m.contains('x')).toBe(true);
    expect(m.contains('z')).toBe(false);
    expect(new Map(m.entries())).toEqual(
      new Map([
        ['x', { hits: 2 }],
        ['y', { hits: 5 }],
      ]),
    );
    expect(m.keys().sort()).toEqual(['x', 'y']);
    expect(m.values().map((v) => v.hits).sort()).toEqual([2, 5]);
    const x = m.get('x')!;
    expectFrozen(x, () => {
      (x as { hits: number }).hits = 0;
    });
    m.remove('x');
    expect(m.contains('x')).toBe(false);
    expect(m.isEmpty()).toBe(false);
    m.clear();
    expect(m.isEmpty()).toBe(true);
    expect(m.entries()).toEqual([]);
  });

  it('compares composite user keys structurally ({a:1,b:2} is {b:2,a:1}) and rejects invalid ones', () => {
    const backend = newBackend();
    const m = backend.map(mapState<unknown, number>('m'), backend.scopeOf('a'));
    m.put({ a: 1, b: 2 }, 1);
    m.put({ b: 2, a: 1 }, 2);
    m.put(['x', 1], 3);
    m.put('1', 4);
    m.put(1, 5);
    expect(m.get({ a: 1, b: 2 })).toBe(2);
    expect(m.get(['x', 1])).toBe(3);
    expect(m.get('1')).toBe(4);
    expect(m.get(1)).toBe(5);
    expect(m.keys()).toHaveLength(4);
    for (const bad of [undefined, null, NaN, () => 1, Symbol('s'), new Date(0)]) {
      expect(thrownBy(() => m.put(bad, 0))).toBeInstanceOf(InvalidKeyError);
    }
  });

  it('keeps the map of one namespace apart from another namespace', () => {
    const backend = newBackend();
    const d = mapState<string, number>('m');
    const scope = backend.scopeOf('a');
    backend.map(d, scope, 'w1').put('x', 1);
    backend.map(d, scope, 'w2').put('x', 2);
    expect(backend.map(d, scope, 'w1').entries()).toEqual([['x', 1]]);
    backend.map(d, scope, 'w1').clear();
    expect(backend.map(d, scope, 'w2').entries()).toEqual([['x', 2]]);
    expect(backend.map(d, scope).isEmpty()).toBe(true);
  });
});

describe('reducing and aggregating state', () => {
  it('reducing state folds values as they are added', () => {
    const backend = newBackend();
    const max = backend.reducing(reducingState<number>('max', Math.max), backend.scopeOf('a'));
    expect(max.get()).toBeUndefined();
    for (const v of [3, 9, 2]) max.add(v);
    expect(max.get()).toBe(9);
    max.clear();
    expect(max.get()).toBeUndefined();
  });

  it('aggregating state adds to an accumulator and reads a result (with avg() as the aggregate function)', () => {
    const backend = newBackend();
    const mean = backend.aggregating(aggregatingState('mean', avg((x: number) => x)), backend.scopeOf('a'));
    expect(mean.get()).toBeUndefined();
    for (const v of [1, 2, 6]) mean.add(v);
    expect(mean.get()).toBe(3);
  });

  it('hands the reducer and aggregate function frozen accumulators (an in-place change throws instead of leaking into snapshots)', () => {
    const backend = newBackend();
    const inPlace: AggregateFunction<number, { sum: number }, number> = {
      createAccumulator: () => ({ sum: 0 }),
      add: (v, acc) => {
        acc.sum += v;
        return acc;
      },
      getResult: (acc) => acc.sum,
      merge: (a, b) => ({ sum: a.sum + b.sum }),
    };
    const state = backend.aggregating(aggregatingState('sum', inPlace), backend.scopeOf('a'));
    state.add(1); // a fresh accumulator: fine
    const err = thrownBy(() => state.add(2));
    expect(err).toBeInstanceOf(UserFunctionError);
    expect((err as UserFunctionError).cause).toBeInstanceOf(TypeError);
    expect(state.get()).toBe(1);
  });
});

describe('isolation between keys', () => {
  type Op = { key: string; kind: 'value' | 'recipe' | 'list' | 'map' | 'reduce' | 'agg' | 'clear'; v: number };
  const opArb: fc.Arbitrary<Op> = fc.record({
    key: fc.constantFrom('a', 'b', 'c', 'd'),
    kind: fc.constantFrom('value', 'recipe', 'list', 'map', 'reduce', 'agg', 'clear'),
    v: fc.integer({ min: 0, max: 20 }),
  });

  it('every kind of state of one key is untouched by any operation on another key (brute-force model per key)', () => {
    const counter = valueState('counter', { n: 0 });
    const list = listState<number>('list');
    const map = mapState<number, number>('map');
    const sum = reducingState<number>('sum', (a, b) => a + b);
    const mean = aggregatingState('mean', avg((x: number) => x));
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const backend = newBackend();
        interface KeyModel {
          n: number;
          list: number[];
          map: Map<number, number>;
          sum: number | undefined;
          values: number[];
        }
        const model = new Map<string, KeyModel>();
        const of = (key: string) => {
          let m = model.get(key);
          if (m === undefined) model.set(key, (m = { n: 0, list: [], map: new Map(), sum: undefined, values: [] }));
          return m;
        };
        for (const op of ops) {
          const scope = backend.scopeOf(op.key);
          const m = of(op.key);
          switch (op.kind) {
            case 'value':
              backend.value(counter, scope).update({ n: op.v });
              m.n = op.v;
              break;
            case 'recipe':
              backend.value(counter, scope).update((d) => {
                d.n += op.v;
              });
              m.n += op.v;
              break;
            case 'list':
              backend.list(list, scope).add(op.v);
              m.list.push(op.v);
              break;
            case 'map':
              backend.map(map, scope).put(op.v % 3, op.v);
              m.map.set(op.v % 3, op.v);
              break;
            case 'reduce':
              backend.reducing(sum, scope).add(op.v);
              m.sum = (m.sum ?? 0) + op.v;
              break;
            case 'agg':
              backend.aggregating(mean, scope).add(op.v);
              m.values.push(op.v);
              break;
            case 'clear':
              backend.value(counter, scope).clear();
              backend.list(list, scope).clear();
              backend.map(map, scope).clear();
              backend.reducing(sum, scope).clear();
              backend.aggregating(mean, scope).clear();
              model.delete(op.key);
              break;
          }
          for (const key of ['a', 'b', 'c', 'd']) {
            const s = backend.scopeOf(key);
            const km = model.get(key) ?? { n: 0, list: [], map: new Map(), sum: undefined, values: [] };
            expect(backend.value(counter, s).value()).toEqual({ n: km.n });
            expect(backend.list(list, s).get()).toEqual(km.list);
            expect(new Map(backend.map(map, s).entries())).toEqual(km.map);
            expect(backend.reducing(sum, s).get()).toBe(km.sum);
            expect(backend.aggregating(mean, s).get()).toBe(km.values.length === 0 ? undefined : km.values.reduce((a, b) => a + b, 0) / km.values.length);
          }
        }
        // a key whose every state was cleared holds nothing
        for (const key of ['a', 'b', 'c', 'd']) if (!model.has(key)) expect(backend.isEmptyFor(backend.scopeOf(key).ck)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('treats structurally equal composite keys as one key and distinct primitives as distinct keys', () => {
    const backend = newBackend();
    const d = valueState('v', 0);
    backend.value(d, backend.scopeOf({ a: 1, b: 2 })).update(1);
    expect(backend.value(d, backend.scopeOf({ b: 2, a: 1 })).value()).toBe(1);
    backend.value(d, backend.scopeOf(1)).update(2);
    expect(backend.value(d, backend.scopeOf('1')).value()).toBe(0);
    expect(backend.value(d, backend.scopeOf(-0)).value()).toBe(0);
    backend.value(d, backend.scopeOf(0)).update(3);
    expect(backend.value(d, backend.scopeOf(-0)).value()).toBe(3);
    backend.value(d, backend.scopeOf(1n)).update(4);
    expect(backend.value(d, backend.scopeOf(1)).value()).toBe(2);
    expect(backend.value(d, backend.scopeOf(['a', 1])).value()).toBe(0);
  });
});

describe("the engine's Immer instance is private", () => {
  afterEach(() => setAutoFreeze(true));

  it("freezes state values whatever the host's global Immer setting, and never changes that setting", () => {
    setAutoFreeze(false);
    const backend = newBackend();
    const doc = backend.value(valueState('doc', { n: 0 }), backend.scopeOf('a'));
    doc.update((d) => {
      d.n++;
    });
    expect(Object.isFrozen(doc.value())).toBe(true);
    // the host's produce() still follows the host's setting
    const hostResult = produce({ n: 0 }, (d) => {
      d.n++;
    });
    expect(Object.isFrozen(hostResult)).toBe(false);
  });
});

describe('bad keys', () => {
  const bad: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a function', () => 1],
    ['a symbol', Symbol('k')],
    ['a class instance', new (class Point {
      x = 1;
    })()],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['an array holding undefined', ['a', undefined]],
    ['an object holding a function', { a: () => 1 }],
  ];
  it.each(bad)('rejects %s with InvalidKeyError', (_label, key) => {
    const err = thrownBy(() => newBackend().scopeOf(key));
    expect(err).toBeInstanceOf(InvalidKeyError);
    expect((err as InvalidKeyError).key).toBe(key);
    expect((err as Error).message).toContain('invalid key');
  });

  it.each([
    ['a string', 's'],
    ['a number', -1.5],
    ['a bigint', 10n],
    ['a boolean', false],
    ['an array', ['a', 1, [true]]],
    ['a plain object', { a: 1, b: { c: 'x' } }],
    ['an object without prototype', Object.assign(Object.create(null) as object, { a: 1 })],
  ])('accepts %s', (_label, key) => {
    expect(() => newBackend().scopeOf(key)).not.toThrow();
  });
});
