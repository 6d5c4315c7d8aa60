/** Loss modules: thin wrappers over nn.functional with PyTorch's options; weights are buffers as in PyTorch. */
import type { Tensor } from '../../tensor.js';
import { checkOptions, expectInt, expectNumber } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { checkOptTensor, reductionEnum, type Reduction } from '../common.js';

abstract class Loss extends Module {
  readonly reduction: Reduction;
  constructor(reduction: Reduction | undefined) {
    super();
    reductionEnum(reduction, this.constructor.name);
    this.reduction = reduction ?? 'mean';
  }
  override forward(_input: Tensor, _target: Tensor): Tensor {
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
