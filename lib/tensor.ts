/// <reference lib="esnext.disposable" preserve="true" />
/**
 * Tensor: a JS handle to one LibTorch tensor. Every operation runs in LibTorch; this file only
 * validates arguments, picks the operator overload and wraps results.
 */
import { native, buildInfo, BINARY, BINARY_NUMBER, type Handle } from './native.js';
import { track, untrack, type Owned } from './scope.js';
import { type DType, type DataOf, dtypeCode, dtypeFromCode, viewAs, describe, ELEMENT_SIZE, isFloatingDType, isComplexDType, DTYPE_CODE } from './dtype.js';
import { expectInt, expectIntArray, expectBool, checkOptions, expectNumber, argMessage, apiFunction, callPrefix } from './errors.js';
import { formatTensor } from './format.js';
import { Generator, threadDefaultGeneratorId } from './random.js';
import { withStrided as viaStrided } from './layout_state.js';
import { full } from './creation.js';
import { applyIndex, assignIndex } from './indexing.js';

/** A JS scalar operand: numbers (integral values act as Python ints), booleans, bigints (int64). */
export type Scalar = number | boolean | bigint;
/** A device string: 'cpu', 'cuda', 'cuda:0'. */
export type Device = string;
/**
 * A tensor's memory layout, as Python names it: `'strided'` (dense), `'_mkldnn'` (oneDNN's
 * blocked layout, see {@link Tensor.toMkldnn}), `'sparse_coo'`, `'sparse_csr'`, `'sparse_csc'`,
 * `'sparse_bsr'`, `'sparse_bsc'`; `'other'` for layouts the
 * facade does not create.
 */
export type Layout = 'strided' | '_mkldnn' | 'sparse_coo' | 'sparse_csr' | 'sparse_csc' | 'sparse_bsr' | 'sparse_bsc' | 'other';
/** Nested arrays of numbers/booleans/bigints, as `torch.tensor` takes nested lists. */
export type NestedArray = Scalar | readonly NestedArray[];

// ---- operator references -------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: generic op wrappers return whatever the op returns; the typed methods narrow it
type OpFn = (...args: unknown[]) => any;

/**
 * A LibTorch operator by schema name ("aten::add.Tensor"), resolved on first use. Unused
 * trailing arguments stay undefined and take the schema's defaults.
 * @internal
 */
export function op(qualified: string): OpFn {
  const dot = qualified.indexOf('.', qualified.indexOf('::') + 2);
  const name = dot < 0 ? qualified : qualified.slice(0, dot);
  const overload = dot < 0 ? '' : qualified.slice(dot + 1);
  let index = -1;
  return (...args) => {
    if (index < 0) {
      try {
        index = native.resolveOp(name, overload);
      } catch (e) {
        // "LibTorch 2.6.0 has no operator aten::symeig" is about the function the user called.
        const prefix = callPrefix();
        if (prefix && e instanceof Error && e.message.startsWith('resolveOp: ')) e.message = prefix + e.message.slice('resolveOp: '.length);
        throw e;
      }
    }
    return native.op(index, ...args);
  };
}

/** Wraps a handle returned by the addon. @internal */
export function wrap(h: Handle): Tensor {
  return new Tensor(h);
}
function wrapPair(hs: [Handle, Handle], _names: [string, string]): ValuesIndices {
  return new ValuesIndices(wrap(hs[0]), wrap(hs[1]));
}

// ---- argument helpers ------------------------------------------------------------------

const DEVICE_RE = /^(cpu|cuda|meta|mps)(:\d+)?$/;
/** Validates a device string. @internal */
export function deviceArg(d: unknown, what = 'device'): string {
  if (typeof d === 'string' && DEVICE_RE.test(d)) return d;
  if (d && typeof d === 'object' && typeof (d as { type?: unknown }).type === 'string') {
    return deviceArg(String(d), what);
  }
  throw new TypeError(argMessage("a device like 'cpu', 'cuda' or 'cuda:0'", what, d));
}

/** The handle of a Tensor argument, with an error naming the argument otherwise. @internal */
export function h(t: unknown, what: string): Handle {
  if (t instanceof Tensor) return t._h;
  throw new TypeError(argMessage('Tensor', what, t));
}

function hs(ts: unknown, what: string): Handle[] {
  if (!Array.isArray(ts)) throw new TypeError(argMessage('an array of Tensors', what, ts));
  return ts.map((t, i) => h(t, `${what}[${i}]`));
}

export function scalarArg(v: unknown, what: string): Scalar {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  throw new TypeError(argMessage('Tensor or number', what, v));
}

function dimArg(v: unknown, what = 'dim'): number {
  return expectInt(v, what);
}

function optDims(v: unknown, what = 'dim'): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  return expectIntArray(v, what);
}

/** Sizes given as an array or as separate integers: `view([2, 3])` or `view(2, 3)`. */
function sizesArg(args: unknown[], what: string): number[] {
  const s = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  return expectIntArray(s, what);
}

/** Options of the factories (`zeros`, `tensor`, …): dtype, device and requiresGrad as in PyTorch. */
export interface CreationOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}
/** Factory options plus an explicit Generator (PyTorch's `generator=`). */
export interface RandomOptions extends CreationOptions {
  generator?: Generator;
}

// A collected handle frees only the addon's id for it: the hook stays registered, as in PyTorch.
const hookIdRegistry = new FinalizationRegistry<number>((id) => native.releaseHookId(id));

/** `hook(grad)` of {@link Tensor.registerHook}: may return a Tensor that replaces the gradient. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook written as a block without return (void) keeps the gradient
export type TensorHook = (grad: Tensor) => Tensor | null | undefined | void;

/**
 * `torch.utils.hooks.RemovableHandle` of a tensor hook ({@link Tensor.registerHook}):
 * `remove()` unregisters the hook; `using` removes it at the end of the scope.
 */
const backwardEndCallbacks = new Set<() => void>();

/**
 * Registers `fn` to run after every successful `backward()` (`Tensor.backward`,
 * `autograd.backward`), on the thread that called it: where PyTorch's DDP reducer finishes its
 * gradient reduction (the autograd engine's final callback). An error thrown by `fn` ends that
 * backward() call with it. Returns the unregistering function. @internal
 */
export function onBackwardEnd(fn: () => void): () => void {
  backwardEndCallbacks.add(fn);
  return () => {
    backwardEndCallbacks.delete(fn);
  };
}

/** @internal */
export function runBackwardEndCallbacks(): void {
  for (const fn of backwardEndCallbacks) fn();
}

export class TensorHookHandle {
  #id: number;
  /** Made by registerHook(); `id` is the addon's id of the hook. @internal */
  constructor(id: number) {
    // A bad id would reach the addon from the FinalizationRegistry, where a throw ends the process.
    if (!(Number.isInteger(id) && id >= 0)) throw new TypeError(argMessage('a hook id from registerHook()', 'TensorHookHandle: id', id));
    this.#id = id;
    hookIdRegistry.register(this, id, this);
  }
  /** Unregisters the hook (a second call does nothing). */
  remove(): void {
    if (this.#id < 0) return;
    hookIdRegistry.unregister(this);
    native.removeHook(this.#id);
    this.#id = -1;
  }
  [Symbol.dispose](): void {
    this.remove();
  }
}

export function genArg(g: unknown, fn?: string): number | undefined {
  if (g === undefined || g === null) return threadDefaultGeneratorId();
  if (g instanceof Generator) return g._id;
  throw new TypeError(argMessage('Generator', fn ? `${fn}: generator` : 'generator', g));
}

// ---- operators used by Tensor methods ----------------------------------------------------

export const O = {
  add: op('aten::add.Tensor'),
  addS: op('aten::add.Scalar'),
  add_: op('aten::add_.Tensor'),
  addS_: op('aten::add_.Scalar'),
  sub: op('aten::sub.Tensor'),
  subS: op('aten::sub.Scalar'),
  sub_: op('aten::sub_.Tensor'),
  subS_: op('aten::sub_.Scalar'),
  rsubS: op('aten::rsub.Scalar'),
  divMode: op('aten::div.Tensor_mode'),
  divSMode: op('aten::div.Scalar_mode'),
  pow: op('aten::pow.Tensor_Tensor'),
  powS: op('aten::pow.Tensor_Scalar'),
  powSelfS: op('aten::pow.Scalar'),
  pow_: op('aten::pow_.Tensor'),
  powS_: op('aten::pow_.Scalar'),
  remainder: op('aten::remainder.Tensor'),
  remainderS: op('aten::remainder.Scalar'),
  fmod: op('aten::fmod.Tensor'),
  fmodS: op('aten::fmod.Scalar'),
  maximum: op('aten::maximum'),
  minimum: op('aten::minimum'),
  atan2: op('aten::atan2'),
  matmul: op('aten::matmul'),
  mm: op('aten::mm'),
  bmm: op('aten::bmm'),
  mv: op('aten::mv'),
  dot: op('aten::dot'),
  outer: op('aten::outer'),
  t: op('aten::t'),
  addmm: op('aten::addmm'),
  eq: op('aten::eq.Tensor'),
  eqS: op('aten::eq.Scalar'),
  ne: op('aten::ne.Tensor'),
  neS: op('aten::ne.Scalar'),
  lt: op('aten::lt.Tensor'),
  ltS: op('aten::lt.Scalar'),
  le: op('aten::le.Tensor'),
  leS: op('aten::le.Scalar'),
  gt: op('aten::gt.Tensor'),
  gtS: op('aten::gt.Scalar'),
  ge: op('aten::ge.Tensor'),
  geS: op('aten::ge.Scalar'),
  equal: op('aten::equal'),
  allclose: op('aten::allclose'),
  isclose: op('aten::isclose'),
  logicalAnd: op('aten::logical_and'),
  logicalOr: op('aten::logical_or'),
  logicalXor: op('aten::logical_xor'),
  logicalNot: op('aten::logical_not'),
  where: op('aten::where.self'),
  whereScalarOther: op('aten::where.ScalarOther'),
  whereScalarSelf: op('aten::where.ScalarSelf'),
  whereScalar: op('aten::where.Scalar'),
  clamp: op('aten::clamp'),
  clampT: op('aten::clamp.Tensor'),
  clamp_: op('aten::clamp_'),
  sum: op('aten::sum'),
  sumDim: op('aten::sum.dim_IntList'),
  mean: op('aten::mean'),
  meanDim: op('aten::mean.dim'),
  prod: op('aten::prod'),
  prodDim: op('aten::prod.dim_int'),
  max: op('aten::max'),
  maxDim: op('aten::max.dim'),
  min: op('aten::min'),
  minDim: op('aten::min.dim'),
  amax: op('aten::amax'),
  amin: op('aten::amin'),
  argmax: op('aten::argmax'),
  argmin: op('aten::argmin'),
  stdCorrection: op('aten::std.correction'),
  varCorrection: op('aten::var.correction'),
  norm: op('aten::norm.Scalar'),
  normDim: op('aten::norm.ScalarOpt_dim'),
  all: op('aten::all'),
  allDim: op('aten::all.dim'),
  any: op('aten::any'),
  anyDim: op('aten::any.dim'),
  cumsum: op('aten::cumsum'),
  cumprod: op('aten::cumprod'),
  logsumexp: op('aten::logsumexp'),
  softmax: op('aten::softmax.int'),
  logSoftmax: op('aten::log_softmax.int'),
  sort: op('aten::sort'),
  topk: op('aten::topk'),
  argsort: op('aten::argsort'),
  view: op('aten::view'),
  reshape: op('aten::reshape'),
  flatten: op('aten::flatten.using_ints'),
  permute: op('aten::permute'),
  transpose: op('aten::transpose.int'),
  squeeze: op('aten::squeeze'),
  squeezeDim: op('aten::squeeze.dim'),
  unsqueeze: op('aten::unsqueeze'),
  expand: op('aten::expand'),
  contiguous: op('aten::contiguous'),
  toMkldnn: op('aten::to_mkldnn'),
  data: op('aten::data'),
  unique2: op('aten::_unique2'),
  uniqueDim: op('aten::unique_dim'),
  uniqueConsecutive: op('aten::unique_consecutive'),
  viewAsReal: op('aten::view_as_real'),
  resolveConj: op('aten::resolve_conj'),
  setData: op('aten::set_data'),
  toDense: op('aten::to_dense'),
  narrow: op('aten::narrow'),
  select: op('aten::select.int'),
  slice: op('aten::slice.Tensor'),
  repeat: op('aten::repeat'),
  flip: op('aten::flip'),
  unbind: op('aten::unbind.int'),
  split: op('aten::split.Tensor'),
  splitSizes: op('aten::split_with_sizes'),
  chunk: op('aten::chunk'),
  gather: op('aten::gather'),
  scatter: op('aten::scatter.src'),
  scatterS: op('aten::scatter.value'),
  scatterAdd: op('aten::scatter_add'),
  indexSelect: op('aten::index_select'),
  index: op('aten::index.Tensor'),
  indexPut_: op('aten::index_put_'),
  maskedFill: op('aten::masked_fill.Scalar'),
  maskedFillT: op('aten::masked_fill.Tensor'),
  maskedFill_: op('aten::masked_fill_.Scalar'),
  maskedSelect: op('aten::masked_select'),
  clone: op('aten::clone'),
  detach: op('aten::detach'),
  detach_: op('aten::detach_'),
  toDtype: op('aten::to.dtype'),
  toDevice: op('aten::to.device'),
  toOther: op('aten::to.other'),
  copy_: op('aten::copy_'),
  fill_: op('aten::fill_.Scalar'),
  zero_: op('aten::zero_'),
  uniform_: op('aten::uniform_'),
  normal_: op('aten::normal_'),
  bernoulli_: op('aten::bernoulli_.float'),
  randomFrom_: op('aten::random_.from'),
  exponential_: op('aten::exponential_'),
  item: op('aten::item'),
  tril: op('aten::tril'),
  triu: op('aten::triu'),
  diag: op('aten::diag'),
  trace: op('aten::trace'),
  nonzero: op('aten::nonzero'),
  lerp: op('aten::lerp.Scalar'),
  addcmul: op('aten::addcmul'),
  addcdiv: op('aten::addcdiv'),
  unique: op('aten::_unique2'),
  bincount: op('aten::bincount'),
  histc: op('aten::histc'),
  roll: op('aten::roll'),
  cat: op('aten::cat'),
  stack: op('aten::stack'),
  eye: op('aten::eye'),
  eyeM: op('aten::eye.m'),
  zeros: op('aten::zeros'),
  ones: op('aten::ones'),
  full: op('aten::full'),
  empty: op('aten::empty.memory_format'),
  arange: op('aten::arange.start_step'),
  linspace: op('aten::linspace'),
  rand: op('aten::rand.generator'),
  randn: op('aten::randn.generator'),
  randint: op('aten::randint.low_generator'),
  randperm: op('aten::randperm.generator'),
  zerosLike: op('aten::zeros_like'),
  onesLike: op('aten::ones_like'),
  fullLike: op('aten::full_like'),
  emptyLike: op('aten::empty_like'),
  randLike: op('aten::rand_like'),
  randnLike: op('aten::randn_like'),
  multinomial: op('aten::multinomial'),
  bernoulli: op('aten::bernoulli'),
} satisfies Record<string, OpFn>;

const UNARY = {
  neg: 'aten::neg',
  abs: 'aten::abs',
  exp: 'aten::exp',
  exp2: 'aten::exp2',
  expm1: 'aten::expm1',
  log: 'aten::log',
  log2: 'aten::log2',
  log10: 'aten::log10',
  log1p: 'aten::log1p',
  sqrt: 'aten::sqrt',
  rsqrt: 'aten::rsqrt',
  sin: 'aten::sin',
  cos: 'aten::cos',
  tan: 'aten::tan',
  asin: 'aten::asin',
  acos: 'aten::acos',
  atan: 'aten::atan',
  sinh: 'aten::sinh',
  cosh: 'aten::cosh',
  tanh: 'aten::tanh',
  sigmoid: 'aten::sigmoid',
  relu: 'aten::relu',
  floor: 'aten::floor',
  ceil: 'aten::ceil',
  round: 'aten::round',
  trunc: 'aten::trunc',
  frac: 'aten::frac',
  sign: 'aten::sign',
  reciprocal: 'aten::reciprocal',
  erf: 'aten::erf',
  erfinv: 'aten::erfinv',
  square: 'aten::square',
  isnan: 'aten::isnan',
  isinf: 'aten::isinf',
  isfinite: 'aten::isfinite',
  signbit: 'aten::signbit',
  bitwiseNot: 'aten::bitwise_not',
} as const;
type UnaryName = keyof typeof UNARY;
const UNARY_OPS = Object.fromEntries(Object.entries(UNARY).map(([k, q]) => [k, op(q)])) as Record<UnaryName, OpFn>;
const UNARY_INPLACE = [
  'neg',
  'abs',
  'exp',
  'log',
  'sqrt',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'relu',
  'floor',
  'ceil',
  'round',
  'trunc',
  'sign',
  'reciprocal',
  'square',
] as const;
type UnaryInplaceName = (typeof UNARY_INPLACE)[number];
const UNARY_INPLACE_OPS = Object.fromEntries(UNARY_INPLACE.map((k) => [k, op(`${UNARY[k]}_`)])) as Record<UnaryInplaceName, OpFn>;

// ---- the Tensor class ------------------------------------------------------------------

/** Returned by max/min/sort/topk along a dimension: destructure as `[values, indices]`. */
export class ValuesIndices {
  constructor(
    readonly values: Tensor,
    readonly indices: Tensor,
  ) {}
  get 0(): Tensor {
    return this.values;
  }
  get 1(): Tensor {
    return this.indices;
  }
  *[Symbol.iterator](): IterableIterator<Tensor> {
    yield this.values;
    yield this.indices;
  }
  [Symbol.dispose](): void {
    this.values.dispose();
    this.indices.dispose();
  }
}

/** Index specs for `index()`: integers, slices, `null` (new axis), `'...'`, and index tensors. */
export type IndexSpec = number | null | '...' | string | Slice | Tensor | readonly number[];
/** A Python slice `start:stop:step`, made by `slice()`; null/undefined bounds mean open ends. */
export interface Slice {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
  readonly __slice: true;
}
/** `slice(1, 3)` is Python's `1:3`; `slice()` is `:`. */
export function slice(start?: number | null, stop?: number | null, step?: number | null): Slice {
  return { start, stop, step, __slice: true };
}

/** Options of sum/mean/prod: `keepdim` and the accumulation `dtype`. */
export interface SumOptions {
  keepdim?: boolean;
  dtype?: DType;
}

/**
 * A tensor: a handle to one LibTorch tensor. Methods mirror `torch.Tensor`'s (camelCase, options
 * objects for keyword arguments); every computation runs in LibTorch. Release it with `dispose()`,
 * `using`, or a `tidy()` scope.
 */
const NOT_CLONEABLE = Symbol(
  'torchnode.Tensor: a tensor cannot be posted to a worker or structured-cloned; send t.dataSync() with t.shape and t.dtype, and rebuild it there with torch.tensor(data, {shape, dtype})',
);

/** Options of `Tensor.unique` / `torch.unique`. */
export interface UniqueOptions {
  sorted?: boolean;
  returnInverse?: boolean;
  returnCounts?: boolean;
  dim?: number | null;
}
/** Options of `Tensor.uniqueConsecutive` / `torch.uniqueConsecutive`. */
export type UniqueConsecutiveOptions = Omit<UniqueOptions, 'sorted'>;

/** Python's torch/functional.py shaping: the output alone, or with the results that were asked for. */
function uniqueResult(handles: number[], inverse: boolean, counts: boolean): Tensor | Tensor[] {
  const [out, inv, cnt] = handles.map((x) => wrap(x));
  if (!inverse) inv.dispose();
  if (!counts) cnt.dispose();
  if (inverse && counts) return [out, inv, cnt];
  if (inverse) return [out, inv];
  if (counts) return [out, cnt];
  return out;
}

export class Tensor implements Owned {
  /** @internal The addon handle; -1 once disposed. */
  _h: Handle;
  /** @internal */
  _kept?: boolean;
  /** @internal Declared here, not added by scope.ts's register(): every tensor keeps one hidden class, so V8's optimized code for them is not thrown away ("wrong map" deopts) when a finalizer is registered. */
  _reg?: boolean;
  /** @internal Its GC guard (scope.ts), declared for the same reason as `_reg`. */
  _g?: object;
  /**
   * @internal A Tensor is a handle into this thread's LibTorch: structured clone (postMessage to a
   * worker, structuredClone, v8.serialize) would deliver a plain object that is no tensor. This
   * symbol makes the clone throw a DataCloneError that says so.
   */
  _noClone = NOT_CLONEABLE;

  /** @internal Use `torch.tensor()` and the other factories to create tensors. */
  constructor(handle: Handle) {
    this._h = handle;
    track(this);
  }

  // ---- lifetime ----
  /** Releases the LibTorch tensor now. Safe to call twice. */
  dispose(): void {
    if (this._h >= 0) {
      native.release(this._h);
      untrack(this);
      this._h = -1;
    }
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  get isDisposed(): boolean {
    return this._h < 0;
  }

  // ---- metadata ----
  get shape(): number[] {
    return native.shape(this._h);
  }
  /** Same as shape (PyTorch's `size()`); with a dim, that dimension's size. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const s = native.shape(this._h);
    if (dim === undefined) return s;
    const d = normDim(expectInt(dim, 'dim'), s.length, 'size');
    return s[d];
  }
  get dtype(): DType {
    return dtypeFromCode(native.dtype(this._h));
  }
  get device(): Device {
    return native.device(this._h);
  }
  get ndim(): number {
    return native.ndim(this._h);
  }
  dim(): number {
    return native.ndim(this._h);
  }
  numel(): number {
    return native.numel(this._h);
  }
  stride(): number[] {
    return native.stride(this._h);
  }
  isContiguous(): boolean {
    return native.isContiguous(this._h);
  }
  isFloatingPoint(): boolean {
    return isFloatingDType(this.dtype);
  }
  /** Memory layout (PyTorch's `layout`): 'strided' for ordinary tensors. */
  get layout(): Layout {
    return native.layout(this._h) as Layout;
  }
  /** Whether the tensor is in oneDNN's blocked layout (PyTorch's `is_mkldnn`). */
  get isMkldnn(): boolean {
    return native.layout(this._h) === '_mkldnn';
  }
  /** Whether the tensor is sparse COO (PyTorch's `is_sparse`). */
  get isSparse(): boolean {
    return native.layout(this._h) === 'sparse_coo';
  }
  /** Whether the tensor is on a GPU (PyTorch's `is_cuda`). */
  get isCuda(): boolean {
    return this.device.startsWith('cuda');
  }
  /** Whether the tensor is on the meta device: shapes without data (PyTorch's `is_meta`). */
  get isMeta(): boolean {
    return this.device === 'meta';
  }
  /**
   * PyTorch's `Tensor.data`: this tensor's values without autograd history (shares storage, as
   * `detach()` does, but in-place changes through it are not seen by autograd's version check).
   * Assigning replaces the values (and shape, dtype) behind this tensor object, keeping its
   * autograd identity: `param.data = other`.
   */
  get data(): Tensor {
    return wrap(O.data(this._h));
  }
  set data(value: Tensor) {
    O.setData(this._h, h(value, 'data'));
  }
  elementSize(): number {
    return ELEMENT_SIZE[this.dtype];
  }

  // ---- autograd ----
  get requiresGrad(): boolean {
    return native.autogradInfo(this._h).requiresGrad;
  }
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }
  requiresGrad_(flag = true): this {
    native.requiresGrad(this._h, expectBool(flag, 'requiresGrad'));
    return this;
  }
  /** The accumulated gradient, or null. Each read returns a new handle to the same tensor. */
  get grad(): Tensor | null {
    const g = native.getGrad(this._h);
    return g === null ? null : wrap(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this._h, g === null ? null : h(g, 'grad'));
  }
  get isLeaf(): boolean {
    return native.autogradInfo(this._h).isLeaf;
  }
  get gradFn(): string | null {
    return native.autogradInfo(this._h).gradFn;
  }
  retainGrad(): this {
    native.retainGrad(this._h);
    return this;
  }
  /**
   * `Tensor.register_hook(hook)`: `hook(grad)` runs each time the gradient w.r.t. this tensor is
   * computed in a backward pass (before it is accumulated into a leaf's `.grad`); a returned Tensor
   * replaces the gradient, undefined/null keeps it. Hooks run in registration order. An error
   * thrown by the hook ends backward() with that error. The `grad` given is the hook's to keep
   * (freed by dispose() or GC as any tensor).
   *
   * Limitation: the hook is JS, so it runs only for gradients computed on the thread that called
   * backward(): LibTorch computes CPU gradients there, but CUDA ones on its device threads, where
   * the hook ends backward() with an error instead.
   */
  registerHook(hook: TensorHook): TensorHookHandle {
    if (this._h < 0) throw new Error(disposedMessage('registerHook'));
    if (typeof hook !== 'function') throw new TypeError(argMessage('a function', 'registerHook: hook', hook));
    const trampoline = (g: Handle): Handle | null => {
      const r = hook(wrap(g));
      if (r === undefined || r === null) return null;
      return h(r, 'registerHook: the value returned by the hook');
    };
    return new TensorHookHandle(native.registerHook(this._h, trampoline));
  }
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean } | null = {}): void {
    checkOptions(opts, ['retainGraph', 'createGraph'], 'backward');
    native.backward(this._h, gradient == null ? null : h(gradient, 'gradient'), opts?.retainGraph, opts?.createGraph ?? false);
    runBackwardEndCallbacks();
  }
  detach(): Tensor {
    return wrap(O.detach(this._h));
  }
  detach_(): this {
    O.detach_(this._h);
    return this;
  }

  // ---- conversion ----
  to(target: DType | Device | Tensor, opts: { nonBlocking?: boolean; copy?: boolean } | null = {}): Tensor {
    checkOptions(opts, ['nonBlocking', 'copy'], 'to');
    if (target instanceof Tensor) return wrap(O.toOther(this._h, target._h, opts?.nonBlocking, opts?.copy));
    if (typeof target === 'string' && DEVICE_RE.test(target)) {
      return wrap(O.toDevice(this._h, target, native.dtype(this._h), opts?.nonBlocking, opts?.copy));
    }
    return wrap(O.toDtype(this._h, dtypeCode(target, 'dtype'), opts?.nonBlocking, opts?.copy));
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  half(): Tensor {
    return this.to('float16');
  }
  bfloat16(): Tensor {
    return this.to('bfloat16');
  }
  long(): Tensor {
    return this.to('int64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  short(): Tensor {
    return this.to('int16');
  }
  char(): Tensor {
    return this.to('int8');
  }
  byte(): Tensor {
    return this.to('uint8');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  cpu(): Tensor {
    return this.to('cpu');
  }
  cuda(device: number | string = 0): Tensor {
    if (typeof device === 'number') return this.to(`cuda:${expectInt(device, 'device')}`);
    // Only CUDA devices: cuda('meta') or cuda('cpu') must not quietly move the tensor elsewhere.
    if (!/^cuda(:\d+)?$/.test(deviceArg(device))) {
      throw new TypeError(`cuda: expected a CUDA device index or 'cuda:N' for device but received ${describe(device)}`);
    }
    return this.to(device);
  }
  type(dtype: DType): Tensor {
    return this.to(dtype);
  }

  /**
   * A contiguous CPU copy of the elements as a TypedArray (float16/bfloat16 widened to float32),
   * as tfjs names it. (PyTorch's `data` is the tensor without autograd history: the `data`
   * property.)
   */
  dataSync<D extends DType = DType>(): DataOf<D> {
    if (this._h < 0) throw new Error(disposedMessage('dataSync'));
    const dtype = this.dtype;
    const layout = this.layout;
    if (layout.startsWith('sparse')) {
      throw new TypeError(`dataSync: a ${layout} tensor has no dense element buffer; call toDense() first (PyTorch's numpy() refuses sparse tensors too)`);
    }
    if (isComplexDType(dtype)) {
      // Real and imaginary parts interleaved (complex32 widened to complex64), read through a float view.
      const real = this._realView();
      try {
        return viewAs(dtype, native.data(real._h)) as DataOf<D>;
      } finally {
        real.dispose();
      }
    }
    return viewAs(dtype, native.data(this._h)) as DataOf<D>;
  }
  /** A complex tensor's values as a float tensor with a last dimension [real, imag] (conjugation resolved). @internal */
  _realView(): Tensor {
    const wide = this.dtype === 'complex32' ? wrap(O.toDtype(this._h, DTYPE_CODE.complex64, false, false)) : this;
    const resolved = wrap(O.resolveConj(wide._h));
    try {
      return wrap(O.viewAsReal(resolved._h));
    } finally {
      resolved.dispose();
      if (wide !== this) wide.dispose();
    }
  }
  /** PyTorch's `numpy()` for Node: the elements as a TypedArray copy (see dataSync). */
  numpy<D extends DType = DType>(): DataOf<D> {
    return this.dataSync<D>();
  }
  /** Nested JS arrays (numbers; int64 as numbers, exact up to 2^53; bool as booleans), as Python's tolist(). */
  toArray(): NestedArray {
    const dt = this.dtype;
    // Complex elements become [real, imag] pairs (JS has no complex number; Python gives complex).
    if (isComplexDType(dt)) {
      const real = this._realView();
      try {
        return real.toArray();
      } finally {
        real.dispose();
      }
    }
    const flat = this.dataSync();
    const conv = dt === 'bool' ? (v: unknown) => v !== 0 : dt === 'int64' ? (v: unknown) => Number(v) : (v: unknown) => v as number;
    const shape = this.shape;
    if (shape.length === 0) return conv(flat[0]) as Scalar;
    let pos = 0;
    const build = (d: number): NestedArray[] => {
      const n = shape[d];
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = d === shape.length - 1 ? (conv(flat[pos++]) as Scalar) : build(d + 1);
      return out;
    };
    return build(0);
  }
  /**
   * `Tensor.unique(sorted=True, return_inverse=False, return_counts=False, dim=None)`: the
   * distinct values, alone, or with the inverse indices and/or counts as Python returns them.
   */
  unique(opts?: UniqueOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
  unique(opts?: UniqueOptions | null): Tensor | Tensor[];
  unique(opts: UniqueOptions | null = {}): Tensor | Tensor[] {
    checkOptions(opts, ['sorted', 'returnInverse', 'returnCounts', 'dim'], 'unique');
    const sorted = expectBool(opts?.sorted ?? true, 'sorted');
    const inverse = expectBool(opts?.returnInverse ?? false, 'returnInverse');
    const counts = expectBool(opts?.returnCounts ?? false, 'returnCounts');
    const dim = opts?.dim ?? null;
    const out = (dim === null ? O.unique2(this._h, sorted, inverse, counts) : O.uniqueDim(this._h, expectInt(dim, 'dim'), sorted, inverse, counts)) as number[];
    return uniqueResult(out, inverse, counts);
  }
  /**
   * `Tensor.unique_consecutive(return_inverse=False, return_counts=False, dim=None)`: collapses
   * runs of equal values; results shaped as `unique`'s.
   */
  uniqueConsecutive(opts?: UniqueConsecutiveOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
  uniqueConsecutive(opts?: UniqueConsecutiveOptions | null): Tensor | Tensor[];
  uniqueConsecutive(opts: UniqueConsecutiveOptions | null = {}): Tensor | Tensor[] {
    checkOptions(opts, ['returnInverse', 'returnCounts', 'dim'], 'uniqueConsecutive');
    const inverse = expectBool(opts?.returnInverse ?? false, 'returnInverse');
    const counts = expectBool(opts?.returnCounts ?? false, 'returnCounts');
    const dim = opts?.dim === undefined || opts?.dim === null ? null : expectInt(opts.dim, 'dim');
    return uniqueResult(O.uniqueConsecutive(this._h, inverse, counts, dim) as number[], inverse, counts);
  }
  tolist(): NestedArray {
    return this.toArray();
  }
  /** The value of a one-element tensor as a JS number (or boolean for bool tensors). */
  item(): number;
  item<T extends Scalar>(): T;
  item(): Scalar {
    if (this._h < 0) throw new Error(disposedMessage('item'));
    if (this.numel() !== 1) {
      throw new Error(`item: a Tensor with ${this.numel()} elements cannot be converted to a scalar (shape [${this.shape.join(', ')}])`);
    }
    return O.item(this._h) as Scalar;
  }
  toString(): string {
    return this._h < 0 ? 'tensor(<disposed>)' : formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- arithmetic (Tensor or scalar operands broadcast like PyTorch) ----
  add(other: Tensor | Scalar, opts?: { alpha?: number }): Tensor {
    const alpha = opts?.alpha;
    if (other instanceof Tensor) return wrap(alpha === undefined ? native.binary(BINARY.add, this._h, other._h) : O.add(this._h, other._h, alpha));
    // A number goes in as a wrapped-number tensor, as Python passes it (AddBackward0 there too).
    if (alpha === undefined) return wrap(native.binary(BINARY.add | BINARY_NUMBER, this._h, scalarArg(other, 'other')));
    return wrap(O.addS(this._h, scalarArg(other, 'other'), alpha));
  }
  add_(other: Tensor | Scalar, opts?: { alpha?: number }): this {
    const alpha = opts?.alpha;
    if (other instanceof Tensor) {
      if (alpha === undefined) native.binary(BINARY.add_, this._h, other._h);
      else O.add_(this._h, other._h, alpha);
    } else if (alpha === undefined) native.binary(BINARY.add_ | BINARY_NUMBER, this._h, scalarArg(other, 'other'));
    else O.addS_(this._h, scalarArg(other, 'other'), alpha);
    return this;
  }
  sub(other: Tensor | Scalar, opts?: { alpha?: number }): Tensor {
    const alpha = opts?.alpha;
    if (other instanceof Tensor) return wrap(alpha === undefined ? native.binary(BINARY.sub, this._h, other._h) : O.sub(this._h, other._h, alpha));
    if (alpha === undefined) return wrap(native.binary(BINARY.sub | BINARY_NUMBER, this._h, scalarArg(other, 'other')));
    return wrap(O.subS(this._h, scalarArg(other, 'other'), alpha));
  }
  sub_(other: Tensor | Scalar, opts?: { alpha?: number }): this {
    const alpha = opts?.alpha;
    if (other instanceof Tensor) {
      if (alpha === undefined) native.binary(BINARY.sub_, this._h, other._h);
      else O.sub_(this._h, other._h, alpha);
    } else if (alpha === undefined) native.binary(BINARY.sub_ | BINARY_NUMBER, this._h, scalarArg(other, 'other'));
    else O.subS_(this._h, scalarArg(other, 'other'), alpha);
    return this;
  }
  /** `other - this`, Python's `2 - t`. */
  rsub(other: Scalar): Tensor {
    return wrap(O.rsubS(this._h, scalarArg(other, 'other')));
  }
  mul(other: Tensor | Scalar): Tensor {
    if (other instanceof Tensor) return wrap(native.binary(BINARY.mul, this._h, other._h));
    return wrap(native.binary(BINARY.mul | BINARY_NUMBER, this._h, scalarArg(other, 'other')));
  }
  mul_(other: Tensor | Scalar): this {
    if (other instanceof Tensor) native.binary(BINARY.mul_, this._h, other._h);
    else native.binary(BINARY.mul_ | BINARY_NUMBER, this._h, scalarArg(other, 'other'));
    return this;
  }
  div(other: Tensor | Scalar, opts?: { roundingMode?: 'trunc' | 'floor' }): Tensor {
    const mode = opts?.roundingMode;
    if (mode !== undefined) {
      if (mode !== 'trunc' && mode !== 'floor') throw new TypeError(argMessage("'trunc' or 'floor'", 'roundingMode', mode));
      return other instanceof Tensor ? wrap(O.divMode(this._h, other._h, mode)) : wrap(O.divSMode(this._h, scalarArg(other, 'other'), mode));
    }
    if (other instanceof Tensor) return wrap(native.binary(BINARY.div, this._h, other._h));
    return wrap(native.binary(BINARY.div | BINARY_NUMBER, this._h, scalarArg(other, 'other')));
  }
  div_(other: Tensor | Scalar): this {
    if (other instanceof Tensor) native.binary(BINARY.div_, this._h, other._h);
    else native.binary(BINARY.div_ | BINARY_NUMBER, this._h, scalarArg(other, 'other'));
    return this;
  }
  pow(exponent: Tensor | Scalar): Tensor {
    return exponent instanceof Tensor ? wrap(O.pow(this._h, exponent._h)) : wrap(O.powS(this._h, scalarArg(exponent, 'exponent')));
  }
  pow_(exponent: Tensor | Scalar): this {
    if (exponent instanceof Tensor) O.pow_(this._h, exponent._h);
    else O.powS_(this._h, scalarArg(exponent, 'exponent'));
    return this;
  }
  remainder(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? wrap(O.remainder(this._h, other._h)) : wrap(O.remainderS(this._h, scalarArg(other, 'other')));
  }
  fmod(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? wrap(O.fmod(this._h, other._h)) : wrap(O.fmodS(this._h, scalarArg(other, 'other')));
  }
  maximum(other: Tensor): Tensor {
    return wrap(O.maximum(this._h, h(other, 'other')));
  }
  minimum(other: Tensor): Tensor {
    return wrap(O.minimum(this._h, h(other, 'other')));
  }
  atan2(other: Tensor): Tensor {
    return wrap(O.atan2(this._h, h(other, 'other')));
  }
  lerp(end: Tensor, weight: number): Tensor {
    return wrap(O.lerp(this._h, h(end, 'end'), expectNumber(weight, 'weight')));
  }
  addcmul(t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor {
    return wrap(O.addcmul(this._h, h(t1, 'tensor1'), h(t2, 'tensor2'), opts?.value));
  }
  addcdiv(t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor {
    return wrap(O.addcdiv(this._h, h(t1, 'tensor1'), h(t2, 'tensor2'), opts?.value));
  }

  // unary math
  neg(): Tensor {
    return wrap(UNARY_OPS.neg(this._h));
  }
  abs(): Tensor {
    return wrap(UNARY_OPS.abs(this._h));
  }
  exp(): Tensor {
    return wrap(UNARY_OPS.exp(this._h));
  }
  exp2(): Tensor {
    return wrap(UNARY_OPS.exp2(this._h));
  }
  expm1(): Tensor {
    return wrap(UNARY_OPS.expm1(this._h));
  }
  log(): Tensor {
    return wrap(UNARY_OPS.log(this._h));
  }
  log2(): Tensor {
    return wrap(UNARY_OPS.log2(this._h));
  }
  log10(): Tensor {
    return wrap(UNARY_OPS.log10(this._h));
  }
  log1p(): Tensor {
    return wrap(UNARY_OPS.log1p(this._h));
  }
  sqrt(): Tensor {
    return wrap(UNARY_OPS.sqrt(this._h));
  }
  rsqrt(): Tensor {
    return wrap(UNARY_OPS.rsqrt(this._h));
  }
  sin(): Tensor {
    return wrap(UNARY_OPS.sin(this._h));
  }
  cos(): Tensor {
    return wrap(UNARY_OPS.cos(this._h));
  }
  tan(): Tensor {
    return wrap(UNARY_OPS.tan(this._h));
  }
  asin(): Tensor {
    return wrap(UNARY_OPS.asin(this._h));
  }
  acos(): Tensor {
    return wrap(UNARY_OPS.acos(this._h));
  }
  atan(): Tensor {
    return wrap(UNARY_OPS.atan(this._h));
  }
  sinh(): Tensor {
    return wrap(UNARY_OPS.sinh(this._h));
  }
  cosh(): Tensor {
    return wrap(UNARY_OPS.cosh(this._h));
  }
  tanh(): Tensor {
    return wrap(UNARY_OPS.tanh(this._h));
  }
  sigmoid(): Tensor {
    return wrap(UNARY_OPS.sigmoid(this._h));
  }
  relu(): Tensor {
    return wrap(UNARY_OPS.relu(this._h));
  }
  floor(): Tensor {
    return wrap(UNARY_OPS.floor(this._h));
  }
  ceil(): Tensor {
    return wrap(UNARY_OPS.ceil(this._h));
  }
  round(): Tensor {
    return wrap(UNARY_OPS.round(this._h));
  }
  trunc(): Tensor {
    return wrap(UNARY_OPS.trunc(this._h));
  }
  frac(): Tensor {
    return wrap(UNARY_OPS.frac(this._h));
  }
  sign(): Tensor {
    return wrap(UNARY_OPS.sign(this._h));
  }
  reciprocal(): Tensor {
    return wrap(UNARY_OPS.reciprocal(this._h));
  }
  erf(): Tensor {
    return wrap(UNARY_OPS.erf(this._h));
  }
  erfinv(): Tensor {
    return wrap(UNARY_OPS.erfinv(this._h));
  }
  square(): Tensor {
    return wrap(UNARY_OPS.square(this._h));
  }
  isnan(): Tensor {
    return wrap(UNARY_OPS.isnan(this._h));
  }
  isinf(): Tensor {
    return wrap(UNARY_OPS.isinf(this._h));
  }
  isfinite(): Tensor {
    return wrap(UNARY_OPS.isfinite(this._h));
  }
  signbit(): Tensor {
    return wrap(UNARY_OPS.signbit(this._h));
  }
  bitwiseNot(): Tensor {
    return wrap(UNARY_OPS.bitwiseNot(this._h));
  }
  neg_(): this {
    UNARY_INPLACE_OPS.neg(this._h);
    return this;
  }
  abs_(): this {
    UNARY_INPLACE_OPS.abs(this._h);
    return this;
  }
  exp_(): this {
    UNARY_INPLACE_OPS.exp(this._h);
    return this;
  }
  log_(): this {
    UNARY_INPLACE_OPS.log(this._h);
    return this;
  }
  sqrt_(): this {
    UNARY_INPLACE_OPS.sqrt(this._h);
    return this;
  }
  sin_(): this {
    UNARY_INPLACE_OPS.sin(this._h);
    return this;
  }
  cos_(): this {
    UNARY_INPLACE_OPS.cos(this._h);
    return this;
  }
  tanh_(): this {
    UNARY_INPLACE_OPS.tanh(this._h);
    return this;
  }
  sigmoid_(): this {
    UNARY_INPLACE_OPS.sigmoid(this._h);
    return this;
  }
  relu_(): this {
    UNARY_INPLACE_OPS.relu(this._h);
    return this;
  }
  floor_(): this {
    UNARY_INPLACE_OPS.floor(this._h);
    return this;
  }
  ceil_(): this {
    UNARY_INPLACE_OPS.ceil(this._h);
    return this;
  }
  round_(): this {
    UNARY_INPLACE_OPS.round(this._h);
    return this;
  }
  trunc_(): this {
    UNARY_INPLACE_OPS.trunc(this._h);
    return this;
  }
  sign_(): this {
    UNARY_INPLACE_OPS.sign(this._h);
    return this;
  }
  reciprocal_(): this {
    UNARY_INPLACE_OPS.reciprocal(this._h);
    return this;
  }
  square_(): this {
    UNARY_INPLACE_OPS.square(this._h);
    return this;
  }

  clamp(opts: { min?: number | Tensor | null; max?: number | Tensor | null }): Tensor;
  clamp(min?: number | null, max?: number | null): Tensor;
  clamp(a?: number | null | { min?: number | Tensor | null; max?: number | Tensor | null }, b?: number | null): Tensor {
    const [min, max] = a !== null && typeof a === 'object' ? [a.min ?? null, a.max ?? null] : [a ?? null, b ?? null];
    if (min === null && max === null) throw new TypeError(`${callPrefix() || 'clamp: '}at least one of 'min' or 'max' must be given`);
    if (min instanceof Tensor || max instanceof Tensor) {
      return wrap(O.clampT(this._h, min instanceof Tensor ? min._h : null, max instanceof Tensor ? max._h : null));
    }
    return wrap(O.clamp(this._h, min === null ? null : expectNumber(min, 'min'), max === null ? null : expectNumber(max, 'max')));
  }
  clamp_(min?: number | null, max?: number | null): this {
    if (min == null && max == null) throw new TypeError("clamp_: at least one of 'min' or 'max' must be given");
    O.clamp_(this._h, min ?? null, max ?? null);
    return this;
  }
  clampMin(min: number): Tensor {
    return this.clamp(min, null);
  }
  clampMax(max: number): Tensor {
    return this.clamp(null, max);
  }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor {
    return wrap(native.binary(BINARY.matmul, this._h, h(other, 'other')));
  }
  mm(mat2: Tensor): Tensor {
    return wrap(O.mm(this._h, h(mat2, 'mat2')));
  }
  bmm(mat2: Tensor): Tensor {
    return wrap(O.bmm(this._h, h(mat2, 'mat2')));
  }
  mv(vec: Tensor): Tensor {
    return wrap(O.mv(this._h, h(vec, 'vec')));
  }
  dot(other: Tensor): Tensor {
    return wrap(O.dot(this._h, h(other, 'tensor')));
  }
  outer(vec2: Tensor): Tensor {
    return wrap(O.outer(this._h, h(vec2, 'vec2')));
  }
  t(): Tensor {
    return wrap(O.t(this._h));
  }
  get T(): Tensor {
    const n = this.ndim;
    return n < 2 ? this.detachedAlias() : this.permute(Array.from({ length: n }, (_, i) => n - 1 - i));
  }
  private detachedAlias(): Tensor {
    return wrap(native.alias(this._h));
  }
  tril(diagonal = 0): Tensor {
    return wrap(O.tril(this._h, expectInt(diagonal, 'diagonal')));
  }
  triu(diagonal = 0): Tensor {
    return wrap(O.triu(this._h, expectInt(diagonal, 'diagonal')));
  }
  diag(diagonal = 0): Tensor {
    return wrap(O.diag(this._h, expectInt(diagonal, 'diagonal')));
  }
  trace(): Tensor {
    return wrap(O.trace(this._h));
  }

  // ---- comparison and logic ----
  eq(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? wrap(O.eq(this._h, other._h)) : wrap(O.eqS(this._h, scalarArg(other, 'other')));
  }
  ne(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? wrap(O.ne(this._h, other._h)) : wrap(O.neS(this._h, scalarArg(other, 'other')));
  }
  lt(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? wrap(O.lt(this._h, other._h)) : wrap(O.ltS(this._h, scalarArg(other, 'other')));
  }
  le(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? wrap(O.le(this._h, other._h)) : wrap(O.leS(this._h, scalarArg(other, 'other')));
  }
  gt(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? wrap(O.gt(this._h, other._h)) : wrap(O.gtS(this._h, scalarArg(other, 'other')));
  }
  ge(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? wrap(O.ge(this._h, other._h)) : wrap(O.geS(this._h, scalarArg(other, 'other')));
  }
  /** True when shapes and all elements are equal (a JS boolean, as torch.equal). */
  equal(other: Tensor): boolean {
    return O.equal(this._h, h(other, 'other')) as boolean;
  }
  allclose(other: Tensor, opts: { rtol?: number; atol?: number; equalNan?: boolean } | null = {}): boolean {
    checkOptions(opts, ['rtol', 'atol', 'equalNan'], 'allclose');
    return O.allclose(this._h, h(other, 'other'), opts?.rtol, opts?.atol, opts?.equalNan) as boolean;
  }
  isclose(other: Tensor, opts: { rtol?: number; atol?: number; equalNan?: boolean } | null = {}): Tensor {
    checkOptions(opts, ['rtol', 'atol', 'equalNan'], 'isclose');
    return wrap(O.isclose(this._h, h(other, 'other'), opts?.rtol, opts?.atol, opts?.equalNan));
  }
  logicalAnd(other: Tensor): Tensor {
    return wrap(O.logicalAnd(this._h, h(other, 'other')));
  }
  logicalOr(other: Tensor): Tensor {
    return wrap(O.logicalOr(this._h, h(other, 'other')));
  }
  logicalXor(other: Tensor): Tensor {
    return wrap(O.logicalXor(this._h, h(other, 'other')));
  }
  logicalNot(): Tensor {
    return wrap(O.logicalNot(this._h));
  }
  /** `torch.where(condition, this, other)`. */
  where(condition: Tensor, other: Tensor | Scalar): Tensor {
    return where(condition, this, other);
  }
  maskedFill(mask: Tensor, value: Scalar | Tensor): Tensor {
    return value instanceof Tensor
      ? wrap(O.maskedFillT(this._h, h(mask, 'mask'), value._h))
      : wrap(O.maskedFill(this._h, h(mask, 'mask'), scalarArg(value, 'value')));
  }
  maskedFill_(mask: Tensor, value: Scalar): this {
    O.maskedFill_(this._h, h(mask, 'mask'), scalarArg(value, 'value'));
    return this;
  }
  maskedSelect(mask: Tensor): Tensor {
    return wrap(O.maskedSelect(this._h, h(mask, 'mask')));
  }

  // ---- reductions ----
  sum(dim?: number | number[] | null, opts: SumOptions | null = {}): Tensor {
    checkOptions(opts, ['keepdim', 'dtype'], 'sum');
    const dt = opts?.dtype === undefined ? undefined : dtypeCode(opts?.dtype);
    if (dim === undefined || dim === null) return wrap(O.sum(this._h, dt));
    return wrap(O.sumDim(this._h, optDims(dim), opts?.keepdim ?? false, dt));
  }
  mean(dim?: number | number[] | null, opts: SumOptions | null = {}): Tensor {
    checkOptions(opts, ['keepdim', 'dtype'], 'mean');
    const dt = opts?.dtype === undefined ? undefined : dtypeCode(opts?.dtype);
    if (dim === undefined || dim === null) return wrap(O.mean(this._h, dt));
    return wrap(O.meanDim(this._h, optDims(dim), opts?.keepdim ?? false, dt));
  }
  prod(dim?: number | null, opts: SumOptions | null = {}): Tensor {
    checkOptions(opts, ['keepdim', 'dtype'], 'prod');
    const dt = opts?.dtype === undefined ? undefined : dtypeCode(opts?.dtype);
    if (dim === undefined || dim === null) return wrap(O.prod(this._h, dt));
    return wrap(O.prodDim(this._h, dimArg(dim), opts?.keepdim ?? false, dt));
  }
  /** max() of all elements; max(dim) → [values, indices]; max(tensor) → elementwise maximum. */
  max(): Tensor;
  max(dim: number, opts?: { keepdim?: boolean }): ValuesIndices;
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor, opts: { keepdim?: boolean } | null = {}): Tensor | ValuesIndices {
    if (dim === undefined) return wrap(O.max(this._h));
    if (dim instanceof Tensor) return this.maximum(dim);
    return wrapPair(O.maxDim(this._h, dimArg(dim), opts?.keepdim ?? false), ['values', 'indices']);
  }
  min(): Tensor;
  min(dim: number, opts?: { keepdim?: boolean }): ValuesIndices;
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor, opts: { keepdim?: boolean } | null = {}): Tensor | ValuesIndices {
    if (dim === undefined) return wrap(O.min(this._h));
    if (dim instanceof Tensor) return this.minimum(dim);
    return wrapPair(O.minDim(this._h, dimArg(dim), opts?.keepdim ?? false), ['values', 'indices']);
  }
  amax(dim: number | number[] = [], opts: { keepdim?: boolean } | null = {}): Tensor {
    return wrap(O.amax(this._h, expectIntArray(dim, 'dim'), opts?.keepdim ?? false));
  }
  amin(dim: number | number[] = [], opts: { keepdim?: boolean } | null = {}): Tensor {
    return wrap(O.amin(this._h, expectIntArray(dim, 'dim'), opts?.keepdim ?? false));
  }
  argmax(dim?: number | null, opts: { keepdim?: boolean } | null = {}): Tensor {
    return wrap(O.argmax(this._h, dim == null ? null : dimArg(dim), opts?.keepdim ?? false));
  }
  argmin(dim?: number | null, opts: { keepdim?: boolean } | null = {}): Tensor {
    return wrap(O.argmin(this._h, dim == null ? null : dimArg(dim), opts?.keepdim ?? false));
  }
  /** Standard deviation; `unbiased` (default true) or `correction` as in PyTorch. */
  std(dim?: number | number[] | null, opts: { unbiased?: boolean; correction?: number; keepdim?: boolean } | null = {}): Tensor {
    checkOptions(opts, ['unbiased', 'correction', 'keepdim'], 'std');
    return wrap(O.stdCorrection(this._h, optDims(dim) ?? null, correctionOf(opts ?? {}), opts?.keepdim ?? false));
  }
  var(dim?: number | number[] | null, opts: { unbiased?: boolean; correction?: number; keepdim?: boolean } | null = {}): Tensor {
    checkOptions(opts, ['unbiased', 'correction', 'keepdim'], 'var');
    return wrap(O.varCorrection(this._h, optDims(dim) ?? null, correctionOf(opts ?? {}), opts?.keepdim ?? false));
  }
  norm(p: number = 2, dim?: number | number[] | null, opts: { keepdim?: boolean } | null = {}): Tensor {
    expectNumber(p, 'p');
    if (dim === undefined || dim === null) return wrap(O.norm(this._h, p));
    return wrap(O.normDim(this._h, p, optDims(dim), opts?.keepdim ?? false));
  }
  all(dim?: number, opts: { keepdim?: boolean } | null = {}): Tensor {
    return dim === undefined ? wrap(O.all(this._h)) : wrap(O.allDim(this._h, dimArg(dim), opts?.keepdim ?? false));
  }
  any(dim?: number, opts: { keepdim?: boolean } | null = {}): Tensor {
    return dim === undefined ? wrap(O.any(this._h)) : wrap(O.anyDim(this._h, dimArg(dim), opts?.keepdim ?? false));
  }
  cumsum(dim: number, opts: { dtype?: DType } | null = {}): Tensor {
    return wrap(O.cumsum(this._h, dimArg(dim), opts?.dtype === undefined ? undefined : dtypeCode(opts?.dtype)));
  }
  cumprod(dim: number, opts: { dtype?: DType } | null = {}): Tensor {
    return wrap(O.cumprod(this._h, dimArg(dim), opts?.dtype === undefined ? undefined : dtypeCode(opts?.dtype)));
  }
  logsumexp(dim: number | number[], opts: { keepdim?: boolean } | null = {}): Tensor {
    return wrap(O.logsumexp(this._h, expectIntArray(dim, 'dim'), opts?.keepdim ?? false));
  }
  softmax(dim: number, opts: { dtype?: DType } | null = {}): Tensor {
    return wrap(O.softmax(this._h, dimArg(dim), opts?.dtype === undefined ? undefined : dtypeCode(opts?.dtype)));
  }
  logSoftmax(dim: number, opts: { dtype?: DType } | null = {}): Tensor {
    return wrap(O.logSoftmax(this._h, dimArg(dim), opts?.dtype === undefined ? undefined : dtypeCode(opts?.dtype)));
  }
  sort(dim = -1, opts: { descending?: boolean } | null = {}): ValuesIndices {
    return wrapPair(O.sort(this._h, dimArg(dim), opts?.descending ?? false), ['values', 'indices']);
  }
  argsort(dim = -1, opts: { descending?: boolean } | null = {}): Tensor {
    return wrap(O.argsort(this._h, dimArg(dim), opts?.descending ?? false));
  }
  topk(k: number, dim = -1, opts: { largest?: boolean; sorted?: boolean } | null = {}): ValuesIndices {
    return wrapPair(O.topk(this._h, expectInt(k, 'k'), dimArg(dim), opts?.largest ?? true, opts?.sorted ?? true), ['values', 'indices']);
  }

  // ---- shape ----
  view(...shape: number[] | [number[]]): Tensor {
    return viaStrided(this, (x) => wrap(O.view(x._h, sizesArg(shape, 'shape'))));
  }
  viewAs(other: Tensor): Tensor {
    h(other, 'other');
    return this.view(other.shape);
  }
  reshape(...shape: number[] | [number[]]): Tensor {
    return viaStrided(this, (x) => wrap(O.reshape(x._h, sizesArg(shape, 'shape'))));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return viaStrided(this, (x) => wrap(O.flatten(x._h, expectInt(startDim, 'startDim'), expectInt(endDim, 'endDim'))));
  }
  permute(...dims: number[] | [number[]]): Tensor {
    return wrap(O.permute(this._h, sizesArg(dims, 'dims')));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return wrap(O.transpose(this._h, dimArg(dim0, 'dim0'), dimArg(dim1, 'dim1')));
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? wrap(O.squeeze(this._h)) : wrap(O.squeezeDim(this._h, dimArg(dim)));
  }
  unsqueeze(dim: number): Tensor {
    return wrap(O.unsqueeze(this._h, dimArg(dim)));
  }
  expand(...sizes: number[] | [number[]]): Tensor {
    return wrap(O.expand(this._h, sizesArg(sizes, 'size')));
  }
  expandAs(other: Tensor): Tensor {
    h(other, 'other');
    return this.expand(other.shape);
  }
  contiguous(): Tensor {
    return wrap(O.contiguous(this._h));
  }
  /**
   * A copy in oneDNN's blocked layout (PyTorch's `to_mkldnn`; CPU float32/bfloat16). Convolution,
   * ReLU, sigmoid, pooling and `reshape` keep that layout (autograd included), so a stack that
   * stays in it skips the layout conversions a dense convolution pays for on each call;
   * `toDense()` converts back (views, indexing and most other ops need a strided tensor).
   */
  toMkldnn(): Tensor {
    if (this.device !== 'cpu') throw new TypeError(`toMkldnn: expected a CPU tensor but received one on ${this.device}`);
    if (!buildInfo.mkldnn) throw new Error(`toMkldnn: this LibTorch ${buildInfo.torchVersion} was built without oneDNN (MKL-DNN)`);
    return wrap(O.toMkldnn(this._h));
  }
  /** A strided (ordinary) copy of a oneDNN-layout tensor (PyTorch's `to_dense`); a strided tensor comes back as itself, like PyTorch. */
  toDense(): Tensor {
    return this.isMkldnn ? wrap(O.toDense(this._h)) : this;
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(O.narrow(this._h, dimArg(dim), expectInt(start, 'start'), expectInt(length, 'length')));
  }
  select(dim: number, index: number): Tensor {
    return wrap(O.select(this._h, dimArg(dim), expectInt(index, 'index')));
  }
  repeat(...sizes: number[] | [number[]]): Tensor {
    return wrap(O.repeat(this._h, sizesArg(sizes, 'repeats')));
  }
  flip(dims: number | number[]): Tensor {
    return wrap(O.flip(this._h, expectIntArray(dims, 'dims')));
  }
  roll(shifts: number | number[], dims: number | number[] = []): Tensor {
    return wrap(O.roll(this._h, expectIntArray(shifts, 'shifts'), expectIntArray(dims, 'dims')));
  }
  unbind(dim = 0): Tensor[] {
    return (O.unbind(this._h, dimArg(dim)) as Handle[]).map(wrap);
  }
  /** split(size) into chunks of `size`, or split([sizes]) into those sizes, along dim. */
  split(splitSize: number | number[], dim = 0): Tensor[] {
    const r = Array.isArray(splitSize)
      ? O.splitSizes(this._h, expectIntArray(splitSize, 'splitSize'), dimArg(dim))
      : O.split(this._h, expectInt(splitSize, 'splitSize'), dimArg(dim));
    return (r as Handle[]).map(wrap);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return (O.chunk(this._h, expectInt(chunks, 'chunks'), dimArg(dim)) as Handle[]).map(wrap);
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrap(O.gather(this._h, dimArg(dim), h(index, 'index')));
  }
  scatter(dim: number, index: Tensor, src: Tensor | Scalar): Tensor {
    return src instanceof Tensor
      ? wrap(O.scatter(this._h, dimArg(dim), h(index, 'index'), src._h))
      : wrap(O.scatterS(this._h, dimArg(dim), h(index, 'index'), scalarArg(src, 'value')));
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(O.scatterAdd(this._h, dimArg(dim), h(index, 'index'), h(src, 'src')));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(O.indexSelect(this._h, dimArg(dim), h(index, 'index')));
  }
  nonzero(): Tensor {
    return wrap(O.nonzero(this._h));
  }

  /**
   * Python indexing: `t[0, 1:3, None, ...]` is `t.index(0, '1:3', null, '...')`;
   * `slice(1, 3)` works too, and index tensors (int64 or bool) do advanced indexing.
   */
  index(...specs: IndexSpec[]): Tensor {
    return applyIndex(this, specs);
  }
  /** Python `t[specs] = value`: writes in place and returns this. */
  indexPut_(specs: IndexSpec | IndexSpec[], value: Tensor | Scalar): this {
    // An array is the list of specs: `[0, 1]` is Python's `t[0, 1]`, `[[0, 1]]` is `t[[0, 1]]`.
    assignIndex(this, Array.isArray(specs) ? (specs as IndexSpec[]) : [specs as IndexSpec], value);
    return this;
  }

  // ---- in-place fills and random ----
  copy_(src: Tensor, opts: { nonBlocking?: boolean } | null = {}): this {
    O.copy_(this._h, h(src, 'src'), opts?.nonBlocking ?? false);
    return this;
  }
  fill_(value: Scalar): this {
    O.fill_(this._h, scalarArg(value, 'value'));
    return this;
  }
  zero_(): this {
    O.zero_(this._h);
    return this;
  }
  uniform_(from = 0, to = 1, opts: { generator?: Generator } | null = {}): this {
    O.uniform_(this._h, expectNumber(from, 'from'), expectNumber(to, 'to'), genArg(opts?.generator));
    return this;
  }
  normal_(mean = 0, std = 1, opts: { generator?: Generator } | null = {}): this {
    O.normal_(this._h, expectNumber(mean, 'mean'), expectNumber(std, 'std'), genArg(opts?.generator));
    return this;
  }
  bernoulli_(p = 0.5, opts: { generator?: Generator } | null = {}): this {
    O.bernoulli_(this._h, expectNumber(p, 'p'), genArg(opts?.generator));
    return this;
  }
  exponential_(lambd = 1, opts: { generator?: Generator } | null = {}): this {
    O.exponential_(this._h, expectNumber(lambd, 'lambd'), genArg(opts?.generator));
    return this;
  }
  random_(from: number, to?: number | null, opts: { generator?: Generator } | null = {}): this {
    O.randomFrom_(this._h, expectInt(from, 'from'), to == null ? null : expectInt(to, 'to'), genArg(opts?.generator));
    return this;
  }
  clone(): Tensor {
    return wrap(O.clone(this._h));
  }
}

function correctionOf(opts: { unbiased?: boolean; correction?: number }): number {
  if (opts?.correction !== undefined) return expectNumber(opts?.correction, 'correction');
  return opts?.unbiased === false ? 0 : 1;
}

function normDim(d: number, n: number, fn: string): number {
  const r = d < 0 ? d + n : d;
  if (r < 0 || r >= Math.max(n, 1)) {
    throw new RangeError(`${fn}: Dimension out of range (expected to be in range of [${-Math.max(n, 1)}, ${Math.max(n, 1) - 1}], but got ${d})`);
  }
  return r;
}

function disposedMessage(fn: string): string {
  return `${fn}: argument 'self' is a disposed tensor (it was freed by dispose() or a tidy() scope)`;
}

// ---- creation: lib/creation.ts ---------------------------------------------------------------

export {
  tensor,
  zeros,
  ones,
  empty,
  full,
  arange,
  linspace,
  eye,
  rand,
  randn,
  randint,
  randperm,
  zerosLike,
  onesLike,
  emptyLike,
  fullLike,
  randLike,
  randnLike,
  type SizeArgs,
} from './creation.js';

// ---- functional forms (torch.add(a, b) etc.) ------------------------------------------------

/** `torch.cat(tensors, dim)`: concatenates along an existing dimension. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  return wrap(O.cat(hs(tensors, 'cat: tensors'), dimArg(dim, 'cat: dim')));
}
/** Alias of `cat` (`torch.concat`). */
export function concat(tensors: Tensor[], dim = 0): Tensor {
  return wrap(O.cat(hs(tensors, 'concat: tensors'), dimArg(dim, 'concat: dim')));
}
/** `torch.stack(tensors, dim)`: joins along a new dimension. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return wrap(O.stack(hs(tensors, 'stack: tensors'), dimArg(dim, 'stack: dim')));
}
/** `torch.where(condition, input, other)`: elementwise choice; scalars allowed for either branch. */
export function where(condition: Tensor, input: Tensor | Scalar, other: Tensor | Scalar): Tensor {
  const c = h(condition, 'where: condition');
  if (input instanceof Tensor && other instanceof Tensor) return wrap(O.where(c, input._h, other._h));
  if (input instanceof Tensor) return wrap(O.whereScalarOther(c, input._h, scalarArg(other, 'where: other')));
  if (other instanceof Tensor) return wrap(O.whereScalarSelf(c, scalarArg(input, 'where: input'), other._h));
  if (typeof input === 'number' && typeof other === 'number') {
    // JS cannot tell 1 from 1.0: two numbers give the default float dtype, as tensor() and full() do.
    const t = full([], input, { device: condition.device });
    try {
      return wrap(O.whereScalarOther(c, t._h, other));
    } finally {
      t.dispose();
    }
  }
  return wrap(O.whereScalar(c, scalarArg(input, 'where: input'), scalarArg(other, 'where: other')));
}
/** `torch.multinomial(input, numSamples)`: samples indices from the rows of `input` as probabilities. */
export function multinomial(input: Tensor, numSamples: number, opts: { replacement?: boolean; generator?: Generator } | null = {}): Tensor {
  checkOptions(opts, ['replacement', 'generator'], 'multinomial');
  const replacement = opts?.replacement === undefined ? false : expectBool(opts?.replacement, 'multinomial: replacement');
  return wrap(
    O.multinomial(
      h(input, 'multinomial: input'),
      expectInt(numSamples, 'multinomial: numSamples'),
      replacement,
      genArg(opts?.generator, 'multinomial') ?? null,
    ),
  );
}
/** `torch.bernoulli(input)`: 0/1 draws with probabilities `input`. */
export function bernoulli(input: Tensor, opts: { generator?: Generator } | null = {}): Tensor {
  checkOptions(opts, ['generator'], 'bernoulli');
  return wrap(O.bernoulli(h(input, 'bernoulli: input'), genArg(opts?.generator, 'bernoulli') ?? null));
}
/** True when `x` is a Tensor (torch.is_tensor). */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

// One error protocol for every Tensor method and getter: `this` must be a Tensor (a method taken
// off its tensor loses it), and validators' messages name the method (apiFunction, errors.ts).
function checkTensorThis(name: string): (self: unknown) => void {
  return (self) => {
    if (!(self instanceof Tensor)) {
      throw new TypeError(`Tensor.${name}: called on ${describe(self)} instead of a Tensor (was the method detached from its tensor?)`);
    }
  };
}
for (const key of Reflect.ownKeys(Tensor.prototype)) {
  if (key === 'constructor') continue;
  const name = typeof key === 'symbol' ? `[${key.description}]` : key;
  const d = Object.getOwnPropertyDescriptor(Tensor.prototype, key)!;
  if (typeof d.value === 'function') d.value = apiFunction(name, d.value, checkTensorThis(name));
  if (d.get) d.get = apiFunction(name, d.get, checkTensorThis(name));
  if (d.set) d.set = apiFunction(name, d.set, checkTensorThis(name));
  Object.defineProperty(Tensor.prototype, key, d);
}
