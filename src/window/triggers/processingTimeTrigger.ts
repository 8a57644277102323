import type { Trigger } from '../Trigger';

/**
 * Fires a window when the processing-time clock reaches its end
 * (`now ≥ end − 1`). The default trigger of processing-time windows.
 *
 * It's Flink's `ProcessingTimeTrigger`; time comes only from the injected
 * processing-time scheduler, so marble tests drive it in virtual time.
 *
 * ```
 * window [0, 10) of processing time
 * clock:   0----3----7----9-
 * input:   a----b---------
 * output:  ---------------[a b]
 * ```
 *
 * @example
 * keyed.pipe(window(tumbling(1_000, 0, { timeDomain: 'processing' })), aggregate(count()));
 */
export function processingTimeTrigger<T = unknown>(): Trigger<T> {
  return {
    onElement(_value, _timestamp, window, ctx) {
      ctx.registerProcessingTimeTimer(window.maxTimestamp());
      return 'CONTINUE';
    },
    onEventTime: () => 'CONTINUE',
    onProcessingTime: (time, window) => (time === window.maxTimestamp() ? 'FIRE' : 'CONTINUE'),
    onMerge(window, ctx) {
      ctx.registerProcessingTimeTimer(window.maxTimestamp());
    },
    clear(window, ctx) {
      ctx.deleteProcessingTimeTimer(window.maxTimestamp());
    },
  };
}
