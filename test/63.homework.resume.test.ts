/**
 * Interrupt safety of the part 3–5 scripts: a run killed with SIGKILL mid-epoch (resumed from
 * the last per-epoch checkpoint) and a run stopped with Ctrl-C (SIGINT: finishes the step,
 * writes partial results and a mid-epoch checkpoint, exits 130) both continue with --resume to
 * results identical to an uninterrupted run with the same seed.
 * The reference itself is checked against PyTorch by test 62; here the tiny data set is the
 * same generated one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticCifar10 } from '../scripts/cifar.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'hw-resume-'));
writeSyntheticCifar10(root, { seed: 5, nTrain: 500, nTest: 100 }); // 450 train = 9 steps per epoch

const common = ['--data', root, '--seed', '3', '--threads', '1', '--device', 'cpu', '--no-progress'];
const part3Args = [...common, '--models', 'mlp_1,cnn_3', '--epochs', '4'];

function run(script: string, args: string[], env: Record<string, string> = {}): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts', script), ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stderr: r.stderr };
}

/** Results without what legitimately differs between runs (wall time, timestamps). */
function results(dir: string, names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) {
    const r = JSON.parse(readFileSync(join(dir, n), 'utf8')) as Record<string, unknown>;
    delete r.run_info;
    out[n] = r;
  }
  return out;
}

function readCheckpoint(dir: string, part: string): { state: { runIndex: number; inRun: boolean; pos: { epoch: number; stepInEpoch: number } } } | null {
  try {
    return JSON.parse(readFileSync(join(dir, `checkpoint_${part}.json`), 'utf8'));
  } catch {
    return null; // not written yet
  }
}

/** Starts a slowed-down run and sends `signal` once `ready(checkpoint)` holds (plus `afterMs`). */
async function interruptRun(
  script: string,
  part: string,
  args: string[],
  signal: NodeJS.Signals,
  ready: (ck: NonNullable<ReturnType<typeof readCheckpoint>>) => boolean,
  afterMs: number,
  out: string,
): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'scripts', script), ...args], {
    cwd: repo,
    env: { ...process.env, HW_STEP_DELAY_MS: '40' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, sig) => resolve(sig === 'SIGKILL' ? -9 : code)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ck = readCheckpoint(out, part);
    if (ck && ready(ck)) break;
    if (child.exitCode !== null) throw new Error(`${script} ended before it could be interrupted:\n${stderr}`);
    if (Date.now() > deadline) throw new Error('timed out waiting for a checkpoint');
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, afterMs));
  child.kill(signal);
  return exited;
}

const refOut = join(root, 'ref');
const names3 = ['part3_mlp_1.json', 'part3_cnn_3.json'];

test('reference: an uninterrupted part 3 run', () => {
  const r = run('part3.ts', [...part3Args, '--out', refOut]);
  assert.equal(r.code, 0, r.stderr);
  for (const n of names3) assert.ok(existsSync(join(refOut, n)));
});

test('part 3: SIGKILL mid-epoch, then --resume, gives the uninterrupted results', async () => {
  const out = join(root, 'kill');
  // Killed in the second model's second epoch: the first model is done, the second resumes from its epoch-1 checkpoint.
  const code = await interruptRun(
    'part3.ts',
    'part3',
    [...part3Args, '--out', out],
    'SIGKILL',
    (ck) => ck.state.runIndex === 1 && ck.state.inRun && ck.state.pos.epoch >= 1,
    150,
    out,
  );
  assert.equal(code, -9);
  assert.ok(!existsSync(join(out, 'part3_cnn_3.json')), 'the killed run must not have finished cnn_3');
  const r = run('part3.ts', [...part3Args, '--out', out, '--resume']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(results(out, names3), results(refOut, names3));
});

test('part 3: Ctrl-C finishes the step, saves partial results, exits 130; --resume completes identically', async () => {
  const out = join(root, 'sigint');
  const code = await interruptRun(
    'part3.ts',
    'part3',
    [...part3Args, '--out', out],
    'SIGINT',
    (ck) => ck.state.runIndex === 0 && ck.state.inRun && ck.state.pos.epoch >= 1,
    130,
    out,
  );
  assert.equal(code, 130);
  const ck = readCheckpoint(out, 'part3')!;
  assert.equal(ck.state.runIndex, 0);
  assert.ok(ck.state.pos.stepInEpoch > 0, `expected a mid-epoch checkpoint, got ${JSON.stringify(ck.state.pos)}`);
  const partial = JSON.parse(readFileSync(join(out, 'part3_mlp_1.json'), 'utf8'));
  assert.equal(partial.partial, true);
  assert.equal(partial.test_acc, null);
  const r = run('part3.ts', [...part3Args, '--out', out, '--resume']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(results(out, names3), results(refOut, names3));
});

test('part 5: Ctrl-C in the scheduled run, --resume gives the uninterrupted results', async () => {
  const args = [...common, '--epochs', '2'];
  const ref = join(root, 'ref5');
  const r0 = run('part5.ts', [...args, '--out', ref]);
  assert.equal(r0.code, 0, r0.stderr);
  const out = join(root, 'sigint5');
  const code = await interruptRun(
    'part5.ts',
    'part5',
    [...args, '--out', out],
    'SIGINT',
    (ck) => ck.state.runIndex === 3 && ck.state.inRun && ck.state.pos.epoch >= 1,
    100,
    out,
  );
  assert.equal(code, 130);
  const r = run('part5.ts', [...args, '--out', out, '--resume']);
  assert.equal(r.code, 0, r.stderr);
  const names = ['part5_cnn3.json', 'part5_cnn3_scheduled.json'];
  assert.deepEqual(results(out, names), results(ref, names));
});

test('--resume refuses a checkpoint made with other settings', () => {
  const r = run('part3.ts', [...common, '--models', 'mlp_1,cnn_3', '--epochs', '5', '--out', refOut, '--resume']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--resume: the checkpoint .* was made with other settings/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
