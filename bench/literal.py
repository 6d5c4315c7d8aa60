"""bench/literal.ts's loop in PyTorch: Appendix 3's CNN3 and part 3's training step, 3,000 steps
at batch 50 (twice, as the TS side runs a literal and a tidy() variant), with RSS after warm-up
and at the end."""
import os
import resource
import sys

import torch
import torch.nn as nn
import torch.optim as optim

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'reference'))
from harness import emit, timeit  # noqa: E402
from appendix3 import CNN3  # noqa: E402

torch.set_num_threads(1)
scale = float(os.environ.get("BENCH_SCALE", "1"))
BLOCKS = 10
ITERS = max(10, int(300 * scale))
torch.manual_seed(0)
batches = [(torch.randn(50, 3, 32, 32), torch.randint(0, 10, (50,))) for _ in range(20)]


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def run(label):
    model = CNN3()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    st = {"i": 0, "running_loss": 0.0, "correct": 0, "total": 0, "rss_warm": 0.0}

    def step():
        bx, by = batches[st["i"] % len(batches)]
        inputs, labels = bx.clone(), by.clone()
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        st["running_loss"] += loss.item()
        _, predicted = torch.max(outputs.data, 1)
        st["total"] += labels.size(0)
        st["correct"] += (predicted == labels).sum().item()
        if st["i"] % 10 == 0:
            norm = 0.0
            for p in model.parameters():
                if p.grad is not None:
                    norm += p.grad.norm().item()
        st["i"] += 1
        if st["i"] == ITERS:
            st["rss_warm"] = rss_mb()

    m = timeit(label, step, ITERS, BLOCKS, ITERS)
    end = rss_mb()
    return m, {"steps": st["i"], "rssWarmMB": st["rss_warm"], "rssEndMB": end, "rssGrowthPct": (end - st["rss_warm"]) / st["rss_warm"] * 100}


a, ma = run("cnn_3 literal step, no scope code")
b, mb = run("cnn_3 the same step in tidy()")
emit([a, b], memory={"literal": ma, "scoped": mb})
