import type { Subscriber } from 'rxjs';
import type { Element, RecordBatch } from '../../core/Element';
import { InvalidArgumentError, MissingTimestampError, NotKeyedError, StreamLiteError, UserFunctionError } from '../../core/errors';
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP } from '../../core/time';
import type { Duration, Timestamp } from '../../core/types';
import { keepResident } from '../../core/resident';
import type { AggregateFunction } from '../../operators/AggregateFunction';
import { KeyInterner } from '../../state/KeyInterner';
import { DEFAULT_MAX_PARALLELISM, type KeyGroupRange } from '../../state/keyGroups';
import { beginRestore, checkKeyGroupsOption, checkKeyInKeyGroups } from '../../state/keyGroupsInternals';
import { paneInfo, type PaneTiming } from '../PaneInfo';
import { BUILTIN_EVENT_TIME_TRIGGERS } from '../triggers/eventTimeTrigger';
import type { Trigger } from '../Trigger';
import type { WindowResult } from '../WindowResult';
import { windowStart } from '../windowMath';
import type { WindowCheckpoint, WindowFunctionSpec, WindowSpec } from '../windowInternals';
import type { WindowEngineFactory, WindowEngineLike } from './WindowEngineLike';
import { WindowOutput } from './WindowOutput';

/**
 * @internal
 * What the sliced engine keeps in a checkpoint: the slices' accumulators by
 * key and the windows' firing bookkeeping. Keys are stored as values (not
 * ids), so the data is portable across instances and key-group assignments.
 */
export interface SliceCheckpoint {
  readonly kind: 'slices';
  readonly watermark: Timestamp;
  readonly size: Duration;
  readonly slide: Duration;
  readonly offset: Duration;
  readonly slices: readonly { readonly start: Timestamp; readonly keys: readonly unknown[]; readonly accs: readonly unknown[] }[];
  readonly windows: readonly {
    readonly start: Timestamp;
    readonly fired: boolean;
    /** Next pane index per key, for keys that fired a pane of this window. */
    readonly panes: readonly [unknown, number][] | undefined;
    /** Keys whose ON_TIME pane already fired although the window's has not (restored from instances with different watermarks). */
    readonly skip: readonly unknown[] | undefined;
  }[];
  readonly keyGroups: KeyGroupRange;
  readonly maxParallelism: number;
}

/** The slice a record lands in: `[start, start + slide)`; accumulators by key id. */
interface Slice<ACC> {
  readonly start: Timestamp;
  /** When the last window containing this slice is cleared (it is dropped then). */
  readonly expiry: Timestamp;
  accs: (ACC | undefined)[];
  /** Key ids in first-touch order (append-only: a snapshot keeps the array and its length). */
  readonly keys: number[];
  /** True while a snapshot holds `accs`: the next write copies it first. */
  shared: boolean;
  /**
   * In-place accumulators (`copyAccumulator`) after a snapshot: 1 for key ids
   * whose accumulator was copied since (ids past the end were created since);
   * undefined when no snapshot holds any of them.
   */
  owned: Uint8Array | undefined;
}

/** A window `[start, start + size)`: its firing bookkeeping (its contents are its slices'). */
interface Win {
  readonly start: Timestamp;
  readonly end: Timestamp;
  /** `end − 1`: the default trigger fires here. */
  readonly fireAt: Timestamp;
  /** `end − 1 + allowedLateness` (saturating): the window is cleared here. */
  readonly cleanupAt: Timestamp;
  fired: boolean;
  /** Next pane index by key id (kept when panes can follow the ON_TIME one). */
  panes: (number | undefined)[] | undefined;
  panesShared: boolean;
  /** Key ids that already fired ON_TIME (restore of instances whose watermarks differed). */
  skip: Set<number> | undefined;
}

/**
 * @internal
 * Tumbling and sliding event-time windows with an aggregate function and the
 * default trigger — the common shape — run on **slices**: every record
 * updates one accumulator, that of its key in the slide-sized slice
 * `[a, a + slide)` holding its timestamp; a window `[s, s + size)` is the
 * `size / slide` slices it spans, combined with `merge()` when it fires. A
 * tumbling window is one slice. Accumulators live in arrays by interned key
 * id, one array per slice; the default trigger's timers become one entry per
 * window start. Observably the general engine's rules (DESIGN.md):
 *
 * ```
 * sliding(10 s, 5 s), lateness 0     slices: [0,5) [5,10) [10,15)
 *   record @7   → slice [5,10)      (one add)
 *   W ≥ 9       → [0,10)  = merge([0,5), [5,10))   ON_TIME, isLast
 *   W ≥ 14      → [5,15)  = merge([5,10), [10,15)) ON_TIME, isLast
 * ```
 *
 * A record is late when the last window holding it is (`a + size − 1 +
 * lateness ≤ W`); a record for a window that already fired (within the
 * lateness) fires a LATE pane for its key at once. Results of one firing come
 * window by window in end order, and within a window key by key in the order
 * keys first reached its slices (slice by slice). A checkpoint is O(slices):
 * it marks the slices' arrays shared; the first write after it copies one.
 */
class SliceEngine<T, K, ACC, R> implements WindowEngineLike {
  private readonly size: Duration;
  private readonly slide: Duration;
  private readonly offset: Duration;
  /** Slices per window. */
  private readonly span: number;
  private readonly lateness: Duration;
  private readonly discarding: boolean;
  private readonly trackPanes: boolean;
  private readonly name: string;
  private readonly agg: AggregateFunction<T, ACC, R>;
  /** The function's copy when its accumulators are updated in place. */
  private readonly copy: ((acc: ACC) => ACC) | undefined;
  private readonly maxParallelism: number;
  private readonly keyGroups: KeyGroupRange;
  private keysChecked: number;

  private readonly keys = new KeyInterner<K>();
  private readonly slices = new Map<Timestamp, Slice<ACC>>();
  /** Live slices by start (expiry grows with start). */
  private sliceList: Slice<ACC>[] = [];
  private readonly windows = new Map<Timestamp, Win>();
  /** Live windows by start (fire and cleanup times grow with start). */
  private windowList: Win[] = [];
  /** Windows holding skip sets (restores only). */
  private skips = 0;
  private lastSlice: Slice<ACC> | undefined;

  private watermark: Timestamp = MIN_WATERMARK;
  private ended = false;

  private readonly output: WindowOutput<T, WindowResult<K, R>>;
  /** Scratch for combining slices: accumulator and last-seen window serial by key id. */
  private readonly combined: (ACC | undefined)[] = [];
  private readonly combinedOrder: number[] = [];

  constructor(
    spec: WindowSpec<T>,
    fn: AggregateFunction<T, ACC, R>,
    private readonly out: Subscriber<Element<unknown>>,
  ) {
    const o = spec.options;
    const shape = spec.assigner.shape as { kind: 'tumbling'; size: Duration; offset: Duration } | { kind: 'sliding'; size: Duration; slide: Duration; offset: Duration };
    this.size = shape.size;
    this.slide = shape.kind === 'sliding' ? shape.slide : shape.size;
    this.offset = shape.offset;
    this.span = this.size / this.slide;
    this.lateness = o.allowedLateness ?? 0;
    this.discarding = o.accumulation === 'discarding';
    this.trackPanes = this.lateness > 0;
    this.name = o.name ?? 'window';
    this.agg = fn;
    const copy = fn.copyAccumulator;
    this.copy = copy === undefined ? undefined : (acc) => copy.call(fn, acc);
    this.maxParallelism = o.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    this.keyGroups = checkKeyGroupsOption(this.name, o.keyGroups, this.maxParallelism);
    this.keysChecked = o.keyGroups === undefined ? Infinity : 0;
    this.output = new WindowOutput<T, WindowResult<K, R>>(out, o.lateOutput, this.name, o.metrics);
  }

  // ── records ────────────────────────────────────────────────────────────

  processBatch(batch: RecordBatch<unknown>): void {
    const keys = batch.keys as readonly K[] | undefined;
    if (keys === undefined) throw new NotKeyedError(this.name);
    if (this.ended) throw new StreamLiteError(this.name, 'record after end of input');
    const values = batch.values as readonly T[];
    const timestamps = batch.timestamps;
    const n = values.length;
    const slide = this.slide;
    const offset = this.offset;
    const agg = this.agg;
    const interner = this.keys;
    const watermark = this.watermark;
    let last = this.lastSlice;
    // One try around the loop (not one per record); `inUser` tells a user function's error from the engine's.
    let inUser = false;
    let i = 0;
    try {
      for (; i < n; i++) {
        const ts = timestamps[i];
        if (ts === NO_TIMESTAMP) throw new MissingTimestampError(this.name, { value: values[i], key: keys[i] });
        const keyId = interner.intern(keys[i]);
        if (keyId >= this.keysChecked) this.checkNewKey(keyId, values[i], ts);
        let rem = (ts - offset) % slide;
        if (rem < 0) rem += slide;
        const start = ts - rem;
        let slice = last;
        if (slice === undefined || slice.start !== start || slice.expiry <= watermark) {
          slice = this.sliceAt(start);
          if (slice === undefined) {
            this.dropLate(values[i], ts);
            continue;
          }
          last = slice;
        }
        if (slice.shared) this.unshare(slice);
        const accs = slice.accs;
        let acc = accs[keyId];
        inUser = true;
        if (acc === undefined) {
          if (!this.touched(slice, keyId)) slice.keys.push(keyId);
          acc = agg.createAccumulator();
          if (slice.owned !== undefined && keyId < slice.owned.length) slice.owned[keyId] = 1;
        } else if (slice.owned !== undefined && keyId < slice.owned.length && slice.owned[keyId] === 0) {
          // In place: the snapshot still holds this accumulator.
          acc = this.copy!(acc);
          slice.owned[keyId] = 1;
        }
        accs[keyId] = agg.add(values[i], acc);
        inUser = false;
        // Some window holding this slice already fired (the one ending first fires at start + slide − 1): LATE panes.
        if (watermark >= start + slide - 1 || this.skips > 0) this.afterLateAdd(slice, keyId);
      }
    } catch (err) {
      if (!inUser) throw err;
      throw new UserFunctionError(this.name, { value: values[i], timestamp: timestamps[i], key: keys[i] }, err);
    }
    this.lastSlice = last;
    this.flush();
  }

  /** The live slice starting at `start`, created with its windows; undefined when every window holding it is late. */
  private sliceAt(start: Timestamp): Slice<ACC> | undefined {
    const expiry = this.cleanupOf(start);
    if (expiry <= this.watermark) return undefined;
    let slice = this.slices.get(start);
    if (slice !== undefined) return slice;
    slice = { start, expiry, accs: byKeyId<ACC>(this.keys.size), keys: [], shared: false, owned: undefined };
    this.slices.set(start, slice);
    insertSorted(this.sliceList, slice);
    // The windows holding the slice that are not late yet (the later ones; windows are late from the earliest on).
    for (let j = 0, s = start; j < this.span; j++, s -= this.slide) {
      if (this.cleanupOf(s) <= this.watermark) break;
      if (!this.windows.has(s)) this.addWindow(s, s + this.size - 1 <= this.watermark);
    }
    return slice;
  }

  private addWindow(start: Timestamp, fired: boolean): Win {
    const end = start + this.size;
    const w: Win = { start, end, fireAt: end - 1, cleanupAt: this.cleanupOf(start), fired, panes: undefined, panesShared: false, skip: undefined };
    this.windows.set(start, w);
    insertSorted(this.windowList, w);
    return w;
  }

  /** Cleanup time of the window starting at `start`: `end − 1 + lateness`, saturating at the maximum watermark. */
  private cleanupOf(start: Timestamp): Timestamp {
    const last = start + this.size - 1;
    const t = last + this.lateness;
    return t >= MAX_WATERMARK || last >= MAX_WATERMARK ? MAX_WATERMARK : t;
  }

  /** True when the key already has an entry in the slice (its accumulator purged by a discarding pane). */
  private touched(slice: Slice<ACC>, keyId: number): boolean {
    if (!this.discarding) return false;
    const w = this.windows.get(slice.start);
    return w?.panes?.[keyId] !== undefined;
  }

  /**
   * After a record for `keyId` was added to `slice`: every window holding the
   * slice that already fired emits a LATE pane for the key (latest window
   * first, as the general engine visits them); a key marked as fired by a
   * restore fires ON_TIME again with its window.
   */
  private afterLateAdd(slice: Slice<ACC>, keyId: number): void {
    for (let j = 0, s = slice.start; j < this.span; j++, s -= this.slide) {
      const w = this.windows.get(s);
      if (w === undefined) continue;
      if (w.skip !== undefined && w.skip.delete(keyId) && w.skip.size === 0) {
        w.skip = undefined;
        this.skips--;
      }
      if (!w.fired) continue;
      const acc = this.windowAcc(w, keyId);
      if (acc === undefined) continue;
      this.emit(w, keyId, acc, 'LATE', false);
      if (this.discarding) this.purge(slice, keyId);
    }
  }

  private dropLate(value: T, ts: Timestamp): void {
    this.output.late(value, ts);
  }

  // ── firing ─────────────────────────────────────────────────────────────

  /** The key's accumulator over the window's slices (combined with `merge` in slice order). */
  private windowAcc(w: Win, keyId: number): ACC | undefined {
    if (this.span === 1) return this.slices.get(w.start)?.accs[keyId];
    let acc: ACC | undefined;
    for (let j = 0, a = w.start; j < this.span; j++, a += this.slide) {
      const part = this.slices.get(a)?.accs[keyId];
      if (part !== undefined) acc = acc === undefined ? this.own(part) : this.merge(acc, part, keyId);
    }
    return acc;
  }

  /** An accumulator the caller may change: a copy for in-place functions. */
  private own(acc: ACC): ACC {
    return this.copy === undefined ? acc : this.copy(acc);
  }

  private merge(a: ACC, b: ACC, keyId: number): ACC {
    try {
      return this.agg.merge(a, b);
    } catch (err) {
      throw new UserFunctionError(`${this.name} merge`, { value: a, key: this.keys.keyOf(keyId) }, err);
    }
  }

  /** The ON_TIME pane of every key of the window (the watermark reached its end − 1). */
  private fire(w: Win): void {
    w.fired = true;
    const isLast = this.watermark >= w.cleanupAt;
    if (this.span === 1) {
      const slice = this.slices.get(w.start);
      if (slice === undefined) return;
      const keys = slice.keys;
      for (let i = 0; i < keys.length; i++) {
        const keyId = keys[i];
        const acc = slice.accs[keyId];
        if (acc === undefined || (w.skip !== undefined && w.skip.has(keyId))) continue;
        this.emit(w, keyId, acc, 'ON_TIME', isLast);
        if (this.discarding) this.purge(slice, keyId);
      }
    } else {
      // Combine the slices key by key: each slice's entries once, in slice order.
      const combined = this.combined;
      const order = this.combinedOrder;
      for (let j = 0, a = w.start; j < this.span; j++, a += this.slide) {
        const slice = this.slices.get(a);
        if (slice === undefined) continue;
        const keys = slice.keys;
        for (let i = 0; i < keys.length; i++) {
          const keyId = keys[i];
          const part = slice.accs[keyId];
          if (part === undefined) continue;
          const acc = combined[keyId];
          if (acc === undefined) {
            order.push(keyId);
            combined[keyId] = this.own(part);
          } else {
            combined[keyId] = this.merge(acc, part, keyId);
          }
        }
      }
      for (let i = 0; i < order.length; i++) {
        const keyId = order[i];
        const acc = combined[keyId] as ACC;
        combined[keyId] = undefined;
        if (w.skip !== undefined && w.skip.has(keyId)) continue;
        this.emit(w, keyId, acc, 'ON_TIME', isLast);
      }
      order.length = 0;
    }
    if (w.skip !== undefined) {
      w.skip = undefined;
      this.skips--;
    }
  }

  /**
   * Emits the key's pane of `w`. `acc` is handed to `getResult` as is when it
   * can never change again (a combined copy, or the window's last pane —
   * its slice goes with it); otherwise an in-place accumulator is copied.
   */
  private emit(w: Win, keyId: number, acc: ACC, timing: PaneTiming, isLast: boolean): void {
    let index = 0;
    if (this.trackPanes) {
      if (w.panesShared || w.panes === undefined) {
        w.panes = w.panes === undefined ? byKeyId<number>(this.keys.size) : w.panes.slice();
        w.panesShared = false;
      }
      index = w.panes[keyId] ?? 0;
      w.panes[keyId] = index + 1;
    } else if (w.panes !== undefined) {
      // Pane indices restored from a checkpoint taken with allowed lateness.
      index = w.panes[keyId] ?? 0;
    }
    let value: R;
    try {
      value = this.agg.getResult(isLast || this.span > 1 ? acc : this.own(acc));
    } catch (err) {
      throw new UserFunctionError(this.name, { value: acc, key: this.keys.keyOf(keyId) }, err);
    }
    this.output.values.push({ key: this.keys.keyOf(keyId), start: w.start, end: w.end, value, pane: paneInfo(timing, index, isLast), retraction: false });
    this.output.timestamps.push(w.fireAt);
  }

  /** Discarding mode: the key's contents go once fired (tumbling: the slice is the window). */
  private purge(slice: Slice<ACC>, keyId: number): void {
    if (slice.shared) this.unshare(slice);
    // The key stays in `keys`; its pane index (set by `emit`) tells `touched` it was there.
    slice.accs[keyId] = undefined;
  }

  private unshare(slice: Slice<ACC>): void {
    slice.accs = slice.accs.slice();
    slice.shared = false;
    if (this.copy !== undefined) slice.owned = new Uint8Array(this.keys.size);
  }

  // ── watermarks and end ────────────────────────────────────────────────

  processWatermark(wm: Timestamp): void {
    if (wm <= this.watermark) return;
    if (wm >= MAX_WATERMARK) {
      this.closeAll();
      this.out.next({ kind: 'watermark', timestamp: wm });
      return;
    }
    this.watermark = wm;
    this.advance();
    this.flush();
    this.out.next({ kind: 'watermark', timestamp: wm });
  }

  endOfInput(): void {
    this.closeAll();
  }

  private closeAll(): void {
    if (this.ended) return;
    this.watermark = MAX_WATERMARK;
    this.advance();
    this.ended = true;
    this.flush();
  }

  /** Fires the windows whose end − 1 the watermark reached (in end order), then drops what it cleared. */
  private advance(): void {
    const wm = this.watermark;
    const windows = this.windowList;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i];
      if (w.fireAt > wm) break;
      if (!w.fired) this.fire(w);
    }
    let cleared = 0;
    while (cleared < windows.length && windows[cleared].cleanupAt <= wm) {
      const w = windows[cleared++];
      this.windows.delete(w.start);
      if (w.skip !== undefined) this.skips--;
    }
    if (cleared > 0) this.windowList = windows.slice(cleared);
    const slices = this.sliceList;
    let expired = 0;
    while (expired < slices.length && slices[expired].expiry <= wm) this.slices.delete(slices[expired++].start);
    if (expired > 0) {
      this.sliceList = slices.slice(expired);
      this.lastSlice = undefined;
    }
  }

  private flush(): void {
    this.output.flush();
  }


  // ── checkpoints ────────────────────────────────────────────────────────

  /**
   * O(live slices + windows): the slices' and windows' arrays are marked
   * shared and captured; the first write to one after this copies it. The
   * plain data is built by `toData()`, later, from what was captured.
   */
  snapshot(): { toData(): SliceCheckpoint; watermark: Timestamp } {
    const slices = this.sliceList.map((s) => {
      s.shared = true;
      return { start: s.start, accs: s.accs, keys: s.keys, length: s.keys.length };
    });
    const windows = this.windowList.map((w) => {
      w.panesShared = true;
      return { start: w.start, fired: w.fired, panes: w.panes, skip: w.skip === undefined ? undefined : [...w.skip] };
    });
    const watermark = this.watermark;
    const keyOf = (id: number): unknown => this.keys.keyOf(id);
    return {
      watermark,
      toData: (): SliceCheckpoint => ({
        kind: 'slices',
        watermark,
        size: this.size,
        slide: this.slide,
        offset: this.offset,
        slices: slices.map((s) => {
          const keys: unknown[] = [];
          const accs: unknown[] = [];
          for (let i = 0; i < s.length; i++) {
            keys.push(keyOf(s.keys[i]));
            accs.push(s.accs[s.keys[i]]);
          }
          return { start: s.start, keys, accs };
        }),
        windows: windows.map((w) => ({
          start: w.start,
          fired: w.fired,
          panes: w.panes === undefined ? undefined : w.panes.flatMap((p, id) => (p === undefined ? [] : [[keyOf(id), p] as [unknown, number]])),
          skip: w.skip?.map(keyOf),
        })),
        keyGroups: this.keyGroups,
        maxParallelism: this.maxParallelism,
      }),
    };
  }

  /**
   * Loads snapshots (before any input): this engine's, or the general
   * engine's for tumbling windows. Several parts (merged savepoints of former
   * instances) each bring the keys of their key groups. The restored
   * watermark is the smallest of the parts'; a window whose end it has not
   * reached fires ON_TIME later, except for the keys of parts that had fired it
   * already (as the general engine, whose fired (key, window) states keep no
   * timer) — until a new record of such a key arrives. Parts are meant to
   * come from instances stopped at one input position, hence at one watermark
   * (see `restoredWatermark`); if one part had already cleared a window the
   * others still hold, that part's keys lose their old contents of it in the
   * general engine but keep them in the shared slices here.
   */
  restore(parts: readonly (SliceCheckpoint | WindowCheckpoint)[]): void {
    if (parts.length === 0) return;
    const { watermark, owned } = beginRestore(this.name, parts, this.keyGroups, this.maxParallelism, this.watermark);
    this.watermark = watermark;
    /** Per window start: the keys whose ON_TIME pane already fired (in parts that had fired the window). */
    const firedKeys = new Map<Timestamp, Set<number>>();
    for (const part of parts) {
      const data = 'kind' in part && part.kind === 'slices' ? part : this.fromGeneral(part as WindowCheckpoint);
      if (data.size !== this.size || data.slide !== this.slide || data.offset !== this.offset) {
        throw new InvalidArgumentError(this.name, 'window', `windows of size ${data.size}, slide ${data.slide}, offset ${data.offset} (the snapshot's)`, `size ${this.size}, slide ${this.slide}, offset ${this.offset}`);
      }
      const partKeys = new Map<Timestamp, number[]>();
      for (const s of data.slices) {
        let slice = this.slices.get(s.start);
        if (slice === undefined) {
          slice = { start: s.start, expiry: this.cleanupOf(s.start), accs: byKeyId<ACC>(this.keys.size + s.keys.length), keys: [], shared: false, owned: undefined };
          this.slices.set(s.start, slice);
          insertSorted(this.sliceList, slice);
        }
        const ids: number[] = [];
        for (let i = 0; i < s.keys.length; i++) {
          if (!owned(s.keys[i])) continue;
          const keyId = this.keys.intern(s.keys[i] as K);
          slice.keys.push(keyId);
          slice.accs[keyId] = s.accs[i] as ACC | undefined;
          ids.push(keyId);
        }
        partKeys.set(s.start, ids);
      }
      for (const pw of data.windows) {
        const w = this.windows.get(pw.start) ?? this.addWindow(pw.start, true);
        if (pw.panes !== undefined) {
          w.panes ??= [];
          for (const [key, p] of pw.panes) if (owned(key)) w.panes[this.keys.intern(key as K)] = p;
        }
        let fired = firedKeys.get(pw.start);
        if (fired === undefined) firedKeys.set(pw.start, (fired = new Set()));
        if (pw.fired) {
          for (let j = 0, a = pw.start; j < this.span; j++, a += this.slide) for (const id of partKeys.get(a) ?? []) fired.add(id);
        } else {
          for (const k of pw.skip ?? []) if (owned(k)) fired.add(this.keys.intern(k as K));
        }
      }
    }
    for (const [start, fired] of firedKeys) {
      const w = this.windows.get(start)!;
      w.fired = w.fireAt <= this.watermark;
      if (!w.fired && fired.size > 0) {
        w.skip = fired;
        this.skips++;
      }
    }
    if (this.keysChecked !== Infinity) this.keysChecked = this.keys.size;
  }

  /** A general-engine snapshot of tumbling windows as slices (one slice per window). */
  private fromGeneral(data: WindowCheckpoint): SliceCheckpoint {
    if (this.span !== 1) {
      throw new StreamLiteError(this.name, 'this snapshot of sliding windows was taken by the general window engine and cannot be restored into sliced windows: restore it with the window configuration it was taken with');
    }
    const slices = new Map<Timestamp, { start: Timestamp; keys: unknown[]; accs: unknown[] }>();
    const windows = new Map<Timestamp, { start: Timestamp; fired: boolean; panes: [unknown, number][]; skip: unknown[]; firedKeys: unknown[] }>();
    // Keys in the order their timers were registered (the order the general engine fires them), then the rest.
    const rank = new Map<number, number>();
    for (const [, indices] of data.eventQueue) for (const i of indices) if (!rank.has(i)) rank.set(i, rank.size);
    const order = data.states.map((_, i) => i).sort((a, b) => (rank.get(a) ?? rank.size + a) - (rank.get(b) ?? rank.size + b));
    for (const i of order) {
      const s = data.states[i];
      const convertible = s.end - s.start === this.size && windowStart(s.start, this.size, this.offset) === s.start &&
        s.elements === undefined && s.triggerState === undefined && s.userState === undefined && s.lastEmitted === undefined && s.retractions === undefined && s.processingTimers.length === 0;
      if (!convertible) {
        throw new StreamLiteError(this.name, `the snapshot's window [${s.start}, ${s.end}) of key ${String(s.key)} was written by the general window engine with state the sliced engine does not keep (records, trigger or user state, retractions, another size): restore it with the window configuration it was taken with`);
      }
      let slice = slices.get(s.start);
      if (slice === undefined) slices.set(s.start, (slice = { start: s.start, keys: [], accs: [] }));
      slice.keys.push(s.key);
      slice.accs.push(s.acc);
      let w = windows.get(s.start);
      if (w === undefined) windows.set(s.start, (w = { start: s.start, fired: true, panes: [], skip: [], firedKeys: [] }));
      if (s.paneIndex > 0) w.panes.push([s.key, s.paneIndex]);
      // A (key, window) with its timer at end − 1 still pending has not fired.
      if (s.eventTimers.includes(s.end - 1)) w.fired = false;
      else w.firedKeys.push(s.key);
    }
    return {
      kind: 'slices',
      watermark: data.watermark,
      size: this.size,
      slide: this.slide,
      offset: this.offset,
      slices: [...slices.values()],
      windows: [...windows.values()].map((w) => ({ start: w.start, fired: w.fired, panes: w.panes.length > 0 ? w.panes : undefined, skip: w.fired ? undefined : w.firedKeys })),
      keyGroups: data.keyGroups ?? { start: 0, end: this.maxParallelism - 1 },
      maxParallelism: data.maxParallelism ?? DEFAULT_MAX_PARALLELISM,
    };
  }

  private checkNewKey(keyId: number, value: T, timestamp: Timestamp): void {
    const key = this.keys.keyOf(keyId);
    checkKeyInKeyGroups(this.name, key, this.keyGroups, this.maxParallelism, { value, timestamp, key });
    this.keysChecked = keyId + 1;
  }

  dispose(): void {
    // Nothing scheduled: event-time firing is driven by watermarks only.
  }
}


/**
 * An array indexed by key id, sized for the keys known so far. Keys reach a
 * slice in any order: writing id 9,000 into an empty array would turn it into
 * a dictionary (a hash lookup per access); preallocated, it stays a flat array
 * and grows by small steps as new keys get the next ids.
 */
function byKeyId<V>(keys: number): (V | undefined)[] {
  return new Array<V | undefined>(Math.max(16, keys));
}

function insertSorted<E extends { readonly start: Timestamp }>(list: E[], e: E): void {
  let i = list.length;
  while (i > 0 && list[i - 1].start > e.start) i--;
  list.splice(i, 0, e);
}

/**
 * @internal
 * Selects the sliced engine: event-time tumbling windows, or sliding ones
 * whose size is a multiple of their slide; an aggregate function without a
 * process function; the default trigger; no evictor; panes (not updates);
 * accumulating, or discarding for tumbling windows.
 */
export const sliceEngine: WindowEngineFactory = {
  supports(spec, fn) {
    const a = spec.assigner;
    const o = spec.options;
    const shape = a.shape;
    if (a.timeDomain !== 'event' || a.isMerging || shape === undefined) return false;
    if (shape.kind !== 'tumbling' && !(shape.kind === 'sliding' && shape.size % shape.slide === 0)) return false;
    if (fn.kind !== 'aggregate' || fn.process !== undefined) return false;
    if (o.trigger !== undefined && !BUILTIN_EVENT_TIME_TRIGGERS.has(o.trigger as Trigger<unknown>)) return false;
    if (o.evictor !== undefined || a.defaultEvictor !== undefined || (o.emit ?? 'panes') !== 'panes') return false;
    const acc = o.accumulation ?? 'accumulating';
    return acc === 'accumulating' || (acc === 'discarding' && shape.kind === 'tumbling');
  },
  create(spec, fn, out) {
    const f = fn as Extract<WindowFunctionSpec<unknown, unknown, unknown, unknown, unknown>, { kind: 'aggregate' }>;
    keepResident(SliceEngine, () =>
      new SliceEngine(
        { assigner: spec.assigner, options: {} },
        { createAccumulator: () => 0, add: () => 0, getResult: () => 0, merge: () => 0, copyAccumulator: () => 0 },
        { next: () => undefined } as unknown as Subscriber<Element<unknown>>,
      ),
    );
    return new SliceEngine(spec, f.fn, out);
  },
};

