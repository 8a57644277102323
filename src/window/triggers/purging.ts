import type { Trigger } from '../Trigger';

/**
 * Turns every `FIRE` of `trigger` into `FIRE_AND_PURGE`: each pane holds only
 * the records since the previous one.
 *
 * It's Flink's `PurgingTrigger`.
 *
 * ```
 * countTrigger(2):          -a-b-c-d-|  panes [a b] [a b c d]
 * purging(countTrigger(2)): -a-b-c-d-|  panes [a b] [c d]
 * ```
 *
 * @example
 * keyed.pipe(window(global(), { trigger: purging(countTrigger(2)) }), aggregate(count()));
 */
export function purging<T>(trigger: Trigger<T>): Trigger<T> {
  const purge = (r: ReturnType<Trigger<T>['onElement']>) => (r === 'FIRE' ? 'FIRE_AND_PURGE' : r);
  return {
    onElement: (value, timestamp, window, ctx) => purge(trigger.onElement(value, timestamp, window, ctx)),
    onEventTime: (time, window, ctx) => purge(trigger.onEventTime(time, window, ctx)),
    onProcessingTime: (time, window, ctx) => purge(trigger.onProcessingTime(time, window, ctx)),
    onMerge: trigger.onMerge ? (window, ctx) => trigger.onMerge!(window, ctx) : undefined,
    clear: (window, ctx) => trigger.clear(window, ctx),
  };
}
