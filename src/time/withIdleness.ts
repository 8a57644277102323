import { InvalidArgumentError } from '../core/errors';
import type { Duration } from '../core/types';
import type { WatermarkGeneratorSnapshot, WatermarkStrategy } from './WatermarkStrategy';

/** @internal Validates an idle timeout: a finite number of milliseconds ≥ 0. */
export function checkIdleTimeout(operator: string, argument: string, timeout: unknown): void {
  if (typeof timeout !== 'number' || !(timeout >= 0) || !Number.isFinite(timeout)) {
    throw new InvalidArgumentError(operator, argument, 'a finite number of milliseconds ≥ 0', timeout);
  }
}

/**
 * Marks an input idle once no record has arrived on it for strictly more than
 * `timeout` ms of processing time, so that it no longer holds back the
 * watermark of a multi-input operator (`union`, joins, connect).
 *
 * It's like Flink's `WatermarkStrategy.withIdleness`, but the idle and active
 * states travel in band as idle markers: `assignTimestampsAndWatermarks` emits
 * `idle(true)` at the first millisecond the silence exceeds `timeout`
 * (counting from subscription when no record ever came) and `idle(false)` right
 * before the next record. The watermark itself is untouched: a combined
 * watermark is the minimum over the inputs that are not idle.
 *
 * ```
 * processing time:  0 1         11 12      20          timeout 10, monotonous()
 * input:            --a-------------------b@20---
 * output:           --(a W0)--------I-----(A b W19)--
 *   at 11 the input has been silent 10 ms: still active; at 12, 11 ms > 10: I = idle(true)
 *   A = idle(false), right before the next record
 * ```
 *
 * @example
 * const quiet$ = a$.pipe(assignTimestampsAndWatermarks(withIdleness(monotonous(), 60_000)));
 * quiet$.pipe(union(b$)); // once a$ is silent for more than a minute, the union follows b$ alone
 * @param strategy the strategy generating the watermarks.
 * @param timeout the silence (ms of processing time, finite, ≥ 0) that must be exceeded.
 * @returns the same strategy, carrying `idleTimeout`.
 * @throws InvalidArgumentError for a bad strategy or timeout.
 * @see assignTimestampsAndWatermarks (its `idleTimeout` option does the same)
 */
export function withIdleness<T>(strategy: WatermarkStrategy<T>, timeout: Duration): WatermarkStrategy<T> {
  if (typeof strategy?.createGenerator !== 'function') {
    throw new InvalidArgumentError('withIdleness', 'strategy', 'a WatermarkStrategy', strategy);
  }
  checkIdleTimeout('withIdleness', 'timeout', timeout);
  const createGenerator = (restored?: WatermarkGeneratorSnapshot) => strategy.createGenerator(restored);
  return strategy.emit === undefined
    ? { createGenerator, idleTimeout: timeout }
    : { createGenerator, idleTimeout: timeout, emit: strategy.emit };
}
