import { asyncScheduler, isObservable, Subscriber, Subscription, type Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { FlowGate, withFlowGate } from '../actor/FlowGate';
import { LinkedMailbox, type MailboxHandler } from '../actor/Mailbox';
import type { ControlElement, Element, KeyedElement } from '../core/Element';
import { recordBatch, sideOutputBatch } from '../core/elementFactories';
import { InvalidArgumentError, InvalidKeyError, InvalidTimestampError, NotKeyedError, StreamLiteError, UserFunctionError } from '../core/errors';
import { isValidTimestamp, MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP } from '../core/time';
import { keepResident } from '../core/resident';
import type { Timestamp } from '../core/types';
import type { OutputTag } from '../route/OutputTag';
import { canonicalKey, invalidKeyReason, type CanonicalKey } from '../state/canonicalKey';
import { HeapKeyedStateBackend, type KeyedStateColumns, type KeyedStateSnapshotData, type KeyScope } from '../state/HeapKeyedStateBackend';
import { currentJob } from '../checkpoint/JobContext';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/KeyedState';
import { DEFAULT_MAX_PARALLELISM, type KeyGroupRange } from '../state/keyGroups';
import { checkKeyGroupsOption, checkKeyInKeyGroups, checkRestoredCoverage, restoredParts, restoredWatermark } from '../state/keyGroupsInternals';
import {
  listState,
  mapState,
  valueState,
  type AggregatingStateDescriptor,
  type ListStateDescriptor,
  type MapStateDescriptor,
  type ReducingStateDescriptor,
  type ValueStateDescriptor,
} from '../state/StateDescriptor';
import type { StateTtlConfig } from '../state/StateTtlConfig';
import { EventTimeScheduler } from '../time/EventTimeScheduler';
import { KeyedTimers, type TimerService, type TimersSnapshotData, type TimeDomainOfTimer } from '../time/TimerService';
import { operate, subscribeElements } from './operate';
import type { Collector } from './process';

/** What a keyed process function sees: its key, time, state, timers and side outputs. */
export interface KeyedProcessContext<K> {
  /** The key this call is for. */
  readonly key: K;
  /** The record's timestamp (the timer's time in `onTimer`), or undefined when it has none. */
  readonly timestamp: Timestamp | undefined;
  /**
   * The operator's current watermark: the latest one received (read when
   * accessed, so an asynchronous call may see a watermark that arrived after
   * its record; event-time TTL reads the same clock).
   */
  readonly currentWatermark: Timestamp;
  /** Timers of this key. */
  readonly timerService: TimerService;
  /** A value state of this key, declared by name and default (`ctx.getValueState('total', 0)`). */
  getValueState<S>(name: string, defaultValue: S, options?: { ttl?: StateTtlConfig }): ValueState<S>;
  /** A list state of this key. */
  getListState<T>(name: string, options?: { ttl?: StateTtlConfig }): ListState<T>;
  /** A map state of this key. */
  getMapState<UK, UV>(name: string, options?: { ttl?: StateTtlConfig }): MapState<UK, UV>;
  /** Any state of this key, from its descriptor. */
  state<S>(descriptor: ValueStateDescriptor<S>): ValueState<S>;
  state<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  state<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  state<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  state<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /** Emits to a side output (with the record's timestamp). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** The context of `onTimer`: also says which clock fired. */
export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  readonly timeDomain: TimeDomainOfTimer;
}

/** What a keyed process function may return: nothing (synchronous), a Promise, or an Observable (its completion). */
export type ProcessResult = void | PromiseLike<unknown> | Observable<unknown>;

/**
 * A keyed process function: called per record with the record's key scope —
 * state, timers, side outputs — and optionally per timer.
 */
export type KeyedProcessFunction<T, K, OUT> =
  | ((value: T, ctx: KeyedProcessContext<K>, out: Collector<OUT>) => ProcessResult)
  | {
      processElement(value: T, ctx: KeyedProcessContext<K>, out: Collector<OUT>): ProcessResult;
      onTimer?(timestamp: Timestamp, ctx: OnTimerContext<K>, out: Collector<OUT>): ProcessResult;
    };

/** Options of {@link keyedProcess}. */
export interface KeyedProcessOptions {
  /**
   * Most records accepted but not finished (running or waiting in a key's
   * mailbox). At the bound, sources that can pause are paused (back-pressure);
   * default 1,000.
   */
  readonly maxInFlight?: number;
  /** `'ordered'` (default): results in input order; `'unordered'`: as they finish (never across a watermark or barrier). */
  readonly order?: 'ordered' | 'unordered';
  /** The processing-time scheduler (default asyncScheduler; a TestScheduler in marble tests). */
  readonly scheduler?: SchedulerLike;
  /** Number of key groups for state snapshots (default 128). */
  readonly maxParallelism?: number;
  /**
   * The key groups this instance owns when the operator runs as one of
   * several parallel instances (default: all). A restore loads only the state
   * and timers of these key groups — from one snapshot, or from the merged
   * savepoints of several former instances — and a record whose key is in
   * another group is an error: partition the input first, e.g.
   * `filter((e) => inKeyGroupRange(range, keyGroupOf(keyOf(e), maxParallelism)))`
   * with `range = keyGroupRangeFor(i, parallelism, maxParallelism)`.
   */
  readonly keyGroups?: KeyGroupRange;
  /** The operator's name in errors (default 'keyedProcess'). */
  readonly name?: string;
  /** @internal Called once per subscription with read-only views of the operator's internals (tests). */
  readonly probe?: (probe: KeyedProcessProbe) => void;
}

/** @internal What {@link KeyedProcessOptions.probe} sees of one subscription. */
export interface KeyedProcessProbe {
  /** Mailboxes with work queued or running (one per busy key; idle keys hold none). */
  mailboxes(): number;
  /** Records and timer calls accepted but not finished. */
  inFlight(): number;
}

/** @internal What keyedProcess keeps in a checkpoint. */
interface KeyedProcessCheckpoint {
  readonly state: KeyedStateSnapshotData | KeyedStateColumns;
  readonly timers: TimersSnapshotData;
  readonly watermark: Timestamp;
  /** The key groups the instance owned (absent in snapshots taken before rescaling existed: all). */
  readonly keyGroups?: KeyGroupRange;
}

/** A side output waiting in its slot: tag, value, timestamp. */
type SideEntry = [OutputTag<unknown>, unknown, Timestamp];

/** One unit of output, in input order: a call's results, or a control element waiting for the records before it. */
abstract class Slot<OUT> {
  done = false;
  /** Whether `firstValue` holds the first result (collected with the call's own timestamp, before any other). */
  hasFirst = false;
  firstValue: OUT | undefined = undefined;
  /** The other results: value, timestamp, value, timestamp, … */
  more: unknown[] | undefined = undefined;
  sides: SideEntry[] | undefined = undefined;

  /** The control element this slot holds (none for a call). */
  get control(): ControlElement | undefined {
    return undefined;
  }

  /**
   * Event time to advance to once every slot before this one has finished
   * (a watermark, or — with no control element — the end of input, which also
   * fires the processing-time timers still pending): the timers it fires are
   * emitted ahead of it, and see the timers registered by the records before it.
   */
  get advance(): Timestamp | undefined {
    return undefined;
  }

  /** The timestamp of results collected without one. */
  abstract get time(): Timestamp;
}

/** A slot for what is not a call: a control element, the end of input, or an upstream side output. */
class Marker<OUT> extends Slot<OUT> {
  constructor(
    private readonly element: ControlElement | undefined,
    private advanceTo: Timestamp | undefined,
  ) {
    super();
    this.done = element !== undefined && advanceTo === undefined;
  }

  override get control(): ControlElement | undefined {
    return this.element;
  }

  override get advance(): Timestamp | undefined {
    return this.advanceTo;
  }

  /** Takes the event time to advance to (once). */
  takeAdvance(): Timestamp {
    const time = this.advanceTo!;
    this.advanceTo = undefined;
    return time;
  }

  get time(): Timestamp {
    return NO_TIMESTAMP;
  }
}

/** The columns a call reads its record, timestamp and key from: its batch's (a timer's own for a timer). */
interface Columns {
  readonly values: readonly unknown[];
  readonly timestamps: readonly Timestamp[];
  readonly keys?: readonly unknown[];
}

/** What a call needs of its operator instance. */
interface CallHost {
  readonly name: string;
  /** The operator's current watermark. */
  readonly watermark: Timestamp;
  readonly watermarkClock: () => Timestamp;
  readonly backend: HeapKeyedStateBackend;
  readonly timers: KeyedTimers;
  valueDescriptor<S>(stateName: string, defaultValue: S, o: { ttl?: StateTtlConfig } | undefined): ValueStateDescriptor<S>;
}

/** A value-state handle kept by a key, with the descriptor it was made for. */
interface KeptValueState {
  readonly descriptor: ValueStateDescriptor<unknown>;
  readonly state: ValueState<unknown>;
}

/**
 * One key: its scope (it is one: state handles and timers read the key from
 * the actor its calls have just touched), its mailbox (it is one too), and
 * what its calls reuse — the timer service, value-state handles, and the two
 * callbacks a Promise settles through (a key runs one call at a time, so they
 * always mean the call running in its mailbox).
 *
 * The value-state handles it keeps (declared without TTL) are the backend's:
 * each keeps the key's table entry and reads and writes it in place while the
 * table allows (no copy-on-write pending for a snapshot, not replaced), so a
 * key's calls pay no table lookup for their state, and every write still goes
 * to the backend at once — checkpoints see what they always saw, and a write
 * through any other handle is seen at once.
 */
class KeyActor<K, OUT> extends LinkedMailbox<Call<K, OUT>> implements KeyScope {
  timerService: TimerService | undefined = undefined;
  /** The value state this key's calls declared first (without TTL): its descriptor and the backend's handle. */
  firstDescriptor: ValueStateDescriptor<unknown> | undefined = undefined;
  firstState: ValueState<unknown> | undefined = undefined;
  /** The others by name. */
  otherStates: Map<string, KeptValueState> | undefined = undefined;
  readonly fulfilled: () => void;
  readonly rejected: (err: unknown) => void;

  constructor(
    readonly host: CallHost,
    readonly ck: CanonicalKey,
    readonly key: unknown,
    handler: MailboxHandler<Call<K, OUT>>,
    settled: (actor: KeyActor<K, OUT>, err: unknown) => void,
  ) {
    super(handler);
    this.fulfilled = () => settled(this, undefined);
    this.rejected = (err: unknown) => settled(this, err ?? new Error('promise rejected'));
  }
}

/**
 * One call of the function (for a record, or a timer): its output slot, and
 * the context and collector the function sees — one object, so a call costs
 * one allocation (the record and its timestamp are read from the batch, so
 * no number is boxed). Results and side outputs are accepted while it is open.
 */
class Call<K, OUT> extends Slot<OUT> implements OnTimerContext<K>, Collector<OUT> {
  /** True while the call runs (results accepted). */
  open = false;
  nextInMailbox: Call<K, OUT> | undefined = undefined;

  constructor(
    readonly actor: KeyActor<K, OUT>,
    private readonly columns: Columns,
    private readonly index: number,
    /** For a timer: the clock that fired it. */
    readonly timer: TimeDomainOfTimer | undefined,
  ) {
    super();
  }

  /** The key as the record (or the timer) carries it. */
  get key(): K {
    return this.columns.keys![this.index] as K;
  }

  /** The record (undefined for a timer). */
  get record(): unknown {
    return this.columns.values[this.index];
  }

  /** The record's timestamp as it came (NO_TIMESTAMP when it has none), or the timer's time. */
  get time(): Timestamp {
    return this.columns.timestamps[this.index];
  }

  get timestamp(): Timestamp | undefined {
    const t = this.columns.timestamps[this.index];
    return t === NO_TIMESTAMP ? undefined : t;
  }

  get timeDomain(): TimeDomainOfTimer {
    return this.timer ?? 'event';
  }

  get currentWatermark(): Timestamp {
    return this.actor.host.watermark;
  }

  get timerService(): TimerService {
    const actor = this.actor;
    return (actor.timerService ??= actor.host.timers.serviceFor(actor, actor.host.watermarkClock));
  }

  getValueState<S>(stateName: string, defaultValue: S, o?: { ttl?: StateTtlConfig }): ValueState<S> {
    const actor = this.actor;
    const first = actor.firstDescriptor;
    // A handle made for the same name and default, without TTL, is the one a new declaration would make.
    if (o === undefined && first !== undefined) {
      if (first.name === stateName) {
        if (Object.is(first.defaultValue, defaultValue)) return actor.firstState as ValueState<S>;
      } else {
        const kept = actor.otherStates?.get(stateName);
        if (kept !== undefined && Object.is(kept.descriptor.defaultValue, defaultValue)) return kept.state as ValueState<S>;
      }
    }
    const descriptor = actor.host.valueDescriptor(stateName, defaultValue, o);
    const state = actor.host.backend.value(descriptor, actor);
    if (descriptor.ttl !== undefined || (first !== undefined && first.name === stateName)) return state;
    if (first === undefined) {
      actor.firstDescriptor = descriptor as ValueStateDescriptor<unknown>;
      actor.firstState = state as ValueState<unknown>;
    } else (actor.otherStates ??= new Map()).set(stateName, { descriptor: descriptor as ValueStateDescriptor<unknown>, state: state as ValueState<unknown> });
    return state;
  }

  getListState<X>(stateName: string, o: { ttl?: StateTtlConfig } = {}): ListState<X> {
    return this.actor.host.backend.list(listState<X>(stateName, o), this.actor);
  }

  getMapState<UK, UV>(stateName: string, o: { ttl?: StateTtlConfig } = {}): MapState<UK, UV> {
    return this.actor.host.backend.map(mapState<UK, UV>(stateName, o), this.actor);
  }

  state<S>(descriptor: ValueStateDescriptor<S>): ValueState<S>;
  state<X>(descriptor: ListStateDescriptor<X>): ListState<X>;
  state<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  state<X>(descriptor: ReducingStateDescriptor<X>): ReducingState<X>;
  state<IN, ACC, R>(descriptor: AggregatingStateDescriptor<IN, ACC, R>): AggregatingState<IN, R>;
  state(d: { kind: string }): unknown {
    const backend = this.actor.host.backend;
    const scope = this.actor;
    switch (d.kind) {
      case 'value':
        return backend.value(d as ValueStateDescriptor<unknown>, scope);
      case 'list':
        return backend.list(d as ListStateDescriptor<unknown>, scope);
      case 'map':
        return backend.map(d as MapStateDescriptor<unknown, unknown>, scope);
      case 'reducing':
        return backend.reducing(d as ReducingStateDescriptor<unknown>, scope);
      case 'aggregating':
        return backend.aggregating(d as AggregatingStateDescriptor<unknown, unknown, unknown>, scope);
      default:
        throw new InvalidArgumentError(this.actor.host.name, 'descriptor', 'a state descriptor', d);
    }
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    if (!this.open) throw new StreamLiteError(this.actor.host.name, 'ctx.output() called after the function finished');
    (this.sides ??= []).push([tag as OutputTag<unknown>, value, this.time]);
  }

  collect(value: OUT): void {
    if (!this.open) throw new StreamLiteError(this.actor.host.name, 'collect() called after the function finished');
    if (!this.hasFirst && this.more === undefined) {
      this.hasFirst = true;
      this.firstValue = value;
    } else (this.more ??= []).push(value, this.time);
  }

  collectWithTimestamp(value: OUT, ts: Timestamp): void {
    if (!this.open) throw new StreamLiteError(this.actor.host.name, 'collectWithTimestamp() called after the function finished');
    if (!isValidTimestamp(ts)) throw new InvalidTimestampError(this.actor.host.name, { value }, ts);
    (this.more ??= []).push(value, ts);
  }

  /** The record as errors name it. */
  describe(): { value: unknown; timestamp: Timestamp; key: unknown } {
    return { value: this.timer === undefined ? this.record : `timer@${this.time}`, timestamp: this.time, key: this.key };
  }
}

/** Idle actors kept for reuse (their handles and callbacks) before the idle ones are dropped. */
const ACTOR_CACHE = 16_384;

/**
 * The idle instances `keepResident` keeps (see src/core/resident.ts): a key's
 * actor with a value-state handle that has written its entry, in a backend of
 * its own, and a call of it. Without them every short-lived pipeline's
 * actors, calls, handles and table entries die at the next full GC, their
 * hidden classes with them, and the next pipeline's record path deoptimizes
 * ("weak objects") and runs unoptimized until V8 optimizes it again.
 */
function keepResidents(): void {
  keepResident(KeyActor, () => {
    const backend = new HeapKeyedStateBackend('resident', { processingTime: () => 0, eventTime: () => MIN_WATERMARK });
    const host: CallHost = {
      name: 'resident',
      watermark: MIN_WATERMARK,
      watermarkClock: () => MIN_WATERMARK,
      backend,
      timers: undefined as unknown as KeyedTimers,
      valueDescriptor: (stateName, defaultValue, o) => valueState(stateName, defaultValue, o ?? {}),
    };
    const actor = new KeyActor<unknown, unknown>(host, 'resident', 'resident', { run() {}, idle() {} }, () => undefined);
    const d = valueState('resident', 0);
    actor.firstDescriptor = d as ValueStateDescriptor<unknown>;
    actor.firstState = backend.value(d, actor) as ValueState<unknown>;
    actor.firstState.update(actor.firstState.value());
    keepResident(Call, () => new Call<unknown, unknown>(actor, recordBatch([0], [0], ['resident']), 0, undefined));
    return actor;
  });
}

/** `Promise.prototype.then` of this realm: a Promise with it settles once, so a key's shared callbacks can follow it. */
const promiseThen = Promise.prototype.then;
const RESOLVED = Promise.resolve();

/**
 * The keyed process operator: every key is an actor with its own state,
 * timers and — for asynchronous work — a mailbox.
 *
 * It's Flink's `KeyedProcessFunction` and async I/O in one. A synchronous
 * function runs inline in the batch loop. A function that returns a Promise or
 * an Observable is serialized per key (the next record of that key starts
 * when the previous one finished) while keys run concurrently; at most
 * `maxInFlight` records are in flight, beyond which pausable sources are paused.
 * Results come out in input order (`'ordered'`) or as they finish
 * (`'unordered'`); watermarks, barriers and end of input wait for the records
 * before them. Timers fire in time order, through the key's mailbox: event-time
 * ones once every record before the watermark that passes them has finished
 * (so they see the timers those records registered), and their results come
 * out ahead of that watermark; processing-time ones as the processing clock
 * passes them. At end of input every event-time timer fires, then each
 * processing-time timer pending at that moment fires once. An error in one
 * key's function errors the stream, naming the key and the record; calls still
 * running (Observables) are cancelled when the output errors or is unsubscribed.
 *
 * ```
 * key a: -a1----a2------|         f(a1) takes 3, f(a2) takes 1 (serialized per key)
 * key b: ---b1----------|         f(b1) takes 1 (concurrent with a1)
 * output (ordered):   ---A1-B1-A2-|
 * output (unordered): ---B1-A1--A2|
 * ```
 *
 * @example
 * // the seed's running average per sensor, with two value states
 * readings$.pipe(
 *   keyBy(r => r.sensor),
 *   keyedProcess<Reading, string, [string, number]>((r, ctx, out) => {
 *     const total = ctx.getValueState('total', 0);
 *     const count = ctx.getValueState('count', 0);
 *     total.update(total.value() + r.value);
 *     count.update(count.value() + 1);
 *     out.collect([ctx.key, total.value() / count.value()]);
 *   }),
 * );
 */
export function keyedProcess<T, K, OUT>(
  fn: KeyedProcessFunction<T, K, OUT>,
  options: KeyedProcessOptions = {},
): OperatorFunction<KeyedElement<T, K>, Element<OUT>> {
  const name = options.name ?? 'keyedProcess';
  const processElement =
    typeof fn === 'function' ? fn : fn != null && typeof fn.processElement === 'function' ? fn.processElement.bind(fn) : undefined;
  if (processElement === undefined) {
    throw new InvalidArgumentError(name, 'fn', 'a function or an object with processElement()', fn);
  }
  const onTimer = typeof fn === 'object' && typeof fn.onTimer === 'function' ? fn.onTimer.bind(fn) : undefined;
  const maxInFlight = options.maxInFlight ?? 1000;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new InvalidArgumentError(name, 'maxInFlight', 'a positive integer', maxInFlight);
  const ordered = (options.order ?? 'ordered') === 'ordered';
  if (options.order !== undefined && options.order !== 'ordered' && options.order !== 'unordered') {
    throw new InvalidArgumentError(name, 'order', "'ordered' or 'unordered'", options.order);
  }
  const processing = options.scheduler ?? asyncScheduler;
  const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
  const keyGroups = checkKeyGroupsOption(name, options.keyGroups, maxParallelism);
  const partitioned = options.keyGroups !== undefined;

  return operate<KeyedElement<T, K>, Element<OUT>>((source, out) => {
    keepResidents();
    let ended = false;
    let failed = false;
    const eventTime = new EventTimeScheduler();
    const watermarkClock = (): Timestamp => host.watermark;
    const backend = new HeapKeyedStateBackend(name, { processingTime: () => processing.now(), eventTime: watermarkClock }, maxParallelism);
    /** Actors by canonical key: the busy ones, and idle ones kept for reuse (dropped when there are too many). */
    const actors = new Map<CanonicalKey, KeyActor<K, OUT>>();
    let actorLimit = ACTOR_CACHE;
    /** Actors with work queued or running. */
    let busyActors = 0;
    const gate = new FlowGate();
    let inFlight = 0;
    const slots: Slot<OUT>[] = [];
    let head = 0;
    /** While a watermark fires timers: where their slots go (ahead of the watermark). */
    let timerSlots: Slot<OUT>[] | undefined;
    /** The Observables returned by calls still running (cancelled with the operator). */
    const running = new Subscription();
    let draining = false;
    let drainAgain = false;
    /** A drain is queued as a microtask (calls finished by Promises are emitted together, once per tick). */
    let drainQueued = false;
    /** Inside the record loop of a batch: synchronous calls leave their results for the drain at its end. */
    let inBatch = false;

    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      timers.stop();
      running.unsubscribe();
      out.error(err);
    };

    /** Fires the timers a watermark (or the end of input) at the head passes, and puts their slots before it. */
    const advanceAt = (slot: Marker<OUT>): void => {
      const time = slot.takeAdvance();
      const fired: Slot<OUT>[] = (timerSlots = []);
      try {
        timers.advanceWatermark(time);
        if (slot.control === undefined) {
          timers.stop();
          timers.drainProcessing();
        }
      } catch (err) {
        fail(err);
      } finally {
        timerSlots = undefined;
      }
      slot.done = true;
      if (fired.length > 0) {
        const rest = slots.splice(head);
        for (const f of fired) slots.push(f);
        for (const r of rest) slots.push(r);
      }
    };

    /** Emits finished slots from the head (re-entrant calls loop in the outer one). */
    const drain = (): void => {
      if (draining) {
        drainAgain = true;
        return;
      }
      draining = true;
      try {
        do {
          drainAgain = false;
          drainOnce();
        } while (drainAgain && !failed);
      } finally {
        draining = false;
      }
    };
    const queuedDrain = (): void => {
      drainQueued = false;
      drain();
    };
    /** Drains now, or at the end of the batch being dispatched. */
    const drainSoon = (): void => {
      if (!inBatch) drain();
    };

    // The output being gathered by a drain.
    let outValues: OUT[] = [];
    let outTimestamps: Timestamp[] = [];
    let outSides: SideEntry[] | undefined;
    const flushRecords = (): void => {
      if (outValues.length > 0) {
        out.next(recordBatch(outValues, outTimestamps));
        outValues = [];
        outTimestamps = [];
      }
    };
    const flushSides = (): void => {
      const sides = outSides;
      if (sides === undefined) return;
      outSides = undefined;
      const byTag = new Map<OutputTag<unknown>, [unknown[], Timestamp[]]>();
      for (const [tag, v, t] of sides) {
        let cols = byTag.get(tag);
        if (cols === undefined) byTag.set(tag, (cols = [[], []]));
        cols[0].push(v);
        cols[1].push(t);
      }
      for (const [tag, [vs, ts]] of byTag) out.next(sideOutputBatch(tag, recordBatch(vs, ts)));
    };
    const take = (slot: Slot<OUT>): void => {
      if (slot.hasFirst) {
        outValues.push(slot.firstValue as OUT);
        outTimestamps.push(slot.time);
        slot.hasFirst = false;
        slot.firstValue = undefined;
      }
      const more = slot.more;
      if (more !== undefined) {
        for (let i = 0; i < more.length; i += 2) {
          outValues.push(more[i] as OUT);
          outTimestamps.push(more[i + 1] as Timestamp);
        }
        slot.more = undefined;
      }
      if (slot.sides !== undefined) {
        if (outSides === undefined) outSides = slot.sides;
        else for (const side of slot.sides) outSides.push(side);
        slot.sides = undefined;
      }
    };

    /** Emits finished slots from the head; in unordered mode, also finished records ahead of the first control. */
    const drainOnce = (): void => {
      if (failed) return;
      for (;;) {
        if (head >= slots.length) break;
        const slot = slots[head];
        if (!slot.done) {
          if (slot.advance === undefined) break;
          advanceAt(slot as Marker<OUT>);
          if (failed) return;
          continue;
        }
        head++;
        const control = slot.control;
        if (control !== undefined) {
          flushRecords();
          flushSides();
          if (control.kind === 'barrier') {
            // Every record before the barrier has finished and none after it has started: snapshot now.
            handle?.snapshotted(control, snapshotNow());
            out.next(control);
            resumeHeld();
          } else out.next(control);
        } else take(slot);
      }
      if (!ordered) {
        for (let i = head; i < slots.length && slots[i].control === undefined && slots[i].advance === undefined; i++) if (slots[i].done) take(slots[i]);
      }
      flushRecords();
      flushSides();
      if (head === slots.length) {
        // everything emitted: start over (no copy)
        if (head > 0) {
          slots.length = 0;
          head = 0;
        }
      } else if (head > 1024 && head * 2 > slots.length) {
        slots.copyWithin(0, head);
        slots.length -= head;
        head = 0;
      }
      if (ended && head === slots.length) {
        timers.stop();
        out.complete();
      }
    };

    /** Descriptors declared by name through ctx.getValueState, reused while the default and options are the same. */
    const valueDescriptors = new Map<string, ValueStateDescriptor<unknown>>();
    const host = {
      name,
      watermark: MIN_WATERMARK,
      watermarkClock,
      backend,
      timers: undefined as unknown as KeyedTimers,
      valueDescriptor<S>(stateName: string, defaultValue: S, o: { ttl?: StateTtlConfig } | undefined): ValueStateDescriptor<S> {
        const known = valueDescriptors.get(stateName);
        if (known !== undefined && o === undefined && known.ttl === undefined && Object.is(known.defaultValue, defaultValue)) {
          return known as ValueStateDescriptor<S>;
        }
        const d = valueState(stateName, defaultValue, o ?? {});
        valueDescriptors.set(stateName, d as ValueStateDescriptor<unknown>);
        return d;
      },
    };

    /**
     * A call has finished (or failed). `later`: it finished through a Promise,
     * so its results wait for the drain queued for this tick.
     */
    const finish = (call: Call<K, OUT>, err: unknown, later: boolean): void => {
      if (!call.open) return;
      call.open = false;
      inFlight--;
      if (err !== undefined) {
        fail(err instanceof StreamLiteError ? err : new UserFunctionError(name, call.describe(), err));
        return;
      }
      call.done = true;
      if (inFlight < maxInFlight) gate.open();
      call.actor.done(call);
      if (!later) drainSoon();
      else if (!drainQueued) {
        drainQueued = true;
        void RESOLVED.then(queuedDrain);
      }
    };
    const settled = (actor: KeyActor<K, OUT>, err: unknown): void => {
      const call = actor.running;
      if (call !== undefined) finish(call, err, true);
    };

    /** Runs the calls of every key's mailbox. */
    const handler: MailboxHandler<Call<K, OUT>> = {
      run(call) {
        if (failed) return;
        call.open = true;
        let result: ProcessResult;
        try {
          result = call.timer === undefined ? processElement(call.record as T, call, call) : onTimer!(call.time, call, call);
        } catch (err) {
          finish(call, err, false);
          return;
        }
        if (result == null) finish(call, undefined, false);
        else if ((result as Promise<unknown>).then === promiseThen) {
          // a Promise settles once, and this key runs nothing else until it has: the key's own callbacks serve
          void (result as Promise<unknown>).then(call.actor.fulfilled, call.actor.rejected);
        } else if (isObservable(result)) {
          running.add(
            result.subscribe({
              error: (err: unknown) => finish(call, err ?? new Error('observable errored'), false),
              complete: () => finish(call, undefined, false),
            }),
          );
        } else if (typeof (result as PromiseLike<unknown>).then === 'function') {
          (result as PromiseLike<unknown>).then(
            () => finish(call, undefined, false),
            (err: unknown) => finish(call, err ?? new Error('promise rejected'), false),
          );
        } else finish(call, undefined, false);
      },
      idle() {
        busyActors--;
      },
    };

    /** The actor of a key (kept while busy; idle ones are reused until there are too many). */
    const actorOf = (ck: CanonicalKey, key: unknown): KeyActor<K, OUT> => {
      let actor = actors.get(ck);
      if (actor === undefined) {
        if (actors.size >= actorLimit) {
          for (const [k, a] of actors) {
            if (a.isBusy) continue;
            actors.delete(k);
          }
          actorLimit = Math.max(ACTOR_CACHE, 2 * actors.size);
        }
        actor = new KeyActor<K, OUT>(host, ck, key, handler, settled);
        actors.set(ck, actor);
      }
      return actor;
    };

    /** Runs one call through its key's mailbox. */
    const dispatch = (actor: KeyActor<K, OUT>, call: Call<K, OUT>): void => {
      inFlight++;
      if (inFlight >= maxInFlight) gate.close();
      if (!actor.isBusy) busyActors++;
      actor.post(call);
    };

    const newSlot = (control?: ControlElement, advance?: Timestamp): Slot<OUT> => {
      const slot = new Marker<OUT>(control, advance);
      slots.push(slot);
      return slot;
    };

    const timers: KeyedTimers = new KeyedTimers(
      name,
      eventTime,
      processing,
      (scope, time, domain) => {
        if (onTimer === undefined) return;
        const call = new Call<K, OUT>(actorOf(scope.ck, scope.key), { values: [undefined], timestamps: [time], keys: [scope.key] }, 0, domain);
        if (timerSlots !== undefined) timerSlots.push(call);
        else slots.push(call);
        dispatch(call.actor, call);
      },
      (err) => fail(err),
    );
    host.timers = timers;

    // ── checkpoints: the barrier waits for the records before it; input after it is held until it has passed.
    let holding = false;
    let held: (() => void)[] = [];
    const snapshotNow = () => {
      const state = backend.snapshot();
      const timerData = timers.snapshot();
      const wm = host.watermark;
      return {
        toData: (): KeyedProcessCheckpoint => ({ state: state.toColumns(), timers: timerData.toData(), watermark: wm, keyGroups }),
        watermark: wm,
      };
    };
    const resumeHeld = (): void => {
      holding = false;
      const queue = held;
      held = [];
      for (let i = 0; i < queue.length; i++) {
        if (holding) {
          // another barrier: keep the rest for after it
          held.push(...queue.slice(i));
          return;
        }
        queue[i]();
      }
    };
    const handle = currentJob()?.registerOperator('keyedProcess', options.name, { snapshot: () => snapshotNow() });
    if (handle?.restored !== undefined) {
      // One snapshot, or several (savepoints of several instances merged): only this instance's key groups are loaded.
      const parts = restoredParts<KeyedProcessCheckpoint>(handle.restored);
      checkRestoredCoverage(name, parts, keyGroups, maxParallelism);
      backend.restore(parts.map((p) => p.state), keyGroups);
      timers.restore(parts.map((p) => p.timers), keyGroups, maxParallelism, (key) => backend.scopeOf(key));
      host.watermark = restoredWatermark(parts.map((p) => p.watermark), host.watermark);
    }
    const hold = <A>(fn: (arg: A) => void) => (arg: A): void => {
      if (holding) held.push(() => fn(arg));
      else fn(arg);
    };

    // subscribeElements forwards END and completes at once; here both wait for the records in flight.
    const control = new Subscriber<Element<OUT>>({
      next: hold((e: Element<OUT>) => {
        newSlot(e as ControlElement);
        drain();
      }),
      error: (err: unknown) => fail(err),
      complete: hold<void>(() => {
        ended = true;
        drain();
      }),
    });
    options.probe?.({ mailboxes: () => busyActors, inFlight: () => inFlight });
    const subscription = withFlowGate(gate, () =>
      subscribeElements<T, OUT>(name, source as Observable<Element<T>>, control, {
        batch: hold((batch: import('../core/Element').RecordBatch<T>) => {
          const keys = batch.keys as readonly K[] | undefined;
          if (keys === undefined) throw new NotKeyedError(name);
          const { values, timestamps } = batch;
          const outer = inBatch;
          inBatch = true;
          try {
            for (let i = 0; i < values.length; i++) {
              const key = keys[i];
              let ck: CanonicalKey;
              if (typeof key === 'string' && key.charCodeAt(0) !== 0) ck = key; // the common case: a string is its own canonical form
              else {
                const reason = invalidKeyReason(key);
                if (reason !== undefined) throw new InvalidKeyError(name, { value: values[i], timestamp: timestamps[i] }, key, reason);
                ck = canonicalKey(key);
              }
              if (partitioned) checkKeyInKeyGroups(name, key, keyGroups, maxParallelism, { value: values[i], timestamp: timestamps[i], key });
              const actor = actorOf(ck, key);
              const call = new Call<K, OUT>(actor, batch, i, undefined);
              slots.push(call);
              dispatch(actor, call);
            }
          } finally {
            inBatch = outer;
          }
          drain();
        }),
        watermark: hold((wm: import('../core/Element').Watermark) => {
          if (wm.timestamp > host.watermark) {
            host.watermark = wm.timestamp;
            newSlot(wm, host.watermark);
          } else newSlot(wm);
          drain();
        }),
        barrier: hold((b: import('../core/Element').CheckpointBarrier) => {
          newSlot(b);
          holding = true;
          drain();
        }),
        idle: hold((m: import('../core/Element').IdleMarker) => {
          newSlot(m);
          drain();
        }),
        side: hold((s: import('../core/Element').SideOutputBatch) => {
          // an upstream side output keeps its place in the order
          const slot = newSlot();
          slot.done = true;
          const cols = s.batch;
          for (let i = 0; i < cols.values.length; i++) (slot.sides ??= []).push([s.tag, cols.values[i], cols.timestamps[i]]);
          drain();
        }),
        end: hold<void>(() => {
          // once every record has finished: every event-time timer, then the pending processing-time ones
          host.watermark = MAX_WATERMARK;
          newSlot(undefined, MAX_WATERMARK);
          drain();
        }),
      }),
    );
    return () => {
      timers.stop();
      running.unsubscribe();
      control.unsubscribe();
      if (typeof subscription === 'function') subscription();
    };
  }) as unknown as OperatorFunction<KeyedElement<T, K>, Element<OUT>>;
}
