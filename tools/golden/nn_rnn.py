#!/usr/bin/python3
"""PyTorch 1.13's numbers for test/33.nn.rnn.test.ts (torch.nn's RNN, LSTM, GRU, their cells and
torch.nn.utils.rnn), run live by the test: /usr/bin/python3 tools/golden/nn_rnn.py OUT.json

Each case is a spec (class, constructor keyword arguments, inputs) that the test rebuilds in
torchnode, with what PyTorch gives: the seeded initial state_dict, the forward outputs and
hidden states, and the gradients of every parameter, the input and hx after backward of a sum.
Tensors are stored as {shape, dtype, b64} (raw little-endian bytes), so values are exact.
"""
import json
import sys

import torch
import torch.nn as nn
from torch.nn.utils import rnn as rnn_utils
from golden_io import enc


def sd(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


CLASSES = {'RNN': nn.RNN, 'LSTM': nn.LSTM, 'GRU': nn.GRU,
           'RNNCell': nn.RNNCell, 'LSTMCell': nn.LSTMCell, 'GRUCell': nn.GRUCell}

# name: (class, input_size, hidden_size, kwargs, input shape, hx shapes or None, extra)
# extra: seed (init), fwd_seed (set before forward), eval, packed {lengths, enforce_sorted}, dtype
CASES = [
    ('rnn_tanh', 'RNN', 3, 4, {}, [5, 2, 3], None, {}),
    ('rnn_relu_2l_bidir_hx', 'RNN', 3, 4, {'num_layers': 2, 'nonlinearity': 'relu', 'bidirectional': True}, [5, 2, 3], [[4, 2, 4]], {}),
    ('rnn_batch_first_nobias', 'RNN', 3, 5, {'batch_first': True, 'bias': False}, [2, 4, 3], [[1, 2, 5]], {}),
    ('rnn_unbatched', 'RNN', 3, 4, {'num_layers': 2}, [6, 3], [[2, 4]], {}),
    ('rnn_packed', 'RNN', 3, 4, {'bidirectional': True}, [5, 3, 3], None,
     {'packed': {'lengths': [2, 5, 3], 'enforce_sorted': False}}),
    ('rnn_dropout_train', 'RNN', 3, 4, {'num_layers': 3, 'dropout': 0.5}, [4, 2, 3], None, {'fwd_seed': 11}),
    ('lstm_hx', 'LSTM', 3, 4, {}, [5, 2, 3], [[1, 2, 4], [1, 2, 4]], {}),
    ('lstm_2l_bidir_batch_first', 'LSTM', 3, 4, {'num_layers': 2, 'bidirectional': True, 'batch_first': True}, [2, 5, 3], None, {}),
    ('lstm_proj', 'LSTM', 3, 5, {'num_layers': 2, 'proj_size': 2, 'bidirectional': True}, [4, 2, 3],
     [[4, 2, 2], [4, 2, 5]], {}),
    ('lstm_proj_nobias', 'LSTM', 3, 5, {'proj_size': 3, 'bias': False}, [4, 2, 3], None, {}),
    ('lstm_dropout_train', 'LSTM', 3, 4, {'num_layers': 3, 'dropout': 0.3}, [5, 3, 3], None, {'fwd_seed': 5}),
    ('lstm_dropout_eval', 'LSTM', 3, 4, {'num_layers': 2, 'dropout': 0.3}, [5, 3, 3], None, {'eval': True}),
    ('lstm_unbatched', 'LSTM', 3, 4, {'bidirectional': True}, [5, 3], [[2, 4], [2, 4]], {}),
    ('lstm_unbatched_batch_first', 'LSTM', 3, 4, {'batch_first': True}, [5, 3], None, {}),
    ('lstm_packed_hx', 'LSTM', 3, 4, {'num_layers': 2}, [6, 4, 3], [[2, 4, 4], [2, 4, 4]],
     {'packed': {'lengths': [3, 6, 1, 4], 'enforce_sorted': False}}),
    ('lstm_packed_sorted_batch_first', 'LSTM', 3, 4, {'batch_first': True, 'bidirectional': True}, [3, 4, 3], None,
     {'packed': {'lengths': [4, 3, 3], 'enforce_sorted': True}}),
    ('lstm_float64', 'LSTM', 3, 4, {'dtype': 'float64'}, [4, 2, 3], None, {'dtype': 'float64'}),
    ('gru', 'GRU', 3, 4, {}, [5, 2, 3], None, {}),
    ('gru_2l_bidir_batch_first_hx', 'GRU', 3, 4, {'num_layers': 2, 'bidirectional': True, 'batch_first': True},
     [2, 5, 3], [[4, 2, 4]], {}),
    ('gru_dropout_train', 'GRU', 3, 4, {'num_layers': 2, 'dropout': 0.6, 'bias': False}, [4, 2, 3], None, {'fwd_seed': 3}),
    ('gru_unbatched', 'GRU', 3, 4, {}, [5, 3], [[1, 4]], {}),
    ('gru_packed', 'GRU', 3, 4, {'num_layers': 2, 'bidirectional': True}, [4, 3, 3], [[4, 3, 4]],
     {'packed': {'lengths': [4, 2, 3], 'enforce_sorted': False}}),
    ('rnncell', 'RNNCell', 3, 4, {}, [2, 3], [[2, 4]], {}),
    ('rnncell_relu_nobias_unbatched', 'RNNCell', 3, 4, {'nonlinearity': 'relu', 'bias': False}, [3], None, {}),
    ('lstmcell', 'LSTMCell', 3, 4, {}, [2, 3], [[2, 4], [2, 4]], {}),
    ('lstmcell_unbatched', 'LSTMCell', 3, 4, {}, [3], [[4], [4]], {}),
    ('lstmcell_nohx', 'LSTMCell', 3, 4, {'bias': False}, [2, 3], None, {}),
    ('grucell', 'GRUCell', 3, 4, {}, [2, 3], [[2, 4]], {}),
    ('grucell_unbatched_nohx', 'GRUCell', 3, 4, {}, [3], None, {}),
]


def run_case(i, name, cls, in_size, hidden, kwargs, xshape, hxshapes, extra):
    dtype = getattr(torch, extra.get('dtype', 'float32'))
    ctor = dict(kwargs)
    if 'dtype' in ctor:
        ctor['dtype'] = dtype
    seed = 100 + i
    torch.manual_seed(seed)
    m = CLASSES[cls](in_size, hidden, **ctor)
    out = {'name': name, 'cls': cls, 'input_size': in_size, 'hidden_size': hidden, 'kwargs': kwargs,
           'extra': extra, 'seed': seed, 'init': sd(m), 'repr': repr(m)}
    torch.manual_seed(1000 + i)
    x = torch.randn(*xshape, dtype=dtype)
    hx = [torch.randn(*s, dtype=dtype) for s in hxshapes] if hxshapes else None
    out['x'] = enc(x)
    out['hx'] = [enc(h) for h in hx] if hx else None
    x.requires_grad_(True)
    if hx:
        for h in hx:
            h.requires_grad_(True)
    if extra.get('eval'):
        m.eval()
    if 'fwd_seed' in extra:
        torch.manual_seed(extra['fwd_seed'])
    inp = x
    if 'packed' in extra:
        p = extra['packed']
        inp = rnn_utils.pack_padded_sequence(x, torch.tensor(p['lengths']), batch_first=kwargs.get('batch_first', False),
                                             enforce_sorted=p['enforce_sorted'])
    arg_hx = None
    if hx:
        arg_hx = tuple(hx) if cls in ('LSTM', 'LSTMCell') else hx[0]
    res = m(inp, arg_hx) if arg_hx is not None else m(inp)
    if cls.endswith('Cell'):
        outs = list(res) if cls == 'LSTMCell' else [res]
    else:
        o, h = res
        if isinstance(o, rnn_utils.PackedSequence):
            out['batch_sizes'] = enc(o.batch_sizes)
            out['sorted_indices'] = enc(o.sorted_indices) if o.sorted_indices is not None else None
            out['unsorted_indices'] = enc(o.unsorted_indices) if o.unsorted_indices is not None else None
            o = o.data
        outs = [o] + (list(h) if cls == 'LSTM' else [h])
    out['outs'] = [enc(t) for t in outs]
    loss = outs[0].sum()
    for t in outs[1:]:
        loss = loss + t.sum()
    loss.backward()
    out['grads'] = {k: enc(p.grad) for k, p in m.named_parameters()}
    out['x_grad'] = enc(x.grad)
    out['hx_grad'] = [enc(h.grad) for h in hx] if hx else None
    if 'fwd_seed' in extra:
        out['after_rand'] = enc(torch.rand(3))  # the RNG state after the forward: dropout drew as PyTorch's
    return out


def utils_cases():
    out = {}
    torch.manual_seed(7)
    seqs = [torch.randn(3, 2), torch.randn(5, 2), torch.randn(1, 2), torch.randn(4, 2)]
    out['seqs'] = [enc(s) for s in seqs]
    out['pad'] = enc(rnn_utils.pad_sequence(seqs))
    out['pad_bf_val'] = enc(rnn_utils.pad_sequence(seqs, batch_first=True, padding_value=-1.5))
    ps = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    out['pack'] = [enc(ps.data), enc(ps.batch_sizes), enc(ps.sorted_indices), enc(ps.unsorted_indices)]
    padded, lengths = rnn_utils.pad_packed_sequence(ps, batch_first=True, padding_value=9.0, total_length=7)
    out['pad_packed'] = [enc(padded), enc(lengths)]
    sorted_seqs = sorted(seqs, key=lambda s: -s.size(0))
    ps2 = rnn_utils.pack_sequence(sorted_seqs)
    out['pack_sorted'] = [enc(ps2.data), enc(ps2.batch_sizes)]
    out['pack_sorted_none'] = ps2.sorted_indices is None and ps2.unsorted_indices is None
    out['unpack'] = [enc(t) for t in rnn_utils.unpack_sequence(ps)]
    padded_tf = rnn_utils.pad_sequence(seqs)
    out['unpad'] = [enc(t) for t in rnn_utils.unpad_sequence(padded_tf.clone(), torch.tensor([3, 5, 1, 4]))]
    # gradient through pack/pad: d/dx sum(pad_packed(pack(x)) * w)
    x = torch.randn(5, 3, 2, requires_grad=True)
    w = torch.randn(5, 3, 2)
    packed = rnn_utils.pack_padded_sequence(x, [2, 5, 3], enforce_sorted=False)
    back, _ = rnn_utils.pad_packed_sequence(packed)
    (back * w).sum().backward()
    out['grad_x'] = enc(x.detach())
    out['grad_w'] = enc(w)
    out['grad'] = enc(x.grad)
    out['invert'] = enc(rnn_utils.invert_permutation(torch.tensor([2, 0, 3, 1])))
    out['repr'] = repr(rnn_utils.pack_sequence([torch.tensor([1., 2.]), torch.tensor([3.])]))
    return out


def errors():
    """PyTorch's messages for bad inputs; the test expects them after the module path."""
    out = {}

    def err(key, f):
        try:
            f()
        except Exception as e:  # noqa: BLE001 - the message is the point
            out[key] = str(e)
        else:
            out[key] = None

    lstm = nn.LSTM(2, 3)
    gru = nn.GRU(2, 3)
    err('lstm_input_size', lambda: lstm(torch.randn(4, 5, 3)))
    err('lstm_h0_size', lambda: lstm(torch.randn(4, 5, 2), (torch.randn(1, 4, 3), torch.randn(1, 5, 3))))
    err('lstm_c0_size', lambda: lstm(torch.randn(4, 5, 2), (torch.randn(1, 5, 3), torch.randn(1, 5, 4))))
    err('lstm_batched_hx_rank', lambda: lstm(torch.randn(4, 5, 2), (torch.randn(5, 3), torch.randn(1, 5, 3))))
    err('lstm_unbatched_hx_rank', lambda: lstm(torch.randn(4, 2), (torch.randn(1, 1, 3), torch.randn(1, 3))))
    err('gru_batched_hx_rank', lambda: gru(torch.randn(4, 5, 2), torch.randn(5, 3)))
    err('gru_unbatched_hx_rank', lambda: gru(torch.randn(4, 2), torch.randn(1, 1, 3)))
    err('gru_hidden_size', lambda: gru(torch.randn(4, 5, 2), torch.randn(2, 5, 3)))
    err('lstmcell_rank', lambda: nn.LSTMCell(2, 3)(torch.randn(4, 5, 2)))
    err('lstmcell_batch', lambda: nn.LSTMCell(2, 3)(torch.randn(4, 2), (torch.randn(5, 3), torch.randn(4, 3))))
    err('grucell_input_size', lambda: nn.GRUCell(2, 3)(torch.randn(4, 3)))
    err('grucell_hidden_size', lambda: nn.GRUCell(2, 3)(torch.randn(4, 2), torch.randn(4, 4)))
    err('pack_unsorted', lambda: rnn_utils.pack_padded_sequence(torch.randn(5, 3, 2), [2, 5, 3]))
    err('pad_total_length', lambda: rnn_utils.pad_packed_sequence(
        rnn_utils.pack_padded_sequence(torch.randn(5, 3, 2), [5, 3, 2]), total_length=4))
    return out


def main():
    res = {'cases': [run_case(i, *c) for i, c in enumerate(CASES)], 'utils': utils_cases(), 'errors': errors()}
    reprs = {
        'rnn_all': repr(nn.RNN(2, 3, nonlinearity='relu', num_layers=2, dropout=0.5, bidirectional=True,
                               batch_first=True, bias=False)),
        'lstm_proj': repr(nn.LSTM(2, 3, proj_size=2)),
        'gru_dropout_int': repr(nn.GRU(2, 3, num_layers=2, dropout=1)),
        'rnncell_relu': repr(nn.RNNCell(2, 3, nonlinearity='relu', bias=False)),
        'lstmcell': repr(nn.LSTMCell(2, 3)),
        'grucell_nobias': repr(nn.GRUCell(2, 3, bias=False)),
    }
    res['reprs'] = reprs
    with open(sys.argv[1], 'w') as f:
        json.dump(res, f)


if __name__ == '__main__':
    main()
