import { main as wordCount } from '../examples/word-count';
import { generateReadings, main as sensors, SENSOR_SETTINGS, type Reading } from '../examples/sensors';

describe('examples/word-count', () => {
  it('counts the words of the two lines', async () => {
    expect(await wordCount()).toEqual([
      ['the', 2],
      ['quick', 1],
      ['brown', 1],
      ['fox', 1],
      ['lazy', 1],
      ['dog', 1],
    ]);
  });
});

/** What the brute force expects of one (sensor, window). */
interface ExpectedWindow {
  readonly sensor: string;
  readonly start: number;
  readonly end: number;
  /** Every reading the window accepted, in arrival order. */
  readonly all: number[];
  /** Those accepted before the watermark reached end − 1 (the ON_TIME pane). */
  readonly onTime: number[];
  /** Readings accepted after it (each fires a LATE pane). */
  latePanes: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The semantics of DESIGN.md, computed record by record with no engine code:
 * the watermark a reading meets is `max(earlier timestamps) − d − 1`
 * (per-record emission); its windows are every `[s, s + size)` with `s` a
 * multiple of the slide and `s ≤ at < s + size`; a window is late when
 * `end − 1 + lateness ≤ W`; a reading all of whose windows are late is a late
 * record, otherwise it joins the open ones — in the on-time pane while
 * `W < end − 1`, as a LATE pane after.
 */
function bruteForce(readings: readonly Reading[]) {
  const { windowSize: size, windowSlide: slide, maxOutOfOrderness: d, allowedLateness: lateness } = SENSOR_SETTINGS;
  const windows = new Map<string, ExpectedWindow>();
  const late: Reading[] = [];
  let partiallyLate = 0;
  let max = -Infinity;
  for (const r of readings) {
    const wm = max - d - 1; // −Infinity before any reading: nothing is late
    const mine: { start: number; end: number }[] = [];
    for (let s = Math.floor((r.at - size) / slide) * slide; s <= r.at; s += slide) {
      if (s <= r.at && r.at < s + size) mine.push({ start: s, end: s + size });
    }
    const open = mine.filter((w) => w.end - 1 + lateness > wm);
    if (open.length === 0) late.push(r);
    else if (open.length < mine.length) partiallyLate++;
    for (const w of open) {
      const id = `${r.sensor} ${w.start}`;
      let e = windows.get(id);
      if (e === undefined) {
        e = { sensor: r.sensor, start: w.start, end: w.end, all: [], onTime: [], latePanes: 0 };
        windows.set(id, e);
      }
      e.all.push(r.celsius);
      if (wm < w.end - 1) e.onTime.push(r.celsius);
      else e.latePanes++;
    }
    if (r.at > max) max = r.at;
  }
  return { windows, late, partiallyLate };
}

describe('examples/sensors', () => {
  const readings = generateReadings();
  const expected = bruteForce(readings);

  it('generates data that exercises every lateness rule', () => {
    expect(readings).toHaveLength(SENSOR_SETTINGS.sensors.length * SENSOR_SETTINGS.readingsPerSensor);
    expect(expected.late.length).toBeGreaterThan(0); // too late for all their windows
    expect(expected.partiallyLate).toBeGreaterThan(0); // late for one window, on time for the other
    expect([...expected.windows.values()].some((w) => w.latePanes > 0)).toBe(true); // re-fired within the allowed lateness
    expect(expected.windows.get('boiler -5000')).toBeDefined(); // windows may start before 0
  });

  it('computes every (sensor, window) average and every pane as the brute force does', async () => {
    const report = await sensors(readings);
    const want = [...expected.windows.values()];
    expect(report.averages.map((a) => `${a.sensor} ${a.start} ${a.end}`).sort()).toEqual(want.map((w) => `${w.sensor} ${w.start} ${w.end}`).sort());
    for (const w of want) {
      const got = report.averages.find((a) => a.sensor === w.sensor && a.start === w.start)!;
      expect(got.average).toBeCloseTo(mean(w.all), 9);
      const panes = report.panes.filter((p) => p.key === w.sensor && p.start === w.start);
      const timings = [...(w.onTime.length > 0 ? ['ON_TIME'] : []), ...Array<string>(w.latePanes).fill('LATE')];
      expect(panes.map((p) => p.pane.timing)).toEqual(timings);
      expect(panes.map((p) => p.pane.index)).toEqual(timings.map((_, i) => i));
      expect(panes.every((p) => p.end === w.end && !p.retraction)).toBe(true);
      if (w.onTime.length > 0) expect(panes[0].value).toBeCloseTo(mean(w.onTime), 9);
      expect(got.panes).toBe(timings.length);
    }
  });

  it('reports the late readings on the side output and the counter, once each', async () => {
    const report = await sensors(readings);
    expect(report.late).toEqual(expected.late);
    expect(report.lateCount).toBe(expected.late.length);
  });

  it('gives the same report for any batch size', async () => {
    const reference = await sensors(readings);
    for (const batchSize of [1, 7, 1_000]) expect(await sensors(readings, batchSize)).toEqual(reference);
  });

  it('agrees with the brute force on other seeds', async () => {
    for (const seed of [1, 2, 3]) {
      const other = generateReadings(seed);
      const want = bruteForce(other);
      const report = await sensors(other);
      expect(report.late).toEqual(want.late);
      expect(report.lateCount).toBe(want.late.length);
      expect(report.averages).toHaveLength(want.windows.size);
      for (const a of report.averages) expect(a.average).toBeCloseTo(mean(want.windows.get(`${a.sensor} ${a.start}`)!.all), 9);
    }
  });
});
