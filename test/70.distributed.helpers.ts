// Shared by test/70.distributed.test.ts and its worker: the homework's CNN3, the seeded data of
// each step, and SGD (lib/optim, lr 0.01); by the distributed tests: free ports, launchers, and
// groups of Node and Python ranks.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import * as torch from '../lib/index.js';
import { distributed, nn, type Tensor } from '../lib/index.js';

/** CNN3 of the homework: three convolutions with ReLU, two max-pools, one linear layer (32x32 RGB in). */
export class CNN3 extends nn.Module {
  conv1 = new nn.Conv2d(3, 16, 3);
  conv2 = new nn.Conv2d(16, 8, 5);
  pool1 = new nn.MaxPool2d(2, 2);
  conv3 = new nn.Conv2d(8, 16, 7);
  pool2 = new nn.MaxPool2d(2, 2);
  fc = new nn.Linear(144, 10);
  override forward(x: Tensor): Tensor {
    x = this.pool1.call(nn.F.relu(this.conv2.call(nn.F.relu(this.conv1.call(x)))));
    x = this.pool2.call(nn.F.relu(this.conv3.call(x)));
    return this.fc.call(x.flatten(1));
  }
}

export const STEPS = 50;
export const PER_RANK = 8;
export const LR = 0.01;

/** The combined batch of `step` (2 * PER_RANK samples), the same in every process. */
export function batchOf(step: number, world = 2): [Tensor, Tensor] {
  torch.manualSeed(1000 + step);
  return [torch.randn([world * PER_RANK, 3, 32, 32]), torch.randint(0, 10, [world * PER_RANK])];
}

/** Forward + backward on (x, y); the gradients accumulate in the parameters. */
export function lossBackward(model: nn.Module, x: Tensor, y: Tensor): number {
  return torch.tidy(() => {
    model.zeroGrad();
    const loss = nn.F.crossEntropy(model.call(x), y);
    loss.backward();
    return loss.item() as number;
  });
}

/** The optimizer of both the DDP ranks and the single-process reference. */
export function sgd(model: nn.Module): torch.optim.SGD {
  return new torch.optim.SGD(model.parameters(), { lr: LR });
}

/** All parameters, flattened into one float32 array (registration order). */
export function flatParams(model: nn.Module): Float32Array {
  return torch.tidy(() => torch.cat(model.parameters().map((p) => p.detach().reshape([-1]))).dataSync() as Float32Array);
}

/** A port nothing listens on right now (bound by the OS, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Runs `torchnode-run --nproc-per-node n` on a worker script; resolves with exit code and output. */
export async function runLauncher(script: string, args: string[], n = 2, timeoutMs = 120000): Promise<{ code: number; out: string }> {
  const port = await freePort();
  const bin = new URL('../bin/torchnode-run.mjs', import.meta.url).pathname;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--nproc-per-node', String(n), '--master-addr', '127.0.0.1', '--master-port', String(port), script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`launcher timed out; output:\n${out}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

/** The message a promise rejects with, or null when it resolves. */
export async function errorOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

// ---- groups of Node and Python ranks (test/74, 76, 77) ------------------------------------------

/** Debian's Python: the PyTorch that mixed Node/Python groups run against. */
import { PYTHON } from './python.js';
export { PYTHON };

/** Why a test of mixed Node/Python groups must skip on this machine, or false. */
export function mixedGroupSkipReason(): string | false {
  if (!distributed.isGlooAvailable()) return 'this build has no Gloo backend';
  const r = spawnSync(PYTHON, ['-c', 'import torch.distributed as d; assert d.is_available()'], { encoding: 'utf8' });
  return r.status === 0 ? false : `${PYTHON} has no torch.distributed (apt install python3-torch)`;
}

/** A rank process's exit code and output. */
export interface RankResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs one rank (or a helper process) to its end; rejects, killing it, after `timeoutMs`. Gloo on
 * the loopback interface on both sides (Python binds to the hostname's address otherwise);
 * USE_LIBUV=0: Debian's PyTorch 2.x has no libuv, yet its tcp:// rendezvous asks for the libuv
 * TCPStore unless told not to (1.13 ignores it).
 */
export function runRank(cmd: string, args: string[], opts: { timeoutMs: number; env?: Record<string, string>; input?: string }): Promise<RankResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, GLOO_SOCKET_IFNAME: 'lo', USE_LIBUV: '0', ...opts.env };
    const child = spawn(cmd, args, { env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (err += d));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${opts.timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, opts.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out, err });
    });
  });
}

/**
 * Asserts that every rank exited 0, listing each failed rank's output (the first rank to fail is
 * often not the first in rank order), and returns each rank's last stdout line as JSON.
 */
export function rankOutputs<T>(results: RankResult[], langs: readonly string[]): T[] {
  const failed = results.flatMap((r, rank) => (r.code === 0 ? [] : [`rank ${rank} (${langs[rank]}) exited with ${r.code}:\n${r.err}\n${r.out}`]));
  assert.deepEqual(failed, []);
  return results.map((r) => JSON.parse(r.out.trim().split('\n').pop() ?? '') as T);
}
