import { configure } from 'rxjs-marbles/jest';
import { fromCollection, MAX_WATERMARK, MemoryTransactionalSink, twoPhaseCommit } from '../../src';
import { bar, marbleSource, runJobInVirtualTime, timelineOf, wm, type TimedElement } from '../../src/testing';

const { marbles } = configure({ run: true });

/**
 * A timeline frame by frame: `'3: B1 g h'`. A marble diagram cannot show a
 * group in one frame followed by something in the next frame (a group takes
 * as many frames as it has characters), which is what a source emitting
 * every frame looks like.
 */
const byFrame = (timeline: readonly TimedElement<string>[]): string[] => {
  const frames = new Map<number, string[]>();
  for (const { frame, element } of timeline) {
    const text = 'value' in element ? String(element.value) : 'barrier' in element ? `B${element.barrier}` : 'watermark' in element ? 'W' : 'end' in element ? 'E' : '?';
    frames.set(frame, [...(frames.get(frame) ?? []), text]);
  }
  return [...frames].map(([f, xs]) => `${f}: ${xs.join(' ')}`);
};

const letters = 'abcdefghijklmnop'.split('');

describe('periodic checkpoints in virtual time', () => {
  it(
    'fromCollection emits batchesPerSlice batches per frame; the barrier triggered at frame 3 leaves at the start of that frame’s slice',
    marbles(async (m) => {
      const sink = new MemoryTransactionalSink<string>();
      const run = await runJobInVirtualTime(m.scheduler, {
        pipeline: () => fromCollection(letters.slice(0, 11), { batchSize: 1 }).pipe(twoPhaseCommit(sink)),
        checkpointInterval: 3,
        batchesPerSlice: 2,
      });
      expect(byFrame(run.timeline)).toEqual(['0: a b', '1: c d', '2: e f', '3: B1 g h', '4: i j', '5: k W E']);
      // The next trigger (frame 6) finds the input ended: one checkpoint, at the offset of its barrier.
      expect(run.checkpoints.map((c) => [c.checkpointId, c.triggeredAt, c.sourceOffsets])).toEqual([[1, 3, { 'fromCollection-0': 6 }]]);
      expect(sink.committed()).toEqual(letters.slice(0, 11));
    }),
  );

  it(
    'with batchesPerSlice 1 and checkpointInterval 2, a barrier every second frame, after every second batch',
    marbles(async (m) => {
      const run = await runJobInVirtualTime(m.scheduler, {
        pipeline: () => fromCollection(letters.slice(0, 14), { batchSize: 2 }).pipe(twoPhaseCommit(new MemoryTransactionalSink<string>())),
        checkpointInterval: 2,
        batchesPerSlice: 1,
      });
      expect(byFrame(run.timeline)).toEqual(['0: a b', '1: c d', '2: B1 e f', '3: g h', '4: B2 i j', '5: k l', '6: B3 m n', '7: W E']);
      expect(run.checkpoints.map((c) => [c.triggeredAt, c.sourceOffsets['fromCollection-0']])).toEqual([
        [2, 4],
        [4, 8],
        [6, 12],
      ]);
    }),
  );

  it(
    'a marble source takes each periodic barrier at the trigger’s frame, between its entries',
    marbles(async (m) => {
      const log = { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e' };
      const run = await runJobInVirtualTime(m.scheduler, {
        pipeline: () => marbleSource(m.scheduler, 'a-b---c----d-e--|', log).pipe(twoPhaseCommit(new MemoryTransactionalSink<string>())),
        checkpointInterval: 5,
      });
      expect(run.timeline).toEqual(timelineOf('a-b--Bc---Cd-e-D(WE)', { ...log, B: bar(1), C: bar(2), D: bar(3), W: wm(MAX_WATERMARK) }));
      expect(run.checkpoints.map((c) => [c.triggeredAt, c.sourceOffsets['marbleSource-0']])).toEqual([
        [5, 2],
        [10, 3],
        [15, 5],
      ]);
    }),
  );
});
