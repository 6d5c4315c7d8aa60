/**
 * torchnode.optim: PyTorch 1.13's torch.optim — the Optimizer base class (subclass it in TS), the
 * optimizers (SGD, Adam, AdamW, RMSprop and Adagrad on LibTorch's torch::optim; Adadelta, Adamax,
 * NAdam, RAdam, ASGD, LBFGS, Rprop and SparseAdam in TS over ATen ops, as PyTorch's Python) and
 * the learning-rate schedulers. `import { optim } from 'torchnode'`.
 */
export {
  Optimizer,
  OptimizerState,
  required,
  type Params,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type StateValue,
  type OptimizerStateDict,
  registerOptimizerStepPreHook,
  registerOptimizerStepPostHook,
  type OptimizerStepPreHook,
  type OptimizerStepPostHook,
  type OptimizerHookHandle,
} from './optimizer.js';
export { SGD, Adam, AdamW, RMSprop, Adagrad, type SGDOptions, type AdamOptions, type RMSpropOptions, type AdagradOptions } from './optimizers.js';
export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { NAdam, type NAdamOptions } from './nadam.js';
export { RAdam, type RAdamOptions } from './radam.js';
export { ASGD, type ASGDOptions } from './asgd.js';
export { LBFGS, type LBFGSOptions, type LBFGSDefaults } from './lbfgs.js';
export { Rprop, type RpropOptions } from './rprop.js';
export { SparseAdam, type SparseAdamOptions } from './sparse_adam.js';
export * as lrScheduler from './lr_scheduler.js';
