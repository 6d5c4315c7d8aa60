#!/usr/bin/python3
"""PyTorch 1.13's numbers for Tensor.register_hook (test/22.autograd.hooks.test.ts) and
nn.Module.register_full_backward_hook (test/30.nn.module.backward_hooks.test.ts); run live.

Run: /usr/bin/python3 tools/golden/autograd_hooks.py OUT.json
"""
import json
import sys

import torch
import torch.nn as nn


def enc(t):
    if t is None:
        return None
    t = t.detach()
    return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'data': t.tolist()}


X = [[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]]
W = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
out = {'tensor': {}, 'module': {}}
T = out['tensor']


def graph():
    x = torch.tensor(X, requires_grad=True)
    y = x * x
    return x, y, (y * torch.tensor(W)).sum()


# hook on a leaf: sees d/dx, x.grad unchanged
x, y, z = graph()
seen = []
x.register_hook(lambda g: seen.append(g.clone()))
z.backward()
T['leaf'] = {'seen': enc(seen[0]), 'xgrad': enc(x.grad)}

# hook on an intermediate replacing its gradient
x, y, z = graph()
seen = []
y.register_hook(lambda g: (seen.append(g.clone()), g * 2)[1])
z.backward()
T['intermediate'] = {'seen': enc(seen[0]), 'xgrad': enc(x.grad)}

# replacing a leaf's gradient before accumulation
x, y, z = graph()
x.register_hook(lambda g: -g)
z.backward()
T['leaf_replace'] = {'xgrad': enc(x.grad)}

# several hooks run in registration order, each seeing the previous one's result
x, y, z = graph()
seen = []
y.register_hook(lambda g: (seen.append(g.clone()), g + 1)[1])
y.register_hook(lambda g: seen.append(g.clone()))
y.register_hook(lambda g: (seen.append(g.clone()), g * 3)[1])
z.backward()
T['order'] = {'seen': [enc(s) for s in seen], 'xgrad': enc(x.grad)}

# remove(): the removed hook no longer runs
x, y, z = graph()
seen = []
h1 = y.register_hook(lambda g: g * 10)
y.register_hook(lambda g: (seen.append(g.clone()), g + 1)[1])
h1.remove()
z.backward()
T['remove'] = {'seen': enc(seen[0]), 'xgrad': enc(x.grad)}

try:
    torch.tensor([1.0]).register_hook(lambda g: g)
except RuntimeError as e:
    T['no_grad_message'] = str(e)

# ---- module full backward hooks ----
M = out['module']


def record(store):
    def hook(module, gin, gout):
        store.append({'gin': [enc(g) for g in gin], 'gout': [enc(g) for g in gout]})
    return hook


torch.manual_seed(0)
lin = nn.Linear(3, 2)
xin = torch.tensor(X, requires_grad=True)
calls = []
lin.register_full_backward_hook(record(calls))
(lin(xin) * torch.tensor([[1.0, -1.0], [2.0, 0.5]])).sum().backward()
M['linear'] = {'calls': calls, 'xgrad': enc(xin.grad), 'wgrad': enc(lin.weight.grad)}

# replacing grad_input
torch.manual_seed(0)
lin = nn.Linear(3, 2)
xin = torch.tensor(X, requires_grad=True)
lin.register_full_backward_hook(lambda m, gin, gout: (gin[0] * 3,))
(lin(xin) ** 2).sum().backward()
M['linear_replace'] = {'xgrad': enc(xin.grad), 'wgrad': enc(lin.weight.grad)}

# input without grad: the hook sees grad_input (None,)
torch.manual_seed(0)
lin = nn.Linear(3, 2)
calls = []
lin.register_full_backward_hook(record(calls))
lin(torch.tensor(X)).sum().backward()
M['linear_no_input_grad'] = {'calls': calls}

# a small Sequential: hooks on the container and on its layers, order of calls
torch.manual_seed(0)
seq = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
order = []
calls = []
seq.register_full_backward_hook(lambda m, gin, gout: (order.append('seq'), record(calls)(m, gin, gout))[0])
seq[0].register_full_backward_hook(lambda m, gin, gout: order.append('0'))
seq[2].register_full_backward_hook(lambda m, gin, gout: order.append('2'))
xin = torch.tensor(X, requires_grad=True)
(seq(xin) * torch.tensor([[1.0, 2.0], [-1.0, 0.5]])).sum().backward()
M['sequential'] = {'calls': calls, 'order': order, 'xgrad': enc(xin.grad), 'w0grad': enc(seq[0].weight.grad)}


# two tensor inputs (and a non-tensor one)
class Two(nn.Module):
    def forward(self, a, b, scale):
        return a * b * scale, a + b


two = Two()
calls = []
two.register_full_backward_hook(record(calls))
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = torch.tensor([[4.0, 5.0, 6.0]], requires_grad=True)
p, q = two(a, b, 2.0)
(p.sum() * 2 + (q * q).sum()).backward()
M['two_inputs'] = {'calls': calls, 'agrad': enc(a.grad), 'bgrad': enc(b.grad)}

with open(sys.argv[1], 'w') as f:
    json.dump(out, f)
