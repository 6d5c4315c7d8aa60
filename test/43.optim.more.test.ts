/**
 * torch.optim beyond test/40: Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop, SparseAdam and LBFGS
 * (TS over ATen ops), `maximize` on the LibTorch-backed five, the Optimizer base class, state
 * dicts (round trip and PyTorch's own, via torch.save/torch.load), and argument errors.
 * Goldens come from PyTorch 1.13 run live (tools/golden/optim_more.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { optim, nn, type Tensor } from '../lib/index.js';
import { runGoldenLive, skipUnlessPython113 } from './helpers.js';

type Step = { loss: number; weight: number[][]; bias?: number[]; evals?: number };
type EncState = Record<string, Record<string, unknown>>;
interface Golden {
  init: { weight: number[][]; bias: number[]; x: number[][]; y: number[][]; emb: number[][]; idx: number[][] };
  steps: number;
  cases: {
    name: string;
    cls: string;
    kwargs: Record<string, unknown>;
    trajectory: Step[];
    state: EncState;
    param_groups: Record<string, unknown>[];
    saved_half: string;
  }[];
  groups: { trajectory: Step[]; param_groups: Record<string, unknown>[] };
  sparse: { name: string; kwargs: Record<string, unknown>; trajectory: Step[]; state: EncState }[];
  lbfgs: { name: string; kwargs: Record<string, unknown>; trajectory: Step[]; evals: number[]; state: EncState; param_groups: Record<string, unknown>[] }[];
}

// PyTorch 1.13 is the reference (reprs, messages, optimizer state keys); another release of
// Python's torch (2.x in tools/matrix.sh's roots) words and keys things its own way.
const reference = skipUnlessPython113();
if (reference) {
  test('golden cases against PyTorch 1.13', { skip: reference }, () => {});
} else {
  const G = runGoldenLive<Golden>('optim_more.py');
  const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  const X = torch.keep(torch.tensor(G.init.x));
  const Y = torch.keep(torch.tensor(G.init.y));

  /** Max |a - e| / max(1, |e|) over a tensor; the tests require ≤ 1e-6 and report exactness. */
  function relErr(actual: Tensor, expected: unknown): number {
    const a = Array.from(actual.detach().flatten().dataSync() as Float32Array);
    const e = [expected].flat(3) as number[];
    assert.equal(a.length, e.length, 'length');
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - e[i]) / Math.max(1, Math.abs(e[i])));
    return m;
  }
  function assertClose(actual: Tensor, expected: unknown, what: string, tol = 1e-6): void {
    const err = relErr(actual, expected);
    assert.ok(err <= tol, `${what}: relative error ${err} vs PyTorch`);
  }

  function model() {
    return {
      w: torch.keep(torch.tensor(G.init.weight).requiresGrad_(true)),
      b: torch.keep(torch.tensor(G.init.bias).requiresGrad_(true)),
    };
  }

  function options(kw: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(kw).map(([k, v]) => [camel(k), v]));
  }
  function make(cls: string, params: unknown, kw: Record<string, unknown>): optim.Optimizer<object> {
    const C = (optim as unknown as Record<string, new (p: unknown, o: unknown) => optim.Optimizer<object>>)[cls];
    return new C(params, options(kw));
  }

  function train(opt: optim.Optimizer<object>, w: Tensor, b: Tensor, traj: Step[], what: string): number {
    let worst = 0;
    traj.forEach((exp, i) => {
      torch.tidy(() => {
        opt.zeroGrad();
        const loss = nn.functional.mseLoss(nn.functional.linear(X, w, b), Y);
        loss.backward();
        opt.step();
        assert.ok(Math.abs(loss.item() - exp.loss) <= 1e-6 * Math.max(1, Math.abs(exp.loss)), `${what} step ${i}: loss ${loss.item()} vs ${exp.loss}`);
      });
      worst = Math.max(worst, relErr(w, exp.weight), relErr(b, exp.bias));
      assertClose(w, exp.weight, `${what} step ${i} weight`);
      assertClose(b, exp.bias!, `${what} step ${i} bias`);
    });
    return worst;
  }

  /** Compares stateDict() to PyTorch's state_dict(): same indices, keys, kinds and values. */
  function checkState(sd: optim.OptimizerStateDict, py: EncState, what: string): void {
    assert.deepEqual(Object.keys(sd.state).sort(), Object.keys(py).sort(), `${what}: state indices`);
    const cmp = (mine: unknown, exp: unknown, where: string): void => {
      if (exp === null) assert.equal(mine, null, where);
      else if (Array.isArray(exp)) {
        assert.ok(Array.isArray(mine), `${where}: array`);
        assert.equal((mine as unknown[]).length, exp.length, `${where}: length`);
        exp.forEach((x, i) => cmp((mine as unknown[])[i], x, `${where}[${i}]`));
      } else if (typeof exp === 'object' && exp !== null && 'tensor' in exp) {
        assert.ok(mine instanceof torch.Tensor, `${where}: a Tensor as in PyTorch`);
        assert.deepEqual((mine as Tensor).shape, (exp as unknown as { shape: number[] }).shape, `${where}: shape`);
        assertClose(mine as Tensor, (exp as { tensor: unknown }).tensor, where);
      } else if (typeof exp === 'number') {
        assert.equal(typeof mine, 'number', `${where}: a number as in PyTorch`);
        assert.ok(Math.abs((mine as number) - exp) <= 1e-6 * Math.max(1, Math.abs(exp)), `${where}: ${mine} vs ${exp}`);
      } else assert.deepEqual(mine, exp, where);
    };
    for (const [i, s] of Object.entries(py)) {
      const mine = sd.state[Number(i)];
      assert.deepEqual(Object.keys(mine).sort(), Object.keys(s).sort(), `${what}: state[${i}] keys`);
      for (const [k, v] of Object.entries(s)) cmp(mine[k], v, `${what}: state[${i}].${k}`);
    }
  }

  function checkGroups(sd: optim.OptimizerStateDict, py: Record<string, unknown>[], what: string): void {
    const skip = ['foreach', 'capturable', 'differentiable', 'fused'];
    py.forEach((pg, gi) => {
      const mine = { ...sd.param_groups[gi] };
      const exp = Object.fromEntries(Object.entries(pg).filter(([k]) => !skip.includes(k)));
      assert.deepEqual(Object.keys(mine).sort(), Object.keys(exp).sort(), `${what}: param_groups[${gi}] keys`);
      assert.deepEqual(mine, exp, `${what}: param_groups[${gi}]`);
    });
  }

  const exact: string[] = [];
  const ran: string[] = [];
  for (const c of G.cases) {
    test(`${c.cls} ${c.name}: ${G.steps} steps equal PyTorch's, state_dict as PyTorch's`, () => {
      const { w, b } = model();
      const opt = make(c.cls, [w, b], c.kwargs);
      if (train(opt, w, b, c.trajectory, c.name) === 0) exact.push(c.name);
      ran.push(c.name);
      const sd = opt.stateDict();
      checkGroups(sd, c.param_groups, c.name);
      checkState(sd, c.state, c.name);
    });

    test(`${c.cls} ${c.name}: stateDict / loadStateDict round trip continues the same trajectory`, () => {
      const { w, b } = model();
      const half = c.trajectory.length / 2;
      const opt = make(c.cls, [w, b], c.kwargs);
      train(opt, w, b, c.trajectory.slice(0, half), `${c.name} first half`);
      const sd = opt.stateDict();
      // A fresh optimizer (other options): loading restores options and state.
      const opt2 = make(c.cls, [w, b], c.cls === 'SGD' ? { lr: 0.5 } : {});
      opt2.loadStateDict(sd);
      opt.dispose();
      train(opt2, w, b, c.trajectory.slice(half), `${c.name} after loadStateDict`);
    });

    test(`${c.cls} ${c.name}: PyTorch's own state_dict (torch.save in Python, torch.load here) continues PyTorch's trajectory`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'optim-more-'));
      try {
        const p = join(dir, 'opt.pt');
        writeFileSync(p, Buffer.from(c.saved_half, 'base64'));
        const half = c.trajectory.length / 2;
        const w = torch.keep(torch.tensor(c.trajectory[half - 1].weight).requiresGrad_(true));
        const b = torch.keep(torch.tensor(c.trajectory[half - 1].bias!).requiresGrad_(true));
        const opt = make(c.cls, [w, b], c.cls === 'SGD' ? { lr: 0.5 } : {});
        opt.loadStateDict(torch.load(p) as optim.OptimizerStateDict);
        train(opt, w, b, c.trajectory.slice(half), `${c.name} from PyTorch's state_dict`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('the TS optimizers are bit-exact with PyTorch on every step (same ATen ops, C pow for bias corrections)', () => {
    const ts = G.cases.filter((c) => !['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad'].includes(c.cls) && ran.includes(c.name)).map((c) => c.name);
    assert.deepEqual(
      ts.filter((n) => !exact.includes(n)),
      [],
      'cases not bit-exact',
    );
  });

  test('param groups with their own lr (NAdam) match PyTorch', () => {
    const { w, b } = model();
    const opt = new optim.NAdam([{ params: [w] }, { params: [b], lr: 0.01 }], { lr: 0.02 });
    assert.equal(opt.paramGroups[1].lr, 0.01);
    assert.equal(opt.paramGroups[1].momentumDecay, 4e-3);
    train(opt, w, b, G.groups.trajectory, 'groups');
    checkGroups(opt.stateDict(), G.groups.param_groups, 'groups');
  });

  for (const c of G.sparse) {
    test(`SparseAdam ${c.name}: sparse embedding gradients, ${G.steps} steps equal PyTorch's`, () => {
      const e = torch.keep(torch.tensor(G.init.emb).requiresGrad_(true));
      const opt = new optim.SparseAdam([e], options(c.kwargs));
      c.trajectory.forEach((exp, i) => {
        torch.tidy(() => {
          opt.zeroGrad();
          const idx = torch.tensor(G.init.idx[i % G.init.idx.length], { dtype: 'int64' });
          const emb = nn.functional.embedding(idx, e, { sparse: true });
          const loss = emb
            .pow(2)
            .sum()
            .mul(0.1)
            .add(nn.functional.embedding(idx, e, { sparse: true }).select(1, 0).sum());
          loss.backward();
          assert.ok(e.grad!.isSparse);
          opt.step();
          assert.ok(Math.abs(loss.item() - exp.loss) <= 1e-6 * Math.max(1, Math.abs(exp.loss)), `${c.name} step ${i} loss`);
        });
        assertClose(e, exp.weight, `${c.name} step ${i}`, 0);
      });
      checkState(opt.stateDict(), c.state, c.name);
      // Dense gradients are refused, as PyTorch does.
      torch.tidy(() => e.sum().backward());
      assert.throws(() => opt.step(), { message: 'SparseAdam does not support dense gradients, please consider Adam instead' });
    });
  }

  for (const c of G.lbfgs) {
    test(`LBFGS ${c.name}: steps, closure evaluations and state equal PyTorch's`, () => {
      const { w, b } = model();
      const opt = new optim.LBFGS([w, b], options(c.kwargs));
      const evals: number[] = [];
      const closure = () => {
        opt.zeroGrad();
        const loss = nn.functional.mseLoss(nn.functional.linear(X, w, b), Y).add(w.pow(4).sum().mul(0.01));
        loss.backward();
        evals.push(loss.item());
        return loss;
      };
      c.trajectory.forEach((exp, i) => {
        const loss = torch.tidy(() => (opt.step(closure) as Tensor).item());
        assert.ok(Math.abs(loss - exp.loss) <= 1e-6 * Math.max(1, Math.abs(exp.loss)), `${c.name} step ${i}: loss ${loss} vs ${exp.loss}`);
        assert.equal(evals.length, exp.evals, `${c.name} step ${i}: closure evaluations`);
        assertClose(w, exp.weight, `${c.name} step ${i} weight`);
        assertClose(b, exp.bias!, `${c.name} step ${i} bias`);
      });
      evals.forEach((v, i) => assert.ok(Math.abs(v - c.evals[i]) <= 1e-6 * Math.max(1, Math.abs(c.evals[i])), `${c.name} evaluation ${i}`));
      const sd = opt.stateDict();
      checkGroups(sd, c.param_groups, c.name);
      checkState(sd, c.state, c.name);
      assert.throws(() => opt.step(), { message: 'LBFGS.step: Expected a function for closure but received undefined' });
    });
  }

  test('Optimizer subclassed in TS: groups, defaults, state Map, stateDict/loadStateDict, zeroGrad, schedulers accept it', () => {
    class Momentum extends optim.Optimizer<{ lr: number; momentum: number }> {
      constructor(params: optim.Params, lr: number, momentum = 0.9) {
        super(params, { lr, momentum });
      }
      step(closure?: () => Tensor | number) {
        const loss = closure ? torch.enableGrad(closure) : undefined;
        torch.noGrad(() => {
          for (const g of this.paramGroups) {
            for (const p of g.params) {
              const grad = p.grad;
              if (grad === null) continue;
              let s = this.state.get(p);
              if (s === undefined) {
                s = { buf: grad.clone() };
                this.state.set(p, s);
              } else (s.buf as Tensor).mul_(g.momentum).add_(grad);
              p.add_(s.buf as Tensor, { alpha: -g.lr });
            }
          }
        });
        return loss;
      }
    }
    const { w, b } = model();
    const opt = new Momentum([{ params: [w] }, { params: [b], lr: 0.05, extra: 'kept' }], 0.1);
    assert.deepEqual(opt.defaults, { lr: 0.1, momentum: 0.9 });
    assert.equal(opt.paramGroups[1].lr, 0.05);
    assert.equal(opt.paramGroups[1].momentum, 0.9);
    assert.equal(opt.paramGroups[1].extra, 'kept');
    const sched = new optim.lrScheduler.StepLR(opt, 2, { gamma: 0.5 });
    for (let i = 0; i < 3; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        nn.functional.mseLoss(nn.functional.linear(X, w, b), Y).backward();
        opt.step();
      });
      sched.step();
    }
    // State tensors made inside the caller's tidy() survive it.
    assert.equal(opt.state.size, 2);
    assert.ok(!(opt.state.get(w)!.buf as Tensor).isDisposed);
    assert.equal(opt.paramGroups[0].lr, 0.05);
    const sd = opt.stateDict();
    assert.deepEqual(sd.param_groups[1], { lr: 0.025, momentum: 0.9, extra: 'kept', initial_lr: 0.05, params: [1] });
    assert.deepEqual(Object.keys(sd.state), ['0', '1']);
    assert.ok(sd.state[0].buf instanceof torch.Tensor);
    const opt2 = new Momentum([{ params: [w] }, { params: [b] }], 1);
    opt2.loadStateDict(sd);
    assert.equal(opt2.paramGroups[1].lr, 0.025);
    assert.deepEqual(
      Array.from((opt2.state.get(b)!.buf as Tensor).dataSync() as Float32Array),
      Array.from((opt.state.get(b)!.buf as Tensor).dataSync() as Float32Array),
    );
    assert.notEqual(opt2.state.get(b)!.buf, opt.state.get(b)!.buf, 'loaded state is a copy');
    opt2.zeroGrad({ setToNone: false });
    assert.deepEqual(Array.from(w.grad!.dataSync() as Float32Array), new Array(12).fill(0));
    opt2.zeroGrad();
    assert.equal(w.grad, null);
    assert.match(String(opt2), /^Momentum \(\nParameter Group 0\n {4}initialLr: 0\.1\n {4}lr: 0\.05\n {4}momentum: 0\.9\nParameter Group 1\n {4}extra: kept\n/);
    assert.throws(() => new Momentum([w], 0.1).addParamGroup({ params: [w] }), {
      message: 'Momentum: some parameters appear in more than one parameter group',
    });
    class Req extends optim.Optimizer<{ lr: unknown }> {
      constructor(params: optim.ParamGroupInput[]) {
        super(params, { lr: optim.required });
      }
      step() {
        return undefined;
      }
    }
    assert.throws(() => new Req([{ params: [w] }]), { message: "Req: parameter group didn't specify a value of required optimization parameter lr" });
    assert.equal(new Req([{ params: [w], lr: 1 }]).paramGroups[0].lr, 1);
  });

  test('native optimizers: state is a live Map view; maximize is a group option', () => {
    const { w, b } = model();
    const opt = new optim.Adam([w, b], { lr: 0.01 });
    assert.equal(opt.state.size, 0);
    torch.tidy(() => {
      nn.functional.mseLoss(nn.functional.linear(X, w, b), Y).backward();
      opt.step();
    });
    assert.equal(opt.state.size, 2);
    const s = opt.state.get(w)!;
    assert.deepEqual(Object.keys(s).sort(), ['expAvg', 'expAvgSq', 'step']);
    assert.equal((s.step as Tensor).item(), 1);
    assert.deepEqual((s.expAvg as Tensor).shape, [3, 4]);
    assert.equal(opt.paramGroups[0].maximize, false);
    opt.paramGroups[0].maximize = true;
    assert.equal(opt.stateDict().param_groups[0].maximize, true);
    assert.throws(
      () => {
        (opt.paramGroups[0] as { maximize: unknown }).maximize = 1;
      },
      { message: 'Adam: Expected boolean for paramGroups[0].maximize but received 1 of type number' },
    );
    assert.ok(opt instanceof optim.Optimizer);
  });

  test('argument errors name the class and the option', () => {
    const { w } = model();
    const cases: [() => unknown, string][] = [
      [() => new optim.Adadelta([w], { lr: -1 }), 'Adadelta: Expected non-negative number for lr but received -1 of type number'],
      [() => new optim.Adadelta([w], { rho: 1.5 }), 'Adadelta: Expected number in [0, 1] for rho but received 1.5 of type number'],
      [() => new optim.Adamax([w], { betas: [0.9, 1] }), 'Adamax: Expected number in [0, 1) for betas[1] but received 1 of type number'],
      [() => new optim.Adamax([w], { eps: -1e-8 }), 'Adamax: Expected non-negative number for eps but received -1e-8 of type number'],
      [() => new optim.NAdam([w], { momentumDecay: -0.1 }), 'NAdam: Expected non-negative number for momentumDecay but received -0.1 of type number'],
      [
        () => new optim.NAdam([w], { maximize: true } as never),
        "NAdam: unknown option 'maximize' (expected one of lr, betas, eps, weightDecay, momentumDecay)",
      ],
      [() => new optim.RAdam([w], { weightDecay: -1 }), 'RAdam: Expected non-negative number for weightDecay but received -1 of type number'],
      [() => new optim.ASGD([w], { lr: -0.1 }), 'ASGD: Expected non-negative number for lr but received -0.1 of type number'],
      [() => new optim.ASGD([w], { t0: 'x' as never }), "ASGD: Expected number for t0 but received 'x' of type string"],
      [() => new optim.Rprop([w], { etas: [1.2, 0.5] }), 'Rprop: Expected 0 < etas[0] < 1 < etas[1] for etas but received [1.2, 0.5]'],
      [() => new optim.Rprop([w], { stepSizes: [1] as never }), 'Rprop: Expected an array of 2 numbers for stepSizes but received an array of length 1'],
      [() => new optim.SparseAdam([w], { lr: 0 }), 'SparseAdam: Expected positive number for lr but received 0 of type number'],
      [
        () => new optim.LBFGS([w], { lineSearchFn: 'armijo' as never }),
        "LBFGS: Expected null or 'strong_wolfe' for lineSearchFn but received 'armijo' of type string",
      ],
      [() => new optim.LBFGS([w], { historySize: 0 }), 'LBFGS: Expected positive integer for historySize but received 0 of type number'],
      [
        () => new optim.LBFGS([{ params: [w] }, { params: [torch.keep(torch.zeros([1]).requiresGrad_(true))] }]),
        "LBFGS: LBFGS doesn't support per-parameter options (parameter groups)",
      ],
      [() => new optim.SGD([w], { lr: 0.1, maximize: 'yes' as never }), "SGD: Expected boolean for maximize but received 'yes' of type string"],
      [() => new optim.Adadelta([w], { lR: 1 } as never), "Adadelta: unknown option 'lR' (expected one of lr, rho, eps, weightDecay, maximize)"],
      [() => new optim.Adadelta([{ params: [w], rho: 2 }]), 'Adadelta: Expected number in [0, 1] for rho but received 2 of type number'],
      [
        () => new optim.Adamax(new Set([w])),
        'Adamax: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.',
      ],
      [() => new optim.RAdam([]), 'RAdam: optimizer got an empty parameter list'],
    ];
    for (const [f, message] of cases) assert.throws(f, { message });
    const sparse = torch.keep(torch.zeros([2, 2]).toSparse());
    assert.throws(() => new optim.SparseAdam([w, sparse]), {
      message: 'SparseAdam: Sparse params at indices [1]: SparseAdam requires dense parameter tensors',
    });
    const e = torch.keep(torch.zeros([3]).requiresGrad_(true));
    const opt = new optim.Adadelta([e]);
    torch.tidy(() =>
      nn.functional
        .embedding(torch.tensor([0], { dtype: 'int64' }), e.view(3, 1), { sparse: false })
        .sum()
        .backward(),
    );
    assert.doesNotThrow(() => opt.step());
    assert.throws(() => opt.loadStateDict({ state: {}, param_groups: [] }), {
      message: 'Adadelta.loadStateDict: loaded state dict has a different number of parameter groups',
    });
  });
}
