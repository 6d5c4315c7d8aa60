/**
 * nn.functional, pooling (torch/nn/functional.py): max/avg pooling in 1 and 3 dimensions,
 * adaptive max/avg pooling, power-average (LP) pooling, fractional max pooling and max unpooling.
 * maxPool2d, avgPool2d and adaptiveAvgPool2d are in functional/index.ts.
 */
import { type Tensor, op, wrap, ValuesIndices, rand } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool, expectNumber, isInt64 } from '../../errors.js';
import { tidy } from '../../scope.js';
import { checkTensor, checkOptTensor, shapeStr, withContext } from '../common.js';
import { ntuple } from '../modules/utils.js';
import type { IntOrTuple } from './conv.js';
import { maxPool2d, type MaxPool2dFunctionalOptions } from './index.js';

const O = {
  maxPool1d: op('aten::max_pool1d'),
  maxPool1dIdx: op('aten::max_pool1d_with_indices'),
  maxPool3d: op('aten::max_pool3d'),
  maxPool3dIdx: op('aten::max_pool3d_with_indices'),
  avgPool1d: op('aten::avg_pool1d'),
  avgPool2d: op('aten::avg_pool2d'),
  avgPool3d: op('aten::avg_pool3d'),
  adaptiveAvgPool1d: op('aten::adaptive_avg_pool1d'),
  adaptiveAvgPool3d: op('aten::adaptive_avg_pool3d'),
  adaptiveMaxPool1d: op('aten::adaptive_max_pool1d'),
  adaptiveMaxPool2d: op('aten::adaptive_max_pool2d'),
  adaptiveMaxPool3d: op('aten::adaptive_max_pool3d'),
  fractional2d: op('aten::fractional_max_pool2d'),
  fractional3d: op('aten::fractional_max_pool3d'),
  maxUnpool2d: op('aten::max_unpool2d'),
  maxUnpool3d: op('aten::max_unpool3d'),
  pow: op('aten::pow.Tensor_Scalar'),
  sign: op('aten::sign'),
  abs: op('aten::abs'),
  relu: op('aten::relu'),
  mul: op('aten::mul.Tensor'),
  mulScalar: op('aten::mul.Scalar'),
  unsqueeze: op('aten::unsqueeze'),
  squeeze: op('aten::squeeze.dim'),
};

/** Options of maxPool1d/3d (Python's keyword arguments). */
export interface MaxPoolFunctionalOptions {
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

function maxPoolNd(n: 1 | 3, input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolFunctionalOptions | null): Tensor | ValuesIndices {
  const fn = `maxPool${n}d`;
  checkTensor(input, fn);
  checkOptions(opts, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'], fn);
  const k = ntuple(kernelSize, n, fn, 'kernelSize', 1);
  // Python passes [] for stride=None: LibTorch then uses the kernel size.
  const stride = opts?.stride === undefined || opts?.stride === null ? [] : ntuple(opts.stride, n, fn, 'stride', 1);
  const padding = ntuple(opts?.padding ?? 0, n, fn, 'padding');
  const dilation = ntuple(opts?.dilation ?? 1, n, fn, 'dilation', 1);
  const ceil = expectBool(opts?.ceilMode ?? false, `${fn}: ceilMode`);
  const idx = expectBool(opts?.returnIndices ?? false, `${fn}: returnIndices`);
  return withContext(fn, () => {
    if (idx) {
      const [v, i] = (n === 1 ? O.maxPool1dIdx : O.maxPool3dIdx)(input._h, k, stride, padding, dilation, ceil) as [number, number];
      return new ValuesIndices(wrap(v), wrap(i));
    }
    return wrap((n === 1 ? O.maxPool1d : O.maxPool3d)(input._h, k, stride, padding, dilation, ceil));
  });
}

/** `F.max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)`: input [N, C, L] or [C, L]. */
export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, opts?: (MaxPoolFunctionalOptions & { returnIndices?: false }) | null): Tensor;
export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolFunctionalOptions & { returnIndices: true }): ValuesIndices;
export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolFunctionalOptions | null = {}): Tensor | ValuesIndices {
  return maxPoolNd(1, input, kernelSize, opts);
}
/** `F.max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)`: input [N, C, D, H, W] or [C, D, H, W]. */
export function maxPool3d(input: Tensor, kernelSize: IntOrTuple, opts?: (MaxPoolFunctionalOptions & { returnIndices?: false }) | null): Tensor;
export function maxPool3d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolFunctionalOptions & { returnIndices: true }): ValuesIndices;
export function maxPool3d(input: Tensor, kernelSize: IntOrTuple, opts: MaxPoolFunctionalOptions | null = {}): Tensor | ValuesIndices {
  return maxPoolNd(3, input, kernelSize, opts);
}

/** Options of avgPool1d. */
export interface AvgPool1dFunctionalOptions {
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}
/** Options of avgPool3d. */
export interface AvgPool3dFunctionalOptions extends AvgPool1dFunctionalOptions {
  divisorOverride?: number | null;
}

/** `F.avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)`. */
export function avgPool1d(input: Tensor, kernelSize: IntOrTuple, opts: AvgPool1dFunctionalOptions | null = {}): Tensor {
  const fn = 'avgPool1d';
  checkTensor(input, fn);
  checkOptions(opts, ['stride', 'padding', 'ceilMode', 'countIncludePad'], fn);
  const k = ntuple(kernelSize, 1, fn, 'kernelSize', 1);
  const stride = opts?.stride === undefined || opts?.stride === null ? [] : ntuple(opts.stride, 1, fn, 'stride', 1);
  const padding = ntuple(opts?.padding ?? 0, 1, fn, 'padding');
  const ceil = expectBool(opts?.ceilMode ?? false, `${fn}: ceilMode`);
  const cip = expectBool(opts?.countIncludePad ?? true, `${fn}: countIncludePad`);
  return withContext(fn, () => wrap(O.avgPool1d(input._h, k, stride, padding, ceil, cip)));
}

function divisorArg(v: unknown, fn: string): number | null {
  if (v === undefined || v === null) return null;
  if (isInt64(v) && v !== 0) return v;
  throw new TypeError(`${fn}: Expected a non-zero integer or null for divisorOverride but received ${describe(v)}`);
}

/** `F.avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)`. */
export function avgPool3d(input: Tensor, kernelSize: IntOrTuple, opts: AvgPool3dFunctionalOptions | null = {}): Tensor {
  const fn = 'avgPool3d';
  checkTensor(input, fn);
  checkOptions(opts, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'], fn);
  const k = ntuple(kernelSize, 3, fn, 'kernelSize', 1);
  const stride = opts?.stride === undefined || opts?.stride === null ? [] : ntuple(opts.stride, 3, fn, 'stride', 1);
  const padding = ntuple(opts?.padding ?? 0, 3, fn, 'padding');
  const ceil = expectBool(opts?.ceilMode ?? false, `${fn}: ceilMode`);
  const cip = expectBool(opts?.countIncludePad ?? true, `${fn}: countIncludePad`);
  const div = divisorArg(opts?.divisorOverride, fn);
  return withContext(fn, () => wrap(O.avgPool3d(input._h, k, stride, padding, ceil, cip, div)));
}

/** An adaptive output size: one int, or one per dimension where null keeps the input's size. */
export type AdaptiveSize = number | (number | null)[];

/** Python's `_list_with_default`: null entries take the input's size. */
function adaptiveSize(input: Tensor, outputSize: unknown, n: number, fn: string, allowNull: boolean): number[] {
  const s = input.shape;
  if (isInt64(outputSize) && outputSize >= 0) return new Array<number>(n).fill(outputSize);
  if (Array.isArray(outputSize) && outputSize.length === n) {
    return outputSize.map((v, i) => {
      if (v === null && allowNull) return s[s.length - n + i] ?? 0;
      if (isInt64(v) && v >= 0) return v;
      throw new TypeError(`${fn}: Expected a non-negative integer${allowNull ? ' or null' : ''} for outputSize[${i}] but received ${describe(v)}`);
    });
  }
  throw new TypeError(
    `${fn}: Expected a non-negative integer or an array of ${n} of them${allowNull ? ' (null keeps the input size)' : ''} for outputSize but received ${describe(outputSize)}`,
  );
}

/** `F.adaptive_avg_pool1d(input, output_size)`: input [N, C, L] or [C, L]. */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | [number]): Tensor {
  const fn = 'adaptiveAvgPool1d';
  checkTensor(input, fn);
  const o = adaptiveSize(input, outputSize, 1, fn, false);
  return withContext(fn, () => wrap(O.adaptiveAvgPool1d(input._h, o)));
}
/** `F.adaptive_avg_pool3d(input, output_size)`: input [N, C, D, H, W] or [C, D, H, W]; null keeps a size. */
export function adaptiveAvgPool3d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  const fn = 'adaptiveAvgPool3d';
  checkTensor(input, fn);
  const o = adaptiveSize(input, outputSize, 3, fn, true);
  return withContext(fn, () => wrap(O.adaptiveAvgPool3d(input._h, o)));
}

/** The returnIndices argument of the adaptive max poolings: a boolean or `{ returnIndices }`. */
export type ReturnIndicesArg = boolean | { returnIndices?: boolean } | null;
function returnIndicesArg(v: ReturnIndicesArg | undefined, fn: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'object') {
    checkOptions(v, ['returnIndices'], fn);
    return expectBool(v.returnIndices ?? false, `${fn}: returnIndices`);
  }
  return expectBool(v, `${fn}: returnIndices`);
}
/** A returnIndices argument that asks for the indices. */
export type WithIndices = true | { returnIndices: true };
/** A returnIndices argument that does not ask for the indices. */
export type WithoutIndices = false | { returnIndices?: false } | null;

function adaptiveMaxPoolNd(n: 1 | 2 | 3, input: Tensor, outputSize: unknown, ri: ReturnIndicesArg | undefined): Tensor | ValuesIndices {
  const fn = `adaptiveMaxPool${n}d`;
  checkTensor(input, fn);
  const o = adaptiveSize(input, outputSize, n, fn, n !== 1);
  const idx = returnIndicesArg(ri, fn);
  const f = n === 1 ? O.adaptiveMaxPool1d : n === 2 ? O.adaptiveMaxPool2d : O.adaptiveMaxPool3d;
  return withContext(fn, () => {
    const [v, i] = (f(input._h, o) as [number, number]).map(wrap);
    if (idx) return new ValuesIndices(v, i);
    i.dispose();
    return v;
  });
}

/** `F.adaptive_max_pool1d(input, output_size, return_indices=False)`. */
export function adaptiveMaxPool1d(input: Tensor, outputSize: number | [number], returnIndices?: WithoutIndices): Tensor;
export function adaptiveMaxPool1d(input: Tensor, outputSize: number | [number], returnIndices: WithIndices): ValuesIndices;
export function adaptiveMaxPool1d(input: Tensor, outputSize: number | [number], returnIndices?: ReturnIndicesArg): Tensor | ValuesIndices {
  return adaptiveMaxPoolNd(1, input, outputSize, returnIndices);
}
/** `F.adaptive_max_pool2d(input, output_size, return_indices=False)`; null in outputSize keeps that size. */
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, returnIndices?: WithoutIndices): Tensor;
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, returnIndices: WithIndices): ValuesIndices;
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, returnIndices?: ReturnIndicesArg): Tensor | ValuesIndices {
  return adaptiveMaxPoolNd(2, input, outputSize, returnIndices);
}
/** `F.adaptive_max_pool3d(input, output_size, return_indices=False)`; null in outputSize keeps that size. */
export function adaptiveMaxPool3d(input: Tensor, outputSize: AdaptiveSize, returnIndices?: WithoutIndices): Tensor;
export function adaptiveMaxPool3d(input: Tensor, outputSize: AdaptiveSize, returnIndices: WithIndices): ValuesIndices;
export function adaptiveMaxPool3d(input: Tensor, outputSize: AdaptiveSize, returnIndices?: ReturnIndicesArg): Tensor | ValuesIndices {
  return adaptiveMaxPoolNd(3, input, outputSize, returnIndices);
}

/** Options of lpPool1d/2d. */
export interface LPPoolFunctionalOptions {
  stride?: IntOrTuple | null;
  ceilMode?: boolean;
}

function lpPoolNd(n: 1 | 2, input: Tensor, normType: number, kernelSize: IntOrTuple, opts: LPPoolFunctionalOptions | null): Tensor {
  const fn = `lpPool${n}d`;
  checkTensor(input, fn);
  expectNumber(normType, `${fn}: normType`);
  checkOptions(opts, ['stride', 'ceilMode'], fn);
  const k = ntuple(kernelSize, n, fn, 'kernelSize', 1);
  const stride = opts?.stride === undefined || opts?.stride === null ? [] : ntuple(opts.stride, n, fn, 'stride', 1);
  const ceil = expectBool(opts?.ceilMode ?? false, `${fn}: ceilMode`);
  // As Python: avg_pool of x^p, then (sign(out)·relu(|out|)·prod(k))^(1/p).
  return withContext(fn, () =>
    tidy(() => {
      const p = wrap(O.pow(input._h, normType));
      const out = n === 1 ? wrap(O.avgPool1d(p._h, k, stride, [0], ceil, true)) : wrap(O.avgPool2d(p._h, k, stride, [0, 0], ceil, true, null));
      const s = wrap(O.mul(wrap(O.sign(out._h))._h, wrap(O.relu(wrap(O.abs(out._h))._h))._h));
      return wrap(
        O.pow(
          wrap(
            O.mulScalar(
              s._h,
              k.reduce((a, b) => a * b, 1),
            ),
          )._h,
          1.0 / normType,
        ),
      );
    }),
  );
}

/** `F.lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False)`. */
export function lpPool1d(input: Tensor, normType: number, kernelSize: number | [number], opts: LPPoolFunctionalOptions | null = {}): Tensor {
  return lpPoolNd(1, input, normType, kernelSize, opts);
}
/** `F.lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False)`. */
export function lpPool2d(input: Tensor, normType: number, kernelSize: number | [number, number], opts: LPPoolFunctionalOptions | null = {}): Tensor {
  return lpPoolNd(2, input, normType, kernelSize, opts);
}

/** Options of fractionalMaxPool2d/3d. */
export interface FractionalMaxPoolFunctionalOptions {
  outputSize?: IntOrTuple | null;
  outputRatio?: number | number[] | null;
  returnIndices?: boolean;
  /** Python's `_random_samples`: [N, C, n] in [0, 1); drawn with torch.rand when absent. */
  _randomSamples?: Tensor | null;
}

function fractionalNd(n: 2 | 3, input: Tensor, kernelSize: IntOrTuple, opts: FractionalMaxPoolFunctionalOptions | null): Tensor | ValuesIndices {
  const fn = `fractionalMaxPool${n}d`;
  checkTensor(input, fn);
  checkOptions(opts, ['outputSize', 'outputRatio', 'returnIndices', '_randomSamples'], fn);
  const k = ntuple(kernelSize, n, fn, 'kernelSize', 1);
  const idx = expectBool(opts?.returnIndices ?? false, `${fn}: returnIndices`);
  const samples = checkOptTensor(opts?._randomSamples, fn, '_randomSamples');
  let size: number[];
  if (opts?.outputSize !== undefined && opts?.outputSize !== null) {
    size = ntuple(opts.outputSize, n, fn, 'outputSize', 1);
  } else if (opts?.outputRatio !== undefined && opts?.outputRatio !== null) {
    const r = opts.outputRatio;
    const ratio = typeof r === 'number' ? new Array<number>(n).fill(r) : r;
    if (!Array.isArray(ratio) || ratio.length !== n || !ratio.every((x) => typeof x === 'number')) {
      throw new TypeError(`${fn}: Expected a number or an array of ${n} numbers for outputRatio but received ${describe(r)}`);
    }
    const s = input.shape;
    size = ratio.map((x, i) => Math.trunc((s[s.length - n + i] ?? 0) * x));
  } else {
    throw new TypeError(`${fn}: fractional_max_pool${n}d requires specifying either an output_size or an output_ratio`);
  }
  return withContext(fn, () => {
    let rs = samples;
    if (rs === null) {
      if (input.ndim < n + 1) throw new RangeError(`expected ${n + 1}D or ${n + 2}D input, got ${shapeStr(input.shape)}`);
      const nBatch = input.ndim === n + 1 ? 1 : input.shape[0];
      rs = rand([nBatch, input.shape[input.ndim - n - 1], n], { dtype: input.dtype, device: input.device });
    }
    try {
      const [v, i] = ((n === 2 ? O.fractional2d : O.fractional3d)(input._h, k, size, rs._h) as [number, number]).map(wrap);
      if (idx) return new ValuesIndices(v, i);
      i.dispose();
      return v;
    } finally {
      if (rs !== samples) rs.dispose();
    }
  });
}

/**
 * `F.fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
 * _random_samples=None)`: the random samples are drawn as PyTorch draws them (torch.rand(N, C, 2)).
 */
export function fractionalMaxPool2d(
  input: Tensor,
  kernelSize: IntOrTuple,
  opts?: (FractionalMaxPoolFunctionalOptions & { returnIndices?: false }) | null,
): Tensor;
export function fractionalMaxPool2d(input: Tensor, kernelSize: IntOrTuple, opts: FractionalMaxPoolFunctionalOptions & { returnIndices: true }): ValuesIndices;
export function fractionalMaxPool2d(input: Tensor, kernelSize: IntOrTuple, opts: FractionalMaxPoolFunctionalOptions | null = {}): Tensor | ValuesIndices {
  return fractionalNd(2, input, kernelSize, opts);
}
/** `F.fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None)`. */
export function fractionalMaxPool3d(
  input: Tensor,
  kernelSize: IntOrTuple,
  opts?: (FractionalMaxPoolFunctionalOptions & { returnIndices?: false }) | null,
): Tensor;
export function fractionalMaxPool3d(input: Tensor, kernelSize: IntOrTuple, opts: FractionalMaxPoolFunctionalOptions & { returnIndices: true }): ValuesIndices;
export function fractionalMaxPool3d(input: Tensor, kernelSize: IntOrTuple, opts: FractionalMaxPoolFunctionalOptions | null = {}): Tensor | ValuesIndices {
  return fractionalNd(3, input, kernelSize, opts);
}

/** Options of maxUnpool1d/2d/3d. */
export interface MaxUnpoolFunctionalOptions {
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  /** The spatial output size (or the whole shape, N and C included). */
  outputSize?: number[] | null;
}

/** Python's `_unpool_output_size`. */
function unpoolOutputSize(input: Tensor, k: number[], stride: number[], padding: number[], outputSize: unknown, fn: string): number[] {
  const n = k.length;
  const s = input.shape;
  const def = k.map((kd, d) => ((s[s.length - n + d] ?? 0) - 1) * stride[d] + kd - 2 * padding[d]);
  if (outputSize === undefined || outputSize === null) return def;
  if (!Array.isArray(outputSize) || !outputSize.every((v) => isInt64(v))) {
    throw new TypeError(`${fn}: Expected an array of integers for outputSize but received ${describe(outputSize)}`);
  }
  let o = outputSize as number[];
  if (o.length === n + 2) o = o.slice(2);
  if (o.length !== n) {
    throw new RangeError(`${fn}: output_size should be a sequence containing ${n} or ${n + 2} elements, but it has a length of '${o.length}'`);
  }
  for (let d = 0; d < n; d++) {
    const min = def[d] - stride[d];
    const max = def[d] + stride[d];
    if (!(min < o[d] && o[d] < max)) throw new RangeError(`${fn}: invalid output_size "${shapeStr(o)}" (dim ${d} must be between ${min} and ${max})`);
  }
  return o;
}

function maxUnpoolNd(n: 1 | 2 | 3, input: Tensor, indices: Tensor, kernelSize: IntOrTuple, opts: MaxUnpoolFunctionalOptions | null): Tensor {
  const fn = `maxUnpool${n}d`;
  checkTensor(input, fn);
  checkTensor(indices, fn, 'indices');
  checkOptions(opts, ['stride', 'padding', 'outputSize'], fn);
  const k = ntuple(kernelSize, n, fn, 'kernelSize', 1);
  const stride = opts?.stride === undefined || opts?.stride === null ? k : ntuple(opts.stride, n, fn, 'stride', 1);
  const padding = ntuple(opts?.padding ?? 0, n, fn, 'padding');
  const size = unpoolOutputSize(input, k, stride, padding, opts?.outputSize, fn);
  return withContext(fn, () => {
    if (n === 2) return wrap(O.maxUnpool2d(input._h, indices._h, size));
    if (n === 3) return wrap(O.maxUnpool3d(input._h, indices._h, size, stride, padding));
    // As Python: the 1-d case is the 2-d kernel on a trailing unit dimension.
    return tidy(() => {
      const x = wrap(O.unsqueeze(input._h, -1));
      const i = wrap(O.unsqueeze(indices._h, -1));
      return wrap(O.squeeze(wrap(O.maxUnpool2d(x._h, i._h, [...size, 1]))._h, -1));
    });
  });
}

/** `F.max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None)`. */
export function maxUnpool1d(input: Tensor, indices: Tensor, kernelSize: number | [number], opts: MaxUnpoolFunctionalOptions | null = {}): Tensor {
  return maxUnpoolNd(1, input, indices, kernelSize, opts);
}
/** `F.max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None)`. */
export function maxUnpool2d(input: Tensor, indices: Tensor, kernelSize: number | [number, number], opts: MaxUnpoolFunctionalOptions | null = {}): Tensor {
  return maxUnpoolNd(2, input, indices, kernelSize, opts);
}
/** `F.max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None)`. */
export function maxUnpool3d(
  input: Tensor,
  indices: Tensor,
  kernelSize: number | [number, number, number],
  opts: MaxUnpoolFunctionalOptions | null = {},
): Tensor {
  return maxUnpoolNd(3, input, indices, kernelSize, opts);
}

// Python's *_with_indices forms: the pooling with return_indices=True, always [values, indices].
/** Pooling options without returnIndices (the *WithIndices forms always return them). */
export type WithoutReturnIndices<O> = Omit<O, 'returnIndices'>;

/** `F.max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)`. */
export function maxPool1dWithIndices(input: Tensor, kernelSize: IntOrTuple, opts: WithoutReturnIndices<MaxPoolFunctionalOptions> | null = {}): ValuesIndices {
  return maxPool1d(input, kernelSize, { ...withoutIndicesOption(opts, 'maxPool1dWithIndices'), returnIndices: true });
}
/** `F.max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)`. */
export function maxPool2dWithIndices(
  input: Tensor,
  kernelSize: number | [number, number],
  opts: WithoutReturnIndices<MaxPool2dFunctionalOptions> | null = {},
): ValuesIndices {
  return maxPool2d(input, kernelSize, { ...withoutIndicesOption(opts, 'maxPool2dWithIndices'), returnIndices: true });
}
/** `F.max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)`. */
export function maxPool3dWithIndices(input: Tensor, kernelSize: IntOrTuple, opts: WithoutReturnIndices<MaxPoolFunctionalOptions> | null = {}): ValuesIndices {
  return maxPool3d(input, kernelSize, { ...withoutIndicesOption(opts, 'maxPool3dWithIndices'), returnIndices: true });
}
/** `F.adaptive_max_pool1d_with_indices(input, output_size)`. */
export function adaptiveMaxPool1dWithIndices(input: Tensor, outputSize: number | [number]): ValuesIndices {
  return adaptiveMaxPool1d(input, outputSize, true);
}
/** `F.adaptive_max_pool2d_with_indices(input, output_size)`. */
export function adaptiveMaxPool2dWithIndices(input: Tensor, outputSize: AdaptiveSize): ValuesIndices {
  return adaptiveMaxPool2d(input, outputSize, true);
}
/** `F.adaptive_max_pool3d_with_indices(input, output_size)`. */
export function adaptiveMaxPool3dWithIndices(input: Tensor, outputSize: AdaptiveSize): ValuesIndices {
  return adaptiveMaxPool3d(input, outputSize, true);
}
/** `F.fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None)`. */
export function fractionalMaxPool2dWithIndices(
  input: Tensor,
  kernelSize: IntOrTuple,
  opts: WithoutReturnIndices<FractionalMaxPoolFunctionalOptions> | null = {},
): ValuesIndices {
  return fractionalMaxPool2d(input, kernelSize, { ...withoutIndicesOption(opts, 'fractionalMaxPool2dWithIndices'), returnIndices: true });
}
/** `F.fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None)`. */
export function fractionalMaxPool3dWithIndices(
  input: Tensor,
  kernelSize: IntOrTuple,
  opts: WithoutReturnIndices<FractionalMaxPoolFunctionalOptions> | null = {},
): ValuesIndices {
  return fractionalMaxPool3d(input, kernelSize, { ...withoutIndicesOption(opts, 'fractionalMaxPool3dWithIndices'), returnIndices: true });
}

function withoutIndicesOption<O extends object>(opts: O | null, fn: string): O {
  if (opts !== null && typeof opts === 'object' && 'returnIndices' in opts) {
    throw new TypeError(`${fn}: got an unexpected option returnIndices (the indices are always returned)`);
  }
  return (opts ?? {}) as O;
}
