import type { Observable, OperatorFunction } from 'rxjs';
import type { Element, KeyedElement } from '../core/Element';
import { recordBatch } from '../core/elementFactories';
import { InvalidArgumentError, InvalidKeyError, UserFunctionError } from '../core/errors';
import type { KeySelector, Timestamp } from '../core/types';
import { invalidKeyReason } from '../state/canonicalKey';
import { elementOperator } from './operate';

/**
 * Keys every record with `selector`: the keyed operators after it (count, sum,
 * reduce, process, window, …) keep state and timers per key.
 *
 * It's like Flink's `keyBy`, not RxJS's `groupBy`: no inner Observable per key;
 * the key travels as a column of the batch and keyed operators route each
 * record to its key's state inline.
 *
 * ```
 * input:   -["the" "fox" "the"]--|
 * output:  -["the" "fox" "the"]--|     keys column: the, fox, the
 * ```
 *
 * A key must be a string, a finite number, a bigint, a boolean, or an array or
 * plain object of them (compared structurally). Any other key — `undefined`,
 * `null`, `NaN`, a function, a symbol, a class instance — errors the stream
 * with an {@link InvalidKeyError} naming the record; a throwing selector with a
 * {@link UserFunctionError}.
 *
 * @example
 * await StreamLite.fromCollection(['a', 'b', 'a']).keyBy(w => w).count().collect(); // [['a', 2], ['b', 1]]
 * @param selector extracts the key of a value.
 */
export function keyBy<T, K>(selector: KeySelector<T, K>): OperatorFunction<Element<T>, KeyedElement<T, K>> {
  if (typeof selector !== 'function') throw new InvalidArgumentError('keyBy', 'selector', 'a function', selector);
  const operator = elementOperator<T, T>('keyBy', (out) => ({
    batch(batch) {
      const { values, timestamps } = batch;
      const keys = new Array<K>(values.length);
      fillKeyColumn(selector, values, timestamps, keys);
      out.next(recordBatch(values, timestamps, keys));
    },
  })) as OperatorFunction<Element<T>, KeyedElement<T, K>>;
  return (source) => {
    const keyed = operator(source);
    origins.set(keyed, { upstream: source as Observable<Element<unknown>>, selector: selector as KeySelector<unknown, unknown> });
    return keyed;
  };
}

/**
 * @internal
 * Writes the key of every value into `keys[0 … values.length)`: what keyBy
 * does to a batch, errors included (a throwing selector, an invalid key).
 */
export function fillKeyColumn<T, K>(
  selector: KeySelector<T, K>,
  values: readonly T[],
  timestamps: readonly Timestamp[],
  keys: K[],
): void {
  const n = values.length;
  let key: K;
  for (let i = 0; i < n; i++) {
    try {
      key = selector(values[i]);
    } catch (err) {
      throw new UserFunctionError('keyBy', { value: values[i], timestamp: timestamps[i] }, err);
    }
    // Fast path for the common primitive keys; everything else is checked in full.
    if (typeof key !== 'string' && typeof key !== 'bigint' && typeof key !== 'boolean') checkKey(key, values[i], timestamps[i]);
    keys[i] = key;
  }
}

/** @internal Throws keyBy's {@link InvalidKeyError} when `key` (of the record `value`, `timestamp`) is not a valid key. */
export function checkKey(key: unknown, value: unknown, timestamp: Timestamp): void {
  const reason = invalidKeyReason(key);
  if (reason !== undefined) throw new InvalidKeyError('keyBy', { value, timestamp }, key, reason);
}

/** @internal Where a keyed stream made by {@link keyBy} comes from: its input and its key selector. */
export interface KeyByOrigin {
  readonly upstream: Observable<Element<unknown>>;
  readonly selector: KeySelector<unknown, unknown>;
}

const origins = new WeakMap<Observable<unknown>, KeyByOrigin>();

/**
 * @internal
 * The input and selector of `keyed` when it is keyBy's output, so that a keyed
 * operator applied right after it may key the records itself (fused: no keys
 * column allocated per batch). Fusing must not change behaviour: the operator
 * keys a whole batch with {@link fillKeyColumn} before anything else, as keyBy
 * would have, and names keyBy for invalid elements.
 */
export function keyByOrigin(keyed: Observable<unknown>): KeyByOrigin | undefined {
  return origins.get(keyed);
}
