/**
 * torchnode.optim: optimizers on LibTorch's torch::optim and learning-rate schedulers, with
 * PyTorch's names, defaults and numbers. `import { optim } from 'torchnode'`.
 */
export { Optimizer, type Params, type ParamGroup, type ParamGroupInput, type OptimizerStateDict } from './optimizer.js';
export { SGD, Adam, AdamW, RMSprop, Adagrad, type SGDOptions, type AdamOptions, type RMSpropOptions, type AdagradOptions } from './optimizers.js';
export * as lrScheduler from './lr_scheduler.js';
