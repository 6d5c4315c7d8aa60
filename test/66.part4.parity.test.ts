/**
 * Part 4 parity with PyTorch: tools/golden/part4_parity.py ran Appendix 4's loop (SGD 0.01,
 * zero_grad, backward, every 10 steps the loss and the first layer's weight-gradient norm, then
 * step) with torch.manual_seed(11) before each model, 50 steps per run, on the generated
 * CIFAR-format data of the part 3 fixture; the TS port (scripts/part4.ts through its
 * command line) must reproduce MLP1 and CNN3, ReLU and sigmoid, within 1e-4 relative.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { writeSyntheticCifar10 } from '../scripts/cifar.js';
import { main as part4 } from '../scripts/part4.js';

interface Fixture {
  data_seed: number; n_train: number; n_test: number; seed: number; steps: number;
  sha256: Record<string, string>;
  results: Record<string, Record<string, number[]>>;
}

const fx = JSON.parse(readFileSync(new URL('./fixtures/part4_parity.json', import.meta.url), 'utf8')) as Fixture;
const root = mkdtempSync(join(tmpdir(), 'part4-parity-'));
torch.setNumThreads(1);

function closeRel(actual: number[], expected: number[], what: string, rel = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => {
    const e = expected[i];
    assert.ok(Math.abs(a - e) <= rel * Math.max(Math.abs(e), 1e-6), `${what}[${i}]: ${a} vs PyTorch ${e}`);
  });
}

test('part 4 (MLP1, CNN3; ReLU and sigmoid; 50 steps, seed 11) reproduces PyTorch loss and gradient curves', async () => {
  assert.deepEqual(writeSyntheticCifar10(root, { seed: fx.data_seed, nTrain: fx.n_train, nTest: fx.n_test }), fx.sha256);
  const out = join(root, 'out');
  const quiet = console.log;
  console.log = () => {};
  let code: number;
  try {
    code = await part4(['--data', root, '--seed', String(fx.seed), '--steps', String(fx.steps), '--models', 'mlp_1,cnn_3', '--out', out, '--no-progress']);
  } finally {
    console.log = quiet;
  }
  assert.equal(code, 0);
  for (const [name, expected] of Object.entries(fx.results)) {
    const r = JSON.parse(readFileSync(join(out, `part4_${name}.json`), 'utf8')) as Record<string, number[]>;
    for (const key of ['relu_loss_curve', 'relu_grad_curve', 'sigmoid_loss_curve', 'sigmoid_grad_curve']) {
      assert.equal(expected[key].length, fx.steps / 10, `fixture ${name} ${key}`);
      closeRel(r[key], expected[key], `${name} ${key}`);
    }
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
