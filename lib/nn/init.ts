/**
 * nn.init: in-place initialisers with PyTorch's formulas and RNG consumption, so the same seed
 * gives the same weights. All run under noGrad and return the tensor.
 */
import { type Tensor, op, wrap, empty, eye, tensor, randperm } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { describe } from '../dtype.js';
import { tidy } from '../scope.js';
import { checkOptions, expectNonNegInt, expectNumber, expectPositiveInt } from '../errors.js';
import { checkTensor } from './common.js';

const O = {
  indexPut_: op('aten::index_put_'),
  linalgQr: op('aten::linalg_qr'),
  diag: op('aten::diag'),
};

/** Nonlinearities known to calculateGain. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/** `calculate_gain(nonlinearity, param=None)`: the recommended gain for a nonlinearity. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  const linearFns = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];
  if (linearFns.includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5.0 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2.0);
  if (nonlinearity === 'leaky_relu') {
    let slope: number;
    if (param === undefined || param === null) slope = 0.01;
    else if (typeof param === 'number' && !Number.isNaN(param)) slope = param;
    else throw new TypeError(`calculateGain: negative_slope ${describe(param)} not a valid number`);
    return Math.sqrt(2.0 / (1 + slope ** 2));
  }
  if (nonlinearity === 'selu') return 3.0 / 4;
  throw new TypeError(`calculateGain: unsupported nonlinearity ${describe(nonlinearity)}`);
}

/** PyTorch's `_calculate_fan_in_and_fan_out`. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  return fansOf(t, 'init.calculateFanInAndFanOut');
}

function fansOf(t: Tensor, fn: string): [number, number] {
  const shape = checkTensor(t, fn, 'tensor').shape;
  if (shape.length < 2) throw new RangeError(`${fn}: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

function correctFan(t: Tensor, rawMode: unknown, fn: string): number {
  // Python lowercases the mode first.
  const mode = typeof rawMode === 'string' ? rawMode.toLowerCase() : rawMode;
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new TypeError(`${fn}: mode ${describe(mode)} not supported, please use one of 'fan_in', 'fan_out'`);
  const [fanIn, fanOut] = fansOf(t, fn);
  return mode === 'fan_in' ? fanIn : fanOut;
}

/** `uniform_(tensor, a=0, b=1)`. */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  checkTensor(t, 'init.uniform_', 'tensor');
  return noGrad(() => t.uniform_(expectNumber(a, 'init.uniform_: a'), expectNumber(b, 'init.uniform_: b')));
}
/** `normal_(tensor, mean=0, std=1)`. */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  checkTensor(t, 'init.normal_', 'tensor');
  return noGrad(() => t.normal_(expectNumber(mean, 'init.normal_: mean'), expectNumber(std, 'init.normal_: std')));
}
/** `constant_(tensor, val)`. */
export function constant_(t: Tensor, val: number): Tensor {
  checkTensor(t, 'init.constant_', 'tensor');
  return noGrad(() => t.fill_(expectNumber(val, 'init.constant_: val')));
}
/** `zeros_(tensor)`. */
export function zeros_(t: Tensor): Tensor {
  checkTensor(t, 'init.zeros_', 'tensor');
  return noGrad(() => t.zero_());
}
/** `ones_(tensor)`. */
export function ones_(t: Tensor): Tensor {
  checkTensor(t, 'init.ones_', 'tensor');
  return noGrad(() => t.fill_(1));
}
/** `xavier_uniform_(tensor, gain=1)`: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  checkTensor(t, 'init.xavierUniform_', 'tensor');
  const [fanIn, fanOut] = fansOf(t, 'init.xavierUniform_');
  const std = expectNumber(gain, 'init.xavierUniform_: gain') * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return noGrad(() => t.uniform_(-a, a));
}
/** `xavier_normal_(tensor, gain=1)`. */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  checkTensor(t, 'init.xavierNormal_', 'tensor');
  const [fanIn, fanOut] = fansOf(t, 'init.xavierNormal_');
  const std = expectNumber(gain, 'init.xavierNormal_: gain') * Math.sqrt(2.0 / (fanIn + fanOut));
  return noGrad(() => t.normal_(0, std));
}

/** Options of the Kaiming initialisers (Python's keyword arguments). */
export interface KaimingOptions {
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, opts: KaimingOptions, fn: string): number | null {
  checkTensor(t, fn, 'tensor');
  checkOptions(opts, ['a', 'mode', 'nonlinearity'], fn);
  if (t.shape.includes(0)) return null; // PyTorch warns and leaves an empty tensor alone
  const fan = correctFan(t, opts?.mode ?? 'fan_in', fn);
  const gain = calculateGain(opts?.nonlinearity ?? 'leaky_relu', opts?.a ?? 0);
  return gain / Math.sqrt(fan);
}
/** `kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')`. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions | null = {}): Tensor {
  const std = kaimingStd(t, opts ?? {}, 'init.kaimingUniform_');
  if (std === null) return t;
  const bound = Math.sqrt(3.0) * std;
  return noGrad(() => t.uniform_(-bound, bound));
}
/** `kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')`. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions | null = {}): Tensor {
  const std = kaimingStd(t, opts ?? {}, 'init.kaimingNormal_');
  if (std === null) return t;
  return noGrad(() => t.normal_(0, std));
}

/** Python's math.erf, through LibTorch's float64 erf (the same libm function). */
function erf(x: number): number {
  return tidy(() => tensor([x], { dtype: 'float64' }).erf().item() as number);
}

/**
 * `trunc_normal_(tensor, mean=0, std=1, a=-2, b=2)`: N(mean, std²) truncated to [a, b] by
 * inverse-CDF sampling, PyTorch's steps and draws (uniform_, erfinv_, mul_, add_, clamp_).
 */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  const fn = 'init.truncNormal_';
  checkTensor(t, fn, 'tensor');
  expectNumber(mean, `${fn}: mean`);
  expectNumber(std, `${fn}: std`);
  expectNumber(a, `${fn}: a`);
  expectNumber(b, `${fn}: b`);
  if (mean < a - 2 * std || mean > b + 2 * std) {
    process.emitWarning('mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may be incorrect.');
  }
  const normCdf = (x: number): number => (1 + erf(x / Math.sqrt(2))) / 2;
  const l = normCdf((a - mean) / std);
  const u = normCdf((b - mean) / std);
  return noGrad(() => {
    t.uniform_(2 * l - 1, 2 * u - 1);
    t.erfinv_();
    t.mul_(std * Math.sqrt(2));
    t.add_(mean);
    t.clamp_(a, b);
    return t;
  });
}

/** `eye_(tensor)`: the identity matrix in a 2-D tensor (torch.eye(*shape, out=tensor)). */
export function eye_(t: Tensor): Tensor {
  const fn = 'init.eye_';
  checkTensor(t, fn, 'tensor');
  if (t.ndim !== 2) throw new RangeError(`${fn}: Only tensors with 2 dimensions are supported (got ${t.ndim})`);
  return tidy(() => noGrad(() => t.copy_(eye(t.shape[0], t.shape[1], { dtype: t.dtype, device: t.device }))));
}

/**
 * `dirac_(tensor, groups=1)`: the Dirac delta in a 3-, 4- or 5-D convolution weight, so the
 * convolution keeps its input channels (per group).
 */
export function dirac_(t: Tensor, groups = 1): Tensor {
  const fn = 'init.dirac_';
  checkTensor(t, fn, 'tensor');
  expectPositiveInt(groups, `${fn}: groups`);
  const dims = t.ndim;
  if (dims < 3 || dims > 5) throw new RangeError(`${fn}: Only tensors with 3, 4, or 5 dimensions are supported (got ${dims})`);
  const sizes = t.shape;
  if (sizes[0] % groups !== 0) throw new RangeError(`${fn}: dim 0 must be divisible by groups (${sizes[0]} by ${groups})`);
  const outPerGroup = sizes[0] / groups;
  const minDim = Math.min(outPerGroup, sizes[1]);
  return tidy(() =>
    noGrad(() => {
      t.zero_();
      // Python sets each element in a loop; one index_put_ of all positions sets the same ones.
      const idx: number[][] = Array.from({ length: dims }, () => []);
      for (let g = 0; g < groups; g++) {
        for (let d = 0; d < minDim; d++) {
          idx[0].push(g * outPerGroup + d);
          idx[1].push(d);
          for (let k = 2; k < dims; k++) idx[k].push(Math.floor(sizes[k] / 2));
        }
      }
      if (idx[0].length > 0) {
        const indices = idx.map((v) => tensor(v, { dtype: 'int64', device: t.device }));
        O.indexPut_(
          t._h,
          indices.map((i) => i._h),
          tensor(1, { dtype: t.dtype, device: t.device })._h,
        );
      }
      return t;
    }),
  );
}

/**
 * `orthogonal_(tensor, gain=1)`: a (semi-)orthogonal matrix from the QR decomposition of a
 * normal draw, as PyTorch (the same draws: a rows × numel/rows normal_, then linalg.qr).
 */
export function orthogonal_(t: Tensor, gain = 1): Tensor {
  const fn = 'init.orthogonal_';
  checkTensor(t, fn, 'tensor');
  expectNumber(gain, `${fn}: gain`);
  if (t.ndim < 2) throw new RangeError(`${fn}: Only tensors with 2 or more dimensions are supported (got ${t.ndim})`);
  if (t.numel() === 0) return t;
  const rows = t.shape[0];
  const cols = t.numel() / rows;
  return tidy(() =>
    noGrad(() => {
      let flattened = empty([rows, cols], { dtype: t.dtype, device: t.device }).normal_(0, 1);
      if (rows < cols) flattened = flattened.t();
      const [qh, rh] = O.linalgQr(flattened._h) as [number, number];
      let q = wrap(qh);
      const d = wrap(O.diag(rh, 0));
      wrap(rh).dispose();
      q = q.mul(d.sign());
      if (rows < cols) q = q.t();
      t.viewAs(q).copy_(q);
      t.mul_(gain);
      return t;
    }),
  );
}

/**
 * `sparse_(tensor, sparsity, std=0.01)`: a 2-D tensor from N(0, std²) with ceil(sparsity·rows)
 * zeros in each column, at rows chosen by one randperm per column (PyTorch's draws).
 */
export function sparse_(t: Tensor, sparsity: number, std = 0.01): Tensor {
  const fn = 'init.sparse_';
  checkTensor(t, fn, 'tensor');
  expectNumber(sparsity, `${fn}: sparsity`);
  expectNumber(std, `${fn}: std`);
  if (t.ndim !== 2) throw new RangeError(`${fn}: Only tensors with 2 dimensions are supported (got ${t.ndim})`);
  const [rows, cols] = t.shape;
  const numZeros = expectNonNegInt(Math.ceil(sparsity * rows), `${fn}: ceil(sparsity * rows)`);
  return tidy(() =>
    noGrad(() => {
      t.normal_(0, std);
      const zero = tensor(0, { dtype: t.dtype, device: t.device });
      for (let col = 0; col < cols; col++) {
        const rowIndices = randperm(rows);
        const zeroIndices = rowIndices.narrow(0, 0, Math.min(numZeros, rows)).to(t.device);
        O.indexPut_(t._h, [zeroIndices._h, tensor(col, { dtype: 'int64', device: t.device })._h], zero._h);
      }
      return t;
    }),
  );
}
