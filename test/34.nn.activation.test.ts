/**
 * Every activation module of torch.nn (1.13) and the normalization layers against PyTorch run live
 * (tools/golden/nn_activation.py): repr, initial state, forward output, input and parameter
 * gradients (in-place forms and RReLU's random slopes included); their functional forms;
 * F.scaledDotProductAttention against PyTorch 2.x's documented composition; error messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { runGoldenLive, skipUnlessPython113 } from './helpers.js';
import { dec, assertClose, assertStateDict, type Enc } from './30.nn.helpers.js';

interface Case {
  repr: string;
  state: Record<string, Enc>;
  x: Enc;
  y: Enc;
  gw: Enc;
  grad_x: Enc;
  grads: Record<string, Enc>;
}
interface Golden {
  cases: Record<string, Case>;
  functional: Record<string, Enc>;
  sdpa: Record<string, Enc>;
}
// PyTorch 1.13 is the reference (reprs, messages, optimizer state keys); another release of
// Python's torch (2.x in tools/matrix.sh's roots) words and keys things its own way.
const reference = skipUnlessPython113();
if (reference) {
  test('golden cases against PyTorch 1.13', { skip: reference }, () => {});
} else {
  const py = runGoldenLive<Golden>('nn_activation.py');

  /** TS twins of the Python cases: module and whether it runs in place (on input * 1). */
  const cases: Record<string, [() => nn.Module, boolean, boolean?]> = {
    elu: [() => new nn.ELU(), false],
    elu_alpha: [() => new nn.ELU({ alpha: 0.5 }), false],
    elu_inplace: [() => new nn.ELU(0.7, true), true],
    hardshrink: [() => new nn.Hardshrink(0.3), false],
    hardsigmoid: [() => new nn.Hardsigmoid(), false],
    hardsigmoid_inplace: [() => new nn.Hardsigmoid({ inplace: true }), true],
    hardtanh: [() => new nn.Hardtanh(-0.5, 1.5), false],
    hardtanh_inplace: [() => new nn.Hardtanh({ inplace: true }), true],
    hardswish: [() => new nn.Hardswish(), false],
    logsigmoid: [() => new nn.LogSigmoid(), false],
    prelu: [() => new nn.PReLU(), false],
    prelu3: [() => new nn.PReLU(3, 0.1), false],
    relu6: [() => new nn.ReLU6(), false],
    relu6_inplace: [() => new nn.ReLU6(true), true],
    rrelu_train: [() => new nn.RReLU(0.1, 0.3), false],
    rrelu_eval: [() => new nn.RReLU(0.1, { upper: 0.3 }), false, false],
    rrelu_inplace_train: [() => new nn.RReLU({ inplace: true }), true],
    selu: [() => new nn.SELU(), false],
    selu_inplace: [() => new nn.SELU(true), true],
    celu: [() => new nn.CELU(0.7), false],
    gelu: [() => new nn.GELU(), false],
    gelu_tanh: [() => new nn.GELU({ approximate: 'tanh' }), false],
    silu: [() => new nn.SiLU(), false],
    silu_inplace: [() => new nn.SiLU({ inplace: true }), true],
    mish: [() => new nn.Mish(), false],
    softplus: [() => new nn.Softplus(), false],
    softplus_beta: [() => new nn.Softplus({ beta: 2, threshold: 1 }), false],
    softshrink: [() => new nn.Softshrink(0.4), false],
    softsign: [() => new nn.Softsign(), false],
    tanhshrink: [() => new nn.Tanhshrink(), false],
    threshold: [() => new nn.Threshold(0.2, -1.0), false],
    threshold_inplace: [() => new nn.Threshold(0.1, 20.0, true), true],
    glu: [() => new nn.GLU(1), false],
    glu_default: [() => new nn.GLU(), false],
    softmin: [() => new nn.Softmin({ dim: 1 }), false],
    softmax2d: [() => new nn.Softmax2d(), false],
    layernorm: [() => new nn.LayerNorm([3, 4]), false],
    layernorm_noaffine: [() => new nn.LayerNorm(4, { eps: 1e-3, elementwiseAffine: false }), false],
    groupnorm: [() => new nn.GroupNorm(2, 4), false],
    groupnorm_noaffine: [() => new nn.GroupNorm(4, 4, { eps: 1e-4, affine: false }), false],
    lrn3d: [() => new nn.LocalResponseNorm(3), false],
    lrn4d: [() => new nn.LocalResponseNorm(2, 1e-2, 0.5, 2.0), false],
    lrn5d: [() => new nn.LocalResponseNorm(4, { alpha: 0.1 }), false],
    crossmap: [() => new nn.CrossMapLRN2d(3, 1e-2, 0.75, 1), false],
    crossmap5: [() => new nn.CrossMapLRN2d(5, { alpha: 0.1, beta: 0.5, k: 2 }), false],
  };

  test('every case of the Python script has a TS twin', () => {
    assert.deepEqual(Object.keys(cases).sort(), Object.keys(py.cases).sort());
  });

  for (const [name, [make, inplace, training]] of Object.entries(cases)) {
    test(`${name}: repr, state, forward and gradients match PyTorch`, () => {
      const e = py.cases[name];
      torch.manualSeed(0);
      const m = make();
      assert.equal(m.toString(), e.repr);
      // LayerNorm/GroupNorm weights were changed in Python after init (to exercise them): load them.
      if (name === 'layernorm' || name === 'groupnorm') {
        assert.deepEqual([...m.stateDict().keys()], Object.keys(e.state));
        m.loadStateDict(new Map(Object.entries(e.state).map(([k, v]) => [k, dec(v)])));
      }
      assertStateDict(m.stateDict(), e.state, `${name} state`, 0);
      m.train(training ?? true);
      const x = dec(e.x).requiresGrad_(true);
      const inp = inplace ? x.mul(1) : x;
      torch.manualSeed(7);
      const y = m.call(inp) as Tensor;
      if (inplace) assert.equal(y, inp, 'the in-place form returns its input');
      assertClose(y, e.y, `${name} forward`, 1e-6);
      y.mul(dec(e.gw)).sum().backward();
      assertClose(x.grad as Tensor, e.grad_x, `${name} input grad`, 1e-5);
      const grads = new Map(m.namedParameters().map(([k, p]) => [k, p.grad as Tensor]));
      assert.deepEqual([...grads.keys()], Object.keys(e.grads));
      for (const [k, g] of grads) assertClose(g, e.grads[k], `${name} grad ${k}`, 1e-5);
    });
  }

  test('functional forms match PyTorch', () => {
    const f = py.functional;
    const x = dec(f.x);
    const x4 = dec(f.x4);
    const F = nn.F;
    assertClose(F.normalize(x), f.normalize, 'normalize');
    assertClose(F.normalize(x, 3.0, 0, 1e-3), f.normalize_p3, 'normalize p=3');
    assertClose(F.softmin(x, -1, { dtype: 'float64' }), f.softmin_f64, 'softmin float64');
    assertClose(F.softplus(x, 0.5, 3), f.softplus, 'softplus');
    assertClose(F.rrelu(x, 0.2, 0.4), f.rrelu_eval, 'rrelu eval');
    torch.manualSeed(3);
    assertClose(F.rrelu(x, 0.2, 0.4, { training: true }), f.rrelu_train, 'rrelu train');
    torch.manualSeed(11);
    assertClose(F.gumbelSoftmax(x, { tau: 0.5 }), f.gumbel, 'gumbel_softmax');
    torch.manualSeed(11);
    assertClose(F.gumbelSoftmax(x, { tau: 2.0, hard: true, dim: 0 }), f.gumbel_hard, 'gumbel_softmax hard');
    assertClose(F.layerNorm(x, [5], { weight: x.select(0, 0), bias: x.select(0, 1), eps: 1e-3 }), f.layer_norm, 'layer_norm');
    assertClose(F.groupNorm(x4, 2, { eps: 1e-3 }), f.group_norm, 'group_norm');
    assertClose(F.localResponseNorm(x4, 2), f.lrn, 'local_response_norm');
    assertClose(F.instanceNorm(x4), f.instance_norm, 'instance_norm');
    assertClose(F.prelu(x4, torch.tensor([0.1, 0.2, 0.3, 0.4])), f.prelu, 'prelu');
    assertClose(F.glu(x4, 0), f.glu0, 'glu dim 0');
    assertClose(F.hardtanh(x, -0.2, 0.3), f.hardtanh, 'hardtanh');
    assertClose(F.threshold(x, 0.5, -2.0), f.threshold, 'threshold');
    assertClose(F.celu(x, 2.0), f.celu, 'celu');
    assertClose(F.elu(x, 0.3), f.elu, 'elu');
    assertClose(F.softshrink(x, 1.0), f.softshrink, 'softshrink');
    assertClose(F.hardshrink(x, 1.0), f.hardshrink, 'hardshrink');
    // The trailing-underscore forms work in place and return their input.
    const c = x.clone();
    assert.equal(F.elu_(c, 0.3), c);
    assertClose(c, f.elu, 'elu_');
    const d = x.clone();
    assert.equal(F.threshold_(d, 0.5, -2.0), d);
    assertClose(d, f.threshold, 'threshold_');
    const h = x.clone();
    assert.equal(F.hardtanh_(h, -0.2, 0.3), h);
    assertClose(h, f.hardtanh, 'hardtanh_');
    const r = x.clone();
    assert.equal(F.celu_(r, 2.0), r);
    assertClose(r, f.celu, 'celu_');
  });

  test("scaledDotProductAttention equals PyTorch 2.x's documented composition", () => {
    const s = py.sdpa;
    const [q, k, v] = [dec(s.q), dec(s.k), dec(s.v)];
    const F = nn.F;
    assertClose(F.scaledDotProductAttention(q, k, v), s.plain, 'plain', 1e-5);
    assertClose(F.scaledDotProductAttention(q, k, v, { attnMask: dec(s.bmask) }), s.bool, 'bool mask', 1e-5);
    assertClose(F.scaledDotProductAttention(q, k, v, { attnMask: dec(s.fmask), scale: 0.3 }), s.float, 'float mask', 1e-5);
    assertClose(F.scaledDotProductAttention(q, k, v, { isCausal: true }), s.causal, 'causal', 1e-5);
    torch.manualSeed(5);
    assertClose(F.scaledDotProductAttention(q, k, v, { dropoutP: 0.4 }), s.dropout, 'dropout', 1e-5);
    assert.throws(
      () => F.scaledDotProductAttention(q, k, v, { isCausal: true, attnMask: dec(s.bmask) }),
      /^Error: scaledDotProductAttention: Explicit attn_mask should not be set when is_causal=True$/,
    );
  });

  test('constructors and functions reject bad arguments, naming the class and argument', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new nn.ELU('1' as unknown as number), /^TypeError: ELU: Expected number for alpha but received '1' of type string$/],
      [() => new nn.ELU(1, 'yes' as unknown as boolean), /^TypeError: ELU: Expected boolean for inplace but received 'yes' of type string$/],
      [() => new nn.ELU({ alpha: 1, inplce: true } as never), /^TypeError: ELU: unknown option 'inplce' \(expected one of alpha, inplace\)$/],
      [() => new nn.ELU(1, { alpha: 2 } as never), /^TypeError: ELU: unknown option 'alpha' \(expected one of inplace\)$/],
      [() => new nn.Hardtanh(1, -1), /^RangeError: Hardtanh: Expected maxVal greater than minVal but received minVal=1.0, maxVal=-1.0$/],
      [() => new nn.GELU('fast' as never), /^TypeError: GELU: Expected 'none' or 'tanh' for approximate but received 'fast' of type string$/],
      [() => new nn.PReLU(0), /^TypeError: PReLU: Expected positive integer for numParameters but received 0 of type number$/],
      [() => new nn.Threshold(0.1, undefined as unknown as number), /^TypeError: Threshold: Expected number for value but received undefined$/],
      [() => new nn.Hardtanh({ minVal: 0 } as never, 2), /^TypeError: Hardtanh: an options object must be the last argument$/],
      [() => new nn.GLU(1.5), /^TypeError: GLU: Expected integer for dim but received 1.5 of type number$/],
      [() => new nn.LayerNorm([3, -1]), /^TypeError: LayerNorm: Expected a non-negative integer or an array of them for normalizedShape but received/],
      [() => new nn.GroupNorm(3, 4), /^RangeError: GroupNorm: numChannels must be divisible by numGroups \(numChannels 4, numGroups 3\)$/],
      [() => new nn.LocalResponseNorm(0), /^TypeError: LocalResponseNorm: Expected positive integer for size but received 0 of type number$/],
      [() => new nn.LayerNorm(4).call(torch.zeros([2, 3])), /^RangeError: layernorm: expected input \[\*, 4\], got \[2, 3\]$/],
      [() => new nn.GroupNorm(2, 4).call(torch.zeros([2, 3, 5])), /^RangeError: groupnorm: expected input \[N, 4, \*\], got \[2, 3, 5\]$/],
      [() => new nn.Softmax2d().call(torch.zeros([2, 3])), /^RangeError: softmax2d: Softmax2d requires a 3D or 4D tensor as input, got \[2, 3\]$/],
      [() => new nn.CrossMapLRN2d(3).call(torch.zeros([2, 3, 4])), /^RangeError: crossmaplrn2d: expected a 4-D input \[N, C, H, W\] but got \[2, 3, 4\]$/],
      [() => new nn.ELU().call('x' as never), /^TypeError: elu: expected Tensor for input but received 'x' of type string$/],
      [() => nn.F.glu(torch.tensor(1)), /^RangeError: glu: glu does not support scalars because halving size must be even$/],
      [() => nn.F.glu(torch.zeros([3])), /^TorchError: glu: Halving dimension must be even, but dimension 0 is size 3 \(self: float32\[3\]\)$/],
      [
        () => nn.F.gelu(torch.zeros([2]), { approximate: 'x' as never }),
        /^TypeError: gelu: Expected 'none' or 'tanh' for approximate but received 'x' of type string$/,
      ],
      [
        () => nn.F.localResponseNorm(torch.zeros([2, 3]), 2),
        /^RangeError: localResponseNorm: Expected 3D or higher dimensionality input \(got 2 dimensions\)$/,
      ],
      [() => nn.F.groupNorm(torch.zeros([1, 4]), 4), /^RangeError: groupNorm: Expected more than 1 value per channel when training, got input size \[1, 4\]$/],
      [
        () => nn.F.instanceNorm(torch.zeros([2, 4, 1])),
        /^RangeError: instanceNorm: Expected more than 1 spatial element when training, got input size \[2, 4, 1\]$/,
      ],
      [
        () => nn.F.layerNorm(torch.zeros([2, 3]), [4]),
        /^TorchError: layerNorm: layer_norm: Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size\[2, 3\] \(input: float32\[2, 3\]\)$/,
      ],
      [
        () => nn.F.rrelu(torch.zeros([2]), 0.1, 0.3, { trainig: true } as never),
        /^TypeError: rrelu: unknown option 'trainig' \(expected one of training, inplace\)$/,
      ],
      [() => nn.F.softmin(torch.zeros([2]), 1.5), /^TypeError: softmin: Expected integer for dim but received 1.5 of type number$/],
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
