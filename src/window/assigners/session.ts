import { InvalidArgumentError, StreamLiteError, UserFunctionError } from '../../core/errors';
import type { Duration } from '../../core/types';
import { eventTimeTrigger } from '../triggers/eventTimeTrigger';
import { processingTimeTrigger } from '../triggers/processingTimeTrigger';
import { TimeWindow } from '../TimeWindow';
import type { WindowAssigner } from '../WindowAssigner';
import { checkDuration, checkTimeDomain, type TimeWindowOptions } from './assignerInternals';

/**
 * Session windows: each record opens `[ts, ts + gap)`, and windows of one key
 * that overlap or touch merge, so a session is `[first, last + gap)` and two
 * records exactly `gap` apart belong to one session. The gap is fixed, or
 * computed per record (a dynamic gap).
 *
 * It's Flink's `EventTimeSessionWindows.withGap(gap)` /
 * `withDynamicGap(extractor)`. A record that arrives within the allowed
 * lateness and bridges two sessions already fired merges them, and the merged
 * session fires again.
 *
 * ```
 * gap 5:   a@0  b@3          c@12   d@17
 * windows: [0,5)[3,8)        [12,17)[17,22)
 * merged:  [0, 8)            [12, 22)      (c and d touch at 17)
 * ```
 *
 * @example
 * keyed.pipe(window(session(30 * 60_000)), aggregate(count())); // visits of 30 minutes' inactivity
 * keyed.pipe(window(session((click: Click) => (click.premium ? 60_000 : 30_000))), aggregate(count()));
 * @param gap the inactivity gap in ms, or a function of the record returning it.
 */
export function session<T = unknown>(gap: Duration | ((value: T) => Duration), options: TimeWindowOptions = {}): WindowAssigner<T> {
  const timeDomain = checkTimeDomain('session', options);
  let gapOf: (value: T) => Duration;
  let description: string;
  if (typeof gap === 'function') {
    const extractor = gap;
    description = 'session(dynamic gap)';
    gapOf = (value: T) => {
      let g: Duration;
      try {
        g = extractor(value);
      } catch (err) {
        throw new UserFunctionError('session', { value }, err);
      }
      if (typeof g !== 'number' || !Number.isInteger(g) || g <= 0) {
        throw new StreamLiteError('session', `the gap extractor must return a positive integer number of milliseconds, got ${String(g)}`, { value });
      }
      return g;
    };
  } else {
    checkDuration('session', 'gap', gap);
    const fixed = gap;
    description = `session(${gap})`;
    gapOf = () => fixed;
  }
  if (typeof gap !== 'function' && typeof gap !== 'number') throw new InvalidArgumentError('session', 'gap', 'a duration or a function', gap);
  return {
    description,
    timeDomain,
    isMerging: true,
    shape: typeof gap === 'number' ? { kind: 'session', gap } : { kind: 'session' },
    assignWindows(value, timestamp) {
      return [new TimeWindow(timestamp, timestamp + gapOf(value))];
    },
    defaultTrigger: timeDomain === 'event' ? eventTimeTrigger : processingTimeTrigger,
  };
}
