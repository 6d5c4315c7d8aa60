/** Embedding (torch/nn/modules/sparse.py). */
import type { Tensor } from '../../tensor.js';
import { checkOptions, expectBool, expectInt, expectPositiveInt, expectNonNegInt } from '../../errors.js';
import { noGrad } from '../../autograd.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import * as init from '../init.js';
import * as F from '../functional/index.js';
import { shapeStr, withContext, newParam, inputOf, type FactoryOptions } from '../common.js';

// ---- Embedding ---------------------------------------------------------------------------------------------

/** Options of Embedding. */
export interface EmbeddingOptions extends FactoryOptions {
  paddingIdx?: number | null;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
}

/** `nn.Embedding(num_embeddings, embedding_dim, padding_idx=None, ...)`: weight ~ N(0, 1), padding row zero. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  declare weight: Parameter;
  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions | null = {}) {
    super();
    const fn = 'Embedding';
    checkOptions(opts, ['paddingIdx', 'scaleGradByFreq', 'sparse', 'dtype', 'device'], fn);
    this.numEmbeddings = expectPositiveInt(numEmbeddings, `${fn}: numEmbeddings`);
    this.embeddingDim = expectNonNegInt(embeddingDim, `${fn}: embeddingDim`);
    let pad = opts?.paddingIdx ?? null;
    if (pad !== null) {
      expectInt(pad, `${fn}: paddingIdx`);
      if (pad >= numEmbeddings || pad < -numEmbeddings)
        throw new RangeError(`${fn}: Padding_idx must be within num_embeddings (got ${pad} for ${numEmbeddings})`);
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.scaleGradByFreq = expectBool(opts?.scaleGradByFreq ?? false, `${fn}: scaleGradByFreq`);
    this.sparse = expectBool(opts?.sparse ?? false, `${fn}: sparse`);
    this.weight = newParam([numEmbeddings, embeddingDim], opts ?? {});
    this.resetParameters();
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
      () => F.embedding(x, this.weight, { paddingIdx: this.paddingIdx, scaleGradByFreq: this.scaleGradByFreq, sparse: this.sparse }),
    );
  }
  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    if (this.sparse) s += ', sparse=True';
    return s;
  }
}
