/** Distances (torch/nn/modules/distance.py): PairwiseDistance, CosineSimilarity. */
import type { Tensor } from '../../tensor.js';
import { checkOptions, expectBool, expectInt, expectNumber } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { inputOf, withContext } from '../common.js';

/** `nn.PairwiseDistance(p=2.0, eps=1e-6, keepdim=False)`: forward(x1, x2). The p is kept as `norm`, as Python. */
export class PairwiseDistance extends Module {
  readonly norm: number;
  readonly eps: number;
  readonly keepdim: boolean;
  constructor(p: number | { p?: number; eps?: number; keepdim?: boolean } = 2, eps = 1e-6, keepdim = false) {
    super();
    const fn = 'PairwiseDistance';
    const o = typeof p === 'object' && p !== null ? p : { p, eps, keepdim };
    checkOptions(o, ['p', 'eps', 'keepdim'], fn);
    this.norm = expectNumber(o.p ?? 2, `${fn}: p`);
    this.eps = expectNumber(o.eps ?? 1e-6, `${fn}: eps`);
    this.keepdim = expectBool(o.keepdim ?? false, `${fn}: keepdim`);
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    const a = inputOf(this, x1);
    const b = inputOf(this, x2);
    return withContext(
      () => this.modulePath,
      () => F.pairwiseDistance(a, b, { p: this.norm, eps: this.eps, keepdim: this.keepdim }),
    );
  }
}

/** `nn.CosineSimilarity(dim=1, eps=1e-8)`: forward(x1, x2). */
export class CosineSimilarity extends Module {
  readonly dim: number;
  readonly eps: number;
  constructor(dim: number | { dim?: number; eps?: number } = 1, eps = 1e-8) {
    super();
    const fn = 'CosineSimilarity';
    const o = typeof dim === 'object' && dim !== null ? dim : { dim, eps };
    checkOptions(o, ['dim', 'eps'], fn);
    this.dim = expectInt(o.dim ?? 1, `${fn}: dim`);
    this.eps = expectNumber(o.eps ?? 1e-8, `${fn}: eps`);
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    const a = inputOf(this, x1);
    const b = inputOf(this, x2);
    return withContext(
      () => this.modulePath,
      () => F.cosineSimilarity(a, b, { dim: this.dim, eps: this.eps }),
    );
  }
}
