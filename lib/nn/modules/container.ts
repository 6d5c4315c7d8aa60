/** Containers: Sequential, ModuleList, ModuleDict, registering children as PyTorch names them ('0', '1', ...). */
import { Tensor } from '../../tensor.js';
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
