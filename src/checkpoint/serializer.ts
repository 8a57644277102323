/**
 * The checkpoint serializer: state values to bytes and back, exactly, with a
 * private msgpackr `Packr` instance (records on, more types on).
 */
import { Packr } from 'msgpackr';
import { SerializationError } from '../core/errors';

/**
 * The engine's own msgpackr instance. Never the top-level `pack`/`unpack`:
 * `unpack()` turns Maps into objects. Records (`useRecords`) keep plain
 * objects and Maps apart (without them both are msgpack maps) and are the
 * smallest and fastest encoding measured for keyed state; `moreTypes` adds
 * Set, typed arrays, ArrayBuffer, DataView, RegExp and Error;
 * `useBigIntExtension` bigints wider than 64 bits; `copyBuffers` keeps decoded
 * byte arrays from pinning the checkpoint's bytes; `useToJSON: false` copies a
 * class instance's own fields, as `structuredClone` does, rather than its
 * `toJSON()`. No shared structures: every payload decodes on its own.
 */
const packr = new Packr({
  useRecords: true,
  mapsAsObjects: false,
  moreTypes: true,
  useBigIntExtension: true,
  int64AsType: 'bigint',
  copyBuffers: true,
  useToJSON: false,
  writeFunction: () => {
    throw new TypeError('functions cannot be serialized');
  },
});

/** Deeper nesting than this is refused (msgpackr recurses once per level; a cycle would never end). */
export const MAX_SERIALIZED_DEPTH = 1000;

/** A step from a container to a child: array index, object key, or `[kind, i]` for the i-th Map key (0), Map value (1), Set element (2). */
type Step = number | string | readonly [kind: 0 | 1 | 2, index: number];

/** A repair the decoder applies at a path: `0` puts back `-0`; a typed array's name rebuilds it from the Uint8Array stored there. */
type Fixup = readonly [path: Step[], fix: 0 | string];

/**
 * On the walk's path stack a step is one primitive (no allocation per step):
 * an array index (≥ 0), an object key (a string), or, for the i-th entry of a
 * Map or Set, `-(3i + kind) − 1` with kind 0 = Map key, 1 = Map value, 2 = Set element.
 */
const entryStep = (kind: 0 | 1 | 2, index: number): number => -(3 * index + kind) - 1;

/** The names of the typed-array classes, as msgpackr (and `Object.prototype.toString`) name them. */
const TYPED_ARRAY_NAMES: readonly string[] = [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

/** %TypedArray% as msgpackr sees it (from this realm's `Uint8Array`, as msgpackr computes it). */
const TYPED_ARRAY = Object.getPrototypeOf(Uint8Array.prototype).constructor as abstract new () => ArrayBufferView;

/** The global constructors, by name. */
const globals = globalThis as unknown as Record<string, (new (buffer: ArrayBufferLike) => ArrayBufferView) | undefined>;

const tagOf = (value: object): string => Object.prototype.toString.call(value).slice(8, -1);

/**
 * @internal
 * Walks a value before msgpackr sees it. Records where `-0` sits (msgpack
 * integers have no negative zero). Replaces — copying only the containers on
 * the way — each typed array msgpackr would not write as its own class (one
 * from another realm, as in Jest's sandbox, or a subclass) by a Uint8Array of
 * its bytes, recording its class. Refuses what cannot round-trip (functions,
 * symbols, weak collections, promises, Map subclasses, boxed primitives, own
 * `__proto__` keys, cycles, objects of another realm), naming the path.
 */
class Prepare {
  readonly fixups: Fixup[] = [];
  private readonly steps: (number | string)[] = [];
  private root: unknown;

  /** Returns `value`, or a copy with its foreign typed arrays replaced. */
  run(value: unknown): unknown {
    this.root = value;
    return needsVisit(value) ? this.visit(value) : value;
  }

  /** Visits a value {@link needsVisit} picked: an object, -0, a function or a symbol. */
  private visit(value: unknown): unknown {
    switch (typeof value) {
      case 'number':
        this.fixups.push([this.path(), 0]);
        return value;
      case 'function':
        return this.fail(`is a function (${value.name || 'anonymous'}): functions cannot be serialized`);
      case 'symbol':
        return this.fail(`is a symbol (${value.toString()}): symbols cannot be serialized`);
      default:
        if (this.steps.length >= MAX_SERIALIZED_DEPTH) this.failDeep();
        return this.visitObject(value as object);
    }
  }

  /** Visits the child at `step` (pushed on the path while it is visited). */
  private child(step: number | string, value: unknown): unknown {
    this.steps.push(step);
    const result = this.visit(value);
    this.steps.pop();
    return result;
  }

  private visitObject(value: object): unknown {
    const ctor = value.constructor;
    if (ctor === Object) return this.visitFields(value as Record<string, unknown>);
    if (ctor === Array || Array.isArray(value)) return this.visitArray(value as unknown[]);
    if (value instanceof Map) {
      if (ctor !== Map) this.fail(`is a Map subclass (${ctor.name}): use a plain Map`);
      return this.visitMap(value);
    }
    if (value instanceof Set) return this.visitSet(value);
    if (ArrayBuffer.isView(value)) return this.visitView(value);
    if (value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer) return value;
    if (value instanceof Error) {
      // Errors keep their identity: a -0 cause is recorded, never copied
      if ('cause' in value && needsVisit(value.cause)) this.child('cause', value.cause);
      return value;
    }
    if (value instanceof WeakMap || value instanceof WeakSet || value instanceof Promise || value instanceof WeakRef) {
      return this.fail(`is a ${ctor.name}: it cannot be serialized`);
    }
    const boxed = value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt;
    if (boxed || value instanceof Symbol) {
      return this.fail(`is a boxed primitive (${ctor.name}): store the primitive itself`);
    }
    const tag = tagOf(value);
    if (['Map', 'Set', 'Date', 'RegExp', 'ArrayBuffer', 'Error'].includes(tag)) {
      return this.fail(`is a ${tag} from another JavaScript realm (a vm context or iframe): copy it into this realm first`);
    }
    return this.visitFields(value as Record<string, unknown>);
  }

  private visitArray(value: readonly unknown[]): unknown[] {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (!needsVisit(v)) continue;
      const r = this.child(i, v);
      if (r !== v) (copy ??= value.slice())[i] = r;
    }
    return copy ?? (value as unknown[]);
  }

  private visitFields(value: Record<string, unknown>): Record<string, unknown> {
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      if (key === '__proto__') this.fail('has an own "__proto__" property, which cannot be restored safely');
      const v = value[key];
      if (!needsVisit(v)) continue;
      const r = this.child(key, v);
      if (r !== v) (copy ??= { ...value })[key] = r;
    }
    return copy ?? value;
  }

  private visitMap(value: Map<unknown, unknown>): Map<unknown, unknown> {
    let copy: [unknown, unknown][] | undefined;
    let i = 0;
    for (const [k, v] of value) {
      const rk = needsVisit(k) ? this.child(entryStep(0, i), k) : k;
      const rv = needsVisit(v) ? this.child(entryStep(1, i), v) : v;
      if (copy === undefined && (rk !== k || rv !== v)) copy = [...value].slice(0, i);
      copy?.push([rk, rv]);
      i++;
    }
    return copy === undefined ? value : new Map(copy);
  }

  private visitSet(value: Set<unknown>): Set<unknown> {
    let copy: unknown[] | undefined;
    let i = 0;
    for (const v of value) {
      const r = needsVisit(v) ? this.child(entryStep(2, i), v) : v;
      if (copy === undefined && r !== v) copy = [...value].slice(0, i);
      copy?.push(r);
      i++;
    }
    return copy === undefined ? value : new Set(copy);
  }

  private visitView(value: ArrayBufferView): ArrayBufferView {
    const bytes = (): Uint8Array => new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
    const tag = tagOf(value);
    if (tag === 'DataView') return value instanceof DataView ? value : new DataView(bytes().buffer);
    if (value instanceof TYPED_ARRAY && value.constructor === globals[tag]) return value;
    if (tag === 'Uint8Array' && value instanceof Uint8Array) {
      return new Uint8Array(value.buffer, value.byteOffset, value.byteLength); // a Node Buffer, or another subclass: a plain view
    }
    if (!TYPED_ARRAY_NAMES.includes(tag)) this.fail(`is a ${tag}, which cannot be serialized`);
    this.fixups.push([this.path(), tag]);
    return bytes();
  }

  private path(): Step[] {
    return this.steps.map((s): Step => (typeof s === 'number' && s < 0 ? [((-s - 1) % 3) as 0 | 1 | 2, Math.floor((-s - 1) / 3)] : s));
  }

  /** Too deep: a cycle (found by walking the path again from the root), or just deep. */
  private failDeep(): never {
    const path = this.path();
    const seen = new Map<unknown, number>();
    let node = this.root;
    for (let j = 0; j <= path.length; j++) {
      const i = seen.get(node);
      if (i !== undefined) {
        throw new SerializationError(
          'serialize',
          renderPath(path.slice(0, j)),
          `is a cycle: it is its own ancestor at ${renderPath(path.slice(0, i)) || 'the root'}`,
        );
      }
      seen.set(node, j);
      if (j < path.length) node = childAt(node, path[j]);
    }
    return this.fail(`is nested deeper than ${MAX_SERIALIZED_DEPTH} levels`);
  }

  private fail(message: string): never {
    throw new SerializationError('serialize', renderPath(this.path()), message);
  }
}

/** This realm's typed-array classes: an instance of one msgpackr writes as its own class. */
const OWN_TYPED_ARRAYS: ReadonlySet<unknown> = new Set(TYPED_ARRAY_NAMES.map((name) => globals[name]).filter((c) => c !== undefined));

/**
 * @internal
 * Whether msgpackr alone round-trips `value` exactly, so {@link Prepare} has
 * nothing to record, copy or refuse: a quick walk with no path kept and
 * nothing allocated per array, that answers false (then {@link Prepare} walks)
 * at anything it is not sure of — `-0`, functions, symbols, class instances,
 * Errors, typed arrays of other realms or subclasses, Map subclasses, own
 * `__proto__` keys, nesting past {@link MAX_SERIALIZED_DEPTH} (cycles too).
 * Keyed state is mostly arrays, plain objects and primitives: for it this is
 * the whole pre-pass.
 */
function isPlain(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'number':
      return value !== 0 || 1 / value > 0;
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_SERIALIZED_DEPTH) return false;
  const ctor = (value as object).constructor;
  if (ctor === Array) {
    const array = value as readonly unknown[];
    for (let i = 0; i < array.length; i++) {
      const v = array[i];
      // primitives inline: the common case costs no call
      if (typeof v === 'object' ? v !== null && !isPlain(v, depth + 1) : typeof v === 'number' ? v === 0 && 1 / v < 0 : typeof v === 'function' || typeof v === 'symbol') {
        return false;
      }
    }
    return true;
  }
  if (ctor === Object) {
    for (const key of Object.keys(value as object)) {
      if (key === '__proto__' || !isPlain((value as Record<string, unknown>)[key], depth + 1)) return false;
    }
    return true;
  }
  if (ctor === Map) {
    for (const k of (value as Map<unknown, unknown>).keys()) if (!isPlain(k, depth + 1)) return false;
    for (const v of (value as Map<unknown, unknown>).values()) if (!isPlain(v, depth + 1)) return false;
    return true;
  }
  if (ctor === Set) {
    for (const v of (value as Set<unknown>).values()) if (!isPlain(v, depth + 1)) return false;
    return true;
  }
  if (ctor === Date || ctor === ArrayBuffer || ctor === DataView || ctor === RegExp) return true;
  return OWN_TYPED_ARRAYS.has(ctor) && value instanceof TYPED_ARRAY;
}

/** Whether the walk must look at a value: objects, -0, functions and symbols (every other primitive is written as it is). */
const needsVisit = (v: unknown): boolean =>
  typeof v === 'object' ? v !== null : typeof v === 'number' ? v === 0 && 1 / v < 0 : typeof v === 'function' || typeof v === 'symbol';

/** @internal The child of `parent` at `step`, or undefined. */
function childAt(parent: unknown, step: Step, listOf: (c: Map<unknown, unknown> | Set<unknown>) => unknown[] = (c) => [...c]): unknown {
  if (typeof step !== 'object') {
    return typeof parent === 'object' && parent !== null ? (parent as Record<string | number, unknown>)[step] : undefined;
  }
  if (step[0] === 2) return parent instanceof Set ? listOf(parent)[step[1]] : undefined;
  const entry = parent instanceof Map ? (listOf(parent)[step[1]] as [unknown, unknown] | undefined) : undefined;
  return entry?.[step[0]];
}

/** @internal `a.b[3]<map value #2>.c` */
function renderPath(path: readonly Step[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (typeof step !== 'string') out += `<${['map key', 'map value', 'set element'][step[0]]} #${step[1]}>`;
    else if (/^[A-Za-z_$][\w$]*$|^\d+$/.test(step)) out += `${out === '' ? '' : '.'}${step}`;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out.length > 200 ? `${out.slice(0, 80)}…${out.slice(-100)}` : out;
}

/**
 * Serializes a value — state, timers, watermarks, offsets — into bytes that
 * {@link deserialize} turns back into an equal value, in this process or any
 * other (no shared structures, no object identity).
 *
 * It's like `structuredClone`, but to bytes: what round-trips exactly is
 * primitives (including `undefined` vs `null`, `-0`, `NaN`, `±Infinity` and
 * bigints of any size), plain objects and arrays (nested), `Map` (any keys),
 * `Set`, `Date` (invalid ones too), typed arrays, `ArrayBuffer`, `DataView`,
 * `RegExp` and `Error` (name, message, cause). As with `structuredClone`,
 * class instances come back as plain objects of their own enumerable fields,
 * and typed-array subclasses (a Node `Buffer` too) as their base class;
 * unlike it, array holes come back as `undefined`, and a reference shared by
 * two places is written (and restored) twice.
 *
 * The bytes are msgpack (a private msgpackr instance with records, so plain
 * objects and Maps stay apart) of a pair: the repairs msgpack cannot express
 * (where `-0` sits; typed arrays msgpackr would not write as their own class,
 * such as those from Jest's sandbox realm), then the value. Without repairs,
 * decoding is one msgpackr call; and a value with nothing to repair or refuse
 * (the usual state: arrays, plain objects, Maps, Sets, Dates, primitives) is
 * found so by a quick walk that keeps no path, before any walk that does.
 *
 * ```
 * value:   Map { 'k' => { n: -0, at: Date(5) } }
 * bytes:   msgpack [ [[[[1, 0], 'n'], 0]],  Map{'k' → record{n: 0, at: timestamp 5}} ]
 *                    └ repairs: -0 at       └ the value
 *                      <map value #0>.n
 * ```
 *
 * @example
 * const bytes = serialize(new Map([[1n, new Set(['a'])]]));
 * deserialize(bytes); // Map(1) { 1n => Set(1) { 'a' } }
 * serialize({ f: () => 1 });
 * // throws SerializationError: "serialize: value at f: is a function (f): functions cannot be serialized"
 * @param value the value.
 * @returns its bytes (a plain Uint8Array, never a Node Buffer).
 * @throws {SerializationError} a function, symbol, weak collection, promise,
 * Map subclass, boxed primitive, own `__proto__` key, object of another realm,
 * cycle or nesting deeper than {@link MAX_SERIALIZED_DEPTH} levels; the message
 * names the path.
 */
export function serialize(value: unknown): Uint8Array {
  let fixups: Fixup[] | null = null;
  let prepared = value;
  if (!isPlain(value, 0)) {
    const prepare = new Prepare();
    prepared = prepare.run(value);
    if (prepare.fixups.length > 0) fixups = prepare.fixups;
  }
  try {
    const bytes = packr.pack([fixups, prepared]);
    // A plain Uint8Array over the same memory: Node's Buffer (what msgpackr returns there) has a slice() that does not copy.
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SerializationError('serialize', '', `msgpackr failed: ${reason}`, { cause: err });
  }
}

/**
 * Turns bytes written by {@link serialize} back into the value, with fresh
 * objects (nothing aliases `bytes`).
 *
 * @example
 * deserialize(serialize({ at: new Date(0), n: 10n ** 30n, z: -0 }));
 * // { at: 1970-01-01T00:00:00.000Z, n: 1000000000000000000000000000000n, z: -0 }
 * @param bytes the serialized value (a view into a larger buffer is fine).
 * @returns the value.
 * @throws {SerializationError} when the bytes are not a serialized value.
 */
export function deserialize(bytes: Uint8Array): unknown {
  let decoded: unknown;
  try {
    decoded = packr.unpack(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SerializationError('deserialize', '', `msgpackr failed: ${reason}`, { cause: err });
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || (decoded[0] !== null && !Array.isArray(decoded[0]))) {
    throw new SerializationError('deserialize', '', 'the bytes are msgpack but not a value written by serialize()');
  }
  const [fixups, value] = decoded as [Fixup[] | null, unknown];
  return fixups === null ? value : applyFixups(value, fixups);
}

/** @internal Puts back what {@link Prepare} recorded: `-0`s, and typed arrays stored as their bytes. */
function applyFixups(root: unknown, fixups: readonly Fixup[]): unknown {
  const entries = new Map<object, unknown[]>();
  const listOf = (c: Map<unknown, unknown> | Set<unknown>): unknown[] => {
    let list = entries.get(c);
    if (list === undefined) entries.set(c, (list = [...c]));
    return list;
  };
  for (const fixup of fixups) {
    const [path, fix] = Array.isArray(fixup) ? fixup : [undefined, undefined];
    if (!Array.isArray(path) || (fix !== 0 && !TYPED_ARRAY_NAMES.includes(fix as string))) {
      throw new SerializationError('deserialize', '', `an invalid repair record ${JSON.stringify(fixup)}`);
    }
    const fail = (): never => {
      throw new SerializationError('deserialize', renderPath(path), 'a recorded repair position does not exist in the value');
    };
    let parent: unknown;
    let current = root;
    for (const step of path) current = childAt((parent = current), step, listOf);
    let replacement: unknown;
    if (fix === 0) replacement = -0;
    else {
      if (!(current instanceof Uint8Array)) return fail();
      const Class = globals[fix as string];
      if (Class === undefined) throw new SerializationError('deserialize', renderPath(path), `this platform has no ${fix}`);
      replacement = new Class(current.slice().buffer);
    }
    if (path.length === 0) {
      root = replacement;
      continue;
    }
    const last = path[path.length - 1];
    if (typeof last !== 'object') {
      if (typeof parent !== 'object' || parent === null || last === '__proto__') return fail();
      (parent as Record<string | number, unknown>)[last] = replacement;
    } else if (parent instanceof Map && last[0] !== 2) {
      const list = listOf(parent) as [unknown, unknown][];
      if (last[1] >= list.length) return fail();
      if (last[0] === 1) {
        list[last[1]] = [list[last[1]][0], replacement]; // keep the cached entries current for a later key rebuild
        parent.set(list[last[1]][0], replacement);
      } else {
        // a replaced key: rebuild the Map in its order
        list[last[1]] = [replacement, list[last[1]][1]];
        parent.clear();
        for (const [k, v] of list) parent.set(k, v);
      }
    } else if (parent instanceof Set && last[0] === 2) {
      const list = listOf(parent);
      if (last[1] >= list.length) return fail();
      list[last[1]] = replacement;
      parent.clear();
      for (const v of list) parent.add(v);
    } else {
      return fail();
    }
  }
  return root;
}
