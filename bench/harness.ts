/** Timing helpers shared by the TS benchmarks: medians of repeated blocks, as bench/harness.py does. */
export interface Measure {
  name: string;
  /** median seconds per iteration */
  median: number;
  iters: number;
}

/** Runs `fn` `iters` times per block, `blocks` blocks after one warm-up block; returns the median per-iteration time. */
export function timeit(name: string, fn: () => void, iters: number, blocks = 7): Measure {
  for (let i = 0; i < iters; i++) fn();
  const samples: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9 / iters);
  }
  samples.sort((a, b) => a - b);
  return { name, median: samples[Math.floor(samples.length / 2)], iters };
}

export function emit(results: Measure[], extra: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ side: 'ts', results, peakRssMB: peakRss(), ...extra }) + '\n');
}

export function peakRss(): number {
  return process.resourceUsage().maxRSS / 1024;
}
