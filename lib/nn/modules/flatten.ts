/** Flatten (torch/nn/modules/flatten.py). */
import type { Tensor } from '../../tensor.js';
import { checkOptions, expectInt } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { withContext, inputOf } from '../common.js';

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
