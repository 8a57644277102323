/**
 * One benchmark process, forked by bench/run.ts (and runnable by hand, e.g.
 * for profiling). Two modes:
 *
 *   --mode time   --workload W2 [--variants engine,hand] [--reps 15] [--warmup 2] [--scale 1] [--seed 42]
 *       Generates the data (not timed), runs every variant once and checks its
 *       checksum against its reference (hand) — on a mismatch it stops there —
 *       then runs warm-ups and `reps` timed repetitions with the variants
 *       interleaved (engine, hand, peer…, engine, hand, peer…), collecting
 *       garbage before each timed run when started with --expose-gc.
 *
 *   --mode single --workload W2 --variant engine [--reps 1] [--scale 1] [--seed 42]
 *       Generates the data and runs one variant `reps` times in this fresh
 *       process; reports the checksum and the peak RSS
 *       (process.resourceUsage().maxRSS). With --reps 20 it is the thing to
 *       profile:  node --cpu-prof dist/bench/runOne.js --mode single --workload W2 --variant engine --reps 20
 *
 * Results go to the parent over IPC when forked, else to stdout as JSON.
 */
import { performance } from 'node:perf_hooks';
import { listOption, numberOption, parseArgs, UsageError } from './lib/args';
import type { ChildMessage, SingleResult, TimeResult, VariantTiming } from './lib/protocol';
import { findWorkload } from './workloads/registry';
import { variantNames, variantSpec, type AnyWorkload, type VariantContext, type VariantSpec } from './workloads/types';

export const DEFAULT_SEED = 42;

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

interface Run {
  readonly result: unknown;
  readonly ms: number;
  /** Process CPU time (user + system, all threads) during the run, in ms. */
  readonly cpuMs: number;
  readonly extras: Map<string, number>;
}

async function runVariant(spec: VariantSpec<unknown, unknown>, data: unknown): Promise<Run> {
  const extras = new Map<string, number>();
  const ctx: VariantContext = {
    report(field, value) {
      extras.set(field, value);
    },
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = spec.run(data, ctx);
  const result = r instanceof Promise ? await r : r;
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { result, ms, cpuMs: (c.user + c.system) / 1000, extras };
}

function requireWorkload(id: string | undefined): AnyWorkload {
  if (id === undefined) throw new UsageError('--workload is required');
  const w = findWorkload(id);
  if (w === undefined) throw new UsageError(`unknown workload '${id}'`);
  return w;
}

function requireVariant(w: AnyWorkload, name: string): VariantSpec<unknown, unknown> {
  const v = w.variants[name];
  if (v === undefined) throw new UsageError(`workload ${w.id} has no variant '${name}' (has ${variantNames(w).join(', ')})`);
  return variantSpec(v);
}

/** The variants to time: the requested ones plus every reference they compare to, in run order. */
function selectVariants(w: AnyWorkload, requested: readonly string[] | undefined): string[] {
  const all = variantNames(w);
  if (requested === undefined) return all;
  const wanted = new Set<string>(['hand']);
  for (const name of requested) {
    requireVariant(w, name);
    wanted.add(name);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of [...wanted]) {
      const ref = requireVariant(w, name).compareTo ?? 'hand';
      if (!wanted.has(ref)) {
        wanted.add(ref);
        grew = true;
      }
    }
  }
  return all.filter((n) => wanted.has(n));
}

export async function timeWorkload(
  w: AnyWorkload,
  opts: { variants?: readonly string[]; reps: number; warmup: number; scale: number; seed: number },
): Promise<TimeResult> {
  const names = selectVariants(w, opts.variants);
  const specs = names.map((n) => requireVariant(w, n));
  const t0 = performance.now();
  const { data, records } = w.generate(opts.seed, opts.scale);
  const generateMs = performance.now() - t0;

  // Verification pass (also the first warm-up): every checksum against its reference.
  const timings: VariantTiming[] = [];
  for (let i = 0; i < names.length; i++) {
    const run = await runVariant(specs[i], data);
    timings.push({
      variant: names[i],
      checksum: w.checksum(run.result),
      compareTo: specs[i].compareTo ?? 'hand',
      ...(specs[i].note !== undefined ? { note: specs[i].note } : {}),
      ms: [],
      cpuMs: [],
      extras: {},
    });
  }
  const byName = new Map(timings.map((t) => [t.variant, t]));
  const verified = timings.every((t) => t.checksum === byName.get(t.compareTo)?.checksum);
  if (!verified) {
    return { mode: 'time', workload: w.id, records, generateMs, reps: 0, warmup: 1, verified, variants: timings };
  }

  for (let round = 1; round < opts.warmup; round++) {
    for (let i = 0; i < names.length; i++) await runVariant(specs[i], data);
  }

  const unstable = new Map<string, string>();
  for (let rep = 0; rep < opts.reps; rep++) {
    for (let i = 0; i < names.length; i++) {
      gc?.();
      const run = await runVariant(specs[i], data);
      const t = timings[i];
      t.ms.push(run.ms);
      t.cpuMs.push(run.cpuMs);
      for (const [field, value] of run.extras) (t.extras[field] ??= []).push(value);
      const sum = w.checksum(run.result); // outside the timed region
      if (sum !== t.checksum && !unstable.has(t.variant)) unstable.set(t.variant, sum);
    }
  }
  const variants = timings.map((t) =>
    unstable.has(t.variant) ? { ...t, unstableChecksum: unstable.get(t.variant) } : t,
  );
  return { mode: 'time', workload: w.id, records, generateMs, reps: opts.reps, warmup: opts.warmup, verified, variants };
}

export async function singleVariant(
  w: AnyWorkload,
  variant: string,
  opts: { reps: number; scale: number; seed: number },
): Promise<SingleResult> {
  const spec = requireVariant(w, variant);
  const { data, records } = w.generate(opts.seed, opts.scale);
  const dataRssBytes = process.memoryUsage.rss();
  let checksum = '';
  const ms: number[] = [];
  for (let rep = 0; rep < opts.reps; rep++) {
    const run = await runVariant(spec, data);
    ms.push(run.ms);
    if (rep === 0) checksum = w.checksum(run.result);
  }
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  return { mode: 'single', workload: w.id, variant, records, checksum, peakRssBytes, dataRssBytes, ms };
}

async function main(argv: readonly string[]): Promise<ChildMessage> {
  const args = parseArgs(argv, ['mode', 'workload', 'variant', 'variants', 'reps', 'warmup', 'scale', 'seed'], []);
  const w = requireWorkload(args.options.get('workload'));
  const scale = numberOption(args, 'scale', 1);
  const seed = numberOption(args, 'seed', DEFAULT_SEED, Number.isInteger);
  const isCount = (n: number): boolean => Number.isInteger(n) && n >= 1;
  switch (args.options.get('mode')) {
    case 'time':
      return timeWorkload(w, {
        variants: listOption(args, 'variants'),
        reps: numberOption(args, 'reps', 15, isCount),
        warmup: numberOption(args, 'warmup', 2, isCount),
        scale,
        seed,
      });
    case 'single': {
      const variant = args.options.get('variant');
      if (variant === undefined) throw new UsageError('--variant is required in single mode');
      return singleVariant(w, variant, { reps: numberOption(args, 'reps', 1, isCount), scale, seed });
    }
    default:
      throw new UsageError("--mode must be 'time' or 'single'");
  }
}

if (require.main === module) {
  const send = (msg: ChildMessage): void => {
    if (process.send) process.send(msg);
    else console.log(JSON.stringify(msg, null, 2));
  };
  main(process.argv.slice(2))
    .then(send)
    .catch((err: unknown) => {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      console.error(`runOne: ${message}`);
      if (process.send) process.send({ mode: 'error', message } satisfies ChildMessage);
      process.exitCode = err instanceof UsageError ? 2 : 1;
    });
}
