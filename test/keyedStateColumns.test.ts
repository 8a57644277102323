/**
 * Keyed state in columns (format 2, `KeyedStateSnapshot.toColumns()`), the
 * layout checkpoints store: it holds exactly what the entries of format 1
 * (`toData()`) hold, whatever is written after the snapshot; it round-trips
 * through the serializer and the envelope into a restored backend (values of
 * every exact type, last-access times, several namespaces per key); restore
 * keeps the key groups of its range; format 1 still restores; an unknown
 * format or columns that do not fit give typed errors, as does any damage to
 * the envelope around them.
 */
import { inspect, isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import {
  allKeyGroups,
  HeapKeyedStateBackend,
  keyGroupOf,
  keyGroupRangeFor,
  listState,
  mapState,
  valueState,
  type KeyedStateSnapshotData,
} from '../src';
import { deserialize, serialize } from '../src/checkpoint/serializer';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_HEADER_LENGTH } from '../src/checkpoint/snapshotFormat';
import { CheckpointCorruptedError, CheckpointVersionError, StreamLiteError } from '../src/core/errors';
import type { KeyedStateColumns, KeyGroupColumns } from '../src/state/HeapKeyedStateBackend';
import { thrownBy } from './support/errorOf';

type Clocks = { processing: number; event: number };
const clocked = (clocks: Clocks = { processing: 0, event: 0 }) =>
  new HeapKeyedStateBackend('columns', { processingTime: () => clocks.processing, eventTime: () => clocks.event });

/** Every cell of format-1 data as sorted rows `[state, key, namespace, value, touched]`. */
function rowsOfEntries(data: KeyedStateSnapshotData): string[] {
  const rows: string[] = [];
  for (const [name, state] of Object.entries(data.states)) {
    for (const [group, entries] of Object.entries(state.keyGroups)) {
      for (const [key, cells] of entries) {
        expect(keyGroupOf(key)).toBe(Number(group));
        for (const [ns, value, touched] of cells) rows.push(JSON.stringify([name, key, ns, value, touched]));
      }
    }
  }
  return rows.sort();
}

/** The same rows from format-2 data. */
function rowsOfColumns(data: KeyedStateColumns): string[] {
  const rows: string[] = [];
  for (const [name, state] of Object.entries(data.states)) {
    for (const [group, g] of Object.entries(state.keyGroups)) {
      let c = 0;
      g.keys.forEach((key, i) => {
        expect(keyGroupOf(key)).toBe(Number(group));
        const n = g.cellCounts?.[i] ?? 1;
        for (const end = c + n; c < end; c++) {
          rows.push(JSON.stringify([name, key, g.namespaces?.[c] ?? '', g.values[c], (g.touchedBase ?? 0) + g.touched[c]]));
        }
      });
      expect(c).toBe(g.values.length);
    }
  }
  return rows.sort();
}

const expectExact = (actual: unknown, expected: unknown): void => {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`differs:\n  expected ${inspect(expected, { depth: 6 })}\n  actual   ${inspect(actual, { depth: 6 })}`);
  }
};

// ── the same content as format 1 ────────────────────────────────────────────

type Op =
  | { op: 'value'; key: string | number; v: number }
  | { op: 'window'; key: string | number; ns: number; v: number }
  | { op: 'tag'; key: string | number; tag: string; v: number }
  | { op: 'clear'; key: string | number }
  | { op: 'clearWindow'; key: string | number; ns: number }
  | { op: 'tick' }
  | { op: 'snapshot' }
  | { op: 'check'; which: number };

const keyArb = fc.constantFrom<string | number>('a', 'b', 'c', 1, 2, '\u0000x');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('value' as const), key: keyArb, v: fc.integer({ min: -5, max: 99 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('window' as const), key: keyArb, ns: fc.integer({ min: 0, max: 3 }), v: fc.integer() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tag' as const), key: keyArb, tag: fc.constantFrom('x', 'y'), v: fc.integer() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('clear' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clearWindow' as const), key: keyArb, ns: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'tick' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'snapshot' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('check' as const), which: fc.nat(3) }) },
);

describe('toColumns()', () => {
  it('holds exactly what toData() holds for a snapshot taken at the same moment, whatever is written after it (property)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const clocks = { processing: 1_700_000_000_000, event: 0 };
        const backend = clocked(clocks);
        const values = valueState('v', 0);
        const windows = valueState('w', 0);
        const tags = mapState<string, number>('tags');
        const expiring = valueState('ttl', 0, { ttl: { ttl: 3 } });
        const open: { entries: ReturnType<HeapKeyedStateBackend['snapshot']>; columns: ReturnType<HeapKeyedStateBackend['snapshot']> }[] = [];
        const check = (o: (typeof open)[number]) => {
          const columns = o.columns.toColumns();
          expect(columns.formatVersion).toBe(2);
          expect(rowsOfColumns(columns)).toEqual(rowsOfEntries(o.entries.toData()));
        };
        for (const op of ops) {
          switch (op.op) {
            case 'value':
              backend.value(values, backend.scopeOf(op.key)).update(op.v);
              backend.value(expiring, backend.scopeOf(op.key)).update(op.v);
              break;
            case 'window':
              backend.value(windows, backend.scopeOf(op.key), op.ns).update(op.v);
              break;
            case 'tag':
              backend.map(tags, backend.scopeOf(op.key)).put(op.tag, op.v);
              break;
            case 'clear':
              backend.value(values, backend.scopeOf(op.key)).clear();
              backend.map(tags, backend.scopeOf(op.key)).clear();
              break;
            case 'clearWindow':
              backend.value(windows, backend.scopeOf(op.key), op.ns).clear();
              break;
            case 'tick':
              clocks.processing += 2;
              break;
            case 'snapshot':
              open.push({ entries: backend.snapshot(), columns: backend.snapshot() });
              break;
            case 'check':
              if (open.length > 0) check(open.splice(op.which % open.length, 1)[0]);
              break;
          }
        }
        for (const o of open) check(o);
      }),
      { numRuns: 300 },
    );
  });

  it('writes one flat column per field and key group, leaving out what every cell shares', () => {
    const clocks = { processing: 1_700_000_000_000, event: 0 };
    const backend = clocked(clocks);
    // with a TTL, so that writes carry access times (without one they are 0: no clock is read)
    const d = valueState('v', 0, { ttl: { ttl: 3_600_000 } });
    for (let i = 0; i < 1000; i++) {
      if (i % 100 === 0) clocks.processing += 7;
      backend.value(d, backend.scopeOf(`k${i}`)).update(i);
    }
    const data = backend.snapshot().toColumns();
    const groups = Object.values(data.states.v.keyGroups);
    expect(groups.length).toBeGreaterThan(100);
    let keys = 0;
    for (const g of groups) {
      expect(Object.keys(g).sort()).toEqual(['keys', 'touched', 'touchedBase', 'values']);
      expect(g.values).toHaveLength(g.keys.length);
      expect(g.touchedBase).toBeGreaterThanOrEqual(1_700_000_000_007);
      expect(Math.max(...g.touched)).toBeLessThanOrEqual(70);
      keys += g.keys.length;
    }
    expect(keys).toBe(1000);
    // and it is smaller than the entries of format 1
    expect(serialize(data).length).toBeLessThan(serialize(backend.snapshot().toData()).length);
  });
});

// ── round trips ─────────────────────────────────────────────────────────────

/** Through the serializer and the checkpoint envelope, as a checkpoint goes. */
const throughCheckpoint = <T>(data: T): T => deserialize(decodeSnapshot(encodeSnapshot(serialize(data)))) as T;

describe('restore from columns', () => {
  it('gives back every value exactly (Map, Set, Date, BigInt, typed arrays, -0), and every namespace', () => {
    const backend = clocked();
    const profile = valueState<unknown>('profile', undefined);
    const windows = valueState<unknown>('windows', undefined);
    const tags = mapState<string, unknown>('tags');
    const log = listState<unknown>('log');
    const expected = new Map<string, unknown>();
    for (let i = 0; i < 300; i++) {
      const key = `user-${i}`;
      const v = { count: i, seen: new Set([i, -0]), last: new Date(i), total: BigInt(i) ** 5n, hist: new Float64Array([i, -0]), by: new Map([[i, -0]]) };
      expected.set(key, v);
      const s = backend.scopeOf(key);
      backend.value(profile, s).update(v);
      backend.value(windows, s, i).update(-0);
      backend.value(windows, s, 'late').update([i, -0]);
      backend.map(tags, s).put(`t${i % 3}`, new Uint16Array([i]));
      backend.list(log, s).addAll([i, -0, 10n ** 30n]);
    }
    const restored = clocked();
    restored.restore([throughCheckpoint(backend.snapshot().toColumns())], allKeyGroups(), [profile, windows, tags, log]);
    for (const [key, v] of expected) {
      const i = Number(key.slice(5));
      const s = restored.scopeOf(key);
      expectExact(restored.value(profile, s).value(), v);
      expectExact(restored.value(windows, s, i).value(), -0);
      expectExact(restored.value(windows, s, 'late').value(), [i, -0]);
      expectExact(restored.map(tags, s).entries(), [[`t${i % 3}`, new Uint16Array([i])]]);
      expectExact(restored.list(log, s).get(), [i, -0, 10n ** 30n]);
    }
    // restored values are immutable, as written ones are
    expect(Object.isFrozen(restored.value(profile, restored.scopeOf('user-1')).value())).toBe(true);
    expect(restored.sizes()).toEqual(backend.sizes());
  });

  it('keeps last-access times exactly: restored values expire when they would have (integer and fractional clocks)', () => {
    for (const start of [1_700_000_000_000, 0.25, -40]) {
      const clocks = { processing: start, event: 0 };
      const backend = clocked(clocks);
      const d = valueState('v', 0, { ttl: { ttl: 10 } });
      backend.value(d, backend.scopeOf('old')).update(1);
      clocks.processing = start + 5;
      backend.value(d, backend.scopeOf('young')).update(2);
      const data = throughCheckpoint(backend.snapshot().toColumns());
      const after = { processing: start + 9, event: 0 };
      const restored = clocked(after);
      restored.restore([data], allKeyGroups());
      expect(restored.value(d, restored.scopeOf('old')).value()).toBe(1);
      after.processing = start + 10;
      expect(restored.value(d, restored.scopeOf('old')).value()).toBe(0);
      expect(restored.value(d, restored.scopeOf('young')).value()).toBe(2);
      after.processing = start + 15;
      expect(restored.value(d, restored.scopeOf('young')).value()).toBe(0);
    }
  });

  it('loads only the key groups of its range: restored onto 3 instances, each key is on exactly one', () => {
    const backend = clocked();
    const d = valueState('v', 0);
    const keys: unknown[] = [];
    for (let i = 0; i < 600; i++) keys.push(i % 3 === 0 ? `k${i}` : i % 3 === 1 ? i : { id: i });
    keys.forEach((key, i) => backend.value(d, backend.scopeOf(key)).update(i));
    const data = throughCheckpoint(backend.snapshot().toColumns());
    const instances = [0, 1, 2].map((i) => {
      const b = clocked();
      b.restore([data], keyGroupRangeFor(i, 3));
      return b;
    });
    keys.forEach((key, i) => {
      const group = keyGroupOf(key);
      instances.forEach((b, j) => {
        const range = keyGroupRangeFor(j, 3);
        const owns = group >= range.start && group <= range.end;
        expect([key, j, b.value(d, b.scopeOf(key)).value()]).toEqual([key, j, owns ? i : 0]);
      });
    });
    expect(instances.reduce((n, b) => n + b.sizes().v, 0)).toBe(600);
  });

  it('restores format 1 (entries) as before, and both formats mixed (snapshots of several former instances)', () => {
    const a = clocked();
    const b = clocked();
    const d = valueState('v', 0);
    a.value(d, a.scopeOf('from-a')).update(1);
    b.value(d, b.scopeOf('from-b')).update(2);
    const restored = clocked();
    restored.restore([throughCheckpoint(a.snapshot().toData()), throughCheckpoint(b.snapshot().toColumns())], allKeyGroups());
    expect(restored.value(d, restored.scopeOf('from-a')).value()).toBe(1);
    expect(restored.value(d, restored.scopeOf('from-b')).value()).toBe(2);
  });

  it('replaces live keys and leaves an active snapshot as it was', () => {
    const backend = clocked();
    const d = valueState('v', 0);
    backend.value(d, backend.scopeOf('a')).update(1);
    backend.value(d, backend.scopeOf('b')).update(2);
    const other = clocked();
    other.value(d, other.scopeOf('a')).update(10);
    other.value(d, other.scopeOf('c')).update(30);
    const before = backend.snapshot();
    backend.restore([other.snapshot().toColumns()], allKeyGroups());
    expect(['a', 'b', 'c'].map((k) => backend.value(d, backend.scopeOf(k)).value())).toEqual([10, 2, 30]);
    expect(rowsOfColumns(before.toColumns())).toEqual([JSON.stringify(['v', 'a', '', 1, 0]), JSON.stringify(['v', 'b', '', 2, 0])]);
  });
});

// ── what is refused ─────────────────────────────────────────────────────────

describe('an unknown or damaged format', () => {
  const columnsOf = (g: Record<string, unknown>): KeyedStateColumns =>
    ({ formatVersion: 2, maxParallelism: 128, states: { v: { kind: 'value', keyGroups: { 3: g as unknown as KeyGroupColumns } } } }) as KeyedStateColumns;

  it('refuses an unknown keyed-state format version with the typed error it always gave', () => {
    const backend = clocked();
    backend.value(valueState('v', 0), backend.scopeOf('a')).update(1);
    const data = { ...backend.snapshot().toColumns(), formatVersion: 3 } as unknown as KeyedStateColumns;
    const err = thrownBy(() => clocked().restore([data], allKeyGroups()));
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toBe('columns: unsupported keyed state format version 3');
  });

  it.each([
    ['values shorter than keys', { keys: ['a', 'b'], values: [1], touched: [0, 0] }, '2 cells, but 1 values and 2 access times'],
    ['access times missing', { keys: ['a'], values: [1] }, 'keys, values and touched must be arrays'],
    ['cell counts that do not add up', { keys: ['a'], cellCounts: [2], values: [1], touched: [0] }, '2 cells, but 1 values and 1 access times'],
    ['a cell count of 0', { keys: ['a'], cellCounts: [0], values: [], touched: [] }, 'cell count 0'],
    ['namespaces of another length', { keys: ['a'], namespaces: ['', 'w'], values: [1], touched: [0] }, 'namespaces must have one namespace per cell'],
    ['a touchedBase that is not a number', { keys: ['a'], values: [1], touched: [0], touchedBase: '1' }, 'touchedBase must be a number'],
  ])('refuses columns that do not fit together (%s), loading nothing of that key group', (_, g, detail) => {
    const restored = clocked();
    const err = thrownBy(() => restored.restore([columnsOf(g)], allKeyGroups()));
    expect(err).toBeInstanceOf(StreamLiteError);
    expect((err as Error).message).toBe(`columns: malformed keyed state 'v', key group 3: ${detail}`);
    expect(restored.sizes().v).toBe(0);
  });

  it('detects damage to a checkpoint of columns before decoding it (CheckpointCorruptedError), and an unknown envelope version (CheckpointVersionError)', () => {
    const backend = clocked();
    for (let i = 0; i < 100; i++) backend.value(valueState('v', 0), backend.scopeOf(`k${i}`)).update(i);
    const bytes = encodeSnapshot(serialize(backend.snapshot().toColumns()));
    const flipped = bytes.slice();
    flipped[SNAPSHOT_HEADER_LENGTH + 40] ^= 0x10;
    const corrupted = thrownBy(() => decodeSnapshot(flipped, { checkpointId: 4 }));
    expect(corrupted).toBeInstanceOf(CheckpointCorruptedError);
    expect((corrupted as CheckpointCorruptedError).reason).toBe('checksum-mismatch');
    const future = bytes.slice();
    future[5] = 9;
    expect(thrownBy(() => decodeSnapshot(future, { checkpointId: 4 }))).toBeInstanceOf(CheckpointVersionError);
  });
});
