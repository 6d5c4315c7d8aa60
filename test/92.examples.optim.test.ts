/**
 * examples/custom-optimizer.ts (a TS-subclassed optimizer driven by CosineAnnealingLR) run as a
 * user would, against its PyTorch twin examples/custom_optimizer.py: the parameters after each
 * of 120 steps are equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './python.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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

test('examples/custom-optimizer.ts follows PyTorch (examples/custom_optimizer.py) step for step', { skip: pytorchMissing(), timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'custom-optimizer-'));
  try {
    const steps = 120;
    const out = run(process.execPath, ['--import', 'tsx', 'examples/custom-optimizer.ts', '--steps', String(steps), '--trajectory', join(dir, 'ts.json')]);
    const pyOut = run(PYTHON, ['-B', 'examples/custom_optimizer.py', '--steps', String(steps), '--trajectory', join(dir, 'py.json')]);
    const ts = JSON.parse(readFileSync(join(dir, 'ts.json'), 'utf8')) as number[][];
    const py = JSON.parse(readFileSync(join(dir, 'py.json'), 'utf8')) as number[][];
    assert.equal(ts.length, steps);
    assert.equal(py.length, steps);
    let worst = 0;
    ts.forEach((params, i) => {
      assert.equal(params.length, py[i].length, `step ${i + 1}: parameter count`);
      params.forEach((v, j) => {
        const err = Math.abs(v - py[i][j]) / Math.max(1, Math.abs(py[i][j]));
        worst = Math.max(worst, err);
        assert.ok(err <= 1e-6, `step ${i + 1} parameter ${j}: ${v} vs PyTorch ${py[i][j]}`);
      });
    });
    // The run makes progress, and both print the same losses.
    const losses = (s: string) => [...s.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
    assert.equal(losses(out).length, 6);
    assert.deepEqual(losses(out), losses(pyOut));
    assert.ok(losses(out)[5] < losses(out)[0] / 5, `loss ${losses(out)[5]} after ${steps} steps`);
    assert.ok(worst <= 1e-6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
