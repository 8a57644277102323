/**
 * The benchmark runner: `npm run bench [-- options]`.
 *
 *   --only W2,W1        run only these workloads (default: every registered one)
 *   --variants a,b      run only these variants (hand and the references they compare to are always kept)
 *   --size N            N records per workload (sets each selected workload's scale to N / default records)
 *   --scale F           multiply every default size by F (default 1)
 *   --reps N            timed repetitions per variant (default 15); the median is reported
 *   --warmup N          untimed rounds before timing, the first one verifying checksums (default 2)
 *   --seed N            data seed (default 42)
 *   --json FILE         also write the results as JSON (shape in bench/README.md)
 *   --no-rss            skip the peak-RSS child processes
 *
 * How it measures (see bench/README.md):
 * - TIMING runs in a CHILD PROCESS PER WORKLOAD (bench/runOne.ts --mode time,
 *   forked with --expose-gc): a fresh V8 per workload, so one workload's JIT
 *   feedback and heap do not leak into the next. Inside it the data is
 *   generated from the fixed seed (not timed); every variant runs once and its
 *   checksum is compared with the hand loop's (or its declared reference);
 *   then warm-up rounds; then `reps` rounds with the variants INTERLEAVED
 *   (engine, hand, peers…, engine, hand, peers…), a forced GC before each timed
 *   run, wall clock by performance.now() around the variant call (awaiting its
 *   Promise), the result's checksum recomputed outside the timed region.
 * - PEAK RSS runs in ANOTHER CHILD PER VARIANT (bench/runOne.ts --mode single):
 *   generate, run once, read process.resourceUsage().maxRSS. It includes the
 *   generated data, the same for every variant of a workload; its checksum is
 *   checked too.
 * - Nothing timed is printed or written until every checksum of the workload
 *   matched; a mismatch prints the checksums and exits with code 1.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { listOption, numberOption, parseArgs, UsageError, type ParsedArgs } from './lib/args';
import type { ChildMessage, SingleResult, TimeResult } from './lib/protocol';
import { max, median, min } from './lib/stats';
import { findWorkload, WORKLOADS } from './workloads/registry';
import type { AnyWorkload } from './workloads/types';
import { DEFAULT_SEED } from './runOne';

/** One row of the table and one entry of the JSON `runs`. */
export interface BenchRun {
  readonly workload: string;
  readonly variant: string;
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly ratioToHand: number;
  readonly peakRssBytes: number | null;
  readonly checksum: string;
  /* extra fields */
  readonly medianMs: number;
  readonly minRecordsPerSecond: number;
  readonly maxRecordsPerSecond: number;
  readonly reps: number;
  readonly ratioToHandPaired: number;
  readonly medianCpuMs: number;
  readonly ratioToHandCpu: number;
  readonly note?: string;
  readonly [extra: string]: unknown;
}

export interface BenchReport {
  readonly node: string;
  readonly runs: BenchRun[];
}

class ChecksumMismatch extends Error {}

const RUN_ONE = path.join(__dirname, 'runOne.js');

function runChild<M extends ChildMessage>(args: string[], execArgv: string[]): Promise<M> {
  return new Promise((resolve, reject) => {
    const child = fork(RUN_ONE, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let message: ChildMessage | undefined;
    child.on('message', (m) => {
      message = m as ChildMessage;
      child.disconnect();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (message === undefined) {
        reject(new Error(`runOne ${args.join(' ')} exited (${signal ?? `code ${code}`}) without a result`));
      } else if (message.mode === 'error') {
        reject(new Error(`runOne ${args.join(' ')} failed: ${message.message}`));
      } else {
        resolve(message as M);
      }
    });
  });
}

interface Options {
  readonly workloads: AnyWorkload[];
  readonly variants?: string[];
  readonly size?: number;
  readonly scale: number;
  readonly reps: number;
  readonly warmup: number;
  readonly seed: number;
  readonly json?: string;
  readonly rss: boolean;
}

function readOptions(args: ParsedArgs): Options {
  const only = listOption(args, 'only');
  const workloads = only === undefined ? [...WORKLOADS] : only.map((id) => {
    const w = findWorkload(id);
    if (w === undefined) throw new UsageError(`unknown workload '${id}' (known: ${WORKLOADS.map((x) => x.id).join(', ')})`);
    return w;
  });
  const isCount = (n: number): boolean => Number.isInteger(n) && n >= 1;
  if (args.options.has('size') && args.options.has('scale')) throw new UsageError('give --size or --scale, not both');
  return {
    workloads,
    variants: listOption(args, 'variants'),
    size: args.options.has('size') ? numberOption(args, 'size', 0, isCount) : undefined,
    scale: numberOption(args, 'scale', 1),
    reps: numberOption(args, 'reps', 15, isCount),
    warmup: numberOption(args, 'warmup', 2, isCount),
    seed: numberOption(args, 'seed', DEFAULT_SEED, Number.isInteger),
    json: args.options.get('json'),
    rss: !args.flags.has('no-rss'),
  };
}

function describeMismatch(t: TimeResult, rss: readonly SingleResult[]): string {
  const lines = [`CHECKSUM MISMATCH in ${t.workload}: no times reported.`];
  const sums = new Map(t.variants.map((v) => [v.variant, v.checksum]));
  for (const v of t.variants) {
    const bad = v.checksum !== sums.get(v.compareTo);
    lines.push(`  ${v.variant.padEnd(16)} ${v.checksum}   (must equal ${v.compareTo})${bad ? '   <-- MISMATCH' : ''}`);
    if (v.unstableChecksum !== undefined) lines.push(`  ${''.padEnd(16)} a timed repetition gave ${v.unstableChecksum}`);
  }
  for (const r of rss) {
    const bad = r.checksum !== sums.get(r.variant);
    lines.push(`  ${r.variant.padEnd(16)} ${r.checksum}   (peak-RSS child)${bad ? '   <-- MISMATCH' : ''}`);
  }
  return lines.join('\n');
}

async function benchWorkload(w: AnyWorkload, o: Options): Promise<BenchRun[]> {
  const scale = o.size !== undefined ? o.size / w.records : o.scale;
  const common = ['--workload', w.id, '--scale', String(scale), '--seed', String(o.seed)];
  const started = Date.now();
  // Heavy workloads cap their repetitions (a checkpoint of 1M keys per rep), unless --reps asks for fewer.
  const reps = Math.min(o.reps, w.maxReps ?? o.reps);
  const warmup = Math.min(o.warmup, w.maxReps ?? o.warmup);
  process.stderr.write(`${w.id}: timing (${reps} reps, ${warmup} warm-up)…`);
  const timed = await runChild<TimeResult>(
    [...common, '--mode', 'time', '--reps', String(reps), '--warmup', String(warmup),
      ...(o.variants ? ['--variants', o.variants.join(',')] : [])],
    ['--expose-gc'],
  );
  const checksums = new Map(timed.variants.map((v) => [v.variant, v.checksum]));
  let ok = timed.verified && timed.variants.every((v) => v.unstableChecksum === undefined);
  const rss: SingleResult[] = [];
  if (ok && o.rss) {
    for (const v of timed.variants) {
      process.stderr.write(` rss:${v.variant}`);
      const r = await runChild<SingleResult>([...common, '--mode', 'single', '--variant', v.variant], []);
      rss.push(r);
      if (r.checksum !== checksums.get(v.variant)) ok = false;
    }
  }
  process.stderr.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (!ok) throw new ChecksumMismatch(describeMismatch(timed, rss));

  const rps = (ms: number): number => timed.records / (ms / 1000);
  const hand = timed.variants.find((v) => v.variant === 'hand')!;
  const handMs = hand.ms;
  const handCpuMs = median(hand.cpuMs);
  const handRps = rps(median(handMs));
  return timed.variants.map((v) => {
    const medianMs = median(v.ms);
    const recordsPerSecond = rps(medianMs);
    const extras: Record<string, number> = {};
    for (const [field, values] of Object.entries(v.extras)) extras[field] = median(values);
    return {
      workload: w.id,
      variant: v.variant,
      records: timed.records,
      recordsPerSecond,
      ratioToHand: v.variant === 'hand' ? 1 : recordsPerSecond / handRps,
      peakRssBytes: rss.find((r) => r.variant === v.variant)?.peakRssBytes ?? null,
      checksum: v.checksum,
      medianMs,
      minRecordsPerSecond: rps(max(v.ms)),
      maxRecordsPerSecond: rps(min(v.ms)),
      reps: v.ms.length,
      // median over rounds of (hand time / variant time) in the same round: robust to load drifting during the run
      ratioToHandPaired: v.variant === 'hand' ? 1 : median(v.ms.map((ms, i) => handMs[i] / ms)),
      medianCpuMs: median(v.cpuMs),
      // the same ratio by process CPU time instead of wall clock: less sensitive to other processes on the machine
      ratioToHandCpu: v.variant === 'hand' ? 1 : handCpuMs / median(v.cpuMs),
      ...(v.note !== undefined ? { note: v.note } : {}),
      ...extras,
    };
  });
}

const STANDARD = new Set([
  'workload', 'variant', 'records', 'recordsPerSecond', 'ratioToHand', 'peakRssBytes', 'checksum',
  'medianMs', 'minRecordsPerSecond', 'maxRecordsPerSecond', 'reps', 'ratioToHandPaired', 'medianCpuMs', 'ratioToHandCpu', 'note',
]);

function si(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

export function formatTable(runs: readonly BenchRun[]): string {
  const header = ['workload', 'variant', 'records', 'records/s (median)', 'min–max', 'ratio to hand', 'paired', 'cpu', 'peak RSS', 'checksum', 'notes'];
  const rows = runs.map((r) => {
    const extras = Object.keys(r)
      .filter((k) => !STANDARD.has(k))
      .map((k) => `${k}=${typeof r[k] === 'number' ? +(r[k] as number).toPrecision(4) : String(r[k])}`);
    return [
      r.workload,
      r.variant,
      r.records.toLocaleString('en-US'),
      si(r.recordsPerSecond),
      `${si(r.minRecordsPerSecond)}–${si(r.maxRecordsPerSecond)}`,
      r.ratioToHand.toFixed(2),
      r.ratioToHandPaired.toFixed(2),
      r.ratioToHandCpu.toFixed(2),
      r.peakRssBytes === null ? '—' : `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MB`,
      `ok ${r.checksum.slice(0, 8)}`,
      [r.note, ...extras].filter((x) => x !== undefined).join('; '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const right = new Set([2, 3, 4, 5, 6, 7, 8]);
  const fmt = (cells: string[]): string =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, ['only', 'variants', 'size', 'scale', 'reps', 'warmup', 'seed', 'json'], ['no-rss']);
  const o = readOptions(args);
  const runs: BenchRun[] = [];
  for (const w of o.workloads) runs.push(...(await benchWorkload(w, o)));
  const report: BenchReport = { node: process.version, runs };
  console.log(`\nstreamlite-rx benchmarks — node ${process.version}, ${process.platform}/${process.arch}, ` +
    `seed ${o.seed}, ${o.reps} timed reps (median), warm-up ${o.warmup}`);
  console.log(formatTable(runs));
  if (o.json !== undefined) {
    mkdirSync(path.dirname(path.resolve(o.json)), { recursive: true });
    writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${o.json}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof ChecksumMismatch) {
      console.error(`\n${'!'.repeat(72)}\n${err.message}\n${'!'.repeat(72)}`);
      process.exitCode = 1;
    } else if (err instanceof UsageError) {
      console.error(`bench: ${err.message}\nusage: npm run bench -- [--only W2] [--variants engine,hand] [--size N | --scale F] [--reps N] [--warmup N] [--seed N] [--json FILE] [--no-rss]`);
      process.exitCode = 2;
    } else {
      console.error(err);
      process.exitCode = 1;
    }
  });
}
