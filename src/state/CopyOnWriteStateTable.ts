import type { Timestamp } from '../core/types';
import type { CanonicalKey } from './canonicalKey';

/** A namespace inside a key's state: the window, or {@link DEFAULT_NAMESPACE}. */
export type Namespace = string | number;

/** The namespace of state that belongs to the key itself (not to a window). */
export const DEFAULT_NAMESPACE: Namespace = '';

/** @internal One value of a (key, namespace), with its last access time for TTL. */
/** @internal A cell as the table keeps it: `version` says which snapshots may share it. */
type MutableCell<V> = { value: V; touched: Timestamp; version?: number };

export interface StateCell<V> {
  readonly value: V;
  readonly touched: Timestamp;
}

/**
 * @internal
 * A key's entry: its cells by namespace. An entry is never changed once a
 * snapshot may still read it: the first write after a snapshot replaces it by
 * a copy (copy-on-write), and the snapshot keeps the original.
 */
export interface StateEntry<V> {
  readonly key: unknown;
  readonly version: number;
  readonly cells: Map<Namespace, StateCell<V>>;
}

const ABSENT = Symbol('absent');

/**
 * A frozen view of a table at the moment `snapshot()` was called, readable
 * (and serializable, a chunk at a time) while processing goes on.
 */
export class StateTableSnapshot<V> {
  /** Entries as they were, for keys written (or removed, or created: ABSENT) since the snapshot. */
  readonly overlay = new Map<CanonicalKey, StateEntry<V> | typeof ABSENT>();
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
  private readonly live = new Map<CanonicalKey, StateEntry<V>>();
  private version = 0;
  private readonly active: StateTableSnapshot<V>[] = [];
  /** The highest version any active snapshot holds; -1 when none. */
  private guarded = -1;

  /** Number of keys with state. */
  get size(): number {
    return this.live.size;
  }

  /** The cell of (key, namespace), if any. */
  getCell(ck: CanonicalKey, ns: Namespace): StateCell<V> | undefined {
    return this.live.get(ck)?.cells.get(ns);
  }

  /** Writes (key, namespace) → value. */
  set(ck: CanonicalKey, key: unknown, ns: Namespace, value: V, now: Timestamp): void {
    const entry = this.writable(ck, key);
    const cell = entry.cells.get(ns) as MutableCell<V> | undefined;
    // A cell created after the newest active snapshot belongs to no snapshot: update it in place.
    if (cell !== undefined && cell.version !== undefined && cell.version > this.guarded) {
      cell.value = value;
      cell.touched = now;
    } else entry.cells.set(ns, { value, touched: now, version: this.version } as StateCell<V>);
  }

  /** Refreshes the access time of a cell (TTL on read) without changing its value. */
  touch(ck: CanonicalKey, ns: Namespace, now: Timestamp): void {
    const cell = this.getCell(ck, ns);
    if (cell === undefined || cell.touched === now) return;
    this.writable(ck, undefined).cells.set(ns, { value: cell.value, touched: now });
  }

  /** Removes (key, namespace); the key's entry goes when its last namespace does. */
  delete(ck: CanonicalKey, ns: Namespace): boolean {
    const current = this.live.get(ck);
    if (current === undefined || !current.cells.has(ns)) return false;
    const entry = this.writable(ck, current.key);
    entry.cells.delete(ns);
    if (entry.cells.size === 0) this.live.delete(ck);
    return true;
  }

  /** Every namespace of a key. */
  namespaces(ck: CanonicalKey): IterableIterator<Namespace> | undefined {
    return this.live.get(ck)?.cells.keys();
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
      this.writable(e.ck, e.key);
      this.live.set(e.ck, { key: e.key, version: this.version, cells: new Map(e.cells) });
    }
  }

  /** @internal Live entries (for snapshots and cleanup). */
  liveEntries(): IterableIterator<StateEntry<V>> {
    return this.live.values();
  }

  /** @internal Live keys with their entries (for incremental TTL cleanup). */
  liveMap(): ReadonlyMap<CanonicalKey, StateEntry<V>> {
    return this.live;
  }

  /** @internal */
  releaseSnapshot(snap: StateTableSnapshot<V>): void {
    const i = this.active.indexOf(snap);
    if (i >= 0) this.active.splice(i, 1);
    this.guarded = this.active.length === 0 ? -1 : Math.max(...this.active.map((s) => s.version));
  }

  /** The entry of `ck`, safe to mutate: copied first if a snapshot still needs the old one. */
  private writable(ck: CanonicalKey, key: unknown): StateEntry<V> & { cells: Map<Namespace, StateCell<V>> } {
    const current = this.live.get(ck);
    if (current === undefined) {
      if (this.guarded >= 0) for (const s of this.active) if (!s.overlay.has(ck)) s.overlay.set(ck, ABSENT);
      const fresh: StateEntry<V> = { key, version: this.version, cells: new Map() };
      this.live.set(ck, fresh);
      return fresh;
    }
    if (current.version > this.guarded) return current;
    for (const s of this.active) {
      if (s.version >= current.version && !s.overlay.has(ck)) s.overlay.set(ck, current);
    }
    const copy: StateEntry<V> = { key: current.key, version: this.version, cells: new Map(current.cells) };
    this.live.set(ck, copy);
    return copy;
  }
}
