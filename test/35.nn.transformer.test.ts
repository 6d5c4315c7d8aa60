/**
 * MultiheadAttention and the Transformer family against PyTorch 1.13 run live
 * (tools/golden/nn_transformer.py): seeded initial state_dict (keys, order, values), repr,
 * forward in train mode (dropout's random draws) and eval mode, masks of every kind, batchFirst,
 * kdim/vdim, bias_k/v, zero attention, and the gradients of a backward pass; error messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { runGoldenLive, skipUnlessPython113 } from './helpers.js';
import { dec, assertClose, assertStateDict, type Enc } from './30.nn.helpers.js';

interface Result {
  outs: (Enc | null)[];
  ws: (Enc | null)[];
  input_grads: Record<string, Enc>;
  grads: Record<string, Enc>;
  state: Record<string, Enc>;
  repr: string;
}
interface MhaCase extends Result {
  q: Enc;
  k: Enc;
  v: Enc;
  masks: Record<string, Enc>;
}
interface LayerCase extends Result {
  inputs: Record<string, Enc>;
  masks: Record<string, Enc>;
}
interface TransformerCase extends Result {
  src: Enc;
  tgt: Enc;
  skpm: Enc;
  eval: Enc;
  bf_state: Record<string, Enc>;
  bf_out: Enc;
  mask5: Enc;
}
// PyTorch 1.13 is the reference (reprs, messages, optimizer state keys); another release of
// Python's torch (2.x in tools/matrix.sh's roots) words and keys things its own way.
const reference = skipUnlessPython113();
if (reference) {
  test('golden cases against PyTorch 1.13', { skip: reference }, () => {});
} else {
  const py = runGoldenLive<{ mha: Record<string, MhaCase>; layers: Record<string, LayerCase>; transformer: TransformerCase }>('nn_transformer.py');

  const TOL = 2e-5;

  /** Backward of sum(out_i * w_i) as Python did; then every parameter's and input's gradient. */
  function checkBackward(m: nn.Module, outs: (Tensor | null)[], e: Result, inputs: Record<string, Tensor>, what: string): void {
    outs.forEach((o, i) => {
      const eo = e.outs[i];
      if (eo === null) assert.equal(o, null, `${what}: output ${i} is None in PyTorch`);
      else assertClose(o as Tensor, eo, `${what} output ${i}`, TOL);
    });
    let loss: Tensor | null = null;
    outs.forEach((o, i) => {
      if (o === null) return;
      const t = o.mul(dec(e.ws[i] as Enc)).sum();
      loss = loss ? loss.add(t) : t;
    });
    (loss as unknown as Tensor).backward();
    assert.deepEqual(
      m.namedParameters().map(([k]) => k),
      Object.keys(e.grads),
      `${what}: parameter names`,
    );
    for (const [k, p] of m.namedParameters()) assertClose(p.grad as Tensor, e.grads[k], `${what} grad ${k}`, TOL);
    assert.deepEqual(Object.keys(inputs).sort(), Object.keys(e.input_grads).sort(), `${what}: input grads`);
    for (const [k, t] of Object.entries(inputs)) assertClose(t.grad as Tensor, e.input_grads[k], `${what} grad of ${k}`, TOL);
  }

  const mhaCases: Record<
    string,
    { make: () => nn.MultiheadAttention; same?: string; training?: boolean; fwd?: (m: Record<string, Tensor>) => nn.MultiheadAttentionForwardOptions }
  > = {
    self: { make: () => new nn.MultiheadAttention(8, 2), same: 'qkkv' },
    encdec_masks: {
      make: () => new nn.MultiheadAttention(8, 2),
      same: 'kv',
      fwd: (m) => ({ attnMask: m.attn_mask, keyPaddingMask: m.key_padding_mask, averageAttnWeights: false }),
    },
    bf_biaskv_zero: {
      make: () => new nn.MultiheadAttention(8, 4, { batchFirst: true, addBiasKv: true, addZeroAttn: true }),
      fwd: (m) => ({ attnMask: m.attn_mask, keyPaddingMask: m.key_padding_mask }),
    },
    kvdim_nobias: { make: () => new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 4, bias: false }), fwd: () => ({ needWeights: false }) },
    dropout_train: { make: () => new nn.MultiheadAttention(8, 2, { dropout: 0.3 }), same: 'qkkv' },
    dropout_eval: { make: () => new nn.MultiheadAttention(8, 2, { dropout: 0.3 }), same: 'qkkv', training: false },
    unbatched: { make: () => new nn.MultiheadAttention(8, 2), same: 'qkkv', fwd: (m) => ({ keyPaddingMask: m.key_padding_mask, attnMask: m.attn_mask }) },
    float_kpm: { make: () => new nn.MultiheadAttention(6, 3), same: 'qkkv', fwd: (m) => ({ keyPaddingMask: m.key_padding_mask, averageAttnWeights: false }) },
  };

  test('every MultiheadAttention case of the Python script has a TS twin', () => {
    assert.deepEqual(Object.keys(mhaCases).sort(), Object.keys(py.mha).sort());
  });

  for (const [name, c] of Object.entries(mhaCases)) {
    test(`MultiheadAttention ${name}: init, repr, forward and gradients match PyTorch`, () => {
      const e = py.mha[name];
      torch.manualSeed(0);
      const m = c.make();
      assertStateDict(m.stateDict(), e.state, `${name} init`, 0);
      assert.equal(m.toString(), e.repr);
      m.train(c.training ?? true);
      const same = c.same ?? '';
      const q = dec(e.q).requiresGrad_(true);
      const k = same.includes('qk') ? q : dec(e.k).requiresGrad_(true);
      const v = same.includes('kv') ? k : dec(e.v).requiresGrad_(true);
      const masks = Object.fromEntries(Object.entries(e.masks).map(([n, t]) => [n, dec(t)]));
      torch.manualSeed(7);
      const [out, weights] = m.call(q, k, v, c.fwd ? c.fwd(masks) : {});
      const inputs: Record<string, Tensor> = { q };
      if (k !== q) inputs.k = k;
      if (v !== k) inputs.v = v;
      checkBackward(m, [out, weights], e, inputs, `MHA ${name}`);
    });
  }

  const encLayer = (o: nn.TransformerLayerOptions = {}) => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, ...o });
  const decLayer = (o: nn.TransformerLayerOptions = {}) => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, ...o });

  type Fwd = (m: nn.Module, x: Record<string, Tensor>, masks: Record<string, Tensor>) => Tensor;
  const encFwd: Fwd = (m, x, k) => (m as nn.TransformerEncoderLayer).call(x.x, { srcMask: k.src_mask, srcKeyPaddingMask: k.src_key_padding_mask });
  const decFwd: Fwd = (m, x, k) =>
    (m as nn.TransformerDecoderLayer).call(x.x, x.mem, {
      tgtMask: k.tgt_mask,
      memoryMask: k.memory_mask,
      tgtKeyPaddingMask: k.tgt_key_padding_mask,
      memoryKeyPaddingMask: k.memory_key_padding_mask,
    });

  const layerCases: Record<string, { make: () => nn.Module; training: boolean; fwd: Fwd }> = {
    enc_eval: { make: () => encLayer(), training: false, fwd: encFwd },
    enc_train: { make: () => encLayer(), training: true, fwd: encFwd },
    enc_nf_gelu_bf: {
      make: () => encLayer({ normFirst: true, activation: 'gelu', batchFirst: true, dropout: 0.2, layerNormEps: 1e-3 }),
      training: true,
      fwd: encFwd,
    },
    dec_train: { make: () => decLayer(), training: true, fwd: decFwd },
    dec_nf_eval: { make: () => decLayer({ normFirst: true, batchFirst: true }), training: false, fwd: decFwd },
    encoder: {
      make: () => new nn.TransformerEncoder(encLayer(), 2, new nn.LayerNorm(8)),
      training: true,
      fwd: (m, x, k) => (m as nn.TransformerEncoder).call(x.x, { mask: k.mask, srcKeyPaddingMask: k.src_key_padding_mask }),
    },
    decoder: {
      make: () => new nn.TransformerDecoder(decLayer({ activation: new nn.GELU() }), 2),
      training: true,
      fwd: (m, x, k) => (m as nn.TransformerDecoder).call(x.x, x.mem, { tgtMask: k.tgt_mask }),
    },
  };

  test('every layer case of the Python script has a TS twin', () => {
    assert.deepEqual(Object.keys(layerCases).sort(), Object.keys(py.layers).sort());
  });

  for (const [name, c] of Object.entries(layerCases)) {
    test(`${name}: init, repr, forward and gradients match PyTorch`, () => {
      const e = py.layers[name];
      torch.manualSeed(0);
      const m = c.make();
      assertStateDict(m.stateDict(), e.state, `${name} init`, 0);
      assert.equal(m.toString(), e.repr);
      m.train(c.training);
      const inputs = Object.fromEntries(Object.entries(e.inputs).map(([n, t]) => [n, dec(t).requiresGrad_(true)]));
      const masks = Object.fromEntries(Object.entries(e.masks).map(([n, t]) => [n, dec(t)]));
      torch.manualSeed(7);
      const y = c.fwd(m, inputs, masks);
      checkBackward(m, [y], e, inputs, name);
    });
  }

  test('Transformer: init (xavier over every matrix), repr, train and eval forward, gradients', () => {
    const e = py.transformer;
    torch.manualSeed(0);
    const m = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 16, dropout: 0.1 });
    assertStateDict(m.stateDict(), e.state, 'Transformer init', 0);
    assert.equal(m.toString(), e.repr);
    const src = dec(e.src).requiresGrad_(true);
    const tgt = dec(e.tgt).requiresGrad_(true);
    const skpm = dec(e.skpm);
    const mask4 = nn.Transformer.generateSquareSubsequentMask(4);
    torch.manualSeed(7);
    const y = m.call(src, tgt, { tgtMask: mask4, srcKeyPaddingMask: skpm, memoryKeyPaddingMask: skpm });
    checkBackward(m, [y], e, { src, tgt }, 'Transformer');
    m.eval();
    assertClose(m.call(src, tgt, { tgtMask: mask4 }), e.eval, 'Transformer eval', TOL);

    torch.manualSeed(0);
    const bf = new nn.Transformer(8, 4, {
      numEncoderLayers: 1,
      numDecoderLayers: 2,
      dimFeedforward: 8,
      activation: 'gelu',
      batchFirst: true,
      normFirst: true,
    });
    assertStateDict(bf.stateDict(), e.bf_state, 'Transformer batchFirst init', 0);
    bf.eval();
    assertClose(bf.call(src.transpose(0, 1), tgt.transpose(0, 1), { tgtMask: mask4 }), e.bf_out, 'Transformer batchFirst eval', TOL);
    assertClose(nn.Transformer.generateSquareSubsequentMask(5), e.mask5, 'generateSquareSubsequentMask', 0);
  });

  test('TransformerEncoder layers are independent deep copies equal to the given layer', () => {
    torch.manualSeed(0);
    const layer = encLayer({ activation: (x: Tensor) => nn.F.silu(x) });
    const stack = new nn.TransformerEncoder(layer, 3);
    assert.equal(stack.layers.length, 3);
    const l0 = stack.layers.at(0) as nn.TransformerEncoderLayer;
    const l2 = stack.layers.at(2) as nn.TransformerEncoderLayer;
    assert.ok(l0 instanceof nn.TransformerEncoderLayer && l0 !== layer && l0 !== l2);
    assert.notEqual(l0.linear1.weight, layer.linear1.weight);
    assert.ok(torch.equal(l2.self_attn.in_proj_weight as Tensor, layer.self_attn.in_proj_weight as Tensor));
    assert.equal(l2.activation, layer.activation);
    torch.noGrad(() => l0.linear1.weight.fill_(0));
    assert.ok(!torch.equal(l2.linear1.weight, l0.linear1.weight), 'clones do not share storage');
    assert.equal(l2.modulePath, 'transformerencoder.layers.2');
  });

  test('Transformer family rejects bad arguments and inputs, naming the class and argument', () => {
    const x = torch.zeros([5, 3, 8]);
    const cases: [() => unknown, RegExp][] = [
      [() => new nn.MultiheadAttention(10, 3), /^RangeError: MultiheadAttention: embedDim must be divisible by numHeads \(embedDim 10, numHeads 3\)$/],
      [() => new nn.MultiheadAttention(0, 1), /^TypeError: MultiheadAttention: Expected positive integer for embedDim but received 0 of type number$/],
      [() => new nn.MultiheadAttention(8, 2, { dropout: 2 }), /^RangeError: MultiheadAttention: dropout probability has to be between 0 and 1, but got 2$/],
      [() => new nn.MultiheadAttention(8, 2, { batch_first: true } as never), /^TypeError: MultiheadAttention: unknown option 'batch_first'/],
      [
        () => new nn.MultiheadAttention(8, 2).call(x, x, torch.zeros([5, 3, 6])),
        /^RangeError: multiheadattention: key shape \[5, 3, 8\] does not match value shape \[5, 3, 6\]$/,
      ],
      [
        () => new nn.MultiheadAttention(8, 2).call(x, x, x, { attnMask: torch.zeros([5, 4]) }),
        /^RangeError: multiheadattention: The shape of the 2D attn_mask is \[5, 4\], but should be \[5, 5\]\.$/,
      ],
      [
        () => new nn.MultiheadAttention(8, 2).call(x, x, x, { keyPaddingMask: torch.zeros([3, 5], { dtype: 'int64' }) }),
        /^TypeError: multiheadattention: only bool and floating types of key_padding_mask are supported$/,
      ],
      [
        () => new nn.MultiheadAttention(8, 2).call(x, x, torch.zeros([5, 8])),
        /^RangeError: multiheadattention: For batched \(3-D\) `query`, expected `key` and `value` to be 3-D but found 3-D and 2-D tensors respectively$/,
      ],
      [
        () => new nn.MultiheadAttention(8, 2).call(torch.zeros([5, 3, 6]), torch.zeros([5, 3, 6]), torch.zeros([5, 3, 6])),
        /^RangeError: multiheadattention: was expecting embedding dimension of 8, but got 6$/,
      ],
      [
        () => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as never }),
        /^TypeError: TransformerEncoderLayer: activation should be relu\/gelu, not tanh$/,
      ],
      [
        () => new nn.TransformerDecoderLayer(8, 2, { activation: 3 as never }),
        /^TypeError: TransformerDecoderLayer: Expected 'relu', 'gelu', a function or a Module for activation but received 3 of type number$/,
      ],
      [() => new nn.TransformerEncoderLayer(8, 0), /^TypeError: TransformerEncoderLayer: Expected positive integer for nhead but received 0 of type number$/],
      [() => new nn.TransformerEncoder({} as never, 2), /^TypeError: TransformerEncoder: Expected a Module for encoderLayer but received/],
      [
        () => new nn.TransformerEncoder(encLayer(), 1.5),
        /^TypeError: TransformerEncoder: Expected positive integer for numLayers but received 1.5 of type number$/,
      ],
      [() => new nn.Transformer(8, 2, { nhead: 2 }), /^TypeError: Transformer: got multiple values for nhead$/],
      [
        () => new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1 }).call(x, torch.zeros([4, 2, 8])),
        /^RangeError: transformer: the batch number of src and tgt must be equal \(src \[5, 3, 8\], tgt \[4, 2, 8\]\)$/,
      ],
      [
        () => new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1 }).call(x, torch.zeros([4, 3, 6])),
        /^RangeError: transformer: the feature number of src and tgt must be equal to d_model \(8\), got src \[5, 3, 8\], tgt \[4, 3, 6\]$/,
      ],
      [
        () => encLayer().call(x, { mask: null } as never),
        /^TypeError: transformerencoderlayer: unknown option 'mask' \(expected one of srcMask, srcKeyPaddingMask\)$/,
      ],
      [() => encLayer().call('x' as never), /^TypeError: transformerencoderlayer: expected Tensor for src but received 'x' of type string$/],
      [
        () => nn.Transformer.generateSquareSubsequentMask(-1),
        /^TypeError: Transformer.generateSquareSubsequentMask: Expected non-negative integer for sz but received -1 of type number$/,
      ],
      [
        () => nn.F.multiHeadAttentionForward(x, x, x, 8, 2, null, null, null, null, false, 0, torch.zeros([8, 8]), null),
        /^TypeError: multiHeadAttentionForward: use_separate_proj_weight is False but in_proj_weight is None$/,
      ],
    ];
    for (const [fn, re] of cases) {
      assert.throws(
        fn,
        (e: Error) => {
          assert.match(`${e.name}: ${e.message}`, re);
          return true;
        },
        String(re),
      );
    }
  });
}
