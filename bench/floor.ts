/**
 * The compute floor of each homework model: the FLOPs of its convolutions and linear layers
 * (2 × multiply-adds; a train step ≈ 3× the forward: forward, grad of input, grad of weights)
 * divided by the throughput LibTorch itself reaches on each layer's exact shape at batch 50
 * (the bare kernel timed in a loop, one thread). run.ts divides the models suite's times by it:
 * TS ÷ floor − 1 is everything that is not convolution/matmul work (activations, pooling, loss,
 * Adam, allocation, and the binding's own overhead).
 */
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { MODEL_NAMES, buildModel } from '../scripts/models.js';
import { timeit } from './harness.js';

torch.setNumThreads(1);
const scale = Number(process.env.BENCH_SCALE ?? 1);
const N = 50;

interface Layer {
  layer: string;
  module: nn.Conv2d | nn.Linear;
  input: number[];
}

/** Records the input shape of every Conv2d and Linear during one forward. */
function layersOf(model: nn.Module): Layer[] {
  const out: Layer[] = [];
  for (const [name, m] of model.namedModules()) {
    if (m instanceof nn.Conv2d || m instanceof nn.Linear) {
      const orig = m.forward.bind(m);
      (m as { forward: (x: Tensor) => Tensor }).forward = (x: Tensor) => {
        out.push({ layer: name, module: m, input: x.shape.slice() });
        return orig(x);
      };
    }
  }
  torch.noGrad(() =>
    torch.tidy(() => {
      model.call(torch.randn([N, 3, 32, 32]));
    }),
  );
  return out;
}

function flops(l: Layer, outShape: number[]): number {
  if (l.module instanceof nn.Conv2d) {
    const w = l.module.weight.shape; // [out, in, kh, kw]
    return 2 * outShape.reduce((a, b) => a * b, 1) * w[1] * w[2] * w[3];
  }
  const w = (l.module as nn.Linear).weight.shape; // [out, in]
  return 2 * l.input[0] * w[0] * w[1];
}

const floor = MODEL_NAMES.map((name) => {
  torch.manualSeed(0);
  const model = buildModel(name);
  model.eval();
  const layers = layersOf(model);
  let fwdFlops = 0;
  let fwdTime = 0;
  const per = layers.map((l) => {
    const x = torch.keep(torch.randn(l.input));
    const f = torch.noGrad(() => torch.tidy(() => l.module.forward(x).shape));
    const fl = flops(l, f);
    const conv = l.module instanceof nn.Conv2d;
    const { weight, bias } = l.module;
    const m = torch.noGrad(() =>
      timeit(
        l.layer,
        () => {
          (conv ? nn.F.conv2d(x, weight, bias) : nn.F.linear(x, weight, bias)).dispose();
        },
        Math.max(5, Math.floor((conv ? 20 : 400) * scale)),
        7,
      ),
    );
    x.dispose();
    // The same clock as the rows it is compared with (run.ts --clock).
    const t = process.env.BENCH_CLOCK === 'wall' ? m.median : m.cpuMedian!;
    fwdFlops += fl;
    fwdTime += t;
    return { layer: l.layer, gflops: fl / t / 1e9, seconds: t };
  });
  // A train step: forward plus two backward products of the same size each (3×); validation:
  // 100 forward batches of 50.
  return { name, fwdFlops, trainFlops: 3 * fwdFlops, layers: per, trainFloor: 3 * fwdTime, valFloor: 100 * fwdTime };
});
process.stdout.write(JSON.stringify({ side: 'ts', results: [], peakRssMB: 0, floor }) + '\n');
