/**
 * A small DCGAN (PyTorch's DCGAN tutorial, scaled to 16×16) on synthetic images: Generator of
 * ConvTranspose2d + BatchNorm2d + ReLU + Tanh, Discriminator of Conv2d + BatchNorm2d + LeakyReLU +
 * Sigmoid, BCELoss, Adam with betas (0.5, 0.999), the tutorial's weights_init. examples/dcgan.py is
 * its Python twin: the same seed gives the same RNG draws, so both print the same losses.
 *   node --import tsx examples/dcgan.ts [--steps 100]
 */
import { parseArgs } from 'node:util';
// In your own project: from 'torchnode'.
import * as torch from '../lib/index.js';
import { nn, optim, type Tensor } from '../lib/index.js';

const { values: args } = parseArgs({ options: { steps: { type: 'string', default: '100' } } });
const steps = Number(args.steps);

torch.setNumThreads(1); // one thread: the same summation order as the Python run, so the same bits
torch.manualSeed(999);

const [NZ, NGF, NDF, SIZE, N, BATCH] = [8, 8, 8, 16, 256, 16];

/** n 1×16×16 images in [-1, 1]: a Gaussian blob at a random centre with a random width. */
function syntheticImages(n: number): Tensor {
  return torch.tidy(() => {
    const centres = torch.rand([n, 2]).mul(10).add(3);
    const widths = torch.rand([n, 1, 1]).mul(2).add(1.5);
    const coords = torch.arange(SIZE, { dtype: 'float32' });
    const dy = coords
      .view(1, SIZE, 1)
      .sub(centres.select(1, 0).view(n, 1, 1))
      .pow(2);
    const dx = coords
      .view(1, 1, SIZE)
      .sub(centres.select(1, 1).view(n, 1, 1))
      .pow(2);
    const blob = dx.add(dy).neg().div(widths.pow(2).mul(2)).exp();
    return blob.mul(2).sub(1).unsqueeze(1);
  });
}

class Generator extends nn.Module {
  main = new nn.Sequential(
    new nn.ConvTranspose2d(NZ, NGF * 4, 4, { stride: 1, padding: 0, bias: false }), // 4×4
    new nn.BatchNorm2d(NGF * 4),
    new nn.ReLU(true),
    new nn.ConvTranspose2d(NGF * 4, NGF * 2, 4, { stride: 2, padding: 1, bias: false }), // 8×8
    new nn.BatchNorm2d(NGF * 2),
    new nn.ReLU(true),
    new nn.ConvTranspose2d(NGF * 2, 1, 4, { stride: 2, padding: 1, bias: false }), // 16×16
    new nn.Tanh(),
  );
  override forward(x: Tensor): Tensor {
    return this.main.call(x);
  }
}

class Discriminator extends nn.Module {
  main = new nn.Sequential(
    new nn.Conv2d(1, NDF, 4, { stride: 2, padding: 1, bias: false }), // 8×8
    new nn.LeakyReLU(0.2, true),
    new nn.Conv2d(NDF, NDF * 2, 4, { stride: 2, padding: 1, bias: false }), // 4×4
    new nn.BatchNorm2d(NDF * 2),
    new nn.LeakyReLU(0.2, true),
    new nn.Conv2d(NDF * 2, 1, 4, { stride: 1, padding: 0, bias: false }), // 1×1
    new nn.Sigmoid(),
  );
  override forward(x: Tensor): Tensor {
    return this.main.call(x);
  }
}

/** The tutorial's weights_init: N(0, 0.02) for convolutions, N(1, 0.02) and bias 0 for BatchNorm. */
function weightsInit(m: nn.Module): void {
  const classname = m.constructor.name;
  const p = m as nn.Module & { weight: Tensor; bias: Tensor };
  if (classname.includes('Conv')) nn.init.normal_(p.weight, 0.0, 0.02);
  else if (classname.includes('BatchNorm')) {
    nn.init.normal_(p.weight, 1.0, 0.02);
    nn.init.constant_(p.bias, 0);
  }
}

const data = torch.keep(syntheticImages(N));
const netG = new Generator().apply(weightsInit);
const netD = new Discriminator().apply(weightsInit);
const criterion = new nn.BCELoss();
const optimizerD = new optim.Adam(netD.parameters(), { lr: 0.0002, betas: [0.5, 0.999] });
const optimizerG = new optim.Adam(netG.parameters(), { lr: 0.0002, betas: [0.5, 0.999] });

for (let step = 1; step <= steps; step++) {
  const [lossD, lossG] = torch.tidy(() => {
    const start = ((step - 1) * BATCH) % N;
    const real = data.narrow(0, start, BATCH);
    // (1) D: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zeroGrad();
    const label = torch.full([BATCH], 1.0);
    let output = netD.call(real).view(-1);
    const errDReal = criterion.call(output, label);
    errDReal.backward();
    const noise = torch.randn([BATCH, NZ, 1, 1]);
    const fake = netG.call(noise);
    label.fill_(0.0);
    output = netD.call(fake.detach()).view(-1);
    const errDFake = criterion.call(output, label);
    errDFake.backward();
    const errD = errDReal.add(errDFake);
    optimizerD.step();
    // (2) G: maximize log(D(G(z)))
    netG.zeroGrad();
    label.fill_(1.0);
    output = netD.call(fake).view(-1);
    const errG = criterion.call(output, label);
    errG.backward();
    optimizerG.step();
    return [errD.item() as number, errG.item() as number];
  });
  console.log(`step ${step} lossD ${lossD} lossG ${lossG}`);
}
