import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { MIN_WATERMARK } from '../core/time';
import type { Timestamp } from '../core/types';
import { EventTimeAction } from './EventTimeAction';

/** A queued (due, seq) entry; stale once its action was re-scheduled or unsubscribed. */
interface QueueEntry {
  readonly action: EventTimeAction<unknown>;
  readonly due: Timestamp;
  readonly seq: number;
  readonly generation: number;
}

const less = (a: QueueEntry, b: QueueEntry): boolean => a.due < b.due || (a.due === b.due && a.seq < b.seq);

const isLive = (e: QueueEntry): boolean => !e.action.closed && e.generation === e.action.queuedGeneration;

/**
 * An RxJS scheduler whose clock is the event-time watermark.
 *
 * `now()` is the current watermark; an action scheduled with `delay` runs
 * when the watermark reaches `now() + delay`. {@link advanceTo} moves the
 * watermark forward and runs every action due at or before it, in order of
 * due time (then scheduling order), with `now()` standing at each action's
 * due time while it runs — the way Flink's `advanceWatermark` fires timers.
 *
 * Because it is a real `SchedulerLike`, RxJS's own time operators run on
 * event time when handed it (see {@link inEventTime}), and window ends,
 * event-time timers and state TTL are actions on it.
 *
 * The clock starts at {@link MIN_WATERMARK} (finite: RxJS drops actions with
 * a non-finite delay) and never goes backwards. An action scheduled with a
 * non-finite delay runs at end of input (the maximum watermark). While the
 * clock is still at MIN_WATERMARK, `now() + delay` is beyond 2^53 for real
 * timestamps and rounds: schedule absolute times with {@link scheduleAt}, or
 * start the clock at a real time (constructor argument, {@link setClock}).
 *
 * ```
 * schedule(a, 10) at W=0    schedule(b, 5) at W=0
 * advanceTo(7):   runs b (now()=5)                 → now() = 7
 * advanceTo(20):  runs a (now()=10)                → now() = 20
 * ```
 *
 * @example
 * const et = new EventTimeScheduler(0);
 * et.schedule(() => console.log('window end', et.now()), 10);
 * et.advanceTo(12); // logs "window end 10"; et.now() === 12
 */
export class EventTimeScheduler implements SchedulerLike {
  private clock: Timestamp;
  private readonly heap: QueueEntry[] = [];
  private nextSeq = 0;
  private running = false;

  /** @param start the initial clock (default {@link MIN_WATERMARK}). */
  constructor(start: Timestamp = MIN_WATERMARK) {
    this.clock = start;
  }

  /** The current watermark (or, while an action runs, its due time). */
  now(): Timestamp {
    return this.clock;
  }

  /** The number of pending actions. */
  get pending(): number {
    let n = 0;
    for (const e of this.heap) if (isLive(e)) n++;
    return n;
  }

  /** The due time of the earliest pending action, or undefined. */
  peekDue(): Timestamp | undefined {
    this.dropStale();
    return this.heap.length > 0 ? this.heap[0].due : undefined;
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new EventTimeAction<T>(this, work).schedule(state, delay);
  }

  /**
   * Schedules `work` at the absolute event time `time` (exact: no
   * `time − now()` round trip, which loses precision while the clock stands
   * at MIN_WATERMARK, far below 2^53 from any real timestamp).
   */
  scheduleAt<T>(work: (this: SchedulerAction<T>, state?: T) => void, time: Timestamp, state?: T): Subscription {
    return new EventTimeAction<T>(this, work).scheduleAt(state, time);
  }

  /**
   * Moves the clock forward to `watermark` (never backwards), running every
   * action due at or before it in order. An error thrown by an action stops
   * the advance and propagates; the clock stays at that action's due time.
   * Re-entrant calls (from inside an action) are ignored.
   */
  advanceTo(watermark: Timestamp): void {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        this.dropStale();
        const top = this.heap[0];
        if (top === undefined || top.due > watermark) break;
        this.pop();
        top.action.queuedGeneration = -1;
        if (top.due > this.clock) this.clock = top.due;
        top.action.execute();
      }
      if (watermark > this.clock) this.clock = watermark;
    } finally {
      this.running = false;
    }
  }

  /**
   * Sets the clock forward without running anything (used to start the clock
   * at the first record instead of at MIN_WATERMARK). Ignored if `time` is
   * behind the clock.
   */
  setClock(time: Timestamp): void {
    if (time > this.clock) this.clock = time;
  }

  /** @internal Queues (or re-queues) an action at its current due time. */
  enqueue(action: EventTimeAction<unknown>): void {
    const entry: QueueEntry = { action, due: action.due, seq: this.nextSeq++, generation: action.generation };
    action.queuedGeneration = action.generation;
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(entry, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  private dropStale(): void {
    while (this.heap.length > 0 && !isLive(this.heap[0])) this.pop();
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && less(heap[r], heap[l]) ? r : l;
      if (!less(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
  }
}
