/**
 * Runs each example under examples/ as a user would (`node --import tsx examples/X.ts`), with
 * small step counts. Examples that need Debian's PyTorch (/usr/bin/python3) or Debian's
 * Fashion-MNIST package skip with the reason when those are absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './python.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FASHION = '/usr/share/datasets/fashion-mnist';

function pytorchMissing(): string | false {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
  return r.status === 0 ? false : `${PYTHON} has no torch (apt install python3-torch)`;
}
const noTorch = pytorchMissing();

function runExample(name: string, args: string[] = [], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('examples', name), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 540_000,
    env: { ...process.env, ...env },
  });
  assert.equal(r.status, 0, `examples/${name} exited with ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

function maxDiff(out: string): number {
  const m = /max \|TS - Python\| = ([-+.\deE]+)/.exec(out);
  assert.ok(m, `no comparison line in:\n${out}`);
  return Number(m[1]);
}

test('examples/fashion-mnist.ts trains a CNN and prints the test accuracy', {
  skip: existsSync(join(FASHION, 't10k-images-idx3-ubyte.gz')) ? false : `Debian's dataset-fashion-mnist is not installed (${FASHION})`,
  timeout: 600_000,
}, () => {
  const out = runExample('fashion-mnist.ts', ['--steps', '40']);
  assert.match(out, /step 40 {2}loss \d+\.\d{4}/);
  const m = /test accuracy: (\d+\.\d+)% \((\d+)\/10000\) after 40 steps/.exec(out);
  assert.ok(m, `no accuracy line in:\n${out}`);
  // Chance is 10%; 40 Adam steps of this CNN reach far more (about 70%).
  assert.ok(Number(m[1]) > 40, `accuracy ${m[1]}% after 40 steps`);
});

test('examples/fashion-mnist.ts rejects a missing dataset folder with a clear error', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/fashion-mnist.ts', '--steps', '1', '--root', '/nonexistent'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /FashionMNIST: dataset not found/);
});

test('examples/load-python-state-dict.ts: a CNN3 trained in Python gives the same outputs in TS', { skip: noTorch, timeout: 600_000 }, () => {
  const out = runExample('load-python-state-dict.ts', ['--steps', '3']);
  assert.match(
    out,
    /loaded 8 tensors: conv1\.weight, conv1\.bias, conv2\.weight, conv2\.bias, conv3\.weight, conv3\.bias, fc\.weight, fc\.bias \(missing 0, unexpected 0\)/,
  );
  assert.ok(maxDiff(out) < 1e-5);
  assert.match(out, /same predicted classes: true/);
});

test("examples/torchscript.ts: a module scripted in Python runs in TS with Python's outputs", { skip: noTorch, timeout: 600_000 }, () => {
  const out = runExample('torchscript.ts');
  assert.match(out, /logits \[4,10\], single image \[1,10\]/);
  assert.ok(maxDiff(out) < 1e-5);
});
