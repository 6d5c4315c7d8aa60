/**
 * Training in oneDNN's blocked layout (`torch.backends.mkldnn.useLayout(model)`): the model's
 * 2-d convolutions take a dense CPU float32 batch into oneDNN's blocked layout and return it in
 * that layout; ReLU and max-pooling keep it; `view`, `reshape` and `flatten` bring it back to
 * the strided layout. A dense CPU convolution converts its input and output between the layouts
 * on every call; a conv/ReLU/pool stack kept in oneDNN's layout converts once at each end. The
 * same oneDNN kernels compute, so outputs and gradients are bit-identical (test/67), and
 * training steps of the homework's CNNs run ~15–20 % faster (bench/).
 *
 * Where it is exact: conv/ReLU/max-pool stacks, batches of two or more (a single image may take
 * another kernel and differ in the last bit: such a batch stays dense). oneDNN's logistic differs
 * from ATen's sigmoid by up to 1 ulp: do not enable it for models whose convolutions feed a
 * sigmoid. It is enabled only when this LibTorch can train through the layout (1.13 can; 2.x's
 * max_pool2d refuses oneDNN tensors under autograd, as Python's to_mkldnn() does there).
 */
import { type Tensor, ones } from '../tensor.js';
import * as F from './functional/index.js';
import { tidy } from '../scope.js';
import { enableGrad, inferenceMode } from '../autograd.js';
import { buildInfo } from '../native.js';
import { describe } from '../dtype.js';
import { markLayoutUsed } from '../layout_state.js';
import type { Module } from './module.js';

let probed: boolean | null = null;
let globallyEnabled = true;

/**
 * `torch.backends.mkldnn.setLayoutEnabled(false)` makes every useLayout model run dense (as
 * Python's code does) until switched back on; the results are the same bit for bit.
 */
export function setLayoutEnabled(on: boolean): void {
  if (typeof on !== 'boolean') throw new TypeError(`backends.mkldnn.setLayoutEnabled: Expected a boolean for on but received ${describe(on)}`);
  globallyEnabled = on;
}

/** Whether useLayout models use the layout now. @internal */
export function layoutEnabled(): boolean {
  return globallyEnabled;
}

/** Whether this LibTorch trains conv2d → relu → max_pool2d through oneDNN's layout (probed once). */
export function layoutTrainingWorks(): boolean {
  if (probed !== null) return probed;
  probed = false;
  if (!buildInfo.mkldnn) return false;
  try {
    // Backward must run: outside inference mode and with grad on, whatever the caller's context.
    probed = inferenceMode(
      () =>
        enableGrad(() =>
          tidy(() => {
            const w = ones([2, 3, 3, 3], { requiresGrad: true });
            const x = ones([2, 3, 6, 6]).toMkldnn();
            const y = F.maxPool2d(F.relu(F.conv2d(x, w)), 2, { stride: 2 }).toDense();
            y.sum().backward();
            return w.grad !== null && y.shape.join() === '2,2,2,2';
          }),
        ),
      false,
    );
  } catch {
    probed = false;
  }
  return probed;
}

/** What useLayout marks on a module (Conv2d reads it). @internal */
export interface LayoutAware {
  _oneDnnLayout?: boolean;
}

/**
 * `torch.backends.mkldnn.useLayout(model, enabled = true)`: the model's Conv2d modules train and
 * run in oneDNN's blocked layout as described above (when this LibTorch supports it; otherwise a
 * no-op). Returns the model.
 */
export function useLayout<M extends Module>(model: M, enabled = true): M {
  if (model === null || typeof model !== 'object' || typeof (model as Module).modules !== 'function')
    throw new TypeError(`backends.mkldnn.useLayout: Expected an nn.Module for model but received ${describe(model)}`);
  if (typeof enabled !== 'boolean') throw new TypeError(`backends.mkldnn.useLayout: Expected a boolean for enabled but received ${describe(enabled)}`);
  const on = enabled && layoutTrainingWorks();
  for (const m of model.modules()) {
    // Conv2d (and its subclasses) declare the flag; matching on it, not on the class name.
    if (typeof (m as LayoutAware)._oneDnnLayout === 'boolean') (m as LayoutAware)._oneDnnLayout = on;
  }
  return model;
}

/** The input a layout-enabled Conv2d convolves: `x` in oneDNN's layout when that is exact and faster. @internal */
export function layoutInput(x: Tensor): Tensor | null {
  if (x.device !== 'cpu' || x.dtype !== 'float32' || x.ndim !== 4 || x.shape[0] < 2 || x.isMkldnn) return null;
  markLayoutUsed();
  return x.toMkldnn();
}
