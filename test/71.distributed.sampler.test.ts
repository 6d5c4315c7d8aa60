// DistributedSampler and BatchSampler against PyTorch 1.13 (tools/golden/distributed.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../lib/index.js';
import { distributed as dist, data } from '../lib/index.js';

interface Case {
  n: number;
  numReplicas: number;
  shuffle: boolean;
  dropLast: boolean;
  seed: number;
  epoch: number;
  ranks: { len: number; indices: number[] }[];
}
const golden = JSON.parse(readFileSync(new URL('./fixtures/distributed_sampler.json', import.meta.url), 'utf8')) as { cases: Case[] };

test('DistributedSampler: same indices and lengths as PyTorch for every rank/seed/epoch/padding case', () => {
  assert.ok(golden.cases.length > 100);
  for (const c of golden.cases) {
    c.ranks.forEach((r, rank) => {
      const s = new dist.DistributedSampler(c.n, { numReplicas: c.numReplicas, rank, shuffle: c.shuffle, seed: c.seed, dropLast: c.dropLast });
      s.setEpoch(c.epoch);
      const label = JSON.stringify({ ...c, ranks: undefined, rank });
      assert.equal(s.length, r.len, label);
      assert.deepEqual([...s], r.indices, label);
    });
  }
});

test('DistributedSampler: accepts datasets with length or len(); setEpoch changes the shuffle', () => {
  const c = golden.cases.find((x) => x.n === 100 && x.numReplicas === 2 && x.shuffle && !x.dropLast && x.seed === 0 && x.epoch === 3)!;
  const s = new dist.DistributedSampler({ len: () => 100 }, { numReplicas: 2, rank: 1 });
  const e0 = [...s];
  s.setEpoch(3);
  assert.deepEqual([...s], c.ranks[1].indices);
  assert.notDeepEqual(e0, c.ranks[1].indices);
  const s2 = new dist.DistributedSampler({ length: 100 }, { numReplicas: 2, rank: 1 });
  assert.deepEqual([...s2], e0);
});

test('DistributedSampler drives data.DataLoader as its sampler', () => {
  const x = torch.arange(17, { dtype: 'float32' });
  const loader = new data.DataLoader(new data.TensorDataset(x, x), {
    batchSize: 4,
    sampler: new dist.DistributedSampler(17, { numReplicas: 2, rank: 0, shuffle: false }),
  });
  assert.equal(loader.len(), 3);
  const seen = [...loader].map(([xb]) => xb.tolist());
  const golden17 = golden.cases.find((c) => c.n === 17 && c.numReplicas === 2 && !c.shuffle && !c.dropLast)!;
  assert.deepEqual(seen.flat(), golden17.ranks[0].indices);
});

test('DistributedSampler validates their arguments', () => {
  assert.throws(() => new dist.DistributedSampler(10, { numReplicas: 2, rank: 2 }), {
    message: 'DistributedSampler: Invalid rank 2, rank should be in the interval [0, 1]',
  });
  assert.throws(() => new dist.DistributedSampler(10, { numReplicas: 0, rank: 0 }), {
    message: 'DistributedSampler: Expected positive integer for numReplicas but received 0 of type number',
  });
  assert.throws(() => new dist.DistributedSampler(10), {
    message:
      "DistributedSampler: numReplicas and rank default to the process group's, but it is not initialized (await distributed.initProcessGroup() first, or pass numReplicas and rank)",
  });
  assert.throws(() => new dist.DistributedSampler(10, { numReplicas: 2, rank: 0, shufle: true } as never), {
    message: "DistributedSampler: unknown option 'shufle' (expected one of numReplicas, rank, shuffle, seed, dropLast)",
  });
  assert.throws(() => new dist.DistributedSampler(10, { numReplicas: 2, rank: 0 }).setEpoch(1.5), {
    message: 'DistributedSampler.setEpoch: Expected integer for epoch but received 1.5 of type number',
  });
});
