/** Loss modules: thin wrappers over nn.functional with PyTorch's options; weights are buffers as in PyTorch. */
import type { Tensor } from '../../tensor.js';
import { checkOptions, expectBool, expectInt, expectNumber } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import * as LF from '../functional/loss.js';
import { checkOptTensor, reductionEnum, shapeStr, type Reduction } from '../common.js';
import { PairwiseDistance } from './distance.js';

abstract class Loss extends Module {
  readonly reduction: Reduction;
  constructor(reduction: Reduction | undefined) {
    super();
    reductionEnum(reduction, this.constructor.name);
    this.reduction = reduction ?? 'mean';
  }
  // biome-ignore lint/suspicious/noExplicitAny: each loss has its own arity (input, target[, var | target])
  override forward(..._inputs: any[]): Tensor {
    throw new Error('abstract');
  }
}

function weightBuffer(m: Module, name: string, w: Tensor | null | undefined, fn: string): void {
  const t = checkOptTensor(w, fn, name);
  m.registerBuffer(name, t);
}

/** `nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)`. */
export class CrossEntropyLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(opts: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } | null = {}) {
    checkOptions(opts, ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'], 'CrossEntropyLoss');
    super(opts?.reduction);
    weightBuffer(this, 'weight', opts?.weight, 'CrossEntropyLoss');
    this.ignoreIndex = expectInt(opts?.ignoreIndex ?? -100, 'CrossEntropyLoss: ignoreIndex');
    this.labelSmoothing = expectNumber(opts?.labelSmoothing ?? 0, 'CrossEntropyLoss: labelSmoothing');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/** `nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')`. */
export class NLLLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  constructor(opts: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['weight', 'ignoreIndex', 'reduction'], 'NLLLoss');
    super(opts?.reduction);
    weightBuffer(this, 'weight', opts?.weight, 'NLLLoss');
    this.ignoreIndex = expectInt(opts?.ignoreIndex ?? -100, 'NLLLoss: ignoreIndex');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** `nn.MSELoss(reduction='mean')`. */
export class MSELoss extends Loss {
  constructor(opts: { reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['reduction'], 'MSELoss');
    super(opts?.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** `nn.L1Loss(reduction='mean')`. */
export class L1Loss extends Loss {
  constructor(opts: { reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['reduction'], 'L1Loss');
    super(opts?.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** `nn.BCELoss(weight=None, reduction='mean')`: input holds probabilities. */
export class BCELoss extends Loss {
  declare weight: Tensor | null;
  constructor(opts: { weight?: Tensor | null; reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['weight', 'reduction'], 'BCELoss');
    super(opts?.reduction);
    weightBuffer(this, 'weight', opts?.weight, 'BCELoss');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** `nn.BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None)`. */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  constructor(opts: { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null } | null = {}) {
    checkOptions(opts, ['weight', 'reduction', 'posWeight'], 'BCEWithLogitsLoss');
    super(opts?.reduction);
    weightBuffer(this, 'weight', opts?.weight, 'BCEWithLogitsLoss');
    weightBuffer(this, 'pos_weight', opts?.posWeight, 'BCEWithLogitsLoss');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, reduction: this.reduction, posWeight: this.pos_weight });
  }
}

/** `nn.NLLLoss2d(weight=None, ignore_index=-100, reduction='mean')`: deprecated alias of NLLLoss (PyTorch warns). */
export class NLLLoss2d extends NLLLoss {
  constructor(opts: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } | null = {}) {
    process.emitWarning(
      'NLLLoss2d has been deprecated. Please use NLLLoss instead as a drop-in replacement and see https://pytorch.org/docs/master/nn.html#torch.nn.NLLLoss for more details.',
      'DeprecationWarning',
    );
    super(opts);
  }
}

/** `nn.PoissonNLLLoss(log_input=True, full=False, eps=1e-8, reduction='mean')`. */
export class PoissonNLLLoss extends Loss {
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;
  constructor(opts: { logInput?: boolean; full?: boolean; eps?: number; reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['logInput', 'full', 'eps', 'reduction'], 'PoissonNLLLoss');
    super(opts?.reduction);
    this.logInput = expectBool(opts?.logInput ?? true, 'PoissonNLLLoss: logInput');
    this.full = expectBool(opts?.full ?? false, 'PoissonNLLLoss: full');
    this.eps = expectNumber(opts?.eps ?? 1e-8, 'PoissonNLLLoss: eps');
  }
  override forward(logInput: Tensor, target: Tensor): Tensor {
    return LF.poissonNllLoss(logInput, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/** `nn.GaussianNLLLoss(*, full=False, eps=1e-6, reduction='mean')`; forward(input, target, var). */
export class GaussianNLLLoss extends Loss {
  readonly full: boolean;
  readonly eps: number;
  constructor(opts: { full?: boolean; eps?: number; reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['full', 'eps', 'reduction'], 'GaussianNLLLoss');
    super(opts?.reduction);
    this.full = expectBool(opts?.full ?? false, 'GaussianNLLLoss: full');
    this.eps = expectNumber(opts?.eps ?? 1e-6, 'GaussianNLLLoss: eps');
  }
  override forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return LF.gaussianNllLoss(input, target, variance, { full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/** `nn.KLDivLoss(reduction='mean', log_target=False)`; reduction may also be 'batchmean'. */
export class KLDivLoss extends Module {
  readonly reduction: LF.KLDivReduction;
  readonly logTarget: boolean;
  constructor(opts: { reduction?: LF.KLDivReduction; logTarget?: boolean } | null = {}) {
    super();
    checkOptions(opts, ['reduction', 'logTarget'], 'KLDivLoss');
    const r = opts?.reduction ?? 'mean';
    if (r !== 'batchmean') reductionEnum(r, 'KLDivLoss');
    this.reduction = r;
    this.logTarget = expectBool(opts?.logTarget ?? false, 'KLDivLoss: logTarget');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return LF.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

/** `nn.HingeEmbeddingLoss(margin=1.0, reduction='mean')`. */
export class HingeEmbeddingLoss extends Loss {
  readonly margin: number;
  constructor(opts: { margin?: number; reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['margin', 'reduction'], 'HingeEmbeddingLoss');
    super(opts?.reduction);
    this.margin = expectNumber(opts?.margin ?? 1.0, 'HingeEmbeddingLoss: margin');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return LF.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** `nn.MultiLabelMarginLoss(reduction='mean')`. */
export class MultiLabelMarginLoss extends Loss {
  constructor(opts: { reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['reduction'], 'MultiLabelMarginLoss');
    super(opts?.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return LF.multilabelMarginLoss(input, target, { reduction: this.reduction });
  }
}

/** `nn.SmoothL1Loss(reduction='mean', beta=1.0)`. */
export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(opts: { reduction?: Reduction; beta?: number } | null = {}) {
    checkOptions(opts, ['reduction', 'beta'], 'SmoothL1Loss');
    super(opts?.reduction);
    this.beta = expectNumber(opts?.beta ?? 1.0, 'SmoothL1Loss: beta');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return LF.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** `nn.HuberLoss(reduction='mean', delta=1.0)`. */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(opts: { reduction?: Reduction; delta?: number } | null = {}) {
    checkOptions(opts, ['reduction', 'delta'], 'HuberLoss');
    super(opts?.reduction);
    this.delta = expectNumber(opts?.delta ?? 1.0, 'HuberLoss: delta');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return LF.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** `nn.SoftMarginLoss(reduction='mean')`. */
export class SoftMarginLoss extends Loss {
  constructor(opts: { reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['reduction'], 'SoftMarginLoss');
    super(opts?.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return LF.softMarginLoss(input, target, { reduction: this.reduction });
  }
}

/** `nn.MultiLabelSoftMarginLoss(weight=None, reduction='mean')`. */
export class MultiLabelSoftMarginLoss extends Loss {
  declare weight: Tensor | null;
  constructor(opts: { weight?: Tensor | null; reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['weight', 'reduction'], 'MultiLabelSoftMarginLoss');
    super(opts?.reduction);
    weightBuffer(this, 'weight', opts?.weight, 'MultiLabelSoftMarginLoss');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return LF.multilabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** `nn.CosineEmbeddingLoss(margin=0.0, reduction='mean')`; forward(input1, input2, target). */
export class CosineEmbeddingLoss extends Loss {
  readonly margin: number;
  constructor(opts: { margin?: number; reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['margin', 'reduction'], 'CosineEmbeddingLoss');
    super(opts?.reduction);
    this.margin = expectNumber(opts?.margin ?? 0, 'CosineEmbeddingLoss: margin');
  }
  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return LF.cosineEmbeddingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** `nn.MarginRankingLoss(margin=0.0, reduction='mean')`; forward(input1, input2, target). */
export class MarginRankingLoss extends Loss {
  readonly margin: number;
  constructor(opts: { margin?: number; reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['margin', 'reduction'], 'MarginRankingLoss');
    super(opts?.reduction);
    this.margin = expectNumber(opts?.margin ?? 0, 'MarginRankingLoss: margin');
  }
  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return LF.marginRankingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** `nn.MultiMarginLoss(p=1, margin=1.0, weight=None, reduction='mean')`. */
export class MultiMarginLoss extends Loss {
  declare weight: Tensor | null;
  readonly p: 1 | 2;
  readonly margin: number;
  constructor(opts: { p?: 1 | 2; margin?: number; weight?: Tensor | null; reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['p', 'margin', 'weight', 'reduction'], 'MultiMarginLoss');
    super(opts?.reduction);
    const w = checkOptTensor(opts?.weight, 'MultiMarginLoss', 'weight');
    const p = expectInt(opts?.p ?? 1, 'MultiMarginLoss: p');
    if (p !== 1 && p !== 2) throw new RangeError(`MultiMarginLoss: only p == 1 and p == 2 supported (got p = ${p})`);
    if (w && w.ndim !== 1) throw new RangeError(`MultiMarginLoss: weight must be one-dimensional (got ${shapeStr(w.shape)})`);
    this.registerBuffer('weight', w);
    this.p = p;
    this.margin = expectNumber(opts?.margin ?? 1, 'MultiMarginLoss: margin');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return LF.multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight, reduction: this.reduction });
  }
}

/** `nn.TripletMarginLoss(margin=1.0, p=2.0, eps=1e-6, swap=False, reduction='mean')`; forward(anchor, positive, negative). */
export class TripletMarginLoss extends Loss {
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;
  constructor(opts: { margin?: number; p?: number; eps?: number; swap?: boolean; reduction?: Reduction } | null = {}) {
    checkOptions(opts, ['margin', 'p', 'eps', 'swap', 'reduction'], 'TripletMarginLoss');
    super(opts?.reduction);
    this.margin = expectNumber(opts?.margin ?? 1.0, 'TripletMarginLoss: margin');
    this.p = expectNumber(opts?.p ?? 2, 'TripletMarginLoss: p');
    this.eps = expectNumber(opts?.eps ?? 1e-6, 'TripletMarginLoss: eps');
    this.swap = expectBool(opts?.swap ?? false, 'TripletMarginLoss: swap');
  }
  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return LF.tripletMarginLoss(anchor, positive, negative, {
      margin: this.margin,
      p: this.p,
      eps: this.eps,
      swap: this.swap,
      reduction: this.reduction,
    });
  }
}

/**
 * `nn.TripletMarginWithDistanceLoss(*, distance_function=None, margin=1.0, swap=False,
 * reduction='mean')`. A Module given as distanceFunction is registered as the submodule
 * `distance_function`, as PyTorch's attribute assignment does.
 */
export class TripletMarginWithDistanceLoss extends Loss {
  declare distance_function: LF.DistanceFunction | null;
  readonly margin: number;
  readonly swap: boolean;
  constructor(opts: LF.TripletMarginWithDistanceLossOptions | null = {}) {
    const fn = 'TripletMarginWithDistanceLoss';
    checkOptions(opts, ['distanceFunction', 'margin', 'swap', 'reduction'], fn);
    super(opts?.reduction);
    const d = LF.checkDistanceFunction(opts?.distanceFunction, fn) ?? new PairwiseDistance();
    if (d instanceof Module) this.registerModule('distance_function', d);
    else this.distance_function = d;
    this.margin = expectNumber(opts?.margin ?? 1.0, `${fn}: margin`);
    this.swap = expectBool(opts?.swap ?? false, `${fn}: swap`);
  }
  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return LF.tripletMarginWithDistanceLoss(anchor, positive, negative, {
      distanceFunction: this.distance_function,
      margin: this.margin,
      swap: this.swap,
      reduction: this.reduction,
    });
  }
}

/** `nn.CTCLoss(blank=0, reduction='mean', zero_infinity=False)`; forward(logProbs, targets, inputLengths, targetLengths). */
export class CTCLoss extends Loss {
  readonly blank: number;
  readonly zeroInfinity: boolean;
  constructor(opts: { blank?: number; reduction?: Reduction; zeroInfinity?: boolean } | null = {}) {
    checkOptions(opts, ['blank', 'reduction', 'zeroInfinity'], 'CTCLoss');
    super(opts?.reduction);
    this.blank = expectInt(opts?.blank ?? 0, 'CTCLoss: blank');
    this.zeroInfinity = expectBool(opts?.zeroInfinity ?? false, 'CTCLoss: zeroInfinity');
  }
  override forward(logProbs: Tensor, targets: Tensor, inputLengths: LF.Lengths, targetLengths: LF.Lengths): Tensor {
    return LF.ctcLoss(logProbs, targets, inputLengths, targetLengths, {
      blank: this.blank,
      reduction: this.reduction,
      zeroInfinity: this.zeroInfinity,
    });
  }
}
