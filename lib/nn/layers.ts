/**
 * Layers with PyTorch's constructor arguments (camelCase options), parameter names, shapes,
 * initialisation (same RNG consumption, so `manualSeed(0)` gives PyTorch's exact weights),
 * reprs and forward operators.
 */
import { Tensor, empty, zeros, ones, tensor, op, wrap } from '../tensor.js';
import { type DType, describe } from '../dtype.js';
import { checkOptions, expectBool, expectInt, expectNumber, expectPositiveInt, expectNonNegInt } from '../errors.js';
import { noGrad } from '../autograd.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import * as init from './init.js';
import * as F from './functional.js';
import { shapeStr, pyVal, pyBool, pyFloat, pair, withContext } from './common.js';

/** Where new parameters live (PyTorch's factory_kwargs). */
export interface FactoryOptions {
  dtype?: DType;
  device?: string;
}

function newParam(shape: number[], f: FactoryOptions): Parameter {
  const t = empty(shape, { dtype: f.dtype, device: f.device });
  const p = new Parameter(t);
  t.dispose();
  return p;
}

function inputOf(m: Module, x: unknown): Tensor {
  if (x instanceof Tensor && !x.isDisposed) return x;
  throw new TypeError(`${m.modulePath}: expected Tensor for input but received ${x instanceof Tensor ? 'a disposed Tensor' : describe(x)}`);
}

// ---- Linear --------------------------------------------------------------------------------------

/** Options of Linear. */
export interface LinearOptions extends FactoryOptions {
  bias?: boolean;
}

/** `nn.Linear(in_features, out_features, bias=True)`: y = x Wᵀ + b, W [out, in]. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions | null = {}) {
    super();
    checkOptions(opts, ['bias', 'dtype', 'device'], 'Linear');
    this.inFeatures = expectNonNegInt(inFeatures, 'Linear: inFeatures');
    this.outFeatures = expectNonNegInt(outFeatures, 'Linear: outFeatures');
    this.weight = newParam([outFeatures, inFeatures], opts ?? {});
    if (expectBool(opts?.bias ?? true, 'Linear: bias')) this.bias = newParam([outFeatures], opts ?? {});
    else this.registerParameter('bias', null);
    this.resetParameters();
  }
  /** PyTorch's reset_parameters: kaiming_uniform_(a=√5) for W, U(±1/√fan_in) for b. */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    try {
      return F.linear(x, this.weight, this.bias);
    } catch (e) {
      // Checked after the fact so the hot path makes one native call.
      const s = x.shape;
      if (s.length === 0 || s[s.length - 1] !== this.inFeatures) {
        throw new RangeError(`${this.modulePath}: expected input [*, ${this.inFeatures}], got ${shapeStr(s)}`);
      }
      return withContext(
        () => this.modulePath,
        () => {
          throw e;
        },
      );
    }
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

// ---- Conv2d ----------------------------------------------------------------------------------------

/** Options of Conv2d (kernelSize may instead be the third positional argument). */
export interface Conv2dOptions extends FactoryOptions {
  kernelSize?: number | [number, number];
  stride?: number | [number, number];
  padding?: number | [number, number] | 'valid' | 'same';
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  paddingMode?: 'zeros' | 'reflect' | 'replicate' | 'circular';
}

/** `nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros')`. */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'valid' | 'same';
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: 'zeros' | 'reflect' | 'replicate' | 'circular';
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], opts?: Conv2dOptions);
  constructor(inChannels: number, outChannels: number, opts: Conv2dOptions);
  constructor(inChannels: number, outChannels: number, a: number | [number, number] | Conv2dOptions, b: Conv2dOptions = {}) {
    super();
    const fn = 'Conv2d';
    let opts: Conv2dOptions;
    let k: unknown;
    if (typeof a === 'object' && a !== null && !Array.isArray(a)) {
      opts = a;
      k = a.kernelSize;
      if (k === undefined) throw new TypeError(`${fn}: missing kernelSize (pass it as the third argument or as {kernelSize})`);
    } else {
      opts = b;
      k = a;
      if (opts?.kernelSize !== undefined) throw new TypeError(`${fn}: kernelSize given twice (positional and in options)`);
    }
    checkOptions(opts, ['kernelSize', 'stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'dtype', 'device'], fn);
    this.inChannels = expectPositiveInt(inChannels, `${fn}: inChannels`);
    this.outChannels = expectPositiveInt(outChannels, `${fn}: outChannels`);
    this.kernelSize = pair(k, fn, 'kernelSize', 1);
    this.stride = pair(opts?.stride ?? 1, fn, 'stride', 1);
    this.dilation = pair(opts?.dilation ?? 1, fn, 'dilation', 1);
    const groups = opts?.groups ?? 1;
    if (!(Number.isInteger(groups) && groups > 0)) throw new TypeError(`${fn}: groups must be a positive integer (received ${describe(groups)})`);
    if (inChannels % groups !== 0) throw new RangeError(`${fn}: in_channels must be divisible by groups (inChannels=${inChannels}, groups=${groups})`);
    if (outChannels % groups !== 0) throw new RangeError(`${fn}: out_channels must be divisible by groups (outChannels=${outChannels}, groups=${groups})`);
    this.groups = groups;
    const padding = opts?.padding ?? 0;
    if (typeof padding === 'string') {
      if (padding !== 'valid' && padding !== 'same') throw new TypeError(`${fn}: Invalid padding string '${padding}', should be one of 'valid', 'same'`);
      if (padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1))
        throw new RangeError(`${fn}: padding='same' is not supported for strided convolutions`);
      this.padding = padding;
    } else {
      this.padding = pair(padding, fn, 'padding');
    }
    const mode = opts?.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(mode)) {
      throw new TypeError(`${fn}: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', but got paddingMode=${describe(mode)}`);
    }
    if (mode !== 'zeros' && typeof this.padding === 'string') throw new TypeError(`${fn}: paddingMode '${mode}' needs numeric padding`);
    this.paddingMode = mode;
    this.weight = newParam([outChannels, inChannels / groups, ...this.kernelSize], opts);
    if (expectBool(opts?.bias ?? true, `${fn}: bias`)) this.bias = newParam([outChannels], opts);
    else this.registerParameter('bias', null);
    this.resetParameters();
  }
  /** PyTorch's reset_parameters (same as Linear's, fan_in = in/groups · kH · kW). */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        init.uniform_(this.bias, -bound, bound);
      }
    }
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    const s = x.shape;
    const c = this.inChannels;
    if (!((s.length === 4 || s.length === 3) && s[s.length - 3] === c)) {
      throw new RangeError(`${this.modulePath}: expected input [N, ${c}, H, W] or [${c}, H, W] (${c} channels), got ${shapeStr(s)}`);
    }
    return withContext(
      () => this.modulePath,
      () => {
        if (this.paddingMode !== 'zeros') {
          const [ph, pw] = this.padding as [number, number];
          const padded = F.pad(x, [pw, pw, ph, ph], this.paddingMode as 'reflect' | 'replicate' | 'circular');
          try {
            return F.conv2d(padded, this.weight, this.bias, { stride: this.stride, padding: 0, dilation: this.dilation, groups: this.groups });
          } finally {
            padded.dispose();
          }
        }
        return F.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
      },
    );
  }
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyVal(this.kernelSize)}, stride=${pyVal(this.stride)}`;
    const p = this.padding;
    if (typeof p === 'string' || p[0] !== 0 || p[1] !== 0) s += `, padding=${pyVal(p)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${pyVal(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

// ---- pooling -------------------------------------------------------------------------------------------

/** A size given as one integer (used for both dimensions) or a [height, width] pair. */
export type IntOrPair = number | [number, number];

/** Options of MaxPool2d. */
export interface MaxPool2dOptions {
  kernelSize?: IntOrPair;
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  returnIndices?: boolean;
  ceilMode?: boolean;
}

function poolArgs<T extends { kernelSize?: IntOrPair; stride?: IntOrPair | null }>(
  fn: string,
  a: IntOrPair | T,
  b: IntOrPair | null | T | undefined,
  c: T | undefined,
): T & { kernelSize: IntOrPair } {
  let opts: T;
  if (typeof a === 'object' && !Array.isArray(a) && a !== null) {
    opts = { ...a };
  } else {
    if (typeof b === 'object' && b !== null && !Array.isArray(b)) opts = { ...b, kernelSize: a };
    else opts = { ...(c ?? {}), kernelSize: a, ...(b !== undefined ? { stride: b } : {}) } as T;
  }
  if (opts?.kernelSize === undefined) throw new TypeError(`${fn}: missing kernelSize`);
  pair(opts?.kernelSize, fn, 'kernelSize', 1);
  if (opts?.stride !== undefined && opts?.stride !== null) pair(opts?.stride, fn, 'stride', 1);
  return opts as T & { kernelSize: IntOrPair };
}

/** `nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)`. */
export class MaxPool2d extends Module {
  readonly kernelSize: IntOrPair;
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;
  readonly dilation: IntOrPair;
  readonly returnIndices: boolean;
  readonly ceilMode: boolean;
  constructor(kernelSize: IntOrPair, stride?: IntOrPair | null, opts?: MaxPool2dOptions);
  constructor(kernelSize: IntOrPair, opts: MaxPool2dOptions);
  constructor(opts: MaxPool2dOptions);
  constructor(a: IntOrPair | MaxPool2dOptions, b?: IntOrPair | null | MaxPool2dOptions, c?: MaxPool2dOptions) {
    super();
    const fn = 'MaxPool2d';
    const o = poolArgs(fn, a, b, c);
    checkOptions(o, ['kernelSize', 'stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'], fn);
    this.kernelSize = o.kernelSize;
    this.stride = o.stride ?? o.kernelSize;
    this.padding = o.padding ?? 0;
    pair(this.padding, fn, 'padding');
    this.dilation = o.dilation ?? 1;
    pair(this.dilation, fn, 'dilation', 1);
    this.returnIndices = expectBool(o.returnIndices ?? false, `${fn}: returnIndices`);
    this.ceilMode = expectBool(o.ceilMode ?? false, `${fn}: ceilMode`);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${this.modulePath}: expected input [N, C, H, W] or [C, H, W], got ${shapeStr(x.shape)}`);
    return withContext(
      () => this.modulePath,
      () => {
        const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
        // With returnIndices the result is [values, indices], as Python's tuple.
        return this.returnIndices
          ? (F.maxPool2d(x, this.kernelSize, { ...opts, returnIndices: true }) as unknown as Tensor)
          : F.maxPool2d(x, this.kernelSize, opts);
      },
    );
  }
  override extraRepr(): string {
    return `kernel_size=${pyVal(this.kernelSize)}, stride=${pyVal(this.stride)}, padding=${pyVal(this.padding)}, dilation=${pyVal(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** Options of AvgPool2d. */
export interface AvgPool2dOptions {
  kernelSize?: IntOrPair;
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** `nn.AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)`. */
export class AvgPool2d extends Module {
  readonly kernelSize: IntOrPair;
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(kernelSize: IntOrPair, stride?: IntOrPair | null, opts?: AvgPool2dOptions);
  constructor(kernelSize: IntOrPair, opts: AvgPool2dOptions);
  constructor(opts: AvgPool2dOptions);
  constructor(a: IntOrPair | AvgPool2dOptions, b?: IntOrPair | null | AvgPool2dOptions, c?: AvgPool2dOptions) {
    super();
    const fn = 'AvgPool2d';
    const o = poolArgs(fn, a, b, c);
    checkOptions(o, ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'], fn);
    this.kernelSize = o.kernelSize;
    this.stride = o.stride ?? o.kernelSize;
    this.padding = o.padding ?? 0;
    pair(this.padding, fn, 'padding');
    this.ceilMode = expectBool(o.ceilMode ?? false, `${fn}: ceilMode`);
    this.countIncludePad = expectBool(o.countIncludePad ?? true, `${fn}: countIncludePad`);
    this.divisorOverride = o.divisorOverride ?? null;
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
  override extraRepr(): string {
    return `kernel_size=${pyVal(this.kernelSize)}, stride=${pyVal(this.stride)}, padding=${pyVal(this.padding)}`;
  }
}

/** `nn.AdaptiveAvgPool2d(output_size)`: null in a pair keeps that input size. */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number | [number | null, number | null];
  constructor(outputSize: number | [number | null, number | null] | { outputSize: number | [number | null, number | null] }) {
    super();
    const o = typeof outputSize === 'object' && outputSize !== null && !Array.isArray(outputSize) ? outputSize.outputSize : outputSize;
    if (!(Number.isInteger(o) || (Array.isArray(o) && o.length === 2 && o.every((v) => v === null || Number.isInteger(v))))) {
      throw new TypeError(`AdaptiveAvgPool2d: expected an integer or a pair (integers or null) for outputSize but received ${describe(o)}`);
    }
    this.outputSize = o;
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${this.modulePath}: expected input [N, C, H, W] or [C, H, W], got ${shapeStr(x.shape)}`);
    return withContext(
      () => this.modulePath,
      () => F.adaptiveAvgPool2d(x, this.outputSize),
    );
  }
  override extraRepr(): string {
    return `output_size=${pyVal(this.outputSize)}`;
  }
}

// ---- BatchNorm -------------------------------------------------------------------------------------------

/** Options of BatchNorm1d/2d. */
export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /** null: cumulative moving average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** Shared by BatchNorm1d/2d (PyTorch's _BatchNorm); buffers keep PyTorch's names (running_mean...). */
export abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, opts: BatchNormOptions | null = {}) {
    super();
    const fn = this.constructor.name;
    checkOptions(opts, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype', 'device'], fn);
    this.numFeatures = expectPositiveInt(numFeatures, `${fn}: numFeatures`);
    this.eps = expectNumber(opts?.eps ?? 1e-5, `${fn}: eps`);
    this.momentum = opts?.momentum === null ? null : expectNumber(opts?.momentum ?? 0.1, `${fn}: momentum`);
    this.affine = expectBool(opts?.affine ?? true, `${fn}: affine`);
    this.trackRunningStats = expectBool(opts?.trackRunningStats ?? true, `${fn}: trackRunningStats`);
    const f = { dtype: opts?.dtype, device: opts?.device };
    if (this.affine) {
      this.weight = newParam([numFeatures], f);
      this.bias = newParam([numFeatures], f);
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], f));
      this.registerBuffer('running_var', ones([numFeatures], f));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int64', device: f.device }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }
  /** camelCase view of the running_mean buffer. */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  /** camelCase view of the running_var buffer. */
  get runningVar(): Tensor | null {
    return this.running_var;
  }
  /** camelCase view of the num_batches_tracked buffer. */
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  /** Zeroes running_mean and num_batches_tracked, fills running_var with 1. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.running_mean?.zero_();
      this.running_var?.fill_(1);
      this.num_batches_tracked?.zero_();
    });
  }
  /** Running stats reset, weight 1, bias 0. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.affine && this.weight && this.bias) {
      init.ones_(this.weight);
      init.zeros_(this.bias);
    }
  }
  /** @internal the input-rank check of BatchNorm1d/2d. */
  protected abstract _checkInputDim(x: Tensor): void;

  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    this._checkInputDim(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.modulePath}: expected input with ${this.numFeatures} channels at dim 1, got ${shapeStr(x.shape)}`);
    }
    let factor = this.momentum ?? 0.0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      factor = this.momentum === null ? 1.0 / this.num_batches_tracked.item() : this.momentum;
    }
    const bnTraining = this.training ? true : this.running_mean === null && this.running_var === null;
    const useStats = !this.training || this.trackRunningStats;
    return withContext(
      () => this.modulePath,
      () =>
        F.batchNorm(x, useStats ? this.running_mean : null, useStats ? this.running_var : null, {
          weight: this.weight,
          bias: this.bias,
          training: bnTraining,
          momentum: factor,
          eps: this.eps,
        }),
    );
  }
  override extraRepr(): string {
    return (
      `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, ` +
      `affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`
    );
  }
}

/** `nn.BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)`: input [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  protected override _checkInputDim(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`${this.modulePath}: expected 2D or 3D input (got ${x.ndim}D input ${shapeStr(x.shape)})`);
  }
}
/** `nn.BatchNorm2d(num_features, ...)`: input [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  protected override _checkInputDim(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`${this.modulePath}: expected 4D input (got ${x.ndim}D input ${shapeStr(x.shape)})`);
  }
}

// ---- Dropout, Flatten, Identity -------------------------------------------------------------------------

/** `nn.Dropout(p=0.5, inplace=False)`: zeroes elements with probability p in training, scales by 1/(1-p). */
export class Dropout extends Module {
  readonly p: number;
  readonly inplace: boolean;
  constructor(p: number | { p?: number; inplace?: boolean } = 0.5, opts: { inplace?: boolean } | null = {}) {
    super();
    const o = typeof p === 'object' && p !== null ? p : { ...opts, p };
    checkOptions(o, ['p', 'inplace'], 'Dropout');
    const prob = o.p ?? 0.5;
    if (typeof prob !== 'number' || !(prob >= 0 && prob <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${describe(prob)}`);
    this.p = prob;
    this.inplace = expectBool(o.inplace ?? false, 'Dropout: inplace');
  }
  override forward(input: Tensor): Tensor {
    return F.dropout(inputOf(this, input), this.p, { training: this.training, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}

/** `nn.Flatten(start_dim=1, end_dim=-1)`. */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim: number | { startDim?: number; endDim?: number } = 1, endDim = -1) {
    super();
    const o = typeof startDim === 'object' && startDim !== null ? startDim : { startDim, endDim };
    checkOptions(o, ['startDim', 'endDim'], 'Flatten');
    this.startDim = expectInt(o.startDim ?? 1, 'Flatten: startDim');
    this.endDim = expectInt(o.endDim ?? -1, 'Flatten: endDim');
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.flatten(inputOf(this, input), this.startDim, this.endDim),
    );
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

const aliasOp = op('aten::alias');
/** `nn.Identity()`: returns its input (a new handle to the same tensor, so tidy() semantics stay simple). */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return wrap(aliasOp(inputOf(this, input)._h));
  }
}

// ---- activations ----------------------------------------------------------------------------------------

function inplaceArg(v: boolean | { inplace?: boolean } | null | undefined, fn: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  checkOptions(v, ['inplace'], fn);
  return expectBool(v.inplace ?? false, `${fn}: inplace`);
}

/** `nn.ReLU(inplace=False)`. */
export class ReLU extends Module {
  readonly inplace: boolean;
  constructor(opts?: boolean | { inplace?: boolean }) {
    super();
    this.inplace = inplaceArg(opts, 'ReLU');
  }
  override forward(input: Tensor): Tensor {
    return F.relu(inputOf(this, input), { inplace: this.inplace });
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** `nn.LeakyReLU(negative_slope=0.01, inplace=False)`. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;
  constructor(negativeSlope: number | { negativeSlope?: number; inplace?: boolean } = 0.01, inplace = false) {
    super();
    const o = typeof negativeSlope === 'object' && negativeSlope !== null ? negativeSlope : { negativeSlope, inplace };
    checkOptions(o, ['negativeSlope', 'inplace'], 'LeakyReLU');
    this.negativeSlope = expectNumber(o.negativeSlope ?? 0.01, 'LeakyReLU: negativeSlope');
    this.inplace = expectBool(o.inplace ?? false, 'LeakyReLU: inplace');
  }
  override forward(input: Tensor): Tensor {
    return F.leakyRelu(inputOf(this, input), this.negativeSlope, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** `nn.Sigmoid()`. */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return F.sigmoid(inputOf(this, input));
  }
}
/** `nn.Tanh()`. */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return F.tanh(inputOf(this, input));
  }
}

function dimArg(d: number | null | { dim?: number | null } | undefined, fn: string): number | null {
  let v = d;
  if (typeof d === 'object' && d !== null) {
    checkOptions(d, ['dim'], fn);
    v = d.dim;
  }
  if (v === undefined || v === null) return null;
  return expectInt(v, `${fn}: dim`);
}

/** `nn.Softmax(dim=None)`. */
export class Softmax extends Module {
  readonly dim: number | null;
  constructor(dim?: number | null | { dim?: number | null }) {
    super();
    this.dim = dimArg(dim, 'Softmax');
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.softmax(inputOf(this, input), this.dim),
    );
  }
  override extraRepr(): string {
    return `dim=${pyVal(this.dim)}`;
  }
}
/** `nn.LogSoftmax(dim=None)`. */
export class LogSoftmax extends Module {
  readonly dim: number | null;
  constructor(dim?: number | null | { dim?: number | null }) {
    super();
    this.dim = dimArg(dim, 'LogSoftmax');
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.logSoftmax(inputOf(this, input), this.dim),
    );
  }
  override extraRepr(): string {
    return `dim=${pyVal(this.dim)}`;
  }
}

// ---- Embedding ---------------------------------------------------------------------------------------------

/** Options of Embedding. */
export interface EmbeddingOptions extends FactoryOptions {
  paddingIdx?: number | null;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
}

/** `nn.Embedding(num_embeddings, embedding_dim, padding_idx=None, ...)`: weight ~ N(0, 1), padding row zero. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  declare weight: Parameter;
  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions | null = {}) {
    super();
    const fn = 'Embedding';
    checkOptions(opts, ['paddingIdx', 'scaleGradByFreq', 'sparse', 'dtype', 'device'], fn);
    this.numEmbeddings = expectPositiveInt(numEmbeddings, `${fn}: numEmbeddings`);
    this.embeddingDim = expectNonNegInt(embeddingDim, `${fn}: embeddingDim`);
    let pad = opts?.paddingIdx ?? null;
    if (pad !== null) {
      expectInt(pad, `${fn}: paddingIdx`);
      if (pad >= numEmbeddings || pad < -numEmbeddings)
        throw new RangeError(`${fn}: Padding_idx must be within num_embeddings (got ${pad} for ${numEmbeddings})`);
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.scaleGradByFreq = expectBool(opts?.scaleGradByFreq ?? false, `${fn}: scaleGradByFreq`);
    this.sparse = expectBool(opts?.sparse ?? false, `${fn}: sparse`);
    this.weight = newParam([numEmbeddings, embeddingDim], opts ?? {});
    this.resetParameters();
  }
  /** N(0, 1), then the padding row zeroed. */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) {
      const pad = this.paddingIdx;
      noGrad(() => {
        const row = this.weight.select(0, pad);
        row.fill_(0);
        row.dispose();
      });
    }
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    if (x.dtype !== 'int64' && x.dtype !== 'int32') {
      throw new TypeError(`${this.modulePath}: expected int64 indices for input but received dtype ${x.dtype} with shape ${shapeStr(x.shape)}`);
    }
    return withContext(
      () => this.modulePath,
      () => F.embedding(x, this.weight, { paddingIdx: this.paddingIdx, scaleGradByFreq: this.scaleGradByFreq, sparse: this.sparse }),
    );
  }
  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    if (this.sparse) s += ', sparse=True';
    return s;
  }
}
