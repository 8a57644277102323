import { map as rxMap } from 'rxjs';
import { configure } from 'rxjs-marbles/jest';
import { fromValues, MAX_WATERMARK } from '../../src';
import { expectElements, wm } from '../../src/testing';

const { marbles } = configure({ run: true });

describe('fromValues micro-batching', () => {
  it(
    'emits a batch as soon as it is full, and a partial one maxDelay after its first value',
    marbles((m) => {
      const input = m.cold('   -abcd-----e---------|');
      // a b c fill a batch at frame 3; d waits 5 frames (4 → 9); e waits 5 frames (10 → 15).
      const expected = '      ---(abc)-d-----e----(ME|)';
      const batched = input.pipe(fromValues<string>({ batchSize: 3, maxDelay: 5, scheduler: m.scheduler }));
      expectElements(m, batched, expected, { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', M: wm(MAX_WATERMARK) });
    }),
  );

  it(
    'flushes the partial batch at completion, before the maximum watermark',
    marbles((m) => {
      const input = m.cold('   -ab-|');
      const batched = input.pipe(fromValues<string>({ batchSize: 3, maxDelay: 5, scheduler: m.scheduler }));
      expectElements(m, batched, '----(abME|)', { a: 'a', b: 'b', M: wm(MAX_WATERMARK) });
    }),
  );

  it(
    'runs in virtual time on the default asyncScheduler too (run mode patches it)',
    marbles((m) => {
      const input = m.cold('   -a---------|');
      const batched = input.pipe(fromValues<string>({ batchSize: 3, maxDelay: 5 }));
      expectElements(m, batched, '------a----(ME|)', { a: 'a', M: wm(MAX_WATERMARK) });
    }),
  );

  it(
    'emits the records of one batch in one emission',
    marbles((m) => {
      const input = m.cold('   -abc-|');
      const batched = input.pipe(fromValues<string>({ batchSize: 3, maxDelay: 5, scheduler: m.scheduler }));
      const sizes = { s: 3, M: -1, E: -1 };
      // one notification per emission: the batch size, or -1 for a control element
      const sizesOf = batched.pipe(rxMap((e) => (e.kind === 'batch' ? e.values.length : -1)));
      m.expect(sizesOf).toBeObservable('---s-(ME|)', sizes);
    }),
  );
});
