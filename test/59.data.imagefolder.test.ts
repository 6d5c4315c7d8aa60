/**
 * datasets.ImageFolder against torchvision 0.14's, run live (tools/golden/image_folder.py) on the
 * same tree: classes and classToIdx (code-point order), samples in torchvision's walk order
 * (nested and linked folders, upper-case extensions, non-images skipped), every PNG layout decoded
 * to what PIL's convert('RGB') gives (RGB, RGBA, L, LA, palettes of 8 and 4 bits, 1-bit, 2- and
 * 4-bit grey, all five row filters), the error for a class without images, and a shuffled
 * DataLoader with a random flip in two worker threads giving PyTorch's batches. A loader option
 * replaces the PNG decoder; other formats without one, and broken PNGs, are refused by name.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import * as torch from '../lib/index.js';
import { data, datasets } from '../lib/index.js';
import { PYTHON, skipWithoutPythonTorchvision } from './helpers.js';

const T = data.transforms;
const skip = skipWithoutPythonTorchvision();
const root = mkdtempSync(join(tmpdir(), 'torchnode-imagefolder-'));
const tree = join(root, 'tree');

interface Golden {
  classes: string[];
  class_to_idx: Record<string, number>;
  samples: [string, number][];
  targets: number[];
  images: string[];
  empty_error: string;
  batches: { labels: number[]; x: string }[];
}
let G: Golden;

before(() => {
  if (skip) return;
  const out = join(root, 'golden.json');
  const r = spawnSync(PYTHON, ['-B', join(import.meta.dirname, '..', 'tools', 'golden', 'image_folder.py'), out, root], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tools/golden/image_folder.py failed:\n${r.stderr}`);
  G = JSON.parse(readFileSync(out, 'utf8')) as Golden;
});
after(() => rmSync(root, { recursive: true, force: true }));

test("classes, classToIdx, samples and targets in torchvision's order", { skip }, () => {
  const ds = new datasets.ImageFolder(tree);
  assert.deepEqual(ds.classes, G.classes);
  assert.deepEqual(ds.classToIdx, G.class_to_idx);
  assert.deepEqual(
    ds.samples.map(([p, t]) => [p.slice(tree.length + 1), t]),
    G.samples,
  );
  assert.deepEqual(ds.targets, G.targets);
  assert.equal(ds.imgs, ds.samples);
  assert.equal(ds.len(), G.samples.length);
  assert.throws(() => new datasets.ImageFolder(join(root, 'empty_class')), { message: `ImageFolder: ${G.empty_error}` });
  assert.throws(() => new datasets.ImageFolder(join(tree, 'cat', 'inner')), {
    message: `findClasses: Couldn't find any class folder in ${join(tree, 'cat', 'inner')}.`,
  });
});

test("every PNG layout decodes to PIL's convert('RGB')", { skip }, () => {
  const ds = new datasets.ImageFolder(tree);
  for (let i = 0; i < ds.len(); i++) {
    const [img, target] = ds.get(i) as [torch.Tensor, number];
    assert.equal(target, G.targets[i]);
    assert.equal(img.dtype, 'uint8');
    assert.deepEqual(img.shape, [6, 8, 3], G.samples[i][0]);
    assert.deepEqual(Buffer.from(img.dataSync() as Uint8Array), Buffer.from(G.images[i], 'base64'), G.samples[i][0]);
    img.dispose();
  }
});

test('a shuffled DataLoader with a random flip in two worker threads gives PyTorch batches', { skip }, () => {
  const ds = new datasets.ImageFolder(tree, { transform: new T.Compose([new T.ToTensor(), new T.RandomHorizontalFlip()]) });
  torch.manualSeed(3);
  const got = [...new data.DataLoader(ds, { batchSize: 4, shuffle: true, numWorkers: 2 })].map((batch) => {
    const [x, y] = batch as unknown as [torch.Tensor, torch.Tensor];
    const r = { labels: Array.from(y.dataSync() as BigInt64Array, Number), x: Buffer.from((x.dataSync() as Float32Array).buffer).toString('base64') };
    torch.dispose([x, y]);
    return r;
  });
  assert.deepEqual(got, G.batches);
});

test('the loader option, other formats and broken PNGs', { skip }, () => {
  const seen: string[] = [];
  const ds = new datasets.ImageFolder(tree, {
    loader: (p) => {
      seen.push(p);
      return torch.zeros([2, 2, 3], { dtype: 'uint8' });
    },
    targetTransform: (t) => t * 10,
  });
  const [img, target] = ds.get(2) as [torch.Tensor, number];
  assert.deepEqual(img.shape, [2, 2, 3]);
  assert.equal(target, G.targets[2] * 10);
  assert.deepEqual(seen, [ds.samples[2][0]]);
  assert.throws(() => new data.DataLoader(ds, { numWorkers: 1 }), {
    name: 'WorkerTransferError',
    message:
      'DataLoader: dataset.targetTransform is a function, which cannot be sent to a worker thread; give the dataset a workerSpec() that rebuilds it in the worker (see docs/data.md, "Worker threads"), or use numWorkers: 0',
  });
  assert.throws(() => datasets.defaultLoader(join(root, 'x.jpg')), {
    message: `ImageFolder: the default loader decodes PNG only, and ${join(root, 'x.jpg')} is not a .png; pass a loader option (a function path -> uint8 tensor [H, W, 3]) for other formats`,
  });
  const png = readFileSync(ds.samples[1][0]);
  const interlaced = Buffer.from(png);
  interlaced[28] = 1; // IHDR's interlace byte
  assert.throws(() => datasets.decodePngRgb(interlaced, 'i.png'), {
    message: 'decodePng: i.png: interlaced (Adam7) PNGs are not supported; save it without interlacing',
  });
  assert.throws(() => datasets.decodePngRgb(png.subarray(0, png.length - 20), 't.png'), { message: /^decodePng: t\.png: truncated IDAT chunk$/ });
  assert.throws(() => datasets.decodePngRgb(Buffer.from('GIF89a...'), 'g.png'), { message: 'decodePng: g.png: not a PNG file (bad signature)' });
  const bad = join(root, 'tree2');
  assert.throws(() => new datasets.ImageFolder(bad), /^Error: findClasses: cannot read /);
  assert.throws(() => new datasets.ImageFolder(tree, { loader: 3 as never }), {
    message: 'ImageFolder: expected a function for loader but received 3 of type number',
  });
});

test('the folder helpers and the PNG decoder name the argument they refuse', () => {
  const any = (f: unknown) => f as (...a: unknown[]) => unknown;
  assert.throws(() => any(datasets.findClasses)(3), { name: 'TypeError', message: 'findClasses: Expected string for directory but received 3 of type number' });
  assert.throws(() => any(datasets.makeDataset)(null), { name: 'TypeError', message: 'makeDataset: Expected string for directory but received null' });
  assert.throws(() => any(datasets.makeDataset)('d', ['a']), {
    name: 'TypeError',
    message: 'makeDataset: Expected an object of class name -> integer index for classToIdx but received an array of length 1',
  });
  assert.throws(() => any(datasets.makeDataset)('d', { a: 0 }, '.png'), {
    name: 'TypeError',
    message: "makeDataset: Expected an array of strings or null for extensions but received '.png' of type string",
  });
  assert.throws(() => any(datasets.makeDataset)('d', { a: 0 }, null, 1), {
    name: 'TypeError',
    message: 'makeDataset: Expected a function (path) => boolean for isValidFile but received 1 of type number',
  });
  assert.throws(() => any(datasets.defaultLoader)(undefined), { name: 'TypeError', message: 'defaultLoader: Expected string for path but received undefined' });
  assert.throws(() => any(datasets.decodePngRgb)([1, 2]), {
    name: 'TypeError',
    message: 'decodePngRgb: Expected Uint8Array or Buffer for bytes but received an array of length 2',
  });
});
