/**
 * End to end in headless Chromium (playwright-core + Debian's chromium): the report built from a
 * synthetic results folder is opened from disk (static) and from the live server; every uPlot
 * chart must have drawn its lines (pixels of its series colours on its canvas), the page must log
 * no console errors and make no network request, and live charts must grow as records arrive.
 * Screenshots go to a temp folder whose path is printed as a diagnostic.
 * Skipped, with the reason, when playwright-core or Chromium is not installed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReport, buildReport } from '../scripts/report.js';
import { chromiumUnavailable, launchChromium, exportCharts, type Browser, type BrowserPage } from '../scripts/viz/export.js';
import { LiveServer, publish } from '../scripts/viz/live.js';
import { writeSyntheticResults } from './68.report.helpers.js';

const unavailable = await chromiumUnavailable();
const shots = mkdtempSync(join(tmpdir(), 'torchnode-report-e2e-'));
// One browser for the page tests: starting Chromium is the slow part on a small machine.
let shared: Browser | null = null;
before(async () => {
  if (!unavailable) shared = await launchChromium();
});
after(async () => {
  await shared?.close();
});

interface ChartPixels {
  name: string;
  width: number;
  height: number;
  painted: number;
  series: { label: string; color: string; pixels: number }[];
}

/**
 * Per chart: how many canvas pixels are painted (not transparent, not white) and how many are
 * within a small distance of each series' stroke colour (read back with getImageData).
 */
function readCharts(page: BrowserPage): Promise<ChartPixels[]> {
  return page.evaluate(`(() => window.__charts.map((c) => {
    const u = c.uplot, cv = u.ctx.canvas, d = u.ctx.getImageData(0, 0, cv.width, cv.height).data;
    const series = u.series.slice(1).map((s) => {
      const hex = String(s._stroke || s.stroke);
      return { label: s.label, color: hex, rgb: [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)), pixels: 0 };
    });
    let painted = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0 || (d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) continue;
      painted++;
      for (const s of series) if (Math.abs(d[i] - s.rgb[0]) + Math.abs(d[i + 1] - s.rgb[1]) + Math.abs(d[i + 2] - s.rgb[2]) < 40) s.pixels++;
    }
    return { name: c.name, width: cv.width, height: cv.height, painted, series: series.map(({ label, color, pixels }) => ({ label, color, pixels })) };
  }))()`);
}

function watch(page: BrowserPage, allowed: (url: string) => boolean): { errors: string[]; requests: string[] } {
  const seen = { errors: [] as string[], requests: [] as string[] };
  page.on('console', (m) => {
    if (m.type() === 'error') seen.errors.push(m.text());
  });
  page.on('pageerror', (e) => seen.errors.push(e.message));
  page.on('request', (r) => {
    if (!allowed(r.url())) seen.requests.push(r.url());
  });
  return seen;
}

function assertDrawn(charts: ChartPixels[]): void {
  for (const c of charts) {
    assert.ok(c.width > 0 && c.height > 0, `chart ${c.name} has no canvas`);
    assert.ok(c.painted > 500, `chart ${c.name} is blank (${c.painted} painted pixels)`);
    // Lines cross and cover each other; every chart still shows most of its series.
    const drawn = c.series.filter((s) => s.pixels >= 10);
    assert.ok(
      drawn.length >= Math.ceil(c.series.length / 2),
      `chart ${c.name}: only ${drawn.map((s) => s.label).join(', ')} of ${c.series.length} series drew`,
    );
  }
}

test('static report from disk: every chart drew, no console errors, no network', { skip: unavailable ?? false }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-report-'));
  let page: BrowserPage | null = null;
  try {
    writeSyntheticResults(dir);
    const { path } = writeReport(dir);
    page = await shared!.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const seen = watch(page, (u) => u.startsWith('file:') || u.startsWith('data:'));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.waitForFunction('window.__reportReady === true', undefined, { timeout: 30000 });
    const charts = await readCharts(page);
    assert.equal(charts.length, 11);
    assertDrawn(charts);
    const imgs = await page.evaluate<number[]>('[...document.images].map((i) => i.complete ? i.naturalWidth : 0)');
    assert.equal(imgs.length, 11);
    assert.ok(
      imgs.every((w) => w > 0),
      'an embedded image did not decode',
    );
    const shot = join(shots, 'report-static.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`static report screenshot: ${shot}`);
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.requests, []);
  } finally {
    await page?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('chart PNG export: one PNG per chart, named by chart', { skip: unavailable ?? false }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-report-'));
  try {
    writeSyntheticResults(dir, { parts: [4, 5] });
    const { path } = writeReport(dir);
    const r = await exportCharts(path, join(shots, 'charts'));
    assert.ok(!('skipped' in r));
    if ('skipped' in r) return;
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.files.map((f) => f.slice(join(shots, 'charts').length + 1)),
      [
        'part4_performance_training_losses.png',
        'part4_performance_gradient_magnitudes.png',
        'part5_lr_comparison_training_loss_cnn3.png',
        'part5_lr_comparison_validation_accuracy_cnn3.png',
        'part5_scheduled_validation_accuracy_scheduled_learning_rate.png',
      ],
    );
    for (const f of r.files) {
      const b = readFileSync(f);
      assert.equal(b.subarray(1, 4).toString(), 'PNG');
      // Width and height from the IHDR chunk: a chart-sized image (720 wide plus legend/title).
      assert.ok(b.readUInt32BE(16) >= 700 && b.readUInt32BE(20) >= 300, `${f} is ${b.readUInt32BE(16)}x${b.readUInt32BE(20)}`);
      assert.ok(statSync(f).size > 5000);
    }
    t.diagnostic(`exported charts: ${join(shots, 'charts')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live report: charts grow as records arrive, reload replays them, no console errors', { skip: unavailable ?? false }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-report-'));
  let page: BrowserPage | null = null;
  const server = await LiveServer.start({ html: (events) => buildReport(dir).report.toHtml({ live: { events } }) });
  try {
    writeSyntheticResults(dir, { parts: [1, 2] });
    const origin = server.url.replace(/\/$/, '');
    for (let s = 10; s <= 50; s += 10)
      publish({ part: 'part3', chart: 'Training loss (part3)', series: 'mlp_1', x: s, y: 2.3 - s / 100, xLabel: 'step', yLabel: 'loss' });
    page = await shared!.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const seen = watch(page, (u) => u.startsWith(origin) || u.startsWith('data:'));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForFunction(
      'window.__live && window.__live["Training loss (part3)"] && window.__live["Training loss (part3)"].u && window.__live["Training loss (part3)"].u.data[0].length === 5',
      undefined,
      { timeout: 30000 },
    );
    // New records while the page is open: a second series and more points.
    for (let s = 60; s <= 100; s += 10) publish({ part: 'part3', chart: 'Training loss (part3)', series: 'mlp_1', x: s, y: 2.3 - s / 100 });
    for (let s = 10; s <= 100; s += 10) publish({ part: 'part3', chart: 'Training loss (part3)', series: 'cnn_3', x: s, y: 2.0 - s / 80 });
    publish({ part: 'part3', chart: 'Validation accuracy (part3)', series: 'mlp_1', x: 10, y: 12 });
    publish({ part: 'part3', chart: 'Validation accuracy (part3)', series: 'mlp_1', x: 20, y: 18 });
    server.status('running part 3');
    await page.waitForFunction(
      '(() => { const c = window.__live["Training loss (part3)"]; const v = window.__live["Validation accuracy (part3)"]; return c.u && c.u.series.length === 3 && c.u.data[0].length === 10 && v && v.u && document.getElementById("live-status").textContent === "running part 3"; })()',
      undefined,
      { timeout: 30000 },
    );
    let charts = await readCharts(page);
    // The static sections (part 1: 3 charts) plus the 2 live charts.
    assert.equal(charts.length, 5);
    assertDrawn(charts);
    const live = charts.filter((c) => c.name.startsWith('live'));
    assert.deepEqual(
      live.map((c) => c.series.map((s) => s.label)),
      [['mlp_1', 'cnn_3'], ['mlp_1']],
    );
    assert.ok(
      live[0].series.every((s) => s.pixels >= 10),
      'both live series drew',
    );
    const shot = join(shots, 'report-live.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`live report screenshot: ${shot}`);
    // A part finished: the page reloads with its section and replays the kept records.
    writeSyntheticResults(dir, { parts: [5] });
    server.rebuild();
    await page.waitForFunction(
      'document.body.textContent.includes("Figure 15: Validation Accuracy Curve of Scheduled Learning Rate") && window.__live && window.__live["Training loss (part3)"] && window.__live["Training loss (part3)"].u && window.__live["Training loss (part3)"].u.data[0].length === 10',
      undefined,
      { timeout: 30000 },
    );
    charts = await readCharts(page);
    assert.equal(charts.length, 3 + 3 + 2);
    assertDrawn(charts);
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.requests, []);
  } finally {
    await page?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Chromium availability is reported', (t) => {
  // Makes the reason visible in the test output when the browser tests above were skipped.
  if (unavailable) t.skip(`headless Chromium tests skipped: ${unavailable}`);
  else t.diagnostic(`screenshots and exports in ${shots}`);
});
