/** nn.Parameter: a leaf Tensor that requires grad, registered by modules and kept alive across tidy(). */
import { Tensor, op, empty } from '../tensor.js';
import { keep } from '../scope.js';
import { describe } from '../dtype.js';

const detach = op('aten::detach');

/**
 * `torch.nn.Parameter(data, requires_grad=True)`: shares `data`'s storage (like PyTorch) as a new
 * leaf tensor and is `keep()`-ed, so a caller's `tidy()` never frees a model's weights.
 */
export class Parameter extends Tensor {
  constructor(data?: Tensor, requiresGrad = true) {
    if (data !== undefined && !(data instanceof Tensor)) {
      throw new TypeError(`Parameter: expected Tensor for data but received ${describe(data)}`);
    }
    if (typeof requiresGrad !== 'boolean') {
      throw new TypeError(`Parameter: expected boolean for requiresGrad but received ${describe(requiresGrad)}`);
    }
    let src = data;
    if (src === undefined) src = empty([0]);
    super(detach(src._h));
    if (data === undefined) src.dispose();
    keep(this);
    if (requiresGrad) this.requiresGrad_(true);
  }
  /** As PyTorch prints parameters: "Parameter containing:\ntensor(...)". */
  override toString(): string {
    return this.isDisposed ? 'Parameter(<disposed>)' : `Parameter containing:\n${super.toString()}`;
  }
}

/** Factory form of `new nn.Parameter(t)`. */
export function parameter(data?: Tensor, requiresGrad = true): Parameter {
  return new Parameter(data, requiresGrad);
}

/** True for nn.Parameter instances. */
export function isParameter(x: unknown): x is Parameter {
  return x instanceof Parameter;
}
