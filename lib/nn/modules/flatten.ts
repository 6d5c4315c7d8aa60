/** Flatten and Unflatten (torch/nn/modules/flatten.py). */
import { type Tensor, op, wrap } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectInt, isInt64 } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { withContext, inputOf, pyVal } from '../common.js';

/** `nn.Flatten(start_dim=1, end_dim=-1)`. */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim: number | { startDim?: number; endDim?: number } = 1, endDim = -1) {
    super();
    const o = typeof startDim === 'object' && startDim !== null ? startDim : { startDim, endDim };
    checkOptions(o, ['startDim', 'endDim'], 'Flatten');
    this.startDim = expectInt(o.startDim ?? 1, 'Flatten: startDim');
    this.endDim = expectInt(o.endDim ?? -1, 'Flatten: endDim');
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.flatten(inputOf(this, input), this.startDim, this.endDim),
    );
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

const unflattenOp = op('aten::unflatten.int');
/** `nn.Unflatten(dim, unflattened_size)`: dimension `dim` becomes `unflattenedSize` (one entry may be -1). */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: number[];
  constructor(dim: number | { dim: number; unflattenedSize: number[] }, unflattenedSize?: number[]) {
    super();
    const fn = 'Unflatten';
    let d: unknown = dim;
    let s: unknown = unflattenedSize;
    if (typeof dim === 'object' && dim !== null) {
      checkOptions(dim, ['dim', 'unflattenedSize'], fn);
      d = dim.dim;
      s = dim.unflattenedSize;
    }
    // Named dimensions (a string dim) are not supported: torchnode has no named tensors.
    if (!isInt64(d)) throw new TypeError(`${fn}: invalid argument type for dim parameter (expected an integer but received ${describe(d)})`);
    if (!Array.isArray(s)) throw new TypeError(`${fn}: unflattened_size must be a tuple of ints, but found ${describe(s)}`);
    s.forEach((e, i) => {
      if (!isInt64(e)) throw new TypeError(`${fn}: unflattened_size must be tuple of ints, but found element ${describe(e)} at pos ${i}`);
    });
    this.dim = d;
    this.unflattenedSize = [...s];
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => wrap(unflattenOp(x._h, this.dim, this.unflattenedSize)),
    );
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyVal(this.unflattenedSize)}`;
  }
}
