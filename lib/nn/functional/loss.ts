/**
 * nn.functional, Loss functions (torch/nn/functional.py, 1.13): each calls the ATen operator
 * PyTorch's Python calls, or composes ATen ops as the Python does (gaussian_nll_loss,
 * multilabel_soft_margin_loss, triplet_margin_with_distance_loss). F.cross_entropy, nll_loss,
 * mse_loss, l1_loss and the binary cross entropies live in functional/index.ts.
 */
import { Tensor, op, wrap } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { tidy } from '../../scope.js';
import { noGrad } from '../../autograd.js';
import { checkOptions, expectBool, expectInt, expectNumber } from '../../errors.js';
import { Module } from '../module.js';
import { checkTensor, checkOptTensor, reductionEnum, shapeStr, withContext, type Reduction } from '../common.js';

const O = {
  poissonNll: op('aten::poisson_nll_loss'),
  klDiv: op('aten::kl_div'),
  smoothL1: op('aten::smooth_l1_loss'),
  huber: op('aten::huber_loss'),
  softMargin: op('aten::soft_margin_loss'),
  multilabelMargin: op('aten::multilabel_margin_loss'),
  hingeEmbedding: op('aten::hinge_embedding_loss'),
  cosineEmbedding: op('aten::cosine_embedding_loss'),
  marginRanking: op('aten::margin_ranking_loss'),
  multiMargin: op('aten::multi_margin_loss'),
  tripletMargin: op('aten::triplet_margin_loss'),
  ctcInt: op('aten::ctc_loss.IntList'),
  ctcTensor: op('aten::ctc_loss.Tensor'),
  pairwiseDistance: op('aten::pairwise_distance'),
  logSigmoid: op('aten::log_sigmoid'),
  broadcastTensors: op('aten::broadcast_tensors'),
  minOther: op('aten::min.other'),
};

/** Python's `_Reduction.get_enum`, whose message names the function. */
function reduction(opts: { reduction?: Reduction } | null | undefined, fn: string): number {
  return reductionEnum(opts?.reduction, fn);
}

/** Two checked tensors. */
function pairOf(input: unknown, target: unknown, fn: string, a = 'input', b = 'target'): [Tensor, Tensor] {
  return [checkTensor(input, fn, a), checkTensor(target, fn, b)];
}

/**
 * Python's smooth_l1/huber/l1/mse preamble: warn when the shapes differ, then
 * `torch.broadcast_tensors(input, target)` before the kernel.
 */
function broadcastThen(fn: string, input: Tensor, target: Tensor, kernel: (a: number, b: number) => number): Tensor {
  if (shapeStr(input.shape) === shapeStr(target.shape)) return withContext(fn, () => wrap(kernel(input._h, target._h)));
  process.emitWarning(
    `${fn}: Using a target size (${shapeStr(target.shape)}) that is different to the input size (${shapeStr(input.shape)}). ` +
      'This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.',
  );
  return withContext(fn, () => {
    const [a, b] = (O.broadcastTensors([input._h, target._h]) as number[]).map(wrap);
    try {
      return wrap(kernel(a._h, b._h));
    } finally {
      a.dispose();
      b.dispose();
    }
  });
}

/** Options of poissonNllLoss (Python's keyword arguments). */
export interface PoissonNllLossOptions {
  logInput?: boolean;
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}

/**
 * `F.poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction='mean')`:
 * exp(input) - target * input (log_input) or input - target * log(input + eps), plus Stirling's
 * term with full.
 */
export function poissonNllLoss(input: Tensor, target: Tensor, opts: PoissonNllLossOptions | null = {}): Tensor {
  const fn = 'poissonNllLoss';
  pairOf(input, target, fn);
  checkOptions(opts, ['logInput', 'full', 'eps', 'reduction'], fn);
  const logInput = expectBool(opts?.logInput ?? true, `${fn}: logInput`);
  const full = expectBool(opts?.full ?? false, `${fn}: full`);
  const eps = expectNumber(opts?.eps ?? 1e-8, `${fn}: eps`);
  const red = reduction(opts, fn);
  return withContext(fn, () => wrap(O.poissonNll(input._h, target._h, logInput, full, eps, red)));
}

/** Options of gaussianNllLoss. */
export interface GaussianNllLossOptions {
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}

/**
 * `F.gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean')`:
 * 0.5 * (log(max(var, eps)) + (input - target)^2 / max(var, eps)), composed as PyTorch's Python
 * (var may be one dimension short of input, or have a last dimension of 1: the homoscedastic case).
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, opts: GaussianNllLossOptions | null = {}): Tensor {
  const fn = 'gaussianNllLoss';
  pairOf(input, target, fn);
  checkTensor(variance, fn, 'var');
  checkOptions(opts, ['full', 'eps', 'reduction'], fn);
  const full = expectBool(opts?.full ?? false, `${fn}: full`);
  const eps = expectNumber(opts?.eps ?? 1e-6, `${fn}: eps`);
  const red = reduction(opts, fn);
  const is = input.shape;
  const vs = variance.shape;
  let unsqueeze = false;
  if (shapeStr(vs) !== shapeStr(is)) {
    if (shapeStr(is.slice(0, -1)) === shapeStr(vs)) unsqueeze = true;
    else if (!(shapeStr(is.slice(0, -1)) === shapeStr(vs.slice(0, -1)) && vs.length > 0 && vs[vs.length - 1] === 1)) {
      throw new RangeError(`${fn}: var is of incorrect size (${shapeStr(vs)} for input ${shapeStr(is)})`);
    }
  }
  return withContext(fn, () =>
    tidy(() => {
      let v = unsqueeze ? variance.unsqueeze(-1) : variance;
      if (v.lt(0).any().item()) throw new RangeError(`${fn}: var has negative entry/entries`);
      v = v.clone();
      noGrad(() => v.clamp_(eps, null));
      let loss = v.log().add(input.sub(target).pow(2).div(v)).mul(0.5);
      if (full) loss = loss.add(0.5 * Math.log(2 * Math.PI));
      if (red === 1) return loss.mean();
      if (red === 2) return loss.sum();
      return loss;
    }),
  );
}

/** Reductions of klDiv: PyTorch's plus 'batchmean' (the sum divided by the batch size). */
export type KLDivReduction = Reduction | 'batchmean';

let klMeanWarned = false;

/**
 * `F.kl_div(input, target, reduction='mean', log_target=False)`: input holds log-probabilities;
 * target probabilities (or log-probabilities with logTarget). 'batchmean' divides the sum by
 * input.size(0), which is the KL divergence's definition; 'mean' warns as PyTorch does.
 */
export function klDiv(input: Tensor, target: Tensor, opts: { reduction?: KLDivReduction; logTarget?: boolean } | null = {}): Tensor {
  const fn = 'klDiv';
  pairOf(input, target, fn);
  checkOptions(opts, ['reduction', 'logTarget'], fn);
  const r = opts?.reduction ?? 'mean';
  if (r !== 'batchmean') reductionEnum(r, fn);
  const logTarget = expectBool(opts?.logTarget ?? false, `${fn}: logTarget`);
  if (r === 'mean' && !klMeanWarned) {
    klMeanWarned = true;
    process.emitWarning(
      "klDiv: reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to behave the same as 'batchmean' in the next major release.",
    );
  }
  const red = r === 'batchmean' ? 2 : reductionEnum(r, fn);
  return withContext(fn, () => {
    const reduced = wrap(O.klDiv(input._h, target._h, red, logTarget));
    if (r !== 'batchmean' || input.ndim === 0) return reduced;
    try {
      return reduced.div(input.shape[0]);
    } finally {
      reduced.dispose();
    }
  });
}

/**
 * `F.smooth_l1_loss(input, target, reduction='mean', beta=1.0)`: 0.5·x²/beta where |x| < beta,
 * else |x| - 0.5·beta (beta 0 is the L1 loss).
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction; beta?: number } | null = {}): Tensor {
  const fn = 'smoothL1Loss';
  pairOf(input, target, fn);
  checkOptions(opts, ['reduction', 'beta'], fn);
  const red = reduction(opts, fn);
  const beta = expectNumber(opts?.beta ?? 1.0, `${fn}: beta`);
  return broadcastThen(fn, input, target, (a, b) => O.smoothL1(a, b, red, beta));
}

/** `F.huber_loss(input, target, reduction='mean', delta=1.0)`: 0.5·x² where |x| < delta, else delta·(|x| - 0.5·delta). */
export function huberLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction; delta?: number } | null = {}): Tensor {
  const fn = 'huberLoss';
  pairOf(input, target, fn);
  checkOptions(opts, ['reduction', 'delta'], fn);
  const red = reduction(opts, fn);
  const delta = expectNumber(opts?.delta ?? 1.0, `${fn}: delta`);
  return broadcastThen(fn, input, target, (a, b) => O.huber(a, b, red, delta));
}

/** `F.soft_margin_loss(input, target, reduction='mean')`: mean of log(1 + exp(-target·input)). */
export function softMarginLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } | null = {}): Tensor {
  const fn = 'softMarginLoss';
  pairOf(input, target, fn);
  checkOptions(opts, ['reduction'], fn);
  const red = reduction(opts, fn);
  return withContext(fn, () => wrap(O.softMargin(input._h, target._h, red)));
}

/**
 * `F.multilabel_margin_loss(input, target, reduction='mean')`: target holds int64 class indices
 * per sample, ended by the first -1.
 */
export function multilabelMarginLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } | null = {}): Tensor {
  const fn = 'multilabelMarginLoss';
  pairOf(input, target, fn);
  checkOptions(opts, ['reduction'], fn);
  const red = reduction(opts, fn);
  return withContext(fn, () => wrap(O.multilabelMargin(input._h, target._h, red)));
}

/**
 * `F.multilabel_soft_margin_loss(input, target, weight=None, reduction='mean')`, composed as
 * PyTorch's Python: -(target·logσ(input) + (1 - target)·logσ(-input)), weighted, averaged over classes.
 */
export function multilabelSoftMarginLoss(input: Tensor, target: Tensor, opts: { weight?: Tensor | null; reduction?: Reduction } | null = {}): Tensor {
  const fn = 'multilabelSoftMarginLoss';
  pairOf(input, target, fn);
  checkOptions(opts, ['weight', 'reduction'], fn);
  const w = checkOptTensor(opts?.weight, fn, 'weight');
  const red = reduction(opts, fn);
  return withContext(fn, () =>
    tidy(() => {
      const ls = (x: Tensor): Tensor => wrap(O.logSigmoid(x._h));
      let loss = target
        .mul(ls(input))
        .add(target.rsub(1).mul(ls(input.neg())))
        .neg();
      if (w) loss = loss.mul(w);
      const classDim = input.ndim - 1;
      const C = input.shape[classDim];
      loss = loss.sum(classDim).div(C);
      if (red === 1) return loss.mean();
      if (red === 2) return loss.sum();
      return loss;
    }),
  );
}

/** `F.hinge_embedding_loss(input, target, margin=1.0, reduction='mean')`: target holds 1 or -1. */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, opts: { margin?: number; reduction?: Reduction } | null = {}): Tensor {
  const fn = 'hingeEmbeddingLoss';
  pairOf(input, target, fn);
  checkOptions(opts, ['margin', 'reduction'], fn);
  const margin = expectNumber(opts?.margin ?? 1.0, `${fn}: margin`);
  const red = reduction(opts, fn);
  return withContext(fn, () => wrap(O.hingeEmbedding(input._h, target._h, margin, red)));
}

/** `F.cosine_embedding_loss(input1, input2, target, margin=0, reduction='mean')`. */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: { margin?: number; reduction?: Reduction } | null = {}): Tensor {
  const fn = 'cosineEmbeddingLoss';
  pairOf(input1, input2, fn, 'input1', 'input2');
  checkTensor(target, fn, 'target');
  checkOptions(opts, ['margin', 'reduction'], fn);
  const margin = expectNumber(opts?.margin ?? 0, `${fn}: margin`);
  const red = reduction(opts, fn);
  return withContext(fn, () => wrap(O.cosineEmbedding(input1._h, input2._h, target._h, margin, red)));
}

/** `F.margin_ranking_loss(input1, input2, target, margin=0, reduction='mean')`: max(0, -target·(input1 - input2) + margin). */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: { margin?: number; reduction?: Reduction } | null = {}): Tensor {
  const fn = 'marginRankingLoss';
  pairOf(input1, input2, fn, 'input1', 'input2');
  checkTensor(target, fn, 'target');
  checkOptions(opts, ['margin', 'reduction'], fn);
  const margin = expectNumber(opts?.margin ?? 0, `${fn}: margin`);
  const red = reduction(opts, fn);
  if (input1.ndim !== input2.ndim || input1.ndim !== target.ndim) {
    throw new RangeError(
      `${fn}: All input tensors should have same dimension but got sizes: input1: ${shapeStr(input1.shape)}, input2: ${shapeStr(input2.shape)}, target: ${shapeStr(target.shape)}`,
    );
  }
  return withContext(fn, () => wrap(O.marginRanking(input1._h, input2._h, target._h, margin, red)));
}

/** Options of multiMarginLoss. */
export interface MultiMarginLossOptions {
  p?: 1 | 2;
  margin?: number;
  weight?: Tensor | null;
  reduction?: Reduction;
}

/** `F.multi_margin_loss(input, target, p=1, margin=1, weight=None, reduction='mean')`: the multi-class hinge loss. */
export function multiMarginLoss(input: Tensor, target: Tensor, opts: MultiMarginLossOptions | null = {}): Tensor {
  const fn = 'multiMarginLoss';
  pairOf(input, target, fn);
  checkOptions(opts, ['p', 'margin', 'weight', 'reduction'], fn);
  const p = expectInt(opts?.p ?? 1, `${fn}: p`);
  const margin = expectNumber(opts?.margin ?? 1, `${fn}: margin`);
  const w = checkOptTensor(opts?.weight, fn, 'weight');
  const red = reduction(opts, fn);
  if (p !== 1 && p !== 2) throw new RangeError(`${fn}: only p == 1 and p == 2 supported (got p = ${p})`);
  if (w && w.ndim !== 1) throw new RangeError(`${fn}: weight must be one-dimensional (got ${shapeStr(w.shape)})`);
  return withContext(fn, () => wrap(O.multiMargin(input._h, target._h, p, margin, w ? w._h : null, red)));
}

/** Options of tripletMarginLoss. */
export interface TripletMarginLossOptions {
  margin?: number;
  p?: number;
  eps?: number;
  swap?: boolean;
  reduction?: Reduction;
}

/** `F.triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction='mean')`. */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts: TripletMarginLossOptions | null = {}): Tensor {
  const fn = 'tripletMarginLoss';
  pairOf(anchor, positive, fn, 'anchor', 'positive');
  checkTensor(negative, fn, 'negative');
  checkOptions(opts, ['margin', 'p', 'eps', 'swap', 'reduction'], fn);
  const margin = expectNumber(opts?.margin ?? 1.0, `${fn}: margin`);
  const p = expectNumber(opts?.p ?? 2, `${fn}: p`);
  const eps = expectNumber(opts?.eps ?? 1e-6, `${fn}: eps`);
  const swap = expectBool(opts?.swap ?? false, `${fn}: swap`);
  const red = reduction(opts, fn);
  return withContext(fn, () => wrap(O.tripletMargin(anchor._h, positive._h, negative._h, margin, p, eps, swap, red)));
}

/** A distance for tripletMarginWithDistanceLoss: a function of two tensors, or a Module (PyTorch takes any callable). */
export type DistanceFunction = ((x1: Tensor, x2: Tensor) => Tensor) | Module;

/** Options of tripletMarginWithDistanceLoss (keyword-only in PyTorch). */
export interface TripletMarginWithDistanceLossOptions {
  distanceFunction?: DistanceFunction | null;
  margin?: number;
  swap?: boolean;
  reduction?: Reduction;
}

/** Checks a distance function option; null/undefined is None. @internal */
export function checkDistanceFunction(d: unknown, fn: string): DistanceFunction | null {
  if (d === undefined || d === null) return null;
  if (typeof d === 'function' || d instanceof Module) return d as DistanceFunction;
  throw new TypeError(`${String(fn)}: Expected a function (x1, x2) => Tensor or a Module for distanceFunction but received ${describe(d)}`);
}

/** Calls a DistanceFunction, or F.pairwise_distance(x1, x2) for null. @internal */
function callDistance(d: DistanceFunction | null, x1: Tensor, x2: Tensor, fn: string): Tensor {
  let out: unknown;
  if (d === null) out = wrap(O.pairwiseDistance(x1._h, x2._h));
  else if (d instanceof Module) out = d.call(x1, x2);
  else out = d(x1, x2);
  if (!(out instanceof Tensor)) throw new TypeError(`${fn}: distanceFunction returned ${describe(out)} instead of a Tensor`);
  return out;
}

/**
 * `F.triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
 * margin=1.0, swap=False, reduction='mean')`: composed as PyTorch's Python; the default distance
 * is F.pairwise_distance.
 */
export function tripletMarginWithDistanceLoss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  opts: TripletMarginWithDistanceLossOptions | null = {},
): Tensor {
  const fn = 'tripletMarginWithDistanceLoss';
  pairOf(anchor, positive, fn, 'anchor', 'positive');
  checkTensor(negative, fn, 'negative');
  checkOptions(opts, ['distanceFunction', 'margin', 'swap', 'reduction'], fn);
  const dist = checkDistanceFunction(opts?.distanceFunction, fn);
  const margin = expectNumber(opts?.margin ?? 1.0, `${fn}: margin`);
  const swap = expectBool(opts?.swap ?? false, `${fn}: swap`);
  const red = reduction(opts, fn);
  return withContext(fn, () =>
    tidy(() => {
      const positiveDist = callDistance(dist, anchor, positive, fn);
      let negativeDist = callDistance(dist, anchor, negative, fn);
      if (swap) {
        const swapDist = callDistance(dist, positive, negative, fn);
        negativeDist = wrap(O.minOther(negativeDist._h, swapDist._h));
      }
      const output = positiveDist.sub(negativeDist).add(margin).clamp(0.0, null);
      if (red === 1) return output.mean();
      if (red === 2) return output.sum();
      return output;
    }),
  );
}

/** Input or target lengths of ctcLoss: an int64 tensor or an array of integers (Python's tuple). */
export type Lengths = Tensor | readonly number[];

function lengthsArg(v: unknown, fn: string, arg: string): Tensor | number[] {
  if (v instanceof Tensor) return checkTensor(v, fn, arg);
  if (Array.isArray(v)) return v.map((x, i) => expectInt(x, `${fn}: ${arg}[${i}]`));
  throw new TypeError(`${fn}: Expected a Tensor or an array of integers for ${arg} but received ${describe(v)}`);
}

/** Options of ctcLoss. */
export interface CtcLossOptions {
  blank?: number;
  reduction?: Reduction;
  zeroInfinity?: boolean;
}

/**
 * `F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean',
 * zero_infinity=False)`: the Connectionist Temporal Classification loss of log_probs [T, N, C]
 * (or [T, C]); 'mean' divides each sample's loss by its target length, then averages.
 */
export function ctcLoss(logProbs: Tensor, targets: Tensor, inputLengths: Lengths, targetLengths: Lengths, opts: CtcLossOptions | null = {}): Tensor {
  const fn = 'ctcLoss';
  pairOf(logProbs, targets, fn, 'logProbs', 'targets');
  const il = lengthsArg(inputLengths, fn, 'inputLengths');
  const tl = lengthsArg(targetLengths, fn, 'targetLengths');
  checkOptions(opts, ['blank', 'reduction', 'zeroInfinity'], fn);
  const blank = expectInt(opts?.blank ?? 0, `${fn}: blank`);
  const red = reduction(opts, fn);
  const zeroInfinity = expectBool(opts?.zeroInfinity ?? false, `${fn}: zeroInfinity`);
  if (il instanceof Tensor !== tl instanceof Tensor) {
    throw new TypeError(`${fn}: inputLengths and targetLengths must both be Tensors or both be arrays of integers`);
  }
  return withContext(fn, () =>
    il instanceof Tensor
      ? wrap(O.ctcTensor(logProbs._h, targets._h, il._h, (tl as Tensor)._h, blank, red, zeroInfinity))
      : wrap(O.ctcInt(logProbs._h, targets._h, il, tl, blank, red, zeroInfinity)),
  );
}
