/**
 * Copy-on-write state tables and O(1) snapshots, against brute-force models
 * that copy everything at snapshot time:
 * - CopyOnWriteStateTable: random interleavings of set / delete / touch / load /
 *   snapshot / release / partial reads of a snapshot; every snapshot, read
 *   whenever, holds exactly what the model's deep copy held when it was taken;
 * - HeapKeyedStateBackend: snapshot() mid-stream, keep writing, deleting and
 *   creating keys, then toData() equals a deep copy taken at snapshot time.
 */
import fc from 'fast-check';
import { HeapKeyedStateBackend, listState, mapState, valueState, type KeyedStateSnapshotData } from '../src';
import { CopyOnWriteStateTable, type StateTableSnapshot } from '../src/state/CopyOnWriteStateTable';

// ── the table ─────────────────────────────────────────────────────────────

type Key = string | number;
type Ns = string | number;
interface Cell {
  readonly value: unknown;
  readonly touched: number;
}
/** The model: key → namespace → cell, copied in full at every snapshot. */
type Model = Map<Key, Map<Ns, Cell>>;

const keys: Key[] = ['a', 'b', 'c', 1, 2];
const namespaces: Ns[] = ['', 'w1', 7];

type Op =
  | { op: 'set'; key: Key; ns: Ns; value: unknown }
  | { op: 'delete'; key: Key; ns: Ns }
  | { op: 'touch'; key: Key; ns: Ns }
  | { op: 'load'; entries: [Key, [Ns, unknown][]][] }
  | { op: 'snapshot' }
  | { op: 'release'; which: number }
  | { op: 'read'; which: number; steps: number };

const valueArb = fc.oneof(fc.integer({ min: 0, max: 99 }), fc.record({ n: fc.integer({ min: 0, max: 9 }), tags: fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }) }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...keys), ns: fc.constantFrom(...namespaces), value: valueArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...keys), ns: fc.constantFrom(...namespaces) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('touch' as const), key: fc.constantFrom(...keys), ns: fc.constantFrom(...namespaces) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('load' as const),
      entries: fc.uniqueArray(
        fc.tuple(fc.constantFrom(...keys), fc.uniqueArray(fc.tuple(fc.constantFrom(...namespaces), valueArb), { minLength: 1, maxLength: 2, selector: ([ns]) => ns })),
        { maxLength: 2, selector: ([k]) => k },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'snapshot' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), which: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('read' as const), which: fc.nat(3), steps: fc.integer({ min: 1, max: 3 }) }) },
);

/** A deep copy of the model, as sorted rows: what a snapshot must hold. */
function rowsOfModel(model: Model): string[] {
  const rows: string[] = [];
  for (const [key, cells] of model) for (const [ns, cell] of cells) rows.push(JSON.stringify([key, ns, cell.value, cell.touched]));
  return rows.sort();
}

/** An open snapshot: its expected rows (deep-copied when taken), and a read in progress. */
interface OpenSnapshot {
  readonly snap: StateTableSnapshot<unknown>;
  readonly expected: string[];
  readonly reader: Iterator<{ key: unknown; cells: Map<Ns, Cell> }>;
  /** Rows read so far, serialized at the moment they were read. */
  readonly read: string[];
}

function readAll(open: OpenSnapshot, steps = Infinity): boolean {
  for (let i = 0; i < steps; i++) {
    const step = open.reader.next();
    if (step.done === true) return true;
    for (const [ns, cell] of step.value.cells) open.read.push(JSON.stringify([step.value.key, ns, cell.value, cell.touched]));
  }
  return false;
}

function runTable(ops: readonly Op[]): void {
  const table = new CopyOnWriteStateTable<unknown>();
  const model: Model = new Map();
  const open: OpenSnapshot[] = [];
  let now = 0;
  const finish = (o: OpenSnapshot) => {
    readAll(o);
    expect(o.read.slice().sort()).toEqual(o.expected);
  };
  for (const op of ops) {
    now++;
    switch (op.op) {
      case 'set': {
        table.set(op.key, op.key, op.ns, op.value, now);
        let cells = model.get(op.key);
        if (cells === undefined) model.set(op.key, (cells = new Map()));
        cells.set(op.ns, { value: structuredClone(op.value), touched: now });
        break;
      }
      case 'delete': {
        const cells = model.get(op.key);
        const had = cells?.delete(op.ns) ?? false;
        if (cells !== undefined && cells.size === 0) model.delete(op.key);
        expect(table.delete(op.key, op.ns)).toBe(had);
        break;
      }
      case 'touch': {
        table.touch(op.key, op.ns, now);
        const cell = model.get(op.key)?.get(op.ns);
        if (cell !== undefined) model.get(op.key)!.set(op.ns, { value: cell.value, touched: now });
        break;
      }
      case 'load': {
        table.load(op.entries.map(([key, cells]) => ({ key, ck: key, cells: cells.map(([ns, value]) => [ns, { value, touched: now }]) })));
        for (const [key, cells] of op.entries) model.set(key, new Map(cells.map(([ns, value]) => [ns, { value: structuredClone(value), touched: now }])));
        break;
      }
      case 'snapshot': {
        const snap = table.snapshot();
        open.push({ snap, expected: rowsOfModel(model), reader: snap.entries() as Iterator<{ key: unknown; cells: Map<Ns, Cell> }>, read: [] });
        break;
      }
      case 'release': {
        if (open.length === 0) break;
        const o = open.splice(op.which % open.length, 1)[0];
        finish(o);
        o.snap.release();
        break;
      }
      case 'read': {
        if (open.length === 0) break;
        const o = open[op.which % open.length];
        if (readAll(o, op.steps)) {
          // a finished read: check it, and start a fresh one (a snapshot may be read again)
          expect(o.read.slice().sort()).toEqual(o.expected);
          open[op.which % open.length] = { ...o, reader: o.snap.entries() as OpenSnapshot['reader'], read: [] };
        }
        break;
      }
    }
    // the live table always equals the model
    const live: string[] = [];
    for (const key of keys) for (const ns of namespaces) {
      const cell = table.getCell(key, ns);
      if (cell !== undefined) live.push(JSON.stringify([key, ns, cell.value, cell.touched]));
    }
    const modelRows = rowsOfModel(model);
    if (live.sort().join('\n') !== modelRows.join('\n')) expect(live).toEqual(modelRows);
    if (table.size !== model.size) expect(table.size).toBe(model.size);
  }
  for (const o of open) {
    finish(o);
    o.snap.release();
  }
}

describe('CopyOnWriteStateTable', () => {
  it('a snapshot holds exactly the table as it was when taken, whatever is written after it and however its read interleaves with writes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => runTable(ops)),
      { numRuns: 500 },
    );
  });

  it('reads a snapshot while writes go on: a key read live and then written is not read twice', () => {
    const table = new CopyOnWriteStateTable<number>();
    table.set('a', 'a', '', 1, 0);
    table.set('b', 'b', '', 2, 0);
    const snap = table.snapshot();
    const reader = snap.entries();
    const first = reader.next().value!;
    // write the key just read, and the one not read yet
    table.set(first.key as string, first.key, '', 10, 1);
    table.set(first.key === 'a' ? 'b' : 'a', first.key === 'a' ? 'b' : 'a', '', 20, 1);
    table.set('c', 'c', '', 30, 1);
    const rest = [...reader];
    const seen = [first, ...rest].map((e) => [e.key, e.cells.get('')!.value]);
    expect(seen.sort()).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    snap.release();
  });

  it('snapshot() is O(1): it copies nothing, and writes after it copy only the entries they touch', () => {
    const table = new CopyOnWriteStateTable<number>();
    for (let k = 0; k < 10_000; k++) table.set(k, k, '', k, 0);
    const entriesBefore = [...table.liveEntries()];
    const snap = table.snapshot();
    // the snapshot shares every entry with the live table
    expect([...table.liveEntries()].every((e, i) => e === entriesBefore[i])).toBe(true);
    expect(snap.overlay.size).toBe(0);
    table.set(5, 5, '', -5, 1);
    table.set(5, 5, 'w', -6, 1);
    table.delete(6, '');
    table.set(10_000, 10_000, '', 1, 1);
    // two old entries kept (5 and 6), one absent marker (10000); the rest still shared
    expect(snap.overlay.size).toBe(3);
    const live = [...table.liveEntries()];
    const shared = new Set(entriesBefore);
    expect(live.filter((e) => shared.has(e)).length).toBe(10_000 - 2);
    const values = new Map([...snap.entries()].map((e) => [e.key, e.cells.get('')!.value]));
    expect(values.size).toBe(10_000);
    expect(values.get(5)).toBe(5);
    expect(values.get(6)).toBe(6);
    expect(values.has(10_000)).toBe(false);
    snap.release();
    // released: writes no longer copy
    const e7 = live.find((e) => e.key === 7)!;
    table.set(7, 7, '', 70, 2);
    expect([...table.liveEntries()].find((e) => e.key === 7)).toBe(e7);
  });
});

// ── the backend ───────────────────────────────────────────────────────────

type BackendOp =
  | { op: 'value'; key: Key; v: number }
  | { op: 'recipe'; key: Key }
  | { op: 'list'; key: Key; v: number }
  | { op: 'clearValue'; key: Key }
  | { op: 'clearList'; key: Key }
  | { op: 'snapshot' }
  | { op: 'toData'; which: number };

const backendOpArb: fc.Arbitrary<BackendOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('value' as const), key: fc.constantFrom(...keys), v: fc.integer({ min: 0, max: 99 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('recipe' as const), key: fc.constantFrom(...keys) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('list' as const), key: fc.constantFrom(...keys), v: fc.integer({ min: 0, max: 99 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('clearValue' as const), key: fc.constantFrom(...keys) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clearList' as const), key: fc.constantFrom(...keys) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'snapshot' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('toData' as const), which: fc.nat(3) }) },
);

interface Doc {
  readonly count: number;
  readonly history: readonly number[];
}

/** toData() as sorted rows `[state, key, value]`, checking each key sits in the group keyGroupOf names. */
function rowsOfData(data: KeyedStateSnapshotData): string[] {
  const rows: string[] = [];
  for (const [name, state] of Object.entries(data.states)) {
    for (const entries of Object.values(state.keyGroups)) {
      for (const [key, cells] of entries) {
        for (const [ns, value] of cells) {
          expect(ns).toBe('');
          rows.push(JSON.stringify([name, key, value]));
        }
      }
    }
  }
  return rows.sort();
}

describe('HeapKeyedStateBackend snapshots', () => {
  it('toData() of a snapshot taken mid-stream equals a deep copy taken at snapshot time, whatever is written after it', () => {
    fc.assert(
      fc.property(fc.array(backendOpArb, { minLength: 1, maxLength: 50 }), (ops) => {
        const backend = new HeapKeyedStateBackend('test', { processingTime: () => 0, eventTime: () => 0 });
        const docs = valueState<Doc>('doc', { count: 0, history: [] });
        const lists = listState<number>('list');
        const model = { doc: new Map<Key, Doc>(), list: new Map<Key, number[]>() };
        const open: { snap: ReturnType<HeapKeyedStateBackend['snapshot']>; expected: string[] }[] = [];
        const expectedRows = (): string[] => {
          const rows: string[] = [];
          for (const [key, doc] of model.doc) rows.push(JSON.stringify(['doc', key, doc]));
          for (const [key, list] of model.list) rows.push(JSON.stringify(['list', key, list]));
          return rows.sort();
        };
        // declare both states up front, so every snapshot has both tables
        backend.register(docs);
        backend.register(lists);
        for (const op of ops) {
          switch (op.op) {
            case 'value': {
              const doc = { count: op.v, history: [op.v] };
              backend.value(docs, backend.scopeOf(op.key)).update(doc);
              model.doc.set(op.key, structuredClone(doc));
              break;
            }
            case 'recipe': {
              backend.value(docs, backend.scopeOf(op.key)).update((d) => {
                d.count++;
                d.history.push(d.count);
              });
              const old = model.doc.get(op.key) ?? { count: 0, history: [] };
              model.doc.set(op.key, { count: old.count + 1, history: [...old.history, old.count + 1] });
              break;
            }
            case 'list':
              backend.list(lists, backend.scopeOf(op.key)).add(op.v);
              model.list.set(op.key, [...(model.list.get(op.key) ?? []), op.v]);
              break;
            case 'clearValue':
              backend.value(docs, backend.scopeOf(op.key)).clear();
              model.doc.delete(op.key);
              break;
            case 'clearList':
              backend.list(lists, backend.scopeOf(op.key)).clear();
              model.list.delete(op.key);
              break;
            case 'snapshot':
              open.push({ snap: backend.snapshot(), expected: expectedRows() });
              break;
            case 'toData': {
              if (open.length === 0) break;
              const { snap, expected } = open.splice(op.which % open.length, 1)[0];
              expect(rowsOfData(snap.toData())).toEqual(expected);
              break;
            }
          }
        }
        for (const { snap, expected } of open) expect(rowsOfData(snap.toData())).toEqual(expected);
        // and the live state equals the model
        for (const key of keys) {
          expect(backend.value(docs, backend.scopeOf(key)).value()).toEqual(model.doc.get(key) ?? { count: 0, history: [] });
          expect(backend.list(lists, backend.scopeOf(key)).get()).toEqual(model.list.get(key) ?? []);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a snapshot taken in the middle of a stream of 10,000 keys is unaffected by the writes that follow', () => {
    const backend = new HeapKeyedStateBackend('test', { processingTime: () => 0, eventTime: () => 0 });
    const counts = valueState('count', 0);
    const tags = mapState<string, { seen: number }>('tags');
    for (let k = 0; k < 10_000; k++) {
      const scope = backend.scopeOf(`k${k}`);
      backend.value(counts, scope).update(k);
      backend.map(tags, scope).put('t', { seen: k });
    }
    const snap = backend.snapshot();
    for (let k = 0; k < 10_000; k += 2) {
      const scope = backend.scopeOf(`k${k}`);
      backend.value(counts, scope).update((n) => n + 1_000_000);
      backend.map(tags, scope).update('t', { seen: 0 }, (d) => {
        d.seen = -1;
      });
    }
    for (let k = 1; k < 10_000; k += 4) backend.value(counts, backend.scopeOf(`k${k}`)).clear();
    for (let k = 10_000; k < 11_000; k++) backend.value(counts, backend.scopeOf(`k${k}`)).update(k);
    const data = snap.toData();
    const seenCounts = new Map<unknown, unknown>();
    for (const entries of Object.values(data.states.count.keyGroups)) for (const [key, cells] of entries) seenCounts.set(key, cells[0][1]);
    expect(seenCounts.size).toBe(10_000);
    for (let k = 0; k < 10_000; k++) expect(seenCounts.get(`k${k}`)).toBe(k);
    const seenTags: unknown[] = [];
    for (const entries of Object.values(data.states.tags.keyGroups)) for (const [, cells] of entries) for (const [, value] of cells) seenTags.push(value);
    expect(seenTags).toHaveLength(10_000);
    expect(seenTags.every((v) => Array.isArray(v) && (v[1] as { seen: number }).seen >= 0)).toBe(true);
  });

  it('toData() survives a JSON round trip and restores the same state', () => {
    const backend = new HeapKeyedStateBackend('test', { processingTime: () => 0, eventTime: () => 0 });
    const doc = valueState('doc', { count: 0 });
    const tags = mapState<string, number>('tags');
    backend.value(doc, backend.scopeOf({ user: 'u1', region: 'eu' })).update({ count: 3 });
    backend.map(tags, backend.scopeOf('u2')).put('x', 1);
    backend.list(listState<string>('log'), backend.scopeOf(7)).addAll(['a', 'b']);
    const data = JSON.parse(JSON.stringify(backend.snapshot().toData())) as KeyedStateSnapshotData;
    const restored = new HeapKeyedStateBackend('test', { processingTime: () => 0, eventTime: () => 0 });
    restored.restore([data], { start: 0, end: 127 });
    expect(restored.value(doc, restored.scopeOf({ region: 'eu', user: 'u1' })).value()).toEqual({ count: 3 });
    expect(restored.map(tags, restored.scopeOf('u2')).entries()).toEqual([['x', 1]]);
    expect(restored.list(listState<string>('log'), restored.scopeOf(7)).get()).toEqual(['a', 'b']);
  });
});
