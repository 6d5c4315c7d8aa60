/**
 * nn.Module: PyTorch's module tree. Assigning a Module, a Parameter, or a Tensor to a registered
 * buffer name on a module registers it, in assignment order, as Python's `__setattr__` does.
 *
 * How: the base constructor returns a Proxy whose `defineProperty` trap sees every field write
 * (TS class fields with target ES2022 use define semantics, and `this.x = v` on a proxy ends in
 * [[DefineOwnProperty]] too). So both `fc1 = new nn.Linear(...)` as a class field and
 * `this.fc1 = new nn.Linear(...)` in a constructor register `fc1`.
 *
 * Module paths (used in error messages such as "cnn3.fc: expected input [*, 144], got [50, 128]"):
 * the lowercased class name of the root module, then the attribute names from the root down,
 * following the first parent each module was registered in ("sequential.0", "cnn3.fc"); a module
 * that was never registered is named by its lowercased class name alone ("linear").
 */
import { Tensor, cat, op, wrap, zerosLike } from '../tensor.js';
import { native } from '../native.js';
import { keep, tidy, track, untrack, memory } from '../scope.js';
import { isGradEnabled, noGrad } from '../autograd.js';
import { type DType, describe, dtypeCode, isFloatingDType, normalizeDType } from '../dtype.js';
import { checkOptions, expectBool } from '../errors.js';
import { Parameter } from './parameter.js';
import { shapeStr } from './common.js';

const detachOp = op('aten::detach');
const emptyLikeOp = op('aten::empty_like');

/**
 * `hook(module, input)` run before forward (`register_forward_pre_hook`): `input` holds the
 * positional arguments; a return value other than undefined/null replaces them (a non-array is
 * the single argument), as Python's tuple. Python's None is undefined: write a hook that only
 * records with a block body (`() => { log.push(x); }`), since `() => log.push(x)` returns a number.
 */
// biome-ignore lint/suspicious/noExplicitAny: a hook sees whatever arguments forward takes
export type ForwardPreHook<M extends Module = any> = (module: M, input: unknown[]) => unknown;
/** `hook(module, input, output)` run after forward (`register_forward_hook`): a return value other than undefined/null replaces the output. */
// biome-ignore lint/suspicious/noExplicitAny: a hook sees whatever arguments forward takes
export type ForwardHook<M extends Module = any> = (module: M, input: unknown[], output: unknown) => unknown;

/**
 * `hook(module, gradInput, gradOutput)` of `register_full_backward_hook`: runs once the gradients
 * w.r.t. the module's inputs are computed. `gradInput`/`gradOutput` hold one entry per forward
 * argument / output (null where it is no Tensor or has no gradient); an array returned, of the same
 * length, replaces `gradInput`.
 */
// biome-ignore lint/suspicious/noExplicitAny: a hook sees whatever module it is registered on
export type BackwardHook<M extends Module = any> = (module: M, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => unknown;

let nextHookId = 0;

/** `torch.utils.hooks.RemovableHandle`: returned by the register*Hook methods; remove() unregisters the hook. */
export class RemovableHandle {
  /** The hook's key in its module's hook map (ids grow across all modules, as Python's next_id). */
  readonly id: number;
  readonly #hooks: WeakRef<Map<number, unknown>>;
  constructor(hooks: Map<number, unknown>) {
    if (!(hooks instanceof Map)) throw new TypeError(`RemovableHandle: Expected a Map of hooks for hooks but received ${describe(hooks)}`);
    this.id = nextHookId++;
    this.#hooks = new WeakRef(hooks);
  }
  /** Unregisters the hook (a second call does nothing). */
  remove(): void {
    this.#hooks.deref()?.delete(this.id);
  }
  [Symbol.dispose](): void {
    this.remove();
  }
}

/** Marks the forward wrapper that runs hooks, holding the forward it wraps. */
const WRAPPED = Symbol('torchnode.hookedForward');
type Fn = (...args: unknown[]) => unknown;

/**
 * Passes `ts` through one identity node of the autograd graph, as PyTorch's BackwardHookFunction
 * does, and calls `onGrads` with the gradients w.r.t. all of them at once (its result, unless null,
 * replaces them). One tensor goes through viewAs; several are flattened, concatenated and split
 * again, so that a single tensor hook sees every gradient together (they must share dtype and
 * device for that).
 */
function throughOneNode(ts: Tensor[], onGrads: (grads: Tensor[]) => (Tensor | null)[] | null, what: string): Tensor[] {
  if (ts.length === 1) {
    const t = ts[0];
    const a = t.viewAs(t);
    a.registerHook((g) => {
      const r = onGrads([g]);
      return r === null ? null : (r[0] ?? zerosLike(g));
    });
    return [a];
  }
  const { dtype, device } = ts[0];
  if (ts.some((t) => t.dtype !== dtype || t.device !== device)) {
    throw new Error(
      `registerFullBackwardHook: the module's ${what}s that require grad must share one dtype and device (the backward hook joins them in one autograd node)`,
    );
  }
  const shapes = ts.map((t) => t.shape);
  const sizes = ts.map((t) => t.numel());
  const pieces = (flat: Tensor): Tensor[] => flat.split(sizes).map((p, i) => p.view(shapes[i]));
  const flat = cat(ts.map((t) => t.reshape(-1)));
  flat.registerHook((g) => {
    const gs = pieces(g);
    const r = onGrads(gs);
    return r === null ? null : cat(r.map((x, i) => (x ?? zerosLike(gs[i])).reshape(-1)));
  });
  return pieces(flat);
}

/** torch.utils.hooks.BackwardHook: one forward call's full backward hooks. */
class BackwardHookRun {
  gradOutputs: (Tensor | null)[] | null = null;
  nInputs = 0;
  inputsHooked = false;
  constructor(
    readonly module: Module,
    readonly hooks: BackwardHook[],
  ) {}

  /** Tensor arguments that require grad (indices into `args`), or null when autograd is off for them. */
  private static withGrad(args: unknown[]): number[] | null {
    const idx: number[] = [];
    args.forEach((a, i) => {
      if (a instanceof Tensor && a.requiresGrad) idx.push(i);
    });
    return idx.length > 0 && isGradEnabled() ? idx : null;
  }

  setupInput(args: unknown[]): unknown[] {
    this.nInputs = args.length;
    const idx = BackwardHookRun.withGrad(args);
    if (idx === null) return args;
    this.inputsHooked = true;
    const through = throughOneNode(
      idx.map((i) => args[i] as Tensor),
      (grads) => {
        // Gradient reaching the inputs without passing through the outputs (double backward).
        if (this.gradOutputs === null) return null;
        let res: (Tensor | null)[] = new Array(this.nInputs).fill(null);
        idx.forEach((i, k) => {
          res[i] = grads[k];
        });
        let replaced = false;
        for (const hook of this.hooks) {
          const out = hook(this.module, res, this.gradOutputs);
          if (out === undefined || out === null) continue;
          if (!Array.isArray(out) || out.length !== res.length) {
            const got = Array.isArray(out) ? out.length : describe(out);
            throw new Error(`Backward hook returned an invalid number of grad_input, got ${got}, but expected ${res.length}`);
          }
          res = out as (Tensor | null)[];
          replaced = true;
        }
        this.gradOutputs = null;
        return replaced ? idx.map((i) => res[i]) : null;
      },
      'input',
    );
    const out = [...args];
    idx.forEach((i, k) => {
      out[i] = through[k];
    });
    return out;
  }

  setupOutput(result: unknown): unknown {
    const isTuple = Array.isArray(result);
    const outs: unknown[] = isTuple ? result : [result];
    const idx = BackwardHookRun.withGrad(outs);
    if (idx === null) return result;
    const through = throughOneNode(
      idx.map((i) => outs[i] as Tensor),
      (grads) => {
        const packed: (Tensor | null)[] = new Array(outs.length).fill(null);
        idx.forEach((i, k) => {
          packed[i] = grads[k];
        });
        this.gradOutputs = packed;
        if (!this.inputsHooked) {
          // No input requires grad: PyTorch calls the hooks here, with gradInput all null.
          const gradInputs: (Tensor | null)[] = new Array(this.nInputs).fill(null);
          for (const hook of this.hooks) {
            const r = hook(this.module, gradInputs, packed);
            if (r !== undefined && r !== null && !(Array.isArray(r) && r.every((x) => x === null || x === undefined))) {
              throw new Error('Backward hook for Modules where no input requires gradient should always return None or None for all gradients.');
            }
          }
          this.gradOutputs = null;
        }
        return null;
      },
      'output',
    );
    const res = [...outs];
    idx.forEach((i, k) => {
      res[i] = through[k];
    });
    return isTuple ? res : res[0];
  }
}

/** Python's `_call_impl` around forward: pre-hooks, backward hooks' input side, forward, forward hooks, backward hooks' output side. */
function runWithHooks(m: Module, forward: Fn, args: unknown[]): unknown {
  let input = args;
  for (const hook of [...m._forwardPreHooks.values()]) {
    const r = hook(m, input);
    if (r !== undefined && r !== null) input = Array.isArray(r) ? r : [r];
  }
  const bw = m._backwardHooks.size > 0 ? new BackwardHookRun(m, [...m._backwardHooks.values()]) : null;
  if (bw) input = bw.setupInput(input);
  let result = forward.apply(m, input);
  for (const hook of [...m._forwardHooks.values()]) {
    const r = hook(m, input, result);
    if (r !== undefined && r !== null) result = r;
  }
  if (bw) result = bw.setupOutput(result);
  return result;
}
const DEVICE_RE = /^(cpu|cuda|meta|mps)(:\d+)?$/;

/** The result of loadStateDict, as PyTorch's `_IncompatibleKeys`. */
export interface IncompatibleKeys {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A state dict: parameter and buffer names to tensors (a Map keeps PyTorch's order). */
export type StateDict = Map<string, Tensor>;

interface ParentLink {
  parent: Module;
  name: string;
}

function hiddenField(obj: object, name: string, value: unknown): void {
  Object.defineProperty(obj, name, { value, writable: true, enumerable: false, configurable: true });
}

/** Python's `type(x)` as our messages name it. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}

/** Registers/unregisters on field writes: the core of Python's Module.__setattr__. */
function onAssign(target: Module, name: string, value: unknown): void {
  const params = target._parameters;
  const buffers = target._buffers;
  const modules = target._modules;
  if (value instanceof Parameter) {
    buffers.delete(name);
    target._nonPersistentBuffers.delete(name);
    modules.delete(name);
    params.set(name, value);
  } else if (params.has(name)) {
    if (value !== null) {
      throw new TypeError(`cannot assign '${typeName(value)}' as parameter '${name}' (nn.Parameter or null expected)`);
    }
    params.set(name, null);
  } else if (value instanceof Module) {
    params.delete(name);
    buffers.delete(name);
    target._nonPersistentBuffers.delete(name);
    modules.set(name, value);
    if (value._parentLink === null && value !== target._self) value._parentLink = { parent: target._self, name };
  } else if (modules.has(name)) {
    if (value !== null) {
      throw new TypeError(`cannot assign '${typeName(value)}' as child module '${name}' (nn.Module or null expected)`);
    }
    modules.set(name, null);
  } else if (buffers.has(name)) {
    if (value !== null && !(value instanceof Tensor)) {
      throw new TypeError(`cannot assign '${typeName(value)}' as buffer '${name}' (Tensor or null expected)`);
    }
    if (value) keep(value);
    buffers.set(name, value);
  }
}

const handler: ProxyHandler<Module> = {
  defineProperty(target, prop, desc) {
    if (typeof prop === 'string' && 'value' in desc && !target._internal.has(prop)) onAssign(target, prop, desc.value);
    return Reflect.defineProperty(target, prop, desc);
  },
  deleteProperty(target, prop) {
    if (typeof prop === 'string') {
      target._parameters.delete(prop);
      target._buffers.delete(prop);
      target._nonPersistentBuffers.delete(prop);
      target._modules.delete(prop);
    }
    return Reflect.deleteProperty(target, prop);
  },
};

function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const first = lines.shift() as string;
  return first + '\n' + lines.map((l) => ' '.repeat(n) + l).join('\n');
}

function checkName(name: unknown, kind: string, self: Module, existing: Map<string, unknown>): string {
  // PyTorch's sentences, after the method's name (registerParameter, registerBuffer, registerModule).
  const fn = `register${kind[0].toUpperCase()}${kind.slice(1)}`;
  if (typeof name !== 'string') throw new TypeError(`${fn}: ${kind} name should be a string. Got ${describe(name)}`);
  if (name.includes('.')) throw new Error(`${fn}: ${kind} name can't contain "." (got '${name}')`);
  if (name === '') throw new Error(`${fn}: ${kind} name can't be empty string ""`);
  // A TS field declared without initializer exists as undefined: that is not a conflict.
  if (name in self && !existing.has(name) && (self as unknown as Record<string, unknown>)[name] !== undefined) {
    throw new Error(`${fn}: attribute '${name}' already exists`);
  }
  return name;
}

/**
 * Moves `t` onto a converted copy in place: the JS object (and so every reference to it, e.g. a
 * model's attribute) stays the same while its LibTorch tensor is replaced. LibTorch's
 * `set_` cannot change a dtype, so the handle is swapped. A native optimizer built earlier keeps
 * the old tensor: call `.to()` before building the optimizer, as PyTorch's docs advise.
 */
function swapData(t: Tensor, converted: Tensor): void {
  if (native.isSameTensor(t._h, converted._h)) {
    converted.dispose();
    return;
  }
  const requiresGrad = t.requiresGrad;
  const g = t.grad;
  const old = t._h;
  untrack(t);
  const nh = detachOp(converted._h) as number;
  converted.dispose();
  native.release(old);
  t._h = nh;
  // Outside any scope the tensor needs its finalizer back; inside one, the scope that created
  // it (if any) registers it when it ends (kept tensors survive), so re-tracking could double it.
  if (memory().scopeDepth === 0) track(t);
  if (requiresGrad) t.requiresGrad_(true);
  if (g) {
    const g2 = g.to(t.dtype).to(t.device);
    t.grad = g2;
    g2.dispose();
    g.dispose();
  }
}

/** Base class of all neural-network modules, as `torch.nn.Module`. */
export class Module {
  /** Training mode (train()/eval()); layers such as Dropout and BatchNorm read it. */
  training = true;
  /** @internal */ declare readonly _parameters: Map<string, Parameter | null>;
  /** @internal */ declare readonly _buffers: Map<string, Tensor | null>;
  /** @internal */ declare readonly _nonPersistentBuffers: Set<string>;
  /** @internal */ declare readonly _modules: Map<string, Module | null>;
  /** @internal the proxy (what users hold). */ declare readonly _self: Module;
  /** @internal */ declare _parentLink: ParentLink | null;
  /** @internal names never registered. */ declare readonly _internal: Set<string>;
  /** @internal `_forward_pre_hooks`: handle id to hook, in registration order. */ declare readonly _forwardPreHooks: Map<number, ForwardPreHook>;
  /** @internal `_forward_hooks`. */ declare readonly _forwardHooks: Map<number, ForwardHook>;
  /** @internal `_backward_hooks` (full backward hooks). */ declare readonly _backwardHooks: Map<number, BackwardHook>;

  constructor() {
    // biome-ignore lint/correctness/noConstructorReturn: the Proxy registers assigned submodules and parameters, as PyTorch's __setattr__
    return initModule(this);
  }

  /** The computation; subclasses override it. */
  // biome-ignore lint/suspicious/noExplicitAny: forward's signature is each subclass's own, as in PyTorch
  forward(..._inputs: any[]): any {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /** Calls forward (Python's `module(x)`). */
  call(...inputs: Parameters<this['forward']>): ReturnType<this['forward']> {
    return this.forward(...inputs);
  }

  /** The path used in error messages: see the file comment ("cnn3.fc"). */
  get modulePath(): string {
    const names: string[] = [];
    const seen = new Set<Module>();
    let m: Module = this;
    while (m._parentLink !== null && !seen.has(m)) {
      seen.add(m);
      names.unshift(m._parentLink.name);
      m = m._parentLink.parent;
    }
    return [m.constructor.name.toLowerCase(), ...names].join('.');
  }

  // ---- registration ----

  /** `register_parameter(name, param)`: adds a parameter (or null) under `name`. */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(name, 'parameter', this, this._parameters);
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`registerParameter: cannot assign '${typeName(param)}' object to parameter '${name}' (nn.Parameter or null required)`);
    }
    (this as unknown as Record<string, unknown>)[name] = param;
    this._parameters.set(name, param);
  }

  /**
   * `register_buffer(name, tensor, persistent=True)`: state that is not a parameter (running
   * statistics); persistent buffers are part of stateDict(). The tensor is keep()-ed.
   */
  registerBuffer(name: string, tensor: Tensor | null, opts: { persistent?: boolean } | null = {}): void {
    checkName(name, 'buffer', this, this._buffers);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new TypeError(`registerBuffer: cannot assign '${typeName(tensor)}' object to buffer '${name}' (Tensor or null required)`);
    }
    const persistent = opts?.persistent ?? true;
    if (typeof persistent !== 'boolean') throw new TypeError(`registerBuffer: expected boolean for persistent but received ${describe(persistent)}`);
    if (tensor) keep(tensor);
    this._buffers.set(name, tensor);
    if (persistent) this._nonPersistentBuffers.delete(name);
    else this._nonPersistentBuffers.add(name);
    (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  /** `add_module` / `register_module(name, module)`. */
  registerModule(name: string, module: Module | null): void {
    checkName(name, 'module', this, this._modules);
    if (module !== null && !(module instanceof Module)) {
      throw new TypeError(`registerModule: ${typeName(module)} is not a Module subclass`);
    }
    this._modules.set(name, module);
    (this as unknown as Record<string, unknown>)[name] = module;
  }
  /** Alias of registerModule (Python's add_module). */
  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module);
  }

  /** `get_parameter("a.b.weight")`: the parameter at a dotted path. */
  getParameter(target: string): Parameter {
    if (typeof target !== 'string') throw new TypeError(`getParameter: Expected a dotted path string for target but received ${describe(target)}`);
    const i = target.lastIndexOf('.');
    const mod = this.getSubmodule(i < 0 ? '' : target.slice(0, i));
    const name = target.slice(i + 1);
    if (!(name in mod)) throw new Error(`getParameter: ${mod.constructor.name} has no attribute \`${name}\``);
    const p = (mod as unknown as Record<string, unknown>)[name];
    if (!(p instanceof Parameter)) throw new Error(`getParameter: \`${name}\` is not an nn.Parameter`);
    return p;
  }
  /** `get_buffer("bn.running_mean")`: the buffer at a dotted path. */
  getBuffer(target: string): Tensor {
    if (typeof target !== 'string') throw new TypeError(`getBuffer: Expected a dotted path string for target but received ${describe(target)}`);
    const i = target.lastIndexOf('.');
    const mod = this.getSubmodule(i < 0 ? '' : target.slice(0, i));
    const name = target.slice(i + 1);
    if (!(name in mod)) throw new Error(`getBuffer: ${mod.constructor.name} has no attribute \`${name}\``);
    const b = mod._buffers.get(name);
    if (!(b instanceof Tensor)) throw new Error(`getBuffer: \`${name}\` is not a buffer`);
    return b;
  }

  /** `get_submodule("a.b")`. */
  getSubmodule(target: string): Module {
    if (typeof target !== 'string') throw new TypeError(`getSubmodule: Expected a dotted path string for target but received ${describe(target)}`);
    if (target === '') return this;
    let m: Module = this;
    for (const item of target.split('.')) {
      const next = m._modules.get(item);
      if (!next) throw new Error(`getSubmodule: ${m.constructor.name} has no attribute \`${item}\``);
      m = next;
    }
    return m;
  }

  // ---- iteration ----

  /** `named_modules()`: [path, module] for this module and all descendants, pre-order. */
  namedModules(opts: { prefix?: string; removeDuplicate?: boolean } | null = {}): [string, Module][] {
    checkOptions(opts, ['prefix', 'removeDuplicate'], 'namedModules');
    const out: [string, Module][] = [];
    const memo = new Set<Module>();
    const removeDuplicate = expectBool(opts?.removeDuplicate ?? true, 'namedModules: removeDuplicate');
    if (typeof (opts?.prefix ?? '') !== 'string') throw new TypeError(`namedModules: Expected string for prefix but received ${describe(opts?.prefix)}`);
    const visit = (m: Module, p: string): void => {
      if (removeDuplicate) {
        if (memo.has(m)) return;
        memo.add(m);
      }
      out.push([p, m]);
      for (const [n, c] of m._modules) if (c) visit(c, p ? `${p}.${n}` : n);
    };
    visit(this, opts?.prefix ?? '');
    return out;
  }
  /** `modules()`: this module and all descendants. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }
  /** `named_children()`: direct children. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const memo = new Set<Module>();
    for (const [n, m] of this._modules) {
      if (m && !memo.has(m)) {
        memo.add(m);
        out.push([n, m]);
      }
    }
    return out;
  }
  /** `children()`. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  private _namedMembers<T>(get: (m: Module) => Iterable<[string, T | null]>, opts: NamedMembersOptions | null, fn: string): [string, T][] {
    checkOptions(opts, ['prefix', 'recurse', 'removeDuplicate'], fn);
    const prefix = opts?.prefix ?? '';
    if (typeof prefix !== 'string') throw new TypeError(`${fn}: Expected string for prefix but received ${describe(prefix)}`);
    const recurse = expectBool(opts?.recurse ?? true, `${fn}: recurse`);
    const removeDuplicate = expectBool(opts?.removeDuplicate ?? true, `${fn}: removeDuplicate`);
    const out: [string, T][] = [];
    const memo = new Set<T>();
    const mods: [string, Module][] = recurse ? this.namedModules({ prefix, removeDuplicate }) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, v] of get(m)) {
        if (v === null || memo.has(v)) continue;
        if (removeDuplicate) memo.add(v);
        out.push([mp ? `${mp}.${k}` : k, v]);
      }
    }
    return out;
  }
  /**
   * `named_parameters(prefix='', recurse=True, remove_duplicate=True)`: ["fc1.weight", p], ...
   * (a shared parameter once, unless removeDuplicate is false: PyTorch 2.x's option).
   */
  namedParameters(opts: NamedMembersOptions | null = {}): [string, Parameter][] {
    return this._namedMembers((m) => m._parameters, opts, 'namedParameters');
  }
  /** `parameters()`: the Parameter objects themselves (pass them to an optimizer). */
  parameters(opts: { recurse?: boolean } | null = {}): Parameter[] {
    checkOptions(opts, ['recurse'], 'parameters');
    return this.namedParameters(opts).map(([, p]) => p);
  }
  /** `named_buffers(prefix='', recurse=True, remove_duplicate=True)`: non-persistent buffers included. */
  namedBuffers(opts: NamedMembersOptions | null = {}): [string, Tensor][] {
    return this._namedMembers((m) => m._buffers, opts, 'namedBuffers');
  }
  /** `buffers()`. */
  buffers(opts: { recurse?: boolean } | null = {}): Tensor[] {
    return this.namedBuffers(opts).map(([, b]) => b);
  }

  // ---- modes and conversion ----

  /** `train(mode=True)`: sets training mode here and in every descendant; returns this. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`train: training mode is expected to be boolean but received ${describe(mode)}`);
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }
  /** `eval()` = train(false). */
  eval(): this {
    return this.train(false);
  }
  /** `requires_grad_(requires_grad=True)`: sets requiresGrad on every parameter (freezing with false). */
  requiresGrad_(requiresGrad = true): this {
    expectBool(requiresGrad, 'requiresGrad_: requiresGrad');
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** `apply(fn)`: fn on every descendant, children first, then this (for custom init). */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function') throw new TypeError(`apply: expected a function but received ${describe(fn)}`);
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /**
   * `to(device)`, `to(dtype)`, `to(device, dtype)` or `to(tensor)`: converts parameters and
   * buffers in place (floating-point ones only for a dtype, as PyTorch). The Parameter objects stay the same; build optimizers after
   * calling `to()`, as PyTorch advises.
   */
  to(target: DType | string | Tensor, dtype?: DType): this {
    if (target instanceof Tensor) {
      // `to(tensor)`: the tensor's device and dtype.
      if (dtype !== undefined) throw new TypeError('to: a Tensor gives both device and dtype; no dtype argument is expected after it');
      return this.to(target.device).to(target.dtype);
    }
    if (dtype !== undefined) {
      // `to(device, dtype)`.
      if (typeof target !== 'string' || !DEVICE_RE.test(target)) {
        throw new TypeError(`to: Expected a device like 'cpu' or 'cuda:0' before the dtype but received ${describe(target)}`);
      }
      return this.to(target).to(dtype);
    }
    let conv: (t: Tensor) => Tensor | null;
    if (typeof target === 'string' && DEVICE_RE.test(target)) {
      conv = (t) => t.to(target);
    } else if (typeof target === 'string' && isDTypeName(target)) {
      const dt = normalizeDType(target, 'to: dtype');
      if (!isFloatingDType(dt)) {
        throw new TypeError(`nn.Module.to only accepts floating point dtypes, but got desired dtype=${target}`);
      }
      conv = (t) => (t.isFloatingPoint() ? t.to(dt) : null);
    } else {
      throw new TypeError(`to: expected a device like 'cpu' or 'cuda:0' or a floating-point dtype but received ${describe(target)}`);
    }
    noGrad(() => {
      for (const m of this.modules()) {
        for (const t of [...m._parameters.values(), ...m._buffers.values()]) {
          if (!t) continue;
          const c = conv(t);
          if (c) swapData(t, c);
        }
      }
    });
    return this;
  }
  /** to('float32'). */
  float(): this {
    return this.to('float32');
  }
  /** to('float64'). */
  double(): this {
    return this.to('float64');
  }
  /** to('float16'). */
  half(): this {
    return this.to('float16');
  }
  /** to('bfloat16'). */
  bfloat16(): this {
    return this.to('bfloat16');
  }
  /**
   * `type(dst_type)`: casts every parameter and buffer to dstType, integer ones included (unlike
   * to(dtype), which converts floating-point ones only).
   */
  type(dstType: DType): this {
    const dt = normalizeDType(dstType, 'type: dstType');
    this._applyToTensors((t) => t.to(dt));
    return this;
  }
  /** `to_empty(*, device)`: moves parameters and buffers to device without copying their values (uninitialised storage). */
  toEmpty(opts: { device: string }): this {
    checkOptions(opts, ['device'], 'toEmpty');
    const device = opts?.device;
    if (typeof device !== 'string' || !DEVICE_RE.test(device)) {
      throw new TypeError(`toEmpty: Expected a device like 'cpu' or 'cuda:0' for device but received ${describe(device)}`);
    }
    this._applyToTensors((t) => wrap(emptyLikeOp(t._h, null, null, device)));
    return this;
  }
  /** PyTorch's `_apply`: converts every parameter and buffer in place (see swapData). */
  private _applyToTensors(conv: (t: Tensor) => Tensor | null): void {
    noGrad(() => {
      for (const m of this.modules()) {
        for (const t of [...m._parameters.values(), ...m._buffers.values()]) {
          if (!t) continue;
          const c = conv(t);
          if (c) swapData(t, c);
        }
      }
    });
  }
  /** to('cpu'). */
  cpu(): this {
    return this.to('cpu');
  }
  /** to('cuda:N'). */
  cuda(device = 0): this {
    return this.to(`cuda:${device}`);
  }

  /**
   * `zero_grad(set_to_none=True)`: clears every parameter's gradient. `setToNone` defaults to
   * true, PyTorch 2.x's default and the one of torchnode's optimizers (1.13's is False): grads
   * become null; false zeroes them in place (detached first, as PyTorch). A bare boolean is
   * accepted as setToNone.
   */
  zeroGrad(opts: { setToNone?: boolean } | boolean | null = {}): void {
    let setToNone: boolean;
    if (typeof opts === 'boolean') setToNone = opts;
    else {
      checkOptions(opts, ['setToNone'], 'zeroGrad');
      setToNone = expectBool(opts?.setToNone ?? true, 'zeroGrad: setToNone');
    }
    noGrad(() => {
      for (const p of this.parameters()) {
        const g = p.grad;
        if (!g) continue;
        if (setToNone) p.grad = null;
        else {
          if (g.gradFn !== null) g.detach_();
          else g.requiresGrad_(false);
          g.zero_();
        }
        g.dispose();
      }
    });
  }

  // ---- hooks ----

  /** Registers a hook of any kind in its map, behind a handle, and makes forward run the hooks. */
  private _addHook(fn: string, hooks: Map<number, unknown>, hook: unknown): RemovableHandle {
    if (typeof hook !== 'function') throw new TypeError(`${fn}: Expected a function for hook but received ${describe(hook)}`);
    const handle = new RemovableHandle(hooks);
    hooks.set(handle.id, hook);
    this._hookForward();
    return handle;
  }
  /** Makes forward run the hooks (also when containers call forward directly, as torchnode's do). */
  private _hookForward(): void {
    const current = this.forward as Fn & { [WRAPPED]?: Fn };
    if (current[WRAPPED]) return;
    const wrapped = function (this: Module, ...args: unknown[]): unknown {
      return runWithHooks(this, current, args);
    };
    Object.defineProperty(wrapped, WRAPPED, { value: current });
    Object.defineProperty(this, 'forward', { value: wrapped, writable: true, enumerable: false, configurable: true });
  }
  /**
   * `register_forward_pre_hook(hook)`: hook(module, input) runs before every forward; its return
   * value, unless undefined or null, replaces the input (an array is the argument list).
   */
  registerForwardPreHook(hook: ForwardPreHook<this>): RemovableHandle {
    return this._addHook('registerForwardPreHook', this._forwardPreHooks, hook);
  }
  /**
   * `register_forward_hook(hook)`: hook(module, input, output) runs after every forward; its
   * return value, unless undefined or null, replaces the output.
   */
  registerForwardHook(hook: ForwardHook<this>): RemovableHandle {
    return this._addHook('registerForwardHook', this._forwardHooks, hook);
  }
  /**
   * `register_full_backward_hook(hook)`: hook(module, gradInput, gradOutput) runs once the
   * gradients w.r.t. the module's inputs are computed in a backward pass; an array it returns
   * replaces gradInput. Built as PyTorch's BackwardHook: the tensor inputs and outputs pass
   * through an identity node whose tensor hooks (Tensor.registerHook) collect the gradients.
   * Differences: several tensor inputs (or outputs) that require grad must share dtype and device;
   * an output that gets no gradient is seen as zeros, not null; in-place changes of the hooked
   * inputs inside forward fail as in PyTorch (they are views).
   */
  registerFullBackwardHook(hook: BackwardHook<this>): RemovableHandle {
    return this._addHook('registerFullBackwardHook', this._backwardHooks, hook);
  }
  /**
   * `register_backward_hook(hook)` (deprecated in PyTorch): here the same as
   * registerFullBackwardHook. PyTorch's old form saw the gradients of the module's last autograd
   * node only (often wrong); this one gives the gradients w.r.t. the module's inputs.
   */
  registerBackwardHook(hook: BackwardHook<this>): RemovableHandle {
    return this._addHook('registerBackwardHook', this._backwardHooks, hook);
  }

  // ---- copying ----

  /**
   * Python's `copy.deepcopy(module)`: a new module tree with cloned parameters (same requiresGrad,
   * no grad, as Parameter.__deepcopy__) and buffers, every other attribute deep-copied, sharing
   * preserved (a tensor or module reachable twice is copied once) and the hooks copied (the same
   * functions). As PyTorch, a tensor attribute that is not a graph leaf cannot be copied (a
   * weight-normed module's computed weight).
   */
  deepcopy(): this {
    return deepCopyValue(this, new Map()) as this;
  }

  // ---- state ----

  /**
   * `state_dict()`: a Map in PyTorch's order (each module's parameters, then its persistent
   * buffers, then its children's, recursively). Values are detached tensors sharing storage.
   */
  stateDict(opts: { prefix?: string; keepVars?: boolean } | null = {}): StateDict {
    const out: StateDict = new Map();
    const keepVars = opts?.keepVars ?? false;
    const visit = (m: Module, prefix: string): void => {
      for (const [k, p] of m._parameters) if (p) out.set(prefix + k, keepVars ? p : p.detach());
      for (const [k, b] of m._buffers) {
        if (b && !m._nonPersistentBuffers.has(k)) out.set(prefix + k, keepVars ? b : b.detach());
      }
      for (const [k, c] of m._modules) if (c) visit(c, `${prefix}${k}.`);
    };
    visit(this, opts?.prefix ?? '');
    return out;
  }

  /**
   * `load_state_dict(sd, strict=True)`: copies values in place. With strict, missing or
   * unexpected keys are errors; shape mismatches always are. Errors read like PyTorch's.
   */
  loadStateDict(stateDict: StateDict | Record<string, Tensor>, opts: { strict?: boolean } | null = {}): IncompatibleKeys {
    const strict = opts?.strict ?? true;
    let entries: [string, unknown][];
    if (stateDict instanceof Map) entries = [...stateDict.entries()];
    else if (stateDict !== null && typeof stateDict === 'object' && !Array.isArray(stateDict)) entries = Object.entries(stateDict);
    else throw new TypeError(`loadStateDict: Expected state_dict to be a Map or a plain object, got ${describe(stateDict)}.`);
    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const errors: string[] = [];
    const load = (m: Module, local: [string, unknown][], prefix: string): void => {
      const sd = new Map(local);
      const localState = new Map<string, Tensor>();
      for (const [k, p] of m._parameters) if (p) localState.set(k, p);
      for (const [k, b] of m._buffers) if (b && !m._nonPersistentBuffers.has(k)) localState.set(k, b);
      for (const [name, param] of localState) {
        const key = prefix + name;
        if (sd.has(key)) {
          const input = sd.get(key);
          if (!(input instanceof Tensor) || input.isDisposed) {
            errors.push(`While copying the parameter named "${key}", expected Tensor from checkpoint but received ${describe(input)}`);
            continue;
          }
          if (shapeStr(input.shape) !== shapeStr(param.shape)) {
            errors.push(
              `size mismatch for ${key}: copying a param with shape ${shapeStr(input.shape)} from checkpoint, the shape in current model is ${shapeStr(param.shape)}.`,
            );
            continue;
          }
          try {
            noGrad(() => param.copy_(input));
          } catch (e) {
            errors.push(
              `While copying the parameter named "${key}", whose dimensions in the model are ${shapeStr(param.shape)} and whose dimensions in the checkpoint are ${shapeStr(input.shape)}, an exception occurred : ${(e as Error).message}.`,
            );
          }
        } else {
          missingKeys.push(key);
        }
      }
      // Collected whatever `strict` says (Python's load passes strict=True to _load_from_state_dict):
      // strict only decides whether they are an error.
      for (const [key] of local) {
        if (!key.startsWith(prefix)) continue;
        const inputName = key.slice(prefix.length).split('.')[0];
        if (!m._modules.has(inputName) && !localState.has(inputName)) unexpectedKeys.push(key);
      }
      for (const [n, c] of m._modules) {
        if (!c) continue;
        const cp = `${prefix}${n}.`;
        load(
          c,
          local.filter(([k]) => k.startsWith(cp)),
          cp,
        );
      }
    };
    load(this, entries, '');
    if (strict) {
      if (unexpectedKeys.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
      if (missingKeys.length > 0) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
    }
    if (errors.length > 0) {
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Frees every parameter and buffer now (the module is unusable afterwards). */
  dispose(): void {
    for (const m of this.modules()) {
      for (const p of m._parameters.values()) p?.dispose();
      for (const b of m._buffers.values()) b?.dispose();
    }
  }

  // ---- printing ----

  /** The module-specific part of the repr (PyTorch's `extra_repr`). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's module repr, line for line. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines: string[] = [];
    for (const [k, m] of this._modules) childLines.push(`(${k}): ${addIndent(m === null ? 'None' : m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this.constructor.name}(`;
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += '\n  ' + lines.join('\n  ') + '\n';
    }
    return s + ')';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Options of namedParameters/namedBuffers. */
export interface NamedMembersOptions {
  prefix?: string;
  recurse?: boolean;
  removeDuplicate?: boolean;
}

/** The constructor's work: hidden state, then the Proxy that registers assignments. */
function initModule(raw: Module): Module {
  hiddenField(raw, '_parameters', new Map());
  hiddenField(raw, '_buffers', new Map());
  hiddenField(raw, '_nonPersistentBuffers', new Set());
  hiddenField(raw, '_modules', new Map());
  hiddenField(raw, '_parentLink', null);
  hiddenField(raw, '_internal', new Set(['training', '_parentLink']));
  hiddenField(raw, '_forwardPreHooks', new Map());
  hiddenField(raw, '_forwardHooks', new Map());
  hiddenField(raw, '_backwardHooks', new Map());
  const proxy = new Proxy(raw, handler);
  hiddenField(raw, '_self', proxy);
  return proxy;
}

const MODULE_STATE = new Set([
  '_parameters',
  '_buffers',
  '_nonPersistentBuffers',
  '_modules',
  '_parentLink',
  '_internal',
  '_forwardPreHooks',
  '_forwardHooks',
  '_backwardHooks',
  '_self',
]);

/** Tensor.__deepcopy__ (graph leaves only; grad copied) and Parameter.__deepcopy__ (no grad). */
function deepCopyTensor(t: Tensor, memo: Map<unknown, unknown>): Tensor {
  if (t.isDisposed) throw new Error('deepcopy: cannot copy a disposed Tensor');
  if (!t.isLeaf) throw new Error('deepcopy: Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment');
  return noGrad(() => {
    const data = tidy(() => t.detach().clone());
    if (t instanceof Parameter) {
      const p = new Parameter(data, t.requiresGrad);
      data.dispose();
      memo.set(t, p);
      return p;
    }
    keep(data);
    if (t.requiresGrad) data.requiresGrad_(true);
    memo.set(t, data);
    const g = t.grad;
    if (g) {
      data.grad = deepCopyTensor(g, memo);
      g.dispose();
    }
    return data;
  });
}

function deepCopyModule(m: Module, memo: Map<unknown, unknown>): Module {
  const raw = Object.create(Object.getPrototypeOf(m)) as Module;
  const copy = initModule(raw);
  memo.set(m, copy);
  for (const n of m._internal) raw._internal.add(n);
  for (const [k, hook] of m._forwardPreHooks) raw._forwardPreHooks.set(k, hook);
  for (const [k, hook] of m._forwardHooks) raw._forwardHooks.set(k, hook);
  for (const [k, hook] of m._backwardHooks) raw._backwardHooks.set(k, hook);
  for (const n of m._nonPersistentBuffers) raw._nonPersistentBuffers.add(n);
  for (const [k, p] of m._parameters) raw._parameters.set(k, p === null ? null : (deepCopyValue(p, memo) as Parameter));
  for (const [k, b] of m._buffers) raw._buffers.set(k, b === null ? null : (deepCopyValue(b, memo) as Tensor));
  for (const [k, c] of m._modules) {
    const cc = c === null ? null : (deepCopyValue(c, memo) as Module);
    raw._modules.set(k, cc);
    if (cc && cc._parentLink === null) cc._parentLink = { parent: copy, name: k };
  }
  // Every other own property (fields, the hooks' forward wrapper), in the same order, without
  // going through the Proxy: the maps above already hold the registrations.
  for (const key of Reflect.ownKeys(m)) {
    if (typeof key === 'string' && MODULE_STATE.has(key)) continue;
    const desc = Object.getOwnPropertyDescriptor(m, key) as PropertyDescriptor;
    if ('value' in desc) desc.value = deepCopyValue(desc.value, memo);
    Object.defineProperty(raw, key, desc);
  }
  return copy;
}

/** Python's copy.deepcopy over the values a module holds. @internal */
function deepCopyValue(v: unknown, memo: Map<unknown, unknown>): unknown {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
  if (typeof v === 'function') return v; // as Python: functions are copied by reference
  if (memo.has(v)) return memo.get(v);
  if (v instanceof Module) return deepCopyModule(v, memo);
  if (v instanceof Tensor) return deepCopyTensor(v, memo);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    memo.set(v, out);
    for (const x of v) out.push(deepCopyValue(x, memo));
    return out;
  }
  if (v instanceof Map) {
    const out = new Map();
    memo.set(v, out);
    for (const [k, x] of v) out.set(deepCopyValue(k, memo), deepCopyValue(x, memo));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    memo.set(v, out);
    for (const x of v) out.add(deepCopyValue(x, memo));
    return out;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const out = (v as unknown as { slice(): unknown }).slice();
    memo.set(v, out);
    return out;
  }
  if (v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef || v instanceof Promise) return v;
  // Any other object: same prototype, own properties copied deeply (Python's __reduce_ex__ default).
  const out = Object.create(Object.getPrototypeOf(v)) as object;
  memo.set(v, out);
  for (const key of Reflect.ownKeys(v)) {
    const desc = Object.getOwnPropertyDescriptor(v, key) as PropertyDescriptor;
    if ('value' in desc) desc.value = deepCopyValue(desc.value, memo);
    Object.defineProperty(out, key, desc);
  }
  return out;
}

function isDTypeName(d: string): boolean {
  try {
    dtypeCode(d);
    return true;
  } catch {
    return false;
  }
}
