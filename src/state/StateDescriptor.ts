import { InvalidArgumentError } from '../core/errors';
import { immutableAggregate, type AggregateFunction } from '../operators/AggregateFunction';
import { checkTtl, type StateTtlConfig } from './StateTtlConfig';

interface DescriptorBase {
  /** The state's name: unique per operator. */
  readonly name: string;
  /** Optional time-to-live. */
  readonly ttl?: StateTtlConfig;
}

/** Declares a {@link ValueState}: one value per key, `defaultValue` until set. */
export interface ValueStateDescriptor<S> extends DescriptorBase {
  readonly kind: 'value';
  readonly defaultValue: S;
}
/** Declares a {@link ListState}: a list per key. */
export interface ListStateDescriptor<T> extends DescriptorBase {
  readonly kind: 'list';
  /** @internal phantom */
  readonly __element?: T;
}
/** Declares a {@link MapState}: a map per key. */
export interface MapStateDescriptor<UK, UV> extends DescriptorBase {
  readonly kind: 'map';
  /** @internal phantom */
  readonly __entry?: [UK, UV];
}
/** Declares a {@link ReducingState}: values folded with `reduce` as they are added. */
export interface ReducingStateDescriptor<T> extends DescriptorBase {
  readonly kind: 'reducing';
  readonly reduce: (a: T, b: T) => T;
}
/** Declares an {@link AggregatingState}: values added to an accumulator. */
export interface AggregatingStateDescriptor<IN, ACC, OUT> extends DescriptorBase {
  readonly kind: 'aggregating';
  readonly aggregate: AggregateFunction<IN, ACC, OUT>;
}

/** Any state descriptor. */
export type StateDescriptor =
  | ValueStateDescriptor<unknown>
  | ListStateDescriptor<unknown>
  | MapStateDescriptor<unknown, unknown>
  | ReducingStateDescriptor<unknown>
  | AggregatingStateDescriptor<unknown, unknown, unknown>;

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(kind, 'name', 'a non-empty string', name);
}

/**
 * Declares a value state.
 * @example const total = valueState('total', 0);  // ctx.state(total).update(t => t + 1)
 */
export function valueState<S>(name: string, defaultValue: S, options: { ttl?: StateTtlConfig } = {}): ValueStateDescriptor<S> {
  checkName('valueState', name);
  checkTtl('valueState', options.ttl);
  return { kind: 'value', name, defaultValue, ttl: options.ttl };
}

/** Declares a list state. */
export function listState<T>(name: string, options: { ttl?: StateTtlConfig } = {}): ListStateDescriptor<T> {
  checkName('listState', name);
  checkTtl('listState', options.ttl);
  return { kind: 'list', name, ttl: options.ttl };
}

/** Declares a map state (user keys follow the rules of stream keys). */
export function mapState<UK, UV>(name: string, options: { ttl?: StateTtlConfig } = {}): MapStateDescriptor<UK, UV> {
  checkName('mapState', name);
  checkTtl('mapState', options.ttl);
  return { kind: 'map', name, ttl: options.ttl };
}

/** Declares a reducing state. */
export function reducingState<T>(name: string, reduce: (a: T, b: T) => T, options: { ttl?: StateTtlConfig } = {}): ReducingStateDescriptor<T> {
  checkName('reducingState', name);
  checkTtl('reducingState', options.ttl);
  if (typeof reduce !== 'function') throw new InvalidArgumentError('reducingState', 'reduce', 'a function', reduce);
  return { kind: 'reducing', name, reduce, ttl: options.ttl };
}

/** Declares an aggregating state (e.g. with `avg(x => x)` as the aggregate function). */
export function aggregatingState<IN, ACC, OUT>(
  name: string,
  aggregate: AggregateFunction<IN, ACC, OUT>,
  options: { ttl?: StateTtlConfig } = {},
): AggregatingStateDescriptor<IN, ACC, OUT> {
  checkName('aggregatingState', name);
  checkTtl('aggregatingState', options.ttl);
  if (aggregate == null || typeof aggregate.add !== 'function' || typeof aggregate.createAccumulator !== 'function' || typeof aggregate.getResult !== 'function') {
    throw new InvalidArgumentError('aggregatingState', 'aggregate', 'an AggregateFunction', aggregate);
  }
  // State shares accumulators with snapshots (copy-on-write by entry): an in-place function works on copies here.
  return { kind: 'aggregating', name, aggregate: immutableAggregate(aggregate), ttl: options.ttl };
}
