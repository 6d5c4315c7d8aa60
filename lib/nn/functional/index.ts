/**
 * nn.functional (also exported as `F`): PyTorch's functional forms, each one LibTorch operator
 * (the same one torch.nn.functional calls), with argument checks that name the function.
 */
import { type Tensor, op, wrap, ValuesIndices } from '../../tensor.js';
import { withStrided } from '../../layout_state.js';
import { type DType, dtypeCode, describe } from '../../dtype.js';
import { checkOptions, expectInt, expectNumber, expectBool, expectIntArray } from '../../errors.js';
import { checkTensor, checkOptTensor, shapeStr, reductionEnum, pair, type Reduction, withContext } from '../common.js';

const O = {
  relu: op('aten::relu'),
  relu_: op('aten::relu_'),
  leakyRelu: op('aten::leaky_relu'),
  leakyRelu_: op('aten::leaky_relu_'),
  sigmoid: op('aten::sigmoid'),
  tanh: op('aten::tanh'),
  softmax: op('aten::softmax.int'),
  logSoftmax: op('aten::log_softmax.int'),
  linear: op('aten::linear'),
  conv2d: op('aten::conv2d'),
  conv2dPad: op('aten::conv2d.padding'),
  maxPool2d: op('aten::max_pool2d'),
  maxPool2dIdx: op('aten::max_pool2d_with_indices'),
  avgPool2d: op('aten::avg_pool2d'),
  adaptiveAvgPool2d: op('aten::adaptive_avg_pool2d'),
  batchNorm: op('aten::batch_norm'),
  dropout: op('aten::dropout'),
  dropout_: op('aten::dropout_'),
  flatten: op('aten::flatten.using_ints'),
  crossEntropy: op('aten::cross_entropy_loss'),
  nllLoss: op('aten::nll_loss_nd'),
  mseLoss: op('aten::mse_loss'),
  broadcastTensors: op('aten::broadcast_tensors'),
  l1Loss: op('aten::l1_loss'),
  bce: op('aten::binary_cross_entropy'),
  bceLogits: op('aten::binary_cross_entropy_with_logits'),
  oneHot: op('aten::one_hot'),
  pad: op('aten::pad'),
  embedding: op('aten::embedding'),
  expand: op('aten::expand'),
};

/** Python's `_get_softmax_dim` for dim=None (legacy implicit dim). */
function softmaxDim(input: Tensor, dim: number | null | undefined, fn: string): number {
  if (dim === undefined || dim === null) {
    const n = input.ndim;
    return n === 0 || n === 1 || n === 3 ? 0 : 1;
  }
  return expectInt(dim, `${fn}: dim`);
}

// ---- activations -------------------------------------------------------------------------

/** `F.relu(input, inplace=False)`. */
export function relu(input: Tensor, opts: { inplace?: boolean } | null = {}): Tensor {
  checkTensor(input, 'relu');
  checkOptions(opts, ['inplace'], 'relu');
  if (opts?.inplace) {
    O.relu_(input._h);
    return input;
  }
  return wrap(O.relu(input._h));
}
/** `F.leaky_relu(input, negative_slope=0.01, inplace=False)`. */
export function leakyRelu(input: Tensor, negativeSlope = 0.01, opts: { inplace?: boolean } | null = {}): Tensor {
  checkTensor(input, 'leakyRelu');
  expectNumber(negativeSlope, 'leakyRelu: negativeSlope');
  checkOptions(opts, ['inplace'], 'leakyRelu');
  if (opts?.inplace) {
    O.leakyRelu_(input._h, negativeSlope);
    return input;
  }
  return wrap(O.leakyRelu(input._h, negativeSlope));
}
/** `torch.sigmoid`. */
export function sigmoid(input: Tensor): Tensor {
  return wrap(O.sigmoid(checkTensor(input, 'sigmoid')._h));
}
/** `torch.tanh`. */
export function tanh(input: Tensor): Tensor {
  return wrap(O.tanh(checkTensor(input, 'tanh')._h));
}
/** `F.softmax(input, dim, dtype=None)`. */
export function softmax(input: Tensor, dim?: number | null, opts: { dtype?: DType } | null = {}): Tensor {
  checkTensor(input, 'softmax');
  checkOptions(opts, ['dtype'], 'softmax');
  const d = softmaxDim(input, dim, 'softmax');
  return withContext('softmax', () => wrap(O.softmax(input._h, d, opts?.dtype === undefined ? undefined : dtypeCode(opts?.dtype, 'softmax: dtype'))));
}
/** `F.log_softmax(input, dim, dtype=None)`. */
export function logSoftmax(input: Tensor, dim?: number | null, opts: { dtype?: DType } | null = {}): Tensor {
  checkTensor(input, 'logSoftmax');
  checkOptions(opts, ['dtype'], 'logSoftmax');
  const d = softmaxDim(input, dim, 'logSoftmax');
  return withContext('logSoftmax', () => wrap(O.logSoftmax(input._h, d, opts?.dtype === undefined ? undefined : dtypeCode(opts?.dtype, 'logSoftmax: dtype'))));
}

// ---- linear and convolution ------------------------------------------------------------------

/** `F.linear(input, weight, bias=None)`: input @ weight.T + bias. */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(input, 'linear');
  checkTensor(weight, 'linear', 'weight');
  const b = checkOptTensor(bias, 'linear', 'bias');
  try {
    // One native call on the hot path; shapes are read only to explain a failure.
    return withStrided(input, (x) => wrap(O.linear(x._h, weight._h, b ? b._h : null)));
  } catch (e) {
    const inF = weight.shape[weight.ndim - 1];
    if (weight.ndim > 0 && (input.ndim === 0 || input.shape[input.ndim - 1] !== inF)) {
      throw new RangeError(`linear: expected input [*, ${inF}] for weight ${shapeStr(weight.shape)}, got ${shapeStr(input.shape)}`);
    }
    return withContext('linear', () => {
      throw e;
    });
  }
}

/** Options of conv2d (Python's keyword arguments). */
export interface Conv2dFunctionalOptions {
  stride?: number | [number, number];
  padding?: number | [number, number] | 'valid' | 'same';
  dilation?: number | [number, number];
  groups?: number;
}

/** `F.conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)`. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dFunctionalOptions = {}): Tensor {
  const fn = 'conv2d';
  checkTensor(input, fn);
  checkTensor(weight, fn, 'weight');
  const b = checkOptTensor(bias, fn, 'bias');
  checkOptions(opts, ['stride', 'padding', 'dilation', 'groups'], fn);
  const stride = pair(opts?.stride ?? 1, fn, 'stride', 1);
  const dilation = pair(opts?.dilation ?? 1, fn, 'dilation', 1);
  const groups = opts?.groups ?? 1;
  if (!(Number.isInteger(groups) && groups > 0)) throw new TypeError(`${fn}: expected positive integer for groups but received ${describe(groups)}`);
  if (weight.ndim !== 4) throw new RangeError(`${fn}: expected a 4-D weight [out, in/groups, kH, kW] but got ${shapeStr(weight.shape)}`);
  const inC = weight.shape[1] * groups;
  if (!((input.ndim === 4 || input.ndim === 3) && input.shape[input.ndim - 3] === inC)) {
    throw new RangeError(
      `${fn}: expected input [N, ${inC}, H, W] or [${inC}, H, W] (${inC} channels) for weight ${shapeStr(weight.shape)}, got ${shapeStr(input.shape)}`,
    );
  }
  const padding = opts?.padding ?? 0;
  return withContext(fn, () => {
    if (padding === 'valid' || padding === 'same') {
      if (padding === 'same' && (stride[0] !== 1 || stride[1] !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
      return wrap(O.conv2dPad(input._h, weight._h, b ? b._h : null, stride, padding, dilation, groups));
    }
    return wrap(O.conv2d(input._h, weight._h, b ? b._h : null, stride, pair(padding, fn, 'padding'), dilation, groups));
  });
}

// ---- pooling ----------------------------------------------------------------------------------

/** Options of maxPool2d. */
export interface MaxPool2dFunctionalOptions {
  stride?: number | [number, number] | null;
  padding?: number | [number, number];
  dilation?: number | [number, number];
  ceilMode?: boolean;
  returnIndices?: boolean;
}

function checkPoolInput(input: Tensor, fn: string): void {
  checkTensor(input, fn);
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`${fn}: expected 3-D [C, H, W] or 4-D [N, C, H, W] input, got ${shapeStr(input.shape)}`);
}

/** `F.max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)`. */
export function maxPool2d(input: Tensor, kernelSize: number | [number, number], opts?: MaxPool2dFunctionalOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(input: Tensor, kernelSize: number | [number, number], opts: MaxPool2dFunctionalOptions & { returnIndices: true }): ValuesIndices;
export function maxPool2d(input: Tensor, kernelSize: number | [number, number], opts: MaxPool2dFunctionalOptions = {}): Tensor | ValuesIndices {
  const fn = 'maxPool2d';
  checkPoolInput(input, fn);
  checkOptions(opts, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'], fn);
  const k = pair(kernelSize, fn, 'kernelSize', 1);
  const stride = opts?.stride === undefined || opts?.stride === null ? k : pair(opts?.stride, fn, 'stride', 1);
  const padding = pair(opts?.padding ?? 0, fn, 'padding');
  const dilation = pair(opts?.dilation ?? 1, fn, 'dilation', 1);
  const ceil = expectBool(opts?.ceilMode ?? false, `${fn}: ceilMode`);
  if (padding[0] * 2 > k[0] || padding[1] * 2 > k[1]) {
    throw new RangeError(`${fn}: pad should be at most half of effective kernel size, but got pad=${shapeStr(padding)}, kernel_size=${shapeStr(k)}`);
  }
  return withContext(fn, () => {
    if (opts?.returnIndices) {
      const [v, i] = O.maxPool2dIdx(input._h, k, stride, padding, dilation, ceil) as [number, number];
      return new ValuesIndices(wrap(v), wrap(i));
    }
    return wrap(O.maxPool2d(input._h, k, stride, padding, dilation, ceil));
  });
}

/** Options of avgPool2d. */
export interface AvgPool2dFunctionalOptions {
  stride?: number | [number, number] | null;
  padding?: number | [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** `F.avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)`. */
export function avgPool2d(input: Tensor, kernelSize: number | [number, number], opts: AvgPool2dFunctionalOptions = {}): Tensor {
  const fn = 'avgPool2d';
  checkPoolInput(input, fn);
  checkOptions(opts, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'], fn);
  const k = pair(kernelSize, fn, 'kernelSize', 1);
  const stride = opts?.stride === undefined || opts?.stride === null ? k : pair(opts?.stride, fn, 'stride', 1);
  const padding = pair(opts?.padding ?? 0, fn, 'padding');
  const div = opts?.divisorOverride ?? null;
  if (div !== null && !(Number.isInteger(div) && div > 0))
    throw new TypeError(`${fn}: expected positive integer for divisorOverride but received ${describe(div)}`);
  return withContext(fn, () =>
    wrap(
      O.avgPool2d(
        input._h,
        k,
        stride,
        padding,
        expectBool(opts?.ceilMode ?? false, `${fn}: ceilMode`),
        expectBool(opts?.countIncludePad ?? true, `${fn}: countIncludePad`),
        div,
      ),
    ),
  );
}

/** `F.adaptive_avg_pool2d(input, output_size)`; a null entry keeps that input size. */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | [number | null, number | null]): Tensor {
  const fn = 'adaptiveAvgPool2d';
  checkPoolInput(input, fn);
  const n = input.ndim;
  const raw = Array.isArray(outputSize) ? outputSize : [outputSize, outputSize];
  if (raw.length !== 2) throw new TypeError(`${fn}: expected an integer or a pair for outputSize but received an array of length ${raw.length}`);
  const size = raw.map((s, i) => {
    if (s === null) return input.shape[n - 2 + i];
    if (Number.isInteger(s) && (s as number) >= 0) return s as number;
    throw new TypeError(`${fn}: expected non-negative integer or null for outputSize[${i}] but received ${describe(s)}`);
  });
  return withContext(fn, () => wrap(O.adaptiveAvgPool2d(input._h, size)));
}

// ---- normalization and regularization ---------------------------------------------------------

/** Options of batchNorm (Python's keyword arguments). */
export interface BatchNormFunctionalOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * `F.batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
 * momentum=0.1, eps=1e-5)`: in training, running stats (when given) are updated in place.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormFunctionalOptions | null = {}): Tensor {
  const fn = 'batchNorm';
  checkTensor(input, fn);
  const rm = checkOptTensor(runningMean, fn, 'runningMean');
  const rv = checkOptTensor(runningVar, fn, 'runningVar');
  checkOptions(opts, ['weight', 'bias', 'training', 'momentum', 'eps'], fn);
  const w = checkOptTensor(opts?.weight, fn, 'weight');
  const b = checkOptTensor(opts?.bias, fn, 'bias');
  const training = expectBool(opts?.training ?? false, `${fn}: training`);
  const momentum = expectNumber(opts?.momentum ?? 0.1, `${fn}: momentum`);
  const eps = expectNumber(opts?.eps ?? 1e-5, `${fn}: eps`);
  if (input.ndim < 2) throw new RangeError(`${fn}: expected input with at least 2 dimensions [N, C, ...], got ${shapeStr(input.shape)}`);
  if (training) {
    const s = input.shape;
    let per = s[0];
    for (let i = 2; i < s.length; i++) per *= s[i];
    if (per === 1) throw new RangeError(`Expected more than 1 value per channel when training, got input size ${shapeStr(s)}`);
  }
  return withContext(fn, () =>
    wrap(O.batchNorm(input._h, w ? w._h : null, b ? b._h : null, rm ? rm._h : null, rv ? rv._h : null, training, momentum, eps, false)),
  );
}

/** `F.dropout(input, p=0.5, training=True, inplace=False)`: draws from the default generator like PyTorch. */
export function dropout(
  input: Tensor,
  p: number | { p?: number; training?: boolean; inplace?: boolean } = 0.5,
  opts: { training?: boolean; inplace?: boolean } | null = {},
): Tensor {
  const fn = 'dropout';
  checkTensor(input, fn);
  let prob: number;
  let o: { training?: boolean; inplace?: boolean };
  if (typeof p === 'object' && p !== null) {
    checkOptions(p, ['p', 'training', 'inplace'], fn);
    prob = p.p ?? 0.5;
    o = p;
  } else {
    prob = p;
    checkOptions(opts, ['training', 'inplace'], fn);
    o = opts ?? {};
  }
  if (typeof prob !== 'number' || !(prob >= 0 && prob <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${describe(prob)}`);
  const training = expectBool(o.training ?? true, `${fn}: training`);
  if (o.inplace) {
    O.dropout_(input._h, prob, training);
    return input;
  }
  return wrap(O.dropout(input._h, prob, training));
}

/** `torch.flatten(input, start_dim=0, end_dim=-1)` (as F.flatten). */
export function flatten(input: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor(input, 'flatten');
  return withContext('flatten', () =>
    withStrided(input, (x) => wrap(O.flatten(x._h, expectInt(startDim, 'flatten: startDim'), expectInt(endDim, 'flatten: endDim')))),
  );
}

/** `F.embedding(input, weight, padding_idx=None)`: rows of weight picked by int64 indices. */
export function embedding(
  input: Tensor,
  weight: Tensor,
  opts: { paddingIdx?: number | null; scaleGradByFreq?: boolean; sparse?: boolean } | null = {},
): Tensor {
  const fn = 'embedding';
  checkTensor(input, fn);
  checkTensor(weight, fn, 'weight');
  checkOptions(opts, ['paddingIdx', 'scaleGradByFreq', 'sparse'], fn);
  if (input.dtype !== 'int64' && input.dtype !== 'int32')
    throw new TypeError(`${fn}: expected int64 or int32 indices for input but received dtype ${input.dtype}`);
  let pad = opts?.paddingIdx ?? null;
  if (pad !== null) {
    expectInt(pad, `${fn}: paddingIdx`);
    if (pad < 0) pad += weight.shape[0];
  }
  return withContext(fn, () => wrap(O.embedding(weight._h, input._h, pad ?? -1, opts?.scaleGradByFreq ?? false, opts?.sparse ?? false)));
}

// ---- losses -------------------------------------------------------------------------------------

/** Options of crossEntropy. */
export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

/**
 * `F.cross_entropy(input, target, weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)`:
 * input [N, C] (or [N, C, d...] / [C]) logits; target int64 class indices [N] or class probabilities shaped like input.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions | null = {}): Tensor {
  const fn = 'crossEntropy';
  checkTensor(input, fn);
  checkTensor(target, fn, 'target');
  checkOptions(opts, ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'], fn);
  const w = checkOptTensor(opts?.weight, fn, 'weight');
  const red = reductionEnum(opts?.reduction, fn);
  const ignore = expectInt(opts?.ignoreIndex ?? -100, `${fn}: ignoreIndex`);
  const ls = expectNumber(opts?.labelSmoothing ?? 0, `${fn}: labelSmoothing`);
  if (ls < 0 || ls > 1) throw new RangeError(`${fn}: labelSmoothing must be between 0.0 and 1.0 but got ${ls}`);
  checkClassTarget(input, target, fn, true);
  if (w && (w.ndim !== 1 || w.shape[0] !== classCount(input))) {
    throw new RangeError(`${fn}: expected weight of shape [${classCount(input)}] (one per class) but got ${shapeStr(w.shape)}`);
  }
  return withContext(fn, () => wrap(O.crossEntropy(input._h, target._h, w ? w._h : null, red, ignore, ls)));
}

function classCount(input: Tensor): number {
  return input.ndim === 1 ? input.shape[0] : input.shape[1];
}

function checkClassTarget(input: Tensor, target: Tensor, fn: string, allowProbs: boolean): void {
  const s = input.shape;
  if (s.length === 0) throw new RangeError(`${fn}: expected input [N, C] (or [C], [N, C, d1, ...]) but got a 0-d tensor`);
  const idxShape = s.length === 1 ? [] : [s[0], ...s.slice(2)];
  const isIndex = target.dtype === 'int64' || target.dtype === 'int32' || target.dtype === 'uint8' || target.dtype === 'int16' || target.dtype === 'int8';
  if (isIndex) {
    if (target.dtype !== 'int64') {
      throw new TypeError(`${fn}: expected int64 class indices for target but received dtype ${target.dtype} (use target.long())`);
    }
    if (shapeStr(target.shape) !== shapeStr(idxShape)) {
      throw new RangeError(
        `${fn}: expected target ${shapeStr(idxShape)} of class indices for input ${shapeStr(s)}` +
          `${allowProbs ? ` (or class probabilities ${shapeStr(s)})` : ''}, got ${shapeStr(target.shape)}`,
      );
    }
    return;
  }
  if (!allowProbs) throw new TypeError(`${fn}: expected int64 class indices for target but received dtype ${target.dtype}`);
  if (shapeStr(target.shape) !== shapeStr(s)) {
    throw new RangeError(
      `${fn}: expected target ${shapeStr(idxShape)} of int64 class indices or ${shapeStr(s)} of class probabilities for input ${shapeStr(s)}, got ${shapeStr(target.shape)} (${target.dtype})`,
    );
  }
}

/** `F.nll_loss(input, target, weight=None, ignore_index=-100, reduction='mean')`: input holds log-probabilities. */
export function nllLoss(input: Tensor, target: Tensor, opts: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } | null = {}): Tensor {
  const fn = 'nllLoss';
  checkTensor(input, fn);
  checkTensor(target, fn, 'target');
  checkOptions(opts, ['weight', 'ignoreIndex', 'reduction'], fn);
  const w = checkOptTensor(opts?.weight, fn, 'weight');
  const red = reductionEnum(opts?.reduction, fn);
  const ignore = expectInt(opts?.ignoreIndex ?? -100, `${fn}: ignoreIndex`);
  checkClassTarget(input, target, fn, false);
  return withContext(fn, () => wrap(O.nllLoss(input._h, target._h, w ? w._h : null, red, ignore)));
}

/**
 * Warns as PyTorch does when the shapes differ, and then broadcasts both as Python's mse_loss and
 * l1_loss do (torch.broadcast_tensors) before the kernel: the result's dtype follows, since a 0-d
 * input broadcast to [3, 2] takes part in type promotion as a dimensioned tensor. Equal shapes
 * skip the (no-op) broadcast.
 */
function broadcastPair(fn: string, input: Tensor, target: Tensor): [number, number, Tensor[]] {
  if (shapeStr(input.shape) === shapeStr(target.shape)) return [input._h, target._h, []];
  process.emitWarning(
    `${fn}: Using a target size (${shapeStr(target.shape)}) that is different to the input size (${shapeStr(input.shape)}). ` +
      'This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.',
  );
  const pair = withContext(fn, () => (O.broadcastTensors([input._h, target._h]) as number[]).map(wrap));
  return [pair[0]._h, pair[1]._h, pair];
}

/** `F.mse_loss(input, target, reduction='mean')`. */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } | null = {}): Tensor {
  const fn = 'mseLoss';
  checkTensor(input, fn);
  checkTensor(target, fn, 'target');
  checkOptions(opts, ['reduction'], fn);
  const red = reductionEnum(opts?.reduction, fn);
  const [a, b, views] = broadcastPair(fn, input, target);
  try {
    return withContext(fn, () => wrap(O.mseLoss(a, b, red)));
  } finally {
    for (const v of views) v.dispose();
  }
}
/** `F.l1_loss(input, target, reduction='mean')`. */
export function l1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } | null = {}): Tensor {
  const fn = 'l1Loss';
  checkTensor(input, fn);
  checkTensor(target, fn, 'target');
  checkOptions(opts, ['reduction'], fn);
  const red = reductionEnum(opts?.reduction, fn);
  const [a, b, views] = broadcastPair(fn, input, target);
  try {
    return withContext(fn, () => wrap(O.l1Loss(a, b, red)));
  } finally {
    for (const v of views) v.dispose();
  }
}

/** `F.binary_cross_entropy(input, target, weight=None, reduction='mean')`: input holds probabilities. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: { weight?: Tensor | null; reduction?: Reduction } | null = {}): Tensor {
  const fn = 'binaryCrossEntropy';
  checkTensor(input, fn);
  checkTensor(target, fn, 'target');
  checkOptions(opts, ['weight', 'reduction'], fn);
  const w = checkOptTensor(opts?.weight, fn, 'weight');
  const red = reductionEnum(opts?.reduction, fn);
  if (shapeStr(input.shape) !== shapeStr(target.shape)) {
    throw new RangeError(
      `${fn}: Using a target size (${shapeStr(target.shape)}) that is different to the input size (${shapeStr(input.shape)}) is deprecated. Please ensure they have the same size.`,
    );
  }
  return withContext(fn, () => {
    // PyTorch expands weight to the target's shape first.
    const we = w ? wrap(O.expand(w._h, target.shape)) : null;
    try {
      return wrap(O.bce(input._h, target._h, we ? we._h : null, red));
    } finally {
      we?.dispose();
    }
  });
}

/** `F.binary_cross_entropy_with_logits(input, target, weight=None, reduction='mean', pos_weight=None)`. */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null } | null = {},
): Tensor {
  const fn = 'binaryCrossEntropyWithLogits';
  checkTensor(input, fn);
  checkTensor(target, fn, 'target');
  checkOptions(opts, ['weight', 'reduction', 'posWeight'], fn);
  const w = checkOptTensor(opts?.weight, fn, 'weight');
  const pw = checkOptTensor(opts?.posWeight, fn, 'posWeight');
  const red = reductionEnum(opts?.reduction, fn);
  if (shapeStr(input.shape) !== shapeStr(target.shape)) {
    throw new RangeError(`${fn}: Target size (${shapeStr(target.shape)}) must be the same as input size (${shapeStr(input.shape)})`);
  }
  return withContext(fn, () => wrap(O.bceLogits(input._h, target._h, w ? w._h : null, pw ? pw._h : null, red)));
}

// ---- misc ------------------------------------------------------------------------------------------

/** `F.one_hot(tensor, num_classes=-1)`: int64 indices to an int64 one-hot tensor [..., numClasses]. */
export function oneHot(input: Tensor, numClasses = -1): Tensor {
  const fn = 'oneHot';
  checkTensor(input, fn);
  if (input.dtype !== 'int64') throw new TypeError(`${fn}: one_hot is only applicable to index tensor (int64), but received dtype ${input.dtype}`);
  return withContext(fn, () => wrap(O.oneHot(input._h, expectInt(numClasses, `${fn}: numClasses`))));
}

/**
 * `F.pad(input, pad, mode='constant', value=0)`: pad lists (left, right, top, bottom, ...) from
 * the last dimension backwards, as PyTorch.
 */
export function pad(input: Tensor, padding: number[], mode: 'constant' | 'reflect' | 'replicate' | 'circular' = 'constant', value?: number): Tensor {
  const fn = 'pad';
  checkTensor(input, fn);
  const p = expectIntArray(padding, `${fn}: pad`);
  if (p.length % 2 !== 0) throw new RangeError(`${fn}: Padding length must be divisible by 2 but got ${p.length}`);
  if (p.length / 2 > input.ndim) throw new RangeError(`${fn}: Padding length ${p.length} too large for a ${input.ndim}-D input`);
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    throw new TypeError(`${fn}: expected 'constant', 'reflect', 'replicate' or 'circular' for mode but received ${describe(mode)}`);
  }
  if (value !== undefined && mode !== 'constant') throw new TypeError(`${fn}: padding mode '${mode}' doesn't take in value argument`);
  return withContext(fn, () => wrap(O.pad(input._h, p, mode, value === undefined ? null : expectNumber(value, `${fn}: value`))));
}

// nn.functional by topic (each file one family of torch/nn/functional.py).
export * from './activation.js';
export * from './attention.js';
export * from './normalization.js';
export * from './conv.js';
export * from './pooling.js';
export * from './vision.js';
export * from './loss.js';
export * from './sparse.js';
export * from './distance.js';
export * from './dropout.js';
