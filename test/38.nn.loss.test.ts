/**
 * Every torch.nn loss against PyTorch 1.13 run live (tools/golden/nn_loss.py): each reduction and
 * special option, the loss and the input gradients of loss.sum(), through both the F form and
 * the Module form; buffers, state_dict keys and repr of the modules; error messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';

type Reduction = nn.Reduction;
import { runGoldenLive, fromFixture, assertClose, type EncTensor } from './helpers.js';

interface Case {
  inputs: Record<string, EncTensor>;
  out: EncTensor;
  grads: Record<string, EncTensor>;
}
interface ModInfo {
  buffers: [string, boolean][];
  state_dict: string[];
  repr: string;
}
const py = runGoldenLive<{ cases: Record<string, Case>; modules: Record<string, ModInfo> }>('nn_loss.py');

type Ins = Record<string, Tensor>;
/** A reduction, or KLDiv's 'batchmean'. */
type Red = nn.F.KLDivReduction & Reduction;
interface Spec {
  f: (r: Red, i: Ins) => Tensor;
  m: (r: Red, i: Ins) => [nn.Module, Tensor[]];
}

const cosdist = (x1: Tensor, x2: Tensor): Tensor => torch.cosineSimilarity(x1, x2).rsub(1.0);
const lpair = (i: Ins): Tensor[] => [i.input, i.target];

const specs: Record<string, Spec> = {
  l1: { f: (r, i) => nn.F.l1Loss(i.input, i.target, { reduction: r }), m: (r, i) => [new nn.L1Loss({ reduction: r }), lpair(i)] },
  mse: { f: (r, i) => nn.F.mseLoss(i.input, i.target, { reduction: r }), m: (r, i) => [new nn.MSELoss({ reduction: r }), lpair(i)] },
  bce: { f: (r, i) => nn.F.binaryCrossEntropy(i.input, i.target, { reduction: r }), m: (r, i) => [new nn.BCELoss({ reduction: r }), lpair(i)] },
  bce_w: {
    f: (r, i) => nn.F.binaryCrossEntropy(i.input, i.target, { weight: i.weight, reduction: r }),
    m: (r, i) => [new nn.BCELoss({ weight: i.weight, reduction: r }), lpair(i)],
  },
  bcel: {
    f: (r, i) => nn.F.binaryCrossEntropyWithLogits(i.input, i.target, { weight: i.weight, posWeight: i.pos_weight, reduction: r }),
    m: (r, i) => [new nn.BCEWithLogitsLoss({ weight: i.weight, posWeight: i.pos_weight, reduction: r }), lpair(i)],
  },
  ce: { f: (r, i) => nn.F.crossEntropy(i.input, i.target, { reduction: r }), m: (r, i) => [new nn.CrossEntropyLoss({ reduction: r }), lpair(i)] },
  ce_opts: {
    f: (r, i) => nn.F.crossEntropy(i.input, i.target, { weight: i.weight, ignoreIndex: -1, labelSmoothing: 0.2, reduction: r }),
    m: (r, i) => [new nn.CrossEntropyLoss({ weight: i.weight, ignoreIndex: -1, labelSmoothing: 0.2, reduction: r }), lpair(i)],
  },
  ce_probs: {
    f: (r, i) => nn.F.crossEntropy(i.input, i.target, { weight: i.weight, labelSmoothing: 0.1, reduction: r }),
    m: (r, i) => [new nn.CrossEntropyLoss({ weight: i.weight, labelSmoothing: 0.1, reduction: r }), lpair(i)],
  },
  nll2d: {
    f: (r, i) => nn.F.nllLoss(i.input, i.target, { weight: i.weight, ignoreIndex: 2, reduction: r }),
    m: (r, i) => [new nn.NLLLoss2d({ weight: i.weight, ignoreIndex: 2, reduction: r }), lpair(i)],
  },
  poisson: {
    f: (r, i) => nn.F.poissonNllLoss(i.input, i.target, { reduction: r }),
    m: (r, i) => [new nn.PoissonNLLLoss({ reduction: r }), lpair(i)],
  },
  poisson_full: {
    f: (r, i) => nn.F.poissonNllLoss(i.input, i.target, { logInput: false, full: true, eps: 1e-4, reduction: r }),
    m: (r, i) => [new nn.PoissonNLLLoss({ logInput: false, full: true, eps: 1e-4, reduction: r }), lpair(i)],
  },
  gauss: {
    f: (r, i) => nn.F.gaussianNllLoss(i.input, i.target, i.var, { reduction: r }),
    m: (r, i) => [new nn.GaussianNLLLoss({ reduction: r }), [i.input, i.target, i.var]],
  },
  gauss_homo: {
    f: (r, i) => nn.F.gaussianNllLoss(i.input, i.target, i.var, { full: true, eps: 1e-3, reduction: r }),
    m: (r, i) => [new nn.GaussianNLLLoss({ full: true, eps: 1e-3, reduction: r }), [i.input, i.target, i.var]],
  },
  gauss_last1: {
    f: (r, i) => nn.F.gaussianNllLoss(i.input, i.target, i.var, { reduction: r }),
    m: (r, i) => [new nn.GaussianNLLLoss({ reduction: r }), [i.input, i.target, i.var]],
  },
  kl: { f: (r, i) => nn.F.klDiv(i.input, i.target, { reduction: r }), m: (r, i) => [new nn.KLDivLoss({ reduction: r }), lpair(i)] },
  kl_log: {
    f: (r, i) => nn.F.klDiv(i.input, i.target, { reduction: r, logTarget: true }),
    m: (r, i) => [new nn.KLDivLoss({ reduction: r, logTarget: true }), lpair(i)],
  },
  smoothl1: {
    f: (r, i) => nn.F.smoothL1Loss(i.input, i.target, { reduction: r }),
    m: (r, i) => [new nn.SmoothL1Loss({ reduction: r }), lpair(i)],
  },
  smoothl1_b: {
    f: (r, i) => nn.F.smoothL1Loss(i.input, i.target, { reduction: r, beta: 0.5 }),
    m: (r, i) => [new nn.SmoothL1Loss({ reduction: r, beta: 0.5 }), lpair(i)],
  },
  smoothl1_b0: {
    f: (r, i) => nn.F.smoothL1Loss(i.input, i.target, { reduction: r, beta: 0 }),
    m: (r, i) => [new nn.SmoothL1Loss({ reduction: r, beta: 0 }), lpair(i)],
  },
  huber: { f: (r, i) => nn.F.huberLoss(i.input, i.target, { reduction: r }), m: (r, i) => [new nn.HuberLoss({ reduction: r }), lpair(i)] },
  huber_d: {
    f: (r, i) => nn.F.huberLoss(i.input, i.target, { reduction: r, delta: 0.3 }),
    m: (r, i) => [new nn.HuberLoss({ reduction: r, delta: 0.3 }), lpair(i)],
  },
  softmargin: {
    f: (r, i) => nn.F.softMarginLoss(i.input, i.target, { reduction: r }),
    m: (r, i) => [new nn.SoftMarginLoss({ reduction: r }), lpair(i)],
  },
  mlmargin: {
    f: (r, i) => nn.F.multilabelMarginLoss(i.input, i.target, { reduction: r }),
    m: (r, i) => [new nn.MultiLabelMarginLoss({ reduction: r }), lpair(i)],
  },
  mlsoft: {
    f: (r, i) => nn.F.multilabelSoftMarginLoss(i.input, i.target, { reduction: r }),
    m: (r, i) => [new nn.MultiLabelSoftMarginLoss({ reduction: r }), lpair(i)],
  },
  mlsoft_w: {
    f: (r, i) => nn.F.multilabelSoftMarginLoss(i.input, i.target, { weight: i.weight, reduction: r }),
    m: (r, i) => [new nn.MultiLabelSoftMarginLoss({ weight: i.weight, reduction: r }), lpair(i)],
  },
  hinge: {
    f: (r, i) => nn.F.hingeEmbeddingLoss(i.input, i.target, { reduction: r }),
    m: (r, i) => [new nn.HingeEmbeddingLoss({ reduction: r }), lpair(i)],
  },
  hinge_m: {
    f: (r, i) => nn.F.hingeEmbeddingLoss(i.input, i.target, { margin: 0.5, reduction: r }),
    m: (r, i) => [new nn.HingeEmbeddingLoss({ margin: 0.5, reduction: r }), lpair(i)],
  },
  cosemb: {
    f: (r, i) => nn.F.cosineEmbeddingLoss(i.input1, i.input2, i.target, { margin: 0.1, reduction: r }),
    m: (r, i) => [new nn.CosineEmbeddingLoss({ margin: 0.1, reduction: r }), [i.input1, i.input2, i.target]],
  },
  ranking: {
    f: (r, i) => nn.F.marginRankingLoss(i.input1, i.input2, i.target, { margin: 0.2, reduction: r }),
    m: (r, i) => [new nn.MarginRankingLoss({ margin: 0.2, reduction: r }), [i.input1, i.input2, i.target]],
  },
  multimargin: {
    f: (r, i) => nn.F.multiMarginLoss(i.input, i.target, { reduction: r }),
    m: (r, i) => [new nn.MultiMarginLoss({ reduction: r }), lpair(i)],
  },
  multimargin_p2: {
    f: (r, i) => nn.F.multiMarginLoss(i.input, i.target, { p: 2, margin: 0.7, weight: i.weight, reduction: r }),
    m: (r, i) => [new nn.MultiMarginLoss({ p: 2, margin: 0.7, weight: i.weight, reduction: r }), lpair(i)],
  },
  triplet: {
    f: (r, i) => nn.F.tripletMarginLoss(i.anchor, i.positive, i.negative, { reduction: r }),
    m: (r, i) => [new nn.TripletMarginLoss({ reduction: r }), [i.anchor, i.positive, i.negative]],
  },
  triplet_opts: {
    f: (r, i) => nn.F.tripletMarginLoss(i.anchor, i.positive, i.negative, { margin: 2, p: 1, eps: 1e-3, swap: true, reduction: r }),
    m: (r, i) => [new nn.TripletMarginLoss({ margin: 2, p: 1, eps: 1e-3, swap: true, reduction: r }), [i.anchor, i.positive, i.negative]],
  },
  tripletd: {
    f: (r, i) => nn.F.tripletMarginWithDistanceLoss(i.anchor, i.positive, i.negative, { reduction: r }),
    m: (r, i) => [new nn.TripletMarginWithDistanceLoss({ reduction: r }), [i.anchor, i.positive, i.negative]],
  },
  tripletd_cos: {
    f: (r, i) => nn.F.tripletMarginWithDistanceLoss(i.anchor, i.positive, i.negative, { distanceFunction: cosdist, margin: 0.5, swap: true, reduction: r }),
    m: (r, i) => [
      new nn.TripletMarginWithDistanceLoss({ distanceFunction: cosdist, margin: 0.5, swap: true, reduction: r }),
      [i.anchor, i.positive, i.negative],
    ],
  },
  ctc: {
    f: (r, i) => nn.F.ctcLoss(i.log_probs, i.targets, i.input_lengths, i.target_lengths, { reduction: r }),
    m: (r, i) => [new nn.CTCLoss({ reduction: r }), [i.log_probs, i.targets, i.input_lengths, i.target_lengths]],
  },
  ctc_inf: {
    f: (r, i) => nn.F.ctcLoss(i.log_probs, i.targets, i.input_lengths, i.target_lengths, { blank: 0, reduction: r, zeroInfinity: true }),
    m: (r, i) => [new nn.CTCLoss({ blank: 0, reduction: r, zeroInfinity: true }), [i.log_probs, i.targets, i.input_lengths, i.target_lengths]],
  },
  ctc_blank: {
    // Python passes the lengths as tuples here: the IntList overload.
    f: (r, i) =>
      nn.F.ctcLoss(i.log_probs, i.targets, i.input_lengths.toArray() as number[], i.target_lengths.toArray() as number[], { blank: 3, reduction: r }),
    m: (r, i) => [new nn.CTCLoss({ blank: 3, reduction: r }), [i.log_probs, i.targets, i.input_lengths, i.target_lengths]],
  },
};

function runCase(key: string, c: Case, form: 'f' | 'm'): void {
  const [name, red] = key.split(':');
  const spec = specs[name];
  assert.ok(spec, `no spec for ${name}`);
  torch.tidy(() => {
    const ins: Ins = {};
    for (const [k, v] of Object.entries(c.inputs)) ins[k] = fromFixture(v, { requiresGrad: k in c.grads });
    let out: Tensor;
    if (form === 'f') out = spec.f(red as Reduction, ins);
    else {
      const [m, args] = spec.m(red as Reduction, ins);
      out = (m.call as (...a: unknown[]) => Tensor)(...args);
    }
    assertClose(out, c.out, 1e-6, `${key} (${form}) loss`);
    out.sum().backward();
    for (const [k, g] of Object.entries(c.grads)) assertClose(ins[k].grad as Tensor, g, 1e-6, `${key} (${form}) grad ${k}`);
  });
}

test('every loss, each reduction: F form matches PyTorch (loss and input gradients)', () => {
  const keys = Object.keys(py.cases);
  assert.ok(keys.length >= 110, `only ${keys.length} cases`);
  for (const k of keys) runCase(k, py.cases[k], 'f');
});

test('every loss, each reduction: Module form matches PyTorch (loss and input gradients)', () => {
  for (const [k, c] of Object.entries(py.cases)) runCase(k, c, 'm');
});

test('loss modules: buffers as PyTorch registers them, state_dict keys, repr', () => {
  const w = torch.ones([3]);
  const mods: Record<string, nn.Module> = {
    L1Loss: new nn.L1Loss(),
    NLLLoss_w: new nn.NLLLoss({ weight: w }),
    CrossEntropyLoss_w: new nn.CrossEntropyLoss({ weight: w }),
    BCELoss: new nn.BCELoss(),
    BCEWithLogitsLoss_pw: new nn.BCEWithLogitsLoss({ posWeight: w }),
    BCEWithLogitsLoss: new nn.BCEWithLogitsLoss(),
    MultiLabelSoftMarginLoss_w: new nn.MultiLabelSoftMarginLoss({ weight: w }),
    MultiMarginLoss: new nn.MultiMarginLoss(),
    KLDivLoss: new nn.KLDivLoss({ reduction: 'batchmean' }),
    TripletMarginWithDistanceLoss: new nn.TripletMarginWithDistanceLoss(),
    CTCLoss: new nn.CTCLoss(),
    GaussianNLLLoss: new nn.GaussianNLLLoss(),
  };
  for (const [k, m] of Object.entries(mods)) {
    const e = py.modules[k];
    assert.deepEqual(
      [...m._buffers].map(([n, b]) => [n, b !== null]),
      e.buffers,
      `${k} buffers`,
    );
    assert.deepEqual([...m.stateDict().keys()], e.state_dict, `${k} state_dict`);
    assert.equal(m.toString(), e.repr, `${k} repr`);
  }
  // A Module given as the distance function is a registered submodule, as PyTorch's attribute.
  class Cos extends nn.Module {
    override forward(a: Tensor, b: Tensor): Tensor {
      return cosdist(a, b);
    }
  }
  const t = new nn.TripletMarginWithDistanceLoss({ distanceFunction: new Cos() });
  assert.equal(t.toString(), 'TripletMarginWithDistanceLoss(\n  (distance_function): Cos()\n)');
  const [a, p, n] = [torch.randn([2, 3]), torch.randn([2, 3]), torch.randn([2, 3])];
  assertClose(t.call(a, p, n), nn.F.tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: cosdist }).toArray() as number, 1e-6);
});

test('loss errors name the function and argument', () => {
  const x = torch.randn([3, 4]);
  const y = torch.randn([3, 4]);
  const cls = torch.tensor([1, 0, 3]);
  assert.throws(() => new nn.SmoothL1Loss({ reduction: 'avg' as Reduction }), {
    message: "SmoothL1Loss: expected 'none', 'mean' or 'sum' for reduction but received 'avg' of type string",
  });
  assert.throws(() => nn.F.klDiv(x, y, { reduction: 'batch' as Reduction }), {
    message: "klDiv: expected 'none', 'mean' or 'sum' for reduction but received 'batch' of type string",
  });
  assert.throws(() => new nn.MultiMarginLoss({ p: 3 as 1 }), { message: 'MultiMarginLoss: only p == 1 and p == 2 supported (got p = 3)' });
  assert.throws(() => nn.F.multiMarginLoss(x, cls, { weight: torch.ones([2, 2]) }), {
    message: 'multiMarginLoss: weight must be one-dimensional (got [2, 2])',
  });
  assert.throws(() => nn.F.gaussianNllLoss(x, y, torch.ones([2])), { message: 'gaussianNllLoss: var is of incorrect size ([2] for input [3, 4])' });
  assert.throws(() => nn.F.gaussianNllLoss(x, y, torch.full([3, 4], -1)), { message: 'gaussianNllLoss: var has negative entry/entries' });
  assert.throws(() => nn.F.marginRankingLoss(torch.ones([3]), torch.ones([3]), torch.ones([3, 1])), {
    message: 'marginRankingLoss: All input tensors should have same dimension but got sizes: input1: [3], input2: [3], target: [3, 1]',
  });
  assert.throws(() => nn.F.huberLoss(x, 2 as unknown as Tensor), { message: 'huberLoss: expected Tensor for target but received 2 of type number' });
  assert.throws(() => nn.F.poissonNllLoss(x, y, { logInput: 1 as unknown as boolean }), {
    message: 'poissonNllLoss: Expected boolean for logInput but received 1 of type number',
  });
  assert.throws(() => new nn.TripletMarginWithDistanceLoss({ distanceFunction: 3 as unknown as nn.Module }), {
    message: 'TripletMarginWithDistanceLoss: Expected a function (x1, x2) => Tensor or a Module for distanceFunction but received 3 of type number',
  });
  assert.throws(() => nn.F.tripletMarginWithDistanceLoss(x, y, y, { distanceFunction: () => 1 as unknown as Tensor }), {
    message: 'tripletMarginWithDistanceLoss: distanceFunction returned 1 of type number instead of a Tensor',
  });
  assert.throws(() => nn.F.ctcLoss(x.view(3, 1, 4), torch.tensor([[1]]), [3], torch.tensor([1])), {
    message: 'ctcLoss: inputLengths and targetLengths must both be Tensors or both be arrays of integers',
  });
  assert.throws(() => nn.F.ctcLoss(x.view(3, 1, 4), torch.tensor([[1]]), [3.5], [1]), {
    message: 'ctcLoss: Expected integer for inputLengths[0] but received 3.5 of type number',
  });
  // LibTorch's own checks come back prefixed with the function's name.
  assert.throws(() => nn.F.multilabelMarginLoss(x, torch.zeros([2, 4], { dtype: 'int64' })), /^TorchError: multilabelMarginLoss: /);
  assert.throws(() => nn.F.cosineEmbeddingLoss(x, y, torch.ones([5])), /^TorchError: cosineEmbeddingLoss: /);
});
