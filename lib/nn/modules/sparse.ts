/** Embedding and EmbeddingBag (torch/nn/modules/sparse.py). */
import type { Tensor } from '../../tensor.js';
import { checkOptions, expectBool, expectInt, expectNumber, expectPositiveInt, expectNonNegInt } from '../../errors.js';
import { noGrad } from '../../autograd.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import * as init from '../init.js';
import * as F from '../functional/index.js';
import { checkTensor, shapeStr, withContext, newParam, inputOf, pyFloat, pyVal, type FactoryOptions } from '../common.js';

// ---- Embedding ---------------------------------------------------------------------------------------------

/** Options of Embedding. */
export interface EmbeddingOptions extends FactoryOptions {
  paddingIdx?: number | null;
  /** Rows looked up whose norm exceeds maxNorm are renormalized in place to maxNorm. */
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
  /** Python's `_weight`: use this tensor (shared) as the weight instead of N(0, 1) values. */
  _weight?: Tensor | null;
}

/** Options of Embedding.fromPretrained. */
export interface EmbeddingFromPretrainedOptions {
  freeze?: boolean;
  paddingIdx?: number | null;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
}

/** Python's padding_idx check and wrap-around; the message names the argument as PyTorch's assert. */
function paddingIdxArg(pad: unknown, n: number, fn: string, name: string): number | null {
  if (pad === undefined || pad === null) return null;
  const p = expectInt(pad, `${fn}: paddingIdx`);
  if (p >= n || p < -n) throw new RangeError(`${fn}: ${name} must be within num_embeddings (got ${p} for ${n})`);
  return p < 0 ? p + n : p;
}

/** The `_weight` argument: its shape must be [numEmbeddings, embeddingDim]. */
function weightArg(w: unknown, rows: number, cols: number, fn: string): Parameter | null {
  if (w === undefined || w === null) return null;
  const t = checkTensor(w, fn, '_weight');
  if (t.ndim !== 2 || t.shape[0] !== rows || t.shape[1] !== cols) {
    throw new RangeError(`${fn}: Shape of weight does not match num_embeddings and embedding_dim (got ${shapeStr(t.shape)} for [${rows}, ${cols}])`);
  }
  return new Parameter(t);
}

/** `nn.Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False)`: weight ~ N(0, 1), padding row zero. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  declare weight: Parameter;
  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions | null = {}) {
    super();
    const fn = 'Embedding';
    checkOptions(opts, ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse', '_weight', 'dtype', 'device'], fn);
    this.numEmbeddings = expectPositiveInt(numEmbeddings, `${fn}: numEmbeddings`);
    this.embeddingDim = expectNonNegInt(embeddingDim, `${fn}: embeddingDim`);
    this.paddingIdx = paddingIdxArg(opts?.paddingIdx, numEmbeddings, fn, 'Padding_idx');
    this.maxNorm = opts?.maxNorm === undefined || opts?.maxNorm === null ? null : expectNumber(opts.maxNorm, `${fn}: maxNorm`);
    this.normType = expectNumber(opts?.normType ?? 2, `${fn}: normType`);
    this.scaleGradByFreq = expectBool(opts?.scaleGradByFreq ?? false, `${fn}: scaleGradByFreq`);
    this.sparse = expectBool(opts?.sparse ?? false, `${fn}: sparse`);
    const w = weightArg(opts?._weight, numEmbeddings, embeddingDim, fn);
    if (w) this.weight = w;
    else {
      this.weight = newParam([numEmbeddings, embeddingDim], { dtype: opts?.dtype, device: opts?.device });
      this.resetParameters();
    }
  }
  /**
   * `Embedding.from_pretrained(embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
   * scale_grad_by_freq=False, sparse=False)`: the weight shares `embeddings`' storage; frozen by default.
   */
  static fromPretrained(embeddings: Tensor, opts: EmbeddingFromPretrainedOptions | null = {}): Embedding {
    const fn = 'Embedding.fromPretrained';
    checkTensor(embeddings, fn, 'embeddings');
    checkOptions(opts, ['freeze', 'paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse'], fn);
    if (embeddings.ndim !== 2) throw new RangeError(`${fn}: Embeddings parameter is expected to be 2-dimensional (got ${shapeStr(embeddings.shape)})`);
    const freeze = expectBool(opts?.freeze ?? true, `${fn}: freeze`);
    const [rows, cols] = embeddings.shape;
    const { freeze: _f, ...rest } = opts ?? {};
    const e = new Embedding(rows, cols, { ...rest, _weight: embeddings });
    e.weight.requiresGrad_(!freeze);
    return e;
  }
  /** N(0, 1), then the padding row zeroed. */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) {
      const pad = this.paddingIdx;
      noGrad(() => {
        const row = this.weight.select(0, pad);
        row.fill_(0);
        row.dispose();
      });
    }
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    if (x.dtype !== 'int64' && x.dtype !== 'int32') {
      throw new TypeError(`${this.modulePath}: expected int64 indices for input but received dtype ${x.dtype} with shape ${shapeStr(x.shape)}`);
    }
    return withContext(
      () => this.modulePath,
      () => {
        const maxNorm = this.maxNorm;
        if (maxNorm !== null) F._embeddingRenorm_(this.weight, x, maxNorm, this.normType);
        return F.embedding(x, this.weight, { paddingIdx: this.paddingIdx, scaleGradByFreq: this.scaleGradByFreq, sparse: this.sparse });
      },
    );
  }
  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    if (this.sparse) s += ', sparse=True';
    return s;
  }
}

// ---- EmbeddingBag -----------------------------------------------------------------------------------------

/** Options of EmbeddingBag. */
export interface EmbeddingBagOptions extends FactoryOptions {
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  mode?: F.EmbeddingBagMode;
  sparse?: boolean;
  _weight?: Tensor | null;
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
}

/** Options of EmbeddingBag.fromPretrained. */
export interface EmbeddingBagFromPretrainedOptions {
  freeze?: boolean;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  mode?: F.EmbeddingBagMode;
  sparse?: boolean;
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
}

/**
 * `nn.EmbeddingBag(num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
 * mode='mean', sparse=False, include_last_offset=False, padding_idx=None)`; forward(input, offsets=None,
 * per_sample_weights=None).
 */
export class EmbeddingBag extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly mode: F.EmbeddingBagMode;
  readonly sparse: boolean;
  readonly includeLastOffset: boolean;
  readonly paddingIdx: number | null;
  declare weight: Parameter;
  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingBagOptions | null = {}) {
    super();
    const fn = 'EmbeddingBag';
    checkOptions(opts, ['maxNorm', 'normType', 'scaleGradByFreq', 'mode', 'sparse', '_weight', 'includeLastOffset', 'paddingIdx', 'dtype', 'device'], fn);
    this.numEmbeddings = expectPositiveInt(numEmbeddings, `${fn}: numEmbeddings`);
    this.embeddingDim = expectNonNegInt(embeddingDim, `${fn}: embeddingDim`);
    this.maxNorm = opts?.maxNorm === undefined || opts?.maxNorm === null ? null : expectNumber(opts.maxNorm, `${fn}: maxNorm`);
    this.normType = expectNumber(opts?.normType ?? 2, `${fn}: normType`);
    this.scaleGradByFreq = expectBool(opts?.scaleGradByFreq ?? false, `${fn}: scaleGradByFreq`);
    this.paddingIdx = paddingIdxArg(opts?.paddingIdx, numEmbeddings, fn, 'padding_idx');
    const mode = opts?.mode ?? 'mean';
    if (mode !== 'sum' && mode !== 'mean' && mode !== 'max') throw new TypeError(`${fn}: mode has to be one of sum, mean or max (received ${pyVal(mode)})`);
    const w = weightArg(opts?._weight, numEmbeddings, embeddingDim, fn);
    if (w) this.weight = w;
    else {
      this.weight = newParam([numEmbeddings, embeddingDim], { dtype: opts?.dtype, device: opts?.device });
      this.resetParameters();
    }
    this.mode = mode;
    this.sparse = expectBool(opts?.sparse ?? false, `${fn}: sparse`);
    this.includeLastOffset = expectBool(opts?.includeLastOffset ?? false, `${fn}: includeLastOffset`);
  }
  /** `EmbeddingBag.from_pretrained(embeddings, freeze=True, ...)`: the weight shares `embeddings`' storage. */
  static fromPretrained(embeddings: Tensor, opts: EmbeddingBagFromPretrainedOptions | null = {}): EmbeddingBag {
    const fn = 'EmbeddingBag.fromPretrained';
    checkTensor(embeddings, fn, 'embeddings');
    checkOptions(opts, ['freeze', 'maxNorm', 'normType', 'scaleGradByFreq', 'mode', 'sparse', 'includeLastOffset', 'paddingIdx'], fn);
    if (embeddings.ndim !== 2) throw new RangeError(`${fn}: Embeddings parameter is expected to be 2-dimensional (got ${shapeStr(embeddings.shape)})`);
    const freeze = expectBool(opts?.freeze ?? true, `${fn}: freeze`);
    const [rows, cols] = embeddings.shape;
    const { freeze: _f, ...rest } = opts ?? {};
    const e = new EmbeddingBag(rows, cols, { ...rest, _weight: embeddings });
    e.weight.requiresGrad_(!freeze);
    return e;
  }
  /** N(0, 1), then the padding row zeroed. */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) {
      const pad = this.paddingIdx;
      noGrad(() => {
        const row = this.weight.select(0, pad);
        row.fill_(0);
        row.dispose();
      });
    }
  }
  override forward(input: Tensor, offsets?: Tensor | null, perSampleWeights?: Tensor | null): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () =>
        F.embeddingBag(x, this.weight, {
          offsets,
          maxNorm: this.maxNorm,
          normType: this.normType,
          scaleGradByFreq: this.scaleGradByFreq,
          mode: this.mode,
          sparse: this.sparse,
          perSampleWeights,
          includeLastOffset: this.includeLastOffset,
          paddingIdx: this.paddingIdx,
        }),
    );
  }
  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    s += `, mode=${this.mode}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    return s;
  }
}
