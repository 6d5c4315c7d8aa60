/**
 * The optimizer base: parameters and per-group options live in a LibTorch torch::optim
 * optimizer, so `step()` is one native call however many parameters there are (CPU or CUDA).
 */
import { native } from '../native.js';
import { Tensor, wrap, tensor } from '../tensor.js';
import { enableGrad } from '../autograd.js';
import { describe } from '../dtype.js';

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

/** PyTorch-shaped optimizer state dict: per-parameter state by index, and the groups' options. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  param_groups: Record<string, unknown>[];
}

const TENSOR_STEP = new Set(['Adam', 'AdamW', 'Adagrad']);

const registry = new FinalizationRegistry<number>((id) => native.optimizerRelease(id));

/** camelCase <-> snake_case, for PyTorch-shaped state dicts. */
export function toSnake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}
/** lr_decay → lrDecay: Python's option names to ours. @internal */
export function toCamel(k: string): string {
  return k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Validation helpers with PyTorch's checks and this project's message style. */
export function checkNonNeg(fn: string, what: string, v: unknown): number {
  if (typeof v === 'number' && v >= 0) return v;
  throw new RangeError(`${fn}: Expected non-negative number for ${what} but received ${describe(v)}`);
}
/** Validates a number in [0, 1) for an optimizer option. @internal */
export function checkUnit(fn: string, what: string, v: unknown): number {
  if (typeof v === 'number' && v >= 0 && v < 1) return v;
  throw new RangeError(`${fn}: Expected number in [0, 1) for ${what} but received ${describe(v)}`);
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

/**
 * Base class of the optimizers (`torch.optim.Optimizer`). Subclasses give the native kind, the
 * defaults and a validator for each option.
 */
export abstract class Optimizer<O extends object = Record<string, unknown>> {
  /** The options every group starts from (PyTorch's `defaults`). */
  readonly defaults: Readonly<O>;
  /** Per-parameter state is in LibTorch; this is the native handle (-1 once disposed). */
  protected _id = -1;
  private readonly _kind: string;
  private readonly _groups: ParamGroup<O>[] = [];
  private readonly _extras: Record<string, unknown>[] = [];
  private readonly _params: Tensor[][] = [];
  private readonly _optionKeys: readonly string[];
  private readonly _validate: (key: string, value: unknown) => unknown;

  protected constructor(kind: string, params: Params<O>, defaults: O, validate: (key: string, value: unknown) => unknown) {
    if (typeof kind !== 'string' || typeof validate !== 'function') {
      throw new TypeError('Optimizer: the base class is constructed by its subclasses (SGD, Adam, ...), not directly');
    }
    this._kind = kind;
    this._validate = validate;
    this._optionKeys = Object.keys(defaults);
    this.defaults = Object.freeze({ ...defaults });
    const groups = this._normalizeParams(params);
    const handles: number[][] = [];
    const options: Record<string, unknown>[] = [];
    for (const g of groups) {
      const { tensors, opts, extras } = this._prepareGroup(g);
      handles.push(tensors.map((t) => t._h));
      options.push(opts);
      this._params.push(tensors);
      this._extras.push(extras);
    }
    this._id = native.optimizerCreate(kind, handles, options);
    registry.register(this, this._id, this);
    for (let i = 0; i < this._params.length; i++) this._groups.push(this._makeGroup(i));
  }

  private _normalizeParams(params: Params<O>): ParamGroupInput<O>[] {
    if (params instanceof Tensor) {
      throw new TypeError(`${this._kind}: params argument given to the optimizer should be an iterable of Tensors or dicts, but got a Tensor`);
    }
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${this._kind}: Expected an iterable of Tensors or param groups for params but received ${describe(params)}`);
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new Error(`${this._kind}: optimizer got an empty parameter list`);
    if (list.every((p) => p instanceof Tensor)) return [{ params: list as Tensor[] }];
    return list.map((g, i) => {
      if (g === null || typeof g !== 'object' || g instanceof Tensor || !('params' in g)) {
        throw new TypeError(`${this._kind}: Expected all Tensors or all param groups ({params, ...options}) for params but element ${i} is ${describe(g)}`);
      }
      return g as ParamGroupInput<O>;
    });
  }

  /** Validates a group's tensors and options; unknown keys are kept as extras (as Python dicts do). */
  private _prepareGroup(g: ParamGroupInput<O>): { tensors: Tensor[]; opts: Record<string, unknown>; extras: Record<string, unknown> } {
    const fn = this._kind;
    const p = g.params;
    const tensors = p instanceof Tensor ? [p] : p !== null && typeof p === 'object' && Symbol.iterator in p ? [...p] : null;
    if (!tensors) throw new TypeError(`${fn}: Expected Tensor or iterable of Tensors for params but received ${describe(p)}`);
    if (tensors.length === 0) throw new Error(`${fn}: optimizer got an empty parameter list`);
    const seen = new Set<Tensor>(this._params.flat());
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`${fn}: Expected Tensor for params[${i}] but received ${describe(t)}`);
      if (t.isDisposed) throw new Error(`${fn}: params[${i}] is a disposed tensor`);
      if (!t.isLeaf) throw new Error(`${fn}: can't optimize a non-leaf Tensor (params[${i}])`);
      if (seen.has(t)) throw new Error(`${fn}: some parameters appear in more than one parameter group`);
      seen.add(t);
    });
    const opts: Record<string, unknown> = {};
    const extras: Record<string, unknown> = {};
    for (const k of this._optionKeys) {
      const v = k in g && g[k] !== undefined ? g[k] : (this.defaults as Record<string, unknown>)[k];
      if (v === undefined) throw new TypeError(`${fn}: parameter group didn't specify a value of required optimization parameter ${k}`);
      opts[k] = this._validate(k, v);
    }
    for (const [k, v] of Object.entries(g)) if (k !== 'params' && !this._optionKeys.includes(k)) extras[k] = v;
    return { tensors, opts, extras };
  }

  /** A Proxy per group: option keys read and write the native options, others a JS object. */
  private _makeGroup(index: number): ParamGroup<O> {
    const keys = this._optionKeys;
    const extras = this._extras[index];
    const params = this._params[index];
    const target = {} as ParamGroup<O>;
    const self = this;
    const handler: ProxyHandler<ParamGroup<O>> = {
      get(_t, k) {
        if (k === 'params') return params;
        if (typeof k === 'string' && keys.includes(k)) return native.optimizerGetGroupOptions(self._live(), index)[k];
        return typeof k === 'string' ? extras[k] : undefined;
      },
      set(_t, k, v) {
        if (k === 'params') throw new TypeError(`${self._kind}: a param group's params cannot be replaced`);
        if (typeof k !== 'string') return false;
        if (keys.includes(k)) native.optimizerSetGroupOptions(self._live(), index, { [k]: self._checkWrite(index, k, v) });
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

  private _live(): number {
    if (this._id < 0) throw new Error(`${this._kind}: the optimizer was disposed`);
    return this._id;
  }

  /** The param groups, live: `for (const g of opt.paramGroups) g.lr = 0.01` changes the next step. */
  get paramGroups(): ParamGroup<O>[] {
    return this._groups;
  }

  /** `add_param_group`: a new group with its own options (defaults fill the rest). */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== 'object' || !('params' in group)) {
      throw new TypeError(`${this._kind}.addParamGroup: Expected a param group ({params, ...options}) but received ${describe(group)}`);
    }
    const id = this._live();
    const { tensors, opts, extras } = this._prepareGroup(group);
    native.optimizerAddParamGroup(
      id,
      tensors.map((t) => t._h),
      opts,
    );
    this._params.push(tensors);
    this._extras.push(extras);
    this._groups.push(this._makeGroup(this._params.length - 1));
  }

  /**
   * Clears the gradients of all parameters. `setToNone` (default true, as PyTorch 2.x) drops
   * them; false zeroes them in place.
   */
  zeroGrad(opts: { setToNone?: boolean } | null = {}): void {
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
    if (closure !== undefined) {
      if (typeof closure !== 'function') throw new TypeError(`${this._kind}.step: Expected a function for closure but received ${describe(closure)}`);
      loss = enableGrad(closure);
    }
    native.optimizerStep(id);
    return loss;
  }

  /** PyTorch-shaped state dict; state tensors are references to the live state (as PyTorch's), not copies. */
  stateDict(): OptimizerStateDict {
    const id = this._live();
    const offsets: number[] = [];
    let n = 0;
    const param_groups = this._groups.map((_g, gi) => {
      offsets.push(n);
      const out: Record<string, unknown> = {};
      const opts = native.optimizerGetGroupOptions(id, gi);
      for (const k of this._optionKeys) out[toSnake(k)] = opts[k];
      for (const [k, v] of Object.entries(this._extras[gi])) out[toSnake(k)] = v;
      out.params = this._params[gi].map((_, i) => n + i);
      n += this._params[gi].length;
      return out;
    });
    const state: Record<number, Record<string, Tensor | number>> = {};
    for (const e of native.optimizerState(id)) {
      const s: Record<string, Tensor | number> = {};
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
  loadStateDict(stateDict: OptimizerStateDict | Map<string, unknown>): void {
    const fn = `${this._kind}.loadStateDict`;
    const id = this._live();
    const sd = stateDict instanceof Map ? Object.fromEntries(stateDict) : stateDict;
    if (sd === null || typeof sd !== 'object' || !('state' in sd) || !('param_groups' in sd)) {
      throw new TypeError(`${fn}: Expected an object with state and param_groups but received ${describe(stateDict)}`);
    }
    const groups = sd.param_groups as unknown;
    const groupList = groups instanceof Map ? [...groups.values()] : groups;
    if (!Array.isArray(groupList) || groupList.length !== this._groups.length) {
      throw new Error(`${fn}: loaded state dict has a different number of parameter groups`);
    }
    const asObj = (x: unknown): Record<string, unknown> => (x instanceof Map ? Object.fromEntries(x) : (x as Record<string, unknown>));
    const saved = groupList.map(asObj);
    saved.forEach((g, gi) => {
      const ps = g.params as unknown[];
      if (!Array.isArray(ps) || ps.length !== this._params[gi].length) {
        throw new Error(`${fn}: loaded state dict contains a parameter group that doesn't match the size of optimizer's group`);
      }
    });
    // Validate every option before changing anything.
    const newOpts = saved.map((g) => {
      const opts: Record<string, unknown> = {};
      const extras: Record<string, unknown> = {};
      for (const [sk, v] of Object.entries(g)) {
        if (sk === 'params') continue;
        const k = toCamel(sk);
        if (this._optionKeys.includes(k)) opts[k] = this._validate(k, Array.isArray(v) ? [...v] : v);
        else extras[k] = v;
      }
      return { opts, extras };
    });
    const stateIn = asObj(sd.state);
    const index = new Map<number, [number, number]>();
    saved.forEach((g, gi) => (g.params as unknown[]).forEach((p, pi) => index.set(Number(p), [gi, pi])));
    native.optimizerClearState(id);
    newOpts.forEach(({ opts, extras }, gi) => {
      native.optimizerSetGroupOptions(id, gi, opts);
      const ex = this._extras[gi];
      for (const k of Object.keys(ex)) delete ex[k];
      Object.assign(ex, extras);
    });
    for (const [k, v] of Object.entries(stateIn)) {
      const at = index.get(Number(k));
      if (!at) throw new Error(`${fn}: state refers to parameter ${k}, which no param group lists`);
      const s: Record<string, number> = {};
      for (const [name, val] of Object.entries(asObj(v))) {
        if (val instanceof Tensor) s[name] = name === 'step' ? val.item() : val._h;
        else if (typeof val === 'number') s[name] = val;
        else if (val !== null && val !== undefined)
          throw new TypeError(`${fn}: Expected Tensor or number for state[${k}].${name} but received ${describe(val)}`);
      }
      native.optimizerSetState(id, at[0], at[1], s);
    }
  }

  /** Frees the native optimizer and its state now (otherwise at garbage collection). */
  dispose(): void {
    if (this._id >= 0) {
      registry.unregister(this);
      native.optimizerRelease(this._id);
      this._id = -1;
    }
  }

  /** As PyTorch's repr: the class and each group's options. */
  toString(): string {
    const lines = [`${this._kind} (`];
    this._groups.forEach((g, i) => {
      lines.push(`Parameter Group ${i}`);
      for (const k of this._optionKeys) lines.push(`    ${k}: ${JSON.stringify((g as Record<string, unknown>)[k])}`);
    });
    lines.push(')');
    return lines.join('\n');
  }
}
