/** Autograd controls: no_grad / enable_grad / inference_mode scopes and autograd.grad. */
import { native } from './native.js';
import { type Tensor, wrap, h, runBackwardEndCallbacks } from './tensor.js';
import { checkOptions, refuseThenable } from './errors.js';
import { describe } from './dtype.js';

function withGradMode<T>(enabled: boolean, fn: () => T, name: string): T {
  if (typeof fn !== 'function') throw new TypeError(`${name}: expected a function but received ${describe(fn)}`);
  const prev = native.setGradEnabled(enabled);
  try {
    const r = fn();
    refuseThenable(r, `${name}: the function must be synchronous: grad mode is per thread and cannot span an await`);
    return r;
  } finally {
    native.setGradEnabled(prev);
  }
}

/** `with torch.no_grad():` — runs fn with gradient recording off. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn, 'noGrad');
}
/** `with torch.enable_grad():` */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn, 'enableGrad');
}
/** `torch.set_grad_enabled(flag)`; returns the previous mode. */
export function setGradEnabled(enabled: boolean): boolean {
  return native.setGradEnabled(Boolean(enabled));
}
/** `torch.is_grad_enabled()`: whether operations are currently recorded for autograd. */
export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
/** `with torch.inference_mode():` — faster than noGrad; tensors made inside can never join autograd. */
export function inferenceMode<T>(fn: () => T, mode = true): T {
  if (typeof fn !== 'function') throw new TypeError(`inferenceMode: expected a function but received ${describe(fn)}`);
  native.enterInferenceMode(mode);
  try {
    const r = fn();
    refuseThenable(r, 'inferenceMode: the function must be synchronous');
    return r;
  } finally {
    native.exitInferenceMode();
  }
}
/** `torch.is_inference_mode_enabled()`. */
export function isInferenceModeEnabled(): boolean {
  return native.isInferenceModeEnabled();
}

/** Options of {@link grad} (Python's keyword arguments `grad_outputs`, `retain_graph`, `create_graph`, `allow_unused`). */
export interface GradOptions {
  /** Python's `grad_outputs`: the vector in the vector-Jacobian product (default: ones for scalar outputs). */
  gradOutputs?: (Tensor | null)[] | Tensor | null;
  /** Keep the graph for another backward pass (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the gradient computation itself, for higher-order derivatives (default false). */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on instead of throwing (default false). */
  allowUnused?: boolean;
}

/** `torch.autograd.grad(outputs, inputs)`: gradients of outputs w.r.t. inputs (null where unused). */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts: GradOptions | null = {}): (Tensor | null)[] {
  checkOptions(opts, ['gradOutputs', 'retainGraph', 'createGraph', 'allowUnused'], 'autograd.grad');
  const outs = (Array.isArray(outputs) ? outputs : [outputs]).map((t, i) => h(t, `autograd.grad: outputs[${i}]`));
  const ins = (Array.isArray(inputs) ? inputs : [inputs]).map((t, i) => h(t, `autograd.grad: inputs[${i}]`));
  const gradOutputs = opts?.gradOutputs;
  const go =
    gradOutputs == null
      ? null
      : (Array.isArray(gradOutputs) ? gradOutputs : [gradOutputs]).map((t, i) => (t === null ? null : h(t, `autograd.grad: gradOutputs[${i}]`)));
  const r = native.autogradGrad(outs, ins, go, opts?.retainGraph, opts?.createGraph ?? false, opts?.allowUnused ?? false);
  return r.map((x) => (x === null ? null : wrap(x)));
}

/** `torch.autograd.backward(tensors, gradTensors)`. */
export function backward(
  tensors: Tensor | Tensor[],
  gradTensors?: Tensor | (Tensor | null)[] | null,
  opts: { retainGraph?: boolean; createGraph?: boolean } | null = {},
): void {
  checkOptions(opts, ['retainGraph', 'createGraph'], 'autograd.backward');
  const ts = Array.isArray(tensors) ? tensors : [tensors];
  ts.forEach((t, i) => h(t, Array.isArray(tensors) ? `autograd.backward: tensors[${i}]` : 'autograd.backward: tensors'));
  const gs = gradTensors == null ? null : Array.isArray(gradTensors) ? gradTensors : [gradTensors];
  if (gs !== null && gs.length !== ts.length) {
    throw new Error(`autograd.backward: got ${ts.length} tensors and ${gs.length} gradients`);
  }
  const gh = gs?.map((g, i) => (g == null ? null : h(g, `autograd.backward: gradTensors[${i}]`))) ?? null;
  // One engine run for all roots, as PyTorch: a leaf reached from several gets one summed gradient.
  native.backwardMany(
    ts.map((t) => t._h),
    gh,
    opts?.retainGraph,
    opts?.createGraph ?? false,
  );
  runBackwardEndCallbacks();
}
