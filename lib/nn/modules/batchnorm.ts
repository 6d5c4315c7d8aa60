/** Batch normalization (torch/nn/modules/batchnorm.py). */
import { type Tensor, wrap } from '../../tensor.js';
import { noGrad } from '../../autograd.js';
import { describe } from '../../dtype.js';
import { checkOptions } from '../../errors.js';
import { nativeDistributed } from '../../distributed/backend.js';
import { Module } from '../module.js';
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

/** What one BatchNorm forward passes to F.batch_norm besides the input and affine parameters. @internal */
export interface BatchNormStep {
  /** PyTorch's exponential_average_factor. */
  factor: number;
  /** Normalize with the batch's statistics (PyTorch's bn_training). */
  bnTraining: boolean;
  /** The running buffers to use or update, or null. */
  runningMean: Tensor | null;
  runningVar: Tensor | null;
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
    this._checkChannels(x);
    return this._batchNorm(x, this._step());
  }

  /** @internal the channel count at dim 1 must be numFeatures. */
  protected _checkChannels(x: Tensor): void {
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.modulePath}: expected input with ${this.numFeatures} channels at dim 1, got ${shapeStr(x.shape)}`);
    }
  }

  /**
   * @internal one forward's bookkeeping (PyTorch's _BatchNorm.forward before F.batch_norm): counts
   * the batch, picks the exponential average factor, whether batch statistics are used, and which
   * running buffers F.batch_norm gets.
   */
  protected _step(): BatchNormStep {
    let factor = this.momentum ?? 0.0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      factor = this.momentum === null ? 1.0 / this.num_batches_tracked.item() : this.momentum;
    }
    const bnTraining = this.training ? true : this.running_mean === null && this.running_var === null;
    const useStats = !this.training || this.trackRunningStats;
    return {
      factor,
      bnTraining,
      runningMean: useStats ? this.running_mean : null,
      runningVar: useStats ? this.running_var : null,
    };
  }

  /** @internal F.batch_norm with the step's statistics, errors named by the module. */
  protected _batchNorm(x: Tensor, s: BatchNormStep): Tensor {
    return withContext(
      () => this.modulePath,
      () =>
        F.batchNorm(x, s.runningMean, s.runningVar, {
          weight: this.weight,
          bias: this.bias,
          training: s.bnTraining,
          momentum: s.factor,
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

// ---- SyncBatchNorm ---------------------------------------------------------------------------------------

/** Options of SyncBatchNorm: BatchNorm's, and the process group. */
export interface SyncBatchNormOptions extends BatchNormOptions {
  /**
   * The group whose ranks share the statistics: null (default) for the default group of
   * `distributed.initProcessGroup`, the only group torchnode has (PyTorch's process_group=None).
   */
  processGroup?: null;
}

const SYNC_BN_OPTIONS = ['eps', 'momentum', 'affine', 'trackRunningStats', 'processGroup', 'dtype', 'device'] as const;

function checkProcessGroup(pg: unknown, fn: string): null {
  if (pg === undefined || pg === null) return null;
  throw new TypeError(`${fn}: Expected null (the default process group; torchnode has no other) for processGroup but received ${describe(pg)}`);
}

/**
 * `nn.SyncBatchNorm(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
 * process_group=None)`: batch normalization over input [N, C, +] whose batch statistics, in
 * training, are those of the whole batch across every rank of the default process group
 * (PyTorch 1.13's torch.nn.SyncBatchNorm). Input must be on a CUDA device (PyTorch 1.13 refuses
 * any other, in eval mode too). In eval mode, without running statistics, or with a group of one
 * rank it is BatchNorm; otherwise the forward all-gathers the per-rank statistics and the backward
 * all-reduces the gradient's, blocking until the other ranks take part (native/sync_batchnorm.cc).
 * Build it on every rank in the same order, after `distributed.initProcessGroup`, or convert a
 * model with {@link SyncBatchNorm.convertSyncBatchnorm} before wrapping it in DDP.
 */
export class SyncBatchNorm extends BatchNorm {
  /** The group statistics are synchronized over: null is the default group. */
  readonly processGroup: null;

  constructor(numFeatures: number, opts: SyncBatchNormOptions | null = {}) {
    checkOptions(opts, SYNC_BN_OPTIONS, 'SyncBatchNorm');
    const pg = checkProcessGroup(opts?.processGroup, 'SyncBatchNorm');
    let rest: BatchNormOptions | null = opts;
    if (opts && 'processGroup' in opts) {
      const { processGroup: _pg, ...others } = opts;
      rest = others;
    }
    super(numFeatures, rest);
    this.processGroup = pg;
  }

  protected override _checkInputDim(x: Tensor): void {
    if (x.ndim < 2) throw new RangeError(`${this.modulePath}: expected at least 2D input (got ${x.ndim}D input ${shapeStr(x.shape)})`);
  }

  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    // PyTorch 1.13's order: the device first, in every mode.
    if (!x.isCuda) throw new TypeError(`${this.modulePath}: SyncBatchNorm expected input tensor to be on GPU but received one on ${x.device}`);
    this._checkInputDim(x);
    if (x.shape[1] === 0) throw new RangeError(`${this.modulePath}: SyncBatchNorm number of input channels should be non-zero`);
    this._checkChannels(x);
    const s = this._step();
    // No synchronization in eval mode (nor with running statistics in use), nor in a group of one.
    let needSync = s.bnTraining && this.training;
    if (needSync) {
      if (!nativeDistributed.isInitialized()) {
        throw new Error(`${this.modulePath}: Default process group has not been initialized, please make sure to call distributed.initProcessGroup().`);
      }
      needSync = nativeDistributed.getWorldSize() > 1;
    }
    if (!needSync) return this._batchNorm(x, s);
    const sync = nativeDistributed.syncBatchNorm;
    if (!sync) throw new Error(`${this.modulePath}: the loaded torchnode addon predates SyncBatchNorm (rebuild it)`);
    const hOf = (t: Tensor | null): number | null => (t ? t._h : null);
    return withContext(
      () => this.modulePath,
      () => wrap(sync(x._h, hOf(this.weight), hOf(this.bias), hOf(s.runningMean), hOf(s.runningVar), this.eps, s.factor)),
    );
  }

  /**
   * `SyncBatchNorm.convert_sync_batchnorm(module, process_group=None)`: replaces every BatchNorm1d/
   * 2d/3d (and SyncBatchNorm) in `module`'s tree by a SyncBatchNorm with the same options that
   * shares its weight and bias Parameters and running buffers, keeping its training mode (as
   * PyTorch 2.x; 1.13 left the new module in training mode). Returns `module` with its children
   * replaced, or the new SyncBatchNorm when `module` itself is a BatchNorm.
   */
  static convertSyncBatchnorm(module: Module, processGroup: null = null): Module {
    const fn = 'SyncBatchNorm.convertSyncBatchnorm';
    if (!(module instanceof Module)) throw new TypeError(`${fn}: Expected an nn.Module for module but received ${describe(module)}`);
    const pg = checkProcessGroup(processGroup, fn);
    let out: Module = module;
    if (module instanceof BatchNorm) {
      const s = new SyncBatchNorm(module.numFeatures, {
        eps: module.eps,
        momentum: module.momentum,
        affine: module.affine,
        trackRunningStats: module.trackRunningStats,
        processGroup: pg,
      });
      // The new module's own tensors are replaced by the shared ones: free them now.
      const own = [s.weight, s.bias, s.running_mean, s.running_var, s.num_batches_tracked];
      if (module.affine) {
        noGrad(() => {
          s.weight = module.weight;
          s.bias = module.bias;
        });
      }
      s.running_mean = module.running_mean;
      s.running_var = module.running_var;
      s.num_batches_tracked = module.num_batches_tracked;
      s.training = module.training;
      const now = [s.weight, s.bias, s.running_mean, s.running_var, s.num_batches_tracked];
      for (const t of own) if (t && !now.includes(t)) t.dispose();
      out = s;
    }
    for (const [name, child] of module.namedChildren()) out.addModule(name, SyncBatchNorm.convertSyncBatchnorm(child, pg));
    return out;
  }
}
