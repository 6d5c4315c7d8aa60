/**
 * The optimizers that run in LibTorch's torch::optim (SGD, Adam, AdamW, RMSprop, Adagrad): one
 * native call per `step()` however many parameters, bit-identical to PyTorch 1.13's single-tensor
 * implementations. Options are camelCase (`weightDecay` for `weight_decay`). `maximize` (which
 * torch::optim lacks) negates the gradients around the native step: negation is exact, and
 * PyTorch's first operation with maximize is `grad = -grad`, so the numbers are PyTorch's.
 * `foreach`, `capturable`, `differentiable` and `fused` (implementation switches) are not options.
 */
import { native } from '../native.js';
import { Tensor, wrap, tensor } from '../tensor.js';
import { enableGrad, noGrad } from '../autograd.js';
import { tidy } from '../scope.js';
import { describe } from '../dtype.js';
import { checkOptions } from '../errors.js';
import {
  Optimizer,
  checkBetas,
  checkBool,
  checkNonNeg,
  parseStateDict,
  toCamel,
  toSnake,
  validator,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type Params,
  type StateValue,
} from './optimizer.js';

const TENSOR_STEP = new Set(['Adam', 'AdamW', 'Adagrad']);
/** Options kept in JS (torch::optim has no such option). */
const JS_KEYS = ['maximize'];

const registry = new FinalizationRegistry<number>((id) => native.optimizerRelease(id));

/**
 * `optimizer.state` of a native optimizer: a Map view over LibTorch's per-parameter state.
 * Reads give new handles on the live state tensors (camelCase keys); `set` writes into LibTorch.
 */
class NativeStateView extends Map<Tensor, ParamState> {
  constructor(private readonly _opt: NativeOptimizer<object>) {
    super();
  }
  private _entries(): [Tensor, ParamState][] {
    const o = this._opt;
    if (!o) return [];
    return o._nativeState().map(([p, s]) => [p, s] as [Tensor, ParamState]);
  }
  override get(p: Tensor): ParamState | undefined {
    return this._entries().find(([q]) => q === p)?.[1];
  }
  override has(p: Tensor): boolean {
    return this._entries().some(([q]) => q === p);
  }
  override get size(): number {
    return this._entries().length;
  }
  override set(p: Tensor, s: ParamState): this {
    if (this._opt) this._opt._setNativeState(p, s);
    return this;
  }
  override delete(_p: Tensor): boolean {
    throw new TypeError(`${this._opt._kind}: a native optimizer's state cannot lose one entry; use state.clear() or loadStateDict()`);
  }
  override clear(): void {
    if (this._opt) native.optimizerClearState(this._opt._live());
  }
  override entries(): MapIterator<[Tensor, ParamState]> {
    return this._entries()[Symbol.iterator]() as MapIterator<[Tensor, ParamState]>;
  }
  override keys(): MapIterator<Tensor> {
    return this._entries()
      .map(([p]) => p)
      [Symbol.iterator]() as MapIterator<Tensor>;
  }
  override values(): MapIterator<ParamState> {
    return this._entries()
      .map(([, s]) => s)
      [Symbol.iterator]() as MapIterator<ParamState>;
  }
  override forEach(cb: (value: ParamState, key: Tensor, map: Map<Tensor, ParamState>) => void, thisArg?: unknown): void {
    for (const [p, s] of this._entries()) cb.call(thisArg, s, p, this);
  }
  override [Symbol.iterator](): MapIterator<[Tensor, ParamState]> {
    return this.entries();
  }
}

/**
 * The native-backed optimizers' base: parameters and per-group options live in a LibTorch
 * torch::optim optimizer; `paramGroups` are live views of its options. @internal
 */
export abstract class NativeOptimizer<O extends object = Record<string, unknown>> extends Optimizer<O> {
  /** Per-parameter state is in LibTorch; this is the native handle (-1 once disposed). */
  protected _id = -1;
  /** @internal */
  readonly _kind: string;
  private readonly _params: Tensor[][] = [];
  private readonly _extras: Record<string, unknown>[] = [];
  private readonly _jsOpts: Record<string, unknown>[] = [];
  private readonly _optionKeys: readonly string[];

  protected constructor(kind: string, params: Params<O>, defaults: O) {
    super(params, defaults);
    this._kind = kind;
    this._optionKeys = Object.keys(defaults);
    const built = this.paramGroups;
    const handles: number[][] = [];
    const options: Record<string, unknown>[] = [];
    for (const g of built) {
      const { opts } = this._split(g);
      handles.push(g.params.map((t) => t._h));
      options.push(opts);
    }
    this._id = native.optimizerCreate(kind, handles, options);
    registry.register(this, this._id, this);
    this.paramGroups = [];
    for (const g of built) this._adopt(g);
    this.state = new NativeStateView(this as NativeOptimizer<object>);
  }

  /** Splits a built group into native options, JS-side options and extra keys. */
  private _split(g: ParamGroup<O>): { opts: Record<string, unknown>; js: Record<string, unknown>; extras: Record<string, unknown> } {
    const opts: Record<string, unknown> = {};
    const js: Record<string, unknown> = {};
    const extras: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) {
      if (k === 'params') continue;
      if (JS_KEYS.includes(k) && this._optionKeys.includes(k)) js[k] = v;
      else if (this._optionKeys.includes(k)) opts[k] = v;
      else extras[k] = v;
    }
    return { opts, js, extras };
  }

  /** Records a group already in the native optimizer and exposes it as a live Proxy. */
  private _adopt(g: ParamGroup<O>): void {
    const { js, extras } = this._split(g);
    this._params.push(g.params);
    this._extras.push(extras);
    this._jsOpts.push(js);
    this.paramGroups.push(this._makeGroup(this._params.length - 1));
  }

  /** A Proxy per group: option keys read and write the native options, others a JS object. */
  private _makeGroup(index: number): ParamGroup<O> {
    const keys = this._optionKeys;
    const extras = this._extras[index];
    const js = this._jsOpts[index];
    const params = this._params[index];
    const target = {} as ParamGroup<O>;
    const self = this;
    const handler: ProxyHandler<ParamGroup<O>> = {
      get(_t, k) {
        if (k === 'params') return params;
        if (typeof k === 'string' && k in js) return js[k];
        if (typeof k === 'string' && keys.includes(k)) return native.optimizerGetGroupOptions(self._live(), index)[k];
        return typeof k === 'string' ? extras[k] : undefined;
      },
      set(_t, k, v) {
        if (k === 'params') throw new TypeError(`${self._kind}: a param group's params cannot be replaced`);
        if (typeof k !== 'string') return false;
        if (k in js) js[k] = self._checkWrite(index, k, v);
        else if (keys.includes(k)) native.optimizerSetGroupOptions(self._live(), index, { [k]: self._checkWrite(index, k, v) });
        else extras[k] = v;
        return true;
      },
      has(_t, k) {
        return k === 'params' || (typeof k === 'string' && (keys.includes(k) || k in extras));
      },
      deleteProperty(_t, k) {
        if (typeof k === 'string' && k in extras) delete extras[k];
        return true;
      },
      ownKeys() {
        return ['params', ...keys, ...Object.keys(extras)];
      },
      getOwnPropertyDescriptor(_t, k) {
        if (k === 'params' || (typeof k === 'string' && (keys.includes(k) || k in extras))) {
          return { configurable: true, enumerable: true, writable: true, value: handler.get!(target, k, undefined) };
        }
        return undefined;
      },
    };
    return new Proxy(target, handler);
  }

  /**
   * Writes to a live group are type-checked only: PyTorch does not range-check them either
   * (OneCycleLR, for one, may legitimately write a slightly negative lr on its last step).
   */
  private _checkWrite(index: number, key: string, v: unknown): unknown {
    const d = (this.defaults as Record<string, unknown>)[key];
    const ok = Array.isArray(d)
      ? Array.isArray(v) && v.length === d.length && v.every((x) => typeof x === 'number')
      : typeof v === typeof d && !(typeof v === 'number' && Number.isNaN(v));
    if (!ok) {
      const what = Array.isArray(d) ? `an array of ${d.length} numbers` : typeof d;
      throw new TypeError(`${this._kind}: Expected ${what} for paramGroups[${index}].${key} but received ${describe(v)}`);
    }
    return Array.isArray(v) ? [...v] : v;
  }

  /** @internal */
  _live(): number {
    if (this._id < 0) throw new Error(`${this._kind}: the optimizer was disposed`);
    return this._id;
  }

  /** The state of every parameter that has one, as [param, record] (new handles, camelCase keys). @internal */
  _nativeState(): [Tensor, ParamState][] {
    const id = this._live();
    return native.optimizerState(id).map((e) => {
      const s: ParamState = {};
      for (const [k, v] of Object.entries(e.state)) {
        if (k !== 'step') s[toCamel(k)] = wrap(v as number);
        else s.step = TENSOR_STEP.has(this._kind) ? tensor(v as number, { dtype: 'float32' }) : (v as number);
      }
      return [this._params[e.group][e.index], s];
    });
  }

  /** Writes one parameter's state into LibTorch (keys camelCase or snake_case). @internal */
  _setNativeState(p: Tensor, rec: ParamState): void {
    const id = this._live();
    const gi = this._params.findIndex((ps) => ps.includes(p));
    if (gi < 0) throw new Error(`${this._kind}: state is only kept for the optimizer's parameters`);
    native.optimizerSetState(id, gi, this._params[gi].indexOf(p), this._nativeRecord(`${this._kind}.state.set`, rec, 'state'));
  }

  private _nativeRecord(fn: string, rec: Record<string, unknown>, what: string): Record<string, number> {
    const s: Record<string, number> = {};
    for (const [name, val] of Object.entries(rec)) {
      const key = toSnake(name);
      if (val instanceof Tensor) s[key] = key === 'step' ? val.item() : val._h;
      else if (typeof val === 'number') s[key] = val;
      else if (val !== null && val !== undefined) throw new TypeError(`${fn}: Expected Tensor or number for ${what}.${name} but received ${describe(val)}`);
    }
    return s;
  }

  /** `add_param_group`: a new group with its own options (defaults fill the rest). */
  override addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== 'object' || !('params' in group)) {
      throw new TypeError(`${this._kind}.addParamGroup: Expected a param group ({params, ...options}) but received ${describe(group)}`);
    }
    const id = this._live();
    const g = this._buildGroup(group);
    native.optimizerAddParamGroup(
      id,
      g.params.map((t) => t._h),
      this._split(g).opts,
    );
    this._adopt(g);
  }

  /**
   * Clears the gradients of all parameters. `setToNone` (default true, as PyTorch 2.x; 1.13's
   * default is false) drops them; false zeroes them in place.
   */
  override zeroGrad(opts: { setToNone?: boolean } | null = {}): void {
    const setToNone = opts?.setToNone ?? true;
    checkBool(`${this._kind}.zeroGrad`, 'setToNone', setToNone);
    native.optimizerZeroGrad(this._live(), setToNone);
  }

  /**
   * One optimization step over every group, in LibTorch. With a closure (re-evaluates the
   * model and returns the loss), it is called with grad enabled first and its loss returned.
   */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const id = this._live();
    let loss: Tensor | number | undefined;
    if (closure !== undefined && closure !== null) {
      if (typeof closure !== 'function') throw new TypeError(`${this._kind}.step: Expected a function for closure but received ${describe(closure)}`);
      loss = enableGrad(closure);
    }
    if (!this._jsOpts.some((js) => js.maximize === true)) {
      native.optimizerStep(id);
      return loss;
    }
    // maximize: step on -grad (exact), then restore the gradients bit for bit.
    tidy(() =>
      noGrad(() => {
        const negated: Tensor[] = [];
        this._jsOpts.forEach((js, gi) => {
          if (js.maximize !== true) return;
          for (const p of this._params[gi]) {
            const g = p.grad;
            if (g !== null) negated.push(g.neg_());
          }
        });
        try {
          native.optimizerStep(id);
        } finally {
          for (const g of negated) g.neg_();
        }
      }),
    );
    return loss;
  }

  /** PyTorch-shaped state dict; state tensors are references to the live state (as PyTorch's), not copies. */
  override stateDict(): OptimizerStateDict {
    const id = this._live();
    const offsets: number[] = [];
    let n = 0;
    const param_groups = this.paramGroups.map((_g, gi) => {
      offsets.push(n);
      const out: Record<string, unknown> = {};
      const opts = native.optimizerGetGroupOptions(id, gi);
      for (const k of this._optionKeys) out[toSnake(k)] = k in this._jsOpts[gi] ? this._jsOpts[gi][k] : opts[k];
      for (const [k, v] of Object.entries(this._extras[gi])) out[toSnake(k)] = v;
      out.params = this._params[gi].map((_, i) => n + i);
      n += this._params[gi].length;
      return out;
    });
    const state: Record<number, Record<string, StateValue>> = {};
    for (const e of native.optimizerState(id)) {
      const s: Record<string, StateValue> = {};
      for (const [k, v] of Object.entries(e.state)) {
        // New handles to the live state tensors, scoped like any result (tidy() frees the handles, not the state).
        if (k !== 'step') s[k] = wrap(v as number);
        // PyTorch 1.13 keeps Adam/AdamW/Adagrad's step as a float32 scalar tensor (its step() requires one).
        else s[k] = TENSOR_STEP.has(this._kind) ? tensor(v as number, { dtype: 'float32' }) : (v as number);
      }
      state[offsets[e.group] + e.index] = s;
    }
    return { state, param_groups };
  }

  /** Restores options and state saved by stateDict() (here or by PyTorch's `state_dict()`). */
  override loadStateDict(stateDict: OptimizerStateDict | Map<string, unknown>): void {
    const fn = `${this._kind}.loadStateDict`;
    const id = this._live();
    const { saved, stateIn } = parseStateDict(
      fn,
      stateDict,
      this._params.map((p) => p.length),
    );
    // Validate every option before changing anything.
    const newOpts = saved.map((g) => {
      const opts: Record<string, unknown> = {};
      const js: Record<string, unknown> = {};
      const extras: Record<string, unknown> = {};
      for (const [sk, v] of Object.entries(g)) {
        if (sk === 'params') continue;
        const k = toCamel(sk);
        if (!this._optionKeys.includes(k)) extras[k] = v;
        else if (JS_KEYS.includes(k)) js[k] = this._validateOption(k, v);
        else opts[k] = this._validateOption(k, Array.isArray(v) ? [...v] : v);
      }
      return { opts, js, extras };
    });
    const index = new Map<number, [number, number]>();
    saved.forEach((g, gi) => (g.params as unknown[]).forEach((p, pi) => index.set(Number(p), [gi, pi])));
    const records = Object.entries(stateIn).map(([k, v]) => {
      const at = index.get(Number(k));
      if (!at) throw new Error(`${fn}: state refers to parameter ${k}, which no param group lists`);
      const rec = v instanceof Map ? Object.fromEntries(v) : (v as Record<string, unknown>);
      return { at, s: this._nativeRecord(fn, rec, `state[${k}]`) };
    });
    native.optimizerClearState(id);
    newOpts.forEach(({ opts, js, extras }, gi) => {
      native.optimizerSetGroupOptions(id, gi, opts);
      const defaults = this.defaults as Record<string, unknown>;
      for (const k of Object.keys(this._jsOpts[gi])) this._jsOpts[gi][k] = k in js ? js[k] : defaults[k];
      const ex = this._extras[gi];
      for (const k of Object.keys(ex)) delete ex[k];
      Object.assign(ex, extras);
    });
    for (const { at, s } of records) native.optimizerSetState(id, at[0], at[1], s);
  }

  /** Frees the native optimizer and its state now (otherwise at garbage collection). */
  override dispose(): void {
    if (this._id >= 0) {
      registry.unregister(this);
      native.optimizerRelease(this._id);
      this._id = -1;
    }
  }
}
// The base's step wrapper (keeping tensors a TS step() puts in state) is not needed here.
Object.defineProperty(NativeOptimizer.prototype, '_nativeStep', { value: true });

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
  /** Maximize the objective instead of minimizing (default false). */
  maximize?: boolean;
}

const SGD_CHECK = validator('SGD', { lr: num, momentum: num, dampening: num, weightDecay: num, nesterov: bool, maximize: bool });

/**
 * `torch.optim.SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)`:
 * stochastic gradient descent with optional momentum, Nesterov and weight decay.
 */
export class SGD extends NativeOptimizer<Required<SGDOptions>> {
  constructor(params: Params<SGDOptions>, options: SGDOptions) {
    const fn = 'SGD';
    checkOptions(options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'], fn);
    if (options === undefined || options === null || options.lr === undefined) {
      throw new TypeError(`SGD: Expected non-negative number for lr but received undefined (lr is required)`);
    }
    const defaults = {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    };
    for (const [k, x] of Object.entries(defaults)) SGD_CHECK(k, x);
    if (defaults.nesterov && (defaults.momentum <= 0 || defaults.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
    super('SGD', params, defaults);
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return SGD_CHECK(key, value);
  }
}

/** Options of {@link Adam} and {@link AdamW} (`torch.optim.Adam`, `torch.optim.AdamW`). */
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
  /** Maximize the objective instead of minimizing (default false). */
  maximize?: boolean;
}

const ADAM_KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'] as const;
const ADAM_CHECK = validator('Adam', { lr: num, betas, eps: num, weightDecay: num, amsgrad: bool, maximize: bool });
const ADAMW_CHECK = validator('AdamW', { lr: num, betas, eps: num, weightDecay: num, amsgrad: bool, maximize: bool });

function adamDefaults(fn: string, options: AdamOptions | undefined | null, weightDecay: number, check: (k: string, v: unknown) => unknown) {
  checkOptions(options, ADAM_KEYS, fn);
  const o = options ?? {};
  const defaults = {
    lr: o.lr ?? 1e-3,
    betas: (o.betas ?? [0.9, 0.999]) as [number, number],
    eps: o.eps ?? 1e-8,
    weightDecay: o.weightDecay ?? weightDecay,
    amsgrad: o.amsgrad ?? false,
    maximize: o.maximize ?? false,
  };
  for (const [k, x] of Object.entries(defaults)) check(k, x);
  return defaults;
}

/** `torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, maximize=False)`. */
export class Adam extends NativeOptimizer<Required<AdamOptions>> {
  constructor(params: Params<AdamOptions>, options?: AdamOptions | null) {
    super('Adam', params, adamDefaults('Adam', options, 0, ADAM_CHECK));
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return ADAM_CHECK(key, value);
  }
}

/** `torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False)`: Adam with decoupled weight decay. */
export class AdamW extends NativeOptimizer<Required<AdamOptions>> {
  constructor(params: Params<AdamOptions>, options?: AdamOptions | null) {
    super('AdamW', params, adamDefaults('AdamW', options, 1e-2, ADAMW_CHECK));
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return ADAMW_CHECK(key, value);
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
  /** Maximize the objective instead of minimizing (default false). */
  maximize?: boolean;
}

const RMSPROP_CHECK = validator('RMSprop', { lr: num, alpha: num, eps: num, weightDecay: num, momentum: num, centered: bool, maximize: bool });

/** `torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False)`. */
export class RMSprop extends NativeOptimizer<Required<RMSpropOptions>> {
  constructor(params: Params<RMSpropOptions>, options?: RMSpropOptions | null) {
    const fn = 'RMSprop';
    checkOptions(options, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'], fn);
    const o = options ?? {};
    const defaults = {
      lr: o.lr ?? 1e-2,
      alpha: o.alpha ?? 0.99,
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      momentum: o.momentum ?? 0,
      centered: o.centered ?? false,
      maximize: o.maximize ?? false,
    };
    for (const [k, x] of Object.entries(defaults)) RMSPROP_CHECK(k, x);
    super('RMSprop', params, defaults);
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return RMSPROP_CHECK(key, value);
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
  /** Maximize the objective instead of minimizing (default false). */
  maximize?: boolean;
}

const ADAGRAD_CHECK = validator('Adagrad', { lr: num, lrDecay: num, weightDecay: num, initialAccumulatorValue: num, eps: num, maximize: bool });

/** `torch.optim.Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *, maximize=False)`. */
export class Adagrad extends NativeOptimizer<Required<AdagradOptions>> {
  constructor(params: Params<AdagradOptions>, options?: AdagradOptions | null) {
    const fn = 'Adagrad';
    checkOptions(options, ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize'], fn);
    const o = options ?? {};
    const defaults = {
      lr: o.lr ?? 1e-2,
      lrDecay: o.lrDecay ?? 0,
      weightDecay: o.weightDecay ?? 0,
      initialAccumulatorValue: o.initialAccumulatorValue ?? 0,
      eps: o.eps ?? 1e-10,
      maximize: o.maximize ?? false,
    };
    for (const [k, x] of Object.entries(defaults)) ADAGRAD_CHECK(k, x);
    super('Adagrad', params, defaults);
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return ADAGRAD_CHECK(key, value);
  }
}
