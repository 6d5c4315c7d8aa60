// Distributed benchmark on this machine (127.0.0.1):
//  1. CNN3 DDP training throughput with 1 vs 2 processes (8 samples per rank per step);
//  2. allReduce of a 10 MB float32 tensor between 2 processes (latency, algorithm and bus bandwidth).
// Run: TORCHNODE_ADDON=... node --import tsx bench/distributed.ts [steps]
// The same file is the worker of part 2 when started by torchnode-run (RANK is set).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as torch from '../lib/index.js';
import { distributed as dist } from '../lib/index.js';

const here = fileURLToPath(import.meta.url);
const root = new URL('..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function launch(n: number, script: string, args: string[]): Promise<string> {
  const port = await freePort();
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [`${root}bin/torchnode-run.mjs`, '--nproc-per-node', String(n), '--master-port', String(port), '--no-prefix', script, ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`launcher exited with ${code}: ${out}`))));
  });
}

async function allReduceWorker(): Promise<void> {
  await dist.initProcessGroup({ initMethod: 'env://', timeout: 60000 });
  const bytes = 10 * 1024 * 1024;
  const t = torch.ones([bytes / 4]);
  for (let i = 0; i < 3; i++) await dist.allReduce(t);
  const iters = 20;
  await dist.barrier();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await dist.allReduce(t);
  const s = (performance.now() - t0) / 1000 / iters;
  const n = dist.getWorldSize();
  if (dist.getRank() === 0) {
    console.log(JSON.stringify({ bytes, msPerAllReduce: s * 1000, algbwMBps: bytes / s / 1e6, busbwMBps: ((bytes / s / 1e6) * (2 * (n - 1))) / n }));
  }
  await dist.barrier();
  dist.destroyProcessGroup();
}

async function main(): Promise<void> {
  const steps = process.argv[2] ?? '30';
  const worker = `${root}test/70.distributed.worker.ts`;
  const results: Record<string, unknown> = {
    machine: `${(await import('node:os')).cpus().length} cores`,
    libtorch: torch.version.libtorch,
    threadsPerProcess: torch.getNumThreads(),
  };
  for (const n of [1, 2]) {
    const line = (await launch(n, worker, ['-', '25', steps])).trim().split('\n').pop()!;
    const r = JSON.parse(line) as { stepsPerSecond: number };
    results[`ddp_${n}proc`] = { ...r, samplesPerSecond: r.stepsPerSecond * 8 * n };
  }
  results.allReduce10MB_2proc = JSON.parse((await launch(2, here, [])).trim().split('\n').pop()!);
  console.log(JSON.stringify(results, null, 2));
}

if (process.env.RANK !== undefined) await allReduceWorker();
else await main();
