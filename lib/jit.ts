/**
 * `torch.jit`: run TorchScript modules saved by Python (`torch.jit.script(m).save(path)` or
 * `torch.jit.trace`) for inference, on LibTorch's interpreter.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { native, type TraceTree } from './native.js';
import { Tensor, wrap, deviceArg } from './tensor.js';
import { tidy } from './scope.js';
import { describe } from './dtype.js';
import { checkOptions } from './errors.js';

const registry = new FinalizationRegistry<number>((id) => native.jitRelease(id));

/**
 * A TorchScript value as JS holds it: Tensor, number (int or float), boolean, string, null
 * (None), arrays (List and Tuple) and Maps (Dict), nested. Going in, the method's schema decides:
 * 2 is an int where it takes `int` and 2.0 where `float`; a plain object is a Dict[str, T].
 */
export type ScriptValue = Tensor | number | boolean | string | null | ScriptValue[] | Map<string | number | boolean, ScriptValue>;

function encodeArg(v: unknown, what: string, depth: number): unknown {
  if (depth > 64) throw new RangeError(`${what} is nested too deeply`);
  if (v instanceof Tensor) {
    if (v.isDisposed) throw new Error(`${what} is a disposed tensor`);
    return { h: v._h };
  }
  if (v === undefined) return null;
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x, i) => encodeArg(x, `${what}[${i}]`, depth + 1));
  if (v instanceof Map) return { d: [...v].map(([k, x]) => [encodeArg(k, `${what} key`, depth + 1), encodeArg(x, `${what}.get(${String(k)})`, depth + 1)]) };
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return { d: Object.entries(v).map(([k, x]) => [k, encodeArg(x, `${what}.${k}`, depth + 1)]) };
  throw new TypeError(`${what}: Expected a Tensor, number, boolean, string, null, array, Map or plain object but received ${describe(v)}`);
}

function decodeResult(v: unknown): ScriptValue {
  if (Array.isArray(v)) return v.map(decodeResult);
  if (v !== null && typeof v === 'object') {
    const o = v as { h?: number; d?: [unknown, unknown][] };
    if (o.h !== undefined) return wrap(o.h);
    return new Map(o.d!.map(([k, x]) => [decodeResult(k) as string, decodeResult(x)]));
  }
  return v as ScriptValue;
}

/** A loaded TorchScript module (`torch.jit.ScriptModule`). Free it with dispose() (or leave it to GC). */
export class ScriptModule {
  private _id: number;
  /** The file it was loaded from ('' for a module made by {@link trace} or loaded from bytes). */
  readonly path: string;

  /** @internal use {@link load} or {@link trace}. */
  constructor(id: number, path: string) {
    if (!Number.isInteger(id) || typeof path !== 'string') throw new TypeError('ScriptModule: made by jit.load(path) or jit.trace(), not constructed directly');
    this._id = id;
    this.path = path;
    registry.register(this, id, this);
  }

  private _live(fn: string): number {
    if (this._id < 0) throw new Error(`ScriptModule.${fn}: the module was disposed`);
    return this._id;
  }

  /** Calls the module's `forward` (arguments and result as {@link ScriptValue}). */
  forward(...args: unknown[]): ScriptValue {
    return this._call('forward', 'forward', args);
  }

  /** Same as forward (PyTorch modules are callable). */
  call(...args: unknown[]): ScriptValue {
    return this._call('forward', 'call', args);
  }

  /** Calls the module's method `name` (Python's `module.name(...)`; C++'s `run_method`). */
  callMethod(name: string, ...args: unknown[]): ScriptValue {
    if (typeof name !== 'string') throw new TypeError(`ScriptModule.callMethod: Expected a method name string for name but received ${describe(name)}`);
    return this._call(name, 'callMethod', args);
  }

  /** The names of the module's methods (`forward` and those `@torch.jit.export`ed). */
  methodNames(): string[] {
    return native.jitMethods(this._live('methodNames'));
  }

  private _call(method: string, fn: string, args: unknown[]): ScriptValue {
    const id = this._live(fn);
    const encoded = args.map((a, i) => encodeArg(a, `ScriptModule.${fn}: argument ${i}`, 0));
    try {
      return decodeResult(native.jitCall(id, method, encoded));
    } catch (e) {
      throw new Error(`ScriptModule.${fn}: ${(e as Error).message.replace(/^jit\.call: /, '')}`);
    }
  }

  /** Training mode (affects dropout/batch norm inside the module), recursively. Returns this. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`ScriptModule.train: Expected boolean for mode but received ${describe(mode)}`);
    native.jitTrain(this._live('train'), mode);
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Whether the module is in training mode. */
  get training(): boolean {
    return native.jitIsTraining(this._live('training'));
  }

  /**
   * `ScriptModule.save(f)`: writes the module in TorchScript's format, which Python's
   * `torch.jit.load` reads, to a path (atomically replaced) or, with no path, returns the bytes.
   */
  save(f?: string): Buffer | undefined {
    const id = this._live('save');
    if (f !== undefined && (typeof f !== 'string' || f.length === 0))
      throw new TypeError(`ScriptModule.save: Expected a file path string for f but received ${describe(f)}`);
    if (f === undefined) return Buffer.from(native.jitSave(id) as ArrayBuffer);
    const tmp = `${f}.${process.pid}.tmp`;
    try {
      native.jitSave(id, tmp);
      renameSync(tmp, f);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new Error(`ScriptModule.save: cannot write '${f}': ${(e as Error).message.replace(/^jit\.save: /, '').split('\n')[0]}`);
    }
    return undefined;
  }

  /** The module's parameters, recursively, with dotted names (as `named_parameters()`). They share memory with the module. */
  namedParameters(): [string, Tensor][] {
    return native.jitNamed(this._live('namedParameters'), 'parameters').map(([n, h]) => [n, wrap(h)]);
  }

  /** The module's buffers, recursively, with dotted names (as `named_buffers()`). */
  namedBuffers(): [string, Tensor][] {
    return native.jitNamed(this._live('namedBuffers'), 'buffers').map(([n, h]) => [n, wrap(h)]);
  }

  /** The dotted names of the module and its submodules, the module itself first as '' (`named_modules()`). */
  moduleNames(): string[] {
    return native.jitModuleNames(this._live('moduleNames'));
  }

  /** Moves its parameters and buffers to `device` ('cpu', 'cuda', 'cuda:1'), in place. Returns this. */
  to(device: string): this {
    native.jitTo(this._live('to'), deviceArg(device, 'ScriptModule.to: device'));
    return this;
  }

  /** The parameters and persistent buffers by name, as `state_dict()` (a Map in PyTorch's order). */
  stateDict(): Map<string, Tensor> {
    return new Map(native.jitNamed(this._live('stateDict'), 'state').map(([n, h]) => [n, wrap(h)]));
  }

  /** Frees the module now. */
  dispose(): void {
    if (this._id >= 0) {
      registry.unregister(this);
      native.jitRelease(this._id);
      this._id = -1;
    }
  }
}

/**
 * `torch.jit.load(path, map_location)`: loads a TorchScript module; `device` moves its
 * parameters and buffers there (default: where they were saved).
 */
export function load(path: string | Uint8Array, opts: { device?: string } | null = {}): ScriptModule {
  const bytes = path instanceof Uint8Array;
  if (!bytes && (typeof path !== 'string' || path.length === 0))
    throw new TypeError(`jit.load: Expected a file path string or bytes (Buffer, Uint8Array) for path but received ${describe(path)}`);
  checkOptions(opts, ['device'], 'jit.load');
  const device = opts?.device === undefined ? undefined : deviceArg(opts?.device);
  if (bytes) {
    try {
      return new ScriptModule(native.jitLoadBytes(path, device), '');
    } catch (e) {
      throw new Error(
        `jit.load: cannot load <${path.byteLength} bytes> as a TorchScript module: ${(e as Error).message.replace(/^jit\.load: /, '').split('\n')[0]}`,
      );
    }
  }
  if (!existsSync(path)) throw new Error(`jit.load: cannot read '${path}': no such file`);
  let id: number;
  try {
    id = native.jitLoad(path, device);
  } catch (e) {
    throw new Error(`jit.load: cannot load '${path}' as a TorchScript module: ${(e as Error).message.replace(/^jit\.load: /, '').split('\n')[0]}`);
  }
  return new ScriptModule(id, path);
}

/** What jit.trace needs of an nn.Module (structural, so that jit.ts does not import nn). */
export interface TraceableModule {
  call(...inputs: Tensor[]): unknown;
  training: boolean;
  namedChildren(): [string, TraceableModule][];
  namedParameters(opts: { recurse: boolean }): [string, Tensor][];
  namedBuffers(opts: { recurse: boolean }): [string, Tensor][];
}

function treeOf(m: TraceableModule, depth: number): TraceTree {
  if (depth > 64) throw new RangeError('jit.trace: the module tree is nested more than 64 levels deep');
  return {
    type: (m as object).constructor?.name || 'Module',
    training: m.training,
    params: m.namedParameters({ recurse: false }).map(([n, p]) => [n, p._h]),
    buffers: m.namedBuffers({ recurse: false }).map(([n, b]) => [n, b._h]),
    children: m.namedChildren().map(([n, c]) => [n, treeOf(c, depth + 1)]),
  };
}

function handlesOf(v: unknown, depth = 0): unknown {
  if (v instanceof Tensor) {
    if (v.isDisposed) throw new Error('jit.trace: the forward returned a disposed tensor');
    return v._h;
  }
  if (Array.isArray(v) && depth < 16) return v.map((x) => handlesOf(x, depth + 1));
  throw new TypeError(`jit.trace: the forward must return a Tensor or an array of Tensors but returned ${describe(v)}`);
}

/**
 * `torch.jit.trace(module, exampleInputs)`: runs the TS module's forward once on the example
 * inputs under LibTorch's tracer and returns the recorded TorchScript module. Its parameters and
 * buffers are the module's own (shared, with the same dotted names), so `save()` writes a file
 * that Python's `torch.jit.load` runs, giving the same outputs. As in PyTorch, a trace records
 * the operations of this one run: control flow that depends on the data is frozen.
 */
export function trace(module: TraceableModule, exampleInputs: Tensor | Tensor[]): ScriptModule {
  if (module === null || typeof module !== 'object' || typeof module.call !== 'function' || typeof module.namedChildren !== 'function')
    throw new TypeError(`jit.trace: Expected an nn.Module for module but received ${describe(module)}`);
  const inputs = Array.isArray(exampleInputs) ? exampleInputs : [exampleInputs];
  const hs = inputs.map((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`jit.trace: Expected Tensor for exampleInputs[${i}] but received ${describe(t)}`);
    if (t.isDisposed) throw new Error(`jit.trace: exampleInputs[${i}] is a disposed tensor`);
    return t._h;
  });
  const tree = treeOf(module, 0);
  const id = tidy(() =>
    // The tracer's inputs (aliases of the examples that it follows through the ops) and every
    // tensor the forward makes are freed by this scope once the addon holds the graph.
    native.jitTrace(tree, hs, (traced) => handlesOf(module.call(...traced.map((h) => wrap(native.alias(h)))))),
  );
  return new ScriptModule(id, '');
}
