/**
 * nn.init: in-place initialisers with PyTorch's formulas and RNG consumption, so the same seed
 * gives the same weights. All run under noGrad and return the tensor.
 */
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { describe } from '../dtype.js';
import { checkOptions, expectNumber } from '../errors.js';
import { checkTensor } from './common.js';

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

function correctFan(t: Tensor, mode: unknown, fn: string): number {
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
