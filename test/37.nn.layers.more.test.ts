/**
 * The other layer families against live PyTorch 1.13 (tools/golden/nn_layers2.py, part 'more'):
 * pooling (1d/3d, adaptive, LP, fractional, unpooling), BatchNorm3d, InstanceNorm, the dropout
 * family (same RNG draws), Bilinear, Unflatten, EmbeddingBag, padding layers, pixel/channel
 * shuffles, upsampling and F.interpolate, grid sampling, distances, ParameterList/Dict: seeded
 * init state_dict, forward, gradients, state after forward, reprs and error messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { dec, assertClose, assertStateDict, type Enc } from './30.nn.helpers.js';
import { runGoldenLive, skipUnlessPython113 } from './helpers.js';

const F = nn.F;
interface ModuleRec {
  repr: string;
  init: Record<string, Enc>;
  inputs: Enc[];
  indices?: Enc;
  out: Enc;
  input_grads: (Enc | null)[];
  param_grads: Record<string, Enc>;
  after: Record<string, Enc>;
}
interface FRec {
  inputs: Enc[];
  indices?: Enc;
  out: Enc;
  input_grads: (Enc | null)[];
}
interface Golden {
  modules: Record<string, ModuleRec>;
  functional: Record<string, FRec>;
  errors: Record<string, string | null>;
  reprs: Record<string, string>;
}

const skip = skipUnlessPython113();
let cached: Golden | null = null;
function golden(): Golden {
  if (!cached) {
    process.env.NN_LAYERS2_PART = 'more';
    cached = runGoldenLive<Golden>('nn_layers2.py');
  }
  return cached;
}

type Out = Tensor | torch.ValuesIndices;
function inputsOf(r: { inputs: Enc[]; input_grads: (Enc | null)[] }): Tensor[] {
  return r.inputs.map((e, i) => {
    const t = dec(e);
    if (r.input_grads[i] !== null) t.requiresGrad_(true);
    return t;
  });
}
function finish(r: FRec, xs: Tensor[], y: Out, what: string, tol: number): Tensor {
  let out: Tensor;
  if (y instanceof torch.ValuesIndices) {
    assertClose(y.indices, r.indices as Enc, `${what} indices`, 0, 0);
    out = y.values;
  } else out = y;
  assertClose(out, r.out, `${what} output`, tol);
  if (out.requiresGrad) out.pow(2).sum().div(2).backward();
  r.input_grads.forEach((g, i) => {
    if (g !== null) assertClose(xs[i].grad as Tensor, g, `${what} grad of input ${i}`, tol);
  });
  return out;
}

/** Seeded init, repr, forward (seed 1), backward of sum(out²)/2: all as PyTorch. */
function checkModule(name: string, make: () => nn.Module, fwd?: (m: nn.Module, ...xs: Tensor[]) => Out, tol = 1e-5): void {
  const r = golden().modules[name];
  assert.ok(r, `no golden for ${name}`);
  torch.manualSeed(0);
  const m = make();
  assert.equal(m.toString(), r.repr, `${name} repr`);
  assertStateDict(m.stateDict(), r.init, `${name} init`, 0);
  const xs = inputsOf(r);
  torch.manualSeed(1);
  const y = fwd ? fwd(m, ...xs) : (m.call(...xs) as Out);
  finish(r, xs, y, name, tol);
  const grads = Object.fromEntries(m.namedParameters().filter(([, p]) => p.grad !== null));
  assert.deepEqual(Object.keys(grads).sort(), Object.keys(r.param_grads).sort(), `${name} parameters with gradients`);
  for (const [k, g] of Object.entries(r.param_grads)) assertClose(grads[k].grad as Tensor, g, `${name} grad of ${k}`, tol);
  assertStateDict(m.stateDict(), r.after, `${name} state after forward`, tol);
}
function checkF(name: string, f: (...xs: Tensor[]) => Out, tol = 1e-5): void {
  const r = golden().functional[name];
  assert.ok(r, `no golden for ${name}`);
  const xs = inputsOf(r);
  torch.manualSeed(1);
  finish(r, xs, f(...xs), `F.${name}`, tol);
}

const long = (a: number[]) => torch.tensor(a, { dtype: 'int64' });

test('MaxPool1d/3d, AvgPool1d/3d and the adaptive poolings match PyTorch (values, indices, gradients)', { skip }, () => {
  checkModule('maxpool1d', () => new nn.MaxPool1d(3, 2, { padding: 1, dilation: 1, ceilMode: true }));
  checkModule('maxpool1d_idx', () => new nn.MaxPool1d(2, { returnIndices: true }));
  checkModule('maxpool3d', () => new nn.MaxPool3d([2, 3, 2], [1, 2, 2], { padding: [1, 1, 0], dilation: [1, 1, 2] }));
  checkModule('maxpool3d_idx', () => new nn.MaxPool3d(2, { returnIndices: true, ceilMode: true }));
  checkModule('avgpool1d', () => new nn.AvgPool1d(3, 2, { padding: 1, ceilMode: true, countIncludePad: false }));
  checkModule('avgpool3d', () => new nn.AvgPool3d([2, 2, 3], 1, { padding: [1, 0, 1], divisorOverride: 5 }));
  checkModule('adaptive_max1d', () => new nn.AdaptiveMaxPool1d(4, true));
  checkModule('adaptive_max2d', () => new nn.AdaptiveMaxPool2d([null, 3]));
  checkModule('adaptive_max3d', () => new nn.AdaptiveMaxPool3d([2, 3, null], { returnIndices: true }));
  checkModule('adaptive_avg1d', () => new nn.AdaptiveAvgPool1d(4));
  checkModule('adaptive_avg3d', () => new nn.AdaptiveAvgPool3d([3, null, 2]));
});

test('LPPool, FractionalMaxPool (same random samples) and MaxUnpool match PyTorch', { skip }, () => {
  checkModule('lppool1d', () => new nn.LPPool1d(2, 3, 2));
  checkModule('lppool2d', () => new nn.LPPool2d(1.5, [2, 3], { ceilMode: true }));
  checkModule('fracmax2d', () => new nn.FractionalMaxPool2d(3, { outputSize: [4, 5], returnIndices: true }));
  checkModule('fracmax3d', () => new nn.FractionalMaxPool3d(2, { outputRatio: [0.5, 0.6, 0.7] }));
  checkModule(
    'maxunpool1d',
    () => new nn.MaxUnpool1d(2),
    (m, x, i) => (m as nn.MaxUnpool1d).call(x, i),
  );
  checkModule(
    'maxunpool2d',
    () => new nn.MaxUnpool2d(2, 2),
    (m, x, i) => (m as nn.MaxUnpool2d).call(x, i, [1, 2, 7, 7]),
  );
  checkModule(
    'maxunpool3d',
    () => new nn.MaxUnpool3d(2),
    (m, x, i) => (m as nn.MaxUnpool3d).call(x, i),
  );
});

test('BatchNorm3d and InstanceNorm1d/2d/3d (affine, running stats, eval, unbatched) match PyTorch', { skip }, () => {
  checkModule('bn3d', () => new nn.BatchNorm3d(3, { momentum: 0.2 }));
  checkModule('bn3d_eval', () => new nn.BatchNorm3d(3).eval());
  checkModule('in1d', () => new nn.InstanceNorm1d(3, { affine: true }));
  checkModule('in2d_track', () => new nn.InstanceNorm2d(3, { trackRunningStats: true, momentum: 0.3 }));
  checkModule('in2d_track_eval', () => new nn.InstanceNorm2d(3, { trackRunningStats: true }).eval());
  checkModule('in2d_unbatched', () => new nn.InstanceNorm2d(3, { affine: true, eps: 1e-3 }));
  checkModule('in3d', () => new nn.InstanceNorm3d(2));
});

test('Dropout1d/2d/3d, AlphaDropout and FeatureAlphaDropout draw the same masks as PyTorch', { skip }, () => {
  checkModule('dropout1d', () => new nn.Dropout1d(0.4));
  checkModule('dropout1d_unbatched', () => new nn.Dropout1d(0.4));
  checkModule('dropout2d', () => new nn.Dropout2d(0.3));
  checkModule('dropout3d', () => new nn.Dropout3d(0.5));
  checkModule('dropout3d_unbatched', () => new nn.Dropout3d(0.5));
  checkModule('alpha_dropout', () => new nn.AlphaDropout(0.2));
  checkModule('feature_alpha_dropout', () => new nn.FeatureAlphaDropout(0.3));
  checkModule('alpha_dropout_eval', () => new nn.AlphaDropout(0.2).eval());
});

test('Bilinear, Unflatten, EmbeddingBag (modes, offsets, per-sample weights, max_norm) and Embedding max_norm/fromPretrained match PyTorch', { skip }, () => {
  checkModule('bilinear', () => new nn.Bilinear(3, 4, 5));
  checkModule('bilinear_nobias', () => new nn.Bilinear(2, 2, 3, { bias: false }));
  checkModule('unflatten', () => new nn.Unflatten(1, [2, -1]));
  checkModule(
    'embbag_mean',
    () => new nn.EmbeddingBag(10, 3),
    (m, i, o) => (m as nn.EmbeddingBag).call(i, o),
  );
  checkModule(
    'embbag_sum_psw',
    () => new nn.EmbeddingBag(10, 3, { mode: 'sum', paddingIdx: 2 }),
    (m, i, w) => (m as nn.EmbeddingBag).call(i, null, w),
  );
  checkModule(
    'embbag_max_last',
    () => new nn.EmbeddingBag(10, 4, { mode: 'max', includeLastOffset: true }),
    (m, i, o) => (m as nn.EmbeddingBag).call(i, o),
  );
  checkModule('embbag_maxnorm', () => new nn.EmbeddingBag(6, 3, { maxNorm: 1.0, normType: 1.5 }));
  checkModule('emb_maxnorm', () => new nn.Embedding(6, 3, { maxNorm: 0.8, paddingIdx: -2 }));
  const pre = dec(golden().modules.emb_pretrained.init.weight);
  checkModule('emb_pretrained', () => nn.Embedding.fromPretrained(pre, { freeze: false, paddingIdx: 1 }));
  const frozen = nn.Embedding.fromPretrained(pre);
  assert.equal(frozen.weight.requiresGrad, false);
  assert.throws(() => nn.Embedding.fromPretrained(torch.zeros([3])), {
    message: 'Embedding.fromPretrained: Embeddings parameter is expected to be 2-dimensional (got [3])',
  });
});

test('padding layers (constant, zero, reflection, replication; 1d to 3d; negative crops) match PyTorch', { skip }, () => {
  checkModule('cpad1d', () => new nn.ConstantPad1d([1, 3], 2.5));
  checkModule('cpad2d', () => new nn.ConstantPad2d([1, 0, 2, -1], -1.0));
  checkModule('cpad3d', () => new nn.ConstantPad3d(1, 0.5));
  checkModule('zpad2d', () => new nn.ZeroPad2d([2, 1, 0, 1]));
  checkModule('rpad1d', () => new nn.ReflectionPad1d([2, 1]));
  checkModule('rpad2d', () => new nn.ReflectionPad2d(2));
  checkModule('rpad3d', () => new nn.ReflectionPad3d([1, 0, 1, 1, 0, 1]));
  checkModule('reppad1d', () => new nn.ReplicationPad1d(3));
  checkModule('reppad2d', () => new nn.ReplicationPad2d([1, 2, 0, 3]));
  checkModule('reppad3d', () => new nn.ReplicationPad3d(1));
});

test('PixelShuffle/Unshuffle, ChannelShuffle, Upsample and its 2d forms, the distances and ParameterList/Dict match PyTorch', { skip }, () => {
  checkModule('pixel_shuffle', () => new nn.PixelShuffle(2));
  checkModule('pixel_unshuffle', () => new nn.PixelUnshuffle(2));
  checkModule('channel_shuffle', () => new nn.ChannelShuffle(3));
  checkModule('upsample_nearest', () => new nn.Upsample({ scaleFactor: 2 }));
  checkModule('upsample_trilinear', () => new nn.Upsample({ size: [3, 4, 5], mode: 'trilinear', alignCorners: true }));
  checkModule('upsample_linear', () => new nn.Upsample({ scaleFactor: [1.7], mode: 'linear', recomputeScaleFactor: true }));
  checkModule('upsampling_nearest2d', () => new nn.UpsamplingNearest2d({ size: [5, 4] }));
  checkModule('upsampling_bilinear2d', () => new nn.UpsamplingBilinear2d({ scaleFactor: 2 }));
  checkModule('pairwise', () => new nn.PairwiseDistance(1.5, 1e-3, true));
  checkModule('cosine', () => new nn.CosineSimilarity({ dim: 0, eps: 1e-6 }));
  checkModule(
    'parameter_list',
    () => new nn.ParameterList([new nn.Parameter(torch.randn([2, 3])), torch.randn([3])]),
    (m, x) => {
      const l = m as nn.ParameterList;
      return torch.tidy(() =>
        l
          .at(0)
          .matmul(x)
          .add(l.at(1).narrow(0, 0, 2).sum()),
      );
    },
  );
  checkModule(
    'parameter_dict',
    () => new nn.ParameterDict({ w: new nn.Parameter(torch.randn([3])), b: torch.randn([1]) }),
    (m, x) => {
      const d = m as nn.ParameterDict;
      return torch.tidy(() => (d.get('w') as Tensor).mul(x).add(d.get('b') as Tensor));
    },
  );
});

test('F pooling, normalization, dropout, embedding_bag, pad modes, interpolate, grid_sample, affine_grid, shuffles and distances match PyTorch', {
  skip,
}, () => {
  checkF('max_pool1d', (a) => F.maxPool1d(a, 3, { stride: 2, returnIndices: true }));
  checkF('max_pool3d', (a) => F.maxPool3d(a, [2, 1, 2], { padding: [1, 0, 0] }));
  checkF('avg_pool1d', (a) => F.avgPool1d(a, 4, { stride: 3, padding: 2 }));
  checkF('avg_pool3d', (a) => F.avgPool3d(a, 2, { ceilMode: true, countIncludePad: false }));
  checkF('adaptive_max_pool2d', (a) => F.adaptiveMaxPool2d(a, 3, true));
  checkF('adaptive_avg_pool1d', (a) => F.adaptiveAvgPool1d(a, 5));
  checkF('lp_pool2d', (a) => F.lpPool2d(a, 2, 2, { stride: 1 }));
  checkF('fractional_max_pool2d', (a) => F.fractionalMaxPool2d(a, 2, { outputRatio: 0.5 }));
  checkF('fractional_max_pool3d_samples', (a, s) => F.fractionalMaxPool3d(a, 2, { outputSize: 3, _randomSamples: s.detach() }));
  checkF('max_unpool3d', (a, i) => F.maxUnpool3d(a, i, 2, { outputSize: [5, 4, 5] }));
  checkF('instance_norm', (a, rm, rv, w, b) =>
    F.instanceNorm(a, { runningMean: rm.detach(), runningVar: rv.detach(), weight: w, bias: b, useInputStats: true, momentum: 0.2 }),
  );
  checkF('dropout1d', (a) => F.dropout1d(a, 0.5));
  checkF('dropout2d', (a) => F.dropout2d(a, 0.25, { training: true }));
  checkF('dropout3d_eval', (a) => F.dropout3d(a, 0.25, { training: false }));
  checkF('alpha_dropout', (a) => F.alphaDropout(a, 0.3, { training: true }));
  checkF('alpha_dropout_default', (a) => F.alphaDropout(a, 0.3));
  checkF('feature_alpha_dropout', (a) => F.featureAlphaDropout(a, { p: 0.3, training: true }));
  checkF('embedding_bag', (i, w, o) => F.embeddingBag(i, w, { offsets: o, mode: 'sum' }));
  checkF('one_hot', (a) => F.oneHot(a, 5));
  checkF('pad_reflect', (a) => F.pad(a, [2, 1, 1, 2], 'reflect'));
  checkF('pad_replicate', (a) => F.pad(a, [1, 2], 'replicate'));
  checkF('pad_circular', (a) => F.pad(a, [1, 1, 2, 0, 1, 1], 'circular'));
  checkF('interp_nearest_exact', (a) => F.interpolate(a, { size: [5, 3], mode: 'nearest-exact' }));
  checkF('interp_area', (a) => F.interpolate(a, { scaleFactor: 0.5, mode: 'area' }));
  checkF('interp_bicubic', (a) => F.interpolate(a, { scaleFactor: [1.5, 2.0], mode: 'bicubic', alignCorners: true }));
  checkF('interp_bilinear_aa', (a) => F.interpolate(a, { size: [3, 2], mode: 'bilinear', antialias: true }));
  checkF('interp_bicubic_aa', (a) => F.interpolate(a, { scaleFactor: 0.5, mode: 'bicubic', antialias: true }));
  checkF('interp_nearest3d', (a) => F.interpolate(a, { scaleFactor: [2, 1, 1.5] }));
  checkF('upsample_bilinear', (a) => F.upsampleBilinear(a, { scaleFactor: 2 }));
  checkF('grid_sample', (a, g) => F.gridSample(a, g, { mode: 'bilinear', paddingMode: 'border', alignCorners: false }));
  checkF('grid_sample_nearest', (a, g) => F.gridSample(a, g, { mode: 'nearest', paddingMode: 'reflection', alignCorners: true }));
  checkF('grid_sample_bicubic3d', (a, g) => F.gridSample(a, g, { mode: 'bilinear', alignCorners: true }));
  checkF('affine_grid', (t) => F.affineGrid(t, [2, 3, 4, 5], { alignCorners: false }));
  checkF('affine_grid3d', (t) => F.affineGrid(t, [1, 1, 2, 3, 2], { alignCorners: true }));
  checkF('pixel_shuffle', (a) => F.pixelShuffle(a, 3));
  checkF('channel_shuffle', (a) => F.channelShuffle(a, 2));
  checkF('native_channel_shuffle', (a) => F.nativeChannelShuffle(a, 2));
  checkF('pairwise_distance', (a, b) => F.pairwiseDistance(a, b));
  checkF('cosine_similarity', (a, b) => F.cosineSimilarity(a, b, { dim: -1 }));
  checkF('pdist', (a) => F.pdist(a, 3));
});

test('reprs match PyTorch', { skip }, () => {
  const r = golden().reprs;
  const ours: Record<string, nn.Module> = {
    lppool2d: new nn.LPPool2d(2, 3),
    fracmax2d: new nn.FractionalMaxPool2d(2, { outputSize: 3 }),
    avgpool1d: new nn.AvgPool1d(3),
    upsample_size: new nn.Upsample({ size: [3, 4], mode: 'bilinear', alignCorners: true }),
    upsample_tuple: new nn.Upsample({ scaleFactor: [2, 3] }),
    zeropad: new nn.ZeroPad2d(1),
    pairwise: new nn.PairwiseDistance(),
    param_list: new nn.ParameterList([new nn.Parameter(torch.zeros([2])), new nn.Parameter(torch.zeros([2, 3], { dtype: 'float64' }))]),
    param_dict: new nn.ParameterDict({ b: new nn.Parameter(torch.zeros([2])), a: new nn.Parameter(torch.zeros([1], { dtype: 'int64' }), false) }),
    param_dict1: new nn.ParameterDict({ a: new nn.Parameter(torch.zeros([2])) }),
    embbag: new nn.EmbeddingBag(4, 2, { maxNorm: 1.5, normType: 3, scaleGradByFreq: true, mode: 'sum', paddingIdx: 1 }),
    emb_maxnorm: new nn.Embedding(4, 2, { maxNorm: 2.5 }),
    maxunpool1d: new nn.MaxUnpool1d(2, 1),
    adaptive_max3d: new nn.AdaptiveMaxPool3d([2, null, 1]),
    in3d: new nn.InstanceNorm3d(4, { affine: true, momentum: 0.2 }),
    fold: new nn.Fold([4, 5], 2, { padding: [1, 0] }),
  };
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(r).sort());
  for (const [k, m] of Object.entries(ours)) assert.equal(m.toString(), r[k], k);
});

/** The message starts with `s` (the native layer may append the arguments' dtypes and shapes). */
function startsWith(s: string): RegExp {
  return new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}

test("errors name the function and argument, with PyTorch's sentences", { skip }, () => {
  const e = golden().errors;
  assert.throws(() => F.maxUnpool2d(torch.zeros([1, 1, 2, 2]), long([0, 0, 0, 0]).view(1, 1, 2, 2), 2, { outputSize: [9, 9] }), {
    message: `maxUnpool2d: ${e.maxunpool_size}`,
  });
  assert.throws(() => F.pixelShuffle(torch.zeros([1, 5, 2, 2]), 2), { message: startsWith(`pixelShuffle: ${e.pixel_shuffle}`) });
  assert.throws(() => F.pdist(torch.zeros([2, 3, 4])), { message: startsWith(`pdist: ${e.pdist}`) });
});

test('constructors and functions validate their arguments and name them', () => {
  assert.throws(() => new nn.MaxPool3d([2, 2] as never), {
    message: 'MaxPool3d: Expected a positive integer or a triple of them for kernelSize but received [2, 2]',
  });
  assert.throws(() => new nn.AvgPool1d(2, { countIncludePad: 1 } as never), {
    message: 'AvgPool1d: Expected boolean for countIncludePad but received 1 of type number',
  });
  assert.throws(() => new nn.AvgPool1d(2, { divisorOverride: 2 } as never), /AvgPool1d: unknown option 'divisorOverride'/);
  assert.throws(() => new nn.FractionalMaxPool2d(2), {
    message: 'FractionalMaxPool2d: FractionalMaxPool2d requires specifying either an output size, or a pooling ratio',
  });
  assert.throws(() => new nn.FractionalMaxPool2d(2, { outputSize: 3, outputRatio: 0.5 }), {
    message: 'FractionalMaxPool2d: only one of output_size and output_ratio may be specified',
  });
  assert.throws(() => new nn.FractionalMaxPool3d(2, { outputRatio: 1.5 }), { message: 'FractionalMaxPool3d: output_ratio must be between 0 and 1 (got 1.5)' });
  assert.throws(() => new nn.AdaptiveMaxPool1d([null] as never), {
    message: 'AdaptiveMaxPool1d: Expected a non-negative integer for outputSize but received an array of length 1',
  });
  assert.throws(() => new nn.Dropout2d(1.5), { message: 'dropout probability has to be between 0 and 1, but got 1.5 of type number' });
  assert.throws(() => F.dropout1d(torch.zeros([2, 3, 4, 5])), { message: /^dropout1d: Expected 2D or 3D input, but received a 4D input\./ });
  assert.throws(() => new nn.InstanceNorm1d(3).call(torch.zeros([1, 2, 3, 4])), {
    message: 'instancenorm1d: expected 2D or 3D input (got 4D input [1, 2, 3, 4])',
  });
  assert.throws(() => new nn.BatchNorm3d(3).call(torch.zeros([1, 3, 4, 4])), { message: 'batchnorm3d: expected 5D input (got 4D input [1, 3, 4, 4])' });
  assert.throws(() => new nn.Unflatten(1, 'ab' as never), { message: "Unflatten: unflattened_size must be a tuple of ints, but found 'ab' of type string" });
  assert.throws(() => new nn.EmbeddingBag(4, 2, { mode: 'avg' as 'sum' }), { message: 'EmbeddingBag: mode has to be one of sum, mean or max (received avg)' });
  assert.throws(() => new nn.EmbeddingBag(4, 2, { paddingIdx: 4 }), { message: 'EmbeddingBag: padding_idx must be within num_embeddings (got 4 for 4)' });
  assert.throws(() => F.embeddingBag(long([1, 2]), torch.zeros([4, 2])), { message: 'embeddingBag: offsets has to be a 1D Tensor but got None' });
  assert.throws(() => F.embeddingBag(long([1, 2]), torch.zeros([4, 2]), { offsets: long([0]), mode: 'max', perSampleWeights: torch.ones([2]) }), {
    message:
      "embeddingBag: embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' (got mode='max'). Please open a feature request on GitHub.",
  });
  assert.throws(() => F.interpolate(torch.zeros([1, 1, 2, 2]), { size: 3, scaleFactor: 2 }), {
    message: 'interpolate: only one of size or scale_factor should be defined',
  });
  assert.throws(() => F.interpolate(torch.zeros([1, 1, 2, 2]), { size: 3, mode: 'nearest', alignCorners: true }), {
    message: 'interpolate: align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear',
  });
  assert.throws(() => F.interpolate(torch.zeros([1, 1, 2]), { size: 3, mode: 'bilinear' }), {
    message: 'interpolate: Got 3D input, but bilinear mode needs 4D input',
  });
  assert.throws(() => F.interpolate(torch.zeros([1, 1, 2]), { size: 3, mode: 'linear', antialias: true }), {
    message: 'interpolate: Anti-alias option is only supported for bilinear and bicubic modes',
  });
  assert.throws(() => F.interpolate(torch.zeros([1, 1, 2, 2]), { size: [3] }), {
    message:
      /^interpolate: Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of \[2, 2\] and output size of \[3\]/,
  });
  assert.throws(() => F.gridSample(torch.zeros([1, 1, 2, 2]), torch.zeros([1, 2, 2, 2]), { mode: 'cubic' as 'bicubic' }), {
    message: "gridSample: nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'cubic' of type string",
  });
  assert.throws(() => F.affineGrid(torch.zeros([1, 2, 2]), [1, 1, 3, 3], { alignCorners: false }), {
    message: 'affineGrid: Expected a batch of 2D affine matrices of shape Nx2x3 for size [1, 1, 3, 3]. Got [1, 2, 2].',
  });
  assert.throws(() => new nn.ParameterList().at(0), { message: 'ParameterList.at: index 0 is out of range' });
  assert.throws(() => new nn.ParameterList().call(), { message: 'ParameterList should not be called.' });
  assert.throws(() => new nn.ParameterList(torch.zeros([2]) as never), { message: /^ParameterList.extend should be called with an iterable, but got/ });
});

test("ParameterList and ParameterDict register parameters under PyTorch's names", () => {
  const l = new nn.ParameterList([torch.zeros([2]), torch.ones([3])]);
  l.append(torch.zeros([1]));
  assert.deepEqual([...l.stateDict().keys()], ['0', '1', '2']);
  assert.equal(l.length, 3);
  assert.ok(l.at(-1) instanceof nn.Parameter);
  assert.equal(l.parameters().length, 3);
  const d = new nn.ParameterDict(
    new Map<string, unknown>([
      ['z', torch.zeros([1])],
      ['a', torch.ones([1])],
    ]),
  );
  assert.deepEqual(d.keys(), ['z', 'a']);
  d.set('m', torch.ones([2]));
  assert.deepEqual([...d.stateDict().keys()], ['z', 'a', 'm']);
  assert.ok(d.delete('z'));
  assert.deepEqual(d.keys(), ['a', 'm']);
  assert.deepEqual([...d.stateDict().keys()], ['a', 'm']);
  assert.equal(d.has('z'), false);
});

test('F.*_with_indices are the poolings with returnIndices; F.convTbc is conv1d over [time, batch, channel]', () => {
  const F = nn.functional;
  torch.tidy(() => {
    torch.manualSeed(3);
    const x1 = torch.rand([2, 3, 8]);
    const x2 = torch.rand([2, 3, 8, 8]);
    const x3 = torch.rand([1, 2, 4, 4, 4]);
    const same = (a: Iterable<Tensor>, b: Iterable<Tensor>, what: string) => {
      const bs = [...b];
      [...a].forEach((t, i) => assert.ok(t.equal(bs[i]), `${what}[${i}]`));
    };
    same(F.maxPool1dWithIndices(x1, 2, { stride: 1 }), F.maxPool1d(x1, 2, { stride: 1, returnIndices: true }), 'maxPool1d');
    same(F.maxPool2dWithIndices(x2, 3, { padding: 1 }), F.maxPool2d(x2, 3, { padding: 1, returnIndices: true }), 'maxPool2d');
    same(F.maxPool3dWithIndices(x3, 2), F.maxPool3d(x3, 2, { returnIndices: true }), 'maxPool3d');
    same(F.adaptiveMaxPool1dWithIndices(x1, 3), F.adaptiveMaxPool1d(x1, 3, true), 'adaptiveMaxPool1d');
    same(F.adaptiveMaxPool2dWithIndices(x2, [3, null]), F.adaptiveMaxPool2d(x2, [3, null], true), 'adaptiveMaxPool2d');
    same(F.adaptiveMaxPool3dWithIndices(x3, 2), F.adaptiveMaxPool3d(x3, 2, true), 'adaptiveMaxPool3d');
    const samples = torch.rand([2, 3, 2]);
    same(
      F.fractionalMaxPool2dWithIndices(x2, 2, { outputSize: 4, _randomSamples: samples }),
      F.fractionalMaxPool2d(x2, 2, { outputSize: 4, _randomSamples: samples, returnIndices: true }),
      'fractionalMaxPool2d',
    );
    assert.throws(() => F.maxPool1dWithIndices(x1, 2, { returnIndices: false } as never), {
      message: 'maxPool1dWithIndices: got an unexpected option returnIndices (the indices are always returned)',
    });
    // conv_tbc(x, w, b, pad) is conv1d on [batch, channel, time] with the weight as [out, in, kernel].
    const x = torch.rand([7, 2, 3]);
    const w = torch.rand([3, 3, 4]);
    const b = torch.rand([4]);
    const viaConv1d = F.conv1d(x.permute([1, 2, 0]), w.permute([2, 1, 0]), b, { padding: 1 }).permute([2, 0, 1]);
    assertClose(F.convTbc(x, w, b, 1), viaConv1d, 'convTbc', 1e-6);
    assert.throws(
      () => F.convTbc(x, torch.rand([3, 5, 4]), b),
      /^TorchError: convTbc: conv_tbc: Input dim 2 \(input channels\) is not == dim 1 in the weight tensor/,
    );
  });
});

test('nativeChannelShuffle checks what its kernel does not (groups 0 and empty inputs end PyTorch with SIGFPE)', () => {
  torch.tidy(() => {
    for (const f of [torch.nativeChannelShuffle, nn.functional.nativeChannelShuffle]) {
      assert.throws(() => f(torch.rand([1, 4, 2]), 0), {
        name: 'RangeError',
        message: 'nativeChannelShuffle: Number of groups to divide channels in must be positive. Value of groups:0',
      });
      assert.throws(() => f(torch.rand([1, 4, 2]), 3), {
        message: 'nativeChannelShuffle: Number of channels must be divisible by groups. Got 4 channels and 3 groups.',
      });
      assert.deepEqual(f(torch.rand([0, 4, 2]), 2).shape, [0, 4, 2]);
      assert.deepEqual(f(torch.arange(0, 8).reshape([1, 4, 2]), 2).toArray(), [
        [
          [0, 1],
          [4, 5],
          [2, 3],
          [6, 7],
        ],
      ]);
    }
  });
});
