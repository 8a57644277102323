/**
 * bench/chart.ts: a small result JSON in, an SVG out — bars per workload and
 * variant (hand as the reference line), the targets, numeric labels,
 * the W6 panel, well-formed markup, the same bytes for the same input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeXml, logDomain, main, markdownPanel, markdownTable, mergeReports, panelSections, parseReport, renderChart } from '../bench/chart';

const run = (workload: string, variant: string, ratioToHand: number, extra: Record<string, unknown> = {}) => ({
  workload,
  variant,
  records: 200_000,
  recordsPerSecond: 8e6 * ratioToHand,
  ratioToHand,
  peakRssBytes: 100 * 2 ** 20,
  checksum: 'abc/1',
  medianMs: 25 / ratioToHand,
  minRecordsPerSecond: 7e6 * ratioToHand,
  maxRecordsPerSecond: 9e6 * ratioToHand,
  reps: 15,
  ratioToHandPaired: ratioToHand === 1 ? 1 : ratioToHand * 1.01,
  medianCpuMs: 30 / ratioToHand,
  ratioToHandCpu: ratioToHand === 1 ? 1 : ratioToHand * 0.9,
  ...extra,
});

const tiny = {
  node: 'v20.20.2',
  runs: [
    run('W1', 'engine', 1.12, { peakRssBytes: 120 * 2 ** 20 }),
    run('W1', 'hand', 1),
    run('W1', 'rxjs-operators', 0.046, { note: 'no event time' }),
    run('W3', 'engine', 0.37),
    run('W3', 'hand', 1),
    run('W6', 'engine', 0.12, { snapshotMsOnRecordPath: 0.115, restoreMs: 3900, writeMs: 475, serializedBytes: 4_958_547 }),
    run('W6', 'hand', 1, { snapshotMsOnRecordPath: 41.2, restoreMs: 94.8, writeMs: 53, serializedBytes: 3_577_786 }),
  ],
};

const render = (json: unknown = tiny) => renderChart(parseReport(json), { date: '2026-11-25', label: 'baseline (before)' });

/** Checks that every tag is closed in order (comments and self-closing tags allowed); returns the tag names opened. */
function checkBalanced(svg: string): string[] {
  const stack: string[] = [];
  const opened: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    // Between tags: text only, with no stray markup characters.
    const between = svg.slice(at, m.index);
    expect(between).not.toMatch(/[<>]/);
    at = tag.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      expect(stack.pop()).toBe(name);
    } else {
      opened.push(name);
      if (!selfClosing) stack.push(name);
    }
  }
  expect(svg.slice(at).trim()).toBe('');
  expect(stack).toEqual([]);
  return opened;
}

/** The `<rect class="bar" …>` elements as attribute maps. */
function bars(svg: string): Record<string, string>[] {
  return [...svg.matchAll(/<rect class="bar"([^>]*)\/>/g)].map((m) =>
    Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
  );
}

describe('bench chart', () => {
  it('draws one bar per workload and non-hand variant, with its ratio, W6 left to the panel', () => {
    const svg = render();
    const b = bars(svg);
    expect(b.map((x) => `${x['data-variant']}=${x['data-ratio']}`)).toEqual(['engine=1.12', 'rxjs-operators=0.046', 'engine=0.37']);
    expect(svg).toContain('data-workload="W1"');
    expect(svg).toContain('data-workload="W3"');
    expect(svg).not.toContain('data-workload="W6"');
    // numeric labels beside the bars, with the paired and cpu ratios
    expect(svg).toContain('>1.12</text>');
    expect(svg).toContain('>0.046</text>');
    expect(svg).toContain('(0.046 · 0.041)');
    // the hand loop is the reference line, not a bar
    expect(svg).toMatch(/<line class="hand" /);
    expect(svg).not.toContain('data-variant="hand"');
  });

  it('marks the targets and whether the engine meets them', () => {
    const svg = render();
    expect(svg).toContain('data-target="1.0"');
    expect(svg).toContain('data-target="1.5"');
    expect(svg).toContain('target ≥ 1.5');
    expect(svg).toContain('target met'); // W1 1.12 ≥ 1.0
    expect(svg).toContain('target missed: 0.25 × the target'); // W3 0.37 / 1.5
  });

  it('puts the hand line at 1.0 and bars on a log scale from it, so ~0.05 stays readable', () => {
    const svg = render();
    const hand = Number(/<line class="hand" x1="([\d.]+)"/.exec(svg)![1]);
    const [w1, ops, w3] = bars(svg);
    // faster than hand: the bar starts at the hand line and goes right
    expect(Number(w1.x)).toBeCloseTo(hand, 0);
    // slower: it ends at the hand line
    expect(Number(ops.x) + Number(ops.width)).toBeCloseTo(hand, 0);
    expect(Number(w3.x) + Number(w3.width)).toBeCloseTo(hand, 0);
    // log scale: 0.046 is ~4.5× farther from 1 than 0.37 is (log 0.046 / log 0.37), not 1.5× as on a linear axis
    expect(Number(ops.width) / Number(w3.width)).toBeCloseTo(Math.log(0.046) / Math.log(0.37), 1);
    const d = logDomain([0.046, 1.12, 1.5]);
    expect(d.lo).toBeLessThanOrEqual(0.046);
    expect(d.hi).toBeGreaterThanOrEqual(1.5);
    expect(d.ticks).toContain(1);
  });

  it('has a title line with the node version, the date and the label', () => {
    expect(render()).toContain('node v20.20.2 · 2026-11-25 · baseline (before)');
  });

  it('shows W6 and the W1 memory and peer targets in a panel', () => {
    const svg = render();
    expect(svg).toContain('W6: checkpoint of keyed state, 200,000 keys');
    expect(svg).toContain('0.115 ms');
    expect(svg).toContain('&lt; 1 ms at 1,000,000 keys');
    expect(svg).toContain('3,900 ms');
    const sections = panelSections(parseReport(tiny));
    const w6 = sections[0].rows;
    expect(w6.map((r) => [r.measure, r.met])).toEqual([
      ['checkpoint cost on the record path', true],
      ['restore', false], // 3,900 ms ≥ 3,000 ms
      ['serialize and write (off the record path)', undefined],
      ['checkpoint size', undefined],
    ]);
    const w1 = sections[1].rows;
    expect(w1[0]).toMatchObject({ measure: 'peak RSS (engine ÷ hand = 1.20)', met: true });
    expect(w1[1]).toMatchObject({ measure: 'engine ÷ rxjs-operators', engine: '24.3 ×', met: true });
  });

  it('is well-formed markup, escapes text, and gives the same bytes for the same JSON', () => {
    const weird = { ...tiny, runs: [...tiny.runs, run('W9', 'a<b&"c"', 0.5), run('W9', 'hand', 1)] };
    const svg = render(weird);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>\n')).toBe(true);
    const tags = checkBalanced(svg);
    expect(tags.filter((t) => t === 'svg')).toHaveLength(1);
    expect(svg).toContain('a&lt;b&amp;&quot;c&quot;');
    expect(svg).not.toContain('a<b');
    expect(render(JSON.parse(JSON.stringify(weird)))).toBe(svg);
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
  });

  it('rejects a JSON that is not a bench result', () => {
    expect(() => parseReport({ runs: [] })).toThrow(/"node"/);
    expect(() => parseReport({ node: 'v20', runs: [] })).toThrow(/"runs"/);
    expect(() => parseReport({ node: 'v20', runs: [{ ...run('W1', 'engine', 1), ratioToHand: 0 }] })).toThrow(/ratioToHand/);
    expect(() => parseReport({ node: 'v20', runs: [{ ...run('W1', 'engine', 1), workload: undefined }] })).toThrow(/workload/);
  });

  it('prints a Markdown table with the engine target status', () => {
    const table = markdownTable(parseReport(tiny)).split('\n');
    expect(table).toHaveLength(2 + tiny.runs.length);
    expect(table[2]).toMatch(/^\| W1 \| engine \| 200,000 \| .* \| 1\.12 \| .* \| ≥ 1\.0: met \|$/);
    expect(table[5]).toMatch(/\| W3 \| engine \|.*\| ≥ 1\.5: missed \|$/);
  });

  it('merges several results, a later entry of a workload and variant replacing an earlier one', () => {
    const a = parseReport(tiny);
    const b = parseReport({ node: 'v20.20.2', runs: [run('W3', 'engine', 1.6), run('W3', 'hand', 1), run('W4', 'engine', 0.9), run('W4', 'hand', 1)] });
    const merged = mergeReports([a, b]);
    expect(merged.node).toBe('v20.20.2');
    expect(merged.runs.map((r) => `${r.workload}/${r.variant}=${r.ratioToHand}`)).toEqual([
      'W1/engine=1.12', 'W1/hand=1', 'W1/rxjs-operators=0.046', 'W3/engine=1.6', 'W3/hand=1', 'W6/engine=0.12', 'W6/hand=1', 'W4/engine=0.9', 'W4/hand=1',
    ]);
    expect(mergeReports([a, { ...b, node: 'v22.1.0' }]).node).toBe('v20.20.2 / v22.1.0');
  });

  it('runs from the command line: JSON file(s) in, SVG file out, dated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-chart-'));
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      writeFileSync(join(dir, 'run.json'), JSON.stringify(tiny));
      main([join(dir, 'run.json'), join(dir, 'out.svg'), '--date', '2026-01-02', '--label', 'test']);
      const svg = readFileSync(join(dir, 'out.svg'), 'utf8');
      expect(svg).toBe(renderChart(parseReport(tiny), { date: '2026-01-02', label: 'test' }));
      expect(() => main([join(dir, 'run.json'), join(dir, 'out.png')])).toThrow(/\.svg/);
      expect(() => main([join(dir, 'run.json'), join(dir, 'out.svg'), '--date', 'today'])).toThrow(/YYYY-MM-DD/);
      main([join(dir, 'run.json'), join(dir, 'out.svg'), '--date', '2026-01-02', '--markdown']);
      expect(log.mock.calls.map((c) => String(c[0])).join('\n')).toContain(markdownPanel(parseReport(tiny)));
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
