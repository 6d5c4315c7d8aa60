/** Instance normalization (torch/nn/modules/instancenorm.py): InstanceNorm1d/2d/3d. */
import type { Tensor } from '../../tensor.js';
import { NormBase } from './norm_base.js';
import * as F from '../functional/index.js';
import { shapeStr, pyBool, pyFloat, withContext, inputOf, type FactoryOptions } from '../common.js';

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
abstract class InstanceNorm extends NormBase {
  declare momentum: number;
  /** @internal the rank of an unbatched input. */
  abstract readonly _noBatchDim: number;

  constructor(numFeatures: number, opts: InstanceNormOptions | null = {}) {
    super(numFeatures, opts, { affine: false, trackRunningStats: false, nullMomentum: false });
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
