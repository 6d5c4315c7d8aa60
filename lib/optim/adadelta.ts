/** `torch.optim.Adadelta` (torch/optim/adadelta.py), PyTorch 1.13's `_single_tensor_adadelta` over ATen ops. */
import { type Tensor, zerosLike } from '../tensor.js';
import { callOp } from '../ops.js';
import { checkOptions } from '../errors.js';
import { Optimizer, checkBool, checkClosedUnit, checkNonNeg, realView, stateTensor, validator, type Params } from './optimizer.js';

/** Options of {@link Adadelta}. */
export interface AdadeltaOptions {
  /** Coefficient that scales delta before it is applied to the parameters (default 1.0). */
  lr?: number;
  /** Coefficient of the running average of squared gradients (default 0.9). */
  rho?: number;
  /** Term added to the denominator (default 1e-6). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Maximize the objective instead of minimizing (default false). */
  maximize?: boolean;
}

const CHECK = validator('Adadelta', { lr: checkNonNeg, rho: checkClosedUnit, eps: checkNonNeg, weightDecay: checkNonNeg, maximize: checkBool });

/** `torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False)`. */
export class Adadelta extends Optimizer<Required<AdadeltaOptions>> {
  constructor(params: Params<AdadeltaOptions>, options: AdadeltaOptions | null = {}) {
    checkOptions(options, ['lr', 'rho', 'eps', 'weightDecay', 'maximize'], 'Adadelta');
    const o = options ?? {};
    const defaults = { lr: o.lr ?? 1.0, rho: o.rho ?? 0.9, eps: o.eps ?? 1e-6, weightDecay: o.weightDecay ?? 0, maximize: o.maximize ?? false };
    for (const [k, v] of Object.entries(defaults)) CHECK(k, v);
    super(params, defaults);
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return CHECK(key, value);
  }

  /** One Adadelta step; `closure` re-evaluates the model and returns the loss. */
  step(closure?: () => Tensor | number) {
    return this._runStep(closure, () => {
      for (const group of this.paramGroups) {
        const { lr, rho, eps, weightDecay, maximize } = group;
        for (const param of group.params) {
          let grad = param.grad;
          if (grad === null) continue;
          if (grad.isSparse) throw new Error('Adadelta does not support sparse gradients');
          const state = this._stateOf(param);
          if (Object.keys(state).length === 0) {
            state.step = 0;
            state.squareAvg = stateTensor(zerosLike(param));
            state.accDelta = stateTensor(zerosLike(param));
          }
          state.step = (state.step as number) + 1;
          if (maximize) grad = grad.neg();
          if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
          const squareAvg = realView(state.squareAvg as Tensor);
          const accDelta = realView(state.accDelta as Tensor);
          grad = realView(grad);
          squareAvg.mul_(rho).addcmul_(grad, grad, { value: 1 - rho });
          const std = squareAvg.add(eps).sqrt_();
          let delta = accDelta.add(eps).sqrt_().div_(std).mul_(grad);
          accDelta.mul_(rho).addcmul_(delta, delta, { value: 1 - rho });
          if (param.isComplex()) delta = callOp('aten::view_as_complex', delta) as Tensor;
          param.add_(delta, { alpha: -lr });
        }
      }
    });
  }
}
