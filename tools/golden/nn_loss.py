#!/usr/bin/python3
"""PyTorch 1.13's numbers for every torch.nn loss (test/38.nn.loss.test.ts runs this live).

Run: /usr/bin/python3 tools/golden/nn_loss.py OUT.json
Each case: its inputs (float32/int64 values as lists, exact), the loss for a reduction, and the
gradients of loss.sum() with respect to the inputs that require grad. The test builds the same
inputs in torchnode and compares both the F form and the Module form.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def enc(t):
    t = t.detach()
    return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'data': t.tolist()}


torch.manual_seed(0)


def rn(*s):
    return torch.randn(*s)


def ru(*s):
    return torch.rand(*s)


REDS = ('none', 'mean', 'sum')
out = {'cases': {}, 'modules': {}}


def case(name, inputs, f, grad=('input',), reds=REDS):
    for red in reds:
        ins = {k: v.clone().requires_grad_(k in grad) for k, v in inputs.items()}
        res = f(red, **ins)
        entry = {'inputs': {k: enc(v) for k, v in inputs.items()}, 'out': enc(res), 'grads': {}}
        res.sum().backward()
        for k in grad:
            entry['grads'][k] = enc(ins[k].grad)
        out['cases'][f'{name}:{red}'] = entry


x34, y34 = rn(3, 4), rn(3, 4)
p34 = ru(3, 4) * 0.9 + 0.05
b34 = (ru(3, 4) > 0.5).float()
cls3 = torch.tensor([1, 0, 3])
w4 = ru(4) + 0.5
case('l1', {'input': x34, 'target': y34}, lambda r, input, target: F.l1_loss(input, target, reduction=r))
case('mse', {'input': x34, 'target': y34}, lambda r, input, target: F.mse_loss(input, target, reduction=r))
case('bce', {'input': p34, 'target': b34}, lambda r, input, target: F.binary_cross_entropy(input, target, reduction=r))
case('bce_w', {'input': p34, 'target': b34, 'weight': w4},
     lambda r, input, target, weight: F.binary_cross_entropy(input, target, weight=weight, reduction=r))
case('bcel', {'input': x34, 'target': b34, 'weight': w4, 'pos_weight': ru(4) * 2},
     lambda r, input, target, weight, pos_weight: F.binary_cross_entropy_with_logits(input, target, weight=weight, pos_weight=pos_weight, reduction=r))
case('ce', {'input': x34, 'target': cls3}, lambda r, input, target: F.cross_entropy(input, target, reduction=r))
case('ce_opts', {'input': x34, 'target': torch.tensor([1, -1, 3]), 'weight': w4},
     lambda r, input, target, weight: F.cross_entropy(input, target, weight=weight, ignore_index=-1, label_smoothing=0.2, reduction=r))
case('ce_probs', {'input': x34, 'target': torch.softmax(y34, 1), 'weight': w4},
     lambda r, input, target, weight: F.cross_entropy(input, target, weight=weight, label_smoothing=0.1, reduction=r))
lp = torch.log_softmax(rn(2, 3, 2, 2), 1)
case('nll2d', {'input': lp, 'target': torch.tensor([[[0, 1], [2, 1]], [[2, 2], [0, 1]]]), 'weight': ru(3) + 0.5},
     lambda r, input, target, weight: F.nll_loss(input, target, weight=weight, ignore_index=2, reduction=r))
case('poisson', {'input': x34, 'target': ru(3, 4) * 3}, lambda r, input, target: F.poisson_nll_loss(input, target, reduction=r))
case('poisson_full', {'input': p34 * 3, 'target': ru(3, 4) * 3},
     lambda r, input, target: F.poisson_nll_loss(input, target, log_input=False, full=True, eps=1e-4, reduction=r))
case('gauss', {'input': x34, 'target': y34, 'var': ru(3, 4) + 0.1},
     lambda r, input, target, var: F.gaussian_nll_loss(input, target, var, reduction=r), grad=('input', 'var'))
case('gauss_homo', {'input': x34, 'target': y34, 'var': torch.tensor([0.5, 1e-8, 2.0])},
     lambda r, input, target, var: F.gaussian_nll_loss(input, target, var, full=True, eps=1e-3, reduction=r), grad=('input', 'var'))
case('gauss_last1', {'input': x34, 'target': y34, 'var': ru(3, 1) + 0.2},
     lambda r, input, target, var: F.gaussian_nll_loss(input, target, var, reduction=r), grad=('input', 'var'))
case('kl', {'input': torch.log_softmax(x34, 1), 'target': torch.softmax(y34, 1)},
     lambda r, input, target: F.kl_div(input, target, reduction=r), reds=REDS + ('batchmean',))
case('kl_log', {'input': torch.log_softmax(x34, 1), 'target': torch.log_softmax(y34, 1)},
     lambda r, input, target: F.kl_div(input, target, reduction=r, log_target=True), grad=('input', 'target'), reds=REDS + ('batchmean',))
case('smoothl1', {'input': x34, 'target': y34}, lambda r, input, target: F.smooth_l1_loss(input, target, reduction=r))
case('smoothl1_b', {'input': x34, 'target': y34}, lambda r, input, target: F.smooth_l1_loss(input, target, reduction=r, beta=0.5))
case('smoothl1_b0', {'input': x34, 'target': y34}, lambda r, input, target: F.smooth_l1_loss(input, target, reduction=r, beta=0.0))
case('huber', {'input': x34, 'target': y34}, lambda r, input, target: F.huber_loss(input, target, reduction=r))
case('huber_d', {'input': x34, 'target': y34}, lambda r, input, target: F.huber_loss(input, target, reduction=r, delta=0.3))
sgn34 = b34 * 2 - 1
case('softmargin', {'input': x34, 'target': sgn34}, lambda r, input, target: F.soft_margin_loss(input, target, reduction=r))
case('mlmargin', {'input': x34, 'target': torch.tensor([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 0, 0]])},
     lambda r, input, target: F.multilabel_margin_loss(input, target, reduction=r))
case('mlsoft', {'input': x34, 'target': b34}, lambda r, input, target: F.multilabel_soft_margin_loss(input, target, reduction=r))
case('mlsoft_w', {'input': x34, 'target': b34, 'weight': w4},
     lambda r, input, target, weight: F.multilabel_soft_margin_loss(input, target, weight=weight, reduction=r), grad=('input', 'weight'))
case('hinge', {'input': x34, 'target': sgn34}, lambda r, input, target: F.hinge_embedding_loss(input, target, reduction=r))
case('hinge_m', {'input': x34, 'target': sgn34}, lambda r, input, target: F.hinge_embedding_loss(input, target, margin=0.5, reduction=r))
sgn3 = torch.tensor([1.0, -1.0, -1.0])
case('cosemb', {'input1': x34, 'input2': y34, 'target': sgn3},
     lambda r, input1, input2, target: F.cosine_embedding_loss(input1, input2, target, margin=0.1, reduction=r), grad=('input1', 'input2'))
x5, y5 = rn(5), rn(5)
case('ranking', {'input1': x5, 'input2': y5, 'target': torch.tensor([1.0, -1.0, 1.0, -1.0, -1.0])},
     lambda r, input1, input2, target: F.margin_ranking_loss(input1, input2, target, margin=0.2, reduction=r), grad=('input1', 'input2'))
case('multimargin', {'input': x34, 'target': cls3}, lambda r, input, target: F.multi_margin_loss(input, target, reduction=r))
case('multimargin_p2', {'input': x34, 'target': cls3, 'weight': w4},
     lambda r, input, target, weight: F.multi_margin_loss(input, target, p=2, margin=0.7, weight=weight, reduction=r))
a, pp, n = rn(3, 5), rn(3, 5), rn(3, 5)
trip = {'anchor': a, 'positive': pp, 'negative': n}
tg = ('anchor', 'positive', 'negative')
case('triplet', trip, lambda r, anchor, positive, negative: F.triplet_margin_loss(anchor, positive, negative, reduction=r), grad=tg)
case('triplet_opts', trip,
     lambda r, anchor, positive, negative: F.triplet_margin_loss(anchor, positive, negative, margin=2.0, p=1, eps=1e-3, swap=True, reduction=r), grad=tg)
case('tripletd', trip, lambda r, anchor, positive, negative: F.triplet_margin_with_distance_loss(anchor, positive, negative, reduction=r), grad=tg)


def cosdist(x1, x2):
    return 1.0 - F.cosine_similarity(x1, x2)


case('tripletd_cos', trip,
     lambda r, anchor, positive, negative: F.triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=cosdist, margin=0.5, swap=True, reduction=r), grad=tg)
T, N, C, S = 6, 2, 4, 3
logp = torch.log_softmax(rn(T, N, C), 2)
tgt = torch.tensor([[1, 2, 2], [3, 1, 0]])
case('ctc', {'log_probs': logp, 'targets': tgt, 'input_lengths': torch.tensor([6, 5]), 'target_lengths': torch.tensor([3, 2])},
     lambda r, log_probs, targets, input_lengths, target_lengths: F.ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction=r),
     grad=('log_probs',))
case('ctc_inf', {'log_probs': logp, 'targets': tgt, 'input_lengths': torch.tensor([2, 5]), 'target_lengths': torch.tensor([3, 2])},
     lambda r, log_probs, targets, input_lengths, target_lengths: F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=r, zero_infinity=True),
     grad=('log_probs',))
case('ctc_blank', {'log_probs': logp, 'targets': torch.tensor([1, 2, 2, 0, 1]), 'input_lengths': torch.tensor([6, 6]), 'target_lengths': torch.tensor([3, 2])},
     lambda r, log_probs, targets, input_lengths, target_lengths: F.ctc_loss(log_probs, targets, tuple(input_lengths.tolist()), tuple(target_lengths.tolist()), blank=3, reduction=r),
     grad=('log_probs',))

# Modules: buffers (names, None entries), state_dict keys and repr.
mods = {
    'L1Loss': nn.L1Loss(),
    'NLLLoss_w': nn.NLLLoss(weight=torch.ones(3)),
    'CrossEntropyLoss_w': nn.CrossEntropyLoss(weight=torch.ones(3)),
    'BCELoss': nn.BCELoss(),
    'BCEWithLogitsLoss_pw': nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)),
    'BCEWithLogitsLoss': nn.BCEWithLogitsLoss(),
    'MultiLabelSoftMarginLoss_w': nn.MultiLabelSoftMarginLoss(weight=torch.ones(3)),
    'MultiMarginLoss': nn.MultiMarginLoss(),
    'KLDivLoss': nn.KLDivLoss(reduction='batchmean'),
    'TripletMarginWithDistanceLoss': nn.TripletMarginWithDistanceLoss(),
    'CTCLoss': nn.CTCLoss(),
    'GaussianNLLLoss': nn.GaussianNLLLoss(),
}
for k, m in mods.items():
    out['modules'][k] = {
        'buffers': [[n, b is not None] for n, b in m._buffers.items()],
        'state_dict': list(m.state_dict().keys()),
        'repr': repr(m),
    }

with open(sys.argv[1], 'w') as f:
    json.dump(out, f)
