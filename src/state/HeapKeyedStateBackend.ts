import type { Draft } from 'immer';
import { InvalidArgumentError, InvalidKeyError, StreamLiteError, UserFunctionError } from '../core/errors';
import type { Timestamp } from '../core/types';
import { canonicalKey, invalidKeyReason, type CanonicalKey } from './canonicalKey';
import {
  CopyOnWriteStateTable,
  DEFAULT_NAMESPACE,
  RETIRED,
  type Namespace,
  type StateCell,
  type StateTableSnapshot,
  type TableEntry,
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
 * The serialized form of a backend's keyed state, entry by entry (format 1):
 * per state, per key group, the keys with their namespaced values and
 * last-access times. Plain data (JSON- and msgpack-safe apart from the values
 * themselves). {@link KeyedStateColumns} holds the same, column by column.
 */
export interface KeyedStateSnapshotData {
  readonly formatVersion: 1;
  readonly maxParallelism: number;
  readonly states: {
    readonly [name: string]: {
      readonly kind: StateDescriptor['kind'];
      readonly keyGroups: { readonly [group: number]: readonly [key: unknown, cells: readonly [Namespace, unknown, Timestamp][]][] };
      /** Present when no TTL was declared for the state: its times are 0, not stamps (a TTL declared after a restore counts from then). */
      readonly unstamped?: true;
    };
  };
}

/**
 * The serialized form of a backend's keyed state, column by column (format
 * 2): what {@link KeyedStateSnapshot.toColumns} writes for checkpoints. Per
 * state, per key group, a few flat arrays instead of three small arrays per
 * key: a million keys are a few hundred arrays to write, read and collect,
 * not three million. Plain data, as {@link KeyedStateSnapshotData}.
 *
 * ```
 * format 1:  keyGroups[7] = [ ['a', [['', 1, 1000]]], ['b', [['', 2, 1003]]] ]
 * format 2:  keyGroups[7] = { keys: ['a', 'b'], values: [1, 2], touched: [0, 3], touchedBase: 1000 }
 * ```
 */
export interface KeyedStateColumns {
  readonly formatVersion: 2;
  readonly maxParallelism: number;
  readonly states: {
    readonly [name: string]: {
      readonly kind: StateDescriptor['kind'];
      readonly keyGroups: { readonly [group: number]: KeyGroupColumns };
      /** As in {@link KeyedStateSnapshotData}. */
      readonly unstamped?: true;
    };
  };
}

/** One key group of {@link KeyedStateColumns}: its keys, and their cells in key order. */
export interface KeyGroupColumns {
  /** The keys, each once. */
  readonly keys: readonly unknown[];
  /** How many cells each key has, key by key; absent when every key has one. */
  readonly cellCounts?: readonly number[];
  /** Each cell's namespace; absent when every cell is in the default namespace (`''`). */
  readonly namespaces?: readonly Namespace[];
  /** Each cell's value. */
  readonly values: readonly unknown[];
  /**
   * Each cell's last access time, less `touchedBase` when that is present
   * (then every time is a safe integer); 0 for a state no TTL was declared for
   * (its writes read no clock).
   */
  readonly touched: readonly number[];
  /** Subtracted from every last-access time (small numbers are shorter in msgpack). */
  readonly touchedBase?: number;
}

/** The entries of one key group in {@link KeyedStateSnapshotData}: each key with its cells `[namespace, value, last access]`. */
type KeyGroupEntries = [key: unknown, cells: [Namespace, unknown, Timestamp][]][];

/** A key group of {@link KeyedStateColumns} being filled. */
interface ColumnsBuilder {
  keys: unknown[];
  cellCounts: number[] | undefined;
  namespaces: Namespace[] | undefined;
  values: unknown[];
  touched: number[];
}

/** An O(1) snapshot of every table of a backend, to be serialized off the record path. */
export class KeyedStateSnapshot {
  constructor(
    private readonly tables: ReadonlyMap<string, { descriptor: StateDescriptor; snapshot: StateTableSnapshot<unknown>; unstamped: boolean }>,
    private readonly maxParallelism: number,
    private readonly isExpired: (descriptor: StateDescriptor, cell: StateCell<unknown>) => boolean,
  ) {}

  /** The snapshot as plain data, entry by entry and grouped by key group; expired values are left out. Releases the snapshot. */
  toData(): KeyedStateSnapshotData {
    const states: Record<string, { kind: StateDescriptor['kind']; keyGroups: Record<number, KeyGroupEntries>; unstamped?: true }> = {};
    this.collect((name, kind, unstamped) => {
      const keyGroups: Record<number, KeyGroupEntries> = {};
      states[name] = unstamped ? { kind, keyGroups, unstamped } : { kind, keyGroups };
      return {
        add: (group, entry, cells) =>
          void (keyGroups[group] ??= []).push([
            entry.key,
            cells === undefined ? [[entry.ns!, entry.value, entry.touched]] : cells.map(([ns, cell]) => [ns, cell.value, cell.touched]),
          ]),
        done: () => undefined,
      };
    });
    return { formatVersion: 1, maxParallelism: this.maxParallelism, states };
  }

  /**
   * The snapshot as plain data, column by column — what a checkpoint should
   * store: much cheaper to write and to read back than {@link toData}'s
   * entries; expired values are left out. Releases the snapshot.
   */
  toColumns(): KeyedStateColumns {
    const states: Record<string, { kind: StateDescriptor['kind']; keyGroups: Record<number, KeyGroupColumns>; unstamped?: true }> = {};
    this.collect((name, kind, unstamped) => {
      const groups: (ColumnsBuilder | undefined)[] = [];
      const cell = (g: ColumnsBuilder, ns: Namespace, value: unknown, touched: Timestamp): void => {
        if (g.namespaces !== undefined) g.namespaces.push(ns);
        else if (ns !== DEFAULT_NAMESPACE) (g.namespaces = g.values.map(() => DEFAULT_NAMESPACE)).push(ns);
        g.values.push(value);
        g.touched.push(touched);
      };
      return {
        add: (group, entry, cells) => {
          const g = (groups[group] ??= { keys: [], cellCounts: undefined, namespaces: undefined, values: [], touched: [] });
          const n = cells === undefined ? 1 : cells.length;
          if (g.cellCounts !== undefined) g.cellCounts.push(n);
          else if (n !== 1) (g.cellCounts = g.keys.map(() => 1)).push(n);
          g.keys.push(entry.key);
          if (cells === undefined) cell(g, entry.ns!, entry.value, entry.touched);
          else for (let i = 0; i < cells.length; i++) cell(g, cells[i][0], cells[i][1].value, cells[i][1].touched);
        },
        done: () => {
          const keyGroups: Record<number, KeyGroupColumns> = {};
          for (let i = 0; i < groups.length; i++) if (groups[i] !== undefined) keyGroups[i] = finishColumns(groups[i]!);
          states[name] = unstamped ? { kind, keyGroups, unstamped } : { kind, keyGroups };
        },
      };
    });
    return { formatVersion: 2, maxParallelism: this.maxParallelism, states };
  }

  /** Stops copy-on-write bookkeeping without serializing. */
  release(): void {
    for (const { snapshot } of this.tables.values()) snapshot.release();
  }

  /**
   * Every key of every table that has unexpired cells, to the sink `open`
   * gives for the table; then releases the snapshot.
   */
  private collect(open: (name: string, kind: StateDescriptor['kind'], unstamped: true | undefined) => { add: KeySink; done: () => void }): void {
    const maxParallelism = this.maxParallelism;
    try {
      for (const [name, { descriptor, snapshot, unstamped }] of this.tables) {
        const { add, done } = open(name, descriptor.kind, unstamped ? true : undefined);
        const expired = descriptor.ttl === undefined ? undefined : (cell: StateCell<unknown>) => this.isExpired(descriptor, cell);
        snapshot.forEachEntry((entry) => {
          let cells: [Namespace, StateCell<unknown>][] | undefined;
          if (entry.more === undefined) {
            if (entry.ns === undefined || (expired !== undefined && expired(entry))) return;
          } else {
            cells = [];
            for (const [ns, cell] of entry.more) if (expired === undefined || !expired(cell)) cells.push([ns, cell]);
            if (cells.length === 0) return;
          }
          add(keyGroupOf(entry.key, maxParallelism), entry, cells);
        });
        done();
      }
    } finally {
      this.release();
    }
  }
}

/** Receives one key of a snapshot: its key group, its entry, and its unexpired cells (undefined: the entry's one inline cell). */
type KeySink = (group: number, entry: TableEntry<unknown>, cells: readonly (readonly [Namespace, StateCell<unknown>])[] | undefined) => void;

/** A filled key group: last-access times relative to their minimum when they are all safe integers. */
function finishColumns(g: ColumnsBuilder): KeyGroupColumns {
  const { touched } = g;
  let base = Infinity;
  let integers = true;
  for (let i = 0; i < touched.length; i++) {
    const t = touched[i];
    if (!Number.isSafeInteger(t)) {
      integers = false;
      break;
    }
    if (t < base) base = t;
  }
  let touchedBase: number | undefined;
  if (integers && base !== 0 && touched.length > 0) {
    touchedBase = base;
    for (let i = 0; i < touched.length; i++) touched[i] -= base;
  }
  const columns: { -readonly [F in keyof KeyGroupColumns]: KeyGroupColumns[F] } = { keys: g.keys, values: g.values, touched: g.touched };
  if (g.cellCounts !== undefined) columns.cellCounts = g.cellCounts;
  if (g.namespaces !== undefined) columns.namespaces = g.namespaces;
  if (touchedBase !== undefined) columns.touchedBase = touchedBase;
  return columns;
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
  private readonly cleanupCursors = new WeakMap<CopyOnWriteStateTable<unknown>, Iterator<CanonicalKey>>();

  constructor(
    private readonly operator: string,
    private readonly clocks: StateClocks,
    readonly maxParallelism: number = DEFAULT_MAX_PARALLELISM,
  ) {}

  /** @internal The operator's name in errors. */
  get operatorName(): string {
    return this.operator;
  }

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
      if (descriptor.ttl !== undefined && existing.table.stampClock === 'none') this.startStamping(existing.table, descriptor);
      return existing.table;
    }
    const table = new CopyOnWriteStateTable<unknown>();
    this.tables.set(descriptor.name, { descriptor, table });
    if (descriptor.ttl !== undefined) this.startStamping(table, descriptor);
    return table;
  }

  /**
   * A state gets its first TTL: from now on every write of it stamps the
   * TTL's clock (also through handles declared without TTL), and the values
   * written unstamped so far count from now.
   */
  private startStamping(table: CopyOnWriteStateTable<unknown>, d: StateDescriptor): void {
    table.stampClock = d.ttl!.timeDomain === 'event' ? 'event' : 'processing';
    table.restampUnstamped(this.now(d));
  }

  // ── handles ────────────────────────────────────────────────────────────

  /**
   * A value-state handle of one key (and namespace). It keeps the key's entry
   * once it has read or written it, and reads and writes it in place while
   * the table says it may (see {@link HeapValueState}), so a key that keeps
   * its handle pays no table lookup per access.
   */
  value<S>(d: ValueStateDescriptor<S>, scope: KeyScope, ns: Namespace = DEFAULT_NAMESPACE): ValueState<S> {
    return new HeapValueState<S>(this, d, this.register(d as StateDescriptor), scope.ck, scope.key, ns);
  }

  list<T>(d: ListStateDescriptor<T>, scope: KeyScope, ns: Namespace = DEFAULT_NAMESPACE): ListState<T> {
    const table = this.register(d as StateDescriptor);
    const read = (): readonly T[] => (this.read(d, table, scope.ck, ns)?.value as readonly T[] | undefined) ?? EMPTY;
    const write = (values: readonly T[]) => table.set(scope.ck, scope.key, ns, Object.freeze(values.slice()), this.stamp(d, table));
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
      table.set(scope.ck, scope.key, cellNs(userKey), Object.freeze([freezeState(userKey), freezeState(value)] as const), this.stamp(d, table));
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
        table.set(scope.ck, scope.key, ns, freezeState(next), this.stamp(desc, table));
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
        table.set(scope.ck, scope.key, ns, freezeState(next), this.stamp(d, table));
      },
      clear: () => void table.delete(scope.ck, ns),
    };
  }

  /** True when the key has no state left in any table. */
  isEmptyFor(ck: CanonicalKey): boolean {
    for (const { table } of this.tables.values()) if (table.has(ck)) return false;
    return true;
  }

  /** Number of keys with state, per state name. */
  sizes(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [name, { table }] of this.tables) result[name] = table.size;
    return result;
  }

  // ── TTL ────────────────────────────────────────────────────────────────

  /** @internal The time on the TTL clock of `d` (which must have a TTL). */
  now(d: StateDescriptor): Timestamp {
    return d.ttl?.timeDomain === 'event' ? this.clocks.eventTime() : this.clocks.processingTime();
  }

  /**
   * The access time a write of `d` records: its TTL clock's time (the TTL
   * declared first for the state, when `d` has none), or 0 — without reading
   * any clock — while no TTL was declared for the state.
   */
  private stamp(d: StateDescriptor, table: CopyOnWriteStateTable<unknown>): Timestamp {
    return d.ttl !== undefined ? this.now(d) : this.stampOf(table);
  }

  /** @internal The access time a write without its own TTL records in `table` (see {@link stamp}). */
  stampOf(table: CopyOnWriteStateTable<unknown>): Timestamp {
    const clock = table.stampClock;
    if (clock === 'none') {
      table.unstamped = true;
      return 0;
    }
    return clock === 'event' ? this.clocks.eventTime() : this.clocks.processingTime();
  }

  private expired(d: StateDescriptor, cell: StateCell<unknown>): boolean {
    return d.ttl !== undefined && cell.touched + d.ttl.ttl <= this.now(d);
  }

  /** @internal Reads a cell: expired values are removed and never returned; reads refresh TTL when configured. */
  read(d: StateDescriptor, table: CopyOnWriteStateTable<unknown>, ck: CanonicalKey, ns: Namespace): StateCell<unknown> | undefined {
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
        cursor = table.liveMap().keys();
        this.cleanupCursors.set(table, cursor);
      }
      const step = cursor.next();
      if (step.done) {
        this.cleanupCursors.delete(table);
        return;
      }
      table.deleteWhere(step.value, (cell) => this.expired(d, cell));
    }
  }

  /** Removes every expired value now (also done for a snapshot). */
  purgeExpired(): void {
    for (const { descriptor, table } of this.tables.values()) {
      if (descriptor.ttl === undefined) continue;
      const expired = (cell: StateCell<unknown>): boolean => this.expired(descriptor, cell);
      for (const ck of [...table.liveMap().keys()]) table.deleteWhere(ck, expired);
    }
  }

  // ── snapshots ──────────────────────────────────────────────────────────

  /** O(1) per table: a consistent view; serialize it later with `toData()`. */
  snapshot(): KeyedStateSnapshot {
    const snaps = new Map<string, { descriptor: StateDescriptor; snapshot: StateTableSnapshot<unknown>; unstamped: boolean }>();
    for (const [name, { descriptor, table }] of this.tables) snaps.set(name, { descriptor, snapshot: table.snapshot(), unstamped: table.stampClock === 'none' });
    // Expiry is judged by the clocks at the snapshot, not when it is serialized.
    const processingAt = this.clocks.processingTime();
    const eventAt = this.clocks.eventTime();
    return new KeyedStateSnapshot(snaps, this.maxParallelism, (d, cell) =>
      d.ttl !== undefined && cell.touched + d.ttl.ttl <= (d.ttl.timeDomain === 'event' ? eventAt : processingAt),
    );
  }

  /**
   * Loads the key groups of `range` from snapshots (one per former parallel
   * instance, or one in all), in either format ({@link KeyedStateSnapshotData},
   * {@link KeyedStateColumns}): state taken under one assignment of key
   * groups restores under another. States not declared yet are declared from
   * the snapshot's kind.
   *
   * @throws {StreamLiteError} an unknown format version, or columns that do not fit together.
   */
  restore(
    snapshots: readonly (KeyedStateSnapshotData | KeyedStateColumns)[],
    range: KeyGroupRange,
    descriptors: readonly StateDescriptor[] = [],
  ): void {
    for (const data of snapshots) {
      const version = (data as { formatVersion?: unknown } | null | undefined)?.formatVersion;
      if (version !== 1 && version !== 2) throw new StreamLiteError(this.operator, `unsupported keyed state format version ${String(version)}`);
      if (data.maxParallelism !== this.maxParallelism) {
        throw new InvalidArgumentError(this.operator, 'maxParallelism', `${data.maxParallelism} (the snapshot's number of key groups)`, this.maxParallelism);
      }
      for (const [name, state] of Object.entries(data.states)) {
        const declared = descriptors.find((d) => d.name === name) ?? this.tables.get(name)?.descriptor;
        const table = this.register(declared ?? ({ kind: state.kind, name, defaultValue: undefined } as StateDescriptor));
        if (declared === undefined) this.tables.get(name)!.restoredOnly = true;
        for (const [groupText, group] of Object.entries(state.keyGroups)) {
          if (!inKeyGroupRange(range, Number(groupText))) continue;
          if (data.formatVersion === 1) loadEntries(table, group as KeyGroupEntries);
          else loadColumns(table, group as KeyGroupColumns, (detail) => new StreamLiteError(this.operator, `malformed keyed state '${name}', key group ${groupText}: ${detail}`));
        }
        // Values written without any TTL carry 0, not a stamp: a TTL declared after the restore counts them
        // from its declaration, as for values written here before it (stamps of 0 are left alone).
        if (state.unstamped === true && table.stampClock === 'none' && table.size > 0) table.unstamped = true;
      }
    }
  }
}

/** Loads a key group of format 1 (values frozen: state values are immutable). */
function loadEntries(table: CopyOnWriteStateTable<unknown>, entries: KeyGroupEntries): void {
  for (let i = 0; i < entries.length; i++) {
    const [key, cells] = entries[i];
    const ck = canonicalKey(key);
    if (cells.length === 1) {
      const [ns, value, touched] = cells[0];
      table.loadCell(ck, key, ns, freezeState(value), touched);
    } else if (cells.length > 1) {
      table.loadCells(ck, key, cells.map(([ns, value, touched]) => [ns, freezeState(value), touched] as const));
    }
  }
}

/** Loads a key group of format 2, after checking that its columns fit together. */
function loadColumns(table: CopyOnWriteStateTable<unknown>, g: KeyGroupColumns, malformed: (detail: string) => Error): void {
  if (typeof g !== 'object' || g === null) throw malformed('not an object');
  const { keys, cellCounts, namespaces, values, touched, touchedBase } = g;
  if (!Array.isArray(keys) || !Array.isArray(values) || !Array.isArray(touched)) throw malformed('keys, values and touched must be arrays');
  let cells = keys.length;
  if (cellCounts !== undefined) {
    if (!Array.isArray(cellCounts) || cellCounts.length !== keys.length) throw malformed('cellCounts must have one count per key');
    cells = 0;
    for (let i = 0; i < cellCounts.length; i++) {
      const n = cellCounts[i];
      if (!Number.isSafeInteger(n) || n < 1) throw malformed(`cell count ${String(n)}`);
      cells += n;
    }
  }
  if (values.length !== cells || touched.length !== cells) throw malformed(`${cells} cells, but ${values.length} values and ${touched.length} access times`);
  if (namespaces !== undefined && (!Array.isArray(namespaces) || namespaces.length !== cells)) throw malformed('namespaces must have one namespace per cell');
  if (touchedBase !== undefined && typeof touchedBase !== 'number') throw malformed('touchedBase must be a number');
  const base = touchedBase ?? 0;
  if (cellCounts === undefined) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      table.loadCell(canonicalKey(key), key, namespaces === undefined ? DEFAULT_NAMESPACE : namespaces[i], freezeState(values[i]), base + touched[i]);
    }
    return;
  }
  for (let i = 0, c = 0; i < keys.length; i++) {
    const key = keys[i];
    const n = cellCounts[i];
    const list: (readonly [Namespace, unknown, Timestamp])[] = [];
    for (const end = c + n; c < end; c++) list.push([namespaces === undefined ? DEFAULT_NAMESPACE : namespaces[c], freezeState(values[c]), base + touched[c]]);
    table.loadCells(canonicalKey(key), key, list);
  }
}

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * The value-state handle of one key (and namespace) of a
 * {@link HeapKeyedStateBackend}.
 *
 * It keeps the key's table entry (`entry`) once an access has found it with
 * the cell inline, and then skips the table's lookup:
 * - a read without TTL returns `entry.value` while the entry is still the
 *   table's (its version is not {@link RETIRED}: a copy-on-write copy, a
 *   delete or a restore retires the entry it replaces) and holds the cell;
 * - a write goes into the entry in place while it also belongs to no
 *   snapshot (its version is above the table's `guarded`, the newest active
 *   snapshot's version); the first write after a snapshot therefore takes
 *   the table's path, which copies the entry for that snapshot and hands
 *   back the copy to keep.
 * Every write of the cell, through any handle, lands in the table's entry,
 * so what the handle reads is always the table's value. A descriptor without
 * TTL never reads a clock; with TTL, writes are stamped and reads go through
 * the backend's expiry, cleanup and refresh as before.
 */
class HeapValueState<S> implements ValueState<S> {
  /** The key's entry as last found (with this cell inline), or undefined. */
  private entry: TableEntry<unknown> | undefined = undefined;
  private readonly hasTtl: boolean;

  constructor(
    private readonly backend: HeapKeyedStateBackend,
    private readonly d: ValueStateDescriptor<S>,
    private readonly table: CopyOnWriteStateTable<unknown>,
    private readonly ck: CanonicalKey,
    private readonly key: unknown,
    private readonly ns: Namespace,
  ) {
    this.hasTtl = d.ttl !== undefined;
  }

  value(): S {
    if (!this.hasTtl) {
      let e = this.entry;
      if (e === undefined || e.version === RETIRED) {
        e = this.table.entryOf(this.ck);
        if (e === undefined) {
          this.entry = undefined;
          return freezeState(this.d.defaultValue);
        }
        this.entry = e;
      }
      if (e.more === undefined) return e.ns === this.ns ? (e.value as S) : freezeState(this.d.defaultValue);
      const cell = e.more.get(this.ns);
      return cell === undefined ? freezeState(this.d.defaultValue) : (cell.value as S);
    }
    const cell = this.backend.read(this.d as StateDescriptor, this.table, this.ck, this.ns);
    return cell === undefined ? freezeState(this.d.defaultValue) : (cell.value as S);
  }

  update(valueOrRecipe: S | ((draft: Draft<S>) => void | S)): void {
    let next: S;
    if (typeof valueOrRecipe === 'function') {
      const base = this.value();
      try {
        next = produceState(base, valueOrRecipe as (draft: Draft<S>) => void | S);
      } catch (err) {
        throw new UserFunctionError(`${this.backend.operatorName} state '${this.d.name}'`, { value: this.value(), key: this.key }, err);
      }
    } else next = freezeState(valueOrRecipe);
    const table = this.table;
    // no clock unless the state has a TTL (its own, or one declared for the state elsewhere)
    let touched = 0;
    if (this.hasTtl) touched = this.backend.now(this.d as StateDescriptor);
    else if (table.stampClock !== 'none') touched = this.backend.stampOf(table);
    else table.unstamped = true;
    const e = this.entry;
    if (e !== undefined && e.version > table.guarded && e.more === undefined && e.ns === this.ns) {
      e.value = next;
      e.touched = touched;
      return;
    }
    this.entry = table.set(this.ck, this.key, this.ns, next, touched);
  }

  clear(): void {
    this.table.delete(this.ck, this.ns);
  }
}
