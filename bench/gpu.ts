/**
 * GPU throughput of the homework models on torchnode, the same work as bench/gpu.py.
 * Device from BENCH_DEVICE (default cuda); `cpu` makes it a dry run.
 */
import * as torch from '../lib/index.js';
import { nn, optim } from '../lib/index.js';
import { MODEL_NAMES, buildModel } from '../scripts/models.js';
import { emit, type Measure } from './harness.js';

const device = process.env.BENCH_DEVICE ?? 'cuda';
const steps = Number(process.env.BENCH_STEPS ?? 50);
const sync = () => {
  if (device.startsWith('cuda')) torch.cuda.synchronize();
};
torch.manualSeed(0);
const res: Measure[] = [];
for (const name of MODEL_NAMES) {
  const model = buildModel(name);
  model.to(device);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  for (const batch of [50, 512]) {
    const x = torch.keep(torch.randn([batch, 3, 32, 32], { device }));
    const y = torch.keep(torch.randint(0, 10, [batch], { device }));
    const step = () =>
      torch.tidy(() => {
        const outputs = model.call(x);
        const loss = criterion.call(outputs, y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return loss.item();
      });
    for (let i = 0; i < 5; i++) step();
    sync();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) step();
    sync();
    res.push({ name: `${name} steps/s b${batch}`, median: Number(process.hrtime.bigint() - t0) / 1e9 / steps, iters: steps });
    x.dispose();
    y.dispose();
  }
  const val = Array.from({ length: 100 }, () => [torch.keep(torch.randn([50, 3, 32, 32])), torch.keep(torch.randint(0, 10, [50]))] as const);
  const evaluate = (batches: typeof val) => {
    model.eval();
    let correct = 0;
    let total = 0;
    torch.noGrad(() => {
      for (const [bx, by] of batches) {
        torch.tidy(() => {
          const xd = bx.to(device);
          const yd = by.to(device);
          const [, predicted] = torch.max(model.call(xd), 1);
          total += yd.size(0);
          correct += predicted.eq(yd).sum().item();
        });
      }
    });
    return (100 * correct) / total;
  };
  evaluate(val.slice(0, 5));
  sync();
  const t0 = process.hrtime.bigint();
  evaluate(val);
  sync();
  res.push({ name: `${name} eval 5000`, median: Number(process.hrtime.bigint() - t0) / 1e9, iters: 1 });
  for (const [a, b] of val) {
    a.dispose();
    b.dispose();
  }
}
emit(res, { device });
