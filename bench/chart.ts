/**
 * The benchmark chart: turns a `npm run bench -- --json FILE` result into an SVG.
 *
 *   npm run bench:chart                                   # bench/results/run.json → docs/performance.svg
 *   node dist/bench/chart.js IN.json OUT.svg [--date YYYY-MM-DD] [--label TEXT] [--markdown]
 *   node dist/bench/chart.js A.json B.json OUT.svg        # several runs (e.g. one per --size) in one chart
 *
 *   --date      the date in the title (default: the JSON's `date` field if it has
 *               one, else the day the newest JSON file was last written, in UTC)
 *   --label     a few words added to the title line, e.g. "baseline (before)"
 *   --markdown  also print the results as Markdown tables (for docs/performance.md)
 *
 * What it draws (plain string generation, no dependency):
 * - one group of horizontal bars per workload, one bar per variant other than
 *   `hand`: its ratio to the hand loop (records/s ÷ hand's records/s, medians),
 *   on a LOG scale drawn from the hand line at 1.0 (left: slower than the hand
 *   loop, right: faster), so that 0.05 and 2.0 are both readable;
 * - the issue's target per workload as a dashed mark across its group;
 * - per bar the ratio, its paired and CPU-time variants, and for the engine
 *   whether the target is met;
 * - below, a panel with W6 (checkpoint cost: snapshot on the record path,
 *   restore, write, size) and the other targets (W1 peak RSS, W1 engine ÷ rxjs-operators).
 *
 * The SVG depends on the JSON (and the date and label) only: same input, same bytes.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** One entry of the JSON's `runs`, as far as the chart reads it. */
export interface ChartRun {
  readonly workload: string;
  readonly variant: string;
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly ratioToHand: number;
  readonly peakRssBytes: number | null;
  readonly ratioToHandPaired?: number;
  readonly ratioToHandCpu?: number;
  /** Any extra numeric field a workload reports (W6: snapshotMsOnRecordPath, restoreMs, …). */
  readonly extras: Readonly<Record<string, number>>;
}

export interface ChartReport {
  readonly node: string;
  readonly date?: string;
  readonly runs: readonly ChartRun[];
}

export interface ChartOptions {
  /** Shown in the title line (YYYY-MM-DD). */
  readonly date: string;
  /** A few words added to the title line. */
  readonly label?: string;
}

/** Issue 15's throughput targets: the engine's ratio to the hand loop must be at least this. */
export const RATIO_TARGETS: Readonly<Record<string, number>> = {
  W1: 1.0,
  W1L: 1.0,
  W2: 0.95,
  W3: 1.5,
  W4: 0.8,
  W7: 1.0,
};

/** Workloads shown in the panel instead of the bars (their ratio is not what they measure). */
const PANEL_ONLY = new Set(['W6']);

/** W6 targets: a checkpoint adds under 1 ms to the record path, a restore takes under 3 s, at this many keys. */
export const W6_TARGETS = { snapshotMsOnRecordPath: 1, restoreMs: 3000, keys: 1_000_000 } as const;
/** W1: engine peak RSS at most 1.3× the hand loop's; engine at least 20× the rxjs-operators version. */
export const W1_TARGETS = { rssToHand: 1.3, overRxjsOperators: 20 } as const;

const KNOWN_FIELDS = new Set([
  'workload', 'variant', 'records', 'recordsPerSecond', 'ratioToHand', 'peakRssBytes', 'checksum',
  'medianMs', 'minRecordsPerSecond', 'maxRecordsPerSecond', 'reps', 'ratioToHandPaired', 'medianCpuMs', 'ratioToHandCpu', 'note',
]);

// ── reading the JSON ──────────────────────────────────────────────────────

/** Checks the parsed JSON and keeps what the chart needs; throws an Error naming the first bad field. */
export function parseReport(json: unknown): ChartReport {
  if (typeof json !== 'object' || json === null) throw new Error('bench chart: the JSON is not an object');
  const o = json as Record<string, unknown>;
  if (typeof o.node !== 'string') throw new Error('bench chart: "node" must be a string');
  if (!Array.isArray(o.runs) || o.runs.length === 0) throw new Error('bench chart: "runs" must be a non-empty array');
  const runs = o.runs.map((raw: unknown, i: number): ChartRun => {
    if (typeof raw !== 'object' || raw === null) throw new Error(`bench chart: runs[${i}] is not an object`);
    const r = raw as Record<string, unknown>;
    const str = (f: string): string => {
      if (typeof r[f] !== 'string' || r[f] === '') throw new Error(`bench chart: runs[${i}].${f} must be a non-empty string`);
      return r[f] as string;
    };
    const num = (f: string, positive: boolean): number => {
      const v = r[f];
      if (typeof v !== 'number' || !Number.isFinite(v) || (positive ? v <= 0 : v < 0)) {
        throw new Error(`bench chart: runs[${i}].${f} must be a ${positive ? 'positive' : 'non-negative'} number, got ${JSON.stringify(v)}`);
      }
      return v;
    };
    const optional = (f: string): number | undefined => (r[f] === undefined || r[f] === null ? undefined : num(f, true));
    const extras: Record<string, number> = {};
    for (const f of Object.keys(r).sort()) {
      if (!KNOWN_FIELDS.has(f) && typeof r[f] === 'number' && Number.isFinite(r[f])) extras[f] = r[f] as number;
    }
    return {
      workload: str('workload'),
      variant: str('variant'),
      records: num('records', false),
      recordsPerSecond: num('recordsPerSecond', false),
      ratioToHand: num('ratioToHand', true),
      peakRssBytes: r.peakRssBytes === null || r.peakRssBytes === undefined ? null : num('peakRssBytes', true),
      ratioToHandPaired: optional('ratioToHandPaired'),
      ratioToHandCpu: optional('ratioToHandCpu'),
      extras,
    };
  });
  return { node: o.node, date: typeof o.date === 'string' ? o.date : undefined, runs };
}

// ── formatting ────────────────────────────────────────────────────────────

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A ratio as printed: two decimals, or two significant digits below 0.1 (0.076). */
export function formatRatio(r: number): string {
  return r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
}

/** A duration in ms: three significant digits below 10 ms, whole ms above. */
function formatMs(ms: number): string {
  return ms < 10 ? `${+ms.toPrecision(3)} ms` : `${Math.round(ms).toLocaleString('en-US')} ms`;
}

function formatBytes(b: number): string {
  return b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`;
}

/** Coordinates with one decimal: short and stable. */
const n = (x: number): string => (Math.round(x * 10) / 10).toString();

// ── scale ─────────────────────────────────────────────────────────────────

/** The 1–2–5 steps from 10^lo to 10^hi. */
function steps125(fromExp: number, toExp: number): number[] {
  const out: number[] = [];
  for (let e = fromExp; e <= toExp; e++) for (const m of [1, 2, 5]) out.push(+(m * 10 ** e).toPrecision(1));
  return out;
}

/** The log axis domain [lo, hi] on 1–2–5 steps, holding 1, every value and every target with a little room. */
export function logDomain(values: readonly number[]): { lo: number; hi: number; ticks: number[] } {
  const min = Math.min(1, ...values) / 1.15;
  const max = Math.max(2, ...values) * 1.15;
  const all = steps125(Math.floor(Math.log10(min)) - 1, Math.ceil(Math.log10(max)) + 1);
  const lo = [...all].reverse().find((t) => t <= min) ?? all[0];
  const hi = all.find((t) => t >= max) ?? all[all.length - 1];
  return { lo, hi, ticks: all.filter((t) => t >= lo && t <= hi) };
}

// ── colours ───────────────────────────────────────────────────────────────

const VARIANT_COLOURS: Readonly<Record<string, string>> = {
  engine: '#2563eb',
  'rxjs-careful': '#d97706',
  'rxjs-operators': '#dc2626',
  most: '#059669',
};
const OTHER_COLOURS = ['#7c3aed', '#0891b2', '#be185d', '#65a30d', '#78716c'];
const TARGET_COLOUR = '#b91c1c';
const MET = '#15803d';
const MISSED = '#b91c1c';

// ── the SVG ───────────────────────────────────────────────────────────────

interface Group {
  readonly workload: string;
  readonly records: number;
  readonly rows: ChartRun[];
  readonly target: number | undefined;
}

const WIDTH = 1000;
const PLOT_X0 = 190;
const PLOT_X1 = 630;
const VALUE_X = 660;
const ROW_H = 20;
const BAR_H = 12;
const HEADER_H = 22;
const GROUP_GAP = 10;

/** Renders the report as an SVG document (a string ending in a newline). */
export function renderChart(report: ChartReport, options: ChartOptions): string {
  const groups: Group[] = [];
  for (const r of report.runs) {
    if (PANEL_ONLY.has(r.workload)) continue;
    let g = groups.find((x) => x.workload === r.workload);
    if (g === undefined) {
      g = { workload: r.workload, records: r.records, rows: [], target: RATIO_TARGETS[r.workload] };
      groups.push(g);
    }
    if (r.variant !== 'hand') g.rows.push(r);
  }
  // A colour per variant: fixed for the known ones, the others in order of first appearance.
  const colours = new Map<string, string>();
  let others = 0;
  for (const g of groups) {
    for (const r of g.rows) {
      if (!colours.has(r.variant)) colours.set(r.variant, VARIANT_COLOURS[r.variant] ?? OTHER_COLOURS[others++ % OTHER_COLOURS.length]);
    }
  }
  const { lo, hi, ticks } = logDomain([
    ...groups.flatMap((g) => g.rows.map((r) => r.ratioToHand)),
    ...groups.flatMap((g) => (g.target === undefined ? [] : [g.target])),
  ]);
  const x = (v: number): number => PLOT_X0 + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (PLOT_X1 - PLOT_X0);

  const body: string[] = [];
  const text = (tx: number, ty: number, s: string, attrs = ''): string =>
    `<text x="${n(tx)}" y="${n(ty)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(s)}</text>`;

  // Title and legend.
  const title = 'streamlite-rx: throughput relative to the hand-written loop';
  const subtitle = [`node ${report.node}`, options.date, options.label].filter((s) => s !== undefined && s !== '').join(' · ');
  body.push(text(20, 28, title, 'font-size="18" font-weight="bold"'));
  body.push(text(20, 48, subtitle, 'font-size="13" fill="#444"'));
  let lx = 20;
  const legendY = 70;
  for (const [variant, colour] of colours) {
    body.push(`<rect x="${n(lx)}" y="${legendY - 10}" width="12" height="12" fill="${colour}"/>`);
    body.push(text(lx + 16, legendY, variant, 'font-size="12"'));
    lx += 16 + 7.2 * variant.length + 18;
  }
  body.push(`<line x1="${n(lx)}" y1="${legendY - 11}" x2="${n(lx)}" y2="${legendY + 3}" stroke="#111" stroke-width="2"/>`);
  body.push(text(lx + 6, legendY, 'hand loop = 1.0', 'font-size="12"'));
  lx += 6 + 7.2 * 15 + 18;
  body.push(`<line x1="${n(lx)}" y1="${legendY - 11}" x2="${n(lx)}" y2="${legendY + 3}" stroke="${TARGET_COLOUR}" stroke-width="2" stroke-dasharray="4 3"/>`);
  body.push(text(lx + 6, legendY, 'target (issue 15)', 'font-size="12"'));

  // Rows: a header per workload, a row per variant other than hand.
  const plotTop = 100;
  let y = plotTop + 18;
  const placed: { g: Group; top: number; bottom: number }[] = [];
  for (const g of groups) {
    const top = y;
    y += HEADER_H + g.rows.length * ROW_H;
    placed.push({ g, top, bottom: y });
    y += GROUP_GAP;
  }
  const plotBottom = y;
  // Layers, back to front: group backgrounds, grid, the hand line, bars and targets.
  for (const { top, bottom } of placed) body.push(`<rect x="14" y="${n(top)}" width="${WIDTH - 28}" height="${n(bottom - top)}" fill="#f8fafc"/>`);
  for (const t of ticks) {
    const tx = x(t);
    body.push(`<line x1="${n(tx)}" y1="${plotTop + 4}" x2="${n(tx)}" y2="${n(plotBottom)}" stroke="#e5e7eb" stroke-width="1"/>`);
    body.push(text(tx, plotTop, String(t), 'font-size="11" fill="#555" text-anchor="middle"'));
    body.push(text(tx, plotBottom + 14, String(t), 'font-size="11" fill="#555" text-anchor="middle"'));
  }
  body.push(text((PLOT_X0 + PLOT_X1) / 2, plotBottom + 32, 'ratio to the hand loop (median records/s ÷ hand’s; log scale, bars drawn from 1.0)', 'font-size="12" fill="#333" text-anchor="middle"'));
  body.push(text(VALUE_X, plotTop, 'ratio (paired · cpu)', 'font-size="11" fill="#555"'));
  body.push(`<line class="hand" x1="${n(x(1))}" y1="${plotTop + 4}" x2="${n(x(1))}" y2="${n(plotBottom)}" stroke="#111" stroke-width="2"/>`);

  for (const { g, top, bottom } of placed) {
    body.push(`<g data-workload="${escapeXml(g.workload)}">`);
    body.push(text(20, top + 15, g.workload, 'font-size="13" font-weight="bold"'));
    body.push(text(20 + 9 * g.workload.length + 8, top + 15, `${g.records.toLocaleString('en-US')} records`, 'font-size="11" fill="#555"'));
    if (g.target !== undefined) {
      const tx = x(g.target);
      body.push(`<line class="target" data-target="${formatTarget(g.target)}" x1="${n(tx)}" y1="${n(top + 4)}" x2="${n(tx)}" y2="${n(bottom - 2)}" stroke="${TARGET_COLOUR}" stroke-width="2" stroke-dasharray="4 3"/>`);
      body.push(text(tx + 4, top + 14, `target ≥ ${formatTarget(g.target)}`, `font-size="11" fill="${TARGET_COLOUR}"`));
    }
    g.rows.forEach((r, i) => {
      const barY = top + HEADER_H + i * ROW_H + (ROW_H - BAR_H) / 2 - 2;
      const baseline = barY + BAR_H - 2;
      const x1 = x(1);
      const xr = x(r.ratioToHand);
      body.push(text(PLOT_X0 - 8, baseline, r.variant, 'font-size="12" text-anchor="end"'));
      body.push(
        `<rect class="bar" data-variant="${escapeXml(r.variant)}" data-ratio="${formatRatio(r.ratioToHand)}" ` +
          `x="${n(Math.min(x1, xr))}" y="${n(barY)}" width="${n(Math.max(Math.abs(xr - x1), 1))}" height="${BAR_H}" fill="${colours.get(r.variant)}"/>`,
      );
      const extra = [r.ratioToHandPaired, r.ratioToHandCpu].map((v) => (v === undefined ? '–' : formatRatio(v))).join(' · ');
      body.push(text(VALUE_X, baseline, formatRatio(r.ratioToHand), 'font-size="12" font-weight="bold"'));
      body.push(text(VALUE_X + 46, baseline, `(${extra})`, 'font-size="11" fill="#555"'));
      if (r.variant === 'engine' && g.target !== undefined) {
        const met = r.ratioToHand >= g.target;
        const status = met ? 'target met' : `target missed: ${formatRatio(r.ratioToHand / g.target)} × the target`;
        body.push(text(VALUE_X + 142, baseline, status, `font-size="11" fill="${met ? MET : MISSED}"`));
      }
    });
    body.push('</g>');
  }

  // The panel: W6 and the other targets, a small table per workload.
  let py = plotBottom + 64;
  const sections = panelSections(report);
  if (sections.length > 0) {
    const cols = [20, 330, 450, 570, 800];
    body.push('<g class="panel">');
    body.push(text(20, py, 'Other targets', 'font-size="14" font-weight="bold"'));
    for (const section of sections) {
      py += 24;
      body.push(text(20, py, section.heading, 'font-size="12" font-weight="bold"'));
      ['engine', 'hand', 'target'].forEach((h, i) => body.push(text(cols[i + 1], py, h, 'font-size="11" fill="#555"')));
      py += 5;
      body.push(`<line x1="20" y1="${n(py)}" x2="${WIDTH - 20}" y2="${n(py)}" stroke="#d1d5db" stroke-width="1"/>`);
      for (const row of section.rows) {
        py += 17;
        [row.measure, row.engine, row.hand, row.target].forEach((c, i) => body.push(text(cols[i], py, c, 'font-size="12"')));
        if (row.met !== undefined) body.push(text(cols[4], py, statusOf(row), `font-size="12" fill="${row.met ? MET : MISSED}"`));
      }
    }
    body.push('</g>');
    py += 8;
  }
  const height = Math.ceil(py + 12);

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(`${title} (${subtitle})`)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** A target as printed: 1.0, 0.95, 1.5, 0.8. */
function formatTarget(t: number): string {
  return Number.isInteger(t) ? t.toFixed(1) : String(t);
}

interface PanelRow {
  readonly measure: string;
  readonly engine: string;
  readonly hand: string;
  readonly target: string;
  /** Whether the engine meets the target; absent when there is no target. */
  readonly met?: boolean;
  /** Said after met/missed when the run's size is not the one the target is stated for. */
  readonly scope?: string;
}

/** met / missed, with the scope when there is one. */
function statusOf(row: PanelRow): string {
  if (row.met === undefined) return '';
  return `${row.met ? 'met' : 'missed'}${row.scope === undefined ? '' : ` ${row.scope}`}`;
}

interface PanelSection {
  readonly heading: string;
  readonly rows: readonly PanelRow[];
}

/** The W6 rows (checkpoint cost) and the W1 rows (memory, the rxjs-operators peer), for what the report holds. */
export function panelSections(report: ChartReport): PanelSection[] {
  const find = (w: string, v: string): ChartRun | undefined => report.runs.find((r) => r.workload === w && r.variant === v);
  const sections: PanelSection[] = [];
  const e6 = find('W6', 'engine');
  const h6 = find('W6', 'hand');
  if (e6 !== undefined) {
    const rows: PanelRow[] = [];
    const cells = (f: string, fmt: (v: number) => string) => ({
      engine: e6.extras[f] === undefined ? '–' : fmt(e6.extras[f]),
      hand: h6?.extras[f] === undefined ? '–' : fmt(h6.extras[f]),
    });
    const snap = e6.extras.snapshotMsOnRecordPath;
    const restore = e6.extras.restoreMs;
    // The targets are stated at 1,000,000 keys: say so when the run had another size.
    const at = e6.records === W6_TARGETS.keys ? '' : ` at ${W6_TARGETS.keys.toLocaleString('en-US')} keys`;
    const scope = e6.records === W6_TARGETS.keys ? undefined : `at ${e6.records.toLocaleString('en-US')}`;
    rows.push({
      measure: 'checkpoint cost on the record path',
      ...cells('snapshotMsOnRecordPath', formatMs),
      target: `< ${W6_TARGETS.snapshotMsOnRecordPath} ms${at}`,
      met: snap === undefined ? undefined : snap < W6_TARGETS.snapshotMsOnRecordPath,
      scope,
    });
    rows.push({
      measure: 'restore',
      ...cells('restoreMs', formatMs),
      target: `< ${W6_TARGETS.restoreMs.toLocaleString('en-US')} ms${at}`,
      met: restore === undefined ? undefined : restore < W6_TARGETS.restoreMs,
      scope,
    });
    if (e6.extras.writeMs !== undefined) rows.push({ measure: 'serialize and write (off the record path)', ...cells('writeMs', formatMs), target: '–' });
    if (e6.extras.serializedBytes !== undefined) rows.push({ measure: 'checkpoint size', ...cells('serializedBytes', formatBytes), target: '–' });
    sections.push({ heading: `W6: checkpoint of keyed state, ${e6.records.toLocaleString('en-US')} keys`, rows });
  }
  const e1 = find('W1', 'engine');
  const h1 = find('W1', 'hand');
  const rows1: PanelRow[] = [];
  if (e1 !== undefined && h1 !== undefined && e1.peakRssBytes !== null && h1.peakRssBytes !== null) {
    const ratio = e1.peakRssBytes / h1.peakRssBytes;
    rows1.push({
      measure: `peak RSS (engine ÷ hand = ${formatRatio(ratio)})`,
      engine: formatBytes(e1.peakRssBytes),
      hand: formatBytes(h1.peakRssBytes),
      target: `≤ ${W1_TARGETS.rssToHand} × hand`,
      met: ratio <= W1_TARGETS.rssToHand,
    });
  }
  const ops = find('W1', 'rxjs-operators');
  if (e1 !== undefined && ops !== undefined) {
    const times = e1.ratioToHand / ops.ratioToHand;
    rows1.push({
      measure: 'engine ÷ rxjs-operators',
      engine: `${times.toFixed(1)} ×`,
      hand: '–',
      target: `≥ ${W1_TARGETS.overRxjsOperators} ×`,
      met: times >= W1_TARGETS.overRxjsOperators,
    });
  }
  if (rows1.length > 0) sections.push({ heading: `W1, ${e1!.records.toLocaleString('en-US')} records`, rows: rows1 });
  return sections;
}

// ── the Markdown table ────────────────────────────────────────────────────

/** The results as a Markdown table, one row per workload and variant (for docs/performance.md). */
export function markdownTable(report: ChartReport): string {
  const lines = [
    '| workload | variant | records | records/s | ratio to hand | paired | cpu | peak RSS | target (engine) |',
    '|---|---|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const r of report.runs) {
    const target = RATIO_TARGETS[r.workload];
    const status =
      r.variant !== 'engine' || target === undefined ? '' : `≥ ${formatTarget(target)}: ${r.ratioToHand >= target ? 'met' : 'missed'}`;
    const rps = r.recordsPerSecond >= 1e6 ? `${(r.recordsPerSecond / 1e6).toFixed(2)} M` : `${(r.recordsPerSecond / 1e3).toFixed(0)} k`;
    lines.push(
      `| ${r.workload} | ${r.variant} | ${r.records.toLocaleString('en-US')} | ${rps} | ${formatRatio(r.ratioToHand)} | ` +
        `${r.ratioToHandPaired === undefined ? '–' : formatRatio(r.ratioToHandPaired)} | ` +
        `${r.ratioToHandCpu === undefined ? '–' : formatRatio(r.ratioToHandCpu)} | ` +
        `${r.peakRssBytes === null ? '–' : `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`} | ${status} |`,
    );
  }
  return lines.join('\n');
}

/** The panel (W6, W1 memory and peer) as a Markdown table. */
export function markdownPanel(report: ChartReport): string {
  const lines = ['| measure | engine | hand | target | |', '|---|--:|--:|---|---|'];
  for (const section of panelSections(report)) {
    for (const r of section.rows) {
      lines.push(`| ${section.heading}: ${r.measure} | ${r.engine} | ${r.hand} | ${r.target} | ${statusOf(r)} |`);
    }
  }
  return lines.join('\n');
}

// ── command line ──────────────────────────────────────────────────────────

/**
 * Several results (e.g. one `npm run bench` per size) as one: runs in file
 * order, a later entry of the same workload and variant replacing an earlier
 * one; the node versions joined when they differ, the latest date kept.
 */
export function mergeReports(reports: readonly ChartReport[]): ChartReport {
  const runs: ChartRun[] = [];
  for (const report of reports) {
    for (const r of report.runs) {
      const i = runs.findIndex((x) => x.workload === r.workload && x.variant === r.variant);
      if (i >= 0) runs[i] = r;
      else runs.push(r);
    }
  }
  const nodes = [...new Set(reports.map((r) => r.node))];
  const dates = reports.flatMap((r) => (r.date === undefined ? [] : [r.date])).sort();
  return { node: nodes.join(' / '), date: dates[dates.length - 1], runs };
}

const USAGE = 'usage: node dist/bench/chart.js [IN.json … OUT.svg] [--date YYYY-MM-DD] [--label TEXT] [--markdown]';

/** The command line (exported for the test): reads the JSON file(s), writes the SVG. */
export function main(argv: readonly string[]): void {
  const positional: string[] = [];
  let date: string | undefined;
  let label: string | undefined;
  let markdown = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--date' || a === '--label') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      if (a === '--date') date = v;
      else label = v;
    } else if (a === '--markdown') markdown = true;
    else if (a.startsWith('--')) throw new Error(`unknown option '${a}'\n${USAGE}`);
    else positional.push(a);
  }
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`--date: expected YYYY-MM-DD, got '${date}'`);
  // One argument is the input; with two or more, the last is the output.
  const inputs = positional.length === 0 ? ['bench/results/run.json'] : positional.length === 1 ? positional : positional.slice(0, -1);
  const output = positional.length >= 2 ? positional[positional.length - 1] : 'docs/performance.svg';
  if (!output.endsWith('.svg')) throw new Error(`the output must be an .svg file, got '${output}'\n${USAGE}`);
  const report = mergeReports(inputs.map((f) => parseReport(JSON.parse(readFileSync(f, 'utf8')) as unknown)));
  const written = inputs.map((f) => statSync(f).mtime.toISOString().slice(0, 10)).sort();
  const day = date ?? report.date?.slice(0, 10) ?? written[written.length - 1];
  mkdirSync(dirname(resolve(output)), { recursive: true });
  writeFileSync(output, renderChart(report, { date: day, label }));
  console.log(`wrote ${output} (from ${inputs.join(', ')}: ${report.runs.length} runs, dated ${day})`);
  if (markdown) console.log(`\n${markdownTable(report)}\n\n${markdownPanel(report)}`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
