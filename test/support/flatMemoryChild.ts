/**
 * The child process of test/flatMemory.test.ts (run as transpiled JS):
 * streams `count` integers from an async generator through
 * fromAsyncIterable → map → filter → keyBy → count and prints one JSON line:
 * the result, the peak resident set size (KB) and the time taken.
 *
 *   node flatMemoryChild.js <count> <keys>
 */
import { collect, count, filter, fromAsyncIterable, keyBy, map } from '../../src';

/** What the child prints. */
export interface FlatMemoryReport {
  readonly result: [number, number][];
  readonly maxRssKb: number;
  readonly ms: number;
}

async function* naturals(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  const keys = Number(process.argv[3]);
  const started = Date.now();
  const result = await collect(
    fromAsyncIterable(naturals(n)).pipe(
      map((i: number) => i * 3),
      filter((x: number) => x % 2 === 0),
      keyBy((x: number) => x % keys),
      count(),
    ),
  );
  const report: FlatMemoryReport = {
    result: result as [number, number][],
    maxRssKb: process.resourceUsage().maxRSS,
    ms: Date.now() - started,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
