"""Per-op overhead in PyTorch Python: the same ops as bench/ops.ts, one thread."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from harness import emit, timeit  # noqa: E402

torch.set_num_threads(1)
scale = float(os.environ.get("BENCH_SCALE", "1"))
a4, b4 = torch.ones(4), torch.ones(4)
a1k, b1k = torch.ones(1000), torch.ones(1000)
m64 = torch.randn(64, 64)
x = torch.randn(50, 3, 32, 32)
w = torch.randn(16, 3, 3, 3)
res = []


def add4():
    c = a4 + b4  # noqa: F841


def add4_tidy():
    c = a4 + b4  # noqa: F841


res.append(timeit("add 4 (new result)", add4, int(20000 * scale)))
res.append(timeit("add 4 (new result, tidy)", add4_tidy, int(20000 * scale)))
res.append(timeit("add_ 4 (in place)", lambda: a4.add_(b4), int(20000 * scale)))
res.append(timeit("add 1000", lambda: a1k + b1k, int(20000 * scale)))
res.append(timeit("matmul 64x64", lambda: m64 @ m64, int(2000 * scale)))
res.append(timeit("conv2d [50,3,32,32]x[16,3,3,3]", lambda: torch.nn.functional.conv2d(x, w), int(20 * scale)))
emit(res)
