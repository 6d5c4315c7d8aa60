#!/usr/bin/python3
"""Live golden for test/37.nn.syncbatchnorm.test.ts (PyTorch 1.13's torch.nn.SyncBatchNorm, CPU only).

Run: /usr/bin/python3 tools/golden/nn_syncbatchnorm.py OUT.json
What a CPU shows of SyncBatchNorm: constructor defaults and options, reprs, state_dicts, the
refusal of CPU input (training and eval), the input-rank check, and convert_sync_batchnorm on a
model whose BatchNorms have trained statistics (state_dict before and after, repr, shared tensors).
Tensors are stored as raw bytes (exact).
"""
import json
import sys

import torch
import torch.nn as nn
from golden_io import enc


def sd(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


def attrs(m):
    return {'num_features': m.num_features, 'eps': m.eps, 'momentum': m.momentum, 'affine': m.affine,
            'track_running_stats': m.track_running_stats, 'training': m.training,
            'process_group': m.process_group}


def error(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001 - the message is the record
        return [type(e).__name__, str(e)]
    return None


out = {}

torch.manual_seed(0)
d = nn.SyncBatchNorm(4)
out['default'] = {'repr': repr(d), 'attrs': attrs(d), 'state': sd(d),
                  'params': [n for n, _ in d.named_parameters()], 'buffers': [n for n, _ in d.named_buffers()]}
o = nn.SyncBatchNorm(3, eps=1e-3, momentum=None, affine=False, track_running_stats=False)
out['options'] = {'repr': repr(o), 'attrs': attrs(o), 'state': sd(o),
                  'params': [n for n, _ in o.named_parameters()], 'buffers': [n for n, _ in o.named_buffers()]}

m = nn.SyncBatchNorm(4)
out['cpu_train'] = error(lambda: m(torch.ones(2, 4)))
out['cpu_train_nbt'] = int(m.num_batches_tracked)  # refused before counting the batch
m.eval()
out['cpu_eval'] = error(lambda: m(torch.ones(2, 4)))
out['cpu_1d'] = error(lambda: m(torch.ones(3)))
out['check_1d'] = error(lambda: m._check_input_dim(torch.ones(3)))
out['check_2d'] = error(lambda: m._check_input_dim(torch.ones(2, 4)))


def model():
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Sequential(nn.BatchNorm1d(5, momentum=None, affine=False)),
                         nn.BatchNorm3d(2, eps=1e-3, track_running_stats=False))


torch.manual_seed(0)
net = model()
# Statistics and affine parameters that are not the defaults: a few training forwards on CPU.
with torch.no_grad():
    net[1].weight.uniform_()
    net[1].bias.uniform_()
    net[4].weight.uniform_()
    for _ in range(3):
        net[1](torch.randn(6, 4, 3, 3))
        net[3](torch.randn(7, 5))
before = sd(net)
w, b = net[1].weight, net[1].bias
rm, nbt = net[1].running_mean, net[1].num_batches_tracked
conv = net[0]
conv_net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
out['convert'] = {
    'before': before,
    'repr': repr(conv_net),
    'after': sd(conv_net),
    'same_root': conv_net is net,
    'same_conv': conv_net[0] is conv,
    'shares': [conv_net[1].weight is w, conv_net[1].bias is b, conv_net[1].running_mean is rm,
               conv_net[1].num_batches_tracked is nbt],
    'types': [type(c).__name__ for c in conv_net.modules()],
    'attrs': {n: attrs(c) for n, c in conv_net.named_modules() if isinstance(c, nn.SyncBatchNorm)},
}
single = nn.BatchNorm1d(3, momentum=0.3)
conv_single = nn.SyncBatchNorm.convert_sync_batchnorm(single)
out['convert_single'] = {'repr': repr(conv_single), 'same': conv_single is single,
                         'weight_shared': conv_single.weight is single.weight}

with open(sys.argv[1], 'w') as f:
    json.dump(out, f)
