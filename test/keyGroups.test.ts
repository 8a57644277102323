/**
 * Key groups: a stable hash (murmur3 x86-32 over the key's canonical form as
 * UTF-16LE, checked against an independent byte-wise implementation and the
 * published test vectors), pinned key → group values, structural equality of
 * composite keys, Flink's range formula, and snapshot/restore per key group
 * onto a different number of instances (1 → 3 and 3 → 2) for state and timers.
 */
import fc from 'fast-check';
import { queueScheduler } from 'rxjs';
import {
  aggregatingState,
  allKeyGroups,
  avg,
  HeapKeyedStateBackend,
  inKeyGroupRange,
  InvalidArgumentError,
  keyGroupOf,
  keyGroupRangeFor,
  listState,
  mapState,
  reducingState,
  valueState,
  type KeyedStateSnapshotData,
  type KeyGroupRange,
} from '../src';
import { murmur3 } from '../src/state/keyGroups';
import { EventTimeScheduler } from '../src/time/EventTimeScheduler';
import { KeyedTimers, type TimersSnapshotData } from '../src/time/TimerService';
import { thrownBy } from './support/errorOf';

/** MurmurHash3 x86 32-bit over bytes, written from the reference C code (not from the engine). */
function murmur3Bytes(bytes: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  const mix = (k: number) => Math.imul(rotl(Math.imul(k, c1), 15), c2);
  let h = seed >>> 0;
  const blocks = bytes.length >> 2;
  for (let b = 0; b < blocks; b++) {
    const i = 4 * b;
    h ^= mix(bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    h = (Math.imul(rotl(h, 13), 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  let k = 0;
  const rest = bytes.length & 3;
  if (rest >= 3) k ^= bytes[tail + 2] << 16;
  if (rest >= 2) k ^= bytes[tail + 1] << 8;
  if (rest >= 1) {
    k ^= bytes[tail];
    h ^= mix(k);
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Flink's KeyGroupRangeAssignment, in integer arithmetic. */
const flinkRange = (index: number, parallelism: number, maxParallelism: number): KeyGroupRange => ({
  start: Math.floor((index * maxParallelism + parallelism - 1) / parallelism),
  end: Math.floor(((index + 1) * maxParallelism - 1) / parallelism),
});
const flinkOperatorIndexFor = (group: number, parallelism: number, maxParallelism: number): number =>
  Math.floor((group * parallelism) / maxParallelism);

describe('the key hash', () => {
  it('is murmur3 x86-32: the published test vectors (as UTF-16 code units)', () => {
    const units = (bytes: number[]) => String.fromCharCode(...bytes.map((_, i) => (i % 2 === 0 ? bytes[i] | (bytes[i + 1] << 8) : -1)).filter((u) => u >= 0));
    expect(murmur3('')).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('', 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3(units([0xff, 0xff, 0xff, 0xff]))).toBe(0x76293b50);
    expect(murmur3(units([0x21, 0x43, 0x65, 0x87]))).toBe(0xf55b516b);
    expect(murmur3(units([0x21, 0x43, 0x65, 0x87]), 0x5082edee)).toBe(0x2362f9de);
    expect(murmur3(units([0x21, 0x43]))).toBe(0xa0f7b07a);
    expect(murmur3(units([0, 0, 0, 0]))).toBe(0x2362f9de);
    expect(murmur3(units([0x61, 0x61, 0x61, 0x61]), 0x9747b28c)).toBe(0x5a97808a);
  });

  it('equals the byte-wise reference over the UTF-16LE bytes of any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: 0, max: 0xffffffff }), (text, seed) => {
        const [actual, expected] = [murmur3(text, seed), murmur3Bytes(Buffer.from(text, 'utf16le'), seed)];
        if (actual !== expected) expect([text, seed, actual]).toEqual([text, seed, expected]);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('keyGroupOf', () => {
  it('is pinned: these keys land in these groups, on every machine and in every release (a change here breaks restoring old checkpoints)', () => {
    const pinned: [unknown, number, number][] = [
      ['sensor-7', 112, 9328],
      ['a', 91, 12379],
      ['', 90, 2138],
      [42, 24, 152],
      [0, 97, 17249],
      [-1.5, 8, 23688],
      [true, 60, 4156],
      [false, 71, 20679],
      [10n, 53, 9269],
      [{ a: 1, b: 2 }, 61, 25789],
      [['x', 1], 4, 23812],
      [{ user: 'u1', region: 'eu' }, 95, 12767],
    ];
    for (const [key, group128, group32768] of pinned) {
      expect([key, keyGroupOf(key)]).toEqual([key, group128]);
      expect([key, keyGroupOf(key, 32768)]).toEqual([key, group32768]);
    }
  });

  it('maps structurally equal keys to one group: {a:1,b:2} ≡ {b:2,a:1}, nested too, and -0 ≡ 0', () => {
    expect(keyGroupOf({ a: 1, b: 2 })).toBe(keyGroupOf({ b: 2, a: 1 }));
    expect(keyGroupOf({ x: [1, { p: 'q', r: 's' }], y: true }, 32768)).toBe(keyGroupOf({ y: true, x: [1, { r: 's', p: 'q' }] }, 32768));
    expect(keyGroupOf(-0, 32768)).toBe(keyGroupOf(0, 32768));
  });

  it('always lies in [0, maxParallelism) and depends on the key only', () => {
    const keyArb = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.bigInt(), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 3 }));
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 1, max: 32768 }), (key, maxParallelism) => {
        const g = keyGroupOf(key, maxParallelism);
        expect(Number.isInteger(g) && g >= 0 && g < maxParallelism).toBe(true);
        expect(keyGroupOf(structuredClone(key), maxParallelism)).toBe(g);
      }),
      { numRuns: 1000 },
    );
  });

  it('spreads keys over the groups (no group holds more than twice its share of 100,000 keys)', () => {
    const counts = new Array<number>(128).fill(0);
    for (let i = 0; i < 100_000; i++) counts[keyGroupOf(`user-${i}`)]++;
    expect(Math.max(...counts)).toBeLessThan((2 * 100_000) / 128);
    expect(Math.min(...counts)).toBeGreaterThan(100_000 / 128 / 2);
  });
});

describe('keyGroupRangeFor', () => {
  it("equals Flink's formula, and the ranges partition [0, maxParallelism) with each group owned by Flink's operator index", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }).chain((maxParallelism) => fc.tuple(fc.constant(maxParallelism), fc.integer({ min: 1, max: maxParallelism }))),
        ([maxParallelism, parallelism]) => {
          let next = 0;
          const problems: string[] = [];
          for (let i = 0; i < parallelism; i++) {
            const range = keyGroupRangeFor(i, parallelism, maxParallelism);
            const flink = flinkRange(i, parallelism, maxParallelism);
            if (range.start !== flink.start || range.end !== flink.end) problems.push(`instance ${i}: ${JSON.stringify(range)} ≠ Flink ${JSON.stringify(flink)}`);
            if (range.start !== next) problems.push(`instance ${i} starts at ${range.start}, not ${next}`);
            for (let g = range.start; g <= range.end; g++) {
              if (flinkOperatorIndexFor(g, parallelism, maxParallelism) !== i) problems.push(`group ${g} is Flink's instance ${flinkOperatorIndexFor(g, parallelism, maxParallelism)}, not ${i}`);
            }
            next = range.end + 1;
          }
          if (next !== maxParallelism) problems.push(`the ranges end at ${next - 1}`);
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the documented ranges for 128 groups over 3 instances', () => {
    expect([0, 1, 2].map((i) => keyGroupRangeFor(i, 3))).toEqual([
      { start: 0, end: 42 },
      { start: 43, end: 85 },
      { start: 86, end: 127 },
    ]);
    expect(allKeyGroups()).toEqual({ start: 0, end: 127 });
  });

  it('rejects an index, parallelism or max parallelism out of range', () => {
    expect(thrownBy(() => keyGroupRangeFor(3, 3))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => keyGroupRangeFor(0, 0))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => keyGroupRangeFor(0, 129))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => keyGroupRangeFor(0, 1, 0))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => keyGroupRangeFor(0, 1, 32769))).toBeInstanceOf(InvalidArgumentError);
  });
});

// ── rescaling ─────────────────────────────────────────────────────────────

const states = {
  count: valueState('count', 0),
  doc: valueState('doc', { hits: 0 }),
  log: listState<number>('log'),
  tags: mapState<string, number>('tags'),
  max: reducingState<number>('max', Math.max),
  mean: aggregatingState('mean', avg((x: number) => x)),
};

/** What one key holds, read from a backend (defaults when it holds nothing). */
function readKey(backend: HeapKeyedStateBackend, key: unknown) {
  const s = backend.scopeOf(key);
  return {
    count: backend.value(states.count, s).value(),
    doc: backend.value(states.doc, s).value(),
    log: backend.list(states.log, s).get(),
    tags: backend.map(states.tags, s).entries().sort(),
    max: backend.reducing(states.max, s).get(),
    mean: backend.aggregating(states.mean, s).get(),
  };
}
const EMPTY = { count: 0, doc: { hits: 0 }, log: [], tags: [], max: undefined, mean: undefined };

/** Keys of every kind, and the state each one should hold. */
function writeKeys(backend: (key: unknown) => HeapKeyedStateBackend, n: number): Map<string, { key: unknown; expected: ReturnType<typeof readKey> }> {
  const model = new Map<string, { key: unknown; expected: ReturnType<typeof readKey> }>();
  for (let i = 0; i < n; i++) {
    const key = i % 4 === 0 ? `user-${i}` : i % 4 === 1 ? i : i % 4 === 2 ? { id: i, region: i % 3 === 0 ? 'eu' : 'us' } : [`k${i}`, i % 5];
    const b = backend(key);
    const s = b.scopeOf(key);
    b.value(states.count, s).update(i);
    b.value(states.doc, s).update((d) => {
      d.hits = i * 2;
    });
    b.list(states.log, s).addAll([i, i + 1]);
    b.map(states.tags, s).put(`t${i % 3}`, i);
    b.reducing(states.max, s).add(i);
    b.reducing(states.max, s).add(i - 1);
    b.aggregating(states.mean, s).add(i);
    b.aggregating(states.mean, s).add(i + 2);
    model.set(JSON.stringify(key), {
      key,
      expected: { count: i, doc: { hits: i * 2 }, log: [i, i + 1], tags: [[`t${i % 3}`, i]], max: i, mean: i + 1 },
    });
  }
  return model;
}

const newBackend = () => new HeapKeyedStateBackend('rescale', { processingTime: () => 0, eventTime: () => 0 });

/** Restores `data` onto `parallelism` fresh instances and checks ownership against the brute-force model. */
function restoreOnto(data: KeyedStateSnapshotData[], parallelism: number, model: ReturnType<typeof writeKeys>): HeapKeyedStateBackend[] {
  const instances = Array.from({ length: parallelism }, (_, i) => {
    const b = newBackend();
    b.restore(data, keyGroupRangeFor(i, parallelism));
    return b;
  });
  let total = 0;
  for (const { key, expected } of model.values()) {
    // the owner by Flink's operator-index formula, independently of the ranges
    const owner = flinkOperatorIndexFor(keyGroupOf(key), parallelism, 128);
    instances.forEach((b, i) => expect([key, i, readKey(b, key)]).toEqual([key, i, i === owner ? expected : EMPTY]));
  }
  // together they hold exactly the original keys: nothing more
  for (const b of instances) total += b.sizes().count;
  expect(total).toBe(model.size);
  return instances;
}

describe('snapshot and restore per key group onto a different assignment', () => {
  it('state written by 1 instance, restored onto 3: together they hold exactly the original state, each key on exactly one', () => {
    const single = newBackend();
    const model = writeKeys(() => single, 400);
    const data = JSON.parse(JSON.stringify(single.snapshot().toData())) as KeyedStateSnapshotData;
    restoreOnto([data], 3, model);
  });

  it('state written by 3 instances (each owning its range), restored onto 2, then back onto 1', () => {
    const three = [0, 1, 2].map(() => newBackend());
    const model = writeKeys((key) => three[flinkOperatorIndexFor(keyGroupOf(key), 3, 128)], 400);
    // each instance holds only keys of its own range
    three.forEach((b, i) => {
      const data = b.snapshot().toData();
      for (const group of Object.keys(data.states.count.keyGroups)) expect(inKeyGroupRange(keyGroupRangeFor(i, 3), Number(group))).toBe(true);
    });
    const snapshots = three.map((b) => b.snapshot().toData());
    const two = restoreOnto(snapshots, 2, model);
    restoreOnto(
      two.map((b) => b.snapshot().toData()),
      1,
      model,
    );
  });

  it('refuses a snapshot taken with another number of key groups', () => {
    const b = new HeapKeyedStateBackend('rescale', { processingTime: () => 0, eventTime: () => 0 }, 64);
    b.value(states.count, b.scopeOf('a')).update(1);
    const data = b.snapshot().toData();
    expect(thrownBy(() => newBackend().restore([data], allKeyGroups()))).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('timers snapshot and restore per key group', () => {
  function timersWith(fired: [unknown, number, string][]) {
    const eventTime = new EventTimeScheduler();
    const backend = newBackend();
    const timers = new KeyedTimers(
      'timers',
      eventTime,
      queueScheduler,
      (scope, time, domain) => fired.push([scope.key, time, domain]),
      (err) => {
        throw err;
      },
    );
    return { eventTime, timers, scopeOf: (key: unknown) => backend.scopeOf(key) };
  }

  it('timers of 1 instance restored onto 3 fire on the instance owning their key, each exactly once', () => {
    const original = timersWith([]);
    const expected: [unknown, number, string][] = [];
    for (let i = 0; i < 300; i++) {
      const key = i % 2 === 0 ? `k${i}` : { id: i };
      original.timers.register(original.scopeOf(key), 1000 + (i % 7), 'event');
      original.timers.register(original.scopeOf(key), 1000 + (i % 7), 'event'); // deduplicated
      expected.push([key, 1000 + (i % 7), 'event']);
    }
    const data = JSON.parse(JSON.stringify(original.timers.snapshot().toData())) as TimersSnapshotData;
    expect(data.event).toHaveLength(300);
    const fired: [unknown, number, string][][] = [[], [], []];
    const instances = [0, 1, 2].map((i) => {
      const t = timersWith(fired[i]);
      t.timers.restore([data], keyGroupRangeFor(i, 3), 128, t.scopeOf);
      return t;
    });
    for (const t of instances) t.timers.advanceWatermark(2000);
    fired.forEach((f, i) => {
      for (const [key] of f) expect(flinkOperatorIndexFor(keyGroupOf(key), 3, 128)).toBe(i);
      // in time order on each instance
      expect(f.map(([, time]) => time)).toEqual(f.map(([, time]) => time).sort((a, b) => a - b));
    });
    const all = fired.flat().map((x) => JSON.stringify(x));
    expect(all.sort()).toEqual(expected.map((x) => JSON.stringify(x)).sort());
  });
});
