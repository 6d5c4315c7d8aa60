/**
 * nn.functional, activation functions (torch/nn/functional.py): each one the ATen operator that
 * Python's function calls, or the same composition of operators (tanhshrink, softsign, softmin,
 * gumbel_softmax). The in-place forms return their input, as PyTorch's do.
 */
import { type Tensor, op, wrap, emptyLike, zerosLike } from '../../tensor.js';
import { type DType, dtypeCode, describe } from '../../dtype.js';
import { checkOptions, expectBool, expectInt, expectNumber } from '../../errors.js';
import { checkTensor, withContext } from '../common.js';

const O = {
  elu: op('aten::elu'),
  elu_: op('aten::elu_'),
  selu: op('aten::selu'),
  selu_: op('aten::selu_'),
  celu: op('aten::celu'),
  celu_: op('aten::celu_'),
  gelu: op('aten::gelu'),
  silu: op('aten::silu'),
  silu_: op('aten::silu_'),
  mish: op('aten::mish'),
  mish_: op('aten::mish_'),
  hardswish: op('aten::hardswish'),
  hardswish_: op('aten::hardswish_'),
  hardsigmoid: op('aten::hardsigmoid'),
  hardsigmoid_: op('aten::hardsigmoid_'),
  hardtanh: op('aten::hardtanh'),
  hardtanh_: op('aten::hardtanh_'),
  relu_: op('aten::relu_'),
  relu6: op('aten::relu6'),
  relu6_: op('aten::relu6_'),
  rrelu: op('aten::rrelu'),
  rrelu_: op('aten::rrelu_'),
  leakyRelu_: op('aten::leaky_relu_'),
  logSigmoid: op('aten::log_sigmoid'),
  softplus: op('aten::softplus'),
  softshrink: op('aten::softshrink'),
  hardshrink: op('aten::hardshrink'),
  threshold: op('aten::threshold'),
  threshold_: op('aten::threshold_'),
  glu: op('aten::glu'),
  prelu: op('aten::prelu'),
  tanh: op('aten::tanh'),
  sub: op('aten::sub.Tensor'),
  abs: op('aten::abs'),
  add: op('aten::add.Scalar'),
  div: op('aten::div.Tensor'),
  divScalar: op('aten::div.Scalar'),
  neg: op('aten::neg'),
  softmax: op('aten::softmax.int'),
  log: op('aten::log'),
  exponential_: op('aten::exponential_'),
  addT: op('aten::add.Tensor'),
  max: op('aten::max.dim'),
  scatter_: op('aten::scatter_.value'),
  detach: op('aten::detach'),
};

/** The `inplace` argument of an activation: a boolean or {inplace}. */
export type InplaceOpts = { inplace?: boolean } | null;

function inplaceOf(opts: InplaceOpts | undefined, fn: string): boolean {
  checkOptions(opts, ['inplace'], fn);
  return expectBool(opts?.inplace ?? false, `${fn}: inplace`);
}

/** Runs the out-of-place or in-place ATen op; the in-place form returns `input` itself. */
function run(fn: string, input: Tensor, inplace: boolean, outOfPlace: () => number, inPlace: () => unknown): Tensor {
  return withContext(fn, () => {
    if (inplace) {
      inPlace();
      return input;
    }
    return wrap(outOfPlace());
  });
}

/** `F.elu(input, alpha=1.0, inplace=False)`. */
export function elu(input: Tensor, alpha = 1.0, opts: InplaceOpts = {}): Tensor {
  checkTensor(input, 'elu');
  const a = expectNumber(alpha, 'elu: alpha');
  return run(
    'elu',
    input,
    inplaceOf(opts, 'elu'),
    () => O.elu(input._h, a),
    () => O.elu_(input._h, a),
  );
}
/** `F.elu_(input, alpha=1.0)`. */
export function elu_(input: Tensor, alpha = 1.0): Tensor {
  return elu(input, alpha, { inplace: true });
}

/** `F.selu(input, inplace=False)`: scale·elu(x, α) with PyTorch's fixed α and scale. */
export function selu(input: Tensor, opts: InplaceOpts = {}): Tensor {
  checkTensor(input, 'selu');
  return run(
    'selu',
    input,
    inplaceOf(opts, 'selu'),
    () => O.selu(input._h),
    () => O.selu_(input._h),
  );
}
/** `F.selu_(input)`. */
export function selu_(input: Tensor): Tensor {
  return selu(input, { inplace: true });
}

/** `F.celu(input, alpha=1.0, inplace=False)`. */
export function celu(input: Tensor, alpha = 1.0, opts: InplaceOpts = {}): Tensor {
  checkTensor(input, 'celu');
  const a = expectNumber(alpha, 'celu: alpha');
  return run(
    'celu',
    input,
    inplaceOf(opts, 'celu'),
    () => O.celu(input._h, a),
    () => O.celu_(input._h, a),
  );
}
/** `F.celu_(input, alpha=1.0)`. */
export function celu_(input: Tensor, alpha = 1.0): Tensor {
  return celu(input, alpha, { inplace: true });
}

/** The approximations of F.gelu. */
export type GeluApproximate = 'none' | 'tanh';

/** `F.gelu(input, approximate='none')`: x·Φ(x), or its tanh approximation. */
export function gelu(input: Tensor, opts: { approximate?: GeluApproximate } | null = {}): Tensor {
  checkTensor(input, 'gelu');
  checkOptions(opts, ['approximate'], 'gelu');
  const approximate = opts?.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new TypeError(`gelu: Expected 'none' or 'tanh' for approximate but received ${describe(approximate)}`);
  }
  return withContext('gelu', () => wrap(O.gelu(input._h, approximate)));
}

/** `F.silu(input, inplace=False)`: x·σ(x) (swish). */
export function silu(input: Tensor, opts: InplaceOpts = {}): Tensor {
  checkTensor(input, 'silu');
  return run(
    'silu',
    input,
    inplaceOf(opts, 'silu'),
    () => O.silu(input._h),
    () => O.silu_(input._h),
  );
}

/** `F.mish(input, inplace=False)`: x·tanh(softplus(x)). */
export function mish(input: Tensor, opts: InplaceOpts = {}): Tensor {
  checkTensor(input, 'mish');
  return run(
    'mish',
    input,
    inplaceOf(opts, 'mish'),
    () => O.mish(input._h),
    () => O.mish_(input._h),
  );
}

/** `F.hardswish(input, inplace=False)`. */
export function hardswish(input: Tensor, opts: InplaceOpts = {}): Tensor {
  checkTensor(input, 'hardswish');
  return run(
    'hardswish',
    input,
    inplaceOf(opts, 'hardswish'),
    () => O.hardswish(input._h),
    () => O.hardswish_(input._h),
  );
}

/** `F.hardsigmoid(input, inplace=False)`. */
export function hardsigmoid(input: Tensor, opts: InplaceOpts = {}): Tensor {
  checkTensor(input, 'hardsigmoid');
  return run(
    'hardsigmoid',
    input,
    inplaceOf(opts, 'hardsigmoid'),
    () => O.hardsigmoid(input._h),
    () => O.hardsigmoid_(input._h),
  );
}

/** `F.hardtanh(input, min_val=-1., max_val=1., inplace=False)`. */
export function hardtanh(input: Tensor, minVal = -1.0, maxVal = 1.0, opts: InplaceOpts = {}): Tensor {
  checkTensor(input, 'hardtanh');
  const lo = expectNumber(minVal, 'hardtanh: minVal');
  const hi = expectNumber(maxVal, 'hardtanh: maxVal');
  return run(
    'hardtanh',
    input,
    inplaceOf(opts, 'hardtanh'),
    () => O.hardtanh(input._h, lo, hi),
    () => O.hardtanh_(input._h, lo, hi),
  );
}
/** `F.hardtanh_(input, min_val=-1., max_val=1.)`. */
export function hardtanh_(input: Tensor, minVal = -1.0, maxVal = 1.0): Tensor {
  return hardtanh(input, minVal, maxVal, { inplace: true });
}

/** `F.relu_(input)`: in-place relu. */
export function relu_(input: Tensor): Tensor {
  checkTensor(input, 'relu_');
  withContext('relu_', () => O.relu_(input._h));
  return input;
}

/** `F.leaky_relu_(input, negative_slope=0.01)`: in-place leaky relu. */
export function leakyRelu_(input: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor(input, 'leakyRelu_');
  const s = expectNumber(negativeSlope, 'leakyRelu_: negativeSlope');
  withContext('leakyRelu_', () => O.leakyRelu_(input._h, s));
  return input;
}

/** `F.relu6(input, inplace=False)`: min(max(0, x), 6). */
export function relu6(input: Tensor, opts: InplaceOpts = {}): Tensor {
  checkTensor(input, 'relu6');
  return run(
    'relu6',
    input,
    inplaceOf(opts, 'relu6'),
    () => O.relu6(input._h),
    () => O.relu6_(input._h),
  );
}

/** Options of rrelu (Python's keyword arguments after lower and upper). */
export interface RReLUFunctionalOptions {
  training?: boolean;
  inplace?: boolean;
}

/**
 * `F.rrelu(input, lower=1./8, upper=1./3, training=False, inplace=False)`: in training the
 * negative slopes are drawn from U(lower, upper) with the default generator, as PyTorch.
 */
export function rrelu(input: Tensor, lower = 1.0 / 8, upper = 1.0 / 3, opts: RReLUFunctionalOptions | null = {}): Tensor {
  checkTensor(input, 'rrelu');
  const lo = expectNumber(lower, 'rrelu: lower');
  const hi = expectNumber(upper, 'rrelu: upper');
  checkOptions(opts, ['training', 'inplace'], 'rrelu');
  const training = expectBool(opts?.training ?? false, 'rrelu: training');
  const inplace = expectBool(opts?.inplace ?? false, 'rrelu: inplace');
  return run(
    'rrelu',
    input,
    inplace,
    () => O.rrelu(input._h, lo, hi, training),
    () => O.rrelu_(input._h, lo, hi, training),
  );
}
/** `F.rrelu_(input, lower=1./8, upper=1./3, training=False)`. */
export function rrelu_(input: Tensor, lower = 1.0 / 8, upper = 1.0 / 3, opts: { training?: boolean } | null = {}): Tensor {
  checkOptions(opts, ['training'], 'rrelu_');
  return rrelu(input, lower, upper, { training: opts?.training ?? false, inplace: true });
}

/** `F.logsigmoid(input)`: log(1 / (1 + exp(-x))), computed stably. */
export function logsigmoid(input: Tensor): Tensor {
  checkTensor(input, 'logsigmoid');
  return withContext('logsigmoid', () => wrap(O.logSigmoid(input._h)));
}

/** `F.softplus(input, beta=1, threshold=20)`: linear where input·beta > threshold. */
export function softplus(input: Tensor, beta = 1, threshold = 20): Tensor {
  checkTensor(input, 'softplus');
  const b = expectNumber(beta, 'softplus: beta');
  const t = expectNumber(threshold, 'softplus: threshold');
  return withContext('softplus', () => wrap(O.softplus(input._h, b, t)));
}

/** `F.softshrink(input, lambd=0.5)`. */
export function softshrink(input: Tensor, lambd = 0.5): Tensor {
  checkTensor(input, 'softshrink');
  const l = expectNumber(lambd, 'softshrink: lambd');
  return withContext('softshrink', () => wrap(O.softshrink(input._h, l)));
}

/** `F.hardshrink(input, lambd=0.5)`. */
export function hardshrink(input: Tensor, lambd = 0.5): Tensor {
  checkTensor(input, 'hardshrink');
  const l = expectNumber(lambd, 'hardshrink: lambd');
  return withContext('hardshrink', () => wrap(O.hardshrink(input._h, l)));
}

/** `F.tanhshrink(input)`: x - tanh(x) (Python's composition). */
export function tanhshrink(input: Tensor): Tensor {
  checkTensor(input, 'tanhshrink');
  return withContext('tanhshrink', () => {
    const t = wrap(O.tanh(input._h));
    try {
      return wrap(O.sub(input._h, t._h));
    } finally {
      t.dispose();
    }
  });
}

/** `F.softsign(input)`: x / (|x| + 1) (Python's composition). */
export function softsign(input: Tensor): Tensor {
  checkTensor(input, 'softsign');
  return withContext('softsign', () => {
    const a = wrap(O.abs(input._h));
    const d = wrap(O.add(a._h, 1));
    a.dispose();
    try {
      return wrap(O.div(input._h, d._h));
    } finally {
      d.dispose();
    }
  });
}

/** `F.threshold(input, threshold, value, inplace=False)`: y = x if x > threshold else value. */
export function threshold(input: Tensor, threshold: number, value: number, opts: InplaceOpts = {}): Tensor {
  checkTensor(input, 'threshold');
  const t = expectNumber(threshold, 'threshold: threshold');
  const v = expectNumber(value, 'threshold: value');
  return run(
    'threshold',
    input,
    inplaceOf(opts, 'threshold'),
    () => O.threshold(input._h, t, v),
    () => O.threshold_(input._h, t, v),
  );
}
/** `F.threshold_(input, threshold, value)`. */
export function threshold_(input: Tensor, thresh: number, value: number): Tensor {
  return threshold(input, thresh, value, { inplace: true });
}

/** `F.glu(input, dim=-1)`: a ⊗ σ(b), a and b the halves of input along dim. */
export function glu(input: Tensor, dim = -1): Tensor {
  checkTensor(input, 'glu');
  const d = expectInt(dim, 'glu: dim');
  if (input.ndim === 0) throw new RangeError('glu: glu does not support scalars because halving size must be even');
  return withContext('glu', () => wrap(O.glu(input._h, d)));
}

/** `F.prelu(input, weight)`: max(0, x) + weight·min(0, x), weight per channel (dim 1) or one value. */
export function prelu(input: Tensor, weight: Tensor): Tensor {
  checkTensor(input, 'prelu');
  checkTensor(weight, 'prelu', 'weight');
  return withContext('prelu', () => wrap(O.prelu(input._h, weight._h)));
}

/** Python's `_get_softmax_dim` for dim=None (the legacy implicit dim). */
function implicitDim(input: Tensor, dim: number | null | undefined, fn: string): number {
  if (dim === undefined || dim === null) {
    const n = input.ndim;
    return n === 0 || n === 1 || n === 3 ? 0 : 1;
  }
  return expectInt(dim, `${fn}: dim`);
}

/** `F.softmin(input, dim=None, dtype=None)`: softmax(-input). */
export function softmin(input: Tensor, dim?: number | null, opts: { dtype?: DType } | null = {}): Tensor {
  checkTensor(input, 'softmin');
  checkOptions(opts, ['dtype'], 'softmin');
  const d = implicitDim(input, dim, 'softmin');
  const dt = opts?.dtype === undefined || opts?.dtype === null ? undefined : dtypeCode(opts.dtype, 'softmin: dtype');
  return withContext('softmin', () => {
    const n = wrap(O.neg(input._h));
    try {
      return wrap(O.softmax(n._h, d, dt));
    } finally {
      n.dispose();
    }
  });
}

/** Options of gumbelSoftmax. */
export interface GumbelSoftmaxOptions {
  tau?: number;
  hard?: boolean;
  eps?: number;
  dim?: number;
}

/**
 * `F.gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1)`: samples Gumbel noise from the
 * default generator (exponential_ draws, as Python), softmax((logits + g) / tau); with hard, the
 * one-hot of the argmax with the soft sample's gradient (straight-through).
 */
export function gumbelSoftmax(logits: Tensor, opts: GumbelSoftmaxOptions | null = {}): Tensor {
  const fn = 'gumbelSoftmax';
  checkTensor(logits, fn, 'logits');
  checkOptions(opts, ['tau', 'hard', 'eps', 'dim'], fn);
  const tau = expectNumber(opts?.tau ?? 1, `${fn}: tau`);
  const hard = expectBool(opts?.hard ?? false, `${fn}: hard`);
  const eps = expectNumber(opts?.eps ?? 1e-10, `${fn}: eps`);
  const dim = expectInt(opts?.dim ?? -1, `${fn}: dim`);
  if (eps !== 1e-10) process.emitWarning('`eps` parameter is deprecated and has no effect.');
  return withContext(fn, () => {
    const owned: Tensor[] = [];
    const t = (h: number): Tensor => {
      const x = wrap(h);
      owned.push(x);
      return x;
    };
    try {
      const e = emptyLike(logits);
      owned.push(e);
      O.exponential_(e._h, 1);
      const gumbels = t(O.neg(t(O.log(e._h))._h));
      const scaled = t(O.divScalar(t(O.addT(logits._h, gumbels._h))._h, tau));
      const ySoft = wrap(O.softmax(scaled._h, dim));
      if (!hard) return ySoft;
      owned.push(ySoft);
      const [, index] = (O.max(ySoft._h, dim, true) as number[]).map(t);
      const yHard = zerosLike(logits);
      owned.push(yHard);
      O.scatter_(yHard._h, dim, index._h, 1.0);
      const diff = t(O.sub(yHard._h, t(O.detach(ySoft._h))._h));
      return wrap(O.addT(diff._h, ySoft._h));
    } finally {
      for (const x of owned) x.dispose();
    }
  });
}
