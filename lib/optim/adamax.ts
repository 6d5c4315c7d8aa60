/** `torch.optim.Adamax` (torch/optim/adamax.py), PyTorch 1.13's `_single_tensor_adamax` over ATen ops. */
import { type Tensor, cat, zerosLike } from '../tensor.js';
import { checkOptions } from '../errors.js';
import {
  Optimizer,
  checkBetas,
  checkBool,
  checkNonNeg,
  decayMoment_,
  pyPow,
  realView,
  scalarState,
  stateTensor,
  stepTensor,
  validator,
  type Params,
} from './optimizer.js';

/** Options of {@link Adamax}. */
export interface AdamaxOptions {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its infinity norm (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Term added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Maximize the objective instead of minimizing (default false). */
  maximize?: boolean;
}

const CHECK = validator('Adamax', {
  lr: checkNonNeg,
  betas: (fn, _w, v) => checkBetas(fn, v),
  eps: checkNonNeg,
  weightDecay: checkNonNeg,
  maximize: checkBool,
});

/** `torch.optim.Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False)`: Adam on the infinity norm. */
export class Adamax extends Optimizer<Required<AdamaxOptions>> {
  constructor(params: Params<AdamaxOptions>, options: AdamaxOptions | null = {}) {
    checkOptions(options, ['lr', 'betas', 'eps', 'weightDecay', 'maximize'], 'Adamax');
    const o = options ?? {};
    const defaults = {
      lr: o.lr ?? 2e-3,
      betas: (o.betas ?? [0.9, 0.999]) as [number, number],
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      maximize: o.maximize ?? false,
    };
    for (const [k, v] of Object.entries(defaults)) CHECK(k, v);
    super(params, defaults);
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return CHECK(key, value);
  }

  /** One Adamax step; `closure` re-evaluates the model and returns the loss. */
  step(closure?: () => Tensor | number) {
    return this._runStep(closure, () => {
      for (const group of this.paramGroups) {
        const [beta1, beta2] = group.betas;
        const { lr, eps, weightDecay, maximize } = group;
        for (let param of group.params) {
          let grad = param.grad;
          if (grad === null) continue;
          if (grad.isSparse) throw new Error('Adamax does not support sparse gradients');
          const state = this._stateOf(param);
          if (Object.keys(state).length === 0) {
            state.step = scalarState(0);
            state.expAvg = stateTensor(zerosLike(param));
            state.expInf = stateTensor(zerosLike(param));
          }
          if (maximize) grad = grad.neg();
          const stepT = stepTensor(state);
          stepT.add_(1);
          const step = stepT.item();
          if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
          param = realView(param);
          grad = realView(grad);
          const expAvg = realView(state.expAvg as Tensor);
          const expInf = realView(state.expInf as Tensor);
          decayMoment_(expAvg, grad, beta1);
          const normBuf = cat([expInf.mul_(beta2).unsqueeze(0), grad.abs().add_(eps).unsqueeze(0)], 0);
          expInf.copy_(normBuf.amax(0));
          const clr = lr / (1 - pyPow(beta1, step));
          param.addcdiv_(expAvg, expInf, { value: -clr });
        }
      }
    });
  }

  protected override _setState(): void {
    for (const s of this.state.values()) if ('step' in s) stepTensor(s);
  }
}
