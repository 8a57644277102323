/**
 * idempotentSink: keyed upserts make replays harmless — a crashed and restored
 * job leaves exactly the rows of the run that never crashed.
 */
import type { Observable } from 'rxjs';
import { collect, count, type Element, fixedDelay, fromCollection, keyBy, map, MemoryCheckpointStorage, runJob } from '../src';
import { idempotentSink } from '../src/checkpoint/idempotentSink';

describe('idempotentSink', () => {
  const words = Array.from({ length: 20_000 }, (_, i) => `w${(i * 7919) % 13}`);
  const pipeline = (crashAt: number | undefined, state: { seen: number; crashed: boolean }) =>
    fromCollection(words, { batchSize: 50 }).pipe(
      map((w: string) => {
        state.seen++;
        if (crashAt !== undefined && !state.crashed && state.seen === crashAt) {
          state.crashed = true;
          throw new Error('injected crash');
        }
        return w;
      }),
      keyBy((w: string) => w),
      count({ emit: 'every' }),
    ) as Observable<Element<[string, number]>>;

  it.each([1_000, 9_999, 19_999])('after a crash at record %i the rows equal the run that never crashed', async (crashAt) => {
    const expected = new Map<string, number>();
    for (const [w, n] of await collect(pipeline(undefined, { seen: 0, crashed: false }))) expected.set(w, n);
    const rows = new Map<string, number>();
    let writes = 0;
    const state = { seen: 0, crashed: false };
    const result = await runJob({
      storage: new MemoryCheckpointStorage(),
      checkpointInterval: 1,
      batchesPerSlice: 2,
      restartStrategy: fixedDelay(1, 0),
      pipeline: () =>
        pipeline(crashAt, state).pipe(
          idempotentSink(
            ([w]: [string, number]) => w,
            (w, [, n]) => {
              writes++;
              rows.set(w, n);
            },
          ),
        ),
    }).done;
    expect(result.attempts).toBe(2);
    expect(writes).toBeGreaterThan(words.length); // the replay wrote some rows twice…
    expect(rows).toEqual(expected); // …and changed nothing
  });

  it('rejects bad arguments and surfaces a throwing upsert with the record', async () => {
    expect(() => idempotentSink(42 as never, () => undefined)).toThrow(/idempotentSink: argument 'keyOf' must be a function/);
    await expect(
      collect(fromCollection([1, 2]).pipe(idempotentSink((n: number) => n, () => {
        throw new Error('store down');
      }))),
    ).rejects.toThrow(/idempotentSink: user function threw: store down \(record \{value: 1\}\)/);
  });
});
