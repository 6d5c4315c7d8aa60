/**
 * examples/lstm-lm.ts and its PyTorch twin examples/lstm_lm.py train the same word-level LSTM
 * language model (Embedding → 2-layer LSTM with dropout → Linear, CrossEntropyLoss, SGD with
 * momentum, clipGradNorm_) from the same seed: both run here for 100 steps and must print the
 * same losses. They are expected bit for bit: the same LibTorch kernels run on both sides and
 * the dropout masks are drawn from the same generator, in the same order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './python.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STEPS = 100;

function pytorchMissing(): string | false {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
  return r.status === 0 ? false : `${PYTHON} has no torch (apt install python3-torch)`;
}
const noTorch = pytorchMissing();

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** The `step N loss X` lines as numbers, and the other lines as they are. */
function parse(out: string): { losses: number[]; other: string[] } {
  const losses: number[] = [];
  const other: string[] = [];
  for (const line of out.trim().split('\n')) {
    const m = /^step (\d+) loss (\S+)$/.exec(line);
    if (m) {
      assert.equal(Number(m[1]), losses.length + 1, `step numbers in order: ${line}`);
      losses.push(Number(m[2]));
    } else {
      other.push(line);
    }
  }
  return { losses, other };
}

test(`examples/lstm-lm.ts prints the same losses as examples/lstm_lm.py for ${STEPS} steps`, { skip: noTorch, timeout: 600_000 }, () => {
  const ts = parse(run(process.execPath, ['--import', 'tsx', join('examples', 'lstm-lm.ts'), '--steps', String(STEPS)]));
  const py = parse(run(PYTHON, [join('examples', 'lstm_lm.py'), '--steps', String(STEPS)]));
  assert.equal(ts.losses.length, STEPS);
  assert.equal(py.losses.length, STEPS);
  // Same corpus, vocabulary and evaluation accuracy lines.
  assert.deepEqual(ts.other, py.other);
  assert.match(ts.other[0], /^corpus: 150 tokens, 42 words$/);
  for (let i = 0; i < STEPS; i++) assert.equal(ts.losses[i], py.losses[i], `step ${i + 1}: TS ${ts.losses[i]} vs Python ${py.losses[i]}`);
  // And it learns: the loss falls well below its start (ln 42 ≈ 3.74).
  const last = ts.losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
  assert.ok(ts.losses[0] > 3.5 && last < 1.5, `losses ${ts.losses[0]} → ${last}`);
});
