/**
 * Runs each benchmark's TS and PyTorch-Python sides in the same run, with the same environment
 * (thread counts, malloc tunables), and prints medians and TS/Python ratios; JSON to bench/results.json.
 * Usage: npm run bench [-- --only ops] [--scale 0.2]
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, renameSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    scale: { type: 'string', default: '1' },
    python: { type: 'string', default: '/usr/bin/python3' },
    device: { type: 'string', default: 'cuda' },
    steps: { type: 'string', default: '50' },
  },
});
// 'gpu' runs only when asked for (scripts/gpu-check.sh does): it needs a CUDA build and a GPU.
const suites = values.only ? values.only.split(',') : ['ops', 'models'];

// Identical for both sides: one BLAS/OpenMP thread and a malloc that keeps freed memory (on this VM,
// glibc returning large blocks to the OS made page faults dominate a Python conv2d).
const env = {
  ...process.env,
  OMP_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296',
  BENCH_SCALE: values.scale,
  BENCH_DEVICE: values.device,
  BENCH_STEPS: values.steps,
};

interface Row { name: string; median: number }
interface Side { side: string; results: Row[]; peakRssMB: number }

function run(cmd: string, args: string[]): Side {
  const r = spawnSync(cmd, args, { env, cwd: join(here, '..'), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as Side;
}

const fmt = (s: number) => (s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(2)} µs`);
const all: Record<string, unknown> = {};
for (const suite of suites) {
  const ts = run(process.execPath, ['--import', 'tsx', join(here, `${suite}.ts`)]);
  const py = run(values.python!, [join(here, `${suite}.py`)]);
  const rows = ts.results.map((t) => {
    const p = py.results.find((x) => x.name === t.name);
    return { name: t.name, ts: t.median, py: p?.median ?? NaN, ratio: p ? t.median / p.median : NaN };
  });
  console.log(`\n## ${suite} (median per call; ratio = TS time / Python time, < 1 is faster)`);
  console.log('| benchmark | TS | Python | ratio |\n|---|---:|---:|---:|');
  for (const r of rows) {
    // Throughput rows print steps per second; their ratio stays TS time / Python time.
    const show = (v: number) => (r.name.includes('steps/s') ? `${(1 / v).toFixed(1)}/s` : fmt(v));
    console.log(`| ${r.name} | ${show(r.ts)} | ${show(r.py)} | ${r.ratio.toFixed(2)} |`);
  }
  console.log(`| peak RSS | ${ts.peakRssMB.toFixed(0)} MB | ${py.peakRssMB.toFixed(0)} MB | ${(ts.peakRssMB / py.peakRssMB).toFixed(2)} |`);
  all[suite] = { rows, peakRssMB: { ts: ts.peakRssMB, py: py.peakRssMB } };
}
const out = join(here, 'results.json');
writeFileSync(out + '.tmp', JSON.stringify({ date: new Date().toISOString(), env: { threads: 1 }, ...all }, null, 2));
renameSync(out + '.tmp', out);
