/**
 * The one piece of torch.backends.mkldnn.useLayout (lib/nn/mkldnn_layout.ts) that lib/tensor.ts
 * needs: whether a conv stack ever entered oneDNN's layout, so that view/reshape/flatten convert
 * back only then. It imports nothing, so tensor.ts can import it without an import cycle.
 * @internal
 */
interface LayoutTensor {
  readonly isMkldnn: boolean;
  toDense(): LayoutTensor;
}
// view, reshape, flatten (Tensor methods and F.flatten) and F.linear take a oneDNN tensor back to
// the strided layout: after a conv stack, where PyTorch's view raises and reshape/linear would
// keep oneDNN's layout (and its linear kernel, whose sums differ from the dense one).

let everUsed = false;

/** Called when a layout-enabled Conv2d converted its input. @internal */
export function markLayoutUsed(): void {
  everUsed = true;
}

/** The strided copy of `x` when it is in oneDNN's layout (after useLayout), else null. @internal */
export function strided<T extends LayoutTensor>(x: T): T | null {
  if (!everUsed || !x.isMkldnn) return null;
  return x.toDense() as T;
}

/** Runs `f` on `x`, or on its strided copy (freed after) when `x` is in oneDNN's layout. @internal */
export function withStrided<T extends LayoutTensor & { dispose(): void }, R>(x: T, f: (x: T) => R): R {
  const dense = strided(x);
  if (dense === null) return f(x);
  try {
    return f(dense);
  } finally {
    dense.dispose();
  }
}
