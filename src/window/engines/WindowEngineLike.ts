import type { Subscriber } from 'rxjs';
import type { Element, RecordBatch } from '../../core/Element';
import type { Timestamp } from '../../core/types';
import type { WindowFunctionSpec, WindowOperatorCheckpoint, WindowSpec } from '../windowInternals';

/**
 * @internal
 * What the window operator drives: one instance per subscription. The general
 * engine (`WindowEngine` in windowInternals.ts) runs every assigner, trigger,
 * evictor and mode; specialised engines run common shapes faster and must be
 * observably identical to it — same results, panes, late output and counter.
 * A specialised engine may write its own checkpoint form (the sliced engine
 * does: slices, not windows); it then restores the general engine's form
 * where it can, and the general engine refuses its form with a typed error.
 */
export interface WindowEngineLike {
  processBatch(batch: RecordBatch<unknown>): void;
  /** Fires what the watermark passed, emits results, forwards the watermark when it advances. */
  processWatermark(watermark: Timestamp): void;
  /** End of input: everything fires and closes. */
  endOfInput(): void;
  /** The state at a barrier; `toData()` may run later (off the record path) and must see the state as of this call. */
  snapshot(): { toData(): WindowOperatorCheckpoint; watermark: Timestamp };
  /** Loads one or several (merged savepoints) snapshots before any input. */
  restore(parts: readonly WindowOperatorCheckpoint[]): void;
  dispose(): void;
}

/**
 * @internal
 * A specialised engine: `supports` decides at operator creation from the
 * configuration alone.
 */
export interface WindowEngineFactory {
  supports(spec: WindowSpec<unknown>, fn: WindowFunctionSpec<unknown, unknown, unknown, unknown, unknown>): boolean;
  create(
    spec: WindowSpec<unknown>,
    fn: WindowFunctionSpec<unknown, unknown, unknown, unknown, unknown>,
    out: Subscriber<Element<unknown>>,
  ): WindowEngineLike;
}
