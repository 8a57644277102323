/**
 * An incremental aggregation: an accumulator per key (and per window) that each
 * record updates in O(1), read out as a result when the window fires.
 *
 * It's Flink's `AggregateFunction`. `merge` combines two accumulators: session
 * windows need it when they merge, and sliding windows use it to combine
 * per-slice partial aggregates.
 *
 * By default `add` and `merge` must not mutate their inputs in place: return
 * a new accumulator (or a primitive). State snapshots share accumulators with
 * the live table (copy-on-write), so an in-place change would leak into a
 * snapshot. To update accumulators in place — no allocation per record, as a
 * hand-written loop does — give `copyAccumulator`: `add` may then change its
 * accumulator and return it, and `merge` may change and return `a`. The
 * sliced window engine (tumbling and sliding windows with the default trigger)
 * then updates accumulators in place: it copies one before changing it while a
 * snapshot still holds it (copy-on-write), and hands `getResult` a copy while
 * the accumulator can still change, so it never changes a result it emitted.
 * Everywhere else (session and general window engines, aggregating state) the
 * function works on copies: correct, one copy per `add`.
 *
 * @example
 * const average: AggregateFunction<number, [number, number], number> = {
 *   createAccumulator: () => [0, 0],
 *   add: (v, [sum, n]) => [sum + v, n + 1],
 *   getResult: ([sum, n]) => sum / n,
 *   merge: ([s1, n1], [s2, n2]) => [s1 + s2, n1 + n2],
 * };
 *
 * // The same, updated in place:
 * const averageInPlace: AggregateFunction<number, { sum: number; n: number }, number> = {
 *   createAccumulator: () => ({ sum: 0, n: 0 }),
 *   add: (v, acc) => ((acc.sum += v), acc.n++, acc),
 *   getResult: (acc) => acc.sum / acc.n,
 *   merge: (a, b) => ((a.sum += b.sum), (a.n += b.n), a),
 *   copyAccumulator: (acc) => ({ ...acc }),
 * };
 */
export interface AggregateFunction<T, ACC, R> {
  /** A fresh, empty accumulator. */
  createAccumulator(): ACC;
  /** The accumulator after adding `value`. */
  add(value: T, accumulator: ACC): ACC;
  /** The result for an accumulator. */
  getResult(accumulator: ACC): R;
  /** Two accumulators combined into one. */
  merge(a: ACC, b: ACC): ACC;
  /**
   * An independent copy of an accumulator. Present: `add` and `merge` may
   * update their (first) accumulator in place (see above).
   */
  copyAccumulator?(accumulator: ACC): ACC;
}

/**
 * @internal
 * `fn` as an aggregate function whose accumulators are never changed in
 * place: for an in-place one (with `copyAccumulator`), `add` and `merge` work
 * on a copy and `getResult` reads a copy. Operators that share accumulators
 * with snapshots or emitted results without copy-on-write per accumulator use
 * this view.
 */
export function immutableAggregate<T, ACC, R>(fn: AggregateFunction<T, ACC, R>): AggregateFunction<T, ACC, R> {
  const copy = fn.copyAccumulator;
  if (copy === undefined) return fn;
  return {
    createAccumulator: () => fn.createAccumulator(),
    add: (value, acc) => fn.add(value, copy.call(fn, acc)),
    getResult: (acc) => fn.getResult(copy.call(fn, acc)),
    merge: (a, b) => fn.merge(copy.call(fn, a), b),
  };
}
