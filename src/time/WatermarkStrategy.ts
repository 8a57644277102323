import type { Duration, Timestamp } from '../core/types';

/**
 * When `assignTimestampsAndWatermarks` emits a watermark that has advanced:
 * - `'batch'`: after each record batch (the default);
 * - `'record'`: right after each record that advanced it, splitting the batch;
 * - `{ every: ms }`: every `ms` of processing time, like Flink's `autoWatermarkInterval`.
 *
 * ```
 * input:       -[a@4 b@8 c@6 d@12]-------      boundedOutOfOrderness(2)
 * 'batch':     -[a b c d]W9-------------
 * 'record':    -[a]W1[b]W5[c d]W9--------
 * {every: 5}:  -[a b c d]---W9----------      (at processing time 5)
 * ```
 */
export type WatermarkEmission = 'batch' | 'record' | { readonly every: Duration };

/**
 * What a {@link WatermarkGenerator} persists in a checkpoint: plain numbers,
 * safe through a JSON round trip.
 */
export interface WatermarkGeneratorSnapshot {
  /** The watermark the generator stood at. */
  readonly watermark: Timestamp;
  /** The highest timestamp seen, for strategies that derive the watermark from it. */
  readonly maxTimestamp?: Timestamp;
}

/**
 * The per-input logic built from a {@link WatermarkStrategy}: it watches every
 * record's timestamp and says which watermark it would emit now.
 *
 * It's like Flink's `WatermarkGenerator`, but pull-based: the operator asks
 * `current()` where it chooses to emit (per batch, per record, periodically),
 * so one generator serves every emission mode. `current()` never goes backwards.
 *
 * ```
 * onEvent(a@10000) → current() = 4999      boundedOutOfOrderness(5000)
 * onEvent(b@8000)  → current() = 4999      (never backwards)
 * ```
 *
 * @example
 * const gen = boundedOutOfOrderness<number>(5000).createGenerator();
 * gen.onEvent(1, 10000);
 * gen.current();  // 4999
 * gen.snapshot(); // { watermark: 4999, maxTimestamp: 10000 }
 */
export interface WatermarkGenerator<T> {
  /** Watches one record (its value and event timestamp). May throw for a bad record. */
  onEvent(value: T, timestamp: Timestamp): void;
  /**
   * Optional fast path: watches the records `timestamps[0..n)` of a batch at
   * once (same effect as calling `onEvent` for each). Used when the watermark
   * is emitted per batch or periodically.
   */
  onBatch?(values: readonly T[], timestamps: readonly Timestamp[]): void;
  /** The watermark the generator would emit now: `MIN_WATERMARK` before any record; never decreasing. */
  current(): Timestamp;
  /** A JSON-safe snapshot; `strategy.createGenerator(snapshot)` resumes from it. */
  snapshot(): WatermarkGeneratorSnapshot;
}

/**
 * How an input's watermarks are generated: a configuration that builds one
 * {@link WatermarkGenerator} per subscription (and per restore).
 *
 * It's like Flink's `WatermarkStrategy`, but also carries the defaults of its
 * operator (`emit`, `idleTimeout`), so that `withIdleness(monotonous(), 100)`
 * is one value. Build one with {@link boundedOutOfOrderness},
 * {@link monotonous}, {@link punctuated}, and wrap it with {@link withIdleness};
 * apply it with `assignTimestampsAndWatermarks`.
 *
 * ```
 * records:    -a@3--b@7--c@5--      monotonous()
 * watermarks: -W2---W6-------       (c is behind: W stays 6)
 * ```
 *
 * @example
 * const strategy: WatermarkStrategy<Reading> = withIdleness(boundedOutOfOrderness(2_000), 60_000);
 * readings$.pipe(assignTimestampsAndWatermarks(strategy, { timestamp: r => r.at }));
 */
export interface WatermarkStrategy<T> {
  /** Builds the per-subscription logic, resuming from `restored` when given. */
  createGenerator(restored?: WatermarkGeneratorSnapshot): WatermarkGenerator<T>;
  /** The emission mode the operator uses unless its options say otherwise. */
  readonly emit?: WatermarkEmission;
  /** Processing time without records after which the input is idle (strictly more than this), unless the options say otherwise. */
  readonly idleTimeout?: Duration;
}
