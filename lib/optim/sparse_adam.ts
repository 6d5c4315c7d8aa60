/**
 * `torch.optim.SparseAdam` (torch/optim/sparse_adam.py, `_functional.sparse_adam`): Adam for sparse
 * gradients (e.g. `nn.Embedding(…, { sparse: true })`): only the moments of the rows present in
 * the gradient are updated. Dense gradients are refused, as PyTorch does.
 */
import { Tensor, zerosLike } from '../tensor.js';
import { callOp } from '../ops.js';
import { checkOptions } from '../errors.js';
import { Optimizer, checkBetas, checkBool, checkPositive, pyPow, stateTensor, validator, type Params, type ParamGroupInput } from './optimizer.js';

/** Options of {@link SparseAdam}. */
export interface SparseAdamOptions {
  /** Learning rate (default 1e-3, must be positive). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Term added to the denominator (default 1e-8, must be positive). */
  eps?: number;
  /** Maximize the objective instead of minimizing (default false). */
  maximize?: boolean;
}

const CHECK = validator('SparseAdam', { lr: checkPositive, betas: (fn, _w, v) => checkBetas(fn, v), eps: checkPositive, maximize: checkBool });

/** `torch.optim.SparseAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False)`. */
export class SparseAdam extends Optimizer<Required<SparseAdamOptions>> {
  constructor(params: Params<SparseAdamOptions>, options: SparseAdamOptions | null = {}) {
    checkOptions(options, ['lr', 'betas', 'eps', 'maximize'], 'SparseAdam');
    const o = options ?? {};
    const defaults = { lr: o.lr ?? 1e-3, betas: (o.betas ?? [0.9, 0.999]) as [number, number], eps: o.eps ?? 1e-8, maximize: o.maximize ?? false };
    for (const [k, v] of Object.entries(defaults)) CHECK(k, v);
    // PyTorch refuses sparse parameters up front, naming their indices.
    const list =
      params instanceof Tensor || params === null || typeof params !== 'object' || !(Symbol.iterator in params) ? params : [...(params as Iterable<unknown>)];
    if (Array.isArray(list)) {
      const sparse: string[] = [];
      list.forEach((p, i) => {
        if (p instanceof Tensor) {
          if (p.isSparse) sparse.push(String(i));
          return;
        }
        if (p !== null && typeof p === 'object' && 'params' in p) {
          const ps = (p as ParamGroupInput).params;
          const ts = ps instanceof Tensor ? [ps] : ps !== null && typeof ps === 'object' && Symbol.iterator in ps ? [...ps] : null;
          if (ts === null) return;
          ts.forEach((d, j) => {
            if (d instanceof Tensor && d.isSparse) sparse.push(`[${i}, ${j}]`);
          });
          // A copy of the group with its params listed (an iterator is consumed once).
          list[i] = { ...(p as ParamGroupInput), params: ts };
        }
      });
      if (sparse.length > 0) throw new Error(`SparseAdam: Sparse params at indices [${sparse.join(', ')}]: SparseAdam requires dense parameter tensors`);
    }
    super(list as Params<SparseAdamOptions>, defaults);
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return CHECK(key, value);
  }

  /** One SparseAdam step; `closure` re-evaluates the model and returns the loss. */
  step(closure?: () => Tensor | number) {
    return this._runStep(closure, () => {
      for (const group of this.paramGroups) {
        const [beta1, beta2] = group.betas;
        const { lr, eps, maximize } = group;
        for (const param of group.params) {
          let grad = param.grad;
          if (grad === null) continue;
          if (!grad.isSparse) throw new Error('SparseAdam does not support dense gradients, please consider Adam instead');
          const state = this._stateOf(param);
          if (Object.keys(state).length === 0) {
            state.step = 0;
            state.expAvg = stateTensor(zerosLike(param));
            state.expAvgSq = stateTensor(zerosLike(param));
          }
          state.step = (state.step as number) + 1;
          const step = state.step;
          const expAvg = state.expAvg as Tensor;
          const expAvgSq = state.expAvgSq as Tensor;
          if (maximize) grad = grad.neg();
          // The update is non-linear, so indices must be unique.
          grad = callOp('aten::coalesce', grad) as Tensor;
          const gradIndices = callOp('aten::_indices', grad) as Tensor;
          const gradValues = callOp('aten::_values', grad) as Tensor;
          const size = grad.shape;
          const makeSparse = (values: Tensor): Tensor => {
            if (gradIndices.dim() === 0 || values.dim() === 0) return callOp('aten::zeros_like', grad) as Tensor;
            return callOp('aten::sparse_coo_tensor.indices_size', gradIndices, values, size) as Tensor;
          };
          const maskValues = (t: Tensor): Tensor => callOp('aten::_values', callOp('aten::sparse_mask', t, grad)) as Tensor;
          // old <- b * old + (1 - b) * new  <==>  old += (1 - b) * (new - old)
          const oldExpAvgValues = maskValues(expAvg);
          const expAvgUpdateValues = gradValues.sub(oldExpAvgValues).mul_(1 - beta1);
          expAvg.add_(makeSparse(expAvgUpdateValues));
          const oldExpAvgSqValues = maskValues(expAvgSq);
          const expAvgSqUpdateValues = gradValues
            .pow(2)
            .sub_(oldExpAvgSqValues)
            .mul_(1 - beta2);
          expAvgSq.add_(makeSparse(expAvgSqUpdateValues));
          // Dense addition again is intended, avoiding another sparse_mask.
          const numer = expAvgUpdateValues.add_(oldExpAvgValues);
          expAvgSqUpdateValues.add_(oldExpAvgSqValues);
          const denom = expAvgSqUpdateValues.sqrt_().add_(eps);
          const biasCorrection1 = 1 - pyPow(beta1, step);
          const biasCorrection2 = 1 - pyPow(beta2, step);
          const stepSize = (lr * Math.sqrt(biasCorrection2)) / biasCorrection1;
          param.add_(makeSparse(numer.div_(denom).mul(-stepSize)));
        }
      }
    });
  }
}
