/**
 * Sensors: per-sensor average temperatures over sliding event-time windows
 * (10 s long, one every 5 s), from readings that arrive out of order — and a
 * few that arrive too late.
 *
 * The readings are generated in memory from a seed (no server needed): one
 * reading per sensor per second for a minute, each delayed in transit. Most
 * delays stay under the declared out-of-orderness bound (2 s); some are
 * longer, and the engine deals with them as DESIGN.md's semantics say:
 *
 * - a reading that still has an open window (within the 3 s of allowed
 *   lateness) updates it, and the window fires again with a LATE pane;
 * - a reading too late for all its windows goes to the late side output and
 *   to the `streamlite_late_records_dropped_total` counter — never silently lost.
 *
 * See docs/concepts/event-time.md for the exact rules.
 *
 *   npx ts-node examples/sensors.ts
 */
import { connect, forkJoin, lastValueFrom, toArray } from 'rxjs';
import {
  aggregate,
  assignTimestampsAndWatermarks,
  avg,
  boundedOutOfOrderness,
  fromCollection,
  keyBy,
  MetricRegistry,
  OutputTag,
  sideOutput,
  sliding,
  values,
  window,
  type WindowAssigner,
  type WindowResult,
} from '../src';

/** One temperature reading. */
export interface Reading {
  readonly sensor: string;
  /** Event time: when the sensor measured, in ms since the start of the run. */
  readonly at: number;
  readonly celsius: number;
}

/** The pipeline's settings (exported so a test can recompute the results by brute force). */
export const SENSOR_SETTINGS = {
  sensors: ['boiler', 'attic', 'garage'],
  /** Readings per sensor (one a second). */
  readingsPerSensor: 60,
  windowSize: 10_000,
  windowSlide: 5_000,
  /** The declared bound: `W = newest timestamp − 2000 − 1`. */
  maxOutOfOrderness: 2_000,
  allowedLateness: 3_000,
  /** Records per source batch; results never depend on it (watermarks are emitted per record). */
  batchSize: 16,
} as const;

/** One (sensor, window) average: the value of its last pane. */
export interface SensorAverage {
  readonly sensor: string;
  readonly start: number;
  readonly end: number;
  readonly average: number;
  /** Panes emitted for the window: 1 for the on-time pane, +1 per late reading that updated it. */
  readonly panes: number;
}

/** What {@link main} returns. */
export interface SensorReport {
  /** Every pane, in emission order. */
  readonly panes: readonly WindowResult<string, number>[];
  /** The final average per (sensor, window), sorted by window start, then sensor. */
  readonly averages: readonly SensorAverage[];
  /** The readings too late for all their windows (the late side output), in arrival order. */
  readonly late: readonly Reading[];
  /** The late-records counter of the window operator. */
  readonly lateCount: number;
}

/** mulberry32: a small seeded generator of floats in [0, 1). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The readings in arrival order: each measured at `second·1000 + jitter` and
 * delayed in transit — 90% by 0–1.8 s (within the bound), 6% by 3–8 s (late
 * for their earlier window, often still on time for the later one), 4% by
 * 11–20 s (usually too late for both).
 */
export function generateReadings(seed = 42): Reading[] {
  const rnd = random(seed);
  const { sensors, readingsPerSensor } = SENSOR_SETTINGS;
  const base: Record<string, number> = { boiler: 61, attic: 24, garage: 12 };
  const sent: { reading: Reading; arrival: number; order: number }[] = [];
  for (let second = 0; second < readingsPerSensor; second++) {
    for (const sensor of sensors) {
      const at = second * 1000 + Math.floor(rnd() * 1000);
      const celsius = Math.round((base[sensor] + 3 * Math.sin(second / 9) + (rnd() - 0.5) * 2) * 10) / 10;
      const roll = rnd();
      const delay = roll < 0.9 ? rnd() * 1_800 : roll < 0.96 ? 3_000 + rnd() * 5_000 : 11_000 + rnd() * 9_000;
      sent.push({ reading: { sensor, at, celsius }, arrival: at + Math.floor(delay), order: sent.length });
    }
  }
  sent.sort((a, b) => a.arrival - b.arrival || a.order - b.order);
  return sent.map((s) => s.reading);
}

/**
 * Runs the pipeline over `readings` (arrival order) and returns every pane,
 * the final average per (sensor, window), and the late readings.
 */
export async function main(readings: readonly Reading[] = generateReadings(), batchSize: number = SENSOR_SETTINGS.batchSize): Promise<SensorReport> {
  const s = SENSOR_SETTINGS;
  const late = new OutputTag<Reading>('late-readings');
  const metrics = new MetricRegistry();

  const results$ = fromCollection(readings, { timestamp: (r) => r.at, batchSize }).pipe(
    // Per-record emission: a reading is judged against the watermark of the readings before it,
    // whatever the batch boundaries.
    assignTimestampsAndWatermarks(boundedOutOfOrderness(s.maxOutOfOrderness), { emit: 'record' }),
    keyBy((r) => r.sensor),
    // `sliding()` is not generic (unlike `session()`): it returns a WindowAssigner<unknown>, which a
    // typed stream does not accept, so the record type is named here.
    window(sliding(s.windowSize, s.windowSlide) as WindowAssigner<Reading>, { allowedLateness: s.allowedLateness, lateOutput: late, metrics, name: 'sensor-averages' }),
    aggregate(avg((r: Reading) => r.celsius)),
  );

  // One run, two branches: `connect` subscribes both before the (synchronous) source starts.
  // (`share()` alone would not do here: the first branch would run the whole source before
  // the second subscribed, and the second would run it again.)
  const [panes, lateReadings] = await lastValueFrom(
    results$.pipe(
      connect((shared$) =>
        forkJoin([
          shared$.pipe(values(), toArray()),
          shared$.pipe(sideOutput(late), values(), toArray()),
        ]),
      ),
    ),
  );

  const byWindow = new Map<string, SensorAverage>();
  for (const p of panes) {
    const id = `${p.key} ${p.start}`;
    const panesSoFar = byWindow.get(id)?.panes ?? 0;
    byWindow.set(id, { sensor: p.key, start: p.start, end: p.end, average: p.value, panes: panesSoFar + 1 });
  }
  const sensorOrder: readonly string[] = s.sensors;
  const order = (a: SensorAverage, b: SensorAverage) => a.start - b.start || sensorOrder.indexOf(a.sensor) - sensorOrder.indexOf(b.sensor);
  const averages = [...byWindow.values()].sort(order);
  const lateCount = metrics.counter('streamlite_late_records_dropped_total', { operator: 'sensor-averages' }).value;
  return { panes, averages, late: lateReadings, lateCount };
}

const seconds = (ms: number): string => `${ms / 1000}`;

/** The report as a readable table. */
export function formatReport(report: SensorReport): string {
  const { sensors } = SENSOR_SETTINGS;
  const lines: string[] = [];
  const starts = [...new Set(report.averages.map((a) => a.start))];
  lines.push('average °C per sensor, sliding windows of 10 s every 5 s (event time)', '');
  lines.push(['window (s)'.padEnd(12), ...sensors.map((n) => n.padStart(10))].join(''));
  for (const start of starts) {
    const row = report.averages.filter((a) => a.start === start);
    const end = row[0].end;
    const cells = sensors.map((sensor) => {
      const a = row.find((x) => x.sensor === sensor);
      // `*` marks a window re-fired by late readings (within the allowed lateness).
      return (a === undefined ? '—' : `${a.average.toFixed(2)}${a.panes > 1 ? '*' : ' '}`).padStart(10);
    });
    lines.push([`[${seconds(start)}, ${seconds(end)})`.padEnd(12), ...cells].join(''));
  }
  const refired = report.averages.filter((a) => a.panes > 1).length;
  lines.push('', `* re-fired with LATE panes: ${refired} window(s), ${report.panes.filter((p) => p.pane.timing === 'LATE').length} late pane(s)`);
  lines.push(`late readings (side output): ${report.late.length}; streamlite_late_records_dropped_total = ${report.lateCount}`);
  for (const r of report.late) lines.push(`  ${r.sensor.padEnd(8)} measured at ${seconds(r.at).padStart(7)} s  ${r.celsius.toFixed(1)} °C`);
  return lines.join('\n');
}

if (require.main === module) {
  main()
    .then((report) => console.log(formatReport(report)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
