/**
 * The literal loop (issue: memory without scope code): Appendix 3's CNN3 and its part-3 training
 * step written as a Python user ports them, with no tidy/dispose/keep and no await, 3,000 steps
 * at batch 50; beside it the same step inside tidy(). Tensors the loop drops are freed by the
 * garbage collector (lib/scope.ts, native/gc/guard.cc). Besides time per step it reports the
 * live tensors (max over the run) and RSS after warm-up and at the end; bench/literal.py runs
 * the same loop in PyTorch.
 */
import * as torch from '../lib/index.js';
import { nn, optim, type Tensor } from '../lib/index.js';
import { timeit, emit, type Measure } from './harness.js';

torch.setNumThreads(1);
const scale = Number(process.env.BENCH_SCALE ?? 1);
const BLOCKS = 10;
const ITERS = Math.max(10, Math.floor(300 * scale)); // 3,000 steps at scale 1

/** Appendix 3's CNN3, its forward line for line. */
class CNN3 extends nn.Module {
  conv1 = new nn.Conv2d(3, 16, 3, { stride: 1, padding: 0 });
  conv2 = new nn.Conv2d(16, 8, 5, { stride: 1, padding: 0 });
  pool1 = new nn.MaxPool2d(2, { stride: 2 });
  conv3 = new nn.Conv2d(8, 16, 7, { stride: 1, padding: 0 });
  pool2 = new nn.MaxPool2d(2, { stride: 2 });
  fc = new nn.Linear(16 * 3 * 3, 10);
  override forward(x: Tensor): Tensor {
    x = nn.functional.relu(this.conv1.call(x));
    x = nn.functional.relu(this.conv2.call(x));
    x = this.pool1.call(x);
    x = nn.functional.relu(this.conv3.call(x));
    x = this.pool2.call(x);
    x = x.view(x.size(0), -1);
    x = this.fc.call(x);
    return x;
  }
}

torch.manualSeed(0);
const batches = Array.from({ length: 20 }, () => [torch.randn([50, 3, 32, 32]), torch.randint(0, 10, [50])] as const);

function run(label: string, scoped: boolean): { m: Measure; memory: Record<string, number> } {
  const model = new CNN3();
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  let running_loss = 0;
  let correct = 0;
  let total = 0;
  let gradNorms = 0;
  let i = 0;
  let maxLive = 0;
  let rssWarm = 0;
  const step = (): void => {
    // A DataLoader hands out new tensors each step: so does this (a copy of a stored batch).
    const [bx, by] = batches[i % batches.length];
    const inputs = bx.clone();
    const labels = by.clone();
    optimizer.zeroGrad();
    const outputs = model.call(inputs);
    const loss = criterion.call(outputs, labels);
    loss.backward();
    optimizer.step();
    running_loss += loss.item();
    const [, predicted] = torch.max(outputs.data, 1);
    total += labels.size(0);
    correct += predicted.eq(labels).sum().item();
    if (i % 10 === 0) {
      let norm = 0;
      for (const p of model.parameters()) if (p.grad !== null) norm += p.grad.norm().item();
      gradNorms += norm;
    }
    i++;
    if (i % 100 === 0) maxLive = Math.max(maxLive, torch.memory().numTensors);
    if (i === ITERS) rssWarm = process.memoryUsage().rss; // after the warm-up block
  };
  const m = timeit(label, scoped ? () => torch.tidy(step) : step, ITERS, BLOCKS, ITERS);
  const rssEnd = process.memoryUsage().rss;
  return {
    m,
    memory: {
      steps: i,
      maxLiveTensors: maxLive,
      rssWarmMB: rssWarm / 2 ** 20,
      rssEndMB: rssEnd / 2 ** 20,
      rssGrowthPct: ((rssEnd - rssWarm) / rssWarm) * 100,
      meanLoss: running_loss / i,
      trainAccPct: (100 * correct) / total,
      gradNorms,
    },
  };
}

const literal = run('cnn_3 literal step, no scope code', false);
const scoped = run('cnn_3 the same step in tidy()', true);
emit([literal.m, scoped.m], { memory: { literal: literal.memory, scoped: scoped.memory } });
