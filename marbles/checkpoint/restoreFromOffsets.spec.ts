import { tap } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { fromCollection, MAX_WATERMARK, MemoryTransactionalSink, twoPhaseCommit, type Element } from '../../src';
import { bar, marbleSource, runJobInVirtualTime, timelineOf, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('restore in virtual time', () => {
  it(
    'replays a marble source from the offset its checkpoint recorded: what the dead attempt read after the barrier comes again at the restart',
    marbles(async (m) => {
      const sink = new MemoryTransactionalSink<string>();
      const log = { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', f: 'f' };
      const run = await runJobInVirtualTime(m.scheduler, {
        pipeline: () => marbleSource(m.scheduler, 'a-b-c-d-e-----------f-|', log, { name: 'log' }).pipe(twoPhaseCommit(sink)),
        //        checkpoint at 3, crash at 9, restart at 11
        markers: '---B-----X-R',
      });
      expect(run.timeline).toEqual(timelineOf('a-bBc-d-e--(cde)----f-(WE)', { ...log, B: bar(1), W: wm(MAX_WATERMARK) }));
      expect(run.attemptFrames).toEqual([0, 11]);
      expect(run.checkpoints.map((c) => [c.checkpointId, c.triggeredAt, c.sourceOffsets])).toEqual([[1, 3, { log: 2 }]]);
      expect(run.failures).toHaveLength(1);
      expect(String(run.failures[0])).toMatch(/injected crash: X at frame 9/);
      expect(sink.committed()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    }),
  );

  it(
    "starts the second attempt's fromCollection at the offset recorded in the checkpoint's metadata",
    marbles(async (m) => {
      const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
      const firstBatch: { attempt: number; offset: unknown; value: string }[] = [];
      let attempt = 0;
      const sink = new MemoryTransactionalSink<string>();
      const run = await runJobInVirtualTime(m.scheduler, {
        pipeline: () => {
          const me = ++attempt;
          let seen = false;
          return fromCollection(items, { batchSize: 1 }).pipe(
            tap((e: Element<string>) => {
              if (e.kind !== 'batch' || seen) return;
              seen = true;
              firstBatch.push({ attempt: me, offset: e.offset, value: e.values[0] });
            }),
            twoPhaseCommit(sink),
          );
        },
        batchesPerSlice: 1,
        markers: '--B-B--X',
      });
      // One batch per frame: the barrier of frame 2 follows a b (offset 2), the one of frame 4 follows a b c d (offset 4).
      expect(run.checkpoints.map((c) => c.sourceOffsets)).toEqual([{ 'fromCollection-0': 2 }, { 'fromCollection-0': 4 }]);
      // The crash at frame 7 restores checkpoint 2: the new attempt's first batch is e (index 4, offset after it 5).
      expect(firstBatch).toEqual([
        { attempt: 1, offset: 1, value: 'a' },
        { attempt: 2, offset: 5, value: 'e' },
      ]);
      expect(run.attemptFrames).toEqual([0, 7]);
      expect(sink.committed()).toEqual(items);
    }),
  );
});
