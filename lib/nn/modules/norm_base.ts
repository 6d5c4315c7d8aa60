/**
 * PyTorch's `_NormBase` (torch/nn/modules/batchnorm.py), shared by BatchNorm and InstanceNorm:
 * weight/bias when affine, running_mean/running_var/num_batches_tracked when trackRunningStats
 * (else registered as None, as PyTorch does), and their resets. Not exported by torchnode.nn.
 */
import { type Tensor, zeros, ones, tensor } from '../../tensor.js';
import { checkOptions, expectBool, expectNumber, expectPositiveInt } from '../../errors.js';
import { noGrad } from '../../autograd.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import * as init from '../init.js';
import { newParam, type FactoryOptions } from '../common.js';

/** The options every normalization with running statistics takes. */
export interface NormBaseOptions extends FactoryOptions {
  eps?: number;
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** The defaults that differ between BatchNorm and InstanceNorm. */
interface NormDefaults {
  affine: boolean;
  trackRunningStats: boolean;
  /** Whether momentum may be null (BatchNorm's cumulative moving average). */
  nullMomentum: boolean;
}

/** PyTorch's `_NormBase`: the parameters, buffers and resets of a normalization with running statistics. */
export abstract class NormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, opts: NormBaseOptions | null, defaults: NormDefaults) {
    super();
    const fn = this.constructor.name;
    checkOptions(opts, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype', 'device'], fn);
    this.numFeatures = expectPositiveInt(numFeatures, `${fn}: numFeatures`);
    this.eps = expectNumber(opts?.eps ?? 1e-5, `${fn}: eps`);
    this.momentum = defaults.nullMomentum && opts?.momentum === null ? null : expectNumber(opts?.momentum ?? 0.1, `${fn}: momentum`);
    this.affine = expectBool(opts?.affine ?? defaults.affine, `${fn}: affine`);
    this.trackRunningStats = expectBool(opts?.trackRunningStats ?? defaults.trackRunningStats, `${fn}: trackRunningStats`);
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
}
