/** `torch.optim.ASGD` (torch/optim/asgd.py), PyTorch 1.13's `_single_tensor_asgd` over ATen ops. */
import { type Tensor, tensor, zerosLike } from '../tensor.js';
import { checkOptions } from '../errors.js';
import { Optimizer, checkBool, checkNonNeg, checkNumber, pyPow, realView, scalarState, stateTensor, stepTensor, validator, type Params } from './optimizer.js';

/** Options of {@link ASGD}. */
export interface ASGDOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Decay term (default 1e-4). */
  lambd?: number;
  /** Power for the eta update (default 0.75). */
  alpha?: number;
  /** Step at which averaging starts (default 1e6). */
  t0?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Maximize the objective instead of minimizing (default false). */
  maximize?: boolean;
}

const CHECK = validator('ASGD', { lr: checkNonNeg, lambd: checkNumber, alpha: checkNumber, t0: checkNumber, weightDecay: checkNonNeg, maximize: checkBool });

/** `torch.optim.ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False)`: averaged SGD. */
export class ASGD extends Optimizer<Required<ASGDOptions>> {
  constructor(params: Params<ASGDOptions>, options: ASGDOptions | null = {}) {
    checkOptions(options, ['lr', 'lambd', 'alpha', 't0', 'weightDecay', 'maximize'], 'ASGD');
    const o = options ?? {};
    const defaults = {
      lr: o.lr ?? 1e-2,
      lambd: o.lambd ?? 1e-4,
      alpha: o.alpha ?? 0.75,
      t0: o.t0 ?? 1e6,
      weightDecay: o.weightDecay ?? 0,
      maximize: o.maximize ?? false,
    };
    for (const [k, v] of Object.entries(defaults)) CHECK(k, v);
    super(params, defaults);
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return CHECK(key, value);
  }

  /** One ASGD step; `closure` re-evaluates the model and returns the loss. */
  step(closure?: () => Tensor | number) {
    return this._runStep(closure, () => {
      for (const group of this.paramGroups) {
        const { lr, lambd, alpha, t0, weightDecay, maximize } = group;
        for (let param of group.params) {
          let grad = param.grad;
          if (grad === null) continue;
          if (grad.isSparse) throw new Error('ASGD does not support sparse gradients');
          const state = this._stateOf(param);
          if (Object.keys(state).length === 0) {
            state.step = scalarState(0);
            state.eta = scalarState(lr);
            state.mu = scalarState(1);
            state.ax = stateTensor(zerosLike(param));
          }
          const mu = state.mu as Tensor;
          const eta = state.eta as Tensor;
          if (maximize) grad = grad.neg();
          grad = realView(grad);
          param = realView(param);
          const ax = realView(state.ax as Tensor);
          const stepT = stepTensor(state);
          stepT.add_(1);
          const step = stepT.item();
          if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
          // Decay term, then the SGD update; eta and mu are float32 tensors as in PyTorch.
          param.mul_(1 - lambd * eta.item());
          param.add_(grad, { alpha: -eta.item() });
          if (mu.item() !== 1) ax.add_(param.sub(ax).mul(mu));
          else ax.copy_(param);
          eta.copy_(tensor(lr / pyPow(1 + lambd * lr * step, alpha), { dtype: 'float32' }));
          mu.copy_(tensor(1 / Math.max(1, step - t0), { dtype: 'float32' }));
        }
      }
    });
  }

  protected override _setState(): void {
    for (const s of this.state.values()) {
      if ('step' in s) stepTensor(s);
      if (typeof s.eta === 'number') s.eta = scalarState(s.eta);
      if (typeof s.mu === 'number') s.mu = scalarState(s.mu);
    }
  }
}
