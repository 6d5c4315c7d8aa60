// A torchnode rank of test/77.distributed.ddp.test.ts, the mirror of
// test/77.distributed.ddp.worker.py (same net, data, start and steps). Prints one JSON line with
// the parameters after every step and, per step, how many buckets' allReduces the gradient hooks
// enqueued during backward(). The loop is the Python one, line for line: backward() finishes the
// reduction, so step() follows it directly.
//
//   77.distributed.ddp.worker.ts <rank> <world> <port> <mode> <steps> <bucketBytes>
import * as torch from '../lib/index.js';
import { nn, distributed as dist, type Tensor } from '../lib/index.js';

const PER_RANK = 4;
const LR = 0.1;

class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 2);
  extra = new nn.Linear(8, 2);
  override forward(x: Tensor, useExtra: boolean): Tensor {
    const h = torch.tanh(this.hidden(x));
    const out = this.fc2.call(h);
    return useExtra ? out.add(this.extra.call(h)) : out;
  }
  hidden(x: Tensor): Tensor {
    return this.fc1.call(x);
  }
}

/** Mode 'buffers': BatchNorm's running statistics, which DDP broadcasts from rank 0 before forwards. */
class NetBN extends Net {
  bn = new nn.BatchNorm1d(8);
  override hidden(x: Tensor): Tensor {
    return this.bn.call(this.fc1.call(x));
  }
}

function batch(step: number, micro: number, rank: number): [Tensor, Tensor] {
  const base = (step * 2 + micro) * 31 + rank * PER_RANK;
  const x = Array.from({ length: PER_RANK }, (_, i) => Array.from({ length: 4 }, (_, j) => ((((base + i) * 7 + j * 3) % 17) - 8) / 8));
  const y = Array.from({ length: PER_RANK }, (_, i) => Array.from({ length: 2 }, (_, k) => ((((base + i) * 5 + k * 2) % 11) - 5) / 4));
  return [torch.tensor(x), torch.tensor(y)];
}

function flat(m: nn.Module): number[] {
  return torch.tidy(() => Array.from(torch.cat(m.parameters().map((p) => p.detach().reshape([-1]))).dataSync() as Float32Array));
}

const [rank, world, port, , steps, bucket] = process.argv.slice(2).map(Number);
const mode = process.argv[5];
await dist.initProcessGroup({ backend: 'gloo', initMethod: `tcp://127.0.0.1:${port}`, rank, worldSize: world, timeout: 20000 });
const net = mode === 'buffers' ? new NetBN() : new Net();
torch.noGrad(() => {
  for (const p of net.parameters()) {
    torch.tidy(() => p.copy_(torch.arange(p.numel()).mul(7).add(rank).remainder(13).sub(6).div(16).view(p.shape)));
  }
});
const ddp = await dist.DistributedDataParallel.create(net, { bucketCapMb: bucket / 2 ** 20, findUnusedParameters: mode === 'unused' });
const opt = new torch.optim.SGD(net.parameters(), { lr: LR });
const internals = ddp as unknown as { buckets: number[][] };
const rows: number[][] = [];
const bufs: number[][] = [];
const launched: number[] = [];
for (let step = 0; step < steps; step++) {
  opt.zeroGrad();
  torch.tidy(() => {
    if (mode === 'nosync') {
      ddp.noSync(() => {
        const [x, y] = batch(step, 0, rank);
        nn.F.mseLoss(ddp.call(x, true), y).backward();
      });
      const [x, y] = batch(step, 1, rank);
      nn.F.mseLoss(ddp.call(x, true), y).backward();
    } else if (mode === 'buffers') {
      const [x, y] = batch(step, 0, rank);
      nn.F.mseLoss(ddp.call(x, true), y).backward();
    } else {
      const [x, y] = batch(step, 0, rank);
      nn.F.mseLoss(ddp.call(x, (step + rank) % 3 === 0), y).backward();
    }
  });
  launched.push(ddp.lastLaunchedInBackward);
  opt.step();
  if (mode === 'buffers' && step % 2 === 1) {
    // An evaluation forward: it broadcasts the buffers (the forward before it trained), and the
    // training forward after it does not (PyTorch's require_forward_param_sync).
    ddp.eval();
    torch.tidy(() => torch.noGrad(() => ddp.call(batch(step, 1, rank)[0], true)));
    ddp.train();
  }
  rows.push(flat(net));
  bufs.push(torch.tidy(() => net.buffers().flatMap((b) => b.detach().reshape([-1]).double().tolist() as number[])));
}
await dist.barrier();
dist.destroyProcessGroup();
console.log(JSON.stringify({ rank, lang: 'node', rows, bufs, launched, buckets: internals.buckets }));
