/**
 * CUDA: tensors, autograd, optimizers on CUDA parameters, transfers and memory statistics.
 * Every test skips with a visible reason on machines without a usable GPU; the CPU-side
 * behaviour of the cuda module (clear errors, isAvailable false) is tested everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, optim } from '../lib/index.js';

const hasCuda = torch.cuda.isAvailable();
const why = torch.version.cuda
  ? 'CUDA build, but no usable GPU/driver on this machine'
  : `CPU-only LibTorch ${torch.version.libtorch}: CUDA tests need a CUDA build (see scripts/gpu-check.sh)`;

function maxAbsDiff(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => a.cpu().sub(b.cpu()).abs().max().item());
}

test('without CUDA: isAvailable is false and device calls explain why', { skip: hasCuda ? 'a GPU is present' : false }, () => {
  assert.equal(torch.cuda.isAvailable(), false);
  assert.equal(torch.cuda.deviceCount(), 0);
  assert.throws(() => torch.cuda.memoryAllocated(), /cuda\.memoryAllocated: CUDA is not available/);
  assert.throws(() => torch.cuda.synchronize(), /cuda\.synchronize: CUDA is not available/);
  // One sentence, as Python's "Torch not compiled with CUDA enabled", not the dispatcher's 5 KB
  // backend list. A CUDA build without a GPU passes on CUDA's own short sentence ("no CUDA-capable
  // device is detected", "No CUDA GPUs are available", as Python does), or says so itself where the
  // dispatcher would list backends.
  const unavailable = torch.version.cuda
    ? /^(to|ones): (?=[\s\S]{1,600}$)[\s\S]*(CUDA|GPU)/
    : `Torch not compiled with CUDA enabled (torchnode was built against a CPU-only LibTorch ${torch.version.libtorch})`;
  const expect = (op: string, summary: string) => (typeof unavailable === 'string' ? `${op}: ${unavailable}${summary}` : unavailable);
  torch.tidy(() => {
    assert.throws(() => torch.ones([2]).to('cuda'), { message: expect('to', ' (self: float32[2])') });
    assert.throws(() => torch.ones([2]).to('cuda:0'), { message: expect('to', ' (self: float32[2])') });
    assert.throws(() => torch.ones([2]).cuda(), { message: expect('to', ' (self: float32[2])') });
    assert.throws(() => torch.ones([2], { device: 'cuda' }), { message: expect('ones', '') });
  });
  assert.equal(
    torch.cuda.resolveDevice('auto', () => {}),
    'cpu',
  );
  assert.throws(() => torch.cuda.resolveDevice('cuda'), /--device cuda: CUDA is not available/);
});

test('CUDA tensors: transfers, ops and printing', { skip: hasCuda ? false : why }, () => {
  const a = torch.randn([64, 32]);
  const g = a.to('cuda');
  assert.equal(g.device, 'cuda:0');
  assert.match(String(g.index(0, '0:2')), /device='cuda:0'/);
  const back = g.mul(2).add(1).cpu();
  assert.ok(maxAbsDiff(back, a.mul(2).add(1)) < 1e-6);
  assert.ok(maxAbsDiff(g.matmul(g.t()), a.matmul(a.t())) < 1e-3);
  assert.equal(a.cuda().device, 'cuda:0');
  const nb = a.to('cuda', { nonBlocking: true });
  torch.cuda.synchronize();
  assert.equal(maxAbsDiff(nb, a), 0);
});

test('CUDA autograd matches the CPU', { skip: hasCuda ? false : why }, () => {
  const w = torch.randn([8, 4]);
  const x = torch.randn([16, 8]);
  const run = (device: string) => {
    const wd = w.to(device).requiresGrad_(true);
    x.to(device).matmul(wd).tanh().pow(2).sum().backward();
    return wd.grad!.cpu();
  };
  assert.ok(maxAbsDiff(run('cuda'), run('cpu')) < 1e-5);
});

test('optimizers step CUDA parameters inside LibTorch, equal to the CPU run', { skip: hasCuda ? false : why }, () => {
  const train = (device: string) => {
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(10, 16), new nn.ReLU(), new nn.Linear(16, 3));
    model.to(device);
    const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
    const gen = new torch.Generator().manualSeed(1);
    const x = torch.randn([32, 10], { generator: gen }).to(device);
    const y = torch.randint(0, 3, [32], { generator: gen }).to(device);
    for (let i = 0; i < 5; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        nn.F.crossEntropy(model.call(x), y).backward();
        opt.step();
      });
    }
    return model.parameters().map((p) => p.cpu());
  };
  const gpu = train('cuda');
  const cpu = train('cpu');
  gpu.forEach((p, i) => assert.ok(maxAbsDiff(p, cpu[i]) < 1e-5, `parameter ${i}`));
});

test('CUDA memory statistics and seeding', { skip: hasCuda ? false : why }, () => {
  torch.cuda.emptyCache();
  const before = torch.cuda.memoryAllocated();
  const t = torch.empty([1024, 1024], { device: 'cuda' });
  assert.ok(torch.cuda.memoryAllocated() >= before + 4 * 1024 * 1024);
  assert.ok(torch.cuda.maxMemoryAllocated() >= torch.cuda.memoryAllocated());
  assert.ok(torch.cuda.memoryReserved() >= torch.cuda.memoryAllocated());
  t.dispose();
  assert.ok(torch.cuda.memoryAllocated() <= before + 512);
  assert.ok(torch.cuda.getDeviceName().length > 0);
  torch.cuda.manualSeedAll(7);
  const r1 = torch.randn([5], { device: 'cuda' }).cpu();
  torch.cuda.manualSeedAll(7);
  const r2 = torch.randn([5], { device: 'cuda' }).cpu();
  assert.equal(maxAbsDiff(r1, r2), 0);
});
