import { Observable, type OperatorFunction } from 'rxjs';
import type { KeyedElement } from '../core/Element';
import { StreamLiteError } from '../core/errors';
import type { WindowAssigner } from './WindowAssigner';
import { checkWindowOptions, type WindowOptions, type WindowSpec } from './windowInternals';

/**
 * The (phantom) element type of a windowed stream: what `window()` hands to
 * `aggregate()` or `processWindow()`. It never flows at run time.
 */
export interface WindowedElement<T, K> {
  readonly __windowed?: readonly [T, K];
}

/**
 * @internal
 * What `window()` returns: the upstream and the window specification, waiting
 * for a window function. Subscribing to it directly is an error.
 */
export class WindowedObservable<T, K> extends Observable<WindowedElement<T, K>> {
  constructor(
    readonly upstream: Observable<KeyedElement<T, K>>,
    readonly spec: WindowSpec<T>,
  ) {
    super((subscriber) =>
      subscriber.error(
        new StreamLiteError('window', 'window(...) must be followed by a window function: aggregate(...), count(), sum(...), … or processWindow(...)'),
      ),
    );
  }
}

/**
 * Groups a keyed stream into windows, to be followed by a window function
 * (`aggregate(...)`, or `processWindow(...)`).
 *
 * It's Flink's `keyBy(...).window(assigner)` with its trigger, evictor,
 * allowed lateness and late-data side output as options, plus Beam's
 * accumulation modes and a changelog (`emit: 'updates'`) mode. Results are
 * {@link WindowResult}s `{ key, start, end, value, pane, retraction }`,
 * timestamped `end − 1`, emitted before the watermark that fired them.
 *
 * Lateness (event time): a window is late once `end − 1 + allowedLateness ≤ W`.
 * A record goes to the late output (and the late counter) only when all its
 * windows are late; a record late but within the allowed lateness updates its
 * window, which fires again with a LATE pane.
 *
 * ```
 * tumbling(10), lateness 0:
 * input:   -a@1--b@4--c@12--W9-------d@3---W19-|
 * output:  -------------------[0,10):2--------[10,20):1|
 * late:    ---------------------------d@3--|
 * ```
 *
 * @example
 * const late = new OutputTag<Reading>('late');
 * readings$.pipe(
 *   keyBy(r => r.sensor),
 *   window(tumbling(60_000), { allowedLateness: 5_000, lateOutput: late }),
 *   aggregate(avg(r => r.value)),
 * );
 * @param assigner which windows each record belongs to.
 * @param options trigger, evictor, lateness, late output, accumulation, emission, scheduler, metrics.
 */
export function window<T, K>(
  assigner: WindowAssigner<T>,
  options: WindowOptions<T> = {},
): OperatorFunction<KeyedElement<T, K>, WindowedElement<T, K>> {
  checkWindowOptions(assigner, options);
  return (source) => new WindowedObservable<T, K>(source, { assigner, options });
}
