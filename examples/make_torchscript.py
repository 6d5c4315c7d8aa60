"""Scripts a small module with control flow (torch.jit.script keeps the `if`, which tracing
would bake in) and saves, for examples/torchscript.ts:
  <out>/classifier.pt   torch.jit.script(model).save(...)
  <out>/classifier_io.pt  torch.save({'image': x, 'batch': xb, 'logits': ..., 'probs': ...})
Run with Debian's PyTorch: /usr/bin/python3 examples/make_torchscript.py [out_dir]
"""
import os
import sys
from typing import Tuple

import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        if x.dim() == 3:  # a single image: add the batch dimension
            x = x.unsqueeze(0)
        logits = self.head(self.features(x).flatten(1))
        return logits, logits.softmax(dim=1)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'results/examples'
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = Classifier().eval()
    scripted = torch.jit.script(model)
    scripted.save(os.path.join(out, 'classifier.pt'))
    x = torch.randn(1, 28, 28)
    xb = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        logits, probs = model(xb)
        single, _ = model(x)
    torch.save({'image': x, 'batch': xb, 'logits': logits, 'probs': probs, 'single': single},
               os.path.join(out, 'classifier_io.pt'))
    print(f'saved {out}/classifier.pt and classifier_io.pt (torch {torch.__version__})')


if __name__ == '__main__':
    main()
