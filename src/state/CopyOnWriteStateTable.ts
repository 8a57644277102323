import type { Timestamp } from '../core/types';
import type { CanonicalKey } from './canonicalKey';

/** A namespace inside a key's state: the window, or {@link DEFAULT_NAMESPACE}. */
export type Namespace = string | number;

/** The namespace of state that belongs to the key itself (not to a window). */
export const DEFAULT_NAMESPACE: Namespace = '';

/** @internal One value of a (key, namespace), with its last access time for TTL. */
export interface StateCell<V> {
  readonly value: V;
  readonly touched: Timestamp;
}

/** @internal A cell of a key with several namespaces: `version` says which snapshots may share it. */
type MutableCell<V> = { value: V; touched: Timestamp; version?: number };

/**
 * @internal
 * A key's entry: its cells by namespace. An entry is never changed once a
 * snapshot may still read it: the first write after a snapshot replaces it by
 * a copy (copy-on-write), and the snapshot keeps the original.
 */
export interface StateEntry<V> {
  readonly key: unknown;
  /** The table version it was made at ({@link RETIRED} once it has left the table). */
  readonly version: number;
  /** The cells by namespace (for a key with one namespace, a Map built on each access). */
  readonly cells: ReadonlyMap<Namespace, StateCell<V>>;
}

/**
 * @internal
 * The version of an entry that is no longer the table's entry of its key
 * (replaced by a copy, deleted, or loaded over): below every snapshot version
 * and below {@link CopyOnWriteStateTable.guarded} (≥ -1), so a handle that kept
 * the entry sees at once that it may neither read nor write it any more.
 * Snapshots never read the version of an entry they keep aside.
 */
export const RETIRED = -2;

/**
 * @internal
 * How a table holds a key's entry. Most keys have one namespace (value state,
 * one window): that cell is held inline — `ns`, `value`, `touched` on the
 * entry itself, which is then the cell {@link CopyOnWriteStateTable.getCell}
 * returns — so a key costs one small object, not an entry, a Map and a cell.
 * A second namespace moves the cells into `more`, a Map of cells.
 */
export class TableEntry<V> implements StateEntry<V>, StateCell<V> {
  constructor(
    readonly key: unknown,
    /** The table version it was made at; {@link RETIRED} once it has left the table. */
    public version: number,
    /** The inline cell's namespace; undefined when the cells are in `more` (or, only while being filled, none). */
    public ns: Namespace | undefined,
    public value: V,
    public touched: Timestamp,
    /** The cells, when the key has (or had) several namespaces. */
    public more: Map<Namespace, MutableCell<V>> | undefined,
  ) {}

  get cells(): ReadonlyMap<Namespace, StateCell<V>> {
    if (this.more !== undefined) return this.more;
    return this.ns === undefined ? new Map() : new Map([[this.ns, { value: this.value, touched: this.touched }]]);
  }

  /** The cell of `ns`, if any. */
  cell(ns: Namespace): StateCell<V> | undefined {
    return this.more === undefined ? (this.ns === ns ? this : undefined) : this.more.get(ns);
  }

  /** Calls `fn` with every cell (inline: the entry itself). */
  forEachCell(fn: (ns: Namespace, cell: StateCell<V>) => void): void {
    if (this.more === undefined) {
      if (this.ns !== undefined) fn(this.ns, this);
    } else {
      for (const [ns, cell] of this.more) fn(ns, cell);
    }
  }
}

const ABSENT = Symbol('absent');

/**
 * A frozen view of a table at the moment `snapshot()` was called, readable
 * (and serializable, a chunk at a time) while processing goes on.
 */
export class StateTableSnapshot<V> {
  /** Entries as they were, for keys written (or removed, or created: ABSENT) since the snapshot. */
  readonly overlay = new Map<CanonicalKey, TableEntry<V> | typeof ABSENT>();
  private released = false;

  constructor(
    private readonly table: CopyOnWriteStateTable<V>,
    /** Entries with a version ≤ this belong to the snapshot. */
    readonly version: number,
  ) {}

  /**
   * Every entry as of the snapshot. Safe to interleave with writes to the
   * table: an entry untouched since the snapshot is read live, a touched one
   * from the overlay — each exactly once.
   */
  *entries(): IterableIterator<StateEntry<V>> {
    // A live entry yielded here may be written before the overlay is read:
    // its old version then lands in the overlay too, so remember what was yielded.
    const yielded = new Set<CanonicalKey>();
    for (const [ck, entry] of this.table.liveMap()) {
      if (entry.version <= this.version) {
        yielded.add(ck);
        yield entry;
      }
    }
    for (const [ck, old] of this.overlay) {
      if (old !== ABSENT && !yielded.has(ck)) yield old;
    }
  }

  /**
   * @internal
   * Every entry as of the snapshot, in one synchronous pass: `fn` must not
   * write to the table (no write can then land between the live pass and the
   * overlay pass, so nothing needs remembering, as {@link entries} must).
   */
  forEachEntry(fn: (entry: TableEntry<V>) => void): void {
    const version = this.version;
    for (const entry of this.table.liveMap().values()) if (entry.version <= version) fn(entry);
    for (const old of this.overlay.values()) if (old !== ABSENT) fn(old);
  }

  /** Stops the copy-on-write bookkeeping for this snapshot (call when it is written). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.table.releaseSnapshot(this);
  }
}

/**
 * @internal
 * The state of one kind for an operator: key → namespace → immutable value,
 * in a mutable map with copy-on-write at snapshot boundaries (as Flink's
 * CopyOnWriteStateMap): `snapshot()` is O(1), a version bump; the first write
 * to a key after it keeps the old entry for the snapshot.
 */
export class CopyOnWriteStateTable<V> {
  private readonly live = new Map<CanonicalKey, TableEntry<V>>();
  private version = 0;
  private readonly active: StateTableSnapshot<V>[] = [];
  /**
   * @internal
   * The highest version any active snapshot holds; -1 when none. An entry
   * with a higher version belongs to no snapshot: it may be written in place
   * (what a handle that kept a key's entry checks before writing into it).
   * Read it, never set it.
   */
  guarded = -1;
  /**
   * @internal
   * The clock writes stamp cells with: none (0, no clock read) until a
   * descriptor with a TTL is declared for the state; then that TTL's clock,
   * for every write through any handle (see HeapKeyedStateBackend.register).
   */
  stampClock: 'none' | 'processing' | 'event' = 'none';
  /** @internal Whether a write stamped 0 because no TTL was declared yet (see {@link restampUnstamped}). */
  unstamped = false;

  /** Number of keys with state. */
  get size(): number {
    return this.live.size;
  }

  /** The cell of (key, namespace), if any. */
  getCell(ck: CanonicalKey, ns: Namespace): StateCell<V> | undefined {
    return this.live.get(ck)?.cell(ns);
  }

  /** Whether the key has state. */
  has(ck: CanonicalKey): boolean {
    return this.live.has(ck);
  }

  /** The live entry of a key, if any (@internal: for handles that keep their key's entry; never mutate it). */
  entryOf(ck: CanonicalKey): TableEntry<V> | undefined {
    return this.live.get(ck);
  }

  /**
   * Writes (key, namespace) → value; returns the key's entry, which — while
   * its version stays above {@link guarded} and it holds the namespace inline —
   * the next write of the same cell may update in place without a lookup.
   */
  set(ck: CanonicalKey, key: unknown, ns: Namespace, value: V, now: Timestamp): TableEntry<V> {
    const entry = this.writable(ck, key);
    const more = entry.more;
    if (more === undefined) {
      if (entry.ns === undefined || entry.ns === ns) {
        entry.ns = ns;
        entry.value = value;
        entry.touched = now;
        return entry;
      }
      // a second namespace: the cells move into a Map (the inline cell belongs to no snapshot: the entry is writable)
      entry.more = new Map<Namespace, MutableCell<V>>([
        [entry.ns, { value: entry.value, touched: entry.touched, version: this.version }],
        [ns, { value, touched: now, version: this.version }],
      ]);
      entry.ns = undefined;
      entry.value = undefined as V;
      return entry;
    }
    const cell = more.get(ns);
    // A cell created after the newest active snapshot belongs to no snapshot: update it in place.
    if (cell !== undefined && cell.version !== undefined && cell.version > this.guarded) {
      cell.value = value;
      cell.touched = now;
    } else more.set(ns, { value, touched: now, version: this.version });
    return entry;
  }

  /** Refreshes the access time of a cell (TTL on read) without changing its value. */
  touch(ck: CanonicalKey, ns: Namespace, now: Timestamp): void {
    const cell = this.getCell(ck, ns);
    if (cell === undefined || cell.touched === now) return;
    const entry = this.writable(ck, undefined);
    if (entry.more === undefined) entry.touched = now;
    else entry.more.set(ns, { value: cell.value, touched: now, version: this.version });
  }

  /**
   * @internal
   * Stamps `now` on every cell written without an access time (0) while no
   * TTL was declared: a TTL declared later counts from its declaration.
   */
  restampUnstamped(now: Timestamp): void {
    if (!this.unstamped) return;
    this.unstamped = false;
    const zero: [CanonicalKey, Namespace][] = [];
    for (const [ck, entry] of this.live) entry.forEachCell((ns, cell) => void (cell.touched === 0 && zero.push([ck, ns])));
    for (const [ck, ns] of zero) this.touch(ck, ns, now);
  }

  /** Removes (key, namespace); the key's entry goes when its last namespace does. */
  delete(ck: CanonicalKey, ns: Namespace): boolean {
    const current = this.live.get(ck);
    if (current === undefined || current.cell(ns) === undefined) return false;
    if (current.more === undefined) {
      // its only cell: the entry goes (a snapshot that holds it keeps it)
      this.retire(ck, current);
      this.live.delete(ck);
      current.version = RETIRED;
      return true;
    }
    const entry = this.writable(ck, current.key);
    entry.more!.delete(ns);
    if (entry.more!.size === 0) {
      this.live.delete(ck);
      entry.version = RETIRED;
    }
    return true;
  }

  /** Every namespace of a key. */
  namespaces(ck: CanonicalKey): IterableIterator<Namespace> | undefined {
    const entry = this.live.get(ck);
    if (entry === undefined) return undefined;
    return entry.more === undefined ? [entry.ns!][Symbol.iterator]() : entry.more.keys();
  }

  /** O(1): a consistent view for checkpointing; writes after it copy the entries they touch. */
  snapshot(): StateTableSnapshot<V> {
    const snap = new StateTableSnapshot<V>(this, this.version);
    this.active.push(snap);
    this.guarded = this.version;
    this.version++;
    return snap;
  }

  /** Loads entries (restore), replacing the entries of the same keys; active snapshots keep what they saw. */
  load(entries: Iterable<{ key: unknown; ck: CanonicalKey; cells: [Namespace, StateCell<V>][] }>): void {
    for (const e of entries) {
      if (e.cells.length === 0) continue;
      if (e.cells.length === 1) this.loadCell(e.ck, e.key, e.cells[0][0], e.cells[0][1].value, e.cells[0][1].touched);
      else this.loadCells(e.ck, e.key, e.cells.map(([ns, cell]) => [ns, cell.value, cell.touched] as const));
    }
  }

  /** @internal Loads a key with one cell (restore), replacing its entry. */
  loadCell(ck: CanonicalKey, key: unknown, ns: Namespace, value: V, touched: Timestamp): void {
    this.replaced(ck);
    this.live.set(ck, new TableEntry<V>(key, this.version, ns, value, touched, undefined));
  }

  /** @internal Loads a key with its cells (restore), replacing its entry. */
  loadCells(ck: CanonicalKey, key: unknown, cells: readonly (readonly [Namespace, V, Timestamp])[]): void {
    if (cells.length === 1) return this.loadCell(ck, key, cells[0][0], cells[0][1], cells[0][2]);
    this.replaced(ck);
    const more = new Map<Namespace, MutableCell<V>>();
    for (const [ns, value, touched] of cells) more.set(ns, { value, touched, version: this.version });
    this.live.set(ck, new TableEntry<V>(key, this.version, undefined, undefined as V, 0, more));
  }

  /** @internal Removes the cells of a key that `expired` picks (TTL cleanup). */
  deleteWhere(ck: CanonicalKey, expired: (cell: StateCell<V>) => boolean): void {
    const entry = this.live.get(ck);
    if (entry === undefined) return;
    if (entry.more === undefined) {
      if (expired(entry)) this.delete(ck, entry.ns!);
      return;
    }
    for (const [ns, cell] of [...entry.more]) if (expired(cell)) this.delete(ck, ns);
  }

  /** @internal Live entries (for snapshots and cleanup). */
  liveEntries(): IterableIterator<StateEntry<V>> {
    return this.live.values();
  }

  /** @internal Live keys with their entries (for snapshots and incremental TTL cleanup). */
  liveMap(): ReadonlyMap<CanonicalKey, TableEntry<V>> {
    return this.live;
  }

  /** @internal */
  releaseSnapshot(snap: StateTableSnapshot<V>): void {
    const i = this.active.indexOf(snap);
    if (i >= 0) this.active.splice(i, 1);
    this.guarded = this.active.length === 0 ? -1 : Math.max(...this.active.map((s) => s.version));
  }

  /** The entry of `ck` is about to be replaced by a loaded one: snapshots keep it, handles let go of it. */
  private replaced(ck: CanonicalKey): void {
    const current = this.live.get(ck);
    if (this.guarded >= 0) this.retire(ck, current);
    if (current !== undefined) current.version = RETIRED;
  }

  /** Keeps the current entry of `ck` (or its absence) for every active snapshot that has not kept one yet. */
  private retire(ck: CanonicalKey, current: TableEntry<V> | undefined): void {
    if (current === undefined) {
      if (this.guarded >= 0) for (const s of this.active) if (!s.overlay.has(ck)) s.overlay.set(ck, ABSENT);
      return;
    }
    if (current.version > this.guarded) return;
    for (const s of this.active) {
      if (s.version >= current.version && !s.overlay.has(ck)) s.overlay.set(ck, current);
    }
  }

  /** The entry of `ck`, safe to mutate: copied first if a snapshot still needs the old one. */
  private writable(ck: CanonicalKey, key: unknown): TableEntry<V> {
    const current = this.live.get(ck);
    if (current === undefined) {
      this.retire(ck, undefined);
      const fresh = new TableEntry<V>(key, this.version, undefined, undefined as V, 0, undefined);
      this.live.set(ck, fresh);
      return fresh;
    }
    if (current.version > this.guarded) return current;
    this.retire(ck, current);
    const copy = new TableEntry<V>(
      current.key,
      this.version,
      current.ns,
      current.value,
      current.touched,
      current.more === undefined ? undefined : new Map(current.more),
    );
    this.live.set(ck, copy);
    // The snapshots keep the original (they never read its version); a handle that kept it must not write it.
    current.version = RETIRED;
    return copy;
  }
}
