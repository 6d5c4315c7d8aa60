/**
 * The homework's data pipeline on torchnode, the same work as bench/data.py: Appendix 3's
 * load_cifar10 (CIFAR10 with Compose([ToTensor(), Normalize(…)]), random_split with seed 42,
 * DataLoader batch 50, shuffled) over the generated files in $BENCH_CIFAR_ROOT (bench/make_cifar.py).
 *  - the loader alone (one epoch of the training loader),
 *  - each model's train step with data loading (the next batch + the compute-only step), and its
 *    validation pass over the validation loader (evaluateModel, as part3.ts runs it),
 *  - part 3's CNN3 epoch end to end: every training batch, and every 10 steps the records and
 *    a validation pass over the validation loader (evaluateModel, as part3.ts runs it).
 */
import * as torch from '../lib/index.js';
import { nn, optim, type Tensor } from '../lib/index.js';
import { CIFAR10 } from '../lib/data/datasets.js';
import { DataLoader, randomSplit } from '../lib/data/index.js';
import { Compose, ToTensor, Normalize } from '../lib/data/transforms.js';
import { MODEL_NAMES, buildModel, type ModelName } from '../scripts/models.js';
import { evaluateModel } from '../scripts/train.js';
import { timeit, emit, type Measure } from './harness.js';

torch.setNumThreads(1);
const scale = Number(process.env.BENCH_SCALE ?? 1);
const root = process.env.BENCH_CIFAR_ROOT;
if (!root) throw new Error('bench/data.ts: BENCH_CIFAR_ROOT is not set (bench/run.ts sets it)');

/** Appendix 3's load_cifar10(batch_size=50), training and validation loaders. */
function loadCifar10(batchSize = 50): { trainLoader: DataLoader; valLoader: DataLoader } {
  const transform = new Compose([new ToTensor(), new Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261])]);
  const fullTrainset = new CIFAR10({ root, train: true, format: 'python', transform });
  const totalTrain = fullTrainset.len();
  const valCount = Math.floor(0.1 * totalTrain);
  const trainCount = totalTrain - valCount;
  const [trainSubset, valSubset] = randomSplit(fullTrainset, [trainCount, valCount], new torch.Generator().manualSeed(42));
  return {
    trainLoader: new DataLoader(trainSubset, { batchSize, shuffle: true, dropLast: false }),
    valLoader: new DataLoader(valSubset, { batchSize, shuffle: false, dropLast: false }),
  };
}

torch.manualSeed(0);
const { trainLoader, valLoader } = loadCifar10();

/** An endless stream of training batches (a new epoch, reshuffled, when one ends). */
function batches(): () => [Tensor, Tensor] {
  let it = trainLoader[Symbol.iterator]();
  return () => {
    let r = it.next();
    if (r.done) {
      it = trainLoader[Symbol.iterator]();
      r = it.next();
    }
    return r.value as [Tensor, Tensor];
  };
}

const res: Measure[] = [];
const nBatches = trainLoader.len();
const epochOfLoader = timeit(
  'loader epoch b50 shuffle (batches/s)',
  () => {
    for (const b of trainLoader) torch.dispose(b);
  },
  1,
  3,
);
res.push({
  ...epochOfLoader,
  median: epochOfLoader.median / nBatches,
  cpuMedian: epochOfLoader.cpuMedian! / nBatches,
  samples: epochOfLoader.samples!.map((v) => v / nBatches),
});

/** part 3's training step on a batch (forward, loss, zero_grad, backward, step, records). */
function trainStep(
  model: nn.Module,
  criterion: nn.CrossEntropyLoss,
  optimizer: optim.Adam,
  x: Tensor,
  y: Tensor,
  acc: { running: number; correct: number; total: number },
): void {
  torch.tidy(() => {
    const outputs = model.call(x) as Tensor;
    const loss = criterion.call(outputs, y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    acc.running += loss.item() as number;
    const [, preds] = torch.max(outputs, 1);
    acc.total += y.size(0) as number;
    acc.correct += preds.eq(y).sum().item() as number;
  });
}

for (const name of MODEL_NAMES as readonly ModelName[]) {
  torch.manualSeed(0);
  const model = buildModel(name);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  model.train();
  const next = batches();
  const acc = { running: 0, correct: 0, total: 0 };
  res.push(
    timeit(
      `${name} train step b50 + data`,
      () => {
        const [x, y] = next();
        try {
          trainStep(model, criterion, optimizer, x, y, acc);
        } finally {
          x.dispose();
          y.dispose();
        }
      },
      Math.max(1, Math.floor(40 * scale)),
    ),
  );
  // The full validation pass as part 3 runs it: evaluateModel over the validation loader.
  res.push(
    timeit(
      `${name} validation ${valLoader.dataset.len()} + data`,
      () => {
        evaluateModel(model, valLoader);
      },
      1,
      3,
    ),
  );
}

/** Part 3's loop for one epoch of CNN3 (Appendix 3's train loop, records every 10 steps). */
function part3Epoch(): void {
  torch.manualSeed(0);
  const model = buildModel('cnn_3');
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  const lossCurve: number[] = [];
  const trainAccCurve: number[] = [];
  const valAccCurve: number[] = [];
  let stepCount = 0;
  model.train();
  const acc = { running: 0, correct: 0, total: 0 };
  for (const [x, y] of trainLoader) {
    try {
      trainStep(model, criterion, optimizer, x, y, acc);
    } finally {
      x.dispose();
      y.dispose();
    }
    stepCount += 1;
    if (stepCount % 10 === 0) {
      lossCurve.push(acc.running / 10);
      trainAccCurve.push((100 * acc.correct) / acc.total);
      // evaluate_model leaves the model in eval mode, as the original does (no dropout/BN here).
      valAccCurve.push(evaluateModel(model, valLoader));
      acc.running = 0;
    }
  }
}
res.push(timeit(`cnn_3 part-3 epoch (${nBatches} steps, val every 10)`, part3Epoch, 1, 1, 0));
emit(res);
