/**
 * keyedProcess with asynchronous functions returning real Promises
 * (setTimeout with small random delays): per-key order, concurrency across
 * keys, ordered and unordered output, watermarks never overtaking records,
 * errors naming key and record, and cancellation of running Observables.
 * Everything is checked against what the input says, not against the engine.
 * (The same in virtual time with scheduler-driven Observables:
 * marbles/actor/*.spec.ts; the in-flight bound: keyedProcessBackpressure.test.ts.)
 */
import fc from 'fast-check';
import { from, lastValueFrom, Observable, toArray } from 'rxjs';
import {
  END_OF_INPUT,
  keyedProcess,
  MAX_WATERMARK,
  recordBatch,
  StreamLiteError,
  UserFunctionError,
  watermark,
  type Element,
  type KeyedElement,
} from '../src';
import { rejectionOf } from './support/errorOf';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Job {
  readonly id: number;
  readonly key: string;
  readonly delay: number;
}

/** Input items: a record (a job) or a watermark. */
type Item = { readonly job: Job } | { readonly wm: number };

/** A keyed element stream: records cut into batches at the watermarks and every `batchSize` records. */
function inputOf(items: readonly Item[], batchSize: number): Observable<KeyedElement<Job, string>> {
  const elements: Element<Job>[] = [];
  let batch: Job[] = [];
  const flush = () => {
    if (batch.length > 0) elements.push(recordBatch(batch, batch.map((j) => j.id), batch.map((j) => j.key)));
    batch = [];
  };
  for (const item of items) {
    if ('wm' in item) {
      flush();
      elements.push(watermark(item.wm));
    } else {
      batch.push(item.job);
      if (batch.length === batchSize) flush();
    }
  }
  flush();
  elements.push(watermark(MAX_WATERMARK), END_OF_INPUT);
  return from(elements) as Observable<KeyedElement<Job, string>>;
}

/** The output as tokens: `r:<id>` per record, `w:<t>` per watermark. */
async function tokensOf(output: Observable<Element<number>>): Promise<string[]> {
  const elements = await lastValueFrom(output.pipe(toArray()));
  const tokens: string[] = [];
  for (const e of elements) {
    if (e.kind === 'batch') for (const v of e.values) tokens.push(`r:${v}`);
    else if (e.kind === 'watermark') tokens.push(`w:${e.timestamp}`);
  }
  return tokens;
}

/** Items with increasing watermarks sprinkled among jobs of a few keys. */
const itemsArb = (maxDelay: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 5, arbitrary: fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), delay: fc.integer({ min: 0, max: maxDelay }) }) },
        { weight: 1, arbitrary: fc.constant('W' as const) },
      ),
      { minLength: 1, maxLength: 25 },
    )
    .map((raw) => {
      let id = 0;
      let wm = 0;
      return raw.map((x): Item => (x === 'W' ? { wm: (wm += 10) } : { job: { id: id++, key: x.key, delay: x.delay } }));
    });

/**
 * Runs the items through a keyedProcess whose function sleeps `delay` ms,
 * recording per key how many calls ran at once, and the order calls started in.
 */
async function runJobs(items: readonly Item[], batchSize: number, order: 'ordered' | 'unordered') {
  const running = new Map<string, number>();
  let overlapping = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const started = new Map<string, number[]>();
  const tokens = await tokensOf(
    inputOf(items, batchSize).pipe(
      keyedProcess<Job, string, number>(
        async (job, ctx, out) => {
          expect(ctx.key).toBe(job.key);
          started.set(job.key, [...(started.get(job.key) ?? []), job.id]);
          running.set(job.key, (running.get(job.key) ?? 0) + 1);
          if (running.get(job.key)! > 1) overlapping++;
          maxConcurrent = Math.max(maxConcurrent, ++concurrent);
          await sleep(job.delay);
          out.collect(job.id);
          running.set(job.key, running.get(job.key)! - 1);
          concurrent--;
        },
        { order },
      ),
    ),
  );
  return { tokens, overlapping, maxConcurrent, started };
}

const jobsOf = (items: readonly Item[]): Job[] => items.flatMap((i) => ('job' in i ? [i.job] : []));

/** Checks that no watermark overtakes a record and no record overtakes a watermark: each record between the same two watermarks as in the input. */
function expectWatermarksInPlace(items: readonly Item[], tokens: readonly string[]): void {
  const segmentOf = (seq: readonly string[]) => {
    const seg = new Map<string, number>();
    let n = 0;
    for (const t of seq) {
      if (t.startsWith('w:')) n++;
      else seg.set(t, n);
    }
    return seg;
  };
  const inputTokens = items.map((i) => ('wm' in i ? `w:${i.wm}` : `r:${i.job.id}`));
  expect(tokens.filter((t) => t.startsWith('w:'))).toEqual([...inputTokens.filter((t) => t.startsWith('w:')), `w:${MAX_WATERMARK}`]);
  expect(segmentOf(tokens)).toEqual(segmentOf(inputTokens));
}

describe('keyedProcess with real Promises', () => {
  it('ordered: every key runs one call at a time in input order, and the output is exactly the input order, watermarks in place', async () => {
    await fc.assert(
      fc.asyncProperty(itemsArb(4), fc.integer({ min: 1, max: 5 }), async (items, batchSize) => {
        const { tokens, overlapping, started } = await runJobs(items, batchSize, 'ordered');
        expect(overlapping).toBe(0);
        const jobs = jobsOf(items);
        for (const key of ['a', 'b', 'c', 'd']) expect(started.get(key) ?? []).toEqual(jobs.filter((j) => j.key === key).map((j) => j.id));
        expect(tokens.filter((t) => t.startsWith('r:'))).toEqual(jobs.map((j) => `r:${j.id}`));
        expectWatermarksInPlace(items, tokens);
      }),
      { numRuns: 30 },
    );
  });

  it('unordered: per-key order still holds, results come as they finish, and never across a watermark', async () => {
    await fc.assert(
      fc.asyncProperty(itemsArb(4), fc.integer({ min: 1, max: 5 }), async (items, batchSize) => {
        const { tokens, overlapping } = await runJobs(items, batchSize, 'unordered');
        expect(overlapping).toBe(0);
        const jobs = jobsOf(items);
        const emitted = tokens.filter((t) => t.startsWith('r:'));
        expect([...emitted].sort()).toEqual(jobs.map((j) => `r:${j.id}`).sort());
        for (const key of ['a', 'b', 'c', 'd']) {
          const mine = new Set(jobs.filter((j) => j.key === key).map((j) => `r:${j.id}`));
          expect(emitted.filter((t) => mine.has(t))).toEqual(jobs.filter((j) => j.key === key).map((j) => `r:${j.id}`));
        }
        expectWatermarksInPlace(items, tokens);
      }),
      { numRuns: 30 },
    );
  });

  it('runs keys concurrently: a slow key does not hold back the calls of other keys', async () => {
    for (const order of ['ordered', 'unordered'] as const) {
      const items: Item[] = [{ job: { id: 0, key: 'slow', delay: 150 } }];
      for (let i = 1; i <= 40; i++) items.push({ job: { id: i, key: `fast${i % 8}`, delay: 1 } });
      const finishedBeforeSlow: number[] = [];
      let slowDone = false;
      const tokens = await tokensOf(
        inputOf(items, 10).pipe(
          keyedProcess<Job, string, number>(
            async (job, _ctx, out) => {
              await sleep(job.delay);
              if (job.key === 'slow') slowDone = true;
              else if (!slowDone) finishedBeforeSlow.push(job.id);
              out.collect(job.id);
            },
            { order },
          ),
        ),
      );
      // every fast call finished while the slow one was still running
      expect(finishedBeforeSlow).toHaveLength(40);
      const records = tokens.filter((t) => t.startsWith('r:'));
      if (order === 'ordered') expect(records[0]).toBe('r:0');
      else expect(records[records.length - 1]).toBe('r:0');
    }
  });

  it('runs calls of different keys at the same time (wall-clock: 20 keys × 30 ms in far less than 600 ms)', async () => {
    const items: Item[] = Array.from({ length: 20 }, (_, i) => ({ job: { id: i, key: `k${i}`, delay: 30 } }));
    const started = Date.now();
    const { maxConcurrent } = await runJobs(items, 20, 'ordered');
    expect(maxConcurrent).toBe(20);
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('surfaces a rejection in one key with the key, the record and the cause, and errors the stream', async () => {
    const boom = new Error('lookup failed');
    const items: Item[] = [
      { job: { id: 0, key: 'a', delay: 5 } },
      { job: { id: 1, key: 'b', delay: 1 } },
      { job: { id: 2, key: 'a', delay: 1 } },
    ];
    const err = await rejectionOf(
      lastValueFrom(
        inputOf(items, 3).pipe(
          keyedProcess<Job, string, number>(async (job) => {
            await sleep(job.delay);
            if (job.key === 'b') throw boom;
          }),
        ),
      ),
    );
    expect(err).toBeInstanceOf(UserFunctionError);
    expect((err as UserFunctionError).cause).toBe(boom);
    expect((err as UserFunctionError).record).toEqual({ value: { id: 1, key: 'b', delay: 1 }, timestamp: 1, key: 'b' });
    expect((err as Error).message).toContain('key: "b"');
  });

  it('surfaces an erroring Observable the same way', async () => {
    const boom = new Error('stream failed');
    const err = await rejectionOf(
      lastValueFrom(
        inputOf([{ job: { id: 0, key: 'x', delay: 0 } }], 1).pipe(
          keyedProcess<Job, string, number>(() => new Observable((s) => void setTimeout(() => s.error(boom), 1))),
        ),
      ),
    );
    expect(err).toBeInstanceOf(UserFunctionError);
    expect((err as UserFunctionError).cause).toBe(boom);
    expect((err as UserFunctionError).record?.key).toBe('x');
  });

  it('refuses collect() after the function has finished', async () => {
    let late!: () => void;
    const done = lastValueFrom(
      inputOf([{ job: { id: 0, key: 'x', delay: 0 } }], 1).pipe(
        keyedProcess<Job, string, number>(async (job, _ctx, out) => {
          late = () => out.collect(job.id);
        }),
        toArray(),
      ),
    );
    await done;
    expect(late).toThrow(StreamLiteError);
  });

  it('cancels the Observables still running when the output is unsubscribed', async () => {
    let subscribed = 0;
    let cancelled = 0;
    const sub = inputOf(
      Array.from({ length: 5 }, (_, i): Item => ({ job: { id: i, key: `k${i}`, delay: 0 } })),
      5,
    )
      .pipe(
        keyedProcess<Job, string, number>(
          () =>
            new Observable<never>(() => {
              subscribed++;
              const t = setTimeout(() => undefined, 10_000);
              return () => {
                cancelled++;
                clearTimeout(t);
              };
            }),
        ),
      )
      .subscribe();
    expect(subscribed).toBe(5);
    sub.unsubscribe();
    expect(cancelled).toBe(5);
  });
});
