import { keyedAggregation, type KeyedAggregation, type KeyedAggregationOptions } from './keyedAggregateInternals';

const COUNT_COLUMNS = { kind: 'count' } as const;

const COUNT = {
  createAccumulator: (): number => 0,
  add: (_value: unknown, acc: number): number => acc + 1,
  getResult: (acc: number): number => acc,
  merge: (a: number, b: number): number => a + b,
};

/**
 * Counts records per key.
 *
 * As an operator after `keyBy`, it aggregates in the global window: on bounded
 * input it emits `[key, count]` once per key at end of input (keys in
 * first-seen order); with `{ emit: 'every' }` it emits the running count after
 * every record instead (a changelog). As an argument of `aggregate()`, it counts
 * per window.
 *
 * It's like Kafka Streams' `groupByKey().count()`, but batch-native: no inner
 * Observable per key, one interned id and one number per key.
 *
 * ```
 * input:   -[a b a]-----[b]---|      (keyed by value)
 * output:  -------------------[(a,2) (b,2)]|
 * every:   -[(a,1) (b,1) (a,2)]-[(b,2)]-|
 * ```
 *
 * @example
 * await StreamLite.fromCollection(['the', 'fox', 'the']).keyBy(w => w).count().collect();
 * // [['the', 2], ['fox', 1]]
 */
export function count(options: KeyedAggregationOptions = {}): KeyedAggregation<unknown, number, number> {
  return keyedAggregation('count', COUNT, options, COUNT_COLUMNS);
}
