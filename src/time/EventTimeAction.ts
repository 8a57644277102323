import { Subscription, type SchedulerAction } from 'rxjs';
import { MAX_WATERMARK } from '../core/time';
import type { Timestamp } from '../core/types';
import type { EventTimeScheduler } from './EventTimeScheduler';

/**
 * @internal
 * An action of the {@link EventTimeScheduler}: due at an absolute event time,
 * ordered by (due time, creation order). Rescheduling from inside its work
 * (periodic operators such as `bufferTime`) reuses the action.
 */
export class EventTimeAction<T> extends Subscription implements SchedulerAction<T> {
  /** The absolute event time at which the action runs. */
  due: Timestamp = 0;
  /** Bumped at every (re)schedule, so stale queue entries are skipped. */
  generation = 0;
  /** The generation the scheduler's queue holds, or -1 when not queued. */
  queuedGeneration = -1;
  state: T | undefined;

  constructor(
    private readonly scheduler: EventTimeScheduler,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    // A non-finite delay would be dropped silently by RxJS; here it means "at end of input".
    const due = this.scheduler.now() + delay;
    this.due = Number.isFinite(due) ? Math.min(due, MAX_WATERMARK) : delay < 0 ? this.scheduler.now() : MAX_WATERMARK;
    this.generation++;
    this.scheduler.enqueue(this as EventTimeAction<unknown>);
    return this;
  }

  /** @internal Schedules at an absolute event time (exact). */
  scheduleAt(state: T | undefined, time: Timestamp): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.due = Number.isFinite(time) ? Math.min(time, MAX_WATERMARK) : MAX_WATERMARK;
    this.generation++;
    this.scheduler.enqueue(this as EventTimeAction<unknown>);
    return this;
  }

  /** @internal Runs the work; an error propagates to the caller of advanceTo(). */
  execute(): void {
    if (this.closed) return;
    this.work.call(this, this.state);
  }

  override unsubscribe(): void {
    if (this.closed) return;
    this.queuedGeneration = -1;
    super.unsubscribe();
  }
}
