/** LR schedulers: the same lr (and momentum) sequences as PyTorch 1.13 over 30 epochs (goldens). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../lib/index.js';
import { optim } from '../lib/index.js';

const G = JSON.parse(readFileSync(new URL('./fixtures/lr_scheduler.json', import.meta.url), 'utf8')) as any;
const S = optim.lrScheduler;

function makeOpt(kind: 'SGD' | 'Adam', lrs: number[], momentum = 0): optim.Optimizer<object> {
  const groups = lrs.map((lr) => ({ params: [torch.keep(torch.zeros([1]).requiresGrad_(true))], lr }));
  return kind === 'SGD' ? new optim.SGD(groups, { lr: lrs[0], momentum }) : new optim.Adam(groups, { lr: lrs[0] });
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

function check(
  name: string,
  opt: optim.Optimizer<object>,
  sched: optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau,
  metrics?: number[],
): void {
  const exp = G.schedulers[name];
  const lrNow = () => opt.paramGroups.map((g) => g.lr as number);
  const momNow = () =>
    opt.paramGroups.map((g) => {
      const gg = g as { momentum?: number; betas?: number[] };
      return gg.momentum !== undefined ? gg.momentum : gg.betas![0];
    });
  for (let e = 0; e <= G.epochs; e++) {
    if (e > 0) {
      opt.step();
      if (sched instanceof S.ReduceLROnPlateau) sched.step(metrics![e - 1]);
      else sched.step();
    }
    lrNow().forEach((lr, i) => assert.ok(close(lr, exp.lr[e][i]), `${name} epoch ${e} group ${i}: lr ${lr} vs PyTorch ${exp.lr[e][i]}`));
    momNow().forEach((m, i) => assert.ok(close(m, exp.momentum[e][i]), `${name} epoch ${e} group ${i}: momentum ${m} vs PyTorch ${exp.momentum[e][i]}`));
  }
  if (exp.last_lr) sched.getLastLr().forEach((lr, i) => assert.ok(close(lr, exp.last_lr[i])));
  assert.equal(sched.lastEpoch, exp.last_epoch);
}

test('StepLR (two groups)', () => {
  const opt = makeOpt('SGD', [0.1, 0.01]);
  check('StepLR', opt, new S.StepLR(opt, 7, { gamma: 0.5 }));
});

test('MultiStepLR (repeated milestone multiplies twice)', () => {
  const opt = makeOpt('SGD', [0.1]);
  check('MultiStepLR', opt, new S.MultiStepLR(opt, [5, 12, 12, 20], { gamma: 0.3 }));
});

test('ExponentialLR', () => {
  const opt = makeOpt('SGD', [0.1]);
  check('ExponentialLR', opt, new S.ExponentialLR(opt, 0.9));
});

test('CosineAnnealingLR past TMax (recursive form)', () => {
  const opt = makeOpt('SGD', [0.1, 0.05]);
  check('CosineAnnealingLR', opt, new S.CosineAnnealingLR(opt, 10, { etaMin: 0.001 }));
});

test('LambdaLR with one function per group', () => {
  const opt = makeOpt('SGD', [0.1, 0.2]);
  check('LambdaLR', opt, new S.LambdaLR(opt, [(e) => 0.95 ** e, (e) => 1.0 / (e + 1)]));
});

test('OneCycleLR (cos, cycles SGD momentum)', () => {
  const opt = makeOpt('SGD', [0.1], 0.9);
  check('OneCycleLR', opt, new S.OneCycleLR(opt, 1.0, { totalSteps: G.epochs }));
});

test('OneCycleLR linear, three phases', () => {
  const opt = makeOpt('SGD', [0.1], 0.9);
  check(
    'OneCycleLR_linear_three_phase',
    opt,
    new S.OneCycleLR(opt, [0.5], {
      totalSteps: G.epochs,
      pctStart: 0.4,
      annealStrategy: 'linear',
      threePhase: true,
      divFactor: 10,
      finalDivFactor: 100,
    }),
  );
});

test('OneCycleLR on Adam cycles beta1; stepping past totalSteps throws', () => {
  const opt = makeOpt('Adam', [0.1]);
  const sched = new S.OneCycleLR(opt, 0.01, { epochs: 3, stepsPerEpoch: 10 });
  check('OneCycleLR_adam', opt, sched);
  assert.throws(() => sched.step(), { message: 'OneCycleLR: Tried to step 32 times. The specified number of total steps is 30' });
});

test('ReduceLROnPlateau (min, rel, cooldown, minLr)', () => {
  const opt = makeOpt('SGD', [0.1]);
  check(
    'ReduceLROnPlateau',
    opt,
    new S.ReduceLROnPlateau(opt, { mode: 'min', factor: 0.5, patience: 2, threshold: 1e-2, cooldown: 1, minLr: 0.004 }),
    G.plateau_metrics,
  );
});

test('ReduceLROnPlateau (max, abs)', () => {
  const opt = makeOpt('SGD', [0.1]);
  check(
    'ReduceLROnPlateau_max_abs',
    opt,
    new S.ReduceLROnPlateau(opt, { mode: 'max', factor: 0.1, patience: 1, threshold: 0.01, thresholdMode: 'abs' }),
    G.plateau_metrics.map((m: number) => -m),
  );
});

test('stateDict / loadStateDict resume the schedule', () => {
  const exp = G.schedulers.CosineAnnealingLR;
  const opt = makeOpt('SGD', [0.1, 0.05]);
  const a = new S.CosineAnnealingLR(opt, 10, { etaMin: 0.001 });
  for (let e = 0; e < 13; e++) a.step();
  const sd = a.stateDict();
  assert.equal(sd.last_epoch, 13);
  assert.equal(sd.T_max, 10);
  assert.deepEqual(sd.base_lrs, [0.1, 0.05]);
  // A new scheduler resuming (lastEpoch given, initialLr kept in the groups) continues identically.
  const b = new S.CosineAnnealingLR(opt, 10, { etaMin: 0.001, lastEpoch: 12 });
  b.loadStateDict(sd);
  for (let e = 14; e <= G.epochs; e++) {
    b.step();
    opt.paramGroups.forEach((g, i) => assert.ok(close(g.lr as number, exp.lr[e][i]), `epoch ${e}`));
  }
});

test('argument validation', () => {
  const opt = makeOpt('SGD', [0.1]);
  assert.throws(() => new S.StepLR(opt, 0), { message: 'StepLR: Expected positive integer for stepSize but received 0 of type number' });
  assert.throws(() => new S.OneCycleLR(opt, 0.1), { message: 'OneCycleLR: You must define either totalSteps OR (epochs AND stepsPerEpoch)' });
  assert.throws(() => new S.ReduceLROnPlateau(opt, { factor: 1 }), { message: 'ReduceLROnPlateau: Factor should be < 1.0 but received 1' });
  assert.throws(() => new S.LambdaLR(opt, [(e) => e, (e) => e]), { message: 'LambdaLR: Expected 1 lr_lambdas, but got 2' });
  assert.throws(() => new S.ExponentialLR({} as any, 0.9), {
    message: 'ExponentialLR: Expected an Optimizer for optimizer but received an object of type Object',
  });
  const fresh = makeOpt('SGD', [0.1]);
  assert.throws(() => new S.ExponentialLR(fresh, 0.9, { lastEpoch: 3 }), /param 'initialLr' is not specified in paramGroups\[0\]/);
});
