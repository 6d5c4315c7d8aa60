/** `torch.optim.RAdam` (torch/optim/radam.py), PyTorch 1.13's `_single_tensor_radam` over ATen ops. */
import { type Tensor, zerosLike } from '../tensor.js';
import { checkOptions } from '../errors.js';
import { Optimizer, checkBetas, checkNonNeg, decayMoment_, pyPow, scalarState, stateTensor, stepTensor, validator, type Params } from './optimizer.js';

/** Options of {@link RAdam} (1.13's RAdam has no `maximize`). */
export interface RAdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Term added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
}

const CHECK = validator('RAdam', { lr: checkNonNeg, betas: (fn, _w, v) => checkBetas(fn, v), eps: checkNonNeg, weightDecay: checkNonNeg });

/** `torch.optim.RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)`: rectified Adam. */
export class RAdam extends Optimizer<Required<RAdamOptions>> {
  constructor(params: Params<RAdamOptions>, options: RAdamOptions | null = {}) {
    checkOptions(options, ['lr', 'betas', 'eps', 'weightDecay'], 'RAdam');
    const o = options ?? {};
    const defaults = { lr: o.lr ?? 1e-3, betas: (o.betas ?? [0.9, 0.999]) as [number, number], eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0 };
    for (const [k, v] of Object.entries(defaults)) CHECK(k, v);
    super(params, defaults);
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return CHECK(key, value);
  }

  /** One RAdam step; `closure` re-evaluates the model and returns the loss. */
  step(closure?: () => Tensor | number) {
    return this._runStep(closure, () => {
      for (const group of this.paramGroups) {
        const [beta1, beta2] = group.betas;
        const { lr, eps, weightDecay } = group;
        for (const param of group.params) {
          let grad = param.grad;
          if (grad === null) continue;
          if (grad.isSparse) throw new Error('RAdam does not support sparse gradients');
          const state = this._stateOf(param);
          if (Object.keys(state).length === 0) {
            state.step = scalarState(0);
            state.expAvg = stateTensor(zerosLike(param));
            state.expAvgSq = stateTensor(zerosLike(param));
          }
          const expAvg = state.expAvg as Tensor;
          const expAvgSq = state.expAvgSq as Tensor;
          const stepT = stepTensor(state);
          stepT.add_(1);
          const step = stepT.item();
          const biasCorrection1 = 1 - pyPow(beta1, step);
          const biasCorrection2 = 1 - pyPow(beta2, step);
          if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
          decayMoment_(expAvg, grad, beta1);
          expAvgSq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
          const biasCorrectedExpAvg = expAvg.div(biasCorrection1);
          // Maximum length of the approximated SMA, and its value at this step.
          const rhoInf = 2 / (1 - beta2) - 1;
          const rhoT = rhoInf - (2 * step * pyPow(beta2, step)) / biasCorrection2;
          if (rhoT > 5) {
            const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
            // Python's `float / tensor` is `tensor.reciprocal() * float`.
            const adaptiveLr = expAvgSq.sqrt().add_(eps).reciprocal().mul(Math.sqrt(biasCorrection2));
            param.add_(biasCorrectedExpAvg.mul(lr).mul(adaptiveLr).mul(rect), { alpha: -1.0 });
          } else {
            param.add_(biasCorrectedExpAvg.mul(lr), { alpha: -1.0 });
          }
        }
      }
    });
  }

  protected override _setState(): void {
    for (const s of this.state.values()) if ('step' in s) stepTensor(s);
  }
}
