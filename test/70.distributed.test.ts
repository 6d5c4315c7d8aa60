// DistributedDataParallel end to end: 2 processes on 127.0.0.1 (torchnode-run) train the
// homework's CNN3 for 50 SGD steps on their halves of each step's batch. After every step the
// ranks hold bit-identical parameters, equal (1e-5) to one process training on the whole batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { distributed as dist } from '../lib/index.js';
import { CNN3, STEPS, batchOf, lossBackward, sgd, flatParams, runLauncher } from './70.distributed.helpers.js';

const skip = dist.isGlooAvailable() ? false : 'this build has no Gloo backend';

function readRows(file: string, nParams: number): Float32Array[] {
  const b = readFileSync(file);
  const all = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  assert.equal(all.length, (STEPS + 1) * nParams, `${file}: expected ${STEPS + 1} rows of ${nParams} floats`);
  return Array.from({ length: STEPS + 1 }, (_, i) => all.subarray(i * nParams, (i + 1) * nParams));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return torch.tidy(() => torch.tensor(a).sub(torch.tensor(b)).abs().max().item() as number);
}

test('DDP: 2 ranks train CNN3 in lockstep and match single-process training on the combined batches', { skip }, async () => {
  // Reference: one process, whole batches (16 samples), same initialisation as rank 0.
  torch.manualSeed(0);
  const model = new CNN3();
  const opt = sgd(model);
  const ref: Float32Array[] = [flatParams(model)];
  for (let step = 0; step < STEPS; step++) {
    const [x, y] = batchOf(step);
    lossBackward(model, x, y);
    opt.step();
    torch.dispose([x, y]);
    ref.push(flatParams(model));
  }
  const n = ref[0].length;
  assert.equal(n, 448 + 3208 + 6288 + 1450);

  const prefix = join(mkdtempSync(join(tmpdir(), 'tn-ddp-')), 'params');
  // bucketCapMb 0.02: CNN3's 45 KB of gradients go into several buckets, exercising the bucketing.
  const { code, out } = await runLauncher(new URL('./70.distributed.worker.ts', import.meta.url).pathname, [prefix, '0.02'], 2, 300000);
  assert.equal(code, 0, out);
  const r0 = readRows(`${prefix}.0.bin`, n);
  const r1 = readRows(`${prefix}.1.bin`, n);
  // Row 0: right after construction, rank 1's different initialisation was replaced by rank 0's.
  assert.deepEqual(r1[0], r0[0]);
  assert.deepEqual(r0[0], ref[0]);
  let worst = 0;
  for (let s = 1; s <= STEPS; s++) {
    assert.deepEqual(r1[s], r0[s], `ranks differ after step ${s}`);
    const d = maxAbsDiff(r0[s], ref[s]);
    worst = Math.max(worst, d);
    assert.ok(d <= 1e-5, `after step ${s}, DDP differs from single-process training by ${d}`);
  }
  // Training moved the parameters (the comparison is not between untouched copies).
  assert.ok(maxAbsDiff(r0[STEPS], r0[0]) > 1e-3);
  console.log(`max |DDP - single process| over ${STEPS} steps: ${worst.toExponential(2)}`);
});

test('DistributedDataParallel validates its arguments', () => {
  assert.throws(() => new dist.DistributedDataParallel({} as never), {
    message: 'DistributedDataParallel: Expected an nn.Module for module but received an object of type Object',
  });
  assert.throws(() => new dist.DistributedDataParallel(new CNN3(), { bucketCapMb: 0 }), {
    message: 'DistributedDataParallel: Expected positive number for bucketCapMb but received 0 of type number',
  });
  assert.throws(() => new dist.DistributedDataParallel(new CNN3(), { bucketcap: 1 } as never), {
    message: "DistributedDataParallel: unknown option 'bucketcap' (expected one of bucketCapMb, broadcastBuffers, findUnusedParameters)",
  });
  assert.throws(() => new dist.DistributedDataParallel(new CNN3(), { findUnusedParameters: 1 } as never), {
    message: 'DistributedDataParallel: Expected boolean for findUnusedParameters but received 1 of type number',
  });
  assert.throws(() => new dist.DistributedDataParallel(new CNN3()), {
    message: 'DistributedDataParallel: the default process group is not initialized; await distributed.initProcessGroup() first',
  });
});
