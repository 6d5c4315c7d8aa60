/**
 * torchnode: LibTorch for Node.js with PyTorch's names and semantics.
 *
 *     import * as torch from 'torchnode';
 *     torch.manualSeed(42);
 *     const x = torch.randn([3]);
 */
import { availableParallelism } from 'node:os';
import { native, buildInfo } from './native.js';
import { checkOptions, expectBool } from './errors.js';
export {
  Tensor,
  ValuesIndices,
  slice,
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
  cat,
  concat,
  stack,
  where,
  multinomial,
  bernoulli,
  isTensor,
  type Scalar,
  type UniqueOptions,
  type UniqueConsecutiveOptions,
  type Device,
  type NestedArray,
  type CreationOptions,
  type RandomOptions,
  type IndexSpec,
  type Slice,
  type SumOptions,
  type SizeArgs,
  type Layout,
  TensorHookHandle,
  type TensorHook,
} from './tensor.js';
export { callOp } from './ops.js';
export { TorchError, type TorchErrorType } from './torch_error.js';
export * as ops from './ops.js';
export type { DType, TypedArray, DataOf } from './dtype.js';
export { tidy, keep, dispose, memory, type Owned } from './scope.js';
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, inferenceMode, isInferenceModeEnabled } from './autograd.js';
export * as autograd from './autograd.js';
export { Generator, manualSeed, initialSeed, getRngState, setRngState } from './random.js';
export { setPrintOptions, type PrintOptions } from './format.js';
export * from './functional.js';
export * as cuda from './cuda.js';
// The generated op surface (tools/gen/gen.ts): Tensor methods, torch.* functions, and the
// torch.linalg / torch.fft / torch.special namespaces, for every op not written by hand.
import './generated/tensor.generated.js';
export * from './generated/torch.generated.js';
export * as linalg from './generated/linalg.generated.js';
export * as fft from './generated/fft.generated.js';
export * as special from './generated/special.generated.js';
export type { MemoryFormat, OverloadSpec } from './dispatch.js';
export * as backends from './backends.js';

/** `torch.set_num_threads(n)`: intra-op threads of LibTorch (Debian's LibTorch defaults to 1). */
export function setNumThreads(n: number): void {
  if (!(Number.isInteger(n) && n > 0)) throw new TypeError(`setNumThreads: expected a positive integer for n but received ${String(n)}`);
  // OpenMP starts every thread at once: thousands of them stall the process for minutes.
  const max = Math.max(16, 4 * availableParallelism());
  if (n > max) throw new RangeError(`setNumThreads: expected at most ${max} threads (4 × the ${availableParallelism()} available cores) but received ${n}`);
  native.setNumThreads(n);
}
/** `torch.get_num_threads()`. */
export function getNumThreads(): number {
  return native.getNumThreads();
}

/**
 * `torch.use_deterministic_algorithms(mode, warn_only=False)`: ops with only a nondeterministic
 * implementation then throw (or, with `warnOnly`, warn), and those with a deterministic one use it.
 */
export function useDeterministicAlgorithms(mode: boolean, opts: { warnOnly?: boolean } = {}): void {
  const fn = 'useDeterministicAlgorithms';
  checkOptions(opts, ['warnOnly'], fn);
  native.setFlag('deterministicAlgorithms', expectBool(mode, `${fn}: mode`), expectBool(opts?.warnOnly ?? false, `${fn}: warnOnly`));
}

/** `torch.are_deterministic_algorithms_enabled()`. */
export function areDeterministicAlgorithmsEnabled(): boolean {
  return native.getFlag('deterministicAlgorithms');
}

/** `torch.is_deterministic_algorithms_warn_only_enabled()`. */
export function isDeterministicAlgorithmsWarnOnlyEnabled(): boolean {
  return native.getFlag('deterministicAlgorithmsWarnOnly');
}
/** The LibTorch this addon was built against. */
export const version = { torchnode: '0.1.0', libtorch: buildInfo.torchVersion, cuda: buildInfo.cudaBuild };
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { save, load, type LoadOptions, type Writer } from './serialize.js';
export * as jit from './jit.js';
export * as data from './data/index.js';
export * as datasets from './data/datasets.js';
export * as distributed from './distributed/index.js';
