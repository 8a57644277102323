import { InvalidArgumentError } from '../core/errors';
import type { Duration, Timestamp } from '../core/types';

/**
 * Decides, after a failure, whether a job restarts from its last checkpoint
 * and after how long. It's Flink's restart strategy.
 */
export interface RestartStrategy {
  /** Called at each failure (processing time `now`): the delay before restarting, or `undefined` to give up. */
  onFailure(now: Timestamp): Duration | undefined;
  readonly description: string;
}

/** Never restart: the first failure fails the job. */
export function noRestart(): RestartStrategy {
  return { description: 'noRestart()', onFailure: () => undefined };
}

/**
 * Restarts up to `attempts` times, waiting `delay` ms each time; the next
 * failure fails the job with its cause.
 *
 * ```
 * fixedDelay(2, 100):  ✗ ─100ms─ restart ✗ ─100ms─ restart ✗ ⇒ failed
 * ```
 */
export function fixedDelay(attempts: number, delay: Duration = 0): RestartStrategy {
  if (!Number.isInteger(attempts) || attempts < 0) throw new InvalidArgumentError('fixedDelay', 'attempts', 'a non-negative integer', attempts);
  if (!(delay >= 0) || !Number.isFinite(delay)) throw new InvalidArgumentError('fixedDelay', 'delay', 'a non-negative number of milliseconds', delay);
  let used = 0;
  return {
    description: `fixedDelay(${attempts}, ${delay})`,
    onFailure: () => (used++ < attempts ? delay : undefined),
  };
}

/**
 * Restarts unless more than `maxFailures` failures happened within the last
 * `interval` ms; waits `delay` ms before each restart.
 *
 * ```
 * failureRate(3, 60_000, 1_000): a 4th failure within a minute fails the job
 * ```
 */
export function failureRate(maxFailures: number, interval: Duration, delay: Duration = 0): RestartStrategy {
  if (!Number.isInteger(maxFailures) || maxFailures < 1) throw new InvalidArgumentError('failureRate', 'maxFailures', 'a positive integer', maxFailures);
  if (!(interval > 0) || !Number.isFinite(interval)) throw new InvalidArgumentError('failureRate', 'interval', 'a positive number of milliseconds', interval);
  if (!(delay >= 0) || !Number.isFinite(delay)) throw new InvalidArgumentError('failureRate', 'delay', 'a non-negative number of milliseconds', delay);
  const failures: Timestamp[] = [];
  return {
    description: `failureRate(${maxFailures}, ${interval}, ${delay})`,
    onFailure(now) {
      failures.push(now);
      while (failures.length > 0 && failures[0] <= now - interval) failures.shift();
      return failures.length > maxFailures ? undefined : delay;
    },
  };
}
