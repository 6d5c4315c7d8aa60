/**
 * nn.Module.registerFullBackwardHook against PyTorch 1.13 (tools/golden/autograd_hooks.py, run
 * live): gradInput/gradOutput of a Linear and of a small Sequential (and its layers' hook order),
 * replacing gradInput, an input without grad, a module with two tensor inputs and two outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn } from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { assertClose, runGoldenLive, type EncTensor } from './helpers.js';

type Call = { gin: (EncTensor | null)[]; gout: (EncTensor | null)[] };
interface Fx {
  module: {
    linear: { calls: Call[]; xgrad: EncTensor; wgrad: EncTensor };
    linear_replace: { xgrad: EncTensor; wgrad: EncTensor };
    linear_no_input_grad: { calls: Call[] };
    sequential: { calls: Call[]; order: string[]; xgrad: EncTensor; w0grad: EncTensor };
    two_inputs: { calls: Call[]; agrad: EncTensor; bgrad: EncTensor };
  };
}
const fx = runGoldenLive<Fx>('autograd_hooks.py').module;
const X = [
  [1, -2, 3],
  [0.5, 4, -1],
];
type Seen = { gin: (Tensor | null)[]; gout: (Tensor | null)[] };
const record =
  (store: Seen[]) =>
  (_m: nn.Module, gin: (Tensor | null)[], gout: (Tensor | null)[]): void => {
    store.push({ gin, gout });
  };
const grad = (t: Tensor): Tensor => {
  const g = t.grad;
  assert.ok(g, 'grad is null');
  return g;
};

function checkCalls(got: Seen[], exp: Call[], what: string): void {
  assert.equal(got.length, exp.length, `${what}: number of calls`);
  got.forEach((c, i) => {
    for (const k of ['gin', 'gout'] as const) {
      assert.equal(c[k].length, exp[i][k].length, `${what}[${i}].${k} length`);
      c[k].forEach((g, j) => {
        const e = exp[i][k][j];
        if (e === null) assert.equal(g, null, `${what}[${i}].${k}[${j}] should be null`);
        else {
          assert.ok(g, `${what}[${i}].${k}[${j}] is null`);
          assertClose(g, e, 1e-6, `${what}[${i}].${k}[${j}]`);
        }
      });
    }
  });
}

test('Linear: the hook sees gradInput and gradOutput as PyTorch', () => {
  torch.manualSeed(0);
  const lin = new nn.Linear(3, 2);
  const x = torch.tensor(X, { requiresGrad: true });
  const calls: Seen[] = [];
  lin.registerFullBackwardHook(record(calls));
  lin
    .forward(x)
    .mul(
      torch.tensor([
        [1, -1],
        [2, 0.5],
      ]),
    )
    .sum()
    .backward();
  checkCalls(calls, fx.linear.calls, 'linear');
  assertClose(grad(x), fx.linear.xgrad, 1e-6, 'x.grad');
  assertClose(grad(lin.weight), fx.linear.wgrad, 1e-6, 'weight.grad');
});

test('Linear: an array returned by the hook replaces gradInput; remove() unregisters it', () => {
  torch.manualSeed(0);
  const lin = new nn.Linear(3, 2);
  const x = torch.tensor(X, { requiresGrad: true });
  const handle = lin.registerFullBackwardHook((_m, gin) => [(gin[0] as Tensor).mul(3)]);
  lin.forward(x).pow(2).sum().backward();
  assertClose(grad(x), fx.linear_replace.xgrad, 1e-6, 'x.grad');
  assertClose(grad(lin.weight), fx.linear_replace.wgrad, 1e-6, 'weight.grad');
  handle.remove();
  x.grad = null;
  lin.forward(x).pow(2).sum().backward();
  assertClose(grad(x).mul(3), fx.linear_replace.xgrad, 1e-5, 'x.grad without the hook');
});

test('Linear: an input without grad gives gradInput [null]; a non-null return is refused', () => {
  torch.manualSeed(0);
  const lin = new nn.Linear(3, 2);
  const calls: Seen[] = [];
  lin.registerFullBackwardHook(record(calls));
  lin.forward(torch.tensor(X)).sum().backward();
  checkCalls(calls, fx.linear_no_input_grad.calls, 'no input grad');
  lin.registerFullBackwardHook(() => [torch.ones([2, 3])]);
  assert.throws(() => lin.forward(torch.tensor(X)).sum().backward(), {
    message: 'Backward hook for Modules where no input requires gradient should always return None or None for all gradients.',
  });
});

test('Sequential: container and layer hooks in PyTorch order with its values', () => {
  torch.manualSeed(0);
  const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));
  const order: string[] = [];
  const calls: Seen[] = [];
  seq.registerFullBackwardHook((m, gin, gout) => {
    order.push('seq');
    record(calls)(m, gin, gout);
  });
  seq.at(0).registerFullBackwardHook(() => {
    order.push('0');
  });
  seq.at(2).registerFullBackwardHook(() => {
    order.push('2');
  });
  const x = torch.tensor(X, { requiresGrad: true });
  seq
    .forward(x)
    .mul(
      torch.tensor([
        [1, 2],
        [-1, 0.5],
      ]),
    )
    .sum()
    .backward();
  assert.deepEqual(order, fx.sequential.order);
  checkCalls(calls, fx.sequential.calls, 'sequential');
  assertClose(grad(x), fx.sequential.xgrad, 1e-6, 'x.grad');
  assertClose(grad((seq.at(0) as nn.Linear).weight), fx.sequential.w0grad, 1e-6, 'seq[0].weight.grad');
});

class Two extends nn.Module {
  override forward(a: Tensor, b: Tensor, scale: number): Tensor[] {
    return [a.mul(b).mul(scale), a.add(b)];
  }
}

test('two tensor inputs, a number argument and two outputs: one call with every gradient', () => {
  const two = new Two();
  const calls: Seen[] = [];
  two.registerFullBackwardHook(record(calls));
  const a = torch.tensor([1, 2, 3], { requiresGrad: true });
  const b = torch.tensor([[4, 5, 6]], { requiresGrad: true });
  const [p, q] = two.forward(a, b, 2);
  p.sum().mul(2).add(q.mul(q).sum()).backward();
  checkCalls(calls, fx.two_inputs.calls, 'two inputs');
  assertClose(grad(a), fx.two_inputs.agrad, 1e-6, 'a.grad');
  assertClose(grad(b), fx.two_inputs.bgrad, 1e-6, 'b.grad');
});

test('a hook returning the wrong number of gradients ends backward() with PyTorch message', () => {
  const lin = new nn.Linear(3, 2);
  lin.registerFullBackwardHook(() => []);
  assert.throws(
    () =>
      lin
        .forward(torch.tensor(X, { requiresGrad: true }))
        .sum()
        .backward(),
    {
      message: 'Backward hook returned an invalid number of grad_input, got 0, but expected 1',
    },
  );
  assert.throws(() => lin.registerFullBackwardHook(5 as never), {
    name: 'TypeError',
    message: 'registerFullBackwardHook: Expected a function for hook but received 5 of type number',
  });
});
