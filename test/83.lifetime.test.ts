/**
 * Lifetime rules: using a disposed tensor anywhere (receiver, argument, list element, module
 * input, optimizer parameter) throws a clear Error; disposing twice is safe; tidy()/noGrad()/
 * inferenceMode() refuse async functions and still free what the function made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../lib/index.js';

const DISPOSED = /is a disposed tensor \(it was freed by dispose\(\) or a tidy\(\) scope\)/;

function disposed(shape: number[] = [2, 3]): torch.Tensor {
  const t = torch.ones(shape);
  t.dispose();
  return t;
}

test('use after dispose: exact message for receiver and argument', () => {
  const a = disposed();
  assert.throws(() => a.add(1), { name: 'Error', message: "add: argument 'self' is a disposed tensor (it was freed by dispose() or a tidy() scope)" });
  const b = torch.ones([2, 3]);
  assert.throws(() => b.mul(a), { message: "mul: argument 'other' is a disposed tensor (it was freed by dispose() or a tidy() scope)" });
  assert.throws(() => torch.add(a, b), DISPOSED);
  assert.throws(() => a.shape, DISPOSED);
  assert.throws(() => a.item(), DISPOSED);
  assert.throws(() => a.dataSync(), DISPOSED);
  assert.throws(() => a.toArray(), DISPOSED);
  assert.equal(String(a), 'tensor(<disposed>)');
  assert.equal(a.isDisposed, true);
  b.dispose();
});

// Plausible argument lists: for each method at least one of them gets past argument validation,
// so the disposed receiver is what the method must complain about.
const live = (): torch.Tensor => torch.ones([2, 3]);
const ARGS: (() => unknown[])[] = [
  () => [],
  () => [1],
  () => [0],
  () => [live()],
  () => [0, 1],
  () => [1, 0],
  () => [0, 0, 1],
  () => [[2, 3]],
  () => [2, 3],
  () => [live(), live()],
  () => [live(), 0.5],
  () => [0, torch.zeros([2, 3], { dtype: 'int64' })],
  () => [torch.ones([2, 3], { dtype: 'bool' }), 0],
  () => [torch.ones([3, 2])],
  () => [torch.ones([3])],
  () => ['float64'],
  () => [{}],
  () => [0, 0, torch.ones([2, 3])],
  () => [0, torch.zeros([2, 3], { dtype: 'int64' }), live()],
];

test('every Tensor method and getter on a disposed receiver throws the disposed error (never crashes)', () => {
  const exempt = new Set(['dispose', 'isDisposed', 'toString']);
  const T = torch.Tensor.prototype as unknown as Record<string, unknown>;
  const silent: string[] = [];
  let checked = 0;
  for (const k of Object.getOwnPropertyNames(T)) {
    if (k === 'constructor' || exempt.has(k)) continue;
    const d = Object.getOwnPropertyDescriptor(T, k)!;
    let sawDisposed = false;
    for (const make of d.get ? [() => []] : ARGS) {
      const self = disposed();
      torch.tidy(() => {
        const args = make();
        try {
          const r = d.get ? d.get.call(self) : (d.value as (...a: unknown[]) => unknown).apply(self, args);
          silent.push(`${k}(${args.length} args) returned ${String(r).slice(0, 40)}`);
        } catch (e) {
          assert.ok(e instanceof Error && e.message.length > 0, `${k} threw a non-Error ${String(e)}`);
          if (DISPOSED.test(e.message)) sawDisposed = true;
        }
      });
      if (sawDisposed) break;
    }
    assert.ok(sawDisposed, `Tensor#${k} never reported the disposed receiver`);
    checked++;
  }
  assert.deepEqual(silent, [], 'no method may return a value from a disposed tensor');
  assert.ok(checked > 150, `${checked} methods checked`);
});

test('disposed tensors inside lists, modules, optimizers and autograd', () => {
  const a = live();
  const d = disposed();
  assert.throws(() => torch.cat([a, d]), DISPOSED);
  assert.throws(() => torch.stack([d, a]), DISPOSED);
  const lin = new torch.nn.Linear(3, 2);
  assert.throws(() => lin.forward(d), /disposed/);
  const p = torch.zeros([3], { requiresGrad: true });
  const opt = new torch.optim.SGD([p], { lr: 0.1 });
  p.dispose();
  // The optimizer holds its own reference to the parameter (as torch.optim does): stepping after
  // the JS handle is gone is not a use of the disposed handle, and must not crash.
  opt.step();
  opt.zeroGrad();
  assert.throws(() => new torch.optim.SGD([p], { lr: 0.1 }), /disposed/);
  const x = torch.ones([2], { requiresGrad: true });
  const y = x.mul(2).sum();
  x.dispose();
  // The graph holds its own reference: backward still works; reading x.grad does not.
  y.backward();
  assert.throws(() => x.grad, DISPOSED);
  assert.throws(() => torch.autograd.grad(y, [d]), DISPOSED);
  torch.dispose([a, y, lin]);
});

test('dispose twice is safe, and disposing never frees another tensor that reused the handle', () => {
  const before = torch.memory().numTensors;
  const a = torch.ones([4]);
  a.dispose();
  a.dispose();
  a[Symbol.dispose]();
  torch.dispose([a, a, { k: a }]);
  // The handle slot a held is reused by b: disposing a again must leave b alone.
  const b = torch.full([2], 7);
  a.dispose();
  torch.dispose(a);
  assert.deepEqual(Array.from(b.dataSync() as Float32Array), [7, 7]);
  b.dispose();
  {
    using c = torch.ones([1]);
    c.dispose(); // then `using` disposes it again at block end
  }
  const vi = torch.tensor([3, 1, 2]).sort();
  vi[Symbol.dispose]();
  vi[Symbol.dispose]();
  assert.equal(torch.memory().numTensors, before + 1, 'only the sorted input is left');
});

test('a tensor that escaped its tidy() scope is disposed, with a clear error when used', () => {
  let leaked: torch.Tensor | null = null;
  const kept = torch.tidy(() => {
    leaked = torch.ones([2]);
    return torch.keep(torch.zeros([2]));
  });
  assert.throws(() => leaked!.sum(), DISPOSED);
  assert.equal(kept.sum().item(), 0);
  kept.dispose();
});

test('tidy/noGrad/inferenceMode with an async function: error, and tensors made inside are freed', async () => {
  const before = torch.memory().numTensors;
  assert.throws(() => torch.tidy((async () => torch.ones([3])) as unknown as () => torch.Tensor), {
    message: 'tidy: the function must be synchronous (it returned a Promise); await inside and dispose explicitly',
  });
  let madeInside: torch.Tensor | null = null;
  assert.throws(
    () =>
      torch.tidy(() => {
        madeInside = torch.ones([5]);
        return Promise.resolve(1);
      }),
    /must be synchronous/,
  );
  assert.equal(madeInside!.isDisposed, true);
  assert.equal(torch.memory().numTensors, before);
  assert.throws(() => torch.noGrad(async () => 1), /must be synchronous/);
  assert.equal(torch.isGradEnabled(), true, 'grad mode restored after the refused async function');
  assert.throws(() => torch.inferenceMode(async () => 1), /must be synchronous/);
  assert.equal(torch.isInferenceModeEnabled(), false);
  // A tidy whose function throws frees its tensors and restores the scope depth.
  assert.throws(
    () =>
      torch.tidy(() => {
        torch.ones([7]);
        throw new Error('inner');
      }),
    /inner/,
  );
  assert.equal(torch.memory().numTensors, before);
  assert.equal(torch.memory().scopeDepth, 0);
  assert.throws(() => torch.tidy(42 as unknown as () => void), { name: 'TypeError', message: 'tidy: expected a function but received 42 of type number' });
});

test('an async function that rejects, refused by tidy/noGrad/enableGrad/inferenceMode, does not end the process (no unhandled rejection)', () => {
  // In a child: an unhandled rejection would end this test process too. Each scope gets an async
  // function that throws after its first await, and one that throws at once; a thenable that is
  // not a Promise (another realm's) is refused the same way.
  const lib = fileURLToPath(new URL('../lib/index.ts', import.meta.url));
  const code = `
    const torch = await import(${JSON.stringify(lib)});
    const scopes = { tidy: torch.tidy, noGrad: torch.noGrad, enableGrad: torch.enableGrad, inferenceMode: torch.inferenceMode };
    const fns = [async () => { throw new Error('x'); }, async () => { await null; throw new Error('y'); }];
    const out = {};
    for (const [name, scope] of Object.entries(scopes)) {
      out[name] = [];
      for (const fn of fns) {
        try { scope(fn); out[name].push('no error'); } catch (e) { out[name].push(e.message); }
      }
    }
    let handled = 0;
    const thenable = { then(_ok, fail) { handled++; fail(new Error('z')); } };
    try { torch.tidy(() => thenable); } catch (e) { out.thenable = [e.message, handled]; }
    await new Promise((r) => setTimeout(r, 50)); // let the rejections settle
    console.log(JSON.stringify(out));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, `the child ended with status ${r.status}: ${r.stderr}`);
  const grad = (fn: string) => `${fn}: the function must be synchronous: grad mode is per thread and cannot span an await`;
  const tidy = 'tidy: the function must be synchronous (it returned a Promise); await inside and dispose explicitly';
  assert.deepEqual(JSON.parse(r.stdout), {
    tidy: [tidy, tidy],
    noGrad: [grad('noGrad'), grad('noGrad')],
    enableGrad: [grad('enableGrad'), grad('enableGrad')],
    inferenceMode: ['inferenceMode: the function must be synchronous', 'inferenceMode: the function must be synchronous'],
    thenable: [tidy, 1],
  });
});

test('a tensor keeps its hidden class when its finalizer is registered (no deopts of optimized tensor code)', () => {
  const script = fileURLToPath(new URL('./fixtures/hidden-class.mjs', import.meta.url));
  const lib = fileURLToPath(new URL('../lib/index.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', script, lib], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { registered: true, sameMap: true });
});

// ---- GC guards (native/gc/guard.cc): tensors freed by the garbage collector ----
import v8 from 'node:v8';
import vm from 'node:vm';
import { gcGuard, native } from '../lib/native.js';

v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc') as () => void;
const microtasks = (): Promise<void> => new Promise((r) => setImmediate(r));

test('GC guards: the guard module is loaded next to the addon', () => {
  assert.ok(gcGuard !== null, 'torchnode_gc.so did not load: tensors outside scopes would wait for the event loop');
});

test('GC guards: a guard of a disposed tensor never frees the tensor that reused its slot', { skip: gcGuard === null }, async () => {
  let a: torch.Tensor | null = torch.ones([3]);
  await microtasks(); // a leaves the pending queue: it has its guard now
  const h = a._h;
  a.dispose();
  const b = torch.full([3], 7);
  assert.equal(b._h, h, 'the released slot is reused first');
  a = null;
  fullGc(); // collects a's guard, whose token names the old generation of the slot
  for (let i = 0; i < 100; i++) torch.zeros([1]).dispose(); // past the quarantine
  torch.memory();
  assert.deepEqual(b.toArray(), [7, 7, 7]);
  b.dispose();
});

test('GC guards: a collected tensor is released after a quarantine of 64 creations, or by memory()', { skip: gcGuard === null }, async () => {
  const make = (): number => {
    const t = torch.ones([2, 2]);
    return t._h;
  };
  const h1 = make();
  make();
  await microtasks();
  const before = native.memory().numTensors;
  fullGc();
  // Collected, not yet released: JS may still be passing the number to the addon.
  assert.deepEqual(native.shape(h1), [2, 2]);
  for (let i = 0; i < 70; i++) torch.zeros([1]).dispose();
  assert.throws(() => native.shape(h1), /disposed tensor/);
  assert.equal(native.memory().numTensors, before - 2);
  const h3 = make();
  await microtasks();
  fullGc();
  assert.deepEqual(native.shape(h3), [2, 2]);
  torch.memory(); // a statement of user code: no handle is in flight, everything collected goes
  assert.throws(() => native.shape(h3), /disposed tensor/);
});
