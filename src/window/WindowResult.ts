import type { Timestamp } from '../core/types';
import type { PaneInfo } from './PaneInfo';

/**
 * One result of a window: the key, the window's bounds, the value, and the
 * pane it belongs to. Its record timestamp is `end − 1`.
 *
 * With retracting accumulation or the update (changelog) mode, a result with
 * `retraction: true` withdraws a value emitted before for the same key and
 * window (bounds included), and precedes its replacement.
 */
export interface WindowResult<K, R> {
  readonly key: K;
  readonly start: Timestamp;
  readonly end: Timestamp;
  readonly value: R;
  readonly pane: PaneInfo;
  /** True when this result retracts an earlier one. */
  readonly retraction: boolean;
}
