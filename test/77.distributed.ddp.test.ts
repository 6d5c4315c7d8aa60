// DistributedDataParallel's reducer against PyTorch's (Debian's torch 1.13, /usr/bin/python3):
// noSync micro-batches and findUnusedParameters, each trained by a Node rank and a Python rank
// in one gloo group and, for reference, by two Python ranks; the parameters after every step
// must agree. The Node rank also reports that its buckets' allReduces were enqueued by gradient
// hooks during backward (overlapping communication with backward). Errors for a parameter
// without gradient (PyTorch's "Expected to have finished reduction") run in a one-rank group here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, distributed as dist, type Tensor } from '../lib/index.js';
import { libtorchAtLeast } from '../lib/native.js';
import { freePort, mixedGroupSkipReason, PYTHON, rankOutputs, runRank } from './70.distributed.helpers.js';

const NODE_WORKER = new URL('./77.distributed.ddp.worker.ts', import.meta.url).pathname;
const PY_WORKER = new URL('./77.distributed.ddp.worker.py', import.meta.url).pathname;
const STEPS = 6;
const CHILD_TIMEOUT_MS = 30000;

const skip = mixedGroupSkipReason();

interface RankOut {
  rank: number;
  lang: 'node' | 'python';
  rows: number[][];
  bufs: number[][];
  launched?: number[];
  buckets?: number[][];
}

async function group(langs: ('node' | 'python')[], mode: string, bucketBytes: number, env: Record<string, string> = {}): Promise<RankOut[]> {
  const port = await freePort();
  const results = await Promise.all(
    langs.map((lang, rank) => {
      const args = [String(rank), String(langs.length), String(port), mode, String(STEPS), String(bucketBytes)];
      const opts = { timeoutMs: CHILD_TIMEOUT_MS, env };
      return lang === 'node' ? runRank(process.execPath, ['--import', 'tsx', NODE_WORKER, ...args], opts) : runRank(PYTHON, [PY_WORKER, ...args], opts);
    }),
  );
  return rankOutputs<RankOut>(results, langs);
}

/** Node+Python and Python+Python groups in parallel; checks every step's parameters. */
async function compare(mode: string, bucketBytes: number, nodeEnv: Record<string, string> = {}): Promise<RankOut> {
  const [mixed, python] = await Promise.all([group(['node', 'python'], mode, bucketBytes, nodeEnv), group(['python', 'python'], mode, bucketBytes)]);
  const [node] = mixed;
  assert.equal(node.rows.length, STEPS);
  let worst = 0;
  for (let s = 0; s < STEPS; s++) {
    // One group's ranks hold bit-identical parameters (they received the same allReduce sums).
    assert.deepEqual(mixed[1].rows[s], node.rows[s], `step ${s}: the group's Node and Python ranks differ`);
    assert.deepEqual(python[1].rows[s], python[0].rows[s], `step ${s}: the Python ranks differ`);
    const d = Math.max(...node.rows[s].map((v, i) => Math.abs(v - python[0].rows[s][i])));
    worst = Math.max(worst, d);
    assert.ok(d <= 1e-6, `step ${s}: Node+Python DDP differs from Python+Python DDP by ${d}`);
  }
  // Training moved the parameters (the comparison is not between untouched copies).
  const moved = Math.max(...node.rows[STEPS - 1].map((v, i) => Math.abs(v - node.rows[0][i])));
  assert.ok(moved > 1e-2, `the parameters barely moved (${moved})`);
  console.log(
    `${mode}: max |Node+Python - Python+Python| over ${STEPS} steps: ${worst.toExponential(2)}; buckets enqueued during backward per step: ${node.launched}`,
  );
  return node;
}

// Bucket cap 100 bytes. Parameters: fc1.weight 128 B, fc1.bias 32 B, fc2.weight 64 B, fc2.bias
// 8 B, extra.weight 64 B, extra.bias 8 B.
test('noSync: gradients of micro-batches accumulate locally and the next backward reduces their sums, as PyTorch no_sync', {
  skip,
  timeout: 60000,
}, async () => {
  const node = await compare('nosync', 100);
  // Rebuilt buckets (rank 0 is the Node rank: reverse registration order, 100-byte buckets).
  assert.deepEqual(node.buckets, [
    [5, 4, 3, 2],
    [1, 0],
  ]);
  // Step 0: one bucket, enqueued by the last gradient's hook; from step 1 on (its call() rebuilt
  // the buckets, as PyTorch's second forward) both buckets, from the hooks.
  assert.deepEqual(node.launched, [1, 2, 2, 2, 2, 2]);
});

test('findUnusedParameters: a branch some ranks skip is reduced as zeros and globally unused parameters keep their .grad, as PyTorch', {
  skip,
  timeout: 60000,
}, async () => {
  const node = await compare('unused', 100);
  // With find_unused_parameters, never rebuilt: PyTorch 1.13 has a first bucket of 1 MiB over the
  // registration order (all 304 bytes); 2.x only when bucket_cap_mb is not given, so here buckets
  // of 100 bytes (closed once they reach it), all-reduced last first.
  assert.deepEqual(node.buckets, libtorchAtLeast(2, 0) ? [[4, 5], [1, 2, 3], [0]] : [[0, 1, 2, 3, 4, 5]]);
  // The buckets are enqueued during backward in the steps where this rank used the extra branch
  // (0, 3); otherwise at the end of backward, once the unused parameters are known (the first
  // bucket to reduce holds the extra branch, so none is complete before then).
  const n = libtorchAtLeast(2, 0) ? 3 : 1;
  assert.deepEqual(node.launched, [n, 0, 0, n, 0, 0]);
});

test("buffers: call() broadcasts rank 0's BatchNorm statistics where PyTorch's forward does (an eval forward after training too, not the training forward after it)", {
  skip,
  timeout: 60000,
}, async () => {
  // The Node rank is rank 1 here: it receives the buffers.
  const [mixed, python] = await Promise.all([group(['python', 'node'], 'buffers', 100), group(['python', 'python'], 'buffers', 100)]);
  for (let s = 0; s < STEPS; s++) {
    for (const r of [0, 1]) {
      assert.deepEqual(mixed[r].rows[s], python[r].rows[s], `step ${s}, rank ${r}: parameters`);
      assert.deepEqual(mixed[r].bufs[s], python[r].bufs[s], `step ${s}, rank ${r}: buffers`);
    }
  }
  // Where the broadcasts were: after an odd step's eval forward (it broadcast, and does not
  // update the statistics) both ranks hold rank 0's; after an even step's training forward, which
  // followed an eval forward and so broadcast nothing, each holds its own batch's update.
  for (let s = 0; s < STEPS; s++) {
    if (s % 2 === 1) assert.deepEqual(mixed[1].bufs[s], mixed[0].bufs[s], `step ${s}: synced`);
    else assert.notDeepEqual(mixed[1].bufs[s], mixed[0].bufs[s], `step ${s}: each rank's own`);
  }
});

test('the CUDA path (counting hooks, the whole reduction at the end of backward) on CPU: noSync and findUnusedParameters as PyTorch', {
  skip,
  timeout: 60000,
}, async () => {
  const env = { TORCHNODE_DDP_COUNTING_HOOKS: '1' };
  for (const mode of ['nosync', 'unused']) {
    const node = await compare(mode, 100, env);
    assert.deepEqual(node.launched, [0, 0, 0, 0, 0, 0], `${mode}: nothing overlaps on that path`);
  }
});

class TwoHeads extends nn.Module {
  body = new nn.Linear(3, 4);
  head = new nn.Linear(4, 1);
  unused = new nn.Linear(4, 1);
  override forward(x: Tensor): Tensor {
    return this.head.call(this.body.call(x));
  }
}

test('one-rank group: unused parameters without findUnusedParameters give PyTorch error; noSync and a second backward', { skip }, async () => {
  const port = await freePort();
  await dist.initProcessGroup({ initMethod: `tcp://127.0.0.1:${port}`, rank: 0, worldSize: 1, timeout: 10000 });
  torch.manualSeed(0);
  const model = new TwoHeads();
  try {
    const ddp = await dist.DistributedDataParallel.create(model);
    const x = torch.randn([5, 3]);
    const unfinished =
      'Expected to have finished reduction in the prior iteration before starting a new one. ' +
      'This error indicates that your module has parameters that were not used in producing loss. ' +
      'You can enable unused parameter detection by passing findUnusedParameters: true to DistributedDataParallel, ' +
      'and by making sure all forward outputs participate in calculating loss. ' +
      'Parameter indices which did not receive grad for rank 0: 4 (unused.weight), 5 (unused.bias)';
    // backward() cannot finish the reduction; the next forward reports it (where PyTorch does), and
    // so does a step, which would apply unaveraged gradients.
    ddp.call(x).sum().backward();
    const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.1 });
    assert.throws(() => opt.step(), { message: `SGD.step: ${unfinished}` });
    assert.throws(() => ddp.call(x), { message: `DistributedDataParallel.call: ${unfinished}` });
    await assert.rejects(ddp.syncGradients(), { message: `DistributedDataParallel.syncGradients: ${unfinished}` });

    // PyTorch's loop, literally: backward() averages, step() follows; syncGradients() after it
    // issues no further collective.
    const model3 = new TwoHeads();
    const ddp3 = await dist.DistributedDataParallel.create(model3, { findUnusedParameters: true });
    const opt3 = new torch.optim.SGD(ddp3.parameters(), { lr: 0.1 });
    const local = new TwoHeads();
    torch.noGrad(() => local.parameters().forEach((p, i) => p.copy_(model3.parameters()[i])));
    ddp3.call(x).square().sum().backward();
    local.call(x).square().sum().backward();
    assert.deepEqual(model3.body.weight.grad?.tolist(), local.body.weight.grad?.tolist(), 'one rank: the average is the gradient');
    assert.equal(model3.unused.weight.grad, null, 'globally unused: .grad untouched');
    const before = model3.body.weight.clone();
    opt3.step();
    assert.ok(!model3.body.weight.equal(before), 'the step ran');
    const ticket = dist.lastTicket();
    await ddp3.syncGradients();
    assert.equal(dist.lastTicket(), ticket, 'syncGradients() after a reduced backward issues nothing');
    // What DDP blocks on: the collectives' own Promises, waited for on the JS thread.
    const summed = torch.tensor([1, 2]);
    dist.waitCollectives([dist.allReduceMany([summed.mul_(3)], 'sum'), dist.allReduceMany([], 'sum')]);
    assert.deepEqual(summed.tolist(), [3, 6]);
    ddp3.dispose();

    // findUnusedParameters: the unused head's .grad stays null; noSync accumulates; one rank's
    // average is the sum of the micro-batches' gradients.
    const model2 = new TwoHeads();
    const ddp2 = await dist.DistributedDataParallel.create(model2, { findUnusedParameters: true });
    const [x1, x2] = [torch.randn([5, 3]), torch.randn([5, 3])];
    ddp2.noSync(() => ddp2.call(x1).square().sum().backward());
    ddp2.call(x2).square().sum().backward();
    assert.equal(model2.unused.weight.grad, null);
    const ref = new TwoHeads();
    torch.noGrad(() => ref.parameters().forEach((p, i) => p.copy_(model2.parameters()[i])));
    ref.call(x1).square().sum().backward();
    ref.call(x2).square().sum().backward();
    for (const name of ['body', 'head'] as const) {
      assert.deepEqual(model2[name].weight.grad?.tolist(), ref[name].weight.grad?.tolist(), `${name}.weight.grad`);
    }
    // A backward without a DDP forward before it reduces nothing (PyTorch's expect_autograd_hooks_):
    // the module called directly accumulates locally.
    const ticket2 = dist.lastTicket();
    ddp2.module.call(x2).sum().backward();
    ref.call(x2).sum().backward();
    assert.equal(dist.lastTicket(), ticket2, 'no collective');
    assert.deepEqual(model2.head.weight.grad?.tolist(), ref.head.weight.grad?.tolist());
    assert.throws(() => ddp2.noSync(1 as never), { message: 'DistributedDataParallel.noSync: Expected a function for fn but received 1 of type number' });
    // dispose() removes the hooks: forward and backward through it are local training again.
    ddp2.dispose();
    model2.zeroGrad();
    const ticket3 = dist.lastTicket();
    ddp2.call(x1).sum().backward();
    ddp2.call(x1).sum().backward();
    assert.equal(dist.lastTicket(), ticket3, 'no collective after dispose()');
    ref.zeroGrad();
    ref.call(x1).sum().mul(2).backward();
    assert.deepEqual(model2.head.weight.grad?.tolist(), ref.head.weight.grad?.tolist());
  } finally {
    dist.destroyProcessGroup();
  }
  // Without a group, the hooks of the first DDP (not disposed) leave backward alone: two
  // backwards accumulate as without DDP.
  model.zeroGrad();
  const x = torch.ones([2, 3]);
  model.call(x).sum().backward();
  model.call(x).sum().backward();
  const once = new TwoHeads();
  torch.noGrad(() => once.parameters().forEach((p, i) => p.copy_(model.parameters()[i])));
  once.call(x).sum().backward();
  assert.deepEqual(model.head.weight.grad?.tolist(), once.head.weight.grad?.mul(2).tolist());
});

test('waitCollectives (what DDP blocks on) names a bad argument', () => {
  assert.throws(() => dist.waitCollectives(5 as never), {
    message: 'distributed.waitCollectives: Expected an array of Promises of allReduceMany/broadcastMany for collectives but received 5 of type number',
  });
  assert.throws(() => dist.waitCollectives([Promise.resolve()]), {
    message: /^distributed\.waitCollectives: Expected an array of Promises of allReduceMany\/broadcastMany for collectives/,
  });
  dist.waitCollectives([]);
});
