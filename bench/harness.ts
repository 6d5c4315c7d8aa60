/**
 * Timing helpers shared by the TS benchmarks: medians of repeated blocks, as bench/harness.py does.
 *
 * Under bench/run.ts (BENCH_LOCKSTEP=1) the TS and Python processes take turns: before each block
 * a side prints `@@turn` and waits for a line on stdin, so run.ts alternates TS and Python block
 * by block and both see the same load on a shared machine (results go on the last stdout line).
 */
import { readSync, writeSync } from 'node:fs';

export interface Measure {
  name: string;
  /** median seconds per iteration */
  median: number;
  iters: number;
  /** every block's seconds per iteration */
  samples?: number[];
  /** median CPU seconds (user + system, the whole process) per iteration */
  cpuMedian?: number;
}

const lockstep = process.env.BENCH_LOCKSTEP === '1';
const WARMUP_SECONDS = 1.0;
const one = Buffer.alloc(1);

/** Waits for run.ts to give this side the machine (a no-op outside lockstep mode). */
export function turn(): void {
  if (!lockstep) return;
  writeSync(1, '@@turn\n');
  for (;;) {
    let n: number;
    try {
      n = readSync(0, one, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      throw e;
    }
    if (n === 0 || one[0] === 10) return;
  }
}

/** Runs `fn` `iters` times per block, `blocks` blocks after `warmup` calls (default one block, and at least 1 s); returns the median per-iteration time. */
export function timeit(name: string, fn: () => void, iters: number, blocks = 7, warmup = iters): Measure {
  if (warmup > 0) {
    // At least WARMUP_SECONDS of calls (all harnesses): V8 compiles hot code on background
    // threads whose CPU time the process is charged; it must be done before measuring. TurboFan
    // was still optimizing hot functions for the first time 0.4 s into MLP validation passes.
    turn();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < warmup || Number(process.hrtime.bigint() - t0) / 1e9 < WARMUP_SECONDS; i++) fn();
  }
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let b = 0; b < blocks; b++) {
    turn();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9 / iters);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6 / iters);
  }
  return { name, median: median(samples), iters, samples, cpuMedian: median(cpu) };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function emit(results: Measure[], extra: Record<string, unknown> = {}): void {
  turn();
  process.stdout.write(JSON.stringify({ side: 'ts', results, peakRssMB: peakRss(), ...extra }) + '\n');
}

export function peakRss(): number {
  return process.resourceUsage().maxRSS / 1024;
}
