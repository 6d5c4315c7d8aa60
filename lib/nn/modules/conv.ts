/** Convolutions (torch/nn/modules/conv.py): Conv1d/2d/3d and ConvTranspose1d/2d/3d. */
import type { Tensor } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool, expectPositiveInt } from '../../errors.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import * as init from '../init.js';
import * as F from '../functional/index.js';
import { shapeStr, pyVal, withContext, newParam, inputOf, type FactoryOptions } from '../common.js';
import { ntuple, reverseRepeatTwice } from './utils.js';
import { layoutEnabled, layoutInput } from '../mkldnn_layout.js';

/** PyTorch's padding modes of the convolutions ('zeros' pads inside the kernel, the others with F.pad first). */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];
const SPATIAL = ['', 'L', 'H, W', 'D, H, W'];

/** Options of Conv1d/2d/3d (kernelSize may instead be the third positional argument). */
export interface ConvOptions<T> extends FactoryOptions {
  kernelSize?: number | T;
  stride?: number | T;
  padding?: number | T | 'valid' | 'same';
  dilation?: number | T;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}
/** Options of ConvTranspose1d/2d/3d. */
export interface ConvTransposeOptions<T> extends FactoryOptions {
  kernelSize?: number | T;
  stride?: number | T;
  padding?: number | T;
  outputPadding?: number | T;
  groups?: number;
  bias?: boolean;
  dilation?: number | T;
  paddingMode?: 'zeros';
}
/** Options of Conv2d. */
export type Conv2dOptions = ConvOptions<[number, number]>;

type AnyConvOptions = ConvOptions<number[]> & { outputPadding?: number | number[] };

/** The kernel size given positionally or in the options, not both. */
function kernelArg(fn: string, a: unknown, b: unknown): [unknown, AnyConvOptions | null] {
  if (typeof a === 'object' && a !== null && !Array.isArray(a)) {
    const k = (a as AnyConvOptions).kernelSize;
    if (k === undefined) throw new TypeError(`${fn}: missing kernelSize (pass it as the third argument or as {kernelSize})`);
    return [k, a as AnyConvOptions];
  }
  const opts = (b ?? null) as AnyConvOptions | null;
  if (opts?.kernelSize !== undefined) throw new TypeError(`${fn}: kernelSize given twice (positional and in options)`);
  return [a, opts];
}

/**
 * PyTorch's `_ConvNd`: arguments, weight [out, in/groups, *k] (transposed: [in, out/groups, *k]),
 * bias [out], reset_parameters and extra_repr shared by the six convolution modules.
 */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'valid' | 'same';
  readonly dilation: number[];
  readonly transposed: boolean;
  readonly outputPadding: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  /** @internal what F.pad gets for the non-zeros padding modes (Python's `_reversed_padding_repeated_twice`). */
  readonly _reversedPaddingRepeatedTwice: number[];
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(n: number, transposed: boolean, inChannels: number, outChannels: number, a: unknown, b: unknown) {
    super();
    const fn = this.constructor.name;
    const [k, opts] = kernelArg(fn, a, b);
    const keys = transposed
      ? ['kernelSize', 'stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode', 'dtype', 'device']
      : ['kernelSize', 'stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'dtype', 'device'];
    checkOptions(opts, keys, fn);
    this.inChannels = expectPositiveInt(inChannels, `${fn}: inChannels`);
    this.outChannels = expectPositiveInt(outChannels, `${fn}: outChannels`);
    this.kernelSize = ntuple(k, n, fn, 'kernelSize', 1);
    this.stride = ntuple(opts?.stride ?? 1, n, fn, 'stride', 1);
    this.dilation = ntuple(opts?.dilation ?? 1, n, fn, 'dilation', 1);
    this.transposed = transposed;
    this.outputPadding = ntuple(opts?.outputPadding ?? 0, n, fn, 'outputPadding');
    const groups = expectPositiveInt(opts?.groups ?? 1, `${fn}: groups`);
    if (inChannels % groups !== 0) throw new RangeError(`${fn}: in_channels must be divisible by groups (inChannels=${inChannels}, groups=${groups})`);
    if (outChannels % groups !== 0) throw new RangeError(`${fn}: out_channels must be divisible by groups (outChannels=${outChannels}, groups=${groups})`);
    this.groups = groups;
    const mode = opts?.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(mode)) {
      throw new TypeError(`${fn}: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', but got paddingMode=${describe(mode)}`);
    }
    if (transposed && mode !== 'zeros') throw new TypeError(`${fn}: Only "zeros" padding mode is supported for ${fn}`);
    this.paddingMode = mode;
    const padding = opts?.padding ?? 0;
    if (typeof padding === 'string' && !transposed) {
      if (padding !== 'valid' && padding !== 'same') throw new TypeError(`${fn}: Invalid padding string '${padding}', should be one of 'valid', 'same'`);
      if (padding === 'same' && this.stride.some((s) => s !== 1)) throw new RangeError(`${fn}: padding='same' is not supported for strided convolutions`);
      this.padding = padding;
      // 'same' with a non-zeros mode pads as Python: the odd pixel goes right.
      const r = new Array<number>(2 * n).fill(0);
      if (padding === 'same') {
        for (let d = 0; d < n; d++) {
          const total = this.dilation[d] * (this.kernelSize[d] - 1);
          const i = n - 1 - d;
          r[2 * i] = Math.floor(total / 2);
          r[2 * i + 1] = total - Math.floor(total / 2);
        }
      }
      this._reversedPaddingRepeatedTwice = r;
    } else {
      this.padding = ntuple(padding, n, fn, 'padding');
      this._reversedPaddingRepeatedTwice = reverseRepeatTwice(this.padding);
    }
    const f = { dtype: opts?.dtype, device: opts?.device };
    this.weight = newParam(transposed ? [inChannels, outChannels / groups, ...this.kernelSize] : [outChannels, inChannels / groups, ...this.kernelSize], f);
    if (expectBool(opts?.bias ?? true, `${fn}: bias`)) this.bias = newParam([outChannels], f);
    else this.registerParameter('bias', null);
    this.resetParameters();
  }
  /** PyTorch's reset_parameters: kaiming_uniform_(a=√5) for the weight, U(±1/√fan_in) for the bias. */
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
  /** @internal the input check: [N, C, *spatial] or [C, *spatial] with C = inChannels. */
  _checkInput(input: unknown): Tensor {
    const x = inputOf(this, input);
    const n = this.kernelSize.length;
    const s = x.shape;
    const c = this.inChannels;
    if (!((s.length === n + 2 || s.length === n + 1) && s[s.length - n - 1] === c)) {
      throw new RangeError(`${this.modulePath}: expected input [N, ${c}, ${SPATIAL[n]}] or [${c}, ${SPATIAL[n]}] (${c} channels), got ${shapeStr(s)}`);
    }
    return x;
  }
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyVal(this.kernelSize)}, stride=${pyVal(this.stride)}`;
    const p = this.padding;
    if (typeof p === 'string' || p.some((v) => v !== 0)) s += `, padding=${pyVal(p)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${pyVal(this.dilation)}`;
    if (this.outputPadding.some((v) => v !== 0)) s += `, output_padding=${pyVal(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/** The forward of Conv1d/2d/3d (Python's `_conv_forward`). */
function convForward(m: ConvNd, x: Tensor, conv: (x: Tensor, w: Tensor, b: Tensor | null, o: F.ConvFunctionalOptions) => Tensor): Tensor {
  return withContext(
    () => m.modulePath,
    () => {
      const o = { stride: m.stride, dilation: m.dilation, groups: m.groups };
      if (m.paddingMode !== 'zeros') {
        const padded = F.pad(x, m._reversedPaddingRepeatedTwice, m.paddingMode);
        try {
          return conv(padded, m.weight, m.bias, { ...o, padding: 0 });
        } finally {
          padded.dispose();
        }
      }
      return conv(x, m.weight, m.bias, { ...o, padding: m.padding });
    },
  );
}

/** `nn.Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros')`: input [N, C, L] or [C, L]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number], opts?: ConvOptions<[number]> | null);
  constructor(inChannels: number, outChannels: number, opts: ConvOptions<[number]>);
  constructor(inChannels: number, outChannels: number, a: number | [number] | ConvOptions<[number]>, b?: ConvOptions<[number]> | null) {
    super(1, false, inChannels, outChannels, a, b);
  }
  override forward(input: Tensor): Tensor {
    return convForward(this, this._checkInput(input), (x, w, b, o) => F.conv1d(x, w, b, o));
  }
}

/** `nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros')`: input [N, C, H, W] or [C, H, W]. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], opts?: Conv2dOptions | null);
  constructor(inChannels: number, outChannels: number, opts: Conv2dOptions);
  constructor(inChannels: number, outChannels: number, a: number | [number, number] | Conv2dOptions, b?: Conv2dOptions | null) {
    super(2, false, inChannels, outChannels, a, b);
  }
  /** @internal Set by torch.backends.mkldnn.useLayout (lib/nn/mkldnn_layout.ts). */
  _oneDnnLayout = false;
  override forward(input: Tensor): Tensor {
    const x = this._checkInput(input);
    const conv = (x: Tensor, w: Tensor, b: Tensor | null, o: F.ConvFunctionalOptions) =>
      F.conv2d(x, w, b, o as { stride: [number, number]; dilation: [number, number]; groups: number; padding: [number, number] });
    const blocked = this._oneDnnLayout && this.paddingMode === 'zeros' && layoutEnabled() ? layoutInput(x) : null;
    if (blocked === null) return convForward(this, x, conv);
    try {
      return convForward(this, blocked, conv);
    } finally {
      blocked.dispose(); // autograd keeps what backward needs (ToMkldnnBackward)
    }
  }
}

/** `nn.Conv3d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros')`: input [N, C, D, H, W] or [C, D, H, W]. */
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number, number], opts?: ConvOptions<[number, number, number]> | null);
  constructor(inChannels: number, outChannels: number, opts: ConvOptions<[number, number, number]>);
  constructor(
    inChannels: number,
    outChannels: number,
    a: number | [number, number, number] | ConvOptions<[number, number, number]>,
    b?: ConvOptions<[number, number, number]> | null,
  ) {
    super(3, false, inChannels, outChannels, a, b);
  }
  override forward(input: Tensor): Tensor {
    return convForward(this, this._checkInput(input), (x, w, b, o) => F.conv3d(x, w, b, o));
  }
}

/**
 * PyTorch's `_ConvTransposeNd._output_padding`: the output padding that makes the output
 * `outputSize` (the spatial sizes, or the whole shape), checked against the sizes reachable.
 */
function outputPaddingFor(m: ConvNd, x: Tensor, outputSize: number[] | null | undefined): number[] {
  if (outputSize === undefined || outputSize === null) return m.outputPadding;
  const n = m.kernelSize.length;
  const fn = m.modulePath;
  if (!Array.isArray(outputSize)) throw new TypeError(`${fn}: Expected an array of integers for outputSize but received ${describe(outputSize)}`);
  const nonSpatial = x.ndim === n + 2 ? 2 : 1;
  let size = outputSize;
  if (size.length === nonSpatial + n) size = size.slice(nonSpatial);
  if (size.length !== n) {
    throw new RangeError(
      `${fn}: ConvTranspose${n}D: for ${x.ndim}D input, output_size must have ${n} or ${nonSpatial + n} elements (got ${outputSize.length})`,
    );
  }
  const mins: number[] = [];
  const maxs: number[] = [];
  for (let d = 0; d < n; d++) {
    const p = (m.padding as number[])[d];
    mins.push((x.shape[d + nonSpatial] - 1) * m.stride[d] - 2 * p + m.dilation[d] * (m.kernelSize[d] - 1) + 1);
    maxs.push(mins[d] + m.stride[d] - 1);
  }
  for (let d = 0; d < n; d++) {
    if (!Number.isInteger(size[d]) || size[d] < mins[d] || size[d] > maxs[d]) {
      throw new RangeError(
        `${fn}: requested an output size of ${shapeStr(size)}, but valid sizes range from ${shapeStr(mins)} to ${shapeStr(maxs)} (for an input of ${shapeStr(x.shape.slice(2))})`,
      );
    }
  }
  return size.map((s, d) => s - mins[d]);
}

function convTransposeForward(m: ConvNd, input: unknown, outputSize: number[] | null | undefined): Tensor {
  const x = m._checkInput(input);
  const n = m.kernelSize.length;
  const outputPadding = outputPaddingFor(m, x, outputSize);
  const o = { stride: m.stride, padding: m.padding as number[], outputPadding, groups: m.groups, dilation: m.dilation };
  return withContext(
    () => m.modulePath,
    () =>
      n === 1 ? F.convTranspose1d(x, m.weight, m.bias, o) : n === 2 ? F.convTranspose2d(x, m.weight, m.bias, o) : F.convTranspose3d(x, m.weight, m.bias, o),
  );
}

/**
 * `nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
 * groups=1, bias=True, dilation=1, padding_mode='zeros')`; forward(input, output_size=None).
 */
export class ConvTranspose1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number], opts?: ConvTransposeOptions<[number]> | null);
  constructor(inChannels: number, outChannels: number, opts: ConvTransposeOptions<[number]>);
  constructor(inChannels: number, outChannels: number, a: number | [number] | ConvTransposeOptions<[number]>, b?: ConvTransposeOptions<[number]> | null) {
    super(1, true, inChannels, outChannels, a, b);
  }
  override forward(input: Tensor, outputSize?: number[] | null): Tensor {
    return convTransposeForward(this, input, outputSize);
  }
}

/**
 * `nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
 * groups=1, bias=True, dilation=1, padding_mode='zeros')`; forward(input, output_size=None).
 */
export class ConvTranspose2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], opts?: ConvTransposeOptions<[number, number]> | null);
  constructor(inChannels: number, outChannels: number, opts: ConvTransposeOptions<[number, number]>);
  constructor(
    inChannels: number,
    outChannels: number,
    a: number | [number, number] | ConvTransposeOptions<[number, number]>,
    b?: ConvTransposeOptions<[number, number]> | null,
  ) {
    super(2, true, inChannels, outChannels, a, b);
  }
  override forward(input: Tensor, outputSize?: number[] | null): Tensor {
    return convTransposeForward(this, input, outputSize);
  }
}

/**
 * `nn.ConvTranspose3d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
 * groups=1, bias=True, dilation=1, padding_mode='zeros')`; forward(input, output_size=None).
 */
export class ConvTranspose3d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number, number, number],
    opts?: ConvTransposeOptions<[number, number, number]> | null,
  );
  constructor(inChannels: number, outChannels: number, opts: ConvTransposeOptions<[number, number, number]>);
  constructor(
    inChannels: number,
    outChannels: number,
    a: number | [number, number, number] | ConvTransposeOptions<[number, number, number]>,
    b?: ConvTransposeOptions<[number, number, number]> | null,
  ) {
    super(3, true, inChannels, outChannels, a, b);
  }
  override forward(input: Tensor, outputSize?: number[] | null): Tensor {
    return convTransposeForward(this, input, outputSize);
  }
}
