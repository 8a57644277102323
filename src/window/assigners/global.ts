import { eventTimeTrigger } from '../triggers/eventTimeTrigger';
import { GLOBAL_WINDOW } from '../TimeWindow';
import type { WindowAssigner } from '../WindowAssigner';

const WINDOWS = [GLOBAL_WINDOW];

/**
 * One window per key holding everything. By default it fires once, at end of
 * input (its `maxTimestamp` is the maximum watermark); give it a trigger
 * (count, continuous, custom) for results along the way.
 *
 * It's Flink's `GlobalWindows`, but its default trigger fires at end of input
 * instead of never, so nothing is silently lost on bounded input.
 *
 * ```
 * input:   -a-b-c-----d-|
 * output:  -------------[a b c d]|
 * ```
 *
 * @example
 * keyed.pipe(window(global(), { trigger: countTrigger(100) }), aggregate(count()));
 */
export function global<T = unknown>(): WindowAssigner<T> {
  return {
    description: 'global()',
    timeDomain: 'event',
    isMerging: false,
    shape: { kind: 'global' },
    assignWindows: () => WINDOWS,
    defaultTrigger: eventTimeTrigger,
  };
}
