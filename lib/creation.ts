/**
 * Tensor creation (PyTorch's `torch.tensor`, `zeros`, `ones`, `empty`, `full`, `arange`,
 * `linspace`, `eye`, `rand`, `randn`, `randint`, `randperm` and the `*_like` forms): JS data to
 * LibTorch with PyTorch's dtype inference and range checks. Re-exported by lib/tensor.ts.
 */
import { native } from './native.js';
import { type DType, type TypedArray, dtypeCode, dtypeFromCode, typedArrayDType, describe, DTYPE_CODE } from './dtype.js';
import { expectInt, expectShape, expectBool, checkOptions, expectNumber } from './errors.js';
import { type CreationOptions, type NestedArray, O, type RandomOptions, type Scalar, Tensor, deviceArg, genArg, h, scalarArg, wrap } from './tensor.js';

function creationArgs(
  opts: CreationOptions | undefined,
  fn: string,
  extra: readonly string[] = [],
): { dtype?: number; device?: string; requiresGrad: boolean } {
  checkOptions(opts, ['dtype', 'device', 'requiresGrad', ...extra], fn);
  return {
    dtype: opts?.dtype === undefined ? undefined : dtypeCode(opts?.dtype, `${fn}: dtype`),
    device: opts?.device === undefined ? undefined : deviceArg(opts?.device, `${fn}: device`),
    requiresGrad: opts?.requiresGrad === undefined ? false : expectBool(opts?.requiresGrad, `${fn}: requiresGrad`),
  };
}

function finish(t: Tensor, requiresGrad: boolean): Tensor {
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: NestedArray, shape: number[], depth: number): void {
  if (Array.isArray(data)) {
    shape.push(data.length);
    if (data.length > 0) inferShape(data[0] as NestedArray, shape, depth + 1);
  }
}

/**
 * `torch.tensor`: from nested arrays, a TypedArray (one copy into LibTorch memory), or a scalar.
 * Numbers default to float32 (JS cannot tell 1 from 1.0; pass `{dtype: 'int64'}` for integers),
 * bigints to int64, booleans to bool; a TypedArray keeps its element type.
 */
export function tensor(data: NestedArray | TypedArray | Tensor, opts?: CreationOptions & { shape?: number[] }): Tensor {
  const { dtype, device, requiresGrad } = creationArgs(opts, 'tensor', ['shape']);
  if (data instanceof Tensor) {
    const t = data.detach();
    const r = dtype !== undefined || device !== undefined ? t.to(dtype !== undefined ? dtypeFromCode(dtype) : t.dtype).to(device ?? t.device) : t.clone();
    if (r !== t) t.dispose();
    return finish(r, requiresGrad);
  }
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    const srcType = typedArrayDType(arr);
    const shape = opts?.shape !== undefined ? expectShape(opts?.shape, 'tensor: shape') : [arr.length];
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== arr.length) {
      throw new RangeError(`tensor: shape [${shape.join(', ')}] holds ${n} elements but the ${arr.constructor.name} has ${arr.length}`);
    }
    let t = wrap(native.fromData(arr.buffer, arr.byteOffset, shape, DTYPE_CODE[srcType], device));
    if (dtype !== undefined && dtype !== DTYPE_CODE[srcType]) {
      const c = t.to(dtypeFromCode(dtype));
      t.dispose();
      t = c;
    }
    return finish(t, requiresGrad);
  }
  const shape: number[] = [];
  inferShape(data, shape, 0);
  if (opts?.shape !== undefined) throw new TypeError('tensor: the shape option is only for TypedArray data');
  const n = shape.reduce((a, b) => a * b, 1);
  const flat: Scalar[] = new Array(n);
  let pos = 0;
  let kind: 'bool' | 'number' | 'bigint' | null = null;
  const walk = (v: NestedArray, d: number, path: string): void => {
    if (d < shape.length) {
      if (!Array.isArray(v) || v.length !== shape[d]) {
        throw new RangeError(
          `tensor: expected a sequence of length ${shape[d]} at ${path || 'the top level'} but received ${describe(v)} (ragged nested arrays are not tensors)`,
        );
      }
      for (let i = 0; i < v.length; i++) walk(v[i] as NestedArray, d + 1, `${path}[${i}]`);
      return;
    }
    const tv = typeof v;
    if (tv === 'number' || tv === 'boolean' || tv === 'bigint') {
      const k = tv === 'boolean' ? 'bool' : (tv as 'number' | 'bigint');
      if (kind === null || kind === 'bool' || (kind === 'bigint' && k === 'number')) kind = kind === null || k !== 'bool' ? k : kind;
      flat[pos++] = v as Scalar;
      return;
    }
    throw new TypeError(`tensor: expected a number, boolean or bigint at ${path || 'the top level'} but received ${describe(v)}`);
  };
  walk(data, 0, '');
  const inferred: DType = kind === 'bool' ? 'bool' : kind === 'bigint' ? 'int64' : 'float32';
  const target = dtype !== undefined ? dtypeFromCode(dtype) : inferred;
  const buf = toBuffer(flat, target, shape);
  const t = wrap(native.fromData(buf.buffer, buf.byteOffset, shape, DTYPE_CODE[bufferDType(target)], device));
  if (bufferDType(target) !== target) {
    const c = t.to(target);
    t.dispose();
    return finish(c, requiresGrad);
  }
  return finish(t, requiresGrad);
}

function bufferDType(target: DType): DType {
  // float16/bfloat16 are built from float32 data and converted by LibTorch.
  return target === 'float16' || target === 'bfloat16' ? 'float32' : target;
}

// Integer dtypes' ranges, for the overflow check PyTorch applies when it fills a tensor from Python
// numbers (c10::checked_convert): an integral value must fit, except that an unsigned type also takes
// negatives down to -max (they wrap, as two's complement: torch.tensor([-1], dtype=uint8) is 255); a
// fractional one must lie within [lowest, max] and is truncated; NaN and ±Infinity never convert.
const INT_RANGE: Partial<Record<DType, [bigint, bigint]>> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  int8: [-128n, 127n],
  uint8: [0n, 255n],
};

const SMALL_INT_ARRAYS = { int32: Int32Array, int16: Int16Array, int8: Int8Array, uint8: Uint8Array };

/** `v` as an integer of `target` (an integer dtype), or PyTorch's overflow error naming the element. */
function checkedInteger(v: Scalar, target: DType, i: number, shape: number[]): bigint {
  const [lo, hi] = INT_RANGE[target]!;
  let x: bigint | null = null;
  let min = lo;
  if (typeof v === 'boolean') x = v ? 1n : 0n;
  else if (typeof v === 'bigint' || Number.isInteger(v)) {
    x = BigInt(v);
    if (lo === 0n) min = -hi; // an integral negative wraps into an unsigned type
  } else if (v >= Number(lo) && v <= Number(hi)) x = BigInt(Math.trunc(v)); // false for NaN
  if (x === null || x < min || x > hi) {
    const shown = typeof v === 'bigint' ? `${v}n` : String(v);
    throw new RangeError(`tensor: value ${shown} at ${elementPath(i, shape)} cannot be converted to ${target} without overflow`);
  }
  return x;
}

/** The nested-array index of flat element `i`, as "[1][2]" ("the top level" for a scalar). */
function elementPath(i: number, shape: number[]): string {
  if (shape.length === 0) return 'the top level';
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return idx.map((k) => `[${k}]`).join('');
}

function toBuffer(flat: Scalar[], target: DType, shape: number[]): TypedArray {
  const n = flat.length;
  const buf = bufferDType(target);
  if (INT_RANGE[buf]) {
    const a = buf === 'int64' ? new BigInt64Array(n) : new SMALL_INT_ARRAYS[buf as 'int32'](n);
    for (let i = 0; i < n; i++) {
      const x = checkedInteger(flat[i], buf, i, shape);
      if (a instanceof BigInt64Array) a[i] = x;
      else a[i] = Number(x); // a negative into uint8 wraps here, as in PyTorch
    }
    return a;
  }
  switch (buf) {
    case 'float64':
      return Float64Array.from(flat, Number);
    case 'bool':
      // Truthiness as Python's bool(): NaN is true.
      return Uint8Array.from(flat, (v) => (v === 0 || v === 0n || v === false ? 0 : 1));
    default:
      return Float32Array.from(flat, Number);
  }
}

function sizeArgs(args: unknown[], fn: string): { size: number[]; opts: unknown } {
  let opts: unknown;
  let rest = args;
  const last = args[args.length - 1];
  if (args.length > 0 && last !== null && typeof last === 'object' && !Array.isArray(last)) {
    opts = last;
    rest = args.slice(0, -1);
  }
  const size = rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest;
  return { size: expectShape(size, `${fn}: size`), opts };
}

/** A size given as one array or as separate integers (`zeros([2, 3])`, `zeros(2, 3)`). */
export type SizeArgs = [number[], CreationOptions?] | number[];

/** `torch.zeros(size)`: `zeros([2, 3])` or `zeros(2, 3)`, with optional creation options last. */
export function zeros(...args: SizeArgs | [...number[], CreationOptions]): Tensor {
  const { size, opts } = sizeArgs(args, 'zeros');
  const c = creationArgs(opts as CreationOptions, 'zeros');
  return finish(wrap(O.zeros(size, c.dtype, undefined, c.device)), c.requiresGrad);
}
/** `torch.ones(size)`: `ones([2, 3])` or `ones(2, 3)`, with optional creation options last. */
export function ones(...args: SizeArgs | [...number[], CreationOptions]): Tensor {
  const { size, opts } = sizeArgs(args, 'ones');
  const c = creationArgs(opts as CreationOptions, 'ones');
  return finish(wrap(O.ones(size, c.dtype, undefined, c.device)), c.requiresGrad);
}
/** `torch.empty(size)`: uninitialised memory of the given size. */
export function empty(...args: SizeArgs | [...number[], CreationOptions]): Tensor {
  const { size, opts } = sizeArgs(args, 'empty');
  const c = creationArgs(opts as CreationOptions, 'empty');
  return finish(wrap(O.empty(size, c.dtype, undefined, c.device)), c.requiresGrad);
}
/** `torch.full(size, fillValue)`; numbers give float32 unless a dtype is given (booleans bool, bigints int64). */
export function full(size: number[], fillValue: Scalar, opts?: CreationOptions): Tensor {
  expectShape(size, 'full: size');
  const c = creationArgs(opts, 'full');
  const v = scalarArg(fillValue, 'full: fillValue');
  // Python infers the dtype from the fill value; JS numbers default to float32 like tensor().
  const dt = c.dtype ?? (typeof v === 'boolean' ? DTYPE_CODE.bool : typeof v === 'bigint' ? DTYPE_CODE.int64 : DTYPE_CODE.float32);
  return finish(wrap(O.full(size, v, dt, undefined, c.device)), c.requiresGrad);
}
/** arange(end), arange(start, end), arange(start, end, step); float32 unless a dtype is given, int64 when every argument is an integer and dtype is 'int64'. */
export function arange(end: number, opts?: CreationOptions): Tensor;
export function arange(start: number, end: number, opts?: CreationOptions): Tensor;
export function arange(start: number, end: number, step: number, opts?: CreationOptions): Tensor;
export function arange(...args: (number | CreationOptions | undefined)[]): Tensor {
  let opts: CreationOptions | undefined;
  if (args.length > 0 && typeof args[args.length - 1] === 'object') opts = args.pop() as CreationOptions;
  const nums = args.filter((a) => a !== undefined) as number[];
  nums.forEach((v, i) => expectNumber(v, `arange: ${['start', 'end', 'step'][nums.length === 1 ? 1 : i]}`));
  const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : nums.length === 2 ? [nums[0], nums[1], 1] : nums;
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  const c = creationArgs(opts, 'arange');
  const allInt = [start, end, step].every(Number.isInteger);
  const dt = c.dtype ?? (allInt ? DTYPE_CODE.int64 : DTYPE_CODE.float32);
  return finish(wrap(O.arange(start, end, step, dt, undefined, c.device)), c.requiresGrad);
}
/** `torch.linspace(start, end, steps)`: `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, opts?: CreationOptions): Tensor {
  const c = creationArgs(opts, 'linspace');
  return finish(
    wrap(
      O.linspace(expectNumber(start, 'linspace: start'), expectNumber(end, 'linspace: end'), expectInt(steps, 'linspace: steps'), c.dtype, undefined, c.device),
    ),
    c.requiresGrad,
  );
}
/** `torch.eye(n, m?)`: the identity matrix (n×m). */
export function eye(n: number, m?: number, opts?: CreationOptions): Tensor {
  const c = creationArgs(opts, 'eye');
  expectInt(n, 'eye: n');
  return finish(
    wrap(m === undefined ? O.eye(n, c.dtype, undefined, c.device) : O.eyeM(n, expectInt(m, 'eye: m'), c.dtype, undefined, c.device)),
    c.requiresGrad,
  );
}
/** `torch.rand(size)`: uniform on [0, 1), from the default generator or `{generator}`. */
export function rand(...args: (number | number[] | RandomOptions)[]): Tensor {
  const { size, opts } = sizeArgs(args, 'rand');
  const c = creationArgs(opts as RandomOptions, 'rand', ['generator']);
  return finish(wrap(O.rand(size, genArg((opts as RandomOptions | undefined)?.generator, 'rand') ?? null, c.dtype, undefined, c.device)), c.requiresGrad);
}
/** `torch.randn(size)`: standard normal, from the default generator or `{generator}`. */
export function randn(...args: (number | number[] | RandomOptions)[]): Tensor {
  const { size, opts } = sizeArgs(args, 'randn');
  const c = creationArgs(opts as RandomOptions, 'randn', ['generator']);
  return finish(wrap(O.randn(size, genArg((opts as RandomOptions | undefined)?.generator, 'randn') ?? null, c.dtype, undefined, c.device)), c.requiresGrad);
}
/** randint(low, high, size) — int64 by default, as in PyTorch. */
export function randint(low: number, high: number, size: number[], opts?: RandomOptions): Tensor {
  const c = creationArgs(opts, 'randint', ['generator']);
  expectInt(low, 'randint: low');
  expectInt(high, 'randint: high');
  if (high <= low) throw new RangeError(`randint: expected low < high but got low=${low}, high=${high}`);
  return finish(
    wrap(
      O.randint(low, high, expectShape(size, 'randint: size'), genArg(opts?.generator, 'randint') ?? null, c.dtype ?? DTYPE_CODE.int64, undefined, c.device),
    ),
    c.requiresGrad,
  );
}
/** `torch.randperm(n)`: a random permutation of 0..n-1 (int64), PyTorch's stream for the same seed. */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  const c = creationArgs(opts, 'randperm', ['generator']);
  return finish(
    wrap(O.randperm(expectInt(n, 'randperm: n'), genArg(opts?.generator, 'randperm') ?? null, c.dtype ?? DTYPE_CODE.int64, undefined, c.device)),
    c.requiresGrad,
  );
}
function likeArgs(t: Tensor, opts: CreationOptions | undefined, fn: string) {
  h(t, `${fn}: input`);
  return creationArgs(opts, fn);
}
/** `torch.zeros_like(t)`: zeros with t's shape (and dtype/device unless given). */
export function zerosLike(t: Tensor, opts?: CreationOptions): Tensor {
  const c = likeArgs(t, opts, 'zerosLike');
  return finish(wrap(O.zerosLike(t._h, c.dtype, undefined, c.device)), c.requiresGrad);
}
/** `torch.ones_like(t)`. */
export function onesLike(t: Tensor, opts?: CreationOptions): Tensor {
  const c = likeArgs(t, opts, 'onesLike');
  return finish(wrap(O.onesLike(t._h, c.dtype, undefined, c.device)), c.requiresGrad);
}
/** `torch.empty_like(t)`. */
export function emptyLike(t: Tensor, opts?: CreationOptions): Tensor {
  const c = likeArgs(t, opts, 'emptyLike');
  return finish(wrap(O.emptyLike(t._h, c.dtype, undefined, c.device)), c.requiresGrad);
}
/** `torch.full_like(t, value)`. */
export function fullLike(t: Tensor, value: Scalar, opts?: CreationOptions): Tensor {
  const c = likeArgs(t, opts, 'fullLike');
  return finish(wrap(O.fullLike(t._h, scalarArg(value, 'fullLike: fillValue'), c.dtype, undefined, c.device)), c.requiresGrad);
}
/** `torch.rand_like(t)`. */
export function randLike(t: Tensor, opts?: CreationOptions): Tensor {
  const c = likeArgs(t, opts, 'randLike');
  return finish(wrap(O.randLike(t._h, c.dtype, undefined, c.device)), c.requiresGrad);
}
/** `torch.randn_like(t)`. */
export function randnLike(t: Tensor, opts?: CreationOptions): Tensor {
  const c = likeArgs(t, opts, 'randnLike');
  return finish(wrap(O.randnLike(t._h, c.dtype, undefined, c.device)), c.requiresGrad);
}
