/**
 * Per-model costs on torchnode, the same work as bench/models.py: a compute-only train step at
 * batch 50 (as part 3's loop does it) and a validation pass over 5,000 images.
 */
import * as torch from '../lib/index.js';
import { nn, optim, type Tensor } from '../lib/index.js';
import { evaluateModel } from '../scripts/train.js';
import { MODEL_NAMES, buildModel } from '../scripts/models.js';
import { timeit, emit, type Measure } from './harness.js';

torch.setNumThreads(1);
const scale = Number(process.env.BENCH_SCALE ?? 1);
torch.manualSeed(0);
const x = torch.keep(torch.randn([50, 3, 32, 32]));
const y = torch.keep(torch.randint(0, 10, [50]));
const val = Array.from({ length: 100 }, () => [torch.keep(torch.randn([50, 3, 32, 32])), torch.keep(torch.randint(0, 10, [50]))] as const);

/** The validation batches as a loader: fresh handles (aliases) each pass, since evaluateModel frees the batches it receives. */
const valLoader = {
  *[Symbol.iterator](): Iterator<[Tensor, Tensor]> {
    for (const [bx, by] of val) yield [torch.callOp('aten::alias', bx) as Tensor, torch.callOp('aten::alias', by) as Tensor];
  },
};

/** Appendix 3's evaluate_model, as part 3 runs it (scripts/train.ts). */
function evaluate(model: nn.Module): number {
  return evaluateModel(model, valLoader);
}

const res: Measure[] = [];
for (const name of MODEL_NAMES) {
  const model = buildModel(name);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  model.train();
  const state = { correct: 0, total: 0, running: 0 };
  const step = () =>
    torch.tidy(() => {
      const outputs = model.call(x);
      const loss = criterion.call(outputs, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      state.running += loss.item();
      const [, preds] = torch.max(outputs, 1);
      state.total += y.size(0);
      state.correct += preds.eq(y).sum().item();
    });
  res.push(timeit(`${name} train step b50`, step, Math.max(1, Math.floor(40 * scale))));
  res.push(
    timeit(
      `${name} validation 5000`,
      () => {
        evaluate(model);
      },
      1,
      3,
    ),
  );
}
emit(res);
