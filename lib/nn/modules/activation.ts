/**
 * Activations (torch/nn/modules/activation.py), MultiheadAttention included as PyTorch files it.
 * Constructors take PyTorch's positional arguments, or an options object in their place (after
 * the positionals given): `new nn.ELU(0.5, true)`, `new nn.ELU({ alpha: 0.5, inplace: true })`.
 * Reprs print float-typed arguments as Python floats (alpha=1.0) and int-typed ones as ints.
 */
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool, expectInt, expectNumber, expectPositiveInt } from '../../errors.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import * as init from '../init.js';
import * as F from '../functional/index.js';
import { mhaForward } from '../functional/attention.js';
import { Linear, type LinearOptions } from './linear.js';
import { pyVal, pyFloat, withContext, inputOf, newParam, checkOptTensor, shapeStr, type FactoryOptions } from '../common.js';

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

// ---- constructor arguments ------------------------------------------------------------------------------

function isOptionsObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * PyTorch's constructor arguments: positionals in `names` order, optionally ending with an options
 * object for the remaining names (a name given positionally cannot be repeated there, as Python's
 * "got multiple values for argument"). Null or undefined positionals take the default.
 */
function ctorArgs(fn: string, names: readonly string[], args: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  for (let i = 0; i < n; i++) {
    const a = args[i];
    if (isOptionsObject(a)) {
      if (i !== n - 1) throw new TypeError(`${fn}: an options object must be the last argument`);
      checkOptions(a, names.slice(i), fn);
      for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
    } else {
      if (i >= names.length) throw new TypeError(`${fn}: takes at most ${names.length} arguments (${names.join(', ')}) but received ${n}`);
      if (a !== undefined && a !== null) out[names[i]] = a;
    }
  }
  return out;
}

const inplaceStr = (inplace: boolean, lead: string): string => (inplace ? `${lead}inplace=True` : '');

/** Options of the activations whose only argument is inplace. */
export interface InplaceOptions {
  inplace?: boolean;
}

/** Base of the activations that take only `inplace`. @internal */
abstract class InplaceActivation extends Module {
  readonly inplace: boolean;
  constructor(inplace?: boolean | InplaceOptions | null) {
    super();
    const fn = this.constructor.name;
    const a = ctorArgs(fn, ['inplace'], [inplace]);
    this.inplace = expectBool(a.inplace ?? false, `${fn}: inplace`);
  }
}

/** `nn.Threshold(threshold, value, inplace=False)`: y = x if x > threshold else value. */
export class Threshold extends Module {
  readonly threshold: number;
  readonly value: number;
  readonly inplace: boolean;
  constructor(
    threshold: number | { threshold: number; value: number; inplace?: boolean },
    value?: number | { value: number; inplace?: boolean },
    inplace?: boolean | InplaceOptions,
  ) {
    super();
    const a = ctorArgs('Threshold', ['threshold', 'value', 'inplace'], [threshold, value, inplace]);
    this.threshold = expectNumber(a.threshold, 'Threshold: threshold');
    this.value = expectNumber(a.value, 'Threshold: value');
    this.inplace = expectBool(a.inplace ?? false, 'Threshold: inplace');
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.threshold(inputOf(this, input), this.threshold, this.value, { inplace: this.inplace }),
    );
  }
  override extraRepr(): string {
    return `threshold=${pyFloat(this.threshold)}, value=${pyFloat(this.value)}${inplaceStr(this.inplace, ', ')}`;
  }
}

/** Options of RReLU. */
export interface RReLUOptions {
  lower?: number;
  upper?: number;
  inplace?: boolean;
}

/** `nn.RReLU(lower=1/8, upper=1/3, inplace=False)`: random negative slopes in training, their mean in eval. */
export class RReLU extends Module {
  readonly lower: number;
  readonly upper: number;
  readonly inplace: boolean;
  constructor(lower?: number | RReLUOptions | null, upper?: number | Omit<RReLUOptions, 'lower'>, inplace?: boolean | InplaceOptions) {
    super();
    const a = ctorArgs('RReLU', ['lower', 'upper', 'inplace'], [lower, upper, inplace]);
    this.lower = expectNumber(a.lower ?? 1 / 8, 'RReLU: lower');
    this.upper = expectNumber(a.upper ?? 1 / 3, 'RReLU: upper');
    this.inplace = expectBool(a.inplace ?? false, 'RReLU: inplace');
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.rrelu(inputOf(this, input), this.lower, this.upper, { training: this.training, inplace: this.inplace }),
    );
  }
  override extraRepr(): string {
    return `lower=${pyFloat(this.lower)}, upper=${pyFloat(this.upper)}${inplaceStr(this.inplace, ', ')}`;
  }
}

/** Options of Hardtanh. */
export interface HardtanhOptions {
  minVal?: number;
  maxVal?: number;
  inplace?: boolean;
}

/** `nn.Hardtanh(min_val=-1., max_val=1., inplace=False)`: clamps to [minVal, maxVal]. */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
  readonly inplace: boolean;
  constructor(minVal?: number | HardtanhOptions | null, maxVal?: number | Omit<HardtanhOptions, 'minVal'>, inplace?: boolean | InplaceOptions) {
    super();
    const fn = this.constructor.name;
    const a = ctorArgs(fn, ['minVal', 'maxVal', 'inplace'], [minVal, maxVal, inplace]);
    this.minVal = expectNumber(a.minVal ?? -1.0, `${fn}: minVal`);
    this.maxVal = expectNumber(a.maxVal ?? 1.0, `${fn}: maxVal`);
    this.inplace = expectBool(a.inplace ?? false, `${fn}: inplace`);
    if (!(this.maxVal > this.minVal)) {
      throw new RangeError(`${fn}: Expected maxVal greater than minVal but received minVal=${pyFloat(this.minVal)}, maxVal=${pyFloat(this.maxVal)}`);
    }
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.hardtanh(inputOf(this, input), this.minVal, this.maxVal, { inplace: this.inplace }),
    );
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${inplaceStr(this.inplace, ', ')}`;
  }
}

/** `nn.ReLU6(inplace=False)`: min(max(0, x), 6), a Hardtanh(0, 6) as in PyTorch. */
export class ReLU6 extends Hardtanh {
  constructor(inplace?: boolean | InplaceOptions | null) {
    const a = ctorArgs('ReLU6', ['inplace'], [inplace]);
    super(0.0, 6.0, expectBool(a.inplace ?? false, 'ReLU6: inplace'));
  }
  override extraRepr(): string {
    return inplaceStr(this.inplace, '');
  }
}

/** `nn.Hardsigmoid(inplace=False)`. */
export class Hardsigmoid extends InplaceActivation {
  override forward(input: Tensor): Tensor {
    return F.hardsigmoid(inputOf(this, input), { inplace: this.inplace });
  }
}

/** `nn.SiLU(inplace=False)`: x·σ(x). */
export class SiLU extends InplaceActivation {
  override forward(input: Tensor): Tensor {
    return F.silu(inputOf(this, input), { inplace: this.inplace });
  }
  override extraRepr(): string {
    return inplaceStr(this.inplace, '');
  }
}

/** `nn.Mish(inplace=False)`: x·tanh(softplus(x)). */
export class Mish extends InplaceActivation {
  override forward(input: Tensor): Tensor {
    return F.mish(inputOf(this, input), { inplace: this.inplace });
  }
  override extraRepr(): string {
    return inplaceStr(this.inplace, '');
  }
}

/** `nn.Hardswish(inplace=False)`. */
export class Hardswish extends InplaceActivation {
  override forward(input: Tensor): Tensor {
    return F.hardswish(inputOf(this, input), { inplace: this.inplace });
  }
}

/** `nn.SELU(inplace=False)`. */
export class SELU extends InplaceActivation {
  override forward(input: Tensor): Tensor {
    return F.selu(inputOf(this, input), { inplace: this.inplace });
  }
  override extraRepr(): string {
    return inplaceStr(this.inplace, '');
  }
}

/** Options of ELU and CELU. */
export interface AlphaOptions {
  alpha?: number;
  inplace?: boolean;
}

/** Base of ELU and CELU (same arguments). @internal */
abstract class AlphaActivation extends Module {
  readonly alpha: number;
  readonly inplace: boolean;
  constructor(alpha?: number | AlphaOptions | null, inplace?: boolean | InplaceOptions) {
    super();
    const fn = this.constructor.name;
    const a = ctorArgs(fn, ['alpha', 'inplace'], [alpha, inplace]);
    this.alpha = expectNumber(a.alpha ?? 1.0, `${fn}: alpha`);
    this.inplace = expectBool(a.inplace ?? false, `${fn}: inplace`);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceStr(this.inplace, ', ')}`;
  }
}

/** `nn.ELU(alpha=1., inplace=False)`. */
export class ELU extends AlphaActivation {
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.elu(inputOf(this, input), this.alpha, { inplace: this.inplace }),
    );
  }
}

/** `nn.CELU(alpha=1., inplace=False)`. */
export class CELU extends AlphaActivation {
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.celu(inputOf(this, input), this.alpha, { inplace: this.inplace }),
    );
  }
}

/** `nn.GLU(dim=-1)`: a ⊗ σ(b), a and b the halves of the input along dim. */
export class GLU extends Module {
  readonly dim: number;
  constructor(dim?: number | { dim?: number } | null) {
    super();
    const a = ctorArgs('GLU', ['dim'], [dim]);
    this.dim = expectInt(a.dim ?? -1, 'GLU: dim');
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.glu(inputOf(this, input), this.dim),
    );
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** `nn.GELU(approximate='none')`. */
export class GELU extends Module {
  readonly approximate: F.GeluApproximate;
  constructor(approximate?: F.GeluApproximate | { approximate?: F.GeluApproximate } | null) {
    super();
    const a = ctorArgs('GELU', ['approximate'], [approximate]);
    const v = a.approximate ?? 'none';
    if (v !== 'none' && v !== 'tanh') throw new TypeError(`GELU: Expected 'none' or 'tanh' for approximate but received ${describe(v)}`);
    this.approximate = v;
  }
  override forward(input: Tensor): Tensor {
    return F.gelu(inputOf(this, input), { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** Base of Hardshrink and Softshrink (same argument). @internal */
abstract class ShrinkActivation extends Module {
  readonly lambd: number;
  constructor(lambd?: number | { lambd?: number } | null) {
    super();
    const fn = this.constructor.name;
    const a = ctorArgs(fn, ['lambd'], [lambd]);
    this.lambd = expectNumber(a.lambd ?? 0.5, `${fn}: lambd`);
  }
  override extraRepr(): string {
    return pyFloat(this.lambd);
  }
}

/** `nn.Hardshrink(lambd=0.5)`. */
export class Hardshrink extends ShrinkActivation {
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.hardshrink(inputOf(this, input), this.lambd),
    );
  }
}

/** `nn.Softshrink(lambd=0.5)`. */
export class Softshrink extends ShrinkActivation {
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.softshrink(inputOf(this, input), this.lambd),
    );
  }
}

/** `nn.LogSigmoid()`. */
export class LogSigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return F.logsigmoid(inputOf(this, input));
  }
}

/** Options of Softplus. */
export interface SoftplusOptions {
  beta?: number;
  threshold?: number;
}

/** `nn.Softplus(beta=1, threshold=20)`: (1/β)·log(1 + exp(β·x)), linear above the threshold. */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(beta?: number | SoftplusOptions | null, threshold?: number | { threshold?: number }) {
    super();
    const a = ctorArgs('Softplus', ['beta', 'threshold'], [beta, threshold]);
    this.beta = expectNumber(a.beta ?? 1, 'Softplus: beta');
    this.threshold = expectNumber(a.threshold ?? 20, 'Softplus: threshold');
  }
  override forward(input: Tensor): Tensor {
    return F.softplus(inputOf(this, input), this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${pyVal(this.beta)}, threshold=${pyVal(this.threshold)}`;
  }
}

/** Options of PReLU. */
export interface PReLUOptions extends FactoryOptions {
  numParameters?: number;
  init?: number;
}

/** `nn.PReLU(num_parameters=1, init=0.25)`: a learnable negative slope, one or one per channel. */
export class PReLU extends Module {
  readonly numParameters: number;
  declare weight: Parameter;
  constructor(numParameters?: number | PReLUOptions | null, initValue?: number | Omit<PReLUOptions, 'numParameters'>, opts?: FactoryOptions | null) {
    super();
    const a = ctorArgs('PReLU', ['numParameters', 'init', 'dtype', 'device'], [numParameters, initValue, ...(opts ? [opts] : [])]);
    this.numParameters = expectPositiveInt(a.numParameters ?? 1, 'PReLU: numParameters');
    const value = expectNumber(a.init ?? 0.25, 'PReLU: init');
    this.weight = newParam([this.numParameters], { dtype: a.dtype as FactoryOptions['dtype'], device: a.device as string | undefined });
    init.constant_(this.weight, value);
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.prelu(inputOf(this, input), this.weight),
    );
  }
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}

/** `nn.Softsign()`: x / (1 + |x|). */
export class Softsign extends Module {
  override forward(input: Tensor): Tensor {
    return F.softsign(inputOf(this, input));
  }
}

/** `nn.Tanhshrink()`: x - tanh(x). */
export class Tanhshrink extends Module {
  override forward(input: Tensor): Tensor {
    return F.tanhshrink(inputOf(this, input));
  }
}

/** `nn.Softmin(dim=None)`: softmax(-x). */
export class Softmin extends Module {
  readonly dim: number | null;
  constructor(dim?: number | null | { dim?: number | null }) {
    super();
    this.dim = dimArg(dim, 'Softmin');
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.softmin(inputOf(this, input), this.dim),
    );
  }
  override extraRepr(): string {
    return `dim=${pyVal(this.dim)}`;
  }
}

/** `nn.Softmax2d()`: softmax over the channels of [N, C, H, W] or [C, H, W] (dim -3). */
export class Softmax2d extends Module {
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${this.modulePath}: Softmax2d requires a 3D or 4D tensor as input, got ${shapeStr(x.shape)}`);
    return withContext(
      () => this.modulePath,
      () => F.softmax(x, -3),
    );
  }
}

// ---- MultiheadAttention ---------------------------------------------------------------------------------

/**
 * `torch.nn.modules.linear.NonDynamicallyQuantizableLinear`: a Linear under another name (so
 * quantization leaves MultiheadAttention's out_proj alone); its repr shows that name.
 */
export class NonDynamicallyQuantizableLinear extends Linear {
  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions | null = {}) {
    super(inFeatures, outFeatures, opts);
  }
}

/** Options of MultiheadAttention (Python's keyword arguments). */
export interface MultiheadAttentionOptions extends FactoryOptions {
  dropout?: number;
  bias?: boolean;
  addBiasKv?: boolean;
  addZeroAttn?: boolean;
  kdim?: number | null;
  vdim?: number | null;
  batchFirst?: boolean;
}

/** Options of MultiheadAttention.forward (Python's keyword arguments). */
export interface MultiheadAttentionForwardOptions {
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  attnMask?: Tensor | null;
  averageAttnWeights?: boolean;
}

/**
 * `nn.MultiheadAttention(embed_dim, num_heads, dropout=0., bias=True, add_bias_kv=False,
 * add_zero_attn=False, kdim=None, vdim=None, batch_first=False)`. Parameters keep PyTorch's
 * names (in_proj_weight or q/k/v_proj_weight, in_proj_bias, out_proj.weight/bias, bias_k,
 * bias_v) and its initialisation order. forward returns [attnOutput, attnWeights or null] by
 * F.multiHeadAttentionForward (PyTorch's general path; its inference fast path computes the same).
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  /** The dropout probability on the attention weights (a number, as PyTorch's attribute). */
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly headDim: number;
  readonly addZeroAttn: boolean;
  /** @internal whether q, k and v share one packed projection (kdim = vdim = embedDim). */
  readonly _qkvSameEmbedDim: boolean;
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: NonDynamicallyQuantizableLinear;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions | null = {}) {
    super();
    const fn = 'MultiheadAttention';
    checkOptions(opts, ['dropout', 'bias', 'addBiasKv', 'addZeroAttn', 'kdim', 'vdim', 'batchFirst', 'dtype', 'device'], fn);
    this.embedDim = expectPositiveInt(embedDim, `${fn}: embedDim`);
    this.numHeads = expectPositiveInt(numHeads, `${fn}: numHeads`);
    this.kdim = opts?.kdim === undefined || opts?.kdim === null ? embedDim : expectPositiveInt(opts.kdim, `${fn}: kdim`);
    this.vdim = opts?.vdim === undefined || opts?.vdim === null ? embedDim : expectPositiveInt(opts.vdim, `${fn}: vdim`);
    this._qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    const p = expectNumber(opts?.dropout ?? 0.0, `${fn}: dropout`);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${fn}: dropout probability has to be between 0 and 1, but got ${p}`);
    this.dropout = p;
    this.batchFirst = expectBool(opts?.batchFirst ?? false, `${fn}: batchFirst`);
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) {
      throw new RangeError(`${fn}: embedDim must be divisible by numHeads (embedDim ${embedDim}, numHeads ${numHeads})`);
    }
    const bias = expectBool(opts?.bias ?? true, `${fn}: bias`);
    const addBiasKv = expectBool(opts?.addBiasKv ?? false, `${fn}: addBiasKv`);
    this.addZeroAttn = expectBool(opts?.addZeroAttn ?? false, `${fn}: addZeroAttn`);
    const f: FactoryOptions = { dtype: opts?.dtype, device: opts?.device };
    if (!this._qkvSameEmbedDim) {
      this.q_proj_weight = newParam([embedDim, embedDim], f);
      this.k_proj_weight = newParam([embedDim, this.kdim], f);
      this.v_proj_weight = newParam([embedDim, this.vdim], f);
      this.registerParameter('in_proj_weight', null);
    } else {
      this.in_proj_weight = newParam([3 * embedDim, embedDim], f);
      this.registerParameter('q_proj_weight', null);
      this.registerParameter('k_proj_weight', null);
      this.registerParameter('v_proj_weight', null);
    }
    if (bias) this.in_proj_bias = newParam([3 * embedDim], f);
    else this.registerParameter('in_proj_bias', null);
    this.out_proj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, ...f });
    if (addBiasKv) {
      this.bias_k = newParam([1, 1, embedDim], f);
      this.bias_v = newParam([1, 1, embedDim], f);
    } else {
      // Plain attributes, as Python's `self.bias_k = self.bias_v = None`.
      this.bias_k = null;
      this.bias_v = null;
    }
    this._resetParameters();
  }

  /** PyTorch's _reset_parameters: xavier_uniform_ projections, zero biases, xavier_normal_ bias_k/v. */
  _resetParameters(): void {
    if (this._qkvSameEmbedDim) {
      init.xavierUniform_(this.in_proj_weight as Parameter);
    } else {
      init.xavierUniform_(this.q_proj_weight as Parameter);
      init.xavierUniform_(this.k_proj_weight as Parameter);
      init.xavierUniform_(this.v_proj_weight as Parameter);
    }
    if (this.in_proj_bias) {
      init.constant_(this.in_proj_bias, 0.0);
      if (this.out_proj.bias) init.constant_(this.out_proj.bias, 0.0);
    }
    if (this.bias_k) init.xavierNormal_(this.bias_k);
    if (this.bias_v) init.xavierNormal_(this.bias_v);
  }

  /** camelCase view of in_proj_weight. */
  get inProjWeight(): Parameter | null {
    return this.in_proj_weight;
  }
  /** camelCase view of in_proj_bias. */
  get inProjBias(): Parameter | null {
    return this.in_proj_bias;
  }
  /** camelCase view of out_proj. */
  get outProj(): NonDynamicallyQuantizableLinear {
    return this.out_proj;
  }

  /**
   * `forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
   * average_attn_weights=True)`: query [L, N, E] ([N, L, E] with batchFirst, [L, E] unbatched).
   */
  override forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions | null = {}): [Tensor, Tensor | null] {
    const path = this.modulePath;
    const q = inputOf(this, query);
    const k = inputOf(this, key);
    const v = inputOf(this, value);
    checkOptions(opts, ['keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights'], path);
    const kpm = checkOptTensor(opts?.keyPaddingMask, path, 'keyPaddingMask');
    if (kpm && kpm.dtype !== 'bool' && !kpm.isFloatingPoint()) {
      throw new TypeError(`${path}: only bool and floating types of key_padding_mask are supported`);
    }
    const isBatched = q.ndim === 3;
    return tidy((): [Tensor, Tensor | null] => {
      let qq = q;
      let kk = k;
      let vv = v;
      if (this.batchFirst && isBatched) {
        // Transposed once per distinct tensor, so that self-attention stays recognisable (query === key === value).
        if (k === v) {
          if (q === k) {
            qq = kk = vv = q.transpose(1, 0);
          } else {
            qq = q.transpose(1, 0);
            kk = vv = k.transpose(1, 0);
          }
        } else {
          qq = q.transpose(1, 0);
          kk = k.transpose(1, 0);
          vv = v.transpose(1, 0);
        }
      }
      const common = {
        training: this.training,
        keyPaddingMask: kpm,
        needWeights: opts?.needWeights ?? true,
        attnMask: opts?.attnMask ?? null,
        averageAttnWeights: opts?.averageAttnWeights ?? true,
      };
      const [out, weights] = mhaForward(
        path,
        qq,
        kk,
        vv,
        this.embedDim,
        this.numHeads,
        this.in_proj_weight,
        this.in_proj_bias,
        this.bias_k,
        this.bias_v,
        this.addZeroAttn,
        this.dropout,
        this.out_proj.weight,
        this.out_proj.bias,
        this._qkvSameEmbedDim
          ? common
          : { ...common, useSeparateProjWeight: true, qProjWeight: this.q_proj_weight, kProjWeight: this.k_proj_weight, vProjWeight: this.v_proj_weight },
      );
      return [this.batchFirst && isBatched ? out.transpose(1, 0) : out, weights];
    });
  }
}
