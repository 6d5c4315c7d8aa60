#!/usr/bin/python3
"""Live goldens for test/37.nn.adaptive.test.ts: nn.AdaptiveLogSoftmaxWithLoss (PyTorch 1.13).

Run: /usr/bin/python3 tools/golden/nn_adaptive.py OUT.json
Each case: torch.manual_seed(0) then the constructor (init state_dict), then optional edits of the
head bias (recorded as 'state' for the test to load), inputs made here; forward(input, target)
then loss.backward() (output, loss, parameter and input gradients); log_prob(input) with the
gradient of (log_prob * w).sum(); predict(input). Errors record str(e) (tuple-args RuntimeErrors
as 'message [sizes]', as torchnode words them). Tensors are raw bytes (exact).
"""
import json
import sys

import torch
import torch.nn as nn
from golden_io import enc


def sd(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


def msg(e):
    if len(e.args) > 1:
        return e.args[0] + ' ' + str(list(e.args[1]))
    return str(e)


out = {'cases': {}, 'errors': {}}


def case(name, args, kw, x, target, bias_edit=None):
    torch.manual_seed(0)
    m = nn.AdaptiveLogSoftmaxWithLoss(*args, **kw)
    rec = {'args': list(args[:2]) + [list(args[2])], 'kw': {k: (str(v).replace('torch.', '') if isinstance(v, torch.dtype) else v) for k, v in kw.items()}, 'repr': repr(m), 'init': sd(m)}
    if bias_edit is not None:
        with torch.no_grad():
            bias_edit(m)
    rec['state'] = sd(m)
    rec['input'] = enc(x)
    rec['target'] = enc(target)
    xi = x.clone().requires_grad_(True)
    r = m(xi, target)
    r.loss.backward()
    rec['output'] = enc(r.output)
    rec['loss'] = enc(r.loss)
    rec['input_grad'] = enc(xi.grad)
    rec['param_grads'] = {k: None if p.grad is None else enc(p.grad) for k, p in m.named_parameters()}
    if x.dim() == 2:
        m.zero_grad()
        xl = x.clone().requires_grad_(True)
        lp = m.log_prob(xl)
        w = torch.linspace(-1, 1, lp.numel(), dtype=lp.dtype).reshape(lp.shape)
        (lp * w).sum().backward()
        rec['log_prob'] = enc(lp)
        rec['log_prob_input_grad'] = enc(xl.grad)
        rec['log_prob_param_grads'] = {k: enc(p.grad) for k, p in m.named_parameters()}
        head = m.head(x)
        rec['predict'] = enc(m.predict(x))
        rec['not_in_shortlist'] = int((head.argmax(1) >= m.shortlist_size).sum())
    out['cases'][name] = rec


torch.manual_seed(42)
x16 = torch.randn(7, 16)
x8 = torch.randn(12, 8)
t7 = torch.tensor([0, 5, 12, 3, 19, 7, 1])
t12 = torch.tensor([9, 0, 1, 2, 8, 3, 4, 5, 6, 7, 2, 1])
case('default', (16, 20, [4, 10]), {}, x16, t7)
case('div2_headbias', (8, 10, [3, 6]), {'div_value': 2.0, 'head_bias': True}, x8, t12)
# One row in the last cluster: nonzero().squeeze() is 0-d, as Python sees it.
case('one_row_cluster', (8, 10, [3, 6]), {'div_value': 2.0}, x8[:4], torch.tensor([0, 9, 4, 5]))
case('shortlist_only', (8, 10, [3, 6]), {'div_value': 2.0}, x8[:3], torch.tensor([0, 2, 1]))
case('three_clusters_f64', (8, 12, [2, 5, 9]), {'div_value': 1.5, 'head_bias': True, 'dtype': torch.float64},
     x8.double(), torch.tensor([0, 11, 2, 5, 9, 1, 3, 8, 4, 10, 6, 7]))
case('unbatched', (8, 10, [3, 6]), {'div_value': 2.0}, x8[0], torch.tensor(7))
case('unbatched_head', (8, 10, [3, 6]), {'div_value': 2.0, 'head_bias': True}, x8[1], torch.tensor(1))


# predict's three branches: the head bias pushes argmax into or out of the shortlist.
def all_tail(m):
    m.head.bias[:3] = -100.0


def mixed(m):
    m.head.bias.zero_()
    m.head.bias[3] = 1.5


def all_shortlist(m):
    m.head.bias[:3] = 100.0


case('predict_all_shortlist', (8, 10, [3, 6]), {'div_value': 2.0, 'head_bias': True}, x8, t12, all_shortlist)
case('predict_all_tail', (8, 10, [3, 6]), {'div_value': 2.0, 'head_bias': True}, x8, t12, all_tail)
case('predict_mixed', (8, 10, [3, 6]), {'div_value': 2.0, 'head_bias': True}, x8, t12, mixed)

E = out['errors']
for name, cut in [('unsorted', [6, 3]), ('duplicate', [3, 3]), ('zero', [0, 3]), ('too_big', [3, 10]),
                  ('non_int', [2.5, 6]), ('negative', [-1, 3])]:
    try:
        nn.AdaptiveLogSoftmaxWithLoss(8, 10, cut)
        E[name] = None
    except Exception as e:
        E[name] = type(e).__name__ + ': ' + msg(e)
torch.manual_seed(0)
m = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0)
for name, x, t in [('batch_mismatch', torch.randn(3, 8), torch.tensor([0, 1])),
                   ('target1d_input3d', torch.randn(2, 1, 8), torch.tensor([0, 1])),
                   ('target0d_input2d', torch.randn(2, 8), torch.tensor(1)),
                   ('target2d', torch.randn(2, 8), torch.tensor([[0, 1]])),
                   ('target_too_big', torch.randn(3, 8), torch.tensor([0, 10, 4])),
                   ('target_negative', torch.randn(3, 8), torch.tensor([-1, 2, 4]))]:
    try:
        m(x, t)
        E[name] = None
    except Exception as e:
        E[name] = type(e).__name__ + ': ' + msg(e)

with open(sys.argv[1], 'w') as f:
    json.dump(out, f)
