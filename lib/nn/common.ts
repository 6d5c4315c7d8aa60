/**
 * Shared helpers of torchnode.nn: argument checks that name the function, Python-style value
 * formatting for module reprs (so `toString()` matches PyTorch's repr byte for byte).
 * @internal
 */
import { Tensor } from '../tensor.js';
import { type DType, describe } from '../dtype.js';
import { empty } from '../tensor.js';
import { Parameter } from './parameter.js';
import type { Module } from './module.js';
import { argMessage } from '../errors.js';

/** Validates a Tensor argument of an nn function; the error names function and argument. */
export function checkTensor(x: unknown, fn: string, arg = 'input'): Tensor {
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new Error(`${fn}: ${arg} is a disposed Tensor`);
    return x;
  }
  throw new TypeError(`${fn}: expected Tensor for ${arg} but received ${describe(x)}`);
}

/** Same for an optional Tensor (undefined/null allowed). */
export function checkOptTensor(x: unknown, fn: string, arg: string): Tensor | null {
  if (x === undefined || x === null) return null;
  return checkTensor(x, fn, arg);
}

/** `[2, 3]` as PyTorch's users read shapes in our messages. */
export function shapeStr(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/** Python's repr() of a float: shortest round-trip digits, exponent when decpt <= -4 or > 16. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expS] = x.toExponential().split('e');
  const exp = Number(expS);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const decpt = exp + 1;
  let s: string;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) s = '0.' + '0'.repeat(-decpt) + digits;
    else if (decpt >= digits.length) s = digits + '0'.repeat(decpt - digits.length) + '.0';
    else s = digits.slice(0, decpt) + '.' + digits.slice(decpt);
  } else {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    s = m + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  }
  return (neg ? '-' : '') + s;
}

/** Python's repr of a bool. */
export function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}

/** Python's repr of an int, a tuple of ints (arrays), None (null) or a str (unquoted, as str.format prints it). */
export function pyVal(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return pyBool(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${pyVal(v[0])},)` : `(${v.map(pyVal).join(', ')})`;
  return String(v);
}

/** PyTorch's reduction enum of the loss operators. */
export type Reduction = 'none' | 'mean' | 'sum';
/** Maps 'none' | 'mean' | 'sum' to ATen's reduction enum (0, 1, 2). @internal */
export function reductionEnum(r: unknown, fn: string): number {
  if (r === undefined) return 1;
  if (r === 'none') return 0;
  if (r === 'mean') return 1;
  if (r === 'sum') return 2;
  throw new TypeError(`${fn}: expected 'none', 'mean' or 'sum' for reduction but received ${describe(r)}`);
}

/** An int or a pair of ints (PyTorch's `_pair`), validated. */
export function pair(v: unknown, fn: string, arg: string, min = 0): [number, number] {
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min;
  if (ok(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
  const what = min > 0 ? 'positive integer' : 'non-negative integer';
  throw new TypeError(
    `${fn}: expected a ${what} or a pair of them for ${arg} but received ${Array.isArray(v) ? `[${v.map(String).join(', ')}]` : describe(v)}`,
  );
}

/** Runs fn; a LibTorch error gets a prefix naming the module or function (computed only on error). */
export function withContext<T>(prefix: string | (() => string), fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const p = typeof prefix === 'function' ? prefix() : prefix;
    if (e instanceof Error && !e.message.startsWith(p)) e.message = `${p}: ${e.message}`;
    throw e;
  }
}

/** Where new parameters live (PyTorch's factory_kwargs). */
export interface FactoryOptions {
  dtype?: DType;
  device?: string;
}

/** A new uninitialised Parameter of the given shape (the module's reset_parameters fills it). */
export function newParam(shape: number[], f: FactoryOptions): Parameter {
  const t = empty(shape, { dtype: f.dtype, device: f.device });
  const p = new Parameter(t);
  t.dispose();
  return p;
}

/** The forward input of module m, checked: the error names the module. */
export function inputOf(m: Module, x: unknown): Tensor {
  if (x instanceof Tensor && !x.isDisposed) return x;
  throw new TypeError(`${m.modulePath}: expected Tensor for input but received ${x instanceof Tensor ? 'a disposed Tensor' : describe(x)}`);
}

/** A shape given as an integer or an array of non-negative integers (Python's `_shape_t`). */
export function normalizedShapeArg(v: unknown, what: string): number[] {
  const ok = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  if (ok(v)) return [v as number];
  if (Array.isArray(v) && v.every(ok)) return [...(v as number[])];
  throw new TypeError(argMessage('a non-negative integer or an array of them', what, v));
}
