/**
 * Flat memory: 10,000,000 records from a bounded async generator stream
 * through fromAsyncIterable → map → filter → keyBy → count in a child process
 * whose peak RSS stays under 200 MB, with the exact result. A source that
 * read ahead, or an operator that kept its batches, would hold the 10 M
 * records (80 MB and more of values alone) and break the bound.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FlatMemoryReport } from './support/flatMemoryChild';
import { NODE_MODULES, transpileForChild } from './support/transpileForChild';

const RECORDS = 10_000_000;
const KEYS = 1000;
const PEAK_RSS_LIMIT_KB = 200 * 1024;

/** The brute-force result: the same pipeline as a plain loop, keys in first-seen order. */
function expectedCounts(n: number, keys: number): [number, number][] {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const x = i * 3;
    if (x % 2 === 0) counts.set(x % keys, (counts.get(x % keys) ?? 0) + 1);
  }
  return [...counts];
}

describe('flat memory', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = transpileForChild(['test/support/flatMemoryChild.ts']);
  });

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it(
    `streams ${RECORDS.toLocaleString('en')} records from an async generator through map → filter → keyBy → count under 200 MB peak RSS`,
    async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(outDir, 'test', 'support', 'flatMemoryChild.js'), String(RECORDS), String(KEYS)],
        { env: { ...process.env, NODE_PATH: NODE_MODULES }, timeout: 110_000, maxBuffer: 16 * 1024 * 1024 },
      );
      const report = JSON.parse(stdout) as FlatMemoryReport;
      expect(report.result).toEqual(expectedCounts(RECORDS, KEYS));
      expect(report.result.reduce((total, [, c]) => total + c, 0)).toBe(RECORDS / 2);
      expect(report.maxRssKb).toBeGreaterThan(0);
      expect(report.maxRssKb).toBeLessThan(PEAK_RSS_LIMIT_KB);
    },
    120_000,
  );
});
