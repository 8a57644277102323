import { configure } from 'rxjs-marbles/jest';
import {
  aggregate,
  assignTimestampsAndWatermarks,
  boundedOutOfOrderness,
  count,
  keyBy,
  map,
  MemoryTransactionalSink,
  twoPhaseCommit,
  tumbling,
  window,
} from '../../src';
import {
  bar,
  crashAfter,
  crashInCheckpoint,
  expectCrashEquivalence,
  jobMarkers,
  marbleSource,
  rec,
  runJobInVirtualTime,
  timelineOf,
} from '../../src/testing';

const { marbles } = configure({ run: true });

// clicks by user, with event timestamps: two users, three 10 ms windows
const clicks = { a: rec('u1', 1), b: rec('u2', 3), c: rec('u1', 12), d: rec('u1', 14), e: rec('u2', 25), f: rec('u1', 27), g: rec('u2', 33) };
const log = 'a-b-c-d-e-f-g-|';

describe('crash equivalence with the testing kit’s markers', () => {
  it(
    'a windowed count commits the same results whatever the crash: markers, a record, a torn write, a crash before the commit',
    marbles(async (m) => {
      const report = await expectCrashEquivalence({
        scheduler: m.scheduler,
        pipeline: (inject) =>
          marbleSource(m.scheduler, log, clicks).pipe(
            assignTimestampsAndWatermarks(boundedOutOfOrderness(2)),
            inject,
            keyBy((user: string) => user),
            window(tumbling(10)),
            aggregate(count()),
          ),
        checkpointInterval: 3,
        crashPoints: [
          jobMarkers('-----X-R'), //       crash at 5, restart at 7
          jobMarkers('--B-X-B--X--R'), //  two crashes; a checkpoint between them
          crashAfter(4), //                 between the 3rd and 4th click
          crashInCheckpoint('duringWrite', 2), // checkpoint 2 torn: restore falls back to 1
          crashInCheckpoint('afterWrite', 2), //  checkpoint 2 written, not committed: the restore commits it
        ],
      });
      expect(report.expected.map((r) => `${r.key}@${r.start}:${r.value}`)).toEqual(['u1@0:1', 'u2@0:1', 'u1@10:2', 'u2@20:1', 'u1@20:1', 'u2@30:1']);
      expect(report.runs.map((r) => [r.crashPoint, r.crashes, r.attempts])).toEqual([
        ["jobMarkers('-----X-R')", 1, 2],
        ["jobMarkers('--B-X-B--X--R')", 2, 3],
        ['crashAfter(4)', 1, 2],
        ["crashInCheckpoint('duringWrite', 2)", 1, 2],
        ["crashInCheckpoint('afterWrite', 2)", 1, 2],
      ]);
    }),
  );

  it(
    'the timeline shows the replay; the two-phase-commit sink commits each result once',
    marbles(async (m) => {
      const sink = new MemoryTransactionalSink<string>();
      const run = await runJobInVirtualTime(m.scheduler, {
        pipeline: () =>
          marbleSource(m.scheduler, 'a-b-c-d-e-f---------g-|', { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', f: 'f', g: 'g' }).pipe(
            keyBy((s: string) => (s < 'd' ? 'x' : 'y')),
            count({ emit: 'every' }),
            map(([key, n]: readonly [string, number]) => `${key}${n}`),
            twoPhaseCommit(sink),
          ),
        markers: '-----B---X-R',
        omit: ['watermark'],
      });
      // attempt 1: a b c, B (after c), d e, crash at 9; attempt 2 at 11 restores the counts of B
      // (x: 3, y: 0) and replays d e f at once (what it should have read by then), then g at 20.
      expect(run.timeline).toEqual(
        timelineOf('a-b-cBd-e--(def)----g-E', { a: 'x1', b: 'x2', c: 'x3', d: 'y1', e: 'y2', f: 'y3', g: 'y4', B: bar(1) }),
      );
      expect(sink.committed()).toEqual(['x1', 'x2', 'x3', 'y1', 'y2', 'y3', 'y4']);
    }),
  );
});
