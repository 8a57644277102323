/**
 * The keyed value-state write and read path: a value-state handle keeps its
 * key's table entry and reads and writes it in place, without a table lookup
 * and without a clock when no TTL is declared. What that must not change:
 * - a snapshot (also one taken at a barrier in keyedProcess, while the calls
 *   after it keep writing through their kept handles) holds the values as of
 *   the snapshot: the first write after it still keeps the old entry;
 * - a handle whose entry was replaced (copied for a snapshot, deleted,
 *   restored over) — also after every snapshot is released — never writes
 *   into the old entry and reads the table's value;
 * - TTL: writes are stamped and values expire as before; a TTL declared for
 *   a state after writes without one counts from its declaration;
 * - without TTL no clock is read (value, list, map, reducing, aggregating).
 */
import fc from 'fast-check';
import { from, lastValueFrom, toArray, type Observable } from 'rxjs';
import {
  aggregatingState,
  avg,
  barrier,
  END_OF_INPUT,
  HeapKeyedStateBackend,
  keyedProcess,
  listState,
  mapState,
  MAX_WATERMARK,
  recordBatch,
  reducingState,
  valueState,
  watermark,
  type Element,
  type KeyedElement,
  type KeyedStateSnapshotData,
  type ValueState,
} from '../src';
import { withJob, type JobContext, type OperatorSnapshot } from '../src/checkpoint/JobContext';
import type { KeyedStateColumns } from '../src/state/HeapKeyedStateBackend';

function countingClocks() {
  const clocks = { processing: 1000, event: 0, reads: 0 };
  const backend = new HeapKeyedStateBackend('write-path', {
    processingTime: () => (clocks.reads++, clocks.processing),
    eventTime: () => (clocks.reads++, clocks.event),
  });
  return { clocks, backend };
}

const ALL = { start: 0, end: 127 };

/** `state → key → value` of format-1 data. */
function valuesOfData(data: KeyedStateSnapshotData, state: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entries of Object.values(data.states[state]?.keyGroups ?? {})) for (const [key, cells] of entries) out[String(key)] = cells[0][1];
  return out;
}

/** `key → value` of one state in format-2 data. */
function valuesOfColumns(data: KeyedStateColumns, state: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const g of Object.values(data.states[state]?.keyGroups ?? {})) g.keys.forEach((k, i) => (out[String(k)] = g.values[i]));
  return out;
}

describe('a value-state handle that keeps its entry', () => {
  it('leaves a snapshot the values as of the snapshot while it keeps writing in place', () => {
    const { backend } = countingClocks();
    const d = valueState('v', 0);
    const a = backend.value(d, backend.scopeOf('a'));
    const b = backend.value(d, backend.scopeOf('b'));
    a.update(1);
    b.update(10);
    a.update(2); // in place: no snapshot yet
    const s1 = backend.snapshot();
    a.update(3); // first write after the snapshot: copies
    a.update(4); // in place into the copy
    const s2 = backend.snapshot();
    a.update(5);
    b.update(11);
    expect(valuesOfData(s1.toData(), 'v')).toEqual({ a: 2, b: 10 });
    a.update(6);
    expect(valuesOfData(s2.toData(), 'v')).toEqual({ a: 4, b: 10 });
    expect(a.value()).toBe(6);
    expect(valuesOfData(backend.snapshot().toData(), 'v')).toEqual({ a: 6, b: 11 });
  });

  it('never writes into an entry another handle replaced, also once every snapshot is released', () => {
    const { backend } = countingClocks();
    const d = valueState('v', 0);
    const kept = backend.value(d, backend.scopeOf('a'));
    const other = backend.value(d, backend.scopeOf('a'));
    kept.update(1);
    const snap = backend.snapshot();
    other.update(2); // copies: the kept entry now belongs to the snapshot only
    snap.release(); // no snapshot left: nothing guards any version any more
    kept.update(3);
    expect(other.value()).toBe(3);
    expect(kept.value()).toBe(3);
    expect(valuesOfData(backend.snapshot().toData(), 'v')).toEqual({ a: 3 });
  });

  it('sees a clear() through another handle, and writes a new entry after it', () => {
    const { backend } = countingClocks();
    const d = valueState('v', -1);
    const kept = backend.value(d, backend.scopeOf('a'));
    kept.update(1);
    backend.value(d, backend.scopeOf('a')).clear();
    expect(kept.value()).toBe(-1);
    expect(backend.sizes().v).toBe(0);
    kept.update(5);
    expect(backend.value(d, backend.scopeOf('a')).value()).toBe(5);
    expect(backend.sizes().v).toBe(1);
  });

  it('reads what a restore loaded over its entry, and writes there', () => {
    const { backend } = countingClocks();
    const d = valueState('v', 0);
    const source = countingClocks().backend;
    source.value(d, source.scopeOf('a')).update(42);
    const data = source.snapshot().toColumns();
    const kept = backend.value(d, backend.scopeOf('a'));
    kept.update(1);
    backend.restore([data], ALL);
    expect(kept.value()).toBe(42);
    kept.update(43);
    expect(valuesOfData(backend.snapshot().toData(), 'v')).toEqual({ a: 43 });
  });

  it('follows a second namespace of the same key, and recipes', () => {
    const { backend } = countingClocks();
    const d = valueState<{ n: number }>('v', { n: 0 });
    const scope = backend.scopeOf('a');
    const plain = backend.value(d, scope);
    plain.update((s) => void (s.n += 1));
    const windowed = backend.value(d, scope, 7);
    windowed.update({ n: 100 });
    plain.update((s) => void (s.n += 1));
    expect(plain.value()).toEqual({ n: 2 });
    expect(windowed.value()).toEqual({ n: 100 });
    expect(Object.isFrozen(plain.value())).toBe(true);
  });

  it('matches a model that copies everything at each snapshot, for any mix of handles, writes, clears, snapshots and releases (property)', () => {
    type Op =
      | { op: 'write'; key: number; handle: number; v: number }
      | { op: 'read'; key: number; handle: number }
      | { op: 'clear'; key: number; handle: number }
      | { op: 'snapshot' }
      | { op: 'release'; which: number }
      | { op: 'check'; which: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('write' as const), key: fc.nat(3), handle: fc.nat(2), v: fc.integer({ min: 0, max: 99 }) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('read' as const), key: fc.nat(3), handle: fc.nat(2) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const), key: fc.nat(3), handle: fc.nat(2) }) },
      { weight: 2, arbitrary: fc.constant({ op: 'snapshot' as const }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), which: fc.nat(3) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('check' as const), which: fc.nat(3) }) },
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const { backend } = countingClocks();
        const d = valueState('v', -1);
        // per key, three handles kept for the whole run (as a key's actor keeps them)
        const handles: ValueState<number>[][] = [0, 1, 2, 3].map((k) => [0, 1, 2].map(() => backend.value(d, backend.scopeOf(`k${k}`))));
        const model = new Map<string, number>();
        const open: { snap: ReturnType<HeapKeyedStateBackend['snapshot']>; copy: Record<string, number> }[] = [];
        for (const op of ops) {
          switch (op.op) {
            case 'write':
              handles[op.key][op.handle].update(op.v);
              model.set(`k${op.key}`, op.v);
              break;
            case 'read':
              expect(handles[op.key][op.handle].value()).toBe(model.get(`k${op.key}`) ?? -1);
              break;
            case 'clear':
              handles[op.key][op.handle].clear();
              model.delete(`k${op.key}`);
              break;
            case 'snapshot':
              open.push({ snap: backend.snapshot(), copy: Object.fromEntries(model) });
              break;
            case 'release':
              if (open.length > 0) open.splice(op.which % open.length, 1)[0].snap.release();
              break;
            case 'check':
              if (open.length > 0) {
                const o = open.splice(op.which % open.length, 1)[0];
                expect(valuesOfData(o.snap.toData(), 'v')).toEqual(o.copy);
              }
              break;
          }
        }
        for (const o of open) expect(valuesOfData(o.snap.toData(), 'v')).toEqual(o.copy);
        for (let k = 0; k < 4; k++) for (const h of handles[k]) expect(h.value()).toBe(model.get(`k${k}`) ?? -1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('clocks and TTL', () => {
  it('reads no clock for any kind of state without TTL', () => {
    const { clocks, backend } = countingClocks();
    const s = backend.scopeOf('a');
    const v = backend.value(valueState('v', 0), s);
    v.update(1);
    v.update((x) => x + 1);
    v.value();
    const l = backend.list(listState<number>('l'), s);
    l.add(1);
    l.get();
    const m = backend.map(mapState<string, number>('m'), s);
    m.put('x', 1);
    m.get('x');
    const r = backend.reducing(reducingState<number>('r', (a, b) => a + b), s);
    r.add(1);
    r.get();
    const g = backend.aggregating(aggregatingState('g', avg((x: number) => x)), s);
    g.add(2);
    g.get();
    v.clear();
    expect(clocks.reads).toBe(0);
  });

  it('stamps writes with a TTL and expires them, also through a handle that keeps its entry', () => {
    const { clocks, backend } = countingClocks();
    const d = valueState('v', 0, { ttl: { ttl: 10 } });
    const h = backend.value(d, backend.scopeOf('a'));
    clocks.processing = 100;
    h.update(1);
    clocks.processing = 105;
    h.update(2); // in place, restamped at 105
    expect(clocks.reads).toBeGreaterThan(0);
    const data = backend.snapshot().toData();
    expect(data.states.v.keyGroups[Object.keys(data.states.v.keyGroups)[0] as unknown as number][0][1]).toEqual([['', 2, 105]]);
    clocks.processing = 114;
    expect(h.value()).toBe(2);
    clocks.processing = 115;
    expect(h.value()).toBe(0);
    expect(backend.sizes().v).toBe(0);
    h.update(3); // after the expiry removed the entry: a new one
    expect(backend.value(d, backend.scopeOf('a')).value()).toBe(3);
  });

  it('a TTL declared for a state after writes without one counts from its declaration; later writes without TTL are stamped', () => {
    const { clocks, backend } = countingClocks();
    const plain = valueState('v', 0);
    const withTtl = valueState('v', 0, { ttl: { ttl: 10 } });
    const h = backend.value(plain, backend.scopeOf('a'));
    clocks.processing = 50;
    h.update(1);
    expect(clocks.reads).toBe(0);
    clocks.processing = 200;
    const t = backend.value(withTtl, backend.scopeOf('a')); // declares the TTL: 'a' counts from 200
    clocks.processing = 209;
    expect(t.value()).toBe(1);
    h.update(2); // stamped 209 though its descriptor has no TTL
    clocks.processing = 218;
    expect(t.value()).toBe(2);
    clocks.processing = 219;
    expect(t.value()).toBe(0);
  });
});

describe('restoring values written without TTL into a job that declares one', () => {
  it.each(['format 1', 'format 2'])('counts them from the declaration (%s), not from 0', (format) => {
    const first = countingClocks();
    first.backend.value(valueState('v', 0), first.backend.scopeOf('a')).update(7);
    const snap = first.backend.snapshot();
    const data = format === 'format 1' ? snap.toData() : snap.toColumns();
    const { clocks, backend } = countingClocks();
    clocks.processing = 5000;
    backend.restore([data], ALL);
    const t = backend.value(valueState('v', 0, { ttl: { ttl: 10 } }), backend.scopeOf('a')); // declared at 5000
    clocks.processing = 5009;
    expect(t.value()).toBe(7);
    clocks.processing = 5010;
    expect(t.value()).toBe(0);
  });
});

describe('keyedProcess: a checkpoint at a barrier while asynchronous calls keep writing', () => {
  it('holds the values as of the barrier, for every key, however the calls after it write', async () => {
    const keys = ['a', 'b', 'c'];
    const before: [number, string][] = Array.from({ length: 30 }, (_, i) => [i + 1, keys[i % 3]]);
    const after: [number, string][] = Array.from({ length: 30 }, (_, i) => [100 + i, keys[(i * 7) % 3]]);
    const batch = (rs: [number, string][], from0: number) =>
      recordBatch(
        rs.map(([v]) => v),
        rs.map((_, j) => from0 + j),
        rs.map(([, k]) => k),
      );
    const input = from([batch(before.slice(0, 17), 0), batch(before.slice(17), 17), barrier(1), batch(after.slice(0, 11), 30), batch(after.slice(11), 41), watermark(MAX_WATERMARK), END_OF_INPUT]) as Observable<
      KeyedElement<number, string>
    >;
    const snapshots: OperatorSnapshot[] = [];
    const job = {
      clock: () => 0,
      registerOperator: (_kind: string, name: string | undefined) => ({ name: name ?? 'op', restored: undefined, snapshotted: (_b: unknown, s: OperatorSnapshot) => void snapshots.push(s) }),
      registerSource: () => {
        throw new Error('no sources here');
      },
      registerSink: () => {
        throw new Error('no sinks here');
      },
    } as unknown as JobContext;
    // subscribed under the job (subscription runs synchronously), as a job subscribes its pipeline
    const out = await withJob(job, () =>
      lastValueFrom(
        input.pipe(
          keyedProcess<number, string, string>(
            async (v, ctx, o) => {
              const sum = ctx.getValueState('sum', 0);
              const n = ctx.getValueState('n', 0);
              sum.update(sum.value() + v);
              await Promise.resolve();
              n.update((x) => x + 1);
              sum.update(sum.value() * 2 - sum.value()); // a second write in the same call
              o.collect(`${ctx.key}:${sum.value()}:${n.value()}`);
            },
            { maxInFlight: 5 },
          ),
          toArray(),
        ),
      ),
    );
    expect(out.filter((e: Element<string>) => e.kind === 'batch').flatMap((e) => (e.kind === 'batch' ? [...e.values] : []))).toHaveLength(60);
    expect(snapshots).toHaveLength(1);
    // serialized only now, after every call after the barrier has written
    const data = (snapshots[0].toData() as { state: KeyedStateColumns }).state;
    const sums: Record<string, number> = {};
    const counts: Record<string, number> = {};
    for (const [v, k] of before) {
      sums[k] = (sums[k] ?? 0) + v;
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(valuesOfColumns(data, 'sum')).toEqual(sums);
    expect(valuesOfColumns(data, 'n')).toEqual(counts);
  });
});
