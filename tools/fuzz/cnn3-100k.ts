/**
 * Long-run memory soak: the homework's CNN3 trained for many steps (batch 2, fixed random inputs,
 * Adam, crossEntropy, each step inside torch.tidy). Prints live tensor count and RSS at step 1k
 * (after warm-up), every 10k and at the end, then a one-line summary; a leak shows up as a
 * growing tensor count or a steadily climbing RSS.
 * Usage: node --expose-gc --import tsx tools/fuzz/cnn3-100k.ts [steps=100000]
 */
import * as torch from '../../lib/index.js';
import { CNN3 } from '../../scripts/models.js';

const steps = Number(process.argv[2] ?? 100_000);
if (!Number.isInteger(steps) || steps < 1) throw new Error(`Expected positive integer for steps but received ${process.argv[2]}`);
torch.manualSeed(0);
const model = new CNN3();
const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
// Fixed inputs, kept so the per-step tidy() does not free them.
const x = torch.keep(torch.randn([2, 3, 32, 32]));
const y = torch.keep(torch.tensor([3, 7], { dtype: 'int64' }));

const mib = (b: number): string => (b / 1048576).toFixed(1);
let warmRss = 0;
let minT = Infinity;
let maxT = -Infinity;
const t0 = Date.now();
let loss = NaN;
for (let step = 1; step <= steps; step++) {
  loss = torch.tidy(() => {
    opt.zeroGrad();
    const l = torch.nn.functional.crossEntropy(model.forward(x), y);
    l.backward();
    opt.step();
    return step % 1000 === 0 ? l.item() as number : NaN;
  });
  if (step >= 1000) {
    const n = torch.memory().numTensors;
    if (n < minT) minT = n;
    if (n > maxT) maxT = n;
  }
  if (step === 1000 || step % 10_000 === 0 || step === steps) {
    // With --expose-gc, readings follow a full collection, so V8's lazily grown heap does not
    // pass for native growth.
    (globalThis as { gc?: () => void }).gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    if (step === 1000) warmRss = rss;
    // heapUsed separates V8 heap growth from native (LibTorch/allocator) growth.
    console.log(`step ${step}: numTensors ${torch.memory().numTensors}, rss ${mib(rss)} MiB, heapUsed ${mib(heapUsed)} MiB, loss ${Number.isNaN(loss) ? '-' : loss.toFixed(4)}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}
console.log(`CNN3-SOAK steps ${steps}, rss warm-up ${mib(warmRss)} MiB, rss end ${mib(process.memoryUsage().rss)} MiB, numTensors after warm-up min ${minT} max ${maxT}`);
