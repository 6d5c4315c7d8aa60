"""Per-model costs in PyTorch Python (the appendix code): a compute-only train step at batch 50
(forward, CrossEntropyLoss, zero_grad, backward, Adam step, loss.item() and the accuracy count
of part 3's loop) and a validation pass over 5,000 images with Appendix 3's evaluate_model."""
import os
import sys

import torch
import torch.nn as nn
import torch.optim as optim

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'reference'))
from harness import emit, timeit  # noqa: E402
from appendix3 import MODELS, evaluate_model  # noqa: E402

torch.set_num_threads(1)
scale = float(os.environ.get("BENCH_SCALE", "1"))
torch.manual_seed(0)
x = torch.randn(50, 3, 32, 32)
y = torch.randint(0, 10, (50,))
val = [(torch.randn(50, 3, 32, 32), torch.randint(0, 10, (50,))) for _ in range(100)]
res = []
for name, cls in MODELS.items():
    model = cls()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    model.train()
    state = {"correct": 0, "total": 0, "running": 0.0}

    def step():
        outputs = model(x)
        loss = criterion(outputs, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        state["running"] += loss.item()
        _, preds = torch.max(outputs.data, 1)
        state["total"] += y.size(0)
        state["correct"] += (preds == y).sum().item()

    res.append(timeit(f"{name} train step b50", step, max(1, int(40 * scale))))
    res.append(timeit(f"{name} validation 5000", lambda: evaluate_model(model, val, "cpu"), 1, blocks=3))
emit(res)
