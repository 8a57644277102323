import type { CheckpointBarrier } from '../core/Element';
import { barrier } from '../core/elementFactories';
import { InvalidArgumentError } from '../core/errors';

/**
 * A checkpoint barrier element: the value of an uppercase marble letter, by convention `B`.
 *
 * It's like `barrier()` from the main entry, with its processing time fixed at 0
 * so that expected values stay short.
 *
 * ```
 * marble:  -a--B--b-|     B = bar(1): a belongs to checkpoint 1, b to the next
 * ```
 *
 * @example
 * const values = elementsOf({ a: rec('x', 1), B: bar(1) });
 * // values.B → { kind: 'barrier', checkpointId: 1, triggeredAt: 0, savepoint: false }
 * @param checkpointId the checkpoint the barrier closes.
 * @param savepoint true for a savepoint barrier (default false).
 * @returns a {@link CheckpointBarrier}.
 */
export function bar(checkpointId: number, savepoint = false): CheckpointBarrier {
  if (!Number.isInteger(checkpointId)) {
    throw new InvalidArgumentError('bar', 'checkpointId', 'an integer', checkpointId);
  }
  return barrier(checkpointId, 0, savepoint);
}
