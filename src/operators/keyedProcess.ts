import { asyncScheduler, isObservable, Subscriber, Subscription, type Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { FlowGate, withFlowGate } from '../actor/FlowGate';
import { Mailbox } from '../actor/Mailbox';
import type { ControlElement, Element, KeyedElement } from '../core/Element';
import { recordBatch, sideOutputBatch } from '../core/elementFactories';
import { InvalidArgumentError, InvalidKeyError, InvalidTimestampError, NotKeyedError, StreamLiteError, UserFunctionError } from '../core/errors';
import { isValidTimestamp, MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP } from '../core/time';
import type { Timestamp } from '../core/types';
import type { OutputTag } from '../route/OutputTag';
import { invalidKeyReason } from '../state/canonicalKey';
import { HeapKeyedStateBackend, type KeyedStateSnapshotData, type KeyScope } from '../state/HeapKeyedStateBackend';
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
  /** Mailboxes alive now (one per key with work queued or running). */
  mailboxes(): number;
  /** Records and timer calls accepted but not finished. */
  inFlight(): number;
}

/** One unit of output, in input order: a record's results, or a control element waiting for the records before it. */
/** @internal What keyedProcess keeps in a checkpoint. */
interface KeyedProcessCheckpoint {
  readonly state: KeyedStateSnapshotData;
  readonly timers: TimersSnapshotData;
  readonly watermark: Timestamp;
  /** The key groups the instance owned (absent in snapshots taken before rescaling existed: all). */
  readonly keyGroups?: KeyGroupRange;
}

interface Slot<OUT> {
  done: boolean;
  values: OUT[];
  timestamps: Timestamp[];
  sides: [OutputTag<unknown>, unknown, Timestamp][] | undefined;
  control: ControlElement | undefined;
  /**
   * Event time to advance to once every slot before this one has finished
   * (a watermark, or the end of input): the timers it fires are emitted ahead
   * of it, and see the timers registered by the records before it.
   */
  advance: Timestamp | undefined;
  /** At end of input: also fire the processing-time timers still pending. */
  last?: boolean;
}

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
    let watermark = MIN_WATERMARK;
    let ended = false;
    let failed = false;
    const eventTime = new EventTimeScheduler();
    const backend = new HeapKeyedStateBackend(name, { processingTime: () => processing.now(), eventTime: () => watermark }, maxParallelism);
    const mailboxes = new Map<unknown, Mailbox>();
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

    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      timers.stop();
      running.unsubscribe();
      out.error(err);
    };

    /** Fires the timers a watermark (or the end of input) at the head passes, and puts their slots before it. */
    const advanceAt = (slot: Slot<OUT>): void => {
      const time = slot.advance!;
      slot.advance = undefined;
      const fired: Slot<OUT>[] = (timerSlots = []);
      try {
        timers.advanceWatermark(time);
        if (slot.last === true) {
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

    /** Emits finished slots from the head; in unordered mode, also finished records ahead of the first control. */
    const drainOnce = (): void => {
      if (failed) return;
      let values: OUT[] = [];
      let timestamps: Timestamp[] = [];
      const flushRecords = () => {
        if (values.length > 0) {
          out.next(recordBatch(values, timestamps));
          values = [];
          timestamps = [];
        }
      };
      const sides: [OutputTag<unknown>, unknown, Timestamp][] = [];
      const flushSides = () => {
        if (sides.length === 0) return;
        const byTag = new Map<OutputTag<unknown>, [unknown[], Timestamp[]]>();
        for (const [tag, v, t] of sides) {
          let cols = byTag.get(tag);
          if (cols === undefined) byTag.set(tag, (cols = [[], []]));
          cols[0].push(v);
          cols[1].push(t);
        }
        sides.length = 0;
        for (const [tag, [vs, ts]] of byTag) out.next(sideOutputBatch(tag, recordBatch(vs, ts)));
      };
      const take = (slot: Slot<OUT>) => {
        for (let i = 0; i < slot.values.length; i++) {
          values.push(slot.values[i]);
          timestamps.push(slot.timestamps[i]);
        }
        if (slot.sides) sides.push(...slot.sides);
        slot.values = EMPTY_VALUES as unknown as OUT[];
        slot.sides = undefined;
      };
      for (;;) {
        if (head < slots.length && !slots[head].done && slots[head].advance !== undefined) {
          advanceAt(slots[head]);
          if (failed) return;
          continue;
        }
        if (!(head < slots.length && slots[head].done)) break;
        const slot = slots[head++];
        if (slot.control !== undefined) {
          flushRecords();
          flushSides();
          if (slot.control.kind === 'barrier') {
            // Every record before the barrier has finished and none after it has started: snapshot now.
            handle?.snapshotted(slot.control, snapshotNow());
            out.next(slot.control);
            resumeHeld();
          } else out.next(slot.control);
        } else take(slot);
      }
      if (!ordered) {
        for (let i = head; i < slots.length && slots[i].control === undefined && slots[i].advance === undefined; i++) if (slots[i].done) take(slots[i]);
      }
      flushRecords();
      flushSides();
      if (head > 1024 && head * 2 > slots.length) {
        slots.splice(0, head);
        head = 0;
      }
      if (ended && head === slots.length) {
        timers.stop();
        out.complete();
      }
    };

    const collectorFor = (slot: Slot<OUT>, timestamp: Timestamp, isOpen: () => boolean): Collector<OUT> => ({
      collect(value) {
        if (!isOpen()) throw new StreamLiteError(name, 'collect() called after the function finished');
        if (slot.values === (EMPTY_VALUES as unknown)) {
          slot.values = [];
          slot.timestamps = [];
        }
        slot.values.push(value);
        slot.timestamps.push(timestamp);
      },
      collectWithTimestamp(value, ts) {
        if (!isOpen()) throw new StreamLiteError(name, 'collectWithTimestamp() called after the function finished');
        if (!isValidTimestamp(ts)) throw new InvalidTimestampError(name, { value }, ts);
        if (slot.values === (EMPTY_VALUES as unknown)) {
          slot.values = [];
          slot.timestamps = [];
        }
        slot.values.push(value);
        slot.timestamps.push(ts);
      },
    });

    /** Descriptors declared by name through ctx.getValueState, reused while the default and options are the same. */
    const valueDescriptors = new Map<string, ValueStateDescriptor<unknown>>();
    const valueDescriptor = <S>(stateName: string, defaultValue: S, o: { ttl?: StateTtlConfig } | undefined): ValueStateDescriptor<S> => {
      const known = valueDescriptors.get(stateName);
      if (known !== undefined && o === undefined && known.ttl === undefined && Object.is(known.defaultValue, defaultValue)) {
        return known as ValueStateDescriptor<S>;
      }
      const d = valueState(stateName, defaultValue, o ?? {});
      valueDescriptors.set(stateName, d as ValueStateDescriptor<unknown>);
      return d;
    };

    const contextFor = (scope: KeyScope, slot: Slot<OUT>, timestamp: Timestamp, isOpen: () => boolean, domain?: TimeDomainOfTimer) => {
      const ctx: OnTimerContext<K> = {
        key: scope.key as K,
        timestamp: timestamp === NO_TIMESTAMP ? undefined : timestamp,
        get currentWatermark() {
          return watermark;
        },
        get timerService() {
          return timers.serviceFor(scope, () => watermark);
        },
        getValueState: <S>(stateName: string, defaultValue: S, o?: { ttl?: StateTtlConfig }) =>
          backend.value(valueDescriptor(stateName, defaultValue, o), scope),
        getListState: <X>(stateName: string, o: { ttl?: StateTtlConfig } = {}) => backend.list(listState<X>(stateName, o), scope),
        getMapState: <UK, UV>(stateName: string, o: { ttl?: StateTtlConfig } = {}) => backend.map(mapState<UK, UV>(stateName, o), scope),
        state: ((d: { kind: string }) => {
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
              throw new InvalidArgumentError(name, 'descriptor', 'a state descriptor', d);
          }
        }) as unknown as KeyedProcessContext<K>['state'],
        output<X>(tag: OutputTag<X>, value: X) {
          if (!isOpen()) throw new StreamLiteError(name, 'ctx.output() called after the function finished');
          (slot.sides ??= []).push([tag as OutputTag<unknown>, value, timestamp]);
        },
        timeDomain: domain ?? 'event',
      };
      return ctx;
    };

    /** Runs one call for a key through its mailbox; `call` returns the user function's result. */
    const dispatch = (
      scope: KeyScope,
      slot: Slot<OUT>,
      record: { value: unknown; timestamp: Timestamp },
      call: (ctx: OnTimerContext<K>, collector: Collector<OUT>) => ProcessResult,
      domain?: TimeDomainOfTimer,
    ): void => {
      inFlight++;
      if (inFlight >= maxInFlight) gate.close();
      let mailbox = mailboxes.get(scope.ck);
      if (mailbox === undefined) {
        const created = new Mailbox(() => mailboxes.delete(scope.ck));
        mailbox = created;
        mailboxes.set(scope.ck, created);
      }
      mailbox.post((done) => {
        let open = true;
        const finish = (err?: unknown) => {
          if (!open) return;
          open = false;
          inFlight--;
          if (err !== undefined) {
            fail(err instanceof StreamLiteError ? err : new UserFunctionError(name, { value: record.value, timestamp: record.timestamp, key: scope.key }, err));
            return;
          }
          slot.done = true;
          if (inFlight < maxInFlight) gate.open();
          done();
          drain();
        };
        if (failed) return;
        let result: ProcessResult;
        try {
          result = call(contextFor(scope, slot, record.timestamp, () => open, domain), collectorFor(slot, record.timestamp, () => open));
        } catch (err) {
          finish(err);
          return;
        }
        if (result == null) finish();
        else if (isObservable(result)) {
          running.add(result.subscribe({ error: (err: unknown) => finish(err ?? new Error('observable errored')), complete: () => finish() }));
        } else if (typeof (result as PromiseLike<unknown>).then === 'function') {
          (result as PromiseLike<unknown>).then(
            () => finish(),
            (err: unknown) => finish(err ?? new Error('promise rejected')),
          );
        } else finish();
      });
    };

    const newSlot = (control?: ControlElement, advance?: Timestamp): Slot<OUT> => {
      const slot: Slot<OUT> = { done: control !== undefined && advance === undefined, values: EMPTY_VALUES as unknown as OUT[], timestamps: EMPTY_TIMESTAMPS as number[], sides: undefined, control, advance };
      slots.push(slot);
      return slot;
    };

    const timers: KeyedTimers = new KeyedTimers(
      name,
      eventTime,
      processing,
      (scope, time, domain) => {
        if (onTimer === undefined) return;
        let slot: Slot<OUT>;
        if (timerSlots !== undefined) timerSlots.push((slot = { done: false, values: EMPTY_VALUES as unknown as OUT[], timestamps: EMPTY_TIMESTAMPS as number[], sides: undefined, control: undefined, advance: undefined }));
        else slot = newSlot();
        dispatch(scope, slot, { value: `timer@${time}`, timestamp: time }, (ctx, collector) => onTimer(time, ctx, collector), domain);
      },
      (err) => fail(err),
    );

    // ── checkpoints: the barrier waits for the records before it; input after it is held until it has passed.
    let holding = false;
    let held: (() => void)[] = [];
    const snapshotNow = () => {
      const state = backend.snapshot();
      const timerData = timers.snapshot();
      const wm = watermark;
      return {
        toData: (): KeyedProcessCheckpoint => ({ state: state.toData(), timers: timerData, watermark: wm, keyGroups }),
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
      watermark = restoredWatermark(parts.map((p) => p.watermark), watermark);
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
    options.probe?.({ mailboxes: () => mailboxes.size, inFlight: () => inFlight });
    const subscription = withFlowGate(gate, () =>
      subscribeElements<T, OUT>(name, source as Observable<Element<T>>, control, {
        batch: hold((batch: import('../core/Element').RecordBatch<T>) => {
          const keys = batch.keys as readonly K[] | undefined;
          if (keys === undefined) throw new NotKeyedError(name);
          const { values, timestamps } = batch;
          for (let i = 0; i < values.length; i++) {
            const reason = invalidKeyReason(keys[i]);
            if (reason !== undefined) throw new InvalidKeyError(name, { value: values[i], timestamp: timestamps[i] }, keys[i], reason);
            if (partitioned) checkKeyInKeyGroups(name, keys[i], keyGroups, maxParallelism, { value: values[i], timestamp: timestamps[i], key: keys[i] });
            const scope = backend.scopeOf(keys[i]);
            const value = values[i];
            dispatch(scope, newSlot(), { value, timestamp: timestamps[i] }, (ctx, collector) => processElement(value, ctx, collector));
          }
          drain();
        }),
        watermark: hold((wm: import('../core/Element').Watermark) => {
          if (wm.timestamp > watermark) {
            watermark = wm.timestamp;
            newSlot(wm, watermark);
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
          watermark = MAX_WATERMARK;
          const slot = newSlot(undefined, MAX_WATERMARK);
          slot.last = true;
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

/** Shared empty columns of a slot with no result yet (replaced on the first collect). */
const EMPTY_VALUES: readonly never[] = Object.freeze([]);
const EMPTY_TIMESTAMPS: readonly number[] = Object.freeze([]);
