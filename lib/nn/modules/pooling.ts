/** Pooling (torch/nn/modules/pooling.py). */
import type { Tensor, ValuesIndices } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool, expectNumber, isInt64 } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { shapeStr, pyVal, pyBool, withContext, inputOf } from '../common.js';
import { ntuple } from './utils.js';

// ---- pooling -------------------------------------------------------------------------------------------

/** A size given as one integer (used for both dimensions) or a [height, width] pair. */
export type IntOrPair = number | [number, number];
/** A size given as one integer or one per dimension. */
export type IntOrTuple = number | number[];

/** Options of MaxPool1d/2d/3d. */
export interface MaxPoolOptions<T = IntOrTuple> {
  kernelSize?: T;
  stride?: T | null;
  padding?: T;
  dilation?: T;
  returnIndices?: boolean;
  ceilMode?: boolean;
}
/** Options of MaxPool2d. */
export type MaxPool2dOptions = MaxPoolOptions<IntOrPair>;

/** (kernelSize, stride?, opts?) | (kernelSize, opts) | (opts): the kernel size checked as n ints. */
function poolArgs<T extends { kernelSize?: unknown; stride?: unknown }>(
  fn: string,
  n: number,
  a: unknown,
  b: unknown,
  c: unknown,
): T & { kernelSize: IntOrTuple } {
  let opts: T;
  if (typeof a === 'object' && !Array.isArray(a) && a !== null) {
    opts = { ...(a as T) };
  } else if (typeof b === 'object' && b !== null && !Array.isArray(b)) {
    if ((b as T).kernelSize !== undefined) throw new TypeError(`${fn}: kernelSize given twice (positional and in options)`);
    opts = { ...(b as T), kernelSize: a };
  } else {
    if (c !== undefined && c !== null && (typeof c !== 'object' || Array.isArray(c)))
      throw new TypeError(`${fn}: expected an options object but received ${describe(c)}`);
    const o = (c ?? {}) as T;
    if (o.kernelSize !== undefined) throw new TypeError(`${fn}: kernelSize given twice (positional and in options)`);
    if (b !== undefined && o.stride !== undefined) throw new TypeError(`${fn}: stride given twice (positional and in options)`);
    opts = { ...o, kernelSize: a, ...(b !== undefined ? { stride: b } : {}) };
  }
  if (opts.kernelSize === undefined) throw new TypeError(`${fn}: missing kernelSize`);
  ntuple(opts.kernelSize, n, fn, 'kernelSize', 1);
  if (opts.stride !== undefined && opts.stride !== null) ntuple(opts.stride, n, fn, 'stride', 1);
  return opts as T & { kernelSize: IntOrTuple };
}

/** PyTorch's `_MaxPoolNd`: kernel, stride (the kernel by default), padding and dilation kept as given. */
abstract class MaxPoolNd<T extends IntOrTuple> extends Module {
  readonly kernelSize: T;
  readonly stride: T;
  readonly padding: T;
  readonly dilation: T;
  readonly returnIndices: boolean;
  readonly ceilMode: boolean;
  constructor(n: number, a: unknown, b: unknown, c: unknown) {
    super();
    const fn = this.constructor.name;
    const o = poolArgs<MaxPoolOptions<T>>(fn, n, a, b, c);
    checkOptions(o, ['kernelSize', 'stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'], fn);
    this.kernelSize = o.kernelSize as T;
    this.stride = (o.stride ?? o.kernelSize) as T;
    this.padding = (o.padding ?? 0) as T;
    ntuple(this.padding, n, fn, 'padding');
    this.dilation = (o.dilation ?? 1) as T;
    ntuple(this.dilation, n, fn, 'dilation', 1);
    this.returnIndices = expectBool(o.returnIndices ?? false, `${fn}: returnIndices`);
    this.ceilMode = expectBool(o.ceilMode ?? false, `${fn}: ceilMode`);
  }
  /** @internal */
  protected _opts(): { stride: IntOrTuple; padding: IntOrTuple; dilation: IntOrTuple; ceilMode: boolean } {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }
  override extraRepr(): string {
    return `kernel_size=${pyVal(this.kernelSize)}, stride=${pyVal(this.stride)}, padding=${pyVal(this.padding)}, dilation=${pyVal(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/**
 * `nn.MaxPool1d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)`:
 * input [N, C, L] or [C, L]; with returnIndices the result is [values, indices].
 */
export class MaxPool1d extends MaxPoolNd<number | [number]> {
  constructor(kernelSize: number | [number], stride?: number | [number] | null, opts?: MaxPoolOptions<number | [number]> | null);
  constructor(kernelSize: number | [number], opts: MaxPoolOptions<number | [number]>);
  constructor(opts: MaxPoolOptions<number | [number]>);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    super(1, a, b, c);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () =>
        this.returnIndices
          ? (F.maxPool1d(x, this.kernelSize, { ...this._opts(), returnIndices: true }) as unknown as Tensor)
          : F.maxPool1d(x, this.kernelSize, this._opts()),
    );
  }
}

/** `nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)`. */
export class MaxPool2d extends MaxPoolNd<IntOrPair> {
  constructor(kernelSize: IntOrPair, stride?: IntOrPair | null, opts?: MaxPool2dOptions | null);
  constructor(kernelSize: IntOrPair, opts: MaxPool2dOptions);
  constructor(opts: MaxPool2dOptions);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    super(2, a, b, c);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${this.modulePath}: expected input [N, C, H, W] or [C, H, W], got ${shapeStr(x.shape)}`);
    return withContext(
      () => this.modulePath,
      () => {
        const opts = this._opts() as F.MaxPool2dFunctionalOptions & { returnIndices?: false };
        // With returnIndices the result is [values, indices], as Python's tuple.
        return this.returnIndices
          ? (F.maxPool2d(x, this.kernelSize, { ...opts, returnIndices: true }) as unknown as Tensor)
          : F.maxPool2d(x, this.kernelSize, opts);
      },
    );
  }
}

/** `nn.MaxPool3d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)`: input [N, C, D, H, W] or [C, D, H, W]. */
export class MaxPool3d extends MaxPoolNd<number | [number, number, number]> {
  constructor(
    kernelSize: number | [number, number, number],
    stride?: number | [number, number, number] | null,
    opts?: MaxPoolOptions<number | [number, number, number]> | null,
  );
  constructor(kernelSize: number | [number, number, number], opts: MaxPoolOptions<number | [number, number, number]>);
  constructor(opts: MaxPoolOptions<number | [number, number, number]>);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    super(3, a, b, c);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () =>
        this.returnIndices
          ? (F.maxPool3d(x, this.kernelSize, { ...this._opts(), returnIndices: true }) as unknown as Tensor)
          : F.maxPool3d(x, this.kernelSize, this._opts()),
    );
  }
}

/** Options of AvgPool1d/2d/3d (divisorOverride: 2d and 3d only). */
export interface AvgPoolOptions<T = IntOrTuple> {
  kernelSize?: T;
  stride?: T | null;
  padding?: T;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}
/** Options of AvgPool2d. */
export type AvgPool2dOptions = AvgPoolOptions<IntOrPair>;

abstract class AvgPoolNd<T extends IntOrTuple> extends Module {
  readonly kernelSize: T;
  readonly stride: T;
  readonly padding: T;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(n: number, a: unknown, b: unknown, c: unknown) {
    super();
    const fn = this.constructor.name;
    const o = poolArgs<AvgPoolOptions<T>>(fn, n, a, b, c);
    checkOptions(
      o,
      n === 1
        ? ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad']
        : ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'],
      fn,
    );
    // AvgPool1d keeps tuples (Python's _single); 2d and 3d keep the values as given.
    const keep = (v: unknown, arg: string, min: number): T => {
      const t = ntuple(v, n, fn, arg, min);
      return (n === 1 ? t : v) as T;
    };
    this.kernelSize = keep(o.kernelSize, 'kernelSize', 1);
    this.stride = keep(o.stride ?? o.kernelSize, 'stride', 1);
    this.padding = keep(o.padding ?? 0, 'padding', 0);
    this.ceilMode = expectBool(o.ceilMode ?? false, `${fn}: ceilMode`);
    this.countIncludePad = expectBool(o.countIncludePad ?? true, `${fn}: countIncludePad`);
    const d = o.divisorOverride ?? null;
    if (d !== null && !(isInt64(d) && d !== 0))
      throw new TypeError(`${fn}: Expected a non-zero integer or null for divisorOverride but received ${describe(d)}`);
    this.divisorOverride = d;
  }
  override extraRepr(): string {
    return `kernel_size=${pyVal(this.kernelSize)}, stride=${pyVal(this.stride)}, padding=${pyVal(this.padding)}`;
  }
}

/** `nn.AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)`. */
export class AvgPool1d extends AvgPoolNd<number[]> {
  constructor(kernelSize: number | [number], stride?: number | [number] | null, opts?: AvgPoolOptions<number | [number]> | null);
  constructor(kernelSize: number | [number], opts: AvgPoolOptions<number | [number]>);
  constructor(opts: AvgPoolOptions<number | [number]>);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    super(1, a, b, c);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.avgPool1d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad }),
    );
  }
}

/** `nn.AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)`. */
export class AvgPool2d extends AvgPoolNd<IntOrPair> {
  constructor(kernelSize: IntOrPair, stride?: IntOrPair | null, opts?: AvgPool2dOptions | null);
  constructor(kernelSize: IntOrPair, opts: AvgPool2dOptions);
  constructor(opts: AvgPool2dOptions);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    super(2, a, b, c);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${this.modulePath}: expected input [N, C, H, W] or [C, H, W], got ${shapeStr(x.shape)}`);
    return withContext(
      () => this.modulePath,
      () =>
        F.avgPool2d(x, this.kernelSize, {
          stride: this.stride,
          padding: this.padding,
          ceilMode: this.ceilMode,
          countIncludePad: this.countIncludePad,
          divisorOverride: this.divisorOverride,
        }),
    );
  }
}

/** `nn.AvgPool3d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)`. */
export class AvgPool3d extends AvgPoolNd<number | [number, number, number]> {
  constructor(
    kernelSize: number | [number, number, number],
    stride?: number | [number, number, number] | null,
    opts?: AvgPoolOptions<number | [number, number, number]> | null,
  );
  constructor(kernelSize: number | [number, number, number], opts: AvgPoolOptions<number | [number, number, number]>);
  constructor(opts: AvgPoolOptions<number | [number, number, number]>);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    super(3, a, b, c);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () =>
        F.avgPool3d(x, this.kernelSize, {
          stride: this.stride,
          padding: this.padding,
          ceilMode: this.ceilMode,
          countIncludePad: this.countIncludePad,
          divisorOverride: this.divisorOverride,
        }),
    );
  }
}

// ---- max unpooling -----------------------------------------------------------------------------------

/** Options of MaxUnpool1d/2d/3d. */
export interface MaxUnpoolOptions<T = IntOrTuple> {
  kernelSize?: T;
  stride?: T | null;
  padding?: T;
}

abstract class MaxUnpoolNd extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  constructor(n: number, a: unknown, b: unknown, c: unknown) {
    super();
    const fn = this.constructor.name;
    const o = poolArgs<MaxUnpoolOptions>(fn, n, a, b, c);
    checkOptions(o, ['kernelSize', 'stride', 'padding'], fn);
    this.kernelSize = ntuple(o.kernelSize, n, fn, 'kernelSize', 1);
    this.stride = ntuple(o.stride ?? o.kernelSize, n, fn, 'stride', 1);
    this.padding = ntuple(o.padding ?? 0, n, fn, 'padding');
  }
  /** forward(input, indices, output_size=None): indices as returned by MaxPool with returnIndices. */
  override forward(input: Tensor, indices: Tensor, outputSize?: number[] | null): Tensor {
    const x = inputOf(this, input);
    const n = this.kernelSize.length;
    const opts = { stride: this.stride, padding: this.padding, outputSize };
    return withContext(
      () => this.modulePath,
      () =>
        n === 1
          ? F.maxUnpool1d(x, indices, this.kernelSize as [number], opts)
          : n === 2
            ? F.maxUnpool2d(x, indices, this.kernelSize as [number, number], opts)
            : F.maxUnpool3d(x, indices, this.kernelSize as [number, number, number], opts),
    );
  }
  override extraRepr(): string {
    return `kernel_size=${pyVal(this.kernelSize)}, stride=${pyVal(this.stride)}, padding=${pyVal(this.padding)}`;
  }
}

/** `nn.MaxUnpool1d(kernel_size, stride=None, padding=0)`; forward(input, indices, output_size=None). */
export class MaxUnpool1d extends MaxUnpoolNd {
  constructor(kernelSize: number | [number], stride?: number | [number] | null, opts?: MaxUnpoolOptions<number | [number]> | null);
  constructor(kernelSize: number | [number], opts: MaxUnpoolOptions<number | [number]>);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    super(1, a, b, c);
  }
}
/** `nn.MaxUnpool2d(kernel_size, stride=None, padding=0)`; forward(input, indices, output_size=None). */
export class MaxUnpool2d extends MaxUnpoolNd {
  constructor(kernelSize: IntOrPair, stride?: IntOrPair | null, opts?: MaxUnpoolOptions<IntOrPair> | null);
  constructor(kernelSize: IntOrPair, opts: MaxUnpoolOptions<IntOrPair>);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    super(2, a, b, c);
  }
}
/** `nn.MaxUnpool3d(kernel_size, stride=None, padding=0)`; forward(input, indices, output_size=None). */
export class MaxUnpool3d extends MaxUnpoolNd {
  constructor(
    kernelSize: number | [number, number, number],
    stride?: number | [number, number, number] | null,
    opts?: MaxUnpoolOptions<number | [number, number, number]> | null,
  );
  constructor(kernelSize: number | [number, number, number], opts: MaxUnpoolOptions<number | [number, number, number]>);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    super(3, a, b, c);
  }
}

// ---- LP pooling ------------------------------------------------------------------------------------------

/** Options of LPPool1d/2d. */
export interface LPPoolOptions<T = IntOrTuple> {
  stride?: T | null;
  ceilMode?: boolean;
}

abstract class LPPoolNd<T extends IntOrTuple> extends Module {
  readonly normType: number;
  readonly kernelSize: T;
  readonly stride: T | null;
  readonly ceilMode: boolean;
  constructor(n: number, normType: number, kernelSize: T, stride: T | null | LPPoolOptions<T> | undefined, opts: LPPoolOptions<T> | null | undefined) {
    super();
    const fn = this.constructor.name;
    let o: LPPoolOptions<T>;
    if (typeof stride === 'object' && stride !== null && !Array.isArray(stride)) o = stride;
    else {
      checkOptions(opts, ['stride', 'ceilMode'], fn);
      if (stride !== undefined && opts?.stride !== undefined) throw new TypeError(`${fn}: stride given twice (positional and in options)`);
      o = { ...(opts ?? {}), ...(stride !== undefined ? { stride } : {}) };
    }
    checkOptions(o, ['stride', 'ceilMode'], fn);
    this.normType = expectNumber(normType, `${fn}: normType`);
    ntuple(kernelSize, n, fn, 'kernelSize', 1);
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? null;
    if (this.stride !== null) ntuple(this.stride, n, fn, 'stride', 1);
    this.ceilMode = expectBool(o.ceilMode ?? false, `${fn}: ceilMode`);
  }
  override extraRepr(): string {
    return `norm_type=${pyVal(this.normType)}, kernel_size=${pyVal(this.kernelSize)}, stride=${pyVal(this.stride)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** `nn.LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False)`: (Σ x^p)^(1/p) over each window. */
export class LPPool1d extends LPPoolNd<number | [number]> {
  constructor(
    normType: number,
    kernelSize: number | [number],
    stride?: number | [number] | null | LPPoolOptions<number | [number]>,
    opts?: LPPoolOptions<number | [number]> | null,
  ) {
    super(1, normType, kernelSize, stride, opts);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.lpPool1d(x, this.normType, this.kernelSize, { stride: this.stride, ceilMode: this.ceilMode }),
    );
  }
}
/** `nn.LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False)`. */
export class LPPool2d extends LPPoolNd<IntOrPair> {
  constructor(normType: number, kernelSize: IntOrPair, stride?: IntOrPair | null | LPPoolOptions<IntOrPair>, opts?: LPPoolOptions<IntOrPair> | null) {
    super(2, normType, kernelSize, stride, opts);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.lpPool2d(x, this.normType, this.kernelSize, { stride: this.stride, ceilMode: this.ceilMode }),
    );
  }
}

// ---- fractional max pooling ----------------------------------------------------------------------------

/** Options of FractionalMaxPool2d/3d (one of outputSize and outputRatio). */
export interface FractionalMaxPoolOptions<T = IntOrTuple> {
  kernelSize?: T;
  outputSize?: T | null;
  outputRatio?: number | number[] | null;
  returnIndices?: boolean;
  _randomSamples?: Tensor | null;
}

abstract class FractionalMaxPoolNd extends Module {
  readonly kernelSize: number[];
  readonly returnIndices: boolean;
  readonly outputSize: number[] | null;
  readonly outputRatio: number[] | null;
  declare _random_samples: Tensor | null;
  constructor(n: number, a: unknown, b: unknown) {
    super();
    const fn = this.constructor.name;
    let o: FractionalMaxPoolOptions;
    if (typeof a === 'object' && a !== null && !Array.isArray(a)) o = a as FractionalMaxPoolOptions;
    else {
      const rest = (b ?? {}) as FractionalMaxPoolOptions;
      if (typeof rest !== 'object') throw new TypeError(`${fn}: expected an options object but received ${describe(b)}`);
      if (rest.kernelSize !== undefined) throw new TypeError(`${fn}: kernelSize given twice (positional and in options)`);
      o = { ...rest, kernelSize: a as IntOrTuple };
    }
    checkOptions(o, ['kernelSize', 'outputSize', 'outputRatio', 'returnIndices', '_randomSamples'], fn);
    if (o.kernelSize === undefined) throw new TypeError(`${fn}: missing kernelSize`);
    this.kernelSize = ntuple(o.kernelSize, n, fn, 'kernelSize', 1);
    this.returnIndices = expectBool(o.returnIndices ?? false, `${fn}: returnIndices`);
    const rs = o._randomSamples ?? null;
    this.registerBuffer('_random_samples', rs);
    this.outputSize = o.outputSize === undefined || o.outputSize === null ? null : ntuple(o.outputSize, n, fn, 'outputSize', 1);
    const r = o.outputRatio ?? null;
    if (r !== null && !(typeof r === 'number' || (Array.isArray(r) && r.length === n && r.every((x) => typeof x === 'number')))) {
      throw new TypeError(`${fn}: Expected a number or an array of ${n} numbers for outputRatio but received ${describe(r)}`);
    }
    this.outputRatio = r === null ? null : typeof r === 'number' ? new Array<number>(n).fill(r) : [...r];
    if (this.outputSize === null && this.outputRatio === null)
      throw new TypeError(`${fn}: ${fn} requires specifying either an output size, or a pooling ratio`);
    if (this.outputSize !== null && this.outputRatio !== null) throw new TypeError(`${fn}: only one of output_size and output_ratio may be specified`);
    if (this.outputRatio !== null && !this.outputRatio.every((x) => x > 0 && x < 1)) {
      throw new RangeError(`${fn}: output_ratio must be between 0 and 1 (got ${pyVal(r)})`);
    }
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    const n = this.kernelSize.length;
    const opts = { outputSize: this.outputSize, outputRatio: this.outputRatio, _randomSamples: this._random_samples };
    return withContext(
      () => this.modulePath,
      () => {
        const f = n === 2 ? F.fractionalMaxPool2d : F.fractionalMaxPool3d;
        return this.returnIndices
          ? (f(x, this.kernelSize, { ...opts, returnIndices: true }) as ValuesIndices as unknown as Tensor)
          : f(x, this.kernelSize, opts);
      },
    );
  }
}

/**
 * `nn.FractionalMaxPool2d(kernel_size, output_size=None, output_ratio=None, return_indices=False,
 * _random_samples=None)`: the random samples are drawn per call with torch.rand, as PyTorch.
 */
export class FractionalMaxPool2d extends FractionalMaxPoolNd {
  constructor(kernelSize: IntOrPair, opts?: FractionalMaxPoolOptions<IntOrPair> | null);
  constructor(opts: FractionalMaxPoolOptions<IntOrPair>);
  constructor(a: unknown, b?: unknown) {
    super(2, a, b);
  }
}
/** `nn.FractionalMaxPool3d(kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None)`. */
export class FractionalMaxPool3d extends FractionalMaxPoolNd {
  constructor(kernelSize: number | [number, number, number], opts?: FractionalMaxPoolOptions<number | [number, number, number]> | null);
  constructor(opts: FractionalMaxPoolOptions<number | [number, number, number]>);
  constructor(a: unknown, b?: unknown) {
    super(3, a, b);
  }
}

// ---- adaptive pooling ----------------------------------------------------------------------------------

/** An adaptive output size: an int, or one per dimension (null keeps the input's size; not in 1d). */
export type AdaptiveSize = number | (number | null)[];

function adaptiveArg(fn: string, n: number, v: unknown): AdaptiveSize {
  const o = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as { outputSize?: unknown }).outputSize : v;
  const ok = (x: unknown, allowNull: boolean) => (allowNull && x === null) || (isInt64(x) && x >= 0);
  if (ok(o, false) || (Array.isArray(o) && o.length === n && o.every((x) => ok(x, n > 1)))) return o as AdaptiveSize;
  const what = n === 1 ? 'a non-negative integer' : `a non-negative integer or an array of ${n} (integers or null)`;
  throw new TypeError(`${fn}: Expected ${what} for outputSize but received ${describe(o)}`);
}

abstract class AdaptiveAvgPoolNd extends Module {
  readonly outputSize: AdaptiveSize;
  constructor(n: number, outputSize: unknown) {
    super();
    const fn = this.constructor.name;
    if (typeof outputSize === 'object' && outputSize !== null && !Array.isArray(outputSize)) checkOptions(outputSize, ['outputSize'], fn);
    this.outputSize = adaptiveArg(fn, n, outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyVal(this.outputSize)}`;
  }
}

/** `nn.AdaptiveAvgPool1d(output_size)`. */
export class AdaptiveAvgPool1d extends AdaptiveAvgPoolNd {
  constructor(outputSize: number | [number] | { outputSize: number | [number] }) {
    super(1, outputSize);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.adaptiveAvgPool1d(x, this.outputSize as number),
    );
  }
}
/** `nn.AdaptiveAvgPool2d(output_size)`: null in a pair keeps that input size. */
export class AdaptiveAvgPool2d extends AdaptiveAvgPoolNd {
  constructor(outputSize: number | [number | null, number | null] | { outputSize: number | [number | null, number | null] }) {
    super(2, outputSize);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${this.modulePath}: expected input [N, C, H, W] or [C, H, W], got ${shapeStr(x.shape)}`);
    return withContext(
      () => this.modulePath,
      () => F.adaptiveAvgPool2d(x, this.outputSize as [number | null, number | null]),
    );
  }
}
/** `nn.AdaptiveAvgPool3d(output_size)`: null keeps that input size. */
export class AdaptiveAvgPool3d extends AdaptiveAvgPoolNd {
  constructor(outputSize: number | [number | null, number | null, number | null] | { outputSize: number | [number | null, number | null, number | null] }) {
    super(3, outputSize);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.adaptiveAvgPool3d(x, this.outputSize),
    );
  }
}

/** Options of AdaptiveMaxPool1d/2d/3d. */
export interface AdaptiveMaxPoolOptions<T = AdaptiveSize> {
  outputSize?: T;
  returnIndices?: boolean;
}

abstract class AdaptiveMaxPoolNd extends Module {
  readonly outputSize: AdaptiveSize;
  readonly returnIndices: boolean;
  /** @internal the number of pooled dimensions. */
  readonly _dims: number;
  constructor(n: number, a: unknown, b: unknown) {
    super();
    this._dims = n;
    const fn = this.constructor.name;
    let o: AdaptiveMaxPoolOptions<unknown>;
    if (typeof a === 'object' && a !== null && !Array.isArray(a)) o = a as AdaptiveMaxPoolOptions<unknown>;
    else if (typeof b === 'boolean') o = { outputSize: a, returnIndices: b };
    else {
      checkOptions(b as object | null | undefined, ['returnIndices'], fn);
      o = { ...((b ?? {}) as object), outputSize: a };
    }
    checkOptions(o, ['outputSize', 'returnIndices'], fn);
    this.outputSize = adaptiveArg(fn, n, o.outputSize);
    this.returnIndices = expectBool(o.returnIndices ?? false, `${fn}: returnIndices`);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    const n = this._dims;
    return withContext(
      () => this.modulePath,
      () => {
        const o = this.outputSize;
        const r = this.returnIndices;
        // With returnIndices the result is [values, indices], as Python's tuple.
        const y =
          n === 1 ? F.adaptiveMaxPool1d(x, o as number, r as true) : n === 2 ? F.adaptiveMaxPool2d(x, o, r as true) : F.adaptiveMaxPool3d(x, o, r as true);
        return y as unknown as Tensor;
      },
    );
  }
  override extraRepr(): string {
    return `output_size=${pyVal(this.outputSize)}`;
  }
}

/** `nn.AdaptiveMaxPool1d(output_size, return_indices=False)`. */
export class AdaptiveMaxPool1d extends AdaptiveMaxPoolNd {
  constructor(outputSize: number | [number], returnIndices?: boolean | { returnIndices?: boolean } | null);
  constructor(opts: AdaptiveMaxPoolOptions<number | [number]>);
  constructor(a: unknown, b?: unknown) {
    super(1, a, b);
  }
}
/** `nn.AdaptiveMaxPool2d(output_size, return_indices=False)`: null keeps that input size. */
export class AdaptiveMaxPool2d extends AdaptiveMaxPoolNd {
  constructor(outputSize: number | [number | null, number | null], returnIndices?: boolean | { returnIndices?: boolean } | null);
  constructor(opts: AdaptiveMaxPoolOptions<number | [number | null, number | null]>);
  constructor(a: unknown, b?: unknown) {
    super(2, a, b);
  }
}
/** `nn.AdaptiveMaxPool3d(output_size, return_indices=False)`: null keeps that input size. */
export class AdaptiveMaxPool3d extends AdaptiveMaxPoolNd {
  constructor(outputSize: number | [number | null, number | null, number | null], returnIndices?: boolean | { returnIndices?: boolean } | null);
  constructor(opts: AdaptiveMaxPoolOptions<number | [number | null, number | null, number | null]>);
  constructor(a: unknown, b?: unknown) {
    super(3, a, b);
  }
}
