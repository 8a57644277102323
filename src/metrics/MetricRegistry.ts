import { Counter } from './Counter';
import { Gauge } from './Gauge';

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
  private readonly gauges = new Map<string, Gauge>();

  /** The gauge `name` with `labels`, created on first use. */
  gauge(name: string, labels: Readonly<Record<string, string>> = {}, help = ''): Gauge {
    const key = labelKey(name, labels);
    let g = this.gauges.get(key);
    if (g === undefined) {
      g = new Gauge(name, labels, help);
      this.gauges.set(key, g);
    }
    return g;
  }

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

  /** The Prometheus text exposition of every counter and gauge. */
  toPrometheusText(): string {
    const byName = new Map<string, { type: 'counter' | 'gauge'; list: (Counter | Gauge)[] }>();
    const add = (type: 'counter' | 'gauge', m: Counter | Gauge) => {
      const group = byName.get(m.name) ?? { type, list: [] };
      group.list.push(m);
      byName.set(m.name, group);
    };
    for (const c of this.counters.values()) add('counter', c);
    for (const g of this.gauges.values()) add('gauge', g);
    const lines: string[] = [];
    for (const [name, { type, list }] of byName) {
      if (list[0].help) lines.push(`# HELP ${name} ${list[0].help}`);
      lines.push(`# TYPE ${name} ${type}`);
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
