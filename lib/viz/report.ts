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
}

/** A PNG image to embed. */
export interface ReportImage {
  title: string;
  png: Uint8Array;
}

/** A block of the report, rendered in the order added. */
type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'pre'; text: string }
  | { kind: 'chart'; chart: Chart }
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

function checkString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new TypeError(`Report: expected string for ${what} but received ${String(v)} of type ${typeof v}`);
  return v;
}

/** Builds an HTML report block by block: `new Report('Title').heading('Part 1').chart({...}).write('out.html')`. */
export class Report {
  private readonly blocks: Block[] = [];
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
  /** A line chart drawn by uPlot. */
  chart(chart: Chart): this {
    checkString(chart?.title, 'chart.title');
    if (!Array.isArray(chart.series) || chart.series.length === 0) throw new TypeError(`Report.chart: expected a non-empty array for series of chart '${chart.title}'`);
    chart.series.forEach((s, i) => {
      checkString(s.label, `chart.series[${i}].label`);
      if (s.values.length !== chart.x.length) {
        throw new RangeError(`Report.chart: series '${s.label}' of chart '${chart.title}' has ${s.values.length} values but x has ${chart.x.length}`);
      }
    });
    this.blocks.push({ kind: 'chart', chart });
    return this;
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

  /** The complete HTML document. */
  toHtml(): string {
    const { js, css } = loadUplot();
    const body: string[] = [];
    const charts: string[] = [];
    this.blocks.forEach((b, i) => {
      switch (b.kind) {
        case 'heading': body.push(`<h2>${escapeHtml(b.text)}</h2>`); break;
        case 'text': body.push(`<p>${escapeHtml(b.text)}</p>`); break;
        case 'pre': body.push(`<pre>${escapeHtml(b.text)}</pre>`); break;
        case 'image':
          body.push(`<figure><img alt="${escapeHtml(b.image.title)}" src="data:image/png;base64,${Buffer.from(b.image.png).toString('base64')}"><figcaption>${escapeHtml(b.image.title)}</figcaption></figure>`);
          break;
        case 'table':
          body.push(`<table><tr>${b.header.map((h) => `<th>${escapeHtml(String(h))}</th>`).join('')}</tr>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('')}</table>`);
          break;
        case 'chart': {
          const c = b.chart;
          body.push(`<div class="chart" id="chart${i}"></div>`);
          const spec = {
            title: c.title, xLabel: c.xLabel ?? '', yLabel: c.yLabel ?? '', width: c.width ?? 720, height: c.height ?? 360,
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
pre{background:#f6f6f6;padding:.8em;overflow-x:auto}figure{margin:1em 0}img{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}.chart{margin:1em 0}</style>
<script>${js}</script></head><body><h1>${escapeHtml(this.title)}</h1>
${body.join('\n')}
<script>
function drawChart(id, s) {
  var series = [{label: s.xLabel || 'x'}];
  for (var k = 0; k < s.labels.length; k++) series.push({label: s.labels[k], stroke: s.colors[k], width: 2});
  new uPlot({title: s.title, width: s.width, height: s.height, scales: {x: {time: false}}, series: series,
    axes: [{label: s.xLabel}, {label: s.yLabel}]}, s.data, document.getElementById(id));
}
${charts.join('\n')}
</script></body></html>
`;
  }

  /** Writes the report atomically to `path`. */
  write(path: string): void {
    writeFileAtomic(path, this.toHtml());
  }
}
