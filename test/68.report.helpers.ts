/**
 * Small synthetic results folders for the report tests (68, 69): the JSON files and PNGs each
 * part writes, with the parts' own key names, deterministic curves and tiny images. The curve
 * values are arbitrary; the tests check the report carries them through unchanged.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Canvas } from '../scripts/viz/images.js';
import { writePng } from '../scripts/viz/png.js';

export const MODELS = ['mlp_1', 'mlp_2', 'cnn_3', 'cnn_4', 'cnn_5'] as const;

/** n values of a smooth, model-specific curve (k varies the curve between runs). */
export function curve(n: number, k: number, start: number, end: number): number[] {
  return Array.from({ length: n }, (_, i) => start + (end - start) * (1 - Math.exp(-(i + 1) / (2 + k))) + 0.01 * Math.sin(i * (k + 1)));
}

function tinyPng(path: string, rgb: [number, number, number]): void {
  const c = new Canvas(8, 8);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) c.blend(x, y, (x + y) % 2 ? rgb : [255, 255, 255], 1);
  writePng(path, c);
}

function json(path: string, v: unknown): void {
  writeFileSync(path, `${JSON.stringify(v, null, 2)}\n`);
}

/** Which parts to write (all by default). */
export interface SyntheticOptions {
  parts?: number[];
  /** Part 3 models to write (all by default). */
  part3Models?: readonly string[];
}

/** Writes a synthetic results folder into `dir`; returns the curves written, for comparisons. */
export function writeSyntheticResults(dir: string, opts: SyntheticOptions = {}): Record<string, unknown> {
  mkdirSync(dir, { recursive: true });
  const parts = new Set(opts.parts ?? [1, 2, 3, 4, 5]);
  const written: Record<string, unknown> = {};
  const data = { kind: 'fashion-mnist', path: '/usr/share/datasets/fashion-mnist', nTrain: 45000, nVal: 5000, nTest: 10000 };
  const settings = { preset: 'quick', epochs: 1, epochSteps: 100, seed: 0, device: 'cpu' };
  if (parts.has(1)) {
    const acts = ['sigmoid', 'tanh', 'relu'];
    const results = acts.map((a, k) => ({
      activation: a,
      validationAccuracy: 90 + k,
      lossEvery1000: curve(10, k, 0.4, 0.01).map((v) => 0.41 - v),
      finalLoss: 0.01 + k / 100,
      figure: `decision_boundary_${a}.png`,
    }));
    json(join(dir, 'part1_results.json'), {
      part1_1: { maxAbsDiff: { sigmoid: 0, tanh: 1e-16, relu: 0 }, figure: 'activations.png' },
      part1_2: { settings: { seed: 1, epochs: 10000 }, idealRuleValidationAccuracy: 100, results },
      seconds: 1,
    });
    acts.forEach((a, k) => tinyPng(join(dir, `decision_boundary_${a}.png`), [200, 50 * k, 50]));
    tinyPng(join(dir, 'activations.png'), [0, 0, 200]);
    written.part1 = results;
  }
  if (parts.has(2)) {
    json(join(dir, 'part2_results.json'), {
      inputSource: 'synthetic',
      kernelSource: 'synthetic',
      filterNames: ['a', 'b'],
      inputShape: [2, 1, 8, 8],
      kernelShape: [2, 1, 3, 3],
      outputShape: [2, 2, 6, 6],
      dtype: 'float64',
      outputRange: [-1, 1],
      loopsVsConv2d: { maxAbsDiff: 0, relative: 0 },
      vectorizedVsConv2d: { maxAbsDiff: 1e-15, relative: 1e-16 },
      loopSeconds: 0.1,
      vectorizedSeconds: 0.001,
      figure: 'part2_conv_output.png',
    });
    tinyPng(join(dir, 'part2_conv_output.png'), [20, 120, 20]);
    tinyPng(join(dir, 'part2_inputs.png'), [20, 20, 20]);
  }
  if (parts.has(3)) {
    const p3: Record<string, unknown> = {};
    (opts.part3Models ?? MODELS).forEach((m) => {
      const k = MODELS.indexOf(m as (typeof MODELS)[number]);
      const r = {
        name: m,
        loss_curve: curve(10, k, 2.3, 1.2).map((v) => 3.5 - v),
        train_acc_curve: curve(10, k, 10, 40 + 5 * k),
        val_acc_curve: curve(10, k, 10, 38 + 5 * k),
        test_acc: 37 + 5 * k,
        // cnn_3 keeps its weights only in the JSON: the report draws them with visualizeWeights.
        weights:
          m === 'cnn_3'
            ? Array.from({ length: 4 }, (_, o) =>
                Array.from({ length: 3 }, (_, c) => Array.from({ length: 3 }, (_, y) => Array.from({ length: 3 }, (_, x) => Math.sin(o + c + y * 3 + x)))),
              )
            : undefined,
        data,
        settings,
      };
      json(join(dir, `part3_${m}.json`), r);
      if (m !== 'cnn_3') tinyPng(join(dir, `weights_${m}.png`), [50 * k, 0, 100]);
      p3[m] = r;
    });
    written.part3 = p3;
  }
  if (parts.has(4)) {
    const p4: Record<string, unknown> = {};
    MODELS.forEach((m, k) => {
      const r = {
        name: m,
        relu_loss_curve: curve(20, k, 2.3, 1.5).map((v) => 3.8 - v),
        sigmoid_loss_curve: curve(20, k, 2.3, 2.2).map((v) => 4.5 - v),
        relu_grad_curve: curve(20, k, 0.1, 1 + k),
        sigmoid_grad_curve: curve(20, k, 0.01, 0.05 + k / 100),
        data,
        settings,
      };
      json(join(dir, `part4_${m}.json`), r);
      p4[m] = r;
    });
    written.part4 = p4;
  }
  if (parts.has(5)) {
    const r = {
      name: 'cnn3',
      loss_curve_1: curve(10, 0, 2.3, 1.8).map((v) => 4.1 - v),
      loss_curve_01: curve(10, 1, 2.3, 1.6).map((v) => 3.9 - v),
      loss_curve_001: curve(10, 2, 2.3, 0.1).map((v) => 2.4 - v),
      val_acc_curve_1: curve(10, 0, 10, 30),
      val_acc_curve_01: curve(10, 1, 10, 40),
      val_acc_curve_001: curve(10, 2, 10, 20),
      data,
      settings,
    };
    json(join(dir, 'part5_cnn3.json'), r);
    const sch = { name: 'cnn3_scheduled', val_acc_curve: [30, 35, 41], lr_curve: [0.1, 0.01, 0.001], milestones: [1, 2], test_acc: 40.5, data, settings };
    json(join(dir, 'part5_cnn3_scheduled.json'), sch);
    written.part5 = r;
    written.part5_scheduled = sch;
  }
  return written;
}

/** The chart specs a report's HTML hands to drawChart, in order. */
export function chartSpecs(html: string): { name: string; title: string; xLabel: string; yLabel: string; labels: string[]; data: (number | null)[][] }[] {
  return [...html.matchAll(/^drawChart\('chart\d+', (\{.*\})\);$/gm)].map((m) => JSON.parse(m[1]) as never);
}
