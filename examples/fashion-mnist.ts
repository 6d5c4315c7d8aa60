/**
 * Fashion-MNIST with a small CNN: train for a few hundred steps, print the test accuracy.
 *   node --import tsx examples/fashion-mnist.ts [--steps 300] [--root /usr/share/datasets/fashion-mnist]
 * The data comes from Debian's dataset-fashion-mnist package unless --root says otherwise.
 */
import { parseArgs } from 'node:util';
// In your own project: from 'torchnode'.
import * as torch from '../lib/index.js';
import { nn, optim, type Tensor } from '../lib/index.js';
const { DataLoader, transforms, datasets } = torch.data;

const { values: args } = parseArgs({ options: { steps: { type: 'string', default: process.env.STEPS ?? '300' }, root: { type: 'string' } } });
const steps = Number(args.steps);
torch.manualSeed(0);
torch.setNumThreads(Math.max(1, Math.min(4, (await import('node:os')).availableParallelism())));

const transform = new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize([0.286], [0.353])]);
const train = new datasets.FashionMNIST({ root: args.root, train: true, transform });
const test = new datasets.FashionMNIST({ root: args.root, train: false, transform });

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 16, { kernelSize: 3, padding: 1 });
  conv2 = new nn.Conv2d(16, 32, { kernelSize: 3, padding: 1 });
  pool = new nn.MaxPool2d(2);
  fc = new nn.Linear(32 * 7 * 7, 10);
  override forward(x: Tensor): Tensor {
    x = this.pool.call(nn.F.relu(this.conv1.call(x))); // [N, 16, 14, 14]
    x = this.pool.call(nn.F.relu(this.conv2.call(x))); // [N, 32, 7, 7]
    return this.fc.call(x.flatten(1));
  }
}

const model = new Net();
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const lossFn = new nn.CrossEntropyLoss();
let step = 0;
while (step < steps) {
  for (const [x, y] of new DataLoader(train, { batchSize: 64, shuffle: true })) {
    // tidy frees the step's temporaries (and the batch) when it returns.
    const loss = torch.tidy(() => {
      opt.zeroGrad();
      const l = lossFn.call(model.call(x), y);
      l.backward();
      opt.step();
      return l.item();
    });
    torch.dispose([x, y]);
    if (++step % 100 === 0 || step === steps) console.log(`step ${step}  loss ${loss.toFixed(4)}`);
    if (step >= steps) break;
  }
}

model.eval();
let correct = 0;
for (const [x, y] of new DataLoader(test, { batchSize: 1000 })) {
  correct += torch.tidy(() => torch.noGrad(() => model.call(x).argmax(1).eq(y).sum().item()));
  torch.dispose([x, y]);
}
console.log(`test accuracy: ${((100 * correct) / test.len()).toFixed(2)}% (${correct}/${test.len()}) after ${steps} steps`);
