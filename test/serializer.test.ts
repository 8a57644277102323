/**
 * The checkpoint serializer and the snapshot envelope: exact round trips of
 * what state holds (property tests), refusals with a path, and every kind of
 * damage to the envelope detected with the right typed error.
 */
import { inspect, isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { deserialize, MAX_SERIALIZED_DEPTH, serialize } from '../src/checkpoint/serializer';
import {
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_HEADER_LENGTH,
} from '../src/checkpoint/snapshotFormat';
import { crc32c } from '../src/checkpoint/crc32c';
import { CheckpointCorruptedError, CheckpointVersionError, SerializationError } from '../src/core/errors';
import { HeapKeyedStateBackend } from '../src/state/HeapKeyedStateBackend';
import { allKeyGroups } from '../src/state/keyGroups';
import { valueState } from '../src/state/StateDescriptor';
import { thrownBy } from './support/errorOf';

const roundTrip = <T>(value: T): unknown => deserialize(serialize(value));

/** Node's strict deep equality: -0 ≠ 0, NaN = NaN, undefined ≠ missing, Map/Set/typed arrays by content and class. */
const expectExact = (actual: unknown, expected: unknown): void => {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`round trip differs:\n  expected ${inspect(expected, { depth: 6 })}\n  actual   ${inspect(actual, { depth: 6 })}`);
  }
};

const typedArray = fc.oneof(
  fc.float64Array(),
  fc.float32Array(),
  fc.int32Array(),
  fc.int16Array(),
  fc.int8Array(),
  fc.uint8Array(),
  fc.uint8ClampedArray(),
  fc.uint16Array(),
  fc.uint32Array(),
  fc.bigInt64Array(),
  fc.bigUint64Array(),
);

/** Leaves: every primitive (doubles include -0, NaN, ±Infinity), bigints far past 64 bits, dates, typed arrays. */
const leaf = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53, -(2 ** 31), 2 ** 32, 5e-324),
  fc.string({ unit: 'grapheme' }),
  fc.bigInt({ min: -(2n ** 2000n), max: 2n ** 2000n }),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.date({ noInvalidDate: true }), // Node's deep equality finds two invalid dates unequal: tested apart
  typedArray,
);

/** What state holds: nested plain objects, arrays, Maps (any keys), Sets. */
const stateValue = fc.anything({
  key: fc.string().filter((k) => k !== '__proto__'),
  values: [leaf],
  maxDepth: 4,
  maxKeys: 6,
  withMap: true,
  withSet: true,
  withBigInt: true,
  // dates come from `leaf` (valid ones): anything's own may be invalid, which Node's deep equality calls unequal
  withTypedArray: true,
});

describe('serialize / deserialize', () => {
  it('round-trips anything state holds, exactly (property)', () => {
    fc.assert(
      fc.property(stateValue, (value) => expectExact(roundTrip(value), value)),
      { numRuns: Number(process.env.SERIALIZER_RUNS ?? 400) },
    );
  });

  it('decodes with no state carried over from earlier calls (each payload stands alone)', () => {
    fc.assert(
      fc.property(fc.array(stateValue, { minLength: 2, maxLength: 5 }), (values) => {
        const encoded = values.map(serialize);
        // decode in reverse order: record structures from one payload must not be needed by another
        for (let i = encoded.length - 1; i >= 0; i--) expectExact(deserialize(encoded[i]), values[i]);
      }),
      { numRuns: 100 },
    );
  });

  it.each([
    ['-0', -0],
    ['-0 nested in objects and arrays', { a: -0, b: [1, { c: -0 }], d: 0 }],
    ['-0 as a Map value and inside a Map key', new Map<unknown, unknown>([[{ k: -0 }, -0], [1, [-0]]])],
    ['-0 inside a Set element', new Set([{ z: -0 }])],
    ['NaN and ±Infinity', [NaN, Infinity, -Infinity]],
    ['undefined vs null', { u: undefined, n: null, list: [undefined, null] }],
    ['a Map with non-string keys', new Map<unknown, unknown>([[1, 'a'], [true, 'b'], [null, 'c'], [2n, 'd'], [[1, 2], 'e'], [{ a: 1 }, 'f'], [undefined, 'g'], [new Date(3), 'h']])],
    ['nested Maps and Sets', new Map([['a', new Map([[1, new Set([new Date(1), 'x'])]])]])],
    ['bigints around 64 bits', [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n) - 1n]],
    ['a bigint of 100,000 bits', [2n ** 100_000n + 7n, -(2n ** 100_000n)]],
    ['dates, including extreme ones', [new Date(0), new Date(-1e12), new Date(8.64e15), new Date(-8.64e15), new Date(1.5)]],
    ['every typed array', [new Float64Array([1.5, -0, NaN]), new Int32Array([1, -2]), new Uint8Array([1, 2]), new BigInt64Array([-1n]), new BigUint64Array([2n ** 64n - 1n])]],
    ['typed arrays as Map values and keys, and -0 beside them', new Map<unknown, unknown>([[new Set(), new Int16Array([1])], [new Float32Array([2]), -0], [3, new Set([new Float64Array([-0])])]])],
    ['a typed array viewing part of a larger buffer', new Float64Array(new ArrayBuffer(64), 8, 2).fill(2.5)],
    ['ArrayBuffer, DataView, RegExp', [new Uint8Array([9, 8]).buffer, new DataView(new ArrayBuffer(3)), /a+b/giu]],
    ['an object with 70,000 keys', Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`p${i}`, i]))],
    ['500 object shapes in one payload', Array.from({ length: 500 }, (_, i) => ({ [`k${i}`]: i, x: i }))],
    ['numeric-looking object keys', { 0: 'a', 5: 'b', x: 'c', '-1': 'd' }],
  ])('round-trips %s', (_name, value) => {
    expectExact(roundTrip(value), value);
  });

  it('round-trips an invalid Date', () => {
    const [restored] = roundTrip([new Date(NaN)]) as Date[];
    expect(restored).toBeInstanceOf(Date);
    expect(restored.getTime()).toBeNaN();
  });

  it('gives typed-array subclasses back as their base class, a Buffer as a Uint8Array (as structuredClone does)', () => {
    class Samples extends Float32Array {}
    expectExact(roundTrip({ s: new Samples([1.5, -0]) }), { s: new Float32Array([1.5, -0]) });
    expectExact(roundTrip(new Map([[new Samples([1]), 'key']])), new Map([[new Float32Array([1]), 'key']]));
    expectExact(roundTrip(new Set([new Samples([2])])), new Set([new Float32Array([2])]));
    expectExact(roundTrip(Buffer.from('hi')), new Uint8Array([104, 105]));
    expectExact(roundTrip({ b: Buffer.from('hi') }), { b: new Uint8Array([104, 105]) });
  });

  it('gives class instances and null-prototype objects back as plain objects of their own fields, like structuredClone', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      get norm(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expectExact(roundTrip(new Point(3, 4)), { x: 3, y: 4 });
    expectExact(roundTrip(bare), { a: 1 });
  });

  it('round-trips Errors (name, message, cause)', () => {
    const restored = roundTrip(new RangeError('boom', { cause: { at: -0 } })) as Error;
    expect(restored).toBeInstanceOf(RangeError);
    expect(restored.message).toBe('boom');
    expectExact(restored.cause, { at: -0 });
  });

  it('never aliases the bytes it decoded from', () => {
    const bytes = serialize({ blob: new Uint8Array([1, 2, 3]), f: new Float64Array([1]) });
    const value = deserialize(bytes) as { blob: Uint8Array; f: Float64Array };
    bytes.fill(0);
    expect([...value.blob]).toEqual([1, 2, 3]);
    expect([...value.f]).toEqual([1]);
  });

  it('round-trips a real keyed-state snapshot (HeapKeyedStateBackend.toData()) into a restored backend', () => {
    const clocks = { processingTime: () => 0, eventTime: () => 0 };
    const descriptor = valueState<unknown>('profile', undefined);
    const backend = new HeapKeyedStateBackend('op', clocks);
    const values = new Map<string, unknown>();
    for (let i = 0; i < 300; i++) {
      const v = { count: i, seen: new Set([i, -0]), last: new Date(i), total: BigInt(i) ** 5n, hist: new Float64Array([i, -0]) };
      values.set(`user-${i}`, v);
      backend.value(descriptor, backend.scopeOf(`user-${i}`)).update(v);
    }
    const data = backend.snapshot().toData();
    const restored = new HeapKeyedStateBackend('op', clocks);
    restored.restore([deserialize(serialize(data)) as typeof data], allKeyGroups(), [descriptor]);
    for (const [key, v] of values) expectExact(restored.value(descriptor, restored.scopeOf(key)).value(), v);
  });

  describe('refuses what cannot round-trip, naming the path', () => {
    const cyclic: Record<string, unknown> = { list: [{}] };
    (cyclic.list as Record<string, unknown>[])[0].back = cyclic;
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_SERIALIZED_DEPTH; i++) deep = [deep];
    it.each([
      ['a function', { user: { onTick: function onTick() {} } }, 'serialize: value at user.onTick: is a function (onTick): functions cannot be serialized'],
      ['a symbol', [1, Symbol('s')], 'serialize: value at [1]: is a symbol (Symbol(s)): symbols cannot be serialized'],
      ['a WeakMap in a Map value', new Map([['k', new WeakMap()]]), 'serialize: value at <map value #0>: is a WeakMap: it cannot be serialized'],
      ['a Promise', { p: Promise.resolve(1) }, 'serialize: value at p: is a Promise: it cannot be serialized'],
      ['a Map subclass', { m: new (class Registry extends Map {})() }, 'serialize: value at m: is a Map subclass (Registry): use a plain Map'],
      ['a boxed primitive', { n: Object(5) as unknown }, 'serialize: value at n: is a boxed primitive (Number): store the primitive itself'],
      ['an own __proto__ key', JSON.parse('{"a":{"__proto__":{"x":1}}}') as unknown, 'serialize: value at a: has an own "__proto__" property, which cannot be restored safely'],
      ['a cycle', cyclic, 'serialize: value at list[0].back: is a cycle: it is its own ancestor at the root'],
    ])('%s', (_name, value, message) => {
      const err = thrownBy(() => serialize(value));
      expect(err).toBeInstanceOf(SerializationError);
      expect((err as Error).message).toBe(message);
    });

    it(`nesting deeper than ${MAX_SERIALIZED_DEPTH} levels (and accepts ${MAX_SERIALIZED_DEPTH - 1})`, () => {
      const err = thrownBy(() => serialize(deep)) as SerializationError;
      expect(err).toBeInstanceOf(SerializationError);
      expect(err.message).toMatch(new RegExp(`is nested deeper than ${MAX_SERIALIZED_DEPTH} levels$`));
      let ok: unknown = 1;
      for (let i = 0; i < MAX_SERIALIZED_DEPTH - 1; i++) ok = [ok];
      expectExact(roundTrip(ok), ok);
    });
  });

  it('refuses bytes that are not a serialized value', () => {
    expect(thrownBy(() => deserialize(new Uint8Array([0xc1])))).toBeInstanceOf(SerializationError);
    const notOurs = thrownBy(() => deserialize(new Uint8Array([0x93, 1, 2, 3]))) as Error; // msgpack [1, 2, 3]
    expect(notOurs.message).toBe('deserialize: value: the bytes are msgpack but not a value written by serialize()');
  });
});

describe('crc32c', () => {
  it.each([
    ['123456789', new TextEncoder().encode('123456789'), 0xe3069283],
    ['32 zero bytes', new Uint8Array(32), 0x8a9136aa],
    ['32 0xff bytes', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['32 ascending bytes', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['nothing', new Uint8Array(0), 0],
  ])('matches the RFC 3720 check value of %s', (_name, bytes, expected) => {
    expect(crc32c(bytes)).toBe(expected);
  });

  it('continues across chunks, and agrees with a bit-by-bit reference (property)', () => {
    const reference = (bytes: Uint8Array): number => {
      let c = 0xffffffff;
      for (const b of bytes) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, at) => {
        const cut = bytes.length === 0 ? 0 : at % bytes.length;
        expect(crc32c(bytes)).toBe(reference(bytes));
        expect(crc32c(bytes.subarray(cut), crc32c(bytes.subarray(0, cut)))).toBe(reference(bytes));
      }),
    );
  });
});

describe('the snapshot envelope', () => {
  const payload = serialize({ counts: new Map([['a', 1]]) });
  const corruption = (fn: () => unknown): CheckpointCorruptedError => {
    const err = thrownBy(fn);
    expect(err).toBeInstanceOf(CheckpointCorruptedError);
    return err as CheckpointCorruptedError;
  };

  it('lays out magic, version, flags, length and CRC-32C before the payload', () => {
    const bytes = encodeSnapshot(payload);
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('SLRX');
    expect(view.getUint16(4)).toBe(SNAPSHOT_FORMAT_VERSION);
    expect(view.getUint16(6)).toBe(0);
    expect(view.getUint32(8)).toBe(payload.length);
    expect(view.getUint32(12)).toBe(crc32c(payload));
    expect(bytes.length).toBe(SNAPSHOT_HEADER_LENGTH + payload.length);
  });

  it('round-trips any payload (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (p) => expect(decodeSnapshot(encodeSnapshot(p))).toEqual(p)));
  });

  it('detects every single flipped bit, anywhere (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), (p, at) => {
        const bytes = encodeSnapshot(p);
        const bit = at % (bytes.length * 8);
        bytes[bit >> 3] ^= 1 << (bit & 7);
        const err = thrownBy(() => decodeSnapshot(bytes));
        expect(err instanceof CheckpointCorruptedError || err instanceof CheckpointVersionError).toBe(true);
        if (bit >= SNAPSHOT_HEADER_LENGTH * 8) expect((err as CheckpointCorruptedError).reason).toBe('checksum-mismatch');
      }),
      { numRuns: 500 },
    );
  });

  it('reports a flipped payload bit as a checksum mismatch, with both checksums', () => {
    const bytes = encodeSnapshot(payload);
    bytes[SNAPSHOT_HEADER_LENGTH + 3] ^= 0x10;
    const err = corruption(() => decodeSnapshot(bytes, { checkpointId: 9, path: '/ckpt/chk-9.data' }));
    expect(err.reason).toBe('checksum-mismatch');
    expect(err.checkpointId).toBe(9);
    expect(err.path).toBe('/ckpt/chk-9.data');
    expect(err.message).toMatch(
      /^decodeSnapshot: checkpoint 9 \(\/ckpt\/chk-9\.data\) is corrupted \(checksum-mismatch\): the header says CRC-32C 0x[0-9a-f]{8}, the \d+ payload bytes have 0x[0-9a-f]{8}$/,
    );
  });

  it('reports a wrong checksum in the header as a checksum mismatch', () => {
    const bytes = encodeSnapshot(payload);
    new DataView(bytes.buffer).setUint32(12, crc32c(payload) ^ 1);
    expect(corruption(() => decodeSnapshot(bytes)).reason).toBe('checksum-mismatch');
  });

  it('reports every truncation as truncated, inside the header or the payload (property: every cut point)', () => {
    const bytes = encodeSnapshot(payload);
    for (let cut = 0; cut < bytes.length; cut++) {
      const err = corruption(() => decodeSnapshot(bytes.subarray(0, cut)));
      expect(err.reason).toBe('truncated');
    }
    expect(corruption(() => decodeSnapshot(bytes.subarray(0, 10), { checkpointId: 7 })).message).toBe(
      'decodeSnapshot: checkpoint 7 is corrupted (truncated): the header is cut after 10 of 16 bytes',
    );
    expect(corruption(() => decodeSnapshot(bytes.subarray(0, 20))).message).toBe(
      `decodeSnapshot: snapshot is corrupted (truncated): the payload is cut after 4 of ${payload.length} bytes`,
    );
  });

  it('reports bytes past the declared payload as a length mismatch', () => {
    const bytes = encodeSnapshot(payload);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(corruption(() => decodeSnapshot(longer)).reason).toBe('length-mismatch');
  });

  it('reports anything that does not start with SLRX as bad magic', () => {
    const err = corruption(() => decodeSnapshot(new TextEncoder().encode('{"not":"a checkpoint"}')));
    expect(err.reason).toBe('bad-magic');
    expect(err.message).toBe('decodeSnapshot: snapshot is corrupted (bad-magic): expected the bytes 53 4c 52 58 ("SLRX"), found 7b 22 6e 6f');
  });

  it('reports an unknown format version, or unknown flags, as a version error', () => {
    const future = encodeSnapshot(payload);
    new DataView(future.buffer).setUint16(4, 2);
    const err = thrownBy(() => decodeSnapshot(future, { checkpointId: 3 })) as CheckpointVersionError;
    expect(err).toBeInstanceOf(CheckpointVersionError);
    expect(err.version).toBe(2);
    expect(err.checkpointId).toBe(3);
    expect(err.message).toBe('decodeSnapshot: checkpoint 3 has format version 2; this build reads version 1');

    const flagged = encodeSnapshot(payload);
    new DataView(flagged.buffer).setUint16(6, 0x0002);
    expect((thrownBy(() => decodeSnapshot(flagged)) as Error).message).toBe(
      'decodeSnapshot: snapshot has format version 1 with unknown flags 0x0002; this build reads version 1 without flags',
    );
  });

  it('decodes a payload embedded at an offset of a larger buffer', () => {
    const bytes = encodeSnapshot(payload);
    const big = new Uint8Array(bytes.length + 11);
    big.set(bytes, 11);
    expectExact(deserialize(decodeSnapshot(big.subarray(11))), { counts: new Map([['a', 1]]) });
  });
});
