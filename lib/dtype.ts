import { argMessage } from './errors.js';
/** Data types, named as PyTorch names them (without the `torch.` prefix). */
export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool'
  | 'complex64'
  | 'complex128'
  | 'complex32';

/** LibTorch's c10::ScalarType codes (stable across 1.13 and 2.x). */
export const DTYPE_CODE: Readonly<Record<DType, number>> = {
  uint8: 0,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  complex32: 8,
  complex64: 9,
  complex128: 10,
  bool: 11,
  bfloat16: 15,
};

const CODE_TO_DTYPE: DType[] = [];
for (const [name, code] of Object.entries(DTYPE_CODE)) CODE_TO_DTYPE[code] = name as DType;

/** Aliases PyTorch accepts, so `{dtype: 'float'}` and `{dtype: 'long'}` port unchanged. */
const ALIASES: Record<string, DType> = {
  float: 'float32',
  double: 'float64',
  half: 'float16',
  long: 'int64',
  int: 'int32',
  short: 'int16',
  char: 'int8',
  byte: 'uint8',
  cfloat: 'complex64',
  cdouble: 'complex128',
  chalf: 'complex32',
};

/** The DType of a c10::ScalarType code the addon reports; throws for types torchnode does not expose. */
export function dtypeFromCode(code: number): DType {
  const d = CODE_TO_DTYPE[code];
  if (!d) throw new Error(`torchnode: unsupported dtype code ${code}`);
  return d;
}

/** Whether `x` is a canonical dtype name (aliases such as `'float'` are not; see `dtypeCode`). */
export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.hasOwn(DTYPE_CODE, x);
}

/** Validates a dtype argument and returns its code; `what` names the argument in errors. */
export function dtypeCode(dtype: unknown, what = 'dtype'): number {
  if (typeof dtype === 'string') {
    const name = ALIASES[dtype] ?? dtype;
    if (isDType(name)) return DTYPE_CODE[name];
  }
  throw new TypeError(argMessage(`one of ${Object.keys(DTYPE_CODE).join(', ')}`, what, dtype));
}

/** Validates a dtype argument (aliases allowed) and returns its canonical name. */
export function normalizeDType(dtype: unknown, what = 'dtype'): DType {
  return dtypeFromCode(dtypeCode(dtype, what));
}

/** Whether a dtype is a floating-point type (`torch.is_floating_point` on a dtype). */
export const isFloatingDType = (d: DType): boolean => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';

/** Whether a dtype is complex (`dtype.is_complex`). */
export const isComplexDType = (d: DType): boolean => d === 'complex64' || d === 'complex128' || d === 'complex32';

/** The TypedArrays that tensors are created from and that `data()` returns. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint8ClampedArray | BigInt64Array;

/**
 * The TypedArray that `dataSync()` returns for each dtype (half types are widened to float32;
 * complex types give their real and imaginary parts interleaved, as `viewAsReal` lays them out).
 */
export type DataOf<D extends DType> = D extends 'float64' | 'complex128'
  ? Float64Array
  : D extends 'int64'
    ? BigInt64Array
    : D extends 'int32'
      ? Int32Array
      : D extends 'int16'
        ? Int16Array
        : D extends 'int8'
          ? Int8Array
          : D extends 'uint8' | 'bool'
            ? Uint8Array
            : Float32Array;

/** The dtype a TypedArray maps to (`Uint8ClampedArray` reads as uint8). */
export function typedArrayDType(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'uint8';
  if (a instanceof BigInt64Array) return 'int64';
  throw new TypeError(`Unsupported TypedArray ${Object.prototype.toString.call(a)}`);
}

/** Views raw bytes from the addon as the TypedArray of a dtype (no copy). */
export function viewAs(dtype: DType, buf: ArrayBuffer): TypedArray {
  switch (dtype) {
    case 'float64':
    case 'complex128':
      return new Float64Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'int16':
      return new Int16Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buf);
    default:
      return new Float32Array(buf);
  }
}

/** Bytes per element of each dtype (`Tensor.elementSize()`). */
export const ELEMENT_SIZE: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
  complex32: 4,
  complex64: 8,
  complex128: 16,
};

/** A short description of any JS value for error messages ("1.5 of type number"). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '…' : v}' of type string`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${String(v)} of type ${typeof v}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return `a symbol (${v.toString()})`;
  let name: unknown;
  try {
    name = (v as object).constructor?.name;
  } catch {
    // a Proxy or getter that throws: the message must still be built
  }
  return typeof name === 'string' && name ? `an object of type ${name}` : 'an object';
}
