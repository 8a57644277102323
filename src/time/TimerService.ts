import type { SchedulerLike, Subscription } from 'rxjs';
import { InvalidArgumentError } from '../core/errors';
import { isValidTimestamp } from '../core/time';
import type { Timestamp } from '../core/types';
import type { CanonicalKey } from '../state/canonicalKey';
import type { KeyScope } from '../state/HeapKeyedStateBackend';
import { inKeyGroupRange, keyGroupOf, type KeyGroupRange } from '../state/keyGroups';
import type { EventTimeScheduler } from './EventTimeScheduler';
import { TimerQueue } from './TimerQueue';

/** Registers and deletes timers for the current key (inside a keyed process function). */
export interface TimerService {
  /** The current event-time watermark. */
  currentWatermark(): Timestamp;
  /** The current processing time. */
  currentProcessingTime(): Timestamp;
  /** `onTimer(time)` runs for this key when the watermark reaches `time` (once per key and time). */
  registerEventTimeTimer(time: Timestamp): void;
  deleteEventTimeTimer(time: Timestamp): void;
  /** `onTimer(time)` runs for this key when the processing clock reaches `time` (once per key and time). */
  registerProcessingTimeTimer(time: Timestamp): void;
  deleteProcessingTimeTimer(time: Timestamp): void;
}

/** Which clock a timer is on. */
export type TimeDomainOfTimer = 'event' | 'processing';

/** The serialized timers of an operator. */
export interface TimersSnapshotData {
  readonly event: readonly [key: unknown, time: Timestamp][];
  readonly processing: readonly [key: unknown, time: Timestamp][];
}

interface TimerEntry {
  readonly scope: KeyScope;
  readonly time: Timestamp;
}

type Slots = Map<CanonicalKey, { scope: KeyScope; times: Map<Timestamp, TimerEntry> }>;

/** Snapshots not yet turned into data kept at once; opening one more turns the oldest into data then (bounds the copies kept). */
const MAX_OPEN_SNAPSHOTS = 8;

/**
 * The timers as of a barrier, turned into data later ({@link toData}). While
 * it is open, the first change to a key's timers saves the key's times as of
 * the barrier (copy-on-write per key); keys keep their place in the live maps
 * (a key whose last timer goes stays as an empty slot), so the data lists keys
 * and times in the order an immediate copy would have.
 */
export class TimersSnapshot {
  /** Per domain: keys changed since the barrier, with their times then (null: none). */
  readonly before = { event: new Map<CanonicalKey, Timestamp[] | null>(), processing: new Map<CanonicalKey, Timestamp[] | null>() };
  private data: TimersSnapshotData | undefined;

  constructor(
    private readonly live: { readonly event: Slots; readonly processing: Slots },
    private readonly close: (s: TimersSnapshot) => void,
  ) {}

  /** The timers as of the barrier, as plain data (built once). */
  toData(): TimersSnapshotData {
    if (this.data === undefined) {
      const dump = (domain: TimeDomainOfTimer) => {
        const out: [unknown, Timestamp][] = [];
        const saved = this.before[domain];
        for (const [ck, { scope, times }] of this.live[domain]) {
          const then = saved.has(ck) ? saved.get(ck) : times.keys();
          if (then !== null && then !== undefined) for (const t of then) out.push([scope.key, t]);
        }
        return out;
      };
      this.data = { event: dump('event'), processing: dump('processing') };
      this.close(this);
    }
    return this.data;
  }
}

/**
 * @internal
 * Per-key timers of a keyed operator: deduplicated by (key, time), fired in
 * time order (then registration order) — event-time ones when the operator
 * advances the watermark past them ({@link advanceWatermark}, as Flink's
 * `InternalTimerService.advanceWatermark`), processing-time ones by one armed
 * action on the processing-time scheduler for the earliest time.
 *
 * Event-time timers are kept in their own queue rather than scheduled as
 * actions with `delay = time − now()`: before the first watermark `now()` is
 * `MIN_WATERMARK` (−2⁵³ + 1), and `time − now()` then exceeds 2⁵³, where
 * doubles are spaced by 2 — the action would fall due one millisecond early
 * or late.
 */
export class KeyedTimers {
  /**
   * Registered times per key and domain, each with the queue entry that fires
   * it (a timer deleted and registered again fires from its new entry, in its
   * new place); a key's entry goes when its last timer does.
   */
  private readonly registered: { readonly event: Slots; readonly processing: Slots } = { event: new Map(), processing: new Map() };
  /** Snapshots whose data is not built yet (see {@link TimersSnapshot}). */
  private open: TimersSnapshot[] = [];
  private readonly eventQueue = new TimerQueue<TimerEntry>();
  private readonly processingQueue = new TimerQueue<TimerEntry>();
  private armed: Subscription | undefined;
  private armedAt = Infinity;
  private stopped = false;
  private advancing = false;

  constructor(
    private readonly operator: string,
    private readonly eventTime: EventTimeScheduler,
    private readonly processing: SchedulerLike,
    private readonly fire: (scope: KeyScope, time: Timestamp, domain: TimeDomainOfTimer) => void,
    private readonly onProcessingError: (err: unknown) => void,
  ) {}

  /** A timer service bound to one key. */
  serviceFor(scope: KeyScope, watermark: () => Timestamp): TimerService {
    return {
      currentWatermark: watermark,
      currentProcessingTime: () => this.processing.now(),
      registerEventTimeTimer: (time) => this.register(scope, time, 'event'),
      deleteEventTimeTimer: (time) => this.unregister(scope.ck, time, 'event'),
      registerProcessingTimeTimer: (time) => this.register(scope, time, 'processing'),
      deleteProcessingTimeTimer: (time) => this.unregister(scope.ck, time, 'processing'),
    };
  }

  register(scope: KeyScope, time: Timestamp, domain: TimeDomainOfTimer): void {
    if (!isValidTimestamp(time)) throw new InvalidArgumentError(`${this.operator} timer service`, 'time', 'a finite number', time);
    const byKey = this.registered[domain];
    let slot = byKey.get(scope.ck);
    if (slot === undefined) {
      if (this.open.length > 0) this.saveBefore(scope.ck, undefined, domain);
      slot = { scope, times: new Map() };
      byKey.set(scope.ck, slot);
    }
    if (slot.times.has(time)) return;
    if (this.open.length > 0) this.saveBefore(scope.ck, slot, domain);
    const entry: TimerEntry = { scope, time };
    slot.times.set(time, entry);
    if (domain === 'event') {
      this.eventQueue.add(time, entry);
    } else {
      this.processingQueue.add(time, entry);
      if (time < this.armedAt && !this.stopped) this.arm(time);
    }
  }

  /** Number of timers pending. */
  get size(): number {
    let n = 0;
    for (const s of this.registered.event.values()) n += s.times.size;
    for (const s of this.registered.processing.values()) n += s.times.size;
    return n;
  }

  /** True when the key has a timer pending. */
  hasTimers(ck: CanonicalKey): boolean {
    return (this.registered.event.get(ck)?.times.size ?? 0) > 0 || (this.registered.processing.get(ck)?.times.size ?? 0) > 0;
  }

  private unregister(ck: CanonicalKey, time: Timestamp, domain: TimeDomainOfTimer): boolean {
    const slot = this.registered[domain].get(ck);
    if (slot === undefined || !slot.times.has(time)) return false;
    if (this.open.length > 0) this.saveBefore(ck, slot, domain);
    slot.times.delete(time);
    // While a snapshot is open the key keeps its slot (and its place); emptied slots go when the last one closes.
    if (slot.times.size === 0 && this.open.length === 0) this.registered[domain].delete(ck);
    return true;
  }

  /** Before the first change to a key's timers after a barrier: its times as of then, for every open snapshot. */
  private saveBefore(ck: CanonicalKey, slot: { times: Map<Timestamp, TimerEntry> } | undefined, domain: TimeDomainOfTimer): void {
    for (const s of this.open) {
      const saved = s.before[domain];
      if (!saved.has(ck)) saved.set(ck, slot === undefined || slot.times.size === 0 ? null : [...slot.times.keys()]);
    }
  }

  /** Unregisters the timer of `entry` if `entry` is still the one registered (not deleted, nor deleted and registered again). */
  private take(entry: TimerEntry, domain: TimeDomainOfTimer): boolean {
    const slot = this.registered[domain].get(entry.scope.ck);
    if (slot === undefined || slot.times.get(entry.time) !== entry) return false;
    return this.unregister(entry.scope.ck, entry.time, domain);
  }

  /**
   * Fires every event-time timer at or before `watermark`, in time order —
   * including those registered while firing — then moves the operator's
   * event-time clock to `watermark`. Re-entrant calls are ignored.
   */
  advanceWatermark(watermark: Timestamp): void {
    if (this.advancing) return;
    this.advancing = true;
    try {
      for (;;) {
        const due = this.eventQueue.pollDue(watermark);
        if (due === undefined) break;
        for (const e of due.entries) if (this.take(e, 'event')) this.fire(e.scope, due.time, 'event');
      }
    } finally {
      this.advancing = false;
    }
    this.eventTime.advanceTo(watermark);
  }

  private arm(time: Timestamp): void {
    this.armed?.unsubscribe();
    this.armedAt = time;
    this.armed = this.processing.schedule(() => {
      this.armed = undefined;
      this.armedAt = Infinity;
      try {
        const now = this.processing.now();
        for (;;) {
          const due = this.processingQueue.pollDue(now);
          if (due === undefined) break;
          for (const e of due.entries) if (this.take(e, 'processing')) this.fire(e.scope, due.time, 'processing');
        }
        const next = this.processingQueue.peek();
        if (next !== undefined && !this.stopped) this.arm(next);
      } catch (err) {
        this.onProcessingError(err);
      }
    }, Math.max(0, time - this.processing.now()));
  }

  /** Stops the processing-time clock (end of input, unsubscribe). */
  stop(): void {
    this.stopped = true;
    this.armed?.unsubscribe();
    this.armed = undefined;
  }

  /**
   * Fires every processing-time timer pending now, in time order (end of
   * input). Timers registered while they fire are not fired: a timer that
   * re-registers itself (`now() + interval`) would otherwise never let the
   * stream end, since the processing clock does not move during the drain.
   */
  drainProcessing(): void {
    const pending: { time: Timestamp; entries: TimerEntry[] }[] = [];
    for (;;) {
      const due = this.processingQueue.pollDue(Infinity);
      if (due === undefined) break;
      pending.push(due);
    }
    for (const due of pending) for (const e of due.entries) if (this.take(e, 'processing')) this.fire(e.scope, due.time, 'processing');
  }

  /**
   * O(1) at the barrier: the timers as of now, turned into data later (see
   * {@link TimersSnapshot}). With more than {@link MAX_OPEN_SNAPSHOTS} open,
   * the oldest is turned into data now.
   */
  snapshot(): TimersSnapshot {
    if (this.open.length >= MAX_OPEN_SNAPSHOTS) this.open[0].toData();
    const s = new TimersSnapshot(this.registered, (closed) => this.closeSnapshot(closed));
    this.open.push(s);
    return s;
  }

  private closeSnapshot(s: TimersSnapshot): void {
    this.open = this.open.filter((o) => o !== s);
    if (this.open.length > 0) return;
    for (const byKey of [this.registered.event, this.registered.processing]) for (const [ck, slot] of byKey) if (slot.times.size === 0) byKey.delete(ck);
  }

  /** Restores the timers of the key groups in `range`. */
  restore(data: readonly TimersSnapshotData[], range: KeyGroupRange, maxParallelism: number, scopeOf: (key: unknown) => KeyScope): void {
    for (const d of data) {
      for (const domain of ['event', 'processing'] as const) {
        for (const [key, time] of d[domain]) {
          if (!inKeyGroupRange(range, keyGroupOf(key, maxParallelism))) continue;
          this.register(scopeOf(key), time, domain);
        }
      }
    }
  }
}
