import { asyncScheduler, type SchedulerLike, type Subscriber } from 'rxjs';
import type { Element, RecordBatch } from '../../core/Element';
import { MissingTimestampError, NotKeyedError, StreamLiteError, UserFunctionError } from '../../core/errors';
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP } from '../../core/time';
import type { Duration, Timestamp } from '../../core/types';
import type { AggregateFunction } from '../../operators/AggregateFunction';
import { keepResident } from '../../core/resident';
import { KeyInterner } from '../../state/KeyInterner';
import { DEFAULT_MAX_PARALLELISM, type KeyGroupRange } from '../../state/keyGroups';
import { beginRestore, checkKeyGroupsOption, checkKeyInKeyGroups } from '../../state/keyGroupsInternals';
import { paneInfo, type PaneInfo, type PaneTiming } from '../PaneInfo';
import type { TimeWindow } from '../TimeWindow';
import type { Trigger } from '../Trigger';
import { BUILTIN_EVENT_TIME_TRIGGERS } from '../triggers/eventTimeTrigger';
import type { AssignerContext, WindowAssigner } from '../WindowAssigner';
import type { WindowResult } from '../WindowResult';
import type {
  AggregateProcessFunction,
  WindowCheckpoint,
  WindowSpec,
} from '../windowInternals';
import type { WindowEngineFactory, WindowEngineLike } from './WindowEngineLike';
import { runWindowProcess, WindowOutput } from './WindowOutput';

/** Heap entry kinds. */
const TIMER = 0;
const CLEANUP = 1;

/** Snapshots not yet turned into data kept at once; beyond it the oldest is materialised (bounds the copies kept). */
const MAX_OPEN_SNAPSHOTS = 8;

/**
 * @internal
 * Event-time session windows (`session(gap)`, fixed or dynamic gap) with an
 * aggregate function (optionally followed by a process function), the default
 * event-time trigger, no evictor, accumulating or discarding panes — any
 * allowed lateness, late output, metrics, key groups.
 *
 * Observably the general engine (`WindowEngine` in windowInternals.ts) for
 * that configuration — same results, panes, order, late output, counter,
 * errors and checkpoint format — but cheaper:
 * - sessions live in typed-array columns by slot (start, end, timers,
 *   pending, pane index; accumulators in a plain array), slots reused through
 *   a free list: no object, no boxed number per session or per record;
 * - the open sessions of a key (interned key ids) are a list through the
 *   slots (a head per key, a next per slot: no array per key), sorted by
 *   start, disjoint and never touching; a record inside a session or
 *   extending it updates it in place;
 * - one timer heap ordered like the general engine's timer buckets (time,
 *   then registration order), with at most one entry per session and kind
 *   (firing, cleanup): a session that grows or merges registers new timers
 *   (new registration numbers, as the general engine's new window state) but
 *   pushes nothing while an older entry of it is queued — that entry, due
 *   no later, is found stale when it pops and re-queues the current timer.
 *   The cleanup entry joins the heap only once the firing timer, due before
 *   it, has run; so a growing session costs about one heap entry per
 *   watermark that passes it, not one per record;
 * - copy-on-write snapshots: `snapshot()` is O(1); a session about to change
 *   while a snapshot is open saves a frozen copy first, and `toData()` builds
 *   the general engine's `WindowCheckpoint` later.
 *
 * The general engine's rules it reproduces (see `addToSession`,
 * `mergeSessions`, `registerCleanup`, `isClosing`, `emitPane`, `cleanup`,
 * `act` there): merging before the lateness check; a merged session is new
 * (id = start, pane index the highest merged, pending summed, accumulators
 * merged in start order, then the record added); a session is cleared at
 * `W ≥ end + lateness` (one ms after its firing time, so a record at exactly
 * `end` still merges); a pane is the last when the watermark has reached the
 * cleanup time and no firing timer is pending.
 */
export const sessionEngine: WindowEngineFactory = {
  supports(spec, fn) {
    const a = spec.assigner;
    const o = spec.options;
    if (a.shape?.kind !== 'session' || a.timeDomain !== 'event' || !a.isMerging || a.defaultEvictor !== undefined) return false;
    if (fn.kind !== 'aggregate') return false;
    if (o.trigger !== undefined && !BUILTIN_EVENT_TIME_TRIGGERS.has(o.trigger as Trigger<unknown>)) return false;
    if (o.evictor !== undefined) return false;
    const acc = o.accumulation ?? 'accumulating';
    if (acc !== 'accumulating' && acc !== 'discarding') return false;
    return (o.emit ?? 'panes') === 'panes';
  },
  create: (spec, fn, out) => {
    keepResident(SessionEngine, residentEngine);
    return new SessionEngine(spec, fn as AggregateSpec, out);
  },
};

/**
 * The idle engine `keepResident` keeps (see src/core/resident.ts): without
 * it, a job that ends leaves no engine behind, the engines' hidden class dies
 * at the next full GC, and the next job's engine deoptimises its hot loops at
 * every rarely taken branch and re-warms — measured on W4 with a forced GC
 * between runs: ~2× the CPU of a warm run, every run. It holds no key and no
 * session; its fields start with their most general representations (a NaN
 * gap, no key-group check), so later engines share its class rather than
 * generalise it.
 */
function residentEngine(): SessionEngine {
  const assigner: WindowAssigner<unknown> = {
    description: 'session(resident)',
    timeDomain: 'event',
    isMerging: true,
    shape: { kind: 'session' },
    assignWindows: () => [],
    defaultTrigger: () => {
      throw new StreamLiteError('sessionEngine', 'the resident engine has no trigger');
    },
  };
  const none = (): never => {
    throw new StreamLiteError('sessionEngine', 'the resident engine runs nothing');
  };
  const out = { next: none, error: none, complete: none } as unknown as Subscriber<Element<unknown>>;
  return new SessionEngine({ assigner, options: {} }, { kind: 'aggregate', fn: { createAccumulator: none, add: none, getResult: none, merge: none } }, out);
}

type AggregateSpec = {
  readonly kind: 'aggregate';
  readonly fn: AggregateFunction<unknown, unknown, unknown>;
  readonly process?: AggregateProcessFunction<unknown, unknown, unknown>;
};

/** A session as of a snapshot. */
interface FrozenSession {
  readonly keyId: number;
  readonly start: Timestamp;
  readonly end: Timestamp;
  readonly acc: unknown;
  readonly pending: number;
  readonly paneIndex: number;
  readonly cleanupAt: Timestamp;
  /** NaN: no firing timer. */
  readonly timer: Timestamp;
  readonly timerSeq: number;
  readonly cleanupSeq: number;
  readonly userState: [string, unknown][] | undefined;
}

/** A snapshot not yet turned into data: copies of what changed since. */
interface OpenSnapshot {
  readonly epoch: number;
  readonly watermark: Timestamp;
  /** Keys interned before it. */
  readonly keyCount: number;
  /** Sessions (by slot) as they were at the snapshot, saved before they changed. */
  readonly saved: Map<number, FrozenSession>;
  /** Per-key state of process functions as of the snapshot, for keys whose state changed since. */
  readonly savedGlobals: Map<number, [string, unknown][] | undefined>;
  data: WindowCheckpoint | undefined;
}

const INITIAL_SLOTS = 64;
/** Indices into the current record's numbers. */
const TS = 0;
const LO = 1;
const HI = 2;

class SessionEngine implements WindowEngineLike {
  private readonly assigner: WindowAssigner<unknown>;
  private readonly agg: AggregateFunction<unknown, unknown, unknown>;
  private readonly process: AggregateProcessFunction<unknown, unknown, unknown> | undefined;
  /** The gap when it is fixed (built-in `session(gap)`), else NaN: the assigner is asked per record. */
  private readonly fixedGap: Duration;
  private readonly lateness: Duration;
  private readonly discarding: boolean;
  private readonly processing: SchedulerLike;
  private readonly assignerContext: AssignerContext;
  private readonly name: string;
  private readonly maxParallelism: number;
  private readonly keyGroups: KeyGroupRange;
  /** Keys with an id below this were checked against `keyGroups` (Infinity: no check). */
  private keysChecked: number;

  private readonly keys = new KeyInterner<unknown>();
  /** The first open session (slot) of each key id, -1 when none; the others follow through `nextOf`, sorted by start, disjoint and never touching. */
  private headOf: Int32Array = new Int32Array(0);
  /** Per-key user state of process functions. */
  private readonly globalUserState: (Map<string, unknown> | undefined)[] = [];
  /** The snapshot epoch each key's user state was last saved for. */
  private readonly globalsSavedEpoch: number[] = [];

  // ── the sessions, by slot ──
  private capacity = 0;
  /** Slots ever used; below it, free ones are in `freeSlots`. */
  private used = 0;
  private readonly freeSlots: number[] = [];
  private keyIdOf: Int32Array = new Int32Array(0);
  /** The key's next open session (by start), -1 at the end. */
  private nextOf: Int32Array = new Int32Array(0);
  private startOf: Float64Array = new Float64Array(0);
  private endOf: Float64Array = new Float64Array(0);
  /** When the session is cleared: `end + lateness` (or the maximum watermark). */
  private cleanupAtOf: Float64Array = new Float64Array(0);
  /** The firing timer (`end − 1`), NaN when none is registered. */
  private timerOf: Float64Array = new Float64Array(0);
  /** Registration numbers of the firing and cleanup timers (-1: none): ties of equal times fire in this order. */
  private timerSeqOf: Float64Array = new Float64Array(0);
  private cleanupSeqOf: Float64Array = new Float64Array(0);
  /** Records added since the last firing. */
  private pendingOf: Float64Array = new Float64Array(0);
  private paneIndexOf: Float64Array = new Float64Array(0);
  private aliveOf: Uint8Array = new Uint8Array(0);
  /** Whether a firing-timer (cleanup) entry of the slot is in the heap — possibly an older one, re-queued when it pops. */
  private timerQueuedOf: Uint8Array = new Uint8Array(0);
  private cleanupQueuedOf: Uint8Array = new Uint8Array(0);
  /** The snapshot epoch the session was created in (snapshots with a higher epoch hold it), and last saved for. */
  private bornOf: Int32Array = new Int32Array(0);
  private savedEpochOf: Int32Array = new Int32Array(0);
  /** Accumulators (undefined when empty) and per-window user state of process functions. */
  private accOf: unknown[] = [];
  private userStateOf: (Map<string, unknown> | undefined)[] = [];

  // The timer heap: (time, seq) ordered, parallel arrays; an entry is `slot * 2 + kind`. An entry is current while
  // its session is alive and still holds the timer (seq) of that kind; otherwise it is stale.
  private readonly heapTime: number[] = [];
  private readonly heapSeq: number[] = [];
  private readonly heapEntry: number[] = [];
  /** Registration counter (the general engine's order of entries within a timer bucket). */
  private seq = 0;
  /**
   * The record being added: its timestamp and own window `[lo, hi)`. Passed
   * through a typed array rather than as arguments, so that no number is boxed
   * per record on the way through the helpers.
   */
  private readonly record = new Float64Array(3);

  private currentWatermark: Timestamp = MIN_WATERMARK;
  private ended = false;

  private readonly output: WindowOutput<unknown, unknown>;

  /** The epoch of the latest snapshot (0: none yet). */
  private epoch = 0;
  private open: OpenSnapshot[] = [];

  constructor(
    spec: WindowSpec<unknown>,
    fn: AggregateSpec,
    private readonly out: Subscriber<Element<unknown>>,
  ) {
    const o = spec.options;
    this.assigner = spec.assigner;
    this.agg = fn.fn;
    this.process = fn.process;
    this.fixedGap = fixedGapOf(spec.assigner);
    this.lateness = o.allowedLateness ?? 0;
    this.discarding = o.accumulation === 'discarding';
    this.processing = o.scheduler ?? asyncScheduler;
    this.name = o.name ?? 'window';
    this.maxParallelism = o.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    this.keyGroups = checkKeyGroupsOption(this.name, o.keyGroups, this.maxParallelism);
    this.keysChecked = o.keyGroups === undefined ? Infinity : 0;
    const processing = this.processing;
    this.assignerContext = {
      get currentProcessingTime() {
        return processing.now();
      },
    };
    this.output = new WindowOutput<unknown, unknown>(out, o.lateOutput, this.name, o.metrics);
    this.grow(INITIAL_SLOTS);
  }

  // ── records ────────────────────────────────────────────────────────────

  processBatch(batch: RecordBatch<unknown>): void {
    const keys = batch.keys;
    if (keys === undefined) throw new NotKeyedError(this.name);
    if (this.ended) throw new StreamLiteError(this.name, 'record after end of input');
    const { values, timestamps } = batch;
    const n = values.length;
    const gap = this.fixedGap;
    const record = this.record;
    const interner = this.keys;
    for (let i = 0; i < n; i++) {
      const value = values[i];
      const ts = timestamps[i];
      if (ts === NO_TIMESTAMP) throw new MissingTimestampError(this.name, { value, key: keys[i] });
      const keyId = interner.intern(keys[i]);
      if (keyId >= this.keysChecked) this.checkNewKey(keyId, value, ts);
      record[TS] = ts;
      let added: boolean;
      if (gap === gap) {
        record[LO] = ts;
        record[HI] = ts + gap;
        added = this.addToSession(keyId, value);
      } else {
        let windows: readonly TimeWindow[];
        try {
          windows = this.assigner.assignWindows(value, ts, this.assignerContext);
        } catch (err) {
          throw err instanceof StreamLiteError ? err : new UserFunctionError(this.name, { value, timestamp: ts }, err);
        }
        added = false;
        for (let w = 0; w < windows.length; w++) {
          record[LO] = windows[w].start;
          record[HI] = windows[w].end;
          if (this.addToSession(keyId, value)) added = true;
        }
      }
      if (!added) this.dropLate(value, ts);
    }
    this.flush();
  }

  /** Adds the current record (own window `[lo, hi)`) to its session; false when it is late (touches no open session and its window is late). */
  private addToSession(keyId: number, value: unknown): boolean {
    const lo = this.record[LO];
    const hi = this.record[HI];
    if (keyId >= this.headOf.length) this.growKeys(keyId);
    const startOf = this.startOf;
    const endOf = this.endOf;
    const nextOf = this.nextOf;
    let prev = -1;
    let first = -1;
    let count = 0;
    for (let slot = this.headOf[keyId]; slot >= 0; slot = nextOf[slot]) {
      if (startOf[slot] > hi) break; // sorted by start: no later session touches
      if (endOf[slot] >= lo) {
        if (first < 0) first = slot;
        count++;
      } else {
        prev = slot;
      }
    }
    if (first < 0) {
      // A window is late once `end − 1 + lateness ≤ W`.
      const ct = hi - 1 + this.lateness;
      if ((ct >= MAX_WATERMARK ? MAX_WATERMARK : ct) <= this.currentWatermark) return false;
      this.newSession(keyId, prev, value);
      return true;
    }
    if (count > 1) this.merge(first, count);
    else if (startOf[first] > lo || endOf[first] < hi) this.extend(first);
    this.addRecord(first, value);
    return true;
  }

  /** A new session for the current record, after `prev` in its key's list (-1: first). */
  private newSession(keyId: number, prev: number, value: unknown): void {
    const lo = this.record[LO];
    const hi = this.record[HI];
    const slot = this.allocate(keyId);
    this.startOf[slot] = lo;
    this.endOf[slot] = hi;
    this.link(keyId, prev, slot);
    // As the general engine: the cleanup timer is registered first, then the firing timer (when the end is ahead).
    this.setCleanupTime(slot);
    this.cleanupSeqOf[slot] = this.seq++;
    if (hi - 1 > this.currentWatermark) this.registerTimer(slot);
    if (!(this.timerOf[slot] < this.cleanupAtOf[slot])) this.queueCleanup(slot);
    this.addRecord(slot, value);
  }

  /** Inserts `slot` after `prev` (-1: at the head) in the list of `keyId`. */
  private link(keyId: number, prev: number, slot: number): void {
    if (prev < 0) {
      this.nextOf[slot] = this.headOf[keyId];
      this.headOf[keyId] = slot;
    } else {
      this.nextOf[slot] = this.nextOf[prev];
      this.nextOf[prev] = slot;
    }
  }

  /** Removes `slot` from its key's list. */
  private unlink(slot: number): void {
    const keyId = this.keyIdOf[slot];
    let s = this.headOf[keyId];
    if (s === slot) {
      this.headOf[keyId] = this.nextOf[slot];
      return;
    }
    while (s >= 0) {
      const next = this.nextOf[s];
      if (next === slot) {
        this.nextOf[s] = this.nextOf[slot];
        return;
      }
      s = next;
    }
  }

  /** Inserts a restored session in its key's list, by start. */
  private linkByStart(keyId: number, slot: number): void {
    if (keyId >= this.headOf.length) this.growKeys(keyId);
    const start = this.startOf[slot];
    let prev = -1;
    for (let s = this.headOf[keyId]; s >= 0 && this.startOf[s] <= start; s = this.nextOf[s]) prev = s;
    this.link(keyId, prev, slot);
  }

  private growKeys(keyId: number): void {
    let n = Math.max(64, this.headOf.length * 2);
    while (n <= keyId) n *= 2;
    const head = new Int32Array(n).fill(-1);
    head.set(this.headOf);
    this.headOf = head;
  }

  /** `merge` of one session with the current record's window, which it does not contain: the session grows in place. */
  private extend(slot: number): void {
    if (this.savedEpochOf[slot] !== this.epoch) this.touch(slot);
    const lo = this.record[LO];
    const hi = this.record[HI];
    if (lo < this.startOf[slot]) this.startOf[slot] = lo;
    if (hi > this.endOf[slot]) this.endOf[slot] = hi;
    const us = this.userStateOf[slot];
    if (us !== undefined && us.size === 0) this.userStateOf[slot] = undefined;
    this.renew(slot);
  }

  /** A merged or grown session registers its timers anew, as the general engine's new window state: firing timer (if its end is ahead), then cleanup. */
  private renew(slot: number): void {
    if (this.endOf[slot] - 1 > this.currentWatermark) {
      this.registerTimer(slot);
    } else {
      this.timerOf[slot] = NaN;
      this.timerSeqOf[slot] = -1;
    }
    this.setCleanupTime(slot);
    this.cleanupSeqOf[slot] = this.seq++;
    if (!(this.timerOf[slot] < this.cleanupAtOf[slot])) this.queueCleanup(slot);
  }

  /** Cleanup at `end − 1 + lateness` saturating at the maximum watermark; a session stays one ms longer (a record at `end` still touches it). */
  private setCleanupTime(slot: number): void {
    const end = this.endOf[slot];
    const t = end - 1 + this.lateness;
    const ct = t >= MAX_WATERMARK || end - 1 >= MAX_WATERMARK ? MAX_WATERMARK : t;
    this.cleanupAtOf[slot] = ct < MAX_WATERMARK ? ct + 1 : ct;
  }

  /** Registers the firing timer at `end − 1` (a new registration); queues it unless an older entry of the session is queued. */
  private registerTimer(slot: number): void {
    this.timerOf[slot] = this.endOf[slot] - 1;
    const seq = this.seq++;
    this.timerSeqOf[slot] = seq;
    if (this.timerQueuedOf[slot] === 0) {
      this.timerQueuedOf[slot] = 1;
      this.push(this.timerOf[slot], seq, slot * 2 + TIMER);
    }
  }

  /**
   * Queues the cleanup timer unless an entry of it is queued. It is needed in
   * the heap only once no firing timer due before it is pending.
   */
  private queueCleanup(slot: number): void {
    if (this.cleanupQueuedOf[slot] !== 0 || this.cleanupSeqOf[slot] < 0) return;
    this.cleanupQueuedOf[slot] = 1;
    this.push(this.cleanupAtOf[slot], this.cleanupSeqOf[slot], slot * 2 + CLEANUP);
  }

  /**
   * The general engine's `mergeSessions`, in place: the session `target`
   * becomes the session covering the `count` sessions from it in its key's
   * list and the current record's window — a new window state as far as
   * timers go (new registrations).
   */
  private merge(target: number, count: number): void {
    const lo = this.record[LO];
    const hi = this.record[HI];
    this.touch(target);
    let start = lo < this.startOf[target] ? lo : this.startOf[target];
    let end = hi > this.endOf[target] ? hi : this.endOf[target];
    let acc = this.accOf[target];
    let pending = this.pendingOf[target];
    let paneIndex = this.paneIndexOf[target];
    let userState = this.userStateOf[target];
    for (let j = 1; j < count; j++) {
      const slot = this.nextOf[target];
      this.nextOf[target] = this.nextOf[slot];
      this.touch(slot);
      if (this.startOf[slot] < start) start = this.startOf[slot];
      if (this.endOf[slot] > end) end = this.endOf[slot];
      const a = this.accOf[slot];
      if (a !== undefined) {
        if (acc === undefined) {
          acc = a;
        } else {
          try {
            acc = this.agg.merge(acc, a);
          } catch (err) {
            throw new UserFunctionError(`${this.name} merge`, { value: a, key: this.keys.keyOf(this.keyIdOf[slot]) }, err);
          }
        }
      }
      pending += this.pendingOf[slot];
      if (this.paneIndexOf[slot] > paneIndex) paneIndex = this.paneIndexOf[slot];
      const us = this.userStateOf[slot];
      if (us) for (const [k, v] of us) (userState ??= new Map()).set(k, v);
      this.kill(slot);
    }
    // The general engine's merged state starts without user state and copies entries: an empty map does not survive.
    this.userStateOf[target] = userState !== undefined && userState.size === 0 ? undefined : userState;
    this.startOf[target] = start;
    this.endOf[target] = end;
    this.accOf[target] = acc;
    this.pendingOf[target] = pending;
    this.paneIndexOf[target] = paneIndex;
    // As the general engine: the trigger's onMerge registers the firing timer, then the cleanup timer.
    this.renew(target);
  }

  /** Adds the record to the session's accumulator, then the default trigger: fire once the end has passed, else one timer at the end. */
  private addRecord(slot: number, value: unknown): void {
    if (this.savedEpochOf[slot] !== this.epoch) this.touch(slot);
    const agg = this.agg;
    const acc = this.accOf[slot];
    try {
      this.accOf[slot] = agg.add(value, acc === undefined ? agg.createAccumulator() : acc);
    } catch (err) {
      throw new UserFunctionError(this.name, { value, timestamp: this.record[TS], key: this.keys.keyOf(this.keyIdOf[slot]) }, err);
    }
    this.pendingOf[slot]++;
    const end = this.endOf[slot] - 1;
    if (end <= this.currentWatermark) {
      this.fire(slot, this.currentWatermark < end ? 'EARLY' : 'LATE');
    } else if (this.timerOf[slot] !== this.timerOf[slot]) {
      this.registerTimer(slot);
    }
  }

  private dropLate(value: unknown, ts: Timestamp): void {
    this.output.late(value, ts);
  }

  // ── firing ─────────────────────────────────────────────────────────────

  /** FIRE: emits a pane (the last when the session is cleared by the current watermark with no firing timer left), then purges when discarding. */
  private fire(slot: number, timing: PaneTiming): void {
    const cleanupAt = this.cleanupAtOf[slot];
    const isLast = this.currentWatermark >= cleanupAt && !(this.timerOf[slot] <= cleanupAt);
    this.emitPane(slot, timing, isLast);
    if (this.discarding) {
      this.accOf[slot] = undefined;
      this.pendingOf[slot] = 0;
    }
  }

  private emitPane(slot: number, timing: PaneTiming, isLast: boolean): void {
    const acc = this.accOf[slot];
    if (acc === undefined) return;
    const index = this.paneIndexOf[slot];
    this.paneIndexOf[slot] = index + 1;
    const pane = paneInfo(timing, index, isLast);
    this.pendingOf[slot] = 0;
    const key = this.keys.keyOf(this.keyIdOf[slot]);
    let result: unknown;
    try {
      result = this.agg.getResult(acc);
    } catch (err) {
      throw new UserFunctionError(this.name, { value: acc, key }, err);
    }
    if (this.process !== undefined) {
      this.runProcess(slot, key, pane, result);
      return;
    }
    const end = this.endOf[slot];
    const r: WindowResult<unknown, unknown> = { key, start: this.startOf[slot], end, value: result, pane, retraction: false };
    this.output.values.push(r);
    this.output.timestamps.push(end - 1);
  }

  private runProcess(slot: number, key: unknown, pane: PaneInfo, result: unknown): void {
    const process = this.process!;
    const keyId = this.keyIdOf[slot];
    this.touchGlobals(keyId);
    const userStateOf = this.userStateOf;
    runWindowProcess(
      this.output,
      this.name,
      {
        key,
        start: this.startOf[slot],
        end: this.endOf[slot],
        pane,
        currentWatermark: this.currentWatermark,
        currentProcessingTime: this.processing.now(),
        windowState: () => (userStateOf[slot] ??= new Map()),
        globalState: (this.globalUserState[keyId] ??= new Map()),
      },
      (ctx, out) => process(result, ctx, out),
    );
  }


  // ── timers ─────────────────────────────────────────────────────────────

  private push(time: Timestamp, seq: number, entry: number): void {
    const times = this.heapTime;
    const seqs = this.heapSeq;
    const entries = this.heapEntry;
    let i = times.length;
    times.push(time);
    seqs.push(seq);
    entries.push(entry);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt < time || (pt === time && seqs[p] < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p];
      entries[i] = entries[p];
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    entries[i] = entry;
  }

  /** Removes the top entry. */
  private pop(): void {
    const times = this.heapTime;
    const seqs = this.heapSeq;
    const entries = this.heapEntry;
    const time = times.pop()!;
    const seq = seqs.pop()!;
    const entry = entries.pop()!;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let ct = times[l];
      if (r < n) {
        const rt = times[r];
        if (rt < ct || (rt === ct && seqs[r] < seqs[l])) {
          c = r;
          ct = rt;
        }
      }
      if (ct > time || (ct === time && seqs[c] > seq)) break;
      times[i] = ct;
      seqs[i] = seqs[c];
      entries[i] = entries[c];
      i = c;
    }
    times[i] = time;
    seqs[i] = seq;
    entries[i] = entry;
  }

  /**
   * Runs the timers due at or before the watermark (already set), in (time,
   * registration) order — the general engine's timer buckets. A stale entry
   * re-queues the session's current timer of its kind (due later); a current
   * one does what the general engine does for a window state in a bucket.
   */
  private advance(wm: Timestamp): void {
    const times = this.heapTime;
    while (times.length > 0 && times[0] <= wm) {
      const seq = this.heapSeq[0];
      const entry = this.heapEntry[0];
      this.pop();
      const slot = entry >> 1;
      if ((entry & 1) === TIMER) {
        this.timerQueuedOf[slot] = 0;
        if (this.aliveOf[slot] === 0) this.release(slot);
        else if (this.timerSeqOf[slot] === seq) this.onTimer(slot);
        else this.requeueTimer(slot);
      } else {
        this.cleanupQueuedOf[slot] = 0;
        if (this.aliveOf[slot] === 0) this.release(slot);
        else if (this.cleanupSeqOf[slot] === seq) this.onCleanupTimer(slot);
        else if (!(this.timerOf[slot] < this.cleanupAtOf[slot])) this.queueCleanup(slot);
      }
    }
  }

  private requeueTimer(slot: number): void {
    if (this.timerSeqOf[slot] < 0) return;
    this.timerQueuedOf[slot] = 1;
    this.push(this.timerOf[slot], this.timerSeqOf[slot], slot * 2 + TIMER);
  }

  /**
   * The session's firing timer is due (`time`, at `end − 1`): eventTimeTrigger's
   * onEventTime fires it, with the timing of the timer (ON_TIME); then the
   * session is cleared if its cleanup time is this time too (the maximum
   * watermark), else its cleanup timer joins the heap.
   */
  private onTimer(slot: number): void {
    const time = this.timerOf[slot];
    this.touch(slot);
    this.timerOf[slot] = NaN;
    this.timerSeqOf[slot] = -1;
    const maxTs = this.endOf[slot] - 1;
    if (time === maxTs) this.fire(slot, 'ON_TIME');
    const cleanupAt = this.cleanupAtOf[slot];
    if (cleanupAt === time) {
      this.cleanup(slot, time < maxTs ? 'EARLY' : time === maxTs ? 'ON_TIME' : 'LATE');
    } else if (cleanupAt <= this.currentWatermark && (this.pendingOf[slot] === 0 || this.accOf[slot] === undefined)) {
      // Due in this same advance: nothing can reach the session before then, and after a firing it holds
      // no pane to emit, so clearing it now is what its cleanup timer would do.
      this.cleanup(slot, 'LATE');
    } else {
      this.queueCleanup(slot);
    }
  }

  /** The session's cleanup timer is due: as the general engine, a firing timer at the same time fires first. */
  private onCleanupTimer(slot: number): void {
    const time = this.cleanupAtOf[slot];
    if (this.timerOf[slot] === time) {
      this.onTimer(slot);
      return;
    }
    const maxTs = this.endOf[slot] - 1;
    this.cleanup(slot, time < maxTs ? 'EARLY' : time === maxTs ? 'ON_TIME' : 'LATE');
  }

  /** Clears a session: a final pane for records never fired, then its state. */
  private cleanup(slot: number, timing: PaneTiming): void {
    this.touch(slot);
    if (this.pendingOf[slot] > 0) this.emitPane(slot, timing, true);
    this.unlink(slot);
    this.kill(slot);
  }

  // ── slots ──────────────────────────────────────────────────────────────

  /** A fresh slot for a session of `keyId` (its bounds, timers and accumulator still to set). */
  private allocate(keyId: number): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.used === this.capacity) this.grow(this.capacity * 2);
      slot = this.used++;
    }
    this.keyIdOf[slot] = keyId;
    this.nextOf[slot] = -1;
    this.startOf[slot] = 0;
    this.endOf[slot] = 0;
    this.cleanupAtOf[slot] = 0;
    this.timerOf[slot] = NaN;
    this.timerSeqOf[slot] = -1;
    this.cleanupSeqOf[slot] = -1;
    this.pendingOf[slot] = 0;
    this.paneIndexOf[slot] = 0;
    this.aliveOf[slot] = 1;
    this.timerQueuedOf[slot] = 0;
    this.cleanupQueuedOf[slot] = 0;
    this.bornOf[slot] = this.epoch;
    this.savedEpochOf[slot] = this.epoch;
    this.accOf[slot] = undefined;
    this.userStateOf[slot] = undefined;
    return slot;
  }

  /** A session merged away or cleared: its slot is reused once no heap entry refers to it. */
  private kill(slot: number): void {
    this.aliveOf[slot] = 0;
    this.timerOf[slot] = NaN;
    this.timerSeqOf[slot] = -1;
    this.accOf[slot] = undefined;
    this.userStateOf[slot] = undefined;
    this.release(slot);
  }

  private release(slot: number): void {
    if (this.timerQueuedOf[slot] === 0 && this.cleanupQueuedOf[slot] === 0) this.freeSlots.push(slot);
  }

  private grow(capacity: number): void {
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(capacity);
      b.set(a);
      return b;
    };
    this.keyIdOf = i32(this.keyIdOf);
    this.nextOf = i32(this.nextOf);
    this.startOf = f64(this.startOf);
    this.endOf = f64(this.endOf);
    this.cleanupAtOf = f64(this.cleanupAtOf);
    this.timerOf = f64(this.timerOf);
    this.timerSeqOf = f64(this.timerSeqOf);
    this.cleanupSeqOf = f64(this.cleanupSeqOf);
    this.pendingOf = f64(this.pendingOf);
    this.paneIndexOf = f64(this.paneIndexOf);
    this.aliveOf = u8(this.aliveOf);
    this.timerQueuedOf = u8(this.timerQueuedOf);
    this.cleanupQueuedOf = u8(this.cleanupQueuedOf);
    this.bornOf = i32(this.bornOf);
    this.savedEpochOf = i32(this.savedEpochOf);
    for (let i = this.capacity; i < capacity; i++) {
      this.accOf.push(undefined);
      this.userStateOf.push(undefined);
    }
    this.capacity = capacity;
  }

  // ── watermarks and end ────────────────────────────────────────────────

  processWatermark(wm: Timestamp): void {
    if (wm <= this.currentWatermark) return;
    if (wm >= MAX_WATERMARK) {
      this.closeAll();
      this.out.next({ kind: 'watermark', timestamp: wm });
      return;
    }
    this.currentWatermark = wm;
    this.advance(wm);
    this.flush();
    this.out.next({ kind: 'watermark', timestamp: wm });
  }

  endOfInput(): void {
    this.closeAll();
  }

  private closeAll(): void {
    if (this.ended) return;
    if (this.currentWatermark < MAX_WATERMARK) {
      this.currentWatermark = MAX_WATERMARK;
      this.advance(MAX_WATERMARK);
    }
    this.ended = true;
    // Every cleanup time is at most the maximum watermark: nothing is left, but close anything that is, as the general engine.
    for (let keyId = 0; keyId < this.headOf.length; keyId++) {
      for (let slot = this.headOf[keyId]; slot >= 0; slot = this.headOf[keyId]) this.cleanup(slot, this.currentWatermark < this.endOf[slot] - 1 ? 'EARLY' : 'LATE');
    }
    this.flush();
  }

  // ── checkpoints ────────────────────────────────────────────────────────

  private freeze(slot: number): FrozenSession {
    const us = this.userStateOf[slot];
    return {
      keyId: this.keyIdOf[slot],
      start: this.startOf[slot],
      end: this.endOf[slot],
      acc: this.accOf[slot],
      pending: this.pendingOf[slot],
      paneIndex: this.paneIndexOf[slot],
      cleanupAt: this.cleanupAtOf[slot],
      timer: this.timerOf[slot],
      timerSeq: this.timerSeqOf[slot],
      cleanupSeq: this.cleanupSeqOf[slot],
      userState: us ? [...us] : undefined,
    };
  }

  /** Saves the session's state for the open snapshots that hold it, before it changes (copy-on-write). */
  private touch(slot: number): void {
    const savedEpoch = this.savedEpochOf[slot];
    if (savedEpoch === this.epoch) return;
    const open = this.open;
    if (open.length > 0) {
      const frozen = this.freeze(slot);
      for (let i = 0; i < open.length; i++) if (open[i].epoch > savedEpoch) open[i].saved.set(slot, frozen);
    }
    this.savedEpochOf[slot] = this.epoch;
  }

  private touchGlobals(keyId: number): void {
    if ((this.globalsSavedEpoch[keyId] ?? 0) === this.epoch) return;
    const open = this.open;
    const m = this.globalUserState[keyId];
    const copy = m ? [...m] : undefined;
    for (let i = 0; i < open.length; i++) {
      const snap = open[i];
      if (keyId < snap.keyCount && !snap.savedGlobals.has(keyId)) snap.savedGlobals.set(keyId, copy);
    }
    this.globalsSavedEpoch[keyId] = this.epoch;
  }

  /**
   * O(1): the state is copied lazily, one session at a time, when it is about
   * to change. At most MAX_OPEN_SNAPSHOTS are open (not yet turned into data)
   * at once; opening one more turns the oldest into data now, O(state), on
   * the record path (only when checkpoints are taken faster than written).
   */
  snapshot(): { toData(): WindowCheckpoint; watermark: Timestamp } {
    const snap: OpenSnapshot = {
      epoch: ++this.epoch,
      watermark: this.currentWatermark,
      keyCount: this.keys.size,
      saved: new Map(),
      savedGlobals: new Map(),
      data: undefined,
    };
    this.open.push(snap);
    if (this.open.length > MAX_OPEN_SNAPSHOTS) this.materialise(this.open[0]);
    return { toData: () => this.materialise(snap), watermark: snap.watermark };
  }

  /** The snapshot's data (built once); the snapshot stops collecting copies. */
  private materialise(snap: OpenSnapshot): WindowCheckpoint {
    if (snap.data !== undefined) return snap.data;
    const frozen: FrozenSession[] = [...snap.saved.values()];
    for (let keyId = 0; keyId < this.headOf.length; keyId++) {
      for (let slot = this.headOf[keyId]; slot >= 0; slot = this.nextOf[slot]) {
        if (this.bornOf[slot] < snap.epoch && !snap.saved.has(slot)) frozen.push(this.freeze(slot));
      }
    }
    frozen.sort((a, b) => a.keyId - b.keyId || a.start - b.start);
    const timers: [Timestamp, number, number][] = [];
    const states = frozen.map((f, i) => {
      if (f.cleanupSeq >= 0) timers.push([f.cleanupAt, f.cleanupSeq, i]);
      if (f.timer === f.timer && f.timerSeq >= 0) timers.push([f.timer, f.timerSeq, i]);
      return {
        key: this.keys.keyOf(f.keyId),
        start: f.start,
        end: f.end,
        id: f.start,
        acc: f.acc,
        elements: undefined,
        pending: f.pending,
        triggerState: undefined,
        userState: f.userState,
        eventTimers: f.timer === f.timer ? [f.timer] : [],
        processingTimers: [],
        cleanupAt: f.cleanupAt,
        paneIndex: f.paneIndex,
        lastEmitted: undefined,
        retractions: undefined,
      };
    });
    timers.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const eventQueue: [Timestamp, number[]][] = [];
    for (const [time, , index] of timers) {
      const last = eventQueue[eventQueue.length - 1];
      if (last !== undefined && last[0] === time) last[1].push(index);
      else eventQueue.push([time, [index]]);
    }
    const globalState: [unknown, [string, unknown][]][] = [];
    for (let keyId = 0; keyId < snap.keyCount; keyId++) {
      let entries: [string, unknown][] | undefined;
      if (snap.savedGlobals.has(keyId)) {
        entries = snap.savedGlobals.get(keyId);
      } else {
        const m = this.globalUserState[keyId];
        entries = m ? [...m] : undefined;
      }
      if (entries !== undefined && entries.length > 0) globalState.push([this.keys.keyOf(keyId), entries]);
    }
    snap.data = {
      watermark: snap.watermark,
      states,
      eventQueue,
      processingQueue: [],
      globalState,
      keyGroups: this.keyGroups,
      maxParallelism: this.maxParallelism,
    };
    snap.saved.clear();
    snap.savedGlobals.clear();
    this.open = this.open.filter((o) => o !== snap);
    return snap.data;
  }

  restore(parts: readonly WindowCheckpoint[]): void {
    if (parts.length === 0) return;
    const { watermark, owned } = beginRestore(this.name, parts, this.keyGroups, this.maxParallelism, this.currentWatermark);
    this.currentWatermark = watermark;
    for (const data of parts) {
      const slots = data.states.map((d) => {
        if (!owned(d.key)) return -1;
        if (d.elements != null || d.eventTimers.length > 1 || d.processingTimers.length > 0 || (d.triggerState != null && d.triggerState.length > 0) || d.lastEmitted != null || (d.retractions != null && d.retractions.length > 0)) {
          throw new StreamLiteError(this.name, `cannot restore the window [${d.start}, ${d.end}): its snapshot was taken with another trigger, evictor or accumulation mode`);
        }
        const keyId = this.keys.intern(d.key);
        const slot = this.allocate(keyId);
        this.startOf[slot] = d.start;
        this.endOf[slot] = d.end;
        this.accOf[slot] = d.acc;
        this.pendingOf[slot] = d.pending;
        this.paneIndexOf[slot] = d.paneIndex;
        this.cleanupAtOf[slot] = d.cleanupAt;
        this.timerOf[slot] = d.eventTimers.length > 0 ? d.eventTimers[0] : NaN;
        this.userStateOf[slot] = d.userState ? new Map(d.userState) : undefined;
        this.linkByStart(keyId, slot);
        return slot;
      });
      for (const [time, indices] of data.eventQueue) {
        for (const i of indices) {
          const seq = this.seq++;
          const slot = slots[i];
          if (slot === undefined || slot < 0) continue;
          if (time === this.cleanupAtOf[slot] && this.cleanupSeqOf[slot] < 0) {
            this.cleanupSeqOf[slot] = seq;
            this.cleanupQueuedOf[slot] = 1;
            this.push(time, seq, slot * 2 + CLEANUP);
          } else if (time === this.timerOf[slot] && this.timerSeqOf[slot] < 0) {
            this.timerSeqOf[slot] = seq;
            this.timerQueuedOf[slot] = 1;
            this.push(time, seq, slot * 2 + TIMER);
          }
        }
      }
      for (const [key, entries] of data.globalState) if (owned(key)) this.globalUserState[this.keys.intern(key)] = new Map(entries);
    }
    if (this.keysChecked !== Infinity) this.keysChecked = this.keys.size;
  }

  private checkNewKey(keyId: number, value: unknown, timestamp: Timestamp): void {
    const key = this.keys.keyOf(keyId);
    checkKeyInKeyGroups(this.name, key, this.keyGroups, this.maxParallelism, { value, timestamp, key });
    this.keysChecked = keyId + 1;
  }

  dispose(): void {
    // No processing-time timers to cancel; open snapshots stay readable.
  }

  /** Emits the results and side outputs gathered so far, as one batch each. */
  private flush(): void {
    this.output.flush();
  }

}

/** The gap of a built-in `session(gap)` with a fixed gap (its shape), else NaN (a dynamic gap: ask the assigner). */
function fixedGapOf(assigner: WindowAssigner<unknown>): Duration {
  const shape = assigner.shape;
  return shape?.kind === 'session' && shape.gap !== undefined ? shape.gap : NaN;
}
