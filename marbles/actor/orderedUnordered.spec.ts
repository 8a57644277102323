import { tap, timer, type Observable, type SchedulerLike } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { keyedProcess, type Element, type KeyedElement, type Timestamp } from '../../src';
import { coldElements, expectElements, rec, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

/** The records of these diagrams carry keys (rec(value, ts, key)): the stream is keyed. */
const keyed = <T>(elements: Observable<Element<T>>) => elements as Observable<KeyedElement<T, string>>;

interface Job {
  readonly name: string;
  /** Frames the call takes (a scheduler-driven Observable). */
  readonly takes: number;
}

/** Each call takes `job.takes` frames on the test scheduler, then emits the job's name. */
const slowly = (scheduler: SchedulerLike, order: 'ordered' | 'unordered') =>
  keyedProcess<Job, string, string>((job, _ctx, out) => timer(job.takes, scheduler).pipe(tap(() => out.collect(job.name))), { order, scheduler });

const at = (name: string, takes: number, ts: Timestamp, key: string) => rec<Job>({ name, takes }, ts, key);

describe('keyedProcess: ordered and unordered output in virtual time', () => {
  // a1 (key a) takes 6 frames; b1 (key b) takes 1, concurrently; a2 (key a) waits for a1, then takes 5;
  // W follows a2 in the input; b2 follows W.
  const input = '     -a-b-cW-d---|';
  const values = {
    a: at('a1', 6, 1, 'a'),
    b: at('b1', 1, 3, 'b'),
    c: at('a2', 5, 5, 'a'),
    W: wm(5),
    d: at('b2', 1, 8, 'b'),
  };
  const out = { x: rec('a1', 1), y: rec('b1', 3), z: rec('a2', 5), W: wm(5), v: rec('b2', 8) };

  it(
    'ordered: results in input order; b1 waits for a1 although it finished first; W and b2 wait for a2',
    marbles((m) => {
      const expected = '-------(xy)-(zWvE|)';
      expectElements(m, keyed(coldElements(m, input, values)).pipe(slowly(m.scheduler, 'ordered')), expected, out);
    }),
  );

  it(
    'unordered: results as they finish, but nothing crosses the watermark: b2 finished at 9 and waits for W at 12',
    marbles((m) => {
      const expected = '----y--x----(zWvE|)';
      expectElements(m, keyed(coldElements(m, input, values)).pipe(slowly(m.scheduler, 'unordered')), expected, out);
    }),
  );

  it(
    'serializes each key: a2 starts when a1 finishes (frame 7), not when it arrives (frame 5)',
    marbles((m) => {
      const starts: string[] = [];
      const probe = keyedProcess<Job, string, string>(
        (job) => {
          starts.push(`${job.name}@${m.scheduler.now()}`);
          return timer(job.takes, m.scheduler);
        },
        { scheduler: m.scheduler },
      );
      keyed(coldElements(m, input, values)).pipe(probe).subscribe();
      m.scheduler.flush();
      expect(starts).toEqual(['a1@1', 'b1@3', 'a2@7', 'b2@8']);
    }),
  );
});
