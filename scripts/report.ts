/**
 * The homework report: one self-contained HTML file (uPlot, data and images inlined; opens from
 * disk with no network) with every figure of EE449 HW1, built from what the parts left in the
 * results folder, so it can be regenerated at any time:
 *
 *     node --import tsx scripts/report.ts --out results            # → results/report.html
 *     node --import tsx scripts/report.ts --out results --live     # serve it, rebuild on changes
 *
 * Read: part1_results.json (+ activations.png, decision_boundary_*.png), part2_results.json
 * (+ part2_inputs.png, part2_conv_output.png), part3_{model}.json (+ weights_{model}.png),
 * part4_{model}.json, part5_cnn3.json, part5_cnn3_scheduled.json. A part with no results is a
 * "not run" section, a part whose files cannot be drawn an "error" section; neither throws.
 *
 * Figure captions follow the seed report (Figure 2, 4, 6, 7–11, 12, 13, 14, 15); charts are
 * drawn by the parts' own plot helpers (scripts/utils.ts, scripts/part1_1.ts) so the report and
 * the parts' own reports agree. With Chromium available every chart is also exported as
 * `{out}/charts/{name}.png` (scripts/viz/export.ts).
 */
import { existsSync, readFileSync, watch } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Report, type HtmlOptions } from './viz/report.js';
import { TAB10, toHex } from './viz/images.js';
import { exportCharts } from './viz/export.js';
import { LiveServer } from './viz/live.js';
import { parseCli, pyFloat } from './common.js';
import { activationCurves, reportPart1_1 } from './part1_1.js';
import { MODEL_NAMES } from './models.js';
import { part3Plots, part4Plots, part5Plots, part5ScheduledPlot, visualizeWeights, type Part3Result, type Part4Result, type Part5Result } from './utils.js';

/** How one section of the report came out. */
export interface SectionStatus {
  id: 'part1' | 'part2' | 'part3' | 'part4' | 'part5';
  title: string;
  status: 'ok' | 'partial' | 'not run' | 'error';
  detail: string;
}

/** A built report and the state of each section. */
export interface BuiltReport {
  report: Report;
  sections: SectionStatus[];
}

/** The seed's model names in figure captions (MLP_1 ... CNN_5). */
const CAPTION_NAME: Record<string, string> = { mlp_1: 'MLP_1', mlp_2: 'MLP_2', cnn_3: 'CNN_3', cnn_4: 'CNN_4', cnn_5: 'CNN_5' };

function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${path} is not valid JSON (${(e as Error).message}); rerun the part that writes it`);
  }
}

function readPng(path: string): Uint8Array | null {
  return existsSync(path) ? readFileSync(path) : null;
}

/** The part's settings and data note, as one line. */
function describeRun(r: { data?: { kind?: string; note?: string; path?: string }; settings?: Record<string, unknown> } | undefined): string {
  if (!r) return '';
  const parts: string[] = [];
  if (r.settings) {
    const s = r.settings;
    const keys = ['preset', 'epochs', 'epochSteps', 'steps', 'seed', 'device'].filter((k) => s[k] !== undefined && s[k] !== null);
    parts.push(`settings: ${keys.map((k) => `${k}=${String(s[k])}`).join(', ')}`);
  }
  if (r.data?.kind) parts.push(`data: ${r.data.kind}${r.data.kind !== 'cifar10' ? ' (NOT CIFAR-10: CIFAR-10 was not available)' : ''}`);
  return parts.join('; ');
}

interface Part1Json {
  part1_2?: {
    settings?: { epochs?: number; seed?: number };
    idealRuleValidationAccuracy?: number;
    results?: { activation: string; validationAccuracy: number; lossEvery1000: number[]; finalLoss?: number; figure?: string }[];
  };
  seconds?: number;
}

function part1(rep: Report, dir: string): SectionStatus {
  const base = { id: 'part1' as const, title: 'Part 1: Basic neural network construction and training' };
  const j = readJson<Part1Json>(join(dir, 'part1_results.json'));
  if (!j) return { ...base, status: 'not run', detail: 'no part1_results.json' };
  rep.chartPrefix('part1_1');
  // The curves are cheap and deterministic: recomputed rather than stored.
  const { x, curves } = activationCurves(-5, 5, 1000);
  const png = readPng(join(dir, 'activations.png'));
  if (png) reportPart1_1(rep, x, curves, png);
  else {
    rep.heading('Part 1.1: activation functions and their derivatives');
    rep.chart({
      title: 'Activation functions',
      x,
      xLabel: 'x',
      yLabel: 'f(x)',
      series: curves.map((c, i) => ({ label: c.name, values: c.y, color: toHex(TAB10[i]) })),
    });
    rep.chart({
      title: 'Derivatives (autograd)',
      x,
      xLabel: 'x',
      yLabel: "f'(x)",
      series: curves.map((c, i) => ({ label: `${c.name}'`, values: c.dyAutograd, color: toHex(TAB10[i]) })),
    });
  }
  rep.caption('Figure 2: Plots of Activation Functions and Their Derivatives');

  rep.heading('Part 1.2: MLP on XOR');
  const p = j.part1_2;
  const results = p?.results ?? [];
  if (results.length === 0) return { ...base, status: 'partial', detail: 'part1_results.json has no part 1.2 results' };
  // Figure 3: the console output, rebuilt from the stored losses in the original's format.
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`Training with ${r.activation} activation function...`);
    r.lossEvery1000.forEach((l, k) => lines.push(`Epoch ${k * 1000}: Loss = ${pyFloat(l)}`));
    lines.push(`Validation Accuracy with ${r.activation}: ${r.validationAccuracy.toFixed(2)}%`);
    lines.push(`Decision boundary plot saved for ${r.activation} activation.`);
  }
  rep.pre(lines.join('\n'));
  rep.caption('Figure 3: Console Output of 1.2 MLP Implementation Code');
  rep.chartPrefix('part1_2');
  const n = Math.max(...results.map((r) => r.lossEvery1000.length));
  rep.chart({
    title: 'Training loss (MSE), every 1000 epochs',
    x: Array.from({ length: n }, (_, k) => k * 1000),
    xLabel: 'epoch',
    yLabel: 'loss',
    series: results.map((r, i) => ({ label: r.activation, values: Array.from({ length: n }, (_, k) => r.lossEvery1000[k] ?? NaN), color: toHex(TAB10[i]) })),
  });
  rep.table(
    ['activation', 'validation accuracy (%)', 'final loss'],
    results.map((r) => [r.activation, r.validationAccuracy.toFixed(2), r.finalLoss === undefined ? '–' : r.finalLoss.toPrecision(6)]),
  );
  const missing: string[] = [];
  for (const r of results) {
    const img = readPng(join(dir, r.figure ?? `decision_boundary_${r.activation}.png`));
    if (img) rep.image({ title: `Decision Boundary - ${r.activation}`, png: img });
    else missing.push(`decision_boundary_${r.activation}.png`);
  }
  rep.caption('Figure 4: Decision Boundary Plots for Tanh, ReLU & Sigmoid (validation points: red label 0, blue label 1)');
  if (missing.length) rep.text(`Missing figures: ${missing.join(', ')}.`);
  return {
    ...base,
    status: missing.length ? 'partial' : 'ok',
    detail: `${results.length} activations, ${p?.settings?.epochs ?? '?'} epochs${missing.length ? `; missing ${missing.join(', ')}` : ''}`,
  };
}

interface Part2Json {
  inputSource?: string;
  kernelSource?: string;
  outputShape?: number[];
  outputRange?: [number, number];
  loopsVsConv2d?: { maxAbsDiff: number; relative: number };
  vectorizedVsConv2d?: { maxAbsDiff: number; relative: number };
  loopSeconds?: number;
  vectorizedSeconds?: number;
  figure?: string;
}

function part2(rep: Report, dir: string): SectionStatus {
  const base = { id: 'part2' as const, title: 'Part 2: Implementing a convolutional layer' };
  const j = readJson<Part2Json>(join(dir, 'part2_results.json'));
  if (!j) return { ...base, status: 'not run', detail: 'no part2_results.json' };
  if (j.inputSource) rep.text(`Input: ${j.inputSource}.`);
  if (j.kernelSource) rep.text(`Kernel: ${j.kernelSource}.`);
  const e = (v: number | undefined) => (typeof v === 'number' ? v.toExponential(3) : '–');
  rep.table(
    ['implementation', 'max |Δ| vs conv2d', 'relative', 'seconds'],
    [
      ['myConv2d (loops)', e(j.loopsVsConv2d?.maxAbsDiff), e(j.loopsVsConv2d?.relative), j.loopSeconds?.toFixed(3) ?? '–'],
      ['myConv2dVectorized', e(j.vectorizedVsConv2d?.maxAbsDiff), e(j.vectorizedVsConv2d?.relative), j.vectorizedSeconds?.toFixed(4) ?? '–'],
    ],
  );
  if (j.outputShape) rep.text(`Output shape [${j.outputShape.join(', ')}]${j.outputRange ? `, values in [${j.outputRange[0]}..${j.outputRange[1]}]` : ''}.`);
  const inputs = readPng(join(dir, 'part2_inputs.png'));
  if (inputs) rep.image({ title: 'Inputs (one panel per image)', png: inputs });
  const out = readPng(join(dir, j.figure ?? 'part2_conv_output.png'));
  if (!out) {
    rep.text('Missing figure part2_conv_output.png.');
    return { ...base, status: 'partial', detail: 'part2_conv_output.png missing' };
  }
  rep.image({ title: 'part2_conv_output.png: one row per image, one column per filter', png: out });
  rep.caption('Figure 6: Plot of my_conv2d function (one row per image, one column per filter)');
  return { ...base, status: 'ok', detail: `output [${j.outputShape?.join(', ') ?? '?'}]` };
}

type Part3Json = Part3Result & { partial?: boolean; data?: { kind?: string }; settings?: Record<string, unknown> };

function part3(rep: Report, dir: string): SectionStatus {
  const base = { id: 'part3' as const, title: 'Part 3: Experimenting ANN architectures' };
  const found = MODEL_NAMES.map((m) => ({ m, r: readJson<Part3Json>(join(dir, `part3_${m}.json`)) }));
  const results = found.flatMap(({ r }) => (r ? [r] : []));
  const missing = found.filter(({ r }) => !r).map(({ m }) => m);
  if (results.length === 0) return { ...base, status: 'not run', detail: 'no part3_{model}.json' };
  const partial = results.filter((r) => r.partial).map((r) => r.name);
  const info = describeRun(results[0]);
  if (info) rep.text(info);
  if (missing.length) rep.text(`Not run: ${missing.join(', ')}.`);
  if (partial.length) rep.text(`Interrupted (partial curves, no test accuracy): ${partial.join(', ')}.`);
  rep.heading('First-layer weights');
  results.forEach((r) => {
    const cap = CAPTION_NAME[r.name] ?? r.name;
    let png = readPng(join(dir, `weights_${r.name}.png`));
    if (!png && r.weights !== undefined) png = visualizeWeights(r.weights as number[], dir, `weights_${r.name}`);
    if (png) rep.image({ title: `weights_${r.name}`, png });
    const fig = 7 + MODEL_NAMES.indexOf(r.name as (typeof MODEL_NAMES)[number]);
    rep.caption(`Figure ${fig >= 7 ? fig : '?'}: Weights Visualization of ${cap}${png ? '' : ' (no weights stored)'}`);
  });
  rep.chartPrefix('all_models_performance');
  // An interrupted model has no test accuracy yet: NaN shows as "NaN" in the table.
  part3Plots(
    results.map((r) => ({ ...r, test_acc: typeof r.test_acc === 'number' ? r.test_acc : NaN })),
    dir,
    'all_models_performance',
    { report: rep, png: false },
  );
  rep.caption('Figure 12: Performance Comparison Plots for Part 3 (records every 10 steps)');
  return {
    ...base,
    status: missing.length || partial.length ? 'partial' : 'ok',
    detail: `${results.length}/${MODEL_NAMES.length} models${missing.length ? `; not run: ${missing.join(', ')}` : ''}${partial.length ? `; interrupted: ${partial.join(', ')}` : ''}`,
  };
}

type Part4Json = Part4Result & { partial?: boolean; data?: { kind?: string }; settings?: Record<string, unknown> };

function part4(rep: Report, dir: string): SectionStatus {
  const base = { id: 'part4' as const, title: 'Part 4: Experimenting activation functions' };
  const found = MODEL_NAMES.map((m) => ({ m, r: readJson<Part4Json>(join(dir, `part4_${m}.json`)) }));
  const results = found.flatMap(({ r }) => (r ? [r] : []));
  const missing = found.filter(({ r }) => !r).map(({ m }) => m);
  if (results.length === 0) return { ...base, status: 'not run', detail: 'no part4_{model}.json' };
  const partial = results.filter((r) => r.partial).map((r) => r.name);
  const info = describeRun(results[0]);
  if (info) rep.text(info);
  if (missing.length) rep.text(`Not run: ${missing.join(', ')}.`);
  if (partial.length) rep.text(`Interrupted (partial curves): ${partial.join(', ')}.`);
  rep.chartPrefix('part4_performance');
  // A partial file may lack the sigmoid curves: empty curves draw as nothing.
  part4Plots(
    results.map((r) => ({
      ...r,
      relu_loss_curve: r.relu_loss_curve ?? [],
      sigmoid_loss_curve: r.sigmoid_loss_curve ?? [],
      relu_grad_curve: r.relu_grad_curve ?? [],
      sigmoid_grad_curve: r.sigmoid_grad_curve ?? [],
    })),
    dir,
    'part4_performance',
    { report: rep, png: false },
  );
  rep.caption('Figure 13: Performance Comparison Plots for Part 4 (ReLU vs sigmoid; loss and first-layer gradient norm every 10 steps)');
  return {
    ...base,
    status: missing.length || partial.length ? 'partial' : 'ok',
    detail: `${results.length}/${MODEL_NAMES.length} architectures${missing.length ? `; not run: ${missing.join(', ')}` : ''}`,
  };
}

type Part5Json = Part5Result & { partial?: boolean; data?: { kind?: string }; settings?: Record<string, unknown> };
interface ScheduledJson {
  val_acc_curve?: number[];
  lr_curve?: number[];
  test_acc?: number | null;
  partial?: boolean;
  milestones?: number[];
}

function part5(rep: Report, dir: string): SectionStatus {
  const base = { id: 'part5' as const, title: 'Part 5: Experimenting learning rate' };
  const r = readJson<Part5Json>(join(dir, 'part5_cnn3.json'));
  const sch = readJson<ScheduledJson>(join(dir, 'part5_cnn3_scheduled.json'));
  if (!r && !sch) return { ...base, status: 'not run', detail: 'no part5_cnn3.json' };
  const notes: string[] = [];
  if (r) {
    const info = describeRun(r);
    if (info) rep.text(info);
    rep.chartPrefix('part5_lr_comparison');
    const fill = { ...r } as Record<string, unknown>;
    // An interrupted run leaves later learning rates without curves.
    for (const k of ['loss_curve_1', 'loss_curve_01', 'loss_curve_001', 'val_acc_curve_1', 'val_acc_curve_01', 'val_acc_curve_001']) fill[k] ??= [];
    part5Plots(fill as unknown as Part5Result, dir, 'part5_lr_comparison', { report: rep, png: false });
    rep.caption('Figure 14: Performance Comparison Plots for Part 5 (CNN3, SGD at lr 0.1, 0.01, 0.001)');
    if (r.partial) notes.push('fixed-LR runs interrupted');
  } else {
    rep.text('Fixed-learning-rate runs: not run.');
    notes.push('fixed-LR runs not run');
  }
  if (sch && Array.isArray(sch.val_acc_curve) && sch.val_acc_curve.length > 0) {
    rep.chartPrefix('part5_scheduled');
    part5ScheduledPlot(sch.val_acc_curve, sch.lr_curve ?? [], dir, 'part5_scheduled', { report: rep, png: false });
    rep.caption('Figure 15: Validation Accuracy Curve of Scheduled Learning Rate');
    if (typeof sch.test_acc === 'number') rep.text(`Final Test Accuracy with scheduled LR approach: ${sch.test_acc.toFixed(2)}%`);
    if (sch.partial) notes.push('scheduled run interrupted');
  } else {
    rep.heading('Scheduled learning rate');
    rep.text('Scheduled learning rate: not run.');
    notes.push('scheduled run not run');
  }
  return { ...base, status: notes.length ? 'partial' : 'ok', detail: notes.join('; ') || 'fixed-LR runs and scheduled run' };
}

const SECTIONS = [part1, part2, part3, part4, part5];
const TITLES: Record<SectionStatus['id'], string> = {
  part1: 'Part 1: Basic neural network construction and training',
  part2: 'Part 2: Implementing a convolutional layer',
  part3: 'Part 3: Experimenting ANN architectures',
  part4: 'Part 4: Experimenting activation functions',
  part5: 'Part 5: Experimenting learning rate',
};

/**
 * Builds the report from the results folder `dir`. Never throws for missing or broken results:
 * each part becomes a section with status ok / partial / not run / error.
 */
export function buildReport(dir: string, opts: { title?: string } = {}): BuiltReport {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`buildReport: expected a folder path for dir but received ${JSON.stringify(dir)}`);
  const ids: SectionStatus['id'][] = ['part1', 'part2', 'part3', 'part4', 'part5'];
  // Sections are built into separate reports first, so the summary table can lead.
  const built = SECTIONS.map((fn, i) => {
    const part = new Report(TITLES[ids[i]]);
    let st: SectionStatus;
    try {
      st = fn(part, dir);
    } catch (e) {
      st = { id: ids[i], title: TITLES[ids[i]], status: 'error', detail: (e as Error).message };
    }
    return { part, st };
  });
  const sections = built.map((b) => b.st);
  const rep = new Report(opts.title ?? 'EE449 HW1: Training Artificial Neural Networks (torchnode port)');
  rep.text(`Built ${new Date().toISOString()} from ${resolve(dir)}. Regenerate with: node --import tsx scripts/report.ts --out ${dir}`);
  rep.table(
    ['part', 'status', 'detail'],
    sections.map((s) => [s.title, s.status, s.detail]),
  );
  built.forEach(({ part, st }) => {
    rep.heading(st.title);
    if (st.status === 'not run') rep.text(`Not run (${st.detail}).`);
    else if (st.status === 'error') rep.text(`Could not be drawn: ${st.detail}`);
    rep.append(part);
  });
  return { report: rep, sections };
}

/** Builds the report and writes it to `{dir}/{file}`; returns the absolute path and section states. */
export function writeReport(dir: string, file = 'report.html', html: HtmlOptions = {}): { path: string; sections: SectionStatus[] } {
  const { report, sections } = buildReport(dir);
  const path = resolve(dir, file);
  if (html.live) throw new TypeError('writeReport: the written file is the self-contained report; serve live pages with LiveServer');
  report.write(path);
  return { path, sections };
}

/**
 * Exports the report's charts as PNGs into `{dir}/charts` when Chromium is available; logs
 * one line either way. Never throws (an export is a convenience, the report is the product).
 */
export async function exportReportCharts(htmlPath: string, dir: string, log: (s: string) => void = console.log): Promise<string[]> {
  try {
    const r = await exportCharts(htmlPath, join(dir, 'charts'));
    if ('skipped' in r) {
      log(`Chart PNG export skipped: ${r.skipped}.`);
      return [];
    }
    log(`Exported ${r.files.length} chart PNGs to ${resolve(dir, 'charts')}${r.errors.length ? ` (page errors: ${r.errors.join('; ')})` : ''}.`);
    return r.files;
  } catch (e) {
    log(`Chart PNG export failed: ${(e as Error).message}`);
    return [];
  }
}

/** `node --import tsx scripts/report.ts --out results [--no-export] [--live [--port N]]`. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const args = parseCli(
    'report',
    {
      out: {
        type: 'string',
        default: 'results',
        outDir: 'existing',
        ifMissing: 'run the parts first (npm start)',
        help: 'results folder to read; report.html is written there',
      },
      file: { type: 'string', default: 'report.html', help: 'file name of the report inside --out' },
      'no-export': { type: 'boolean', default: false, help: 'do not export chart PNGs through Chromium' },
      live: { type: 'boolean', default: false, help: 'serve the report on 127.0.0.1 and rebuild it when results change (Ctrl-C ends)' },
      port: { type: 'integer', default: 0, help: 'port for --live (0: any free port)' },
    },
    argv,
  );
  if (args === null) return 0;
  const { path, sections } = writeReport(args.out, args.file);
  for (const s of sections) console.log(`${s.title}: ${s.status}${s.detail ? ` (${s.detail})` : ''}`);
  if (!args['no-export']) await exportReportCharts(path, args.out);
  console.log(`Report: ${path}`);
  if (!args.live) return 0;
  const server = await LiveServer.start({ port: args.port, html: (events) => buildReport(args.out).report.toHtml({ live: { events } }) });
  console.log(`Serving the report at ${server.url} (rebuilt when ${resolve(args.out)} changes; Ctrl-C ends).`);
  server.status('watching the results folder');
  let timer: NodeJS.Timeout | null = null;
  const watcher = watch(args.out, (_ev, name) => {
    if (!name || !/\.(json|png)$/.test(String(name)) || String(name).startsWith('checkpoint_')) return;
    // Parts write several files at once: rebuild once they settle.
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      writeReport(args.out, args.file);
      server.rebuild();
    }, 500);
  });
  await new Promise<void>((res) => process.once('SIGINT', () => res()));
  watcher.close();
  await server.close();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}
