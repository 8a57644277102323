import { Counter } from './Counter';

const labelKey = (name: string, labels: Readonly<Record<string, string>>): string =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;

/**
 * Holds an application's metrics; operators given a registry (their `metrics`
 * option) register their counters in it, labelled with the operator's name.
 *
 * @example
 * const metrics = new MetricRegistry();
 * keyed.pipe(window(tumbling(10_000), { metrics, name: 'per-10s' }), aggregate(count()));
 * // later:
 * metrics.counter('streamlite_late_records_dropped_total', { operator: 'per-10s' }).value;
 */
export class MetricRegistry {
  private readonly counters = new Map<string, Counter>();

  /** The counter `name` with `labels`, created on first use. */
  counter(name: string, labels: Readonly<Record<string, string>> = {}, help = ''): Counter {
    const key = labelKey(name, labels);
    let c = this.counters.get(key);
    if (c === undefined) {
      c = new Counter(name, labels, help);
      this.counters.set(key, c);
    }
    return c;
  }

  /** Every counter registered. */
  allCounters(): readonly Counter[] {
    return [...this.counters.values()];
  }

  /** The Prometheus text exposition of every counter. */
  toPrometheusText(): string {
    const byName = new Map<string, Counter[]>();
    for (const c of this.counters.values()) {
      const list = byName.get(c.name) ?? [];
      list.push(c);
      byName.set(c.name, list);
    }
    const lines: string[] = [];
    for (const [name, list] of byName) {
      if (list[0].help) lines.push(`# HELP ${name} ${list[0].help}`);
      lines.push(`# TYPE ${name} counter`);
      for (const c of list) {
        const labels = Object.keys(c.labels)
          .sort()
          .map((k) => `${k}="${c.labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
          .join(',');
        lines.push(`${name}${labels ? `{${labels}}` : ''} ${c.value}`);
      }
    }
    return lines.join('\n') + (lines.length ? '\n' : '');
  }
}
