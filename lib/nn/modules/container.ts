/** Containers: Sequential, ModuleList, ModuleDict, registering children as PyTorch names them ('0', '1', ...). */
import { Tensor } from '../../tensor.js';
import { Parameter } from '../parameter.js';
import { describe } from '../../dtype.js';
import { Module } from '../module.js';

function checkModule(m: unknown, fn: string, what: string): Module {
  if (m instanceof Module) return m;
  throw new TypeError(`${fn}: ${what} is not a Module subclass (received ${describe(m)})`);
}

function normIndex(i: number, n: number, fn: string): number {
  if (!Number.isInteger(i)) throw new TypeError(`${fn}: expected integer index but received ${describe(i)}`);
  const j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) throw new RangeError(`${fn}: index ${i} is out of range`);
  return j;
}

/**
 * `nn.Sequential(*modules)` or `nn.Sequential(OrderedDict)`: forward chains the children.
 * Children are also reachable as `seq[0]` (numeric attributes, as PyTorch registers them).
 */
export class Sequential extends Module {
  [index: number]: Module;
  constructor(...modules: Module[] | [Record<string, Module> | Map<string, Module>]) {
    super();
    if (modules.length === 1 && !(modules[0] instanceof Module) && modules[0] !== null && typeof modules[0] === 'object') {
      const entries = modules[0] instanceof Map ? [...modules[0].entries()] : Object.entries(modules[0]);
      for (const [k, m] of entries) this.registerModule(k, checkModule(m, 'Sequential', `'${k}'`));
    } else {
      (modules as unknown[]).forEach((m, i) => this.registerModule(String(i), checkModule(m, 'Sequential', `argument ${i}`)));
    }
  }
  /** Number of children (Python's len()). */
  get length(): number {
    return this._modules.size;
  }
  /** `seq[i]` with negative indices. */
  at(i: number): Module {
    const mods = [...this._modules.values()];
    return mods[normIndex(i, mods.length, 'Sequential.at')] as Module;
  }
  /** Appends a module at the end (named by its index). */
  append(m: Module): this {
    this.registerModule(String(this._modules.size), checkModule(m, 'Sequential.append', 'argument'));
    return this;
  }
  *[Symbol.iterator](): IterableIterator<Module> {
    for (const m of this._modules.values()) if (m) yield m;
  }
  override forward(input: Tensor): Tensor {
    let x: unknown = input;
    let owned: Tensor | null = null;
    for (const m of this) {
      const y = m.forward(x);
      // Intermediate activations are freed as soon as the next one exists (the autograd graph
      // keeps what backward needs); the caller owns only the final output.
      if (owned && owned !== y) owned.dispose();
      owned = y instanceof Tensor && y !== input ? y : null;
      x = y;
    }
    return x as Tensor;
  }
}

/** `nn.ModuleList(modules)`: an indexable list of registered modules (no forward). */
export class ModuleList extends Module {
  [index: number]: Module;
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }
  get length(): number {
    return this._modules.size;
  }
  at(i: number): Module {
    const mods = [...this._modules.values()];
    return mods[normIndex(i, mods.length, 'ModuleList.at')] as Module;
  }
  append(m: Module): this {
    this.registerModule(String(this._modules.size), checkModule(m, 'ModuleList.append', 'argument'));
    return this;
  }
  extend(modules: Iterable<Module>): this {
    if (modules === null || typeof (modules as Iterable<Module>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`ModuleList.extend should be called with an iterable, but got ${describe(modules)}`);
    }
    for (const m of modules) this.append(m);
    return this;
  }
  /** Inserts before index i, renumbering the following modules as PyTorch does. */
  insert(i: number, m: Module): this {
    checkModule(m, 'ModuleList.insert', 'argument');
    const mods = [...this._modules.values()] as Module[];
    const n = mods.length;
    let j = i < 0 ? i + n : i;
    j = Math.max(0, Math.min(n, j));
    mods.splice(j, 0, m);
    for (const k of [...this._modules.keys()]) delete (this as unknown as Record<string, unknown>)[k];
    mods.forEach((mod, k) => this.registerModule(String(k), mod));
    return this;
  }
  *[Symbol.iterator](): IterableIterator<Module> {
    for (const m of this._modules.values()) if (m) yield m;
  }
}

/** `nn.ModuleDict(modules)`: a string-keyed map of registered modules (no forward). */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> | Map<string, Module> = {}) {
    super();
    this.update(modules);
  }
  get length(): number {
    return this._modules.size;
  }
  get(key: string): Module | undefined {
    return this._modules.get(key) ?? undefined;
  }
  set(key: string, m: Module): this {
    if (this._modules.has(key)) (this as unknown as Record<string, unknown>)[key] = checkModule(m, 'ModuleDict.set', `'${key}'`);
    else this.registerModule(key, checkModule(m, 'ModuleDict.set', `'${key}'`));
    return this;
  }
  has(key: string): boolean {
    return this._modules.has(key);
  }
  delete(key: string): boolean {
    const had = this._modules.has(key);
    delete (this as unknown as Record<string, unknown>)[key];
    return had;
  }
  keys(): string[] {
    return [...this._modules.keys()];
  }
  values(): Module[] {
    return [...this._modules.values()] as Module[];
  }
  entries(): [string, Module][] {
    return [...this._modules.entries()] as [string, Module][];
  }
  update(modules: Record<string, Module> | Map<string, Module>): this {
    if (modules === null || typeof modules !== 'object')
      throw new TypeError(`ModuleDict.update: expected a Map or an object of modules but received ${describe(modules)}`);
    const entries = modules instanceof Map ? [...modules.entries()] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
    return this;
  }
  *[Symbol.iterator](): IterableIterator<string> {
    yield* this._modules.keys();
  }
}

// ---- ParameterList / ParameterDict ------------------------------------------------------------------------

/** PyTorch's names of tensor types, as ParameterDict's repr prints them (torch.typename). */
const TYPENAMES: Record<string, string> = {
  float32: 'FloatTensor',
  float64: 'DoubleTensor',
  float16: 'HalfTensor',
  bfloat16: 'BFloat16Tensor',
  int64: 'LongTensor',
  int32: 'IntTensor',
  int16: 'ShortTensor',
  int8: 'CharTensor',
  uint8: 'ByteTensor',
  bool: 'BoolTensor',
  complex64: 'ComplexFloatTensor',
  complex128: 'ComplexDoubleTensor',
};

/** One line of ParameterList/ParameterDict's repr. */
function paramLine(k: string, p: unknown, typename: boolean): string {
  if (p instanceof Tensor) {
    const size = p.shape.join('x');
    const dev = p.isCuda ? ` (GPU ${p.device.split(':')[1] ?? '0'})` : '';
    const kind = p instanceof Parameter ? 'Parameter' : 'Tensor';
    const t = typename ? `torch.${p.isCuda ? 'cuda.' : ''}${TYPENAMES[p.dtype] ?? p.dtype}` : `torch.${p.dtype}`;
    return `  (${k}): ${kind} containing: [${t} of size ${size}${dev}]`;
  }
  return `  (${k}): Object of type: ${p === null ? 'NoneType' : typeof p === 'object' ? ((p as object).constructor?.name ?? 'object') : typeof p}`;
}

/** A Tensor that is not a Parameter is wrapped into one, as PyTorch's __setitem__. */
function asParameter(v: unknown): unknown {
  return v instanceof Tensor && !(v instanceof Parameter) ? new Parameter(v) : v;
}

/**
 * `nn.ParameterList(values=None)`: parameters registered as '0', '1', … (other values are kept as
 * plain attributes, as PyTorch does). Indexable with `list[i]` and `at(i)`.
 */
export class ParameterList extends Module {
  [index: number]: Parameter;
  /** @internal */ declare _size: number;
  constructor(values: Iterable<unknown> | null = null) {
    super();
    Object.defineProperty(this, '_size', { value: 0, writable: true, enumerable: false, configurable: true });
    if (values !== null && values !== undefined) this.extend(values);
  }
  /** Python's len(). */
  get length(): number {
    return this._size;
  }
  /** `list[i]` with negative indices. */
  at(i: number): Parameter {
    return (this as unknown as Record<string, Parameter>)[String(normIndex(i, this._size, 'ParameterList.at'))];
  }
  /** `list[i] = value` (a Tensor becomes a Parameter). */
  set(i: number, value: unknown): this {
    const k = String(normIndex(i, this._size, 'ParameterList.set'));
    (this as unknown as Record<string, unknown>)[k] = asParameter(value);
    return this;
  }
  /** Appends a value (a Tensor becomes a Parameter) named by its index. */
  append(value: unknown): this {
    const k = String(this._size);
    this._size += 1;
    const v = asParameter(value);
    if (v instanceof Parameter) this.registerParameter(k, v);
    else (this as unknown as Record<string, unknown>)[k] = v;
    return this;
  }
  /** Appends every value of an iterable. */
  extend(values: Iterable<unknown>): this {
    if (values === null || typeof values !== 'object' || values instanceof Tensor || typeof (values as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`ParameterList.extend should be called with an iterable, but got ${describe(values)}`);
    }
    for (const v of values) this.append(v);
    return this;
  }
  *[Symbol.iterator](): IterableIterator<Parameter> {
    for (let i = 0; i < this._size; i++) yield (this as unknown as Record<string, Parameter>)[String(i)];
  }
  override forward(): never {
    throw new Error('ParameterList should not be called.');
  }
  override extraRepr(): string {
    return [...this].map((p, k) => paramLine(String(k), p, false)).join('\n');
  }
}

/**
 * `nn.ParameterDict(parameters=None)`: string keys to parameters, registered under their keys.
 * A plain object is added in sorted key order and a Map in its own order, as Python treats a dict
 * and an OrderedDict.
 */
export class ParameterDict extends Module {
  /** @internal */ declare _keys: Set<string>;
  constructor(parameters: Record<string, unknown> | Map<string, unknown> | Iterable<[string, unknown]> | null = null) {
    super();
    Object.defineProperty(this, '_keys', { value: new Set<string>(), writable: true, enumerable: false, configurable: true });
    if (parameters !== null && parameters !== undefined) this.update(parameters);
  }
  /** Python's len(). */
  get length(): number {
    return this._keys.size;
  }
  /** `dict[key]`; undefined when absent. */
  get(key: string, defaultValue?: unknown): unknown {
    return this.has(key) ? (this as unknown as Record<string, unknown>)[keyArg(key)] : defaultValue;
  }
  /** `dict[key] = value` (a Tensor becomes a Parameter). */
  set(key: string, value: unknown): this {
    const k = keyArg(key);
    this._keys.add(k);
    const v = asParameter(value);
    if (v instanceof Parameter && !this._parameters.has(k)) this.registerParameter(k, v);
    else (this as unknown as Record<string, unknown>)[k] = v;
    return this;
  }
  has(key: string): boolean {
    return this._keys.has(key);
  }
  /** `del dict[key]`. */
  delete(key: string): boolean {
    const k = keyArg(key);
    if (!this._keys.has(k)) return false;
    this._keys.delete(k);
    delete (this as unknown as Record<string, unknown>)[k];
    return true;
  }
  /** Removes key and returns its value. */
  pop(key: string): unknown {
    if (!this.has(key)) throw new RangeError(`ParameterDict.pop: no key '${key}'`);
    const v = this.get(key);
    this.delete(key);
    return v;
  }
  /** Removes every entry. */
  clear(): void {
    for (const k of [...this._keys]) this.delete(k);
  }
  /** `dict.setdefault(key, default=None)`. */
  setdefault(key: string, defaultValue: unknown = null): unknown {
    if (!this.has(key)) this.set(key, defaultValue);
    return this.get(key);
  }
  keys(): string[] {
    return [...this._keys];
  }
  values(): unknown[] {
    return this.keys().map((k) => this.get(k));
  }
  items(): [string, unknown][] {
    return this.keys().map((k) => [k, this.get(k)]);
  }
  /** A shallow copy (same parameters). */
  copy(): ParameterDict {
    return new ParameterDict(new Map(this.items()));
  }
  /** Adds entries: a Map, a ParameterDict or [key, value] pairs in order; a plain object in sorted key order. */
  update(parameters: Record<string, unknown> | Map<string, unknown> | ParameterDict | Iterable<[string, unknown]>): this {
    if (parameters === null || typeof parameters !== 'object') {
      throw new TypeError(`ParametersDict.update should be called with an iterable of key/value pairs, but got ${describe(parameters)}`);
    }
    let entries: [string, unknown][];
    if (parameters instanceof ParameterDict) entries = parameters.items();
    else if (parameters instanceof Map) entries = [...parameters.entries()];
    else if (typeof (parameters as Iterable<unknown>)[Symbol.iterator] === 'function') {
      entries = [...(parameters as Iterable<unknown>)].map((p, j) => {
        if (!Array.isArray(p)) throw new TypeError(`ParameterDict update sequence element #${j} should be Iterable; is${describe(p)}`);
        if (p.length !== 2) throw new RangeError(`ParameterDict update sequence element #${j} has length ${p.length}; 2 is required`);
        return [p[0] as string, p[1]];
      });
    } else entries = Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [k, v] of entries) this.set(k, v);
    return this;
  }
  *[Symbol.iterator](): IterableIterator<string> {
    yield* this._keys;
  }
  override forward(): never {
    throw new Error('ParameterDict should not be called.');
  }
  override extraRepr(): string {
    return this.items()
      .map(([k, p]) => paramLine(k, p, true))
      .join('\n');
  }
}

function keyArg(key: unknown): string {
  if (typeof key !== 'string') {
    throw new TypeError(
      `Index given to ParameterDict cannot be used as a key as it is not a string (type is '${typeof key}'). Open an issue on github if you need non-string keys.`,
    );
  }
  return key;
}
