/** Dropout (torch/nn/modules/dropout.py): Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout. */
import type { Tensor } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { pyBool, pyFloat, inputOf, withContext } from '../common.js';

/** Options of the dropout modules. */
export interface DropoutOptions {
  p?: number;
  inplace?: boolean;
}

/** PyTorch's `_DropoutNd`: p in [0, 1] and inplace, `p=…, inplace=…` as repr. */
abstract class DropoutNd extends Module {
  readonly p: number;
  readonly inplace: boolean;
  constructor(p: number | DropoutOptions = 0.5, opts: { inplace?: boolean } | null = {}) {
    super();
    const fn = this.constructor.name;
    const o = typeof p === 'object' && p !== null ? p : { ...(opts ?? {}), p };
    checkOptions(o, ['p', 'inplace'], fn);
    const prob = o.p ?? 0.5;
    if (typeof prob !== 'number' || !(prob >= 0 && prob <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${describe(prob)}`);
    this.p = prob;
    this.inplace = expectBool(o.inplace ?? false, `${fn}: inplace`);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
  /** The functional form on the checked input, with this module's p, mode and inplace; errors name the module. */
  protected _dropout(f: (x: Tensor, p: number, o: { training: boolean; inplace: boolean }) => Tensor, input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => f(x, this.p, { training: this.training, inplace: this.inplace }),
    );
  }
}

/** `nn.Dropout(p=0.5, inplace=False)`: zeroes elements with probability p in training, scales by 1/(1-p). */
export class Dropout extends DropoutNd {
  override forward(input: Tensor): Tensor {
    return F.dropout(inputOf(this, input), this.p, { training: this.training, inplace: this.inplace });
  }
}

/** `nn.Dropout1d(p=0.5, inplace=False)`: zeroes whole channels of [N, C, L] or [C, L]. */
export class Dropout1d extends DropoutNd {
  override forward(input: Tensor): Tensor {
    return this._dropout(F.dropout1d, input);
  }
}
/** `nn.Dropout2d(p=0.5, inplace=False)`: zeroes whole channels of [N, C, H, W]. */
export class Dropout2d extends DropoutNd {
  override forward(input: Tensor): Tensor {
    return this._dropout(F.dropout2d, input);
  }
}
/** `nn.Dropout3d(p=0.5, inplace=False)`: zeroes whole channels of [N, C, D, H, W] or [C, D, H, W]. */
export class Dropout3d extends DropoutNd {
  override forward(input: Tensor): Tensor {
    return this._dropout(F.dropout3d, input);
  }
}
/** `nn.AlphaDropout(p=0.5, inplace=False)`: dropout keeping SELU's self-normalizing mean and variance. */
export class AlphaDropout extends DropoutNd {
  override forward(input: Tensor): Tensor {
    return this._dropout(F.alphaDropout, input);
  }
}
/** `nn.FeatureAlphaDropout(p=0.5, inplace=False)`: alpha dropout of whole channels. */
export class FeatureAlphaDropout extends DropoutNd {
  override forward(input: Tensor): Tensor {
    return this._dropout(F.featureAlphaDropout, input);
  }
}
