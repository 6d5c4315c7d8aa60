/**
 * Deterministic memory: dispose(), tidy() (frees all but what is returned or kept), nested
 * scopes, `using`, and a long small-op loop whose tensor count stays exactly flat and whose RSS
 * stays flat within a tolerance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full collection before each RSS reading, also when node runs without --expose-gc (npm test
// does): otherwise V8's uncollected garbage counts as growth.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const live = () => torch.memory().numTensors;

test('dispose() frees once and is safe to call twice', () => {
  const before = live();
  const t = torch.ones([3]);
  assert.equal(live(), before + 1);
  t.dispose();
  assert.equal(live(), before);
  t.dispose();
  assert.equal(live(), before);
  assert.equal(t.isDisposed, true);
});

test('memory() counts live tensors and their bytes', () => {
  const m0 = torch.memory();
  const t = torch.zeros([10, 10], { dtype: 'float64' });
  const m1 = torch.memory();
  assert.equal(m1.numTensors, m0.numTensors + 1);
  assert.equal(m1.numBytes, m0.numBytes + 800);
  t.dispose();
  assert.deepEqual(torch.memory(), m0);
});

test('tidy frees every tensor made inside except those returned', () => {
  const before = live();
  const [r1, obj] = torch.tidy(() => {
    const a = torch.ones([4]);
    const b = a.mul(2).add(1);
    b.exp();
    return [b, { nested: { c: a.sum() } }] as const;
  });
  assert.equal(live(), before + 2);
  assert.equal(r1.isDisposed, false);
  assert.equal(obj.nested.c.item(), 4);
  r1.dispose();
  obj.nested.c.dispose();
  assert.equal(live(), before);
});

test('tidy frees results of max(dim) except a returned ValuesIndices', () => {
  const before = live();
  const vi = torch.tidy(() => torch.arange(6, { dtype: 'float32' }).view(2, 3).max(1));
  assert.equal(live(), before + 2);
  torch.dispose(vi);
  assert.equal(live(), before);
});

test('keep() survives the scope; tensors made outside any scope are untouched', () => {
  const before = live();
  const outside = torch.ones([2]);
  let kept: Tensor | undefined;
  torch.tidy(() => {
    outside.add(1);
    kept = torch.keep(torch.zeros([2]));
    torch.zeros([5]);
  });
  assert.equal(live(), before + 2);
  assert.equal(outside.isDisposed, false);
  assert.equal(kept!.isDisposed, false);
  torch.dispose([outside, kept]);
  assert.equal(live(), before);
});

test('nested tidy: the inner result moves to the outer scope and is freed there', () => {
  const before = live();
  let inner: Tensor | undefined;
  const out = torch.tidy(() => {
    inner = torch.tidy(() => {
      torch.ones([3]);
      return torch.ones([2]);
    });
    assert.equal(live(), before + 1);
    return inner.mul(3);
  });
  assert.equal(inner!.isDisposed, true, 'the inner result was not returned by the outer scope');
  assert.deepEqual(out.toArray(), [3, 3]);
  out.dispose();
  assert.equal(live(), before);
});

test('tidy frees everything when fn throws, and rejects async functions', async () => {
  const before = live();
  assert.throws(
    () =>
      torch.tidy(() => {
        torch.ones([3]);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(live(), before);
  assert.throws(() => torch.tidy((async () => torch.ones([1])) as never), {
    message: 'tidy: the function must be synchronous (it returned a Promise); await inside and dispose explicitly',
  });
  await new Promise((r) => setImmediate(r));
});

test('`using` disposes at the end of the block (tsx lowers it on Node 20)', () => {
  const before = live();
  {
    using t = torch.ones([2]);
    using v = t.view(1, 2);
    using vi = v.max(1); // ValuesIndices is disposable too
    assert.equal(live(), before + 4);
    assert.equal(vi.values.item(), 1);
  }
  assert.equal(live(), before);
});

test('in-place ops and views do not add to the count beyond their handles', () => {
  torch.tidy(() => {
    const t = torch.zeros([4]);
    const before = live();
    t.add_(1).mul_(2);
    assert.equal(live(), before);
    const v = t.view(2, 2);
    assert.equal(live(), before + 1);
    v.dispose();
    assert.equal(t.sum().item(), 8); // the base survives its view's disposal
  });
});

test('10k small-op steps inside tidy keep numTensors exactly flat and RSS flat', () => {
  const w = torch.keep(torch.randn([16, 16], { requiresGrad: true }));
  const x = torch.keep(torch.randn([8, 16]));
  const step = () =>
    torch.tidy(() => {
      const y = x.matmul(w).relu().add(0.5).mul(x.sum()).softmax(1);
      const loss = y.log().neg().mean();
      loss.backward();
      torch.noGrad(() => {
        w.sub_(w.grad!.mul(1e-3));
      });
      w.grad = null;
      return loss.item();
    });
  const counts: number[] = [];
  // Warm-up: allocator caches, JIT. glibc's arenas settle over the first ~10k steps (RSS then
  // stays flat for 60k more: measured), so a shorter warm-up reads their growth as a leak.
  for (let i = 0; i < 12000; i++) step();
  gc();
  const rss0 = process.memoryUsage().rss;
  const n0 = live();
  for (let i = 0; i < 10000; i++) {
    step();
    if (i % 1000 === 0) counts.push(live());
  }
  gc();
  const rss1 = process.memoryUsage().rss;
  assert.deepEqual(
    counts,
    counts.map(() => n0),
    'live tensor count drifted',
  );
  assert.equal(live(), n0);
  const grownMB = (rss1 - rss0) / 2 ** 20;
  // A leak only grows: RSS may also shrink (the allocator returning pages), which is no failure.
  assert.ok(grownMB < 5, `RSS grew by ${grownMB.toFixed(2)} MB over 10k steps`);
  torch.dispose([w, x]);
});
