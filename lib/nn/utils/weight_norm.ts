/** nn.utils.weight_norm / remove_weight_norm (torch/nn/utils/weight_norm.py, 1.13). */
import { type Tensor, op, wrap } from '../../tensor.js';
import { keep, tidy } from '../../scope.js';
import { describe } from '../../dtype.js';
import { expectInt } from '../../errors.js';
import { Module, type ForwardPreHook } from '../module.js';
import { Parameter } from '../parameter.js';

const O = {
  weightNorm: op('aten::_weight_norm'),
  normExceptDim: op('aten::norm_except_dim'),
};

/** The hook functions registered by weightNorm, to their WeightNorm (PyTorch finds them by isinstance). */
const owners = new WeakMap<ForwardPreHook, WeightNorm>();
/** The weights computed here: replaced ones are freed (PyTorch drops its last reference to them). */
const computed = new WeakSet<Tensor>();

/** Sets the recomputed weight on the module, freeing the one it replaces. @internal */
export function setComputed(module: Module, name: string, w: Tensor): void {
  const rec = module as unknown as Record<string, unknown>;
  const old = rec[name];
  keep(w);
  computed.add(w);
  rec[name] = w;
  if (old !== w && computed.has(old as Tensor)) (old as Tensor).dispose();
}

/**
 * PyTorch's `WeightNorm` hook: weight = g · v / ‖v‖ (norm over every dimension but `dim`),
 * recomputed before each forward from the parameters `<name>_g` and `<name>_v`.
 */
export class WeightNorm {
  readonly name: string;
  readonly dim: number;
  constructor(name: string, dim: number | null) {
    this.name = name;
    this.dim = dim ?? -1;
  }
  /** `compute_weight(module)`: aten::_weight_norm(v, g, dim). */
  computeWeight(module: Module): Tensor {
    const rec = module as unknown as Record<string, Tensor>;
    return wrap(O.weightNorm(rec[`${this.name}_v`]._h, rec[`${this.name}_g`]._h, this.dim));
  }
  /** `WeightNorm.apply(module, name, dim)`: replaces the parameter `name` by `<name>_g` and `<name>_v` and registers the pre-hook. */
  static apply(module: Module, name: string, dim: number | null): WeightNorm {
    const fn = 'weightNorm';
    for (const hook of module._forwardPreHooks.values()) {
      if (owners.get(hook)?.name === name) throw new Error(`${fn}: Cannot register two weight_norm hooks on the same parameter ${name}`);
    }
    const w = new WeightNorm(name, dim);
    const weight = module._parameters.get(name);
    if (!(weight instanceof Parameter)) throw new Error(`${fn}: ${module.constructor.name} has no parameter '${name}'`);
    module._parameters.delete(name);
    tidy(() => {
      const g = wrap(O.normExceptDim(weight._h, 2, w.dim));
      module.registerParameter(`${name}_g`, new Parameter(g));
      module.registerParameter(`${name}_v`, new Parameter(weight));
    });
    setComputed(module, name, w.computeWeight(module));
    const hook: ForwardPreHook = (m) => w.call(m);
    owners.set(hook, w);
    module.registerForwardPreHook(hook);
    return w;
  }
  /** `remove(module)`: the parameter `name` again, holding the current normalized weight. */
  remove(module: Module): void {
    const weight = tidy(() => this.computeWeight(module).detach());
    const rec = module as unknown as Record<string, unknown>;
    const old = rec[this.name];
    delete rec[this.name];
    if (computed.has(old as Tensor)) (old as Tensor).dispose();
    module._parameters.delete(`${this.name}_g`);
    module._parameters.delete(`${this.name}_v`);
    delete rec[`${this.name}_g`];
    delete rec[`${this.name}_v`];
    rec[this.name] = new Parameter(weight);
    weight.dispose();
  }
  /** The forward pre-hook: sets the module's attribute to the recomputed weight. */
  call(module: Module): void {
    setComputed(module, this.name, this.computeWeight(module));
  }
}

/** Checks the module and name arguments of the nn.utils reparametrizations. @internal */
export function checkModuleName(module: unknown, name: unknown, fn: string): [Module, string] {
  if (!(module instanceof Module)) throw new TypeError(`${fn}: Expected a Module for module but received ${describe(module)}`);
  if (typeof name !== 'string') throw new TypeError(`${fn}: Expected string for name but received ${describe(name)}`);
  return [module, name];
}

/**
 * `weight_norm(module, name='weight', dim=0)`: reparametrizes `module.<name>` as g · v / ‖v‖ with
 * parameters `<name>_g` (the norms, shaped for broadcasting) and `<name>_v` (the direction); the
 * weight is recomputed by a forward pre-hook. dim null normalizes over the whole tensor.
 */
export function weightNorm<M extends Module>(module: M, name = 'weight', dim: number | null = 0): M {
  const fn = 'weightNorm';
  checkModuleName(module, name, fn);
  if (dim !== null) expectInt(dim, `${fn}: dim`);
  WeightNorm.apply(module, name, dim);
  return module;
}

/** `remove_weight_norm(module, name='weight')`: back to one parameter `name` holding the current weight. */
export function removeWeightNorm<M extends Module>(module: M, name = 'weight'): M {
  const fn = 'removeWeightNorm';
  checkModuleName(module, name, fn);
  for (const [k, hook] of module._forwardPreHooks) {
    const w = owners.get(hook);
    if (w && w.name === name) {
      w.remove(module);
      module._forwardPreHooks.delete(k);
      return module;
    }
  }
  throw new Error(`${fn}: weight_norm of '${name}' not found in ${module.toString()}`);
}
