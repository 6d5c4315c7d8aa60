/**
 * Chart PNGs drawn without a browser (scripts/viz/svgchart.ts, resvg + DejaVu Sans): 1-2-5 ticks,
 * their labels, XML escaping, and the rendered pixels: text in the title band and beside the
 * axes, the legend's colours, bar heights proportional to the values; part3Plots writes every
 * panel (the test-accuracy bar chart too) as PNG and the bar chart into its report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  niceTicks,
  formatTicks,
  escapeXml,
  lineChartSvg,
  barChartSvg,
  gridSvg,
  svgToPng,
  writeChartPng,
  textWidth,
  type SvgFigure,
} from '../scripts/viz/svgchart.js';
import { decodePng } from '../scripts/viz/png.js';
import { Report, type Chart } from '../scripts/viz/report.js';
import { part3Plots, type Part3Result } from '../scripts/utils.js';
import { writeReport } from '../scripts/report.js';
import { writeSyntheticResults, curve, MODELS } from './68.report.helpers.js';
import { count, dark, near } from './pixels.helpers.js';

const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** The regions of a rendered figure, in image pixels: title band, left of the axes, under them. */
function regions(fig: SvgFigure, scale: number): { title: number[]; left: number[]; below: number[]; plot: number[] } {
  const p = fig.plot;
  return {
    title: [0, 0, fig.width * scale, (p.y - 2) * scale],
    left: [0, p.y * scale, (p.x - 2) * scale, (p.y + p.height) * scale],
    below: [p.x * scale, (p.y + p.height + 2) * scale, (p.x + p.width) * scale, fig.height * scale],
    plot: [(p.x + 2) * scale, (p.y + 2) * scale, (p.x + p.width - 2) * scale, (p.y + p.height - 2) * scale],
  };
}

function lossChart(title: string, labels: boolean): Chart {
  const x = Array.from({ length: 30 }, (_, i) => (i + 1) * 10);
  return {
    title,
    xLabel: labels ? 'step' : undefined,
    yLabel: labels ? 'loss' : undefined,
    x,
    series: [
      { label: 'mlp_1', values: x.map((s) => 2.3 * Math.exp(-s / 200)), color: TAB10[0] },
      { label: 'cnn_3', values: x.map((s) => 2.3 * Math.exp(-s / 120)), color: TAB10[2] },
      // No finite value: drawn nowhere but in the legend.
      { label: 'cnn_4', values: x.map(() => NaN), color: TAB10[3] },
    ],
  };
}

test('niceTicks: multiples of a 1-2-5 step inside [lo, hi], at most maxIntervals intervals', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0, 1, 10), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  assert.deepEqual(niceTicks(-39.5, 1049.5, 6), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(niceTicks(-39.5, 1049.5, 10), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(niceTicks(-39.5, 1049.5, 11), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  assert.deepEqual(niceTicks(-3, 7, 5), [-2, 0, 2, 4, 6]);
  assert.deepEqual(niceTicks(0.93, 2.37, 8), [1, 1.2, 1.4, 1.6, 1.8, 2, 2.2]);
  assert.deepEqual(niceTicks(0.0013, 0.0087, 4), [0.002, 0.004, 0.006, 0.008]);
  assert.deepEqual(niceTicks(9.5, 10.5, 4), [9.5, 10, 10.5]);
  assert.deepEqual(niceTicks(9.5, 10.5, 5), [9.6, 9.8, 10, 10.2, 10.4]);
  assert.deepEqual(niceTicks(37, 62, 5), [40, 45, 50, 55, 60]);
  // A range the first step leaves one tick in: the next smaller step gives two.
  assert.deepEqual(niceTicks(1.1, 1.9, 1), [1.2, 1.4, 1.6, 1.8]);
  // Properties over many ranges.
  for (let k = 0; k < 300; k++) {
    const lo = Math.sin(k * 12.9898) * 10 ** ((k % 9) - 4),
      span = Math.abs(Math.cos(k * 78.233)) * 10 ** ((k % 7) - 3) + 1e-9;
    const max = 2 + (k % 9);
    const t = niceTicks(lo, lo + span, max);
    // At most `max` intervals, unless the fallback to two ticks needs more (never over 5).
    assert.ok(t.length >= 2 && t.length - 1 <= Math.max(max, 5), `${lo}..${lo + span} (${max}): ${t}`);
    // Float rounding of ticks far from 0 relative to the span: tolerances grow with |lo| / span.
    const tol = 1e-6 * Math.max(1, (Math.abs(lo) / span) * 1e-3);
    const e = Math.floor(Math.log10((t[1] - t[0]) * (1 + tol)));
    const m = (t[1] - t[0]) / 10 ** e;
    assert.ok(
      [1, 2, 5].some((v) => Math.abs(m - v) < tol),
      `step ${t[1] - t[0]} of ${t}`,
    );
    const step = Math.round(m) * 10 ** e;
    t.forEach((v, i) => {
      assert.ok(v >= lo - 1e-9 * span && v <= lo + span + 1e-9 * span, `${v} outside ${lo}..${lo + span}`);
      const k = v / step;
      assert.ok(Math.abs(k - Math.round(k)) < tol * Math.max(1, Math.abs(k)), `${v} not a multiple of ${step}`);
      if (i > 0) assert.ok(Math.abs(v - t[i - 1] - step) < tol * step, `uneven ticks ${t}`);
    });
  }
  assert.throws(() => niceTicks(1, 1), /expected lo < hi/);
  assert.throws(() => niceTicks(0, NaN), /finite number for hi/);
  assert.throws(() => niceTicks(0, 1, 0), /positive integer for maxIntervals/);
});

test("formatTicks: the step's decimals, Unicode minus, exponents for tiny or huge values", () => {
  assert.deepEqual(formatTicks(niceTicks(0, 1)), ['0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  assert.deepEqual(formatTicks(niceTicks(-3, 7, 5)), ['−2', '0', '2', '4', '6']);
  assert.deepEqual(formatTicks(niceTicks(0.0013, 0.0087, 4)), ['0.002', '0.004', '0.006', '0.008']);
  assert.deepEqual(formatTicks([0, 2e-5, 4e-5]), ['0', '2e−5', '4e−5']);
  assert.deepEqual(formatTicks([0, 2e6, 4e6]), ['0', '2e6', '4e6']);
  // DejaVu Sans widths: digits 0.636 em, so "100" at 10 px is 19.08 px.
  assert.ok(Math.abs(textWidth('100', 10) - 19.08) < 1e-9);
});

test('XML escaping: titles, labels and legends with < & > " \' render as text', () => {
  assert.equal(escapeXml(`a<&>"b'`), 'a&lt;&amp;&gt;&quot;b&apos;');
  const bad = `loss <&> "x"`;
  const fig = lineChartSvg({ title: bad, xLabel: 'x <1>', yLabel: 'y & z', x: [1, 2, 3], series: [{ label: 'a<b', values: [1, 2, 3] }] });
  assert.ok(fig.svg.includes('loss &lt;&amp;&gt; &quot;x&quot;'));
  assert.ok(fig.svg.includes('>x &lt;1&gt;</text>') && fig.svg.includes('>y &amp; z</text>') && fig.svg.includes('>a&lt;b</text>'));
  assert.ok(!fig.svg.includes(bad) && !fig.svg.includes('<b') && !fig.svg.includes('<1>'));
  const bars = barChartSvg({ title: 't', categories: ['<m&1>'], values: [3] });
  assert.ok(bars.svg.includes('&lt;m&amp;1&gt;') && !bars.svg.includes('<m&1>'));
  // Well-formed XML: resvg parses and renders both.
  assert.equal(decodePng(svgToPng(fig, { scale: 1 })).width, fig.width);
  assert.equal(decodePng(svgToPng(bars, { scale: 1 })).width, bars.width);
});

test('line chart PNG: title, tick numbers and axis labels are drawn, the legend shows every series colour', () => {
  const scale = 2;
  const fig = lineChartSvg(lossChart('Training loss', true));
  const img = decodePng(svgToPng(fig, { scale }));
  assert.deepEqual([img.width, img.height], [fig.width * scale, fig.height * scale]);
  const r = regions(fig, scale);
  const c = (box: number[], pred: (r: number, g: number, b: number) => boolean): number => count(img, box[0], box[1], box[2], box[3], pred);
  // Background white around the axes.
  const white = near([255, 255, 255], 0);
  assert.ok(c(r.title, white) > 0.9 * (r.title[2] * r.title[3]), 'title band is mostly white');
  // Text: the title, the y tick numbers and label, the x tick numbers and label.
  const title = c(r.title, dark),
    left = c(r.left, dark),
    below = c(r.below, dark);
  assert.ok(title > 150, `title band has ${title} dark pixels`);
  assert.ok(left > 300, `left of the axes has ${left} dark pixels`);
  assert.ok(below > 300, `under the axes are ${below} dark pixels`);
  // Title centred over the axes: dark pixels on both sides of the middle.
  const mid = (fig.plot.x + fig.plot.width / 2) * scale;
  assert.ok(count(img, mid - 80 * scale, 0, mid, r.title[3], dark) > 40 && count(img, mid, 0, mid + 80 * scale, r.title[3], dark) > 40);
  // Every series colour appears; cnn_4 has no data, so its colour can come only from the legend.
  for (const color of [TAB10[0], TAB10[2], TAB10[3]]) assert.ok(c(r.plot, near(rgb(color))) > 20, `colour ${color} missing`);
  // The same chart without title and axis labels: the bands lose their text (the checks above can fail).
  const bare = lineChartSvg({ ...lossChart('', false) });
  const bimg = decodePng(svgToPng(bare, { scale }));
  const br = regions(bare, scale);
  assert.equal(count(bimg, br.title[0], br.title[1], br.title[2], br.title[3], dark), 0);
  const bareLeft = count(bimg, br.left[0], br.left[1], br.left[2], br.left[3], dark);
  assert.ok(bareLeft < left * 0.8, `axis label adds text: ${bareLeft} vs ${left}`);
});

test('line chart: NaN breaks a line, a lone point is a dot, a flat or all-NaN chart still has ticks', () => {
  const fig = lineChartSvg({ title: 'gaps', x: [1, 2, 3, 4, 5], series: [{ label: 'a', values: [1, 2, NaN, 4, NaN] }] });
  const path = /<path d="([^"]+)" stroke="#1f77b4"/.exec(fig.svg)![1];
  assert.equal(path.match(/M/g)!.length, 2, path);
  assert.equal(path.match(/L/g)!.length, 1, path);
  assert.equal(fig.svg.match(/<circle /g)?.length, 1);
  const flat = lineChartSvg({ title: 'flat', x: [0, 1], series: [{ label: 'a', values: [3, 3] }] });
  assert.ok((flat.svg.match(/text-anchor="end"/g)?.length ?? 0) >= 2);
  const empty = lineChartSvg({ title: 'empty', x: [0, 1], series: [{ label: 'a', values: [NaN, NaN] }] });
  assert.ok(empty.svg.includes('>a</text>'));
  assert.throws(() => lineChartSvg({ title: 't', x: [1, 2], series: [{ label: 'a', values: [1] }] }), /has 1 values but x has 2/);
});

test('bar chart PNG: one bar per value, heights proportional to the values, NaN as n/a', () => {
  const scale = 2;
  const values = [37.25, 48.5, NaN, 61.75];
  const fig = barChartSvg({ title: 'Test accuracy', xLabel: 'model', yLabel: 'accuracy (%)', categories: ['mlp_1', 'mlp_2', 'cnn_3', 'cnn_4'], values });
  assert.ok(fig.svg.includes('>37.25</text>') && fig.svg.includes('>61.75</text>') && fig.svg.includes('>n/a</text>'));
  const img = decodePng(svgToPng(fig, { scale }));
  const r = regions(fig, scale);
  assert.ok(count(img, r.title[0], r.title[1], r.title[2], r.title[3], dark) > 150);
  assert.ok(count(img, r.left[0], r.left[1], r.left[2], r.left[3], dark) > 300);
  // Bar height: the longest run of the bar's colour in the column through its middle.
  const slot = fig.plot.width / values.length;
  const heights = values.map((_, i) => {
    const x = Math.round((fig.plot.x + (i + 0.5) * slot) * scale);
    let run = 0,
      best = 0;
    for (let y = 0; y < img.height; y++) {
      const k = (y * img.width + x) * 4;
      if (near(rgb(TAB10[i]), 3)(img.data[k], img.data[k + 1], img.data[k + 2])) best = Math.max(best, ++run);
      else run = 0;
    }
    return best;
  });
  assert.equal(heights[2], 0, 'no bar for NaN');
  for (const i of [0, 1]) {
    assert.ok(Math.abs(heights[i] / heights[3] - values[i] / values[3]) < 0.02, `bar ${i}: ${heights[i]} px vs ${heights[3]} px`);
  }
  assert.throws(() => barChartSvg({ title: 't', categories: ['a', 'b'], values: [1] }), /2 categories but 1 values/);
});

test('gridSvg: figures side by side and stacked in one SVG, each keeping its own text and colours', () => {
  const a = lineChartSvg(lossChart('Left', true), { width: 300, height: 200 });
  const b = barChartSvg({ title: 'Right', categories: ['a', 'b'], values: [1, 2], colors: [TAB10[1], TAB10[1]] }, { width: 260, height: 240 });
  const g = gridSvg([[a, b]], { gap: 10 });
  assert.deepEqual([g.width, g.height], [570, 240]);
  assert.deepEqual(
    g.panels.map((p) => [p.x, p.y, p.width, p.height]),
    [
      [0, 0, 300, 200],
      [310, 0, 260, 240],
    ],
  );
  assert.deepEqual(g.panels[0].plot, a.plot);
  assert.deepEqual(g.panels[1].plot, { ...b.plot, x: 310 + b.plot.x });
  // plot: the box around both panels' axes.
  assert.deepEqual(g.plot, {
    x: a.plot.x,
    y: Math.min(a.plot.y, b.plot.y),
    width: 310 + b.plot.x + b.plot.width - a.plot.x,
    height: Math.max(a.plot.y + a.plot.height, b.plot.y + b.plot.height) - Math.min(a.plot.y, b.plot.y),
  });
  assert.ok(g.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="570" height="240"'));
  assert.ok(g.svg.includes('<title>Left | Right</title>') && g.svg.includes('<g transform="translate(310 0)"><svg '));
  assert.ok(gridSvg([[a]], { title: 'a <&> b' }).svg.includes('<title>a &lt;&amp;&gt; b</title>'));
  // Two rows: columns as wide as their widest figure, rows as tall as their tallest.
  const g2 = gridSvg([[a], [b, a]]);
  assert.deepEqual([g2.width, g2.height], [600, 440]);
  assert.deepEqual(
    g2.panels.map((p) => [p.x, p.y]),
    [
      [0, 0],
      [0, 200],
      [300, 200],
    ],
  );

  // Rendered: each panel's title above its own axes, each panel's colours inside its own axes.
  const scale = 2;
  const img = decodePng(svgToPng(g, { scale }));
  assert.deepEqual([img.width, img.height], [570 * scale, 240 * scale]);
  const box = (p: SvgFigure['plot']): number[] => [(p.x + 2) * scale, (p.y + 2) * scale, (p.x + p.width - 2) * scale, (p.y + p.height - 2) * scale];
  const c = (r: number[], pred: (r: number, g: number, b: number) => boolean): number => count(img, r[0], r[1], r[2], r[3], pred);
  g.panels.forEach((p, i) => {
    const title = [p.x * scale, 0, (p.x + p.width) * scale, (p.plot.y - 2) * scale];
    assert.ok(c(title, dark) > 100, `panel ${i}: title band has ${c(title, dark)} dark pixels`);
    assert.ok(c([p.x * scale, p.plot.y * scale, (p.plot.x - 2) * scale, (p.plot.y + p.plot.height) * scale], dark) > 150, `panel ${i}: no y tick numbers`);
  });
  const [left, right] = g.panels.map((p) => box(p.plot));
  assert.ok(c(left, near(rgb(TAB10[2]))) > 20 && c(right, near(rgb(TAB10[2]))) === 0, 'cnn_3 line only in the left panel');
  assert.ok(c(right, near(rgb(TAB10[1]))) > 500 && c(left, near(rgb(TAB10[1]))) === 0, 'bars only in the right panel');
  // The gap between the panels is background.
  assert.equal(
    c([300 * scale, 0, 310 * scale, 240 * scale], (r, g, b) => r + g + b < 765),
    0,
  );

  assert.throws(() => gridSvg([]), /gridSvg: expected a non-empty array of non-empty rows of figures/);
  assert.throws(() => gridSvg([[a], []]), /non-empty rows/);
  assert.throws(() => gridSvg([[a, { ...b, svg: '<div></div>' }]]), /gridSvg: expected an SvgFigure \(svg, width, height, plot\) at row 0, column 1/);
  assert.throws(() => gridSvg([[a]], { gap: -1 }), /gridSvg: expected a finite gap >= 0 but received -1/);
});

test('svgToPng/writeChartPng: refuse what is not SVG; the file is the rendered PNG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-svgchart-'));
  try {
    assert.throws(() => svgToPng('<html></html>'), /svgToPng: expected an SVG document/);
    assert.throws(() => svgToPng(barChartSvg({ title: 't', categories: ['a'], values: [1] }), { scale: 0 }), /scale in \(0, 16\]/);
    const fig = barChartSvg({ title: 't', categories: ['a'], values: [1] });
    const bytes = writeChartPng(join(dir, 'sub', 'bar.png'), fig, { scale: 1 });
    assert.deepEqual(readFileSync(join(dir, 'sub', 'bar.png')), bytes);
    assert.equal(decodePng(bytes).height, fig.height);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Report.svg: inline figure with an export name; scripts and links refused', () => {
  const r = new Report('r').chartPrefix('p');
  const fig = barChartSvg({ title: 'Test accuracy', categories: ['a'], values: [1] });
  r.svg({ title: 'Test accuracy', svg: fig.svg }).svg({ title: 'Test accuracy', svg: fig.svg });
  assert.deepEqual(r.chartNames(), ['p_test_accuracy', 'p_test_accuracy_2']);
  const html = r.toHtml();
  assert.equal(html.match(/<div class="chart svgfig" data-name="p_test_accuracy(_2)?" role="img" aria-label="Test accuracy"><svg /g)?.length, 2);
  assert.throws(() => r.svg({ title: 'x', svg: '<svg><script>alert(1)</script></svg>' }), /self-contained/);
  assert.throws(() => r.svg({ title: 'x', svg: '<svg><image href="http://a/b.png"/></svg>' }), /self-contained/);
  assert.throws(() => r.svg({ title: 'x', svg: '<svg onload="f()"></svg>' }), /self-contained/);
  assert.throws(() => r.svg({ title: 'x', svg: '<div></div>' }), /expected an SVG document/);
});

test('part3Plots: every panel as a PNG with text, the test-accuracy bar chart in PNG and report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-part3plots-'));
  try {
    const results: Part3Result[] = MODELS.map((m, k) => ({
      name: m,
      loss_curve: curve(12, k, 2.3, 1.2).map((v) => 3.5 - v),
      train_acc_curve: curve(12, k, 10, 40 + 5 * k),
      val_acc_curve: curve(12, k, 10, 38 + 5 * k),
      test_acc: 36.5 + 6 * k,
    }));
    const report = part3Plots(results, dir, 'all_models_performance');
    for (const p of ['training_loss', 'training_accuracy', 'validation_accuracy', 'test_accuracy']) {
      const file = join(dir, `all_models_performance_${p}.png`);
      assert.ok(existsSync(file), file);
      const img = decodePng(readFileSync(file));
      // Text in the title band (top 7% of the image) and left of the axes (left 6%).
      assert.ok(count(img, 0, 0, img.width, img.height * 0.07, dark) > 150, `${p}: no title`);
      assert.ok(count(img, 0, img.height * 0.15, img.width * 0.06, img.height * 0.85, dark) > 200, `${p}: no y axis text`);
      // Every model's colour (legend and lines, or bars).
      for (const color of TAB10) assert.ok(count(img, 0, 0, img.width, img.height, near(rgb(color))) > 50, `${p}: colour ${color} missing`);
    }
    assert.ok(existsSync(join(dir, 'all_models_performance.html')));
    assert.deepEqual(report.chartNames(), ['training_loss', 'training_accuracy', 'validation_accuracy', 'test_accuracy']);
    const html = report.toHtml();
    const svg = /<div class="chart svgfig" data-name="test_accuracy"[^>]*>(<svg[\s\S]*?<\/svg>)<\/div>/.exec(html);
    assert.ok(svg, 'bar chart inline in the report');
    for (const r of results) assert.ok(svg[1].includes(`>${r.test_acc.toFixed(2)}</text>`) && svg[1].includes(`>${r.name}</text>`), r.name);
    // png: false writes no PNG.
    const dir2 = join(dir, 'nopng');
    part3Plots(results, dir2, 'x', { png: false });
    assert.ok(existsSync(join(dir2, 'x.html')) && !existsSync(join(dir2, 'x_test_accuracy.png')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('homework report: part 3 has the test-accuracy bar chart inline, with the stored accuracies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-report-'));
  try {
    const w = writeSyntheticResults(dir, { parts: [3] }) as { part3: Record<string, { test_acc: number }> };
    const html = readFileSync(writeReport(dir).path, 'utf8');
    const m = /<div class="chart svgfig" data-name="all_models_performance_test_accuracy"[^>]*>(<svg[\s\S]*?<\/svg>)<\/div>/.exec(html);
    assert.ok(m, 'no test-accuracy figure');
    for (const name of MODELS) assert.ok(m[1].includes(`>${w.part3[name].test_acc.toFixed(2)}</text>`), name);
    // After the three line charts, before the table.
    assert.ok(html.indexOf('data-name="all_models_performance_validation_accuracy"') < m.index && m.index < html.indexOf('<th>test acc (%)</th>'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
