// Distributed benchmark on this machine (127.0.0.1):
//  1. CNN3 DDP training throughput with 1 vs 2 processes (8 samples per rank per step);
//  2. allReduce of a 10 MB float32 tensor between 2 processes (latency, algorithm and bus bandwidth);
//  3. allReduce latency (median, p95) of 4 B, 1 MB and 64 MB between 2 ranks, torchnode vs
//     PyTorch (Python ranks, /usr/bin/python3) in the same run;
//  4. DDP step time of an MLP with several buckets, 2 ranks: buckets all-reduced during backward
//     (the reducer's overlap) vs all after backward (what syncGradients did before).
// Run: TORCHNODE_ADDON=... node --import tsx bench/distributed.ts [steps] [--only latency,overlap]
// The same file is the worker of parts 2-4 when started by torchnode-run (RANK is set; BENCH_PART).
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

async function launch(n: number, script: string, args: string[], part = ''): Promise<string> {
  const port = await freePort();
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [`${root}bin/torchnode-run.mjs`, '--nproc-per-node', String(n), '--master-port', String(port), '--no-prefix', script, ...args],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_PART: part } },
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

/** allReduce sizes of the latency table, and how many timed calls each gets. */
const LATENCY_SIZES: [string, number, number][] = [
  ['4 B', 4, 200],
  ['1 MB', 1 << 20, 40],
  ['64 MB', 64 << 20, 5],
];
/** Rounds of the latency table, torchnode and PyTorch alternating (load changes hit both). */
const LATENCY_ROUNDS = 3;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Rank 0 prints {size: [ms per call]} for back-to-back allReduces (each awaited before the next). */
async function latencyWorker(): Promise<void> {
  await dist.initProcessGroup({ initMethod: 'env://', timeout: 60000 });
  const out: Record<string, number[]> = {};
  for (const [name, bytes, iters] of LATENCY_SIZES) {
    const t = torch.ones([bytes / 4]);
    for (let i = 0; i < Math.min(20, iters); i++) await dist.allReduce(t);
    await dist.barrier();
    const ms: number[] = [];
    for (let i = 0; i < iters; i++) {
      const t0 = performance.now();
      await dist.allReduce(t);
      ms.push(performance.now() - t0);
    }
    out[name] = ms;
    t.dispose();
  }
  if (dist.getRank() === 0) console.log(JSON.stringify(out));
  await dist.barrier();
  dist.destroyProcessGroup();
}

const PY_LATENCY = `
import json, os, time, torch, torch.distributed as dist
torch.set_num_threads(1)
dist.init_process_group("gloo", init_method="env://")
out = {}
for name, nbytes, iters in ${JSON.stringify(LATENCY_SIZES)}:
    t = torch.ones(nbytes // 4)
    for _ in range(min(20, iters)):
        dist.all_reduce(t)
    dist.barrier()
    ms = []
    for _ in range(iters):
        t0 = time.perf_counter()
        dist.all_reduce(t)
        ms.append((time.perf_counter() - t0) * 1000)
    out[name] = ms
if dist.get_rank() == 0:
    print(json.dumps(out), flush=True)
dist.barrier()
dist.destroy_process_group()
`;

/** Two Python ranks running PY_LATENCY; resolves with rank 0's JSON line. */
async function pythonLatency(): Promise<Record<string, number[]>> {
  const port = await freePort();
  const runs = [0, 1].map(
    (rank) =>
      new Promise<string>((resolve, reject) => {
        const env = {
          ...process.env,
          MASTER_ADDR: '127.0.0.1',
          MASTER_PORT: String(port),
          RANK: String(rank),
          WORLD_SIZE: '2',
          GLOO_SOCKET_IFNAME: 'lo',
          OMP_NUM_THREADS: '1',
        };
        const c = spawn(process.env.TORCHNODE_PYTHON || '/usr/bin/python3', ['-c', PY_LATENCY], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`python rank ${rank} exited with ${code}`))));
      }),
  );
  return JSON.parse((await Promise.all(runs))[0].trim());
}

/**
 * The latency table: per size, median and p95 in ms over all rounds' calls for both sides, and the
 * ratios torchnode / PyTorch.
 */
async function latencyTable(): Promise<Record<string, unknown>> {
  const node: Record<string, number[]> = {};
  const py: Record<string, number[]> = {};
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const n = JSON.parse((await launch(2, here, [], 'latency')).trim().split('\n').pop() as string) as Record<string, number[]>;
    const p = await pythonLatency();
    for (const [name] of LATENCY_SIZES) {
      node[name] = [...(node[name] ?? []), ...n[name]];
      py[name] = [...(py[name] ?? []), ...p[name]];
    }
  }
  const rows: Record<string, unknown> = {};
  const lines = [
    '| size | torchnode median | PyTorch median | ratio | torchnode p95 | PyTorch p95 | ratio | torchnode max |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name] of LATENCY_SIZES) {
    const [nm, pm, n95, p95] = [quantile(node[name], 0.5), quantile(py[name], 0.5), quantile(node[name], 0.95), quantile(py[name], 0.95)];
    const nmax = Math.max(...node[name]);
    rows[name] = {
      torchnodeMedianMs: nm,
      pytorchMedianMs: pm,
      medianRatio: nm / pm,
      torchnodeP95Ms: n95,
      pytorchP95Ms: p95,
      p95Ratio: n95 / p95,
      torchnodeMaxMs: nmax,
    };
    const f = (x: number) => `${x.toFixed(3)} ms`;
    lines.push(`| ${name} | ${f(nm)} | ${f(pm)} | ${(nm / pm).toFixed(2)} | ${f(n95)} | ${f(p95)} | ${(n95 / p95).toFixed(2)} | ${f(nmax)} |`);
  }
  console.error(`allReduce latency, 2 ranks on 127.0.0.1 (back-to-back calls, ${LATENCY_ROUNDS} alternating rounds):\n${lines.join('\n')}`);
  return rows;
}

/** An MLP of 6 Linear(1024, 1024) layers (4 MiB of weight each): 4-MiB buckets give several. */
class WideMlp extends torch.nn.Module {
  layers = new torch.nn.ModuleList(Array.from({ length: 6 }, () => new torch.nn.Linear(1024, 1024)));
  override forward(x: torch.Tensor): torch.Tensor {
    for (const l of this.layers) x = torch.relu((l as torch.nn.Linear).call(x));
    return x;
  }
}

/** Rank 0 prints ms per DDP step, overlapped (hooks) and not (backward inside noSync, then syncGradients). */
async function overlapWorker(): Promise<void> {
  await dist.initProcessGroup({ initMethod: 'env://', timeout: 60000 });
  torch.manualSeed(0);
  const model = new WideMlp();
  const ddp = await dist.DistributedDataParallel.create(model, { bucketCapMb: 4 });
  const opt = new torch.optim.SGD(model.parameters(), { lr: 1e-4 });
  const x = torch.randn([64, 1024]);
  const step = async (overlap: boolean) => {
    opt.zeroGrad();
    torch.tidy(() => {
      const run = () => ddp.call(x).square().mean().backward();
      if (overlap) run();
      else ddp.noSync(run);
    });
    await ddp.syncGradients();
    opt.step();
  };
  for (let i = 0; i < 4; i++) await step(true); // includes the bucket rebuild
  const result: Record<string, number> = { buckets: (ddp as unknown as { buckets: number[][] }).buckets.length };
  for (const overlap of [false, true, false, true]) {
    await dist.barrier();
    const ms: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await step(overlap);
      ms.push(performance.now() - t0);
    }
    const key = overlap ? 'overlappedMsPerStep' : 'afterBackwardMsPerStep';
    result[key] = Math.min(result[key] ?? Number.POSITIVE_INFINITY, quantile(ms, 0.5));
  }
  if (dist.getRank() === 0) console.log(JSON.stringify(result));
  await dist.barrier();
  dist.destroyProcessGroup();
}

async function main(): Promise<void> {
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1].split(',') : null;
  if (only) {
    const results: Record<string, unknown> = {};
    if (only.includes('latency')) results.allReduceLatency = await latencyTable();
    if (only.includes('overlap')) results.ddpOverlap = JSON.parse((await launch(2, here, [], 'overlap')).trim().split('\n').pop() as string);
    console.log(JSON.stringify(results, null, 2));
    return;
  }
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
  results.allReduceLatency = await latencyTable();
  results.ddpOverlap = JSON.parse((await launch(2, here, [], 'overlap')).trim().split('\n').pop() as string);
  console.log(JSON.stringify(results, null, 2));
}

if (process.env.RANK === undefined) await main();
else if (process.env.BENCH_PART === 'latency') await latencyWorker();
else if (process.env.BENCH_PART === 'overlap') await overlapWorker();
else await allReduceWorker();
