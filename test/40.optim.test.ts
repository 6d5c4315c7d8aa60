/** Optimizers: 5 steps of each on a fixed linear model/batch give PyTorch 1.13's weights (goldens). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../lib/index.js';
import { optim, nn, type Tensor } from '../lib/index.js';
import { PYTHON_2_1 } from '../lib/optim/optimizer.js';

const G = JSON.parse(readFileSync(new URL('./fixtures/optim.json', import.meta.url), 'utf8')) as any;

function assertClose(actual: Tensor, expected: number[] | number[][], tol: number, what: string): void {
  const a = Array.from(actual.detach().flatten().dataSync() as Float32Array);
  const e = (expected as number[]).flat(2) as number[];
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - e[i]) <= tol, `${what}[${i}]: ${a[i]} vs PyTorch ${e[i]} (diff ${Math.abs(a[i] - e[i])})`);
  }
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function model() {
  const w = torch.tensor(G.init.weight).requiresGrad_(true);
  const b = torch.tensor(G.init.bias).requiresGrad_(true);
  torch.keep(w);
  torch.keep(b);
  return { w, b };
}
const X = torch.keep(torch.tensor(G.init.x));
const Y = torch.keep(torch.tensor(G.init.y));

function make(cls: string, params: unknown, kw: Record<string, unknown>): optim.Optimizer {
  const opts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kw)) opts[camel(k)] = v;
  const C = (optim as any)[cls];
  return new C(params, opts);
}

function train(
  opt: optim.Optimizer,
  w: Tensor,
  b: Tensor,
  traj: { loss: number; weight: number[][]; bias: number[] }[],
  tol: number,
  what: string,
  onStep?: (i: number) => void,
): void {
  traj.forEach((exp, i) => {
    onStep?.(i);
    torch.tidy(() => {
      opt.zeroGrad();
      const loss = nn.functional.mseLoss(nn.functional.linear(X, w, b), Y);
      loss.backward();
      opt.step();
      assert.ok(Math.abs(loss.item() - exp.loss) <= 1e-6, `${what} step ${i} loss ${loss.item()} vs ${exp.loss}`);
    });
    assertClose(w, exp.weight, tol, `${what} step ${i} weight`);
    assertClose(b, exp.bias, tol, `${what} step ${i} bias`);
  });
}

// The fixture is PyTorch 1.13's. On LibTorch 2.1+ these optimizers step as that release's Python
// (lerp_: the same values, rounded differently; test/45 checks them bit for bit against it live),
// so they are held to 1e-5 against 1.13's numbers.
const LERP_FROM_2_1 = ['Adam', 'AdamW', 'RMSprop', 'NAdam', 'RAdam', 'Adamax'];
const tolFor = (cls: string) => (PYTHON_2_1 && LERP_FROM_2_1.includes(cls) ? 1e-5 : 1e-6);

for (const c of G.cases) {
  test(`${c.cls} ${c.name}: ${G.steps} steps match PyTorch within ${tolFor(c.cls)}`, () => {
    const { w, b } = model();
    const opt = make(c.cls, [w, b], c.kwargs);
    const tol = tolFor(c.cls);
    train(opt, w, b, c.trajectory, tol, c.name);
    // State dict: PyTorch's shape, keys and values.
    const sd = opt.stateDict();
    for (const pg of c.param_groups) {
      for (const [k, v] of Object.entries(pg)) {
        if (['maximize', 'foreach', 'capturable', 'differentiable', 'fused'].includes(k)) continue;
        assert.deepEqual(sd.param_groups[0][k], v, `param_groups[0].${k}`);
      }
    }
    assert.deepEqual(sd.param_groups[0].params, [0, 1]);
    // PyTorch keeps {momentum_buffer: None} entries for plain SGD; LibTorch keeps no entry.
    const pyState = Object.entries(c.state as Record<string, Record<string, number | number[]>>).filter(([, s]) => Object.keys(s).length > 0);
    assert.deepEqual(Object.keys(sd.state).sort(), pyState.map(([k]) => k).sort());
    for (const [idx, s] of pyState) {
      const mine = sd.state[Number(idx)];
      assert.deepEqual(Object.keys(mine).sort(), Object.keys(s).sort(), `state[${idx}] keys`);
      for (const [k, v] of Object.entries(s)) {
        // Scalars: Adam/AdamW/Adagrad's step is a scalar tensor in PyTorch 1.13, RMSprop's a number.
        if (typeof v === 'number') {
          assert.equal(mine[k] instanceof torch.Tensor, ['Adam', 'AdamW', 'Adagrad'].includes(c.cls), `state[${idx}].${k} kind`);
          assert.equal(typeof mine[k] === 'number' ? mine[k] : (mine[k] as Tensor).item(), v, `state[${idx}].${k}`);
        } else assertClose(mine[k] as Tensor, v, tol, `state[${idx}].${k}`);
      }
    }
    opt.dispose();
  });
}

test('param groups with their own lr match PyTorch', () => {
  const { w, b } = model();
  const opt = new optim.SGD([{ params: [w] }, { params: [b], lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
  assert.equal(opt.paramGroups.length, 2);
  assert.equal(opt.paramGroups[1].lr, 0.01);
  assert.equal(opt.paramGroups[1].momentum, 0.9);
  train(opt, w, b, G.groups, 1e-6, 'groups');
});

test('writing paramGroups[i].lr takes effect at the next step (as PyTorch)', () => {
  const { w, b } = model();
  const opt = new optim.Adam([w, b], { lr: 0.01 });
  train(opt, w, b, G.lr_change, 1e-6, 'lr change', (i) => {
    if (i === 2) for (const g of opt.paramGroups) g.lr = 0.001;
  });
  assert.equal(opt.paramGroups[0].lr, 0.001);
});

test('addParamGroup, defaults, extras on groups', () => {
  const { w, b } = model();
  const opt = new optim.Adagrad([w], { lr: 0.1, initialAccumulatorValue: 0.5 });
  opt.addParamGroup({ params: [b], lr: 0.2 });
  assert.equal(opt.paramGroups.length, 2);
  assert.equal(opt.paramGroups[1].lr, 0.2);
  assert.equal(opt.paramGroups[1].initialAccumulatorValue, 0.5);
  assert.deepEqual(Object.keys(opt.paramGroups[1]), ['params', 'lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize']);
  opt.paramGroups[1].initialLr = 0.2;
  assert.equal(opt.paramGroups[1].initialLr, 0.2);
  assert.equal(opt.stateDict().param_groups[1].initial_lr, 0.2);
  // The added group has Adagrad state too (LibTorch only creates it in the constructor).
  torch.tidy(() => {
    nn.functional.mseLoss(nn.functional.linear(X, w, b), Y).backward();
    opt.step();
  });
  const st = opt.stateDict().state;
  assert.equal((st[1].step as Tensor).item(), 1);
  assert.throws(() => opt.addParamGroup({ params: [w] }), /some parameters appear in more than one parameter group/);
});

test('zeroGrad: setToNone (default) drops grads, false zeroes them', () => {
  const { w, b } = model();
  const opt = new optim.SGD([w, b], { lr: 0.1 });
  torch.tidy(() => nn.functional.linear(X, w, b).sum().backward());
  opt.zeroGrad({ setToNone: false });
  assert.deepEqual(Array.from(w.grad!.dataSync() as Float32Array), new Array(12).fill(0));
  opt.zeroGrad();
  assert.equal(w.grad, null);
  assert.equal(b.grad, null);
});

test('stateDict / loadStateDict round trip continues the same trajectory', () => {
  const c = G.cases.find((x: { name: string }) => x.name === 'adam_amsgrad_wd');
  const { w, b } = model();
  const opt = make('Adam', [w, b], c.kwargs);
  train(opt, w, b, c.trajectory.slice(0, 3), 1e-6, 'first part');
  const sd = opt.stateDict();
  // A fresh optimizer with other options: loading restores options and state.
  const opt2 = new optim.Adam([w, b], { lr: 0.5 });
  opt2.loadStateDict(sd);
  opt.dispose();
  assert.equal(opt2.paramGroups[0].lr, 0.02);
  assert.deepEqual(opt2.paramGroups[0].betas, [0.8, 0.99]);
  train(opt2, w, b, c.trajectory.slice(3), 1e-6, 'after loadStateDict');
  assert.throws(() => opt2.loadStateDict({ state: {}, param_groups: [] }), /different number of parameter groups/);
});

test('steps update the very tensors given (nn.Module parameters) in place', () => {
  torch.manualSeed(0);
  const lin = new nn.Linear(4, 3);
  const before = lin.weight.clone();
  const opt = new optim.SGD(lin.parameters(), { lr: 0.1 });
  torch.tidy(() => {
    nn.functional.mseLoss(lin.forward(X), Y).backward();
    opt.step();
  });
  const expected = torch.tidy(() => before.sub(lin.weight.grad!.mul(0.1)));
  assertClose(lin.weight, Array.from(expected.flatten().dataSync() as Float32Array), 1e-7, 'weight');
});

test('argument validation', () => {
  const { w } = model();
  assert.throws(() => new optim.SGD([w], { lr: -1 }), { message: 'SGD: Expected non-negative number for lr but received -1 of type number' });
  assert.throws(() => new optim.SGD([w], {} as any), /SGD: Expected non-negative number for lr but received undefined/);
  assert.throws(() => new optim.SGD([w], { lr: 0.1, nesterov: true }), { message: 'SGD: Nesterov momentum requires a momentum and zero dampening' });
  assert.throws(() => new optim.Adam([w], { betas: [1, 0.9] }), { message: 'Adam: Expected number in [0, 1) for betas[0] but received 1 of type number' });
  assert.throws(() => new optim.RMSprop([w], { momentum: -0.5 }), {
    message: 'RMSprop: Expected non-negative number for momentum but received -0.5 of type number',
  });
  assert.throws(() => new optim.Adam([w], { lR: 0.1 } as any), {
    message: "Adam: unknown option 'lR' (expected one of lr, betas, eps, weightDecay, amsgrad, maximize)",
  });
  assert.throws(() => new optim.Adam([]), { message: 'Adam: optimizer got an empty parameter list' });
  assert.throws(() => new optim.Adam(w as unknown as Tensor[]), /should be an iterable of Tensors or dicts, but got a Tensor/);
  const nonLeaf = torch.tidy(() => torch.keep(w.mul(2)));
  assert.throws(() => new optim.Adam([nonLeaf]), /can't optimize a non-leaf Tensor/);
  const opt = new optim.SGD([w], { lr: 0.1 });
  assert.throws(
    () => {
      (opt.paramGroups[0] as { lr: unknown }).lr = '0.1';
    },
    { message: "SGD: Expected number for paramGroups[0].lr but received '0.1' of type string" },
  );
  assert.throws(() => opt.zeroGrad({ setToNone: 1 as unknown as boolean }), {
    message: 'SGD.zeroGrad: Expected boolean for setToNone but received 1 of type number',
  });
  opt.dispose();
  assert.throws(() => opt.step(), { message: 'SGD: the optimizer was disposed' });
});

test('step hooks (PyTorch 2.x): global pre, own pre, step, own post, global post; a pre-hook may replace the arguments; remove()', () => {
  const w = torch.tensor([1, 2], { requiresGrad: true });
  const opt = new optim.SGD([w], { lr: 0.5 });
  const log: string[] = [];
  const g1 = optim.registerOptimizerStepPreHook((o) => void log.push(`global pre ${o.constructor.name}`));
  const g2 = optim.registerOptimizerStepPostHook(() => void log.push('global post'));
  const h1 = opt.registerStepPreHook((_o, args) => {
    log.push(`pre ${args.length}`);
    return [
      () => {
        log.push('closure');
        return 7;
      },
    ]; // step(closure) instead of step()
  });
  const h2 = opt.registerStepPostHook((_o, args) => void log.push(`post ${args.length}`));
  w.grad = torch.tensor([1, 1]);
  const loss = opt.step();
  assert.equal(loss, 7);
  assert.deepEqual(log, ['global pre SGD', 'pre 0', 'closure', 'post 1', 'global post']);
  assert.deepEqual(w.tolist(), [0.5, 1.5]);
  for (const h of [g1, g2, h1, h2]) {
    h.remove();
    h.remove(); // safe twice
  }
  log.length = 0;
  opt.step();
  assert.equal(log.length, 0, 'removed hooks do not run');
  // TS optimizers (Adadelta here) run the hooks too.
  const ada = new optim.Adadelta([w]);
  const h3 = ada.registerStepPreHook(() => void log.push('adadelta pre'));
  ada.step();
  h3.remove();
  assert.deepEqual(log, ['adadelta pre']);
  assert.throws(() => opt.registerStepPreHook(1 as never), {
    name: 'TypeError',
    message: 'SGD.registerStepPreHook: Expected a function for hook but received 1 of type number',
  });
  const bad = opt.registerStepPreHook(() => 3);
  assert.throws(() => opt.step(), {
    name: 'TypeError',
    message: 'SGD.step: a step pre-hook must return undefined or an array of new arguments, but returned 3 of type number',
  });
  bad.remove();
});
