import type { Duration } from '../../core/types';
import { eventTimeTrigger } from '../triggers/eventTimeTrigger';
import { processingTimeTrigger } from '../triggers/processingTimeTrigger';
import { TimeWindow } from '../TimeWindow';
import type { WindowAssigner } from '../WindowAssigner';
import { windowStart } from '../windowMath';
import { checkDuration, checkOffset, checkTimeDomain, type TimeWindowOptions } from './assignerInternals';

/**
 * Fixed-size, non-overlapping windows: each record belongs to exactly one,
 * `[start, start + size)` with `start = ts − mod(ts − offset, size)` (a true,
 * non-negative modulo, so negative timestamps and offsets work and windows may
 * start before 0).
 *
 * It's Flink's `TumblingEventTimeWindows.of(size, offset)`
 * (`TumblingProcessingTimeWindows` with `{ timeDomain: 'processing' }`).
 *
 * ```
 * size 10:   ts  -3  0  9  10  17
 * window:       [-10,0) [0,10) [0,10) [10,20) [10,20)
 * time: ─────|─────────|─────────|─────────|───
 *          -10         0        10        20
 * ```
 *
 * @example
 * keyed.pipe(window(tumbling(60_000)), aggregate(count())); // per-minute counts
 * @param size window length in ms (a positive integer).
 * @param offset shifts window starts (|offset| < size), e.g. for time zones.
 */
export function tumbling<T = unknown>(size: Duration, offset: Duration = 0, options: TimeWindowOptions = {}): WindowAssigner<T> {
  checkDuration('tumbling', 'size', size);
  checkOffset('tumbling', offset, size, 'size');
  const timeDomain = checkTimeDomain('tumbling', options);
  return {
    description: `tumbling(${size}${offset ? `, ${offset}` : ''})`,
    timeDomain,
    isMerging: false,
    shape: { kind: 'tumbling', size, offset },
    assignWindows(_value, timestamp) {
      const start = windowStart(timestamp, size, offset);
      return [new TimeWindow(start, start + size)];
    },
    defaultTrigger: timeDomain === 'event' ? eventTimeTrigger : processingTimeTrigger,
  };
}
