/**
 * torchvision's tensor transforms (Resize, CenterCrop, Pad, Grayscale, RandomCrop, the flips,
 * RandomResizedCrop, ColorJitter), transforms.functional, and torchvision.utils' make_grid and
 * save_image, against torchvision 0.14 (tools/golden/transforms.py -> test/fixtures/transforms.json):
 * outputs bit for bit, the random transforms' choices and the generator's position after them for
 * the same seed, and exact error messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as torch from '../lib/index.js';
import { data } from '../lib/index.js';
import { PYTHON } from './python.js';

// The fixture's values come from torchvision 0.14 on torch 1.13; another LibTorch's interpolation
// and colour kernels round differently in the last bit (2.6: 1.2e-7), so those exact comparisons
// run against LibTorch 1.13 only.
const FIXTURE_LIBTORCH: false | string = torch.version.libtorch.startsWith('1.13.')
  ? false
  : `the fixture is torchvision 0.14 on torch 1.13; this is LibTorch ${torch.version.libtorch}`;

const T = data.transforms;
const F = data.transforms.functional;
const G = JSON.parse(readFileSync(new URL('./fixtures/transforms.json', import.meta.url), 'utf8')) as any;

interface Enc {
  shape: number[];
  dtype: 'float32' | 'uint8';
  b64?: string;
  sha256?: string;
}

function dec(e: Enc): torch.Tensor {
  const buf = Buffer.from(e.b64 as string, 'base64');
  const bytes = new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const arr = e.dtype === 'uint8' ? bytes : new Float32Array(bytes.buffer);
  return torch.tensor(arr, { shape: e.shape, dtype: e.dtype });
}

function bytesOf(t: torch.Tensor): Buffer {
  const d = t.contiguous().dataSync() as Uint8Array | Float32Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/** `actual` equals torchvision's output bit for bit (shape, dtype and every value). */
function assertSame(actual: torch.Tensor, e: Enc, what: string): void {
  assert.deepEqual(actual.shape, e.shape, `${what}: shape`);
  assert.equal(actual.dtype, e.dtype, `${what}: dtype`);
  if (e.sha256 !== undefined) {
    assert.equal(createHash('sha256').update(bytesOf(actual)).digest('hex'), e.sha256, `${what}: bytes differ from torchvision's`);
    return;
  }
  const want = dec(e);
  if (!actual.equal(want)) {
    const diff = actual.to('float64').sub(want.to('float64')).abs().max().item();
    assert.fail(`${what}: differs from torchvision (max |diff| ${diff})`);
  }
}

const INPUTS: Record<string, torch.Tensor> = Object.fromEntries(Object.entries(G.inputs).map(([k, v]) => [k, torch.keep(dec(v as Enc))]));

/** The torchnode transform for a spec [name, ...positional, options] of the fixture. */
function build(spec: any[]): InstanceType<typeof T.Transform> {
  const [name, ...rest] = spec;
  const o = rest.pop();
  switch (name) {
    case 'Resize':
      return new T.Resize(rest[0], o);
    case 'CenterCrop':
      return new T.CenterCrop(rest[0]);
    case 'Pad':
      return new T.Pad(rest[0], o);
    case 'Grayscale':
      return new T.Grayscale(o);
    case 'RandomCrop':
      return new T.RandomCrop(rest[0], o);
    case 'RandomHorizontalFlip':
      return new T.RandomHorizontalFlip(o);
    case 'RandomVerticalFlip':
      return new T.RandomVerticalFlip(o);
    case 'RandomResizedCrop':
      return new T.RandomResizedCrop(rest[0], o);
    case 'ColorJitter':
      return new T.ColorJitter(o);
    case 'Compose':
      return new T.Compose(rest[0].map(build));
    default:
      throw new Error(`unknown spec ${name}`);
  }
}

const label = (spec: unknown, input: string) => `${JSON.stringify(spec)} on ${input}`;

test('Resize, CenterCrop, Pad, Grayscale equal torchvision bit for bit (float32 and uint8, images and batches)', { skip: FIXTURE_LIBTORCH }, () => {
  assert.ok(G.deterministic.length >= 40);
  for (const c of G.deterministic) {
    torch.tidy(() => {
      const t = build(c.spec);
      const x = INPUTS[c.input];
      assertSame(t.apply(x), c.out, label(c.spec, c.input));
      if (c.input === 'b') {
        // applyBatch on [N, C, H, W] gives the same numbers as apply (and as per sample).
        assertSame(t.applyBatch(x), c.out, `${label(c.spec, c.input)} applyBatch`);
      } else if (c.input !== 'g') {
        const b = t.applyBatch(x.unsqueeze(0));
        assertSame(b.squeeze(0), c.out, `${label(c.spec, c.input)} as a batch of one`);
      }
    });
  }
});

test('transforms.functional: adjust_* with fixed factors, crop outside the image, resized_crop, flips', { skip: FIXTURE_LIBTORCH }, () => {
  const fns: Record<string, (x: torch.Tensor, ...a: any[]) => torch.Tensor> = {
    adjustBrightness: F.adjustBrightness,
    adjustContrast: F.adjustContrast,
    adjustSaturation: F.adjustSaturation,
    adjustHue: F.adjustHue,
    crop: F.crop,
    resizedCrop: F.resizedCrop,
    hflip: F.hflip,
    vflip: F.vflip,
  };
  for (const c of G.functional) {
    torch.tidy(() => {
      const args = c.args ?? [c.factor];
      assertSame(fns[c.fn](INPUTS[c.input], ...args), c.out, `${c.fn}(${args.join(', ')}) on ${c.input}`);
    });
  }
  assert.deepEqual(F.getDimensions(INPUTS.f), [3, 8, 11]);
  assert.deepEqual(F.getDimensions(torch.zeros([4, 5])), [1, 4, 5]);
  torch.tidy(() => {
    const r = F.resize(INPUTS.f, 6);
    assertSame(r, G.deterministic.find((c: any) => c.spec[0] === 'Resize' && c.spec[1] === 6 && c.input === 'f').out, 'functional.resize');
    assertSame(F.pad(INPUTS.u, [1, 2], { fill: 7 }), G.deterministic.find((c: any) => c.spec[0] === 'Pad' && c.input === 'u').out, 'functional.pad');
    assertSame(F.centerCrop(INPUTS.f, 7), G.deterministic.find((c: any) => c.spec[0] === 'CenterCrop' && c.spec[1] === 7).out, 'functional.centerCrop');
    assertSame(
      F.rgbToGrayscale(INPUTS.u, 3),
      G.deterministic.find((c: any) => c.spec[0] === 'Grayscale' && c.spec[1].numOutputChannels === 3 && c.input === 'u').out,
      'rgbToGrayscale',
    );
  });
});

const RANDOM_GETPARAMS: Record<string, (c: any, x: torch.Tensor, t: any) => unknown> = {
  RandomCrop: (_c, x, t) => {
    let img = x;
    if (t.padding !== null) img = F.pad(img, t.padding, { fill: t.fill, paddingMode: t.paddingMode });
    const [, h, w] = F.getDimensions(img);
    if (t.padIfNeeded && w < t.size[1]) img = F.pad(img, [t.size[1] - w, 0], { fill: t.fill, paddingMode: t.paddingMode });
    if (t.padIfNeeded && h < t.size[0]) img = F.pad(img, [0, t.size[0] - h], { fill: t.fill, paddingMode: t.paddingMode });
    return T.RandomCrop.getParams(img, [...t.size] as [number, number]);
  },
  RandomResizedCrop: (_c, x, t) => T.RandomResizedCrop.getParams(x, [...t.scale] as [number, number], [...t.ratio] as [number, number]),
  ColorJitter: (_c, _x, t) => T.ColorJitter.getParams(t.brightness, t.contrast, t.saturation, t.hue),
};

test('random transforms: the same choices, outputs and generator position as torchvision for the same seed', { skip: FIXTURE_LIBTORCH }, () => {
  assert.ok(G.random.length >= 25);
  for (const c of G.random) {
    torch.tidy(() => {
      const what = `${label(c.spec, c.input)} seed ${c.seed}`;
      const t = build(c.spec) as any;
      assert.equal(t.random, true, `${what}: random`);
      const x = INPUTS[c.input];
      const getParams = RANDOM_GETPARAMS[c.spec[0]];
      if (getParams) {
        // The parameters the transform's own getParams draws, call after call.
        torch.manualSeed(c.seed);
        const params = c.outs.map(() => getParams(c, x, t));
        assert.deepEqual(params, c.params, `${what}: getParams`);
      }
      torch.manualSeed(c.seed);
      c.outs.forEach((e: Enc, k: number) => {
        const y = t.apply(x);
        assertSame(y, e, `${what} call ${k}`);
        if (!getParams) {
          const flipped = c.spec[0] === 'RandomHorizontalFlip' ? x.flip(-1) : x.flip(-2);
          assert.equal(!y.equal(x) && y.equal(flipped), c.params[k], `${what} call ${k}: flipped`);
        }
      });
      assert.deepEqual(torch.rand(2).toArray(), c.after, `${what}: the generator is where torchvision leaves it`);
    });
  }
});

test('applyBatch of a random Compose runs the chain per sample, in torchvision DataLoader order', { skip: FIXTURE_LIBTORCH }, () => {
  torch.tidy(() => {
    const c = G.compose_batch;
    const t = build(c.spec) as InstanceType<typeof T.Compose>;
    assert.equal(t.random, true);
    torch.manualSeed(c.seed);
    assertSame(t.applyBatch(INPUTS[c.input]), c.out, 'random Compose applyBatch');
    assert.deepEqual(torch.rand(2).toArray(), c.after);
    const d = G.compose_det;
    const td = build(d.spec) as InstanceType<typeof T.Compose>;
    assert.equal(td.random, false);
    assertSame(td.applyBatch(INPUTS[d.input]), d.out, 'deterministic Compose applyBatch');
    assertSame(td.apply(INPUTS[d.input]), d.out, 'deterministic Compose apply');
    // The CIFAR-10 recipe on uint8 HWC images (the datasets' layout), ToTensor first.
    const r = G.cifar_recipe;
    const cif = new T.Compose([
      new T.ToTensor(),
      new T.RandomCrop(8, { padding: 2 }),
      new T.RandomHorizontalFlip(),
      new T.Normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.3]),
    ]);
    torch.manualSeed(r.seed);
    assertSame(cif.applyBatch(dec(r.input)), r.out, 'CIFAR-10 recipe');
    assert.deepEqual(torch.rand(2).toArray(), r.after);
  });
});

test("a shuffling DataLoader over an image dataset with a random transform gives torchvision's batches for the same seed", () => {
  const c = G.loader;
  class Imgs extends data.datasets.VisionDataset {
    constructor(images: torch.Tensor, labels: torch.Tensor, opts: data.datasets.VisionOptions) {
      super(images, labels, opts);
    }
  }
  // The dataset stores [N, C, H, W] and hands transforms torchvision's HWC layout.
  const images = dec(c.images).permute(0, 3, 1, 2).contiguous();
  const transform = new T.Compose([
    new T.ToTensor(),
    new T.RandomCrop(5, { padding: 1 }),
    new T.RandomHorizontalFlip(),
    new T.ColorJitter({ brightness: 0.3, contrast: 0.3 }),
  ]);
  const ds = new Imgs(images, torch.tensor(c.labels, { dtype: 'int64' }), { transform });
  torch.manualSeed(c.seed);
  let k = 0;
  for (const [x, y] of new data.DataLoader(ds, { batchSize: 3, shuffle: true })) {
    assertSame(x, c.x[k], `batch ${k}`);
    assert.deepEqual(y.toArray(), c.y[k], `batch ${k} labels`);
    torch.dispose([x, y]);
    k++;
  }
  assert.equal(k, c.x.length);
  assert.deepEqual(torch.rand(2).toArray(), c.after);
  ds.dispose();
});

test('identity results are new handles: disposing one leaves the input alive', () => {
  const x = torch.rand([3, 4, 5]);
  const y = new T.RandomHorizontalFlip(0).apply(x);
  assert.notEqual(y, x);
  y.dispose();
  assert.equal(x.isDisposed, false);
  assert.deepEqual(x.shape, [3, 4, 5]);
  const g = F.adjustSaturation(torch.rand([1, 2, 2]), 0.3);
  assert.deepEqual(g.shape, [1, 2, 2]);
  x.dispose();
});

test('reprs follow torchvision', () => {
  assert.equal(String(new T.Resize(8)), 'Resize(size=8, interpolation=bilinear, max_size=None, antialias=None)');
  assert.equal(String(new T.Resize([7, 9], { interpolation: 'nearest' })), 'Resize(size=[7, 9], interpolation=nearest, max_size=None, antialias=None)');
  assert.equal(String(new T.Resize(6, { maxSize: 7, antialias: true })), 'Resize(size=6, interpolation=bilinear, max_size=7, antialias=True)');
  assert.equal(String(new T.CenterCrop(7)), 'CenterCrop(size=(7, 7))');
  assert.equal(String(new T.CenterCrop([7, 9])), 'CenterCrop(size=[7, 9])');
  assert.equal(String(new T.Pad(2)), 'Pad(padding=2, fill=0, padding_mode=constant)');
  assert.equal(String(new T.Pad([1, 2], { fill: 0.5, paddingMode: 'reflect' })), 'Pad(padding=[1, 2], fill=0.5, padding_mode=reflect)');
  assert.equal(String(new T.Grayscale(3)), 'Grayscale(num_output_channels=3)');
  assert.equal(String(new T.RandomCrop(32, { padding: 4 })), 'RandomCrop(size=(32, 32), padding=4)');
  assert.equal(String(new T.RandomHorizontalFlip()), 'RandomHorizontalFlip(p=0.5)');
  assert.equal(String(new T.RandomVerticalFlip({ p: 0.3 })), 'RandomVerticalFlip(p=0.3)');
  assert.equal(
    String(new T.RandomResizedCrop(224)),
    'RandomResizedCrop(size=(224, 224), scale=(0.08, 1.0), ratio=(0.75, 1.3333), interpolation=bilinear), antialias=None)',
  );
  assert.equal(
    String(new T.ColorJitter({ brightness: 0.4, hue: [-0.1, 0.2] })),
    'ColorJitter(brightness=[0.6, 1.4], contrast=None, saturation=None, hue=[-0.1, 0.2])',
  );
  assert.deepEqual(T.InterpolationMode, { NEAREST: 'nearest', BILINEAR: 'bilinear', BICUBIC: 'bicubic' });
});

test('arguments are validated with messages that name the transform, the argument, the expectation and the value', () => {
  const cases: [() => unknown, string][] = [
    [
      () => new T.Resize(0),
      'Resize: expected a positive integer (the smaller edge) or an array [h, w] (or [size]) of positive integers for size but received 0 of type number',
    ],
    [
      () => new T.Resize([1, 2, 3]),
      'Resize: expected a positive integer (the smaller edge) or an array [h, w] (or [size]) of positive integers for size but received [1, 2, 3]',
    ],
    [
      () => new T.Resize(8, { interpolation: 'lanczos' as never }),
      "Resize: expected 'nearest', 'bilinear' or 'bicubic' ('lanczos' exists only for PIL images) for interpolation but received 'lanczos' of type string",
    ],
    [() => new T.Resize([8, 9], { maxSize: 10 }), 'Resize: maxSize is only supported when size is one integer (the smaller edge), but size is [8, 9]'],
    [
      () => new T.Resize(8, { maxSize: 8 }),
      'Resize: expected an integer greater than the requested size of the smaller edge (8) for maxSize but received 8 of type number',
    ],
    [
      () => new T.Resize(8, { interpolation: 'nearest', antialias: true }),
      "Resize: antialias is supported for the 'bilinear' and 'bicubic' interpolation modes only, not 'nearest'",
    ],
    [() => new T.Resize(8, { antialias: 1 as never }), 'Resize: expected a boolean for antialias but received 1 of type number'],
    [() => new T.Resize(8, { max_size: 9 } as never), "Resize: unknown option 'max_size' (expected one of interpolation, maxSize, antialias)"],
    [() => new T.Resize(4).apply(torch.zeros([4, 4])), 'Resize: expected an image [C, H, W] or a batch [N, C, H, W] but received shape [4, 4]'],
    [() => new T.Resize(4).apply(torch.zeros([4])), 'Resize: expected an image tensor of shape [..., H, W] for input but received shape [4]'],
    [() => new T.Resize(4).apply([1, 2] as never), 'Resize: Expected Tensor for input but received an array of length 2'],
    [
      () => new T.CenterCrop([3, 0]),
      'CenterCrop: expected a positive integer or an array [h, w] (or [size]) of positive integers for size but received [3, 0]',
    ],
    [
      () => new T.Pad(1.5),
      'Pad: expected an integer or an array of 1, 2 or 4 integers (left/right/top/bottom, [left-right, top-bottom] or [left, top, right, bottom]) for padding but received 1.5 of type number',
    ],
    [
      () => new T.Pad([1, 2, 3]),
      'Pad: expected an integer or an array of 1, 2 or 4 integers (left/right/top/bottom, [left-right, top-bottom] or [left, top, right, bottom]) for padding but received [1, 2, 3]',
    ],
    [
      () => new T.Pad(1, { paddingMode: 'wrap' as never }),
      "Pad: expected 'constant', 'edge', 'reflect' or 'symmetric' for paddingMode but received 'wrap' of type string",
    ],
    [() => new T.Pad(1, { fill: [1, 2, 3] as never }), 'Pad: expected a finite number for fill but received [1, 2, 3]'],
    [
      () => new T.Pad(5, { paddingMode: 'symmetric' }).apply(torch.zeros([3, 2, 2])),
      'Pad: symmetric padding [5, 5, 5, 5] (left, right, top, bottom) is larger than the image (height 2, width 2) it reflects',
    ],
    [
      () => new T.Pad(1, { paddingMode: 'symmetric' }).apply(torch.zeros([2, 2])),
      'Pad: symmetric padding needs an image [C, H, W] or a batch [N, C, H, W] but received shape [2, 2]',
    ],
    [() => new T.Grayscale(2 as never), 'Grayscale: expected 1 or 3 for numOutputChannels but received 2 of type number'],
    [
      () => new T.Grayscale().apply(torch.zeros([2, 4, 4])),
      'Grayscale: expected an image with 1 or 3 channels (shape [..., C, H, W]) but received shape [2, 4, 4]',
    ],
    [
      () => new T.Grayscale().apply(torch.zeros([4, 4])),
      'Grayscale: expected an image tensor of shape [..., C, H, W] (at least 3 dimensions) but received shape [4, 4]',
    ],
    [
      () => new T.RandomCrop(9).apply(torch.zeros([3, 8, 11])),
      'RandomCrop: the crop size [9, 9] is larger than the input image size [8, 11] (pad it: padding, padIfNeeded)',
    ],
    [() => new T.RandomCrop(4, { padIfNeeded: 'yes' as never }), "RandomCrop: expected a boolean for padIfNeeded but received 'yes' of type string"],
    [
      () => T.RandomCrop.getParams(torch.zeros([3, 4, 4]), [2] as never),
      'RandomCrop.getParams: expected an array [h, w] of positive integers for outputSize but received [2]',
    ],
    [() => new T.RandomHorizontalFlip(1.5), 'RandomHorizontalFlip: expected a probability in [0, 1] for p but received 1.5 of type number'],
    [() => new T.RandomVerticalFlip({ q: 1 } as never), "RandomVerticalFlip: unknown option 'q' (expected one of p)"],
    [() => new T.RandomResizedCrop(8, { scale: [1, 0.5] }), 'RandomResizedCrop: expected [min, max] with min <= max for scale but received [1, 0.5]'],
    [
      () => new T.RandomResizedCrop(8, { ratio: [0, 1] }),
      'RandomResizedCrop: expected an array [min, max] of positive finite numbers for ratio but received [0, 1]',
    ],
    [
      () => new T.RandomResizedCrop(8, { scale: 0.5 as never }),
      'RandomResizedCrop: expected an array [min, max] of non-negative finite numbers for scale but received 0.5 of type number',
    ],
    [
      () => new T.ColorJitter({ brightness: -0.1 }),
      'ColorJitter: expected a non-negative number or [min, max] for brightness but received -0.1 of type number',
    ],
    [
      () => new T.ColorJitter({ hue: 0.6 }),
      'ColorJitter: expected a number in [0, 0.5] or [min, max] within [-0.5, 0.5] for hue but received 0.6 of type number',
    ],
    [() => new T.ColorJitter({ hue: [-0.6, 0.1] }), 'ColorJitter: expected [min, max] with -0.5 <= min <= max <= 0.5 for hue but received [-0.6, 0.1]'],
    [() => new T.ColorJitter({ contrast: [1.5, 1.2] }), 'ColorJitter: expected [min, max] with 0 <= min <= max for contrast but received [1.5, 1.2]'],
    [
      () => new T.ColorJitter({ saturation: 'x' as never }),
      "ColorJitter: expected a number or an array [min, max] for saturation but received 'x' of type string",
    ],
    [
      () => new T.ColorJitter({ brightness: 0.5 }).apply(torch.zeros([2, 4, 4])),
      'ColorJitter: expected an image with 1 or 3 channels (shape [..., C, H, W]) but received shape [2, 4, 4]',
    ],
    [() => F.adjustHue(torch.zeros([3, 2, 2]), 0.7), 'adjustHue: expected a number in [-0.5, 0.5] for hueFactor but received 0.7 of type number'],
    [
      () => F.adjustBrightness(torch.zeros([3, 2, 2]), -1),
      'adjustBrightness: expected a non-negative number for brightnessFactor but received -1 of type number',
    ],
    [
      () => F.adjustContrast(torch.zeros([2, 2]), 0.5),
      'adjustContrast: expected an image tensor of shape [..., C, H, W] (at least 3 dimensions) but received shape [2, 2]',
    ],
    [() => F.crop(torch.zeros([3, 2, 2]), 0, 0.5, 1, 1), 'crop: expected an integer for left but received 0.5 of type number'],
    [() => F.crop(torch.zeros([3, 2, 2]), 0, 0, -1, 1), 'crop: expected a non-negative integer for height but received -1 of type number'],
    [
      () => F.resize(torch.zeros([3, 4, 4]), 2, { antialias: true, interpolation: 'nearest' }),
      "resize: antialias is supported for the 'bilinear' and 'bicubic' interpolation modes only, not 'nearest'",
    ],
    [
      () => F.resize(torch.zeros([3, 4, 4]), 2, { maxSize: 2 }),
      'resize: expected maxSize greater than the requested size of the smaller edge (2) but received 2',
    ],
    [
      () => F.centerCrop(torch.zeros([3, 4, 4]), [2, 2, 2]),
      'centerCrop: expected a positive integer or an array [h, w] (or [size]) of positive integers for outputSize but received [2, 2, 2]',
    ],
    [() => F.rgbToGrayscale(torch.zeros([3, 4, 4]), 2), 'rgbToGrayscale: expected 1 or 3 for numOutputChannels but received 2 of type number'],
  ];
  for (const [f, message] of cases) assert.throws(f, { message }, message);
});

const GRID_IN: Record<string, torch.Tensor | torch.Tensor[]> = {
  b5: torch.keep(dec(G.grid_inputs.b5)),
  g1: G.grid_inputs.g1.map((e: Enc) => torch.keep(dec(e))),
  one: torch.keep(dec(G.grid_inputs.one)),
  hw: torch.keep(dec(G.grid_inputs.hw)),
};

test('utils.makeGrid equals torchvision.utils.make_grid (padding, nrow, normalize, valueRange, scaleEach, padValue)', () => {
  assert.equal(G.grid.length, 10);
  for (const c of G.grid) {
    torch.tidy(() => assertSame(data.utils.makeGrid(GRID_IN[c.input], c.opts), c.out, `makeGrid(${c.input}, ${JSON.stringify(c.opts)})`));
  }
  // The input is left alone by normalize, and no gradient is recorded.
  const x = torch.rand([2, 3, 2, 2], { requiresGrad: true });
  const before = x.detach().clone();
  const g = data.utils.makeGrid(x, { normalize: true });
  assert.ok(x.detach().equal(before));
  assert.equal(g.requiresGrad, false);
});

/** The pixels of a PNG as pngjs decodes them, as a uint8 tensor [H, W, C] with C the PNG's channels. */
function decodePng(bytes: Buffer): { pixels: torch.Tensor; colorType: number } {
  const png = PNG.sync.read(bytes, { skipRescale: true });
  const colorType = bytes[25];
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType] as number;
  // pngjs always returns RGBA; keep the PNG's own channels.
  const rgba = torch.tensor(new Uint8Array(png.data), { shape: [png.height, png.width, 4] });
  const pixels = channels === 3 ? rgba.narrow(2, 0, 3) : channels === 4 ? rgba : rgba.narrow(2, 0, 1);
  return { pixels, colorType };
}

test('utils.saveImage writes the PNG whose pixels PIL reads back from torchvision.utils.save_image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-save-'));
  try {
    G.save.forEach((c: any, k: number) => {
      const path = join(dir, `img${k}.png`);
      data.utils.saveImage(GRID_IN[c.input], path, c.opts);
      const bytes = readFileSync(path);
      const { pixels, colorType } = decodePng(bytes);
      assert.equal(c.mode, 'RGB');
      assert.equal(colorType, 2, 'an RGB PNG, as PIL writes for a 3-channel grid');
      assertSame(pixels, c.pixels, `saveImage(${c.input}, ${JSON.stringify(c.opts)})`);
    });
    // A writer gets the same bytes as the file.
    const chunks: Uint8Array[] = [];
    data.utils.saveImage(GRID_IN.b5, { write: (b) => chunks.push(b) }, { format: 'png', nrow: 3 });
    assert.ok(Buffer.concat(chunks).equals(readFileSync(join(dir, 'img0.png'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('utils.encodePng: grey, grey+alpha, RGB and RGBA round-trip through a PNG decoder; Python PIL reads them', () => {
  torch.manualSeed(0);
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-png-'));
  const expected: string[] = [];
  for (const c of [1, 2, 3, 4]) {
    torch.tidy(() => {
      const img = torch.randint(0, 256, [c, 5, 7], { dtype: 'uint8' });
      const png = data.utils.encodePng(img);
      writeFileSync(join(dir, `c${c}.png`), png);
      expected.push(
        `${{ 1: 'L', 2: 'LA', 3: 'RGB', 4: 'RGBA' }[c]} ${createHash('sha256')
          .update(bytesOf(img.permute(1, 2, 0).squeeze(-1)))
          .digest('hex')}`,
      );
      const { pixels, colorType } = decodePng(png);
      assert.equal(colorType, { 1: 0, 2: 4, 3: 2, 4: 6 }[c]);
      if (c === 2) {
        // pngjs expands grey+alpha to RGBA: grey in R, G, B and alpha in A.
        const rgba = torch.tensor(new Uint8Array(PNG.sync.read(png).data), { shape: [5, 7, 4] });
        assert.ok(rgba.select(2, 0).equal(img.select(0, 0)));
        assert.ok(rgba.select(2, 3).equal(img.select(0, 1)));
      } else {
        assert.ok(pixels.permute(2, 0, 1).equal(img), `${c} channels`);
      }
    });
  }
  try {
    const script = [
      'import hashlib, sys',
      'import numpy as np',
      'from PIL import Image',
      'for c in (1, 2, 3, 4):',
      '    im = Image.open(f"{sys.argv[1]}/c{c}.png"); im.load()',
      '    print(im.mode, hashlib.sha256(np.ascontiguousarray(np.asarray(im)).tobytes()).hexdigest())',
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('utils.makeGrid, saveImage and encodePng validate their arguments', () => {
  const u = data.utils;
  const cases: [() => unknown, string][] = [
    [() => u.makeGrid(torch.zeros([2, 3, 4, 4]), { nrow: 0 }), 'makeGrid: expected a positive integer for nrow but received 0 of type number'],
    [() => u.makeGrid(torch.zeros([2, 3, 4, 4]), { padding: -1 }), 'makeGrid: expected a non-negative integer for padding but received -1 of type number'],
    [
      () => u.makeGrid(torch.zeros([2, 3, 4, 4]), { valueRange: [0] as never }),
      'makeGrid: expected null or an array [min, max] of finite numbers for valueRange but received [0]',
    ],
    [() => u.makeGrid(torch.zeros([2, 3, 4, 4]), { normalize: 1 as never }), 'makeGrid: expected a boolean for normalize but received 1 of type number'],
    [
      () => u.makeGrid(torch.zeros([2, 3, 4, 4]), { pad_value: 1 } as never),
      "makeGrid: unknown option 'pad_value' (expected one of nrow, padding, normalize, valueRange, scaleEach, padValue)",
    ],
    [
      () => u.makeGrid(torch.zeros([2, 2, 3, 4, 4])),
      'makeGrid: expected images [B, C, H, W], one image [C, H, W] or [H, W] (or an array of images) but received shape [2, 2, 3, 4, 4]',
    ],
    [
      () => u.makeGrid([torch.zeros([3, 4, 4]), torch.zeros([3, 4, 5])]),
      'makeGrid: the images must have one shape, but tensor[0] has shape [3, 4, 4] and tensor[1] [3, 4, 5]',
    ],
    [() => u.makeGrid([]), 'makeGrid: expected a tensor or a non-empty array of tensors but received an empty array'],
    [() => u.makeGrid('x' as never), "makeGrid: expected a Tensor or an array of Tensors for tensor but received 'x' of type string"],
    [
      () => u.saveImage(torch.zeros([3, 4, 4]), '/tmp/x.jpg'),
      "saveImage: cannot tell the format from the file name '/tmp/x.jpg': only PNG is written (name it *.png or pass format: 'png')",
    ],
    [
      () => u.saveImage(torch.zeros([3, 4, 4]), '/tmp/x.png', { format: 'jpeg' as never }),
      "saveImage: expected 'png' (the only format saveImage writes) for format but received 'jpeg' of type string",
    ],
    [() => u.saveImage(torch.zeros([3, 4, 4]), { write: () => {} }), "saveImage: format: 'png' is needed when f is not a file path"],
    [
      () => u.saveImage(torch.zeros([3, 4, 4]), 3 as never),
      'saveImage: expected a file path or an object with write(bytes) for f but received 3 of type number',
    ],
    [
      () => u.saveImage(torch.zeros([3, 4, 4], { dtype: 'uint8' }), '/tmp/x.png'),
      'saveImage: expected a floating-point tensor with values in [0, 1] (scaled by 255 as torchvision does) but received a uint8 tensor',
    ],
    [
      () => u.saveImage(torch.zeros([5, 4, 4]), '/tmp/x.png'),
      'saveImage: a PNG holds 1, 2, 3 or 4 channels (grey, grey and alpha, RGB, RGBA) but the image has 5 (shape [4, 4, 5])',
    ],
    [() => u.encodePng(torch.zeros([3, 4, 4])), 'encodePng: expected a uint8 image but received a float32 tensor'],
    [() => u.encodePng(torch.zeros([4, 4], { dtype: 'uint8' })), 'encodePng: expected an image [C, H, W] but received shape [4, 4]'],
    [
      () => u.encodePng(torch.zeros([3, 4, 4], { dtype: 'uint8' }), 10),
      'encodePng: expected an integer from 0 to 9 for compressionLevel but received 10 of type number',
    ],
  ];
  for (const [f, message] of cases) assert.throws(f, { message }, message);
});

const PY = PYTHON;
const hasTorchvision = existsSync(PY) && spawnSync(PY, ['-c', 'import torchvision, numpy'], { encoding: 'utf8' }).status === 0;

test('datasets.CIFAR100 reads cifar-100-python as torchvision.datasets.CIFAR100 does, plus the coarse labels', {
  skip: hasTorchvision ? false : `${PY} with torchvision not available`,
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'torchnode-cifar100-'));
  try {
    // Small files in the official layout (pickled dicts with str keys, protocol 2), read back by torchvision
    // (its MD5 check of the official files switched off).
    const script = [
      'import hashlib, json, os, pickle, sys',
      'import numpy as np',
      'import torchvision.datasets.cifar as C',
      'root = sys.argv[1]; d = os.path.join(root, "cifar-100-python"); os.makedirs(d)',
      'rng = np.random.RandomState(0); coarse = {}',
      'for name, n in (("train", 7), ("test", 4)):',
      '    coarse[name] = rng.randint(0, 20, n).tolist()',
      '    e = {"filenames": [b"x.png"] * n, "batch_label": b"batch", "fine_labels": rng.randint(0, 100, n).tolist(),',
      '         "coarse_labels": coarse[name], "data": rng.randint(0, 256, (n, 3072)).astype(np.uint8)}',
      '    pickle.dump(e, open(os.path.join(d, name), "wb"), protocol=2)',
      'meta = {"fine_label_names": ["class%02d" % i for i in range(100)], "coarse_label_names": ["super%02d" % i for i in range(20)]}',
      'pickle.dump(meta, open(os.path.join(d, "meta"), "wb"), protocol=2)',
      'C.check_integrity = lambda *a, **k: True',
      'out = {}',
      'for train in (True, False):',
      '    ds = C.CIFAR100(root, train=train)',
      '    out["train" if train else "test"] = {"shape": list(ds.data.shape), "sha256": hashlib.sha256(ds.data.tobytes()).hexdigest(),',
      '        "targets": ds.targets, "classes": ds.classes, "coarse": coarse["train" if train else "test"]}',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync(PY, ['-c', script, root], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const want = JSON.parse(r.stdout);
    for (const train of [true, false]) {
      const w = want[train ? 'train' : 'test'];
      const ds = new data.datasets.CIFAR100({ root, train });
      assert.equal(ds.len(), w.targets.length);
      assert.deepEqual(ds.data.shape, w.shape);
      assert.equal(createHash('sha256').update(bytesOf(ds.data)).digest('hex'), w.sha256, 'images in torchvision layout (HWC)');
      assert.deepEqual(ds.targets.toArray(), w.targets);
      assert.deepEqual(ds.classes, w.classes);
      assert.equal(ds.coarseClasses[19], 'super19');
      assert.deepEqual(ds.coarseTargets.toArray(), w.coarse);
      const [img, y] = ds.get(1);
      assert.deepEqual(img.shape, [32, 32, 3]);
      assert.equal(y.item(), w.targets[1]);
      assert.equal(String(ds).split('\n')[3], `    Split: ${train ? 'Train' : 'Test'}`);
      ds.dispose();
      assert.equal(ds.coarseTargets.isDisposed, true);
    }
    // A label outside 0-99 and a missing folder are reported by name.
    const bad = mkdtempSync(join(tmpdir(), 'torchnode-cifar100-bad-'));
    try {
      const r2 = spawnSync(
        PY,
        [
          '-c',
          [
            'import os, pickle, sys, numpy as np',
            'd = os.path.join(sys.argv[1], "cifar-100-python"); os.makedirs(d)',
            'e = {"data": np.zeros((2, 3072), np.uint8), "fine_labels": [3, 100], "coarse_labels": [1, 2]}',
            'for n in ("train", "test"): pickle.dump(e, open(os.path.join(d, n), "wb"), protocol=2)',
            'pickle.dump({"fine_label_names": ["a"] * 100, "coarse_label_names": ["b"] * 20}, open(os.path.join(d, "meta"), "wb"), protocol=2)',
          ].join('\n'),
          bad,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(r2.status, 0, r2.stderr);
      assert.throws(() => new data.datasets.CIFAR100({ root: bad }), {
        message: `CIFAR100: ${join(bad, 'cifar-100-python', 'train')}: fine_labels[1] is 100 of type number, expected an integer 0-99`,
      });
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
    const none = join(root, 'nothing');
    assert.throws(() => new data.datasets.CIFAR100({ root: none }), {
      message: `CIFAR100: dataset not found or incomplete: no cifar-100-python with train, test, meta in ${none}; pass download: true to CIFAR100.create to download it`,
    });
    assert.throws(() => new data.datasets.CIFAR100({ root, format: 'python' } as never), {
      message: "CIFAR100: unknown option 'format' (expected one of root, train, download, url, md5, progress, transform, targetTransform, cache)",
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
