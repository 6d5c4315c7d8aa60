/**
 * `torch.backends`: what the LibTorch build offers on the CPU.
 */
import { buildInfo } from './native.js';
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
