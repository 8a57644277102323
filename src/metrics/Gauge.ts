/**
 * A value that goes up and down (current watermark, last checkpoint size,
 * mailbox depth).
 *
 * It's Prometheus's gauge: `set` it, read `value`.
 */
export class Gauge {
  private current = 0;

  constructor(
    readonly name: string,
    readonly labels: Readonly<Record<string, string>> = {},
    readonly help = '',
  ) {}

  /** Sets the value. */
  set(value: number): void {
    this.current = value;
  }

  /** The value. */
  get value(): number {
    return this.current;
  }
}
