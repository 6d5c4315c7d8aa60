/**
 * Tensor ops against PyTorch 1.13 (fixtures from tools/golden/ops.py): broadcasting, type
 * promotion, reductions, softmax, matmul, comparisons, shape ops, in-place ops, dtype conversion.
 * Each case is the PyTorch expression in the fixture script written in torchnode's idiom.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { loadFixture, fixtureInputs, assertResult, type Enc, type EncTensor } from './helpers.js';

const fx = loadFixture<{ inputs: Record<string, EncTensor>; cases: Record<string, Enc> }>('ops');
const I = fixtureInputs(fx.inputs);

type In = Record<string, Tensor>;
type Out = Tensor | Tensor[] | torch.ValuesIndices | boolean | number;
/** An in-place op on a clone: checks it returns the same tensor, then returns it. */
function inplace(t: Tensor, f: (c: Tensor) => Tensor): Tensor {
  const c = t.clone();
  const r = f(c);
  assert.equal(r, c, 'in-place op returns this');
  return c;
}

const CASES: Record<string, (i: In) => Out> = {
  // broadcasting arithmetic
  add_broadcast: ({ a, b }) => a.add(b),
  add_alpha: ({ a, b }) => torch.add(a, b, { alpha: 2 }),
  add_scalar: ({ a }) => a.add(2.5),
  sub_broadcast: ({ a, c }) => a.sub(c),
  sub_alpha: ({ a, c }) => torch.sub(a, c, { alpha: 0.5 }),
  rsub_scalar: ({ a }) => a.rsub(2),
  mul_outer_broadcast: ({ c, b }) => c.mul(b),
  mul_scalar: ({ a }) => a.mul(3),
  div_tensor: ({ a, p }) => a.div(p),
  div_scalar: ({ a }) => a.div(4),
  div_floor_int: ({ ia }) => ia.div(3, { roundingMode: 'floor' }),
  div_trunc_int: ({ ia, ib }) => torch.div(ia, ib, { roundingMode: 'trunc' }),
  pow_scalar: ({ a }) => a.pow(2),
  pow_tensor: ({ p, b }) => p.pow(b),
  remainder_int: ({ ia }) => ia.remainder(3),
  fmod_int: ({ ia }) => torch.fmod(ia, 3),
  maximum: ({ a, b }) => torch.maximum(a, b),
  minimum: ({ a, b }) => a.minimum(b),
  max_elementwise: ({ a, b }) => a.max(b),
  atan2: ({ a, p }) => a.atan2(p),
  lerp: ({ a, p }) => a.lerp(p, 0.3),
  addcmul: ({ a, p, b }) => a.addcmul(p, b, { value: 0.5 }),
  addcdiv: ({ a, p, b }) => a.addcdiv(b, p, { value: 2 }),
  // type promotion
  promote_int_plus_float_scalar: ({ ia }) => ia.add(1.5),
  promote_int_times_int_scalar: ({ ia }) => ia.mul(2),
  promote_int_div_int: ({ ia }) => ia.div(2),
  promote_int_plus_float_tensor: ({ ib, b }) => ib.add(b),
  promote_float32_plus_float64: ({ a, d }) => a.add(d),
  promote_float64_tensor_times_float_scalar: ({ d }) => d.mul(0.1),
  promote_int32_plus_int64: ({ i32, ib }) => i32.add(ib),
  promote_bool_plus_int: ({ bl, ia }) => bl.add(ia),
  promote_bool_times_float_scalar: ({ bl }) => bl.mul(1.5),
  promote_uint8_plus_int8: ({ u8, i8 }) => u8.add(i8),
  promote_half_plus_float: ({ h, b }) => h.add(b),
  promote_half_times_scalar: ({ h }) => h.mul(3),
  promote_int_scalar_tensor_float32: ({ a }) => a.add(7),
  // unary math
  neg: ({ a }) => a.neg(),
  abs: ({ a }) => a.abs(),
  exp: ({ a }) => a.exp(),
  log: ({ p }) => p.log(),
  log2: ({ p }) => p.log2(),
  log1p: ({ p }) => p.log1p(),
  expm1: ({ a }) => a.expm1(),
  sqrt: ({ p }) => p.sqrt(),
  rsqrt: ({ p }) => p.rsqrt(),
  sin: ({ a }) => a.sin(),
  cos: ({ a }) => a.cos(),
  tanh: ({ a }) => a.tanh(),
  sigmoid: ({ a }) => a.sigmoid(),
  relu: ({ a }) => a.relu(),
  floor: ({ a }) => a.mul(3).floor(),
  ceil: ({ a }) => a.mul(3).ceil(),
  round: ({ a }) => a.mul(3).round(),
  trunc: ({ a }) => a.mul(3).trunc(),
  sign: ({ a }) => a.sign(),
  reciprocal: ({ p }) => p.reciprocal(),
  erf: ({ a }) => a.erf(),
  square: ({ a }) => a.square(),
  abs_int: ({ ia }) => ia.abs(),
  // reductions
  sum_all: ({ a }) => a.sum(),
  sum_dim: ({ x3 }) => x3.sum(1),
  sum_dims_keepdim: ({ x3 }) => x3.sum([0, 2], { keepdim: true }),
  sum_int: ({ ia }) => ia.sum(0),
  sum_bool: ({ bl }) => bl.sum(),
  sum_dtype_float64: ({ a }) => a.sum(null, { dtype: 'float64' }),
  mean_all: ({ a }) => a.mean(),
  mean_dim_keepdim: ({ x3 }) => x3.mean(-1, { keepdim: true }),
  max_all: ({ a }) => a.max(),
  max_dim: ({ x3 }) => x3.max(1),
  min_dim_keepdim: ({ x3 }) => x3.min(2, { keepdim: true }),
  max_dim_int: ({ ia }) => {
    const [values, indices] = ia.max(0);
    return [values, indices];
  },
  min_all: ({ m }) => m.min(),
  amax: ({ x3 }) => x3.amax([0, 2]),
  argmax_all: ({ m }) => m.argmax(),
  argmax_dim_keepdim: ({ m }) => m.argmax(1, { keepdim: true }),
  argmin_dim: ({ m }) => m.argmin(0),
  std_all: ({ m }) => m.std(),
  std_dim_biased: ({ m }) => m.std(1, { unbiased: false }),
  var_dim_keepdim: ({ x3 }) => x3.var(0, { keepdim: true }),
  var_correction: ({ m }) => m.var(1, { correction: 2 }),
  norm_all: ({ m }) => m.norm(),
  norm_p1_dim: ({ m }) => m.norm(1, 0),
  norm_p3_dim_keepdim: ({ x3 }) => x3.norm(3, [1, 2], { keepdim: true }),
  prod_all: ({ a }) => a.prod(),
  prod_dim: ({ ia }) => ia.prod(1),
  all_all: ({ bl }) => bl.all(),
  any_all: ({ bl }) => bl.any(),
  all_dim: ({ bl }) => bl.all(1),
  any_dim_keepdim: ({ bl }) => bl.any(0, { keepdim: true }),
  cumsum: ({ m }) => m.cumsum(1),
  cumsum_int: ({ ia }) => ia.cumsum(0),
  cumprod: ({ a }) => a.cumprod(1),
  logsumexp: ({ x3 }) => x3.logsumexp(2),
  logsumexp_keepdim: ({ m }) => m.logsumexp(0, { keepdim: true }),
  softmax: ({ x3 }) => x3.softmax(-1),
  softmax_dim0: ({ m }) => torch.softmax(m, 0),
  log_softmax: ({ x3 }) => x3.logSoftmax(1),
  sort: ({ m }) => m.sort(1),
  sort_descending: ({ m }) => m.sort(0, { descending: true }),
  argsort: ({ v }) => v.argsort(),
  topk: ({ m }) => m.topk(2, 1),
  // linear algebra
  matmul_2d: ({ a, m }) => a.matmul(m),
  matmul_batched_broadcast: ({ x3, bm }) => torch.matmul(x3, bm),
  matmul_matvec: ({ m, v }) => m.matmul(v),
  matmul_vecvec: ({ v }) => v.matmul(v),
  mm: ({ a, m }) => a.mm(m),
  bmm: ({ x3, bm }) => x3.bmm(bm),
  mv: ({ m, v }) => m.mv(v),
  dot: ({ b }) => b.dot(b),
  outer: ({ b, v }) => b.outer(v),
  t: ({ a }) => a.t(),
  tril: ({ m }) => m.tril(),
  triu_k1: ({ m }) => m.triu(1),
  // comparisons and logic
  eq_tensor: ({ ia, ib }) => ia.eq(ib),
  ne_scalar: ({ ia }) => ia.ne(0),
  lt_broadcast: ({ a, b }) => a.lt(b),
  le_scalar: ({ a }) => a.le(0.1),
  gt_tensor: ({ a, c }) => a.gt(c),
  ge_int_float_scalar: ({ ia }) => ia.ge(2.5),
  equal_true: ({ a }) => a.equal(a.clone()),
  equal_false: ({ a }) => a.equal(a.add(1)),
  allclose: ({ a }) => a.allclose(a.add(1e-9)),
  isclose: ({ a, c }) => a.isclose(a.add(c.mul(1e-6)), { rtol: 0, atol: 5e-7 }),
  logical_and: ({ bl, bl2 }) => bl.logicalAnd(bl2),
  logical_or: ({ bl, bl2 }) => bl.logicalOr(bl2),
  logical_xor: ({ bl, bl2 }) => bl.logicalXor(bl2),
  logical_not: ({ bl }) => bl.logicalNot(),
  logical_and_float: ({ a, ia }) => a.logicalAnd(ia),
  where_tensor: ({ bl, a, c }) => torch.where(bl, a, c),
  where_scalar_other: ({ a }) => torch.where(a.gt(0), a, 0.0),
  where_scalars: ({ bl }) => torch.where(bl, 1.0, -1.0),
  clamp: ({ a }) => a.clamp(-0.5, 0.5),
  clamp_min: ({ a }) => a.clamp({ min: 0.1 }),
  clamp_max_int: ({ ia }) => ia.clamp({ max: 4 }),
  clamp_tensor: ({ a, c, b }) => a.clamp({ min: c, max: b.abs().add(1) }),
  masked_fill: ({ a, bl }) => a.maskedFill(bl, -1.0),
  masked_select: ({ a, bl }) => a.maskedSelect(bl),
  nonzero: ({ ia }) => ia.nonzero(),
  // shape ops
  view: ({ a }) => a.view(3, 2),
  view_infer: ({ x3 }) => x3.view([-1, 4]),
  reshape_after_transpose: ({ a }) => a.t().reshape(6),
  flatten: ({ x3 }) => x3.flatten(),
  flatten_start: ({ x3 }) => x3.flatten(1),
  permute: ({ x3 }) => x3.permute(2, 0, 1),
  transpose: ({ x3 }) => x3.transpose(0, 2),
  contiguous_of_transpose: ({ x3 }) => x3.transpose(1, 2).contiguous(),
  squeeze: ({ c }) => c.squeeze(),
  squeeze_dim: ({ c }) => c.unsqueeze(0).squeeze(0),
  unsqueeze: ({ b }) => b.unsqueeze(1),
  unsqueeze_neg: ({ a }) => a.unsqueeze(-1),
  expand: ({ c }) => c.expand(2, 4),
  expand_minus1: ({ b }) => b.expand([2, -1]),
  cat: ({ a, m }) => torch.cat([a, m.index(':', ':3')], 0),
  cat_dim1: ({ a, c }) => torch.cat([a, c], 1),
  stack: ({ a, p }) => torch.stack([a, p]),
  stack_dim_last: ({ a, p }) => torch.stack([a, p], -1),
  split_size: ({ m }) => m.split(3, 1),
  split_sizes: ({ m }) => m.split([1, 2], 0),
  chunk: ({ x3 }) => x3.chunk(3, 2),
  unbind: ({ a }) => a.unbind(1),
  narrow: ({ m }) => m.narrow(1, 1, 2),
  select: ({ x3 }) => x3.select(1, -1),
  gather: ({ a, idx }) => a.gather(1, idx),
  index_select: ({ m, sel }) => m.indexSelect(0, sel),
  scatter: ({ a, idx }) => torch.zeros([2, 3]).scatter(1, idx.index(':', ':1'), a.index(':', ':1')),
  scatter_add: ({ a, idx }) => torch.zeros(2, 3).scatterAdd(1, idx, a),
  flip: ({ x3 }) => x3.flip([0, 2]),
  repeat: ({ b }) => b.repeat(2, 2),
  roll: ({ m }) => m.roll(1, 1),
  // in-place variants
  add_: ({ a, b }) => inplace(a, (x) => x.add_(b)),
  add_alpha_: ({ a, c }) => inplace(a, (x) => x.add_(c, { alpha: -2 })),
  sub_: ({ a }) => inplace(a, (x) => x.sub_(1.5)),
  mul_: ({ a, c }) => inplace(a, (x) => x.mul_(c)),
  div_: ({ a }) => inplace(a, (x) => x.div_(3)),
  pow_: ({ p }) => inplace(p, (x) => x.pow_(0.5)),
  clamp_: ({ a }) => inplace(a, (x) => x.clamp_(-0.2, 0.2)),
  relu_: ({ a }) => inplace(a, (x) => x.relu_()),
  exp_: ({ a }) => inplace(a, (x) => x.exp_()),
  fill_: ({ a }) => inplace(a, (x) => x.fill_(7.25)),
  zero_: ({ a }) => inplace(a, (x) => x.zero_()),
  masked_fill_: ({ a, bl }) => inplace(a, (x) => x.maskedFill_(bl, 0.0)),
  copy_broadcast_: ({ a, b }) => inplace(a, (x) => x.copy_(b)),
  add_int_inplace_: ({ ia, ib }) => inplace(ia, (x) => x.add_(ib)),
  // dtype conversions
  to_float16: ({ a }) => a.to('float16'),
  to_bfloat16: ({ a }) => a.to('bfloat16'),
  to_float64: ({ a }) => a.double(),
  to_int8_trunc: ({ a }) => a.mul(40).to('int8'),
  to_int32: ({ a }) => a.mul(10).int(),
  to_int64: ({ a }) => a.mul(10).long(),
  to_uint8: ({ ia }) => ia.abs().byte(),
  to_bool: ({ ia }) => ia.bool(),
  bool_to_float: ({ bl }) => bl.float(),
  half_to_float: ({ h }) => h.float(),
  int8_to_int16: ({ i8 }) => i8.short(),
  float64_to_float32: ({ d }) => d.float(),
};

test('every fixture case has a torchnode twin and vice versa (at least 60 ops)', () => {
  const stored = Object.keys(fx.cases).sort();
  const mine = Object.keys(CASES).sort();
  assert.deepEqual(mine, stored);
  assert.ok(stored.length >= 60, `only ${stored.length} cases`);
});

for (const [name, expected] of Object.entries(fx.cases)) {
  test(`golden: ${name}`, () => {
    const f = CASES[name];
    assert.ok(f, `no torchnode twin for ${name}`);
    const before = torch.memory().numTensors;
    torch.tidy(() => {
      assertResult(f(I), expected, 1e-6, name);
    });
    // The op, its temporaries and the comparison leave nothing behind.
    assert.equal(torch.memory().numTensors, before, `${name}: tensors leaked`);
  });
}

test('golden inputs were not modified by the in-place cases', () => {
  for (const [k, e] of Object.entries(fx.inputs)) assertResult(I[k], e, 0, `input ${k}`);
});
