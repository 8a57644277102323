import type { Duration, Timestamp } from '../core/types';
import type { Trigger } from './Trigger';
import type { TimeWindow } from './TimeWindow';

/** What an assigner may read while assigning. */
export interface AssignerContext {
  /** The processing-time clock (for processing-time assigners). */
  readonly currentProcessingTime: Timestamp;
}

/** Which clock an assigner's windows live on. */
export type TimeDomain = 'event' | 'processing';

/**
 * Assigns each record to zero or more windows.
 *
 * It's Flink's `WindowAssigner`. The built-ins are {@link tumbling},
 * {@link sliding}, {@link session}, {@link global} and {@link countWindow};
 * a custom assigner implements `assignWindows` (and `mergeWindows` when it is
 * merging, like sessions).
 */
export interface WindowAssigner<T = unknown> {
  /** A short name for errors and metrics (`tumbling(10000)`). */
  readonly description: string;
  /** Event time (the default) or processing time. */
  readonly timeDomain: TimeDomain;
  /** The windows of one record; `timestamp` is its event time, or the processing time for processing-time assigners. */
  assignWindows(value: T, timestamp: Timestamp, ctx: AssignerContext): readonly TimeWindow[];
  /** The trigger used when none is given. */
  defaultTrigger(): Trigger<T>;
  /** True for merging assigners (sessions): windows that intersect are merged. */
  readonly isMerging: boolean;
  /**
   * @internal
   * Fast paths the window operator specializes on (built-ins only).
   */
  readonly shape?:
    | { readonly kind: 'tumbling'; readonly size: Duration; readonly offset: Duration }
    | { readonly kind: 'sliding'; readonly size: Duration; readonly slide: Duration; readonly offset: Duration }
    /** `gap`: the fixed gap; absent for a dynamic one. */
    | { readonly kind: 'session'; readonly gap?: Duration }
    | { readonly kind: 'global' };
  /** @internal Evictor implied by the assigner (count windows with a slide). */
  readonly defaultEvictor?: () => import('./Evictor').Evictor<T>;
}
