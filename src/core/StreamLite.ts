import { Observable, type OperatorFunction } from 'rxjs';
import { collect } from '../connectors/collect';
import { fromAsyncIterable, type FromAsyncIterableOptions } from '../connectors/fromAsyncIterable';
import { fromCollection, type FromCollectionOptions } from '../connectors/fromCollection';
import { fromIterable } from '../connectors/fromIterable';
import { fromObservable } from '../connectors/fromObservable';
import type { FromValuesOptions } from '../connectors/fromValues';
import { forEach } from '../connectors/forEach';
import type { SourceOptions } from '../connectors/sourceInternals';
import { values } from '../connectors/values';
import {
  assignTimestampsAndWatermarks,
  type AssignTimestampsAndWatermarksOptions,
} from '../operators/assignTimestampsAndWatermarks';
import { avg } from '../operators/avg';
import { count } from '../operators/count';
import { filter } from '../operators/filter';
import { flatMap } from '../operators/flatMap';
import { keyBy } from '../operators/keyBy';
import type { KeyedAggregation, KeyedAggregationOptions } from '../operators/keyedAggregateInternals';
import { keyedProcess, type KeyedProcessFunction, type KeyedProcessOptions } from '../operators/keyedProcess';
import { map } from '../operators/map';
import { max } from '../operators/max';
import { min } from '../operators/min';
import { process, type ProcessFunction } from '../operators/process';
import { reduce } from '../operators/reduce';
import { sum } from '../operators/sum';
import type { OutputTag } from '../route/OutputTag';
import { sideOutput } from '../route/sideOutput';
import { union } from '../route/union';
import type { WatermarkStrategy } from '../time/WatermarkStrategy';
import type { WindowAssigner } from '../window/WindowAssigner';
import type { WindowOptions } from '../window/windowInternals';
import type { Element, KeyedElement } from './Element';
import { InvalidArgumentError } from './errors';
import type { KeySelector, Timestamp } from './types';
import { WindowedStream } from './WindowedStream';

type ElementSource<T> = StreamLite<T> | Observable<Element<T>>;

const toElements = <T>(s: ElementSource<T>): Observable<Element<T>> => (s instanceof StreamLite ? s.elements$ : s);

/**
 * The fluent face of the engine: a cold stream of elements with a method per
 * operator. Every method is sugar over the pipeable operator of the same name
 * (`stream.map(f)` is `stream.pipe(map(f))`); nothing runs until a sink
 * (`collect()`, `forEach()`, `toObservable().subscribe()`) subscribes, and each
 * sink runs the pipeline afresh.
 *
 * ```
 * fromCollection:  [the quick brown fox][the lazy dog]W(max)|
 * flatMap(split):  [the quick brown fox the lazy dog]W(max)|
 * keyBy(w => w):   (keys column added)
 * count():         W(max) ⇒ [(the,2) (quick,1) (brown,1) (fox,1) (lazy,1) (dog,1)]|
 * ```
 *
 * @example
 * const counts = await StreamLite.fromCollection(['the quick brown fox', 'the lazy dog'])
 *   .flatMap(s => s.split(' '))
 *   .keyBy(w => w)
 *   .count()
 *   .collect();
 * // [['the', 2], ['quick', 1], ['brown', 1], ['fox', 1], ['lazy', 1], ['dog', 1]]
 */
export class StreamLite<T> {
  /** The element stream this fluent stream wraps. */
  readonly elements$: Observable<Element<T>>;

  constructor(elements$: Observable<Element<T>>) {
    if (!(elements$ instanceof Observable)) {
      throw new InvalidArgumentError('StreamLite', 'elements$', 'an Observable of elements', elements$);
    }
    this.elements$ = elements$;
  }

  /** A stream over an array (see {@link fromCollection}). */
  static fromCollection<T>(items: readonly T[], options?: FromCollectionOptions<T>): StreamLite<T> {
    return new StreamLite(fromCollection(items, options));
  }

  /** A stream over a synchronous iterable (see {@link fromIterable}). */
  static fromIterable<T>(iterable: Iterable<T>, options?: SourceOptions<T>): StreamLite<T> {
    return new StreamLite(fromIterable(iterable, options));
  }

  /** A stream over an async iterable, pulled a batch at a time (see {@link fromAsyncIterable}). */
  static fromAsyncIterable<T>(iterable: AsyncIterable<T>, options?: FromAsyncIterableOptions<T>): StreamLite<T> {
    return new StreamLite(fromAsyncIterable(iterable, options));
  }

  /** A stream over a plain Observable (see {@link fromObservable}). */
  static fromObservable<T>(source: Observable<T>, options?: FromValuesOptions<T>): StreamLite<T> {
    return new StreamLite(fromObservable(source, options));
  }

  /** Wraps an existing element stream. */
  static fromElements<T>(elements$: Observable<Element<T>>): StreamLite<T> {
    return new StreamLite(elements$);
  }

  /** Applies any element operator: the escape hatch to every pipeable operator. */
  pipe<R>(operator: OperatorFunction<Element<T>, Element<R>>): StreamLite<R> {
    return new StreamLite(this.elements$.pipe(operator));
  }

  /** See {@link map}. */
  map<R>(project: (value: T) => R): StreamLite<R> {
    return this.pipe(map(project));
  }

  /** See {@link filter}. */
  filter<S extends T>(predicate: (value: T) => value is S): StreamLite<S>;
  filter(predicate: (value: T) => boolean): StreamLite<T>;
  filter(predicate: (value: T) => boolean): StreamLite<T> {
    return this.pipe(filter(predicate));
  }

  /** See {@link flatMap}. */
  flatMap<R>(project: (value: T) => Iterable<R>): StreamLite<R> {
    return this.pipe(flatMap(project));
  }

  /** See {@link process}. */
  process<R>(fn: ProcessFunction<T, R>): StreamLite<R> {
    return this.pipe(process(fn));
  }

  /** See {@link union}. */
  union(...others: ElementSource<T>[]): StreamLite<T> {
    return this.pipe(union(...others.map(toElements)));
  }

  /** Assigns timestamps (optionally) and generates watermarks (see {@link assignTimestampsAndWatermarks}). */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>, options?: AssignTimestampsAndWatermarksOptions<T>): StreamLite<T> {
    return this.pipe(assignTimestampsAndWatermarks(strategy, options));
  }

  /** See {@link keyBy}. */
  keyBy<K>(selector: KeySelector<T, K>): KeyedStream<T, K> {
    return new KeyedStream<T, K>(this.elements$.pipe(keyBy(selector)));
  }

  /** The side output `tag` of this stream (see {@link sideOutput}). */
  sideOutput<X>(tag: OutputTag<X>): StreamLite<X> {
    return new StreamLite((this.elements$ as Observable<Element<unknown>>).pipe(sideOutput(tag)));
  }

  /** The values as a plain Observable (see {@link values}). */
  toObservable(): Observable<T> {
    return this.elements$.pipe(values<T>());
  }

  /** Runs the pipeline; resolves with every value (see {@link collect}). */
  collect(): Promise<T[]> {
    return collect(this.elements$);
  }

  /** Runs the pipeline, calling `fn` per value (see {@link forEach}). */
  forEach(fn: (value: T, timestamp: Timestamp) => void): Promise<void> {
    return forEach(this.elements$, fn);
  }
}

/**
 * A keyed stream (the result of `keyBy`): its methods are the keyed operators,
 * which keep state per key.
 *
 * @example
 * await StreamLite.fromCollection(['a', 'b', 'a']).keyBy(w => w).count().collect(); // [['a', 2], ['b', 1]]
 */
export class KeyedStream<T, K> extends StreamLite<T> {
  declare readonly elements$: Observable<KeyedElement<T, K>>;

  constructor(elements$: Observable<KeyedElement<T, K>>) {
    super(elements$);
  }

  /** Applies a keyed aggregation in the global window, e.g. `aggregate(count())`. */
  aggregate<ACC, R>(aggregation: KeyedAggregation<T, ACC, R>): StreamLite<[K, R]> {
    return new StreamLite<[K, R]>(aggregation(this.elements$));
  }

  /** See {@link count}. */
  count(options?: KeyedAggregationOptions): StreamLite<[K, number]> {
    return this.aggregate(count(options));
  }

  /** See {@link sum}. */
  sum(selector: (value: T) => number, options?: KeyedAggregationOptions): StreamLite<[K, number]> {
    return this.aggregate(sum(selector, options));
  }

  /** See {@link min}. */
  min(selector: (value: T) => number, options?: KeyedAggregationOptions): StreamLite<[K, number]> {
    return this.aggregate(min(selector, options));
  }

  /** See {@link max}. */
  max(selector: (value: T) => number, options?: KeyedAggregationOptions): StreamLite<[K, number]> {
    return this.aggregate(max(selector, options));
  }

  /** See {@link avg}. */
  avg(selector: (value: T) => number, options?: KeyedAggregationOptions): StreamLite<[K, number]> {
    return this.aggregate(avg(selector, options));
  }

  /** See {@link reduce}. */
  reduce(reducer: (accumulated: T, value: T) => T, options?: KeyedAggregationOptions): StreamLite<[K, T]> {
    return this.aggregate(reduce(reducer, options));
  }

  /** A filter that keeps the stream keyed (see {@link filter}). */
  override filter<S extends T>(predicate: (value: T) => value is S): KeyedStream<S, K>;
  override filter(predicate: (value: T) => boolean): KeyedStream<T, K>;
  override filter(predicate: (value: T) => boolean): KeyedStream<T, K> {
    return new KeyedStream<T, K>(this.elements$.pipe(filter(predicate)) as Observable<KeyedElement<T, K>>);
  }

  /** Cuts the keyed stream into windows (see {@link window}). */
  window(assigner: WindowAssigner<T>, options?: WindowOptions<T>): WindowedStream<T, K> {
    return new WindowedStream<T, K>(this.elements$, assigner, options);
  }

  /**
   * A keyed process function: per-key state, timers, and asynchronous work
   * serialized per key (see {@link keyedProcess}).
   */
  override process<R>(fn: KeyedProcessFunction<T, K, R>, options?: KeyedProcessOptions): StreamLite<R> {
    return new StreamLite<R>(this.elements$.pipe(keyedProcess(fn, options)));
  }
}
