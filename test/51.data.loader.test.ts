/** DataLoader: batches and default-generator state against PyTorch 1.13 (tools/golden/data.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as torch from '../lib/index.js';
import { data, type Tensor } from '../lib/index.js';

const G = JSON.parse(readFileSync(new URL('./fixtures/data.json', import.meta.url), 'utf8')) as any;
const L = G.loaders;
const sha = (s: Uint8Array) => createHash('sha256').update(s).digest('hex');
function stateHash(g?: torch.Generator): string {
  const t = g ? g.getState() : torch.getRngState();
  const h = sha(t.dataSync() as Uint8Array);
  t.dispose();
  return h;
}
const N = 100;
const makeDs = () => new data.TensorDataset(torch.arange(N, { dtype: 'int64' }), torch.arange(N, { dtype: 'int64' }).mul(7).remainder(10));
const asList = (b: [Tensor, Tensor]) => ({ x: b[0].toArray(), y: b[1].toArray() });
function take(it: Iterator<[Tensor, Tensor]>, k: number) {
  const out = [];
  for (let i = 0; i < k; i++) out.push(asList(it.next().value as [Tensor, Tensor]));
  return out;
}

test('shuffled loader, default generator: first 3 batches and RNG state as PyTorch', () => {
  const c = L.shuffle_default;
  torch.manualSeed(c.seed);
  const dl = new data.DataLoader(makeDs(), { batchSize: c.batch_size, shuffle: true });
  assert.equal(dl.len(), c.len);
  assert.equal(stateHash(), c.state_before);
  const it = dl[Symbol.iterator]();
  assert.equal(stateHash(), c.state_after_iter, 'iter(loader) draws the base seed');
  assert.deepEqual(take(it, 3), c.batches);
  assert.equal(stateHash(), c.state_after_3);
  assert.deepEqual(Array.from(torch.rand([3]).dataSync() as Float32Array), c.rand_after.map(Math.fround));
});

test('shuffled loader with its own generator leaves the default generator alone', () => {
  const c = L.shuffle_generator;
  torch.manualSeed(c.seed);
  const before = stateHash();
  const g = new torch.Generator().manualSeed(c.gen_seed);
  const dl = new data.DataLoader(makeDs(), { batchSize: c.batch_size, shuffle: true, generator: g });
  assert.deepEqual(take(dl[Symbol.iterator](), 3), c.batches);
  assert.equal(stateHash(), c.state_after);
  assert.equal(stateHash(), before);
  assert.deepEqual(take(dl[Symbol.iterator](), 1), c.epoch2_first);
  assert.equal(stateHash(g), c.gen_state_after);
});

test('sequential loader draws one base seed per iterator; dropLast', () => {
  const c = L.sequential;
  torch.manualSeed(c.seed);
  const dl = new data.DataLoader(makeDs(), { batchSize: c.batch_size });
  assert.equal(dl.len(), c.len);
  const it = dl[Symbol.iterator]();
  assert.equal(stateHash(), c.state_after_iter);
  assert.deepEqual(take(it, 4), c.batches);
  assert.equal(it.next().done, true);
  const d = new data.DataLoader(makeDs(), { batchSize: 30, dropLast: true });
  assert.equal(d.len(), L.drop_last.len);
  assert.deepEqual(
    [...d].map((b) => b[0].shape[0]),
    L.drop_last.sizes,
  );
});

test('the homework pattern: split, loaders, one batch each, then model init (randn) match PyTorch', () => {
  const c = L.homework;
  torch.manualSeed(c.seed);
  const full = new data.TensorDataset(torch.arange(1000, { dtype: 'int64' }), torch.arange(1000, { dtype: 'int64' }).mul(3).remainder(10));
  const [trs, vas] = data.randomSplit(full, [900, 100], new torch.Generator().manualSeed(42));
  const trl = new data.DataLoader(trs, { batchSize: 50, shuffle: true });
  const val = new data.DataLoader(vas, { batchSize: 50 });
  assert.equal(trl.len(), c.len_train);
  assert.equal(val.len(), c.len_val);
  assert.deepEqual(take(trl[Symbol.iterator](), 1)[0], c.train_first);
  assert.deepEqual(take(val[Symbol.iterator](), 1)[0], c.val_first);
  assert.deepEqual(take(trl[Symbol.iterator](), 1)[0].x, c.train_epoch2_first);
  assert.deepEqual(Array.from(torch.randn([5]).dataSync() as Float32Array), c.randn_after.map(Math.fround));
});

test('async iteration (with and without prefetch) yields the same batches and RNG use', async () => {
  const c = L.shuffle_default;
  for (const prefetch of [false, true]) {
    torch.manualSeed(c.seed);
    const dl = new data.DataLoader(makeDs(), { batchSize: c.batch_size, shuffle: true, prefetch });
    const got = [];
    for await (const b of dl) {
      got.push(asList(b));
      if (got.length === 3) break;
    }
    assert.deepEqual(got, c.batches, `prefetch=${prefetch}`);
    assert.equal(stateHash(), c.state_after_3);
  }
  // A full async epoch covers every sample once.
  const dl = new data.DataLoader(makeDs(), { batchSize: 7, shuffle: true, prefetch: true });
  const seen: number[] = [];
  for await (const [x] of dl) seen.push(...(x.toArray() as number[]));
  assert.deepEqual(
    seen.slice().sort((a, b) => a - b),
    Array.from({ length: N }, (_, i) => i),
  );
});

test('datasets without getBatch fall back to get(i) + defaultCollate; custom collate', () => {
  class Squares extends data.Dataset<[Tensor, number]> {
    len() {
      return 10;
    }
    get(i: number): [Tensor, number] {
      return [torch.tensor([i, i * i]), i % 3];
    }
  }
  const dl = new data.DataLoader<[Tensor, Tensor]>(new Squares() as unknown as data.Dataset<unknown>, { batchSize: 4 });
  const [x, y] = [...dl][2];
  assert.deepEqual(x.toArray(), [
    [8, 64],
    [9, 81],
  ]);
  assert.equal(y.dtype, 'int64');
  assert.deepEqual(y.toArray(), [2, 0]);
  const sums = new data.DataLoader(new Squares() as unknown as data.Dataset<unknown>, {
    batchSize: 5,
    collate: (s: [Tensor, number][]) => s.reduce((a, [, l]) => a + l, 0),
  });
  assert.deepEqual([...sums], [4, 5]);
});

test('loader batches belong to the caller: tidy frees them, storage survives', () => {
  const ds = makeDs();
  const dl = new data.DataLoader(ds, { batchSize: 10, shuffle: true });
  const before = torch.memory().numTensors;
  for (const batch of dl) {
    torch.tidy(() => {
      batch[0].add(1).sum();
    });
    torch.dispose(batch);
  }
  assert.equal(torch.memory().numTensors, before);
  const inScope = torch.tidy(() => {
    const [x] = dl[Symbol.iterator]().next().value as [Tensor, Tensor];
    return x.shape[0];
  });
  assert.equal(inScope, 10);
  assert.equal(torch.memory().numTensors, before);
  assert.equal(ds.tensors[0].shape[0], N);
});

test('DataLoader validates its options', () => {
  const ds = makeDs();
  assert.throws(() => new data.DataLoader(ds, { batchSize: 0 }), {
    message: 'DataLoader: Expected positive integer for batchSize but received 0 of type number',
  });
  assert.throws(() => new data.DataLoader(ds, { batch_size: 4 } as never), {
    message:
      "DataLoader: unknown option 'batch_size' (expected one of batchSize, shuffle, sampler, dropLast, generator, collate, prefetch, numWorkers, prefetchFactor, persistentWorkers, workerInitFn, timeout)",
  });
  assert.throws(() => new data.DataLoader(ds, { shuffle: true, sampler: new data.SequentialSampler(ds) }), {
    message: 'DataLoader: sampler option is mutually exclusive with shuffle',
  });
  assert.throws(() => new data.DataLoader([] as never), /DataLoader: expected Dataset for dataset but received/);
});
