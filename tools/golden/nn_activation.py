#!/usr/bin/python3
"""Live golden values for test/34.nn.activation.test.ts, from Debian's PyTorch 1.13.

Run by the test (runGoldenLive): /usr/bin/python3 tools/golden/nn_activation.py OUT.json
Each case: a module built under manual_seed(0) (its state_dict after any changes below), an input
from a fixed generator, repr, forward output and the gradients of sum(output * weights) with
respect to the input and the parameters. In-place cases run on input * 1 so the leaf keeps its
gradient. Tensors are stored as raw little-endian bytes (base64), so values are exact.
"""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from golden_io import enc

torch.set_num_threads(1)


GEN = torch.Generator().manual_seed(1234)


def randn(*shape, scale=2.0):
    return torch.randn(*shape, generator=GEN) * scale


# name -> (constructor, input shape, training, inplace)
CASES = {
    'elu': (lambda: nn.ELU(), (2, 3, 4), True, False),
    'elu_alpha': (lambda: nn.ELU(alpha=0.5), (2, 5), True, False),
    'elu_inplace': (lambda: nn.ELU(0.7, inplace=True), (2, 5), True, True),
    'hardshrink': (lambda: nn.Hardshrink(0.3), (3, 4), True, False),
    'hardsigmoid': (lambda: nn.Hardsigmoid(), (3, 4), True, False),
    'hardsigmoid_inplace': (lambda: nn.Hardsigmoid(inplace=True), (3, 4), True, True),
    'hardtanh': (lambda: nn.Hardtanh(-0.5, 1.5), (3, 4), True, False),
    'hardtanh_inplace': (lambda: nn.Hardtanh(inplace=True), (3, 4), True, True),
    'hardswish': (lambda: nn.Hardswish(), (3, 4), True, False),
    'logsigmoid': (lambda: nn.LogSigmoid(), (3, 4), True, False),
    'prelu': (lambda: nn.PReLU(), (2, 3, 4), True, False),
    'prelu3': (lambda: nn.PReLU(3, 0.1), (2, 3, 4), True, False),
    'relu6': (lambda: nn.ReLU6(), (3, 4), True, False),
    'relu6_inplace': (lambda: nn.ReLU6(inplace=True), (3, 4), True, True),
    'rrelu_train': (lambda: nn.RReLU(0.1, 0.3), (3, 5), True, False),
    'rrelu_eval': (lambda: nn.RReLU(0.1, 0.3), (3, 5), False, False),
    'rrelu_inplace_train': (lambda: nn.RReLU(inplace=True), (3, 5), True, True),
    'selu': (lambda: nn.SELU(), (3, 4), True, False),
    'selu_inplace': (lambda: nn.SELU(inplace=True), (3, 4), True, True),
    'celu': (lambda: nn.CELU(0.7), (3, 4), True, False),
    'gelu': (lambda: nn.GELU(), (3, 4), True, False),
    'gelu_tanh': (lambda: nn.GELU(approximate='tanh'), (3, 4), True, False),
    'silu': (lambda: nn.SiLU(), (3, 4), True, False),
    'silu_inplace': (lambda: nn.SiLU(inplace=True), (3, 4), True, True),
    'mish': (lambda: nn.Mish(), (3, 4), True, False),
    'softplus': (lambda: nn.Softplus(), (3, 4), True, False),
    'softplus_beta': (lambda: nn.Softplus(beta=2, threshold=1), (3, 4), True, False),
    'softshrink': (lambda: nn.Softshrink(0.4), (3, 4), True, False),
    'softsign': (lambda: nn.Softsign(), (3, 4), True, False),
    'tanhshrink': (lambda: nn.Tanhshrink(), (3, 4), True, False),
    'threshold': (lambda: nn.Threshold(0.2, -1.0), (3, 4), True, False),
    'threshold_inplace': (lambda: nn.Threshold(0.1, 20.0, inplace=True), (3, 4), True, True),
    'glu': (lambda: nn.GLU(1), (2, 4, 3), True, False),
    'glu_default': (lambda: nn.GLU(), (3, 6), True, False),
    'softmin': (lambda: nn.Softmin(dim=1), (2, 3, 4), True, False),
    'softmax2d': (lambda: nn.Softmax2d(), (2, 3, 2, 2), True, False),
    'layernorm': (lambda: nn.LayerNorm([3, 4]), (2, 3, 4), True, False),
    'layernorm_noaffine': (lambda: nn.LayerNorm(4, eps=1e-3, elementwise_affine=False), (2, 3, 4), True, False),
    'groupnorm': (lambda: nn.GroupNorm(2, 4), (2, 4, 3), True, False),
    'groupnorm_noaffine': (lambda: nn.GroupNorm(4, 4, eps=1e-4, affine=False), (2, 4, 2, 2), True, False),
    'lrn3d': (lambda: nn.LocalResponseNorm(3), (2, 5, 4), True, False),
    'lrn4d': (lambda: nn.LocalResponseNorm(2, 1e-2, 0.5, 2.0), (2, 5, 3, 2), True, False),
    'lrn5d': (lambda: nn.LocalResponseNorm(4, alpha=0.1), (1, 6, 2, 2, 2), True, False),
    'crossmap': (lambda: nn.CrossMapLRN2d(3, 1e-2, 0.75, 1), (2, 6, 2, 2), True, False),
    'crossmap5': (lambda: nn.CrossMapLRN2d(5, alpha=0.1, beta=0.5, k=2), (1, 7, 2, 3), True, False),
}


def run_case(name):
    ctor, shape, training, inplace = CASES[name]
    torch.manual_seed(0)
    m = ctor()
    # Affine parameters off their ones/zeros init, so their gradients and effect are exercised.
    if isinstance(m, (nn.LayerNorm, nn.GroupNorm)) and m.weight is not None:
        with torch.no_grad():
            m.weight.copy_(randn(*m.weight.shape, scale=1.0))
            m.bias.copy_(randn(*m.bias.shape, scale=1.0))
    m.train(training)
    x = randn(*shape).requires_grad_(True)
    torch.manual_seed(7)
    inp = x * 1 if inplace else x
    y = m(inp)
    gw = randn(*y.shape, scale=1.0)
    (y * gw).sum().backward()
    return {
        'repr': repr(m),
        'state': {k: enc(v) for k, v in m.state_dict().items()},
        'x': enc(x),
        'y': enc(y),
        'gw': enc(gw),
        'grad_x': enc(x.grad),
        'grads': {k: enc(p.grad) for k, p in m.named_parameters()},
    }


def functional():
    out = {}
    x = randn(3, 5)
    out['x'] = enc(x)
    out['normalize'] = enc(F.normalize(x))
    out['normalize_p3'] = enc(F.normalize(x, p=3.0, dim=0, eps=1e-3))
    out['softmin_f64'] = enc(F.softmin(x, dim=-1, dtype=torch.float64))
    out['softplus'] = enc(F.softplus(x, 0.5, 3))
    out['rrelu_eval'] = enc(F.rrelu(x, 0.2, 0.4))
    torch.manual_seed(3)
    out['rrelu_train'] = enc(F.rrelu(x, 0.2, 0.4, training=True))
    torch.manual_seed(11)
    out['gumbel'] = enc(F.gumbel_softmax(x, tau=0.5))
    torch.manual_seed(11)
    out['gumbel_hard'] = enc(F.gumbel_softmax(x, tau=2.0, hard=True, dim=0))
    out['layer_norm'] = enc(F.layer_norm(x, [5], weight=x[0], bias=x[1], eps=1e-3))
    x4 = randn(2, 4, 3)
    out['x4'] = enc(x4)
    out['group_norm'] = enc(F.group_norm(x4, 2, eps=1e-3))
    out['lrn'] = enc(F.local_response_norm(x4, 2))
    out['instance_norm'] = enc(F.instance_norm(x4))
    out['prelu'] = enc(F.prelu(x4, torch.tensor([0.1, 0.2, 0.3, 0.4])))
    out['glu0'] = enc(F.glu(x4, 0))
    out['hardtanh'] = enc(F.hardtanh(x, -0.2, 0.3))
    out['threshold'] = enc(F.threshold(x, 0.5, -2.0))
    out['celu'] = enc(F.celu(x, 2.0))
    out['elu'] = enc(F.elu(x, 0.3))
    out['softshrink'] = enc(F.softshrink(x, 1.0))
    out['hardshrink'] = enc(F.hardshrink(x, 1.0))
    return out


def sdpa_reference(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """PyTorch 2.x's documented reference implementation of scaled_dot_product_attention."""
    L, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    attn_bias = torch.zeros(L, S, dtype=query.dtype)
    if is_causal:
        temp_mask = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
        attn_bias.masked_fill_(temp_mask.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            attn_bias = attn_bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            attn_bias = attn_bias + attn_mask
    attn_weight = query @ key.transpose(-2, -1) * scale_factor
    attn_weight = attn_weight + attn_bias
    attn_weight = torch.softmax(attn_weight, dim=-1)
    if dropout_p > 0.0:
        attn_weight = torch.dropout(attn_weight, dropout_p, train=True)
    return attn_weight @ value


def sdpa():
    q = randn(2, 3, 4, 8, scale=1.0)
    k = randn(2, 3, 6, 8, scale=1.0)
    v = randn(2, 3, 6, 5, scale=1.0)
    bmask = randn(4, 6) > -0.5
    fmask = randn(2, 1, 4, 6, scale=1.0)
    out = {'q': enc(q), 'k': enc(k), 'v': enc(v), 'bmask': enc(bmask), 'fmask': enc(fmask)}
    out['plain'] = enc(sdpa_reference(q, k, v))
    out['bool'] = enc(sdpa_reference(q, k, v, attn_mask=bmask))
    out['float'] = enc(sdpa_reference(q, k, v, attn_mask=fmask, scale=0.3))
    out['causal'] = enc(sdpa_reference(q, k, v, is_causal=True))
    torch.manual_seed(5)
    out['dropout'] = enc(sdpa_reference(q, k, v, dropout_p=0.4))
    return out


result = {'cases': {n: run_case(n) for n in CASES}, 'functional': functional(), 'sdpa': sdpa()}
with open(sys.argv[1], 'w') as f:
    json.dump(result, f)
