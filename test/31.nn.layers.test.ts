/** Layers: init, repr, train/eval forward, BatchNorm running stats, Dropout RNG, nn.init — against PyTorch goldens. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { fixture, dec, assertClose, assertStateDict } from './30.nn.helpers.js';

const L = fixture<Record<string, any>>('nn_layers.json');

/** TS twin of Zoo in tools/golden/nn.py: one of every layer kind. */
class Zoo extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }),
    new nn.BatchNorm2d(8),
    new nn.LeakyReLU(0.2),
    new nn.Conv2d(8, 8, { kernelSize: [3, 5], stride: [2, 1], padding: [1, 2], groups: 2 }),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 4, 3, { padding: 'same', dilation: 2 }),
    new nn.Conv2d(4, 4, 3, { padding: 1, paddingMode: 'reflect' }),
    new nn.AvgPool2d(2, { stride: 1 }),
    new nn.AdaptiveAvgPool2d([2, 2]),
  );
  flatten = new nn.Flatten();
  heads = new nn.ModuleList([new nn.Linear(16, 6), new nn.Linear(6, 3, { bias: false })]);
  acts = new nn.ModuleDict({ tanh: new nn.Tanh(), sig: new nn.Sigmoid(), relu: new nn.ReLU({ inplace: true }) });
  bn1 = new nn.BatchNorm1d(6, { eps: 1e-3, momentum: null });
  drop = new nn.Dropout(0.25);
  emb = new nn.Embedding(10, 4, { paddingIdx: 0 });
  sm = new nn.Softmax(1);
  lsm = new nn.LogSoftmax({ dim: -1 });
  id = new nn.Identity();
  loss = new nn.CrossEntropyLoss();
  override forward(input: Tensor): Tensor {
    return torch.tidy(() => {
      let x = this.features.call(input);
      x = this.flatten.call(x);
      x = this.heads[0].forward(x);
      x = this.acts.get('tanh')!.forward(x);
      x = this.bn1.call(x);
      x = this.drop.call(x);
      x = this.heads[1].forward(x);
      return this.lsm.call(this.id.call(x));
    });
  }
}

test("every layer kind: PyTorch's initial weights, names and repr", () => {
  torch.manualSeed(0);
  const zoo = new Zoo();
  assertStateDict(zoo.stateDict(), L.zoo_init, 'Zoo init', 0);
  assert.equal(zoo.toString(), L.zoo_repr);
  assert.deepEqual(
    zoo.namedModules().map(([n]) => n),
    L.zoo_modules,
  );
  assert.deepEqual(
    zoo.namedBuffers().map(([n]) => n),
    L.zoo_buffers,
  );
});

test('train forward (BatchNorm stats, Dropout RNG), then eval forward match PyTorch', () => {
  torch.manualSeed(0);
  const zoo = new Zoo();
  const x = dec(L.x);
  torch.manualSeed(5);
  assertClose(zoo.call(x), L.zoo_train_out1, 'train out 1', 1e-5);
  assertClose(zoo.call(torch.tidy(() => x.mul(0.5))), L.zoo_train_out2, 'train out 2', 1e-5);
  assertStateDict(zoo.stateDict(), L.zoo_after_train, 'after train', 1e-5);
  zoo.eval();
  assertClose(zoo.call(x), L.zoo_eval_out, 'eval out', 1e-5);
  assertClose(
    zoo.emb.call(
      torch.tensor(
        [
          [0, 3, 9],
          [2, 0, 1],
        ],
        { dtype: 'int64' },
      ),
    ),
    L.emb_out,
    'embedding',
    0,
  );
});

test('layer reprs match PyTorch', () => {
  const r = L.misc_repr as Record<string, string>;
  const ours: Record<string, nn.Module> = {
    relu: new nn.ReLU(),
    leaky: new nn.LeakyReLU(),
    leaky_inplace: new nn.LeakyReLU(0.1, true),
    dropout: new nn.Dropout(),
    flatten: new nn.Flatten(0, 2),
    softmax_none: new nn.Softmax(),
    bn_noaffine: new nn.BatchNorm2d(3, { affine: false, trackRunningStats: false, momentum: 0.05 }),
    maxpool_tuple: new nn.MaxPool2d([2, 3], [1, 2], { padding: 1, ceilMode: true }),
    avgpool: new nn.AvgPool2d(3),
    adaptive1: new nn.AdaptiveAvgPool2d(1),
    adaptive_none: new nn.AdaptiveAvgPool2d([null, 7]),
    conv_valid: new nn.Conv2d(2, 4, 1, { padding: 'valid' }),
    conv_dil: new nn.Conv2d(2, 4, [1, 3], { stride: 2, dilation: [2, 1] }),
    emb: new nn.Embedding(5, 2),
    emb_neg_pad: new nn.Embedding(5, 2, { paddingIdx: -1 }),
    identity: new nn.Identity(),
    losses: new nn.Sequential(new nn.CrossEntropyLoss(), new nn.NLLLoss(), new nn.MSELoss(), new nn.L1Loss(), new nn.BCELoss(), new nn.BCEWithLogitsLoss()),
    empty_seq: new nn.Sequential(),
    modulelist: new nn.ModuleList([new nn.ReLU(), new nn.Sequential(new nn.Tanh())]),
  };
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(r).sort());
  for (const [k, m] of Object.entries(ours)) assert.equal(m.toString(), r[k], k);
});

test('BatchNorm2d/1d: training outputs, running statistics and eval output', () => {
  const bn = new nn.BatchNorm2d(3, { momentum: 0.3 });
  const a = dec(L.bn_a);
  const b = dec(L.bn_b);
  assertClose(bn.call(a), L.bn_train_a, 'train a', 1e-5);
  assertClose(bn.call(b), L.bn_train_b, 'train b', 1e-5);
  assertStateDict(bn.stateDict(), L.bn_state, 'bn state', 1e-6);
  assert.equal(bn.numBatchesTracked!.item(), 2);
  bn.eval();
  assertClose(bn.call(a), L.bn_eval_a, 'eval a', 1e-5);
  const bn1 = new nn.BatchNorm1d(3);
  assertClose(bn1.call(dec(L.bn1_c)), L.bn1_train_c, 'bn1d 3-D', 1e-5);
  assertStateDict(bn1.stateDict(), L.bn1_state, 'bn1d state', 1e-6);
  assert.throws(() => bn1.call(torch.zeros([2, 3, 4, 5])), { message: 'batchnorm1d: expected 2D or 3D input (got 4D input [2, 3, 4, 5])' });
  assert.throws(() => bn.call(torch.zeros([2, 4, 1, 1])), { message: 'batchnorm2d: expected input with 3 channels at dim 1, got [2, 4, 1, 1]' });
  bn.train();
  assert.throws(() => bn.call(torch.zeros([1, 3, 1, 1])), {
    message: 'batchnorm2d: Expected more than 1 value per channel when training, got input size [1, 3, 1, 1]',
  });
});

test('Dropout draws from the default generator like PyTorch', () => {
  torch.manualSeed(0);
  assertClose(nn.F.dropout(torch.ones([2000]), 0.3), L.dropout_f, 'F.dropout', 0);
  torch.manualSeed(0);
  const d = new nn.Dropout(0.5);
  assertClose(d.call(torch.ones([4, 50])), L.dropout_m_train, 'Dropout train', 0);
  d.eval();
  assertClose(d.call(torch.ones([4, 50])), L.dropout_m_eval, 'Dropout eval', 0);
  assert.throws(() => new nn.Dropout(1.5), { message: 'dropout probability has to be between 0 and 1, but got 1.5 of type number' });
});

test('nn.init matches PyTorch (same RNG consumption) and calculateGain', () => {
  torch.manualSeed(3);
  const t = torch.empty([6, 5]);
  const w = torch.empty([4, 3, 3, 3]);
  const I = L.init;
  assertClose(nn.init.xavierUniform_(t), I.xavier_uniform, 'xavier_uniform', 0);
  assertClose(nn.init.xavierNormal_(t, 2.0), I.xavier_normal_g2, 'xavier_normal', 1e-7);
  assertClose(nn.init.kaimingUniform_(t, { mode: 'fan_out', nonlinearity: 'relu' }), I.kaiming_uniform_fanout_relu, 'kaiming_uniform', 0);
  assertClose(nn.init.kaimingNormal_(t, { a: 0.1 }), I.kaiming_normal_a01, 'kaiming_normal', 1e-7);
  assertClose(nn.init.uniform_(t, -2, 3), I.uniform, 'uniform', 0);
  assertClose(nn.init.normal_(t, 1, 0.5), I.normal, 'normal', 1e-7);
  assertClose(nn.init.kaimingUniform_(w, { a: Math.sqrt(5) }), I.conv_kaiming_uniform, 'conv kaiming', 0);
  assertClose(nn.init.constant_(t, 0.25), I.constant, 'constant', 0);
  for (const [k, v] of Object.entries(L.gains as Record<string, number>)) assert.equal(nn.init.calculateGain(k as nn.init.Nonlinearity), v, k);
  assert.equal(nn.init.calculateGain('leaky_relu', 0.2), L.gain_leaky_02);
  assert.throws(() => nn.init.xavierUniform_(torch.empty([3])), {
    message: 'init.xavierUniform_: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions',
  });
  assert.throws(() => nn.init.kaimingUniform_(t, { mode: 'fan' as any }), /mode 'fan' of type string not supported/);
});

test('constructor forms and argument errors', () => {
  const c1 = new nn.Conv2d(3, 16, 3);
  const c2 = new nn.Conv2d(3, 16, { kernelSize: 3 });
  assert.equal(c1.toString(), c2.toString());
  assert.equal(new nn.MaxPool2d(2, 2).toString(), new nn.MaxPool2d({ kernelSize: 2, stride: 2 }).toString());
  assert.throws(() => new nn.Conv2d(3, 16, { stride: 2 }), /Conv2d: missing kernelSize/);
  assert.throws(() => new nn.Conv2d(3, 16, 3, { stride: 2, padding: 'same' }), /padding='same' is not supported for strided convolutions/);
  assert.throws(() => new nn.Conv2d(3, 16, 3, { groups: 2 }), /in_channels must be divisible by groups/);
  assert.throws(() => new nn.Conv2d(3, 16, 3, { kernel_size: 3 } as any), /Conv2d: unknown option 'kernel_size'/);
  assert.throws(() => new nn.Linear(3.5, 2), { message: 'Linear: Expected non-negative integer for inFeatures but received 3.5 of type number' });
  assert.throws(() => new nn.Linear(3, 2, { bias: 1 as any }), { message: 'Linear: Expected boolean for bias but received 1 of type number' });
  const conv = new nn.Conv2d(3, 4, 5);
  assert.throws(() => conv.call(torch.zeros([1, 3, 2, 2])), { message: /^conv2d: .*Kernel size can't be greater than actual input size/ });
  assert.throws(() => new nn.Embedding(4, 2).call(torch.zeros([2])), {
    message: 'embedding: expected int64 indices for input but received dtype float32 with shape [2]',
  });
});

test('containers: indexing, iteration, ModuleList.insert, ModuleDict', () => {
  const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
  assert.equal(seq.length, 2);
  assert.ok(seq[1] instanceof nn.ReLU && seq.at(-1) === seq[1]);
  seq.append(new nn.Tanh());
  assert.deepEqual(
    [...seq].map((m) => m.constructor.name),
    ['Linear', 'ReLU', 'Tanh'],
  );
  const named = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.ReLU() });
  assert.deepEqual([...named.stateDict().keys()], ['fc.weight', 'fc.bias']);
  const ml = new nn.ModuleList([new nn.ReLU(), new nn.Tanh()]);
  ml.insert(1, new nn.Sigmoid());
  assert.deepEqual(
    ml.namedChildren().map(([n, m]) => `${n}:${m.constructor.name}`),
    ['0:ReLU', '1:Sigmoid', '2:Tanh'],
  );
  assert.throws(() => ml.call(torch.zeros([1])), { message: 'Module [ModuleList] is missing the required "forward" function' });
  const md = new nn.ModuleDict({ a: new nn.ReLU() });
  md.set('b', new nn.Tanh());
  assert.deepEqual(md.keys(), ['a', 'b']);
  assert.ok(md.delete('a') && !md.has('a'));
  assert.throws(() => new nn.Sequential(5 as any), /Sequential: argument 0 is not a Module subclass/);
});
