/** nn.functional, convolutions (torch/nn/functional.py): conv1d/3d, the transposed ones, unfold and fold. */
import { type Tensor, op, wrap } from '../../tensor.js';
import { checkOptions, expectInt, expectPositiveInt } from '../../errors.js';
import { checkTensor, checkOptTensor, withContext } from '../common.js';
import { ntuple } from '../modules/utils.js';

const O = {
  conv1d: op('aten::conv1d'),
  conv1dPad: op('aten::conv1d.padding'),
  conv3d: op('aten::conv3d'),
  conv3dPad: op('aten::conv3d.padding'),
  convT1d: op('aten::conv_transpose1d'),
  convT2d: op('aten::conv_transpose2d.input'),
  convT3d: op('aten::conv_transpose3d.input'),
  im2col: op('aten::im2col'),
  col2im: op('aten::col2im'),
};

/** An int for every spatial dimension, or one per dimension. */
export type IntOrTuple = number | number[];

/** Options of conv1d/conv3d (Python's keyword arguments). */
export interface ConvFunctionalOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple | 'valid' | 'same';
  dilation?: IntOrTuple;
  groups?: number;
}

function convNd(n: 1 | 3, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvFunctionalOptions | null): Tensor {
  const fn = `conv${n}d`;
  checkTensor(input, fn);
  checkTensor(weight, fn, 'weight');
  const b = checkOptTensor(bias, fn, 'bias');
  checkOptions(opts, ['stride', 'padding', 'dilation', 'groups'], fn);
  const stride = ntuple(opts?.stride ?? 1, n, fn, 'stride', 1);
  const dilation = ntuple(opts?.dilation ?? 1, n, fn, 'dilation', 1);
  const groups = expectPositiveInt(opts?.groups ?? 1, `${fn}: groups`);
  const padding = opts?.padding ?? 0;
  const [plain, withStr] = n === 1 ? [O.conv1d, O.conv1dPad] : [O.conv3d, O.conv3dPad];
  if (typeof padding === 'string') {
    if (padding !== 'valid' && padding !== 'same') throw new TypeError(`${fn}: Invalid padding string '${padding}', should be one of 'valid', 'same'`);
    if (padding === 'same' && stride.some((s) => s !== 1)) throw new RangeError(`${fn}: padding='same' is not supported for strided convolutions`);
    return withContext(fn, () => wrap(withStr(input._h, weight._h, b ? b._h : null, stride, padding, dilation, groups)));
  }
  const p = ntuple(padding, n, fn, 'padding');
  return withContext(fn, () => wrap(plain(input._h, weight._h, b ? b._h : null, stride, p, dilation, groups)));
}

/** `F.conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)`: input [N, C, L] or [C, L]. */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvFunctionalOptions | null = {}): Tensor {
  return convNd(1, input, weight, bias, opts);
}

/** `F.conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)`: input [N, C, D, H, W] or [C, D, H, W]. */
export function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvFunctionalOptions | null = {}): Tensor {
  return convNd(3, input, weight, bias, opts);
}

/** Options of convTranspose1d/2d/3d (Python's keyword arguments). */
export interface ConvTransposeFunctionalOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
  groups?: number;
  dilation?: IntOrTuple;
}

function convTransposeNd(n: 1 | 2 | 3, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvTransposeFunctionalOptions | null): Tensor {
  const fn = `convTranspose${n}d`;
  checkTensor(input, fn);
  checkTensor(weight, fn, 'weight');
  const b = checkOptTensor(bias, fn, 'bias');
  checkOptions(opts, ['stride', 'padding', 'outputPadding', 'groups', 'dilation'], fn);
  const stride = ntuple(opts?.stride ?? 1, n, fn, 'stride', 1);
  const padding = ntuple(opts?.padding ?? 0, n, fn, 'padding');
  const outputPadding = ntuple(opts?.outputPadding ?? 0, n, fn, 'outputPadding');
  const groups = expectPositiveInt(opts?.groups ?? 1, `${fn}: groups`);
  const dilation = ntuple(opts?.dilation ?? 1, n, fn, 'dilation', 1);
  const f = n === 1 ? O.convT1d : n === 2 ? O.convT2d : O.convT3d;
  return withContext(fn, () => {
    try {
      return wrap(f(input._h, weight._h, b ? b._h : null, stride, padding, outputPadding, groups, dilation));
    } catch (e) {
      // LibTorch names its own op ("conv_transpose2d: …"); the prefix added here names ours.
      if (e instanceof Error) e.message = e.message.replace(/^conv_transpose[123]d: /, '');
      throw e;
    }
  });
}

/**
 * `F.conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)`:
 * weight [in, out/groups, kL].
 */
export function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTransposeFunctionalOptions | null = {}): Tensor {
  return convTransposeNd(1, input, weight, bias, opts);
}
/** `F.conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)`. */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTransposeFunctionalOptions | null = {}): Tensor {
  return convTransposeNd(2, input, weight, bias, opts);
}
/** `F.conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)`. */
export function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTransposeFunctionalOptions | null = {}): Tensor {
  return convTransposeNd(3, input, weight, bias, opts);
}

/** Options of unfold and fold. */
export interface FoldOptions {
  dilation?: number | [number, number];
  padding?: number | [number, number];
  stride?: number | [number, number];
}

/**
 * `F.unfold(input, kernel_size, dilation=1, padding=0, stride=1)` (im2col): [N, C, H, W] →
 * [N, C·kH·kW, L] sliding blocks.
 */
export function unfold(input: Tensor, kernelSize: number | [number, number], opts: FoldOptions | null = {}): Tensor {
  const fn = 'unfold';
  checkTensor(input, fn);
  checkOptions(opts, ['dilation', 'padding', 'stride'], fn);
  const k = ntuple(kernelSize, 2, fn, 'kernelSize', 1);
  const d = ntuple(opts?.dilation ?? 1, 2, fn, 'dilation', 1);
  const p = ntuple(opts?.padding ?? 0, 2, fn, 'padding');
  const s = ntuple(opts?.stride ?? 1, 2, fn, 'stride', 1);
  return withContext(fn, () => wrap(O.im2col(input._h, k, d, p, s)));
}

/**
 * `F.fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1)` (col2im): sums
 * sliding blocks [N, C·kH·kW, L] back into [N, C, H, W].
 */
export function fold(input: Tensor, outputSize: number | [number, number], kernelSize: number | [number, number], opts: FoldOptions | null = {}): Tensor {
  const fn = 'fold';
  checkTensor(input, fn);
  checkOptions(opts, ['dilation', 'padding', 'stride'], fn);
  const o = ntuple(outputSize, 2, fn, 'outputSize', 1);
  const k = ntuple(kernelSize, 2, fn, 'kernelSize', 1);
  const d = ntuple(opts?.dilation ?? 1, 2, fn, 'dilation', 1);
  const p = ntuple(opts?.padding ?? 0, 2, fn, 'padding');
  const s = ntuple(opts?.stride ?? 1, 2, fn, 'stride', 1);
  return withContext(fn, () => wrap(O.col2im(input._h, o, k, d, p, s)));
}

const bilinearOp = op('aten::bilinear');
/**
 * `F.bilinear(input1, input2, weight, bias=None)`: y = x1ᵀ A x2 + b with weight A
 * [out, in1, in2], input1 [*, in1], input2 [*, in2] (kept with the linear and conv forms, as
 * functional/index.ts groups them).
 */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const fn = 'bilinear';
  checkTensor(input1, fn, 'input1');
  checkTensor(input2, fn, 'input2');
  checkTensor(weight, fn, 'weight');
  const b = checkOptTensor(bias, fn, 'bias');
  return withContext(fn, () => wrap(bilinearOp(input1._h, input2._h, weight._h, b ? b._h : null)));
}

const convTbcOp = op('aten::conv_tbc');
/**
 * `F.conv_tbc(input, weight, bias, pad=0)`: 1-D convolution over time-batch-channel input
 * ([time, batch, inChannels]; weight [kernelWidth, inChannels, outChannels]).
 */
export function convTbc(input: Tensor, weight: Tensor, bias: Tensor, pad = 0): Tensor {
  const fn = 'convTbc';
  const args = [checkTensor(input, fn, 'input')._h, checkTensor(weight, fn, 'weight')._h, checkTensor(bias, fn, 'bias')._h, expectInt(pad, `${fn}: pad`)];
  return withContext(fn, () => wrap(convTbcOp(...args)));
}
