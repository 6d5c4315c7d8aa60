/** Dropout (torch/nn/modules/dropout.py). */
import type { Tensor } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { pyBool, pyFloat, inputOf } from '../common.js';

/** `nn.Dropout(p=0.5, inplace=False)`: zeroes elements with probability p in training, scales by 1/(1-p). */
export class Dropout extends Module {
  readonly p: number;
  readonly inplace: boolean;
  constructor(p: number | { p?: number; inplace?: boolean } = 0.5, opts: { inplace?: boolean } | null = {}) {
    super();
    const o = typeof p === 'object' && p !== null ? p : { ...opts, p };
    checkOptions(o, ['p', 'inplace'], 'Dropout');
    const prob = o.p ?? 0.5;
    if (typeof prob !== 'number' || !(prob >= 0 && prob <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${describe(prob)}`);
    this.p = prob;
    this.inplace = expectBool(o.inplace ?? false, 'Dropout: inplace');
  }
  override forward(input: Tensor): Tensor {
    return F.dropout(inputOf(this, input), this.p, { training: this.training, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}
