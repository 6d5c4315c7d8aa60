/** AdaptiveLogSoftmaxWithLoss (torch/nn/modules/adaptive.py). */
import { type Tensor, slice } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { checkOptions, expectBool, expectNonNegInt, expectNumber } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { inputOf, shapeStr, type FactoryOptions } from '../common.js';
import { Linear } from './linear.js';
import { ModuleList, Sequential } from './container.js';

/**
 * Python's `_ASMoutput` named tuple: read `.output` and `.loss`, or destructure as
 * `[output, loss]`.
 */
export class ASMOutput {
  constructor(
    readonly output: Tensor,
    readonly loss: Tensor,
  ) {}
  get 0(): Tensor {
    return this.output;
  }
  get 1(): Tensor {
    return this.loss;
  }
  get length(): 2 {
    return 2;
  }
  *[Symbol.iterator](): IterableIterator<Tensor> {
    yield this.output;
    yield this.loss;
  }
  [Symbol.dispose](): void {
    this.output.dispose();
    this.loss.dispose();
  }
}

/** Options of AdaptiveLogSoftmaxWithLoss (Python's keyword arguments). */
export interface AdaptiveLogSoftmaxWithLossOptions extends FactoryOptions {
  /** Exponent base of the tail cluster sizes: in_features // divValue^(i+1). Default 4. */
  divValue?: number;
  /** A bias in the head Linear. Default false. */
  headBias?: boolean;
}

const CUTOFFS_MESSAGE =
  'cutoffs should be a sequence of unique, positive integers sorted in an increasing order, where each value is between 1 and n_classes-1';

/**
 * `nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=4.0, head_bias=False)`:
 * the efficient softmax approximation of Grave et al. `head` is a Linear to the shortlist plus one
 * logit per cluster; `tail[i]` is Sequential(Linear(in, hsz, bias=False), Linear(hsz, osz, bias=False)).
 * `forward(input, target)` returns `{output, loss}` (an {@link ASMOutput}).
 */
export class AdaptiveLogSoftmaxWithLoss extends Module {
  readonly inFeatures: number;
  readonly nClasses: number;
  /** The given cutoffs followed by nClasses, as Python stores them. */
  readonly cutoffs: number[];
  readonly divValue: number;
  readonly headBias: boolean;
  readonly shortlistSize: number;
  readonly nClusters: number;
  readonly headSize: number;
  declare head: Linear;
  declare tail: ModuleList;

  constructor(inFeatures: number, nClasses: number, cutoffs: Iterable<number>, opts: AdaptiveLogSoftmaxWithLossOptions | null = {}) {
    super();
    const fn = 'AdaptiveLogSoftmaxWithLoss';
    checkOptions(opts, ['divValue', 'headBias', 'dtype', 'device'], fn);
    this.inFeatures = expectNonNegInt(inFeatures, `${fn}: inFeatures`);
    this.nClasses = expectNonNegInt(nClasses, `${fn}: nClasses`);
    if (cutoffs === null || typeof cutoffs !== 'object' || typeof (cutoffs as Iterable<number>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${fn}: ${CUTOFFS_MESSAGE}`);
    }
    const cs = [...cutoffs];
    // Python's check, in its order: sorted, min > 0, max < n_classes, unique, integers.
    const sorted = [...cs].sort((a, b) => a - b);
    if (
      cs.length === 0 ||
      cs.some((c) => typeof c !== 'number' || !Number.isInteger(c)) ||
      cs.some((c, i) => c !== sorted[i]) ||
      Math.min(...cs) <= 0 ||
      Math.max(...cs) > nClasses - 1 ||
      new Set(cs).size !== cs.length
    ) {
      throw new RangeError(`${fn}: ${CUTOFFS_MESSAGE}`);
    }
    this.divValue = expectNumber(opts?.divValue ?? 4.0, `${fn}: divValue`);
    this.headBias = expectBool(opts?.headBias ?? false, `${fn}: headBias`);
    this.cutoffs = [...cs, nClasses];
    this.shortlistSize = this.cutoffs[0];
    this.nClusters = this.cutoffs.length - 1;
    this.headSize = this.shortlistSize + this.nClusters;
    const f: FactoryOptions = { dtype: opts?.dtype, device: opts?.device };
    // Constructed in Python's order so a seeded RNG gives PyTorch's parameters.
    this.head = new Linear(this.inFeatures, this.headSize, { bias: this.headBias, ...f });
    this.tail = new ModuleList();
    for (let i = 0; i < this.nClusters; i++) {
      const hsz = Math.floor(this.inFeatures / this.divValue ** (i + 1));
      const osz = this.cutoffs[i + 1] - this.cutoffs[i];
      this.tail.append(new Sequential(new Linear(this.inFeatures, hsz, { bias: false, ...f }), new Linear(hsz, osz, { bias: false, ...f })));
    }
  }

  /** PyTorch's reset_parameters: the head, then each cluster's two projections. */
  resetParameters(): void {
    this.head.resetParameters();
    for (const seq of this.tail) {
      for (const lin of seq as Sequential) (lin as Linear).resetParameters();
    }
  }

  private cluster(i: number, x: Tensor): Tensor {
    return (this.tail.at(i) as Sequential).forward(x) as Tensor;
  }

  /** `forward(input, target)`: per-example target log-probabilities and their mean NLL. */
  override forward(input: Tensor, target: Tensor): ASMOutput {
    const fn = this.modulePath;
    const input_ = inputOf(this, input);
    const target_ = inputOf(this, target);
    const targDim = target_.dim();
    if (targDim === 1) {
      // A 0-d input has no batch dimension (Python fails in size(0)): reported as the 2D check.
      if (input_.dim() > 0 && input_.size(0) !== target_.size(0)) {
        throw new Error(`${fn}: Input and target should have the same size in the batch dimension.`);
      }
      if (input_.dim() !== 2) throw new Error(`${fn}: 1D target tensor expects 2D input tensors, but found inputs with size ${shapeStr(input_.shape)}`);
    } else if (targDim === 0) {
      if (input_.dim() !== 1) throw new Error(`${fn}: 0D target tensor expects 1D input tensors, but found inputs with size ${shapeStr(input_.shape)}`);
    } else {
      throw new Error(`${fn}: 0D or 1D target tensor expected, multi-target not supported`);
    }
    const isBatched = targDim > 0;
    const [output, loss] = tidy((): [Tensor, Tensor] => {
      const x = isBatched ? input_ : input_.unsqueeze(0);
      const t = isBatched ? target_ : target_.unsqueeze(0);
      let usedRows = 0;
      const batchSize = t.size(0);
      let out = x.newZeros([batchSize]);
      const gatherInds = t.newEmpty([batchSize]);
      const cutoffValues = [0, ...this.cutoffs];
      for (let i = 0; i < cutoffValues.length - 1; i++) {
        const lowIdx = cutoffValues[i];
        const highIdx = cutoffValues[i + 1];
        const targetMask = t.ge(lowIdx).logicalAnd(t.lt(highIdx));
        const rowIndices = targetMask.nonzero().squeeze();
        if (rowIndices.numel() === 0) continue;
        if (i === 0) {
          gatherInds.indexCopy_(0, rowIndices, t.index(targetMask));
        } else {
          const relativeTarget = t.index(targetMask).sub(lowIdx);
          const inputSubset = x.indexSelect(0, rowIndices);
          const clusterOutput = this.cluster(i - 1, inputSubset);
          const clusterIndex = this.shortlistSize + i - 1;
          gatherInds.indexFill_(0, rowIndices, clusterIndex);
          const clusterLogprob = F.logSoftmax(clusterOutput, 1);
          const localLogprob = clusterLogprob.gather(1, relativeTarget.unsqueeze(1));
          out.indexCopy_(0, rowIndices, localLogprob.squeeze(1));
        }
        usedRows += rowIndices.numel();
      }
      if (usedRows !== batchSize) {
        throw new Error(`${fn}: Target values should be in [0, ${this.nClasses - 1}], but values in range [${t.min().item()}, ${t.max().item()}] were found. `);
      }
      const headOutput = this.head.forward(x);
      const headLogprob = F.logSoftmax(headOutput, 1);
      // Python's `output += ...`: in place, so autograd sees the same graph.
      out.add_(headLogprob.gather(1, gatherInds.unsqueeze(1)).squeeze());
      const l = out.neg().mean();
      if (!isBatched) out = out.squeeze(0);
      return [out, l];
    });
    return new ASMOutput(output, loss);
  }

  /** Python's `_get_full_log_prob`: the log of the full distribution from input and head output. */
  private fullLogProb(input: Tensor, headOutput: Tensor): Tensor {
    const out = input.newEmpty([headOutput.size(0), this.nClasses]);
    const headLogprob = F.logSoftmax(headOutput, 1);
    out.indexPut_([slice(), slice(null, this.shortlistSize)], headLogprob.index(slice(), slice(null, this.shortlistSize)));
    for (let i = 0; i < this.nClusters; i++) {
      const startIdx = this.cutoffs[i];
      const stopIdx = this.cutoffs[i + 1];
      const clusterOutput = this.cluster(i, input);
      const clusterLogprob = F.logSoftmax(clusterOutput, 1);
      const outputLogprob = clusterLogprob.add(headLogprob.index(slice(), this.shortlistSize + i).unsqueeze(1));
      out.indexPut_([slice(), slice(startIdx, stopIdx)], outputLogprob);
    }
    return out;
  }

  /** `log_prob(input)`: log-probabilities of all nClasses classes, [N, nClasses]. */
  logProb(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return tidy(() => this.fullLogProb(x, this.head.forward(x)));
  }

  /** `predict(input)`: the most likely class of each example, as `logProb(input).argmax(1)` but cheaper. */
  predict(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return tidy(() => {
      const headOutput = this.head.forward(x);
      const output = headOutput.argmax(1);
      const notInShortlist = output.ge(this.shortlistSize);
      const allInShortlist = !notInShortlist.any().item();
      if (allInShortlist) return output;
      if (notInShortlist.all().item()) {
        const logProb = this.fullLogProb(x, headOutput);
        return logProb.argmax(1);
      }
      const logProb = this.fullLogProb(x.index(notInShortlist), headOutput.index(notInShortlist));
      output.indexPut_([notInShortlist], logProb.argmax(1));
      return output;
    });
  }
}
