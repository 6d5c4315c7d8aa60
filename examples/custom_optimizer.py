#!/usr/bin/python3
"""The PyTorch twin of examples/custom-optimizer.ts: a user-written SGD with momentum subclassing
torch.optim.Optimizer, driven by CosineAnnealingLR, training the same MLP on the same data.
    /usr/bin/python3 examples/custom_optimizer.py [--steps 120] [--trajectory out.json]
"""
import argparse
import json

import torch
import torch.nn as nn
import torch.nn.functional as F


class MomentumSGD(torch.optim.Optimizer):
    def __init__(self, params, lr, momentum=0.9, dampening=0, weight_decay=0, nesterov=False):
        if lr < 0:
            raise ValueError(f'Invalid learning rate: {lr}')
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, momentum, dampening = group['lr'], group['momentum'], group['dampening']
            weight_decay, nesterov = group['weight_decay'], group['nesterov']
            for p in group['params']:
                d = p.grad
                if d is None:
                    continue
                if weight_decay != 0:
                    d = d.add(p, alpha=weight_decay)
                if momentum != 0:
                    state = self.state[p]
                    if 'momentum_buffer' not in state:
                        buf = state['momentum_buffer'] = torch.clone(d).detach()
                    else:
                        buf = state['momentum_buffer'].mul_(momentum).add_(d, alpha=1 - dampening)
                    d = d.add(buf, alpha=momentum) if nesterov else buf
                p.add_(d, alpha=-lr)
        return loss


ap = argparse.ArgumentParser()
ap.add_argument('--steps', type=int, default=120)
ap.add_argument('--trajectory')
args = ap.parse_args()

torch.set_num_threads(1)
torch.manual_seed(0)
x = torch.randn(64, 3)
y = (x @ torch.tensor([[1.5], [-2.0], [0.5]])).sin() + torch.randn(64, 1) * 0.1
model = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))

opt = MomentumSGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.steps, eta_min=0.001)

trajectory = []
for step in range(1, args.steps + 1):
    opt.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    sched.step()
    trajectory.append([v for p in model.parameters() for v in p.detach().flatten().tolist()])
    if step % 20 == 0 or step == args.steps:
        print(f'step {step}  loss {loss.item():.6f}  lr {sched.get_last_lr()[0]:.4e}')
if args.trajectory:
    with open(args.trajectory, 'w') as f:
        json.dump(trajectory, f)
