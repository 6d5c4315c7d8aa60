// The NCCL backend. Everywhere: a build without NCCL says why for backend 'nccl', and validation
// accepts exactly 'gloo' and 'nccl'. With a CUDA LibTorch that has NCCL and a GPU (the GPU check,
// scripts/gpu-check.sh): a group of one rank on cuda:0 runs every collective and DDP on the device
// with exact values (NCCL refuses two ranks on one GPU, so world size 1 is what one GPU can run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, distributed as dist } from '../lib/index.js';
import { freePort, errorOf } from './70.distributed.helpers.js';

const available = dist.isAvailable();
const nccl = dist.isNcclAvailable();
const hasCuda = torch.cuda.isAvailable();
const ncclSkip =
  nccl && hasCuda
    ? false
    : nccl
      ? 'NCCL build, but no usable GPU/driver on this machine'
      : torch.version.cuda
        ? `CUDA LibTorch ${torch.version.libtorch} without NCCL: NCCL tests need a LibTorch whose c10d has ProcessGroupNCCL`
        : `CPU-only LibTorch ${torch.version.libtorch}: NCCL tests need a CUDA build with NCCL (see scripts/gpu-check.sh)`;

test('without NCCL: isNcclAvailable is false and backend nccl rejects with the reason', { skip: nccl ? 'this build has NCCL' : false }, async () => {
  assert.equal(dist.isNcclAvailable(), false);
  const port = await freePort();
  try {
    const why = torch.version.cuda ? 'with CUDA but without NCCL (its c10d has no ProcessGroupNCCL)' : 'without CUDA/NCCL';
    await assert.rejects(dist.initProcessGroup({ backend: 'nccl', initMethod: `tcp://127.0.0.1:${port}`, rank: 0, worldSize: 1, timeout: 5000 }), {
      message: available
        ? `distributed.initProcessGroup: backend 'nccl' is not available: torchnode was built against LibTorch ${torch.version.libtorch} ${why}; use backend 'gloo'`
        : /not available/,
    });
    // Refused before any rendezvous: no group (of another backend) came into being.
    assert.equal(dist.isInitialized(), false);
  } finally {
    dist.destroyProcessGroup();
  }
});

test('without Gloo (a build against pip torch, which ships no gloo headers): backend gloo rejects with the reason', {
  skip: !available ? 'this build has no c10d' : dist.isGlooAvailable() ? 'this build has Gloo' : false,
}, async () => {
  const port = await freePort();
  try {
    await assert.rejects(dist.initProcessGroup({ backend: 'gloo', initMethod: `tcp://127.0.0.1:${port}`, rank: 0, worldSize: 1, timeout: 5000 }), {
      message:
        `distributed.initProcessGroup: backend 'gloo' is not available: torchnode was built against LibTorch ${torch.version.libtorch} ` +
        "without gloo's headers (a pip torch ships none): set GLOO_INCLUDE_DIR to the headers of the gloo that LibTorch was built with " +
        "and rebuild, or use backend 'nccl' for CUDA tensors",
    });
    assert.equal(dist.isInitialized(), false);
    await assert.rejects(dist.newGroup([0]), /distributed\.newGroup: the default process group is not initialized/);
  } finally {
    dist.destroyProcessGroup();
  }
});

test('backend validation accepts gloo and nccl, deviceId only with nccl', {
  skip: dist.isGlooAvailable() ? false : 'this build has no Gloo backend',
}, async () => {
  const options: dist.InitProcessGroupOptions[] = [{ backend: 'gloo' }, { backend: 'nccl', deviceId: 0 }]; // type-level: both names
  assert.equal(options.length, 2);
  await assert.rejects(dist.initProcessGroup({ backend: 'mpi' as never, initMethod: 'tcp://127.0.0.1:1', rank: 0, worldSize: 1 }), {
    name: 'TypeError',
    message: "distributed.initProcessGroup: Expected one of 'gloo', 'nccl' for backend but received 'mpi' of type string",
  });
  await assert.rejects(dist.initProcessGroup({ backend: 'gloo', deviceId: 0, initMethod: 'tcp://127.0.0.1:1', rank: 0, worldSize: 1 }), {
    name: 'TypeError',
    message: "distributed.initProcessGroup: deviceId is only used by backend 'nccl' (Gloo communicates CPU tensors)",
  });
  if (nccl) {
    await assert.rejects(dist.initProcessGroup({ backend: 'nccl', deviceId: -1, initMethod: 'tcp://127.0.0.1:1', rank: 0, worldSize: 1 }), {
      message: 'distributed.initProcessGroup: Expected non-negative integer for deviceId but received -1 of type number',
    });
  }
  // A Gloo group reports its backend.
  await dist.initProcessGroup({ backend: 'gloo', initMethod: `tcp://127.0.0.1:${await freePort()}`, rank: 0, worldSize: 1, timeout: 5000 });
  try {
    assert.equal(dist.getBackend(), 'gloo');
  } finally {
    dist.destroyProcessGroup();
  }
});

test('a Gloo group refuses CUDA tensors with a clear error', {
  skip: dist.isGlooAvailable() && hasCuda ? false : 'needs the Gloo backend and a GPU',
}, async () => {
  await dist.initProcessGroup({ backend: 'gloo', initMethod: `tcp://127.0.0.1:${await freePort()}`, rank: 0, worldSize: 1, timeout: 5000 });
  try {
    await assert.rejects(dist.allReduce(torch.ones([2]).cuda()), {
      message: 'distributed.allReduce: Expected a CPU tensor for tensor (Gloo backend) but received one on cuda:0',
    });
  } finally {
    dist.destroyProcessGroup();
  }
});

test('NCCL, world size 1 on cuda:0: collectives, DDP and errors, values exact', { skip: ncclSkip }, async () => {
  await dist.initProcessGroup({
    backend: 'nccl',
    initMethod: `tcp://127.0.0.1:${await freePort()}`,
    rank: 0,
    worldSize: 1,
    timeout: 60000,
    deviceId: 0,
  });
  try {
    assert.deepEqual([dist.isInitialized(), dist.getBackend(), dist.getRank(), dist.getWorldSize()], [true, 'nccl', 0, 1]);
    const values = [1.5, -2, 3.25, 1e6, 0.1];
    const x = torch.tensor(values).cuda();
    const f32 = Array.from(new Float32Array(values)); // 0.1 as float32, what the tensor holds
    for (const op of ['sum', 'avg', 'max', 'min', 'product'] as const) {
      const t = x.clone();
      await dist.allReduce(t, { op });
      assert.equal(t.device, 'cuda:0', op);
      assert.deepEqual(t.cpu().tolist(), f32, op);
    }
    // Integer avg: floor division by the world size, as with Gloo.
    const ints = torch.tensor([7, -7, 0], { dtype: 'int64' }).cuda();
    await dist.allReduce(ints, { op: 'avg' });
    assert.deepEqual(ints.cpu().tolist(), [7, -7, 0]);
    // A large tensor: the Promise resolves only once the GPU has written it.
    const big = torch.full([1 << 22], 3).cuda();
    await dist.allReduce(big);
    assert.equal(big.sum().item(), 3 * (1 << 22));
    const b = x.clone();
    await dist.broadcast(b, { src: 0 });
    assert.deepEqual(b.cpu().tolist(), f32);
    const gathered = [torch.zeros([5]).cuda()];
    await dist.allGather(gathered, x);
    assert.deepEqual(gathered[0].cpu().tolist(), f32);
    const scattered = torch.zeros([5]).cuda();
    await dist.reduceScatter(scattered, [x]);
    assert.deepEqual(scattered.cpu().tolist(), f32);
    const many = Array.from({ length: 8 }, (_, i) => torch.full([4], i).cuda());
    await Promise.all(many.map((t) => dist.allReduce(t)));
    assert.deepEqual(
      many.map((t) => t.cpu().tolist()),
      Array.from({ length: 8 }, (_, i) => [i, i, i, i]),
    );
    await dist.barrier();
    assert.deepEqual(
      [await errorOf(dist.allReduce(torch.ones([2]))), await errorOf(dist.allGather([torch.zeros([5])], x)), await errorOf(dist.broadcast(x, { src: 1 }))],
      [
        'distributed.allReduce: Expected a CUDA tensor for tensor (NCCL backend) but received one on cpu',
        'distributed.allGather: Expected a CUDA tensor for outputList[0] (NCCL backend) but received one on cpu',
        'distributed.broadcast: src 1 is not a rank of this group (expected 0..0)',
      ],
    );

    // DDP: parameters, buckets and averaged gradients stay on the GPU.
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
    model.to('cuda');
    const ddp = await dist.DistributedDataParallel.create(model, { bucketCapMb: 0.0001 });
    const input = torch.randn([6, 4]).cuda();
    ddp.call(input).pow(2).sum().backward();
    const before = model.parameters().map((p) => p.grad!.cpu().tolist());
    await ddp.syncGradients();
    model.parameters().forEach((p, i) => {
      assert.equal(p.grad!.device, 'cuda:0', `grad ${i}`);
      assert.deepEqual(p.grad!.cpu().tolist(), before[i], `grad ${i}: the average over one rank is the gradient itself`);
    });
  } finally {
    dist.destroyProcessGroup();
  }
  assert.equal(dist.isInitialized(), false);
});

test('NCCL without deviceId: the first collective creates the communicator; a second group after destroy', { skip: ncclSkip }, async () => {
  await dist.initProcessGroup({ backend: 'nccl', initMethod: `tcp://127.0.0.1:${await freePort()}`, rank: 0, worldSize: 1, timeout: 60000 });
  try {
    const t = torch.tensor([1, 2, 3], { dtype: 'int32' }).cuda();
    await dist.allReduce(t, { op: 'max' });
    assert.deepEqual(t.cpu().tolist(), [1, 2, 3]);
    await dist.barrier();
  } finally {
    dist.destroyProcessGroup();
  }
  assert.equal(dist.isInitialized(), false);
});

// The GPU check sets TORCHNODE_EXPECT_NCCL=1: there a build without NCCL (or a GPU NCCL cannot
// use) must fail instead of skipping the tests above.
test('NCCL is built and has a GPU where the GPU check expects it', {
  skip: process.env.TORCHNODE_EXPECT_NCCL ? false : 'TORCHNODE_EXPECT_NCCL is not set',
}, () => {
  assert.equal(ncclSkip, false, `the NCCL tests were skipped: ${ncclSkip}`);
});
