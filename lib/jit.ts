/**
 * `torch.jit`: run TorchScript modules saved by Python (`torch.jit.script(m).save(path)` or
 * `torch.jit.trace`) for inference, on LibTorch's interpreter.
 */
import { existsSync } from 'node:fs';
import { native } from './native.js';
import { Tensor, wrap, deviceArg } from './tensor.js';
import { describe } from './dtype.js';
import { checkOptions } from './errors.js';

const registry = new FinalizationRegistry<number>((id) => native.jitRelease(id));

/** What a TorchScript `forward` may return here: tensors, numbers, booleans, null, and arrays of them (tuples/lists). */
export type ScriptValue = Tensor | number | boolean | null | ScriptValue[];

function wrapResult(v: unknown, handles: boolean): ScriptValue {
  // Native returns tensor handles as numbers inside the result; a top-level number is a handle.
  if (Array.isArray(v)) return v.map((x) => wrapResult(x, handles));
  if (typeof v === 'number' && handles) return wrap(v);
  return v as ScriptValue;
}

/** A loaded TorchScript module (`torch.jit.ScriptModule`). Free it with dispose() (or leave it to GC). */
export class ScriptModule {
  private _id: number;
  /** The file it was loaded from. */
  readonly path: string;

  /** @internal use {@link load}. */
  constructor(id: number, path: string) {
    if (!Number.isInteger(id) || typeof path !== 'string') throw new TypeError('ScriptModule: made by jit.load(path), not constructed directly');
    this._id = id;
    this.path = path;
    registry.register(this, id, this);
  }

  private _live(fn: string): number {
    if (this._id < 0) throw new Error(`ScriptModule.${fn}: the module was disposed`);
    return this._id;
  }

  /** Calls the module's `forward` with tensor arguments. */
  forward(...inputs: Tensor[]): ScriptValue {
    const id = this._live('forward');
    const hs = inputs.map((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`ScriptModule.forward: Expected Tensor for inputs[${i}] but received ${describe(t)}`);
      if (t.isDisposed) throw new Error(`ScriptModule.forward: inputs[${i}] is a disposed tensor`);
      return t._h;
    });
    return wrapResult(native.jitForward(id, hs), true);
  }

  /** Same as forward (PyTorch modules are callable). */
  call(...inputs: Tensor[]): ScriptValue {
    return this.forward(...inputs);
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
export function load(path: string, opts: { device?: string } | null = {}): ScriptModule {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`jit.load: Expected a file path string for path but received ${describe(path)}`);
  checkOptions(opts, ['device'], 'jit.load');
  const device = opts?.device === undefined ? undefined : deviceArg(opts?.device);
  if (!existsSync(path)) throw new Error(`jit.load: cannot read '${path}': no such file`);
  let id: number;
  try {
    id = native.jitLoad(path, device);
  } catch (e) {
    throw new Error(`jit.load: cannot load '${path}' as a TorchScript module: ${(e as Error).message.replace(/^jit\.load: /, '').split('\n')[0]}`);
  }
  return new ScriptModule(id, path);
}
