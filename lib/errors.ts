/**
 * Argument validation: every public entry point checks its arguments first and names them, and
 * every message names the public function the user called (PyTorch's "add(): argument 'other'…").
 */
import { describe } from './dtype.js';

// The public function now running, outermost first: set by `apiFunction` wrappers so that shared
// validators (expectInt(dim, 'dim') deep inside a method) can say which call they belong to.
let running: string | null = null;

/** `"name: "` of the public function running, or '' outside one. */
export function callPrefix(): string {
  return running !== null ? `${running}: ` : '';
}

/**
 * The message for an argument that is not what `fn` expects, as
 * "zeros: Expected non-negative integer for size[0] but received -1 of type number". `what` is
 * the argument, optionally prefixed by its function ("zeros: size[0]"); without one, the public
 * function running is named.
 */
export function argMessage(expected: string, what: string, v: unknown, note = ''): string {
  const i = what.indexOf(': ');
  const [fn, arg] = i > 0 ? [`${what.slice(0, i)}: `, what.slice(i + 2)] : [callPrefix(), what];
  return `${fn}Expected ${expected} for ${arg} but received ${describe(v)}${note}`;
}

/** Runs `f` as the public function `name` (apiFunction for a call site that is not a function of its own). */
export function runAs<T>(name: string, f: () => T): T {
  if (running !== null) return f();
  running = name;
  try {
    return f();
  } finally {
    running = null;
  }
}

/**
 * `f` under the public name `name`: validators' messages inside it start with `name: `. The
 * outermost public call names the error, as the user sees it (`t.int()` reports `int`, not the
 * `to` it calls). Only messages built by validators change; errors from user callbacks never do.
 */
// biome-ignore lint/suspicious/noExplicitAny: wraps methods and functions of any signature
export function apiFunction<F extends (this: any, ...args: any[]) => any>(name: string, f: F, checkThis?: (self: unknown) => void): F {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    if (running !== null) return f.apply(this, args);
    running = name;
    try {
      checkThis?.(this);
      return f.apply(this, args);
    } finally {
      running = null;
    }
  };
  Object.defineProperty(wrapped, 'name', { value: f.name || name });
  Object.defineProperty(wrapped, 'length', { value: f.length });
  return wrapped as F;
}

/**
 * Whether `v` is an integer LibTorch can hold: int64's [-2^63, 2^63). Python raises "Overflow when
 * unpacking long" beyond it; a wrapped value would be a silent wrong result.
 */
export function isInt64(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63;
}

function intMessage(kind: string, what: string, v: unknown): string {
  return argMessage(kind, what, v, typeof v === 'number' && Number.isInteger(v) && !isInt64(v) ? ", outside int64's range [-2^63, 2^63)" : '');
}

/** Returns `v` if it is an integer number (in int64's range), else throws a TypeError naming `what`. */
export function expectInt(v: unknown, what: string): number {
  if (isInt64(v)) return v;
  throw new TypeError(intMessage('integer', what, v));
}

/** Returns `v` if it is an integer ≥ 0, else throws a TypeError naming `what`. */
export function expectNonNegInt(v: unknown, what: string): number {
  if (isInt64(v) && v >= 0) return v;
  throw new TypeError(intMessage('non-negative integer', what, v));
}

/** Returns `v` if it is an integer > 0, else throws a TypeError naming `what`. */
export function expectPositiveInt(v: unknown, what: string): number {
  if (isInt64(v) && v > 0) return v;
  throw new TypeError(intMessage('positive integer', what, v));
}

/**
 * Returns `v` if it is a number, else throws. NaN and the infinities pass, as Python floats do
 * (`clamp(nan)`, `F.pad(…, value=nan)`); where one is invalid LibTorch says so, or the caller checks.
 */
export function expectNumber(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  throw new TypeError(argMessage('number', what, v));
}

/** Returns `v` if it is a finite number, else throws a TypeError naming `what`. */
export function expectFiniteNumber(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new TypeError(argMessage('finite number', what, v));
}

/** Returns `v` if it is a boolean (no truthiness coercion), else throws. */
export function expectBool(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new TypeError(argMessage('boolean', what, v));
}

/** Returns `v` if it is a string, else throws a TypeError naming `what`. */
export function expectString(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  throw new TypeError(argMessage('string', what, v));
}

/** Returns `v` if it is one of `options`, else throws listing the accepted values. */
export function expectOneOf<T extends string>(v: unknown, options: readonly T[], what: string): T {
  if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
  throw new TypeError(argMessage(`one of ${options.map((o) => `'${o}'`).join(', ')}`, what, v));
}

/** A shape: non-negative integers, given as an array or as separate arguments. */
export function expectShape(v: unknown, what = 'size'): number[] {
  if (!Array.isArray(v)) throw new TypeError(argMessage('an array of non-negative integers', what, v));
  for (let i = 0; i < v.length; i++) {
    const d = v[i];
    if (!(isInt64(d) && d >= 0)) throw new TypeError(intMessage('non-negative integer', `${what}[${i}]`, d));
  }
  return v as number[];
}

/** An integer or an array of integers (dims, sizes), always returned as an array. */
export function expectIntArray(v: unknown, what: string): number[] {
  if (typeof v === 'number') return [expectInt(v, what)];
  if (!Array.isArray(v)) throw new TypeError(argMessage('an integer or an array of integers', what, v));
  v.forEach((d, i) => expectInt(d, `${what}[${i}]`));
  return v as number[];
}

/** Rejects option keys that the function does not know: a typo must not be silently ignored. */
export function checkOptions(opts: object | null | undefined, allowed: readonly string[], fn: string): void {
  if (opts === undefined || opts === null) return;
  if (typeof opts !== 'object') throw new TypeError(`${fn}: expected an options object but received ${describe(opts)}`);
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) {
      throw new TypeError(`${fn}: unknown option '${k}' (expected one of ${allowed.join(', ')})`);
    }
  }
}

/**
 * For scopes that only work synchronously (tidy, noGrad, enableGrad, inferenceMode): when `fn`
 * returned a thenable (an async function's Promise), throws `message`. A no-op rejection handler
 * is attached first, so the discarded promise rejecting later (the async function throwing) is
 * not an unhandled rejection, which would end the process.
 */
export function refuseThenable(result: unknown, message: string): void {
  if (result === null || (typeof result !== 'object' && typeof result !== 'function')) return;
  let then: unknown;
  try {
    then = (result as { then?: unknown }).then;
  } catch {
    return; // a throwing getter: not a thenable we can reason about
  }
  if (typeof then !== 'function') return;
  try {
    then.call(result, undefined, () => {});
  } catch {
    // a broken thenable: the synchronous error below still reports the misuse
  }
  throw new Error(message);
}
