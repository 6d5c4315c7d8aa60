#!/usr/bin/python3
"""Golden fixtures for torchnode.optim (test/40.*, test/41.*), produced by Debian's PyTorch 1.13.

Run: /usr/bin/python3 tools/golden/optim.py  -> test/fixtures/optim.json, test/fixtures/lr_scheduler.json
Tensors are float32 and stored as nested lists (every float32 is exact in JSON's doubles).
"""
import json
import math
import os

import torch
import torch.nn.functional as F
from torch.optim import lr_scheduler as S

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures')


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f)
    print('wrote', os.path.relpath(path), os.path.getsize(path), 'bytes')


# ---- optimizers: a linear layer 4 -> 3 on a fixed batch, MSE loss ------------------------------

g = torch.Generator().manual_seed(1234)
W0 = torch.randn(3, 4, generator=g) * 0.5
B0 = torch.randn(3, generator=g) * 0.1
X = torch.randn(8, 4, generator=g)
Y = torch.randn(8, 3, generator=g)

CASES = [
    # name, class, kwargs (Python names), ts options (camelCase)
    ('sgd_momentum', 'SGD', dict(lr=0.1, momentum=0.9)),
    ('sgd_plain', 'SGD', dict(lr=0.05)),
    ('sgd_nesterov_wd', 'SGD', dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ('sgd_dampening', 'SGD', dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ('adam', 'Adam', dict(lr=0.01)),
    ('adam_amsgrad_wd', 'Adam', dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ('adamw', 'AdamW', dict(lr=0.01)),
    ('adamw_amsgrad', 'AdamW', dict(lr=0.02, weight_decay=0.05, amsgrad=True)),
    ('rmsprop', 'RMSprop', dict(lr=0.01)),
    ('rmsprop_centered_momentum', 'RMSprop', dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    ('adagrad', 'Adagrad', dict(lr=0.1)),
    ('adagrad_options', 'Adagrad', dict(lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1, eps=1e-8)),
]
STEPS = 5


def run(cls, kw, groups=None, lr_change=None):
    w = W0.clone().requires_grad_(True)
    b = B0.clone().requires_grad_(True)
    params = groups(w, b) if groups else [w, b]
    opt = getattr(torch.optim, cls)(params, **kw)
    traj = []
    for step in range(STEPS):
        if lr_change and step == lr_change[0]:
            for grp in opt.param_groups:
                grp['lr'] = lr_change[1]
        opt.zero_grad()
        loss = F.mse_loss(F.linear(X, w, b), Y)
        loss.backward()
        opt.step()
        traj.append({'loss': loss.item(), 'weight': w.detach().tolist(), 'bias': b.detach().tolist()})
    return opt, traj


def state_of(opt):
    out = {}
    for k, s in opt.state_dict()['state'].items():
        out[str(k)] = {n: (v.tolist() if torch.is_tensor(v) and v.dim() > 0 else float(v)) for n, v in s.items() if v is not None}
    return out


cases = []
for name, cls, kw in CASES:
    opt, traj = run(cls, kw)
    cases.append({'name': name, 'cls': cls, 'kwargs': {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()},
                  'trajectory': traj, 'state': state_of(opt),
                  'param_groups': [{k: (list(v) if isinstance(v, tuple) else v) for k, v in grp.items()
                                    if k != 'params' and isinstance(v, (int, float, bool, tuple))}
                                   for grp in opt.state_dict()['param_groups']]})

# Param groups with their own lr, and an lr written through param_groups mid-run.
_, groups_traj = run('SGD', dict(lr=0.1, momentum=0.9), groups=lambda w, b: [{'params': [w]}, {'params': [b], 'lr': 0.01}])
_, lr_change_traj = run('Adam', dict(lr=0.01), lr_change=(2, 0.001))

write('optim.json', {
    'init': {'weight': W0.tolist(), 'bias': B0.tolist(), 'x': X.tolist(), 'y': Y.tolist()},
    'steps': STEPS,
    'cases': cases,
    'groups': groups_traj,
    'lr_change': lr_change_traj,
})

# ---- LR schedulers: lr (and momentum) after each of 30 epochs -------------------------------------

EPOCHS = 30


def make_opt(kind='SGD', lrs=(0.1,), momentum=0.0):
    ps = [torch.nn.Parameter(torch.zeros(1)) for _ in lrs]
    groups = [{'params': [p], 'lr': lr} for p, lr in zip(ps, lrs)]
    if kind == 'SGD':
        return torch.optim.SGD(groups, lr=lrs[0], momentum=momentum)
    return torch.optim.Adam(groups, lr=lrs[0])


def sched_seq(make, lrs=(0.1,), kind='SGD', momentum=0.0, metrics=None):
    opt = make_opt(kind, lrs, momentum)
    s = make(opt)
    lr = [[grp['lr'] for grp in opt.param_groups]]
    mom = [[(grp['momentum'] if 'momentum' in grp else grp['betas'][0]) for grp in opt.param_groups]]
    for e in range(EPOCHS):
        opt.step()
        if metrics is not None:
            s.step(metrics[e])
        else:
            s.step()
        lr.append([grp['lr'] for grp in opt.param_groups])
        mom.append([(grp['momentum'] if 'momentum' in grp else grp['betas'][0]) for grp in opt.param_groups])
    last = None if metrics is not None else s.get_last_lr()
    return {'lr': lr, 'momentum': mom, 'last_lr': last, 'last_epoch': s.last_epoch}


PLATEAU_METRICS = [1.0, 0.9, 0.85, 0.86, 0.87, 0.88, 0.84, 0.84, 0.84, 0.84, 0.83, 0.9, 0.9, 0.9, 0.9,
                   0.9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]

scheds = {
    'StepLR': sched_seq(lambda o: S.StepLR(o, step_size=7, gamma=0.5), lrs=(0.1, 0.01)),
    'MultiStepLR': sched_seq(lambda o: S.MultiStepLR(o, milestones=[5, 12, 12, 20], gamma=0.3)),
    'ExponentialLR': sched_seq(lambda o: S.ExponentialLR(o, gamma=0.9)),
    'CosineAnnealingLR': sched_seq(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), lrs=(0.1, 0.05)),
    'LambdaLR': sched_seq(lambda o: S.LambdaLR(o, lr_lambda=[lambda e: 0.95 ** e, lambda e: 1.0 / (e + 1)]),
                          lrs=(0.1, 0.2)),
    'OneCycleLR': sched_seq(lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=EPOCHS), momentum=0.9),
    'OneCycleLR_linear_three_phase': sched_seq(
        lambda o: S.OneCycleLR(o, max_lr=[0.5], total_steps=EPOCHS, pct_start=0.4, anneal_strategy='linear',
                               three_phase=True, div_factor=10, final_div_factor=100), momentum=0.9),
    'OneCycleLR_adam': sched_seq(lambda o: S.OneCycleLR(o, max_lr=0.01, epochs=3, steps_per_epoch=10,
                                                        cycle_momentum=True), kind='Adam'),
    'ReduceLROnPlateau': sched_seq(lambda o: S.ReduceLROnPlateau(o, mode='min', factor=0.5, patience=2,
                                                                 threshold=1e-2, cooldown=1, min_lr=0.004),
                                   metrics=PLATEAU_METRICS),
    'ReduceLROnPlateau_max_abs': sched_seq(lambda o: S.ReduceLROnPlateau(o, mode='max', factor=0.1, patience=1,
                                                                         threshold=0.01, threshold_mode='abs'),
                                           metrics=[-m for m in PLATEAU_METRICS]),
}
write('lr_scheduler.json', {'epochs': EPOCHS, 'plateau_metrics': PLATEAU_METRICS, 'schedulers': scheds})
