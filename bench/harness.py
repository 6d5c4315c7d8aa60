"""Timing helpers shared by the Python benchmarks: medians of repeated blocks, as bench/harness.ts does."""
import json
import resource
import sys
import time


def timeit(name, fn, iters, blocks=7):
    for _ in range(iters):
        fn()
    samples = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        samples.append((time.perf_counter() - t0) / iters)
    samples.sort()
    return {"name": name, "median": samples[len(samples) // 2], "iters": iters}


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(results, **extra):
    sys.stdout.write(json.dumps({"side": "py", "results": results, "peakRssMB": peak_rss_mb(), **extra}) + "\n")
