/**
 * State TTL on the heap backend, with hand-driven clocks (processing time and
 * the watermark) against a brute-force model: an expired value is never
 * returned; onCreateAndWrite refreshes on writes only, onReadAndWrite on
 * successful reads too; expired values are cleaned up as state is accessed and
 * left out of snapshots — judged by the clocks when the snapshot was taken.
 * (The same in virtual time through keyedProcess: marbles/state/ttl.spec.ts.)
 */
import fc from 'fast-check';
import { HeapKeyedStateBackend, listState, mapState, valueState, type KeyedStateSnapshotData, type StateTtlConfig } from '../src';

function clockedBackend() {
  const clocks = { processing: 0, event: Number.MIN_SAFE_INTEGER };
  const backend = new HeapKeyedStateBackend('ttl', { processingTime: () => clocks.processing, eventTime: () => clocks.event });
  return { clocks, backend };
}

const keysOf = (data: KeyedStateSnapshotData, state: string): unknown[] =>
  Object.values(data.states[state]?.keyGroups ?? {}).flatMap((entries) => entries.map(([key]) => key));

describe('TTL: expired state is never returned', () => {
  type Op = { op: 'write' | 'read' | 'advance'; key: 'a' | 'b' | 'c'; by: number };
  const opArb: fc.Arbitrary<Op> = fc.record({
    op: fc.constantFrom('write', 'read', 'advance'),
    key: fc.constantFrom('a', 'b', 'c'),
    by: fc.integer({ min: 0, max: 12 }),
  });

  for (const domain of ['processing', 'event'] as const) {
    for (const update of ['onCreateAndWrite', 'onReadAndWrite'] as const) {
      it(`${domain} time, ${update}: a value is visible exactly while now < last refresh + ttl (brute-force model)`, () => {
        fc.assert(
          fc.property(fc.integer({ min: 1, max: 10 }), fc.array(opArb, { maxLength: 60 }), (ttl, ops) => {
            const { clocks, backend } = clockedBackend();
            clocks.event = 0;
            const cfg: StateTtlConfig = { ttl, update, timeDomain: domain };
            const d = valueState('v', -1, { ttl: cfg });
            const model = new Map<string, { value: number; refreshed: number }>();
            let now = 0;
            let written = 0;
            for (const op of ops) {
              const state = backend.value(d, backend.scopeOf(op.key));
              const m = model.get(op.key);
              const alive = m !== undefined && now < m.refreshed + ttl;
              if (m !== undefined && !alive) model.delete(op.key);
              switch (op.op) {
                case 'advance':
                  now += op.by;
                  if (domain === 'processing') clocks.processing = now;
                  else clocks.event = now;
                  break;
                case 'write':
                  state.update(++written);
                  model.set(op.key, { value: written, refreshed: now });
                  break;
                case 'read':
                  expect(state.value()).toBe(alive ? m.value : -1);
                  if (alive && update === 'onReadAndWrite') m.refreshed = now;
                  break;
              }
            }
          }),
          { numRuns: 300 },
        );
      });
    }
  }

  it('onCreateAndWrite: reads do not extend the life of a value; onReadAndWrite: they do', () => {
    for (const update of ['onCreateAndWrite', 'onReadAndWrite'] as const) {
      const { clocks, backend } = clockedBackend();
      const v = backend.value(valueState('v', 'none', { ttl: { ttl: 10, update } }), backend.scopeOf('k'));
      v.update('x');
      clocks.processing = 8;
      expect(v.value()).toBe('x');
      clocks.processing = 15;
      expect(v.value()).toBe(update === 'onReadAndWrite' ? 'x' : 'none');
    }
  });

  it('expires list and map state too, entry by entry for maps', () => {
    const { clocks, backend } = clockedBackend();
    const scope = backend.scopeOf('k');
    const list = backend.list(listState<number>('l', { ttl: { ttl: 10 } }), scope);
    const map = backend.map(mapState<string, number>('m', { ttl: { ttl: 10 } }), scope);
    list.add(1);
    map.put('old', 1);
    clocks.processing = 5;
    list.add(2); // a write refreshes the whole list
    map.put('new', 2);
    clocks.processing = 12;
    expect(list.get()).toEqual([1, 2]);
    expect(map.entries()).toEqual([['new', 2]]);
    expect(map.contains('old')).toBe(false);
    clocks.processing = 15;
    expect(list.get()).toEqual([]);
    expect(map.isEmpty()).toBe(true);
  });

  it('event-time TTL runs on the watermark, not on the processing clock', () => {
    const { clocks, backend } = clockedBackend();
    clocks.event = 100;
    const v = backend.value(valueState('v', 0, { ttl: { ttl: 50, timeDomain: 'event' } }), backend.scopeOf('k'));
    v.update(1);
    clocks.processing = 1_000_000;
    expect(v.value()).toBe(1);
    clocks.event = 149;
    expect(v.value()).toBe(1);
    clocks.event = 150;
    expect(v.value()).toBe(0);
  });
});

describe('TTL: cleanup', () => {
  it('removes expired values incrementally as TTL state is accessed, not only the key read', () => {
    const { clocks, backend } = clockedBackend();
    const d = valueState('v', 0, { ttl: { ttl: 10 } });
    for (let k = 0; k < 100; k++) backend.value(d, backend.scopeOf(k)).update(k);
    clocks.processing = 20;
    backend.value(d, backend.scopeOf('fresh')).update(1);
    expect(backend.sizes().v).toBe(101);
    for (let i = 0; i < 60; i++) backend.value(d, backend.scopeOf('fresh')).value();
    // each access checks a few more keys: after enough accesses every expired key is gone
    expect(backend.sizes().v).toBe(1);
  });

  it('purgeExpired() removes every expired value at once', () => {
    const { clocks, backend } = clockedBackend();
    const d = listState<number>('l', { ttl: { ttl: 10 } });
    for (let k = 0; k < 50; k++) backend.list(d, backend.scopeOf(k)).add(k);
    clocks.processing = 10;
    backend.purgeExpired();
    expect(backend.sizes().l).toBe(0);
  });

  it('leaves expired values out of a snapshot', () => {
    const { clocks, backend } = clockedBackend();
    const d = valueState('v', 0, { ttl: { ttl: 10 } });
    backend.value(d, backend.scopeOf('old')).update(1);
    clocks.processing = 5;
    backend.value(d, backend.scopeOf('young')).update(2);
    clocks.processing = 12;
    // 'old' expired at 10 but is still in the table (nobody read it)
    expect(backend.sizes().v).toBe(2);
    expect(keysOf(backend.snapshot().toData(), 'v')).toEqual(['young']);
  });

  it('judges expiry by the clocks when the snapshot was taken, not when it is serialized', () => {
    const { clocks, backend } = clockedBackend();
    clocks.event = 0;
    const p = valueState('p', 0, { ttl: { ttl: 10 } });
    const e = valueState('e', 0, { ttl: { ttl: 10, timeDomain: 'event' } });
    backend.value(p, backend.scopeOf('k')).update(1);
    backend.value(e, backend.scopeOf('k')).update(1);
    clocks.processing = 5;
    clocks.event = 5;
    const snap = backend.snapshot();
    // both values were alive at the snapshot; the clocks move on before it is written
    clocks.processing = 100;
    clocks.event = 100;
    const data = snap.toData();
    expect(keysOf(data, 'p')).toEqual(['k']);
    expect(keysOf(data, 'e')).toEqual(['k']);
    // and a restore keeps their last-access times: they expire when they would have
    const { clocks: c2, backend: restored } = clockedBackend();
    restored.restore([data], { start: 0, end: 127 });
    c2.processing = 9;
    c2.event = 9;
    expect(restored.value(p, restored.scopeOf('k')).value()).toBe(1);
    expect(restored.value(e, restored.scopeOf('k')).value()).toBe(1);
    c2.processing = 10;
    c2.event = 10;
    expect(restored.value(p, restored.scopeOf('k')).value()).toBe(0);
    expect(restored.value(e, restored.scopeOf('k')).value()).toBe(0);
  });

  it('state restored before it is declared takes the TTL of its declaration (expired values leave later snapshots)', () => {
    const { backend } = clockedBackend();
    const d = valueState('v', 0, { ttl: { ttl: 10 } });
    backend.value(d, backend.scopeOf('a')).update(1);
    const data = backend.snapshot().toData();
    const { clocks, backend: restored } = clockedBackend();
    restored.restore([data], { start: 0, end: 127 });
    // declared after the restore, with its TTL
    restored.register(d);
    clocks.processing = 50;
    expect(keysOf(restored.snapshot().toData(), 'v')).toEqual([]);
  });
});
