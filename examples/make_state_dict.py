"""Trains the homework's CNN3 for a few SGD steps on random data and saves, for
examples/load-python-state-dict.ts:
  <out>/cnn3_state_dict.pt   torch.save(model.state_dict())
  <out>/cnn3_io.pt           torch.save({'input': x, 'output': model(x)}) on a fixed batch
Run with Debian's PyTorch: /usr/bin/python3 examples/make_state_dict.py [out_dir] [--steps N]
"""
import argparse
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'reference'))
from appendix3 import CNN3  # noqa: E402  (the homework's CNN3, Appendix 3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('out', nargs='?', default='results/examples')
    p.add_argument('--steps', type=int, default=20)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    model = CNN3()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(args.steps):
        x, y = torch.randn(32, 3, 32, 32), torch.randint(0, 10, (32,))
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    model.eval()
    x = torch.randn(8, 3, 32, 32)
    with torch.no_grad():
        out = model(x)
    torch.save(model.state_dict(), os.path.join(args.out, 'cnn3_state_dict.pt'))
    torch.save({'input': x, 'output': out}, os.path.join(args.out, 'cnn3_io.pt'))
    print(f'saved {args.out}/cnn3_state_dict.pt and cnn3_io.pt ({args.steps} steps, torch {torch.__version__})')


if __name__ == '__main__':
    main()
