/**
 * Autograd against PyTorch 1.13 (fixtures from tools/golden/ops.py): backward through chains of
 * ops, broadcasting, explicit output gradients, accumulation, retainGrad, autograd.grad (first
 * and second order, allowUnused), grad_fn names; plus noGrad / detach / inferenceMode semantics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { native } from '../lib/native.js';
import { loadFixture, fixtureInputs, assertClose, type EncTensor } from './helpers.js';

interface Fx {
  inputs: Record<string, EncTensor>;
  cases: Record<string, Record<string, EncTensor>> & { grad_fn_names: Record<string, string> };
}
const fx = loadFixture<Fx>('ops_autograd');
const I = fixtureInputs(fx.inputs);
const TOL = 1e-6;

/** A fresh leaf that requires grad, as `t.clone().requires_grad_(True)` in the script. */
const leaf = (t: Tensor): Tensor => t.clone().requiresGrad_(true);

function check(name: string, got: Record<string, Tensor | null>): void {
  const exp = fx.cases[name];
  assert.deepEqual(Object.keys(got).sort(), Object.keys(exp).sort(), `${name}: compared keys`);
  for (const [k, e] of Object.entries(exp)) {
    const g = got[k];
    assert.ok(g, `${name}.${k} is null`);
    assertClose(g, e, TOL, `${name}.${k}`);
  }
}

test('backward through matmul, add, relu, mul, exp, mean', () => {
  torch.tidy(() => {
    const x = leaf(I.x),
      w = leaf(I.w),
      b = leaf(I.b);
    const y = x.matmul(w).add(b).relu().mul(2).exp().mean();
    y.backward();
    check('chain', { y, x: x.grad, w: w.grad, b: b.grad });
  });
});

test('broadcasting reduces gradients to the leaf shape', () => {
  torch.tidy(() => {
    const x = leaf(I.x),
      b = leaf(I.b.index(':3'));
    const y = x.mul(b).sin().sum();
    y.backward();
    check('broadcast', { y, x: x.grad, b: b.grad });
    assert.deepEqual(b.grad!.shape, [3]);
  });
});

test('gradients of softmax, logSoftmax, logsumexp, std, norm, pow, div, sigmoid, prod, tanh, var, where, clamp', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    const y = x
      .softmax(1)
      .mul(torch.arange(3, { dtype: 'float32' }))
      .sum()
      .add(x.logSoftmax(0).index(1, 2))
      .add(x.logsumexp(1).sum())
      .add(x.std())
      .add(x.norm())
      .add(x.pow(3).div(x.abs().add(1)).sum())
      .add(x.sigmoid().prod())
      .add(x.tanh().var(0).sum())
      .add(torch.where(x.gt(0), x, x.neg().mul(0.5)).sum())
      .add(x.clamp(-0.5, 0.5).sum());
    y.backward();
    check('many_ops', { y, x: x.grad });
  });
});

test('gradients flow through shape ops, slicing, advanced indexing, cat, max, expand, gather', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    const y = x
      .t()
      .reshape(6)
      .index('1:5')
      .mul(torch.tensor([1, 2, 3, 4]))
      .sum()
      .add(x.index(':', [2, 0]).pow(2).sum())
      .add(
        torch
          .cat([x, x.mul(2)], 0)
          .max(0)
          .values.sum(),
      )
      .add(x.unsqueeze(0).expand(3, 2, 3).mean())
      .add(
        x
          .gather(
            1,
            torch.tensor([
              [0n, 0n],
              [2n, 1n],
            ]),
          )
          .sum(),
      );
    y.backward();
    check('shape_ops', { y, x: x.grad });
  });
});

test('backward(gradient) of a non-scalar output', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    x.mul(x).backward(
      torch.tensor([
        [1, 0.5, -1],
        [2, 0, 3],
      ]),
    );
    check('backward_gradient', { x: x.grad });
  });
});

test('gradients accumulate across backward calls with retainGraph', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    const y = x.pow(2).sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    check('accumulate', { x: x.grad });
  });
});

test('a second backward without retainGraph fails with a clear error', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    const y = x.exp().sum();
    y.backward();
    assert.throws(() => y.backward(), /Trying to backward through the graph a second time/);
  });
});

test('retainGrad keeps the gradient of an intermediate', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    const h = x.mul(3);
    assert.equal(h.retainGrad(), h);
    h.tanh().sum().backward();
    check('retain_grad', { h: h.grad, x: x.grad });
    // Without retainGrad a non-leaf has no grad.
    const x2 = leaf(I.x);
    const h2 = x2.mul(3);
    h2.sum().backward();
    assert.equal(h2.grad, null);
    assert.equal(h2.isLeaf, false);
    assert.equal(x2.isLeaf, true);
  });
});

test('autograd.grad: first and second derivatives (createGraph)', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    const y = x.pow(3).sum();
    const [gx] = torch.autograd.grad(y, x, { createGraph: true });
    assert.ok(gx);
    assert.equal(gx.requiresGrad, true);
    const [ggx] = torch.autograd.grad(gx.sum(), x);
    check('autograd_grad', { gx, ggx });
    // autograd.grad does not touch .grad
    assert.equal(x.grad, null);
  });
});

test('autograd.grad with allowUnused returns null for unused inputs', () => {
  torch.tidy(() => {
    const x = leaf(I.x),
      w = leaf(I.w),
      b = leaf(I.b);
    const y = x.matmul(w).sum();
    const [gx, gw, gb] = torch.autograd.grad(y, [x, w, b], { allowUnused: true, retainGraph: true });
    assert.equal(gb, null);
    const exp = fx.cases.autograd_grad_unused;
    assertClose(gx!, exp.x, TOL, 'x');
    assertClose(gw!, exp.w, TOL, 'w');
    // LibTorch's sentence, as 1.13 ("One of the …") and 2.x ("element 1of the …") word it.
    assert.throws(() => torch.autograd.grad(y, [x, b]), { message: /^autograd\.grad: .*differentiated Tensors appears to not have been used in the graph/ });
  });
});

test('gradFn names match PyTorch', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    const got: Record<string, string | null> = {
      add: x.add(x).gradFn,
      mul: x.mul(x).gradFn,
      sum: x.sum().gradFn,
      mean: x.mean().gradFn,
      mm: x.matmul(I.w).gradFn,
      relu: x.relu().gradFn,
      view: x.view(6).gradFn,
      exp: x.exp().gradFn,
      div: x.div(x).gradFn,
      // Number operands go in as wrapped-number tensors, as Python passes them.
      add_number: x.add(1).gradFn,
      sub_number: x.sub(2.5).gradFn,
      mul_number: x.mul(2).gradFn,
      div_number: x.div(2).gradFn,
    };
    assert.deepEqual(got, fx.cases.grad_fn_names);
    assert.equal(x.gradFn, null);
  });
});

test('noGrad: results do not require grad, the mode is restored (also after a throw)', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    assert.equal(torch.isGradEnabled(), true);
    const y = torch.noGrad(() => {
      assert.equal(torch.isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
    assert.equal(torch.isGradEnabled(), true);
    assert.throws(
      () =>
        torch.noGrad(() => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(torch.isGradEnabled(), true);
    // enableGrad inside noGrad records again
    const z = torch.noGrad(() => torch.enableGrad(() => x.mul(2)));
    assert.equal(z.requiresGrad, true);
    // in-place updates of a leaf are allowed under noGrad (the optimizer pattern)
    torch.noGrad(() => x.sub_(1));
    assert.equal(x.isLeaf, true);
    assert.throws(() => x.sub_(1), /a leaf Variable that requires grad is being used in an in-place operation/);
  });
});

test('detach shares data but leaves the graph; detach_ makes a leaf', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    const y = x.mul(2);
    const d = y.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.gradFn, null);
    d.zero_();
    assert.equal(y.abs().sum().item(), 0); // shares storage with y
    const z = x.mul(3);
    z.detach_();
    assert.equal(z.requiresGrad, false);
    assert.equal(z.isLeaf, true);
  });
});

test('inferenceMode: tensors made inside cannot join autograd', () => {
  torch.tidy(() => {
    const x = leaf(I.x);
    const y = torch.inferenceMode(() => {
      assert.equal(torch.isInferenceModeEnabled(), true);
      return x.mul(2);
    });
    assert.equal(torch.isInferenceModeEnabled(), false);
    assert.equal(y.requiresGrad, false);
    assert.throws(() => y.requiresGrad_(true), /inference tensor/i);
  });
});

test('setting .grad and requiresGrad; backward on a tensor that does not require grad fails', () => {
  torch.tidy(() => {
    const x = torch.zeros([2]);
    assert.equal(x.requiresGrad, false);
    x.requiresGrad = true;
    assert.equal(x.requiresGrad, true);
    x.grad = torch.ones([2]);
    assertClose(x.grad!, [1, 1]);
    x.grad = null;
    assert.equal(x.grad, null);
    const c = torch.ones([2]).sum();
    assert.throws(() => c.backward(), /element 0 of tensors does not require grad and does not have a grad_fn/);
  });
});

test('autograd.backward runs all roots in one engine pass, as PyTorch: a leaf hook sees the summed gradient once', () => {
  torch.tidy(() => {
    const a = torch.ones([2], { requiresGrad: true });
    const seen: number[][] = [];
    a.registerHook((g) => {
      seen.push(g.tolist() as number[]);
    });
    torch.autograd.backward([a.sum(), a.mul(2).sum()]);
    // PyTorch 1.13: [[3.0, 3.0]] [3.0, 3.0]
    assert.deepEqual(seen, [[3, 3]]);
    assert.deepEqual(a.grad?.tolist(), [3, 3]);
    // gradTensors with a null for a scalar root; PyTorch: [5.0, 34.0]
    const b = torch.tensor([1, 2], { requiresGrad: true });
    torch.autograd.backward([b.mul(3), b.mul(b).sum()], [torch.tensor([1, 10]), null]);
    assert.deepEqual(b.grad?.tolist(), [5, 34]);
    // PyTorch's messages
    assert.throws(() => torch.autograd.backward([a.sum(), a.sum()], [torch.tensor(1)]), { message: 'autograd.backward: got 2 tensors and 1 gradients' });
    assert.throws(() => torch.autograd.backward([torch.ones([1])]), {
      message: 'autograd.backward: element 0 of tensors does not require grad and does not have a grad_fn',
    });
    assert.throws(() => torch.autograd.backward([a.mul(2)]), {
      message: 'autograd.backward: grad can be implicitly created only for scalar outputs (tensors[0]: float32[2])',
    });
  });
});

test('counting hooks (what DistributedDataParallel uses on CUDA, where JS hooks cannot run) count gradients on any thread', () => {
  torch.tidy(() => {
    const a = torch.ones([2], { requiresGrad: true });
    const id = native.registerGradCounter?.(a._h) as number;
    assert.equal(typeof id, 'number');
    a.sum().backward();
    a.mul(2).sum().backward();
    assert.equal(native.gradCount?.(id), 2);
    assert.equal(native.gradCount?.(id), 0, 'read and reset');
    native.removeHook(id);
    a.sum().backward();
    assert.equal(native.gradCount?.(id), 0, 'removed');
    assert.throws(() => native.registerGradCounter?.(torch.ones([1])._h), { message: /cannot register a hook on a tensor that doesn't require gradient/ });
  });
});
