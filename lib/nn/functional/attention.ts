/**
 * nn.functional, attention: multi_head_attention_forward (a port of torch/nn/functional.py, the
 * path nn.MultiheadAttention takes) and scaled_dot_product_attention (PyTorch 2.x's function).
 * Each follows the Python of the LibTorch it runs on: on 2.1+ scaled_dot_product_attention is
 * aten::scaled_dot_product_attention, and multi_head_attention_forward calls it when no weights
 * are asked for, scales q by √(1/E) and averages heads with mean(); on 1.13 (no such operator)
 * both are composed as 1.13's Python and PyTorch's documentation write them.
 */
import { type Tensor, op, wrap, zeros, zerosLike, ones, cat } from '../../tensor.js';
import { isFloatingDType } from '../../dtype.js';
import { checkOptions, expectBool, expectInt, expectNumber, expectPositiveInt } from '../../errors.js';
import { tidy } from '../../scope.js';
import { checkTensor, checkOptTensor, shapeStr, withContext } from '../common.js';
import { linear, dropout, pad } from './index.js';
import { libtorchAtLeast } from '../../native.js';

const baddbmmOp = op('aten::baddbmm');
const sdpaOp = op('aten::scaled_dot_product_attention');
/** Whether the attention functions take PyTorch 2.1+'s path (see the top of this file). */
const PYTHON_2_1 = libtorchAtLeast(2, 1);

/** Options of multiHeadAttentionForward (Python's keyword arguments). */
export interface MultiHeadAttentionForwardOptions {
  training?: boolean;
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  attnMask?: Tensor | null;
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  staticK?: Tensor | null;
  staticV?: Tensor | null;
  averageAttnWeights?: boolean;
}

const MHA_OPTIONS = [
  'training',
  'keyPaddingMask',
  'needWeights',
  'attnMask',
  'useSeparateProjWeight',
  'qProjWeight',
  'kProjWeight',
  'vProjWeight',
  'staticK',
  'staticV',
  'averageAttnWeights',
];

const isMaskDType = (t: Tensor): boolean => t.dtype === 'bool' || isFloatingDType(t.dtype);
const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Python's `_mha_shape_check`: whether the input is batched. */
function mhaShapeCheck(fn: string, query: Tensor, key: Tensor, value: Tensor, kpm: Tensor | null, attnMask: Tensor | null, numHeads: number): boolean {
  if (query.ndim === 3) {
    if (key.ndim !== 3 || value.ndim !== 3) {
      throw new RangeError(
        `${fn}: For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`,
      );
    }
    if (kpm && kpm.ndim !== 2) {
      throw new RangeError(`${fn}: For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${kpm.ndim}-D tensor instead`);
    }
    if (attnMask && attnMask.ndim !== 2 && attnMask.ndim !== 3) {
      throw new RangeError(`${fn}: For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`);
    }
    return true;
  }
  if (query.ndim === 2) {
    if (key.ndim !== 2 || value.ndim !== 2) {
      throw new RangeError(
        `${fn}: For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`,
      );
    }
    if (kpm && kpm.ndim !== 1) {
      throw new RangeError(`${fn}: For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${kpm.ndim}-D tensor instead`);
    }
    if (attnMask) {
      if (attnMask.ndim !== 2 && attnMask.ndim !== 3) {
        throw new RangeError(
          `${fn}: For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`,
        );
      }
      if (attnMask.ndim === 3) {
        const expected = [numHeads, query.shape[0], key.shape[0]];
        if (!same(attnMask.shape, expected)) {
          throw new RangeError(`${fn}: Expected \`attn_mask\` shape to be ${shapeStr(expected)} but got ${shapeStr(attnMask.shape)}`);
        }
      }
    }
    return false;
  }
  throw new RangeError(`${fn}: query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`);
}

/**
 * `F.multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
 * in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
 * training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
 * use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None, v_proj_weight=None,
 * static_k=None, static_v=None, average_attn_weights=True)`: query [L, N, E] (or [L, E]
 * unbatched), key and value [S, N, E]. Returns [attnOutput, attnWeights or null]. Bool masks mark
 * positions that may not attend (True); float masks are added to the attention logits.
 */
export function multiHeadAttentionForward(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  embedDimToCheck: number,
  numHeads: number,
  inProjWeight: Tensor | null,
  inProjBias: Tensor | null,
  biasK: Tensor | null,
  biasV: Tensor | null,
  addZeroAttn: boolean,
  dropoutP: number,
  outProjWeight: Tensor,
  outProjBias: Tensor | null,
  opts: MultiHeadAttentionForwardOptions | null = {},
): [Tensor, Tensor | null] {
  return mhaForward(
    'multiHeadAttentionForward',
    query,
    key,
    value,
    embedDimToCheck,
    numHeads,
    inProjWeight,
    inProjBias,
    biasK,
    biasV,
    addZeroAttn,
    dropoutP,
    outProjWeight,
    outProjBias,
    opts,
  );
}

/** multiHeadAttentionForward whose messages start with `fn` (nn.MultiheadAttention passes its path). @internal */
export function mhaForward(
  fn: string,
  query: Tensor,
  key: Tensor,
  value: Tensor,
  embedDimToCheck: number,
  numHeads: number,
  inProjWeight: Tensor | null,
  inProjBias: Tensor | null,
  biasK: Tensor | null,
  biasV: Tensor | null,
  addZeroAttn: boolean,
  dropoutP: number,
  outProjWeight: Tensor,
  outProjBias: Tensor | null,
  opts: MultiHeadAttentionForwardOptions | null = {},
): [Tensor, Tensor | null] {
  checkTensor(query, fn, 'query');
  checkTensor(key, fn, 'key');
  checkTensor(value, fn, 'value');
  const embedCheck = expectInt(embedDimToCheck, `${fn}: embedDimToCheck`);
  const nh = expectPositiveInt(numHeads, `${fn}: numHeads`);
  const wIn = checkOptTensor(inProjWeight, fn, 'inProjWeight');
  const bIn = checkOptTensor(inProjBias, fn, 'inProjBias');
  const bK = checkOptTensor(biasK, fn, 'biasK');
  const bV = checkOptTensor(biasV, fn, 'biasV');
  expectBool(addZeroAttn, `${fn}: addZeroAttn`);
  let p = expectNumber(dropoutP, `${fn}: dropoutP`);
  checkTensor(outProjWeight, fn, 'outProjWeight');
  const bOut = checkOptTensor(outProjBias, fn, 'outProjBias');
  checkOptions(opts, MHA_OPTIONS, fn);
  const training = expectBool(opts?.training ?? true, `${fn}: training`);
  let kpm = checkOptTensor(opts?.keyPaddingMask, fn, 'keyPaddingMask');
  const needWeights = expectBool(opts?.needWeights ?? true, `${fn}: needWeights`);
  let attnMask = checkOptTensor(opts?.attnMask, fn, 'attnMask');
  const separate = expectBool(opts?.useSeparateProjWeight ?? false, `${fn}: useSeparateProjWeight`);
  const wq = checkOptTensor(opts?.qProjWeight, fn, 'qProjWeight');
  const wk = checkOptTensor(opts?.kProjWeight, fn, 'kProjWeight');
  const wv = checkOptTensor(opts?.vProjWeight, fn, 'vProjWeight');
  const staticK = checkOptTensor(opts?.staticK, fn, 'staticK');
  const staticV = checkOptTensor(opts?.staticV, fn, 'staticV');
  const average = expectBool(opts?.averageAttnWeights ?? true, `${fn}: averageAttnWeights`);

  const isBatched = mhaShapeCheck(fn, query, key, value, kpm, attnMask, nh);
  return withContext(fn, () =>
    tidy((): [Tensor, Tensor | null] => {
      let q0 = query;
      let k0 = key;
      let v0 = value;
      // Unbatched input runs as a batch of one (Python unsqueezes each: they are no longer the same tensor).
      if (!isBatched) {
        q0 = query.unsqueeze(1);
        k0 = key.unsqueeze(1);
        v0 = value.unsqueeze(1);
        if (kpm) kpm = kpm.unsqueeze(0);
      }
      const [tgtLen, bsz, embedDim] = q0.shape;
      let srcLen = k0.shape[0];
      if (kpm && !isMaskDType(kpm)) throw new TypeError(`${fn}: only bool and floating types of key_padding_mask are supported`);
      if (embedDim !== embedCheck) throw new RangeError(`${fn}: was expecting embedding dimension of ${embedCheck}, but got ${embedDim}`);
      const headDim = Math.floor(embedDim / nh);
      if (headDim * nh !== embedDim) throw new RangeError(`${fn}: embed_dim ${embedDim} not divisible by num_heads ${nh}`);
      if (separate) {
        if (!same(k0.shape.slice(0, 2), v0.shape.slice(0, 2))) {
          throw new RangeError(`${fn}: key's sequence and batch dims ${shapeStr(k0.shape.slice(0, 2))} do not match value's ${shapeStr(v0.shape.slice(0, 2))}`);
        }
      } else if (!same(k0.shape, v0.shape)) {
        throw new RangeError(`${fn}: key shape ${shapeStr(k0.shape)} does not match value shape ${shapeStr(v0.shape)}`);
      }

      // ---- in-projection
      let q: Tensor;
      let k: Tensor;
      let v: Tensor;
      if (!separate) {
        if (!wIn) throw new TypeError(`${fn}: use_separate_proj_weight is False but in_proj_weight is None`);
        [q, k, v] = inProjectionPacked(q0, k0, v0, wIn, bIn);
      } else {
        if (!wq) throw new TypeError(`${fn}: use_separate_proj_weight is True but q_proj_weight is None`);
        if (!wk) throw new TypeError(`${fn}: use_separate_proj_weight is True but k_proj_weight is None`);
        if (!wv) throw new TypeError(`${fn}: use_separate_proj_weight is True but v_proj_weight is None`);
        const [bq, bk, bv] = bIn ? bIn.chunk(3) : [null, null, null];
        [q, k, v] = inProjection(fn, q0, k0, v0, wq, wk, wv, bq, bk, bv);
      }

      // ---- attention mask
      if (attnMask) {
        if (attnMask.dtype === 'uint8') {
          process.emitWarning('Byte tensor for attn_mask in nn.MultiheadAttention is deprecated. Use bool tensor instead.');
          attnMask = attnMask.to('bool');
        } else if (!isMaskDType(attnMask)) {
          throw new TypeError(`${fn}: Only float, byte, and bool types are supported for attn_mask, not ${attnMask.dtype}`);
        }
        if (attnMask.ndim === 2) {
          const correct = [tgtLen, srcLen];
          if (!same(attnMask.shape, correct))
            throw new RangeError(`${fn}: The shape of the 2D attn_mask is ${shapeStr(attnMask.shape)}, but should be ${shapeStr(correct)}.`);
          attnMask = attnMask.unsqueeze(0);
        } else if (attnMask.ndim === 3) {
          const correct = [bsz * nh, tgtLen, srcLen];
          if (!same(attnMask.shape, correct))
            throw new RangeError(`${fn}: The shape of the 3D attn_mask is ${shapeStr(attnMask.shape)}, but should be ${shapeStr(correct)}.`);
        } else {
          throw new RangeError(`${fn}: attn_mask's dimension ${attnMask.ndim} is not supported`);
        }
      }

      // ---- bias_k / bias_v along the batch dimension (still the second)
      if (bK && bV) {
        if (staticK) throw new Error(`${fn}: bias cannot be added to static key.`);
        if (staticV) throw new Error(`${fn}: bias cannot be added to static value.`);
        k = cat([k, bK.repeat(1, bsz, 1)]);
        v = cat([v, bV.repeat(1, bsz, 1)]);
        if (attnMask) attnMask = pad(attnMask, [0, 1]);
        if (kpm) kpm = pad(kpm, [0, 1]);
      } else if (bK || bV) {
        throw new TypeError(`${fn}: bias_k and bias_v must both be given or both be None`);
      }

      // ---- heads into the batch dimension
      q = q
        .contiguous()
        .view(tgtLen, bsz * nh, headDim)
        .transpose(0, 1);
      if (!staticK) {
        k = k
          .contiguous()
          .view(k.shape[0], bsz * nh, headDim)
          .transpose(0, 1);
      } else {
        if (staticK.size(0) !== bsz * nh) throw new RangeError(`${fn}: expecting static_k.size(0) of ${bsz * nh}, but got ${staticK.size(0)}`);
        if (staticK.size(2) !== headDim) throw new RangeError(`${fn}: expecting static_k.size(2) of ${headDim}, but got ${staticK.size(2)}`);
        k = staticK;
      }
      if (!staticV) {
        v = v
          .contiguous()
          .view(v.shape[0], bsz * nh, headDim)
          .transpose(0, 1);
      } else {
        if (staticV.size(0) !== bsz * nh) throw new RangeError(`${fn}: expecting static_v.size(0) of ${bsz * nh}, but got ${staticV.size(0)}`);
        if (staticV.size(2) !== headDim) throw new RangeError(`${fn}: expecting static_v.size(2) of ${headDim}, but got ${staticV.size(2)}`);
        v = staticV;
      }

      // ---- zero attention
      if (addZeroAttn) {
        const zshape = [bsz * nh, 1, headDim];
        k = cat([k, zeros(zshape, { dtype: k.dtype, device: k.device })], 1);
        v = cat([v, zeros(zshape, { dtype: v.dtype, device: v.device })], 1);
        if (attnMask) attnMask = pad(attnMask, [0, 1]);
        if (kpm) kpm = pad(kpm, [0, 1]);
      }
      srcLen = k.size(1);

      // ---- merge key padding and attention masks
      if (kpm) {
        if (!same(kpm.shape, [bsz, srcLen]))
          throw new RangeError(`${fn}: expecting key_padding_mask shape of ${shapeStr([bsz, srcLen])}, but got ${shapeStr(kpm.shape)}`);
        kpm = kpm
          .view(bsz, 1, 1, srcLen)
          .expand(-1, nh, -1, -1)
          .reshape(bsz * nh, 1, srcLen);
        if (!attnMask) attnMask = kpm;
        else if (attnMask.dtype === 'bool') attnMask = attnMask.logicalOr(kpm);
        else attnMask = attnMask.maskedFill(kpm, Number.NEGATIVE_INFINITY);
      }
      if (attnMask && attnMask.dtype === 'bool') {
        const m = zerosLike(attnMask, { dtype: q.dtype });
        m.maskedFill_(attnMask, Number.NEGATIVE_INFINITY);
        attnMask = m;
      }
      if (!training) p = 0.0;

      // ---- attention and out-projection
      if (PYTHON_2_1 && !needWeights) {
        // 2.x: scaled_dot_product_attention over [bsz, heads, L, headDim] (attnMask: (1, L, S) or (bsz·heads, L, S)).
        if (attnMask) attnMask = attnMask.size(0) === 1 && attnMask.ndim === 3 ? attnMask.unsqueeze(0) : attnMask.view(bsz, nh, -1, srcLen);
        const q4 = q.view(bsz, nh, tgtLen, headDim);
        const k4 = k.view(bsz, nh, srcLen, headDim);
        const v4 = v.view(bsz, nh, srcLen, headDim);
        let o = wrap(sdpaOp(q4._h, k4._h, v4._h, attnMask ? attnMask._h : null, p, false) as number);
        o = o
          .permute(2, 0, 1, 3)
          .contiguous()
          .view(bsz * tgtLen, embedDim);
        o = linear(o, outProjWeight, bOut);
        o = o.view(tgtLen, bsz, o.size(1));
        return [isBatched ? o : o.squeeze(1), null];
      }
      const E = q.shape[2];
      const qScaled = PYTHON_2_1 ? q.mul(Math.sqrt(1.0 / E)) : q.div(Math.sqrt(E));
      const kT = k.transpose(-2, -1);
      let w = attnMask ? wrap(baddbmmOp(attnMask._h, qScaled._h, kT._h)) : qScaled.bmm(kT);
      w = w.softmax(-1);
      if (p > 0.0) w = dropout(w, p);
      let out = w.bmm(v);
      out = out
        .transpose(0, 1)
        .contiguous()
        .view(tgtLen * bsz, embedDim);
      out = linear(out, outProjWeight, bOut);
      out = out.view(tgtLen, bsz, out.size(1));
      if (needWeights) {
        w = w.view(bsz, nh, tgtLen, srcLen);
        if (average) w = PYTHON_2_1 ? w.mean(1) : w.sum(1).div(nh);
        if (!isBatched) {
          out = out.squeeze(1);
          w = w.squeeze(0);
        }
        return [out, w];
      }
      if (!isBatched) out = out.squeeze(1);
      return [out, null];
    }),
  );
}

/** Python's `_in_projection_packed`: one weight [3E, E]; self- and encoder-decoder attention share work. */
function inProjectionPacked(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | null): [Tensor, Tensor, Tensor] {
  const E = q.size(-1);
  if (k === v) {
    if (q === k) {
      const [a, bb, c] = linear(q, w, b).chunk(3, -1);
      return [a, bb, c];
    }
    const [wq, wkv] = w.split([E, E * 2]);
    const [bq, bkv] = b ? b.split([E, E * 2]) : [null, null];
    const [kk, vv] = linear(k, wkv, bkv).chunk(2, -1);
    return [linear(q, wq, bq), kk, vv];
  }
  const [wq, wk, wv] = w.chunk(3);
  const [bq, bk, bv] = b ? b.chunk(3) : [null, null, null];
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

/** Python's `_in_projection`: separate weights, with its shape checks. */
function inProjection(
  fn: string,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  wq: Tensor,
  wk: Tensor,
  wv: Tensor,
  bq: Tensor | null,
  bk: Tensor | null,
  bv: Tensor | null,
): [Tensor, Tensor, Tensor] {
  const Eq = q.size(-1);
  const Ek = k.size(-1);
  const Ev = v.size(-1);
  const check = (t: Tensor | null, shape: number[], what: string): void => {
    if (t && !same(t.shape, shape)) throw new RangeError(`${fn}: expecting ${what} shape of ${shapeStr(shape)}, but got ${shapeStr(t.shape)}`);
  };
  check(wq, [Eq, Eq], 'query weights');
  check(wk, [Eq, Ek], 'key weights');
  check(wv, [Eq, Ev], 'value weights');
  check(bq, [Eq], 'query bias');
  check(bk, [Eq], 'key bias');
  check(bv, [Eq], 'value bias');
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

/** Options of scaledDotProductAttention (PyTorch 2.x's keyword arguments). */
export interface ScaledDotProductAttentionOptions {
  attnMask?: Tensor | null;
  dropoutP?: number;
  isCausal?: boolean;
  scale?: number | null;
}

/**
 * `F.scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
 * is_causal=False, scale=None)` (PyTorch 2.x): softmax(q kᵀ · scale + bias) v with
 * scale = 1/√E by default. A bool attnMask marks the positions that may attend (True), as in 2.x
 * (the opposite of MultiheadAttention's); a float mask is added. Shapes [..., L, E], [..., S, E],
 * [..., S, Ev]. LibTorch's aten::scaled_dot_product_attention on 2.1+; on 1.13, which has none,
 * composed from operators as PyTorch's documentation gives the reference implementation. Dropout
 * draws from the default generator.
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts: ScaledDotProductAttentionOptions | null = {}): Tensor {
  const fn = 'scaledDotProductAttention';
  checkTensor(query, fn, 'query');
  checkTensor(key, fn, 'key');
  checkTensor(value, fn, 'value');
  checkOptions(opts, ['attnMask', 'dropoutP', 'isCausal', 'scale'], fn);
  const mask = checkOptTensor(opts?.attnMask, fn, 'attnMask');
  const p = expectNumber(opts?.dropoutP ?? 0.0, `${fn}: dropoutP`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${fn}: dropout probability has to be between 0 and 1, but got ${p}`);
  const isCausal = expectBool(opts?.isCausal ?? false, `${fn}: isCausal`);
  const scale = opts?.scale === undefined || opts?.scale === null ? null : expectNumber(opts.scale, `${fn}: scale`);
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2) {
    throw new RangeError(
      `${fn}: expected query, key and value with at least 2 dimensions but got ${shapeStr(query.shape)}, ${shapeStr(key.shape)}, ${shapeStr(value.shape)}`,
    );
  }
  if (isCausal && mask) throw new Error(`${fn}: Explicit attn_mask should not be set when is_causal=True`);
  if (mask && mask.dtype !== 'bool' && !isFloatingDType(mask.dtype))
    throw new TypeError(`${fn}: Expected a bool or floating-point attnMask but received dtype ${mask.dtype}`);
  if (PYTHON_2_1) {
    return withContext(fn, () => wrap(sdpaOp(query._h, key._h, value._h, mask ? mask._h : null, p, isCausal, scale) as number));
  }
  return withContext(fn, () =>
    tidy(() => {
      const L = query.size(-2);
      const S = key.size(-2);
      const factor = scale ?? 1 / Math.sqrt(query.size(-1));
      let w = query.matmul(key.transpose(-2, -1)).mul(factor);
      if (isCausal) {
        const bias = zeros([L, S], { dtype: query.dtype, device: query.device });
        bias.maskedFill_(ones([L, S], { dtype: 'bool', device: query.device }).tril().logicalNot(), Number.NEGATIVE_INFINITY);
        w = w.add(bias);
      }
      if (mask) {
        if (mask.dtype === 'bool') {
          const bias = zerosLike(mask, { dtype: query.dtype });
          bias.maskedFill_(mask.logicalNot(), Number.NEGATIVE_INFINITY);
          w = w.add(bias);
        } else {
          w = w.add(mask);
        }
      }
      w = w.softmax(-1);
      if (p > 0) w = dropout(w, p);
      return w.matmul(value);
    }),
  );
}
