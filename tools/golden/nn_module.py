#!/usr/bin/python3
"""PyTorch 1.13's numbers for nn.init, nn.utils (weight_norm, spectral_norm, fuse_conv_bn_eval)
and nn.Module's features (test/39.nn.init.utils.test.ts and test/30.nn.module.features.test.ts
run this live).

Run: /usr/bin/python3 tools/golden/nn_module.py OUT.json
"""
import copy
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.init as init
from torch.nn.utils import (fuse_conv_bn_eval, remove_spectral_norm, remove_weight_norm, spectral_norm,
                            weight_norm)


def enc(t):
    t = t.detach()
    return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'data': t.tolist()}


def sd(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


out = {'init': {}, 'gain': {}}


# ---- nn.init: same seed => same tensor, and the same number of draws (the next rand matches) ----
def run_init(name, seed, shape, f):
    torch.manual_seed(seed)
    t = torch.empty(*shape)
    f(t)
    out['init'][name] = {'value': enc(t), 'after': enc(torch.rand(3))}


run_init('uniform', 1, (4, 5), lambda t: init.uniform_(t, -0.5, 2.0))
run_init('normal', 2, (5, 20), lambda t: init.normal_(t, 1.0, 0.5))
run_init('trunc_normal', 3, (8, 8), lambda t: init.trunc_normal_(t))
run_init('trunc_normal_opts', 4, (30,), lambda t: init.trunc_normal_(t, mean=0.5, std=2.0, a=-1.0, b=3.0))
run_init('constant', 5, (2, 3), lambda t: init.constant_(t, 0.25))
run_init('ones', 5, (2, 3), init.ones_)
run_init('zeros', 5, (2, 3), init.zeros_)
run_init('eye', 5, (3, 5), init.eye_)
run_init('eye_tall', 5, (4, 2), init.eye_)
run_init('dirac3', 5, (4, 2, 3), lambda t: init.dirac_(t, 2))
run_init('dirac4', 5, (6, 3, 3, 3), init.dirac_)
run_init('dirac5', 5, (2, 2, 3, 3, 3), init.dirac_)
run_init('xavier_uniform', 6, (6, 4, 3), lambda t: init.xavier_uniform_(t, gain=2.0))
run_init('xavier_normal', 7, (7, 5), init.xavier_normal_)
run_init('kaiming_uniform', 8, (6, 4), lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)))
run_init('kaiming_normal', 9, (5, 3, 2, 2), lambda t: init.kaiming_normal_(t, mode='fan_out', nonlinearity='relu'))
run_init('kaiming_uniform_upper', 10, (4, 3), lambda t: init.kaiming_uniform_(t, mode='FAN_OUT', nonlinearity='tanh'))
run_init('orthogonal_wide', 11, (4, 6), init.orthogonal_)
run_init('orthogonal_tall', 12, (6, 4), lambda t: init.orthogonal_(t, gain=2.0))
run_init('orthogonal_conv', 13, (3, 2, 2, 2), init.orthogonal_)
run_init('sparse', 14, (10, 4), lambda t: init.sparse_(t, 0.3, std=0.5))
for nl, param in [('linear', None), ('conv2d', None), ('sigmoid', None), ('tanh', None), ('relu', None),
                  ('leaky_relu', None), ('leaky_relu', 0.2), ('selu', None)]:
    out['gain'][f'{nl}:{param}'] = init.calculate_gain(nl, param)

# ---- weight_norm ---------------------------------------------------------------------------------
torch.manual_seed(20)
lin = weight_norm(nn.Linear(4, 3))
x = torch.randn(2, 4)
y = lin(x)
y.sum().backward()
w = {'sd': sd(lin), 'keys': list(lin.state_dict().keys()), 'x': enc(x), 'y': enc(y), 'weight': enc(lin.weight),
     'grads': {n: enc(p.grad) for n, p in lin.named_parameters()}}
with torch.no_grad():
    lin.weight_g.mul_(2)
w['y2'] = enc(lin(x))
remove_weight_norm(lin)
w['removed_keys'] = list(lin.state_dict().keys())
w['removed_weight'] = enc(lin.weight)
torch.manual_seed(21)
conv = weight_norm(nn.Conv2d(2, 3, 2), dim=None)
xc = torch.randn(1, 2, 3, 3)
w['conv_sd'] = sd(conv)
w['conv_x'] = enc(xc)
w['conv_y'] = enc(conv(xc))
torch.manual_seed(22)
conv1 = weight_norm(nn.Conv2d(2, 3, 2), name='weight', dim=1)
w['conv1_sd'] = sd(conv1)
w['conv1_y'] = enc(conv1(xc))
out['weight_norm'] = w

# ---- spectral_norm -------------------------------------------------------------------------------
torch.manual_seed(30)
lin = spectral_norm(nn.Linear(5, 4))
s = {'sd0': sd(lin), 'keys': list(lin.state_dict().keys())}
x = torch.randn(3, 5)
y = lin(x)
y.sum().backward()
s.update({'x': enc(x), 'y': enc(y), 'sd1': sd(lin), 'weight': enc(lin.weight),
          'grads': {n: enc(p.grad) for n, p in lin.named_parameters()}})
y = lin(x)
s['y_second'] = enc(y)
lin.eval()
s['y_eval'] = enc(lin(x))
s['sd_eval'] = sd(lin)
remove_spectral_norm(lin)
s['removed_keys'] = list(lin.state_dict().keys())
s['removed_weight'] = enc(lin.weight)
torch.manual_seed(31)
conv = spectral_norm(nn.Conv2d(2, 3, 2), n_power_iterations=3, eps=1e-4, dim=1)
xc = torch.randn(1, 2, 3, 3)
s['conv_sd0'] = sd(conv)
s['conv_x'] = enc(xc)
s['conv_y'] = enc(conv(xc))
s['conv_sd1'] = sd(conv)
out['spectral_norm'] = s

# ---- fuse_conv_bn_eval ---------------------------------------------------------------------------
torch.manual_seed(40)
conv = nn.Conv2d(2, 3, 3, bias=False).eval()
bn = nn.BatchNorm2d(3)
with torch.no_grad():
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.uniform_(0.5, 1.5)
    bn.bias.uniform_(-1, 1)
bn.eval()
fused = fuse_conv_bn_eval(conv, bn)
xf = torch.randn(2, 2, 5, 5)
out['fuse'] = {'sd': sd(fused), 'x': enc(xf), 'y': enc(fused(xf)), 'ref': enc(bn(conv(xf)))}


# ---- Module features -----------------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer('steps', torch.zeros(1))
        self.register_buffer('cache', torch.ones(2), persistent=False)
        self.register_buffer('empty', None)
        self.bn = nn.BatchNorm1d(2)

    def forward(self, x):
        return self.bn(self.fc2(self.act(self.fc1(x))))


torch.manual_seed(50)
net = Net()
log = []
net.fc1.register_forward_pre_hook(lambda m, inp: log.append('pre fc1'))
net.fc1.register_forward_hook(lambda m, inp, o: log.append('fwd fc1'))
h = net.fc2.register_forward_pre_hook(lambda m, inp: (inp[0] * 2,))
net.fc2.register_forward_hook(lambda m, inp, o: o + 1)
net.register_forward_pre_hook(lambda m, inp: log.append('pre net'))
net.register_forward_hook(lambda m, inp, o: log.append('fwd net'))
net.act.register_forward_hook(lambda m, inp, o: log.append('fwd act'))
x = torch.randn(4, 3)
y = net(x)
mf = {'sd': sd(net), 'keys': list(net.state_dict().keys()), 'buffers': [n for n, _ in net.named_buffers()],
      'x': enc(x), 'y': enc(y), 'log': log[:]}
h.remove()
log.clear()
mf['y_removed'] = enc(net(x))
mf['log_removed'] = log[:]
order = []
net.apply(lambda m: order.append(type(m).__name__))
mf['apply'] = order
mf['named_modules'] = [n for n, _ in net.named_modules(prefix='root')]
mf['named_parameters'] = [n for n, _ in net.named_parameters(prefix='root', recurse=True)]
mf['named_parameters_norec'] = [n for n, _ in net.bn.named_parameters(recurse=False)]
mf['named_children'] = [n for n, _ in net.named_children()]
net2 = copy.deepcopy(net)
mf['copy_keys'] = list(net2.state_dict().keys())
mf['copy_buffers'] = [n for n, _ in net2.named_buffers()]
try:
    net.get_parameter('fc1.nope')
except AttributeError as e:
    mf['err_get_parameter'] = str(e)
try:
    net.get_parameter('steps')
except AttributeError as e:
    mf['err_not_param'] = str(e)
try:
    net.get_buffer('fc1.weight')
except AttributeError as e:
    mf['err_not_buffer'] = str(e)
net.type(torch.float64)
mf['type_dtypes'] = {k: str(v.dtype).replace('torch.', '') for k, v in net.state_dict().items()}
net.bfloat16()
mf['bf16_dtypes'] = {k: str(v.dtype).replace('torch.', '') for k, v in net.state_dict().items()}
out['module'] = mf

with open(sys.argv[1], 'w') as f:
    json.dump(out, f)
