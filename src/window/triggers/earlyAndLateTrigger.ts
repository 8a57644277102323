import { InvalidArgumentError } from '../../core/errors';
import type { Duration } from '../../core/types';
import type { Trigger, TriggerContext } from '../Trigger';
import type { TimeWindow } from '../TimeWindow';

/** When speculative (early) or late panes fire. */
export interface FiringSpec {
  /** Fire this long (processing time) after the first record of a pane. */
  readonly every?: Duration;
  /** Fire after this many records of a pane. */
  readonly count?: number;
}

/** Options of {@link earlyAndLateTrigger}. */
export interface EarlyAndLateOptions {
  /** Early firings before the watermark reaches the window's end; none by default. */
  readonly early?: FiringSpec;
  /** Late firings after it (within the allowed lateness); default: every late record (`{ count: 1 }`). */
  readonly late?: FiringSpec;
}

const EARLY_TIMER = 'early-timer';
const EARLY_COUNT = 'early-count';
const LATE_TIMER = 'late-timer';
const LATE_COUNT = 'late-count';

function checkSpec(name: string, spec: FiringSpec | undefined): void {
  if (spec === undefined) return;
  if (spec.every !== undefined && (!(spec.every > 0) || !Number.isFinite(spec.every))) {
    throw new InvalidArgumentError('earlyAndLateTrigger', `${name}.every`, 'a positive number of milliseconds', spec.every);
  }
  if (spec.count !== undefined && (!Number.isInteger(spec.count) || spec.count < 1)) {
    throw new InvalidArgumentError('earlyAndLateTrigger', `${name}.count`, 'a positive integer', spec.count);
  }
  if (spec.every === undefined && spec.count === undefined) {
    throw new InvalidArgumentError('earlyAndLateTrigger', name, "an object with 'every' and/or 'count'", spec);
  }
}

/**
 * Fires on time when the watermark reaches the window's end, early (before
 * it) by processing time or count, and late (after it, within the allowed
 * lateness) by processing time or count — Beam's
 * `AfterWatermark.pastEndOfWindow().withEarlyFirings(…).withLateFirings(…)`.
 * Panes carry timing EARLY, ON_TIME or LATE.
 *
 * ```
 * window [0, 10), early every 5 ms of processing time, late on every record
 * clock:    0-----5-----------
 * input:    a@1-b@2-----W9--c@4--|
 * output:   ------EARLY--ON_TIME--LATE|
 * ```
 *
 * @example
 * keyed.pipe(
 *   window(tumbling(60_000), { trigger: earlyAndLateTrigger({ early: { every: 1_000 } }), allowedLateness: 10_000 }),
 *   aggregate(count()),
 * );
 */
export function earlyAndLateTrigger<T = unknown>(options: EarlyAndLateOptions = {}): Trigger<T> {
  checkSpec('early', options.early);
  checkSpec('late', options.late);
  const early = options.early;
  const late = options.late ?? { count: 1 };

  const onRecord = (spec: FiringSpec, timerName: string, countName: string, ctx: TriggerContext): boolean => {
    if (spec.count !== undefined) {
      const counter = ctx.getState<number>(countName);
      const seen = (counter.get() ?? 0) + 1;
      if (seen >= spec.count) {
        counter.clear();
        const timer = ctx.getState<number>(timerName);
        const t = timer.get();
        if (t !== undefined) {
          ctx.deleteProcessingTimeTimer(t);
          timer.clear();
        }
        return true;
      }
      counter.set(seen);
    }
    if (spec.every !== undefined) {
      const timer = ctx.getState<number>(timerName);
      if (timer.get() === undefined) {
        const t = ctx.currentProcessingTime + spec.every;
        timer.set(t);
        ctx.registerProcessingTimeTimer(t);
      }
    }
    return false;
  };

  const resetPhase = (timerName: string, countName: string, ctx: TriggerContext): void => {
    const timer = ctx.getState<number>(timerName);
    const t = timer.get();
    if (t !== undefined) ctx.deleteProcessingTimeTimer(t);
    timer.clear();
    ctx.getState<number>(countName).clear();
  };

  const isLatePhase = (window: TimeWindow, ctx: TriggerContext): boolean => window.maxTimestamp() <= ctx.currentWatermark;

  return {
    onElement(_value, _timestamp, window, ctx) {
      if (isLatePhase(window, ctx)) return onRecord(late, LATE_TIMER, LATE_COUNT, ctx) ? 'FIRE' : 'CONTINUE';
      ctx.registerEventTimeTimer(window.maxTimestamp());
      if (early !== undefined && onRecord(early, EARLY_TIMER, EARLY_COUNT, ctx)) return 'FIRE';
      return 'CONTINUE';
    },
    onEventTime(time, window, ctx) {
      if (time !== window.maxTimestamp()) return 'CONTINUE';
      resetPhase(EARLY_TIMER, EARLY_COUNT, ctx);
      return 'FIRE';
    },
    onProcessingTime(time, window, ctx) {
      const timerName = isLatePhase(window, ctx) ? LATE_TIMER : EARLY_TIMER;
      const timer = ctx.getState<number>(timerName);
      if (timer.get() !== time) return 'CONTINUE';
      timer.clear();
      ctx.getState<number>(timerName === LATE_TIMER ? LATE_COUNT : EARLY_COUNT).clear();
      return 'FIRE';
    },
    onMerge(window, ctx) {
      ctx.mergeState<number>(EARLY_COUNT, (a, b) => a + b);
      ctx.mergeState<number>(LATE_COUNT, (a, b) => a + b);
      ctx.mergeState<number>(EARLY_TIMER, Math.min);
      ctx.mergeState<number>(LATE_TIMER, Math.min);
      for (const name of [EARLY_TIMER, LATE_TIMER]) {
        const t = ctx.getState<number>(name).get();
        if (t !== undefined) ctx.registerProcessingTimeTimer(t);
      }
      if (window.maxTimestamp() > ctx.currentWatermark) ctx.registerEventTimeTimer(window.maxTimestamp());
    },
    clear(window, ctx) {
      resetPhase(EARLY_TIMER, EARLY_COUNT, ctx);
      resetPhase(LATE_TIMER, LATE_COUNT, ctx);
      ctx.deleteEventTimeTimer(window.maxTimestamp());
    },
  };
}
