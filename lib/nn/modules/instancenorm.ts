/** Instance normalization (torch/nn/modules/instancenorm.py): InstanceNorm1d/2d/3d. */
import { type Tensor, zeros, ones, tensor } from '../../tensor.js';
import { checkOptions, expectBool, expectNumber, expectPositiveInt } from '../../errors.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import * as init from '../init.js';
import * as F from '../functional/index.js';
import { noGrad } from '../../autograd.js';
import { shapeStr, pyBool, pyFloat, withContext, newParam, inputOf, type FactoryOptions } from '../common.js';

/** Options of InstanceNorm1d/2d/3d (PyTorch's defaults: affine and trackRunningStats false). */
export interface InstanceNormOptions extends FactoryOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * PyTorch's `_InstanceNorm` (a `_NormBase`): weight/bias when affine, running_mean, running_var
 * and num_batches_tracked buffers when trackRunningStats, with BatchNorm's names and init.
 */
abstract class InstanceNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  /** @internal the rank of an unbatched input. */
  abstract readonly _noBatchDim: number;

  constructor(numFeatures: number, opts: InstanceNormOptions | null = {}) {
    super();
    const fn = this.constructor.name;
    checkOptions(opts, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype', 'device'], fn);
    this.numFeatures = expectPositiveInt(numFeatures, `${fn}: numFeatures`);
    this.eps = expectNumber(opts?.eps ?? 1e-5, `${fn}: eps`);
    this.momentum = expectNumber(opts?.momentum ?? 0.1, `${fn}: momentum`);
    this.affine = expectBool(opts?.affine ?? false, `${fn}: affine`);
    this.trackRunningStats = expectBool(opts?.trackRunningStats ?? false, `${fn}: trackRunningStats`);
    const f = { dtype: opts?.dtype, device: opts?.device };
    if (this.affine) {
      this.weight = newParam([numFeatures], f);
      this.bias = newParam([numFeatures], f);
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], f));
      this.registerBuffer('running_var', ones([numFeatures], f));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int64', device: f.device }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }
  /** Zeroes running_mean and num_batches_tracked, fills running_var with 1. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.running_mean?.zero_();
      this.running_var?.fill_(1);
      this.num_batches_tracked?.zero_();
    });
  }
  /** Running stats reset, weight 1, bias 0. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.affine && this.weight && this.bias) {
      init.ones_(this.weight);
      init.zeros_(this.bias);
    }
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    const nb = this._noBatchDim;
    if (x.ndim !== nb && x.ndim !== nb + 1) {
      throw new RangeError(`${this.modulePath}: expected ${nb}D or ${nb + 1}D input (got ${x.ndim}D input ${shapeStr(x.shape)})`);
    }
    return withContext(
      () => this.modulePath,
      () => {
        const opts = {
          runningMean: this.running_mean,
          runningVar: this.running_var,
          weight: this.weight,
          bias: this.bias,
          useInputStats: this.training || !this.trackRunningStats,
          momentum: this.momentum,
          eps: this.eps,
        };
        if (x.ndim !== nb) return F.instanceNorm(x, opts);
        // An unbatched input runs as a batch of one (Python's _handle_no_batch_input).
        const b = x.unsqueeze(0);
        try {
          const y = F.instanceNorm(b, opts);
          try {
            return y.squeeze(0);
          } finally {
            y.dispose();
          }
        } finally {
          b.dispose();
        }
      },
    );
  }
  override extraRepr(): string {
    return (
      `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, ` +
      `affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`
    );
  }
}

/** `nn.InstanceNorm1d(num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False)`: input [N, C, L] or [C, L]. */
export class InstanceNorm1d extends InstanceNorm {
  readonly _noBatchDim = 2;
}
/** `nn.InstanceNorm2d(num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False)`: input [N, C, H, W] or [C, H, W]. */
export class InstanceNorm2d extends InstanceNorm {
  readonly _noBatchDim = 3;
}
/** `nn.InstanceNorm3d(num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False)`: input [N, C, D, H, W] or [C, D, H, W]. */
export class InstanceNorm3d extends InstanceNorm {
  readonly _noBatchDim = 4;
}
