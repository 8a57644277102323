import { asyncScheduler, type Observable, type OperatorFunction, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import type { Element, KeyedElement, RecordBatch } from '../core/Element';
import {
  InvalidArgumentError,
  MissingTimestampError,
  NotKeyedError,
  StreamLiteError,
  UserFunctionError,
} from '../core/errors';
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP } from '../core/time';
import type { Duration, KeySelector, Timestamp } from '../core/types';
import type { MetricRegistry } from '../metrics/MetricRegistry';
import { immutableAggregate, type AggregateFunction } from '../operators/AggregateFunction';
import { elementOperator, operate, subscribeElements, type ElementHandlers } from '../operators/operate';
import { fillKeyColumn, keyByOrigin } from '../operators/keyBy';
import { currentJob } from '../checkpoint/JobContext';
import { BUILTIN_EVENT_TIME_TRIGGERS } from './triggers/eventTimeTrigger';
import type { Collector } from '../operators/process';
import type { OutputTag } from '../route/OutputTag';
import { KeyInterner } from '../state/KeyInterner';
import { DEFAULT_MAX_PARALLELISM, type KeyGroupRange } from '../state/keyGroups';
import { beginRestore, checkKeyGroupsOption, checkKeyInKeyGroups, restoredParts } from '../state/keyGroupsInternals';
import { EventTimeScheduler } from '../time/EventTimeScheduler';
import { TimerQueue } from '../time/TimerQueue';
import type { AccumulationMode } from './AccumulationMode';
import type { Evictor, EvictorContext, TimestampedValue } from './Evictor';
import { cleanupTime } from './lateness';
import { paneInfo, type PaneInfo, type PaneTiming } from './PaneInfo';
import type { Trigger, TriggerMergeContext, TriggerState } from './Trigger';
import { isFire, isPurge, type TriggerResult } from './TriggerResult';
import { TimeWindow } from './TimeWindow';
import type { WindowAssigner } from './WindowAssigner';
import type { WindowResult } from './WindowResult';
import { windowStart } from './windowMath';
import { WindowState } from './WindowState';
import { runWindowProcess, WindowOutput } from './engines/WindowOutput';
import { sessionEngine } from './engines/sessionEngine';
import { sliceEngine, type SliceCheckpoint } from './engines/sliceEngine';
import type { WindowEngineLike } from './engines/WindowEngineLike';

/** Options of a windowed operation (see `window()`). */
export interface WindowOptions<T> {
  /** When panes fire; default: the assigner's (event time: at the window's end). */
  readonly trigger?: Trigger<T>;
  /** Removes records before/after the window function; makes the window keep its records. */
  readonly evictor?: Evictor<T>;
  /** How long after its end (in event time) a window still accepts late records and fires again; default 0. */
  readonly allowedLateness?: Duration;
  /** Where records too late for all their windows go (they are also counted); without it they are only counted. */
  readonly lateOutput?: OutputTag<T>;
  /** How successive panes relate; default `'accumulating'`. */
  readonly accumulation?: AccumulationMode;
  /**
   * `'panes'` (default): a result per trigger firing. `'updates'`: a changelog —
   * every record that changes a window emits its new value, preceded by a
   * retraction of the previous one (like Kafka Streams); the trigger is not used.
   */
  readonly emit?: 'panes' | 'updates';
  /** The processing-time scheduler (default `asyncScheduler`; a TestScheduler in marble tests). */
  readonly scheduler?: SchedulerLike;
  /** Registers `streamlite_late_records_dropped_total{operator=name}` here. */
  readonly metrics?: MetricRegistry;
  /** The operator's name in metrics and errors (default `'window'`). */
  readonly name?: string;
  /** Number of key groups keys hash into, for `keyGroups` (default 128). */
  readonly maxParallelism?: number;
  /**
   * The key groups this instance owns when the operator runs as one of
   * several parallel instances (default: all). A restore loads only the
   * windows, timers and per-key state of keys in these groups — from one
   * snapshot, or from the merged savepoints of several former instances — and
   * a record whose key is in another group is an error (see `keyedProcess`).
   */
  readonly keyGroups?: KeyGroupRange;
}

/** What a window process function sees besides the window's records. */
export interface ProcessWindowContext<K> {
  readonly key: K;
  readonly window: { readonly start: Timestamp; readonly end: Timestamp };
  readonly pane: PaneInfo;
  readonly currentWatermark: Timestamp;
  readonly currentProcessingTime: Timestamp;
  /** State scoped to this key and window, cleared with the window. */
  readonly windowState: WindowUserState;
  /** State scoped to this key, across all its windows. */
  readonly globalState: WindowUserState;
  /** Emits to a side output, with the window's `end − 1` as timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Named values kept for a window process function. */
export interface WindowUserState {
  /** The value of `name`, or `initial` when unset. */
  get<S>(name: string, initial: S): S;
  /** Sets the value of `name`. */
  set<S>(name: string, value: S): void;
  /** Removes `name`. */
  clear(name: string): void;
}

/** A function over all records of a window pane: emits any number of results. */
export type ProcessWindowFunction<T, OUT, K = unknown> = (
  elements: readonly T[],
  ctx: ProcessWindowContext<K>,
  out: Collector<OUT>,
) => void;

/** A function over the aggregate result of a window pane (aggregate combined with process). */
export type AggregateProcessFunction<R, OUT, K = unknown> = (
  result: R,
  ctx: ProcessWindowContext<K>,
  out: Collector<OUT>,
) => void;

/** @internal The window function of a windowed operation. */
export type WindowFunctionSpec<T, ACC, R, K, OUT> =
  | { readonly kind: 'aggregate'; readonly fn: AggregateFunction<T, ACC, R>; readonly process?: AggregateProcessFunction<R, OUT, K> }
  | { readonly kind: 'process'; readonly fn: ProcessWindowFunction<T, OUT, K> };

/** @internal What the window operator keeps in a checkpoint. */
export interface WindowCheckpoint {
  readonly watermark: Timestamp;
  readonly states: readonly {
    readonly key: unknown;
    readonly start: Timestamp;
    readonly end: Timestamp;
    readonly id: number | string;
    readonly acc: unknown;
    readonly elements: readonly unknown[] | undefined;
    readonly pending: number;
    readonly triggerState: readonly [string, unknown][] | undefined;
    readonly userState: readonly [string, unknown][] | undefined;
    readonly eventTimers: readonly Timestamp[];
    readonly processingTimers: readonly Timestamp[];
    readonly cleanupAt: Timestamp;
    readonly paneIndex: number;
    readonly lastEmitted: unknown;
    readonly retractions: readonly unknown[] | undefined;
  }[];
  /** Timer buckets in firing order: (time, indices into `states`). */
  readonly eventQueue: readonly [Timestamp, readonly number[]][];
  readonly processingQueue: readonly [Timestamp, readonly number[]][];
  readonly globalState: readonly [unknown, readonly [string, unknown][]][];
  /** The key groups the instance owned, and their number (absent in older snapshots: all of 128). */
  readonly keyGroups?: KeyGroupRange;
  readonly maxParallelism?: number;
}

/** @internal What any window engine writes: the general engine's format or the sliced engine's. */
export type WindowOperatorCheckpoint = WindowCheckpoint | SliceCheckpoint;

/** @internal Validated window configuration. */
export interface WindowSpec<T> {
  readonly assigner: WindowAssigner<T>;
  readonly options: WindowOptions<T>;
}


/** @internal Validates window options (at operator creation). */
export function checkWindowOptions<T>(assigner: WindowAssigner<T>, options: WindowOptions<T>): void {
  if (assigner == null || typeof assigner.assignWindows !== 'function' || typeof assigner.defaultTrigger !== 'function') {
    throw new InvalidArgumentError('window', 'assigner', 'a WindowAssigner (tumbling, sliding, session, global, countWindow)', assigner);
  }
  const lateness = options.allowedLateness ?? 0;
  if (typeof lateness !== 'number' || !(lateness >= 0) || !Number.isInteger(lateness)) {
    throw new InvalidArgumentError('window', 'allowedLateness', 'a non-negative integer number of milliseconds', lateness);
  }
  if (lateness > 0 && assigner.timeDomain === 'processing') {
    throw new InvalidArgumentError('window', 'allowedLateness', '0 for processing-time windows', lateness);
  }
  const acc = options.accumulation ?? 'accumulating';
  if (acc !== 'accumulating' && acc !== 'discarding' && acc !== 'retracting') {
    throw new InvalidArgumentError('window', 'accumulation', "'accumulating', 'discarding' or 'retracting'", acc);
  }
  const emit = options.emit ?? 'panes';
  if (emit !== 'panes' && emit !== 'updates') throw new InvalidArgumentError('window', 'emit', "'panes' or 'updates'", emit);
  const t = options.trigger;
  if (t !== undefined && (t === null || typeof t.onElement !== 'function' || typeof t.onEventTime !== 'function' || typeof t.onProcessingTime !== 'function' || typeof t.clear !== 'function')) {
    throw new InvalidArgumentError('window', 'trigger', 'a Trigger (onElement, onEventTime, onProcessingTime, clear)', t);
  }
  if (assigner.isMerging && t !== undefined && typeof t.onMerge !== 'function') {
    throw new InvalidArgumentError('window', 'trigger', `a Trigger with onMerge() for the merging assigner ${assigner.description}`, t);
  }
  const e = options.evictor;
  if (e !== undefined && (e === null || typeof e.evictBefore !== 'function' || typeof e.evictAfter !== 'function')) {
    throw new InvalidArgumentError('window', 'evictor', 'an Evictor (evictBefore, evictAfter)', e);
  }
  checkKeyGroupsOption('window', options.keyGroups, options.maxParallelism ?? DEFAULT_MAX_PARALLELISM);
}

/**
 * @internal
 * The window operator as an RxJS operator: one {@link WindowEngine} per subscription.
 */
export function windowOperator<T, K, ACC, R, OUT>(
  spec: WindowSpec<T>,
  fn: WindowFunctionSpec<T, ACC, R, K, OUT>,
): OperatorFunction<KeyedElement<T, K>, Element<OUT>> {
  checkWindowOptions(spec.assigner, spec.options);
  const retracting = (spec.options.accumulation ?? 'accumulating') === 'retracting' || spec.options.emit === 'updates';
  const name = spec.options.name ?? 'window';
  if (retracting && (fn.kind === 'process' || fn.process !== undefined)) {
    throw new InvalidArgumentError(name, 'accumulation', "'accumulating' or 'discarding' with a process function (retractions need aggregate results)", spec.options.accumulation ?? spec.options.emit);
  }
  const build = (out: Subscriber<Element<OUT>>): ElementHandlers<T> => {
    const engine = createEngine<T, K, ACC, R, OUT>(spec, fn, out);
    const handle = currentJob()?.registerOperator('window', spec.options.name, {
      snapshot: () => engine.snapshot(),
    });
    // One snapshot, or several (savepoints of several instances merged): only this instance's key groups are loaded.
    if (handle?.restored !== undefined) engine.restore(restoredParts<WindowOperatorCheckpoint>(handle.restored));
    return {
      batch: (b) => engine.processBatch(b),
      watermark: (wm) => engine.processWatermark(wm.timestamp),
      barrier: (b) => {
        handle?.snapshotted(b, engine.snapshot());
        out.next(b);
      },
      end: () => engine.endOfInput(),
      finalize: () => engine.dispose(),
    };
  };
  const unfused = elementOperator<T, OUT>(name, build);
  const fusable = sliceEngine.supports(spec as WindowSpec<unknown>, fn as unknown as WindowFunctionSpec<unknown, unknown, unknown, unknown, unknown>);
  return ((source: Observable<Element<T>>) => {
    const keyed = fusable ? keyByOrigin(source) : undefined;
    if (keyed === undefined) return unfused(source);
    // Right after keyBy, the sliced engine keys the records itself: keyBy's work on a reused key column (its errors,
    // whole batch first, as keyBy), no keyed batch allocated and no operator hop between the two. The engine keeps
    // keys by id, never the column.
    const selector = keyed.selector as KeySelector<T, K>;
    const upstream = keyed.upstream as Observable<Element<T>>;
    return operate<Element<T>, Element<OUT>>((_, out) => {
      const handlers = build(out);
      let keys: K[] = [];
      return subscribeElements<T, OUT>('keyBy', upstream, out, {
        ...handlers,
        batch: (b) => {
          if (keys.length !== b.values.length) keys = new Array<K>(b.values.length);
          fillKeyColumn(selector, b.values, b.timestamps, keys);
          handlers.batch({ kind: 'batch', values: b.values, timestamps: b.timestamps, keys });
        },
      });
    })(upstream);
  }) as OperatorFunction<KeyedElement<T, K>, Element<OUT>>;
}

/** @internal The engine for a window configuration: the sliced or the session engine when one supports it, else the general one (exported for tests). */
export function createEngine<T, K, ACC, R, OUT>(
  spec: WindowSpec<T>,
  fn: WindowFunctionSpec<T, ACC, R, K, OUT>,
  out: Subscriber<Element<OUT>>,
): WindowEngineLike {
  const s = spec as WindowSpec<unknown>;
  const f = fn as unknown as WindowFunctionSpec<unknown, unknown, unknown, unknown, unknown>;
  if (sliceEngine.supports(s, f)) return sliceEngine.create(s, f, out as Subscriber<Element<unknown>>);
  // The other engines keep accumulators immutable: an in-place aggregate function works on copies there.
  const viewed = fn.kind === 'aggregate' ? { ...fn, fn: immutableAggregate(fn.fn) } : fn;
  const v = viewed as unknown as WindowFunctionSpec<unknown, unknown, unknown, unknown, unknown>;
  if (sessionEngine.supports(s, v)) return sessionEngine.create(s, v, out as Subscriber<Element<unknown>>);
  return new WindowEngine<T, K, ACC, R, OUT>(spec, viewed, out);
}

/**
 * @internal
 * The window operator's engine. It coordinates; each rule is a named method:
 * assignment, lateness, the trigger's verdict, firing, purging, merging, cleanup.
 */
class WindowEngine<T, K, ACC, R, OUT> implements WindowEngineLike {
  private readonly assigner: WindowAssigner<T>;
  private readonly trigger: Trigger<T>;
  private readonly evictor: Evictor<T> | undefined;
  private readonly lateness: Duration;
  private readonly accumulation: AccumulationMode;
  private readonly updates: boolean;
  private readonly retracting: boolean;
  private readonly buffered: boolean;
  private readonly eventDomain: boolean;
  /** The default event-time trigger, applied inline per record. */
  private readonly inlineEventTimeTrigger: boolean;
  private readonly processing: SchedulerLike;
  private readonly name: string;
  private readonly maxParallelism: number;
  private readonly keyGroups: KeyGroupRange;
  /** Keys with an id below this were checked against `keyGroups` (Infinity: no check, the instance owns all). */
  private keysChecked: number;

  private readonly keys = new KeyInterner<K>();
  /** Non-merging assigners: windows by key id, by window id. */
  private readonly windowsByKey: (Map<number | string, WindowState<T, ACC, R>> | undefined)[] = [];
  /** The window last used per key id (most records of a key hit the same window). */
  private readonly lastWindow: (WindowState<T, ACC, R> | undefined)[] = [];
  /** Merging assigners: the open sessions of each key, sorted by start. */
  private readonly sessionsByKey: (WindowState<T, ACC, R>[] | undefined)[] = [];
  /** Per-key user state of process functions. */
  private readonly globalUserState: (Map<string, unknown> | undefined)[] = [];

  /**
   * The operator's private event-time clock: it only runs this operator's timers,
   * which are scheduled with the relative delay `time − now()`. It starts at 0, not
   * at MIN_WATERMARK: from there the delay to any time above 1 exceeds 2^53 and
   * loses its last bit (a timer at 4 would run at watermark 5).
   */
  private readonly eventTime = new EventTimeScheduler(0);
  private readonly eventTimers = new TimerQueue<WindowState<T, ACC, R>>();
  private readonly processingTimers = new TimerQueue<WindowState<T, ACC, R>>();
  private processingAction: Subscription | undefined;
  private processingArmedAt = Infinity;

  private currentWatermark: Timestamp = MIN_WATERMARK;
  private ended = false;

  private readonly output: WindowOutput<T, OUT>;

  /** The window the trigger context currently speaks for. */
  private current!: WindowState<T, ACC, R>;
  private mergedFrom: WindowState<T, ACC, R>[] = [];
  private readonly stateViews = new Map<string, TriggerState<unknown>>();
  private readonly ctx: TriggerMergeContext;
  private readonly evictorCtx: EvictorContext;

  constructor(
    spec: WindowSpec<T>,
    private readonly fn: WindowFunctionSpec<T, ACC, R, K, OUT>,
    private readonly out: Subscriber<Element<OUT>>,
  ) {
    const o = spec.options;
    this.assigner = spec.assigner;
    this.trigger = o.trigger ?? spec.assigner.defaultTrigger();
    this.evictor = o.evictor ?? spec.assigner.defaultEvictor?.();
    this.lateness = o.allowedLateness ?? 0;
    this.accumulation = o.accumulation ?? 'accumulating';
    this.updates = o.emit === 'updates';
    this.retracting = this.accumulation === 'retracting' || this.updates;
    this.buffered = fn.kind === 'process' || this.evictor !== undefined;
    this.eventDomain = spec.assigner.timeDomain === 'event';
    this.inlineEventTimeTrigger = this.eventDomain && BUILTIN_EVENT_TIME_TRIGGERS.has(this.trigger as Trigger<unknown>);
    this.processing = o.scheduler ?? asyncScheduler;
    this.name = o.name ?? 'window';
    this.maxParallelism = o.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    this.keyGroups = checkKeyGroupsOption(this.name, o.keyGroups, this.maxParallelism);
    this.keysChecked = o.keyGroups === undefined ? Infinity : 0;
    this.output = new WindowOutput<T, OUT>(out as Subscriber<Element<unknown>>, o.lateOutput, this.name, o.metrics);
    const engine = this;
    this.ctx = {
      get currentWatermark() {
        return engine.currentWatermark;
      },
      get currentProcessingTime() {
        return engine.processing.now();
      },
      registerEventTimeTimer: (time) => this.registerEventTimer(this.current, time),
      deleteEventTimeTimer: (time) => removeTime(this.current.eventTimers, time),
      registerProcessingTimeTimer: (time) => this.registerProcessingTimer(this.current, time),
      deleteProcessingTimeTimer: (time) => removeTime(this.current.processingTimers, time),
      getState: <S>(name: string) => this.stateView(name) as TriggerState<S>,
      mergeState: <S>(name: string, merge: (a: S, b: S) => S) => this.mergeTriggerState(name, merge),
    };
    this.evictorCtx = this.ctx;
  }

  // ── records ────────────────────────────────────────────────────────────

  processBatch(batch: RecordBatch<T>): void {
    const keys = batch.keys as readonly K[] | undefined;
    if (keys === undefined) throw new NotKeyedError(this.name);
    if (this.ended) throw new StreamLiteError(this.name, 'record after end of input');
    const { values, timestamps } = batch;
    const n = values.length;
    const shape = this.assigner.shape;
    for (let i = 0; i < n; i++) {
      const value = values[i];
      let ts = timestamps[i];
      if (this.eventDomain) {
        // The global window (count windows) holds every record whatever its time: no timestamp needed.
        if (ts === NO_TIMESTAMP && shape?.kind !== 'global') throw new MissingTimestampError(this.name, { value, key: keys[i] });
      } else {
        ts = this.processing.now();
      }
      const keyId = this.keys.intern(keys[i]);
      if (keyId >= this.keysChecked) this.checkNewKey(keyId, value, ts);
      let added: boolean;
      if (shape?.kind === 'tumbling') {
        const start = windowStart(ts, shape.size, shape.offset);
        added = this.addToWindow(keyId, start, start + shape.size, start, value, ts);
      } else if (shape?.kind === 'sliding') {
        added = false;
        for (let start = windowStart(ts, shape.slide, shape.offset); start > ts - shape.size; start -= shape.slide) {
          if (this.addToWindow(keyId, start, start + shape.size, start, value, ts)) added = true;
        }
      } else if (this.assigner.isMerging) {
        added = this.addToSession(keyId, value, ts);
      } else {
        added = this.addToAssignedWindows(keyId, value, ts);
      }
      if (!added) this.dropLate(value, ts);
    }
    this.flush();
  }

  private addToAssignedWindows(keyId: number, value: T, ts: Timestamp): boolean {
    let windows: readonly TimeWindow[];
    try {
      windows = this.assigner.assignWindows(value, ts, this.ctx);
    } catch (err) {
      throw err instanceof StreamLiteError ? err : new UserFunctionError(this.name, { value, timestamp: ts }, err);
    }
    const fixed = this.assigner.shape?.kind === 'global';
    let added = windows.length === 0;
    for (const w of windows) {
      const id = fixed ? w.start : `${w.start}:${w.end}`;
      if (this.addToWindow(keyId, w.start, w.end, id, value, ts)) added = true;
    }
    return added;
  }

  /** Adds a record to one (non-merging) window unless the window is late; returns false when it is. */
  private addToWindow(keyId: number, start: Timestamp, end: Timestamp, id: number | string, value: T, ts: Timestamp): boolean {
    if (this.isLate(end)) return false;
    let ws = this.lastWindow[keyId];
    if (ws === undefined || ws.id !== id || !ws.alive) {
      let windows = this.windowsByKey[keyId];
      if (windows === undefined) {
        windows = new Map();
        this.windowsByKey[keyId] = windows;
      }
      ws = windows.get(id);
      if (ws === undefined) {
        ws = new WindowState<T, ACC, R>(keyId, this.keys.keyOf(keyId), new TimeWindow(start, end), id);
        windows.set(id, ws);
        this.registerCleanup(ws);
      }
      this.lastWindow[keyId] = ws;
    }
    this.addRecord(ws, value, ts);
    return true;
  }

  /** A window is late once its cleanup time has passed: `end − 1 + lateness ≤ W` (event time only). */
  private isLate(end: Timestamp): boolean {
    if (!this.eventDomain) return false;
    const ct = end - 1 + this.lateness;
    return (ct >= MAX_WATERMARK ? MAX_WATERMARK : ct) <= this.currentWatermark;
  }

  /** Adds the record to the window's contents, then asks the trigger (or emits the update). */
  private addRecord(ws: WindowState<T, ACC, R>, value: T, ts: Timestamp): void {
    if (this.buffered) {
      (ws.elements ??= []).push({ value, timestamp: ts });
    } else {
      const fn = this.fn as { fn: AggregateFunction<T, ACC, R> };
      try {
        ws.acc = fn.fn.add(value, ws.acc === undefined ? fn.fn.createAccumulator() : ws.acc);
      } catch (err) {
        throw new UserFunctionError(this.name, { value, timestamp: ts, key: ws.key }, err);
      }
    }
    ws.pending++;
    if (this.updates) {
      this.emitPane(ws, this.timingByClock(ws), false);
      return;
    }
    if (this.inlineEventTimeTrigger) {
      // eventTimeTrigger's onElement, inline: FIRE once the end has passed, else one timer at the end.
      const end = ws.window.end - 1;
      if (end <= this.currentWatermark) this.act(ws, 'FIRE', undefined);
      else if (ws.eventTimers.length === 0) this.registerEventTimer(ws, end);
      return;
    }
    this.current = ws;
    let result: TriggerResult;
    try {
      result = this.trigger.onElement(value, ts, ws.window, this.ctx);
    } catch (err) {
      throw new UserFunctionError(`${this.name} trigger.onElement`, { value, timestamp: ts, key: ws.key }, err);
    }
    this.act(ws, result, undefined);
  }

  private dropLate(value: T, ts: Timestamp): void {
    this.output.late(value, ts);
  }

  // ── sessions ───────────────────────────────────────────────────────────

  /** Adds a record to its session, merging the sessions it overlaps or touches. */
  private addToSession(keyId: number, value: T, ts: Timestamp): boolean {
    let windows: readonly TimeWindow[];
    try {
      windows = this.assigner.assignWindows(value, ts, this.ctx);
    } catch (err) {
      throw err instanceof StreamLiteError ? err : new UserFunctionError(this.name, { value, timestamp: ts }, err);
    }
    let added = false;
    for (const proposed of windows) {
      let sessions = this.sessionsByKey[keyId];
      if (sessions === undefined) {
        sessions = [];
        this.sessionsByKey[keyId] = sessions;
      }
      const overlapping: WindowState<T, ACC, R>[] = [];
      let cover = proposed;
      for (const s of sessions) {
        if (s.window.intersects(proposed)) {
          overlapping.push(s);
          cover = cover.cover(s.window);
        }
      }
      if (overlapping.length === 0) {
        if (this.isLate(proposed.end)) continue;
        const ws = new WindowState<T, ACC, R>(keyId, this.keys.keyOf(keyId), proposed, proposed.start);
        insertByStart(sessions, ws);
        this.registerCleanup(ws);
        this.addRecord(ws, value, ts);
        added = true;
        continue;
      }
      if (overlapping.length === 1 && overlapping[0].window.equals(cover)) {
        this.addRecord(overlapping[0], value, ts);
        added = true;
        continue;
      }
      const merged = this.mergeSessions(keyId, sessions, overlapping, cover);
      this.addRecord(merged, value, ts);
      added = true;
    }
    return added;
  }

  /** Replaces `from` by one session covering them: contents, trigger state, timers and pane bookkeeping merge. */
  private mergeSessions(
    keyId: number,
    sessions: WindowState<T, ACC, R>[],
    from: WindowState<T, ACC, R>[],
    cover: TimeWindow,
  ): WindowState<T, ACC, R> {
    const target = new WindowState<T, ACC, R>(keyId, this.keys.keyOf(keyId), cover, cover.start);
    for (const s of from) {
      if (this.buffered) {
        if (s.elements) (target.elements ??= []).push(...s.elements);
      } else if (s.acc !== undefined) {
        const agg = (this.fn as { fn: AggregateFunction<T, ACC, R> }).fn;
        try {
          target.acc = target.acc === undefined ? s.acc : agg.merge(target.acc, s.acc);
        } catch (err) {
          throw new UserFunctionError(`${this.name} merge`, { value: s.acc, key: s.key }, err);
        }
      }
      target.pending += s.pending;
      target.paneIndex = Math.max(target.paneIndex, s.paneIndex);
      if (this.retracting) {
        if (s.retractions) (target.retractions ??= []).push(...s.retractions);
        if (s.lastEmitted) (target.retractions ??= []).push(s.lastEmitted);
      }
      if (s.userState) for (const [k, v] of s.userState) (target.userState ??= new Map()).set(k, v);
    }
    if (!this.updates) {
      this.current = target;
      this.mergedFrom = from;
      try {
        this.trigger.onMerge?.(cover, this.ctx);
      } catch (err) {
        throw new UserFunctionError(`${this.name} trigger.onMerge`, { value: undefined, key: target.key }, err);
      } finally {
        this.mergedFrom = [];
      }
    }
    for (const s of from) {
      this.clearTrigger(s);
      s.alive = false;
      sessions.splice(sessions.indexOf(s), 1);
    }
    insertByStart(sessions, target);
    this.registerCleanup(target);
    if (this.updates && target.retractions) this.emitRetractions(target);
    return target;
  }

  // ── trigger verdicts ───────────────────────────────────────────────────

  /** Acts on a trigger result: fire a pane, purge contents. `timerTime` is set when a timer caused it. */
  private act(ws: WindowState<T, ACC, R>, result: TriggerResult, timer: { time: Timestamp; event: boolean } | undefined): void {
    if (result === 'CONTINUE') return;
    if (isFire(result)) {
      // A timer on the window's own clock fires with that clock standing at the timer's time,
      // even when one watermark jumps over several timers: timing is relative to it.
      const timing = timer !== undefined && timer.event === this.eventDomain ? timingAt(timer.time, ws.window.maxTimestamp()) : this.timingByClock(ws);
      this.emitPane(ws, timing, this.isClosing(ws));
    }
    if (isPurge(result) || (isFire(result) && this.accumulation === 'discarding')) this.purge(ws);
  }

  /** EARLY before the window's end on its clock, LATE after. */
  private timingByClock(ws: WindowState<T, ACC, R>): PaneTiming {
    const clock = this.eventDomain ? this.currentWatermark : this.processing.now();
    return clock < ws.window.maxTimestamp() ? 'EARLY' : 'LATE';
  }

  /**
   * True when no pane of the window follows the current firing: the window is
   * cleared by the current watermark, and no trigger timer of it at or before
   * its cleanup time is still to fire in this advance.
   */
  private isClosing(ws: WindowState<T, ACC, R>): boolean {
    if ((this.eventDomain ? this.currentWatermark : this.processing.now()) < ws.cleanupAt) return false;
    if (this.eventDomain) for (const t of ws.eventTimers) if (t <= ws.cleanupAt) return false;
    return true;
  }

  private purge(ws: WindowState<T, ACC, R>): void {
    ws.acc = undefined;
    if (ws.elements) ws.elements = [];
    ws.pending = 0;
  }

  // ── firing ─────────────────────────────────────────────────────────────

  /** Runs the window function over the window's contents and emits the pane. */
  private emitPane(ws: WindowState<T, ACC, R>, timing: PaneTiming, isLast: boolean): void {
    let elements: readonly TimestampedValue<T>[] | undefined;
    if (this.buffered) {
      elements = ws.elements ?? [];
      if (this.evictor) {
        elements = this.evictor.evictBefore(elements, ws.window, this.evictorCtx);
        ws.elements = elements.slice();
      }
      if (elements.length === 0) return;
    } else if (ws.acc === undefined) {
      return;
    }
    const pane = paneInfo(timing, ws.paneIndex++, isLast);
    ws.pending = 0;
    const fn = this.fn;
    if (fn.kind === 'process') {
      this.runProcess(ws, pane, (ctx, out) => fn.fn(elements!.map((e) => e.value), ctx, out));
    } else {
      const result = this.aggregateResult(ws, elements);
      if (fn.process !== undefined) {
        const process = fn.process;
        this.runProcess(ws, pane, (ctx, out) => process(result, ctx, out));
      } else {
        if (this.retracting) {
          this.emitRetractions(ws, pane);
          if (ws.lastEmitted) this.emitResult(ws.key as K, ws.lastEmitted.start, ws.lastEmitted.end, ws.lastEmitted.value, pane, true);
          ws.lastEmitted = { start: ws.window.start, end: ws.window.end, value: result };
        }
        this.emitResult(ws.key as K, ws.window.start, ws.window.end, result, pane, false);
      }
    }
    if (this.evictor && ws.elements) ws.elements = this.evictor.evictAfter(ws.elements, ws.window, this.evictorCtx).slice();
  }

  private aggregateResult(ws: WindowState<T, ACC, R>, elements: readonly TimestampedValue<T>[] | undefined): R {
    const agg = (this.fn as { fn: AggregateFunction<T, ACC, R> }).fn;
    try {
      if (elements === undefined) return agg.getResult(ws.acc as ACC);
      let acc = agg.createAccumulator();
      for (const e of elements) acc = agg.add(e.value, acc);
      return agg.getResult(acc);
    } catch (err) {
      throw new UserFunctionError(this.name, { value: ws.acc, key: ws.key }, err);
    }
  }

  /** Retracts the values of the windows merged into `ws`, as part of `pane` (by default: the next pane, by the clock). */
  private emitRetractions(ws: WindowState<T, ACC, R>, pane: PaneInfo = { timing: this.timingByClock(ws), index: ws.paneIndex, isLast: false }): void {
    if (!ws.retractions) return;
    for (const r of ws.retractions) this.emitResult(ws.key as K, r.start, r.end, r.value, pane, true);
    ws.retractions = undefined;
  }

  private emitResult(key: K, start: Timestamp, end: Timestamp, value: R, pane: PaneInfo, retraction: boolean): void {
    const result: WindowResult<K, R> = { key, start, end, value, pane, retraction };
    this.output.values.push(result as unknown as OUT);
    this.output.timestamps.push(end - 1);
  }

  private runProcess(
    ws: WindowState<T, ACC, R>,
    pane: PaneInfo,
    call: (ctx: ProcessWindowContext<K>, out: Collector<OUT>) => void,
  ): void {
    runWindowProcess(
      this.output,
      this.name,
      {
        key: ws.key as K,
        start: ws.window.start,
        end: ws.window.end,
        pane,
        currentWatermark: this.currentWatermark,
        currentProcessingTime: this.processing.now(),
        windowState: () => (ws.userState ??= new Map()),
        globalState: (this.globalUserState[ws.keyId] ??= new Map()),
      },
      call,
    );
  }


  // ── timers ─────────────────────────────────────────────────────────────

  private registerCleanup(ws: WindowState<T, ACC, R>): void {
    if (this.eventDomain) {
      // A session stays one ms longer than it fires: a record at exactly `end` (not late while W < end) still touches it.
      const ct = cleanupTime(ws.window, this.lateness);
      ws.cleanupAt = this.assigner.isMerging && ct < MAX_WATERMARK ? ct + 1 : ct;
      this.queueEventTimer(ws, ws.cleanupAt);
    } else {
      ws.cleanupAt = ws.window.maxTimestamp();
      this.queueProcessingTimer(ws, ws.cleanupAt);
    }
  }

  private registerEventTimer(ws: WindowState<T, ACC, R>, time: Timestamp): void {
    if (ws.eventTimers.includes(time)) return;
    ws.eventTimers.push(time);
    this.queueEventTimer(ws, time);
  }

  private registerProcessingTimer(ws: WindowState<T, ACC, R>, time: Timestamp): void {
    if (ws.processingTimers.includes(time)) return;
    ws.processingTimers.push(time);
    this.queueProcessingTimer(ws, time);
  }

  /** One event-time action per distinct time: the bucket fires when the watermark reaches it. */
  private queueEventTimer(ws: WindowState<T, ACC, R>, time: Timestamp): void {
    if (this.eventTimers.add(time, ws)) {
      this.eventTime.scheduleAt(() => this.fireEventTimers(time), time);
    }
  }

  /** One processing-time action for the earliest time (re-armed when an earlier one arrives). */
  private queueProcessingTimer(ws: WindowState<T, ACC, R>, time: Timestamp): void {
    this.processingTimers.add(time, ws);
    if (time < this.processingArmedAt && !this.ended) this.armProcessingTimer(time);
  }

  private armProcessingTimer(time: Timestamp): void {
    this.processingAction?.unsubscribe();
    this.processingArmedAt = time;
    this.processingAction = this.processing.schedule(() => {
      this.processingAction = undefined;
      this.processingArmedAt = Infinity;
      try {
        this.fireProcessingTimers(this.processing.now());
        this.flush();
      } catch (err) {
        this.out.error(err);
      }
    }, Math.max(0, time - this.processing.now()));
  }

  private fireEventTimers(time: Timestamp): void {
    const entries = this.eventTimers.take(time);
    if (entries === undefined) return;
    for (const ws of entries) {
      if (!ws.alive) continue;
      if (removeTime(ws.eventTimers, time)) {
        this.current = ws;
        let result: TriggerResult;
        try {
          result = this.trigger.onEventTime(time, ws.window, this.ctx);
        } catch (err) {
          throw new UserFunctionError(`${this.name} trigger.onEventTime`, { value: time, key: ws.key }, err);
        }
        this.act(ws, result, { time, event: true });
      }
      if (this.eventDomain && ws.alive && ws.cleanupAt === time) this.cleanup(ws, timingAt(time, ws.window.maxTimestamp()));
    }
  }

  private fireProcessingTimers(now: Timestamp): void {
    for (;;) {
      const due = this.processingTimers.pollDue(now);
      if (due === undefined) break;
      const { time, entries } = due;
      for (const ws of entries) {
        if (!ws.alive) continue;
        if (removeTime(ws.processingTimers, time)) {
          this.current = ws;
          let result: TriggerResult;
          try {
            result = this.trigger.onProcessingTime(time, ws.window, this.ctx);
          } catch (err) {
            throw new UserFunctionError(`${this.name} trigger.onProcessingTime`, { value: time, key: ws.key }, err);
          }
          this.act(ws, result, { time, event: false });
        }
        if (!this.eventDomain && ws.alive && ws.cleanupAt === time) this.cleanup(ws, timingAt(time, ws.window.maxTimestamp()));
      }
    }
    const next = this.processingTimers.peek();
    if (next !== undefined && !this.ended) this.armProcessingTimer(next);
  }

  /**
   * Clears a window: a final pane for records never fired (never drop data), then trigger and state.
   * `timing` is the final pane's when the window's clock reached its cleanup time (by default: by the clock).
   */
  private cleanup(ws: WindowState<T, ACC, R>, timing: PaneTiming = this.timingByClock(ws)): void {
    if (ws.pending > 0 && !this.updates) this.emitPane(ws, timing, true);
    this.clearTrigger(ws);
    ws.alive = false;
    ws.acc = undefined;
    ws.elements = undefined;
    if (this.assigner.isMerging) {
      const sessions = this.sessionsByKey[ws.keyId];
      if (sessions) {
        const i = sessions.indexOf(ws);
        if (i >= 0) sessions.splice(i, 1);
        if (sessions.length === 0) this.sessionsByKey[ws.keyId] = undefined;
      }
    } else {
      const windows = this.windowsByKey[ws.keyId];
      if (windows) {
        windows.delete(ws.id);
        if (windows.size === 0) this.windowsByKey[ws.keyId] = undefined;
      }
      if (this.lastWindow[ws.keyId] === ws) this.lastWindow[ws.keyId] = undefined;
    }
  }

  private clearTrigger(ws: WindowState<T, ACC, R>): void {
    if (this.updates) return;
    this.current = ws;
    try {
      this.trigger.clear(ws.window, this.ctx);
    } catch (err) {
      throw new UserFunctionError(`${this.name} trigger.clear`, { value: undefined, key: ws.key }, err);
    }
    ws.triggerState = undefined;
  }

  // ── trigger state ──────────────────────────────────────────────────────

  private stateView(name: string): TriggerState<unknown> {
    let view = this.stateViews.get(name);
    if (view === undefined) {
      view = {
        get: () => this.current.triggerState?.get(name),
        set: (value) => (this.current.triggerState ??= new Map()).set(name, value),
        clear: () => void this.current.triggerState?.delete(name),
      };
      this.stateViews.set(name, view);
    }
    return view;
  }

  private mergeTriggerState<S>(name: string, merge: (a: S, b: S) => S): void {
    let merged = this.current.triggerState?.get(name) as S | undefined;
    for (const s of this.mergedFrom) {
      const v = s.triggerState?.get(name) as S | undefined;
      if (v === undefined) continue;
      merged = merged === undefined ? v : merge(merged, v);
    }
    if (merged !== undefined) (this.current.triggerState ??= new Map()).set(name, merged);
  }

  // ── watermarks and end ────────────────────────────────────────────────

  /** Fires what the watermark passed, emits the results, then forwards it — only when it advances (never backwards). */
  processWatermark(wm: Timestamp): void {
    if (wm <= this.currentWatermark) return;
    if (wm >= MAX_WATERMARK) {
      // End of input: every window (processing-time ones too) closes before the maximum watermark leaves.
      this.closeAll();
      this.out.next({ kind: 'watermark', timestamp: wm });
      return;
    }
    this.currentWatermark = wm;
    this.eventTime.advanceTo(wm);
    this.flush();
    this.out.next({ kind: 'watermark', timestamp: wm });
  }

  /** End of input: every event-time window fires (the maximum watermark), then every remaining window closes. */
  endOfInput(): void {
    this.closeAll();
  }

  private closeAll(): void {
    if (this.ended) return;
    if (this.currentWatermark < MAX_WATERMARK) {
      this.currentWatermark = MAX_WATERMARK;
      this.eventTime.advanceTo(MAX_WATERMARK);
    }
    this.ended = true;
    this.processingAction?.unsubscribe();
    this.processingAction = undefined;
    // Processing-time windows never reach their end once the input is over: close them now.
    for (const windows of this.windowsByKey) if (windows) for (const ws of [...windows.values()]) this.cleanup(ws);
    for (const sessions of this.sessionsByKey) if (sessions) for (const ws of [...sessions]) this.cleanup(ws);
    this.flush();
  }

  // ── checkpoints ────────────────────────────────────────────────────────

  /**
   * The operator's state as plain data, copied now (windows, their contents,
   * trigger state, timers in firing order, the watermark). Accumulators and
   * records are immutable values and are shared, not cloned.
   */
  snapshot(): { toData(): WindowCheckpoint; watermark: Timestamp } {
    const states: WindowState<T, ACC, R>[] = [];
    const index = new Map<WindowState<T, ACC, R>, number>();
    const add = (ws: WindowState<T, ACC, R>) => {
      if (!ws.alive || index.has(ws)) return;
      index.set(ws, states.length);
      states.push(ws);
    };
    for (const windows of this.windowsByKey) if (windows) for (const ws of windows.values()) add(ws);
    for (const sessions of this.sessionsByKey) if (sessions) for (const ws of sessions) add(ws);
    const queue = (q: TimerQueue<WindowState<T, ACC, R>>): [Timestamp, number[]][] =>
      [...q.buckets()].map(([time, entries]) => [time, entries.filter((ws) => index.has(ws)).map((ws) => index.get(ws)!)]);
    const data: WindowCheckpoint = {
      watermark: this.currentWatermark,
      states: states.map((ws) => ({
        key: ws.key,
        start: ws.window.start,
        end: ws.window.end,
        id: ws.id,
        acc: ws.acc,
        elements: ws.elements?.slice(),
        pending: ws.pending,
        triggerState: ws.triggerState ? [...ws.triggerState] : undefined,
        userState: ws.userState ? [...ws.userState] : undefined,
        eventTimers: ws.eventTimers.slice(),
        processingTimers: ws.processingTimers.slice(),
        cleanupAt: ws.cleanupAt,
        paneIndex: ws.paneIndex,
        lastEmitted: ws.lastEmitted,
        retractions: ws.retractions?.slice(),
      })),
      eventQueue: queue(this.eventTimers),
      processingQueue: queue(this.processingTimers),
      globalState: this.globalUserState.flatMap((m, keyId) => (m && m.size > 0 ? [[this.keys.keyOf(keyId), [...m]] as [unknown, [string, unknown][]]] : [])),
      keyGroups: this.keyGroups,
      maxParallelism: this.maxParallelism,
    };
    return { toData: () => data, watermark: this.currentWatermark };
  }

  /**
   * Loads snapshots taken by {@link snapshot} (before any input): one, or
   * several from former parallel instances, keeping the windows and per-key
   * state of keys in this instance's key groups. Timers keep their firing
   * order within each snapshot (a key's windows all come from one).
   */
  restore(parts: readonly WindowOperatorCheckpoint[]): void {
    if (parts.length === 0) return;
    for (const p of parts) {
      if ('kind' in p && p.kind === 'slices') {
        throw new StreamLiteError(this.name, 'this snapshot was written by the sliced window engine (tumbling or sliding windows with an aggregate and the default trigger) and cannot be restored into windows with another trigger, evictor, mode or function: restore it with the window configuration it was taken with');
      }
    }
    const { watermark, owned } = beginRestore(this.name, parts, this.keyGroups, this.maxParallelism, this.currentWatermark);
    this.currentWatermark = watermark;
    this.eventTime.setClock(this.currentWatermark);
    for (const data of parts as readonly WindowCheckpoint[]) {
      const states = data.states.map((s) => {
        if (!owned(s.key)) return undefined;
        const keyId = this.keys.intern(s.key as K);
        const ws = new WindowState<T, ACC, R>(keyId, this.keys.keyOf(keyId), new TimeWindow(s.start, s.end), s.id);
        ws.acc = s.acc as ACC | undefined;
        ws.elements = s.elements?.slice() as TimestampedValue<T>[] | undefined;
        ws.pending = s.pending;
        ws.triggerState = s.triggerState ? new Map(s.triggerState) : undefined;
        ws.userState = s.userState ? new Map(s.userState) : undefined;
        ws.eventTimers = s.eventTimers.slice();
        ws.processingTimers = s.processingTimers.slice();
        ws.cleanupAt = s.cleanupAt;
        ws.paneIndex = s.paneIndex;
        ws.lastEmitted = s.lastEmitted as WindowState<T, ACC, R>['lastEmitted'];
        ws.retractions = s.retractions?.slice() as WindowState<T, ACC, R>['retractions'];
        if (this.assigner.isMerging) insertByStart((this.sessionsByKey[keyId] ??= []), ws);
        else (this.windowsByKey[keyId] ??= new Map()).set(ws.id, ws);
        return ws;
      });
      for (const [time, indices] of data.eventQueue) for (const i of indices) if (states[i]) this.queueEventTimer(states[i], time);
      for (const [time, indices] of data.processingQueue) for (const i of indices) if (states[i]) this.queueProcessingTimer(states[i], time);
      for (const [key, entries] of data.globalState) if (owned(key)) this.globalUserState[this.keys.intern(key as K)] = new Map(entries);
    }
    // Restored keys are this instance's by construction.
    if (this.keysChecked !== Infinity) this.keysChecked = this.keys.size;
  }

  /** A key seen for the first time must be in this instance's key groups. */
  private checkNewKey(keyId: number, value: T, timestamp: Timestamp): void {
    const key = this.keys.keyOf(keyId);
    checkKeyInKeyGroups(this.name, key, this.keyGroups, this.maxParallelism, { value, timestamp, key });
    this.keysChecked = keyId + 1;
  }

  dispose(): void {
    this.processingAction?.unsubscribe();
    this.processingAction = undefined;
  }

  /** Emits the results and side outputs gathered so far, as one batch each. */
  private flush(): void {
    this.output.flush();
  }

}

/** The timing of a pane fired when the window's clock stands at `time`. */
function timingAt(time: Timestamp, maxTimestamp: Timestamp): PaneTiming {
  return time < maxTimestamp ? 'EARLY' : time === maxTimestamp ? 'ON_TIME' : 'LATE';
}

function removeTime(times: Timestamp[], time: Timestamp): boolean {
  const i = times.indexOf(time);
  if (i < 0) return false;
  times[i] = times[times.length - 1];
  times.pop();
  return true;
}

function insertByStart<T, ACC, R>(sessions: WindowState<T, ACC, R>[], ws: WindowState<T, ACC, R>): void {
  let i = sessions.length;
  while (i > 0 && sessions[i - 1].window.start > ws.window.start) i--;
  sessions.splice(i, 0, ws);
}
