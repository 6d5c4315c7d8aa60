#!/usr/bin/python3
"""Live golden values for test/35.nn.transformer.test.ts, from Debian's PyTorch 1.13.

Run by the test (runGoldenLive): /usr/bin/python3 tools/golden/nn_transformer.py OUT.json
Each case builds a module under manual_seed(0) (state_dict stored), takes inputs from a fixed
generator, runs forward under manual_seed(7) (dropout draws) in train or eval mode with grad
enabled (so PyTorch takes its general path, as torchnode does), and stores the outputs and the
gradients of sum(out * w) for the inputs and every parameter. Tensors are raw bytes (base64).
"""
import json
import sys

import torch
import torch.nn as nn
from golden_io import enc

torch.set_num_threads(1)


GEN = torch.Generator().manual_seed(4321)


def randn(*shape):
    return torch.randn(*shape, generator=GEN)


def causal(n):
    return nn.Transformer.generate_square_subsequent_mask(n)


def finish(m, outs, inputs):
    """Backward of sum(out_i * w_i); stores outputs, weights, input and parameter grads."""
    ws = [randn(*o.shape) if o is not None else None for o in outs]
    loss = sum((o * w).sum() for o, w in zip(outs, ws) if o is not None)
    loss.backward()
    return {
        'outs': [enc(o) if o is not None else None for o in outs],
        'ws': [enc(w) if w is not None else None for w in ws],
        'input_grads': {k: enc(v.grad) for k, v in inputs.items() if v.requires_grad},
        'grads': {k: enc(p.grad) for k, p in m.named_parameters()},
    }


def mha_case(kwargs, shapes, fwd, training=True, same=''):
    torch.manual_seed(0)
    m = nn.MultiheadAttention(**kwargs)
    state = {k: enc(v) for k, v in m.state_dict().items()}
    m.train(training)
    q = randn(*shapes[0]).requires_grad_(True)
    k = q if 'qk' in same else randn(*shapes[1]).requires_grad_(True)
    v = k if 'kv' in same else randn(*shapes[2]).requires_grad_(True)
    extra = {}
    opts = {}
    for name, val in fwd.items():
        if isinstance(val, torch.Tensor):
            extra[name] = enc(val)
            opts[name] = val
        else:
            opts[name] = val
    torch.manual_seed(7)
    out, weights = m(q, k, v, **opts)
    inputs = {'q': q}
    if k is not q:
        inputs['k'] = k
    if v is not k:
        inputs['v'] = v
    r = finish(m, [out, weights], inputs)
    r.update({'state': state, 'repr': repr(m), 'q': enc(q), 'k': enc(k), 'v': enc(v), 'masks': extra})
    return r


def mha():
    out = {}
    out['self'] = mha_case({'embed_dim': 8, 'num_heads': 2}, [(5, 3, 8)] * 3, {}, same='qkkv')
    out['encdec_masks'] = mha_case(
        {'embed_dim': 8, 'num_heads': 2}, [(5, 3, 8), (6, 3, 8), (6, 3, 8)],
        {'attn_mask': randn(5, 6), 'key_padding_mask': torch.tensor([[False] * 5 + [True], [False] * 6, [True, False, False, True, False, False]]),
         'average_attn_weights': False}, same='kv')
    out['bf_biaskv_zero'] = mha_case(
        {'embed_dim': 8, 'num_heads': 4, 'batch_first': True, 'add_bias_kv': True, 'add_zero_attn': True},
        [(3, 5, 8), (3, 6, 8), (3, 6, 8)],
        {'attn_mask': randn(12, 5, 6) > 0.8, 'key_padding_mask': torch.tensor([[False] * 5 + [True], [False] * 6, [True] + [False] * 5])})
    out['kvdim_nobias'] = mha_case({'embed_dim': 8, 'num_heads': 2, 'kdim': 6, 'vdim': 4, 'bias': False},
                                   [(4, 2, 8), (5, 2, 6), (5, 2, 4)], {'need_weights': False})
    out['dropout_train'] = mha_case({'embed_dim': 8, 'num_heads': 2, 'dropout': 0.3}, [(5, 3, 8)] * 3, {}, same='qkkv')
    out['dropout_eval'] = mha_case({'embed_dim': 8, 'num_heads': 2, 'dropout': 0.3}, [(5, 3, 8)] * 3, {}, training=False, same='qkkv')
    out['unbatched'] = mha_case({'embed_dim': 8, 'num_heads': 2}, [(5, 8)] * 3,
                                {'key_padding_mask': torch.tensor([False, False, True, False, True]), 'attn_mask': causal(5)}, same='qkkv')
    out['float_kpm'] = mha_case({'embed_dim': 6, 'num_heads': 3}, [(4, 2, 6)] * 3,
                                {'key_padding_mask': randn(2, 4), 'average_attn_weights': False}, same='qkkv')
    return out


def layer_case(make, shapes, fwd, training, decoder=False):
    torch.manual_seed(0)
    m = make()
    state = {k: enc(v) for k, v in m.state_dict().items()}
    m.train(training)
    x = randn(*shapes[0]).requires_grad_(True)
    inputs = {'x': x}
    r_in = {'x': enc(x)}
    if decoder:
        mem = randn(*shapes[1]).requires_grad_(True)
        inputs['mem'] = mem
        r_in['mem'] = enc(mem)
    masks = {}
    for name, val in fwd.items():
        masks[name] = enc(val)
    torch.manual_seed(7)
    y = m(*inputs.values(), **fwd)
    r = finish(m, [y], inputs)
    r.update({'state': state, 'repr': repr(m), 'inputs': r_in, 'masks': masks})
    return r


def layers():
    out = {}
    enc_layer = lambda **kw: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, **kw)
    dec_layer = lambda **kw: nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, **kw)
    kpm = torch.tensor([[False, False, False, False, True], [False] * 5, [False, True, False, False, False]])
    out['enc_eval'] = layer_case(enc_layer, [(5, 3, 8)], {'src_mask': causal(5), 'src_key_padding_mask': kpm}, False)
    out['enc_train'] = layer_case(enc_layer, [(5, 3, 8)], {'src_mask': causal(5)}, True)
    out['enc_nf_gelu_bf'] = layer_case(lambda: enc_layer(norm_first=True, activation='gelu', batch_first=True, dropout=0.2, layer_norm_eps=1e-3),
                                       [(3, 5, 8)], {'src_key_padding_mask': kpm}, True)
    out['dec_train'] = layer_case(dec_layer, [(4, 3, 8), (5, 3, 8)],
                                  {'tgt_mask': causal(4), 'memory_key_padding_mask': kpm}, True, decoder=True)
    out['dec_nf_eval'] = layer_case(lambda: dec_layer(norm_first=True, batch_first=True), [(3, 4, 8), (3, 5, 8)],
                                    {'tgt_mask': causal(4), 'tgt_key_padding_mask': kpm[:, :4]}, False, decoder=True)
    out['encoder'] = layer_case(lambda: nn.TransformerEncoder(enc_layer(), 2, norm=nn.LayerNorm(8)), [(5, 3, 8)],
                                {'mask': causal(5), 'src_key_padding_mask': kpm}, True)
    out['decoder'] = layer_case(lambda: nn.TransformerDecoder(dec_layer(activation=nn.GELU()), 2), [(4, 3, 8), (5, 3, 8)],
                                {'tgt_mask': causal(4)}, True, decoder=True)
    return out


def transformer():
    torch.manual_seed(0)
    m = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16, dropout=0.1)
    state = {k: enc(v) for k, v in m.state_dict().items()}
    src = randn(6, 2, 8).requires_grad_(True)
    tgt = randn(4, 2, 8).requires_grad_(True)
    skpm = torch.tensor([[False] * 5 + [True], [False] * 6])
    torch.manual_seed(7)
    y = m(src, tgt, tgt_mask=causal(4), src_key_padding_mask=skpm, memory_key_padding_mask=skpm)
    r = finish(m, [y], {'src': src, 'tgt': tgt})
    m.eval()
    y_eval = m(src, tgt, tgt_mask=causal(4))
    r.update({'state': state, 'repr': repr(m), 'src': enc(src), 'tgt': enc(tgt), 'skpm': enc(skpm), 'eval': enc(y_eval)})
    torch.manual_seed(0)
    bf = nn.Transformer(d_model=8, nhead=4, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=8,
                        activation='gelu', batch_first=True, norm_first=True)
    r['bf_state'] = {k: enc(v) for k, v in bf.state_dict().items()}
    bf.eval()
    r['bf_out'] = enc(bf(src.transpose(0, 1), tgt.transpose(0, 1), tgt_mask=causal(4)))
    r['mask5'] = enc(causal(5))
    return r


result = {'mha': mha(), 'layers': layers(), 'transformer': transformer()}
with open(sys.argv[1], 'w') as f:
    json.dump(result, f)
