/**
 * Charts as SVG, and SVG as PNG without a browser: line charts (the `Chart` of report.ts) and bar
 * charts drawn like a matplotlib figure (title, framed axes with ticks and numbers, grid, axis
 * labels, legend), rasterised by resvg (`@resvg/resvg-js`, a prebuilt binary from npm) with the
 * DejaVu Sans font of the `dejavu-fonts-ttf` package, never the system's fonts: the same SVG
 * gives the same pixels on every machine. Both packages are loaded on first use only.
 *
 * `gridSvg` lays several such figures out in rows and columns as one SVG (matplotlib's subplots).
 *
 * Layout needs text widths before anything is drawn: they come from DejaVu Sans' advance
 * widths (table below), so labels, margins and the legend box fit the rendered text.
 */
import { createRequire } from 'node:module';
import type { Chart } from './report.js';
import { writeFileAtomic } from './png.js';

/** A bar chart of one value per category (NaN: no bar, "n/a" written in its place). */
export interface BarChart {
  title: string;
  categories: string[];
  values: ArrayLike<number>;
  /** CSS colour per bar; default the tab10 palette in order. */
  colors?: string[];
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** File-name stem in a report's exports (see Report.svg). */
  name?: string;
  /** Digits after the point of the value written on each bar (default 2); null writes none. */
  valueDigits?: number | null;
}

/** Size of a figure, in CSS pixels (the PNG has `scale` times as many per side). */
export interface FigureOptions {
  width?: number;
  height?: number;
}

/** A chart drawn as SVG: the document, its size and where the axes' frame lies (pixels, y down). */
export interface SvgFigure {
  svg: string;
  width: number;
  height: number;
  plot: { x: number; y: number; width: number; height: number };
}

/** matplotlib's tab10, the default colours (as in report.ts). */
const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const FONT = 'DejaVu Sans';
const SIZE = { title: 15, label: 12.5, tick: 11, legend: 11, value: 10.5 };
const INK = '#222222';

/** Advance widths of DejaVu Sans in 1/1000 em for U+0020..U+007E (from its hmtx table). */
const ASCII_WIDTHS = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838,
  531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390,
  838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337,
  636, 838,
];
const OTHER_WIDTHS: Record<string, number> = { '−': 838, '–': 500, '—': 1000, '‖': 500, '∇': 669, '…': 1000, '°': 500, µ: 636, '±': 838, '×': 838, '·': 318 };

/** Width in pixels of `text` set in DejaVu Sans at `size` px (characters outside the table: 0.65 em). */
export function textWidth(text: string, size: number): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    w += c >= 32 && c < 127 ? ASCII_WIDTHS[c - 32] : (OTHER_WIDTHS[ch] ?? 650);
  }
  return (w * size) / 1000;
}

/** Text as SVG character data or attribute value: & < > " ' escaped, control characters dropped. */
export function escapeXml(s: string): string {
  return String(s)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function checkFinite(v: unknown, what: string, fn: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${fn}: expected a finite number for ${what} but received ${String(v)}`);
  return v;
}

/** The 1-2-5 step of exponent e and mantissa m (1, 2 or 5) and its decimals. */
function stepOf(m: number, e: number): { step: number; m: number; e: number } {
  return { step: e >= 0 ? m * 10 ** e : m / 10 ** -e, m, e };
}

/** k·step computed as k·m·10^e without the binary noise of k*step (0.6, not 0.6000000000000001). */
function multiple(k: number, s: { m: number; e: number }): number {
  return s.e >= 0 ? k * s.m * 10 ** s.e : (k * s.m) / 10 ** -s.e;
}

/**
 * Tick values for an axis from `lo` to `hi`: the multiples of the smallest step of the 1-2-5
 * series (…, 0.1, 0.2, 0.5, 1, 2, 5, 10, …) that splits [lo, hi] into at most `maxIntervals`
 * intervals, those inside [lo, hi]. At least two ticks come back for lo < hi.
 * `niceTicks(0, 1)` is [0, 0.2, 0.4, 0.6, 0.8, 1]; `niceTicks(-39.5, 1049.5)` is [0, 200, …, 1000].
 */
export function niceTicks(lo: number, hi: number, maxIntervals = 5): number[] {
  const fn = 'niceTicks';
  checkFinite(lo, 'lo', fn);
  checkFinite(hi, 'hi', fn);
  if (!(Number.isInteger(maxIntervals) && maxIntervals >= 1))
    throw new TypeError(`${fn}: expected a positive integer for maxIntervals but received ${String(maxIntervals)}`);
  if (!(lo < hi)) throw new RangeError(`${fn}: expected lo < hi but received lo = ${lo}, hi = ${hi}`);
  const raw = (hi - lo) / maxIntervals;
  let e = Math.floor(Math.log10(raw));
  let s = [1, 2, 5, 10].map((m) => stepOf(m, e)).find((c) => c.step >= raw * (1 - 1e-12))!;
  if (s.m === 10) s = stepOf(1, ++e);
  const ticks = (st: { step: number; m: number; e: number }): number[] => {
    const out: number[] = [];
    const eps = st.step * 1e-9;
    for (let k = Math.ceil((lo - eps) / st.step); multiple(k, st) <= hi + eps; k++) out.push(multiple(k, st) || 0);
    return out;
  };
  let t = ticks(s);
  // A wide step can leave a single tick; the next smaller steps give two or more.
  while (t.length < 2) {
    s = s.m === 1 ? stepOf(5, s.e - 1) : stepOf(s.m === 5 ? 2 : 1, s.e);
    t = ticks(s);
  }
  return t;
}

/** Tick labels: as many decimals as the step needs, exponents for very large or small values, '−' for minus. */
export function formatTicks(ticks: number[]): string[] {
  if (ticks.length === 0) return [];
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(ticks[0]) || 1;
  const big = Math.max(...ticks.map(Math.abs));
  const exp = big >= 1e6 || step < 1e-4;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return ticks.map((v) => {
    if (v === 0) return '0';
    const t = exp ? Number(v.toPrecision(6)).toExponential().replace('e+', 'e') : v.toFixed(decimals);
    return t.replace(/-/g, '−');
  });
}

/** A number for an SVG attribute: two decimals at most, no "-0". */
function n(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
}

function text(x: number, y: number, s: string, size: number, opts: { anchor?: 'start' | 'middle' | 'end'; rotate?: number; fill?: string } = {}): string {
  const anchor = opts.anchor && opts.anchor !== 'start' ? ` text-anchor="${opts.anchor}"` : '';
  const fill = opts.fill ?? INK;
  if (opts.rotate)
    return `<text transform="translate(${n(x)} ${n(y)}) rotate(${opts.rotate})" font-size="${size}"${anchor} fill="${fill}">${escapeXml(s)}</text>`;
  return `<text x="${n(x)}" y="${n(y)}" font-size="${size}"${anchor} fill="${fill}">${escapeXml(s)}</text>`;
}

/** Baseline offset that centres digits and capitals (cap height 0.73 em) on a line. */
const MID = 0.36;

function figureSize(c: { width?: number; height?: number }, opts: FigureOptions, fn: string): { W: number; H: number } {
  const W = opts.width ?? c.width ?? 720;
  const H = opts.height ?? c.height ?? 432;
  for (const [v, what] of [
    [W, 'width'],
    [H, 'height'],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 160)) throw new RangeError(`${fn}: expected a ${what} of at least 160 pixels but received ${String(v)}`);
  }
  return { W, H };
}

/** Range of the finite values, widened by `margin` of its length each side (a flat range by ±5% or ±0.5). */
function dataRange(values: Iterable<number>, margin: number): [number, number] | null {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of values)
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  if (lo > hi) return null;
  if (lo === hi) {
    const d = Math.abs(lo) * 0.05 || 0.5;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * margin;
  return [lo - d, hi + d];
}

interface Frame {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Title, frame, grid, ticks with numbers and axis labels; `xTicks` null draws no x grid (bars). */
function axes(
  W: number,
  H: number,
  f: Frame,
  title: string,
  xLabel: string,
  yLabel: string,
  y: { ticks: number[]; labels: string[]; map: (v: number) => number },
  x: { ticks: number[]; labels: string[]; map: (v: number) => number; grid: boolean; rotate: boolean },
): { under: string[]; over: string[] } {
  const under: string[] = [],
    over: string[] = [];
  const pw = f.right - f.left,
    ph = f.bottom - f.top;
  const grid: string[] = [];
  for (const t of y.ticks) grid.push(`M${n(f.left)} ${n(y.map(t))}H${n(f.right)}`);
  if (x.grid) for (const t of x.ticks) grid.push(`M${n(x.map(t))} ${n(f.top)}V${n(f.bottom)}`);
  under.push(`<path d="${grid.join('')}" stroke="#dcdcdc" stroke-width="0.8" fill="none"/>`);
  const ticks: string[] = [];
  y.ticks.forEach((t) => ticks.push(`M${n(f.left - 5)} ${n(y.map(t))}h5`));
  x.ticks.forEach((t) => ticks.push(`M${n(x.map(t))} ${n(f.bottom)}v5`));
  over.push(`<rect x="${n(f.left)}" y="${n(f.top)}" width="${n(pw)}" height="${n(ph)}" fill="none" stroke="${INK}" stroke-width="1"/>`);
  over.push(`<path d="${ticks.join('')}" stroke="${INK}" stroke-width="1" fill="none"/>`);
  y.ticks.forEach((t, i) => over.push(text(f.left - 8, y.map(t) + SIZE.tick * MID, y.labels[i], SIZE.tick, { anchor: 'end' })));
  x.ticks.forEach((t, i) =>
    over.push(
      x.rotate
        ? text(x.map(t) + 3, f.bottom + 9 + SIZE.tick * 0.5, x.labels[i], SIZE.tick, { anchor: 'end', rotate: -30 })
        : text(x.map(t), f.bottom + 8 + SIZE.tick * 0.76, x.labels[i], SIZE.tick, { anchor: 'middle' }),
    ),
  );
  if (title) {
    // Centred over the axes like matplotlib, over the figure when it is wider than the axes.
    const tw = textWidth(title, SIZE.title);
    const cx = tw <= pw ? (f.left + f.right) / 2 : W / 2;
    over.push(text(cx, 12 + SIZE.title * 0.76, title, SIZE.title, { anchor: 'middle' }));
  }
  if (xLabel) over.push(text((f.left + f.right) / 2, H - 10, xLabel, SIZE.label, { anchor: 'middle' }));
  if (yLabel) over.push(text(10 + SIZE.label * 0.76, (f.top + f.bottom) / 2, yLabel, SIZE.label, { anchor: 'middle', rotate: -90 }));
  return { under, over };
}

function svgDocument(W: number, H: number, title: string, body: string[]): string {
  return svgDocumentXml(W, H, escapeXml(title), body);
}

/** The document around `body`, a white background first; `titleXml` is already escaped. */
function svgDocumentXml(W: number, H: number, titleXml: string, body: string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(W)}" height="${n(H)}" viewBox="0 0 ${n(W)} ${n(H)}" font-family="${FONT}, sans-serif">` +
    `<title>${titleXml}</title><rect width="${n(W)}" height="${n(H)}" fill="#ffffff"/>${body.join('')}</svg>`
  );
}

/**
 * The most tick intervals an axis of `length` pixels gets: one per `spacing` pixels, 2..`most`.
 * A 1-2-5 step then gives between 40% of that and that many intervals.
 */
function axisIntervals(length: number, spacing: number, most: number): number {
  return Math.max(2, Math.min(most, Math.floor(length / spacing)));
}

const TOP_TITLE = 12 + SIZE.title + 14;
const TOP_PLAIN = 14;

/**
 * A line chart as SVG: one line per series over the shared x values (NaN or ±Infinity, in x or
 * in a value, breaks the line; a point with no neighbour is drawn as a dot), axes with 5% margins
 * around the data, 1-2-5 ticks, grid, axis labels and a legend placed in the corner of the axes
 * the lines cross least (matplotlib's loc='best').
 */
export function lineChartSvg(chart: Chart, opts: FigureOptions = {}): SvgFigure {
  const fn = 'lineChartSvg';
  if (typeof chart?.title !== 'string') throw new TypeError(`${fn}: expected a chart with a string title but received ${String(chart)}`);
  if (!Array.isArray(chart.series) || chart.series.length === 0) throw new TypeError(`${fn}: expected a non-empty array for series of chart '${chart.title}'`);
  chart.series.forEach((s, i) => {
    if (typeof s?.label !== 'string') throw new TypeError(`${fn}: expected string for series[${i}].label of chart '${chart.title}'`);
    if (s.values?.length !== chart.x.length)
      throw new RangeError(`${fn}: series '${s.label}' of chart '${chart.title}' has ${s.values?.length} values but x has ${chart.x.length}`);
  });
  const { W, H } = figureSize(chart, opts, fn);
  const xs = Array.from(chart.x);
  const used = xs.filter((xv, i) => Number.isFinite(xv) && chart.series.some((s) => Number.isFinite(s.values[i])));
  const xr = dataRange(used.length ? used : xs, 0.05) ?? [0, 1];
  const yr = dataRange(
    chart.series.flatMap((s) => Array.from(s.values).filter((_, i) => Number.isFinite(xs[i]))),
    0.05,
  ) ?? [0, 1];
  const xLabel = chart.xLabel ?? '',
    yLabel = chart.yLabel ?? '';

  const top = chart.title ? TOP_TITLE : TOP_PLAIN;
  const bottom = H - (5 + 8 + SIZE.tick + (xLabel ? 10 + SIZE.label : 0) + 10);
  const yTicks = niceTicks(yr[0], yr[1], axisIntervals(bottom - top, 40, 8));
  const yLabels = formatTicks(yTicks);
  const left = 10 + (yLabel ? SIZE.label + 10 : 0) + Math.max(...yLabels.map((l) => textWidth(l, SIZE.tick))) + 10;
  const right = W - 24;
  const f: Frame = { left: Math.round(left), top, right, bottom };
  const xTicks = niceTicks(xr[0], xr[1], axisIntervals(right - f.left, 70, 10));
  const mx = (v: number): number => f.left + ((v - xr[0]) / (xr[1] - xr[0])) * (right - f.left);
  const my = (v: number): number => bottom - ((v - yr[0]) / (yr[1] - yr[0])) * (bottom - top);
  const { under, over } = axes(
    W,
    H,
    f,
    chart.title,
    xLabel,
    yLabel,
    { ticks: yTicks, labels: yLabels, map: my },
    { ticks: xTicks, labels: formatTicks(xTicks), map: mx, grid: true, rotate: false },
  );

  const colors = chart.series.map((s, k) => s.color ?? TAB10[k % TAB10.length]);
  const lines: string[] = [];
  const pts: [number, number][][] = [];
  chart.series.forEach((s, k) => {
    const p: [number, number][] = [];
    let d = '',
      prev = false;
    const dots: string[] = [];
    for (let i = 0; i < xs.length; i++) {
      const ok = Number.isFinite(xs[i]) && Number.isFinite(s.values[i]);
      if (!ok) {
        prev = false;
        continue;
      }
      const px = mx(xs[i]),
        py = my(s.values[i]);
      p.push([px, py]);
      d += `${prev ? 'L' : 'M'}${n(px)} ${n(py)}`;
      const next = i + 1 < xs.length && Number.isFinite(xs[i + 1]) && Number.isFinite(s.values[i + 1]);
      if (!prev && !next) dots.push(`<circle cx="${n(px)}" cy="${n(py)}" r="2.5" fill="${escapeXml(colors[k])}"/>`);
      prev = true;
    }
    pts.push(p);
    if (d) lines.push(`<path d="${d}" stroke="${escapeXml(colors[k])}" stroke-width="2" fill="none" stroke-linejoin="round" stroke-linecap="round"/>`);
    lines.push(...dots);
  });
  const legend = legendSvg(
    chart.series.map((s, k) => ({ label: s.label, color: colors[k] })),
    f,
    pts,
  );
  return {
    svg: svgDocument(W, H, chart.title, [...under, ...lines, ...over, legend]),
    width: W,
    height: H,
    plot: { x: f.left, y: top, width: right - f.left, height: bottom - top },
  };
}

/** How much of the lines lies inside a box: samples every 3 px along each segment. */
function inkInside(box: { x: number; y: number; w: number; h: number }, pts: [number, number][][]): number {
  let count = 0;
  const inside = (x: number, y: number): boolean => x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h;
  for (const p of pts) {
    for (let i = 0; i < p.length; i++) {
      if (inside(p[i][0], p[i][1])) count++;
      if (i === 0) continue;
      const [x0, y0] = p[i - 1],
        [x1, y1] = p[i];
      const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 3);
      for (let s = 1; s < steps; s++) if (inside(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps)) count++;
    }
  }
  return count;
}

/** The legend: a framed box of colour swatches and labels, in two columns past 8 entries. */
function legendSvg(entries: { label: string; color: string }[], f: Frame, pts: [number, number][][]): string {
  const pad = 7,
    swatch = 22,
    gap = 6,
    row = SIZE.legend + 6;
  const cols = entries.length > 8 ? 2 : 1;
  const rows = Math.ceil(entries.length / cols);
  const colW = swatch + gap + Math.max(...entries.map((e) => textWidth(e.label, SIZE.legend))) + 10;
  const w = pad * 2 + cols * colW - 10,
    h = pad * 2 + rows * row - 4;
  const inset = 8;
  const L = f.left + inset,
    R = f.right - inset - w,
    T = f.top + inset,
    B = f.bottom - inset - h;
  const cx = (f.left + f.right - w) / 2,
    cy = (f.top + f.bottom - h) / 2;
  // matplotlib's order of preference for loc='best' among these places.
  const places: [number, number][] = [
    [R, T],
    [L, T],
    [L, B],
    [R, B],
    [R, cy],
    [L, cy],
    [cx, B],
    [cx, T],
    [cx, cy],
  ];
  let best = places[0],
    score = Infinity;
  for (const [x, y] of places) {
    const s = inkInside({ x, y, w, h }, pts);
    if (s < score) {
      score = s;
      best = [x, y];
    }
  }
  const [x, y] = best;
  const out = [`<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="3" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc" stroke-width="1"/>`];
  entries.forEach((e, i) => {
    const ex = x + pad + Math.floor(i / rows) * colW,
      ey = y + pad + (i % rows) * row + row / 2 - 2;
    out.push(`<path d="M${n(ex)} ${n(ey)}h${swatch}" stroke="${escapeXml(e.color)}" stroke-width="2.5" stroke-linecap="butt"/>`);
    out.push(text(ex + swatch + gap, ey + SIZE.legend * MID, e.label, SIZE.legend));
  });
  return `<g class="legend">${out.join('')}</g>`;
}

/**
 * A bar chart as SVG: one bar per category from 0 (tab10 colours unless given), its value
 * written on it, categories as x tick labels (slanted when they do not fit), a y axis of 1-2-5
 * ticks with grid lines. NaN values get no bar and "n/a".
 */
export function barChartSvg(chart: BarChart, opts: FigureOptions = {}): SvgFigure {
  const fn = 'barChartSvg';
  if (typeof chart?.title !== 'string') throw new TypeError(`${fn}: expected a chart with a string title but received ${String(chart)}`);
  if (!Array.isArray(chart.categories) || chart.categories.length === 0 || !chart.categories.every((c) => typeof c === 'string')) {
    throw new TypeError(`${fn}: expected a non-empty array of strings for categories of chart '${chart.title}'`);
  }
  if (chart.values?.length !== chart.categories.length) {
    throw new RangeError(`${fn}: chart '${chart.title}' has ${chart.categories.length} categories but ${chart.values?.length} values`);
  }
  const digits = chart.valueDigits === undefined ? 2 : chart.valueDigits;
  if (digits !== null && !(Number.isInteger(digits) && digits >= 0 && digits <= 20))
    throw new TypeError(`${fn}: expected an integer 0..20 or null for valueDigits but received ${String(digits)}`);
  const { W, H } = figureSize(chart, opts, fn);
  const vals = Array.from(chart.values);
  const nCat = vals.length;
  const xLabel = chart.xLabel ?? '',
    yLabel = chart.yLabel ?? '';
  const finite = vals.filter(Number.isFinite);
  let lo = Math.min(0, ...finite),
    hi = Math.max(0, ...finite);
  if (lo === hi) hi = 1;
  // Room above the bars (below, for negative ones) for the values written on them.
  const room = digits === null ? 0.05 : 0.12;
  const yr: [number, number] = [lo < 0 ? lo - (hi - lo) * room : 0, hi > 0 ? hi + (hi - lo) * room : 0];
  [lo, hi] = yr;

  const top = chart.title ? TOP_TITLE : TOP_PLAIN;
  const right = W - 24;
  const labelW = Math.max(...chart.categories.map((c) => textWidth(c, SIZE.tick)));
  // Slanted labels when the widest does not fit its slot (estimated with a typical left margin).
  const rotate = labelW > ((right - 80) / nCat) * 0.9;
  const xTickH = rotate ? labelW * 0.5 + SIZE.tick * 0.87 : SIZE.tick;
  const bottom = H - (5 + 8 + xTickH + (xLabel ? 10 + SIZE.label : 0) + 10);
  const yTicks = niceTicks(lo, hi, axisIntervals(bottom - top, 40, 8));
  const yLabels = formatTicks(yTicks);
  const left = Math.round(10 + (yLabel ? SIZE.label + 10 : 0) + Math.max(...yLabels.map((l) => textWidth(l, SIZE.tick))) + 10);
  const f: Frame = { left, top, right, bottom };
  const slot = (right - left) / nCat;
  const mx = (i: number): number => left + (i + 0.5) * slot;
  const my = (v: number): number => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  const { under, over } = axes(
    W,
    H,
    f,
    chart.title,
    xLabel,
    yLabel,
    { ticks: yTicks, labels: yLabels, map: my },
    { ticks: vals.map((_, i) => i), labels: chart.categories, map: mx, grid: false, rotate },
  );
  const bars: string[] = [];
  const bw = Math.min(slot * 0.6, 90);
  const y0 = my(0);
  vals.forEach((v, i) => {
    const color = chart.colors?.[i] ?? TAB10[i % TAB10.length];
    if (!Number.isFinite(v)) {
      bars.push(text(mx(i), y0 - 6, 'n/a', SIZE.value, { anchor: 'middle', fill: '#777777' }));
      return;
    }
    const yv = my(v);
    bars.push(`<rect x="${n(mx(i) - bw / 2)}" y="${n(Math.min(yv, y0))}" width="${n(bw)}" height="${n(Math.abs(y0 - yv))}" fill="${escapeXml(color)}"/>`);
    if (digits !== null) {
      const s = v.toFixed(digits).replace('-', '−');
      bars.push(text(mx(i), v >= 0 ? yv - 5 : yv + 5 + SIZE.value * 0.76, s, SIZE.value, { anchor: 'middle' }));
    }
  });
  return {
    svg: svgDocument(W, H, chart.title, [...under, ...bars, ...over]),
    width: W,
    height: H,
    plot: { x: left, y: top, width: right - left, height: bottom - top },
  };
}

// ---- several figures in one ---------------------------------------------------------------

/** Figures laid out in rows and columns as one SVG (see gridSvg). */
export interface SvgGrid extends SvgFigure {
  /** Each figure's place in the grid (rows in order) and its axes' frame, in the grid's pixels. */
  panels: { x: number; y: number; width: number; height: number; plot: SvgFigure['plot'] }[];
}

/**
 * Figures side by side and one above another in one SVG document, like matplotlib's subplots:
 * `rows[r][c]` goes to row r, column c; each column is as wide as its widest figure, each row as
 * tall as its tallest, figures sit at the top left of their cell, `gap` pixels (default 0: the
 * charts have margins of their own) between cells. Each figure keeps its own title, axes and
 * legend; `title` is the document's <title> (default: the figures' titles joined by " | ").
 * `plot` of the result is the box around all the panels' axes; `panels` has each one's.
 */
export function gridSvg(rows: SvgFigure[][], opts: { gap?: number; title?: string } = {}): SvgGrid {
  const fn = 'gridSvg';
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every((r) => Array.isArray(r) && r.length > 0)) {
    throw new TypeError(`${fn}: expected a non-empty array of non-empty rows of figures`);
  }
  rows.forEach((row, r) =>
    row.forEach((f, c) => {
      const ok =
        typeof f?.svg === 'string' &&
        /^\s*<svg[\s>]/.test(f.svg) &&
        Number.isFinite(f.width) &&
        f.width > 0 &&
        Number.isFinite(f.height) &&
        f.height > 0 &&
        f.plot !== null &&
        typeof f.plot === 'object' &&
        [f.plot.x, f.plot.y, f.plot.width, f.plot.height].every(Number.isFinite);
      if (!ok) throw new TypeError(`${fn}: expected an SvgFigure (svg, width, height, plot) at row ${r}, column ${c}`);
    }),
  );
  const gap = opts.gap ?? 0;
  if (!(Number.isFinite(gap) && gap >= 0)) throw new RangeError(`${fn}: expected a finite gap >= 0 but received ${String(gap)}`);
  if (opts.title !== undefined && typeof opts.title !== 'string') throw new TypeError(`${fn}: expected a string title but received ${String(opts.title)}`);
  const cols = Math.max(...rows.map((r) => r.length));
  const colW = Array.from({ length: cols }, (_, c) => Math.max(0, ...rows.map((r) => r[c]?.width ?? 0)));
  const rowH = rows.map((r) => Math.max(...r.map((f) => f.height)));
  const colX = colW.map((_, c) => colW.slice(0, c).reduce((a, b) => a + b + gap, 0));
  const rowY = rowH.map((_, r) => rowH.slice(0, r).reduce((a, b) => a + b + gap, 0));
  const W = colW.reduce((a, b) => a + b, 0) + gap * (cols - 1);
  const H = rowH.reduce((a, b) => a + b, 0) + gap * (rows.length - 1);
  const panels: SvgGrid['panels'] = [];
  const body: string[] = [];
  rows.forEach((row, r) =>
    row.forEach((f, c) => {
      const x = colX[c],
        y = rowY[r];
      panels.push({ x, y, width: f.width, height: f.height, plot: { x: x + f.plot.x, y: y + f.plot.y, width: f.plot.width, height: f.plot.height } });
      // A nested <svg> is its own viewport: the figure is clipped to its size and keeps its coordinates.
      body.push(`<g transform="translate(${n(x)} ${n(y)})">${f.svg.trim()}</g>`);
    }),
  );
  const x0 = Math.min(...panels.map((p) => p.plot.x)),
    y0 = Math.min(...panels.map((p) => p.plot.y));
  const x1 = Math.max(...panels.map((p) => p.plot.x + p.plot.width)),
    y1 = Math.max(...panels.map((p) => p.plot.y + p.plot.height));
  // The figures' own <title>s are escaped already.
  const titleXml =
    opts.title !== undefined
      ? escapeXml(opts.title)
      : rows
          .flat()
          .map((f) => /<title>([^<]*)<\/title>/.exec(f.svg)?.[1] ?? '')
          .filter(Boolean)
          .join(' | ');
  return { svg: svgDocumentXml(W, H, titleXml, body), width: W, height: H, plot: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, panels };
}

// ---- rasterising ------------------------------------------------------------------------

type ResvgModule = typeof import('@resvg/resvg-js');
let resvg: { mod: ResvgModule; font: string } | null = null;

/** resvg and the DejaVu Sans file, loaded once; an Error naming `fn` and the packages when absent. */
function loadResvg(fn: string): { mod: ResvgModule; font: string } {
  if (resvg) return resvg;
  const require = createRequire(import.meta.url);
  const install = 'npm install --save-dev @resvg/resvg-js dejavu-fonts-ttf';
  let mod: ResvgModule;
  try {
    mod = require('@resvg/resvg-js') as ResvgModule;
  } catch (e) {
    throw new Error(
      `${fn}: drawing charts as PNG needs the package @resvg/resvg-js, which could not be loaded (${(e as Error).message.split('\n')[0]}); install it with: ${install}`,
    );
  }
  let font: string;
  try {
    font = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
  } catch {
    throw new Error(
      `${fn}: drawing charts as PNG needs the font package dejavu-fonts-ttf (DejaVuSans.ttf), which is not installed; install it with: ${install}`,
    );
  }
  resvg = { mod, font };
  return resvg;
}

/**
 * Renders SVG (a string or an SvgFigure) to PNG bytes with resvg, `scale` pixels per SVG pixel
 * (default 2), text in DejaVu Sans from the dejavu-fonts-ttf package (system fonts are not read).
 * Throws an Error saying what to install when @resvg/resvg-js or dejavu-fonts-ttf is missing.
 */
export function svgToPng(svg: string | SvgFigure, opts: { scale?: number } = {}): Buffer {
  const fn = 'svgToPng';
  const src = typeof svg === 'string' ? svg : svg?.svg;
  if (typeof src !== 'string' || !/^\s*<svg[\s>]/.test(src))
    throw new TypeError(`${fn}: expected an SVG document (a string starting with <svg) or an SvgFigure`);
  const scale = opts.scale ?? 2;
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 16)) throw new RangeError(`${fn}: expected a scale in (0, 16] but received ${String(scale)}`);
  const { mod, font } = loadResvg(fn);
  const r = new mod.Resvg(src, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: false, fontFiles: [font], defaultFontFamily: FONT, sansSerifFamily: FONT },
    shapeRendering: 2,
    textRendering: 1,
  });
  return r.render().asPng();
}

/** Renders `fig` (svgToPng) and writes the PNG to `path` atomically; returns the PNG bytes. */
export function writeChartPng(path: string, fig: string | SvgFigure, opts: { scale?: number } = {}): Buffer {
  const bytes = svgToPng(fig, opts);
  writeFileAtomic(path, bytes);
  return bytes;
}
