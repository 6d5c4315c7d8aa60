/**
 * Long-run memory soak: the homework's CNN3 trained for many steps (batch 2, fixed random inputs,
 * Adam, crossEntropy, each step inside torch.tidy). Prints live tensor count and RSS at step 1k
 * (the end of warm-up), every 10k and at the end, then a summary line with the pass/fail check:
 * the live tensor count constant and RSS within ±5% of its warm-up value at every reading after
 * warm-up. A leak shows up as a growing tensor count or a steadily climbing RSS.
 *
 * Usage: node --expose-gc --import tsx tools/fuzz/cnn3-100k.ts [steps=100000] [--every=N] [--smaps] [--v8-default-young-gen]
 *   --every=N   print a reading every N steps instead of every 10k (the check samples every 1k)
 *   --smaps     with each printed reading, resident memory per owner (tools/fuzz/smaps.ts), its
 *               change, and the mappings that changed by 1 MiB or more; at the end, the same
 *               since warm-up (mappings from 256 KiB)
 *   --v8-default-young-gen  keep V8's adaptive young generation (see below)
 *
 * V8's young generation is fixed, small. By default V8 starts the new space small and doubles it
 * (up to 16 MiB per semi-space on 64-bit Node 20, 32 MiB committed) whenever the bytes that
 * survived scavenges since the last growth exceed its capacity; that count only grows, so any long
 * run gets there, at a step set by how much survives. Its memory reducer, first run 8 s after
 * start, later releases pages V8 keeps pooled. In this soak as it was (tools/fuzz/README-soak.md)
 * those moved RSS by +8.3 MiB (new space 8 -> 16 MiB, by step 10k), -8.5 MiB (pool, by 20k) and
 * +15.7 MiB (16 -> 32 MiB, between 50k and 60k): 256.6 -> 273.4 MiB, +6.5%, while the tensor
 * count, heapUsed and the native mappings stayed flat. So the soak re-runs itself with 1 MiB
 * semi-spaces, fixed (--min-semi-space-size=1 --max-semi-space-size=1): V8's share of RSS is then
 * a few MiB that do not change size, and RSS follows native memory. JS-side leaks still show, in
 * old space (heapUsed) and RSS. The re-run is skipped when either flag is given, or with
 * --v8-default-young-gen.
 */
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import { formatDiff, formatKindDelta, formatReading, takeReading, type Reading } from './smaps.js';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const positional = args.filter((a) => !a.startsWith('--'));
const steps = Number(positional[0] ?? 100_000);
if (!Number.isInteger(steps) || steps < 1) throw new Error(`Expected positive integer for steps but received ${positional[0]}`);
let every = 10_000;
let smaps = false;
let defaultYoungGen = false;
for (const f of flags) {
  if (f === '--smaps') smaps = true;
  else if (f === '--v8-default-young-gen') defaultYoungGen = true;
  else if (f.startsWith('--every=')) {
    every = Number(f.slice(8));
    if (!Number.isInteger(every) || every < 1) throw new Error(`Expected positive integer for --every but received ${f.slice(8)}`);
  } else throw new Error(`Unknown option ${f}; expected --every=N, --smaps or --v8-default-young-gen`);
}

const YOUNG_GEN = ['--min-semi-space-size=1', '--max-semi-space-size=1'];
const givenYoungGen = process.execArgv.filter((a) => /^--(min|max)-semi-space-size/.test(a));
if (!defaultYoungGen && givenYoungGen.length === 0) {
  const r = spawnSync(process.execPath, [...YOUNG_GEN, ...process.execArgv, process.argv[1], ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
// Loaded after the re-run decision, so the parent of a re-run does not load LibTorch for nothing.
const torch = await import('../../lib/index.js');
const { CNN3 } = await import('../../scripts/models.js');

torch.manualSeed(0);
const model = new CNN3();
const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
// Fixed inputs, kept so the per-step tidy() does not free them.
const x = torch.keep(torch.randn([2, 3, 32, 32]));
const y = torch.keep(torch.tensor([3, 7], { dtype: 'int64' }));

/**
 * Warm-up ends at step 1000: by then every path of a step (forward, backward, Adam with its
 * state created at step 1, LibTorch's per-op caches, V8's optimised code for the loop) has run
 * hundreds of times and the tensor count is at its steady value. It is fixed before looking at
 * the numbers, and it is not moved later to pass: growth after it counts.
 */
const WARMUP = 1000;
/** The check samples (after a full GC) every this many steps; only some samples are printed. */
const SAMPLE = 1000;
const TOLERANCE = 0.05;

const mib = (b: number): string => (b / 1048576).toFixed(1);
const gc = (globalThis as { gc?: () => void }).gc;
const newSpace = (): number => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
let warmRss = 0;
let endRss = 0;
let maxRss = 0;
let maxRssStep = 0;
let minRss = Infinity;
let minRssStep = 0;
let minT = Infinity;
let maxT = -Infinity;
const t0 = Date.now();
let loss = NaN;
let prev: Reading | undefined;
let warm: Reading | undefined;
for (let step = 1; step <= steps; step++) {
  loss = torch.tidy(() => {
    opt.zeroGrad();
    const l = torch.nn.functional.crossEntropy(model.forward(x), y);
    l.backward();
    opt.step();
    return step % 1000 === 0 ? (l.item() as number) : NaN;
  });
  if (step >= WARMUP) {
    const n = torch.memory().numTensors;
    if (n < minT) minT = n;
    if (n > maxT) maxT = n;
  }
  const print = step === WARMUP || step % every === 0 || step === steps;
  if (print || (step >= WARMUP && step % SAMPLE === 0)) {
    // With --expose-gc, samples follow a full collection, so V8's garbage does not pass for
    // native growth.
    gc?.();
    const { rss, heapUsed, heapTotal } = process.memoryUsage();
    if (step === WARMUP) warmRss = rss;
    endRss = rss;
    if (step >= WARMUP) {
      if (rss > maxRss) [maxRss, maxRssStep] = [rss, step];
      if (rss < minRss) [minRss, minRssStep] = [rss, step];
    }
    if (print) {
      // heapUsed separates V8 heap growth from native (LibTorch/allocator) growth; the new
      // space's committed size is what moved RSS with V8's default young generation (see above).
      console.log(
        `step ${step}: numTensors ${torch.memory().numTensors}, rss ${mib(rss)} MiB, heapUsed ${mib(heapUsed)} MiB, heapTotal ${mib(heapTotal)} MiB, v8 new space ${mib(newSpace())} MiB, loss ${Number.isNaN(loss) ? '-' : loss.toFixed(4)}, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
      if (smaps) {
        const r = takeReading();
        console.log(formatReading(r));
        if (prev) {
          console.log(`  change MiB: ${formatKindDelta(prev, r)}`);
          for (const line of formatDiff(prev, r)) console.log(line);
        }
        if (step === WARMUP) warm = r;
        if (step === steps && warm && prev !== warm) {
          console.log(`  change MiB since step ${WARMUP}: ${formatKindDelta(warm, r)}`);
          for (const line of formatDiff(warm, r, 256 * 1024)) console.log(line);
        }
        prev = r;
      }
    }
  }
}
const pct = (b: number): string => `${b >= warmRss ? '+' : ''}${((b / warmRss - 1) * 100).toFixed(1)}%`;
if (steps < WARMUP) {
  console.log(`CNN3-SOAK steps ${steps}: shorter than the ${WARMUP}-step warm-up, no check`);
} else {
  const rssOk = maxRss <= warmRss * (1 + TOLERANCE) && minRss >= warmRss * (1 - TOLERANCE);
  const tensorsOk = minT === maxT;
  console.log(
    `CNN3-SOAK steps ${steps}, young gen ${givenYoungGen.length ? givenYoungGen.join(' ') : 'V8 default (adaptive)'}, ` +
      `rss warm-up (step ${WARMUP}) ${mib(warmRss)} MiB, end ${mib(endRss)} MiB (${pct(endRss)}), ` +
      `after warm-up max ${mib(maxRss)} MiB at ${maxRssStep} (${pct(maxRss)}) min ${mib(minRss)} MiB at ${minRssStep} (${pct(minRss)}), ` +
      `numTensors min ${minT} max ${maxT}${gc ? '' : ', no --expose-gc: samples include garbage'}: ` +
      `${rssOk && tensorsOk ? 'PASS' : 'FAIL'} (RSS within ±${TOLERANCE * 100}% of warm-up ${rssOk ? 'yes' : 'no'}, tensor count flat ${tensorsOk ? 'yes' : 'no'})`,
  );
  if (!(rssOk && tensorsOk)) process.exitCode = 1;
}
