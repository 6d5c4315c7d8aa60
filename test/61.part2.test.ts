/** Homework 1 part 2 (scripts/part2.ts) against PyTorch goldens (tools/golden/homework12.py) and nn.functional.conv2d. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { nn } from '../lib/index.js';
import {
  myConv2d,
  myConv2dVectorized,
  compare,
  part2Plot,
  standInKernel,
  generatedDigits,
  readIdxImages,
  FASHION_MNIST_TEST_IMAGES,
  main as part2Main,
} from '../scripts/part2.js';
import { readPng, type RgbaImage } from '../scripts/viz/png.js';

const G = JSON.parse(readFileSync(new URL('./fixtures/homework12.json', import.meta.url), 'utf8')).conv;

function assertNonUniform(img: RgbaImage): void {
  const first = img.data.slice(0, 4).join();
  let differs = 0;
  for (let i = 4; i < img.data.length; i += 4) if (img.data.slice(i, i + 4).join() !== first) differs++;
  assert.ok(differs > img.width * img.height * 0.05, `image is (nearly) uniform: ${differs} pixels differ from the first`);
}

test('myConv2d and myConv2dVectorized match PyTorch conv2d (golden) within 1e-4 relative', () => {
  const input = torch.tensor(Float32Array.from(G.input), { shape: G.inputShape });
  const kernel = torch.tensor(Float32Array.from(G.kernel), { shape: G.kernelShape });
  const golden = torch.tensor(Float32Array.from(G.output), { shape: G.outputShape });
  for (const [name, f] of [
    ['loops', myConv2d],
    ['vectorized', myConv2dVectorized],
  ] as const) {
    const out = f(input, kernel);
    assert.deepEqual(out.shape, G.outputShape, name);
    assert.equal(out.dtype, 'float32');
    const c = compare(out, golden);
    assert.ok(c.relative <= 1e-4, `${name} vs PyTorch: relative ${c.relative}`);
    const own = compare(out, nn.functional.conv2d(input, kernel));
    assert.ok(own.relative <= 1e-4, `${name} vs nn.functional.conv2d: relative ${own.relative}`);
  }
});

test('myConv2d in float64 on images and the stand-in filter bank equals conv2d', () => {
  const input = generatedDigits(3).to('float64');
  const kernel = standInKernel().to('float64');
  const ref = nn.functional.conv2d(input, kernel);
  assert.deepEqual(ref.shape, [3, 8, 26, 26]);
  const loops = compare(myConv2d(input, kernel), ref);
  assert.ok(loops.relative <= 1e-12, `relative ${loops.relative}`);
  assert.ok(compare(myConv2dVectorized(input, kernel), ref).relative <= 1e-12);
});

test('myConv2d validates its arguments', () => {
  const x = torch.zeros([1, 2, 5, 5]);
  assert.throws(() => myConv2d(x, torch.zeros([3, 1, 3, 3])), {
    message: 'myConv2d: input has 2 channels (shape [1, 2, 5, 5]) but kernel expects 1 (shape [3, 1, 3, 3])',
  });
  assert.throws(() => myConv2d(torch.zeros([2, 5, 5]), torch.zeros([3, 2, 3, 3])), {
    message: 'myConv2d: expected input of shape [batch, inChannels, H, W] but received [2, 5, 5]',
  });
  assert.throws(() => myConv2d(x, torch.zeros([3, 2, 6, 3])), { message: 'myConv2d: kernel 6×3 is larger than the input 5×5 (valid padding)' });
  assert.throws(() => myConv2dVectorized(x, torch.zeros([3, 2, 3, 3], { dtype: 'float64' })), {
    message: 'myConv2dVectorized: expected floating-point input and kernel of the same dtype but received float32 and float64',
  });
});

test('stand-in images: Fashion-MNIST idx reader and generated digits', () => {
  const d = generatedDigits(6);
  assert.deepEqual(d.shape, [6, 1, 28, 28]);
  assert.ok(d.amax().item() === 255 && d.amin().item() === 0);
  if (existsSync(FASHION_MNIST_TEST_IMAGES)) {
    const f = readIdxImages(FASHION_MNIST_TEST_IMAGES, 2);
    assert.deepEqual(f.shape, [2, 1, 28, 28]);
    assert.equal(f.amax().item(), 255);
  }
  assert.throws(() => readIdxImages(FASHION_MNIST_TEST_IMAGES, 0), { message: 'readIdxImages: expected positive integer for count but received 0' });
});

test('part2Plot: one row per image, one column per filter', () => {
  const out = myConv2dVectorized(generatedDigits(2), standInKernel());
  const img = part2Plot(out, { scale: 2 });
  // 8 panels of 52 px plus 9 gaps of 4 px; 2 rows.
  assert.deepEqual([img.width, img.height], [8 * 52 + 9 * 4, 2 * 52 + 3 * 4]);
  assertNonUniform(img);
});

test('npm run part2 (main) writes part2_conv_output.png and part2_results.json', async () => {
  const out = mkdtempSync(join(tmpdir(), 'part2-'));
  try {
    const logged: string[] = [];
    const orig = console.log;
    console.log = (s: string) => logged.push(String(s));
    try {
      await part2Main(['--out', out]);
    } finally {
      console.log = orig;
    }
    assert.ok(logged.some((l) => l.startsWith("The course's samples_6.npy is not available; input is a stand-in")));
    assert.ok(logged.includes('Convolution completed and output saved.'));
    const img = readPng(join(out, 'part2_conv_output.png'));
    assert.deepEqual([img.width, img.height], [8 * 104 + 9 * 4, 6 * 104 + 7 * 4]);
    assertNonUniform(img);
    const json = JSON.parse(readFileSync(join(out, 'part2_results.json'), 'utf8'));
    assert.deepEqual(json.outputShape, [6, 8, 26, 26]);
    assert.ok(json.loopsVsConv2d.relative <= 1e-4);
    assert.ok(json.vectorizedVsConv2d.relative <= 1e-4);
    const html = readFileSync(join(out, 'part2_report.html'), 'utf8');
    assert.ok(html.includes('data:image/png;base64,'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
