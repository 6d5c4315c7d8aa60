/**
 * `torchvision.datasets.MNIST` / `FashionMNIST` from IDX files (gzipped or not), and a general
 * IDX reader. Debian's `dataset-fashion-mnist` package (/usr/share/datasets/fashion-mnist) is the
 * default root of FashionMNIST when no root is given.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type Tensor, tensor, op, wrap } from '../tensor.js';
import { tidy } from '../scope.js';
import { type DType, dtypeCode } from '../dtype.js';
import { checkOptions, expectBool, expectString } from '../errors.js';
import { VisionDataset, type VisionOptions, checkVisionOptions } from './vision.js';
import { absent } from './check.js';

/** Where Debian's dataset-fashion-mnist package installs the files. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

const IDX_TYPES: Record<number, [DType, number]> = {
  0x08: ['uint8', 1],
  0x09: ['int8', 1],
  0x0b: ['int16', 2],
  0x0c: ['int32', 4],
  0x0d: ['float32', 4],
  0x0e: ['float64', 8],
};

/** Reads an IDX file (gzip detected by its magic bytes) into a new tensor. */
export function readIdx(path: string): Tensor {
  expectString(path, 'readIdx: path');
  return readIdxAs(path, 'readIdx');
}

/** readIdx for `fn` (named in errors). */
function readIdxAs(path: string, fn: string): Tensor {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    throw new Error(`${fn}: cannot read ${path}: ${(e as Error).message}`);
  }
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b);
    } catch (e) {
      throw new Error(`${fn}: ${path} is a truncated or corrupt gzip file (${(e as Error).message})`);
    }
  }
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0) throw new Error(`${fn}: ${path} is not an IDX file (the magic number must start with two zero bytes)`);
  const type = IDX_TYPES[b[2]];
  if (!type) throw new Error(`${fn}: ${path} has unknown IDX data type 0x${b[2].toString(16)}`);
  const ndim = b[3];
  if (ndim === 0) throw new Error(`${fn}: ${path} declares 0 dimensions`);
  const off = 4 + 4 * ndim;
  if (b.length < off) throw new Error(`${fn}: ${path} is truncated inside its header (${b.length} bytes)`);
  const shape = Array.from({ length: ndim }, (_, i) => b.readUInt32BE(4 + 4 * i));
  const [dtype, size] = type;
  const need = shape.reduce((a, c) => a * c, 1) * size;
  const have = b.length - off;
  if (have !== need) {
    throw new Error(
      `${fn}: ${path}: shape [${shape.join(', ')}] of ${dtype} needs ${need} data bytes but the file has ${have} (${have < need ? 'truncated' : 'trailing bytes'})`,
    );
  }
  const bytes = new Uint8Array(need);
  bytes.set(b.subarray(off, off + need));
  // IDX is big-endian: swap multi-byte elements.
  if (size > 1) for (let i = 0; i < need; i += size) bytes.subarray(i, i + size).reverse();
  return tidy(() => {
    const code = dtypeCode(dtype);
    const raw =
      size === 1
        ? tensor(dtype === 'int8' ? new Int8Array(bytes.buffer) : bytes, { shape })
        : tensor(size === 2 ? new Int16Array(bytes.buffer) : size === 4 ? new Int32Array(bytes.buffer) : new BigInt64Array(bytes.buffer), { shape });
    // Floats arrive as integers of their width and are reinterpreted by LibTorch.
    return raw.dtype === dtype ? raw : wrap(viewDtype(raw._h, code) as number);
  });
}
const viewDtype = op('aten::view.dtype');

/** Options of MNIST/FashionMNIST. */
export interface MnistOptions extends VisionOptions {
  /** Folder with the IDX files (or `<root>/<Name>/raw` as torchvision lays them out). */
  root?: string;
  /** Training set (60000) or test set (10000); default true. */
  train?: boolean;
}

const KEYS = ['root', 'train', 'transform', 'targetTransform', 'cache'] as const;

/** `torchvision.datasets.MNIST(root, train, transform, target_transform)`: images uint8 [N, 1, 28, 28]. */
export class MNIST extends VisionDataset {
  readonly root: string;
  readonly train: boolean;
  /** The folder the files were read from. */
  readonly folder: string;
  readonly classes: readonly string[] = [
    '0 - zero',
    '1 - one',
    '2 - two',
    '3 - three',
    '4 - four',
    '5 - five',
    '6 - six',
    '7 - seven',
    '8 - eight',
    '9 - nine',
  ];

  constructor(opts: MnistOptions | null = {}) {
    const name = new.target.name;
    checkOptions(opts ?? undefined, KEYS, name);
    const o = opts ?? {};
    checkVisionOptions(o, name);
    const root = resolve(absent(o.root) ? defaultRoot(name) : expectString(o.root, `${name}: root`));
    const train = absent(o.train) ? true : expectBool(o.train, `${name}: train`);
    const pre = train ? 'train' : 't10k';
    const folder = [root, join(root, name, 'raw')].find((d) => findFile(d, `${pre}-images-idx3-ubyte`) !== null);
    if (folder === undefined) {
      throw new Error(`${name}: dataset not found: no ${pre}-images-idx3-ubyte(.gz) in ${root} or ${join(root, name, 'raw')}`);
    }
    const imgPath = findFile(folder, `${pre}-images-idx3-ubyte`)!;
    const labPath = findFile(folder, `${pre}-labels-idx1-ubyte`);
    if (labPath === null) throw new Error(`${name}: ${pre}-labels-idx1-ubyte(.gz) is missing from ${folder}`);
    const { images, labels } = tidy(() => {
      const x = readIdxAs(imgPath, name);
      const y = readIdxAs(labPath, name);
      if (x.dtype !== 'uint8' || x.dim() !== 3) throw new Error(`${name}: ${imgPath} holds ${x.dtype} [${x.shape.join(', ')}], expected uint8 [N, H, W]`);
      if (y.dtype !== 'uint8' || y.dim() !== 1) throw new Error(`${name}: ${labPath} holds ${y.dtype} [${y.shape.join(', ')}], expected uint8 [N]`);
      if (y.shape[0] !== x.shape[0]) throw new Error(`${name}: ${labPath} has ${y.shape[0]} labels but ${imgPath} has ${x.shape[0]} images`);
      return { images: x.unsqueeze(1), labels: y.to('int64') };
    });
    super(images, labels, o);
    this.root = root;
    this.train = train;
    this.folder = folder;
  }

  override toString(): string {
    return `Dataset ${this.constructor.name}\n    Number of datapoints: ${this.len()}\n    Root location: ${this.root}\n    Split: ${this.train ? 'Train' : 'Test'}`;
  }
}

/** `torchvision.datasets.FashionMNIST`: same files and layout as MNIST; default root is Debian's package. */
export class FashionMNIST extends MNIST {
  override readonly classes: readonly string[] = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
}

function defaultRoot(name: string): string {
  if (name === 'FashionMNIST' && existsSync(DEBIAN_FASHION_MNIST)) return DEBIAN_FASHION_MNIST;
  return 'data';
}

function findFile(dir: string, base: string): string | null {
  for (const f of [base, `${base}.gz`]) if (existsSync(join(dir, f))) return join(dir, f);
  return null;
}
