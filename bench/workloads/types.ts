/**
 * What a benchmark workload is. One file per workload under bench/workloads/,
 * listed once in registry.ts; the runner (bench/run.ts, bench/runOne.ts) does
 * everything else: seeding, warm-up, interleaved repetitions, checksum
 * comparison, medians, peak RSS per variant, table and JSON.
 */

/** Data produced by a workload's generator. */
export interface Generated<D> {
  /** The data every variant receives (never mutate it in a variant). */
  readonly data: D;
  /** The number of records one run processes: records/s = records / seconds. */
  readonly records: number;
}

/** Passed to every variant run: a way to report extra per-run measurements. */
export interface VariantContext {
  /**
   * Reports an extra numeric field for this run (e.g. `writeMs`). The runner
   * records it for the timed repetitions and puts the median in the JSON entry
   * under `field`, and in the table's notes.
   */
  report(field: string, value: number): void;
}

/** One way of computing a workload's result; sync or async. */
export type VariantFn<D, R> = (data: D, ctx: VariantContext) => R | Promise<R>;

/** A variant with metadata. */
export interface VariantSpec<D, R> {
  readonly run: VariantFn<D, R>;
  /** Shown in the table and JSON, e.g. "processing time only: cannot express event time". */
  readonly note?: string;
  /**
   * The variant whose checksum this one must equal (default `hand`). A peer that
   * can only compute part of the result compares to a reference variant that
   * computes that same part.
   */
  readonly compareTo?: string;
}

export type Variant<D, R> = VariantFn<D, R> | VariantSpec<D, R>;

/**
 * A workload. `variants.engine` is the engine through its public API;
 * `variants.hand` the plain TypeScript loop every ratio is taken against;
 * any other key is a peer (`rxjs-careful`, `rxjs-operators`, `most`, …) or a
 * reference variant. Variants run (and are listed) in declaration order,
 * engine first, hand second.
 */
export interface Workload<D, R> {
  /** Short id used by `--only` (e.g. `W2`). */
  readonly id: string;
  /** One line: what is computed, over what data. */
  readonly description: string;
  /** Records processed at scale 1 (the default size). */
  readonly records: number;
  /** At most this many timed repetitions (and warm-up rounds), for workloads whose one run is long. */
  readonly maxReps?: number;
  /** Builds the data deterministically from `seed`; `scale` multiplies the default size. Not timed. */
  generate(seed: number, scale: number): Generated<D>;
  readonly variants: { readonly engine: Variant<D, R>; readonly hand: Variant<D, R> } & {
    readonly [peer: string]: Variant<D, R>;
  };
  /** A stable checksum of a variant's result; equal results must give equal strings. */
  checksum(result: R): string;
}

/** A workload with its data and result types erased, as the registry holds it. */
export type AnyWorkload = Workload<unknown, unknown>;

/** Type-checks a workload and erases its types for the registry. */
export function defineWorkload<D, R>(w: Workload<D, R>): AnyWorkload {
  return w as unknown as AnyWorkload;
}

/** The normalised form of a variant. */
export function variantSpec<D, R>(v: Variant<D, R>): VariantSpec<D, R> {
  return typeof v === 'function' ? { run: v } : v;
}

/** Variant names in run order: engine, hand, then the others as declared. */
export function variantNames(w: AnyWorkload): string[] {
  const rest = Object.keys(w.variants).filter((n) => n !== 'engine' && n !== 'hand');
  return ['engine', 'hand', ...rest];
}

/** Scales a default count, at least 1. */
export function scaled(count: number, scale: number): number {
  return Math.max(1, Math.round(count * scale));
}
