/**
 * Every PyTorch 1.13 lr scheduler: lr (and momentum) sequences over 40 epochs equal PyTorch's
 * (to 1e-12), chained and sequential ones included, closed forms via step(epoch), fractional
 * epochs for CosineAnnealingWarmRestarts, state dicts (keys and resuming), custom optimizers and
 * argument errors. Goldens from PyTorch run live (tools/golden/optim_more.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { optim } from '../lib/index.js';
import { runGoldenLive, skipUnlessPython113 } from './helpers.js';

interface Rec {
  lr: number[][];
  momentum: number[][];
  last_lr: number[][];
  last_epoch: number | null;
  state_keys?: string[];
}
interface Golden {
  epochs: number;
  schedulers: Record<string, Rec>;
  warm_fractional: Rec;
  closed: Record<string, Rec>;
}
// PyTorch 1.13 is the reference (reprs, messages, optimizer state keys); another release of
// Python's torch (2.x in tools/matrix.sh's roots) words and keys things its own way.
const reference = skipUnlessPython113();
if (reference) {
  test('golden cases against PyTorch 1.13', { skip: reference }, () => {});
} else {
  const G = runGoldenLive<Golden>('optim_more.py');
  const S = optim.lrScheduler;
  type Sched = optim.lrScheduler.LRScheduler;

  function makeOpt(kind: 'SGD' | 'Adam', lrs: number[], momentum = 0): optim.Optimizer<object> {
    const groups = lrs.map((lr) => ({ params: [torch.keep(torch.zeros([1]).requiresGrad_(true))], lr }));
    return kind === 'SGD' ? new optim.SGD(groups, { lr: lrs[0], momentum }) : new optim.Adam(groups, { lr: lrs[0] });
  }

  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

  function check(name: string, exp: Rec, opt: optim.Optimizer<object>, sched: Sched, epochs: number, epochArg?: (e: number) => number): void {
    const lrNow = () => opt.paramGroups.map((g) => g.lr as number);
    const momNow = () =>
      opt.paramGroups.map((g) => {
        const gg = g as { momentum?: number; betas?: number[] };
        return gg.momentum !== undefined ? gg.momentum : gg.betas![0];
      });
    for (let e = 0; e <= epochs; e++) {
      if (e > 0) {
        opt.step();
        if (epochArg) sched.step(epochArg(e));
        else sched.step();
      }
      lrNow().forEach((lr, i) => assert.ok(close(lr, exp.lr[e][i]), `${name} epoch ${e} group ${i}: lr ${lr} vs PyTorch ${exp.lr[e][i]}`));
      momNow().forEach((m, i) => assert.ok(close(m, exp.momentum[e][i]), `${name} epoch ${e} group ${i}: momentum ${m} vs PyTorch ${exp.momentum[e][i]}`));
      sched.getLastLr().forEach((lr, i) => assert.ok(close(lr, exp.last_lr[e][i]), `${name} epoch ${e} group ${i}: getLastLr ${lr} vs ${exp.last_lr[e][i]}`));
    }
    if (exp.last_epoch !== null) assert.equal(sched.lastEpoch, exp.last_epoch, `${name}: lastEpoch`);
  }

  /** The TS twin of optim_more.py's make(). */
  function make(name: string, opt: optim.Optimizer<object>): Sched {
    switch (name) {
      case 'MultiplicativeLR':
        return new S.MultiplicativeLR(opt, [() => 0.95, (e) => (e % 3 ? 0.9 : 1.1)]);
      case 'ConstantLR':
        return new S.ConstantLR(opt, { factor: 0.5, totalIters: 4 });
      case 'ConstantLR_default':
        return new S.ConstantLR(opt);
      case 'LinearLR':
        return new S.LinearLR(opt, { startFactor: 0.25, endFactor: 0.9, totalIters: 6 });
      case 'PolynomialLR':
        return new S.PolynomialLR(opt, { totalIters: 12, power: 2.0 });
      case 'PolynomialLR_sqrt':
        return new S.PolynomialLR(opt, { totalIters: 30, power: 0.5 });
      case 'StepLR':
        return new S.StepLR(opt, 4, { gamma: 0.7 });
      case 'MultiStepLR':
        return new S.MultiStepLR(opt, [3, 8, 8, 20], { gamma: 0.6 });
      case 'ExponentialLR':
        return new S.ExponentialLR(opt, 0.93);
      case 'CosineAnnealingLR':
        return new S.CosineAnnealingLR(opt, 7, { etaMin: 0.002 });
      case 'LambdaLR':
        return new S.LambdaLR(opt, (e) => 1.0 / (1 + 0.1 * e));
      case 'SequentialLR':
        return new S.SequentialLR(opt, [new S.LinearLR(opt, { startFactor: 0.1, totalIters: 5 }), new S.ExponentialLR(opt, 0.9)], [5]);
      case 'SequentialLR_three':
        return new S.SequentialLR(
          opt,
          [new S.ConstantLR(opt, { factor: 0.3, totalIters: 3 }), new S.StepLR(opt, 3, { gamma: 0.5 }), new S.CosineAnnealingLR(opt, 10, { etaMin: 0.001 })],
          [4, 15],
        );
      case 'ChainedScheduler':
        return new S.ChainedScheduler([new S.ConstantLR(opt, { factor: 0.2, totalIters: 6 }), new S.ExponentialLR(opt, 0.95)]);
      case 'ChainedScheduler_three':
        return new S.ChainedScheduler([
          new S.LinearLR(opt, { startFactor: 0.5, totalIters: 8 }),
          new S.MultiStepLR(opt, [10, 25], { gamma: 0.3 }),
          new S.CosineAnnealingLR(opt, 12),
        ]);
      case 'CyclicLR':
        return new S.CyclicLR(opt, 0.01, [0.1, 0.05], { stepSizeUp: 4, stepSizeDown: 6 });
      case 'CyclicLR_triangular2':
        return new S.CyclicLR(opt, [0.01, 0.02], 0.2, { stepSizeUp: 5, mode: 'triangular2', baseMomentum: 0.7, maxMomentum: 0.95 });
      case 'CyclicLR_exp_range':
        return new S.CyclicLR(opt, 0.001, 0.1, { stepSizeUp: 3, mode: 'exp_range', gamma: 0.97 });
      case 'CyclicLR_custom':
        return new S.CyclicLR(opt, 0.001, 0.1, { stepSizeUp: 4, scaleFn: (x) => 1 / (1 + 0.1 * x), scaleMode: 'iterations', cycleMomentum: false });
      case 'CosineAnnealingWarmRestarts':
        return new S.CosineAnnealingWarmRestarts(opt, 5, { TMult: 2, etaMin: 0.001 });
      case 'CosineAnnealingWarmRestarts_mult1':
        return new S.CosineAnnealingWarmRestarts(opt, 6);
      case 'OneCycleLR':
        return new S.OneCycleLR(opt, [0.3, 0.2], { totalSteps: G.epochs, pctStart: 0.25 });
    }
    throw new Error(name);
  }

  const SETUP: Record<string, ['SGD' | 'Adam', number[], number]> = {
    MultiplicativeLR: ['SGD', [0.1, 0.05], 0],
    ConstantLR: ['SGD', [0.1], 0],
    ConstantLR_default: ['SGD', [0.1], 0],
    LinearLR: ['SGD', [0.1, 0.3], 0],
    PolynomialLR: ['SGD', [0.1], 0],
    PolynomialLR_sqrt: ['Adam', [0.01], 0],
    StepLR: ['SGD', [0.1], 0],
    MultiStepLR: ['SGD', [0.1], 0],
    ExponentialLR: ['SGD', [0.1], 0],
    CosineAnnealingLR: ['SGD', [0.1, 0.05], 0],
    LambdaLR: ['SGD', [0.1], 0],
    SequentialLR: ['SGD', [0.1], 0],
    SequentialLR_three: ['SGD', [0.1, 0.02], 0],
    ChainedScheduler: ['SGD', [0.1], 0],
    ChainedScheduler_three: ['Adam', [0.01, 0.05], 0],
    CyclicLR: ['SGD', [0.1, 0.1], 0.9],
    CyclicLR_triangular2: ['SGD', [0.1, 0.1], 0.9],
    CyclicLR_exp_range: ['SGD', [0.1], 0.9],
    CyclicLR_custom: ['Adam', [0.1], 0],
    CosineAnnealingWarmRestarts: ['SGD', [0.1, 0.05], 0],
    CosineAnnealingWarmRestarts_mult1: ['SGD', [0.1], 0],
    OneCycleLR: ['Adam', [0.1, 0.1], 0],
  };

  for (const [name, [kind, lrs, mom]] of Object.entries(SETUP)) {
    test(`${name}: ${G.epochs} epochs of lr (and momentum) equal PyTorch's`, () => {
      const exp = G.schedulers[name];
      assert.ok(exp, `golden for ${name}`);
      const opt = makeOpt(kind, lrs, mom);
      const sched = make(name, opt);
      check(name, exp, opt, sched, G.epochs);
      // stateDict has PyTorch's keys (less Python-only ones: verbose, the step-call flag, bound methods).
      const pyOnly = ['verbose', '_get_lr_called_within_step', '_scale_fn_ref', 'anneal_func', '_schedule_phases', '_scale_fn_custom', 'use_beta1'];
      const mine = Object.keys(sched.stateDict());
      for (const k of exp.state_keys!)
        if (!pyOnly.includes(k)) assert.ok(mine.includes(k), `${name}: stateDict lacks PyTorch's key ${k} (has ${mine.join(', ')})`);
    });

    test(`${name}: stateDict / loadStateDict resume the schedule`, () => {
      const exp = G.schedulers[name];
      const opt = makeOpt(kind, lrs, mom);
      const a = make(name, opt);
      const cut = 13;
      for (let e = 1; e <= cut; e++) a.step();
      const sd = a.stateDict();
      // A second scheduler on the same optimizer, loaded from the first, continues identically.
      const b = make(name, opt);
      b.loadStateDict(JSON.parse(JSON.stringify(sd)));
      // make() re-initialised the groups' lr and momentum: restore the optimizer's (they are in its state dict in practice).
      opt.paramGroups.forEach((g, i) => {
        g.lr = exp.lr[cut][i];
        if ('momentum' in g) g.momentum = exp.momentum[cut][i];
        else g.betas = [exp.momentum[cut][i], (g.betas as number[])[1]];
      });
      for (let e = cut + 1; e <= G.epochs; e++) {
        b.step();
        opt.paramGroups.forEach((g, i) => assert.ok(close(g.lr as number, exp.lr[e][i]), `${name} resumed epoch ${e} group ${i}: ${g.lr} vs ${exp.lr[e][i]}`));
      }
    });
  }

  test('CosineAnnealingWarmRestarts with fractional epochs (step(epoch + i / iters))', () => {
    const opt = makeOpt('SGD', [0.1]);
    check('warm_fractional', G.warm_fractional, opt, new S.CosineAnnealingWarmRestarts(opt, 3, { TMult: 2, etaMin: 0.01 }), G.epochs, (e) => e * 0.35);
  });

  for (const name of Object.keys(G.closed)) {
    test(`${name}: closed form via step(epoch) equals PyTorch's`, () => {
      const opt = makeOpt('SGD', [0.1]);
      check(`${name} closed`, G.closed[name], opt, make(name, opt), 25, (e) => (e * 7) % 23);
    });
  }

  test('schedulers accept a TS-subclassed optimizer', () => {
    class Plain extends optim.Optimizer<{ lr: number; momentum: number }> {
      constructor(params: optim.Params, momentum: number) {
        super(params, { lr: 0.1, momentum });
      }
      step() {
        return undefined;
      }
    }
    const opt = new Plain([torch.keep(torch.zeros([1]).requiresGrad_(true))], 0.9);
    const exp = G.schedulers.CyclicLR_exp_range;
    check('CyclicLR on a TS optimizer', exp, opt, make('CyclicLR_exp_range', opt), G.epochs);
    const opt2 = new Plain([torch.keep(torch.zeros([1]).requiresGrad_(true))], 0);
    check('SequentialLR on a TS optimizer', G.schedulers.SequentialLR, opt2, make('SequentialLR', opt2), G.epochs);
  });

  test('argument errors name the scheduler and the option', () => {
    const opt = makeOpt('SGD', [0.1]);
    const adam = makeOpt('Adam', [0.1]);
    const other = makeOpt('SGD', [0.1]);
    const cases: [() => unknown, string][] = [
      [() => new S.ConstantLR(opt, { factor: 2 }), 'ConstantLR: Expected number in [0, 1] for factor but received 2 of type number'],
      [() => new S.LinearLR(opt, { startFactor: -0.1 }), 'LinearLR: Expected number in [0, 1] for startFactor but received -0.1 of type number'],
      [() => new S.LinearLR(opt, { endFactor: 1.5 }), 'LinearLR: Expected number in [0, 1] for endFactor but received 1.5 of type number'],
      [() => new S.PolynomialLR(opt, { totalIters: 0 }), 'PolynomialLR: Expected positive integer for totalIters but received 0 of type number'],
      [() => new S.CosineAnnealingWarmRestarts(opt, 0), 'CosineAnnealingWarmRestarts: Expected positive integer for T0 but received 0 of type number'],
      [
        () => new S.CosineAnnealingWarmRestarts(opt, 5, { TMult: 1.5 }),
        'CosineAnnealingWarmRestarts: Expected positive integer for TMult but received 1.5 of type number',
      ],
      [() => new S.MultiplicativeLR(opt, [() => 1, () => 1]), 'MultiplicativeLR: Expected 1 lr_lambdas, but got 2'],
      [() => new S.CyclicLR(adam, 0.01, 0.1), 'CyclicLR: optimizer must support momentum with `cycleMomentum` option enabled'],
      [() => new S.CyclicLR(opt, [0.01, 0.02], 0.1), 'CyclicLR: expected 1 values for baseLr, got 2'],
      [
        () => new S.CyclicLR(opt, 0.01, 0.1, { mode: 'sawtooth' as never }),
        "CyclicLR: Expected one of 'triangular', 'triangular2', 'exp_range' for mode but received 'sawtooth' of type string (and scaleFn is null)",
      ],
      [
        () => new S.SequentialLR(opt, [new S.ConstantLR(opt)], [3]),
        'SequentialLR: Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 1 and the number of milestones to be equal to 1',
      ],
      [
        () => new S.SequentialLR(opt, [new S.ConstantLR(opt), new S.ConstantLR(other)], [3]),
        'SequentialLR: Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index 1 to be different than the optimizer passed in.',
      ],
      [
        () => new S.ChainedScheduler([new S.ConstantLR(opt), new S.ConstantLR(other)]),
        'ChainedScheduler: ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and 1 to be different',
      ],
      [() => new S.ChainedScheduler([]), 'ChainedScheduler: Expected a non-empty array of schedulers for schedulers but received an array of length 0'],
      [() => new S.StepLR({ paramGroups: [] } as never, 3), 'StepLR: Expected an Optimizer for optimizer but received an object of type Object'],
    ];
    for (const [f, message] of cases) assert.throws(f, { message });
    const w = new S.CosineAnnealingWarmRestarts(makeOpt('SGD', [0.1]), 3);
    assert.throws(() => w.step(-1), { message: 'CosineAnnealingWarmRestarts.step: Expected non-negative epoch, but got -1' });
  });
}
