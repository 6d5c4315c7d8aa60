/**
 * Argument checks shared by lib/data: every public entry point validates its arguments first,
 * with messages that name the function, the argument, what was expected and what came.
 * @internal
 */
import { type Tensor, isTensor, stack } from '../tensor.js';
import { tidy } from '../scope.js';
import { describe } from '../dtype.js';
import { argMessage, checkOptions } from '../errors.js';

/** "fn: Expected <expected> for <arg> but received <got>", `what` being 'fn: arg'. */
function message(expected: string, what: string, got: string): string {
  const i = what.indexOf(': ');
  return i > 0
    ? `${what.slice(0, i)}: Expected ${expected} for ${what.slice(i + 2)} but received ${got}`
    : `Expected ${expected} for ${what} but received ${got}`;
}

/**
 * Returns `v` if it is a live Tensor with the ordinary (strided) layout, else throws a TypeError
 * naming `what` ('fn: arg'). Disposed tensors, objects that only look like tensors, and oneDNN or
 * sparse tensors (which LibTorch's indexing and views refuse) are rejected here, by name.
 */
export function expectTensor(v: unknown, what: string): Tensor {
  if (!isTensor(v)) throw new TypeError(argMessage('Tensor', what, v));
  const handle = (v as { _h?: unknown })._h;
  if (typeof handle !== 'number') throw new TypeError(message('Tensor', what, 'an object of type Tensor that holds no tensor (not made by torchnode)'));
  if (handle < 0) throw new TypeError(message('Tensor', what, 'a disposed tensor (freed by dispose() or a tidy() scope)'));
  const layout = v.layout;
  if (layout !== 'strided') {
    const hint = layout === '_mkldnn' ? ' (convert it with toDense() first)' : '';
    throw new TypeError(message('a strided (dense) Tensor', what, `a tensor with layout ${layout}${hint}`));
  }
  return v;
}

/** A live int64/int32 1-D tensor of sample indices (what `getBatch` takes). */
export function expectIndexTensor(v: unknown, what: string): Tensor {
  const t = expectTensor(v, what);
  if (t.dtype !== 'int64' && t.dtype !== 'int32') throw new TypeError(message('an int64 or int32 Tensor', what, `a ${t.dtype} tensor`));
  if (t.dim() !== 1) throw new RangeError(message('a 1-D Tensor', what, `a tensor of shape [${t.shape.join(', ')}]`));
  return t;
}

/** Returns `v` if it is a Uint8Array (a Buffer is one), else throws naming `what`. */
export function expectBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new TypeError(argMessage('Uint8Array or Buffer', what, v));
}

/**
 * An options object: undefined and null (Python's None) mean none given; anything else must be
 * an object with only `allowed` keys.
 */
export function options<T extends object>(opts: T | null | undefined, allowed: readonly string[], fn: string): Partial<T> {
  checkOptions(opts ?? undefined, allowed, fn);
  return (opts ?? {}) as Partial<T>;
}

/** Whether `v` is null or undefined (an omitted keyword argument). */
export function absent(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

/**
 * Runs `f` (a LibTorch call on arguments already validated), prefixing the error LibTorch may
 * still raise (an index out of range, a device mismatch) with `fn` so the user sees which call
 * failed.
 */
export function naming<T>(fn: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(`${fn}:`)) e.message = `${fn}: ${e.message}`;
    throw e;
  }
}

/**
 * A per-sample function applied to each sample of the batch `x` (validated by the caller), the
 * results stacked: they must be tensors of one shape. `fn` is the public function or class the
 * user called, named in errors.
 */
export function perSample(f: (x: Tensor) => Tensor, x: Tensor, fn: string): Tensor {
  if (x.dim() === 0) throw new RangeError(`${fn}: expected a batch with a leading dimension N but received a 0-dimensional tensor`);
  if (x.shape[0] === 0) {
    throw new RangeError(`${fn}: cannot apply a per-sample function to an empty batch (shape [${x.shape.join(', ')}]): its output shape is unknown`);
  }
  return tidy(() => {
    let first: number[] = [];
    const outs = x.unbind(0).map((s, i) => {
      const r = f(s);
      if (!isTensor(r)) throw new TypeError(`${fn}: expected the transform function to return a Tensor but it returned ${describe(r)} for sample ${i}`);
      expectTensor(r, `${fn}: the transform's result for sample ${i}`);
      if (i === 0) first = r.shape;
      else if (r.shape.join() !== first.join()) {
        throw new RangeError(
          `${fn}: the transform function returned shape [${first.join(', ')}] for sample 0 but [${r.shape.join(', ')}] for sample ${i}; a batch needs one shape`,
        );
      }
      return r;
    });
    return stack(outs, 0);
  });
}
