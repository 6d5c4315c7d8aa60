/** nn.utils: gradient clipping and parameter/vector conversion, with PyTorch's algorithms. */
import { Tensor, stack, cat, tensor, zerosLike, onesLike } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { noGrad } from '../../autograd.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool, expectNumber } from '../../errors.js';
import { checkTensor, pyFloat } from '../common.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

function paramList(parameters: Iterable<Tensor> | Tensor, fn: string): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (parameters === null || typeof parameters !== 'object' || typeof (parameters as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${fn}: expected a Tensor or an iterable of Tensors for parameters but received ${describe(parameters)}`);
  }
  return [...parameters].map((p, i) => checkTensor(p, fn, `parameters[${i}]`));
}

/**
 * `clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False)`: scales all
 * gradients together so their total norm is at most maxNorm; returns the total norm (before clipping).
 */
export function clipGradNorm_(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType: number | 'inf' = 2,
  opts: { errorIfNonfinite?: boolean } | null = {},
): Tensor {
  const fn = 'clipGradNorm_';
  const params = paramList(parameters, fn);
  expectNumber(maxNorm, `${fn}: maxNorm`);
  const p = normType === 'inf' ? Infinity : expectNumber(normType, `${fn}: normType`);
  checkOptions(opts, ['errorIfNonfinite'], fn);
  const errorIfNonfinite = expectBool(opts?.errorIfNonfinite ?? false, `${fn}: errorIfNonfinite`);
  return tidy(() =>
    noGrad(() => {
      const grads = params.map((q) => q.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return tensor(0, { dtype: 'float32' });
      const device = grads[0].device;
      let total: Tensor;
      if (p === Infinity) {
        const norms = grads.map((g) => g.abs().max().to(device));
        total = norms.length === 1 ? norms[0] : stack(norms).max();
      } else {
        total = stack(grads.map((g) => g.norm(p).to(device))).norm(p);
      }
      if (errorIfNonfinite && !Number.isFinite(total.item())) {
        throw new Error(
          `${fn}: The total norm of order ${pyFloat(p)} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set \`errorIfNonfinite: false\``,
        );
      }
      // Python's `max_norm / (total_norm + 1e-6)` is Tensor.__rdiv__: reciprocal() * max_norm.
      const coef = total.add(1e-6).reciprocal().mul(maxNorm);
      const clamped = coef.clamp(null, 1.0);
      for (const g of grads) g.mul_(clamped.to(g.device));
      return total;
    }),
  );
}

/** `clip_grad_norm(...)`: PyTorch's deprecated name of clipGradNorm_ (warns, then the same). */
export function clipGradNorm(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType: number | 'inf' = 2,
  opts: { errorIfNonfinite?: boolean } | null = {},
): Tensor {
  process.emitWarning('torch.nn.utils.clip_grad_norm is now deprecated in favor of torch.nn.utils.clip_grad_norm_.', 'DeprecationWarning');
  return clipGradNorm_(parameters, maxNorm, normType, opts);
}

/** `clip_grad_value_(parameters, clip_value)`: clamps every gradient element to [-v, v] in place. */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  const fn = 'clipGradValue_';
  const params = paramList(parameters, fn);
  const v = expectNumber(clipValue, `${fn}: clipValue`);
  tidy(() =>
    noGrad(() => {
      for (const q of params) q.grad?.clamp_(-v, v);
    }),
  );
}

/** `parameters_to_vector(parameters)`: one flat tensor of all parameters (in order). */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const params = paramList(parameters, 'parametersToVector');
  return tidy(() => cat(params.map((q) => q.view(-1))));
}

/**
 * `vector_to_parameters(vec, parameters)`: copies consecutive slices of vec into the parameters.
 * (PyTorch rebinds `param.data` to views of vec; copying gives the same values without aliasing.)
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  const fn = 'vectorToParameters';
  checkTensor(vec, fn, 'vec');
  if (vec.ndim !== 1) throw new TypeError(`${fn}: expected vec to be a 1-D Tensor, but got ${vec.ndim}-D with shape [${vec.shape.join(', ')}]`);
  const params = paramList(parameters, fn);
  const total = params.reduce((a, q) => a + q.numel(), 0);
  if (total !== vec.shape[0]) throw new RangeError(`${fn}: vec has ${vec.shape[0]} elements but the parameters hold ${total}`);
  tidy(() =>
    noGrad(() => {
      let off = 0;
      for (const q of params) {
        const n = q.numel();
        q.copy_(vec.narrow(0, off, n).view(q.shape));
        off += n;
      }
    }),
  );
}

/** The fused weight and bias of fuseConvBnWeights. */
export type FusedParams = [weight: Parameter, bias: Parameter];

/**
 * `fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False)`:
 * a convolution's weight and bias with an eval-mode batch norm folded in.
 */
export function fuseConvBnWeights(
  convW: Tensor,
  convB: Tensor | null,
  bnRm: Tensor,
  bnRv: Tensor,
  bnEps: number,
  bnW: Tensor | null,
  bnB: Tensor | null,
  transpose = false,
): FusedParams {
  const fn = 'fuseConvBnWeights';
  checkTensor(convW, fn, 'convW');
  checkTensor(bnRm, fn, 'bnRm');
  checkTensor(bnRv, fn, 'bnRv');
  expectNumber(bnEps, `${fn}: bnEps`);
  expectBool(transpose, `${fn}: transpose`);
  return tidy(() => {
    const b = convB === null ? zerosLike(bnRm) : checkTensor(convB, fn, 'convB');
    const w = bnW === null ? onesLike(bnRm) : checkTensor(bnW, fn, 'bnW');
    const bb = bnB === null ? zerosLike(bnRm) : checkTensor(bnB, fn, 'bnB');
    const bnVarRsqrt = bnRv.add(bnEps).rsqrt();
    const ones = new Array<number>(convW.ndim - 2).fill(1);
    const shape = transpose ? [1, -1, ...ones] : [-1, 1, ...ones];
    const fusedW = convW.mul(w.mul(bnVarRsqrt).reshape(shape));
    const fusedB = b.sub(bnRm).mul(bnVarRsqrt).mul(w).add(bb);
    return [new Parameter(fusedW), new Parameter(fusedB)] as FusedParams;
  });
}

/** The parts of a convolution and a batch norm that fuseConvBnEval reads. */
interface ConvLike extends Module {
  weight: Tensor;
  bias: Tensor | null;
}
interface BatchNormLike extends Module {
  running_mean: Tensor | null;
  running_var: Tensor | null;
  eps: number;
  weight: Tensor | null;
  bias: Tensor | null;
}

/**
 * `fuse_conv_bn_eval(conv, bn, transpose=False)`: a deep copy of the eval-mode convolution with
 * the eval-mode batch norm folded into its weight and bias (one convolution does both).
 */
export function fuseConvBnEval<C extends Module>(conv: C, bn: Module, transpose = false): C {
  const fn = 'fuseConvBnEval';
  if (!(conv instanceof Module)) throw new TypeError(`${fn}: Expected a Module for conv but received ${describe(conv)}`);
  if (!(bn instanceof Module)) throw new TypeError(`${fn}: Expected a Module for bn but received ${describe(bn)}`);
  if (conv.training || bn.training) throw new Error(`${fn}: Fusion only for eval!`);
  const b = bn as unknown as BatchNormLike;
  if (!(b.running_mean instanceof Tensor) || !(b.running_var instanceof Tensor)) {
    throw new TypeError(`${fn}: bn has no running_mean and running_var (trackRunningStats must be true)`);
  }
  const fused = conv.deepcopy() as unknown as ConvLike;
  const [w, bias] = fuseConvBnWeights(fused.weight, fused.bias, b.running_mean, b.running_var, b.eps, b.weight, b.bias, transpose);
  const old = [fused.weight, fused.bias];
  fused.weight = w;
  fused.bias = bias;
  for (const t of old) t?.dispose();
  return fused as unknown as C;
}

export * as rnn from './rnn.js';
export { weightNorm, removeWeightNorm } from './weight_norm.js';
export { spectralNorm, removeSpectralNorm } from './spectral_norm.js';
