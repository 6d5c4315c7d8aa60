// One rank of test/70.distributed.test.ts (and bench/distributed.ts), started by torchnode-run:
// trains CNN3 with DistributedDataParallel on this rank's half of each step's batch and writes
// the parameters after every step to <outPrefix>.<rank>.bin (float32, STEPS rows).
// argv: <outPrefix> [bucketCapMb] [steps]
import { writeFileSync } from 'node:fs';
import * as torch from '../lib/index.js';
import { distributed as dist } from '../lib/index.js';
import { CNN3, STEPS, PER_RANK, batchOf, lossBackward, sgd, flatParams } from './70.distributed.helpers.js';

const [outPrefix, cap, stepsArg] = process.argv.slice(2);
const steps = stepsArg ? Number(stepsArg) : STEPS;
await dist.initProcessGroup({ backend: 'gloo', initMethod: 'env://', timeout: 60000 });
const rank = dist.getRank();
const world = dist.getWorldSize();
// Different initialisation on each rank: DDP's broadcast must replace it with rank 0's.
torch.manualSeed(rank === 0 ? 0 : 4321);
const model = new CNN3();
const ddp = await dist.DistributedDataParallel.create(model, { bucketCapMb: cap ? Number(cap) : 25 });
const opt = sgd(model);
const rows: Float32Array[] = [flatParams(model)];
await dist.barrier();
const t0 = performance.now();
for (let step = 0; step < steps; step++) {
  const [x, y] = batchOf(step, world);
  const xs = x.narrow(0, rank * PER_RANK, PER_RANK);
  const ys = y.narrow(0, rank * PER_RANK, PER_RANK);
  lossBackward(ddp.module, xs, ys);
  await ddp.syncGradients();
  opt.step();
  torch.dispose([x, y, xs, ys]);
  if (outPrefix !== '-') rows.push(flatParams(model));
}
const seconds = (performance.now() - t0) / 1000;
if (outPrefix !== '-') {
  const all = new Float32Array(rows.length * rows[0].length);
  rows.forEach((r, i) => all.set(r, i * r.length));
  writeFileSync(`${outPrefix}.${rank}.bin`, Buffer.from(all.buffer));
}
if (rank === 0) console.log(JSON.stringify({ world, steps, seconds, stepsPerSecond: steps / seconds }));
await dist.barrier();
dist.destroyProcessGroup();
