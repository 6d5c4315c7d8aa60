#!/usr/bin/python3
"""Golden fixtures for the tensor core tests (test/1*.test.ts, test/2*.test.ts), made by Debian's PyTorch 1.13.

Run: /usr/bin/python3 tools/golden/ops.py  -> test/fixtures/ops*.json

Tensors are stored as {"dtype", "shape", "data"} with data as nested lists (Python's tolist());
float32 values printed by json are the exact doubles of the float32 values, so they round-trip.
Each case names its inputs and its expected output; the TS tests hold the same case names and
compute them with torchnode (a case present on one side only fails the test).
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures')


def enc(v):
    """A tensor, a tuple/list of results, or a Python scalar, as JSON."""
    if isinstance(v, torch.Tensor):
        t = v.detach().cpu()
        return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'data': t.tolist()}
    if isinstance(v, (tuple, list)):
        return {'list': [enc(x) for x in v]}
    if isinstance(v, bool):
        return {'bool': v}
    if isinstance(v, (int, float)):
        return {'number': v}
    if v is None:
        return {'none': True}
    raise TypeError(type(v))


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f, indent=None, separators=(',', ':'), allow_nan=False)
        f.write('\n')
    print('wrote', os.path.relpath(path), os.path.getsize(path), 'bytes')


def run_cases(inputs, cases):
    out = {}
    for name, fn in cases:
        if name in out:
            raise ValueError('duplicate case ' + name)
        out[name] = enc(fn(**{k: v.clone() for k, v in inputs.items()}))
    return {'inputs': {k: enc(v) for k, v in inputs.items()}, 'cases': out}


# ---- inputs shared by the golden op cases -----------------------------------------------------

g = torch.Generator().manual_seed(0)
I = {
    'a': torch.randn(2, 3, generator=g),                       # float32 [2, 3]
    'b': torch.randn(3, generator=g),                          # float32 [3]
    'c': torch.randn(2, 1, generator=g),                       # float32 [2, 1]
    'p': torch.rand(2, 3, generator=g) + 0.5,                  # positive float32 [2, 3]
    'm': torch.randn(3, 4, generator=g),                       # float32 [3, 4]
    'v': torch.randn(4, generator=g),                          # float32 [4]
    'x3': torch.randn(2, 3, 4, generator=g),                   # float32 [2, 3, 4]
    'bm': torch.randn(2, 4, 5, generator=g),                   # float32 [2, 4, 5]
    'd': torch.randn(2, 3, generator=g, dtype=torch.float64),  # float64 [2, 3]
    'ia': torch.tensor([[-7, -2, 0], [3, 5, 9]]),              # int64 [2, 3]
    'ib': torch.tensor([2, -3, 4]),                            # int64 [3]
    'i32': torch.tensor([1, 2, 3], dtype=torch.int32),
    'u8': torch.tensor([1, 200, 255], dtype=torch.uint8),
    'i8': torch.tensor([-1, 100, -128], dtype=torch.int8),
    'bl': torch.tensor([[True, False, True], [False, False, True]]),
    'bl2': torch.tensor([[True, True, False], [False, True, True]]),
    'h': torch.tensor([0.5, -1.25, 3.0], dtype=torch.float16),
    'idx': torch.tensor([[0, 2, 1], [1, 0, 0]]),               # gather/scatter index into a along dim 1
    'sel': torch.tensor([2, 0]),
}

T = torch
CASES = [
    # broadcasting arithmetic
    ('add_broadcast', lambda a, b, **_: a + b),
    ('add_alpha', lambda a, b, **_: torch.add(a, b, alpha=2)),
    ('add_scalar', lambda a, **_: a + 2.5),
    ('sub_broadcast', lambda a, c, **_: a - c),
    ('sub_alpha', lambda a, c, **_: torch.sub(a, c, alpha=0.5)),
    ('rsub_scalar', lambda a, **_: 2 - a),
    ('mul_outer_broadcast', lambda c, b, **_: c * b),
    ('mul_scalar', lambda a, **_: a * 3),
    ('div_tensor', lambda a, p, **_: a / p),
    ('div_scalar', lambda a, **_: a / 4),
    ('div_floor_int', lambda ia, **_: torch.div(ia, 3, rounding_mode='floor')),
    ('div_trunc_int', lambda ia, ib, **_: torch.div(ia, ib, rounding_mode='trunc')),
    ('pow_scalar', lambda a, **_: a.pow(2)),
    ('pow_tensor', lambda p, b, **_: p.pow(b)),
    ('remainder_int', lambda ia, **_: ia % 3),
    ('fmod_int', lambda ia, **_: torch.fmod(ia, 3)),
    ('maximum', lambda a, b, **_: torch.maximum(a, b)),
    ('minimum', lambda a, b, **_: torch.minimum(a, b)),
    ('max_elementwise', lambda a, b, **_: torch.max(a, b)),
    ('atan2', lambda a, p, **_: torch.atan2(a, p)),
    ('lerp', lambda a, p, **_: torch.lerp(a, p, 0.3)),
    ('addcmul', lambda a, p, b, **_: torch.addcmul(a, p, b, value=0.5)),
    ('addcdiv', lambda a, p, b, **_: torch.addcdiv(a, b, p, value=2)),
    # type promotion
    ('promote_int_plus_float_scalar', lambda ia, **_: ia + 1.5),
    ('promote_int_times_int_scalar', lambda ia, **_: ia * 2),
    ('promote_int_div_int', lambda ia, **_: ia / 2),
    ('promote_int_plus_float_tensor', lambda ib, b, **_: ib + b),
    ('promote_float32_plus_float64', lambda a, d, **_: a + d),
    ('promote_float64_tensor_times_float_scalar', lambda d, **_: d * 0.1),
    ('promote_int32_plus_int64', lambda i32, ib, **_: i32 + ib),
    ('promote_bool_plus_int', lambda bl, ia, **_: bl + ia),
    ('promote_bool_times_float_scalar', lambda bl, **_: bl * 1.5),
    ('promote_uint8_plus_int8', lambda u8, i8, **_: u8 + i8),
    ('promote_half_plus_float', lambda h, b, **_: h + b),
    ('promote_half_times_scalar', lambda h, **_: h * 3),
    ('promote_int_scalar_tensor_float32', lambda a, **_: a + 7),
    # unary math
    ('neg', lambda a, **_: -a),
    ('abs', lambda a, **_: a.abs()),
    ('exp', lambda a, **_: a.exp()),
    ('log', lambda p, **_: p.log()),
    ('log2', lambda p, **_: p.log2()),
    ('log1p', lambda p, **_: p.log1p()),
    ('expm1', lambda a, **_: a.expm1()),
    ('sqrt', lambda p, **_: p.sqrt()),
    ('rsqrt', lambda p, **_: p.rsqrt()),
    ('sin', lambda a, **_: a.sin()),
    ('cos', lambda a, **_: a.cos()),
    ('tanh', lambda a, **_: a.tanh()),
    ('sigmoid', lambda a, **_: a.sigmoid()),
    ('relu', lambda a, **_: a.relu()),
    ('floor', lambda a, **_: (a * 3).floor()),
    ('ceil', lambda a, **_: (a * 3).ceil()),
    ('round', lambda a, **_: (a * 3).round()),
    ('trunc', lambda a, **_: (a * 3).trunc()),
    ('sign', lambda a, **_: a.sign()),
    ('reciprocal', lambda p, **_: p.reciprocal()),
    ('erf', lambda a, **_: a.erf()),
    ('square', lambda a, **_: a.square()),
    ('abs_int', lambda ia, **_: ia.abs()),
    # reductions
    ('sum_all', lambda a, **_: a.sum()),
    ('sum_dim', lambda x3, **_: x3.sum(1)),
    ('sum_dims_keepdim', lambda x3, **_: x3.sum((0, 2), keepdim=True)),
    ('sum_int', lambda ia, **_: ia.sum(0)),
    ('sum_bool', lambda bl, **_: bl.sum()),
    ('sum_dtype_float64', lambda a, **_: a.sum(dtype=torch.float64)),
    ('mean_all', lambda a, **_: a.mean()),
    ('mean_dim_keepdim', lambda x3, **_: x3.mean(-1, keepdim=True)),
    ('max_all', lambda a, **_: a.max()),
    ('max_dim', lambda x3, **_: tuple(x3.max(1))),
    ('min_dim_keepdim', lambda x3, **_: tuple(x3.min(2, keepdim=True))),
    ('max_dim_int', lambda ia, **_: tuple(ia.max(0))),
    ('min_all', lambda m, **_: m.min()),
    ('amax', lambda x3, **_: x3.amax((0, 2))),
    ('argmax_all', lambda m, **_: m.argmax()),
    ('argmax_dim_keepdim', lambda m, **_: m.argmax(1, keepdim=True)),
    ('argmin_dim', lambda m, **_: m.argmin(0)),
    ('std_all', lambda m, **_: m.std()),
    ('std_dim_biased', lambda m, **_: m.std(1, unbiased=False)),
    ('var_dim_keepdim', lambda x3, **_: x3.var(0, keepdim=True)),
    ('var_correction', lambda m, **_: torch.var(m, dim=1, correction=2)),
    ('norm_all', lambda m, **_: m.norm()),
    ('norm_p1_dim', lambda m, **_: m.norm(p=1, dim=0)),
    ('norm_p3_dim_keepdim', lambda x3, **_: x3.norm(p=3, dim=(1, 2), keepdim=True)),
    ('prod_all', lambda a, **_: a.prod()),
    ('prod_dim', lambda ia, **_: ia.prod(1)),
    ('all_all', lambda bl, **_: bl.all()),
    ('any_all', lambda bl, **_: bl.any()),
    ('all_dim', lambda bl, **_: bl.all(1)),
    ('any_dim_keepdim', lambda bl, **_: bl.any(0, keepdim=True)),
    ('cumsum', lambda m, **_: m.cumsum(1)),
    ('cumsum_int', lambda ia, **_: ia.cumsum(0)),
    ('cumprod', lambda a, **_: a.cumprod(1)),
    ('logsumexp', lambda x3, **_: x3.logsumexp(2)),
    ('logsumexp_keepdim', lambda m, **_: m.logsumexp(0, keepdim=True)),
    ('softmax', lambda x3, **_: x3.softmax(-1)),
    ('softmax_dim0', lambda m, **_: torch.softmax(m, 0)),
    ('log_softmax', lambda x3, **_: x3.log_softmax(1)),
    ('sort', lambda m, **_: tuple(m.sort(1))),
    ('sort_descending', lambda m, **_: tuple(m.sort(0, descending=True))),
    ('argsort', lambda v, **_: v.argsort()),
    ('topk', lambda m, **_: tuple(m.topk(2, 1))),
    # linear algebra
    ('matmul_2d', lambda a, m, **_: a @ m),
    ('matmul_batched_broadcast', lambda x3, bm, **_: torch.matmul(x3, bm)),
    ('matmul_matvec', lambda m, v, **_: m @ v),
    ('matmul_vecvec', lambda v, **_: v @ v),
    ('mm', lambda a, m, **_: a.mm(m)),
    ('bmm', lambda x3, bm, **_: x3.bmm(bm)),
    ('mv', lambda m, v, **_: m.mv(v)),
    ('dot', lambda b, **_: b.dot(b)),
    ('outer', lambda b, v, **_: torch.outer(b, v)),
    ('t', lambda a, **_: a.t()),
    ('tril', lambda m, **_: m.tril()),
    ('triu_k1', lambda m, **_: m.triu(1)),
    # comparisons and logic
    ('eq_tensor', lambda ia, ib, **_: ia == ib),
    ('ne_scalar', lambda ia, **_: ia != 0),
    ('lt_broadcast', lambda a, b, **_: a < b),
    ('le_scalar', lambda a, **_: a <= 0.1),
    ('gt_tensor', lambda a, c, **_: a > c),
    ('ge_int_float_scalar', lambda ia, **_: ia >= 2.5),
    ('equal_true', lambda a, **_: torch.equal(a, a.clone())),
    ('equal_false', lambda a, b, **_: torch.equal(a, a + 1)),
    ('allclose', lambda a, **_: torch.allclose(a, a + 1e-9)),
    ('isclose', lambda a, c, **_: torch.isclose(a, a + c * 1e-6, rtol=0, atol=5e-7)),
    ('logical_and', lambda bl, bl2, **_: bl.logical_and(bl2)),
    ('logical_or', lambda bl, bl2, **_: bl.logical_or(bl2)),
    ('logical_xor', lambda bl, bl2, **_: bl.logical_xor(bl2)),
    ('logical_not', lambda bl, **_: bl.logical_not()),
    ('logical_and_float', lambda a, ia, **_: torch.logical_and(a, ia)),
    ('where_tensor', lambda bl, a, c, **_: torch.where(bl, a, c)),
    ('where_scalar_other', lambda a, **_: torch.where(a > 0, a, 0.0)),
    ('where_scalars', lambda bl, **_: torch.where(bl, 1.0, -1.0)),
    ('clamp', lambda a, **_: a.clamp(-0.5, 0.5)),
    ('clamp_min', lambda a, **_: a.clamp(min=0.1)),
    ('clamp_max_int', lambda ia, **_: ia.clamp(max=4)),
    ('clamp_tensor', lambda a, c, b, **_: torch.clamp(a, min=c, max=b.abs() + 1)),
    ('masked_fill', lambda a, bl, **_: a.masked_fill(bl, -1.0)),
    ('masked_select', lambda a, bl, **_: a.masked_select(bl)),
    ('nonzero', lambda ia, **_: ia.nonzero()),
    # shape ops
    ('view', lambda a, **_: a.view(3, 2)),
    ('view_infer', lambda x3, **_: x3.view(-1, 4)),
    ('reshape_after_transpose', lambda a, **_: a.t().reshape(6)),
    ('flatten', lambda x3, **_: x3.flatten()),
    ('flatten_start', lambda x3, **_: x3.flatten(1)),
    ('permute', lambda x3, **_: x3.permute(2, 0, 1)),
    ('transpose', lambda x3, **_: x3.transpose(0, 2)),
    ('contiguous_of_transpose', lambda x3, **_: x3.transpose(1, 2).contiguous()),
    ('squeeze', lambda c, **_: c.squeeze()),
    ('squeeze_dim', lambda c, **_: c.unsqueeze(0).squeeze(0)),
    ('unsqueeze', lambda b, **_: b.unsqueeze(1)),
    ('unsqueeze_neg', lambda a, **_: a.unsqueeze(-1)),
    ('expand', lambda c, **_: c.expand(2, 4)),
    ('expand_minus1', lambda b, **_: b.expand(2, -1)),
    ('cat', lambda a, m, **_: torch.cat([a, m[:, :3]], 0)),
    ('cat_dim1', lambda a, c, **_: torch.cat([a, c], 1)),
    ('stack', lambda a, p, **_: torch.stack([a, p])),
    ('stack_dim_last', lambda a, p, **_: torch.stack([a, p], -1)),
    ('split_size', lambda m, **_: m.split(3, 1)),
    ('split_sizes', lambda m, **_: m.split([1, 2], 0)),
    ('chunk', lambda x3, **_: x3.chunk(3, 2)),
    ('unbind', lambda a, **_: a.unbind(1)),
    ('narrow', lambda m, **_: m.narrow(1, 1, 2)),
    ('select', lambda x3, **_: x3.select(1, -1)),
    ('gather', lambda a, idx, **_: a.gather(1, idx)),
    ('index_select', lambda m, sel, **_: m.index_select(0, sel)),
    ('scatter', lambda a, idx, **_: torch.zeros(2, 3).scatter(1, idx[:, :1], a[:, :1])),
    ('scatter_add', lambda a, idx, **_: torch.zeros(2, 3).scatter_add(1, idx, a)),
    ('flip', lambda x3, **_: x3.flip(0, 2)),
    ('repeat', lambda b, **_: b.repeat(2, 2)),
    ('roll', lambda m, **_: m.roll(1, 1)),
    # in-place variants (on a clone of the input)
    ('add_', lambda a, b, **_: a.add_(b)),
    ('add_alpha_', lambda a, c, **_: a.add_(c, alpha=-2)),
    ('sub_', lambda a, **_: a.sub_(1.5)),
    ('mul_', lambda a, c, **_: a.mul_(c)),
    ('div_', lambda a, **_: a.div_(3)),
    ('pow_', lambda p, **_: p.pow_(0.5)),
    ('clamp_', lambda a, **_: a.clamp_(-0.2, 0.2)),
    ('relu_', lambda a, **_: a.relu_()),
    ('exp_', lambda a, **_: a.exp_()),
    ('fill_', lambda a, **_: a.fill_(7.25)),
    ('zero_', lambda a, **_: a.zero_()),
    ('masked_fill_', lambda a, bl, **_: a.masked_fill_(bl, 0.0)),
    ('copy_broadcast_', lambda a, b, **_: a.copy_(b)),
    ('add_int_inplace_', lambda ia, ib, **_: ia.add_(ib)),
    # dtype conversions
    ('to_float16', lambda a, **_: a.to(torch.float16)),
    ('to_bfloat16', lambda a, **_: a.to(torch.bfloat16)),
    ('to_float64', lambda a, **_: a.double()),
    ('to_int8_trunc', lambda a, **_: (a * 40).to(torch.int8)),
    ('to_int32', lambda a, **_: (a * 10).int()),
    ('to_int64', lambda a, **_: (a * 10).long()),
    ('to_uint8', lambda ia, **_: ia.abs().byte()),
    ('to_bool', lambda ia, **_: ia.bool()),
    ('bool_to_float', lambda bl, **_: bl.float()),
    ('half_to_float', lambda h, **_: h.float()),
    ('int8_to_int16', lambda i8, **_: i8.short()),
    ('float64_to_float32', lambda d, **_: d.float()),
]


# ---- indexing ------------------------------------------------------------------------------------

X = torch.arange(2 * 4 * 5, dtype=torch.float32).reshape(2, 4, 5)
IDX_INPUTS = {
    'x': X,
    'mask': torch.tensor([[True, False, True, False, False], [False, True, True, True, False],
                          [False, False, False, False, True], [True, True, False, False, False]]),
    'rowmask': torch.tensor([True, False, True, True]),
    'ind': torch.tensor([3, 0, -1]),
    'ind2': torch.tensor([[0, 1], [1, 0]]),
    'vals': torch.tensor([100., 200., 300.]),
}
IDX_CASES = [
    ('int', lambda x, **_: x[1]),
    ('int_int', lambda x, **_: x[1, 2]),
    ('negative_int', lambda x, **_: x[-1, -2]),
    ('scalar_element', lambda x, **_: x[0, 1, 2]),
    ('slice', lambda x, **_: x[:, 1:3]),
    ('slice_step', lambda x, **_: x[..., ::2]),
    ('slice_negative', lambda x, **_: x[:, -3:-1]),
    ('slice_open_end', lambda x, **_: x[0, 2:]),
    ('slice_out_of_range_clamped', lambda x, **_: x[0, 1:100]),
    ('slice_step_3', lambda x, **_: x[1, 1::3, 1:5:2]),
    ('mixed_int_slice_none_ellipsis', lambda x, **_: x[0, 1:3, None, ...]),
    ('none_first', lambda x, **_: x[None]),
    ('ellipsis_int', lambda x, **_: x[..., 0]),
    ('ellipsis_middle', lambda x, **_: x[1, ..., 3]),
    ('bool_mask_2d', lambda x, mask, **_: x[0][mask]),
    ('bool_mask_after_int', lambda x, mask, **_: x[1, mask]),
    ('bool_mask_rows', lambda x, rowmask, **_: x[:, rowmask]),
    ('int_tensor', lambda x, ind, **_: x[0, ind]),
    ('int_tensor_dim2', lambda x, ind, **_: x[:, :, ind]),
    ('int_tensor_2d', lambda x, ind2, **_: x[1, ind2]),
    ('int_list', lambda x, **_: x[1, [0, 2, 3]]),
    ('two_int_tensors', lambda x, ind, **_: x[0, ind, torch.tensor([0, 1, 4])]),
    ('int_tensor_with_slice', lambda x, ind, **_: x[:, ind, 1:3]),
]


def put(fn):
    def run(**kw):
        x = kw['x'].clone()
        fn(x, **{k: v for k, v in kw.items() if k != 'x'})
        return x
    return run


def _s(x, key, val):
    x[key] = val


IDX_PUT_CASES = [
    ('put_int_scalar', put(lambda x, **_: _s(x, (0, 1), -1.0))),
    ('put_slice_scalar', put(lambda x, **_: _s(x, (slice(None), slice(1, 3)), 0.5))),
    ('put_slice_step_tensor', put(lambda x, vals, **_: _s(x, (1, 0, slice(None, None, 2)), vals))),
    ('put_bool_mask', put(lambda x, mask, **_: _s(x, (0, mask), 9.0))),
    ('put_int_tensor_values', put(lambda x, ind, vals, **_: _s(x, (1, ind, 2), vals))),
    ('put_rowmask_broadcast', put(lambda x, rowmask, **_: _s(x, (slice(None), rowmask), torch.arange(5.)))),
    ('put_ellipsis', put(lambda x, **_: _s(x, (Ellipsis, -1), 42.0))),
    ('put_int_list', put(lambda x, **_: _s(x, (1, [0, 2]), 7.0))),
    ('put_int_list_only', put(lambda x, **_: _s(x, [1, 1], 3.0))),
]


# ---- autograd --------------------------------------------------------------------------------------

def grad_cases():
    g = torch.Generator().manual_seed(3)
    x0 = torch.randn(2, 3, generator=g)
    w0 = torch.randn(3, 4, generator=g)
    b0 = torch.randn(4, generator=g)
    inputs = {'x': x0, 'w': w0, 'b': b0}
    out = {}

    def leaf(t):
        return t.clone().requires_grad_(True)

    # backward through several ops, grads of every leaf
    x, w, b = leaf(x0), leaf(w0), leaf(b0)
    y = ((x @ w + b).relu() * 2).exp().mean()
    y.backward()
    out['chain'] = {'y': enc(y), 'x': enc(x.grad), 'w': enc(w.grad), 'b': enc(b.grad)}

    # broadcasting reduces the gradient back to the leaf's shape
    x, b = leaf(x0), leaf(b0[:3])
    y = (x * b).sin().sum()
    y.backward()
    out['broadcast'] = {'y': enc(y), 'x': enc(x.grad), 'b': enc(b.grad)}

    # softmax / log_softmax / logsumexp / std / norm / pow / div / sigmoid / tanh / where / clamp
    x = leaf(x0)
    y = (x.softmax(1) * torch.arange(3.)).sum() + x.log_softmax(0)[1, 2] + x.logsumexp(1).sum() \
        + x.std() + x.norm() + (x.pow(3) / (x.abs() + 1)).sum() + x.sigmoid().prod() + x.tanh().var(0).sum() \
        + torch.where(x > 0, x, -x * 0.5).sum() + x.clamp(-0.5, 0.5).sum()
    y.backward()
    out['many_ops'] = {'y': enc(y), 'x': enc(x.grad)}

    # shape ops and indexing in the graph
    x = leaf(x0)
    y = (x.t().reshape(6)[1:5] * torch.tensor([1., 2., 3., 4.])).sum() + x[:, [2, 0]].pow(2).sum() \
        + torch.cat([x, x * 2], 0).max(0).values.sum() + x.unsqueeze(0).expand(3, 2, 3).mean() \
        + x.gather(1, torch.tensor([[0, 0], [2, 1]])).sum()
    y.backward()
    out['shape_ops'] = {'y': enc(y), 'x': enc(x.grad)}

    # backward with an explicit gradient of a non-scalar output
    x = leaf(x0)
    y = x * x
    y.backward(torch.tensor([[1., 0.5, -1.], [2., 0., 3.]]))
    out['backward_gradient'] = {'x': enc(x.grad)}

    # gradients accumulate over two backward calls (retain_graph)
    x = leaf(x0)
    y = (x ** 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    out['accumulate'] = {'x': enc(x.grad)}

    # retain_grad on an intermediate
    x = leaf(x0)
    h = x * 3
    h.retain_grad()
    y = h.tanh().sum()
    y.backward()
    out['retain_grad'] = {'h': enc(h.grad), 'x': enc(x.grad)}

    # autograd.grad, first and second order
    x = leaf(x0)
    y = (x ** 3).sum()
    (gx,) = torch.autograd.grad(y, x, create_graph=True)
    (ggx,) = torch.autograd.grad(gx.sum(), x)
    out['autograd_grad'] = {'gx': enc(gx), 'ggx': enc(ggx)}

    # autograd.grad with two inputs and allow_unused
    x, w, b = leaf(x0), leaf(w0), leaf(b0)
    y = (x @ w).sum()
    gx, gw, gb = torch.autograd.grad(y, [x, w, b], allow_unused=True)
    out['autograd_grad_unused'] = {'x': enc(gx), 'w': enc(gw), 'b': enc(gb)}

    # grad_fn names and requires_grad flags
    x = leaf(x0)
    fns = {
        'add': (x + x).grad_fn.name(), 'mul': (x * x).grad_fn.name(), 'sum': x.sum().grad_fn.name(),
        'mean': x.mean().grad_fn.name(), 'mm': (x @ w0).grad_fn.name(), 'relu': x.relu().grad_fn.name(),
        'view': x.view(6).grad_fn.name(), 'exp': x.exp().grad_fn.name(), 'div': (x / x).grad_fn.name(),
        # A number operand: Python wraps it into a tensor and runs add.Tensor (AddBackward0).
        'add_number': (x + 1).grad_fn.name(), 'sub_number': (x - 2.5).grad_fn.name(),
        'mul_number': (x * 2).grad_fn.name(), 'div_number': (x / 2).grad_fn.name(),
    }
    out['grad_fn_names'] = fns
    return {'inputs': {k: enc(v) for k, v in inputs.items()}, 'cases': out}


# ---- random --------------------------------------------------------------------------------------

def random_cases():
    out = {}
    torch.manual_seed(42)
    out['randn_3'] = enc(torch.randn(3))
    torch.manual_seed(42)
    out['rand_2x3'] = enc(torch.rand(2, 3))
    torch.manual_seed(42)
    out['sequence'] = enc([torch.randn(2), torch.rand(3), torch.randint(0, 10, (5,)), torch.randperm(8), torch.randn(2, 2)])
    torch.manual_seed(0)
    out['randint_range'] = enc(torch.randint(-5, 5, (3, 4)))
    torch.manual_seed(0)
    out['randperm_10'] = enc(torch.randperm(10))
    torch.manual_seed(0)
    out['randperm_100'] = enc(torch.randperm(100))
    torch.manual_seed(7)
    out['randn_float64'] = enc(torch.randn(4, dtype=torch.float64))
    torch.manual_seed(7)
    out['randn_large'] = enc(torch.randn(40))  # >= 16 elements takes the vectorised path
    torch.manual_seed(7)
    out['rand_float64'] = enc(torch.rand(5, dtype=torch.float64))
    torch.manual_seed(1)
    out['normal_uniform_inplace'] = enc([torch.empty(5).normal_(2, 3), torch.empty(5).uniform_(-1, 1)])
    torch.manual_seed(1)
    out['bernoulli_'] = enc(torch.empty(10).bernoulli_(0.3))
    torch.manual_seed(1)
    out['multinomial'] = enc(torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 6, replacement=True))
    torch.manual_seed(3)
    out['randn_like_rand_like'] = enc([torch.randn_like(torch.zeros(2, 2)), torch.rand_like(torch.zeros(3))])
    g = torch.Generator().manual_seed(123)
    out['generator'] = enc([torch.randn(4, generator=g), torch.rand(2, generator=g), torch.randint(0, 100, (3,), generator=g),
                            torch.randperm(6, generator=g)])
    # a generator leaves the default one untouched
    torch.manual_seed(42)
    g = torch.Generator().manual_seed(5)
    torch.randn(3, generator=g)
    out['default_untouched_by_generator'] = enc(torch.randn(3))
    # get_state / set_state replay
    g = torch.Generator().manual_seed(9)
    torch.randn(2, generator=g)
    st = g.get_state()
    a = torch.randn(3, generator=g)
    g.set_state(st)
    out['generator_state_replay'] = enc([a, torch.randn(3, generator=g)])
    return out


# ---- printing --------------------------------------------------------------------------------------

def print_cases():
    cases = {}

    def add(name, t, build=None):
        cases[name] = {'input': enc(t), 'repr': repr(t)}

    add('int64', torch.tensor([1, 2, 3]))
    add('int64_negative_2d', torch.tensor([[-10, 2], [300, -4]]))
    add('int32', torch.tensor([1, -2], dtype=torch.int32))
    add('uint8', torch.tensor([0, 255], dtype=torch.uint8))
    add('float', torch.tensor([0.1, 1.5, -2.25]))
    add('float_2d', torch.tensor([[0.3367, 0.1288, 0.2345], [0.2303, -1.1229, -0.1863]]))
    add('int_valued_float', torch.tensor([1., 2., -3.]))
    add('int_valued_float_2d', torch.tensor([[1., 20.], [300., 4.]]))
    add('zeros_float', torch.zeros(2, 2))
    add('sci_small', torch.tensor([1e-5, 1.0, 2.5]))
    add('sci_large_ratio', torch.tensor([0.001, 10.0, 123.0]))
    add('sci_big', torch.tensor([1e10, 1.0]))
    add('sci_int_valued_big', torch.tensor([1e9, 2.0]))
    add('negative_floats', torch.tensor([-0.5, -1.75, 2.0]))
    add('bool', torch.tensor([True, False, True]))
    add('bool_2d', torch.tensor([[True], [False]]))
    add('float64', torch.tensor([1.5, 2.25], dtype=torch.float64))
    add('float64_int_valued', torch.tensor([1., 2.], dtype=torch.float64))
    add('float16', torch.tensor([0.5, 1.25], dtype=torch.float16))
    add('scalar_float', torch.tensor(3.5))
    add('scalar_int', torch.tensor(7))
    add('scalar_float64', torch.tensor(2.0, dtype=torch.float64))
    add('empty_float', torch.zeros(0))
    # oneDNN layout: the input is stored dense, the TS side converts it (test/24 BUILD)
    m = torch.tensor([[0.5, 1.], [2., 3.]])
    cases['mkldnn'] = {'input': enc(m), 'repr': repr(m.to_mkldnn())}
    add('empty_2d', torch.zeros(2, 0))
    add('empty_int', torch.zeros(0, dtype=torch.int64))
    add('requires_grad', torch.tensor([1.5, 2.0], requires_grad=True))
    add('3d', torch.arange(12.).reshape(2, 3, 2) / 4)
    add('wide_row_wraps', torch.arange(30.) / 7)
    add('large_summarized', torch.arange(2000.).reshape(40, 50) / 3)
    add('large_summarized_1d', torch.arange(1500))
    add('large_summarized_3d', torch.arange(3000.).reshape(10, 10, 30) - 1500)
    add('large_summarized_bool', torch.arange(1200) % 3 == 0)
    add('wide_ratio_sci', torch.tensor([12345.678, 1.5]))
    add('mixed_width', torch.tensor([100., 0.5, -3.25]))
    add('negative_zero', torch.tensor([-0., 1.]))
    add('float64_requires_grad', torch.tensor([1.5, 2.5], dtype=torch.float64, requires_grad=True))
    add('empty_float64', torch.zeros(0, dtype=torch.float64))
    add('int8', torch.tensor([-3, 4], dtype=torch.int8))
    add('bfloat16', torch.tensor([0.5, -2.0, 3.125], dtype=torch.bfloat16))
    add('4d', torch.arange(16.).reshape(2, 2, 2, 2) - 3.5)
    add('long_int_row_wraps', torch.arange(100000, 100040))
    add('int64_big', torch.tensor([2 ** 40, -5]))
    add('int_valued_ratio_sci', torch.tensor([1., 2000.]))
    add('half_even_ties', torch.tensor([1.03125, -1.03125, 0.15625, 2.5, 1.09375]))
    add('half_even_ties_sci', torch.tensor([1.03125e-5, 3.0]))
    add('negative_zero_fixed', torch.tensor([-0., 0.25]))
    add('negative_zero_scalar', torch.tensor(-0.))
    add('zeros_with_negative_zero', torch.tensor([0., -0.]))
    add('float_with_zero_padding', torch.tensor([0., -12.5, 3.25]))
    # nan/inf cannot be stored in JSON: the test divides the stored numerator by 'den'
    for name, num in [('nonfinite_fixed', [1., 0., -1., 2.5]), ('nonfinite_int_mode', [1., 0., -1., 2.]),
                      ('nonfinite_sci', [1., 0., -1., 1e-5])]:
        n = torch.tensor(num)
        cases[name] = {'input': enc(n), 'repr': repr(n / torch.tensor([0., 0., 0., 1.]))}
    # torch.set_printoptions (camelCased in the test: sci_mode -> sciMode)
    for name, t, o in [('opt_precision_2', torch.tensor([0.12345, -1.5]), {'precision': 2}),
                       ('opt_sci_mode_false', torch.tensor([1e-5, 1.0, 2.5]), {'sci_mode': False}),
                       ('opt_sci_mode_true', torch.tensor([1.5, 2.0]), {'sci_mode': True}),
                       ('opt_threshold_edgeitems', torch.arange(10.), {'threshold': 5, 'edgeitems': 1}),
                       ('opt_linewidth', torch.arange(10.) / 3, {'linewidth': 30})]:
        torch.set_printoptions(**o)
        cases[name] = {'input': enc(t), 'repr': repr(t), 'options': o}
        torch.set_printoptions(profile='default')
        torch.set_printoptions(sci_mode=None)
    # grad_fn suffixes are checked on results computed in the test from 'requires_grad'
    x = torch.tensor([1.5, 2.0], requires_grad=True)
    cases['grad_fn_mul'] = {'input': enc(x), 'repr': repr(x * x)}
    cases['grad_fn_sum'] = {'input': enc(x), 'repr': repr(x.sum())}
    return cases


# ---- creation --------------------------------------------------------------------------------------

def create_cases():
    return {
        'tensor_2d_float': enc(torch.tensor([[1, 2], [3, 4]], dtype=torch.float32)),
        'tensor_bool': enc(torch.tensor([True, False])),
        'tensor_int64': enc(torch.tensor([1, -2, 2 ** 40])),
        'tensor_float_to_int64': enc(torch.tensor([1.7, -2.7]).long()),
        'zeros': enc(torch.zeros(2, 3)),
        'ones_int': enc(torch.ones(2, dtype=torch.int64)),
        'full': enc(torch.full((2, 2), 1.5)),
        'full_int': enc(torch.full((3,), 7, dtype=torch.int32)),
        'arange_end': enc(torch.arange(5)),
        'arange_start_end_step': enc(torch.arange(1, 10, 3)),
        'arange_float': enc(torch.arange(0, 1, 0.25)),
        'arange_negative_step': enc(torch.arange(5, 0, -2)),
        'linspace': enc(torch.linspace(0, 1, 5)),
        'linspace_neg': enc(torch.linspace(-2, 3, 7)),
        'eye': enc(torch.eye(3)),
        'eye_nm': enc(torch.eye(2, 4)),
        'zeros_like': enc(torch.zeros_like(torch.ones(2, 3, dtype=torch.float64))),
        'ones_like_dtype': enc(torch.ones_like(torch.zeros(2), dtype=torch.int64)),
        'full_like': enc(torch.full_like(torch.zeros(2, 2), 3.25)),
        'float16_values': enc(torch.tensor([0.1, 1000.7, -3.3], dtype=torch.float16)),
        'bfloat16_values': enc(torch.tensor([0.1, 1000.7, -3.3], dtype=torch.bfloat16)),
        'int8_wrap': enc(torch.tensor([127, -128, 5], dtype=torch.int8)),
    }


def main():
    torch.set_printoptions(profile='default')
    write('ops.json', run_cases(I, CASES))
    idx = run_cases(IDX_INPUTS, IDX_CASES + IDX_PUT_CASES)
    write('ops_index.json', idx)
    write('ops_autograd.json', grad_cases())
    write('ops_random.json', random_cases())
    write('ops_print.json', print_cases())
    write('ops_create.json', create_cases())
    print(len(CASES), 'op cases;', len(IDX_CASES) + len(IDX_PUT_CASES), 'index cases')


if __name__ == '__main__':
    main()
