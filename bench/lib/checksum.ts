/**
 * Result checksums: a streaming FNV-1a hash over strings and numbers, two
 * 32-bit lanes with different offsets (64 bits in all), rendered as hex.
 * Every variant's result goes through the same workload-defined checksum, and
 * the runner compares them before it reports any time.
 */
export class Fnv1a {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x5bd1e995;

  /** Feeds a string (UTF-16 code units) followed by a separator. */
  str(s: string): this {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193);
    }
    // separator, so ["ab", "c"] and ["a", "bc"] differ
    this.a = Math.imul(a ^ 0x1f, 0x01000193);
    this.b = Math.imul(b ^ 0x1e, 0x01000193);
    return this;
  }

  /** Feeds a number by its shortest round-trip decimal form. */
  num(n: number): this {
    return this.str(Object.is(n, -0) ? '0' : String(n));
  }

  /** The hash so far as 16 hex digits. */
  digest(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

/**
 * Order-sensitive checksum of `[key, count]` pairs: `<hash>/<pairs>/<sum of counts>`,
 * so a mismatch shows at a glance whether keys or totals differ.
 */
export function checksumPairs(pairs: readonly (readonly [string, number])[]): string {
  const h = new Fnv1a();
  let total = 0;
  for (let i = 0; i < pairs.length; i++) {
    const [k, v] = pairs[i];
    h.str(k).num(v);
    total += v;
  }
  return `${h.digest()}/${pairs.length}/${total}`;
}
