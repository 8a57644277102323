import { InvalidArgumentError } from '../../core/errors';
import type { Duration } from '../../core/types';
import { eventTimeTrigger } from '../triggers/eventTimeTrigger';
import { processingTimeTrigger } from '../triggers/processingTimeTrigger';
import { TimeWindow } from '../TimeWindow';
import type { WindowAssigner } from '../WindowAssigner';
import { windowStart } from '../windowMath';
import { checkDuration, checkOffset, checkTimeDomain, type TimeWindowOptions } from './assignerInternals';

/**
 * Fixed-size windows that start every `slide`: a record belongs to the
 * `ceil(size / slide)` windows `[s, s + size)` with `s ≡ offset (mod slide)`
 * and `ts − size < s ≤ ts`.
 *
 * It's Flink's `SlidingEventTimeWindows.of(size, slide, offset)`.
 *
 * ```
 * size 10, slide 5:  ts 7 → [0,10) and [5,15)
 * time: ────|────|────|────|──
 *           0    5   10   15
 *           [---------)
 *                [---------)
 * ```
 *
 * @example
 * keyed.pipe(window(sliding(10_000, 1_000)), aggregate(avg(r => r.temperature)));
 * @param size window length in ms.
 * @param slide distance between window starts in ms (≤ size).
 * @param offset shifts window starts (|offset| < slide).
 */
export function sliding<T = unknown>(size: Duration, slide: Duration, offset: Duration = 0, options: TimeWindowOptions = {}): WindowAssigner<T> {
  checkDuration('sliding', 'size', size);
  checkDuration('sliding', 'slide', slide);
  if (slide > size) throw new InvalidArgumentError('sliding', 'slide', `at most size (${size})`, slide);
  checkOffset('sliding', offset, slide, 'slide');
  const timeDomain = checkTimeDomain('sliding', options);
  return {
    description: `sliding(${size}, ${slide}${offset ? `, ${offset}` : ''})`,
    timeDomain,
    isMerging: false,
    shape: { kind: 'sliding', size, slide, offset },
    assignWindows(_value, timestamp) {
      const windows: TimeWindow[] = [];
      for (let start = windowStart(timestamp, slide, offset); start > timestamp - size; start -= slide) {
        windows.push(new TimeWindow(start, start + size));
      }
      return windows;
    },
    defaultTrigger: timeDomain === 'event' ? eventTimeTrigger : processingTimeTrigger,
  };
}
