import { InvalidArgumentError } from '../core/errors';
import type { Duration } from '../core/types';

/**
 * Time-to-live of keyed state, like Flink's `StateTtlConfig`: a value not
 * refreshed for `ttl` is expired — never returned again, and removed
 * (incrementally as state is accessed, and when a snapshot is taken).
 */
export interface StateTtlConfig {
  /** How long a value lives after its last refresh. */
  readonly ttl: Duration;
  /** What refreshes it: writes only (`'onCreateAndWrite'`, default) or reads too (`'onReadAndWrite'`). */
  readonly update?: 'onCreateAndWrite' | 'onReadAndWrite';
  /** The clock: processing time (default) or event time (the current watermark). */
  readonly timeDomain?: 'processing' | 'event';
}

/** @internal Validates a TTL configuration. */
export function checkTtl(operator: string, ttl: StateTtlConfig | undefined): void {
  if (ttl === undefined) return;
  if (typeof ttl.ttl !== 'number' || !(ttl.ttl > 0) || !Number.isFinite(ttl.ttl)) {
    throw new InvalidArgumentError(operator, 'ttl.ttl', 'a positive number of milliseconds', ttl.ttl);
  }
  if (ttl.update !== undefined && ttl.update !== 'onCreateAndWrite' && ttl.update !== 'onReadAndWrite') {
    throw new InvalidArgumentError(operator, 'ttl.update', "'onCreateAndWrite' or 'onReadAndWrite'", ttl.update);
  }
  if (ttl.timeDomain !== undefined && ttl.timeDomain !== 'processing' && ttl.timeDomain !== 'event') {
    throw new InvalidArgumentError(operator, 'ttl.timeDomain', "'processing' or 'event'", ttl.timeDomain);
  }
}
