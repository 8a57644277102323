/**
 * An incremental aggregation: an accumulator per key (and per window) that each
 * record updates in O(1), read out as a result when the window fires.
 *
 * It's Flink's `AggregateFunction`. `merge` combines two accumulators: session
 * windows need it when they merge, and sliding windows use it to combine
 * per-slice partial aggregates.
 *
 * `add` and `merge` must not mutate their inputs in place: return a new
 * accumulator (or a primitive). State snapshots share accumulators with the
 * live table (copy-on-write), so an in-place change would leak into a snapshot.
 *
 * @example
 * const average: AggregateFunction<number, [number, number], number> = {
 *   createAccumulator: () => [0, 0],
 *   add: (v, [sum, n]) => [sum + v, n + 1],
 *   getResult: ([sum, n]) => sum / n,
 *   merge: ([s1, n1], [s2, n2]) => [s1 + s2, n1 + n2],
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
}
