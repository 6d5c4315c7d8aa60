/**
 * `torch.backends`: what the LibTorch build offers, and LibTorch's process-wide switches
 * (`torch.backends.cudnn.deterministic = true` as in PyTorch: the same at::Context flags).
 */
import { buildInfo, native, type ContextFlag } from './native.js';
import { expectBool } from './errors.js';
import { useLayout, setLayoutEnabled, layoutTrainingWorks } from './nn/mkldnn_layout.js';

/** `torch.backends.mkldnn`: oneDNN (MKL-DNN), LibTorch's CPU convolution library. */
export const mkldnn = {
  /**
   * Whether this LibTorch has oneDNN (`torch.backends.mkldnn.is_available()`): then
   * `Tensor.toMkldnn()` works and CPU convolutions run on it.
   */
  isAvailable(): boolean {
    return buildInfo.mkldnn;
  },
  /** Trains and runs a model's conv stacks in oneDNN's blocked layout (lib/nn/mkldnn_layout.ts). */
  useLayout,
  /** Switches every useLayout model between the layout and dense computation (same results). */
  setLayoutEnabled,
  /** Whether this LibTorch can train conv/ReLU/max-pool through oneDNN's layout. */
  layoutTrainingWorks,
};

/** A boolean switch of at::Context as the property `key` of the module `path`, validated on assignment. */
function flag(name: ContextFlag, path: string, key: string): PropertyDescriptor {
  return {
    enumerable: true,
    get: () => native.getFlag(name),
    set: (v: unknown) => native.setFlag(name, expectBool(v, `${path}: ${key}`)),
  };
}

/** `torch.backends.cudnn`: cuDNN, LibTorch's CUDA convolution library. */
export interface CudnnBackend {
  /** `torch.backends.cudnn.is_available()`: whether this LibTorch has cuDNN. */
  isAvailable(): boolean;
  /** Whether convolutions may use cuDNN at all (default true). */
  enabled: boolean;
  /** Whether cuDNN times its algorithms and keeps the fastest per shape (default false). */
  benchmark: boolean;
  /** Whether cuDNN uses only deterministic algorithms (default false). */
  deterministic: boolean;
  /** Whether cuDNN convolutions may use TF32 tensor cores (default true). */
  allowTf32: boolean;
}

/** `torch.backends.cudnn`: set its switches as in PyTorch (`backends.cudnn.deterministic = true`). */
export const cudnn: CudnnBackend = Object.defineProperties(
  {
    isAvailable(): boolean {
      return native.getFlag('cudnn.available');
    },
  } as CudnnBackend,
  {
    enabled: flag('cudnn.enabled', 'backends.cudnn', 'enabled'),
    benchmark: flag('cudnn.benchmark', 'backends.cudnn', 'benchmark'),
    deterministic: flag('cudnn.deterministic', 'backends.cudnn', 'deterministic'),
    allowTf32: flag('cudnn.allowTf32', 'backends.cudnn', 'allowTf32'),
  },
);

/** `torch.backends.cuda`: `cuda.matmul.allowTf32` (cuBLAS matrix products in TF32; default false). */
export const cuda = {
  matmul: Object.defineProperties({} as { allowTf32: boolean }, {
    allowTf32: flag('cuda.matmul.allowTf32', 'backends.cuda.matmul', 'allowTf32'),
  }),
};
