/**
 * nn.functional, sparse (torch/nn/functional.py): embedding_bag and the max_norm renormalization
 * the embeddings share. F.embedding and F.oneHot are in functional/index.ts.
 */
import { type Tensor, op, wrap, arange } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool, expectInt, expectNumber } from '../../errors.js';
import { noGrad } from '../../autograd.js';
import { checkTensor, checkOptTensor, shapeStr, withContext } from '../common.js';

const O = {
  embeddingBag: op('aten::embedding_bag.padding_idx'),
  renorm_: op('aten::embedding_renorm_'),
  detach: op('aten::detach'),
  contiguous: op('aten::contiguous'),
  reshape: op('aten::reshape'),
};

/**
 * Python's `_no_grad_embedding_renorm_`: rows of `weight` picked by `input` whose `normType`-norm
 * exceeds maxNorm are rescaled in place to maxNorm. @internal
 */
export function _embeddingRenorm_(weight: Tensor, input: Tensor, maxNorm: number, normType: number): void {
  checkTensor(weight, 'embeddingRenorm', 'weight');
  checkTensor(input, 'embeddingRenorm');
  noGrad(() => {
    const w = wrap(O.detach(weight._h));
    const i = wrap(O.contiguous(input._h));
    try {
      O.renorm_(w._h, i._h, maxNorm, normType);
    } finally {
      w.dispose();
      i.dispose();
    }
  });
}

/** The reduction of embeddingBag. */
export type EmbeddingBagMode = 'sum' | 'mean' | 'max';

/** Options of embeddingBag (Python's keyword arguments). */
export interface EmbeddingBagFunctionalOptions {
  /** Start of each bag in a 1-D input (null for a 2-D input of equal-length bags). */
  offsets?: Tensor | null;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  mode?: EmbeddingBagMode;
  sparse?: boolean;
  /** A weight per index (mode 'sum' only), shaped like input. */
  perSampleWeights?: Tensor | null;
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
}

/**
 * `F.embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
 * mode='mean', sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None)`:
 * sums, means or maxes of bags of embeddings without building the [*, dim] intermediate.
 */
export function embeddingBag(input: Tensor, weight: Tensor, opts: EmbeddingBagFunctionalOptions | null = {}): Tensor {
  const fn = 'embeddingBag';
  checkTensor(input, fn);
  checkTensor(weight, fn, 'weight');
  checkOptions(opts, ['offsets', 'maxNorm', 'normType', 'scaleGradByFreq', 'mode', 'sparse', 'perSampleWeights', 'includeLastOffset', 'paddingIdx'], fn);
  let offsets = checkOptTensor(opts?.offsets, fn, 'offsets');
  let psw = checkOptTensor(opts?.perSampleWeights, fn, 'perSampleWeights');
  const maxNorm = opts?.maxNorm ?? null;
  if (maxNorm !== null) expectNumber(maxNorm, `${fn}: maxNorm`);
  const normType = expectNumber(opts?.normType ?? 2, `${fn}: normType`);
  const scale = expectBool(opts?.scaleGradByFreq ?? false, `${fn}: scaleGradByFreq`);
  const sparse = expectBool(opts?.sparse ?? false, `${fn}: sparse`);
  const last = expectBool(opts?.includeLastOffset ?? false, `${fn}: includeLastOffset`);
  const pad = opts?.paddingIdx ?? null;
  if (pad !== null) expectInt(pad, `${fn}: paddingIdx`);
  const mode = opts?.mode ?? 'mean';
  if (psw && shapeStr(psw.shape) !== shapeStr(input.shape)) {
    throw new RangeError(
      `${fn}: If per_sample_weights (${shapeStr(psw.shape)}) is not None, then it must have the same shape as the input (${shapeStr(input.shape)})`,
    );
  }
  const owned: Tensor[] = [];
  let x = input;
  try {
    if (input.ndim === 2) {
      if (offsets) {
        throw new TypeError(
          `${fn}: if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length sequences. However, found offsets of type Tensor`,
        );
      }
      offsets = arange(0, input.numel(), Math.max(input.shape[1], 1), { dtype: input.dtype, device: input.device });
      x = wrap(O.reshape(input._h, [-1]));
      owned.push(offsets, x);
      if (psw) {
        psw = wrap(O.reshape(psw._h, [-1]));
        owned.push(psw);
      }
    } else if (input.ndim === 1) {
      if (!offsets) throw new TypeError(`${fn}: offsets has to be a 1D Tensor but got None`);
      if (offsets.ndim !== 1) throw new RangeError(`${fn}: offsets has to be a 1D Tensor`);
    } else {
      throw new RangeError(`${fn}: input has to be 1D or 2D Tensor, but got Tensor of dimension ${input.ndim}`);
    }
    let modeEnum: number;
    if (mode === 'sum') modeEnum = 0;
    else if (mode === 'mean') modeEnum = 1;
    else if (mode === 'max') {
      modeEnum = 2;
      if (scale) throw new TypeError(`${fn}: max mode does not support scaling the gradient by the frequency`);
      if (sparse) throw new TypeError(`${fn}: max mode does not support sparse weights`);
    } else throw new TypeError(`${fn}: mode has to be one of sum, mean or max (received ${describe(mode)})`);
    if (maxNorm !== null) withContext(fn, () => _embeddingRenorm_(weight, x, maxNorm, normType));
    if (psw && mode !== 'sum') {
      throw new TypeError(
        `${fn}: embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' (got mode='${mode}'). Please open a feature request on GitHub.`,
      );
    }
    const off = offsets as Tensor;
    return withContext(fn, () => {
      const r = (O.embeddingBag(weight._h, x._h, off._h, scale, modeEnum, sparse, psw ? psw._h : null, last, pad) as number[]).map(wrap);
      for (let k = 1; k < r.length; k++) r[k].dispose();
      return r[0];
    });
  } finally {
    for (const t of owned) t.dispose();
  }
}
