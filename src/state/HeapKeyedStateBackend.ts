import type { Draft } from 'immer';
import { InvalidArgumentError, InvalidKeyError, StreamLiteError, UserFunctionError } from '../core/errors';
import type { Timestamp } from '../core/types';
import { canonicalKey, invalidKeyReason, type CanonicalKey } from './canonicalKey';
import {
  CopyOnWriteStateTable,
  DEFAULT_NAMESPACE,
  type Namespace,
  type StateCell,
  type StateTableSnapshot,
} from './CopyOnWriteStateTable';
import { freezeState, produceState } from './immer';
import { DEFAULT_MAX_PARALLELISM, inKeyGroupRange, keyGroupOf, type KeyGroupRange } from './keyGroups';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './KeyedState';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from './StateDescriptor';

/** The key a state handle is bound to. */
export interface KeyScope {
  readonly ck: CanonicalKey;
  readonly key: unknown;
}

/** @internal The clocks TTL reads. */
export interface StateClocks {
  processingTime(): Timestamp;
  eventTime(): Timestamp;
}

/**
 * The serialized form of a backend's keyed state: per state, per key group,
 * the keys with their namespaced values and last-access times. Plain data
 * (JSON- and msgpack-safe apart from the values themselves).
 */
export interface KeyedStateSnapshotData {
  readonly formatVersion: 1;
  readonly maxParallelism: number;
  readonly states: {
    readonly [name: string]: {
      readonly kind: StateDescriptor['kind'];
      readonly keyGroups: { readonly [group: number]: readonly [key: unknown, cells: readonly [Namespace, unknown, Timestamp][]][] };
    };
  };
}

/** An O(1) snapshot of every table of a backend, to be serialized off the record path. */
export class KeyedStateSnapshot {
  constructor(
    private readonly tables: ReadonlyMap<string, { descriptor: StateDescriptor; snapshot: StateTableSnapshot<unknown> }>,
    private readonly maxParallelism: number,
    private readonly isExpired: (descriptor: StateDescriptor, cell: StateCell<unknown>) => boolean,
  ) {}

  /** The snapshot as plain data, grouped by key group; expired values are left out. Releases the snapshot. */
  toData(): KeyedStateSnapshotData {
    const states: Record<string, { kind: StateDescriptor['kind']; keyGroups: Record<number, [unknown, [Namespace, unknown, Timestamp][]][]> }> = {};
    try {
      for (const [name, { descriptor, snapshot }] of this.tables) {
        const keyGroups: Record<number, [unknown, [Namespace, unknown, Timestamp][]][]> = {};
        for (const entry of snapshot.entries()) {
          const cells: [Namespace, unknown, Timestamp][] = [];
          for (const [ns, cell] of entry.cells) if (!this.isExpired(descriptor, cell)) cells.push([ns, cell.value, cell.touched]);
          if (cells.length === 0) continue;
          const group = keyGroupOf(entry.key, this.maxParallelism);
          (keyGroups[group] ??= []).push([entry.key, cells]);
        }
        states[name] = { kind: descriptor.kind, keyGroups };
      }
    } finally {
      this.release();
    }
    return { formatVersion: 1, maxParallelism: this.maxParallelism, states };
  }

  /** Stops copy-on-write bookkeeping without serializing. */
  release(): void {
    for (const { snapshot } of this.tables.values()) snapshot.release();
  }
}

/** Map-state cells live in the key's entry under a namespace derived from the user key. */
const mapNamespace = (ns: Namespace, userKey: CanonicalKey): string => `\u0001${String(ns)}\u0001${typeof userKey}:${String(userKey)}`;
const mapPrefix = (ns: Namespace): string => `\u0001${String(ns)}\u0001`;

/**
 * Keyed state on the heap: one copy-on-write table per declared state,
 * (key, namespace) → immutable value, with TTL, O(1) snapshots, and
 * snapshot/restore per key group.
 *
 * It's Flink's `HeapKeyedStateBackend`, with values immutable (primitives or
 * Immer-produced objects) so that a snapshot shares them with the live table.
 */
export class HeapKeyedStateBackend {
  private readonly tables = new Map<string, { descriptor: StateDescriptor; table: CopyOnWriteStateTable<unknown>; restoredOnly?: boolean }>();
  private readonly cleanupCursors = new WeakMap<CopyOnWriteStateTable<unknown>, Iterator<[CanonicalKey, unknown]>>();

  constructor(
    private readonly operator: string,
    private readonly clocks: StateClocks,
    readonly maxParallelism: number = DEFAULT_MAX_PARALLELISM,
  ) {}

  /** The scope of a key (validated, canonicalized). */
  scopeOf(key: unknown): KeyScope {
    const reason = invalidKeyReason(key);
    if (reason !== undefined) throw new InvalidKeyError(this.operator, { value: key }, key, reason);
    return { ck: canonicalKey(key), key };
  }

  /** Declares (or finds) a state; a second declaration under the same name must match. */
  register(descriptor: StateDescriptor): CopyOnWriteStateTable<unknown> {
    const existing = this.tables.get(descriptor.name);
    if (existing !== undefined) {
      if (existing.descriptor.kind !== descriptor.kind) {
        throw new StreamLiteError(this.operator, `state '${descriptor.name}' is a ${existing.descriptor.kind} state, not a ${descriptor.kind} state`);
      }
      if (existing.restoredOnly === true) {
        // declared from a snapshot's kind alone: the user's descriptor (TTL) takes over
        existing.descriptor = descriptor;
        existing.restoredOnly = false;
      }
      return existing.table;
    }
    const table = new CopyOnWriteStateTable<unknown>();
    this.tables.set(descriptor.name, { descriptor, table });
    return table;
  }

  // ── handles ────────────────────────────────────────────────────────────

  value<S>(d: ValueStateDescriptor<S>, scope: KeyScope, ns: Namespace = DEFAULT_NAMESPACE): ValueState<S> {
    const table = this.register(d as StateDescriptor);
    const read = (): S => {
      const cell = this.read(d, table, scope.ck, ns);
      return cell === undefined ? freezeState(d.defaultValue) : (cell.value as S);
    };
    return {
      value: read,
      update: (valueOrRecipe) => {
        let next: S;
        if (typeof valueOrRecipe === 'function') {
          try {
            next = produceState(read(), valueOrRecipe as (draft: Draft<S>) => void | S);
          } catch (err) {
            throw new UserFunctionError(`${this.operator} state '${d.name}'`, { value: read(), key: scope.key }, err);
          }
        } else {
          next = freezeState(valueOrRecipe);
        }
        table.set(scope.ck, scope.key, ns, next, this.now(d));
      },
      clear: () => void table.delete(scope.ck, ns),
    };
  }

  list<T>(d: ListStateDescriptor<T>, scope: KeyScope, ns: Namespace = DEFAULT_NAMESPACE): ListState<T> {
    const table = this.register(d as StateDescriptor);
    const read = (): readonly T[] => (this.read(d, table, scope.ck, ns)?.value as readonly T[] | undefined) ?? EMPTY;
    const write = (values: readonly T[]) => table.set(scope.ck, scope.key, ns, Object.freeze(values.slice()), this.now(d));
    return {
      get: read,
      add: (value) => write([...read(), freezeState(value)]),
      addAll: (values) => write([...read(), ...values.map(freezeState)]),
      update: (values) => write(values.map(freezeState)),
      clear: () => void table.delete(scope.ck, ns),
    };
  }

  map<UK, UV>(d: MapStateDescriptor<UK, UV>, scope: KeyScope, ns: Namespace = DEFAULT_NAMESPACE): MapState<UK, UV> {
    const table = this.register(d as StateDescriptor);
    const prefix = mapPrefix(ns);
    const cellNs = (userKey: UK): string => {
      const reason = invalidKeyReason(userKey);
      if (reason !== undefined) throw new InvalidKeyError(`${this.operator} map state '${d.name}'`, { value: userKey, key: scope.key }, userKey, reason);
      return mapNamespace(ns, canonicalKey(userKey));
    };
    const readEntry = (userKey: UK) => this.read(d, table, scope.ck, cellNs(userKey))?.value as readonly [UK, UV] | undefined;
    const all = (): [UK, UV][] => {
      const result: [UK, UV][] = [];
      const names = table.namespaces(scope.ck);
      if (names === undefined) return result;
      for (const name of [...names]) {
        if (typeof name !== 'string' || !name.startsWith(prefix)) continue;
        const cell = this.read(d, table, scope.ck, name);
        if (cell !== undefined) {
          const [k, v] = cell.value as readonly [UK, UV];
          result.push([k, v]);
        }
      }
      return result;
    };
    const put = (userKey: UK, value: UV) =>
      table.set(scope.ck, scope.key, cellNs(userKey), Object.freeze([freezeState(userKey), freezeState(value)] as const), this.now(d));
    return {
      get: (userKey) => readEntry(userKey)?.[1],
      put,
      update: (userKey, initial, recipe) => {
        const base = readEntry(userKey)?.[1] ?? initial;
        let next: UV;
        try {
          next = produceState(base, recipe);
        } catch (err) {
          throw new UserFunctionError(`${this.operator} map state '${d.name}'`, { value: base, key: scope.key }, err);
        }
        put(userKey, next);
      },
      remove: (userKey) => void table.delete(scope.ck, cellNs(userKey)),
      contains: (userKey) => readEntry(userKey) !== undefined,
      entries: all,
      keys: () => all().map(([k]) => k),
      values: () => all().map(([, v]) => v),
      isEmpty: () => all().length === 0,
      clear: () => {
        const names = table.namespaces(scope.ck);
        if (names === undefined) return;
        for (const name of [...names]) if (typeof name === 'string' && name.startsWith(prefix)) table.delete(scope.ck, name);
      },
    };
  }

  reducing<T>(d: ReducingStateDescriptor<T>, scope: KeyScope, ns: Namespace = DEFAULT_NAMESPACE): ReducingState<T> {
    const desc = d as unknown as StateDescriptor;
    const table = this.register(desc);
    const read = () => this.read(desc, table, scope.ck, ns)?.value as T | undefined;
    return {
      get: read,
      add: (value) => {
        const current = read();
        let next: T;
        try {
          next = current === undefined ? value : d.reduce(current, value);
        } catch (err) {
          throw new UserFunctionError(`${this.operator} reducing state '${d.name}'`, { value, key: scope.key }, err);
        }
        table.set(scope.ck, scope.key, ns, freezeState(next), this.now(desc));
      },
      clear: () => void table.delete(scope.ck, ns),
    };
  }

  aggregating<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>, scope: KeyScope, ns: Namespace = DEFAULT_NAMESPACE): AggregatingState<IN, OUT> {
    const table = this.register(d as StateDescriptor);
    const read = () => this.read(d, table, scope.ck, ns)?.value as ACC | undefined;
    return {
      get: () => {
        const acc = read();
        return acc === undefined ? undefined : d.aggregate.getResult(acc);
      },
      add: (value) => {
        const acc = read();
        let next: ACC;
        try {
          next = d.aggregate.add(value, acc === undefined ? d.aggregate.createAccumulator() : acc);
        } catch (err) {
          throw new UserFunctionError(`${this.operator} aggregating state '${d.name}'`, { value, key: scope.key }, err);
        }
        table.set(scope.ck, scope.key, ns, freezeState(next), this.now(d));
      },
      clear: () => void table.delete(scope.ck, ns),
    };
  }

  /** True when the key has no state left in any table. */
  isEmptyFor(ck: CanonicalKey): boolean {
    for (const { table } of this.tables.values()) if (table.namespaces(ck) !== undefined) return false;
    return true;
  }

  /** Number of keys with state, per state name. */
  sizes(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [name, { table }] of this.tables) result[name] = table.size;
    return result;
  }

  // ── TTL ────────────────────────────────────────────────────────────────

  private now(d: StateDescriptor): Timestamp {
    return d.ttl?.timeDomain === 'event' ? this.clocks.eventTime() : this.clocks.processingTime();
  }

  private expired(d: StateDescriptor, cell: StateCell<unknown>): boolean {
    return d.ttl !== undefined && cell.touched + d.ttl.ttl <= this.now(d);
  }

  /** Reads a cell: expired values are removed and never returned; reads refresh TTL when configured. */
  private read(d: StateDescriptor, table: CopyOnWriteStateTable<unknown>, ck: CanonicalKey, ns: Namespace): StateCell<unknown> | undefined {
    const cell = table.getCell(ck, ns);
    if (d.ttl === undefined) return cell;
    this.cleanupIncrementally(d, table);
    if (cell === undefined) return undefined;
    if (this.expired(d, cell)) {
      table.delete(ck, ns);
      return undefined;
    }
    if (d.ttl.update === 'onReadAndWrite') table.touch(ck, ns, this.now(d));
    return cell;
  }

  /** Checks a few more keys for expired values at every TTL access (Flink's incremental cleanup). */
  private cleanupIncrementally(d: StateDescriptor, table: CopyOnWriteStateTable<unknown>): void {
    for (let i = 0; i < 2; i++) {
      let cursor = this.cleanupCursors.get(table);
      if (cursor === undefined) {
        cursor = table.liveMap().entries() as Iterator<[CanonicalKey, unknown]>;
        this.cleanupCursors.set(table, cursor);
      }
      const step = cursor.next();
      if (step.done) {
        this.cleanupCursors.delete(table);
        return;
      }
      const [ck, entry] = step.value as [CanonicalKey, { cells: Map<Namespace, StateCell<unknown>> }];
      for (const [ns, cell] of [...entry.cells]) if (this.expired(d, cell)) table.delete(ck, ns);
    }
  }

  /** Removes every expired value now (also done for a snapshot). */
  purgeExpired(): void {
    for (const { descriptor, table } of this.tables.values()) {
      if (descriptor.ttl === undefined) continue;
      for (const [ck, entry] of [...table.liveMap()]) {
        for (const [ns, cell] of [...entry.cells]) if (this.expired(descriptor, cell)) table.delete(ck, ns);
      }
    }
  }

  // ── snapshots ──────────────────────────────────────────────────────────

  /** O(1) per table: a consistent view; serialize it later with `toData()`. */
  snapshot(): KeyedStateSnapshot {
    const snaps = new Map<string, { descriptor: StateDescriptor; snapshot: StateTableSnapshot<unknown> }>();
    for (const [name, { descriptor, table }] of this.tables) snaps.set(name, { descriptor, snapshot: table.snapshot() });
    // Expiry is judged by the clocks at the snapshot, not when it is serialized.
    const processingAt = this.clocks.processingTime();
    const eventAt = this.clocks.eventTime();
    return new KeyedStateSnapshot(snaps, this.maxParallelism, (d, cell) =>
      d.ttl !== undefined && cell.touched + d.ttl.ttl <= (d.ttl.timeDomain === 'event' ? eventAt : processingAt),
    );
  }

  /**
   * Loads the key groups of `range` from snapshots (one per former parallel
   * instance, or one in all): state taken under one assignment of key groups
   * restores under another. States not declared yet are declared from the
   * snapshot's kind.
   */
  restore(snapshots: readonly KeyedStateSnapshotData[], range: KeyGroupRange, descriptors: readonly StateDescriptor[] = []): void {
    for (const data of snapshots) {
      if (data.formatVersion !== 1) throw new StreamLiteError(this.operator, `unsupported keyed state format version ${String(data.formatVersion)}`);
      if (data.maxParallelism !== this.maxParallelism) {
        throw new InvalidArgumentError(this.operator, 'maxParallelism', `${data.maxParallelism} (the snapshot's number of key groups)`, this.maxParallelism);
      }
      for (const [name, state] of Object.entries(data.states)) {
        const declared = descriptors.find((d) => d.name === name) ?? this.tables.get(name)?.descriptor;
        const table = this.register(declared ?? ({ kind: state.kind, name, defaultValue: undefined } as StateDescriptor));
        if (declared === undefined) this.tables.get(name)!.restoredOnly = true;
        for (const [groupText, keys] of Object.entries(state.keyGroups)) {
          const group = Number(groupText);
          if (!inKeyGroupRange(range, group)) continue;
          table.load(
            keys.map(([key, cells]) => ({
              key,
              ck: canonicalKey(key),
              cells: cells.map(([ns, value, touched]) => [ns, { value: freezeState(value), touched }] as [Namespace, StateCell<unknown>]),
            })),
          );
        }
      }
    }
  }
}

const EMPTY: readonly never[] = Object.freeze([]);
