/**
 * Stand-ins for the course's `utils.py` used by Appendices 3–5: `part3Plots`, `part4Plots`,
 * `part5Plots` and `visualizeWeights` (the course file itself is not part of the homework text).
 *
 * Each plot function draws its panels as interactive uPlot charts in a self-contained HTML
 * report (scripts/viz/report.ts; bar charts inline as SVG) and as PNG figures with title, axis
 * ticks and labels and a legend, drawn as SVG and rendered without a browser (resvg and the
 * DejaVu font from npm, scripts/viz/svgchart.ts). Pass `report` to add the panels to a report you
 * write yourself; otherwise `{saveDir}/{filename}.html` is written. PNGs go to
 * `{saveDir}/{filename}_{panel}.png`.
 */
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { type Tensor, tidy } from '../lib/index.js';
import { Report, type Chart } from './viz/report.js';
import { writePng, type RgbaImage } from './viz/png.js';
import { Canvas, composeGrid, scaleNearest, TAB10, toHex } from './viz/images.js';
import { barChartSvg, lineChartSvg, writeChartPng, type BarChart, type SvgFigure } from './viz/svgchart.js';

/** What Appendix 3 saves per model (`part3_{name}`). */
export interface Part3Result {
  name: string;
  loss_curve: number[];
  train_acc_curve: number[];
  val_acc_curve: number[];
  test_acc: number;
  weights?: unknown;
}
/** What Appendix 4 saves per architecture (`part4_{name}`). */
export interface Part4Result {
  name: string;
  relu_loss_curve: number[];
  sigmoid_loss_curve: number[];
  relu_grad_curve: number[];
  sigmoid_grad_curve: number[];
}
/** What Appendix 5 saves (`part5_cnn3`). */
export interface Part5Result {
  name: string;
  loss_curve_1: number[];
  loss_curve_01: number[];
  loss_curve_001: number[];
  val_acc_curve_1: number[];
  val_acc_curve_01: number[];
  val_acc_curve_001: number[];
}

/** Options shared by the plot functions. */
export interface PlotOptions {
  /** Add the panels to this report instead of writing `{filename}.html`. */
  report?: Report;
  /** Write PNG charts too (default true). */
  png?: boolean;
}

interface Line {
  label: string;
  values: number[];
}

function checkDir(saveDir: unknown, filename: unknown, fn: string): void {
  if (typeof saveDir !== 'string') throw new TypeError(`${fn}: expected string for saveDir but received ${String(saveDir)} of type ${typeof saveDir}`);
  if (typeof filename !== 'string' || filename === '' || /[\\/]/.test(filename)) {
    throw new TypeError(`${fn}: expected a file name without folders for filename but received ${JSON.stringify(filename)}`);
  }
}

function checkCurve(v: unknown, what: string, fn: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new TypeError(`${fn}: expected an array of numbers for ${what} but received ${v === undefined ? 'undefined' : JSON.stringify(v).slice(0, 60)}`);
  }
  return v as number[];
}

/**
 * One panel: the curves share an x axis of record indices times `every` (the original records
 * every 10 steps), padded with NaN (gaps) where a curve is shorter.
 */
function panel(title: string, lines: Line[], xLabel: string, yLabel: string, every: number): Chart {
  const n = Math.max(0, ...lines.map((l) => l.values.length));
  const x = Array.from({ length: n }, (_, i) => (i + 1) * every);
  return {
    title,
    xLabel,
    yLabel,
    x,
    series: lines.map((l, k) => ({
      label: l.label,
      values: Array.from({ length: n }, (_, i) => (i < l.values.length ? l.values[i] : NaN)),
      color: toHex(TAB10[k % TAB10.length]),
    })),
  };
}

/**
 * Adds the panels to the report (line charts as uPlot charts, bar charts as inline SVG) and,
 * unless `opts.png` is false, writes each as `{saveDir}/{filename}_{slug of its title}.png`.
 */
function emit(charts: (Chart | BarChart)[], saveDir: string, filename: string, title: string, opts: PlotOptions, extra?: (r: Report) => void): Report {
  const report = opts.report ?? new Report(title);
  if (opts.report) report.heading(title);
  for (const c of charts) {
    let fig: SvgFigure | undefined;
    if ('categories' in c) {
      fig = barChartSvg(c);
      report.svg({ title: c.title, svg: fig.svg, name: c.name });
    } else {
      report.chart(c);
    }
    if (opts.png ?? true) {
      const slug = c.title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_|_$/g, '');
      writeChartPng(join(saveDir, `${filename}_${slug}.png`), fig ?? lineChartSvg(c as Chart));
    }
  }
  extra?.(report);
  if (!opts.report) report.write(join(saveDir, `${filename}.html`));
  return report;
}

/**
 * Part 3's comparison figure (the homework's Figure 12): training loss, training accuracy and
 * validation accuracy of every model against steps, the test accuracy of every model as a bar
 * chart (NaN: not measured), and a table of the test accuracies with each model's final training
 * and validation accuracy beside them for the generalisation comparison.
 */
export function part3Plots(results: Part3Result[], saveDir = '.', filename = 'all_models_performance', opts: PlotOptions = {}): Report {
  const fn = 'part3Plots';
  checkDir(saveDir, filename, fn);
  if (!Array.isArray(results) || results.length === 0) throw new TypeError(`${fn}: expected a non-empty array of results`);
  results.forEach((r, i) => {
    if (typeof r?.name !== 'string') throw new TypeError(`${fn}: expected string for results[${i}].name but received ${String(r?.name)}`);
    for (const k of ['loss_curve', 'train_acc_curve', 'val_acc_curve'] as const) checkCurve(r[k], `results[${i}].${k}`, fn);
    if (typeof r.test_acc !== 'number') throw new TypeError(`${fn}: expected number for results[${i}].test_acc but received ${String(r.test_acc)}`);
  });
  const charts = [
    panel(
      'Training loss',
      results.map((r) => ({ label: r.name, values: r.loss_curve })),
      'step',
      'loss (mean of 10 steps)',
      10,
    ),
    panel(
      'Training accuracy',
      results.map((r) => ({ label: r.name, values: r.train_acc_curve })),
      'step',
      'accuracy (%)',
      10,
    ),
    panel(
      'Validation accuracy',
      results.map((r) => ({ label: r.name, values: r.val_acc_curve })),
      'step',
      'accuracy (%)',
      10,
    ),
    {
      title: 'Test accuracy',
      xLabel: 'model',
      yLabel: 'accuracy (%)',
      categories: results.map((r) => r.name),
      values: results.map((r) => r.test_acc),
      colors: results.map((_, k) => toHex(TAB10[k % TAB10.length])),
    } satisfies BarChart,
  ];
  const last = (v: number[]): string => (v.length ? v[v.length - 1].toFixed(2) : '–');
  return emit(charts, saveDir, filename, 'Part 3: performance comparison', opts, (rep) => {
    rep.table(
      ['model', 'final train acc (%)', 'final val acc (%)', 'test acc (%)'],
      results.map((r) => [r.name, last(r.train_acc_curve), last(r.val_acc_curve), r.test_acc.toFixed(2)]),
    );
  });
}

/** Part 4's figure: ReLU vs sigmoid training loss and first-layer gradient norm, every architecture. */
export function part4Plots(results: Part4Result[], saveDir = '.', filename = 'part4_performance', opts: PlotOptions = {}): Report {
  const fn = 'part4Plots';
  checkDir(saveDir, filename, fn);
  if (!Array.isArray(results) || results.length === 0) throw new TypeError(`${fn}: expected a non-empty array of results`);
  const keys = ['relu_loss_curve', 'sigmoid_loss_curve', 'relu_grad_curve', 'sigmoid_grad_curve'] as const;
  results.forEach((r, i) => {
    if (typeof r?.name !== 'string') throw new TypeError(`${fn}: expected string for results[${i}].name but received ${String(r?.name)}`);
    for (const k of keys) checkCurve(r[k], `results[${i}].${k}`, fn);
  });
  const lines = (a: 'loss' | 'grad'): Line[] =>
    results.flatMap((r) => [
      { label: `${r.name} relu`, values: r[`relu_${a}_curve`] },
      { label: `${r.name} sigmoid`, values: r[`sigmoid_${a}_curve`] },
    ]);
  const charts = [
    panel('Training losses', lines('loss'), 'step', 'loss', 10),
    panel('Gradient magnitudes', lines('grad'), 'step', '‖∇ first-layer weight‖', 10),
  ];
  return emit(charts, saveDir, filename, 'Part 4: ReLU vs sigmoid', opts);
}

/** Part 5's figure: training loss and validation accuracy of CNN3 at learning rates 0.1, 0.01, 0.001. */
export function part5Plots(result: Part5Result, saveDir = '.', filename = 'part5_lr_comparison', opts: PlotOptions = {}): Report {
  const fn = 'part5Plots';
  checkDir(saveDir, filename, fn);
  if (typeof result?.name !== 'string') throw new TypeError(`${fn}: expected a result object with a string name but received ${String(result)}`);
  const tags = [
    ['1', '0.1'],
    ['01', '0.01'],
    ['001', '0.001'],
  ] as const;
  const loss = tags.map(([t, lr]) => ({ label: `lr=${lr}`, values: checkCurve(result[`loss_curve_${t}`], `result.loss_curve_${t}`, fn) }));
  const acc = tags.map(([t, lr]) => ({ label: `lr=${lr}`, values: checkCurve(result[`val_acc_curve_${t}`], `result.val_acc_curve_${t}`, fn) }));
  const charts = [
    panel(`Training loss (${result.name})`, loss, 'step', 'loss (mean of 10 steps)', 10),
    panel(`Validation accuracy (${result.name})`, acc, 'step', 'accuracy (%)', 10),
  ];
  return emit(charts, saveDir, filename, 'Part 5: learning rates', opts);
}

/** Part 5's scheduled-learning-rate figure: validation accuracy per epoch, with the LR of each epoch. */
export function part5ScheduledPlot(valAcc: number[], lrs: number[], saveDir = '.', filename = 'part5_scheduled', opts: PlotOptions = {}): Report {
  const fn = 'part5ScheduledPlot';
  checkDir(saveDir, filename, fn);
  checkCurve(valAcc, 'valAcc', fn);
  checkCurve(lrs, 'lrs', fn);
  const charts = [panel('Validation accuracy, scheduled learning rate', [{ label: 'val acc', values: valAcc }], 'epoch', 'accuracy (%)', 1)];
  return emit(charts, saveDir, filename, 'Part 5: scheduled learning rate', opts, (rep) => {
    rep.table(
      ['epoch', 'lr', 'val acc (%)'],
      valAcc.map((v, i) => [i + 1, lrs[i] ?? '', v.toFixed(2)]),
    );
  });
}

type Nested = number | Nested[];

function toTensor(weights: unknown, fn: string): Tensor {
  if (weights instanceof torch.Tensor) return weights.detach().to('float64');
  if (Array.isArray(weights)) {
    try {
      return torch.tensor(weights as Nested[] as never, { dtype: 'float64' });
    } catch (e) {
      throw new TypeError(`${fn}: expected weights as a Tensor or rectangular nested arrays of numbers (${(e as Error).message})`);
    }
  }
  throw new TypeError(`${fn}: expected weights as a Tensor or nested arrays but received ${String(weights)} of type ${typeof weights}`);
}

/**
 * Draws first-layer weights as a grid of images, one per unit, each normalised to its own
 * min..max (in LibTorch): conv weights [O, C, kh, kw] as RGB filters when C = 3 (greyscale
 * channels side by side otherwise); Linear weights [O, 3072] as 3×32×32 RGB images (the input
 * layout), other widths as greyscale squares when they are perfect squares.
 * Writes `{saveDir}/{filename}.png` and returns its bytes (for embedding in a report).
 */
export function visualizeWeights(weights: Tensor | unknown[], saveDir = '.', filename = 'weights', opts: { columns?: number; scale?: number } = {}): Buffer {
  const fn = 'visualizeWeights';
  checkDir(saveDir, filename, fn);
  const { images, h, w } = tidy(() => {
    let t = toTensor(weights, fn);
    if (t.ndim === 2) {
      const [o, f] = t.shape;
      if (f === 3 * 32 * 32) t = t.view(o, 3, 32, 32);
      else if (Number.isInteger(Math.sqrt(f))) t = t.view(o, 1, Math.sqrt(f), Math.sqrt(f));
      else throw new RangeError(`${fn}: cannot draw Linear weights of shape [${t.shape.join(', ')}]: expected [O, 3072] or [O, k*k]`);
    }
    if (t.ndim !== 4) throw new RangeError(`${fn}: expected conv weights [O, C, kh, kw] or Linear weights [O, F] but received shape [${t.shape.join(', ')}]`);
    const [o, c, kh, kw] = t.shape;
    // Greyscale channels side by side when the filter is not RGB.
    if (c !== 3)
      t = t
        .permute([0, 2, 1, 3])
        .reshape([o, 1, kh, c * kw])
        .expand([o, 3, kh, c * kw]);
    const lo = t.amin([1, 2, 3], { keepdim: true }),
      hi = t.amax([1, 2, 3], { keepdim: true });
    const range = hi.sub(lo);
    const flat = range.eq(0);
    const n = t.sub(lo).div(range.maskedFill(flat, 1)).add(flat.to('float64').mul(0.5));
    const bytes = n.mul(255).round().to('uint8').permute([0, 2, 3, 1]).contiguous();
    return { images: bytes.dataSync() as Uint8Array, h: bytes.shape[1], w: bytes.shape[2] };
  });
  const count = images.length / (h * w * 3);
  const scale = opts.scale ?? Math.max(1, Math.round(96 / Math.max(h, w)));
  const columns = opts.columns ?? Math.min(8, count);
  const panels: RgbaImage[][] = [];
  for (let i = 0; i < count; i++) {
    const cv = new Canvas(w, h);
    for (let p = 0; p < h * w; p++) {
      const s = (i * h * w + p) * 3;
      cv.data[p * 4] = images[s];
      cv.data[p * 4 + 1] = images[s + 1];
      cv.data[p * 4 + 2] = images[s + 2];
    }
    if (i % columns === 0) panels.push([]);
    panels[panels.length - 1].push(scale === 1 ? cv : scaleNearest(cv, scale));
  }
  return writePng(join(saveDir, `${filename}.png`), composeGrid(panels, { pad: 2 }));
}
