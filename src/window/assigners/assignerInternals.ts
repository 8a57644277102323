import { InvalidArgumentError } from '../../core/errors';
import type { Duration } from '../../core/types';
import type { TimeDomain } from '../WindowAssigner';

/** Options shared by the time-window assigners. */
export interface TimeWindowOptions {
  /** `'event'` (default) or `'processing'` time. */
  readonly timeDomain?: TimeDomain;
}

/** @internal Checks a positive, finite, integral duration argument. */
export function checkDuration(operator: string, argument: string, value: Duration): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(operator, argument, 'a positive integer number of milliseconds', value);
  }
}

/** @internal Checks an offset: an integer with |offset| < limit. */
export function checkOffset(operator: string, offset: Duration, limit: Duration, limitName: string): void {
  if (typeof offset !== 'number' || !Number.isInteger(offset) || Math.abs(offset) >= limit) {
    throw new InvalidArgumentError(operator, 'offset', `an integer with |offset| < ${limitName} (${limit})`, offset);
  }
}

/** @internal Checks a time domain option. */
export function checkTimeDomain(operator: string, options: TimeWindowOptions): TimeDomain {
  const domain = options.timeDomain ?? 'event';
  if (domain !== 'event' && domain !== 'processing') {
    throw new InvalidArgumentError(operator, 'options.timeDomain', "'event' or 'processing'", domain);
  }
  return domain;
}
