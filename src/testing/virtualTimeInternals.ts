/**
 * @internal
 * Virtual time for jobs: parsing run-mode marble diagrams outside
 * `TestScheduler.run()`, and driving a job's Promises and a virtual clock together.
 */
import { asyncScheduler, VirtualTimeScheduler, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { StreamLiteError } from '../core/errors';

/** @internal One notification of a parsed diagram: its frame and its value (undefined for `|`). */
export interface ParsedMarble<V> {
  readonly frame: number;
  readonly kind: 'N' | 'C' | 'E';
  readonly value?: V;
}

/**
 * @internal
 * Parses a diagram as `TestScheduler.run()` does (one frame per character,
 * spaces ignored, `10ms` time progressions), also outside `run()`.
 */
export function parseRunMode<V>(marble: string, values?: { readonly [letter: string]: V }, error?: unknown): ParsedMarble<V>[] {
  const factor = TestScheduler.frameTimeFactor;
  TestScheduler.frameTimeFactor = 1;
  try {
    return TestScheduler.parseMarbles(marble, values, error, false, true).map((m) => ({
      frame: m.frame,
      kind: m.notification.kind,
      ...(m.notification.kind === 'N' ? { value: m.notification.value as V } : m.notification.kind === 'E' ? { value: m.notification.error as V } : {}),
    }));
  } finally {
    TestScheduler.frameTimeFactor = factor;
  }
}

/** @internal The virtual-time scheduler a runner was given, or undefined for a real one. */
export function asVirtual(scheduler: SchedulerLike | undefined): VirtualTimeScheduler | undefined {
  return scheduler instanceof VirtualTimeScheduler ? scheduler : undefined;
}

/** How many real ticks in a row the driver waits for work outside virtual time (file I/O) before it gives up. */
const MAX_IDLE_TICKS = 20_000;

/**
 * @internal
 * Runs a virtual clock until `done` settles: wait one real tick (every
 * Promise and callback that is ready runs: checkpoint writes, commits), then
 * run every action due at the next frame, and again. Frame by frame, so
 * what a checkpoint write does between two frames happens before the next one.
 */
export async function driveVirtualTime(
  scheduler: VirtualTimeScheduler,
  done: Promise<unknown>,
  options: { readonly maxFrames: number; readonly realTime?: SchedulerLike },
): Promise<void> {
  const realTime = options.realTime ?? asyncScheduler;
  const tick = (): Promise<void> => new Promise((resolve) => realTime.schedule(() => resolve()));
  let finished = false;
  done.then(
    () => (finished = true),
    () => (finished = true),
  );
  // Leave TestScheduler.run() first (it flushes when its callback returns): its delegates would capture the real ticks.
  await Promise.resolve();
  const saved = scheduler.maxFrames;
  const start = scheduler.now();
  let idle = 0;
  try {
    for (;;) {
      await tick();
      if (finished) return;
      const next = scheduler.actions[0];
      if (next === undefined) {
        if (++idle > MAX_IDLE_TICKS) throw new StreamLiteError('runJobInVirtualTime', 'the job waits for something that never comes: no action is scheduled in virtual time and no Promise settles');
        continue;
      }
      idle = 0;
      if (next.delay - start > options.maxFrames) {
        throw new StreamLiteError('runJobInVirtualTime', `virtual time passed maxFrames (${options.maxFrames} frames after the start) before the job ended`);
      }
      scheduler.maxFrames = next.delay;
      scheduler.flush();
    }
  } finally {
    scheduler.maxFrames = saved;
  }
}
