import { asyncScheduler, type SchedulerLike, type Subscriber } from 'rxjs';
import type { Element, RecordBatch } from '../../core/Element';
import { recordBatch, sideOutputBatch } from '../../core/elementFactories';
import { InvalidArgumentError, MissingTimestampError, NotKeyedError, StreamLiteError, UserFunctionError } from '../../core/errors';
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP } from '../../core/time';
import type { Duration, Timestamp } from '../../core/types';
import { Counter } from '../../metrics/Counter';
import type { AggregateFunction } from '../../operators/AggregateFunction';
import type { Collector } from '../../operators/process';
import type { OutputTag } from '../../route/OutputTag';
import { KeyInterner } from '../../state/KeyInterner';
import { DEFAULT_MAX_PARALLELISM, inKeyGroupRange, keyGroupOf, type KeyGroupRange } from '../../state/keyGroups';
import { checkKeyGroupsOption, checkKeyInKeyGroups, checkRestoredCoverage, restoredWatermark } from '../../state/keyGroupsInternals';
import type { PaneInfo, PaneTiming } from '../PaneInfo';
import type { TimeWindow } from '../TimeWindow';
import type { Trigger } from '../Trigger';
import { BUILTIN_EVENT_TIME_TRIGGERS } from '../triggers/eventTimeTrigger';
import type { AssignerContext, WindowAssigner } from '../WindowAssigner';
import type { WindowResult } from '../WindowResult';
import type {
  AggregateProcessFunction,
  ProcessWindowContext,
  WindowCheckpoint,
  WindowFunctionSpec,
  WindowSpec,
  WindowUserState,
} from '../windowInternals';
import type { WindowEngineFactory, WindowEngineLike } from './WindowEngineLike';

const LATE_COUNTER = 'streamlite_late_records_dropped_total';

/** Heap entry kinds. */
const TIMER = 0;
const CLEANUP = 1;
const LATE_HELP = 'Records dropped as late from every window (sent to the late output when one is set).';

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
 * - the open sessions of a key are a small array sorted by start (interned
 *   key ids), disjoint and never touching; a record inside a session or
 *   extending it updates it in place (no window or state object per record);
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
  create: (spec, fn, out) => new SessionEngine(spec, fn as AggregateSpec, out),
};

type AggregateSpec = {
  readonly kind: 'aggregate';
  readonly fn: AggregateFunction<unknown, unknown, unknown>;
  readonly process?: AggregateProcessFunction<unknown, unknown, unknown>;
};

/** One open session of one key: the general engine's `WindowState` of a session, mutable in place. */
class Session {
  /** Records added since the last firing. */
  pending = 0;
  paneIndex = 0;
  /** When it is cleared: `end + lateness` (or the maximum watermark). */
  cleanupAt = 0;
  /** The firing timer's time (`end − 1`), NaN when none is registered. */
  timer = NaN;
  /** Registration order of the firing timer and of the cleanup timer (ties of equal times fire in this order). */
  timerSeq = -1;
  cleanupSeq = -1;
  /** Whether a firing-timer entry of this session is in the heap (possibly an older one, re-queued when it pops). */
  timerQueued = false;
  /** Whether a cleanup entry of this session is in the heap (likewise). */
  cleanupQueued = false;
  alive = true;
  /** Per-window user state of a process function. */
  userState: Map<string, unknown> | undefined = undefined;
  /** The last snapshot epoch this session was saved for (or was created in). */
  savedEpoch: number;

  constructor(
    readonly keyId: number,
    readonly key: unknown,
    public start: Timestamp,
    public end: Timestamp,
    public acc: unknown,
    /** The snapshot epoch it was created in: snapshots with a higher epoch hold it. */
    readonly born: number,
  ) {
    this.savedEpoch = born;
  }
}

/** A session as of a snapshot. */
interface FrozenSession {
  readonly keyId: number;
  readonly key: unknown;
  readonly start: Timestamp;
  readonly end: Timestamp;
  readonly acc: unknown;
  readonly pending: number;
  readonly paneIndex: number;
  readonly cleanupAt: Timestamp;
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
  readonly saved: Map<Session, FrozenSession>;
  /** Per-key state of process functions as of the snapshot, for keys whose state changed since. */
  readonly savedGlobals: Map<number, [string, unknown][] | undefined>;
  data: WindowCheckpoint | undefined;
}

const freeze = (s: Session): FrozenSession => ({
  keyId: s.keyId,
  key: s.key,
  start: s.start,
  end: s.end,
  acc: s.acc,
  pending: s.pending,
  paneIndex: s.paneIndex,
  cleanupAt: s.cleanupAt,
  timer: s.timer,
  timerSeq: s.timerSeq,
  cleanupSeq: s.cleanupSeq,
  userState: s.userState ? [...s.userState] : undefined,
});

class SessionEngine implements WindowEngineLike {
  private readonly assigner: WindowAssigner<unknown>;
  private readonly agg: AggregateFunction<unknown, unknown, unknown>;
  private readonly process: AggregateProcessFunction<unknown, unknown, unknown> | undefined;
  /** The gap when it is fixed (built-in `session(gap)`), else NaN: the assigner is asked per record. */
  private readonly fixedGap: Duration;
  private readonly lateness: Duration;
  private readonly lateOutput: OutputTag<unknown> | undefined;
  private readonly discarding: boolean;
  private readonly processing: SchedulerLike;
  private readonly lateCounter: Counter;
  private readonly assignerContext: AssignerContext;
  private readonly name: string;
  private readonly maxParallelism: number;
  private readonly keyGroups: KeyGroupRange;
  /** Keys with an id below this were checked against `keyGroups` (Infinity: no check). */
  private keysChecked: number;

  private readonly keys = new KeyInterner<unknown>();
  /** The open sessions of each key id, sorted by start; disjoint and never touching (the array is kept when empty). */
  private readonly sessionsByKey: (Session[] | undefined)[] = [];
  /** Per-key user state of process functions. */
  private readonly globalUserState: (Map<string, unknown> | undefined)[] = [];
  /** The snapshot epoch each key's user state was last saved for. */
  private readonly globalsSavedEpoch: number[] = [];

  // The timer heap: (time, seq) ordered, parallel arrays. An entry is current while its session is alive and
  // still holds the timer (time, seq) of that kind; otherwise it is stale.
  private heapTime: number[] = [];
  private heapSeq: number[] = [];
  private heapSession: Session[] = [];
  private heapKind: number[] = [];
  /** Registration counter (the general engine's order of entries within a timer bucket). */
  private seq = 0;

  private currentWatermark: Timestamp = MIN_WATERMARK;
  private ended = false;

  private outValues: unknown[] = [];
  private outTimestamps: Timestamp[] = [];
  private lateValues: unknown[] = [];
  private lateTimestamps: Timestamp[] = [];
  private sideOutputs: Map<OutputTag<unknown>, { values: unknown[]; timestamps: Timestamp[] }> | undefined;

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
    this.lateOutput = o.lateOutput;
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
    this.lateCounter = o.metrics?.counter(LATE_COUNTER, { operator: this.name }, LATE_HELP) ?? new Counter(LATE_COUNTER, { operator: this.name });
  }

  // ── records ────────────────────────────────────────────────────────────

  processBatch(batch: RecordBatch<unknown>): void {
    const keys = batch.keys;
    if (keys === undefined) throw new NotKeyedError(this.name);
    if (this.ended) throw new StreamLiteError(this.name, 'record after end of input');
    const { values, timestamps } = batch;
    const n = values.length;
    const gap = this.fixedGap;
    for (let i = 0; i < n; i++) {
      const value = values[i];
      const ts = timestamps[i];
      if (ts === NO_TIMESTAMP) throw new MissingTimestampError(this.name, { value, key: keys[i] });
      const keyId = this.keys.intern(keys[i]);
      if (keyId >= this.keysChecked) this.checkNewKey(keyId, value, ts);
      let added: boolean;
      if (gap === gap) {
        added = this.addToSession(keyId, value, ts, ts, ts + gap);
      } else {
        let windows: readonly TimeWindow[];
        try {
          windows = this.assigner.assignWindows(value, ts, this.assignerContext);
        } catch (err) {
          throw err instanceof StreamLiteError ? err : new UserFunctionError(this.name, { value, timestamp: ts }, err);
        }
        added = false;
        for (let w = 0; w < windows.length; w++) {
          if (this.addToSession(keyId, value, ts, windows[w].start, windows[w].end)) added = true;
        }
      }
      if (!added) this.dropLate(value, ts);
    }
    this.flush();
  }

  /** Adds a record whose own window is `[lo, hi)` to its session; false when it is late (touches no open session and its window is late). */
  private addToSession(keyId: number, value: unknown, ts: Timestamp, lo: Timestamp, hi: Timestamp): boolean {
    const sessions = this.sessionsByKey[keyId];
    let first = -1;
    let count = 0;
    if (sessions !== undefined) {
      for (let j = 0; j < sessions.length; j++) {
        const s = sessions[j];
        if (s.start > hi) break; // sorted by start: no later session touches
        if (s.end >= lo) {
          if (first < 0) first = j;
          count++;
        }
      }
    }
    if (first < 0) {
      if (this.isLate(hi)) return false;
      this.newSession(keyId, sessions, lo, hi, value, ts);
      return true;
    }
    const s = sessions![first];
    if (count === 1 && s.start <= lo && s.end >= hi) {
      this.addRecord(s, value, ts);
      return true;
    }
    this.merge(sessions!, first, count, lo, hi);
    this.addRecord(s, value, ts);
    return true;
  }

  /** A window is late once `end − 1 + lateness ≤ W`. */
  private isLate(end: Timestamp): boolean {
    const ct = end - 1 + this.lateness;
    return (ct >= MAX_WATERMARK ? MAX_WATERMARK : ct) <= this.currentWatermark;
  }

  private newSession(keyId: number, sessions: Session[] | undefined, lo: Timestamp, hi: Timestamp, value: unknown, ts: Timestamp): void {
    const s = new Session(keyId, this.keys.keyOf(keyId), lo, hi, undefined, this.epoch);
    if (sessions === undefined) {
      this.sessionsByKey[keyId] = [s];
    } else if (sessions.length === 0) {
      sessions.push(s);
    } else {
      let i = sessions.length;
      while (i > 0 && sessions[i - 1].start > lo) i--;
      if (i === sessions.length) sessions.push(s);
      else sessions.splice(i, 0, s);
    }
    // As the general engine: the cleanup timer is registered first, then the firing timer (when the end is ahead).
    s.cleanupAt = this.cleanupAtOf(hi);
    s.cleanupSeq = this.seq++;
    const end = hi - 1;
    if (end > this.currentWatermark) this.registerTimer(s, end);
    if (!(s.timer < s.cleanupAt)) this.queueCleanup(s);
    this.addRecord(s, value, ts);
  }

  /** `end − 1 + lateness` saturating at the maximum watermark; a session stays one ms longer (a record at `end` still touches it). */
  private cleanupAtOf(end: Timestamp): Timestamp {
    const t = end - 1 + this.lateness;
    const ct = t >= MAX_WATERMARK || end - 1 >= MAX_WATERMARK ? MAX_WATERMARK : t;
    return ct < MAX_WATERMARK ? ct + 1 : ct;
  }

  /** Registers the firing timer (a new registration); queues it unless an older entry of the session is queued. */
  private registerTimer(s: Session, time: Timestamp): void {
    s.timer = time;
    s.timerSeq = this.seq++;
    if (!s.timerQueued) {
      s.timerQueued = true;
      this.push(time, s.timerSeq, s, TIMER);
    }
  }

  /**
   * Queues the cleanup timer unless an entry of it is queued. It is needed in
   * the heap only once no firing timer due before it is pending.
   */
  private queueCleanup(s: Session): void {
    if (s.cleanupQueued || s.cleanupSeq < 0) return;
    s.cleanupQueued = true;
    this.push(s.cleanupAt, s.cleanupSeq, s, CLEANUP);
  }

  /**
   * The general engine's `mergeSessions`, in place: `sessions[first]` becomes
   * the session covering the `count` sessions from `first` and `[lo, hi)` —
   * a new window state as far as timers go (new registrations).
   */
  private merge(sessions: Session[], first: number, count: number, lo: Timestamp, hi: Timestamp): void {
    const target = sessions[first];
    this.touch(target);
    let start = lo < target.start ? lo : target.start;
    let end = hi > target.end ? hi : target.end;
    let acc = target.acc;
    let pending = target.pending;
    let paneIndex = target.paneIndex;
    for (let j = first + 1; j < first + count; j++) {
      const s = sessions[j];
      this.touch(s);
      if (s.start < start) start = s.start;
      if (s.end > end) end = s.end;
      if (s.acc !== undefined) {
        if (acc === undefined) {
          acc = s.acc;
        } else {
          try {
            acc = this.agg.merge(acc, s.acc);
          } catch (err) {
            throw new UserFunctionError(`${this.name} merge`, { value: s.acc, key: s.key }, err);
          }
        }
      }
      pending += s.pending;
      if (s.paneIndex > paneIndex) paneIndex = s.paneIndex;
      if (s.userState) for (const [k, v] of s.userState) (target.userState ??= new Map()).set(k, v);
      s.alive = false;
      s.acc = undefined;
    }
    if (count > 1) sessions.splice(first + 1, count - 1);
    // The general engine's merged state starts without user state and copies entries: an empty map does not survive.
    if (target.userState !== undefined && target.userState.size === 0) target.userState = undefined;
    target.start = start;
    target.end = end;
    target.acc = acc;
    target.pending = pending;
    target.paneIndex = paneIndex;
    // As the general engine: the trigger's onMerge registers the firing timer, then the cleanup timer.
    const maxTs = end - 1;
    if (maxTs > this.currentWatermark) {
      this.registerTimer(target, maxTs);
    } else {
      target.timer = NaN;
      target.timerSeq = -1;
    }
    target.cleanupAt = this.cleanupAtOf(end);
    target.cleanupSeq = this.seq++;
    if (!(target.timer < target.cleanupAt)) this.queueCleanup(target);
  }

  /** Adds the record to the session's accumulator, then the default trigger: fire once the end has passed, else one timer at the end. */
  private addRecord(s: Session, value: unknown, ts: Timestamp): void {
    this.touch(s);
    const agg = this.agg;
    try {
      s.acc = agg.add(value, s.acc === undefined ? agg.createAccumulator() : s.acc);
    } catch (err) {
      throw new UserFunctionError(this.name, { value, timestamp: ts, key: s.key }, err);
    }
    s.pending++;
    const end = s.end - 1;
    if (end <= this.currentWatermark) {
      this.fire(s, this.currentWatermark < end ? 'EARLY' : 'LATE');
    } else if (s.timer !== s.timer) {
      this.registerTimer(s, end);
    }
  }

  private dropLate(value: unknown, ts: Timestamp): void {
    this.lateCounter.inc();
    if (this.lateOutput !== undefined) {
      this.lateValues.push(value);
      this.lateTimestamps.push(ts);
    }
  }

  // ── firing ─────────────────────────────────────────────────────────────

  /** FIRE: emits a pane (the last when the session is cleared by the current watermark with no firing timer left), then purges when discarding. */
  private fire(s: Session, timing: PaneTiming): void {
    const isLast = this.currentWatermark >= s.cleanupAt && !(s.timer <= s.cleanupAt);
    this.emitPane(s, timing, isLast);
    if (this.discarding) {
      s.acc = undefined;
      s.pending = 0;
    }
  }

  private emitPane(s: Session, timing: PaneTiming, isLast: boolean): void {
    if (s.acc === undefined) return;
    const pane: PaneInfo = { timing, index: s.paneIndex++, isLast };
    s.pending = 0;
    let result: unknown;
    try {
      result = this.agg.getResult(s.acc);
    } catch (err) {
      throw new UserFunctionError(this.name, { value: s.acc, key: s.key }, err);
    }
    if (this.process !== undefined) {
      this.runProcess(s, pane, result);
      return;
    }
    const r: WindowResult<unknown, unknown> = { key: s.key, start: s.start, end: s.end, value: result, pane, retraction: false };
    this.outValues.push(r);
    this.outTimestamps.push(s.end - 1);
  }

  private runProcess(s: Session, pane: PaneInfo, result: unknown): void {
    const process = this.process!;
    const ts = s.end - 1;
    let active = true;
    const check = (): void => {
      if (!active) throw new StreamLiteError(this.name, 'the window context was used after the process function returned');
    };
    const out: Collector<unknown> = {
      collect: (value) => {
        check();
        this.outValues.push(value);
        this.outTimestamps.push(ts);
      },
      collectWithTimestamp: (value, timestamp) => {
        check();
        this.outValues.push(value);
        this.outTimestamps.push(timestamp);
      },
    };
    const keyId = s.keyId;
    this.touchGlobals(keyId);
    const globals = (this.globalUserState[keyId] ??= new Map());
    const ctx: ProcessWindowContext<unknown> = {
      key: s.key,
      window: { start: s.start, end: s.end },
      pane,
      currentWatermark: this.currentWatermark,
      currentProcessingTime: this.processing.now(),
      windowState: userState(() => (s.userState ??= new Map())),
      globalState: userState(() => globals),
      output: <X>(tag: OutputTag<X>, value: X) => {
        check();
        this.sideOutputs ??= new Map();
        let side = this.sideOutputs.get(tag as OutputTag<unknown>);
        if (side === undefined) {
          side = { values: [], timestamps: [] };
          this.sideOutputs.set(tag as OutputTag<unknown>, side);
        }
        side.values.push(value);
        side.timestamps.push(ts);
      },
    };
    try {
      process(result, ctx, out);
    } catch (err) {
      if (err instanceof StreamLiteError) throw err;
      throw new UserFunctionError(this.name, { value: `window [${s.start}, ${s.end})`, key: s.key }, err);
    } finally {
      active = false;
    }
  }

  // ── timers ─────────────────────────────────────────────────────────────

  private push(time: Timestamp, seq: number, s: Session, kind: number): void {
    const times = this.heapTime;
    const seqs = this.heapSeq;
    const sessions = this.heapSession;
    const kinds = this.heapKind;
    let i = times.length;
    times.push(time);
    seqs.push(seq);
    sessions.push(s);
    kinds.push(kind);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt < time || (pt === time && seqs[p] < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p];
      sessions[i] = sessions[p];
      kinds[i] = kinds[p];
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    sessions[i] = s;
    kinds[i] = kind;
  }

  /** Removes the top entry. */
  private pop(): void {
    const times = this.heapTime;
    const seqs = this.heapSeq;
    const sessions = this.heapSession;
    const kinds = this.heapKind;
    const time = times.pop()!;
    const seq = seqs.pop()!;
    const s = sessions.pop()!;
    const kind = kinds.pop()!;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (times[r] < times[l] || (times[r] === times[l] && seqs[r] < seqs[l]))) c = r;
      const ct = times[c];
      if (ct > time || (ct === time && seqs[c] > seq)) break;
      times[i] = ct;
      seqs[i] = seqs[c];
      sessions[i] = sessions[c];
      kinds[i] = kinds[c];
      i = c;
    }
    times[i] = time;
    seqs[i] = seq;
    sessions[i] = s;
    kinds[i] = kind;
  }

  /**
   * Runs the timers due at or before `wm`, in (time, registration) order — the
   * general engine's timer buckets. A current entry does what the general
   * engine does for a window state in a bucket: fire if its firing timer is
   * at this time, then clear it if its cleanup time is this time. A stale
   * entry re-queues the session's current timer of its kind (due later).
   */
  private advance(wm: Timestamp): void {
    const times = this.heapTime;
    while (times.length > 0 && times[0] <= wm) {
      const time = times[0];
      const seq = this.heapSeq[0];
      const s = this.heapSession[0];
      const kind = this.heapKind[0];
      this.pop();
      if (kind === TIMER) {
        s.timerQueued = false;
        if (!s.alive) continue;
        if (s.timerSeq !== seq) {
          if (s.timerSeq >= 0) {
            s.timerQueued = true;
            this.push(s.timer, s.timerSeq, s, TIMER);
          }
          continue;
        }
      } else {
        s.cleanupQueued = false;
        if (!s.alive) continue;
        if (s.cleanupSeq !== seq) {
          if (!(s.timer < s.cleanupAt)) this.queueCleanup(s);
          continue;
        }
      }
      if (s.timer === time) {
        this.touch(s);
        s.timer = NaN;
        s.timerSeq = -1;
        // eventTimeTrigger.onEventTime: FIRE at the window's end; the pane's timing is the timer's.
        if (time === s.end - 1) this.fire(s, 'ON_TIME');
        if (s.cleanupAt !== time) {
          if (s.cleanupAt <= wm && (s.pending === 0 || s.acc === undefined)) {
            // Due in this same advance: nothing can reach the session before then, and after a firing it holds
            // no pane to emit, so clearing it now is what its cleanup timer would do.
            this.cleanup(s, 'LATE');
            continue;
          }
          this.queueCleanup(s);
        }
      }
      if (s.alive && s.cleanupAt === time) this.cleanup(s, time < s.end - 1 ? 'EARLY' : time === s.end - 1 ? 'ON_TIME' : 'LATE');
    }
  }

  /** Clears a session: a final pane for records never fired, then its state. */
  private cleanup(s: Session, timing: PaneTiming): void {
    this.touch(s);
    if (s.pending > 0) this.emitPane(s, timing, true);
    s.timer = NaN;
    s.timerSeq = -1;
    s.alive = false;
    s.acc = undefined;
    const sessions = this.sessionsByKey[s.keyId];
    if (sessions !== undefined) {
      const n = sessions.length;
      if (sessions[n - 1] === s) sessions.pop();
      else {
        const i = sessions.indexOf(s);
        if (i >= 0) sessions.splice(i, 1);
      }
    }
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
    for (const sessions of this.sessionsByKey) {
      if (sessions) for (const s of [...sessions]) this.cleanup(s, this.currentWatermark < s.end - 1 ? 'EARLY' : 'LATE');
    }
    this.flush();
  }

  // ── checkpoints ────────────────────────────────────────────────────────

  /** Saves the session's state for the open snapshots that hold it, before it changes (copy-on-write). */
  private touch(s: Session): void {
    if (s.savedEpoch === this.epoch) return;
    const open = this.open;
    if (open.length > 0) {
      const frozen = freeze(s);
      for (let i = 0; i < open.length; i++) if (open[i].epoch > s.savedEpoch) open[i].saved.set(s, frozen);
    }
    s.savedEpoch = this.epoch;
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

  /** O(1): the state is copied lazily, one session at a time, when it is about to change. */
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
    for (const sessions of this.sessionsByKey) {
      if (sessions === undefined) continue;
      for (const s of sessions) if (s.born < snap.epoch && !snap.saved.has(s)) frozen.push(freeze(s));
    }
    frozen.sort((a, b) => a.keyId - b.keyId || a.start - b.start);
    const timers: [Timestamp, number, number][] = [];
    const states = frozen.map((f, i) => {
      if (f.cleanupSeq >= 0) timers.push([f.cleanupAt, f.cleanupSeq, i]);
      if (f.timer === f.timer && f.timerSeq >= 0) timers.push([f.timer, f.timerSeq, i]);
      return {
        key: f.key,
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
    checkRestoredCoverage(this.name, parts, this.keyGroups, this.maxParallelism);
    this.currentWatermark = restoredWatermark(parts.map((p) => p.watermark), this.currentWatermark);
    const owned = (key: unknown): boolean => inKeyGroupRange(this.keyGroups, keyGroupOf(key, this.maxParallelism));
    for (const data of parts) {
      if ((data.maxParallelism ?? DEFAULT_MAX_PARALLELISM) !== this.maxParallelism) {
        throw new InvalidArgumentError(this.name, 'maxParallelism', `${data.maxParallelism ?? DEFAULT_MAX_PARALLELISM} (the snapshot's number of key groups)`, this.maxParallelism);
      }
      const states = data.states.map((d) => {
        if (!owned(d.key)) return undefined;
        if (d.elements != null || d.eventTimers.length > 1 || d.processingTimers.length > 0 || (d.triggerState != null && d.triggerState.length > 0) || d.lastEmitted != null || (d.retractions != null && d.retractions.length > 0)) {
          throw new StreamLiteError(this.name, `cannot restore the window [${d.start}, ${d.end}): its snapshot was taken with another trigger, evictor or accumulation mode`);
        }
        const keyId = this.keys.intern(d.key);
        const s = new Session(keyId, this.keys.keyOf(keyId), d.start, d.end, d.acc, this.epoch);
        s.pending = d.pending;
        s.paneIndex = d.paneIndex;
        s.cleanupAt = d.cleanupAt;
        s.timer = d.eventTimers.length > 0 ? d.eventTimers[0] : NaN;
        s.userState = d.userState ? new Map(d.userState) : undefined;
        const sessions = (this.sessionsByKey[keyId] ??= []);
        let i = sessions.length;
        while (i > 0 && sessions[i - 1].start > s.start) i--;
        sessions.splice(i, 0, s);
        return s;
      });
      for (const [time, indices] of data.eventQueue) {
        for (const i of indices) {
          const seq = this.seq++;
          const s = states[i];
          if (s === undefined) continue;
          if (time === s.cleanupAt && s.cleanupSeq < 0) {
            s.cleanupSeq = seq;
            s.cleanupQueued = true;
            this.push(time, seq, s, CLEANUP);
          } else if (time === s.timer && s.timerSeq < 0) {
            s.timerSeq = seq;
            s.timerQueued = true;
            this.push(time, seq, s, TIMER);
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
    if (this.outValues.length > 0) {
      const b = recordBatch(this.outValues, this.outTimestamps);
      this.outValues = [];
      this.outTimestamps = [];
      this.out.next(b);
    }
    if (this.lateValues.length > 0 && this.lateOutput !== undefined) {
      const b = sideOutputBatch(this.lateOutput, recordBatch(this.lateValues, this.lateTimestamps));
      this.lateValues = [];
      this.lateTimestamps = [];
      this.out.next(b);
    }
    if (this.sideOutputs !== undefined) {
      const sides = this.sideOutputs;
      this.sideOutputs = undefined;
      for (const [tag, side] of sides) this.out.next(sideOutputBatch(tag, recordBatch(side.values, side.timestamps)));
    }
  }
}

/**
 * The gap of a built-in `session(gap)` with a fixed gap (its shape, or its
 * description `session(5000)`), else NaN (a dynamic gap: ask the assigner).
 */
function fixedGapOf(assigner: WindowAssigner<unknown>): Duration {
  const shapeGap = (assigner.shape as { gap?: unknown } | undefined)?.gap;
  if (typeof shapeGap === 'number' && Number.isInteger(shapeGap) && shapeGap > 0) return shapeGap;
  const m = /^session\((\d+)\)$/.exec(assigner.description);
  if (m !== null) {
    const gap = Number(m[1]);
    if (Number.isSafeInteger(gap) && gap > 0) return gap;
  }
  return NaN;
}

function userState(map: () => Map<string, unknown>): WindowUserState {
  return {
    get: <S>(name: string, initial: S) => (map().has(name) ? (map().get(name) as S) : initial),
    set: <S>(name: string, value: S) => void map().set(name, value),
    clear: (name: string) => void map().delete(name),
  };
}
