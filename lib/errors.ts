/** Argument validation: every public entry point checks its arguments first and names them. */
import { describe } from './dtype.js';

/** Returns `v` if it is an integer number, else throws a TypeError naming `what`. */
export function expectInt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new TypeError(`Expected integer for ${what} but received ${describe(v)}`);
}

/** Returns `v` if it is an integer ≥ 0, else throws a TypeError naming `what`. */
export function expectNonNegInt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw new TypeError(`Expected non-negative integer for ${what} but received ${describe(v)}`);
}

/** Returns `v` if it is an integer > 0, else throws a TypeError naming `what`. */
export function expectPositiveInt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  throw new TypeError(`Expected positive integer for ${what} but received ${describe(v)}`);
}

/** Returns `v` if it is a number other than NaN (infinities allowed), else throws. */
export function expectNumber(v: unknown, what: string): number {
  if (typeof v === 'number' && !Number.isNaN(v)) return v;
  throw new TypeError(`Expected number for ${what} but received ${describe(v)}`);
}

/** Returns `v` if it is a finite number, else throws a TypeError naming `what`. */
export function expectFiniteNumber(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new TypeError(`Expected finite number for ${what} but received ${describe(v)}`);
}

/** Returns `v` if it is a boolean (no truthiness coercion), else throws. */
export function expectBool(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new TypeError(`Expected boolean for ${what} but received ${describe(v)}`);
}

/** Returns `v` if it is a string, else throws a TypeError naming `what`. */
export function expectString(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  throw new TypeError(`Expected string for ${what} but received ${describe(v)}`);
}

/** Returns `v` if it is one of `options`, else throws listing the accepted values. */
export function expectOneOf<T extends string>(v: unknown, options: readonly T[], what: string): T {
  if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
  throw new TypeError(`Expected one of ${options.map((o) => `'${o}'`).join(', ')} for ${what} but received ${describe(v)}`);
}

/** A shape: non-negative integers, given as an array or as separate arguments. */
export function expectShape(v: unknown, what = 'size'): number[] {
  if (!Array.isArray(v)) throw new TypeError(`Expected an array of non-negative integers for ${what} but received ${describe(v)}`);
  for (let i = 0; i < v.length; i++) {
    const d = v[i];
    if (!(typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
      throw new TypeError(`Expected non-negative integer for ${what}[${i}] but received ${describe(d)}`);
    }
  }
  return v as number[];
}

/** An integer or an array of integers (dims, sizes), always returned as an array. */
export function expectIntArray(v: unknown, what: string): number[] {
  if (typeof v === 'number') return [expectInt(v, what)];
  if (!Array.isArray(v)) throw new TypeError(`Expected an integer or an array of integers for ${what} but received ${describe(v)}`);
  v.forEach((d, i) => expectInt(d, `${what}[${i}]`));
  return v as number[];
}

/** Rejects option keys that the function does not know: a typo must not be silently ignored. */
export function checkOptions(opts: object | undefined, allowed: readonly string[], fn: string): void {
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
