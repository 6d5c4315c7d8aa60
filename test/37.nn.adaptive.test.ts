/**
 * nn.AdaptiveLogSoftmaxWithLoss against live PyTorch 1.13 (tools/golden/nn_adaptive.py):
 * seeded init state_dict (keys and exact values), repr, forward output and loss, gradients of the
 * loss w.r.t. parameters and input, logProb with its gradients, predict's three branches,
 * unbatched input, float64, and the constructor's and forward's error messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { dec, assertClose, assertStateDict, type Enc } from './30.nn.helpers.js';
import { pythonRunsOurLibTorch, runGoldenLive } from './helpers.js';

interface Case {
  args: [number, number, number[]];
  kw: { div_value?: number; head_bias?: boolean; dtype?: string };
  repr: string;
  init: Record<string, Enc>;
  state: Record<string, Enc>;
  input: Enc;
  target: Enc;
  output: Enc;
  loss: Enc;
  input_grad: Enc;
  param_grads: Record<string, Enc | null>;
  log_prob?: Enc;
  log_prob_input_grad?: Enc;
  log_prob_param_grads?: Record<string, Enc>;
  predict?: Enc;
  not_in_shortlist?: number;
}
interface Golden {
  cases: Record<string, Case>;
  errors: Record<string, string | null>;
}

const skip = pythonRunsOurLibTorch() ? false : '/usr/bin/python3 with torch 1.13 (the LibTorch torchnode runs) is not available';
let cached: Golden | null = null;
function golden(): Golden {
  cached ??= runGoldenLive<Golden>('nn_adaptive.py');
  return cached;
}

function build(c: Case): nn.AdaptiveLogSoftmaxWithLoss {
  torch.manualSeed(0);
  const opts: nn.AdaptiveLogSoftmaxWithLossOptions = {};
  if (c.kw.div_value !== undefined) opts.divValue = c.kw.div_value;
  if (c.kw.head_bias !== undefined) opts.headBias = c.kw.head_bias;
  if (c.kw.dtype !== undefined) opts.dtype = c.kw.dtype as torch.DType;
  return new nn.AdaptiveLogSoftmaxWithLoss(c.args[0], c.args[1], c.args[2], opts);
}

const CASES = [
  'default',
  'div2_headbias',
  'one_row_cluster',
  'shortlist_only',
  'three_clusters_f64',
  'unbatched',
  'unbatched_head',
  'predict_all_shortlist',
  'predict_all_tail',
  'predict_mixed',
];

for (const name of CASES) {
  test(`AdaptiveLogSoftmaxWithLoss ${name}: init, forward, loss, gradients, logProb, predict as PyTorch`, { skip }, () => {
    const c = golden().cases[name];
    assert.ok(c, `golden case ${name}`);
    const m = build(c);
    assert.equal(m.toString(), c.repr);
    assertStateDict(m.stateDict(), c.init, `${name} init`, 0);
    const state = new Map<string, Tensor>(Object.entries(c.state).map(([k, v]) => [k, dec(v)]));
    m.loadStateDict(state);
    const tol = c.kw.dtype === 'float64' ? 1e-12 : 1e-6;

    const x = dec(c.input).requiresGrad_(true);
    const target = dec(c.target);
    const r = m.call(x, target);
    assert.ok(r instanceof nn.ASMOutput);
    const [output, loss] = r;
    assert.equal(output, r.output);
    assert.equal(loss, r.loss);
    assertClose(r.output, c.output, `${name} output`, tol);
    assertClose(r.loss, c.loss, `${name} loss`, tol);
    r.loss.backward();
    assertClose(x.grad as Tensor, c.input_grad, `${name} input grad`, tol);
    const params = new Map(m.namedParameters());
    assert.deepEqual([...params.keys()], Object.keys(c.param_grads), `${name} parameter names`);
    for (const [k, g] of Object.entries(c.param_grads)) {
      const p = params.get(k) as Tensor;
      if (g === null) assert.equal(p.grad, null, `${name} ${k}.grad is None in PyTorch`);
      else assertClose(p.grad as Tensor, g, `${name} ${k}.grad`, tol);
    }

    if (c.log_prob) {
      m.zeroGrad({ setToNone: false });
      const xl = dec(c.input).requiresGrad_(true);
      const lp = m.logProb(xl);
      assertClose(lp, c.log_prob, `${name} logProb`, tol);
      const w = torch.linspace(-1, 1, lp.numel(), { dtype: lp.dtype }).reshape(lp.shape);
      lp.mul(w).sum().backward();
      assertClose(xl.grad as Tensor, c.log_prob_input_grad as Enc, `${name} logProb input grad`, tol);
      for (const [k, g] of Object.entries(c.log_prob_param_grads as Record<string, Enc>)) {
        assertClose(params.get(k)?.grad as Tensor, g, `${name} logProb ${k}.grad`, tol);
      }
      const pred = m.predict(dec(c.input));
      assertClose(pred, c.predict as Enc, `${name} predict`, 0, 0);
      // predict is logProb's argmax, whichever branch it took.
      assertClose(pred, m.logProb(dec(c.input)).argmax(1), `${name} predict = logProb.argmax`, 0, 0);
    }
  });
}

test('AdaptiveLogSoftmaxWithLoss: the predict cases cover all three of its branches', { skip }, () => {
  const g = golden().cases;
  assert.equal(g.predict_all_shortlist.not_in_shortlist, 0);
  assert.equal(g.predict_all_tail.not_in_shortlist, 12);
  const mixed = g.predict_mixed.not_in_shortlist as number;
  assert.ok(mixed > 0 && mixed < 12, `mixed branch: ${mixed} of 12 outside the shortlist`);
});

const CTOR_ERRORS: [string, number[]][] = [
  ['unsorted', [6, 3]],
  ['duplicate', [3, 3]],
  ['zero', [0, 3]],
  ['too_big', [3, 10]],
  ['non_int', [2.5, 6]],
  ['negative', [-1, 3]],
];
test("AdaptiveLogSoftmaxWithLoss: bad cutoffs give PyTorch's ValueError message, naming the class", { skip }, () => {
  const E = golden().errors;
  for (const [name, cutoffs] of CTOR_ERRORS) {
    const py = E[name] as string;
    assert.ok(py?.startsWith('ValueError: '), `${name}: PyTorch raised ${py}`);
    assert.throws(
      () => new nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs),
      (e: Error) => e instanceof RangeError && e.message === `AdaptiveLogSoftmaxWithLoss: ${py.slice('ValueError: '.length)}`,
      name,
    );
  }
});

test("AdaptiveLogSoftmaxWithLoss: bad input/target shapes and target values give PyTorch's messages", { skip }, () => {
  const E = golden().errors;
  torch.manualSeed(0);
  const m = new nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], { divValue: 2 });
  const long = (v: number[] | number[][] | number) => torch.tensor(v as number[]).to('int64');
  const cases: [string, Tensor, Tensor][] = [
    ['batch_mismatch', torch.randn([3, 8]), long([0, 1])],
    ['target1d_input3d', torch.randn([2, 1, 8]), long([0, 1])],
    ['target0d_input2d', torch.randn([2, 8]), long(1)],
    ['target2d', torch.randn([2, 8]), long([[0, 1]])],
    ['target_too_big', torch.randn([3, 8]), long([0, 10, 4])],
    ['target_negative', torch.randn([3, 8]), long([-1, 2, 4])],
  ];
  for (const [name, x, t] of cases) {
    const py = E[name] as string;
    assert.ok(py?.startsWith('RuntimeError: '), `${name}: PyTorch raised ${py}`);
    assert.throws(
      () => m.call(x, t),
      // Forward errors start with the module's path, as every torchnode module's do.
      { message: `adaptivelogsoftmaxwithloss: ${py.slice('RuntimeError: '.length)}` },
      name,
    );
  }
});

test('AdaptiveLogSoftmaxWithLoss: argument checks name the class and the argument', () => {
  assert.throws(() => new nn.AdaptiveLogSoftmaxWithLoss(8, 10, []), /^RangeError: AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence/);
  assert.throws(() => new nn.AdaptiveLogSoftmaxWithLoss(8, 10, 3 as unknown as number[]), /^TypeError: AdaptiveLogSoftmaxWithLoss: cutoffs should be/);
  assert.throws(
    () => new nn.AdaptiveLogSoftmaxWithLoss(-1, 10, [3]),
    /AdaptiveLogSoftmaxWithLoss: Expected non-negative integer for inFeatures but received -1/,
  );
  assert.throws(
    () => new nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3], { headBias: 1 as unknown as boolean }),
    /AdaptiveLogSoftmaxWithLoss: Expected .* for headBias/,
  );
  assert.throws(
    () => new nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3], { divValue: 'x' as unknown as number }),
    /AdaptiveLogSoftmaxWithLoss: Expected .* for divValue/,
  );
  assert.throws(() => new nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3], { bias: true } as never), /AdaptiveLogSoftmaxWithLoss/);
  const m = new nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3]);
  assert.throws(() => m.call(torch.randn([2, 8]), [0, 1] as unknown as Tensor), /^TypeError: adaptivelogsoftmaxwithloss: expected Tensor for input/);
  // Python keeps cutoffs + [n_classes] and the derived sizes as attributes.
  assert.deepEqual(m.cutoffs, [3, 10]);
  assert.deepEqual([m.shortlistSize, m.nClusters, m.headSize], [3, 1, 4]);
});
