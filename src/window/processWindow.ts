import type { Observable, OperatorFunction } from 'rxjs';
import type { Element } from '../core/Element';
import { InvalidArgumentError } from '../core/errors';
import { WindowedObservable, type WindowedElement } from './window';
import { windowOperator, type ProcessWindowFunction } from './windowInternals';

/**
 * Runs `fn` over all records of each window pane when it fires: `fn` sees the
 * records, the key, the window, the pane info, the current watermark,
 * per-window and per-key state and side outputs, and emits any number of
 * results (timestamped `end − 1` unless it says otherwise).
 *
 * It's Flink's `ProcessWindowFunction`. The window keeps its records, so
 * prefer `aggregate()` when an incremental result will do.
 *
 * ```
 * tumbling(10):
 * input:   -a@1-b@4-c@12-W9-------W19-|
 * output:  -------------[a b]-----[c]-|      fn = (els, ctx, out) => out.collect(els)
 * ```
 *
 * @example
 * keyed.pipe(
 *   window(tumbling(60_000)),
 *   processWindow<Reading, string, string>((readings, ctx, out) =>
 *     out.collect(`${ctx.key}: ${readings.length} readings in [${ctx.window.start}, ${ctx.window.end})`)),
 * );
 */
export function processWindow<T, OUT, K = unknown>(
  fn: ProcessWindowFunction<T, OUT, K>,
): OperatorFunction<WindowedElement<T, K>, Element<OUT>> {
  if (typeof fn !== 'function') throw new InvalidArgumentError('processWindow', 'fn', 'a function', fn);
  return (source: Observable<WindowedElement<T, K>>) => {
    if (!(source instanceof WindowedObservable)) {
      throw new InvalidArgumentError('processWindow', 'source', 'the output of window(...)', source);
    }
    const windowed = source as WindowedObservable<T, K>;
    return windowed.upstream.pipe(windowOperator<T, K, never, never, OUT>(windowed.spec, { kind: 'process', fn }));
  };
}
