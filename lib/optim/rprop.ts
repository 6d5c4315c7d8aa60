/** `torch.optim.Rprop` (torch/optim/rprop.py), PyTorch 1.13's `_single_tensor_rprop` over ATen ops. */
import { type Tensor, zerosLike } from '../tensor.js';
import { checkOptions } from '../errors.js';
import { Optimizer, checkBool, checkNonNeg, checkPair, realView, stateTensor, validator, type Params } from './optimizer.js';

/** Options of {@link Rprop}. */
export interface RpropOptions {
  /** Learning rate: the initial step size (default 1e-2). */
  lr?: number;
  /** `[etaminus, etaplus]`, the step-size factors on a sign change / no change (default `[0.5, 1.2]`). */
  etas?: [number, number];
  /** `[min, max]` allowed step sizes (default `[1e-6, 50]`). */
  stepSizes?: [number, number];
  /** Maximize the objective instead of minimizing (default false). */
  maximize?: boolean;
}

function checkEtas(fn: string, what: string, v: unknown): [number, number] {
  const [m, p] = checkPair(fn, what, v);
  if (!(m > 0 && m < 1 && p > 1)) throw new RangeError(`${fn}: Expected 0 < etas[0] < 1 < etas[1] for etas but received [${m}, ${p}]`);
  return [m, p];
}

const CHECK = validator('Rprop', { lr: checkNonNeg, etas: checkEtas, stepSizes: checkPair, maximize: checkBool });

/** `torch.optim.Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False)`: resilient backpropagation. */
export class Rprop extends Optimizer<Required<RpropOptions>> {
  constructor(params: Params<RpropOptions>, options: RpropOptions | null = {}) {
    checkOptions(options, ['lr', 'etas', 'stepSizes', 'maximize'], 'Rprop');
    const o = options ?? {};
    const defaults = {
      lr: o.lr ?? 1e-2,
      etas: (o.etas ?? [0.5, 1.2]) as [number, number],
      stepSizes: (o.stepSizes ?? [1e-6, 50]) as [number, number],
      maximize: o.maximize ?? false,
    };
    for (const [k, v] of Object.entries(defaults)) CHECK(k, v);
    super(params, defaults);
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return CHECK(key, value);
  }

  /** One Rprop step; `closure` re-evaluates the model and returns the loss. */
  step(closure?: () => Tensor | number) {
    return this._runStep(closure, () => {
      for (const group of this.paramGroups) {
        const [etaminus, etaplus] = group.etas;
        const [stepSizeMin, stepSizeMax] = group.stepSizes;
        const { lr, maximize } = group;
        for (let param of group.params) {
          let grad = param.grad;
          if (grad === null) continue;
          if (grad.isSparse) throw new Error('Rprop does not support sparse gradients');
          const state = this._stateOf(param);
          if (Object.keys(state).length === 0) {
            state.step = 0;
            state.prev = stateTensor(zerosLike(param));
            // grad.new().resize_as_(grad).fill_(lr), complex(lr, lr) for complex params.
            const stepSize = zerosLike(grad);
            realView(stepSize).fill_(lr);
            state.stepSize = stateTensor(stepSize);
          }
          state.step = (state.step as number) + 1;
          if (maximize) grad = grad.neg();
          grad = realView(grad);
          const prev = realView(state.prev as Tensor);
          param = realView(param);
          const stepSize = realView(state.stepSize as Tensor);
          // sign(grad * prev) → etaplus / etaminus / 1, as PyTorch's masked assignments.
          const sign = grad.mul(prev).sign();
          sign.maskedFill_(sign.gt(0), etaplus);
          sign.maskedFill_(sign.lt(0), etaminus);
          sign.maskedFill_(sign.eq(0), 1);
          stepSize.mul_(sign).clamp_(stepSizeMin, stepSizeMax);
          // For dir < 0, dfdx = 0; for dir >= 0, dfdx = dfdx.
          grad = grad.clone();
          grad.maskedFill_(sign.eq(etaminus), 0);
          param.addcmul_(grad.sign(), stepSize, { value: -1 });
          prev.copy_(grad);
        }
      }
    });
  }
}
