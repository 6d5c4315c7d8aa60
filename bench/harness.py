"""Timing helpers shared by the Python benchmarks: medians of repeated blocks, as bench/harness.ts does
(including the lockstep turns that bench/run.ts uses to alternate the two sides block by block)."""
import json
import os
import resource
import sys
import time

LOCKSTEP = os.environ.get("BENCH_LOCKSTEP") == "1"
WARMUP_SECONDS = 1.0


def turn():
    """Waits for run.ts to give this side the machine (a no-op outside lockstep mode)."""
    if LOCKSTEP:
        sys.stdout.write("@@turn\n")
        sys.stdout.flush()
        sys.stdin.readline()


def timeit(name, fn, iters, blocks=7, warmup=None):
    warmup = iters if warmup is None else warmup
    if warmup > 0:
        # At least WARMUP_SECONDS of calls (all harnesses): V8 compiles hot code on background
        # threads whose CPU time the process is charged; it must be done before measuring. TurboFan
        # was still optimizing hot functions for the first time 0.4 s into MLP validation passes.
        turn()
        t0 = time.perf_counter()
        done = 0
        while done < warmup or time.perf_counter() - t0 < WARMUP_SECONDS:
            fn()
            done += 1
    samples = []
    cpu = []
    for _ in range(blocks):
        turn()
        c0 = time.process_time()
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        samples.append((time.perf_counter() - t0) / iters)
        cpu.append((time.process_time() - c0) / iters)
    return {"name": name, "median": median(samples), "iters": iters, "samples": samples, "cpuMedian": median(cpu)}


def median(v):
    s = sorted(v)
    return s[len(s) // 2]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(results, **extra):
    turn()
    sys.stdout.write(json.dumps({"side": "py", "results": results, "peakRssMB": peak_rss_mb(), **extra}) + "\n")
    sys.stdout.flush()
