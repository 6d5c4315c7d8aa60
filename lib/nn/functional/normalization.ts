/**
 * nn.functional, normalization: layer_norm, group_norm, local_response_norm, normalize
 * (torch/nn/functional.py), each the ATen operator Python calls or Python's composition of them.
 */
import { type Tensor, op, wrap } from '../../tensor.js';
import { checkOptions, expectBool, expectInt, expectNumber, expectPositiveInt } from '../../errors.js';
import { tidy } from '../../scope.js';
import { checkTensor, checkOptTensor, shapeStr, withContext, normalizedShapeArg } from '../common.js';

const O = {
  layerNorm: op('aten::layer_norm'),
  groupNorm: op('aten::group_norm'),
  instanceNorm: op('aten::instance_norm'),
  alias: op('aten::alias'),
  pad: op('aten::constant_pad_nd'),
  avgPool2d: op('aten::avg_pool2d'),
  avgPool3d: op('aten::avg_pool3d'),
};

/** Options of layerNorm (Python's keyword arguments). */
export interface LayerNormFunctionalOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * `F.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5)`: normalizes over the
 * trailing dimensions given by normalizedShape.
 */
export function layerNorm(input: Tensor, normalizedShape: number | number[], opts: LayerNormFunctionalOptions | null = {}): Tensor {
  const fn = 'layerNorm';
  checkTensor(input, fn);
  const shape = normalizedShapeArg(normalizedShape, `${fn}: normalizedShape`);
  checkOptions(opts, ['weight', 'bias', 'eps'], fn);
  const w = checkOptTensor(opts?.weight, fn, 'weight');
  const b = checkOptTensor(opts?.bias, fn, 'bias');
  const eps = expectNumber(opts?.eps ?? 1e-5, `${fn}: eps`);
  // cudnn_enable follows torch.backends.cudnn.enabled (True by default), as Python passes it.
  return withContext(fn, () => wrap(O.layerNorm(input._h, shape, w ? w._h : null, b ? b._h : null, eps, true)));
}

/** Python's `_verify_batch_size`: normalizing a single value per channel is an error in training. */
function verifyBatchSize(size: number[], fn: string): void {
  let prod = size[0];
  for (let i = 2; i < size.length; i++) prod *= size[i];
  if (prod === 1) throw new RangeError(`${fn}: Expected more than 1 value per channel when training, got input size ${shapeStr(size)}`);
}

/** `F.group_norm(input, num_groups, weight=None, bias=None, eps=1e-5)`: input [N, C, *]. */
export function groupNorm(input: Tensor, numGroups: number, opts: LayerNormFunctionalOptions | null = {}): Tensor {
  const fn = 'groupNorm';
  checkTensor(input, fn);
  const g = expectPositiveInt(numGroups, `${fn}: numGroups`);
  checkOptions(opts, ['weight', 'bias', 'eps'], fn);
  const w = checkOptTensor(opts?.weight, fn, 'weight');
  const b = checkOptTensor(opts?.bias, fn, 'bias');
  const eps = expectNumber(opts?.eps ?? 1e-5, `${fn}: eps`);
  const s = input.shape;
  if (s.length < 2) throw new RangeError(`${fn}: Expected at least 2 dimensions for input [N, C, *] but got ${shapeStr(s)}`);
  verifyBatchSize([Math.floor((s[0] * s[1]) / g), g, ...s.slice(2)], fn);
  return withContext(fn, () => wrap(O.groupNorm(input._h, g, w ? w._h : null, b ? b._h : null, eps, true)));
}

/**
 * `F.local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0)`: input divided by
 * (k + alpha/size · sum of squares over `size` neighbouring channels)^beta, as Python composes it
 * (pad, then an average pool over the channel dimension).
 */
export function localResponseNorm(input: Tensor, size: number, alpha = 1e-4, beta = 0.75, k = 1.0): Tensor {
  const fn = 'localResponseNorm';
  checkTensor(input, fn);
  const n = expectPositiveInt(size, `${fn}: size`);
  const a = expectNumber(alpha, `${fn}: alpha`);
  const bt = expectNumber(beta, `${fn}: beta`);
  const kk = expectNumber(k, `${fn}: k`);
  const dim = input.ndim;
  if (dim < 3) throw new RangeError(`${fn}: Expected 3D or higher dimensionality input (got ${dim} dimensions)`);
  if (input.numel() === 0) return wrap(O.alias(input._h));
  return withContext(fn, () =>
    tidy(() => {
      let div = input.mul(input).unsqueeze(1);
      const before = Math.floor(n / 2);
      const after = Math.floor((n - 1) / 2);
      if (dim === 3) {
        div = wrap(O.pad(div._h, [0, 0, before, after], 0));
        div = wrap(O.avgPool2d(div._h, [n, 1], [1, 1])).squeeze(1);
      } else {
        const sizes = input.shape;
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1);
        div = wrap(O.pad(div._h, [0, 0, 0, 0, before, after], 0));
        div = wrap(O.avgPool3d(div._h, [n, 1, 1], [1, 1, 1])).squeeze(1);
        div = div.view(sizes);
      }
      div = div.mul(a).add(kk).pow(bt);
      return input.div(div);
    }),
  );
}

/**
 * `F.normalize(input, p=2.0, dim=1, eps=1e-12)`: input / max(‖input‖_p along dim, eps).
 */
export function normalize(input: Tensor, p = 2.0, dim = 1, eps = 1e-12): Tensor {
  const fn = 'normalize';
  checkTensor(input, fn);
  const pp = expectNumber(p, `${fn}: p`);
  const d = expectInt(dim, `${fn}: dim`);
  const e = expectNumber(eps, `${fn}: eps`);
  return withContext(fn, () =>
    tidy(() => {
      const denom = input.norm(pp, d, { keepdim: true }).clampMin(e).expandAs(input);
      return input.div(denom);
    }),
  );
}

/** Options of instanceNorm (Python's keyword arguments). */
export interface InstanceNormFunctionalOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  useInputStats?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * `F.instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
 * use_input_stats=True, momentum=0.1, eps=1e-5)`: input [N, C, *], each sample and channel
 * normalized over its spatial elements; running stats (when given) are updated in place.
 */
export function instanceNorm(input: Tensor, opts: InstanceNormFunctionalOptions | null = {}): Tensor {
  const fn = 'instanceNorm';
  checkTensor(input, fn);
  checkOptions(opts, ['runningMean', 'runningVar', 'weight', 'bias', 'useInputStats', 'momentum', 'eps'], fn);
  const rm = checkOptTensor(opts?.runningMean, fn, 'runningMean');
  const rv = checkOptTensor(opts?.runningVar, fn, 'runningVar');
  const w = checkOptTensor(opts?.weight, fn, 'weight');
  const b = checkOptTensor(opts?.bias, fn, 'bias');
  const useInputStats = expectBool(opts?.useInputStats ?? true, `${fn}: useInputStats`);
  const momentum = expectNumber(opts?.momentum ?? 0.1, `${fn}: momentum`);
  const eps = expectNumber(opts?.eps ?? 1e-5, `${fn}: eps`);
  const s = input.shape;
  if (s.length < 2) throw new RangeError(`${fn}: Expected at least 2 dimensions for input [N, C, *] but got ${shapeStr(s)}`);
  // Python's _verify_spatial_size.
  if (useInputStats) {
    let prod = 1;
    for (let i = 2; i < s.length; i++) prod *= s[i];
    if (prod === 1) throw new RangeError(`${fn}: Expected more than 1 spatial element when training, got input size ${shapeStr(s)}`);
  }
  return withContext(fn, () =>
    wrap(O.instanceNorm(input._h, w ? w._h : null, b ? b._h : null, rm ? rm._h : null, rv ? rv._h : null, useInputStats, momentum, eps, true)),
  );
}
