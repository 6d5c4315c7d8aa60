/**
 * The optimizers, as torch.optim names them, with PyTorch's defaults and argument checks.
 * Options are camelCase (`weightDecay` for `weight_decay`). The update rules are LibTorch's
 * torch::optim, which match PyTorch 1.13's single-tensor implementations (`maximize`,
 * `foreach`, `capturable`, `differentiable` and `fused` are not supported).
 */
import { checkOptions } from '../errors.js';
import { Optimizer, checkBetas, checkBool, checkNonNeg, type Params } from './optimizer.js';

function validator(fn: string, checks: Record<string, (fn: string, what: string, v: unknown) => unknown>) {
  return (key: string, v: unknown): unknown => {
    const c = checks[key];
    if (!c) throw new TypeError(`${fn}: unknown option '${key}'`);
    return c(fn, key, v);
  };
}
const num = checkNonNeg;
const bool = checkBool;
const betas = (fn: string, _what: string, v: unknown) => checkBetas(fn, v);

/** Options of {@link SGD} (`torch.optim.SGD`). */
export interface SGDOptions {
  /** Learning rate (required, as in PyTorch). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
}

/** `torch.optim.SGD`: stochastic gradient descent with optional momentum, Nesterov and weight decay. */
export class SGD extends Optimizer<Required<SGDOptions>> {
  constructor(params: Params<SGDOptions>, options: SGDOptions) {
    const fn = 'SGD';
    checkOptions(options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'], fn);
    if (options === undefined || options === null || options.lr === undefined) {
      throw new TypeError(`SGD: Expected non-negative number for lr but received undefined (lr is required)`);
    }
    const defaults = {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
    };
    const v = validator(fn, { lr: num, momentum: num, dampening: num, weightDecay: num, nesterov: bool });
    for (const [k, x] of Object.entries(defaults)) v(k, x);
    if (defaults.nesterov && (defaults.momentum <= 0 || defaults.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
    super('SGD', params, defaults, v);
  }
}

/** Options of {@link Adam} (`torch.optim.Adam`). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients for the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Term added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0 for Adam, 1e-2 for AdamW where it is decoupled). */
  weightDecay?: number;
  /** The AMSGrad variant (default false). */
  amsgrad?: boolean;
}

const ADAM_KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'] as const;

function adamDefaults(fn: string, options: AdamOptions | undefined, weightDecay: number) {
  checkOptions(options, ADAM_KEYS, fn);
  const o = options ?? {};
  const defaults = {
    lr: o.lr ?? 1e-3,
    betas: (o.betas ?? [0.9, 0.999]) as [number, number],
    eps: o.eps ?? 1e-8,
    weightDecay: o.weightDecay ?? weightDecay,
    amsgrad: o.amsgrad ?? false,
  };
  const v = validator(fn, { lr: num, betas, eps: num, weightDecay: num, amsgrad: bool });
  for (const [k, x] of Object.entries(defaults)) v(k, x);
  return { defaults, v };
}

/** `torch.optim.Adam`. */
export class Adam extends Optimizer<Required<AdamOptions>> {
  constructor(params: Params<AdamOptions>, options?: AdamOptions) {
    const { defaults, v } = adamDefaults('Adam', options, 0);
    super('Adam', params, defaults, v);
  }
}

/** `torch.optim.AdamW`: Adam with decoupled weight decay (default weightDecay 1e-2). */
export class AdamW extends Optimizer<Required<AdamOptions>> {
  constructor(params: Params<AdamOptions>, options?: AdamOptions) {
    const { defaults, v } = adamDefaults('AdamW', options, 1e-2);
    super('AdamW', params, defaults, v);
  }
}

/** Options of {@link RMSprop} (`torch.optim.RMSprop`). */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant (default 0.99). */
  alpha?: number;
  /** Term added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalize by an estimate of the gradient's variance (default false). */
  centered?: boolean;
}

/** `torch.optim.RMSprop`. */
export class RMSprop extends Optimizer<Required<RMSpropOptions>> {
  constructor(params: Params<RMSpropOptions>, options?: RMSpropOptions) {
    const fn = 'RMSprop';
    checkOptions(options, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'], fn);
    const o = options ?? {};
    const defaults = {
      lr: o.lr ?? 1e-2,
      alpha: o.alpha ?? 0.99,
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      momentum: o.momentum ?? 0,
      centered: o.centered ?? false,
    };
    const v = validator(fn, { lr: num, alpha: num, eps: num, weightDecay: num, momentum: num, centered: bool });
    for (const [k, x] of Object.entries(defaults)) v(k, x);
    super('RMSprop', params, defaults, v);
  }
}

/** Options of {@link Adagrad} (`torch.optim.Adagrad`). */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay (default 0). */
  lrDecay?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue?: number;
  /** Term added to the denominator (default 1e-10). */
  eps?: number;
}

/** `torch.optim.Adagrad`. */
export class Adagrad extends Optimizer<Required<AdagradOptions>> {
  constructor(params: Params<AdagradOptions>, options?: AdagradOptions) {
    const fn = 'Adagrad';
    checkOptions(options, ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'], fn);
    const o = options ?? {};
    const defaults = {
      lr: o.lr ?? 1e-2,
      lrDecay: o.lrDecay ?? 0,
      weightDecay: o.weightDecay ?? 0,
      initialAccumulatorValue: o.initialAccumulatorValue ?? 0,
      eps: o.eps ?? 1e-10,
    };
    const v = validator(fn, { lr: num, lrDecay: num, weightDecay: num, initialAccumulatorValue: num, eps: num });
    for (const [k, x] of Object.entries(defaults)) v(k, x);
    super('Adagrad', params, defaults, v);
  }
}
