/**
 * Runs each benchmark's TS and PyTorch-Python sides in the same run, with the same environment
 * (one thread, malloc tunables) and the same data, and prints medians and TS/Python ratios;
 * JSON to bench/results.json.
 *
 * The two sides run in lockstep: both processes start, and run.ts lets them take turns block by
 * block (see turn() in bench/harness.ts), so a TS block and the matching Python block run
 * seconds apart and see the same load on a shared machine. `--rounds N` repeats everything and
 * takes, per row, the median over rounds.
 *
 * The TS side runs as compiled JavaScript, as a library user's code does: each bench file is
 * bundled once with esbuild (torchnode itself is in the bundle, npm packages stay external) into
 * .bench/js/ and run with plain `node`. `--runner tsx` runs the sources through tsx instead; its
 * module-loader thread (a second V8 isolate) then adds ~40 MB to the TS side's RSS.
 *
 * The ops and models suites have a third side, bench/<suite>.cc: the same work in C++ straight on
 * LibTorch, the floor for the binding's own overhead (TS ÷ C++). run.ts compiles each once into .bench/ with
 * $CXX (g++) against the LibTorch the addon uses; without a compiler its columns are left out.
 *
 * Usage: npm run bench [-- --only ops,models,data,literal,floor,workers] [--scale 0.2] [--rounds 3] [--stat min] [--runner tsx] [--no-cpp]
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync, renameSync, mkdtempSync, rmSync, existsSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build as esbuild } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    scale: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '1' },
    python: { type: 'string', default: '/usr/bin/python3' },
    device: { type: 'string', default: 'cuda' },
    steps: { type: 'string', default: '50' },
    json: { type: 'string', default: join(here, 'results.json') },
    clock: { type: 'string', default: 'cpu' },
    runner: { type: 'string', default: 'compiled' },
    stat: { type: 'string', default: 'median' },
    'no-cpp': { type: 'boolean', default: false },
  },
});
if (values.stat !== 'median' && values.stat !== 'min') {
  throw new Error(`--stat: expected 'median' or 'min' but received '${values.stat}'`);
}
if (values.runner !== 'compiled' && values.runner !== 'tsx') {
  throw new Error(`--runner: expected 'compiled' or 'tsx' but received '${values.runner}'`);
}

/** Node arguments that run bench/<name>.ts: a compiled bundle (see the top of this file) or tsx. */
async function tsSide(name: string): Promise<string[]> {
  const src = join(here, `${name}.ts`);
  if (values.runner === 'tsx') return ['--import', 'tsx', src];
  const out = join(here, '..', '.bench', 'js', `${name}.mjs`);
  // DataLoader workers rebuild built-in datasets by class name (keepNames) and start from their
  // own entry, bundled beside the suite and named in TORCHNODE_WORKER_ENTRY (see docs/data.md).
  const workers = name === 'workers';
  const bundle = (entry: string, outfile: string) =>
    esbuild({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      keepNames: workers,
      logLevel: 'warning',
    });
  await bundle(src, out);
  if (workers) {
    const entry = join(here, '..', '.bench', 'js', 'worker_main.mjs');
    await bundle(join(here, '..', 'lib', 'data', 'worker_main.ts'), entry);
    env.TORCHNODE_WORKER_ENTRY = entry;
  }
  return [out];
}
// 'gpu' runs only when asked for (scripts/gpu-check.sh does): it needs a CUDA build and a GPU;
// 'workers' (DataLoader worker threads vs worker processes) too: it measures wall time on all cores.
const suites = values.only ? values.only.split(',') : ['ops', 'models', 'data', 'literal', 'floor'];
const scale = Number(values.scale);
const rounds = Math.max(1, Number(values.rounds));

// Identical for both sides: one BLAS/OpenMP thread and a malloc that keeps freed memory (on this VM,
// glibc returning large blocks to the OS made page faults dominate a Python conv2d).
const env: NodeJS.ProcessEnv = {
  ...process.env,
  OMP_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296',
  BENCH_SCALE: values.scale,
  BENCH_DEVICE: values.device,
  BENCH_STEPS: values.steps,
  BENCH_LOCKSTEP: '1',
};

// The data suite's CIFAR-10 look-alike: part 3's 50,000 training images at scale 1 (45,000 to
// train on in 900 batches, 5,000 to validate), written once in cifar-10-batches-py format.
let cifarRoot: string | null = null;
if (suites.includes('data') || suites.includes('workers')) {
  cifarRoot = mkdtempSync(join(tmpdir(), 'torchnode-bench-cifar-'));
  const nTrain = 5 * Math.max(200, Math.round(10000 * scale));
  const r = spawnSync(values.python!, [join(here, 'make_cifar.py'), cifarRoot, String(nTrain)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_cifar.py failed:\n${r.stderr}`);
  env.BENCH_CIFAR_ROOT = cifarRoot;
}

interface Row {
  name: string;
  median: number;
  cpuMedian?: number;
  samples?: number[];
}
// 'cpu' (default): CPU seconds of each process per call, which a shared, loaded machine disturbs
// far less than wall time (both sides are single-threaded, so on an idle machine they agree);
// 'wall': elapsed time. results.json keeps both.
const clock = values.clock === 'wall' ? 'wall' : 'cpu';
env.BENCH_CLOCK = clock;
const pick = (r: Row | undefined): number => (r === undefined ? NaN : clock === 'cpu' ? (r.cpuMedian ?? r.median) : r.median);
// 'median' (default): per row the median over rounds of each round's median (the --clock above);
// 'min': the fastest block of all rounds, in wall time: on a shared machine load only ever adds
// time, so the minimum estimates the cost on a quiet one (single-threaded work: wall = CPU there).
const stat = values.stat as 'median' | 'min';
/** One side's value for a row over the rounds (`--stat`). */
function rowValue(rounds: (Side | null)[], name: string): number {
  const rs = rounds.map((s) => s?.results.find((x) => x.name === name));
  if (stat === 'min') return Math.min(...rs.flatMap((r) => r?.samples ?? [r?.median ?? NaN]));
  return median(rs.map(pick));
}
interface Side {
  side: string;
  results: Row[];
  peakRssMB: number;
  [k: string]: unknown;
}
/** TS, Python and (for suites that have one) C++. */
type Sides = [Side, Side, Side | null];

/** A child process that prints `@@turn` lines and waits for a newline before each block. */
class Runner {
  readonly proc: ChildProcessWithoutNullStreams;
  private buf = '';
  private lines: string[] = [];
  private waiting: (() => void) | null = null;
  private stderr = '';
  exited = false;
  code: number | null = null;
  constructor(
    readonly label: string,
    cmd: string,
    args: string[],
  ) {
    this.proc = spawn(cmd, args, { env, cwd: join(here, '..') });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d: string) => {
      this.buf += d;
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
      this.wake();
    });
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.proc.on('close', (code) => {
      this.exited = true;
      this.code = code;
      if (this.buf) this.lines.push(this.buf);
      this.wake();
    });
  }
  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
  /** Resolves when the side asks for its next turn (true) or has exited (false). */
  async untilTurn(): Promise<boolean> {
    for (;;) {
      const i = this.lines.indexOf('@@turn');
      if (i >= 0) {
        this.lines.splice(i, 1);
        return true;
      }
      if (this.exited) return false;
      await new Promise<void>((r) => {
        this.waiting = r;
      });
    }
  }
  go(): void {
    this.proc.stdin.write('\n');
  }
  result(): Side {
    if (this.code !== 0) throw new Error(`${this.label} failed (exit ${this.code}):\n${this.stderr}`);
    const line = this.lines.filter((l) => l.startsWith('{')).pop();
    if (!line) throw new Error(`${this.label} printed no result:\n${this.stderr}`);
    return JSON.parse(line) as Side;
  }
}

let foundLibtorch: { include: string[]; libdir: string; libs: string[] } | null = null;
/** Where the addon's LibTorch lives (tools/libtorch-paths.mjs), looked up once per run. */
function libtorchPaths(): { include: string[]; libdir: string; libs: string[] } {
  if (foundLibtorch) return foundLibtorch;
  const r = spawnSync(process.execPath, [join(here, '..', 'tools', 'libtorch-paths.mjs'), 'json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr.trim());
  foundLibtorch = JSON.parse(r.stdout) as { include: string[]; libdir: string; libs: string[] };
  return foundLibtorch;
}

/**
 * The C++ side of a suite (bench/<suite>.cc), compiled on first use into .bench/ against the
 * LibTorch that tools/libtorch-paths.mjs finds (the addon's): null when the suite has none, when
 * --no-cpp, or when it does not compile (the reason goes to stderr).
 */
function cppSide(suite: string): string | null {
  const src = join(here, `${suite}.cc`);
  if (values['no-cpp'] || !existsSync(src)) return null;
  const out = join(here, '..', '.bench', `${suite}-cpp`);
  const newest = Math.max(statSync(src).mtimeMs, statSync(join(here, 'harness.h')).mtimeMs);
  if (existsSync(out) && statSync(out).mtimeMs > newest) return out;
  try {
    const { include, libdir, libs } = libtorchPaths();
    // /usr/include stays a default path: as -I it would break libstdc++'s #include_next.
    const inc = include.filter((d) => d !== '/usr/include').map((d) => `-I${d}`);
    mkdirSync(dirname(out), { recursive: true });
    process.stderr.write(`bench: compiling ${suite}.cc (once, about 25 s)…\n`);
    const cxx = process.env.CXX || 'g++';
    const r = spawnSync(cxx, ['-O2', '-std=c++17', ...inc, src, '-o', `${out}.tmp`, `-L${libdir}`, `-Wl,-rpath,${libdir}`, ...libs], { encoding: 'utf8' });
    if (r.error) throw r.error;
    if (r.status !== 0)
      throw new Error(
        r.stderr
          .split('\n')
          .filter((l) => l.includes('error'))
          .slice(0, 5)
          .join('\n'),
      );
    renameSync(`${out}.tmp`, out);
    return out;
  } catch (e) {
    process.stderr.write(`bench: no C++ side for ${suite} (${(e as Error).message})\n`);
    return null;
  }
}

/** Runs a suite's sides, alternating turns: TS block, Python block, C++ block, TS block, … */
async function runSides(suite: string): Promise<Sides> {
  const bin = cppSide(suite); // before the others start: a first compile keeps a core busy for ~25 s
  const ts = new Runner(`${suite}.ts`, process.execPath, await tsSide(suite));
  const py = new Runner(`${suite}.py`, values.python!, [join(here, `${suite}.py`)]);
  const cpp = bin ? new Runner(`${suite}.cc`, bin, []) : null;
  const live = cpp ? [ts, py, cpp] : [ts, py];
  const ready = await Promise.all(live.map((r) => r.untilTurn()));
  let active = live.filter((_, i) => ready[i]);
  while (active.length > 0) {
    const next: Runner[] = [];
    for (const r of active) {
      r.go();
      if (await r.untilTurn()) next.push(r);
    }
    active = next;
  }
  for (const r of live) r.proc.stdin.end();
  return [ts.result(), py.result(), cpp ? cpp.result() : null];
}

const median = (v: number[]): number => {
  const s = v.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const fmt = (s: number) => (!Number.isFinite(s) ? '–' : s >= 1 ? `${s.toFixed(2)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(2)} µs`);
const show = (name: string, v: number) => (name.includes('/s)') ? `${(1 / v).toFixed(1)}/s` : fmt(v));

const all: Record<string, unknown> = {};
for (const suite of suites) {
  const perRound: Sides[] = [];
  for (let k = 0; k < rounds; k++) perRound.push(await (suite === 'floor' ? runFloor() : runSides(suite)));
  const hasCpp = perRound.every(([, , c]) => c !== null);
  const names = perRound[0][0].results.map((r) => r.name);
  const rows = names.map((name) => {
    const ts = rowValue(
      perRound.map(([t]) => t),
      name,
    );
    const py = rowValue(
      perRound.map(([, p]) => p),
      name,
    );
    const wall = {
      ts: median(perRound.map(([t]) => t.results.find((x) => x.name === name)?.median ?? NaN)),
      py: median(perRound.map(([, p]) => p.results.find((x) => x.name === name)?.median ?? NaN)),
    };
    const cpp = hasCpp
      ? rowValue(
          perRound.map(([, , c]) => c),
          name,
        )
      : undefined;
    return { name, ts, py, ratio: ts / py, wall, ...(cpp === undefined ? {} : { cpp, overCpp: ts / cpp }) };
  });
  const rss = { ts: Math.max(...perRound.map(([t]) => t.peakRssMB)), py: Math.max(...perRound.map(([, p]) => p.peakRssMB)) };
  if (suite === 'floor') {
    printFloor(perRound[0][0]);
    all[suite] = perRound[0][0].floor;
    continue;
  }
  const how =
    stat === 'min'
      ? `fastest block${rounds > 1 ? ` of ${rounds} rounds` : ''}, wall time per call`
      : `median ${clock === 'cpu' ? 'CPU' : 'wall'} time per call${rounds > 1 ? `, median of ${rounds} rounds` : ''}`;
  console.log(`\n## ${suite} (${how}; ratio = TS time / Python time, < 1 is faster)`);
  // C++ columns: the same work straight on LibTorch (bench/<suite>.cc); TS ÷ C++ − 1 is the binding's overhead.
  const cppHead = hasCpp ? ' C++ | TS ÷ C++ |' : '';
  console.log(`| benchmark | TS | Python | ratio | Python/TS speed |${cppHead}\n|---|---:|---:|---:|---:|${hasCpp ? '---:|---:|' : ''}`);
  for (const r of rows) {
    const c = hasCpp ? ` ${show(r.name, r.cpp!)} | ${r.overCpp!.toFixed(2)} |` : '';
    console.log(`| ${r.name} | ${show(r.name, r.ts)} | ${show(r.name, r.py)} | ${r.ratio.toFixed(2)} | ${(1 / r.ratio).toFixed(2)}× |${c}`);
  }
  const cppRss = hasCpp ? Math.max(...perRound.map(([, , c]) => c!.peakRssMB)) : undefined;
  console.log(
    `| peak RSS | ${rss.ts.toFixed(0)} MB | ${rss.py.toFixed(0)} MB | ${(rss.ts / rss.py).toFixed(2)} | |${hasCpp ? ` ${cppRss!.toFixed(0)} MB | ${(rss.ts / cppRss!).toFixed(2)} |` : ''}`,
  );
  // Suites that measure memory over a run (literal): live tensors and RSS after warm-up vs the end.
  const mem = perRound.map(([t, p]) => ({
    ts: t.memory as Record<string, Record<string, number>> | undefined,
    py: p.memory as Record<string, Record<string, number>> | undefined,
  }));
  if (mem[0].ts) {
    console.log(
      '\n| loop (last round) | steps | max live tensors | RSS after warm-up | RSS at the end | growth | Python growth |\n|---|---:|---:|---:|---:|---:|---:|',
    );
    const last = mem[mem.length - 1];
    for (const [k, v] of Object.entries(last.ts!)) {
      const py = last.py?.[k];
      console.log(
        `| ${k} | ${v.steps} | ${v.maxLiveTensors} | ${v.rssWarmMB.toFixed(0)} MB | ${v.rssEndMB.toFixed(0)} MB | ${v.rssGrowthPct.toFixed(1)} % | ${py ? `${py.rssGrowthPct.toFixed(1)} %` : ''} |`,
      );
    }
  }
  all[suite] = { rows, peakRssMB: { ...rss, ...(cppRss === undefined ? {} : { cpp: cppRss }) }, ...(mem[0].ts ? { memory: mem } : {}) };
}

// ---- compute floor ---------------------------------------------------------------------------

interface FloorModel {
  name: string;
  fwdFlops: number;
  trainFlops: number;
  layers: { layer: string; gflops: number }[];
  trainFloor: number;
  valFloor: number;
}

/** The floor suite is TS-only (it times LibTorch's kernels); it is compared with the models suite's rows. */
async function runFloor(): Promise<Sides> {
  const r = spawnSync(process.execPath, await tsSide('floor'), {
    env: { ...env, BENCH_LOCKSTEP: '0' },
    cwd: join(here, '..'),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`floor.ts failed:\n${r.stderr}`);
  const side = JSON.parse(r.stdout.trim().split('\n').pop()!) as Side;
  return [side, side, null];
}

function printFloor(side: Side): void {
  const floor = side.floor as FloorModel[];
  const models = all.models as { rows: { name: string; ts: number; py: number; cpp?: number }[] } | undefined;
  // C++ ÷ floor: where LibTorch itself stands (activations, pooling, loss, Adam); TS ÷ floor minus it is the binding's share.
  const hasCpp = models?.rows.some((r) => r.cpp !== undefined) ?? false;
  console.log("\n## compute floor (conv/linear FLOPs ÷ the throughput LibTorch reaches on each layer's own shape; train = 3× forward)");
  const cols = (what: string) => `${what} floor | TS ÷ floor | Python ÷ floor |${hasCpp ? ' C++ ÷ floor |' : ''}`;
  const align = `---:|---:|---:|${hasCpp ? '---:|' : ''}`;
  console.log(`| model | forward MFLOP/img | layer GFLOP/s | ${cols('train step')} ${cols('validation')}\n|---|---:|---:|${align}${align}`);
  for (const f of floor) {
    const tr = models?.rows.find((r) => r.name === `${f.name} train step b50`);
    const va = models?.rows.find((r) => r.name === `${f.name} validation 5000`);
    const q = (v: number | undefined, fl: number) => (v === undefined ? '–' : (v / fl).toFixed(2));
    const part = (r: typeof tr, fl: number) => `${fmt(fl)} | ${q(r?.ts, fl)} | ${q(r?.py, fl)} |${hasCpp ? ` ${q(r?.cpp, fl)} |` : ''}`;
    console.log(
      `| ${f.name} | ${(f.fwdFlops / 50 / 1e6).toFixed(2)} | ${f.layers.map((l) => l.gflops.toFixed(1)).join(', ')} | ${part(tr, f.trainFloor)} ${part(va, f.valFloor)}`,
    );
  }
}

if (cifarRoot) rmSync(cifarRoot, { recursive: true, force: true });
const out = values.json!;
writeFileSync(out + '.tmp', JSON.stringify({ date: new Date().toISOString(), env: { threads: 1, scale, rounds, clock, stat }, ...all }, null, 2));
renameSync(out + '.tmp', out);
