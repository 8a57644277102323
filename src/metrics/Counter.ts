/**
 * A monotonically increasing count (records in, late records dropped, …).
 *
 * It's Prometheus's counter: read `value`, never decrease it.
 */
export class Counter {
  private count = 0;

  constructor(
    readonly name: string,
    readonly labels: Readonly<Record<string, string>> = {},
    readonly help = '',
  ) {}

  /** Adds `n` (default 1; must be ≥ 0). */
  inc(n = 1): void {
    if (n > 0) this.count += n;
  }

  /** The count so far. */
  get value(): number {
    return this.count;
  }
}
