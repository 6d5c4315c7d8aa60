/**
 * `torch.optim.Optimizer`: the base class of every optimizer, written in TypeScript as PyTorch's
 * is in Python, so that a user subclasses it (`class MySGD extends optim.Optimizer { step() {…} }`)
 * and every scheduler accepts the result. Param groups are plain objects (camelCase option keys),
 * per-parameter state is a Map from the parameter Tensor to a record, and `stateDict()` /
 * `loadStateDict()` use PyTorch's format (state by parameter index, snake_case keys).
 */
import { Tensor, tensor } from '../tensor.js';
import { callOp } from '../ops.js';
import { enableGrad, noGrad } from '../autograd.js';
import { keep, tidy } from '../scope.js';
import { describe } from '../dtype.js';
import { libtorchAtLeast } from '../native.js';

/** A parameter group as passed in: its tensors plus options overriding the optimizer's defaults. */
// biome-ignore lint/correctness/noUnusedVariables: O names the optimizer's options at use sites (Params<AdamOptions>); the index signature accepts them
export interface ParamGroupInput<O extends object = Record<string, unknown>> {
  params: Iterable<Tensor> | Tensor;
  [option: string]: unknown;
}

/** What optimizers accept, as PyTorch: an iterable of tensors, or an array of param groups. */
export type Params<O extends object = Record<string, unknown>> = Iterable<Tensor> | ParamGroupInput<O>[];

/**
 * A live param group: `params` plus the options (camelCase). Writing an option (`g.lr = 0.01`)
 * takes effect at the next `step()`. Other keys (e.g. schedulers' `initialLr`) are kept on the
 * group as in PyTorch's dicts.
 */
export type ParamGroup<O extends object = Record<string, unknown>> = O & { params: Tensor[]; [extra: string]: unknown };

/** A value in per-parameter state: tensors, numbers, and (LBFGS) lists of them. */
export type StateValue = Tensor | number | boolean | string | null | StateValue[];

/** One parameter's state (PyTorch's `optimizer.state[p]` dict), camelCase keys. */
export type ParamState = Record<string, StateValue>;

/** PyTorch-shaped optimizer state dict: per-parameter state by index, and the groups' options (snake_case). */
export interface OptimizerStateDict {
  state: Record<number, Record<string, StateValue>>;
  param_groups: Record<string, unknown>[];
}

/** `torch.optim.optimizer.required`: a default that every param group must give (SGD's lr). */
export const required: unique symbol = Symbol('required');

/** camelCase <-> snake_case, for PyTorch-shaped state dicts. */
export function toSnake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}
/** lr_decay → lrDecay: Python's option names to ours. @internal */
export function toCamel(k: string): string {
  return k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

// ---- validation with PyTorch's checks and this project's message style -------------------

/** Validates a non-negative number (PyTorch's `0.0 <= lr`). @internal */
export function checkNonNeg(fn: string, what: string, v: unknown): number {
  if (typeof v === 'number' && v >= 0) return v;
  throw new RangeError(`${fn}: Expected non-negative number for ${what} but received ${describe(v)}`);
}
/** Validates a positive number (SparseAdam's `0.0 < lr`). @internal */
export function checkPositive(fn: string, what: string, v: unknown): number {
  if (typeof v === 'number' && v > 0) return v;
  throw new RangeError(`${fn}: Expected positive number for ${what} but received ${describe(v)}`);
}
/** Validates a number in [0, 1) for an optimizer option. @internal */
export function checkUnit(fn: string, what: string, v: unknown): number {
  if (typeof v === 'number' && v >= 0 && v < 1) return v;
  throw new RangeError(`${fn}: Expected number in [0, 1) for ${what} but received ${describe(v)}`);
}
/** Validates a number in [0, 1] (Adadelta's rho). @internal */
export function checkClosedUnit(fn: string, what: string, v: unknown): number {
  if (typeof v === 'number' && v >= 0 && v <= 1) return v;
  throw new RangeError(`${fn}: Expected number in [0, 1] for ${what} but received ${describe(v)}`);
}
/** Validates any (non-NaN) number. @internal */
export function checkNumber(fn: string, what: string, v: unknown): number {
  if (typeof v === 'number' && !Number.isNaN(v)) return v;
  throw new TypeError(`${fn}: Expected number for ${what} but received ${describe(v)}`);
}
/** Validates a boolean optimizer option. @internal */
export function checkBool(fn: string, what: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw new TypeError(`${fn}: Expected boolean for ${what} but received ${describe(v)}`);
}
/** Validates Adam's betas: two numbers in [0, 1). @internal */
export function checkBetas(fn: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) {
    throw new TypeError(`${fn}: Expected [beta1, beta2] for betas but received ${describe(v)}`);
  }
  checkUnit(fn, 'betas[0]', v[0]);
  checkUnit(fn, 'betas[1]', v[1]);
  return [v[0], v[1]];
}
/** Validates a pair of numbers (Rprop's stepSizes). @internal */
export function checkPair(fn: string, what: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && !Number.isNaN(x))) {
    throw new TypeError(`${fn}: Expected an array of 2 numbers for ${what} but received ${describe(v)}`);
  }
  return [v[0], v[1]];
}

/** A checker per option key, as the optimizers' `_validateOption` use. @internal */
export type OptionChecks = Record<string, (fn: string, what: string, v: unknown) => unknown>;

/** Builds a `(key, value) => value` validator from per-key checks. @internal */
export function validator(fn: string, checks: OptionChecks): (key: string, v: unknown) => unknown {
  return (key: string, v: unknown): unknown => {
    const c = checks[key];
    if (!c) throw new TypeError(`${fn}: unknown option '${key}'`);
    return c(fn, key, v);
  };
}

// ---- Python float semantics for the TS optimizers ----------------------------------------

/**
 * Python's `a ** b` on floats. JS's `**` is V8's pow, which differs from the C library's pow
 * (what Python and LibTorch use) in the last bit for about 1 in 12 of Adam's `beta ** step`;
 * LibTorch's `pow.Scalar` on a 0-d double runs C's pow, so the bias corrections are Python's.
 * @internal
 */
export function pyPow(a: number, b: number): number {
  if (b === 0) return 1;
  if (b === 1) return a;
  return tidy(() => (callOp('aten::pow.Scalar', a, tensor(b, { dtype: 'float64' })) as Tensor).item());
}

/**
 * Whether the optimizers follow PyTorch ≥ 2.1's Python: it decays first moments with
 * `exp_avg.lerp_(grad, 1 - beta1)` where 1.13 wrote `exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)`
 * (the same value, rounded differently), and fixed NAdam's `mu_product_next`. Each optimizer
 * follows the Python of the LibTorch it runs on, so that its numbers are that PyTorch's (Adam and
 * AdamW do the same in native/optim.cc). @internal
 */
export const PYTHON_2_1 = libtorchAtLeast(2, 1);

/** `avg ← beta·avg + (1 − beta)·grad`, as the Python of this LibTorch writes it (see {@link PYTHON_2_1}). @internal */
export function decayMoment_(avg: Tensor, grad: Tensor, beta: number): void {
  if (PYTHON_2_1) avg.lerp_(grad, 1 - beta);
  else avg.mul_(beta).add_(grad, { alpha: 1 - beta });
}

/** `torch.view_as_real` for complex tensors (the 1.13 optimizers update complex params as real pairs). @internal */
export function realView(t: Tensor): Tensor {
  return t.isComplex() ? (callOp('aten::view_as_real', t) as Tensor) : t;
}

/** A fresh tensor for optimizer state: kept out of the caller's tidy() scopes. @internal */
export function stateTensor(t: Tensor): Tensor {
  return keep(t);
}

/** A 0-d float32 CPU tensor for state (`torch.tensor(0.)`, `torch.tensor(lr)`), kept. @internal */
export function scalarState(v: number): Tensor {
  return keep(tensor(v, { dtype: 'float32' }));
}

/** `state['step']` of the 1.13 optimizers that keep it as a float32 scalar tensor (from a number when loaded from an old dict). @internal */
export function stepTensor(s: ParamState): Tensor {
  const v = s.step;
  if (v instanceof Tensor) return v;
  const t = keep(tensor(typeof v === 'number' ? v : 0, { dtype: 'float32' }));
  s.step = t;
  return t;
}

// State keys whose PyTorch name is not snake_case of a camelCase name.
const STATE_KEY_TO_PY: Record<string, string> = { HDiag: 'H_diag' };
const STATE_KEY_FROM_PY: Record<string, string> = { H_diag: 'HDiag' };
/** A state record key, TS → PyTorch (`expAvg` → `exp_avg`, LBFGS's `HDiag` → `H_diag`). @internal */
export function stateKeyToPy(k: string): string {
  return STATE_KEY_TO_PY[k] ?? toSnake(k);
}
/** A state record key, PyTorch → TS. @internal */
export function stateKeyFromPy(k: string): string {
  return STATE_KEY_FROM_PY[k] ?? toCamel(k);
}

function collectTensors(v: StateValue | undefined, out: Tensor[]): void {
  if (v instanceof Tensor) out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectTensors(x, out);
}

function aliasValue(v: StateValue): StateValue {
  // A new handle on the same tensor (shares storage): disposing a state dict never frees live state.
  if (v instanceof Tensor) return v.detach();
  if (Array.isArray(v)) return v.map(aliasValue);
  return v;
}

function keepValue(v: unknown): void {
  if (v instanceof Tensor) {
    if (!v.isDisposed) keep(v);
  } else if (Array.isArray(v)) for (const x of v) keepValue(x);
}

/** A record whose tensor values are kept out of tidy() scopes as they are assigned. */
function keepingRecord(rec: ParamState): ParamState {
  for (const v of Object.values(rec)) keepValue(v);
  return new Proxy(rec, {
    set(target, k, v) {
      keepValue(v);
      return Reflect.set(target, k, v);
    },
  });
}

/**
 * `optimizer.state`: a Map from parameter to its state record. Tensors put in it (by `set`, or
 * by assigning a record's field) are kept out of enclosing `tidy()` scopes, so a `step()` may
 * create state inside its own tidy().
 */
export class OptimizerState extends Map<Tensor, ParamState> {
  constructor(entries?: Iterable<readonly [Tensor, ParamState]> | null) {
    if (entries !== undefined && entries !== null && typeof (entries as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`OptimizerState: Expected an iterable of [parameter, state] pairs for entries but received ${describe(entries)}`);
    }
    super();
    for (const entry of entries ?? []) {
      if (!Array.isArray(entry) || !(entry[0] instanceof Tensor))
        throw new TypeError(`OptimizerState: Expected [Tensor, state] pairs for entries but received ${describe(entry)}`);
      this.set(entry[0], entry[1]);
    }
  }
  override set(p: Tensor, rec: ParamState): this {
    if (rec === null || typeof rec !== 'object') throw new TypeError(`optimizer.state.set: Expected a state record (an object) but received ${describe(rec)}`);
    return super.set(p, keepingRecord(rec));
  }
}

const SET_MESSAGE =
  'optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.';

/** A step pre-hook: `hook(optimizer, args)`; returning an array replaces step's arguments (PyTorch's `(args, kwargs)`). */
// biome-ignore lint/suspicious/noExplicitAny: a hook sees optimizers of any options type
export type OptimizerStepPreHook = (optimizer: Optimizer<any>, args: unknown[]) => unknown;
/** A step post-hook: `hook(optimizer, args)`. */
// biome-ignore lint/suspicious/noExplicitAny: a hook sees optimizers of any options type
export type OptimizerStepPostHook = (optimizer: Optimizer<any>, args: unknown[]) => void;

/** `torch.utils.hooks.RemovableHandle` of an optimizer hook. */
export interface OptimizerHookHandle {
  /** Unregisters the hook (safe to call twice). */
  remove(): void;
}

const globalPreHooks = new Map<number, OptimizerStepPreHook>();
const globalPostHooks = new Map<number, OptimizerStepPostHook>();
let nextHookId = 0;

function addHook<H>(hooks: Map<number, H>, hook: H, fn: string): OptimizerHookHandle {
  if (typeof hook !== 'function') throw new TypeError(`${fn}: Expected a function for hook but received ${describe(hook)}`);
  const id = nextHookId++;
  hooks.set(id, hook);
  return { remove: () => void hooks.delete(id) };
}

// biome-ignore lint/suspicious/noExplicitAny: see OptimizerStepPreHook
function runPreHooks(opt: Optimizer<any>, args: unknown[]): unknown[] {
  for (const hook of [...globalPreHooks.values(), ...opt._stepPreHooks.values()]) {
    const r = hook(opt, args);
    if (r !== undefined && r !== null) {
      if (!Array.isArray(r)) {
        throw new TypeError(`${opt.constructor.name}.step: a step pre-hook must return undefined or an array of new arguments, but returned ${describe(r)}`);
      }
      args = r;
    }
  }
  return args;
}

// biome-ignore lint/suspicious/noExplicitAny: see OptimizerStepPreHook
function runPostHooks(opt: Optimizer<any>, args: unknown[]): void {
  for (const hook of [...opt._stepPostHooks.values(), ...globalPostHooks.values()]) hook(opt, args);
}

/**
 * `torch.optim.optimizer.register_optimizer_step_pre_hook` (PyTorch 2.x): `hook(optimizer, args)`
 * runs before every optimizer's `step()`, before the optimizer's own pre-hooks.
 */
export function registerOptimizerStepPreHook(hook: OptimizerStepPreHook): OptimizerHookHandle {
  return addHook(globalPreHooks, hook, 'optim.registerOptimizerStepPreHook');
}

/** `register_optimizer_step_post_hook` (PyTorch 2.x): `hook(optimizer, args)` runs after every optimizer's `step()`. */
export function registerOptimizerStepPostHook(hook: OptimizerStepPostHook): OptimizerHookHandle {
  return addHook(globalPostHooks, hook, 'optim.registerOptimizerStepPostHook');
}

/**
 * `torch.optim.Optimizer(params, defaults)`: the base class of all optimizers.
 *
 * Subclass it and implement `step(closure?)`, updating parameters in place under
 * `torch.noGrad` (PyTorch's `@torch.no_grad()`). Tensors put in `this.state` during `step()` are
 * kept out of the caller's `tidy()` scopes automatically.
 *
 * ```ts
 * class MySGD extends optim.Optimizer<{ lr: number }> {
 *   constructor(params: optim.Params, lr = 0.01) { super(params, { lr }); }
 *   step(closure?: () => Tensor | number) {
 *     const loss = closure ? torch.enableGrad(closure) : undefined;
 *     torch.noGrad(() => { for (const g of this.paramGroups) for (const p of g.params) { const d = p.grad; if (d) p.add_(d, { alpha: -g.lr }); } });
 *     return loss;
 *   }
 * }
 * ```
 */
export abstract class Optimizer<O extends object = Record<string, unknown>> {
  /** The options every group starts from (PyTorch's `defaults`). */
  readonly defaults: Readonly<O>;
  /** The param groups: `params` plus options, live (`g.lr = 0.01` changes the next step). */
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (PyTorch's `optimizer.state`), keyed by the parameter Tensor. */
  state: Map<Tensor, ParamState> = new OptimizerState();
  /** The class name, for messages. @internal */
  protected readonly _name: string;

  /** `Optimizer(params, defaults)`: `params` is an iterable of Tensors or an array of param groups. */
  constructor(params: Params<O>, defaults: O) {
    this._name = new.target.name || 'Optimizer';
    if (defaults === null || typeof defaults !== 'object' || Array.isArray(defaults)) {
      throw new TypeError(`${this._name}: Expected an object of default options for defaults but received ${describe(defaults)}`);
    }
    this.defaults = Object.freeze({ ...defaults });
    for (const g of this._normalizeParams(params)) this._addGroup(g);
    // step() runs the step hooks around the class's own step (PyTorch patches step in __init__
    // the same way), and tensors a TS subclass's step() stores in this.state outlive the caller's
    // tidy() scope (the native optimizers keep theirs in LibTorch).
    const proto = Object.getPrototypeOf(this) as { step: (...args: unknown[]) => unknown };
    const classStep = proto.step;
    if (typeof classStep === 'function') {
      const keepsState = !(this as { _nativeStep?: boolean })._nativeStep;
      Object.defineProperty(this, 'step', {
        configurable: true,
        writable: true,
        enumerable: false,
        value: (...args: unknown[]) => {
          if (globalPreHooks.size > 0 || this._stepPreHooks.size > 0) args = runPreHooks(this, args);
          const r = classStep.apply(this, args);
          if (keepsState) this._keepState();
          if (globalPostHooks.size > 0 || this._stepPostHooks.size > 0) runPostHooks(this, args);
          return r;
        },
      });
    }
  }

  /** @internal */
  readonly _stepPreHooks = new Map<number, OptimizerStepPreHook>();
  /** @internal */
  readonly _stepPostHooks = new Map<number, OptimizerStepPostHook>();

  /**
   * `register_step_pre_hook(hook)` (PyTorch 2.x): `hook(optimizer, args)` runs before each
   * `step()` of this optimizer, after the global pre-hooks; it may return new arguments for step.
   */
  registerStepPreHook(hook: OptimizerStepPreHook): OptimizerHookHandle {
    return addHook(this._stepPreHooks, hook, `${this._name}.registerStepPreHook`);
  }

  /** `register_step_post_hook(hook)` (PyTorch 2.x): `hook(optimizer, args)` runs after each `step()`, before the global post-hooks. */
  registerStepPostHook(hook: OptimizerStepPostHook): OptimizerHookHandle {
    return addHook(this._stepPostHooks, hook, `${this._name}.registerStepPostHook`);
  }

  /** Keeps every tensor in `state` out of enclosing tidy() scopes. @internal */
  protected _keepState(): void {
    for (const s of this.state.values()) {
      const ts: Tensor[] = [];
      for (const v of Object.values(s)) collectTensors(v, ts);
      for (const t of ts) if (!t.isDisposed) keep(t);
    }
  }

  /**
   * Checks one option of a group (constructor defaults, added groups, loaded state dicts) and
   * returns the value to store. The base accepts anything, as PyTorch's; the optimizers here
   * check types and ranges.
   */
  protected _validateOption(_key: string, value: unknown): unknown {
    return value;
  }

  private _normalizeParams(params: Params<O>): ParamGroupInput<O>[] {
    if (params instanceof Tensor) {
      throw new TypeError(`${this._name}: params argument given to the optimizer should be an iterable of Tensors or dicts, but got a Tensor`);
    }
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${this._name}: Expected an iterable of Tensors or param groups for params but received ${describe(params)}`);
    }
    if (params instanceof Set) throw new TypeError(`${this._name}: ${SET_MESSAGE}`);
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new Error(`${this._name}: optimizer got an empty parameter list`);
    if (list.every((p) => p instanceof Tensor)) return [{ params: list as Tensor[] }];
    return list.map((g, i) => {
      if (g === null || typeof g !== 'object' || g instanceof Tensor || !('params' in g)) {
        throw new TypeError(`${this._name}: Expected all Tensors or all param groups ({params, ...options}) for params but element ${i} is ${describe(g)}`);
      }
      return g as ParamGroupInput<O>;
    });
  }

  /** Validates a group and builds it: params, then every default option, then extra keys. @internal */
  protected _buildGroup(g: ParamGroupInput<O>): ParamGroup<O> {
    const fn = this._name;
    const p = g.params;
    if (p instanceof Set) throw new TypeError(`${fn}: ${SET_MESSAGE}`);
    const tensors = p instanceof Tensor ? [p] : p !== null && typeof p === 'object' && Symbol.iterator in p ? [...p] : null;
    if (!tensors) throw new TypeError(`${fn}: Expected Tensor or iterable of Tensors for params but received ${describe(p)}`);
    if (tensors.length === 0) throw new Error(`${fn}: optimizer got an empty parameter list`);
    const seen = new Set<Tensor>(this.paramGroups.flatMap((x) => x.params));
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`${fn}: Expected Tensor for params[${i}] but received ${describe(t)}`);
      if (t.isDisposed) throw new Error(`${fn}: params[${i}] is a disposed tensor`);
      if (!t.isLeaf) throw new Error(`${fn}: can't optimize a non-leaf Tensor (params[${i}])`);
      if (seen.has(t)) throw new Error(`${fn}: some parameters appear in more than one parameter group`);
      seen.add(t);
    });
    const out: Record<string, unknown> = { params: tensors };
    const defaults = this.defaults as Record<string, unknown>;
    for (const k of Object.keys(defaults)) {
      const v = k in g && g[k] !== undefined ? g[k] : defaults[k];
      if (v === required || v === undefined) {
        throw new TypeError(`${fn}: parameter group didn't specify a value of required optimization parameter ${k}`);
      }
      out[k] = this._validateOption(k, Array.isArray(v) ? [...v] : v);
    }
    for (const [k, v] of Object.entries(g)) if (k !== 'params' && !(k in defaults)) out[k] = v;
    return out as ParamGroup<O>;
  }

  private _addGroup(g: ParamGroupInput<O>): void {
    this.paramGroups.push(this._buildGroup(g));
  }

  /** `add_param_group`: a new group with its own options (defaults fill the rest). */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== 'object' || !('params' in group)) {
      throw new TypeError(`${this._name}.addParamGroup: Expected a param group ({params, ...options}) but received ${describe(group)}`);
    }
    this._addGroup(group);
  }

  /**
   * `zero_grad(set_to_none)`: clears the gradients of all parameters. `setToNone` defaults to
   * true, PyTorch 2.x's default (1.13's is False): grads become null; false zeroes them in place.
   */
  zeroGrad(opts: { setToNone?: boolean } | null = {}): void {
    const setToNone = opts?.setToNone ?? true;
    checkBool(`${this._name}.zeroGrad`, 'setToNone', setToNone);
    tidy(() => {
      for (const g of this.paramGroups) {
        for (const p of g.params) {
          const grad = p.grad;
          if (grad === null) continue;
          if (setToNone) p.grad = null;
          else {
            if (grad.gradFn !== null) grad.detach_();
            else grad.requiresGrad_(false);
            grad.zero_();
          }
        }
      }
    });
  }

  /**
   * `step(closure)`: one optimization step. A closure (re-evaluates the model and returns the
   * loss) is optional for most optimizers, required by LBFGS; the loss it returns is returned.
   */
  abstract step(closure?: () => Tensor | number): Tensor | number | undefined;

  /**
   * Runs a TS optimizer's update: the closure with grad enabled first (its loss is returned),
   * then `body` under noGrad in a tidy() scope. @internal
   */
  protected _runStep(closure: (() => Tensor | number) | undefined, body: () => void): Tensor | number | undefined {
    let loss: Tensor | number | undefined;
    if (closure !== undefined && closure !== null) {
      if (typeof closure !== 'function') throw new TypeError(`${this._name}.step: Expected a function for closure but received ${describe(closure)}`);
      loss = enableGrad(closure);
    }
    tidy(() => noGrad(body));
    return loss;
  }

  /** The state record of a parameter, created empty on first use (PyTorch's defaultdict). @internal */
  protected _stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      this.state.set(p, {});
      s = this.state.get(p) as ParamState;
    }
    return s;
  }

  /**
   * PyTorch-shaped state dict: `state` keyed by parameter index (in group order), `param_groups`
   * with snake_case options and `params` as indices. State tensors are new handles on the live
   * tensors (as PyTorch returns references, not copies).
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let start = 0;
    const param_groups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') packed[toSnake(k)] = Array.isArray(v) ? [...v] : v;
      g.params.forEach((p, i) => {
        if (!index.has(p)) index.set(p, start + i);
      });
      packed.params = g.params.map((p) => index.get(p) as number);
      start += g.params.length;
      return packed;
    });
    const state: Record<number, Record<string, StateValue>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const out: Record<string, StateValue> = {};
      for (const [k, v] of Object.entries(s)) out[stateKeyToPy(k)] = aliasValue(v);
      state[i] = out;
    }
    return { state, param_groups };
  }

  /**
   * `load_state_dict`: restores options and state saved by stateDict() (here or by PyTorch's
   * `state_dict()`, e.g. via torch.load). Tensors are copied and cast to their parameter's
   * floating dtype and device, except `step`, as PyTorch's.
   */
  loadStateDict(stateDict: OptimizerStateDict | Map<string, unknown>): void {
    const fn = `${this._name}.loadStateDict`;
    const { saved, stateIn } = parseStateDict(
      fn,
      stateDict,
      this.paramGroups.map((g) => g.params.length),
    );
    const defaults = this.defaults as Record<string, unknown>;
    // Validate every option before changing anything.
    const groups = saved.map((g, gi) => {
      const out: Record<string, unknown> = { params: this.paramGroups[gi].params };
      for (const [sk, v] of Object.entries(g)) {
        if (sk === 'params') continue;
        const k = toCamel(sk);
        out[k] = k in defaults ? this._validateOption(k, Array.isArray(v) ? [...v] : v) : v;
      }
      for (const k of Object.keys(defaults)) if (!(k in out) && defaults[k] !== required) out[k] = defaults[k];
      return out as ParamGroup<O>;
    });
    const byIndex = new Map<number, Tensor>();
    saved.forEach((g, gi) => (g.params as unknown[]).forEach((p, pi) => byIndex.set(Number(p), this.paramGroups[gi].params[pi])));
    const state = new OptimizerState();
    for (const [k, v] of Object.entries(stateIn)) {
      const param = byIndex.get(Number(k));
      if (!param) throw new Error(`${fn}: state refers to parameter ${k}, which no param group lists`);
      const rec = asObject(v);
      const s: ParamState = {};
      for (const [name, val] of Object.entries(rec)) s[stateKeyFromPy(name)] = castValue(fn, param, val, name, `state[${k}].${name}`);
      state.set(param, s);
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
    this._disposeState();
    this.state = state;
    this._setState();
  }

  /** PyTorch's `__setstate__`: upgrades loaded state (e.g. a number `step` to a tensor). @internal */
  protected _setState(): void {}

  private _disposeState(): void {
    const ts: Tensor[] = [];
    for (const s of this.state.values()) for (const v of Object.values(s)) collectTensors(v, ts);
    for (const t of ts) t.dispose();
  }

  /** Frees the state tensors now (otherwise at garbage collection); the optimizer starts afresh. */
  dispose(): void {
    this._disposeState();
    this.state.clear();
  }

  /** As PyTorch's repr: the class, then each group's options in sorted order. */
  toString(): string {
    const lines = [`${this._name} (`];
    this.paramGroups.forEach((g, i) => {
      lines.push(`Parameter Group ${i}`);
      for (const k of Object.keys(g).sort()) {
        if (k !== 'params') lines.push(`    ${k}: ${formatOption((g as Record<string, unknown>)[k])}`);
      }
    });
    lines.push(')');
    return lines.join('\n');
  }
}

function formatOption(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `(${v.map(formatOption).join(', ')})`;
  if (typeof v === 'string') return v;
  return String(v);
}

function asObject(x: unknown): Record<string, unknown> {
  return x instanceof Map ? Object.fromEntries(x) : (x as Record<string, unknown>);
}

/** Checks a state dict's shape against the optimizer's groups. @internal */
export function parseStateDict(fn: string, stateDict: unknown, groupSizes: number[]): { saved: Record<string, unknown>[]; stateIn: Record<string, unknown> } {
  const sd = stateDict instanceof Map ? Object.fromEntries(stateDict) : stateDict;
  if (sd === null || typeof sd !== 'object' || !('state' in sd) || !('param_groups' in sd)) {
    throw new TypeError(`${fn}: Expected an object with state and param_groups but received ${describe(stateDict)}`);
  }
  const groups = (sd as { param_groups: unknown }).param_groups;
  const groupList = groups instanceof Map ? [...groups.values()] : groups;
  if (!Array.isArray(groupList) || groupList.length !== groupSizes.length) {
    throw new Error(`${fn}: loaded state dict has a different number of parameter groups`);
  }
  const saved = groupList.map(asObject);
  saved.forEach((g, gi) => {
    const ps = g?.params as unknown[];
    if (!Array.isArray(ps) || ps.length !== groupSizes[gi]) {
      throw new Error(`${fn}: loaded state dict contains a parameter group that doesn't match the size of optimizer's group`);
    }
  });
  const stateIn = asObject((sd as { state: unknown }).state);
  if (stateIn === null || typeof stateIn !== 'object') throw new TypeError(`${fn}: Expected an object for state but received ${describe(stateIn)}`);
  return { saved, stateIn };
}

/** PyTorch's load_state_dict `cast`: a copy, cast to the parameter's floating dtype and device (not `step`). */
function castValue(fn: string, param: Tensor, v: unknown, key: string | null, what: string): StateValue {
  if (v instanceof Tensor) {
    let t = v.clone();
    if (key !== 'step') {
      if (param.isFloatingPoint() && t.dtype !== param.dtype) t = t.to(param.dtype);
      if (t.device !== param.device) t = t.to(param.device);
    }
    return keep(t);
  }
  if (Array.isArray(v)) return v.map((x, i) => castValue(fn, param, x, null, `${what}[${i}]`));
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new TypeError(`${fn}: Expected Tensor, number or array for ${what} but received ${describe(v)}`);
}
