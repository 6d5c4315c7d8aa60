// A torchnode rank of test/74.distributed.python.test.ts, the mirror of
// test/74.distributed.worker.py: the same collectives in the same order, then DDP training of a
// small MLP. Prints one JSON line with what it received and its parameters.
//
//   74.distributed.worker.ts <rank> <world> <port|env> <src> <steps> <bucketBytes>
// (env: initMethod 'env://' with MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE)
import * as torch from '../lib/index.js';
import { nn, distributed as dist, type Tensor } from '../lib/index.js';

const PER_RANK = 4;
const LR = 0.1;

/** The same numbers as the Python worker's batch(): exactly representable in float32. */
function batch(step: number, world: number): [Tensor, Tensor] {
  const n = world * PER_RANK;
  const x = Array.from({ length: n }, (_, i) => Array.from({ length: 4 }, (_, j) => (((i * 7 + j * 3 + step * 5) % 17) - 8) / 8));
  const y = Array.from({ length: n }, (_, i) => Array.from({ length: 2 }, (_, k) => (((i * 5 + k * 2 + step * 3) % 11) - 5) / 4));
  return [torch.tensor(x), torch.tensor(y)];
}

function flat(m: nn.Module): number[] {
  return torch.tidy(() => Array.from(torch.cat(m.parameters().map((p) => p.detach().reshape([-1]))).dataSync() as Float32Array));
}

const [rank, world, , src, steps, bucket] = process.argv.slice(2).map(Number);
const port = process.argv[4];
if (port === 'env') {
  // MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE
  await dist.initProcessGroup({ backend: 'gloo', initMethod: 'env://', timeout: 20000 });
} else {
  await dist.initProcessGroup({ backend: 'gloo', initMethod: `tcp://127.0.0.1:${port}`, rank, worldSize: world, timeout: 20000 });
}
const out: Record<string, unknown> = { rank, lang: 'node', world: dist.getWorldSize() };

const t = torch
  .arange(4)
  .float()
  .mul(rank + 1)
  .add(rank);
await dist.allReduce(t);
out.allReduceSum = t.tolist();
const m = torch.tensor([rank * 10 - 7, -rank], { dtype: 'int64' });
await dist.allReduce(m, { op: 'max' });
out.allReduceMax = m.tolist();

const b = rank === src ? torch.tensor([3.5, -1, 2]) : torch.zeros(3);
await dist.broadcast(b, { src });
out.broadcast = b.tolist();

const gathered = Array.from({ length: world }, () => torch.zeros(2));
await dist.allGather(gathered, torch.tensor([rank, 10 * rank]));
out.allGather = gathered.map((g) => g.tolist());

await dist.barrier();

torch.manualSeed(100 + rank); // different on every rank: DDP's broadcast replaces it with rank 0's
const net = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 2));
const ddp = await dist.DistributedDataParallel.create(net, { bucketCapMb: bucket / 2 ** 20 });
out.init = flat(net);
const opt = new torch.optim.SGD(net.parameters(), { lr: LR });
const losses: number[] = [];
const summed: number[] = [];
for (let step = 0; step < steps; step++) {
  const [x, y] = batch(step, world);
  const xs = x.narrow(0, rank * PER_RANK, PER_RANK);
  const ys = y.narrow(0, rank * PER_RANK, PER_RANK);
  opt.zeroGrad();
  const loss = nn.F.mseLoss(ddp.call(xs), ys); // step 1: starts the bucket rebuild (two broadcasts)
  loss.backward();
  // Both issued before either is awaited: the gradients' allReduce (queued behind a running
  // rebuild) must still reach the group before the loss's, as in Python.
  const synced = ddp.syncGradients();
  const total = loss.detach().clone();
  const totalDone = dist.allReduce(total);
  await synced;
  await totalDone;
  opt.step();
  losses.push(loss.item() as number);
  summed.push(total.item() as number);
  torch.dispose([x, y, xs, ys, loss, total]);
}
out.losses = losses;
out.summedLosses = summed;
out.params = flat(net);
out.buckets = (ddp as unknown as { buckets: number[][] }).buckets;
await dist.barrier();
dist.destroyProcessGroup();
console.log(JSON.stringify(out));
