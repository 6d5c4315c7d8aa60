/**
 * A user-written optimizer: SGD with momentum (and Nesterov, weight decay) subclassing
 * `optim.Optimizer`, as PyTorch's docs write one in Python, driven by a CosineAnnealingLR
 * scheduler while it trains a small MLP on a fixed regression problem.
 *   node --import tsx examples/custom-optimizer.ts [--steps 120] [--trajectory out.json]
 * examples/custom_optimizer.py is the same program in PyTorch; test/92.examples.optim runs both
 * and compares the parameters after every step.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
// In your own project: from 'torchnode'.
import * as torch from '../lib/index.js';
import { nn, optim, type Tensor } from '../lib/index.js';

interface MomentumOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** SGD with momentum, written by the user: per-parameter state is a momentum buffer. */
class MomentumSGD extends optim.Optimizer<MomentumOptions> {
  constructor(params: optim.Params, opts: Partial<MomentumOptions> & { lr: number }) {
    const defaults = { momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, ...opts };
    if (defaults.lr < 0) throw new RangeError(`MomentumSGD: Expected non-negative number for lr but received ${defaults.lr}`);
    super(params, defaults);
  }

  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const loss = closure ? torch.enableGrad(closure) : undefined;
    // Updates happen in place, outside autograd (PyTorch's @torch.no_grad()); tidy frees the temporaries.
    torch.tidy(() =>
      torch.noGrad(() => {
        for (const group of this.paramGroups) {
          const { lr, momentum, dampening, weightDecay, nesterov } = group;
          for (const p of group.params) {
            let d = p.grad;
            if (d === null) continue;
            if (weightDecay !== 0) d = d.add(p, { alpha: weightDecay });
            if (momentum !== 0) {
              const state = this.state.get(p);
              let buf: Tensor;
              if (state === undefined) {
                // The optimizer keeps state tensors alive past this tidy() by itself.
                buf = d.clone().detach();
                this.state.set(p, { momentumBuffer: buf });
              } else {
                buf = (state.momentumBuffer as Tensor).mul_(momentum).add_(d, { alpha: 1 - dampening });
              }
              d = nesterov ? d.add(buf, { alpha: momentum }) : buf;
            }
            p.add_(d, { alpha: -lr });
          }
        }
      }),
    );
    return loss;
  }
}

const { values } = parseArgs({ options: { steps: { type: 'string', default: '120' }, trajectory: { type: 'string' } } });
const steps = Number(values.steps);

torch.manualSeed(0);
const x = torch.randn([64, 3]);
const y = x
  .matmul(torch.tensor([[1.5], [-2.0], [0.5]]))
  .sin()
  .add(torch.randn([64, 1]).mul(0.1));
const model = new nn.Sequential(new nn.Linear(3, 16), new nn.Tanh(), new nn.Linear(16, 1));

const opt = new MomentumSGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
const sched = new optim.lrScheduler.CosineAnnealingLR(opt, steps, { etaMin: 0.001 });

const trajectory: number[][] = [];
for (let step = 1; step <= steps; step++) {
  const loss = torch.tidy(() => {
    opt.zeroGrad();
    const l = nn.functional.mseLoss(model.call(x), y);
    l.backward();
    opt.step();
    return l.item();
  });
  sched.step();
  trajectory.push(model.parameters().flatMap((p) => Array.from(p.detach().flatten().dataSync() as Float32Array)));
  if (step % 20 === 0 || step === steps) console.log(`step ${step}  loss ${loss.toFixed(6)}  lr ${sched.getLastLr()[0].toExponential(4)}`);
}
if (values.trajectory) writeFileSync(values.trajectory, JSON.stringify(trajectory));
