"""Trains the homework's CNN3 for a few SGD steps on random data and saves, for
examples/load-python-state-dict.ts:
  <out>/cnn3_state_dict.pt   torch.save(model.state_dict())
  <out>/cnn3_io.pt           torch.save({'input': x, 'output': model(x)}) on a fixed batch
Run with Debian's PyTorch: /usr/bin/python3 examples/make_state_dict.py [out_dir] [--steps N]
"""
import argparse
import os

import torch
import torch.nn as nn


class CNN3(nn.Module):
    """The homework's CNN3 (Appendix 3), unchanged."""

    def __init__(self):
        super(CNN3, self).__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=0)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=5, stride=1, padding=0)
        self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv3 = nn.Conv2d(8, 16, kernel_size=7, stride=1, padding=0)
        self.pool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc = nn.Linear(16 * 3 * 3, 10)

    def forward(self, x):
        x = nn.functional.relu(self.conv1(x))
        x = nn.functional.relu(self.conv2(x))
        x = self.pool1(x)
        x = nn.functional.relu(self.conv3(x))
        x = self.pool2(x)
        x = x.view(x.size(0), -1)
        x = self.fc(x)
        return x


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
