// Collectives between 2 processes on 127.0.0.1 (started with bin/torchnode-run.mjs), checked
// against the same reductions computed by LibTorch in this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { distributed as dist } from '../lib/index.js';
import { freePort, runLauncher } from './70.distributed.helpers.js';

const available = dist.isAvailable();
const skip = dist.isGlooAvailable() ? false : 'this build has no Gloo backend';
const WORKER = new URL('./72.distributed.worker.ts', import.meta.url).pathname;

function results(prefix: string, n = 2): Record<string, any>[] {
  return Array.from({ length: n }, (_, r) => JSON.parse(readFileSync(`${prefix}.${r}.json`, 'utf8')));
}

test('collectives across 2 processes: allReduce (all ops), broadcast, allGather, barrier, errors', { skip }, async () => {
  const prefix = join(mkdtempSync(join(tmpdir(), 'tn-dist-')), 'coll');
  const { code, out } = await runLauncher(WORKER, ['collectives', prefix]);
  assert.equal(code, 0, out);
  const [r0, r1] = results(prefix);
  assert.deepEqual(r0.rankWorld, [0, 2, true, 'gloo']);
  assert.deepEqual(r1.rankWorld, [1, 2, true, 'gloo']);
  // torchnode-run's environment (torchrun's variable names).
  assert.deepEqual(r0.env, ['0', '0', '2', '2', '0', '127.0.0.1']);
  assert.deepEqual(r1.env, ['1', '1', '2', '2', '0', '127.0.0.1']);
  const inputs = torch.stack([torch.tensor(r0.input as number[][]), torch.tensor(r1.input as number[][])]);
  const expected: Record<string, torch.Tensor> = {
    sum: inputs.sum(0),
    avg: inputs.sum(0).div(2),
    max: inputs.amax(0),
    min: inputs.amin(0),
    product: inputs.prod(0),
  };
  for (const [op, e] of Object.entries(expected)) {
    for (const r of [r0, r1]) {
      const got = torch.tensor(r[`allReduce_${op}`] as number[][]);
      assert.ok(got.allclose(e, { rtol: 1e-6, atol: 1e-7 }), `${op} on rank ${r.rank}: ${String(got)} vs ${String(e)}`);
    }
    // Every rank ends with bit-identical results.
    assert.deepEqual(r0[`allReduce_${op}`], r1[`allReduce_${op}`]);
  }
  assert.deepEqual(r0.allReduceInt, [3, 30]);
  assert.deepEqual(r1.allReduceInt, [3, 30]);
  assert.deepEqual(r0.broadcast, r1.input);
  assert.deepEqual(r1.broadcast, r1.input);
  assert.deepEqual(r0.allGather, [r0.input, r1.input]);
  assert.deepEqual(r1.allGather, [r0.input, r1.input]);
  const many = Array.from({ length: 8 }, (_, i) => [1, 1, 1, 1].map(() => 2 * i + 1));
  assert.deepEqual(r0.many, many);
  assert.deepEqual(r1.many, many);
  assert.ok((r0.barrierWaitedMs as number) >= 250, `rank 0 left the barrier after ${r0.barrierWaitedMs} ms although rank 1 entered it 300 ms late`);
  assert.match(r0.reduceScatterError as string, /^distributed\.reduceScatter: .*does not support reduce_scatter/);
  assert.deepEqual(r0.argErrors, [
    "distributed.allReduce: Expected one of 'sum', 'avg', 'product', 'min', 'max' for op but received 'mean' of type string",
    'distributed.broadcast: src 2 is not a rank of this group (expected 0..1)',
    'distributed.allGather: Expected outputList to hold worldSize (2) tensors but received 1',
    'distributed.allReduce: Expected a contiguous tensor for tensor (call .contiguous() first)',
  ]);
  assert.equal(r0.afterDestroy, false);
});

test('8 collectives awaiting a late peer leave the event loop and libuv pool free (fs, crypto answer at once)', { skip }, async () => {
  const prefix = join(mkdtempSync(join(tmpdir(), 'tn-dist-')), 'resp');
  const { code, out } = await runLauncher(WORKER, ['responsive', prefix]);
  assert.equal(code, 0, out);
  const [r0, r1] = results(prefix);
  console.log(
    `while 8 collectives waited: readFile ${r0.readFileMs.toFixed(1)} ms, 4 pbkdf2 ${r0.cryptoMs.toFixed(1)} ms; the collectives completed ${r0.collectivesWaitedMs.toFixed(0)} ms later`,
  );
  // With one blocked libuv thread per collective (4 threads), these waited for the peer: ~1.3 s.
  assert.ok(r0.readFileMs < 250, `readFile took ${r0.readFileMs} ms`);
  assert.ok(r0.cryptoMs < 250, `pbkdf2 took ${r0.cryptoMs} ms`);
  assert.ok(r0.collectivesWaitedMs > 500, 'the collectives were still waiting for rank 1 when fs and crypto answered');
  const sums = Array.from({ length: 8 }, (_, i) => [1, 1, 1, 1].map(() => 2 * i + 1));
  assert.deepEqual(r0.sums, sums);
  assert.deepEqual(r1.sums, sums);
});

test('a collective whose peer never joins it rejects with a timeout error', { skip }, async () => {
  const prefix = join(mkdtempSync(join(tmpdir(), 'tn-dist-')), 'to');
  const { code, out } = await runLauncher(WORKER, ['collective-timeout', prefix]);
  assert.equal(code, 0, out);
  const r0 = JSON.parse(readFileSync(`${prefix}.0.json`, 'utf8'));
  assert.match(r0.error, /^distributed\.allReduce: timed out after 2000 ms waiting for the other ranks/);
  assert.ok(r0.elapsedMs >= 1500 && r0.elapsedMs < 15000, `timed out after ${r0.elapsedMs} ms`);
});

test('initProcessGroup rejects with a timeout when a rank never joins the rendezvous', { skip }, async () => {
  const port = await freePort();
  const t0 = Date.now();
  let said = 0;
  await assert.rejects(dist.initProcessGroup({ initMethod: `tcp://127.0.0.1:${port}`, rank: 0, worldSize: 2, timeout: 1500 }), (e: Error) => {
    // The message says how long it waited: the timeout applies to each rendezvous step (store, then Gloo).
    const m =
      /^distributed\.initProcessGroup: timed out after (\d+) ms waiting for all 2 ranks to join the rendezvous at 127\.0\.0\.1:(\d+) as rank 0 \(the timeout of 1500 ms applies to each rendezvous step: the store's wait for all ranks to connect, then each peer's address\) \(.+\)$/.exec(
        e.message,
      );
    assert.ok(m, e.message);
    assert.equal(Number(m[2]), port);
    said = Number(m[1]);
    return true;
  });
  const elapsed = Date.now() - t0;
  assert.ok(said >= 1500 && said <= elapsed, `said ${said} ms, took ${elapsed} ms`);
  assert.ok(elapsed >= 1000 && elapsed < 15000, `rejected after ${elapsed} ms`);
  assert.equal(dist.isInitialized(), false);
});

test('the launcher stops the group when one rank fails and exits non-zero', { skip }, async () => {
  const t0 = Date.now();
  const { code, out } = await runLauncher(WORKER, ['fail', '/dev/null']);
  assert.notEqual(code, 0);
  assert.match(out, /\[rank1\]: .*rank 1 fails on purpose/);
  // Rank 0 is stopped (or fails on the broken connection); the summary names rank 1 as the root cause.
  assert.match(
    out,
    /Root Cause \(first observed failure\):\n\[0\]:\n {2}time {6}: \S+\n {2}host {6}: \S+\n {2}rank {6}: 1 \(local_rank: 1\)\n {2}exitcode {2}: 1 \(pid: \d+\)/,
  );
  assert.equal(code, 1);
  assert.ok(Date.now() - t0 < 30000);
});

test('argument validation and not-initialized errors', async () => {
  const t = torch.ones([2]);
  // (backend 'nccl': test/73.distributed.nccl.test.ts)
  await assert.rejects(dist.initProcessGroup({ backend: 'mpi' as never, initMethod: 'tcp://127.0.0.1:1', rank: 0, worldSize: 1 }), {
    message: available ? "distributed.initProcessGroup: Expected one of 'gloo', 'nccl' for backend but received 'mpi' of type string" : /not available/,
  });
  if (!dist.isGlooAvailable()) return;
  await assert.rejects(dist.initProcessGroup({ initMethod: 'udp://x', rank: 0, worldSize: 1 }), {
    message: "distributed.initProcessGroup: Expected 'env://' or 'tcp://host:port' for initMethod but received 'udp://x'",
  });
  await assert.rejects(dist.initProcessGroup({ initMethod: 'tcp://127.0.0.1:29500', rank: 2, worldSize: 2 }), {
    message: 'distributed.initProcessGroup: rank 2 is out of range for worldSize 2 (expected 0..1)',
  });
  await assert.rejects(dist.initProcessGroup({ initMethod: 'tcp://127.0.0.1:29500', rank: 0, worldSize: 1.5 }), {
    message: 'distributed.initProcessGroup: Expected positive integer for worldSize but received 1.5 of type number',
  });
  await assert.rejects(dist.allReduce(t), {
    message: 'distributed.allReduce: the default process group is not initialized; call (and await) distributed.initProcessGroup() first',
  });
  assert.throws(() => dist.getRank(), {
    message: 'distributed.getRank: the default process group is not initialized; call (and await) distributed.initProcessGroup() before getRank()',
  });
  // A group of one works without peers.
  const port = await freePort();
  await dist.initProcessGroup({ initMethod: `tcp://127.0.0.1:${port}`, rank: 0, worldSize: 1, timeout: 5000 });
  const x = torch.tensor([1, 2, 3]);
  await dist.allReduce(x, { op: 'avg' });
  assert.deepEqual(x.tolist(), [1, 2, 3]);
  await assert.rejects(dist.initProcessGroup({ initMethod: `tcp://127.0.0.1:${port}`, rank: 0, worldSize: 1 }), {
    message: 'distributed.initProcessGroup: the default process group is already initialized (call destroyProcessGroup() first)',
  });
  dist.destroyProcessGroup();
  assert.equal(dist.isInitialized(), false);
  assert.ok(existsSync(WORKER));
});
