/**
 * `torch.backends`: what the LibTorch build offers on the CPU.
 */
import { buildInfo } from './native.js';

/** `torch.backends.mkldnn`: oneDNN (MKL-DNN), LibTorch's CPU convolution library. */
export const mkldnn = {
  /**
   * Whether this LibTorch has oneDNN (`torch.backends.mkldnn.is_available()`): then
   * `Tensor.toMkldnn()` works and CPU convolutions run on it.
   */
  isAvailable(): boolean {
    return buildInfo.mkldnn;
  },
};
