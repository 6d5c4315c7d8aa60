#!/usr/bin/python3
"""A small DCGAN (PyTorch's DCGAN tutorial, scaled to 16x16) on synthetic images: the Python twin
of examples/dcgan.ts. Same seed, same RNG draws, so both print the same losses step by step.

    /usr/bin/python3 examples/dcgan.py [--steps 100]
"""
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument('--steps', type=int, default=100)
args = parser.parse_args()

torch.set_num_threads(1)  # one thread: the same summation order as the TS run, so the same bits
torch.manual_seed(999)

NZ, NGF, NDF, SIZE, N, BATCH = 8, 8, 8, 16, 256, 16


def synthetic_images(n):
    """n 1x16x16 images in [-1, 1]: a Gaussian blob at a random centre with a random width."""
    centres = torch.rand(n, 2) * 10 + 3
    widths = torch.rand(n, 1, 1) * 2 + 1.5
    coords = torch.arange(SIZE, dtype=torch.float32)
    dy = (coords.view(1, SIZE, 1) - centres[:, 0].view(n, 1, 1)) ** 2
    dx = (coords.view(1, 1, SIZE) - centres[:, 1].view(n, 1, 1)) ** 2
    blob = torch.exp(-(dx + dy) / (2 * widths ** 2))
    return (blob * 2 - 1).unsqueeze(1)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(NZ, NGF * 4, 4, 1, 0, bias=False),  # 4x4
            nn.BatchNorm2d(NGF * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(NGF * 4, NGF * 2, 4, 2, 1, bias=False),  # 8x8
            nn.BatchNorm2d(NGF * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(NGF * 2, 1, 4, 2, 1, bias=False),  # 16x16
            nn.Tanh(),
        )

    def forward(self, x):
        return self.main(x)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, NDF, 4, 2, 1, bias=False),  # 8x8
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False),  # 4x4
            nn.BatchNorm2d(NDF * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF * 2, 1, 4, 1, 0, bias=False),  # 1x1
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.main(x)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


data = synthetic_images(N)
netG = Generator()
netG.apply(weights_init)
netD = Discriminator()
netD.apply(weights_init)
criterion = nn.BCELoss()
optimizerD = torch.optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

for step in range(1, args.steps + 1):
    start = ((step - 1) * BATCH) % N
    real = data[start:start + BATCH]
    # (1) D: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zero_grad()
    label = torch.full((BATCH,), 1.0)
    output = netD(real).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    noise = torch.randn(BATCH, NZ, 1, 1)
    fake = netG(noise)
    label.fill_(0.0)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    errD = errD_real + errD_fake
    optimizerD.step()
    # (2) G: maximize log(D(G(z)))
    netG.zero_grad()
    label.fill_(1.0)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    optimizerG.step()
    print(f'step {step} lossD {errD.item()!r} lossG {errG.item()!r}')
