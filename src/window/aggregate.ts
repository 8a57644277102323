import type { Observable, OperatorFunction } from 'rxjs';
import type { Element } from '../core/Element';
import { InvalidArgumentError } from '../core/errors';
import type { AggregateFunction } from '../operators/AggregateFunction';
import { WindowedObservable, type WindowedElement } from './window';
import { windowOperator, type AggregateProcessFunction } from './windowInternals';
import type { WindowResult } from './WindowResult';

function checkAggregate(fn: unknown): void {
  const f = fn as AggregateFunction<unknown, unknown, unknown> | null;
  if (
    f == null ||
    typeof f.createAccumulator !== 'function' ||
    typeof f.add !== 'function' ||
    typeof f.getResult !== 'function' ||
    typeof f.merge !== 'function' ||
    (f.copyAccumulator !== undefined && typeof f.copyAccumulator !== 'function')
  ) {
    throw new InvalidArgumentError('aggregate', 'fn', 'an AggregateFunction (createAccumulator, add, getResult, merge, optionally copyAccumulator) such as count()', fn);
  }
}

/**
 * Aggregates each window incrementally with `fn` (an accumulator per key and
 * window, O(1) per record); with `process`, the pane's result is handed to a
 * function that also sees the key, window, pane and state, and emits
 * whatever it likes.
 *
 * It's Flink's `WindowedStream.aggregate(aggFn[, windowFn])`. Built-ins:
 * {@link count}, {@link sum}, {@link min}, {@link max}, {@link avg},
 * {@link reduce}. `merge` is what lets accumulators of merging sessions combine.
 *
 * ```
 * tumbling(10):
 * input:   -a@1-b@4-c@12-W9------W19-|
 * output:  -------------[0,10):2--[10,20):1|      aggregate(count())
 * ```
 *
 * @example
 * keyed.pipe(window(tumbling(10_000)), aggregate(count()));
 * // { key, start: 0, end: 10000, value: 2, pane: { timing: 'ON_TIME', index: 0, isLast: true }, retraction: false }
 */
export function aggregate<T, K, ACC, R>(
  fn: AggregateFunction<T, ACC, R>,
): OperatorFunction<WindowedElement<T, K>, Element<WindowResult<K, R>>>;
export function aggregate<T, K, ACC, R, OUT>(
  fn: AggregateFunction<T, ACC, R>,
  process: AggregateProcessFunction<R, OUT, K>,
): OperatorFunction<WindowedElement<T, K>, Element<OUT>>;
export function aggregate<T, K, ACC, R, OUT>(
  fn: AggregateFunction<T, ACC, R>,
  process?: AggregateProcessFunction<R, OUT, K>,
): OperatorFunction<WindowedElement<T, K>, Element<unknown>> {
  checkAggregate(fn);
  if (process !== undefined && typeof process !== 'function') {
    throw new InvalidArgumentError('aggregate', 'process', 'a function', process);
  }
  return (source: Observable<WindowedElement<T, K>>) => {
    if (!(source instanceof WindowedObservable)) {
      throw new InvalidArgumentError('aggregate', 'source', 'the output of window(...) (for a rolling aggregate without a window, use count(), sum(), … directly)', source);
    }
    const windowed = source as WindowedObservable<T, K>;
    return windowed.upstream.pipe(windowOperator<T, K, ACC, R, unknown>(windowed.spec, { kind: 'aggregate', fn, process: process as AggregateProcessFunction<R, unknown, K> }));
  };
}
