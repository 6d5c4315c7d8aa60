/** nn.functional and the loss modules against PyTorch goldens (tools/golden/nn.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { fixture, dec, assertClose, type Enc } from './30.nn.helpers.js';

const G = fixture<{ inputs: Record<string, Enc>; results: Record<string, Enc> }>('nn_functional.json');
const I = Object.fromEntries(Object.entries(G.inputs).map(([k, v]) => [k, torch.keep(dec(v))])) as Record<string, Tensor>;
const R = G.results;
const F = nn.F;

function check(name: string, t: Tensor, atol = 1e-6): void {
  assert.ok(name in R, `no golden ${name}`);
  assertClose(t, R[name], name, atol);
}

test('activations and softmax', () => {
  const { x } = I;
  check('relu', F.relu(x));
  check('leaky_relu_02', F.leakyRelu(x, 0.2));
  check('sigmoid', F.sigmoid(x));
  check('tanh', F.tanh(x));
  check('softmax_1', F.softmax(x, 1));
  check('log_softmax_0', nn.functional.logSoftmax(x, 0));
  const y = x.clone();
  assert.ok(F.relu(y, { inplace: true }) === y);
  check('relu', y);
});

test('linear, conv2d, pooling, flatten', () => {
  const { x, w, b, img, cw, cb, gw } = I;
  check('linear', F.linear(x, w, b));
  check('linear_nobias', F.linear(x, w));
  check('conv2d_s2p1', F.conv2d(img, cw, cb, { stride: 2, padding: 1 }), 1e-5);
  check('conv2d_same_d2', F.conv2d(img, cw, null, { padding: 'same', dilation: 2 }), 1e-5);
  const g = img.narrow(1, 0, 2).repeat([1, 3, 1, 1]);
  check('conv2d_groups', F.conv2d(g, gw, null, { groups: 6 }), 1e-5);
  check('max_pool2d_2', F.maxPool2d(img, 2));
  check('max_pool2d_3s2p1c', F.maxPool2d(img, 3, { stride: 2, padding: 1, ceilMode: true }));
  const [mv, mi] = F.maxPool2d(img, 2, { returnIndices: true });
  check('max_pool2d_idx_values', mv);
  check('max_pool2d_idx_indices', mi, 0);
  check('avg_pool2d_2', F.avgPool2d(img, 2));
  check('avg_pool2d_3s2p1_nopad', F.avgPool2d(img, 3, { stride: 2, padding: 1, countIncludePad: false }));
  check('avg_pool2d_div', F.avgPool2d(img, 2, { divisorOverride: 3 }));
  check('adaptive_35', F.adaptiveAvgPool2d(img, [3, 5]));
  check('adaptive_1', F.adaptiveAvgPool2d(img, 1));
  check('flatten_1', F.flatten(img, 1));
});

test('batchNorm updates running stats in training', () => {
  const { img, rm, rv, bnw, bnb } = I;
  const rm2 = rm.clone();
  const rv2 = rv.clone();
  check('batch_norm_train', F.batchNorm(img, rm2, rv2, { weight: bnw, bias: bnb, training: true, momentum: 0.2 }), 1e-5);
  check('batch_norm_train_rm', rm2);
  check('batch_norm_train_rv', rv2);
  check('batch_norm_eval', F.batchNorm(img, rm, rv, { weight: bnw, bias: bnb, training: false, eps: 1e-3 }), 1e-5);
});

test('crossEntropy / nllLoss in all their forms, and the loss modules', () => {
  const { logits, target, probs, cweight, logits4, target4 } = I;
  check('ce', F.crossEntropy(logits, target));
  check('ce_weight', F.crossEntropy(logits, target, { weight: cweight }));
  check('ce_ignore2', F.crossEntropy(logits, target, { ignoreIndex: 2 }));
  check('ce_ls01', F.crossEntropy(logits, target, { labelSmoothing: 0.1 }));
  check('ce_none', F.crossEntropy(logits, target, { reduction: 'none' }));
  check('ce_sum_weight_ls', F.crossEntropy(logits, target, { weight: cweight, reduction: 'sum', labelSmoothing: 0.2 }), 1e-5);
  check('ce_probs', F.crossEntropy(logits, probs));
  check('ce_4d', F.crossEntropy(logits4, target4));
  check('nll', F.nllLoss(F.logSoftmax(logits, 1), target));
  check('nll_weight_sum', F.nllLoss(F.logSoftmax(logits, 1), target, { weight: cweight, reduction: 'sum' }));
  check('ce', new nn.CrossEntropyLoss().call(logits, target));
  check('ce_sum_weight_ls', new nn.CrossEntropyLoss({ weight: cweight, reduction: 'sum', labelSmoothing: 0.2 }).call(logits, target), 1e-5);
  check('nll_weight_sum', new nn.NLLLoss({ weight: cweight, reduction: 'sum' }).call(F.logSoftmax(logits, 1), target));
  const lg = logits.clone().requiresGrad_(true);
  F.crossEntropy(lg, target, { labelSmoothing: 0.1, weight: cweight }).backward();
  check('ce_grad', lg.grad!);
});

test('regression and binary losses, and their modules', () => {
  const { x, y, p, yb, bw, pw, w, b } = I;
  check('mse', F.mseLoss(x, y));
  check('mse_sum', F.mseLoss(x, y, { reduction: 'sum' }), 1e-5);
  check('mse_none', F.mseLoss(x, y, { reduction: 'none' }));
  check('l1', F.l1Loss(x, y));
  check('l1_sum', F.l1Loss(x, y, { reduction: 'sum' }), 1e-5);
  check('bce', F.binaryCrossEntropy(p, yb));
  check('bce_weight_none', F.binaryCrossEntropy(p, yb, { weight: bw, reduction: 'none' }));
  check('bce_logits', F.binaryCrossEntropyWithLogits(x, yb));
  check('bce_logits_pw_w', F.binaryCrossEntropyWithLogits(x, yb, { weight: bw, posWeight: pw }));
  check('mse', new nn.MSELoss().call(x, y));
  check('l1_sum', new nn.L1Loss({ reduction: 'sum' }).call(x, y), 1e-5);
  check('bce', new nn.BCELoss().call(p, yb));
  check('bce_logits_pw_w', new nn.BCEWithLogitsLoss({ weight: bw, posWeight: pw }).call(x, yb));
  const xg = x.clone().requiresGrad_(true);
  F.leakyRelu(F.linear(xg, w, b), 0.1)
    .sum()
    .add(F.mseLoss(xg, y))
    .backward();
  check('linear_mse_grad', xg.grad!);
});

test('oneHot and pad', () => {
  const { x, img } = I;
  check('one_hot_5', F.oneHot(torch.tensor([0, 2, 1, 4], { dtype: 'int64' }), 5), 0);
  check(
    'one_hot_auto',
    F.oneHot(
      torch.tensor(
        [
          [0, 2],
          [1, 3],
        ],
        { dtype: 'int64' },
      ),
    ),
    0,
  );
  check('pad_const', F.pad(x, [1, 2], 'constant', 0.5));
  check('pad_2d', F.pad(img, [1, 1, 2, 0]));
  check('pad_reflect', F.pad(img, [2, 1, 1, 2], 'reflect'));
  check('pad_replicate', F.pad(img, [1, 1, 1, 1], 'replicate'));
});

test('utils: clipGradValue_, clipGradNorm_ (norm 1), parametersToVector', () => {
  const { x, y, w } = I;
  const p1 = x.clone().requiresGrad_(true);
  const p2 = w.clone().requiresGrad_(true);
  p1.grad = y.clone();
  p2.grad = w.mul(3);
  nn.utils.clipGradValue_([p1, p2], 0.7);
  check('clip_value_g1', p1.grad!);
  check('clip_value_g2', p2.grad!);
  check('clip_norm1_total', nn.utils.clipGradNorm_([p1, p2], 1.5, 1));
  check('clip_norm1_g1', p1.grad!);
  check('clip_norm1_g2', p2.grad!);
  check('params_to_vector', nn.utils.parametersToVector([p1, p2]));
});

test('argument errors name the function, the argument and the shapes', () => {
  const { logits, target, x, img, cw } = I;
  assert.throws(() => F.crossEntropy(logits, target.narrow(0, 0, 4)), {
    message: 'crossEntropy: expected target [6] of class indices for input [6, 5] (or class probabilities [6, 5]), got [4]',
  });
  assert.throws(() => F.crossEntropy(logits, target.int()), {
    message: 'crossEntropy: expected int64 class indices for target but received dtype int32 (use target.long())',
  });
  assert.throws(() => F.crossEntropy(logits, target, { reduction: 'avg' as any }), {
    message: "crossEntropy: expected 'none', 'mean' or 'sum' for reduction but received 'avg' of type string",
  });
  assert.throws(() => F.crossEntropy(logits, target, { ignore_index: 1 } as any), /crossEntropy: unknown option 'ignore_index'/);
  assert.throws(() => F.crossEntropy([1] as any, target), { message: 'crossEntropy: expected Tensor for input but received an array of length 1' });
  assert.throws(() => F.linear(x, I.w.t()), { message: 'linear: expected input [*, 3] for weight [5, 3], got [4, 5]' });
  assert.throws(() => F.conv2d(x, cw), { message: 'conv2d: expected input [N, 3, H, W] or [3, H, W] (3 channels) for weight [4, 3, 3, 3], got [4, 5]' });
  assert.throws(() => F.conv2d(img, cw, null, { stride: 2, padding: 'same' }), /padding='same' is not supported for strided convolutions/);
  assert.throws(() => F.maxPool2d(x, 2), { message: 'maxPool2d: expected 3-D [C, H, W] or 4-D [N, C, H, W] input, got [4, 5]' });
  assert.throws(
    () => F.binaryCrossEntropy(I.p, I.yb.narrow(0, 0, 2)),
    /binaryCrossEntropy: Using a target size \(\[2, 5\]\) that is different to the input size \(\[4, 5\]\)/,
  );
  assert.throws(() => F.binaryCrossEntropyWithLogits(x, I.yb.t()), {
    message: 'binaryCrossEntropyWithLogits: Target size ([5, 4]) must be the same as input size ([4, 5])',
  });
  assert.throws(() => F.oneHot(x), { message: 'oneHot: one_hot is only applicable to index tensor (int64), but received dtype float32' });
  assert.throws(() => F.pad(x, [1]), { message: 'pad: Padding length must be divisible by 2 but got 1' });
  assert.throws(() => F.dropout(x, 2), { message: 'dropout probability has to be between 0 and 1, but got 2 of type number' });
  assert.throws(() => new nn.MSELoss({ reduction: 'avg' as any }), /MSELoss: expected 'none', 'mean' or 'sum' for reduction/);
});

test('mseLoss and l1Loss broadcast input and target first, as Python does (the result dtype follows)', () => {
  // Values and dtypes from PyTorch 1.13: a 0-d float64 input broadcast to [3, 2] promotes as a
  // dimensioned tensor; unbroadcast it was a wrapped number (bfloat16 result, or no kernel).
  const a = torch.tensor(2, { dtype: 'float64' });
  const b = torch.ones([3, 2]).to('bfloat16');
  const quiet = process.emitWarning;
  process.emitWarning = () => {};
  try {
    const m = F.mseLoss(a, b);
    assert.equal(m.dtype, 'float64');
    assert.equal(m.item(), 1);
    assert.equal(F.l1Loss(a, b).dtype, 'float64');
    const n = F.mseLoss(a, torch.ones([3]).to('float16'), { reduction: 'none' });
    assert.deepEqual([n.dtype, n.shape], ['float64', [3]]);
  } finally {
    process.emitWarning = quiet;
  }
});
