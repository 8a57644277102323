import type { Timestamp } from '../core/types';
import type { TimestampedValue } from './Evictor';
import type { TimeWindow } from './TimeWindow';

/** @internal A value emitted earlier for a window, kept to retract it later. */
export interface EmittedPane<R> {
  readonly start: Timestamp;
  readonly end: Timestamp;
  readonly value: R;
}

/**
 * @internal
 * Everything the window operator keeps for one (key, window): the contents
 * (an accumulator, or the records when a process function or an evictor
 * needs them), the trigger's state and timers, and pane bookkeeping.
 */
export class WindowState<T, ACC, R> {
  /** The incremental accumulator (aggregate without evictor); undefined when empty. */
  acc: ACC | undefined = undefined;
  /** The records (process functions, evictors); undefined in incremental mode. */
  elements: TimestampedValue<T>[] | undefined = undefined;
  /** Records added since the last firing or purge. */
  pending = 0;
  /** Trigger state by name. */
  triggerState: Map<string, unknown> | undefined = undefined;
  /** Per-window user state (process window functions). */
  userState: Map<string, unknown> | undefined = undefined;
  /** Registered event-time timers of the trigger (deduplicated). */
  eventTimers: Timestamp[] = [];
  /** Registered processing-time timers of the trigger (deduplicated). */
  processingTimers: Timestamp[] = [];
  /** When the operator clears this window (in the assigner's time domain). */
  cleanupAt: Timestamp = 0;
  /** Index of the next pane. */
  paneIndex = 0;
  /** The last value emitted (retracting and update modes). */
  lastEmitted: EmittedPane<R> | undefined = undefined;
  /** Values of windows merged into this one, still to be retracted. */
  retractions: EmittedPane<R>[] | undefined = undefined;
  /** False once cleared or merged away: its queued timers are then ignored. */
  alive = true;

  constructor(
    readonly keyId: number,
    readonly key: unknown,
    readonly window: TimeWindow,
    readonly id: number | string,
  ) {}
}
