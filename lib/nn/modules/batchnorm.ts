/** Batch normalization (torch/nn/modules/batchnorm.py). */
import type { Tensor } from '../../tensor.js';
import { noGrad } from '../../autograd.js';
import { NormBase } from './norm_base.js';
import * as F from '../functional/index.js';
import { shapeStr, pyBool, pyFloat, withContext, inputOf, type FactoryOptions } from '../common.js';

// ---- BatchNorm -------------------------------------------------------------------------------------------

/** Options of BatchNorm1d/2d. */
export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /** null: cumulative moving average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** Shared by BatchNorm1d/2d (PyTorch's _BatchNorm); buffers keep PyTorch's names (running_mean...). */
export abstract class BatchNorm extends NormBase {
  constructor(numFeatures: number, opts: BatchNormOptions | null = {}) {
    super(numFeatures, opts, { affine: true, trackRunningStats: true, nullMomentum: true });
  }
  /** camelCase view of the running_mean buffer. */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  /** camelCase view of the running_var buffer. */
  get runningVar(): Tensor | null {
    return this.running_var;
  }
  /** camelCase view of the num_batches_tracked buffer. */
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  /** @internal the input-rank check of BatchNorm1d/2d. */
  protected abstract _checkInputDim(x: Tensor): void;

  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    this._checkInputDim(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.modulePath}: expected input with ${this.numFeatures} channels at dim 1, got ${shapeStr(x.shape)}`);
    }
    let factor = this.momentum ?? 0.0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      factor = this.momentum === null ? 1.0 / this.num_batches_tracked.item() : this.momentum;
    }
    const bnTraining = this.training ? true : this.running_mean === null && this.running_var === null;
    const useStats = !this.training || this.trackRunningStats;
    return withContext(
      () => this.modulePath,
      () =>
        F.batchNorm(x, useStats ? this.running_mean : null, useStats ? this.running_var : null, {
          weight: this.weight,
          bias: this.bias,
          training: bnTraining,
          momentum: factor,
          eps: this.eps,
        }),
    );
  }
  override extraRepr(): string {
    return (
      `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, ` +
      `affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`
    );
  }
}

/** `nn.BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)`: input [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  protected override _checkInputDim(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`${this.modulePath}: expected 2D or 3D input (got ${x.ndim}D input ${shapeStr(x.shape)})`);
  }
}
/** `nn.BatchNorm2d(num_features, ...)`: input [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  protected override _checkInputDim(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`${this.modulePath}: expected 4D input (got ${x.ndim}D input ${shapeStr(x.shape)})`);
  }
}
/** `nn.BatchNorm3d(num_features, ...)`: input [N, C, D, H, W]. */
export class BatchNorm3d extends BatchNorm {
  protected override _checkInputDim(x: Tensor): void {
    if (x.ndim !== 5) throw new RangeError(`${this.modulePath}: expected 5D input (got ${x.ndim}D input ${shapeStr(x.shape)})`);
  }
}
