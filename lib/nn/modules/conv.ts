/** Convolutions (torch/nn/modules/conv.py). */
import type { Tensor } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool, expectPositiveInt } from '../../errors.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import * as init from '../init.js';
import * as F from '../functional/index.js';
import { shapeStr, pyVal, pair, withContext, newParam, inputOf, type FactoryOptions } from '../common.js';

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
