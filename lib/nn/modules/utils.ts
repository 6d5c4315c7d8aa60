/**
 * PyTorch's torch/nn/modules/utils.py: `_single`, `_pair`, `_triple` (an int or a tuple of n
 * ints), validated so that the error names the function and the argument.
 * @internal
 */
import { describe } from '../../dtype.js';
import { isInt64 } from '../../errors.js';

const COUNT = ['', 'a 1-element array', 'a pair', 'a triple'];

/** An int (repeated n times) or an array of n ints, each ≥ min: PyTorch's `_ntuple(n)`. */
export function ntuple(v: unknown, n: number, fn: string, arg: string, min = 0): number[] {
  const ok = (x: unknown): x is number => isInt64(x) && x >= min;
  if (ok(v)) return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.length === n && v.every(ok)) return [...v];
  const what = min > 0 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : 'an integer';
  const got = Array.isArray(v) ? `[${v.map(String).join(', ')}]` : describe(v);
  throw new TypeError(`${fn}: Expected ${what} or ${COUNT[n] ?? `an array of ${n}`} of them for ${arg} but received ${got}`);
}

/** Python's `_reverse_repeat_tuple`: (a, b) → [b, b, a, a], the F.pad order of a conv padding. */
export function reverseRepeatTwice(t: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = t.length - 1; i >= 0; i--) out.push(t[i], t[i]);
  return out;
}

/** Product of the entries. */
export function prod(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}
