/** LayerNorm, GroupNorm, LocalResponseNorm, CrossMapLRN2d (torch/nn/modules/normalization.py). */
import { type Tensor, tensor } from '../../tensor.js';
import { checkOptions, expectBool, expectNumber, expectPositiveInt } from '../../errors.js';
import { tidy } from '../../scope.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import * as init from '../init.js';
import * as F from '../functional/index.js';
import { pyBool, pyFloat, pyVal, shapeStr, withContext, newParam, inputOf, normalizedShapeArg, type FactoryOptions } from '../common.js';

/** Options of LayerNorm (Python's keyword arguments). */
export interface LayerNormOptions extends FactoryOptions {
  eps?: number;
  elementwiseAffine?: boolean;
}

/**
 * `nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True)`: normalizes over the trailing
 * dimensions normalizedShape; weight (ones) and bias (zeros) of that shape.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(normalizedShape: number | number[], opts: LayerNormOptions | null = {}) {
    super();
    const fn = 'LayerNorm';
    checkOptions(opts, ['eps', 'elementwiseAffine', 'dtype', 'device'], fn);
    this.normalizedShape = normalizedShapeArg(normalizedShape, `${fn}: normalizedShape`);
    this.eps = expectNumber(opts?.eps ?? 1e-5, `${fn}: eps`);
    this.elementwiseAffine = expectBool(opts?.elementwiseAffine ?? true, `${fn}: elementwiseAffine`);
    const f = { dtype: opts?.dtype, device: opts?.device };
    if (this.elementwiseAffine) {
      this.weight = newParam(this.normalizedShape, f);
      this.bias = newParam(this.normalizedShape, f);
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    this.resetParameters();
  }
  /** weight 1, bias 0. */
  resetParameters(): void {
    if (this.weight && this.bias) {
      init.ones_(this.weight);
      init.zeros_(this.bias);
    }
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    const n = this.normalizedShape.length;
    const s = x.shape;
    if (s.length < n || shapeStr(s.slice(s.length - n)) !== shapeStr(this.normalizedShape)) {
      throw new RangeError(`${this.modulePath}: expected input [*, ${this.normalizedShape.join(', ')}], got ${shapeStr(s)}`);
    }
    return withContext(
      () => this.modulePath,
      () => F.layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps }),
    );
  }
  override extraRepr(): string {
    return `${pyVal(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** Options of GroupNorm (Python's keyword arguments). */
export interface GroupNormOptions extends FactoryOptions {
  eps?: number;
  affine?: boolean;
}

/** `nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True)`: input [N, C, *]. */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, opts: GroupNormOptions | null = {}) {
    super();
    const fn = 'GroupNorm';
    checkOptions(opts, ['eps', 'affine', 'dtype', 'device'], fn);
    this.numGroups = expectPositiveInt(numGroups, `${fn}: numGroups`);
    this.numChannels = expectPositiveInt(numChannels, `${fn}: numChannels`);
    if (numChannels % numGroups !== 0) {
      throw new RangeError(`${fn}: numChannels must be divisible by numGroups (numChannels ${numChannels}, numGroups ${numGroups})`);
    }
    this.eps = expectNumber(opts?.eps ?? 1e-5, `${fn}: eps`);
    this.affine = expectBool(opts?.affine ?? true, `${fn}: affine`);
    const f = { dtype: opts?.dtype, device: opts?.device };
    if (this.affine) {
      this.weight = newParam([numChannels], f);
      this.bias = newParam([numChannels], f);
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    this.resetParameters();
  }
  /** weight 1, bias 0. */
  resetParameters(): void {
    if (this.weight && this.bias) {
      init.ones_(this.weight);
      init.zeros_(this.bias);
    }
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new RangeError(`${this.modulePath}: expected input [N, ${this.numChannels}, *], got ${shapeStr(x.shape)}`);
    }
    return withContext(
      () => this.modulePath,
      () => F.groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps }),
    );
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

/** Options of LocalResponseNorm and CrossMapLRN2d. */
export interface LocalResponseNormOptions {
  alpha?: number;
  beta?: number;
  k?: number;
}

function lrnArgs(fn: string, size: number, alpha: number | LocalResponseNormOptions | undefined, beta?: number, k?: number): [number, number, number, number] {
  let o: LocalResponseNormOptions;
  if (typeof alpha === 'object' && alpha !== null) {
    checkOptions(alpha, ['alpha', 'beta', 'k'], fn);
    if (beta !== undefined || k !== undefined) throw new TypeError(`${fn}: an options object must be the last argument`);
    o = alpha;
  } else {
    o = { alpha, beta, k };
  }
  return [
    expectPositiveInt(size, `${fn}: size`),
    expectNumber(o.alpha ?? 1e-4, `${fn}: alpha`),
    expectNumber(o.beta ?? 0.75, `${fn}: beta`),
    expectNumber(o.k ?? 1.0, `${fn}: k`),
  ];
}

/** `nn.LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.)`: normalization across neighbouring channels. */
export class LocalResponseNorm extends Module {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
  constructor(size: number, alpha?: number | LocalResponseNormOptions, beta?: number, k?: number) {
    super();
    [this.size, this.alpha, this.beta, this.k] = lrnArgs(this.constructor.name, size, alpha, beta, k);
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.localResponseNorm(inputOf(this, input), this.size, this.alpha, this.beta, this.k),
    );
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}

/**
 * `nn.CrossMapLRN2d(size, alpha=1e-4, beta=0.75, k=1)`: the legacy Lua-torch LRN over channels of
 * a 4-D input, with its own forward and backward (torch/nn/_functions.py), reproduced value for
 * value: its running-sum forward never drops channel 0 from the window once c > (size-1)/2 + 1,
 * and its backward gathers another window; LocalResponseNorm is the maintained form.
 */
export class CrossMapLRN2d extends Module {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
  constructor(size: number, alpha?: number | LocalResponseNormOptions, beta?: number, k?: number) {
    super();
    [this.size, this.alpha, this.beta, this.k] = lrnArgs('CrossMapLRN2d', size, alpha, beta, k);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    if (x.ndim !== 4) throw new RangeError(`${this.modulePath}: expected a 4-D input [N, C, H, W] but got ${shapeStr(x.shape)}`);
    return withContext(
      () => this.modulePath,
      () => crossMapLrn2d(x, this.size, this.alpha, this.beta, this.k),
    );
  }
  override extraRepr(): string {
    // Python formats k as given; its default is the int 1.
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyVal(this.k)}`;
  }
}

/**
 * CrossMapLRN2d's forward and backward as ATen operators. Forward: scale[c] = k + α/size ·
 * Σ_j Wf[c, j]·x[j]², out = x·scale^-β, Wf the running sum's window. Backward: Python's formula,
 * which is the gradient of x·(k + α/size · Σ_j Wb[c, j]·x[j]²)^-β with scale held at the forward's
 * value; a surrogate with the forward's value and that gradient gives both.
 */
function crossMapLrn2d(input: Tensor, size: number, alpha: number, beta: number, k: number): Tensor {
  const C = input.shape[1];
  const prePad = Math.trunc((size - 1) / 2 + 1);
  const inversePrePad = Math.trunc(size - (size - 1) / 2);
  const fwd = new Float64Array(C * C);
  const bwd = new Float64Array(C * C);
  for (let c = 0; c < C; c++) {
    // The running sum adds channels up to c + prePad - 1 and subtracts channels 1 .. c - prePad.
    const end = Math.min(c + prePad - 1, C - 1);
    for (let j = 0; j <= end; j++) if (!(j >= 1 && j <= c - prePad)) fwd[c * C + j] = 1;
    // Python's backward sums ratio[c'] for c' in [c - inversePrePad, c + size - 1 - inversePrePad] into
    // channel c's gradient, so output channel c' depends on input c through that window.
    for (let j = 0; j < C; j++) {
      const d = c - j;
      if (d >= -inversePrePad && d <= size - 1 - inversePrePad) bwd[c * C + j] = 1;
    }
  }
  return tidy(() => {
    const Wf = tensor(fwd, { shape: [C, C] })
      .to(input.dtype)
      .to(input.device);
    const Wb = tensor(bwd, { shape: [C, C] })
      .to(input.dtype)
      .to(input.device);
    const sq = input.mul(input);
    // [N, C, H, W] -> [N, H, W, C] @ Wᵀ -> [N, C, H, W]: out[c] = Σ_j W[c, j]·sq[j].
    const windowed = (W: Tensor, t: Tensor): Tensor => t.permute(0, 2, 3, 1).matmul(W.t()).permute(0, 3, 1, 2);
    const scaleFwd = windowed(Wf, sq.detach())
      .mul(alpha / size)
      .add(k);
    const scaleBwd = windowed(Wb, sq)
      .mul(alpha / size)
      .add(k);
    const scale = scaleFwd.add(scaleBwd.sub(scaleBwd.detach()));
    return scale.pow(-beta).mul(input);
  });
}
