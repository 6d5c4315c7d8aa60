/** Pooling (torch/nn/modules/pooling.py). */
import type { Tensor } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { shapeStr, pyVal, pyBool, pair, withContext, inputOf } from '../common.js';

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
