/**
 * Runs examples/transformer-lm.ts and its Python twin examples/transformer_lm.py (Debian's
 * PyTorch) for 100 steps each and asserts that they print the same losses, step for step, and
 * the same greedy sample: exactly when Python runs the LibTorch release torchnode was built
 * against (the same kernels, the same random draws for init and dropout), else within 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON, pythonRunsOurLibTorch } from './helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STEPS = 100;

function pytorchMissing(): string | false {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
  return r.status === 0 ? false : `${PYTHON} has no torch (apt install python3-torch)`;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

function losses(out: string): number[] {
  const ls = [...out.matchAll(/^step (\d+) loss (\S+)$/gm)].map((m, i) => {
    assert.equal(Number(m[1]), i + 1, 'steps in order');
    return Number(m[2]);
  });
  assert.equal(ls.length, STEPS, `expected ${STEPS} loss lines in:\n${out}`);
  return ls;
}

test('examples/transformer-lm.ts prints the losses of its Python twin', { skip: pytorchMissing(), timeout: 600_000 }, () => {
  const ts = run(process.execPath, ['--import', 'tsx', join('examples', 'transformer-lm.ts'), '--steps', String(STEPS)]);
  const py = run(PYTHON, ['-B', join('examples', 'transformer_lm.py'), '--steps', String(STEPS)]);
  const header = /^vocab (\d+), corpus (\d+) chars, (\d+) parameters$/m;
  assert.equal(header.exec(ts)?.[0], header.exec(py)?.[0], 'model size');
  const a = losses(ts);
  const b = losses(py);
  // The model learns: the loss falls well below its start (ln(vocab) ≈ 3.3).
  assert.ok(a[STEPS - 1] < 0.6 * a[0], `loss ${a[0]} -> ${a[STEPS - 1]}`);
  if (pythonRunsOurLibTorch()) {
    assert.deepEqual(a, b, 'identical losses');
    assert.equal(/^sample: .*$/m.exec(ts)?.[0], /^sample: .*$/m.exec(py)?.[0], 'same greedy sample');
  } else {
    a.forEach((l, i) => assert.ok(Math.abs(l - b[i]) <= 1e-4 * Math.max(1, Math.abs(b[i])), `step ${i + 1}: ${l} vs ${b[i]}`));
  }
});
