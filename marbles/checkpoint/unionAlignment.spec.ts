import { delay } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { MAX_WATERMARK, MemoryTransactionalSink, twoPhaseCommit, union } from '../../src';
import { bar, coldElements, expectElements, marbleSource, runJobInVirtualTime, timelineOf, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('barrier alignment at a union', () => {
  it(
    'holds the records of the input whose barrier arrived until the other input’s barrier arrives; the barrier leaves once',
    marbles((m) => {
      const a = coldElements(m, '-a-B-b-c----|', { a: 'a', b: 'b', c: 'c', B: bar(1) });
      const b = coldElements(m, '--x---y--B-----z-|', { x: 'x', y: 'y', z: 'z', B: bar(1) });
      // a's b and c (after its barrier) wait; b's x and y (before its barrier) pass; B leaves at 9, then b c.
      const expected = '       -ax---y--(Bbc)-z-(WE|)';
      expectElements(m, a.pipe(union(b)), expected, { a: 'a', b: 'b', c: 'c', x: 'x', y: 'y', z: 'z', B: bar(1), W: wm(MAX_WATERMARK) });
    }),
  );

  it(
    'under a job, the union snapshots once both barriers arrived and reports how long it held input back (virtual ms)',
    marbles(async (m) => {
      const sink = new MemoryTransactionalSink<string>();
      const run = await runJobInVirtualTime(m.scheduler, {
        pipeline: () =>
          marbleSource(m.scheduler, 'a-b-c-d---------e---|', { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e' }, { name: 'A' }).pipe(
            // input B reaches the union 3 frames after its source emits (its barrier too)
            union(marbleSource(m.scheduler, '-x-y--------z-|', { x: 'x', y: 'y', z: 'z' }, { name: 'B' }).pipe(delay(3, m.scheduler))),
            twoPhaseCommit(sink),
          ),
        markers: '---B',
      });
      // A's barrier (frame 3) waits for B's (delivered at 6): A's c arrives at 4 and waits; B's x passes at 4;
      // at 6 the barrier leaves, then c, then B's y (sent after its barrier) and A's d.
      expect(run.timeline).toEqual(
        timelineOf('a-b-x-(Bcyd)---ze---(WE)', { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', x: 'x', y: 'y', z: 'z', B: bar(1), W: wm(MAX_WATERMARK) }),
      );
      const [checkpoint] = run.checkpoints;
      expect(run.checkpoints).toHaveLength(1);
      expect(checkpoint).toMatchObject({ checkpointId: 1, triggeredAt: 3, alignmentMs: 3, sourceOffsets: { A: 2, B: 1 } });
      expect(Object.keys(checkpoint.operators)).toEqual(['union-0']);
      expect(sink.committed()).toEqual(['a', 'b', 'x', 'c', 'y', 'd', 'z', 'e']);
    }),
  );
});
