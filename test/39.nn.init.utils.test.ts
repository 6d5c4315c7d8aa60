/**
 * nn.init (every initialiser: same seed ⇒ the same tensor and the same number of draws as
 * PyTorch) and nn.utils (weight_norm, spectral_norm, fuse_conv_bn_eval, clipping) against
 * PyTorch 1.13 run live (tools/golden/nn_module.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { runGoldenLive, fromFixture, assertClose, type EncTensor } from './helpers.js';

type SD = Record<string, EncTensor>;
interface Golden {
  init: Record<string, { value: EncTensor; after: EncTensor }>;
  gain: Record<string, number>;
  weight_norm: Record<string, any>;
  spectral_norm: Record<string, any>;
  fuse: { sd: SD; x: EncTensor; y: EncTensor; ref: EncTensor };
}
const py = runGoldenLive<Golden>('nn_module.py');
const { init } = nn;

function assertSD(m: nn.Module, e: SD, what: string, tol = 1e-6): void {
  const sd = m.stateDict();
  assert.deepEqual([...sd.keys()], Object.keys(e), `${what}: state_dict keys`);
  for (const [k, v] of sd) assertClose(v, e[k], tol, `${what}: ${k}`);
}

test('nn.init: every initialiser gives PyTorch tensor for the same seed, with the same draws', () => {
  const cases: Record<string, [number, number[], (t: Tensor) => unknown]> = {
    uniform: [1, [4, 5], (t) => init.uniform_(t, -0.5, 2.0)],
    normal: [2, [5, 20], (t) => init.normal_(t, 1.0, 0.5)],
    trunc_normal: [3, [8, 8], (t) => init.truncNormal_(t)],
    trunc_normal_opts: [4, [30], (t) => init.truncNormal_(t, 0.5, 2.0, -1.0, 3.0)],
    constant: [5, [2, 3], (t) => init.constant_(t, 0.25)],
    ones: [5, [2, 3], (t) => init.ones_(t)],
    zeros: [5, [2, 3], (t) => init.zeros_(t)],
    eye: [5, [3, 5], (t) => init.eye_(t)],
    eye_tall: [5, [4, 2], (t) => init.eye_(t)],
    dirac3: [5, [4, 2, 3], (t) => init.dirac_(t, 2)],
    dirac4: [5, [6, 3, 3, 3], (t) => init.dirac_(t)],
    dirac5: [5, [2, 2, 3, 3, 3], (t) => init.dirac_(t)],
    xavier_uniform: [6, [6, 4, 3], (t) => init.xavierUniform_(t, 2.0)],
    xavier_normal: [7, [7, 5], (t) => init.xavierNormal_(t)],
    kaiming_uniform: [8, [6, 4], (t) => init.kaimingUniform_(t, { a: Math.sqrt(5) })],
    kaiming_normal: [9, [5, 3, 2, 2], (t) => init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' })],
    kaiming_uniform_upper: [10, [4, 3], (t) => init.kaimingUniform_(t, { mode: 'FAN_OUT' as 'fan_out', nonlinearity: 'tanh' })],
    orthogonal_wide: [11, [4, 6], (t) => init.orthogonal_(t)],
    orthogonal_tall: [12, [6, 4], (t) => init.orthogonal_(t, 2.0)],
    orthogonal_conv: [13, [3, 2, 2, 2], (t) => init.orthogonal_(t)],
    sparse: [14, [10, 4], (t) => init.sparse_(t, 0.3, 0.5)],
  };
  assert.deepEqual(Object.keys(cases).sort(), Object.keys(py.init).sort());
  for (const [name, [seed, shape, f]] of Object.entries(cases)) {
    torch.tidy(() => {
      torch.manualSeed(seed);
      const t = torch.empty(shape);
      assert.equal(f(t), t, `${name} returns its tensor`);
      // QR (LAPACK) may differ in the last bits between builds; the RNG-only ones are exact.
      assertClose(t, py.init[name].value, name.startsWith('orthogonal') ? 1e-6 : 0, name);
      assertClose(torch.rand([3]), py.init[name].after, 0, `${name}: the generator state after`);
    });
  }
  for (const [k, v] of Object.entries(py.gain)) {
    const [nl, p] = k.split(':');
    assert.equal(init.calculateGain(nl as Parameters<typeof init.calculateGain>[0], p === 'None' ? null : Number(p)), v, `gain ${k}`);
  }
});

test('nn.init: errors name the function and argument', () => {
  const v = torch.empty([3]);
  assert.throws(() => init.eye_(v), { message: 'init.eye_: Only tensors with 2 dimensions are supported (got 1)' });
  assert.throws(() => init.dirac_(torch.empty([3, 3])), { message: 'init.dirac_: Only tensors with 3, 4, or 5 dimensions are supported (got 2)' });
  assert.throws(() => init.dirac_(torch.empty([3, 2, 3]), 2), { message: 'init.dirac_: dim 0 must be divisible by groups (3 by 2)' });
  assert.throws(() => init.dirac_(torch.empty([4, 2, 3]), 0), {
    message: 'init.dirac_: Expected positive integer for groups but received 0 of type number',
  });
  assert.throws(() => init.orthogonal_(v), { message: 'init.orthogonal_: Only tensors with 2 or more dimensions are supported (got 1)' });
  assert.throws(() => init.sparse_(torch.empty([2, 2, 2]), 0.1), { message: 'init.sparse_: Only tensors with 2 dimensions are supported (got 3)' });
  assert.throws(() => init.truncNormal_(v, 0, 1, 'a' as unknown as number), {
    message: "init.truncNormal_: Expected number for a but received 'a' of type string",
  });
  assert.throws(() => init.kaimingNormal_(torch.empty([2, 2]), { mode: 'fan' as 'fan_in' }), {
    message: "init.kaimingNormal_: mode 'fan' of type string not supported, please use one of 'fan_in', 'fan_out'",
  });
  assert.throws(() => init.xavierUniform_(v), {
    message: 'init.xavierUniform_: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions',
  });
  // Zero-element tensors: orthogonal_ and kaiming leave them alone, as PyTorch.
  const e = torch.empty([0, 3]);
  assert.equal(init.orthogonal_(e), e);
  assert.equal(init.kaimingUniform_(e), e);
});

test('weightNorm: weight_g/weight_v parameters, forward, gradients, recomputation and removal as PyTorch', () => {
  const W = py.weight_norm;
  torch.manualSeed(20);
  const lin = nn.utils.weightNorm(new nn.Linear(4, 3));
  assert.deepEqual([...lin.stateDict().keys()], W.keys);
  const x = fromFixture(W.x);
  const y = lin.call(x);
  assertClose(y, W.y, 1e-6, 'forward');
  y.sum().backward();
  assertSD(lin, W.sd, 'weightNorm');
  assertClose((lin as unknown as { weight: Tensor }).weight, W.weight, 1e-6, 'computed weight');
  for (const [n, p] of lin.namedParameters()) assertClose(p.grad as Tensor, W.grads[n], 1e-6, `grad ${n}`);
  // The pre-hook recomputes the weight from the parameters before every forward.
  torch.noGrad(() => (lin as unknown as { weight_g: Tensor }).weight_g.mul_(2));
  assertClose(lin.call(x), W.y2, 1e-6, 'forward after changing weight_g');
  assert.throws(() => nn.utils.weightNorm(lin), { message: 'weightNorm: Cannot register two weight_norm hooks on the same parameter weight' });
  nn.utils.removeWeightNorm(lin);
  assert.deepEqual([...lin.stateDict().keys()], W.removed_keys);
  assertClose(lin.weight, W.removed_weight, 1e-6, 'weight after removal');
  assert.ok(lin.weight instanceof nn.Parameter);
  assert.equal(lin._forwardPreHooks.size, 0);
  assert.throws(() => nn.utils.removeWeightNorm(lin), {
    message: "removeWeightNorm: weight_norm of 'weight' not found in Linear(in_features=4, out_features=3, bias=True)",
  });
  // dim=None (one norm over the whole tensor) and dim=1.
  torch.manualSeed(21);
  const conv = nn.utils.weightNorm(new nn.Conv2d(2, 3, 2), 'weight', null);
  assertSD(conv, W.conv_sd, 'weightNorm(dim=None)');
  assertClose(conv.call(fromFixture(W.conv_x)), W.conv_y, 1e-6, 'conv forward dim=None');
  torch.manualSeed(22);
  const conv1 = nn.utils.weightNorm(new nn.Conv2d(2, 3, 2), 'weight', 1);
  assertSD(conv1, W.conv1_sd, 'weightNorm(dim=1)');
  assertClose(conv1.call(fromFixture(W.conv_x)), W.conv1_y, 1e-6, 'conv forward dim=1');
  // Inside a Sequential (whose forward calls its children's forward) the hook runs too.
  const seq = new nn.Sequential(conv1);
  assertClose(seq.call(fromFixture(W.conv_x)), W.conv1_y, 1e-6, 'inside Sequential');
  assert.throws(() => nn.utils.weightNorm(new nn.Linear(2, 2), 'nope'), { message: "weightNorm: Linear has no parameter 'nope'" });
  assert.throws(() => nn.utils.weightNorm({} as nn.Module), { message: 'weightNorm: Expected a Module for module but received an object of type Object' });
});

test('spectralNorm: weight_orig and the u/v buffers, power iteration in training only, gradients, removal as PyTorch', () => {
  const S = py.spectral_norm;
  torch.manualSeed(30);
  const lin = nn.utils.spectralNorm(new nn.Linear(5, 4));
  assert.deepEqual([...lin.stateDict().keys()], S.keys);
  assertSD(lin, S.sd0, 'after apply (u and v drawn as PyTorch)');
  const x = fromFixture(S.x);
  const y = lin.call(x);
  assertClose(y, S.y, 1e-6, 'forward (training)');
  y.sum().backward();
  assertSD(lin, S.sd1, 'after one power iteration');
  assertClose((lin as unknown as { weight: Tensor }).weight, S.weight, 1e-6, 'computed weight');
  for (const [n, p] of lin.namedParameters()) assertClose(p.grad as Tensor, S.grads[n], 1e-6, `grad ${n}`);
  assertClose(lin.call(x), S.y_second, 1e-6, 'second forward');
  lin.eval();
  assertClose(lin.call(x), S.y_eval, 1e-6, 'eval forward');
  assertSD(lin, S.sd_eval, 'eval leaves u and v');
  nn.utils.removeSpectralNorm(lin);
  assert.deepEqual([...lin.stateDict().keys()], S.removed_keys);
  assertClose(lin.weight, S.removed_weight, 1e-6, 'weight after removal');
  assert.deepEqual(
    lin.namedBuffers().map(([n]) => n),
    [],
  );
  torch.manualSeed(31);
  const conv = nn.utils.spectralNorm(new nn.Conv2d(2, 3, 2), 'weight', 3, 1e-4, 1);
  assertSD(conv, S.conv_sd0, 'conv after apply');
  assertClose(conv.call(fromFixture(S.conv_x)), S.conv_y, 1e-6, 'conv forward (3 iterations, dim 1)');
  assertSD(conv, S.conv_sd1, 'conv after forward');
  assert.throws(() => nn.utils.spectralNorm(conv), { message: 'spectralNorm: Cannot register two spectral_norm hooks on the same parameter weight' });
  assert.throws(() => nn.utils.spectralNorm(new nn.Linear(2, 2), 'weight', 0), {
    message: 'spectralNorm: Expected nPowerIterations to be positive, but got nPowerIterations=0',
  });
  assert.throws(() => nn.utils.spectralNorm(new nn.Linear(2, 2, { bias: false }), 'bias'), {
    message: 'spectralNorm: `SpectralNorm` cannot be applied as parameter `bias` is None',
  });
  assert.throws(() => nn.utils.removeSpectralNorm(new nn.Linear(2, 2)), {
    message: "removeSpectralNorm: spectral_norm of 'weight' not found in Linear(in_features=2, out_features=2, bias=True)",
  });
});

test('fuseConvBnEval: the folded convolution equals PyTorch and conv followed by bn', () => {
  const Fz = py.fuse;
  torch.manualSeed(40);
  const conv = new nn.Conv2d(2, 3, 3, { bias: false }).eval();
  const bn = new nn.BatchNorm2d(3);
  torch.noGrad(() => {
    bn.running_mean?.uniform_(-1, 1);
    bn.running_var?.uniform_(0.5, 2);
    bn.weight?.uniform_(0.5, 1.5);
    bn.bias?.uniform_(-1, 1);
  });
  bn.eval();
  const fused = nn.utils.fuseConvBnEval(conv, bn);
  assert.notEqual(fused, conv);
  assert.equal(conv.bias, null, 'the original convolution is left alone');
  assertSD(fused, Fz.sd, 'fused', 1e-6);
  const x = fromFixture(Fz.x);
  assertClose(fused.call(x), Fz.y, 1e-5, 'fused forward');
  assertClose(bn.call(conv.call(x)), Fz.ref, 1e-5, 'reference');
  assert.throws(() => nn.utils.fuseConvBnEval(conv.train(), bn), { message: 'fuseConvBnEval: Fusion only for eval!' });
});

test('clipGradNorm_ / clipGradValue_: options and messages as PyTorch 1.13', () => {
  const p = new nn.Parameter(torch.tensor([1.0, 2.0]));
  p.grad = torch.tensor([Infinity, 1.0]);
  assert.throws(() => nn.utils.clipGradNorm_([p], 1.0, 2, { errorIfNonfinite: true }), {
    message:
      'clipGradNorm_: The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `errorIfNonfinite: false`',
  });
  assert.throws(() => nn.utils.clipGradNorm_([p], 1.0, 'inf', { errorIfNonfinite: 1 as unknown as boolean }), {
    message: 'clipGradNorm_: Expected boolean for errorIfNonfinite but received 1 of type number',
  });
  p.grad = torch.tensor([3.0, -4.0]);
  const total = nn.utils.clipGradNorm_(p, 1.0, 'inf');
  assert.equal(total.item(), 4);
  assertClose(p.grad as Tensor, [3 / (4 + 1e-6), -4 / (4 + 1e-6)], 1e-6, 'inf-clipped');
  const none = nn.utils.clipGradNorm_([new nn.Parameter(torch.ones([2]))], 1.0);
  assert.equal(none.dtype, 'float32');
  assert.equal(none.item(), 0);
  nn.utils.clipGradValue_([p], 0.5);
  assertClose(p.grad as Tensor, [0.5, -0.5], 0, 'value-clipped');
});
