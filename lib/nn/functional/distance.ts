/** nn.functional, distances (torch/nn/functional.py): pairwise_distance, cosine_similarity, pdist. */
import { type Tensor, op, wrap } from '../../tensor.js';
import { checkOptions, expectBool, expectInt, expectNumber } from '../../errors.js';
import { checkTensor, withContext } from '../common.js';

const O = {
  pairwiseDistance: op('aten::pairwise_distance'),
  cosineSimilarity: op('aten::cosine_similarity'),
  pdist: op('aten::pdist'),
};

/** Options of pairwiseDistance. */
export interface PairwiseDistanceOptions {
  p?: number;
  eps?: number;
  keepdim?: boolean;
}

/** `F.pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False)`: ‖x1 - x2 + eps‖_p over the last dimension. */
export function pairwiseDistance(x1: Tensor, x2: Tensor, opts: PairwiseDistanceOptions | null = {}): Tensor {
  const fn = 'pairwiseDistance';
  checkTensor(x1, fn, 'x1');
  checkTensor(x2, fn, 'x2');
  checkOptions(opts, ['p', 'eps', 'keepdim'], fn);
  const p = expectNumber(opts?.p ?? 2, `${fn}: p`);
  const eps = expectNumber(opts?.eps ?? 1e-6, `${fn}: eps`);
  const keepdim = expectBool(opts?.keepdim ?? false, `${fn}: keepdim`);
  return withContext(fn, () => wrap(O.pairwiseDistance(x1._h, x2._h, p, eps, keepdim)));
}

/** Options of cosineSimilarity. */
export interface CosineSimilarityOptions {
  dim?: number;
  eps?: number;
}

/** `F.cosine_similarity(x1, x2, dim=1, eps=1e-8)`: x1·x2 / max(‖x1‖·‖x2‖, eps) along dim (broadcasting). */
export function cosineSimilarity(x1: Tensor, x2: Tensor, opts: CosineSimilarityOptions | null = {}): Tensor {
  const fn = 'cosineSimilarity';
  checkTensor(x1, fn, 'x1');
  checkTensor(x2, fn, 'x2');
  checkOptions(opts, ['dim', 'eps'], fn);
  const dim = expectInt(opts?.dim ?? 1, `${fn}: dim`);
  const eps = expectNumber(opts?.eps ?? 1e-8, `${fn}: eps`);
  return withContext(fn, () => wrap(O.cosineSimilarity(x1._h, x2._h, dim, eps)));
}

/** `F.pdist(input, p=2)`: the p-norm distances between the rows of input [N, M], as the upper triangle [N·(N-1)/2]. */
export function pdist(input: Tensor, p = 2): Tensor {
  const fn = 'pdist';
  checkTensor(input, fn);
  const pp = expectNumber(p, `${fn}: p`);
  return withContext(fn, () => wrap(O.pdist(input._h, pp)));
}
