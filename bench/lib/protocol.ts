/** Messages between the runner (bench/run.ts) and its child processes (bench/runOne.ts). */

/** Timing of one variant inside a `time` child. */
export interface VariantTiming {
  readonly variant: string;
  /** Checksum of the first (untimed) run. */
  readonly checksum: string;
  /** The variant this one must match (normally `hand`). */
  readonly compareTo: string;
  readonly note?: string;
  /** Wall-clock milliseconds of each timed repetition, in run order. */
  readonly ms: number[];
  /** Process CPU milliseconds (user + system, all threads, GC included) of each timed repetition. */
  readonly cpuMs: number[];
  /** Extra fields reported through VariantContext, one value per timed repetition. */
  readonly extras: Record<string, number[]>;
  /** A timed repetition whose checksum differed from the first run, if any. */
  readonly unstableChecksum?: string;
}

/** Result of `runOne --mode time`: every variant of one workload, interleaved. */
export interface TimeResult {
  readonly mode: 'time';
  readonly workload: string;
  readonly records: number;
  readonly generateMs: number;
  readonly reps: number;
  readonly warmup: number;
  /** False when the verification pass found a mismatch (no timed repetitions were run). */
  readonly verified: boolean;
  readonly variants: VariantTiming[];
}

/** Result of `runOne --mode single`: one variant in a fresh process. */
export interface SingleResult {
  readonly mode: 'single';
  readonly workload: string;
  readonly variant: string;
  readonly records: number;
  readonly checksum: string;
  /** process.resourceUsage().maxRSS × 1024: the peak over the child's life (data included). */
  readonly peakRssBytes: number;
  /** RSS just after generating the data, before the variant ran. */
  readonly dataRssBytes: number;
  readonly ms: number[];
}

export interface ChildFailure {
  readonly mode: 'error';
  readonly message: string;
}

export type ChildMessage = TimeResult | SingleResult | ChildFailure;
