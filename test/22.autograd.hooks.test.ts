/**
 * Tensor.registerHook against PyTorch 1.13 (tools/golden/autograd_hooks.py, run live): hooks on a
 * leaf and on an intermediate, replacing the gradient, several hooks in order, remove(), a hook
 * that throws, and the error for a tensor that does not require grad.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { assertClose, runGoldenLive, type EncTensor } from './helpers.js';

interface Fx {
  tensor: {
    leaf: { seen: EncTensor; xgrad: EncTensor };
    intermediate: { seen: EncTensor; xgrad: EncTensor };
    leaf_replace: { xgrad: EncTensor };
    order: { seen: EncTensor[]; xgrad: EncTensor };
    remove: { seen: EncTensor; xgrad: EncTensor };
    no_grad_message: string;
  };
}
const fx = runGoldenLive<Fx>('autograd_hooks.py').tensor;
const X = [
  [1, -2, 3],
  [0.5, 4, -1],
];
const W = [
  [1, 2, 3],
  [4, 5, 6],
];

/** x (leaf), y = x * x, z = sum(y * W): the script's graph. */
function graph(): { x: Tensor; y: Tensor; z: Tensor } {
  const x = torch.tensor(X, { requiresGrad: true });
  const y = x.mul(x);
  return { x, y, z: y.mul(torch.tensor(W)).sum() };
}
const vals = (t: Tensor): number[] => Array.from(t.dataSync() as Float32Array);
const grad = (t: Tensor): Tensor => {
  const g = t.grad;
  assert.ok(g, 'grad is null');
  return g;
};

test('registerHook on a leaf sees the gradient; .grad unchanged', () => {
  const { x, z } = graph();
  const seen: Tensor[] = [];
  x.registerHook((g) => {
    seen.push(g);
  });
  z.backward();
  assert.equal(seen.length, 1);
  assertClose(seen[0], fx.leaf.seen, 1e-6, 'seen');
  assertClose(grad(x), fx.leaf.xgrad, 1e-6, 'x.grad');
});

test('registerHook on an intermediate replaces its gradient', () => {
  const { x, y, z } = graph();
  const seen: Tensor[] = [];
  y.registerHook((g) => {
    seen.push(g);
    return g.mul(2);
  });
  z.backward();
  assertClose(seen[0], fx.intermediate.seen, 1e-6, 'seen');
  assertClose(grad(x), fx.intermediate.xgrad, 1e-6, 'x.grad');
});

test("a leaf's hook replaces the gradient before it is accumulated", () => {
  const { x, z } = graph();
  x.registerHook((g) => g.neg());
  z.backward();
  assertClose(grad(x), fx.leaf_replace.xgrad, 1e-6, 'x.grad');
});

test('several hooks run in registration order, each seeing the previous result', () => {
  const { x, y, z } = graph();
  const seen: Tensor[] = [];
  y.registerHook((g) => {
    seen.push(g);
    return g.add(1);
  });
  y.registerHook((g) => {
    seen.push(g);
  });
  y.registerHook((g) => {
    seen.push(g);
    return g.mul(3);
  });
  z.backward();
  assert.equal(seen.length, 3);
  seen.forEach((s, i) => assertClose(s, fx.order.seen[i], 1e-6, `seen[${i}]`));
  assertClose(grad(x), fx.order.xgrad, 1e-6, 'x.grad');
});

test('remove() unregisters the hook; a second remove() and Symbol.dispose do nothing more', () => {
  const { x, y, z } = graph();
  const seen: Tensor[] = [];
  const h1 = y.registerHook((g) => g.mul(10));
  y.registerHook((g) => {
    seen.push(g);
    return g.add(1);
  });
  h1.remove();
  h1.remove();
  h1[Symbol.dispose]();
  z.backward();
  assert.equal(seen.length, 1);
  assertClose(seen[0], fx.remove.seen, 1e-6, 'seen');
  assertClose(grad(x), fx.remove.xgrad, 1e-6, 'x.grad');
});

test('a hook removed by `using` runs only inside its scope', () => {
  const x = torch.tensor([1, 2], { requiresGrad: true });
  let calls = 0;
  {
    using _h = x.registerHook(() => {
      calls++;
    });
    x.sum().backward();
  }
  x.sum().backward();
  assert.equal(calls, 1);
  assert.deepEqual(vals(grad(x)), [2, 2]);
});

test('a hook that throws ends backward() with that error; autograd.grad too', () => {
  const { x, y, z } = graph();
  const boom = new Error('boom from the hook');
  y.registerHook(() => {
    throw boom;
  });
  assert.throws(
    () => z.backward(),
    (e) => e === boom,
  );
  assert.equal(x.grad, null, 'nothing accumulated');
  const { x: x2, y: y2, z: z2 } = graph();
  y2.registerHook(() => {
    throw new RangeError('from grad');
  });
  assert.throws(() => torch.autograd.grad(z2, x2), { name: 'RangeError', message: 'from grad' });
});

test('a hook returning something other than a Tensor ends backward() with a TypeError', () => {
  const x = torch.tensor([1, 2], { requiresGrad: true });
  x.registerHook(() => 5 as unknown as Tensor);
  assert.throws(() => x.sum().backward(), {
    name: 'TypeError',
    message: 'registerHook: Expected Tensor for the value returned by the hook but received 5 of type number',
  });
});

test('a replacement of another dtype is refused by LibTorch (hook index named)', () => {
  const x = torch.tensor([1, 2], { requiresGrad: true });
  x.registerHook(() => torch.tensor([1, 2], { dtype: 'float64' }));
  assert.throws(() => x.sum().backward(), { message: "backward: hook '0' has changed the type of value (was CPUFloatType got CPUDoubleType)" });
});

test("registerHook on a tensor that doesn't require grad: PyTorch's message", () => {
  assert.throws(() => torch.tensor([1]).registerHook((g) => g), { message: `registerHook: ${fx.no_grad_message}` });
  assert.throws(() => torch.tensor([1], { requiresGrad: true }).registerHook(3 as unknown as () => undefined), {
    name: 'TypeError',
    message: 'registerHook: Expected a function for hook but received 3 of type number',
  });
});

test('the hook stays registered after its handle and the tensor object are gone; the grad it keeps stays valid', () => {
  const x = torch.tensor([3, 4], { requiresGrad: true });
  let kept: Tensor | null = null;
  const y = x.mul(2);
  y.registerHook((g) => {
    kept = g;
    return g.mul(5);
  });
  const z = y.sum();
  y.dispose(); // the graph still holds the hook
  z.backward();
  assert.deepEqual(vals(grad(x)), [10, 10]);
  assert.ok(kept);
  assert.deepEqual(vals(kept as Tensor), [1, 1]);
});

test('hooks fire on each backward of a retained graph and in a reentrant backward inside a hook', () => {
  const x = torch.tensor([1, 2], { requiresGrad: true });
  const y = x.mul(x);
  let calls = 0;
  y.registerHook((g) => {
    calls++;
    // backward runs hooks with grad mode off (createGraph false), as PyTorch: enable it to record
    const a = torch.tensor([2], { requiresGrad: true });
    torch.enableGrad(() => a.mul(a).sum()).backward();
    assert.deepEqual(vals(grad(a)), [4]);
    return g;
  });
  y.sum().backward(null, { retainGraph: true });
  y.sum().backward();
  assert.equal(calls, 2);
  assert.deepEqual(vals(grad(x)), [4, 8]);
});
