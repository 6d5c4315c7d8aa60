/**
 * EE449 HW1 part 1.1: sigmoid, tanh and ReLU with their derivatives over linspace(-5, 5, 1000).
 * The derivatives come from autograd (torch.autograd.grad) and are checked against the
 * analytic forms σ(x)(1 − σ(x)), 1 − tanh²(x) and [x > 0]; the curves are drawn as Figure 2
 * (two labelled panels, SVG rendered to `activations.png`, scripts/viz/svgchart.ts) and report charts.
 *
 *     node --import tsx scripts/part1_1.ts --out results/
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { type Tensor, tidy, autograd } from '../lib/index.js';
import { TAB10, toHex } from './viz/images.js';
import { lineChartSvg, gridSvg, writeChartPng, type SvgGrid } from './viz/svgchart.js';
import { Report } from './viz/report.js';
import { parseCli } from './common.js';
import type { Activation } from './mlp.js';

/** Values, autograd derivative, analytic derivative and their largest difference for one activation. */
export interface ActivationCurve {
  name: Activation;
  y: Float64Array;
  dyAutograd: Float64Array;
  dyAnalytic: Float64Array;
  maxAbsDiff: number;
}

const FORWARD: Record<Activation, (x: Tensor) => Tensor> = {
  sigmoid: (x) => x.sigmoid(),
  tanh: (x) => x.tanh(),
  relu: (x) => x.relu(),
};
const ANALYTIC: Record<Activation, (x: Tensor) => Tensor> = {
  sigmoid: (x) => x.sigmoid().mul(x.sigmoid().rsub(1)),
  tanh: (x) => x.tanh().pow(2).rsub(1),
  relu: (x) => x.gt(0).to(x.dtype),
};

/**
 * Evaluates the three activations and their derivatives at `steps` points of [start, end]
 * (float64). Returns x and one curve per activation.
 */
export function activationCurves(start = -5, end = 5, steps = 1000): { x: Float64Array; curves: ActivationCurve[] } {
  if (typeof start !== 'number' || typeof end !== 'number' || !Number.isFinite(start) || !Number.isFinite(end) || !(end > start)) {
    throw new TypeError(`activationCurves: expected finite numbers with start < end but received start=${String(start)}, end=${String(end)}`);
  }
  if (!(Number.isInteger(steps) && steps >= 2)) throw new TypeError(`activationCurves: expected integer >= 2 for steps but received ${String(steps)}`);
  return tidy(() => {
    const x = torch.linspace(start, end, steps, { dtype: 'float64', requiresGrad: true });
    const curves = (['sigmoid', 'tanh', 'relu'] as const).map((name): ActivationCurve => {
      const y = FORWARD[name](x);
      // d(sum y)/dx = dy/dx elementwise, since each y_i depends on x_i only.
      const [dy] = autograd.grad(y.sum(), x);
      const analytic = torch.noGrad(() => ANALYTIC[name](x.detach()));
      const diff = dy!.sub(analytic).abs().max() as Tensor;
      return {
        name,
        y: y.detach().dataSync() as Float64Array,
        dyAutograd: dy!.dataSync() as Float64Array,
        dyAnalytic: analytic.dataSync() as Float64Array,
        maxAbsDiff: diff.item(),
      };
    });
    return { x: x.detach().dataSync() as Float64Array, curves };
  });
}

/** How Figure 2's legends name the activations. */
export const ACTIVATION_LABELS: Readonly<Record<Activation, string>> = { sigmoid: 'sigmoid', tanh: 'tanh', relu: 'ReLU' };

/** The titles of Figure 2's panels: the functions (left) and their derivatives (right). */
export const ACTIVATION_PANEL_TITLES = ['Activation Functions', 'Derivatives of Activation Functions'] as const;

/**
 * Figure 2 as SVG: two panels side by side, each `width` × `height` pixels (default 520 × 390):
 * the activations (left, y label f(x)) and their autograd derivatives (right, f'(x)), each with
 * a title, numbered ticks, x and y labels and a legend naming sigmoid, tanh and ReLU in
 * tab10's blue, orange and green. `panels` of the result tells where each panel's axes lie.
 */
export function plotActivations(x: Float64Array, curves: ActivationCurve[], opts: { width?: number; height?: number } = {}): SvgGrid {
  const size = { width: opts.width ?? 520, height: opts.height ?? 390 };
  const series = (pick: (c: ActivationCurve) => Float64Array) =>
    curves.map((c, i) => ({ label: ACTIVATION_LABELS[c.name], values: pick(c), color: toHex(TAB10[i]) }));
  const [fTitle, dTitle] = ACTIVATION_PANEL_TITLES;
  const left = lineChartSvg({ title: fTitle, x, xLabel: 'x', yLabel: 'f(x)', series: series((c) => c.y) }, size);
  const right = lineChartSvg({ title: dTitle, x, xLabel: 'x', yLabel: "f'(x)", series: series((c) => c.dyAutograd) }, size);
  return gridSvg([[left, right]], { title: 'Figure 2: Plots of Activation Functions and Their Derivatives' });
}

/** Adds part 1.1's charts and figure to a report. */
export function reportPart1_1(report: Report, x: Float64Array, curves: ActivationCurve[], png: Uint8Array): void {
  report.heading('Part 1.1: activation functions and their derivatives');
  report.chart({
    title: 'Activation functions',
    x,
    xLabel: 'x',
    yLabel: 'f(x)',
    series: curves.map((c, i) => ({ label: c.name, values: c.y, color: toHex(TAB10[i]) })),
  });
  report.chart({
    title: 'Derivatives (autograd)',
    x,
    xLabel: 'x',
    yLabel: "f'(x)",
    series: curves.map((c, i) => ({ label: `${c.name}'`, values: c.dyAutograd, color: toHex(TAB10[i]) })),
  });
  report.table(
    ['activation', 'max |autograd − analytic|'],
    curves.map((c) => [c.name, c.maxAbsDiff.toExponential(3)]),
  );
  // A 2x render of a text-bearing figure: shown at the page's width, scaled smoothly.
  report.image({ title: 'activations.png: the activation functions (left) and their autograd derivatives (right)', png, smooth: true });
}

/** Runs part 1.1: computes the curves, writes `activations.png` into outDir, returns the numbers. */
export function runPart1_1(outDir: string, log: (s: string) => void = console.log): { x: Float64Array; curves: ActivationCurve[]; png: Buffer; path: string } {
  const { x, curves } = activationCurves(-5, 5, 1000);
  for (const c of curves) log(`max |autograd - analytic| for ${c.name}' = ${c.maxAbsDiff.toExponential(3)}`);
  const path = join(outDir, 'activations.png');
  // Rendered at 2 PNG pixels per SVG pixel and written atomically (temporary file, then rename).
  const png = writeChartPng(path, plotActivations(x, curves));
  log(`Activation plot saved to ${path}.`);
  return { x, curves, png, path };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const args = parseCli('part1_1', { out: { type: 'string', default: 'results', outDir: 'create', help: 'folder for figures' } });
    if (args) {
      const r = runPart1_1(args.out);
      const report = new Report('EE449 HW1 part 1.1');
      reportPart1_1(report, r.x, r.curves, r.png);
      report.write(join(args.out, 'part1_1_report.html'));
    }
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
