/**
 * Deterministic data generation for the benchmarks: a small seeded PRNG and a
 * Zipf sampler. Every workload generates its data from a fixed seed, so two
 * runs (and every variant within a run) see exactly the same records.
 */

/** A random source: a function returning a float in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a tiny, fast 32-bit PRNG, good enough for benchmark data and
 * fully deterministic from its seed.
 */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [lo, hi] (both inclusive). */
export function randomInt(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/**
 * Samples ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s
 * (rank 0 is the most frequent), by binary search over the cumulative
 * distribution.
 */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly s: number,
    private readonly random: Random,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`ZipfSampler: n must be a positive integer, got ${n}`);
    const cdf = new Float64Array(n);
    let total = 0;
    for (let k = 0; k < n; k++) {
      total += 1 / Math.pow(k + 1, s);
      cdf[k] = total;
    }
    for (let k = 0; k < n; k++) cdf[k] /= total;
    cdf[n - 1] = 1;
    this.cdf = cdf;
  }

  /** The next rank, in [0, n). */
  sample(): number {
    const u = this.random();
    const cdf = this.cdf;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

const CONSONANTS = 'bdfghjklmnprstvwz'; // 17
const VOWELS = 'aeiou'; // 5
const SYLLABLES: readonly string[] = (() => {
  const out: string[] = [];
  for (const c of CONSONANTS) for (const v of VOWELS) out.push(c + v);
  return out; // 85 syllables
})();

/**
 * The i-th pronounceable word (`ba`, `be`, …, `beba`, …): i written in base 85
 * with one consonant–vowel syllable per digit. Distinct for distinct i, short
 * for small i (so, with Zipf ranks, frequent words are short, as in text).
 */
export function pronounceableWord(i: number): string {
  const base = SYLLABLES.length;
  let word = SYLLABLES[i % base];
  let rest = Math.floor(i / base);
  while (rest > 0) {
    rest -= 1; // bijective numeration: no "leading zero" collisions
    word = SYLLABLES[rest % base] + word;
    rest = Math.floor(rest / base);
  }
  return word;
}
