/**
 * A self-contained HTML report: uPlot (from the installed `uplot` package) and every chart's
 * data are inlined, images are embedded as data URIs, so the file opens offline on its own.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './png.js';

/** One line of a chart. */
export interface ChartSeries {
  label: string;
  values: ArrayLike<number>;
  /** CSS colour, e.g. '#1f77b4'. */
  color?: string;
}

/** A line chart: shared x values, one or more series, axis labels and a title. */
export interface Chart {
  title: string;
  x: ArrayLike<number>;
  series: ChartSeries[];
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /**
   * File-name stem for exports (scripts/viz/export.ts writes `{name}.png`); default: the report's
   * chart prefix (see Report.chartPrefix) and the title as a slug. Unique names are enforced.
   */
  name?: string;
}

/** An SVG figure to embed inline (e.g. a bar chart of scripts/viz/svgchart.ts). */
export interface ReportSvg {
  title: string;
  /** The SVG document: `<svg ...>...</svg>`, no scripts and no links (the report stays self-contained). */
  svg: string;
  /** File-name stem for exports, as Chart.name. */
  name?: string;
}

/** A PNG image to embed. */
export interface ReportImage {
  title: string;
  png: Uint8Array;
  /**
   * Scale smoothly when the page shows it at another size (a chart with text, rendered at more
   * pixels than it is shown); by default images scale pixelated (crisp upscaled pixels).
   */
  smooth?: boolean;
}

/** A block of the report, rendered in the order added. */
type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'pre'; text: string }
  | { kind: 'caption'; text: string }
  | { kind: 'chart'; chart: Chart; name: string }
  | { kind: 'svg'; figure: ReportSvg; name: string }
  | { kind: 'image'; image: ReportImage }
  | { kind: 'table'; header: string[]; rows: (string | number)[][] };

const DEFAULT_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

let uplotAssets: { js: string; css: string } | null = null;
function loadUplot(): { js: string; css: string } {
  if (uplotAssets === null) {
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('uplot/package.json')), 'dist');
    uplotAssets = { js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'), css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8') };
  }
  return uplotAssets;
}

/** Lower-case words joined by '_': a chart title as a file-name stem. */
export function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '') || 'chart'
  );
}

/** Options of Report.toHtml. */
export interface HtmlOptions {
  /**
   * Live mode (scripts/viz/live.ts): the page subscribes to server-sent events at this URL, draws
   * a "Live training" section from `record` events, and reloads on `rebuild`. Omit it for the
   * self-contained file, which then contains no script that reaches the network.
   */
  live?: { events: string };
}

/** A table cell: numbers right-aligned (the default), text left-aligned. */
function cell(c: string | number): string {
  const t = String(c);
  const numeric = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?%?$/i.test(t.trim()) || ['NaN', '–', '-', 'Infinity', '-Infinity', ''].includes(t.trim());
  return numeric ? `<td>${escapeHtml(t)}</td>` : `<td class="t">${escapeHtml(t)}</td>`;
}

function checkString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new TypeError(`Report: expected string for ${what} but received ${String(v)} of type ${typeof v}`);
  return v;
}

/** Builds an HTML report block by block: `new Report('Title').heading('Part 1').chart({...}).write('out.html')`. */
export class Report {
  private readonly blocks: Block[] = [];
  private readonly names = new Set<string>();
  private prefix = '';
  constructor(readonly title: string) {
    checkString(title, 'title');
  }
  /** A section heading. */
  heading(text: string): this {
    this.blocks.push({ kind: 'heading', text: checkString(text, 'heading') });
    return this;
  }
  /** A paragraph of plain text. */
  text(text: string): this {
    this.blocks.push({ kind: 'text', text: checkString(text, 'text') });
    return this;
  }
  /** Preformatted text (console output). */
  pre(text: string): this {
    this.blocks.push({ kind: 'pre', text: checkString(text, 'pre') });
    return this;
  }
  /** A figure caption ("Figure 12: ..."), set in italics under what precedes it. */
  caption(text: string): this {
    this.blocks.push({ kind: 'caption', text: checkString(text, 'caption') });
    return this;
  }
  /** Prefix of the export names of the charts added after this call ('' for none). */
  chartPrefix(prefix: string): this {
    this.prefix = checkString(prefix, 'chartPrefix');
    return this;
  }
  /** A line chart drawn by uPlot. */
  chart(chart: Chart): this {
    checkString(chart?.title, 'chart.title');
    if (!Array.isArray(chart.series) || chart.series.length === 0)
      throw new TypeError(`Report.chart: expected a non-empty array for series of chart '${chart.title}'`);
    chart.series.forEach((s, i) => {
      checkString(s.label, `chart.series[${i}].label`);
      if (s.values.length !== chart.x.length) {
        throw new RangeError(`Report.chart: series '${s.label}' of chart '${chart.title}' has ${s.values.length} values but x has ${chart.x.length}`);
      }
    });
    this.blocks.push({ kind: 'chart', chart, name: this.exportName('Report.chart', chart.title, chart.name) });
    return this;
  }
  /**
   * An SVG figure drawn inline (a bar chart, say, which uPlot does not draw): exported like a
   * chart (a `.chart[data-name]` element). The SVG must not reach outside the report: scripts,
   * links (href) and foreignObject are refused.
   */
  svg(figure: ReportSvg): this {
    checkString(figure?.title, 'svg.title');
    const svg = checkString(figure.svg, 'svg.svg').trim();
    if (!/^<svg[\s>]/.test(svg) || !svg.endsWith('</svg>'))
      throw new TypeError(`Report.svg: expected an SVG document (<svg ...>...</svg>) for figure '${figure.title}'`);
    if (/<script|<foreignObject|\bhref\s*=|\bon[a-z]+\s*=/i.test(svg))
      throw new TypeError(`Report.svg: figure '${figure.title}' contains a script, link or event handler; the report must stay self-contained`);
    this.blocks.push({ kind: 'svg', figure: { ...figure, svg }, name: this.exportName('Report.svg', figure.title, figure.name) });
    return this;
  }
  /** A unique export name: `name`, else the prefix and the title as a slug; repeats get _2, _3, ... */
  private exportName(fn: string, title: string, name: string | undefined): string {
    if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name))) {
      throw new TypeError(`${fn}: expected a file-name stem (letters, digits, _ . -) for name of chart '${title}' but received ${JSON.stringify(name)}`);
    }
    const base = name ?? (this.prefix ? `${slug(this.prefix)}_${slug(title)}` : slug(title));
    let unique = base;
    for (let k = 2; this.names.has(unique); k++) unique = `${base}_${k}`;
    this.names.add(unique);
    return unique;
  }
  /** An embedded PNG image. */
  image(image: ReportImage): this {
    checkString(image?.title, 'image.title');
    if (!(image.png instanceof Uint8Array)) throw new TypeError(`Report.image: expected PNG bytes (Uint8Array) for image '${image.title}'`);
    this.blocks.push({ kind: 'image', image });
    return this;
  }
  /** A table of values. */
  table(header: string[], rows: (string | number)[][]): this {
    if (!Array.isArray(header) || !Array.isArray(rows)) throw new TypeError('Report.table: expected arrays for header and rows');
    this.blocks.push({ kind: 'table', header, rows });
    return this;
  }

  /** Appends the blocks of `other` (its title is not repeated); chart names stay unique. */
  append(other: Report): this {
    if (!(other instanceof Report)) throw new TypeError(`Report.append: expected a Report but received ${String(other)}`);
    for (const b of other.blocks) {
      if (b.kind !== 'chart' && b.kind !== 'svg') {
        this.blocks.push(b);
        continue;
      }
      let name = b.name;
      for (let k = 2; this.names.has(name); k++) name = `${b.name}_${k}`;
      this.names.add(name);
      this.blocks.push({ ...b, name });
    }
    return this;
  }

  /** Export names of the charts (uPlot charts and SVG figures), in order. */
  chartNames(): string[] {
    return this.blocks.flatMap((b) => (b.kind === 'chart' || b.kind === 'svg' ? [b.name] : []));
  }

  /** The complete HTML document (self-contained unless `opts.live` is given). */
  toHtml(opts: HtmlOptions = {}): string {
    if (opts.live !== undefined && typeof opts.live?.events !== 'string') throw new TypeError('Report.toHtml: expected string for live.events');
    const { js, css } = loadUplot();
    const body: string[] = [];
    const charts: string[] = [];
    this.blocks.forEach((b, i) => {
      switch (b.kind) {
        case 'heading':
          body.push(`<h2>${escapeHtml(b.text)}</h2>`);
          break;
        case 'text':
          body.push(`<p>${escapeHtml(b.text)}</p>`);
          break;
        case 'caption':
          body.push(`<p class="caption">${escapeHtml(b.text)}</p>`);
          break;
        case 'pre':
          body.push(`<pre>${escapeHtml(b.text)}</pre>`);
          break;
        case 'image':
          body.push(
            `<figure><img${b.image.smooth ? ' class="smooth"' : ''} alt="${escapeHtml(b.image.title)}" src="data:image/png;base64,${Buffer.from(b.image.png).toString('base64')}"><figcaption>${escapeHtml(b.image.title)}</figcaption></figure>`,
          );
          break;
        case 'svg':
          body.push(`<div class="chart svgfig" data-name="${escapeHtml(b.name)}" role="img" aria-label="${escapeHtml(b.figure.title)}">${b.figure.svg}</div>`);
          break;
        case 'table':
          body.push(
            `<table><tr>${b.header.map((h) => `<th>${escapeHtml(String(h))}</th>`).join('')}</tr>${b.rows.map((r) => `<tr>${r.map((c) => cell(c)).join('')}</tr>`).join('')}</table>`,
          );
          break;
        case 'chart': {
          const c = b.chart;
          body.push(`<div class="chart" id="chart${i}" data-name="${escapeHtml(b.name)}"></div>`);
          const spec = {
            name: b.name,
            title: c.title,
            xLabel: c.xLabel ?? '',
            yLabel: c.yLabel ?? '',
            width: c.width ?? 720,
            height: c.height ?? 360,
            labels: c.series.map((s) => s.label),
            colors: c.series.map((s, k) => s.color ?? DEFAULT_COLORS[k % DEFAULT_COLORS.length]),
            data: [Array.from(c.x), ...c.series.map((s) => Array.from(s.values, (v) => (Number.isFinite(v) ? v : null)))],
          };
          // JSON in a script element: escape '<' so data can never close the tag.
          charts.push(`drawChart('chart${i}', ${JSON.stringify(spec).replace(/</g, '\\u003c')});`);
          break;
        }
      }
    });
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(this.title)}</title>
<style>${css}
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto}figure{margin:1em 0}img{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}img.smooth{image-rendering:auto}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}.chart{margin:1em 0;display:inline-block}
.caption{font-style:italic;color:#555}td.t{text-align:left}.notrun{color:#a33}#live-status{color:#555}</style>
<script>${js}</script></head><body><h1>${escapeHtml(this.title)}</h1>
${opts.live ? '<section id="live"><h2>Live training</h2><p id="live-status">connecting…</p><div id="live-charts"></div></section>' : ''}
${body.join('\n')}
<script>
window.__charts = [];
function drawChart(id, s) {
  var series = [{label: s.xLabel || 'x'}];
  for (var k = 0; k < s.labels.length; k++) series.push({label: s.labels[k], stroke: s.colors[k], width: 2, spanGaps: !!s.spanGaps});
  var u = new uPlot({title: s.title, width: s.width, height: s.height, scales: {x: {time: false}}, series: series, legend: {live: false},
    axes: [{label: s.xLabel}, {label: s.yLabel}]}, s.data, document.getElementById(id));
  window.__charts.push({id: id, name: s.name || id, uplot: u});
  return u;
}
${charts.join('\n')}
${opts.live ? liveClient(opts.live.events) : ''}
window.__reportReady = true;
</script></body></html>
`;
  }

  /** Writes the report atomically to `path`. */
  write(path: string): void {
    writeFileAtomic(path, this.toHtml());
  }
}

/**
 * The live page's client: an EventSource on `events`. `record` events ({chart, series, x, y,
 * xLabel?, yLabel?}) add points to charts created on first sight; redraws are batched to at most
 * 5 per second. `rebuild` reloads the page (a part finished: the server's report now has its
 * section, and the history of records is replayed on reconnect); `status` sets the status line.
 */
function liveClient(events: string): string {
  return `(function () {
  var COLORS = ${JSON.stringify(DEFAULT_COLORS)};
  var live = window.__live = {};
  var order = 0, pending = false;
  var host = document.getElementById('live-charts'), status = document.getElementById('live-status');
  function redraw() {
    pending = false;
    for (var key in live) {
      var c = live[key];
      if (!c.dirty) continue;
      c.dirty = false;
      var xs = Object.keys(c.xs).map(Number).sort(function (a, b) { return a - b; });
      var data = [xs];
      for (var k = 0; k < c.labels.length; k++) {
        var pts = c.points[c.labels[k]];
        data.push(xs.map(function (x) { return x in pts ? pts[x] : null; }));
      }
      if (c.u && c.u.series.length === c.labels.length + 1) { c.u.setData(data); continue; }
      if (c.u) { c.u.destroy(); window.__charts = window.__charts.filter(function (e) { return e.id !== c.id; }); }
      c.u = drawChart(c.id, {name: c.id, title: c.title, xLabel: c.xLabel, yLabel: c.yLabel, width: 720, height: 300, spanGaps: true,
        labels: c.labels, colors: c.labels.map(function (_, k) { return COLORS[k % COLORS.length]; }), data: data});
    }
  }
  function add(r) {
    var c = live[r.chart];
    if (!c) {
      c = live[r.chart] = {id: 'live' + (order++), title: r.chart, xLabel: r.xLabel || 'step', yLabel: r.yLabel || '', labels: [], points: {}, xs: {}, u: null, dirty: true};
      var div = document.createElement('div');
      div.className = 'chart'; div.id = c.id; div.setAttribute('data-name', c.id);
      host.appendChild(div);
    }
    if (!(r.series in c.points)) { c.labels.push(r.series); c.points[r.series] = {}; }
    c.points[r.series][r.x] = (typeof r.y === 'number' && isFinite(r.y)) ? r.y : null;
    c.xs[r.x] = true;
    c.dirty = true;
    if (!pending) { pending = true; setTimeout(redraw, 200); }
  }
  var es = new EventSource(${JSON.stringify(events).replace(/</g, '\\u003c')});
  es.addEventListener('record', function (e) { add(JSON.parse(e.data)); });
  es.addEventListener('records', function (e) { JSON.parse(e.data).forEach(add); });
  es.addEventListener('status', function (e) { status.textContent = JSON.parse(e.data); });
  es.addEventListener('rebuild', function () { es.close(); location.reload(); });
  es.onopen = function () { if (status.textContent === 'connecting…') status.textContent = 'connected'; };
})();`;
}
