/**
 * How a DataLoader's dataset reaches its worker threads, and batches come back. Worker threads
 * cannot receive class instances, so values are encoded into structured-cloneable records:
 *
 *  - tensors travel as their bytes (the ArrayBuffer is transferred, not copied) with shape and
 *    dtype, and are rebuilt on the other side;
 *  - the built-in datasets and transforms (TensorDataset, Subset, ConcatDataset, CIFAR10/100,
 *    MNIST, FashionMNIST, every transform but Lambda) are cloned as Python's pickle copies an
 *    object for a worker process: the class, by name, and its own fields, encoded in turn;
 *  - any object with a `workerSpec()` method (the route for user datasets) is rebuilt in the
 *    worker by importing `module` and constructing (or calling) its export with `args`.
 *
 * Anything else (functions, Lambda, other class instances) is refused with the path of the
 * offending field, before any thread starts.
 */
import { type Tensor, isTensor, tensor } from '../tensor.js';
import { keep } from '../scope.js';
import { type DType, describe } from '../dtype.js';
import { Dataset, TensorDataset, Subset, ConcatDataset } from './dataset.js';
import * as transforms from './transforms.js';
import * as datasets from './datasets.js';

/** What `dataset.workerSpec()` returns: how a worker thread builds its own copy of the dataset. */
export interface WorkerSpec {
  /** The module to import in the worker: a file URL (`import.meta.url`), an absolute path or a package name. */
  module: string | URL;
  /** The export to use (default `'default'`): a class is constructed with `new`, a function is called (it may return a Promise). */
  exportName?: string;
  /** Its arguments: plain data, tensors, built-in datasets and transforms (encoded as the dataset is). */
  args?: unknown[];
}

/** A value encoded for postMessage. @internal */
export type Encoded = unknown;

const TAG = '__torchnodeWorkerValue';

/** Classes a worker can rebuild by name: the built-in datasets and transforms. */
let registry: Map<string, new (...args: never[]) => object> | null = null;
function builtins(): Map<string, new (...args: never[]) => object> {
  if (registry === null) {
    registry = new Map();
    const candidates: unknown[] = [TensorDataset, Subset, ConcatDataset, ...Object.values(datasets), ...Object.values(transforms)];
    for (const c of candidates) {
      if (typeof c !== 'function' || c === transforms.Lambda) continue;
      const proto = (c as { prototype?: unknown }).prototype;
      if (proto instanceof Dataset || proto instanceof transforms.Transform) registry.set(c.name, c as new (...args: never[]) => object);
    }
  }
  return registry;
}

/** Thrown when a value cannot be sent to worker threads; `path` names the field. */
export class WorkerTransferError extends TypeError {
  /** 'WorkerTransferError'. */
  override name = 'WorkerTransferError';
}

/**
 * Encodes `value` for another thread. Tensor bytes are added to `transfer` (their buffers are
 * fresh copies, so moving them is safe); with `transfer` null it only checks that `value` can be
 * sent, without copying tensors. `fn` and `path` name the value in errors.
 * @internal
 */
export function encodeForWorker(value: unknown, transfer: ArrayBuffer[] | null, fn: string, path: string, seen = new Set<object>()): Encoded {
  if (value === null || value === undefined) return value;
  const t = typeof value;
  if (t === 'number' || t === 'string' || t === 'boolean' || t === 'bigint') return value;
  if (t === 'function') {
    throw new WorkerTransferError(
      `${fn}: ${path} is a function, which cannot be sent to a worker thread; ` +
        'give the dataset a workerSpec() that rebuilds it in the worker (see docs/data.md, "Worker threads"), or use numWorkers: 0',
    );
  }
  if (t !== 'object') throw new WorkerTransferError(`${fn}: ${path} (${describe(value)}) cannot be sent to a worker thread`);
  const obj = value as object;
  if (isTensor(obj)) {
    if (obj.isDisposed) throw new WorkerTransferError(`${fn}: ${path} is a disposed tensor`);
    if (transfer === null) return null; // only checking that the value can be sent
    const data = obj.dataSync();
    const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    transfer.push(owned.buffer as ArrayBuffer);
    return { [TAG]: 'tensor', dtype: obj.dtype, shape: obj.shape, data: owned };
  }
  if (seen.has(obj)) throw new WorkerTransferError(`${fn}: ${path} refers back to an object that contains it; worker data must be a tree`);
  seen.add(obj);
  try {
    if (typeof (obj as { workerSpec?: unknown }).workerSpec === 'function') {
      const spec = (obj as { workerSpec(): WorkerSpec }).workerSpec();
      const what = `${path}.workerSpec()`;
      if (spec === null || typeof spec !== 'object')
        throw new WorkerTransferError(`${fn}: ${what} must return {module, exportName?, args?} but returned ${describe(spec)}`);
      const module = spec.module instanceof URL ? spec.module.href : spec.module;
      if (typeof module !== 'string' || module === '')
        throw new WorkerTransferError(`${fn}: ${what}.module must be a module URL, path or name but is ${describe(spec.module)}`);
      if (spec.exportName !== undefined && typeof spec.exportName !== 'string') {
        throw new WorkerTransferError(`${fn}: ${what}.exportName must be a string but is ${describe(spec.exportName)}`);
      }
      if (spec.args !== undefined && !Array.isArray(spec.args))
        throw new WorkerTransferError(`${fn}: ${what}.args must be an array but is ${describe(spec.args)}`);
      const args = (spec.args ?? []).map((a, i) => encodeForWorker(a, transfer, fn, `${what}.args[${i}]`, seen));
      return { [TAG]: 'spec', module, exportName: spec.exportName ?? 'default', args };
    }
    if (Array.isArray(obj)) return obj.map((v, i) => encodeForWorker(v, transfer, fn, `${path}[${i}]`, seen));
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer || obj instanceof Date || obj instanceof RegExp) return obj;
    const proto = Object.getPrototypeOf(obj);
    if (proto === Object.prototype || proto === null) {
      return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, encodeForWorker(v, transfer, fn, `${path}.${k}`, seen)]));
    }
    const cls = (obj as { constructor?: { name?: string } }).constructor;
    const name = cls?.name ?? '';
    if (builtins().get(name) !== cls) {
      const lambda = obj instanceof transforms.Lambda ? ' (a Lambda holds a function)' : '';
      throw new WorkerTransferError(
        `${fn}: ${path} is a ${name || 'class instance'}${lambda}, which cannot be sent to a worker thread: only tensors, plain data, ` +
          "torchnode's built-in datasets and transforms, and objects with a workerSpec() method can; give it a workerSpec() " +
          '(see docs/data.md, "Worker threads"), or use numWorkers: 0',
      );
    }
    const fields: Record<string, Encoded> = {};
    for (const k of Object.getOwnPropertyNames(obj)) {
      fields[k] = encodeForWorker((obj as Record<string, unknown>)[k], transfer, fn, `${path}.${k}`, seen);
    }
    return { [TAG]: 'object', cls: name, fields };
  } finally {
    seen.delete(obj);
  }
}

/** Whether a module specifier is a path (made a file URL) rather than a URL or package name. */
function moduleUrl(spec: string): string {
  if (spec.startsWith('/')) return new URL(`file://${spec}`).href;
  return spec;
}

/**
 * Rebuilds an encoded value. Tensors are `keep()`-ed when `keepTensors` (dataset storage);
 * otherwise they are ordinary tensors owned by the caller.
 * @internal
 */
export async function decodeInWorker(value: Encoded, keepTensors: boolean): Promise<unknown> {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Promise.all(value.map((v) => decodeInWorker(v, keepTensors)));
  const rec = value as Record<string, unknown>;
  const tag = rec[TAG];
  if (tag === 'spec') {
    const mod = (await import(moduleUrl(rec.module as string))) as Record<string, unknown>;
    const exp = mod[rec.exportName as string];
    if (typeof exp !== 'function') {
      throw new TypeError(`workerSpec: module ${rec.module as string} has no function or class export '${rec.exportName as string}' (found ${describe(exp)})`);
    }
    const args = (await decodeInWorker(rec.args, keepTensors)) as unknown[];
    const isClass = /^class\b/.test(Function.prototype.toString.call(exp));
    return isClass ? new (exp as new (...a: unknown[]) => unknown)(...args) : await (exp as (...a: unknown[]) => unknown)(...args);
  }
  if (tag === 'object') {
    const cls = builtins().get(rec.cls as string);
    if (!cls) throw new TypeError(`DataLoader worker: no built-in class named ${rec.cls as string}`);
    const obj = Object.create(cls.prototype) as Record<string, unknown>;
    for (const [k, v] of Object.entries(rec.fields as Record<string, Encoded>)) {
      Object.defineProperty(obj, k, { value: await decodeInWorker(v, keepTensors), writable: true, enumerable: true, configurable: true });
    }
    return obj;
  }
  return decodeSync(value, keepTensors);
}

/** Rebuilds tensors, arrays and plain objects (batches: no classes, no imports). @internal */
export function decodeSync(value: Encoded, keepTensors: boolean): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => decodeSync(v, keepTensors));
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date || value instanceof RegExp) return value;
  const rec = value as Record<string, unknown>;
  if (rec[TAG] === 'tensor') {
    const t = tensor(rec.data as Float32Array, { shape: rec.shape as number[], dtype: rec.dtype as DType });
    return keepTensors ? keep(t) : t;
  }
  if (rec[TAG] !== undefined) throw new TypeError(`DataLoader: a worker sent a ${String(rec[TAG])} where a batch was expected`);
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, decodeSync(v, keepTensors)]));
}

/** `torch.utils.data.get_worker_info()`'s record. */
export interface WorkerInfo {
  /** This worker's id, 0 … numWorkers-1. */
  readonly id: number;
  /** How many workers the DataLoader runs. */
  readonly numWorkers: number;
  /** The seed of this worker's default generator: the iterator's base seed + id (a bigint, all 64 bits). */
  readonly seed: bigint;
  /** This worker's copy of the dataset. */
  readonly dataset: Dataset<unknown>;
}

let workerInfo: WorkerInfo | null = null;

/**
 * `get_worker_info()`: inside a DataLoader worker thread, its id, the number of workers, its
 * seed and its copy of the dataset; null in any other thread.
 */
export function getWorkerInfo(): WorkerInfo | null {
  return workerInfo;
}

/** Set once by the worker entry. @internal */
export function setWorkerInfo(info: WorkerInfo): void {
  workerInfo = Object.freeze({ ...info });
}

/** Tensors of a batch about to be encoded (for disposal). @internal */
export function tensorsIn(value: unknown, out: Tensor[] = []): Tensor[] {
  if (isTensor(value)) out.push(value);
  else if (Array.isArray(value)) for (const v of value) tensorsIn(v, out);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) tensorsIn(v, out);
  return out;
}
