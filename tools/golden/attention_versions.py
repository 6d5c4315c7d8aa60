#!/usr/bin/python3
"""Live golden for test/35.nn.attention.versions: F.scaled_dot_product_attention (2.x) and
nn.MultiheadAttention with and without weights, in the Python of whatever torch this python3 has
(1.13's MultiheadAttention composes bmm/softmax; 2.1+ calls scaled_dot_product_attention when no
weights are asked for). The test runs where that torch is the LibTorch torchnode was built against.

Run by runGoldenLive('attention_versions.py') with the output path as argv[1].
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
q = torch.randn(2, 3, 4, 8)
k = torch.randn(2, 3, 5, 8)
v = torch.randn(2, 3, 5, 8)
m = torch.randn(4, 5)
bm = torch.rand(4, 5) > 0.3
out = {}
if hasattr(F, 'scaled_dot_product_attention'):
    out['sdpa'] = F.scaled_dot_product_attention(q, k, v).flatten().tolist()
    out['sdpa_mask'] = F.scaled_dot_product_attention(q, k, v, attn_mask=m).flatten().tolist()
    out['sdpa_bool'] = F.scaled_dot_product_attention(q, k, v, attn_mask=bm).flatten().tolist()
    out['sdpa_causal_scale'] = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3).flatten().tolist()
mha = torch.nn.MultiheadAttention(8, 2)
x = torch.randn(4, 3, 8)
kpm = torch.rand(3, 4) > 0.7
am = torch.randn(4, 4)
with torch.no_grad():
    for nw in (True, False):
        o, w = mha(x, x, x, need_weights=nw, key_padding_mask=kpm, attn_mask=am)
        out['mha_%s' % nw] = o.flatten().tolist()
        out['mha_w_%s' % nw] = None if w is None else w.flatten().tolist()
with open(sys.argv[1], 'w') as f:
    json.dump({'torch': torch.__version__, 'q': q.tolist(), 'k': k.tolist(), 'v': v.tolist(), 'm': m.tolist(), 'bm': bm.tolist(),
               'x': x.tolist(), 'kpm': kpm.tolist(), 'am': am.tolist(),
               'state': {kk: vv.tolist() for kk, vv in mha.state_dict().items()}, 'out': out}, f)
