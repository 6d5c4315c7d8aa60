#!/usr/bin/python3
"""Live golden for test/45.optim.versions: 20 steps of each optimizer whose Python code changed
between PyTorch releases (lerp_ from 2.1, NAdam's mu_product_next), in the Python of whatever
torch this python3 has. The test runs only where that is the LibTorch torchnode was built against,
and then expects the same bits.

Run by runGoldenLive('optim_versions.py') with the output path as argv[1].
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
g = torch.Generator().manual_seed(2026)
X = torch.randn(8, 5, generator=g)
Y = torch.randn(8, 3, generator=g)
W0 = torch.randn(3, 5, generator=g)
B0 = torch.randn(3, generator=g)
STEPS = 20
CASES = [
    ('RMSprop', dict(lr=0.01, centered=True, momentum=0.9)),
    ('RMSprop', dict(lr=0.01, alpha=0.9, weight_decay=0.1)),
    ('NAdam', dict(lr=0.01)),
    ('NAdam', dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ('RAdam', dict(lr=0.01)),
    ('Adamax', dict(lr=0.01, weight_decay=0.1)),
    ('Adam', dict(lr=0.01, amsgrad=True)),
    ('AdamW', dict(lr=0.01)),
]
res = []
for cls, kw in CASES:
    w = W0.clone().requires_grad_()
    b = B0.clone().requires_grad_()
    opt = getattr(torch.optim, cls)([w, b], **kw)
    for _ in range(STEPS):
        opt.zero_grad()
        F.mse_loss(F.linear(X, w, b), Y).backward()
        opt.step()
    res.append({'cls': cls, 'kw': kw, 'weight': w.detach().tolist(), 'bias': b.detach().tolist()})
with open(sys.argv[1], 'w') as f:
    json.dump({'torch': torch.__version__, 'steps': STEPS, 'x': X.tolist(), 'y': Y.tolist(), 'w': W0.tolist(), 'b': B0.tolist(), 'cases': res}, f)
