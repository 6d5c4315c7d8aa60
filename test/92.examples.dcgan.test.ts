/**
 * examples/dcgan.ts and its Python twin examples/dcgan.py train the same small DCGAN (same seed,
 * same RNG draws, one thread each) for 120 steps: the discriminator's and the generator's losses
 * must be bit-identical at every step. Skips with the reason without /usr/bin/python3's torch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './python.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STEPS = 120;

function pytorchMissing(): string | false {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
  return r.status === 0 ? false : `${PYTHON} has no torch (apt install python3-torch)`;
}

/** The per-step losses printed by an example run. */
function losses(cmd: string, argv: string[], what: string): [number, number][] {
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${what} exited with ${r.status}:\n${r.stderr}\n${r.stdout}`);
  const out: [number, number][] = [];
  for (const line of r.stdout.trim().split('\n')) {
    const m = /^step (\d+) lossD (\S+) lossG (\S+)$/.exec(line);
    assert.ok(m, `${what}: unexpected line ${JSON.stringify(line)}`);
    assert.equal(Number(m[1]), out.length + 1, `${what}: step numbers`);
    out.push([Number(m[2]), Number(m[3])]);
  }
  return out;
}

test('examples/dcgan.ts gives the same D and G losses as examples/dcgan.py at every step', { skip: pytorchMissing(), timeout: 300_000 }, () => {
  const ts = losses(process.execPath, ['--import', 'tsx', join('examples', 'dcgan.ts'), '--steps', String(STEPS)], 'examples/dcgan.ts');
  const py = losses(PYTHON, [join('examples', 'dcgan.py'), '--steps', String(STEPS)], 'examples/dcgan.py');
  assert.equal(ts.length, STEPS);
  assert.equal(py.length, STEPS);
  for (let i = 0; i < STEPS; i++) {
    assert.ok(Number.isFinite(ts[i][0]) && Number.isFinite(ts[i][1]), `step ${i + 1}: finite losses`);
    assert.deepEqual(ts[i], py[i], `step ${i + 1}: [lossD, lossG] TS vs Python`);
  }
  // The GAN moves: D's loss is not stuck at its starting value.
  assert.notEqual(ts[0][0], ts[STEPS - 1][0]);
});
