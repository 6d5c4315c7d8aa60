"""GPU throughput of the appendix models in PyTorch Python: train-step steps/s at batch 50 and 512
(the part-3 loop body: forward, CrossEntropyLoss, zero_grad, backward, Adam step, loss.item()) and
an evaluation pass (Appendix 3's evaluate_model) over 5,000 images. Device from BENCH_DEVICE."""
import os
import sys
import time

import torch
import torch.nn as nn
import torch.optim as optim

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'reference'))
from harness import emit  # noqa: E402
from appendix3 import MODELS, evaluate_model  # noqa: E402

device = torch.device(os.environ.get("BENCH_DEVICE", "cuda"))
steps = int(os.environ.get("BENCH_STEPS", "50"))
sync = (lambda: torch.cuda.synchronize()) if device.type == "cuda" else (lambda: None)
torch.manual_seed(0)
res = []
for name, cls in MODELS.items():
    model = cls().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    for batch in (50, 512):
        x = torch.randn(batch, 3, 32, 32, device=device)
        y = torch.randint(0, 10, (batch,), device=device)

        def step():
            outputs = model(x)
            loss = criterion(outputs, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item()

        for _ in range(5):
            step()
        sync()
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        res.append({"name": f"{name} steps/s b{batch}", "median": (time.perf_counter() - t0) / steps})
    val = [(torch.randn(50, 3, 32, 32), torch.randint(0, 10, (50,))) for _ in range(100)]
    evaluate_model(model, val[:5], device)
    sync()
    t0 = time.perf_counter()
    evaluate_model(model, val, device)
    sync()
    res.append({"name": f"{name} eval 5000", "median": time.perf_counter() - t0})
emit(res, device=str(device))
