import type { CheckpointMetadata } from '../checkpoint/CheckpointMetadata';
import type { CheckpointStorage } from '../checkpoint/CheckpointStorage';
import type { CheckpointPart } from '../checkpoint/checkpointStorageInternals';
import { InvalidArgumentError } from '../core/errors';
import type { CheckpointCrashPhase, CrashPoint } from './CrashPoint';
import { createCrashPoint, crashError } from './crashPointInternals';

/** How a `'duringWrite'` crash leaves the checkpoint it was writing. */
export type TornWrite = 'truncated' | 'no-metadata' | 'bit-flip';

const PHASES: readonly CheckpointCrashPhase[] = ['afterSnapshot', 'beforeWrite', 'duringWrite', 'afterWrite'];
const TEARS: readonly TornWrite[] = ['truncated', 'no-metadata', 'bit-flip'];

/** A storage that lets a test damage what it stores ({@link MemoryCheckpointStorage.tamper}). */
interface TamperableStorage extends CheckpointStorage {
  tamper(checkpointId: number, part: CheckpointPart, edit: (bytes: Uint8Array | undefined) => Uint8Array | undefined): void;
}

const isTamperable = (s: CheckpointStorage): s is TamperableStorage => typeof (s as Partial<TamperableStorage>).tamper === 'function';

/**
 * A crash point that fails the job at one phase of its `n`-th checkpoint:
 * after every operator snapshotted it, before it is written, while it is
 * written (the storage is left holding a torn checkpoint), or after it is
 * written but before the sinks commit it.
 *
 * It's the fault injection Flink's own tests use, as one value: put it in
 * {@link expectCrashEquivalence}'s `crashPoints` (no place in the pipeline is
 * needed). Restore must then start from the checkpoint before (for
 * `'afterSnapshot'`, `'beforeWrite'`, `'duringWrite'`: the torn one is detected
 * and skipped) or from this one (`'afterWrite'`: its transactions, written but
 * not committed, are committed by the restore).
 *
 * ```
 * crashInCheckpoint('duringWrite', 3):
 * checkpoints:  1 ✓   2 ✓   3: data written, cut in half ✗ (the job dies)
 * restore:      latestIntact() skips 3 (truncated) ─► restores 2, replays from its offsets
 * ```
 *
 * A `'duringWrite'` crash needs a storage that can be damaged in place: the
 * default {@link MemoryCheckpointStorage}. Checkpoints are counted as they
 * reach the phase, over all attempts, savepoints included.
 *
 * @example
 * await expectCrashEquivalence({
 *   pipeline: (inject) => fromCollection(events, { timestamp: e => e.t }).pipe(
 *     assignTimestampsAndWatermarks(boundedOutOfOrderness(100)), keyBy(e => e.user), window(tumbling(1_000)), aggregate(count())),
 *   crashPoints: [crashInCheckpoint('afterSnapshot', 2), crashInCheckpoint('duringWrite', 2, { tear: 'no-metadata' }), crashInCheckpoint('afterWrite', 2)],
 * });
 * @param phase where the crash happens.
 * @param n which checkpoint (1-based, counted over the run).
 * @param options `tear` (for `'duringWrite'`): `'truncated'` (default: the data cut in half), `'no-metadata'` (the write stopped before its metadata), `'bit-flip'`.
 * @returns a {@link CrashPoint}.
 */
export function crashInCheckpoint(phase: CheckpointCrashPhase, n = 1, options: { readonly tear?: TornWrite } = {}): CrashPoint {
  if (!PHASES.includes(phase)) throw new InvalidArgumentError('crashInCheckpoint', 'phase', PHASES.map((p) => `'${p}'`).join(', '), phase);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('crashInCheckpoint', 'n', 'a positive integer', n);
  const tear = options.tear ?? 'truncated';
  if (!TEARS.includes(tear)) throw new InvalidArgumentError('crashInCheckpoint', 'options.tear', TEARS.map((t) => `'${t}'`).join(', '), tear);
  const description = phase === 'duringWrite' && tear !== 'truncated' ? `crashInCheckpoint('duringWrite', ${n}, ${tear})` : `crashInCheckpoint('${phase}', ${n})`;
  let reached = 0;
  const state = { crashes: 0 };
  /** True when this call is the n-th checkpoint reaching the phase. */
  const due = (): boolean => {
    reached++;
    if (reached !== n) return false;
    state.crashes++;
    return true;
  };
  const fault = (id: number): void => {
    if (due()) throw crashError(description, `checkpoint ${id}, ${phase}`);
  };
  const tearWrite = (storage: TamperableStorage, id: number): void => {
    if (tear === 'no-metadata') storage.tamper(id, 'metadata', () => undefined);
    else if (tear === 'truncated') storage.tamper(id, 'data', (b) => b?.subarray(0, Math.floor(b.length / 2)));
    else
      storage.tamper(id, 'data', (b) => {
        if (b !== undefined) b[b.length - 1] ^= 0x01;
        return b;
      });
  };
  return createCrashPoint(
    description,
    phase === 'duringWrite'
      ? {
          wrapStorage(storage) {
            if (!isTamperable(storage)) {
              throw new InvalidArgumentError('crashInCheckpoint', 'storage', "a storage that can be torn in place (MemoryCheckpointStorage) for 'duringWrite'", storage);
            }
            return {
              async write(id: number, data: Uint8Array, metadata: CheckpointMetadata) {
                const crash = due();
                await storage.write(id, data, metadata);
                if (!crash) return;
                tearWrite(storage, id);
                throw crashError(description, `checkpoint ${id} torn while written (${tear})`);
              },
              read: (id) => storage.read(id),
              list: () => storage.list(),
              latestIntact: () => storage.latestIntact(),
              remove: (id) => storage.remove(id),
              tamper: (id, part, edit) => storage.tamper(id, part, edit),
            } satisfies TamperableStorage;
          },
        }
      : { faults: { [phase]: fault } },
    state,
    () => {
      reached = 0;
    },
  );
}
