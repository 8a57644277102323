import type { Observable } from 'rxjs';
import type { AggregateFunction } from '../operators/AggregateFunction';
import { avg } from '../operators/avg';
import { count } from '../operators/count';
import { max } from '../operators/max';
import { min } from '../operators/min';
import { reduce } from '../operators/reduce';
import { sum } from '../operators/sum';
import type { OutputTag } from '../route/OutputTag';
import type { AccumulationMode } from '../window/AccumulationMode';
import { aggregate } from '../window/aggregate';
import type { Evictor } from '../window/Evictor';
import { processWindow } from '../window/processWindow';
import type { Trigger } from '../window/Trigger';
import { window } from '../window/window';
import type { WindowAssigner } from '../window/WindowAssigner';
import type { AggregateProcessFunction, ProcessWindowFunction, WindowOptions } from '../window/windowInternals';
import type { WindowResult } from '../window/WindowResult';
import type { KeyedElement } from './Element';
import { StreamLite } from './StreamLite';
import type { Duration } from './types';

/**
 * A keyed stream cut into windows (the result of `keyBy(...).window(...)`):
 * configure trigger, evictor, lateness and emission, then apply a window
 * function. Sugar over `window(assigner, options)` followed by `aggregate`
 * or `processWindow`.
 *
 * @example
 * await StreamLite.fromCollection(readings, { timestamp: r => r.time })
 *   .assignTimestampsAndWatermarks(boundedOutOfOrderness(2_000))
 *   .keyBy(r => r.sensor)
 *   .window(tumbling(60_000))
 *   .allowedLateness(5_000)
 *   .aggregate(avg(r => r.value))
 *   .collect();
 */
export class WindowedStream<T, K> {
  constructor(
    private readonly upstream: Observable<KeyedElement<T, K>>,
    private readonly assigner: WindowAssigner<T>,
    private readonly options: WindowOptions<T> = {},
  ) {}

  /** Sets several options at once (see {@link WindowOptions}). */
  withOptions(options: WindowOptions<T>): WindowedStream<T, K> {
    return new WindowedStream(this.upstream, this.assigner, { ...this.options, ...options });
  }

  /** Sets the trigger. */
  trigger(trigger: Trigger<T>): WindowedStream<T, K> {
    return this.withOptions({ trigger });
  }

  /** Sets the evictor. */
  evictor(evictor: Evictor<T>): WindowedStream<T, K> {
    return this.withOptions({ evictor });
  }

  /** Sets the allowed lateness (event time). */
  allowedLateness(allowedLateness: Duration): WindowedStream<T, K> {
    return this.withOptions({ allowedLateness });
  }

  /** Sends records too late for all their windows to the side output `tag`. */
  sideOutputLateData(lateOutput: OutputTag<T>): WindowedStream<T, K> {
    return this.withOptions({ lateOutput });
  }

  /** Sets the accumulation mode. */
  accumulationMode(accumulation: AccumulationMode): WindowedStream<T, K> {
    return this.withOptions({ accumulation });
  }

  /** Switches to the changelog mode: every update emitted, with retractions. */
  emitUpdates(): WindowedStream<T, K> {
    return this.withOptions({ emit: 'updates' });
  }

  /** See {@link aggregate}. */
  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>): StreamLite<WindowResult<K, R>>;
  aggregate<ACC, R, OUT>(fn: AggregateFunction<T, ACC, R>, process: AggregateProcessFunction<R, OUT, K>): StreamLite<OUT>;
  aggregate<ACC, R, OUT>(fn: AggregateFunction<T, ACC, R>, process?: AggregateProcessFunction<R, OUT, K>): StreamLite<unknown> {
    const windowed = this.upstream.pipe(window<T, K>(this.assigner, this.options));
    if (process) return new StreamLite<OUT>(windowed.pipe(aggregate(fn, process)));
    return new StreamLite<WindowResult<K, R>>(windowed.pipe(aggregate<T, K, ACC, R>(fn)));
  }

  /** Counts per window. */
  count(): StreamLite<WindowResult<K, number>> {
    return this.aggregate(count());
  }

  /** Sums per window. */
  sum(selector: (value: T) => number): StreamLite<WindowResult<K, number>> {
    return this.aggregate(sum(selector));
  }

  /** Minimum per window. */
  min(selector: (value: T) => number): StreamLite<WindowResult<K, number>> {
    return this.aggregate(min(selector));
  }

  /** Maximum per window. */
  max(selector: (value: T) => number): StreamLite<WindowResult<K, number>> {
    return this.aggregate(max(selector));
  }

  /** Mean per window. */
  avg(selector: (value: T) => number): StreamLite<WindowResult<K, number>> {
    return this.aggregate(avg(selector));
  }

  /** Reduces per window. */
  reduce(reducer: (accumulated: T, value: T) => T): StreamLite<WindowResult<K, T>> {
    return this.aggregate(reduce(reducer));
  }

  /** See {@link processWindow}. */
  process<OUT>(fn: ProcessWindowFunction<T, OUT, K>): StreamLite<OUT> {
    return new StreamLite(this.upstream.pipe(window<T, K>(this.assigner, this.options), processWindow(fn)));
  }
}
