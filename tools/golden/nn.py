#!/usr/bin/python3
"""Golden fixtures for torchnode.nn (test/3*.test.ts), produced by Debian's PyTorch 1.13.

Run: /usr/bin/python3 tools/golden/nn.py  -> test/fixtures/nn_*.json
Tensors are stored as {shape, dtype, b64} with the raw little-endian bytes, so values are exact.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from golden_io import enc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'reference'))
from appendix3 import MLP2, CNN3  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures')


def sd(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f, indent=0)
    print('wrote', os.path.relpath(path), os.path.getsize(path), 'bytes')


# ---- the homework models: Appendix 3's classes (reference/appendix3.py) ----------------------

def models():
    out = {}
    torch.manual_seed(0)
    mlp = MLP2()
    out['mlp2_init'] = sd(mlp)
    torch.manual_seed(0)
    cnn = CNN3()
    out['cnn3_init'] = sd(cnn)
    out['mlp2_repr'] = repr(mlp)
    out['cnn3_repr'] = repr(cnn)
    out['cnn3_named_parameters'] = [n for n, _ in cnn.named_parameters()]
    torch.manual_seed(1)
    x = torch.randn(4, 3, 32, 32)
    target = torch.tensor([1, 0, 9, 3])
    out['x'] = enc(x)
    out['target'] = enc(target)
    out['mlp2_out'] = enc(mlp(x))
    y = cnn(x)
    out['cnn3_out'] = enc(y)
    loss = F.cross_entropy(y, target)
    loss.backward()
    out['cnn3_loss'] = enc(loss)
    out['cnn3_grads'] = {n: enc(p.grad) for n, p in cnn.named_parameters()}
    total = nn.utils.clip_grad_norm_(cnn.parameters(), 0.5)
    out['cnn3_clip_total'] = enc(total)
    out['cnn3_clipped_grads'] = {n: enc(p.grad) for n, p in cnn.named_parameters()}
    loss2 = F.cross_entropy(mlp(x), target)
    loss2.backward()
    total_inf = nn.utils.clip_grad_norm_(mlp.parameters(), 0.01, norm_type=math.inf)
    out['mlp2_clip_inf_total'] = enc(total_inf)
    # fc1.weight's 98k gradients are left out to keep the fixture small (the total covers them).
    out['mlp2_clipped_grads'] = {n: enc(p.grad) for n, p in mlp.named_parameters() if n != 'fc1.weight'}
    write('nn_models.json', out)


# ---- a model with every layer kind: init, repr, train/eval forward --------------------------------

class Zoo(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False),
            nn.BatchNorm2d(8),
            nn.LeakyReLU(0.2),
            nn.Conv2d(8, 8, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), groups=2),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 4, 3, padding='same', dilation=2),
            nn.Conv2d(4, 4, 3, padding=1, padding_mode='reflect'),
            nn.AvgPool2d(2, stride=1),
            nn.AdaptiveAvgPool2d((2, 2)),
        )
        self.flatten = nn.Flatten()
        self.heads = nn.ModuleList([nn.Linear(16, 6), nn.Linear(6, 3, bias=False)])
        self.acts = nn.ModuleDict({'tanh': nn.Tanh(), 'sig': nn.Sigmoid(), 'relu': nn.ReLU(inplace=True)})
        self.bn1 = nn.BatchNorm1d(6, eps=1e-3, momentum=None)
        self.drop = nn.Dropout(0.25)
        self.emb = nn.Embedding(10, 4, padding_idx=0)
        self.sm = nn.Softmax(dim=1)
        self.lsm = nn.LogSoftmax(dim=-1)
        self.id = nn.Identity()
        self.loss = nn.CrossEntropyLoss()

    def forward(self, x):
        x = self.features(x)
        x = self.flatten(x)
        x = self.heads[0](x)
        x = self.acts['tanh'](x)
        x = self.bn1(x)
        x = self.drop(x)
        x = self.heads[1](x)
        return self.lsm(self.id(x))


def layers():
    out = {}
    torch.manual_seed(0)
    zoo = Zoo()
    out['zoo_init'] = sd(zoo)
    out['zoo_repr'] = repr(zoo)
    out['zoo_modules'] = [n for n, _ in zoo.named_modules()]
    out['zoo_buffers'] = [n for n, _ in zoo.named_buffers()]
    torch.manual_seed(2)
    x = torch.randn(4, 3, 16, 16)
    out['x'] = enc(x)
    torch.manual_seed(5)
    out['zoo_train_out1'] = enc(zoo(x))
    out['zoo_train_out2'] = enc(zoo(x * 0.5))
    out['zoo_after_train'] = sd(zoo)
    zoo.eval()
    out['zoo_eval_out'] = enc(zoo(x))
    out['emb_out'] = enc(zoo.emb(torch.tensor([[0, 3, 9], [2, 0, 1]])))
    out['misc_repr'] = {
        'relu': repr(nn.ReLU()), 'leaky': repr(nn.LeakyReLU()), 'leaky_inplace': repr(nn.LeakyReLU(0.1, inplace=True)),
        'dropout': repr(nn.Dropout()), 'flatten': repr(nn.Flatten(0, 2)), 'softmax_none': repr(nn.Softmax()),
        'bn_noaffine': repr(nn.BatchNorm2d(3, affine=False, track_running_stats=False, momentum=0.05)),
        'maxpool_tuple': repr(nn.MaxPool2d((2, 3), stride=(1, 2), padding=1, ceil_mode=True)),
        'avgpool': repr(nn.AvgPool2d(3)), 'adaptive1': repr(nn.AdaptiveAvgPool2d(1)),
        'adaptive_none': repr(nn.AdaptiveAvgPool2d((None, 7))), 'conv_valid': repr(nn.Conv2d(2, 4, 1, padding='valid')),
        'conv_dil': repr(nn.Conv2d(2, 4, (1, 3), stride=2, dilation=(2, 1))), 'emb': repr(nn.Embedding(5, 2)),
        'emb_neg_pad': repr(nn.Embedding(5, 2, padding_idx=-1)), 'identity': repr(nn.Identity()),
        'losses': repr(nn.Sequential(nn.CrossEntropyLoss(), nn.NLLLoss(), nn.MSELoss(), nn.L1Loss(), nn.BCELoss(), nn.BCEWithLogitsLoss())),
        'empty_seq': repr(nn.Sequential()), 'modulelist': repr(nn.ModuleList([nn.ReLU(), nn.Sequential(nn.Tanh())])),
    }
    # BatchNorm2d train/eval and running stats
    torch.manual_seed(7)
    bn = nn.BatchNorm2d(3, momentum=0.3)
    a = torch.randn(5, 3, 4, 4) * 2 + 1
    b = torch.randn(5, 3, 4, 4)
    out['bn_a'] = enc(a)
    out['bn_b'] = enc(b)
    out['bn_train_a'] = enc(bn(a))
    out['bn_train_b'] = enc(bn(b))
    out['bn_state'] = sd(bn)
    bn.eval()
    out['bn_eval_a'] = enc(bn(a))
    bn1 = nn.BatchNorm1d(3)
    c = torch.randn(4, 3, 6)
    out['bn1_c'] = enc(c)
    out['bn1_train_c'] = enc(bn1(c))
    out['bn1_state'] = sd(bn1)
    # Dropout with the default generator
    torch.manual_seed(0)
    out['dropout_f'] = enc(F.dropout(torch.ones(2000), 0.3))
    torch.manual_seed(0)
    d = nn.Dropout(0.5)
    out['dropout_m_train'] = enc(d(torch.ones(4, 50)))
    d.eval()
    out['dropout_m_eval'] = enc(d(torch.ones(4, 50)))
    # init
    torch.manual_seed(3)
    t = torch.empty(6, 5)
    w = torch.empty(4, 3, 3, 3)
    inits = {}
    inits['xavier_uniform'] = enc(nn.init.xavier_uniform_(t))
    inits['xavier_normal_g2'] = enc(nn.init.xavier_normal_(t, gain=2.0))
    inits['kaiming_uniform_fanout_relu'] = enc(nn.init.kaiming_uniform_(t, mode='fan_out', nonlinearity='relu'))
    inits['kaiming_normal_a01'] = enc(nn.init.kaiming_normal_(t, a=0.1))
    inits['uniform'] = enc(nn.init.uniform_(t, -2.0, 3.0))
    inits['normal'] = enc(nn.init.normal_(t, 1.0, 0.5))
    inits['conv_kaiming_uniform'] = enc(nn.init.kaiming_uniform_(w, a=math.sqrt(5)))
    inits['constant'] = enc(nn.init.constant_(t, 0.25))
    out['init'] = inits
    out['gains'] = {k: nn.init.calculate_gain(k) for k in ['linear', 'conv2d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu']}
    out['gain_leaky_02'] = nn.init.calculate_gain('leaky_relu', 0.2)
    write('nn_layers.json', out)


# ---- functional ---------------------------------------------------------------------------------------

def functional():
    torch.manual_seed(11)
    inp = {}
    res = {}
    x = torch.randn(4, 5)
    img = torch.randn(2, 3, 8, 8)
    w = torch.randn(3, 5)
    b = torch.randn(3)
    cw = torch.randn(4, 3, 3, 3)
    cb = torch.randn(4)
    gw = torch.randn(6, 1, 3, 3)
    logits = torch.randn(6, 5)
    target = torch.tensor([0, 4, 2, 2, 1, 3])
    probs = torch.softmax(torch.randn(6, 5), 1)
    cweight = torch.rand(5) + 0.5
    logits4 = torch.randn(2, 5, 3, 3)
    target4 = torch.randint(0, 5, (2, 3, 3))
    y = torch.randn(4, 5)
    p = torch.rand(4, 5) * 0.98 + 0.01
    yb = (torch.rand(4, 5) > 0.5).float()
    bw = torch.rand(5)
    pw = torch.rand(5) * 3
    rm = torch.randn(3)
    rv = torch.rand(3) + 0.5
    bnw = torch.randn(3)
    bnb = torch.randn(3)
    for k, v in dict(x=x, img=img, w=w, b=b, cw=cw, cb=cb, gw=gw, logits=logits, target=target, probs=probs, cweight=cweight,
                     logits4=logits4, target4=target4, y=y, p=p, yb=yb, bw=bw, pw=pw, rm=rm, rv=rv, bnw=bnw, bnb=bnb).items():
        inp[k] = enc(v)
    res['relu'] = F.relu(x)
    res['leaky_relu_02'] = F.leaky_relu(x, 0.2)
    res['sigmoid'] = torch.sigmoid(x)
    res['tanh'] = torch.tanh(x)
    res['softmax_1'] = F.softmax(x, dim=1)
    res['log_softmax_0'] = F.log_softmax(x, dim=0)
    res['linear'] = F.linear(x, w, b)
    res['linear_nobias'] = F.linear(x, w)
    res['conv2d_s2p1'] = F.conv2d(img, cw, cb, stride=2, padding=1)
    res['conv2d_same_d2'] = F.conv2d(img, cw, None, padding='same', dilation=2)
    res['conv2d_groups'] = F.conv2d(img[:, :2].contiguous().repeat(1, 3, 1, 1)[:, :6].contiguous(), gw, None, groups=6)
    res['max_pool2d_2'] = F.max_pool2d(img, 2)
    res['max_pool2d_3s2p1c'] = F.max_pool2d(img, 3, stride=2, padding=1, ceil_mode=True)
    mv, mi = F.max_pool2d(img, 2, return_indices=True)
    res['max_pool2d_idx_values'] = mv
    res['max_pool2d_idx_indices'] = mi
    res['avg_pool2d_2'] = F.avg_pool2d(img, 2)
    res['avg_pool2d_3s2p1_nopad'] = F.avg_pool2d(img, 3, stride=2, padding=1, count_include_pad=False)
    res['avg_pool2d_div'] = F.avg_pool2d(img, 2, divisor_override=3)
    res['adaptive_35'] = F.adaptive_avg_pool2d(img, (3, 5))
    res['adaptive_1'] = F.adaptive_avg_pool2d(img, 1)
    rm2, rv2 = rm.clone(), rv.clone()
    res['batch_norm_train'] = F.batch_norm(img, rm2, rv2, bnw, bnb, training=True, momentum=0.2)
    res['batch_norm_train_rm'] = rm2
    res['batch_norm_train_rv'] = rv2
    res['batch_norm_eval'] = F.batch_norm(img, rm, rv, bnw, bnb, training=False, eps=1e-3)
    res['flatten_1'] = torch.flatten(img, 1)
    res['ce'] = F.cross_entropy(logits, target)
    res['ce_weight'] = F.cross_entropy(logits, target, weight=cweight)
    res['ce_ignore2'] = F.cross_entropy(logits, target, ignore_index=2)
    res['ce_ls01'] = F.cross_entropy(logits, target, label_smoothing=0.1)
    res['ce_none'] = F.cross_entropy(logits, target, reduction='none')
    res['ce_sum_weight_ls'] = F.cross_entropy(logits, target, weight=cweight, reduction='sum', label_smoothing=0.2)
    res['ce_probs'] = F.cross_entropy(logits, probs)
    res['ce_4d'] = F.cross_entropy(logits4, target4)
    res['nll'] = F.nll_loss(F.log_softmax(logits, 1), target)
    res['nll_weight_sum'] = F.nll_loss(F.log_softmax(logits, 1), target, weight=cweight, reduction='sum')
    res['mse'] = F.mse_loss(x, y)
    res['mse_sum'] = F.mse_loss(x, y, reduction='sum')
    res['mse_none'] = F.mse_loss(x, y, reduction='none')
    res['l1'] = F.l1_loss(x, y)
    res['l1_sum'] = F.l1_loss(x, y, reduction='sum')
    res['bce'] = F.binary_cross_entropy(p, yb)
    res['bce_weight_none'] = F.binary_cross_entropy(p, yb, weight=bw, reduction='none')
    res['bce_logits'] = F.binary_cross_entropy_with_logits(x, yb)
    res['bce_logits_pw_w'] = F.binary_cross_entropy_with_logits(x, yb, weight=bw, pos_weight=pw)
    res['one_hot_5'] = F.one_hot(torch.tensor([0, 2, 1, 4]), 5)
    res['one_hot_auto'] = F.one_hot(torch.tensor([[0, 2], [1, 3]]))
    res['pad_const'] = F.pad(x, (1, 2), value=0.5)
    res['pad_2d'] = F.pad(img, (1, 1, 2, 0))
    res['pad_reflect'] = F.pad(img, (2, 1, 1, 2), mode='reflect')
    res['pad_replicate'] = F.pad(img, (1, 1, 1, 1), mode='replicate')
    lg = logits.clone().requires_grad_(True)
    F.cross_entropy(lg, target, label_smoothing=0.1, weight=cweight).backward()
    res['ce_grad'] = lg.grad
    xg = x.clone().requires_grad_(True)
    (F.leaky_relu(F.linear(xg, w, b), 0.1).sum() + F.mse_loss(xg, y)).backward()
    res['linear_mse_grad'] = xg.grad
    # utils
    p1 = x.clone().requires_grad_(True)
    p2 = w.clone().requires_grad_(True)
    p1.grad = y.clone()
    p2.grad = w.clone() * 3
    nn.utils.clip_grad_value_([p1, p2], 0.7)
    res['clip_value_g1'] = p1.grad.clone()
    res['clip_value_g2'] = p2.grad.clone()
    total = nn.utils.clip_grad_norm_([p1, p2], 1.5, norm_type=1.0)
    res['clip_norm1_total'] = total
    res['clip_norm1_g1'] = p1.grad
    res['clip_norm1_g2'] = p2.grad
    res['params_to_vector'] = nn.utils.parameters_to_vector([p1, p2])
    write('nn_functional.json', {'inputs': inp, 'results': {k: enc(v) for k, v in res.items()}})


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    models()
    layers()
    functional()
