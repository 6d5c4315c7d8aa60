/**
 * Memory: each JS tensor owns one reference to a LibTorch tensor, released by `dispose()`,
 * `using`, or the end of a `tidy()` scope, deterministically. A tensor that leaves every scope is
 * freed when the garbage collector collects its JS object, as Python frees an unreferenced
 * tensor: a guard from native/gc/guard.cc frees it during the collection itself, so a
 * synchronous training loop with no scope code keeps flat memory (the addon reports its tensors'
 * bytes to V8 as external memory, which makes V8 collect as they grow). Without the guard module
 * a FinalizationRegistry does it, which Node runs only when the event loop turns.
 */
import { gcGuard, native } from './native.js';
import { describe } from './dtype.js';
import { refuseThenable } from './errors.js';

/** What scopes manage: anything holding a native handle. */
export interface Owned {
  _h: number;
  /** Set by keep(): never freed by a scope. */
  _kept?: boolean;
  /** Set once a finalizer is registered for it. */
  _reg?: boolean;
  /** Its GC guard, when the guard module is loaded (freeing it is the guard's collection). */
  _g?: object;
  dispose(): void;
}

const registry = new FinalizationRegistry<number>((h) => {
  native.release(h);
});

const scopes: Owned[][] = [];

// Registering a finalizer costs ~0.4 µs, as much as a small op. Finalizers can only run after
// the event loop turns, so a tensor outside any scope is registered in a microtask (before the
// loop turns) if it is still alive then: one that is created and disposed synchronously never pays.
let pending: Owned[] = [];
let flushScheduled = false;
// A synchronous loop never reaches the microtask: the queue is flushed at this length instead.
// It holds its tensors alive until then, so it stays short.
const PENDING_LIMIT = 128;

// Tensors whose guards were collected are released a little later by the addon (see
// TensorTable::Collect), at the latest when the event loop turns: a sentinel registered with
// every batch of guards is collected with them, and its callback runs in a fresh macrotask.
const drainRegistry = new FinalizationRegistry<number>(() => {
  native.gcDrain();
});
let guardsSinceSentinel = 0;

function register(t: Owned): void {
  if (t._h >= 0 && !t._reg) {
    t._reg = true;
    if (gcGuard) {
      t._g = gcGuard.guard(t._h);
      if (++guardsSinceSentinel >= 64) {
        guardsSinceSentinel = 0;
        drainRegistry.register({}, 0);
      }
    } else registry.register(t, t._h, t);
  }
}

function flushPending(): void {
  flushScheduled = false;
  const p = pending;
  pending = [];
  for (let i = 0; i < p.length; i++) register(p[i]);
}

function deferRegister(t: Owned): void {
  pending.push(t);
  if (pending.length > PENDING_LIMIT) {
    // A long synchronous loop: keep the list bounded (drop disposed ones, register the rest).
    flushPending();
  }
  if (!flushScheduled) {
    flushScheduled = true;
    queueMicrotask(flushPending);
  }
}

/** Called for every new tensor: recorded in the innermost scope, or queued for a finalizer. */
export function track(t: Owned): void {
  const n = scopes.length;
  if (n > 0) scopes[n - 1].push(t);
  else deferRegister(t);
}

/** Drops a disposed tensor's finalizer. @internal */
export function untrack(t: Owned): void {
  if (t._reg) {
    // A guard of a released handle frees nothing (its token's generation is stale).
    if (t._g !== undefined) t._g = undefined;
    else registry.unregister(t);
    t._reg = false;
  }
}

function collect(value: unknown, out: Set<Owned>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (typeof (value as Owned)._h === 'number' && typeof (value as Owned).dispose === 'function') {
    out.add(value as Owned);
    return;
  }
  const vi = value as { values?: unknown; indices?: unknown };
  if (vi.values !== undefined && vi.indices !== undefined && (value as object).constructor?.name === 'ValuesIndices') {
    collect(vi.values, out, depth + 1);
    collect(vi.indices, out, depth + 1);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
}

const releaseBuffer = { ids: new Int32Array(1024) };

const NO_KEEPERS = new Set<Owned>();

function endScope(scope: Owned[], result: unknown): void {
  let keepers = NO_KEEPERS;
  if (result !== undefined && result !== null && typeof result === 'object') {
    keepers = new Set<Owned>();
    collect(result, keepers);
  }
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  let ids = releaseBuffer.ids;
  let n = 0;
  for (const t of scope) {
    if (t._h < 0) continue; // already disposed
    if (t._kept || keepers.has(t)) {
      if (parent) parent.push(t);
      else deferRegister(t);
      continue;
    }
    if (n === ids.length) {
      releaseBuffer.ids = new Int32Array(ids.length * 2);
      releaseBuffer.ids.set(ids);
      ids = releaseBuffer.ids;
    }
    ids[n++] = t._h;
    t._h = -1;
  }
  if (n > 0) native.releaseMany(ids, n);
}

/**
 * Runs `fn` and frees every tensor created inside it except those it returns (found in the
 * returned value, arrays and plain objects) and those passed to `keep()`. Like tfjs `tidy`.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`tidy: expected a function but received ${describe(fn)}`);
  const scope: Owned[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    endScope(scope, undefined);
    throw e;
  }
  scopes.pop();
  try {
    refuseThenable(result, 'tidy: the function must be synchronous (it returned a Promise); await inside and dispose explicitly');
  } catch (e) {
    endScope(scope, undefined);
    throw e;
  }
  endScope(scope, result);
  return result;
}

/** Excludes a tensor from every enclosing tidy() scope: it lives until dispose() or GC. */
export function keep<T extends Owned>(t: T): T {
  if (t === null || typeof t !== 'object' || typeof (t as Partial<Owned>).dispose !== 'function') {
    throw new TypeError(`keep: Expected a Tensor (or another disposable torchnode object) but received ${describe(t)}`);
  }
  // The finalizer is registered when the tensor leaves the outermost scope (endScope),
  // never twice: a handle may be reused once released.
  t._kept = true;
  return t;
}

/** Disposes tensors found in a value (a tensor, arrays and plain objects of tensors). */
export function dispose(value: unknown): void {
  const found = new Set<Owned>();
  collect(value, found);
  for (const t of found) t.dispose();
}

/** Live tensors and their logical bytes, as tfjs memory(). */
export function memory(): { numTensors: number; numBytes: number; scopeDepth: number } {
  return { ...native.memory(), scopeDepth: scopes.length };
}
