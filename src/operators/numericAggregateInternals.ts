import type { AggregateFunction } from './AggregateFunction';
import { InvalidArgumentError, StreamLiteError } from '../core/errors';

/** @internal Checks a selector argument and wraps it so a non-number result is a clear error. */
export function numericSelector<T>(name: string, selector: (value: T) => number): (value: T) => number {
  if (typeof selector !== 'function') throw new InvalidArgumentError(name, 'selector', 'a function', selector);
  return (value: T) => {
    const n = selector(value);
    if (typeof n !== 'number' || n !== n) {
      throw new StreamLiteError(name, `selector must return a number, got ${String(n)}`, { value });
    }
    return n;
  };
}

/** @internal An aggregate function over a number selected from each value, with a primitive accumulator. */
export function numericFold<T>(
  select: (value: T) => number,
  initial: number,
  fold: (acc: number, n: number) => number,
  merge: (a: number, b: number) => number,
): AggregateFunction<T, number, number> {
  return {
    createAccumulator: () => initial,
    add: (value, acc) => fold(acc, select(value)),
    getResult: (acc) => acc,
    merge,
  };
}

/**
 * @internal
 * How a built-in numeric aggregation runs as a rolling aggregate: in typed
 * columns by key id (one `Float64Array` slot per key, two for `avg`) instead of
 * one boxed accumulator per key. It computes exactly what its aggregate
 * function computes (same double arithmetic, same order), and its checkpoint
 * data has the aggregate function's accumulators (numbers; `[sum, count]` for
 * avg), so snapshots of either form restore into the other.
 */
export type NumericSpec<T> =
  | { readonly kind: 'count' }
  | {
      readonly kind: 'sum' | 'min' | 'max' | 'avg';
      /** The checked selector (a non-number is a StreamLiteError). */
      readonly select: (value: T) => number;
    };

/** @internal The initial value of a numeric column. */
export function numericInitial(kind: NumericSpec<unknown>['kind']): number {
  return kind === 'min' ? Infinity : kind === 'max' ? -Infinity : 0;
}
