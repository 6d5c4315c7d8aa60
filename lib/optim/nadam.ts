/** `torch.optim.NAdam` (torch/optim/nadam.py), PyTorch 1.13's `_single_tensor_nadam` over ATen ops. */
import { type Tensor, zerosLike } from '../tensor.js';
import { checkOptions } from '../errors.js';
import {
  Optimizer,
  checkBetas,
  checkNonNeg,
  PYTHON_2_1,
  decayMoment_,
  pyPow,
  scalarState,
  stateTensor,
  stepTensor,
  validator,
  type Params,
} from './optimizer.js';

/** Options of {@link NAdam} (1.13's NAdam has no `maximize`). */
export interface NAdamOptions {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Term added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Momentum decay ψ (default 4e-3). */
  momentumDecay?: number;
}

const CHECK = validator('NAdam', {
  lr: checkNonNeg,
  betas: (fn, _w, v) => checkBetas(fn, v),
  eps: checkNonNeg,
  weightDecay: checkNonNeg,
  momentumDecay: checkNonNeg,
});

/** `torch.optim.NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3)`: Adam with Nesterov momentum. */
export class NAdam extends Optimizer<Required<NAdamOptions>> {
  constructor(params: Params<NAdamOptions>, options: NAdamOptions | null = {}) {
    checkOptions(options, ['lr', 'betas', 'eps', 'weightDecay', 'momentumDecay'], 'NAdam');
    const o = options ?? {};
    const defaults = {
      lr: o.lr ?? 2e-3,
      betas: (o.betas ?? [0.9, 0.999]) as [number, number],
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      momentumDecay: o.momentumDecay ?? 4e-3,
    };
    for (const [k, v] of Object.entries(defaults)) CHECK(k, v);
    super(params, defaults);
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return CHECK(key, value);
  }

  /** One NAdam step; `closure` re-evaluates the model and returns the loss. */
  step(closure?: () => Tensor | number) {
    return this._runStep(closure, () => {
      for (const group of this.paramGroups) {
        const [beta1, beta2] = group.betas;
        const { lr, eps, weightDecay, momentumDecay } = group;
        for (const param of group.params) {
          let grad = param.grad;
          if (grad === null) continue;
          if (grad.isSparse) throw new Error('NAdam does not support sparse gradients');
          const state = this._stateOf(param);
          if (Object.keys(state).length === 0) {
            state.step = scalarState(0);
            state.muProduct = scalarState(1);
            state.expAvg = stateTensor(zerosLike(param));
            state.expAvgSq = stateTensor(zerosLike(param));
          }
          const expAvg = state.expAvg as Tensor;
          const expAvgSq = state.expAvgSq as Tensor;
          const muProduct = state.muProduct as Tensor;
          const stepT = stepTensor(state);
          stepT.add_(1);
          const step = stepT.item();
          const biasCorrection2 = 1 - pyPow(beta2, step);
          if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
          // The momentum schedule, as PyTorch: mu_product is a float32 tensor.
          const mu = beta1 * (1 - 0.5 * pyPow(0.96, step * momentumDecay));
          const muNext = beta1 * (1 - 0.5 * pyPow(0.96, (step + 1) * momentumDecay));
          muProduct.mul_(mu);
          // 1.13 computed mu_product * mu * mu_next (one mu too many) as a float32 tensor; 2.1+
          // mu_product.item() * mu_next in double.
          const muProductNext = PYTHON_2_1 ? muProduct.item() * muNext : muProduct.mul(mu).mul(muNext).item();
          decayMoment_(expAvg, grad, beta1);
          expAvgSq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
          const denom = expAvgSq.div(biasCorrection2).sqrt().add_(eps);
          param.addcdiv_(grad, denom, { value: (-lr * (1 - mu)) / (1 - muProduct.item()) });
          param.addcdiv_(expAvg, denom, { value: (-lr * muNext) / (1 - muProductNext) });
        }
      }
    });
  }

  protected override _setState(): void {
    for (const s of this.state.values()) {
      if ('step' in s) stepTensor(s);
      if (typeof s.muProduct === 'number') s.muProduct = scalarState(s.muProduct);
    }
  }
}
