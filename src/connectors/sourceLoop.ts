import { asyncScheduler, type SchedulerLike, type Subscriber } from 'rxjs';
import { currentFlowGates, gatesOpen, whenGatesOpen, type FlowGate } from '../actor/FlowGate';
import { currentJob, type SourceHandle } from '../checkpoint/JobContext';
import type { CheckpointBarrier, Element, RecordBatch, SourceOffset } from '../core/Element';
import { endSource } from './sourceInternals';

/** @internal The processing time (ms, or frames in virtual time) a source waits between two slices under a job. */
export const SLICE_TICK = 1;

/** @internal How a pull source produces: the next batch, or undefined at end of input. */
export interface BatchPuller<T> {
  next(): RecordBatch<T> | undefined;
  /** The offset after the last batch pulled (for barriers). */
  offset(): SourceOffset | undefined;
  /** Rewinds to a restored offset before the first pull. */
  seek?(offset: SourceOffset): void;
  /** Releases resources (iterator return) when unsubscribed early. */
  close?(): void;
}

/**
 * @internal
 * Drives a synchronous pull source. Alone it is a tight loop (everything in
 * the subscribe call, as RxJS's `from(array)`). Under back-pressure (a
 * FlowGate downstream) it pauses while a gate is closed. Under a checkpointed
 * job it registers as a rewindable source, starts from the restored offset,
 * emits requested barriers at batch boundaries, and yields to the scheduler
 * for one tick every `batchesPerSlice` batches so that checkpoint triggers
 * (and other work) can run:
 *
 * ```
 * batchesPerSlice 2, checkpointInterval 3 (virtual time, one frame per tick):
 * frame:   0      1      2      3        4
 * source:  [a][b] [c][d] [e][f] B1[g][h] [i]…     B1 requested at frame 3, emitted at the slice boundary
 * ```
 */
export function runPullSource<T>(
  kind: string,
  name: string | undefined,
  subscriber: Subscriber<Element<T>>,
  puller: BatchPuller<T>,
): void {
  const gates: readonly FlowGate[] = currentFlowGates();
  const job = currentJob();
  const barriers: CheckpointBarrier[] = [];
  let handle: SourceHandle | undefined;
  let scheduler: SchedulerLike = asyncScheduler;
  if (job !== undefined) {
    handle = job.registerSource(kind, name, { rewindable: puller.seek !== undefined, requestBarrier: (b) => barriers.push(b) });
    if (handle.startOffset !== undefined) puller.seek?.(handle.startOffset);
    scheduler = handle.scheduler;
  }
  subscriber.add(() => puller.close?.());
  const flushBarriers = (): void => {
    while (barriers.length > 0 && !subscriber.closed) {
      const b = barriers.shift()!;
      subscriber.next(b);
      handle?.barrierEmitted(b, puller.offset());
    }
  };
  const loop = (): void => {
    let emitted = 0;
    while (!subscriber.closed) {
      if (handle !== undefined) flushBarriers();
      if (gates.length > 0 && !gatesOpen(gates)) {
        whenGatesOpen(gates, () => scheduler.schedule(loop));
        return;
      }
      if (handle !== undefined && emitted >= handle.batchesPerSlice) {
        // A slice takes one tick of the injected processing-time scheduler: in virtual time each slice
        // is one frame, so periodic checkpoints fall between slices at predictable frames.
        scheduler.schedule(loop, SLICE_TICK);
        return;
      }
      let batch: RecordBatch<T> | undefined;
      try {
        batch = puller.next();
      } catch (err) {
        subscriber.error(err);
        return;
      }
      if (batch === undefined) {
        if (handle !== undefined) {
          flushBarriers();
          handle.ended(puller.offset());
        }
        endSource(subscriber);
        return;
      }
      subscriber.next(batch);
      emitted++;
    }
  };
  loop();
}
