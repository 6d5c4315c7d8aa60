#!/usr/bin/python3
"""Live goldens for test/43.optim.more and test/44.lr_scheduler.more (PyTorch 1.13).

Run by runGoldenLive('optim_more.py') with the output path as argv[1]; prints nothing.
Tensors are float32 and stored as nested lists (every float32 is exact in JSON's doubles).
"""
import base64
import io
import json
import math
import sys
import warnings

import torch
import torch.nn.functional as F
from torch.optim import lr_scheduler as S

torch.set_num_threads(1)
warnings.filterwarnings("ignore")
g = torch.Generator().manual_seed(4321)
W0 = torch.randn(3, 4, generator=g) * 0.5
B0 = torch.randn(3, generator=g) * 0.1
X = torch.randn(8, 4, generator=g)
Y = torch.randn(8, 3, generator=g)
E0 = torch.randn(6, 3, generator=g)  # SparseAdam's embedding table
IDX = [[0, 2, 2, 5], [1, 2, 4, 4], [3, 0, 0, 1]]  # its batches, cycled
STEPS = 20

CASES = [
    ('adadelta', 'Adadelta', dict()),
    ('adadelta_opts', 'Adadelta', dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1)),
    ('adadelta_maximize', 'Adadelta', dict(lr=0.3, maximize=True)),
    ('adamax', 'Adamax', dict(lr=0.02)),
    ('adamax_opts', 'Adamax', dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, maximize=True)),
    ('nadam', 'NAdam', dict(lr=0.01)),
    ('nadam_opts', 'NAdam', dict(lr=0.02, betas=(0.85, 0.995), eps=1e-6, weight_decay=0.1, momentum_decay=0.01)),
    ('radam', 'RAdam', dict(lr=0.01)),
    ('radam_opts', 'RAdam', dict(lr=0.03, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.05)),
    ('asgd', 'ASGD', dict(lr=0.05)),
    ('asgd_opts', 'ASGD', dict(lr=0.05, lambd=1e-2, alpha=0.6, t0=5, weight_decay=0.02)),
    ('asgd_maximize', 'ASGD', dict(lr=0.01, t0=3, maximize=True)),
    ('rprop', 'Rprop', dict()),
    ('rprop_opts', 'Rprop', dict(lr=0.02, etas=(0.4, 1.5), step_sizes=(1e-4, 0.05))),
    ('rprop_maximize', 'Rprop', dict(lr=0.01, maximize=True)),
    # maximize on the LibTorch-backed optimizers
    ('sgd_maximize', 'SGD', dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True)),
    ('adam_maximize', 'Adam', dict(lr=0.01, amsgrad=True, weight_decay=0.01, maximize=True)),
    ('adamw_maximize', 'AdamW', dict(lr=0.01, maximize=True)),
    ('rmsprop_maximize', 'RMSprop', dict(lr=0.01, momentum=0.5, centered=True, maximize=True)),
    ('adagrad_maximize', 'Adagrad', dict(lr=0.05, lr_decay=0.01, maximize=True)),
]


def lists(v):
    return list(v) if isinstance(v, tuple) else v


def state_of(opt):
    def conv(v):
        if torch.is_tensor(v):
            return {'tensor': v.tolist(), 'shape': list(v.shape)}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v
    return {str(k): {n: conv(v) for n, v in s.items()} for k, s in opt.state_dict()['state'].items()}


def groups_of(opt):
    return [{k: lists(v) for k, v in pg.items()} for pg in opt.state_dict()['param_groups']]


def run_linear(cls, kw, steps=STEPS, groups=False, save_at=None):
    w = W0.clone().requires_grad_(True)
    b = B0.clone().requires_grad_(True)
    params = [{'params': [w]}, {'params': [b], 'lr': kw.get('lr', 0.01) * 0.5}] if groups else [w, b]
    opt = getattr(torch.optim, cls)(params, **kw)
    traj = []
    saved = None
    for step in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(F.linear(X, w, b), Y)
        loss.backward()
        opt.step()
        traj.append({'loss': loss.item(), 'weight': w.detach().tolist(), 'bias': b.detach().tolist()})
        if save_at is not None and step + 1 == save_at:
            buf = io.BytesIO()
            torch.save(opt.state_dict(), buf)
            saved = base64.b64encode(buf.getvalue()).decode()
    return opt, traj, saved


out = {'init': {'weight': W0.tolist(), 'bias': B0.tolist(), 'x': X.tolist(), 'y': Y.tolist(), 'emb': E0.tolist(), 'idx': IDX},
       'steps': STEPS, 'cases': []}
for name, cls, kw in CASES:
    opt, traj, saved = run_linear(cls, kw, save_at=STEPS // 2)
    out['cases'].append({'name': name, 'cls': cls, 'kwargs': {k: lists(v) for k, v in kw.items()}, 'trajectory': traj,
                         'state': state_of(opt), 'param_groups': groups_of(opt), 'saved_half': saved})

# Two param groups on a TS optimizer (the second with half the lr).
opt, traj, _ = run_linear('NAdam', dict(lr=0.02), groups=True)
out['groups'] = {'trajectory': traj, 'param_groups': groups_of(opt)}


# SparseAdam on an embedding with sparse gradients.
def run_sparse(kw):
    e = E0.clone().requires_grad_(True)
    opt = torch.optim.SparseAdam([e], **kw)
    traj = []
    for step in range(STEPS):
        opt.zero_grad()
        idx = torch.tensor(IDX[step % len(IDX)])
        loss = (F.embedding(idx, e, sparse=True) ** 2).sum() * 0.1 + F.embedding(idx, e, sparse=True)[:, 0].sum()
        loss.backward()
        opt.step()
        traj.append({'loss': loss.item(), 'weight': e.detach().tolist()})
    return opt, traj


out['sparse'] = []
for name, kw in [('sparse_adam', dict(lr=0.05)), ('sparse_adam_opts', dict(lr=0.1, betas=(0.8, 0.99), eps=1e-6, maximize=True))]:
    opt, traj = run_sparse(kw)
    out['sparse'].append({'name': name, 'kwargs': {k: lists(v) for k, v in kw.items()}, 'trajectory': traj, 'state': state_of(opt)})


# LBFGS with a closure, with and without strong Wolfe line search.
def run_lbfgs(kw, steps):
    w = W0.clone().requires_grad_(True)
    b = B0.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([w, b], **kw)
    evals = []

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(F.linear(X, w, b), Y) + 0.01 * (w ** 4).sum()
        loss.backward()
        evals.append(loss.item())
        return loss

    traj = []
    for _ in range(steps):
        loss = opt.step(closure)
        traj.append({'loss': loss.item(), 'weight': w.detach().tolist(), 'bias': b.detach().tolist(), 'evals': len(evals)})
    return opt, traj, evals


out['lbfgs'] = []
for name, kw, steps in [
    ('lbfgs', dict(lr=0.5, max_iter=4), 5),
    ('lbfgs_history', dict(lr=1, max_iter=6, history_size=2, tolerance_change=1e-12), 4),
    ('lbfgs_wolfe', dict(line_search_fn='strong_wolfe', max_iter=5), 4),
    ('lbfgs_wolfe_history', dict(lr=0.8, line_search_fn='strong_wolfe', history_size=3, max_iter=8, max_eval=12), 3),
]:
    opt, traj, evals = run_lbfgs(kw, steps)
    out['lbfgs'].append({'name': name, 'kwargs': {k: lists(v) for k, v in kw.items()}, 'trajectory': traj, 'evals': evals,
                         'state': state_of(opt), 'param_groups': groups_of(opt)})

# ---- schedulers -----------------------------------------------------------------------------
EPOCHS = 40


def sched_opt(kind, lrs, momentum=0.0):
    groups = [{'params': [torch.zeros(1, requires_grad=True)], 'lr': lr} for lr in lrs]
    if kind == 'SGD':
        return torch.optim.SGD(groups, lr=lrs[0], momentum=momentum)
    return torch.optim.Adam(groups, lr=lrs[0])


def record(opt, sched, epochs=EPOCHS, epoch_arg=None):
    lr = [[g['lr'] for g in opt.param_groups]]
    mom = [[g['momentum'] if 'momentum' in g else g['betas'][0] for g in opt.param_groups]]
    last = [sched.get_last_lr()]
    for e in range(1, epochs + 1):
        opt.step()
        if epoch_arg is None:
            sched.step()
        else:
            sched.step(epoch_arg(e))
        lr.append([g['lr'] for g in opt.param_groups])
        mom.append([g['momentum'] if 'momentum' in g else g['betas'][0] for g in opt.param_groups])
        last.append(list(sched.get_last_lr()))
    return {'lr': lr, 'momentum': mom, 'last_lr': last, 'last_epoch': getattr(sched, 'last_epoch', None)}


def make(name, opt):
    if name == 'MultiplicativeLR':
        return S.MultiplicativeLR(opt, [lambda e: 0.95, lambda e: 0.9 if e % 3 else 1.1])
    if name == 'ConstantLR':
        return S.ConstantLR(opt, factor=0.5, total_iters=4)
    if name == 'ConstantLR_default':
        return S.ConstantLR(opt)
    if name == 'LinearLR':
        return S.LinearLR(opt, start_factor=0.25, end_factor=0.9, total_iters=6)
    if name == 'PolynomialLR':
        return S.PolynomialLR(opt, total_iters=12, power=2.0)
    if name == 'PolynomialLR_sqrt':
        return S.PolynomialLR(opt, total_iters=30, power=0.5)
    if name == 'StepLR':
        return S.StepLR(opt, 4, gamma=0.7)
    if name == 'MultiStepLR':
        return S.MultiStepLR(opt, [3, 8, 8, 20], gamma=0.6)
    if name == 'ExponentialLR':
        return S.ExponentialLR(opt, 0.93)
    if name == 'CosineAnnealingLR':
        return S.CosineAnnealingLR(opt, 7, eta_min=0.002)
    if name == 'LambdaLR':
        return S.LambdaLR(opt, lambda e: 1.0 / (1 + 0.1 * e))
    if name == 'SequentialLR':
        return S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.1, total_iters=5), S.ExponentialLR(opt, 0.9)], milestones=[5])
    if name == 'SequentialLR_three':
        return S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.3, total_iters=3), S.StepLR(opt, 3, gamma=0.5),
                                    S.CosineAnnealingLR(opt, 10, eta_min=0.001)], milestones=[4, 15])
    if name == 'ChainedScheduler':
        return S.ChainedScheduler([S.ConstantLR(opt, factor=0.2, total_iters=6), S.ExponentialLR(opt, 0.95)])
    if name == 'ChainedScheduler_three':
        return S.ChainedScheduler([S.LinearLR(opt, start_factor=0.5, total_iters=8), S.MultiStepLR(opt, [10, 25], gamma=0.3),
                                   S.CosineAnnealingLR(opt, 12)])
    if name == 'CyclicLR':
        return S.CyclicLR(opt, 0.01, [0.1, 0.05], step_size_up=4, step_size_down=6)
    if name == 'CyclicLR_triangular2':
        return S.CyclicLR(opt, [0.01, 0.02], 0.2, step_size_up=5, mode='triangular2', base_momentum=0.7, max_momentum=0.95)
    if name == 'CyclicLR_exp_range':
        return S.CyclicLR(opt, 0.001, 0.1, step_size_up=3, mode='exp_range', gamma=0.97)
    if name == 'CyclicLR_custom':
        return S.CyclicLR(opt, 0.001, 0.1, step_size_up=4, scale_fn=lambda x: 1 / (1 + 0.1 * x), scale_mode='iterations',
                          cycle_momentum=False)
    if name == 'CosineAnnealingWarmRestarts':
        return S.CosineAnnealingWarmRestarts(opt, 5, T_mult=2, eta_min=0.001)
    if name == 'CosineAnnealingWarmRestarts_mult1':
        return S.CosineAnnealingWarmRestarts(opt, 6)
    if name == 'OneCycleLR':
        return S.OneCycleLR(opt, [0.3, 0.2], total_steps=EPOCHS, pct_start=0.25)
    raise KeyError(name)


SCHEDS = [
    ('MultiplicativeLR', 'SGD', [0.1, 0.05], 0.0), ('ConstantLR', 'SGD', [0.1], 0.0), ('ConstantLR_default', 'SGD', [0.1], 0.0),
    ('LinearLR', 'SGD', [0.1, 0.3], 0.0), ('PolynomialLR', 'SGD', [0.1], 0.0), ('PolynomialLR_sqrt', 'Adam', [0.01], 0.0),
    ('StepLR', 'SGD', [0.1], 0.0), ('MultiStepLR', 'SGD', [0.1], 0.0), ('ExponentialLR', 'SGD', [0.1], 0.0),
    ('CosineAnnealingLR', 'SGD', [0.1, 0.05], 0.0), ('LambdaLR', 'SGD', [0.1], 0.0),
    ('SequentialLR', 'SGD', [0.1], 0.0), ('SequentialLR_three', 'SGD', [0.1, 0.02], 0.0),
    ('ChainedScheduler', 'SGD', [0.1], 0.0), ('ChainedScheduler_three', 'Adam', [0.01, 0.05], 0.0),
    ('CyclicLR', 'SGD', [0.1, 0.1], 0.9), ('CyclicLR_triangular2', 'SGD', [0.1, 0.1], 0.9), ('CyclicLR_exp_range', 'SGD', [0.1], 0.9),
    ('CyclicLR_custom', 'Adam', [0.1], 0.0),
    ('CosineAnnealingWarmRestarts', 'SGD', [0.1, 0.05], 0.0), ('CosineAnnealingWarmRestarts_mult1', 'SGD', [0.1], 0.0),
    ('OneCycleLR', 'Adam', [0.1, 0.1], 0.0),
]
out['epochs'] = EPOCHS
out['schedulers'] = {}
for name, kind, lrs, mom in SCHEDS:
    opt = sched_opt(kind, lrs, mom)
    sched = make(name, opt)
    rec = record(opt, sched)
    rec['state_keys'] = sorted(sched.state_dict().keys())
    out['schedulers'][name] = rec

# Fractional epochs for CosineAnnealingWarmRestarts (step(epoch + i / iters)), and closed forms via step(epoch).
opt = sched_opt('SGD', [0.1])
out['warm_fractional'] = record(opt, S.CosineAnnealingWarmRestarts(opt, 3, T_mult=2, eta_min=0.01), epoch_arg=lambda e: e * 0.35)
out['closed'] = {}
for name in ['StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'ConstantLR', 'LinearLR', 'PolynomialLR']:
    opt = sched_opt('SGD', [0.1])
    out['closed'][name] = record(opt, make(name, opt), epochs=25, epoch_arg=lambda e: (e * 7) % 23)

with open(sys.argv[1], 'w') as f:
    json.dump(out, f)
