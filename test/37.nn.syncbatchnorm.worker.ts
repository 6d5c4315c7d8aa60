// One rank of test/37.nn.syncbatchnorm.test.ts's two-rank check (GPU machines only), started by
// torchnode-run. argv: <outPrefix>. Both ranks on cuda:0 in a Gloo group (NCCL refuses two ranks on
// one GPU); SyncBatchNorm's collectives then carry CUDA tensors through Gloo. Unequal batches per
// rank (3 and 5 samples), so the all-gathered counts matter. Two training steps; writes this
// rank's inputs, outputs, gradients and running statistics as JSON for the test to check.
import { writeFileSync } from 'node:fs';
import * as torch from '../lib/index.js';
import { nn, distributed as dist } from '../lib/index.js';

const [prefix] = process.argv.slice(2);
const rank = Number(process.env.RANK);
await dist.initProcessGroup({ backend: 'gloo', initMethod: 'env://', timeout: 60000 });

const SIZES = [3, 5];
torch.manualSeed(7);
const full = torch.randn([8, 4, 3, 3]).mul(2).add(1);
const upstream = torch.randn([8, 4, 3, 3]);
const start = rank === 0 ? 0 : SIZES[0];
const x = full.narrow(0, start, SIZES[rank]).cuda().requiresGrad_(true);
const gy = upstream.narrow(0, start, SIZES[rank]).cuda();
const m = new nn.SyncBatchNorm(4).cuda();
torch.noGrad(() => {
  m.weight!.copy_(torch.tensor([0.5, 1.5, -1, 2]));
  m.bias!.copy_(torch.tensor([0.1, -0.2, 0.3, 0]));
});
const out: Record<string, unknown> = { rank, world: dist.getWorldSize() };
for (let step = 0; step < 2; step++) {
  const y = m.call(x);
  if (step === 0) out.y = y.cpu().tolist();
  y.mul(gy).sum().backward();
}
out.xGrad = x.grad!.cpu().tolist();
out.weightGrad = m.weight!.grad!.cpu().tolist();
out.biasGrad = m.bias!.grad!.cpu().tolist();
out.runningMean = m.running_mean!.cpu().tolist();
out.runningVar = m.running_var!.cpu().tolist();
out.numBatchesTracked = m.num_batches_tracked!.item();
// Eval mode: no collectives, the running statistics.
m.eval();
out.evalY = m.call(x.detach()).cpu().tolist();
await dist.barrier();
dist.destroyProcessGroup();
writeFileSync(`${prefix}.${rank}.json`, JSON.stringify(out));
