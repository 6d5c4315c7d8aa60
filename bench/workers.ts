/**
 * DataLoader worker threads on the homework's pipeline, the same work as bench/workers.py (PyTorch's
 * worker processes): one epoch of the training loader (CIFAR10 from $BENCH_CIFAR_ROOT, batch 50,
 * shuffled) with numWorkers 0 and 2, for Appendix 3's transform (ToTensor + Normalize) and for an
 * augmented one (RandomCrop(32, padding=4) + RandomHorizontalFlip, then ToTensor + Normalize).
 * The workers=2 rows start their workers every epoch (as a loader without persistentWorkers
 * does); the persistent rows start them once. Rows are per batch, in wall time on both clocks:
 * the work is spread over threads (TS) or processes (Python), whose CPU time one process's
 * clock would count (threads) or miss (processes).
 */
import * as torch from '../lib/index.js';
import { CIFAR10 } from '../lib/data/datasets.js';
import { DataLoader } from '../lib/data/index.js';
import { Compose, ToTensor, Normalize, RandomCrop, RandomHorizontalFlip, type Transform } from '../lib/data/transforms.js';
import { timeit, emit, type Measure } from './harness.js';

torch.setNumThreads(1);
const root = process.env.BENCH_CIFAR_ROOT;
if (!root) throw new Error('bench/workers.ts: BENCH_CIFAR_ROOT is not set (bench/run.ts sets it)');

const normalize = () => new Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]);
const pipelines: [string, () => Transform][] = [
  ['ToTensor+Normalize', () => new Compose([new ToTensor(), normalize()])],
  ['RandomCrop+Flip+ToTensor+Normalize', () => new Compose([new ToTensor(), new RandomCrop(32, { padding: 4 }), new RandomHorizontalFlip(), normalize()])],
];

const res: Measure[] = [];
for (const [label, transform] of pipelines) {
  const dataset = new CIFAR10({ root, train: true, format: 'python', transform: transform() });
  for (const [workers, persistent] of [
    [0, false],
    [2, false],
    [2, true],
  ] as const) {
    torch.manualSeed(0);
    const loader = new DataLoader(dataset, { batchSize: 50, shuffle: true, numWorkers: workers, persistentWorkers: persistent });
    const n = loader.len();
    const m = timeit(
      `${label} workers=${workers}${persistent ? ' persistent' : ''} (per batch)`,
      () => {
        for (const b of loader) torch.dispose(b);
      },
      1,
      3,
    );
    loader.shutdownWorkers();
    const perBatch = m.median / n;
    res.push({ ...m, median: perBatch, cpuMedian: perBatch, samples: m.samples!.map((v) => v / n) });
  }
  dataset.dispose();
}
emit(res);
