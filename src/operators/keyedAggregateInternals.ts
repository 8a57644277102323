import type { Observable, OperatorFunction, Subscriber } from 'rxjs';
import type { CheckpointBarrier, Element, KeyedElement, RecordBatch, Watermark } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, NotKeyedError, StreamLiteError, UserFunctionError } from '../core/errors';
import { keepResident } from '../core/resident';
import { MAX_WATERMARK } from '../core/time';
import type { KeySelector, Timestamp } from '../core/types';
import { KeyInterner } from '../state/KeyInterner';
import type { AggregateFunction } from './AggregateFunction';
import { flatMapOrigin, flattenBatch } from './flatMap';
import { checkKey, fillKeyColumn, keyByOrigin } from './keyBy';
import { numericInitial, type NumericSpec } from './numericAggregateInternals';
import { operate, subscribeElements, type ElementHandlers } from './operate';
import { currentJob, type OperatorHandle, type OperatorSnapshot } from '../checkpoint/JobContext';
import { DEFAULT_MAX_PARALLELISM, inKeyGroupRange, keyGroupOf, type KeyGroupRange } from '../state/keyGroups';
import { checkKeyGroupsOption, checkKeyInKeyGroups, checkRestoredCoverage, restoredParts } from '../state/keyGroupsInternals';

/** When a keyed aggregation without a window emits. */
export interface KeyedAggregationOptions {
  /**
   * `'final'` (default): the global window fires at end of input — one result
   * per key, keys in first-seen order. `'every'`: a running changelog, one
   * result per record with that record's timestamp.
   */
  readonly emit?: 'final' | 'every';
  /** The operator's name in checkpoints (default by position). */
  readonly name?: string;
  /** Number of key groups keys hash into, for `keyGroups` (default 128). */
  readonly maxParallelism?: number;
  /**
   * The key groups this instance owns when the aggregation runs as one of
   * several parallel instances (default: all). A restore loads only the
   * accumulators of keys in these groups — from one snapshot, or from the
   * merged savepoints of several former instances — and a record whose key is
   * in another group is an error (see `keyedProcess`).
   */
  readonly keyGroups?: KeyGroupRange;
}

/** @internal What a rolling aggregation keeps in a checkpoint: keys in first-seen order and their accumulators. */
interface RollingCheckpoint {
  readonly keys: readonly unknown[];
  readonly accumulators: readonly unknown[];
  readonly fired: boolean;
  /** The key groups the instance owned, and their number (absent in older snapshots: all of 128). */
  readonly keyGroups?: KeyGroupRange;
  readonly maxParallelism?: number;
}

/**
 * A keyed aggregation: both a pipeable operator (rolling aggregation in the
 * global window, emitting `[key, result]`) and an {@link AggregateFunction} that
 * `aggregate()` applies per window.
 */
export type KeyedAggregation<T, ACC, R> = (<K>(
  source: import('rxjs').Observable<KeyedElement<T, K>>,
) => import('rxjs').Observable<Element<[K, R]>>) &
  AggregateFunction<T, ACC, R> & {
    /** The operator name used in errors. */
    readonly aggregationName: string;
    /** The same aggregation with other emission options. */
    withOptions(options: KeyedAggregationOptions): KeyedAggregation<T, ACC, R>;
  };

/** @internal Checks an emission option. */
function checkEmit(name: string, options: KeyedAggregationOptions): 'final' | 'every' {
  const emit = options.emit ?? 'final';
  if (emit !== 'final' && emit !== 'every') {
    throw new InvalidArgumentError(name, 'options.emit', "'final' or 'every'", emit);
  }
  return emit;
}

// ---------------------------------------------------------------------------------------------
// Per-key columns, copied page by page before a write while a snapshot needs them

const PAGE_BITS = 12;
/** Key ids per page (the unit a snapshot copies). */
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;

/** The storage of a column, or a page copied from it: a `Float64Array` (numbers) or an array (any values). */
interface Slots<V> {
  [id: number]: V;
  readonly length: number;
  slice(start?: number, end?: number): Slots<V>;
}

/**
 * @internal
 * One value per key id in flat storage (a `Float64Array` for numbers, so the
 * per-record loops index it directly), with O(1) snapshots: {@link snapshot}
 * only notes the storage and the number of ids, and from then on the first
 * write to each 4,096-id page copies that page's values as they were into
 * every pending snapshot ({@link beforeWrite}). A snapshot thus reads its
 * pages from its copies, or from the storage where nothing was written since.
 * It stops guarding writes once it has its data ({@link release}), once it
 * holds a copy of every page, or once the storage is replaced (growth, clear):
 * the storage it refers to is then never written again. Without a pending
 * snapshot, writes are plain stores (`guarded` false).
 */
export class Column<V> {
  /** The live values by id. Read freely; call {@link beforeWrite} before a write while `guarded`. */
  data: Slots<V>;
  /** Whether a snapshot still needs writes to be preceded by {@link beforeWrite}. */
  guarded = false;
  private pending: ColumnView<V>[] = [];
  /** The snapshot epoch in which each page was last copied. */
  private copiedIn: number[] = [];
  private epoch = 0;

  /** Use {@link Column.numeric} or {@link Column.values}. */
  constructor(
    /** Float64Array storage (numbers), or an array (any values). */
    private readonly typed: boolean,
    /** The value of a new slot. */
    private readonly initial: V,
  ) {
    this.data = this.allocate(typed ? 16 : 0);
  }

  /** A numeric column (`Float64Array` storage, new slots `initial`). */
  static numeric(initial: number): Column<number> {
    return new Column<number>(true, initial);
  }

  /** A column of arbitrary values (new slots `undefined`). */
  static values<V>(): Column<V> {
    return new Column<V>(false, undefined as V);
  }

  // A method rather than a function passed in: optimized code must not embed a per-column closure, which dies
  // with the column and deoptimizes every caller.
  private allocate(length: number): Slots<V> {
    if (!this.typed) return new Array<V>(length);
    const slots = new Float64Array(length);
    const initial = this.initial as unknown as number;
    if (initial !== 0) slots.fill(initial);
    return slots as unknown as Slots<V>;
  }

  /** Makes room for ids up to `id` (new slots hold the initial value); `data` may be replaced. */
  ensure(id: number): void {
    if (!this.typed || id < this.data.length) return; // an array grows by itself
    let length = this.data.length * 2;
    while (length <= id) length *= 2;
    const grown = this.allocate(length) as unknown as Float64Array;
    grown.set(this.data as unknown as Float64Array);
    this.replace(grown as unknown as Slots<V>);
  }

  /** The value of `id`. */
  get(id: number): V {
    return this.data[id];
  }

  /** Sets the value of `id` (which must have room). */
  set(id: number, value: V): void {
    if (this.guarded) this.beforeWrite(id);
    this.data[id] = value;
  }

  /** Copies the page of `id` into the pending snapshots that have no copy of it yet (once per page and epoch). */
  beforeWrite(id: number): void {
    const page = id >>> PAGE_BITS;
    if (this.copiedIn[page] === this.epoch) return;
    this.copiedIn[page] = this.epoch;
    const start = page << PAGE_BITS;
    const copy = this.data.slice(start, Math.min(start + PAGE_SIZE, this.data.length));
    let complete = 0;
    for (const view of this.pending) if (view.adopt(page, copy)) complete++;
    if (complete > 0) {
      this.pending = this.pending.filter((view) => !view.complete());
      this.guarded = this.pending.length > 0;
    }
  }

  /** O(1): the values of ids `[0, n)` as of now, which later writes never change. */
  snapshot(n: number): ColumnView<V> {
    const view = new ColumnView<V>(this.data, n, (n + PAGE_MASK) >>> PAGE_BITS);
    this.epoch++;
    if (view.complete()) return view;
    this.pending.push(view);
    this.guarded = true;
    return view;
  }

  /** The snapshot no longer needs writes guarded (it built its data, or holds every page). */
  release(view: ColumnView<V>): void {
    const i = this.pending.indexOf(view);
    if (i < 0) return;
    this.pending.splice(i, 1);
    this.guarded = this.pending.length > 0;
  }

  /** Drops every value (the column is empty afterwards). */
  clear(): void {
    this.replace(this.allocate(this.typed ? 16 : 0));
  }

  /** New storage: the old one is never written again, so no pending snapshot needs guarding any more. */
  private replace(data: Slots<V>): void {
    this.data = data;
    this.pending = [];
    this.guarded = false;
  }
}

/** @internal A column's values of ids `[0, n)` as of a snapshot. */
export class ColumnView<V> {
  /** Copies of pages written since the snapshot, taken before the write. */
  private readonly copies: (Slots<V> | undefined)[] = [];
  private copied = 0;

  constructor(
    private readonly source: Slots<V>,
    readonly n: number,
    private readonly pages: number,
  ) {}

  get(id: number): V {
    const copy = this.copies[id >>> PAGE_BITS];
    return copy !== undefined ? copy[id & PAGE_MASK] : this.source[id];
  }

  /** Takes `copy` as page `page` unless it has one; true when it now has every page. */
  adopt(page: number, copy: Slots<V>): boolean {
    if (page < this.pages && this.copies[page] === undefined) {
      this.copies[page] = copy;
      this.copied++;
    }
    return this.complete();
  }

  complete(): boolean {
    return this.copied >= this.pages;
  }
}

// ---------------------------------------------------------------------------------------------
// The rolling aggregation

/** How the accumulators are kept: kinds of typed columns, or the aggregate function's accumulators. */
const Kind = { Generic: 0, Count: 1, Sum: 2, Min: 3, Max: 4, Avg: 5 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const KINDS: Readonly<Record<NumericSpec<unknown>['kind'], Kind>> = {
  count: Kind.Count,
  sum: Kind.Sum,
  min: Kind.Min,
  max: Kind.Max,
  avg: Kind.Avg,
};

/** @internal What every subscription of one rolling aggregation shares. */
interface RollingSpec<T, ACC, R> {
  readonly name: string;
  readonly fn: AggregateFunction<T, ACC, R>;
  readonly options: KeyedAggregationOptions;
  readonly emit: 'final' | 'every';
  readonly kind: Kind;
  /** Numeric kinds but count: the checked selector. */
  readonly select: ((value: T) => number) | undefined;
  readonly initial: number;
  readonly keyGroups: KeyGroupRange;
  readonly maxParallelism: number;
}

/**
 * @internal
 * The rolling aggregation in the global window: an accumulator per interned
 * key; results at end of input (the maximum watermark) or after every record.
 *
 * Accumulators live in columns by interned key id: `Float64Array` columns
 * for the built-in numeric aggregations ({@link NumericSpec}), a column of
 * accumulators for any other aggregate function. count() has no user function
 * of its own, so it keys, interns and adds one record by record; the others
 * run one pass that turns keys into ids (interning each key once, checking key
 * groups, making room for new keys) and a second, one loop per kind, that
 * updates the accumulators by id.
 *
 * Fused: right after {@link keyBy} the operator keys the records itself (no
 * keys column per batch), and count right after flatMap → keyBy also flattens
 * them itself (no batch of values or timestamps in between). Either way it
 * gives the results, timestamps and errors keyBy (and flatMap) followed by the
 * aggregation give.
 *
 * Checkpoints cost O(1) at the barrier ({@link Column}): the snapshot notes
 * the columns and the key list's length; until its data is built (off the
 * record path) the first write to each page of a column copies the page for it.
 */
export function rollingAggregate<T, K, ACC, R>(
  name: string,
  fn: AggregateFunction<T, ACC, R>,
  options: KeyedAggregationOptions,
  numeric?: NumericSpec<T>,
): OperatorFunction<KeyedElement<T, K>, Element<[K, R]>> {
  const emit = checkEmit(name, options);
  const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
  const spec: RollingSpec<T, ACC, R> = {
    name,
    fn,
    options,
    emit,
    kind: numeric === undefined ? Kind.Generic : KINDS[numeric.kind],
    select: numeric !== undefined && numeric.kind !== 'count' ? numeric.select : undefined,
    initial: numeric === undefined ? 0 : numericInitial(numeric.kind),
    keyGroups: checkKeyGroupsOption(name, options.keyGroups, maxParallelism),
    maxParallelism,
  };
  return (source) => {
    // Fusing: right after keyBy the aggregation keys the records itself; count, right after flatMap → keyBy,
    // also flattens them itself. A non-element is reported by the first operator that sees it.
    let input = source as Observable<Element<unknown>>;
    let first = name;
    const keyedBy = keyByOrigin(source);
    const flattened = keyedBy !== undefined && spec.kind === Kind.Count ? flatMapOrigin(keyedBy.upstream) : undefined;
    if (keyedBy !== undefined) [input, first] = [keyedBy.upstream, 'keyBy'];
    if (flattened !== undefined) [input, first] = [flattened.upstream, 'flatMap'];
    return operate<Element<unknown>, Element<[K, R]>>((_, out) =>
      subscribeElements<unknown, [K, R]>(
        first,
        input,
        out,
        new RollingAggregator<T, K, ACC, R>(spec, out, keyedBy?.selector as KeySelector<T, K> | undefined, flattened?.project as Project<T>) as ElementHandlers<unknown>,
      ),
    )(input);
  };
}

/** @internal One subscription of a rolling aggregation: its state and its element handlers. */
class RollingAggregator<T, K, ACC, R> implements ElementHandlers<T> {
  private readonly interner = new KeyInterner<K>();
  /** Numeric kinds: the value (the sum for avg). */
  private readonly numbers: Column<number>;
  /** Avg: the counts. */
  private readonly counts: Column<number>;
  /** Generic: the accumulators. */
  private readonly accumulators: Column<ACC>;
  /** Ids below this have room in the columns. */
  private capacity = 0;
  /** Generic: ids below this have an accumulator (createAccumulator was called). */
  private initialized = 0;
  /** Keys with an id below this were checked against `keyGroups` (Infinity: the instance owns all). */
  private keysChecked = Infinity;
  private fired = false;
  private readonly handle: OperatorHandle | undefined;
  /** Reused from batch to batch (never handed on): key ids, and keys when keyBy is fused. */
  private ids = new Int32Array(1024);
  private keyScratch: K[] = [];
  private busy = false;
  /** count: the key outside the key groups that stopped the last batch. */
  private rejectedKey: unknown = undefined;

  constructor(
    private readonly spec: RollingSpec<T, ACC, R>,
    private readonly out: Subscriber<Element<[K, R]>>,
    /** The key selector of a fused keyBy. */
    private readonly selector: KeySelector<T, K> | undefined,
    /** The function of a fused flatMap (before the fused keyBy): the batches are then its input. */
    private readonly project: Project<T> | undefined,
  ) {
    const { kind, name, options, keyGroups, maxParallelism } = spec;
    this.numbers = Column.numeric(kind === Kind.Generic ? 0 : spec.initial);
    this.counts = Column.numeric(0);
    this.accumulators = Column.values<ACC>();
    this.handle = currentJob()?.registerOperator(name, options.name, { snapshot: () => this.snapshot() });
    // One snapshot, or several (savepoints of several instances merged): only keys of this instance's key groups are loaded.
    const parts = restoredParts<RollingCheckpoint>(this.handle?.restored);
    checkRestoredCoverage(name, parts, keyGroups, maxParallelism);
    for (const part of parts) {
      if ((part.maxParallelism ?? DEFAULT_MAX_PARALLELISM) !== maxParallelism) {
        throw new InvalidArgumentError(name, 'maxParallelism', `${part.maxParallelism ?? DEFAULT_MAX_PARALLELISM} (the snapshot's number of key groups)`, maxParallelism);
      }
      part.keys.forEach((key, i) => {
        if (!inKeyGroupRange(keyGroups, keyGroupOf(key, maxParallelism))) return;
        const id = this.interner.intern(key as K);
        if (id >= this.capacity) this.makeRoom(id);
        if (i < part.accumulators.length) this.load(id, part.accumulators[i]); // a snapshot taken after firing keeps none
      });
      this.fired ||= part.fired;
    }
    this.initialized = this.interner.size;
    if (options.keyGroups !== undefined) this.keysChecked = this.interner.size;
  }

  batch(b: RecordBatch<T>): void {
    if (this.spec.kind === Kind.Count) this.countBatch(b);
    else this.aggregateBatch(b);
  }

  /**
   * count(): no user function of its own, so one pass per record — key (when keyBy is fused), intern, add one —
   * calls the user's functions exactly as keyBy then count would (the selector once per record, in order), and
   * raises the same error first: a keyBy error anywhere in the batch wins over a key outside the key groups.
   */
  private countBatch(b: RecordBatch<T>): void {
    if (this.project !== undefined) {
      this.countFlattened(b as RecordBatch<unknown>, this.project, this.selector!);
      return;
    }
    const { name, keyGroups, maxParallelism } = this.spec;
    const { values, timestamps } = b;
    const selector = this.selector;
    const keys = b.keys as readonly K[] | undefined;
    if (selector === undefined && keys === undefined) throw new NotKeyedError(name);
    if (this.fired) {
      if (selector !== undefined) fillKeyColumn(selector, values, timestamps, new Array<K>(values.length));
      throw new StreamLiteError(name, 'record after end of input (the maximum watermark)');
    }
    const every: [K, R][] | undefined = this.spec.emit === 'every' ? new Array<[K, R]>(values.length) : undefined;
    const stop = this.countKeyed(values, timestamps, selector, keys, every);
    if (stop < values.length) {
      const key = this.rejectedKey as K;
      this.rejectedKey = undefined;
      if (selector !== undefined && stop + 1 < values.length) {
        // keyBy would have keyed the whole batch first: its errors come before this one.
        fillKeyColumn(selector, values.slice(stop + 1), timestamps.slice(stop + 1), []);
      }
      checkKeyInKeyGroups(name, key, keyGroups, maxParallelism, { value: values[stop], timestamp: timestamps[stop], key });
    }
    if (every) this.out.next(recordBatch(every, timestamps));
  }

  /**
   * flatMap → keyBy → count fused: per record, its values, each keyed, interned and counted — no batch of values,
   * timestamps or keys in between. The user's functions see the same calls as unfused, possibly in another
   * interleaving (record by record, as with batches of one record), and the error raised is the one the unfused
   * operators would raise: flatMap's first, then keyBy's, then a key outside the key groups.
   */
  private countFlattened(b: RecordBatch<unknown>, project: Project<T>, selector: KeySelector<T, K>): void {
    const { name, keyGroups, maxParallelism } = this.spec;
    const { values: records, timestamps } = b;
    const n = records.length;
    if (this.fired) {
      const flat = flattenBatch(project, b, { expected: 0 });
      if (flat === undefined) return;
      fillKeyColumn(selector, flat.values, flat.timestamps, []);
      throw new StreamLiteError(name, 'record after end of input (the maximum watermark)');
    }
    const every: [K, R][] | undefined = this.spec.emit === 'every' ? [] : undefined;
    const everyTimestamps: Timestamp[] | undefined = every !== undefined ? [] : undefined;
    const interner = this.interner;
    const column = this.numbers;
    let data = column.data as Float64Array;
    let capacity = this.capacity;
    // Without a changelog or a pending snapshot a count is a plain increment (a snapshot only comes between batches).
    const plain = every === undefined && !column.guarded;
    for (let i = 0; i < n; i++) {
      const produced = produce(project, b, i);
      const m = produced.length;
      const ts = timestamps[i];
      for (let j = 0; j < m; j++) {
        const value = produced[j];
        let key: K;
        try {
          key = selector(value);
        } catch (err) {
          throwAfterFlatMap(new UserFunctionError('keyBy', { value, timestamp: ts }, err), project, b, i + 1);
        }
        if (typeof key !== 'string' && typeof key !== 'bigint' && typeof key !== 'boolean') checkFusedKey(key, value, ts, project, b, i);
        const id = interner.intern(key);
        if (id >= capacity) {
          this.newFlattenedKey(key, id, value, produced, j, project, selector, b, i);
          capacity = this.capacity;
          data = column.data as Float64Array;
        }
        if (plain) {
          data[id]++;
        } else {
          if (column.guarded) column.beforeWrite(id);
          const next = ++data[id];
          if (every !== undefined) {
            every.push([key, next as R]);
            everyTimestamps!.push(ts);
          }
        }
      }
    }
    if (every !== undefined && every.length > 0) this.out.next(recordBatch(every, everyTimestamps!));
  }

  /**
   * A key count has no room for yet (flatMap → keyBy → count): checked against the key groups — if outside,
   * flatMap's errors in the rest of the batch, then keyBy's, come before this one — then given room.
   */
  private newFlattenedKey(
    key: K,
    id: number,
    value: unknown,
    produced: readonly unknown[],
    j: number,
    project: Project<T>,
    selector: KeySelector<T, K>,
    b: RecordBatch<unknown>,
    i: number,
  ): void {
    if (id >= this.keysChecked && !this.checkNewKey(key, id)) {
      const { name, keyGroups, maxParallelism } = this.spec;
      const ts = b.timestamps[i];
      const restValues = produced.slice(j + 1);
      const restTimestamps = restValues.map(() => ts);
      for (let r = i + 1; r < b.values.length; r++) {
        const more = produce(project, b, r);
        for (let k = 0; k < more.length; k++) {
          restValues.push(more[k]);
          restTimestamps.push(b.timestamps[r]);
        }
      }
      fillKeyColumn(selector, restValues as T[], restTimestamps, []);
      this.rejectedKey = undefined;
      checkKeyInKeyGroups(name, key, keyGroups, maxParallelism, { value, timestamp: ts, key });
    }
    this.makeRoom(id);
  }

  /** The key of `values[i]`: the fused keyBy's (checked as keyBy checks it) or the keys column's. */
  private keyAt(values: readonly T[], timestamps: readonly Timestamp[], selector: KeySelector<T, K> | undefined, keys: readonly K[] | undefined, i: number): K {
    if (selector === undefined) return keys![i];
    let key: K;
    try {
      key = selector(values[i]);
    } catch (err) {
      throw new UserFunctionError('keyBy', { value: values[i], timestamp: timestamps[i] }, err);
    }
    if (typeof key !== 'string' && typeof key !== 'bigint' && typeof key !== 'boolean') checkKey(key, values[i], timestamps[i]);
    return key;
  }

  /** count over a keys column or with the fused keyBy: returns where a key outside the key groups stopped it. */
  private countKeyed(
    values: readonly T[],
    timestamps: readonly Timestamp[],
    selector: KeySelector<T, K> | undefined,
    keys: readonly K[] | undefined,
    every: [K, R][] | undefined,
  ): number {
    const n = values.length;
    const interner = this.interner;
    const column = this.numbers;
    let data = column.data as Float64Array;
    for (let i = 0; i < n; i++) {
      const key = this.keyAt(values, timestamps, selector, keys, i);
      const id = interner.intern(key);
      if (id >= this.capacity) {
        if (id >= this.keysChecked && !this.checkNewKey(key, id)) return i;
        this.makeRoom(id);
        data = column.data as Float64Array;
      }
      if (column.guarded) column.beforeWrite(id);
      const next = ++data[id];
      if (every !== undefined) every[i] = [key, next as R];
    }
    return n;
  }

  /** Whether a new key is in the instance's key groups (then it counts as checked; if not, it is kept in `rejectedKey`). */
  private checkNewKey(key: K, id: number): boolean {
    if (!inKeyGroupRange(this.spec.keyGroups, keyGroupOf(key, this.spec.maxParallelism))) {
      this.rejectedKey = key;
      return false;
    }
    this.keysChecked = id + 1;
    return true;
  }

  /** sum, min, max, avg and any aggregate function: key the batch, then ids, then the accumulators. */
  private aggregateBatch(b: RecordBatch<T>): void {
    const { name, keyGroups, maxParallelism } = this.spec;
    const { values, timestamps } = b;
    const n = values.length;
    const reentrant = this.busy;
    this.busy = true;
    try {
      let keys: readonly K[] | undefined;
      if (this.selector !== undefined) {
        // Fused keyBy: the whole batch keyed first, as keyBy would have done before passing it on.
        const scratch = reentrant ? new Array<K>(n) : this.keyScratch;
        fillKeyColumn(this.selector, values, timestamps, scratch);
        keys = scratch;
      } else {
        keys = b.keys as readonly K[] | undefined;
        if (keys === undefined) throw new NotKeyedError(name);
      }
      if (this.fired) throw new StreamLiteError(name, 'record after end of input (the maximum watermark)');
      if (!reentrant && this.ids.length < n) this.ids = new Int32Array(Math.max(n, this.ids.length * 2));
      const ids = reentrant ? new Int32Array(n) : this.ids;
      // A key outside the instance's key groups stops the batch there, after the records before it.
      const stop = this.idsOf(keys, n, ids);
      const every: [K, R][] | undefined = this.spec.emit === 'every' ? new Array<[K, R]>(stop) : undefined;
      let i = 0;
      try {
        i = this.update(ids, stop, values, keys, every);
      } catch (err) {
        if (err instanceof StreamLiteError) throw err;
        i = failedAt;
        throw new UserFunctionError(name, { value: values[i], timestamp: timestamps[i], key: keys[i] }, err);
      }
      if (stop < n) {
        const key = keys[stop];
        checkKeyInKeyGroups(name, key, keyGroups, maxParallelism, { value: values[stop], timestamp: timestamps[stop], key });
      }
      if (every) this.out.next(recordBatch(every, timestamps));
    } finally {
      this.busy = reentrant;
    }
  }

  watermark(wm: Watermark): void {
    if (wm.timestamp >= MAX_WATERMARK && this.spec.emit === 'final') this.fire();
    this.out.next(wm);
  }

  barrier(b: CheckpointBarrier): void {
    this.handle?.snapshotted(b, this.snapshot());
    this.out.next(b);
  }

  end(): void {
    if (this.spec.emit === 'final') this.fire();
  }

  /** Pass 1: the id of each key (interned), up to the first key outside the key groups; returns where it stopped. */
  private idsOf(keys: readonly K[], n: number, ids: Int32Array): number {
    const interner = this.interner;
    for (let i = 0; i < n; i++) {
      const id = interner.intern(keys[i]);
      if (id >= this.keysChecked) {
        const { keyGroups, maxParallelism } = this.spec;
        if (!inKeyGroupRange(keyGroups, keyGroupOf(keys[i], maxParallelism))) return i;
        this.keysChecked = id + 1;
      }
      if (id >= this.capacity) this.makeRoom(id);
      ids[i] = id;
    }
    return n;
  }

  /** Pass 2: the accumulators of records `[0, stop)`; a user function's error leaves its index in `failedAt`. */
  private update(ids: Int32Array, stop: number, values: readonly T[], keys: readonly K[], every: [K, R][] | undefined): number {
    const { kind, select } = this.spec;
    switch (kind) {
      case Kind.Sum:
        return sumInto(this.numbers, ids, stop, values, select!, keys, every);
      case Kind.Min:
        return minInto(this.numbers, ids, stop, values, select!, keys, every);
      case Kind.Max:
        return maxInto(this.numbers, ids, stop, values, select!, keys, every);
      case Kind.Avg:
        return avgInto(this.numbers, this.counts, ids, stop, values, select!, keys, every);
      default:
        return this.addGeneric(ids, stop, values, keys, every);
    }
  }

  private addGeneric(ids: Int32Array, stop: number, values: readonly T[], keys: readonly K[], every: [K, R][] | undefined): number {
    const fn = this.spec.fn;
    const column = this.accumulators;
    let i = 0;
    try {
      for (; i < stop; i++) {
        const id = ids[i];
        const acc = id < this.initialized ? column.get(id) : fn.createAccumulator();
        const next = fn.add(values[i], acc);
        column.set(id, next);
        if (id >= this.initialized) this.initialized = id + 1;
        if (every) every[i] = [keys[i], fn.getResult(next)];
      }
    } catch (err) {
      failedAt = i;
      throw err;
    }
    return i;
  }

  private makeRoom(id: number): void {
    if (this.spec.kind === Kind.Generic) this.accumulators.ensure(id);
    else this.numbers.ensure(id);
    if (this.spec.kind === Kind.Avg) this.counts.ensure(id);
    this.capacity = id + 1;
  }

  /** Loads a restored accumulator (numbers; `[sum, count]` for avg). */
  private load(id: number, acc: unknown): void {
    switch (this.spec.kind) {
      case Kind.Generic:
        this.accumulators.set(id, acc as ACC);
        return;
      case Kind.Avg: {
        const [total, n] = acc as readonly [number, number];
        this.numbers.set(id, total);
        this.counts.set(id, n);
        return;
      }
      default:
        this.numbers.set(id, acc as number);
    }
  }

  private resultOf(id: number): R {
    switch (this.spec.kind) {
      case Kind.Generic:
        return this.spec.fn.getResult(this.accumulators.get(id));
      case Kind.Avg: {
        const n = this.counts.get(id);
        return (n === 0 ? NaN : this.numbers.get(id) / n) as R;
      }
      default:
        return this.numbers.get(id) as R;
    }
  }

  private fire(): void {
    if (this.fired) return;
    this.fired = true;
    const n = this.interner.size;
    if (n === 0) return;
    const results = new Array<[K, R]>(n);
    const timestamps = new Array<Timestamp>(n).fill(MAX_WATERMARK);
    let id = 0;
    try {
      for (; id < n; id++) results[id] = [this.interner.keyOf(id), this.resultOf(id)];
    } catch (err) {
      throw new UserFunctionError(this.spec.name, { value: this.accumulators.get(id), key: this.interner.keyOf(id) }, err);
    }
    this.numbers.clear();
    this.counts.clear();
    this.accumulators.clear();
    this.out.next(recordBatch(results, timestamps));
  }

  /**
   * O(1) at the barrier: the columns' views and the key list's length. The data is built later, off the record
   * path; until then the first write to each page copies it for the snapshot (see {@link Column}).
   */
  private snapshot(): OperatorSnapshot {
    const { kind, keyGroups, maxParallelism } = this.spec;
    const fired = this.fired;
    const n = fired ? 0 : this.interner.size;
    const keyCount = this.interner.size;
    const allKeys = this.interner.keyList();
    const mainColumn: Column<unknown> = kind === Kind.Generic ? this.accumulators : this.numbers;
    const main = mainColumn.snapshot(n);
    const counts = kind === Kind.Avg ? this.counts.snapshot(n) : undefined;
    let data: RollingCheckpoint | undefined;
    return {
      toData: () => {
        if (data === undefined) {
          const accumulators = new Array<unknown>(n);
          for (let id = 0; id < n; id++) accumulators[id] = counts === undefined ? main.get(id) : [main.get(id), counts.get(id)];
          data = { keys: allKeys.slice(0, keyCount), accumulators, fired, keyGroups, maxParallelism };
          mainColumn.release(main);
          if (counts !== undefined) this.counts.release(counts);
        }
        return data;
      },
    };
  }
}

/** @internal A flatMap function. */
type Project<T> = (value: unknown) => Iterable<T>;

/**
 * The values flatMap makes of record `i` of `batch` (an iterable is iterated at once, as flatMap does), with
 * flatMap's errors.
 */
function produce<T>(project: Project<T>, batch: RecordBatch<unknown>, i: number): readonly T[] {
  let produced: Iterable<T>;
  try {
    produced = project(batch.values[i]);
  } catch (err) {
    throw new UserFunctionError('flatMap', { value: batch.values[i], timestamp: batch.timestamps[i], key: batch.keys?.[i] }, err);
  }
  if (Array.isArray(produced)) return produced as readonly T[];
  if (produced != null && typeof (produced as Iterable<T>)[Symbol.iterator] === 'function') return Array.from(produced);
  throw new StreamLiteError('flatMap', 'the user function must return an array or an iterable', { value: batch.values[i], timestamp: batch.timestamps[i] });
}

/** keyBy's check of a key that is not a string, bigint or boolean, in the fused flatMap → keyBy → count. */
function checkFusedKey<T>(key: unknown, value: unknown, ts: Timestamp, project: Project<T>, batch: RecordBatch<unknown>, i: number): void {
  try {
    checkKey(key, value, ts);
  } catch (err) {
    throwAfterFlatMap(err, project, batch, i + 1);
  }
}

/** Throws `err` unless flatMap raises an error for a record of `batch` from `from` on (which comes first). */
function throwAfterFlatMap<T>(err: unknown, project: Project<T>, batch: RecordBatch<unknown>, from: number): never {
  for (let r = from; r < batch.values.length; r++) produce(project, batch, r);
  throw err;
}

/** The index of the record whose user function threw in the last update loop (read right after the throw). */
let failedAt = 0;

// The update loops, one per kind (each call site sees one kind of column). Each returns `stop`; on a throw the
// record's index is in `failedAt`. The columns have room for every id (pass 1); while a snapshot is pending, a
// write is preceded by `beforeWrite`.

function sumInto<T, K, R>(
  column: Column<number>,
  ids: Int32Array,
  stop: number,
  values: readonly T[],
  select: (value: T) => number,
  keys: readonly K[],
  every: [K, R][] | undefined,
): number {
  const data = column.data as Float64Array;
  let i = 0;
  try {
    for (; i < stop; i++) {
      const id = ids[i];
      const x = select(values[i]);
      if (column.guarded) column.beforeWrite(id);
      const next = (data[id] += x);
      if (every) every[i] = [keys[i], next as R];
    }
  } catch (err) {
    failedAt = i;
    throw err;
  }
  return i;
}

function minInto<T, K, R>(
  column: Column<number>,
  ids: Int32Array,
  stop: number,
  values: readonly T[],
  select: (value: T) => number,
  keys: readonly K[],
  every: [K, R][] | undefined,
): number {
  const data = column.data as Float64Array;
  let i = 0;
  try {
    for (; i < stop; i++) {
      const id = ids[i];
      const x = select(values[i]);
      if (column.guarded) column.beforeWrite(id);
      const next = (data[id] = Math.min(data[id], x));
      if (every) every[i] = [keys[i], next as R];
    }
  } catch (err) {
    failedAt = i;
    throw err;
  }
  return i;
}

function maxInto<T, K, R>(
  column: Column<number>,
  ids: Int32Array,
  stop: number,
  values: readonly T[],
  select: (value: T) => number,
  keys: readonly K[],
  every: [K, R][] | undefined,
): number {
  const data = column.data as Float64Array;
  let i = 0;
  try {
    for (; i < stop; i++) {
      const id = ids[i];
      const x = select(values[i]);
      if (column.guarded) column.beforeWrite(id);
      const next = (data[id] = Math.max(data[id], x));
      if (every) every[i] = [keys[i], next as R];
    }
  } catch (err) {
    failedAt = i;
    throw err;
  }
  return i;
}

function avgInto<T, K, R>(
  sums: Column<number>,
  counts: Column<number>,
  ids: Int32Array,
  stop: number,
  values: readonly T[],
  select: (value: T) => number,
  keys: readonly K[],
  every: [K, R][] | undefined,
): number {
  const totals = sums.data as Float64Array;
  const tallies = counts.data as Float64Array;
  let i = 0;
  try {
    for (; i < stop; i++) {
      const id = ids[i];
      const x = select(values[i]);
      if (sums.guarded) sums.beforeWrite(id);
      if (counts.guarded) counts.beforeWrite(id);
      const total = (totals[id] += x);
      const n = ++tallies[id];
      if (every) every[i] = [keys[i], (total / n) as R];
    }
  } catch (err) {
    failedAt = i;
    throw err;
  }
  return i;
}

/** @internal Builds a {@link KeyedAggregation} from an aggregate function (and, for the built-in numeric ones, its columns). */
export function keyedAggregation<T, ACC, R>(
  name: string,
  fn: AggregateFunction<T, ACC, R>,
  options: KeyedAggregationOptions = {},
  numeric?: NumericSpec<T>,
): KeyedAggregation<T, ACC, R> {
  checkEmit(name, options);
  checkKeyGroupsOption(name, options.keyGroups, options.maxParallelism ?? DEFAULT_MAX_PARALLELISM);
  const operator = (source: Observable<KeyedElement<T, unknown>>) =>
    rollingAggregate<T, unknown, ACC, R>(name, fn, options, numeric)(source);
  return Object.assign(operator, {
    createAccumulator: () => fn.createAccumulator(),
    add: (value: T, acc: ACC) => fn.add(value, acc),
    getResult: (acc: ACC) => fn.getResult(acc),
    merge: (a: ACC, b: ACC) => fn.merge(a, b),
    aggregationName: name,
    withOptions: (next: KeyedAggregationOptions) => keyedAggregation(name, fn, next, numeric),
  }) as unknown as KeyedAggregation<T, ACC, R>;
}

// Hidden classes of the per-record loops stay alive between pipelines (see keepResident).
keepResident(Column, () => Column.numeric(0));
keepResident(ColumnView, () => Column.values().snapshot(0));
keepResident(RollingAggregator, () =>
  new RollingAggregator(
    {
      name: 'count',
      fn: { createAccumulator: () => 0, add: () => 0, getResult: () => 0, merge: () => 0 },
      options: {},
      emit: 'final',
      kind: Kind.Count,
      select: undefined,
      initial: 0,
      keyGroups: { start: 0, end: DEFAULT_MAX_PARALLELISM - 1 },
      maxParallelism: DEFAULT_MAX_PARALLELISM,
    },
    undefined as never,
    undefined,
    undefined,
  ),
);
