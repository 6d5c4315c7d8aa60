/** Datasets and randomSplit against PyTorch 1.13 (tools/golden/data.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as torch from '../lib/index.js';
import { data } from '../lib/index.js';

const G = JSON.parse(readFileSync(new URL('./fixtures/data.json', import.meta.url), 'utf8')) as any;
const sha = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');
const idxHash = (a: readonly number[]) => sha(a.join(','));
const stateHash = () => tidyBytes(torch.getRngState());
function tidyBytes(t: torch.Tensor): string {
  const b = t.dataSync() as Uint8Array;
  t.dispose();
  return sha(b);
}

test("randomSplit(50000, [45000, 5000], seed 42) gives PyTorch's indices", () => {
  const ds = new data.TensorDataset(torch.arange(50000, { dtype: 'int64' }));
  const [tr, va] = data.randomSplit(ds, [45000, 5000], new torch.Generator().manualSeed(42));
  assert.deepEqual(va.indices.slice(0, 20), G.split_50000.val_first20);
  assert.deepEqual(va.indices.slice(0, 5), [17408, 40845, 3378, 22188, 44921]);
  assert.deepEqual(tr.indices.slice(0, 20), G.split_50000.train_first20);
  assert.equal(idxHash(va.indices), G.split_50000.val_hash);
  assert.equal(idxHash(tr.indices), G.split_50000.train_hash);
  assert.equal(tr.len(), 45000);
  assert.equal(va.len(), 5000);
  // Subset.get maps through the indices.
  const [x] = va.get(0);
  assert.equal(Number(x.item()), 17408);
});

test('randomSplit with fractions: floor then round-robin remainder (PyTorch 1.13)', () => {
  for (const key of ['split_fractions', 'split_fractions2']) {
    const c = G[key];
    const ds = new data.TensorDataset(torch.arange(c.n, { dtype: 'int64' }));
    const parts = data.randomSplit(ds, c.fractions, new torch.Generator().manualSeed(c.seed));
    assert.deepEqual(
      parts.map((p) => p.indices),
      c.indices,
      key,
    );
  }
});

test('randomSplit without a generator uses (and advances) the default generator', () => {
  const c = G.split_default_gen;
  torch.manualSeed(c.seed);
  const parts = data.randomSplit(new data.TensorDataset(torch.arange(10)), [3, 7]);
  assert.deepEqual(
    parts.map((p) => p.indices),
    c.indices,
  );
  assert.equal(stateHash(), c.state_after);
  const r = torch.rand([3]);
  assert.deepEqual(Array.from(r.dataSync() as Float32Array), c.rand_after.map(Math.fround));
});

test('randomSplit validates its arguments', () => {
  const ds = new data.TensorDataset(torch.arange(10));
  assert.throws(() => data.randomSplit(ds, [3, 8]), { message: 'randomSplit: sum of input lengths (11) does not equal the length of the input dataset (10)' });
  assert.throws(() => data.randomSplit(ds, [3, 6.5]), { message: 'randomSplit: Expected non-negative integer for lengths[1] but received 6.5 of type number' });
  assert.throws(() => data.randomSplit(ds, [] as number[]), /expected a non-empty array/);
  assert.throws(() => data.randomSplit(ds, [5, 5], {} as torch.Generator), {
    message: 'randomSplit: expected Generator for generator but received an object of type Object',
  });
});

test('TensorDataset, Subset, ConcatDataset', () => {
  const x = torch.arange(12).view(6, 2);
  const y = torch.tensor([0, 1, 2, 3, 4, 5], { dtype: 'int64' });
  const ds = new data.TensorDataset(x, y);
  assert.equal(ds.len(), 6);
  assert.equal(ds.length, 6);
  const [x3, y3] = ds.get(3);
  assert.deepEqual(x3.toArray(), [6, 7]);
  assert.equal(Number(y3.item()), 3);
  assert.equal(Number(ds.get(-1)[1].item()), 5);
  assert.throws(() => ds.get(6), { message: 'TensorDataset.get: expected an integer index in [-6, 6) but received 6 of type number' });
  assert.throws(() => new data.TensorDataset(x, torch.zeros([5])), /size mismatch between tensors/);
  // Storage survives a caller's tidy scope.
  torch.tidy(() => new data.TensorDataset(torch.ones([2])));
  const kept = torch.tidy(() => new data.TensorDataset(torch.ones([2, 2])));
  assert.equal(kept.tensors[0].sum().item(), 4);

  const sub = new data.Subset(ds, [5, 0, 2]);
  assert.deepEqual(sub.getBatch(torch.tensor([0, 2], { dtype: 'int64' }))[1].toArray(), [5, 2]);
  assert.equal(Number(sub.get(0)[1].item()), 5);
  assert.throws(() => new data.Subset(ds, [1, 9]), /indices\[1\] = 9 of type number is out of range for a dataset of 6 samples/);
  const nested = new data.Subset(sub, [2, 0]);
  assert.ok(data.hasBatchGather(nested));
  assert.deepEqual(nested.getBatch(torch.tensor([0, 1], { dtype: 'int64' }))[1].toArray(), [2, 5]);

  const cat = new data.ConcatDataset([ds, sub]);
  assert.equal(cat.len(), 9);
  assert.deepEqual(cat.cumulativeSizes, [6, 9]);
  assert.equal(Number(cat.get(6)[1].item()), 5);
  assert.equal(Number(cat.get(8)[1].item()), 2);
  assert.ok(!data.hasBatchGather(cat));
});
