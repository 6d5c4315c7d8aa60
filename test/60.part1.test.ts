/** Homework 1 part 1 (scripts/part1_1.ts, scripts/mlp.ts, scripts/part1_2.ts) against PyTorch goldens (tools/golden/homework12.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { activationCurves, runPart1_1, plotActivations, ACTIVATION_LABELS, ACTIVATION_PANEL_TITLES } from '../scripts/part1_1.js';
import { MLP, mlpTwin } from '../scripts/mlp.js';
import { part1CreateDataset, trainMlp, accuracy, part1PlotBoundary, runPart1_2, main as part1Main } from '../scripts/part1_2.js';
import { encodePng, decodePng, readPng, type RgbaImage } from '../scripts/viz/png.js';
import { svgToPng } from '../scripts/viz/svgchart.js';
import { count, dark, near } from './pixels.helpers.js';

const G = JSON.parse(readFileSync(new URL('./fixtures/homework12.json', import.meta.url), 'utf8'));

function close(data: ArrayLike<number | bigint>, expected: number[], tol: number, what: string): void {
  const actual = Array.from(data, Number);
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    assert.ok(d <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs PyTorch ${expected[i]} (|Δ| ${d})`);
  }
}

function assertNonUniform(img: RgbaImage): void {
  const first = img.data.slice(0, 4).join();
  let differs = 0;
  for (let i = 4; i < img.data.length; i += 4) if (img.data.slice(i, i + 4).join() !== first) differs++;
  assert.ok(differs > img.width * img.height * 0.01, `image is (nearly) uniform: ${differs} pixels differ from the first`);
}

test('part 1.1: autograd derivatives equal the analytic forms and PyTorch', () => {
  const { x, curves } = activationCurves(-5, 5, 1000);
  assert.equal(x.length, 1000);
  const idx: number[] = G.activations.index;
  for (const c of curves) {
    assert.ok(c.maxAbsDiff <= 1e-6, `${c.name}: max |autograd - analytic| = ${c.maxAbsDiff}`);
    close(
      idx.map((i) => c.y[i]),
      G.activations[c.name].y,
      1e-12,
      `${c.name}(x)`,
    );
    close(
      idx.map((i) => c.dyAutograd[i]),
      G.activations[c.name].dy,
      1e-12,
      `${c.name}'(x)`,
    );
  }
});

test('activations.png (Figure 2): two panels with titles, numbered axes, axis labels and a legend of the three colours', () => {
  const out = mkdtempSync(join(tmpdir(), 'part1_1-'));
  try {
    const r = runPart1_1(out, () => {});
    // Written atomically: the file holds the returned bytes, no temporary file is left beside it.
    assert.deepEqual(readdirSync(out), ['activations.png']);
    assert.deepEqual(readFileSync(r.path), r.png);
    const fig = plotActivations(r.x, r.curves);
    assert.deepEqual(r.png, svgToPng(fig), 'the PNG is plotActivations rendered at scale 2');
    const scale = 2;
    const img = decodePng(r.png);
    assert.deepEqual([img.width, img.height], [fig.width * scale, fig.height * scale]);
    assert.deepEqual([img.width, img.height], [2080, 780]);
    // The text: both titles, x and y labels, a legend naming the activations in each panel.
    for (const t of [...ACTIVATION_PANEL_TITLES, 'f(x)', 'f&apos;(x)']) assert.equal(fig.svg.split(`>${t}</text>`).length - 1, 1, t);
    assert.equal(fig.svg.split('>x</text>').length - 1, 2, 'x labels');
    for (const name of ['sigmoid', 'tanh', 'ReLU']) assert.equal(fig.svg.split(`>${name}</text>`).length - 1, 2, `legend entries ${name}`);
    assert.deepEqual(Object.values(ACTIVATION_LABELS), ['sigmoid', 'tanh', 'ReLU']);
    // Pixels, per panel: text in the title band, left of the axes (tick numbers, y label) and under
    // them (tick numbers, x label); blue sigmoid, orange tanh and green ReLU (tab10) in the axes.
    assert.equal(fig.panels.length, 2);
    const colours = [
      [31, 119, 180],
      [255, 127, 14],
      [44, 160, 44],
    ];
    fig.panels.forEach((p, k) => {
      const c = (x0: number, y0: number, x1: number, y1: number, pred: (r: number, g: number, b: number) => boolean): number =>
        count(img, x0 * scale, y0 * scale, x1 * scale, y1 * scale, pred);
      const q = p.plot,
        what = k === 0 ? 'functions' : 'derivatives';
      assert.ok(p.x === k * fig.panels[0].width && p.y === 0, `${what}: panel ${k} at (${p.x}, ${p.y})`);
      const title = c(p.x, 0, p.x + p.width, q.y - 2, dark);
      const left = c(p.x, q.y, q.x - 2, q.y + q.height, dark);
      const below = c(q.x, q.y + q.height + 2, q.x + q.width, p.y + p.height, dark);
      assert.ok(title > 150, `${what}: title band has ${title} dark pixels`);
      assert.ok(left > 300, `${what}: left of the axes has ${left} dark pixels`);
      assert.ok(below > 300, `${what}: under the axes are ${below} dark pixels`);
      // The axis labels alone: the y label in the panel's leftmost 30 px (tick numbers start
      // further right), the x label in its bottom 28 px (tick numbers end above).
      const yLabel = c(p.x, q.y, p.x + 30, q.y + q.height, dark),
        xLabel = c(q.x, p.y + p.height - 28, q.x + q.width, p.y + p.height, dark);
      assert.ok(yLabel > 100, `${what}: y label strip has ${yLabel} dark pixels`);
      assert.ok(xLabel > 30, `${what}: x label strip has ${xLabel} dark pixels`);
      assert.ok(q.x - p.x > 45, `${what}: tick numbers and the y label need room left of the axes, ${q.x - p.x} px`);
      // The title is centred over the panel's axes: dark pixels on both sides of their middle.
      const mid = q.x + q.width / 2;
      assert.ok(c(mid - 80, 0, mid, q.y - 2, dark) > 40 && c(mid, 0, mid + 80, q.y - 2, dark) > 40, `${what}: title not centred`);
      for (const rgb of colours) {
        const n = c(q.x + 2, q.y + 2, q.x + q.width - 2, q.y + q.height - 2, near(rgb));
        assert.ok(n > 200, `${what}: colour ${rgb} has ${n} pixels`);
      }
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('part1CreateDataset draws the same XOR blobs as the PyTorch stand-in', () => {
  torch.manualSeed(0);
  const d = part1CreateDataset(1000, 100, 0.4);
  assert.deepEqual(d.xTrain.shape, [1000, 2]);
  assert.deepEqual(d.yTrain.shape, [1000, 1]);
  assert.deepEqual(d.xVal.shape, [100, 2]);
  assert.equal(d.xTrain.dtype, 'float64');
  close(d.xTrain.index('0:5').dataSync(), G.mlp.data.xTrainHead, 1e-14, 'xTrain[:5]');
  close(d.yTrain.index('0:5').dataSync(), G.mlp.data.yTrainHead, 0, 'yTrain[:5]');
  close(d.xVal.index('0:5').dataSync(), G.mlp.data.xValHead, 1e-14, 'xVal[:5]');
  close([d.yVal.sum().item()], [G.mlp.data.yValSum], 0, 'yVal.sum()');
  close([d.xTrain.sum().item()], [G.mlp.data.xTrainSum], 1e-12, 'xTrain.sum()');
  assert.throws(() => part1CreateDataset(0), { message: 'part1CreateDataset: expected positive integer for trainSamples but received 0 of type number' });
});

test('MLP: 10,000 epochs with the original settings follow PyTorch (losses, weights, accuracy)', () => {
  torch.manualSeed(G.mlp.seed);
  const d = part1CreateDataset(1000, 100, 0.4);
  for (const activation of ['sigmoid', 'tanh', 'relu'] as const) {
    const g = G.mlp.runs[activation];
    const m = new MLP(2, 8, 1, activation);
    close(m.weightsInputHidden.dataSync(), g.init.w1, 0, `${activation} init W1`);
    const losses = trainMlp(m, d.xTrain, d.yTrain, { epochs: G.mlp.epochs, learningRate: G.mlp.lr, logEvery: 0 });
    close(
      losses.filter((_, i) => i % 1000 === 0),
      g.lossEvery1000,
      1e-9,
      `${activation} loss`,
    );
    close(m.weightsInputHidden.dataSync(), g.w1, 1e-9, `${activation} W1`);
    close(m.biasHidden.dataSync(), g.b1, 1e-9, `${activation} b1`);
    close(m.weightsHiddenOutput.dataSync(), g.w2, 1e-9, `${activation} W2`);
    close(m.biasOutput.dataSync(), g.b2, 1e-9, `${activation} b2`);
    assert.equal(accuracy(m, d.xVal, d.yVal), g.validationAccuracy, `${activation} validation accuracy`);
    m.dispose();
  }
});

test('XOR: sigmoid and tanh reach >= 95% validation accuracy with the original settings', () => {
  // Seed 0's validation draw is hard: the ideal rule sign(x1)·sign(x2) itself scores 96% on it
  // and tanh gets 94% (as PyTorch does, previous test). Seeds 1 and 2 are ordinary draws.
  for (const seed of [1, 2]) {
    const { results } = runPart1_2({ seed, activations: ['sigmoid', 'tanh'], log: () => {} });
    for (const r of results) assert.ok(r.validationAccuracy >= 95, `seed ${seed} ${r.activation}: ${r.validationAccuracy}%`);
  }
});

test('MLP training keeps memory flat', () => {
  torch.manualSeed(3);
  const d = part1CreateDataset(200, 20, 0.4);
  const m = new MLP(2, 8, 1, 'tanh');
  trainMlp(m, d.xTrain, d.yTrain, { epochs: 5, logEvery: 0 });
  const before = torch.memory().numTensors;
  trainMlp(m, d.xTrain, d.yTrain, { epochs: 200, logEvery: 0 });
  assert.equal(torch.memory().numTensors, before);
  m.dispose();
});

test('MLP validates its arguments', () => {
  assert.throws(() => new MLP(2, 0, 1), { message: 'MLP: expected positive integer for hiddenSize but received 0 of type number' });
  assert.throws(() => new MLP(2, 8, 1, 'gelu' as never), { message: "MLP: expected one of 'sigmoid', 'tanh', 'relu' for activation but received gelu" });
  const m = new MLP(2, 8, 1);
  assert.throws(() => m.forward(torch.zeros([4, 3], { dtype: 'float64' })), { message: 'MLP.forward: expected inputs of shape [N, 2] but received [4, 3]' });
  assert.throws(() => m.forward(torch.zeros([4, 2])), { message: "MLP.forward: expected inputs of dtype float64 (the weights' dtype) but received float32" });
  assert.throws(() => m.backward(torch.zeros([4, 2], { dtype: 'float64' }), torch.zeros([4, 1], { dtype: 'float64' }), 0.1), {
    message: 'MLP.backward: call forward(inputs) first (backward uses the activations it caches)',
  });
  m.dispose();
});

test('decision boundary figure is a PNG of the expected size with varied pixels', () => {
  torch.manualSeed(1);
  const d = part1CreateDataset(200, 40, 0.4);
  const m = new MLP(2, 8, 1, 'tanh');
  trainMlp(m, d.xTrain, d.yTrain, { epochs: 300, logEvery: 0 });
  const img = decodePng(encodePng(part1PlotBoundary(d.xVal, d.yVal, m, { size: 200, margin: 10 })));
  assert.equal(img.width, 220);
  assert.equal(img.height, 220);
  assertNonUniform(img);
  m.dispose();
});

test('npm run part1 (main) writes the figures and part1_results.json', () => {
  const out = mkdtempSync(join(tmpdir(), 'part1-'));
  try {
    const logged: string[] = [];
    const orig = console.log;
    console.log = (s: string) => logged.push(String(s));
    try {
      part1Main(['--out', out, '--epochs', '200', '--seed', '1']);
    } finally {
      console.log = orig;
    }
    assert.ok(logged.includes('\nTraining with sigmoid activation function...'));
    assert.ok(logged.some((l) => /^Epoch 0: Loss = \d/.test(l)));
    assert.ok(logged.some((l) => /^Validation Accuracy with tanh: \d+\.\d\d%$/.test(l)));
    for (const a of ['sigmoid', 'tanh', 'relu']) {
      const img = readPng(join(out, `decision_boundary_${a}.png`));
      assert.equal(img.width, 440);
      assert.equal(img.height, 440);
      assertNonUniform(img);
    }
    const act = readPng(join(out, 'activations.png'));
    assert.deepEqual([act.width, act.height], [2080, 780]);
    assertNonUniform(act);
    const json = JSON.parse(readFileSync(join(out, 'part1_results.json'), 'utf8'));
    assert.equal(json.part1_2.results.length, 3);
    assert.equal(json.part1_2.settings.epochs, 200);
    assert.ok(json.part1_1.maxAbsDiff.tanh <= 1e-6);
    const html = readFileSync(join(out, 'part1_report.html'), 'utf8');
    assert.ok(html.includes('uPlot') && html.includes('data:image/png;base64,'));
    // Figure 2 (2x pixels, text) is scaled smoothly; the decision boundaries stay pixelated.
    assert.equal(html.match(/<img class="smooth" alt="activations\.png: /g)?.length, 1);
    assert.equal(html.match(/<img class="smooth"/g)?.length, 1);
    assert.throws(() => part1Main(['--out', out, '--epochs', '1.5']), /expected an integer for --epochs but received '1.5'/);
    assert.throws(() => part1Main(['--bogus']), /Unknown option '--bogus'/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("twin: nn.Sequential + autograd + optim.SGD reaches the hand-written backward's weights", () => {
  torch.manualSeed(5);
  const d = part1CreateDataset(400, 20, 0.4);
  for (const activation of ['sigmoid', 'tanh', 'relu'] as const) {
    const m = new MLP(2, 8, 1, activation);
    const twin = mlpTwin(m);
    const [l1, , l2] = [...twin.children()] as torch.nn.Linear[];
    const opt = new torch.optim.SGD(twin.parameters(), { lr: 0.001 });
    const initial = torch.keep(m.weightsInputHidden.clone());
    for (let epoch = 0; epoch < 300; epoch++) {
      torch.tidy(() => {
        m.forward(d.xTrain);
        m.backward(d.xTrain, d.yTrain, 0.001);
        opt.zeroGrad();
        // 0.5 * sum of squared errors: its gradient is the manual backward's summed delta.
        const loss = (twin.forward(d.xTrain) as torch.Tensor).sub(d.yTrain).pow(2).sum().mul(0.5);
        loss.backward();
        opt.step();
      });
    }
    const pairs: [torch.Tensor, torch.Tensor, string][] = [
      [l1.weight, m.weightsInputHidden.T, 'W1'],
      [l1.bias!, m.biasHidden.view([8]), 'b1'],
      [l2.weight, m.weightsHiddenOutput.T, 'W2'],
      [l2.bias!, m.biasOutput.view([1]), 'b2'],
    ];
    for (const [a, b, name] of pairs) {
      const diff = torch.noGrad(() => a.sub(b).abs().amax().item());
      assert.ok(diff <= 1e-5, `${activation} ${name}: max |twin - manual| = ${diff}`);
    }
    // The weights moved, so the comparison is not between two untouched copies.
    const moved = m.weightsInputHidden.sub(initial).abs().amax().item();
    assert.ok(moved > 1e-3, `${activation}: W1 moved by only ${moved}`);
    initial.dispose();
    m.dispose();
  }
});
