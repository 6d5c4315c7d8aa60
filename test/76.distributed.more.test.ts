// torch.distributed's point-to-point, rooted and all-to-all collectives and subgroups (send/recv,
// isend/irecv, reduce, gather, scatter, allToAll, allToAllSingle, newGroup, and the object collectives) between 3 processes on
// 127.0.0.1: three Node ranks, then Node / Python / Node, where the Python rank
// (test/76.distributed.worker.py, Debian's torch 1.13) runs the same steps with PyTorch's own
// functions. Each rank prints one JSON line; the values are checked against what the steps must
// give, and the Node ranks' against the Python rank's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distributed as dist } from '../lib/index.js';
import * as torch from '../lib/index.js';
import { freePort, mixedGroupSkipReason, PYTHON, rankOutputs, runRank } from './70.distributed.helpers.js';

const NODE_WORKER = new URL('./76.distributed.worker.ts', import.meta.url).pathname;
const PY_WORKER = new URL('./76.distributed.worker.py', import.meta.url).pathname;
const CHILD_TIMEOUT_MS = 50000;

const available = dist.isAvailable();

type Lang = 'node' | 'python';
type Out = Record<string, any>;

/** Runs one rank per entry of `langs` through env:// and returns their JSON lines. */
async function group(langs: Lang[]): Promise<Out[]> {
  const port = await freePort();
  const nodeOnly = langs.every((l) => l === 'node');
  const results = await Promise.all(
    langs.map((lang, rank) => {
      const env = { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), RANK: String(rank), WORLD_SIZE: String(langs.length) };
      const opts = { timeoutMs: CHILD_TIMEOUT_MS, env };
      return lang === 'node'
        ? runRank(process.execPath, ['--import', 'tsx', NODE_WORKER, nodeOnly ? 'node-only' : 'mixed'], opts)
        : runRank(PYTHON, [PY_WORKER], opts);
    }),
  );
  return rankOutputs<Out>(results, langs);
}

/** What the common steps must give on each of the 3 ranks. */
function checkCommon(outs: Out[], langs: Lang[]): void {
  const ranks = [0, 1, 2];
  outs.forEach((o, r) => {
    const who = `rank ${r} (${langs[r]})`;
    assert.equal(o.rank, r, who);
    assert.equal(o.lang, langs[r], who);
    assert.deepEqual(o.ring, [((r + 2) % 3) + 1, ((r + 2) % 3) + 1], `${who}: irecv from the previous rank`);
    assert.deepEqual(o.scatter, [r * 10, r * 10 + 1], `${who}: scatter from rank 0`);
    // allToAll: from rank i, rank r receives r + 1 elements of 100i + r.
    assert.deepEqual(
      o.allToAll,
      ranks.map((i) => Array(r + 1).fill(100 * i + r)),
      `${who}: allToAll`,
    );
    // new_group([1, 2]): members sum rank + 1 (2 + 3) and receive rank 2's 3; rank 0 is untouched.
    assert.deepEqual(o.g12AllReduce, r === 0 ? [1] : [5], `${who}: allReduce on [1, 2]`);
    assert.deepEqual(o.g12Broadcast, r === 0 ? [0] : [3], `${who}: broadcast from global rank 2 on [1, 2]`);
    assert.equal(o.g12Rank, [-1, 0, 1][r], `${who}: getRank(group)`);
    assert.deepEqual(o.g01AllReduce, r === 2 ? [12] : [110], `${who}: product on [0, 1]`);
  });
  assert.deepEqual([outs[0].anySender, outs[0].anyRecv], [1, [105, 6]], 'recv from any source: rank 1 sent [105, 6]');
  assert.deepEqual([outs[2].recvSender, outs[2].recv], [0, [10, 20, 30]], 'recv(src 0, tag 7)');
  // reduce to 1: sum_r arange(4) * (r + 1) + r; max to 2 of [10r - 7, -r] (int64)
  assert.deepEqual(
    outs[1].reduceSum,
    [0, 1, 2, 3].map((i) => ranks.reduce((s, r) => s + i * (r + 1) + r, 0)),
  );
  assert.deepEqual(outs[2].reduceMax, [13, 0]);
  // Object collectives: a tuple arrives as a list, 'héllo' intact, floats equal to ints compare equal in JSON.
  for (const o of outs) {
    assert.deepEqual(o.broadcastObjects, [{ a: [1, 2.5, 'x'], t: [3, null] }, 'h\u00e9llo', null], `rank ${o.rank}: broadcastObjectList`);
    assert.deepEqual(
      o.allGatherObject,
      ranks.map((r) => ({ rank: r, name: `r${r}`, ok: r !== 1 })),
      `rank ${o.rank}: allGatherObject`,
    );
  }
  outs.forEach((o, r) => assert.deepEqual(o.scatterObject, { to: r, s: 'x'.repeat(r) }, `rank ${r}: scatterObjectList from rank 2`));
  assert.deepEqual(
    outs[0].gatherObject,
    ranks.map((r) => [r, r * 0.5]),
  );
  assert.deepEqual(
    outs[2].gather,
    ranks.map((r) => [r, r * r]),
  );
}

test('3 Node ranks: send/recv, isend/irecv, reduce (every op), gather, scatter, allToAll(Single), newGroup, object collectives, errors', {
  skip: dist.isGlooAvailable() ? false : 'this build has no Gloo backend',
  timeout: 60000,
}, async () => {
  const langs: Lang[] = ['node', 'node', 'node'];
  const outs = await group(langs);
  checkCommon(outs, langs);
  const [r0, r1, r2] = outs;
  for (const o of outs) assert.deepEqual(o.ringCompleted, [true, true]);
  assert.deepEqual(r0.g12, [false, 2, -1, 2, [1, 2]]);
  assert.deepEqual(r1.g12, [true, 2, 0, 2, [1, 2]]);
  assert.deepEqual(r2.g12, [true, 2, 1, 2, [1, 2]]);
  // Every reduce op against LibTorch's reduction of the ranks' inputs, computed here.
  const xs = torch.stack([0, 1, 2].map((r) => torch.tensor([r + 1, -2 * r, 0.5 * r + 3])));
  const expected: Record<string, torch.Tensor> = {
    sum: xs.sum(0),
    avg: xs.sum(0).div(3),
    product: xs.prod(0),
    min: xs.amin(0),
    max: xs.amax(0),
  };
  for (const [op, e] of Object.entries(expected)) {
    assert.ok(torch.tensor(r0[`reduce_${op}`]).allclose(e, { rtol: 1e-6, atol: 1e-6 }), `reduce ${op}: ${r0[`reduce_${op}`]} vs ${e.tolist()}`);
  }
  // allToAllSingle, uneven splits: rank r receives r + 1 rows [100i + r, -r] from each rank i.
  outs.forEach((o, r) => {
    assert.deepEqual(
      o.allToAllSingle,
      [0, 1, 2].flatMap((i) => Array.from({ length: r + 1 }, () => [100 * i + r, 0 - r])),
    );
  });
  // Subgroup [0, 2] (given unsorted): equal halves; gather to global rank 2; rank 1 untouched.
  assert.deepEqual(r0.g02AllToAllSingle, [0, 2]);
  assert.deepEqual(r1.g02AllToAllSingle, [0, 0]);
  assert.deepEqual(r2.g02AllToAllSingle, [0.5, 2.5]);
  assert.deepEqual(r2.g02Gather, [[0], [14]]);
  assert.deepEqual([r0.g02Scatter, r1.g02Scatter, r2.g02Scatter], [[1], [42], [2]]);
  assert.deepEqual(r0.argErrors, [
    'distributed.send: dst 3 is not a rank of this group (expected 0..2)',
    "distributed.send: dst 0 is this process's own rank (send to another rank)",
    'distributed.send: Expected options with dst (the receiving rank) but received an object of type Object',
    'distributed.recv: Expected integer for tag but received 1.5 of type number',
    'distributed.reduce: dst 5 is not a rank of this group (expected 0..2)',
    "distributed.reduce: Expected one of 'sum', 'avg', 'product', 'min', 'max' for op but received 'mean' of type string",
    'distributed.gather: Expected gatherList on the destination rank 0 but received none',
    'distributed.gather: Expected gatherList to hold worldSize (3) tensors but received 1',
    'distributed.gather: gatherList must not be given on ranks other than dst (1); this is rank 0',
    "distributed.gather: Expected gatherList[2] to have the input's shape [2] and dtype float32 but received shape [3] and dtype float32",
    'distributed.scatter: Expected scatterList to hold worldSize (3) tensors but received 2',
    'distributed.scatter: scatterList must not be given on ranks other than src (2); this is rank 0',
    'distributed.allToAll: Expected outputList to hold worldSize (3) tensors but received 2',
    'distributed.allToAll: Expected inputList[2] to have dtype float32 (that of inputList[0]) but received int64',
    "distributed.allToAllSingle: output's first dimension (4) does not divide into worldSize (3) equal parts; pass outputSplitSizes",
    "distributed.allToAllSingle: inputSplitSizes add up to 3 but input's first dimension is 2",
    'distributed.broadcast: src 1 is not a member of the group (its ranks: 0, 2)',
    'distributed.allReduce: Expected a ProcessGroup (from distributed.newGroup) for group but received an object of type Object',
    'distributed.newGroup: rank 3 is not a rank of the default group (expected 0..2)',
    'distributed.newGroup: rank 1 is listed twice in ranks',
    "distributed.newGroup: backend 'nccl' differs from the default group's ('gloo'); subgroups use the default group's backend",
  ]);
  outs.forEach((o) => {
    assert.deepEqual(
      o.rich,
      [0, 1, 2].map((r) => [[r, 255], String(2n ** 70n + BigInt(r)), [[r, 'v']]]),
    );
  });
  assert.deepEqual(r0.objectErrors, [
    'distributed.allGatherObject: Expected objectList to hold worldSize (3) entries but received 1',
    'distributed.allGatherObject: obj: cannot pickle the object.t (an object of type Tensor): only plain data travels (null, booleans, numbers, bigints, strings, arrays, plain objects, Maps, Uint8Array)',
    'distributed.gatherObject: Expected objectGatherList on the destination rank 0 but received none',
    'distributed.broadcastObjectList: src 3 is not a rank of this group (expected 0..2)',
    'distributed.scatterObjectList: inputList must not be given on ranks other than src (1); this is rank 0',
    'distributed.scatterObjectList: Expected an array of at least one entry for outputList but received an array of length 0',
  ]);
  assert.equal(r0.isendError, 'distributed.isend: dst 9 is not a rank of this group (expected 0..2)');
  for (const o of outs) {
    assert.equal(o.afterDestroy, 'distributed.allReduce: the default process group is not initialized; call (and await) distributed.initProcessGroup() first');
  }
});

test('Node / Python / Node: the same steps with PyTorch 1.13 on rank 1 (new_group keys, all_to_all_single, pickled objects)', {
  skip: mixedGroupSkipReason(),
  timeout: 60000,
}, async () => {
  const langs: Lang[] = ['node', 'python', 'node'];
  const outs = await group(langs);
  checkCommon(outs, langs);
});

test('the new collectives refuse to run without a process group', async () => {
  const t = torch.zeros([2]);
  const msg = (fn: string) =>
    available ? `distributed.${fn}: the default process group is not initialized; call (and await) distributed.initProcessGroup() first` : /not available/;
  await assert.rejects(dist.send(t, { dst: 1 }), { message: msg('send') });
  await assert.rejects(dist.recv(t), { message: msg('recv') });
  assert.throws(() => dist.isend(t, { dst: 1 }), { message: msg('isend') });
  assert.throws(() => dist.irecv(t, { src: 1 }), { message: msg('irecv') });
  await assert.rejects(dist.reduce(t, { dst: 0 }), { message: msg('reduce') });
  await assert.rejects(dist.gather(t), { message: msg('gather') });
  await assert.rejects(dist.scatter(t), { message: msg('scatter') });
  await assert.rejects(dist.allToAll([t], [t]), { message: msg('allToAll') });
  await assert.rejects(dist.allToAllSingle(t, t), { message: msg('allToAllSingle') });
  await assert.rejects(dist.newGroup([0]), { message: msg('newGroup') });
  await assert.rejects(dist.broadcastObjectList([1]), { message: msg('broadcastObjectList') });
  await assert.rejects(dist.allGatherObject([1], 1), { message: msg('allGatherObject') });
  await assert.rejects(dist.gatherObject(1), { message: msg('gatherObject') });
  await assert.rejects(dist.scatterObjectList([null], null), { message: msg('scatterObjectList') });
  await assert.rejects(dist.barrier({ grp: 1 } as never), { message: "distributed.barrier: unknown option 'grp' (expected one of group)" });
});
