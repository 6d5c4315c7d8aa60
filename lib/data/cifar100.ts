/**
 * `torchvision.datasets.CIFAR100`: the python version of CIFAR-100 (`cifar-100-python`: pickled
 * dicts `train` and `test` with b'data' (uint8 [N, 3072]), b'fine_labels' (0-99) and
 * b'coarse_labels' (0-19), and `meta` with the class names), read through the safe unpickler that
 * executes nothing. As torchvision, the targets are the fine labels and `classes` the fine label
 * names; the coarse labels (which torchvision does not load) are in `coarseTargets`.
 * `CIFAR100.create({download: true})` fetches, verifies (MD5) and installs the archive first.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Tensor, tensor } from '../tensor.js';
import { tidy, keep } from '../scope.js';
import { describe } from '../dtype.js';
import { checkOptions, expectBool, expectString } from '../errors.js';
import { VisionDataset, type VisionOptions, checkVisionOptions } from './vision.js';
import { unpickle, PyDict, PyBytes, NdArray } from './pickle.js';
import { fetchAndExtract, checkDownloadOptions } from './download.js';
import { absent } from './check.js';

/** The official archive (from https://www.cs.toronto.edu/~kriz/cifar.html), as torchvision names it. */
export const CIFAR100_RESOURCES = {
  url: 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz',
  md5: 'eb9058c3a382ffc7106e4002c42a8d85',
  folder: 'cifar-100-python',
} as const;

const FILES = ['train', 'test', 'meta'] as const;

/** Options of CIFAR100 (torchvision's keyword arguments). */
export interface Cifar100Options extends VisionOptions {
  /** Folder holding `cifar-100-python` (default './data'). */
  root?: string;
  /** Training set (`train`, 50,000 images) or test set (`test`, 10,000); default true. */
  train?: boolean;
  /** Download when missing (only with `await CIFAR100.create(…)`). */
  download?: boolean;
  /** Archive URL (a mirror); default the official one. */
  url?: string;
  /** Expected MD5 of the archive at `url`; default the official one (pass null to skip). */
  md5?: string | null;
  /** Progress bar while downloading (default: when stderr is a terminal). */
  progress?: boolean;
}

const KEYS = ['root', 'train', 'download', 'url', 'md5', 'progress', 'transform', 'targetTransform', 'cache'] as const;

function find(root: string): string | null {
  const dir = join(root, CIFAR100_RESOURCES.folder);
  return FILES.every((f) => existsSync(join(dir, f)) && statSync(join(dir, f)).size > 0) ? dir : null;
}

function load(p: string, fn: string): PyDict {
  let bytes: Buffer;
  try {
    bytes = readFileSync(p);
  } catch (e) {
    throw new Error(`${fn}: cannot read ${p}: ${(e as Error).message}`);
  }
  let d: unknown;
  try {
    d = unpickle(bytes, p, { zeroCopy: true });
  } catch (e) {
    throw new Error(`${fn}: ${(e as Error).message}`);
  }
  if (!(d instanceof PyDict)) throw new Error(`${fn}: ${p} does not hold a dict (found ${describe(d)})`);
  return d;
}

function labelList(d: PyDict, key: string, n: number, max: number, p: string, fn: string): number[] {
  const lab = d.get(key);
  if (!Array.isArray(lab)) throw new Error(`${fn}: ${p} has no list under b'${key}' (keys: ${d.keys().join(', ')})`);
  if (lab.length !== n) throw new Error(`${fn}: ${p}: ${lab.length} ${key} for ${n} images`);
  lab.forEach((v, i) => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < max)) {
      throw new Error(`${fn}: ${p}: ${key}[${i}] is ${describe(v)}, expected an integer 0-${max - 1}`);
    }
  });
  return lab as number[];
}

/**
 * Reads one CIFAR-100 python file (`train` or `test`): uint8 images [N, 3, 32, 32] and int64
 * fine and coarse labels, validated.
 */
export function readCifar100Python(path: string): { images: Tensor; fineLabels: Tensor; coarseLabels: Tensor } {
  return readSplit(expectString(path, 'readCifar100Python: path'), 'readCifar100Python');
}

function readSplit(p: string, fn: string): { images: Tensor; fineLabels: Tensor; coarseLabels: Tensor } {
  const d = load(p, fn);
  const data = d.get('data');
  if (!(data instanceof NdArray)) throw new Error(`${fn}: ${p} has no numpy array under b'data' (keys: ${d.keys().join(', ')})`);
  const descr = data.dtype?.descr;
  if (descr !== '|u1') throw new Error(`${fn}: ${p}: b'data' has dtype ${descr}, expected uint8 (|u1)`);
  if (data.shape.length !== 2 || data.shape[1] !== 3072) throw new Error(`${fn}: ${p}: b'data' has shape (${data.shape.join(', ')}), expected (N, 3072)`);
  if (data.fortranOrder) throw new Error(`${fn}: ${p}: b'data' is Fortran-ordered, expected C order`);
  const n = data.shape[0];
  if (data.data.length !== n * 3072) throw new Error(`${fn}: ${p}: b'data' holds ${data.data.length} bytes, expected ${n * 3072} for shape (${n}, 3072)`);
  // torchvision takes b'labels' when present, else b'fine_labels'.
  const fine = labelList(d, d.has('labels') ? 'labels' : 'fine_labels', n, 100, p, fn);
  const coarse = labelList(d, 'coarse_labels', n, 20, p, fn);
  return tidy(() => ({
    images: tensor(data.data, { shape: [n, 3, 32, 32] }), // copied out of the file's buffer
    fineLabels: tensor(Float64Array.from(fine), { dtype: 'int64' }),
    coarseLabels: tensor(Float64Array.from(coarse), { dtype: 'int64' }),
  }));
}

function names(d: PyDict, key: string, count: number, p: string, fn: string): string[] {
  const v = d.get(key);
  const list = Array.isArray(v) ? v.map((e) => (e instanceof PyBytes ? e.toString() : e)) : null;
  if (list === null || list.length !== count || !list.every((e) => typeof e === 'string')) {
    throw new Error(`${fn}: ${p}: expected a list of ${count} names under b'${key}' but found ${describe(v)}`);
  }
  return list as string[];
}

/**
 * `torchvision.datasets.CIFAR100(root, train, transform, target_transform, download)`. The
 * constructor reads from disk; use `await CIFAR100.create(opts)` when `download` may be needed.
 */
export class CIFAR100 extends VisionDataset {
  readonly root: string;
  readonly train: boolean;
  /** The folder the files were read from. */
  readonly folder: string;
  /** The 100 fine class names, in label order (`meta`'s fine_label_names). */
  readonly classes: readonly string[];
  /** The 20 superclass names, in coarse label order (`meta`'s coarse_label_names). */
  readonly coarseClasses: readonly string[];
  /** int64 [N] superclass labels 0-19 (not loaded by torchvision), keep()-ed; freed by dispose(). */
  readonly coarseTargets: Tensor;

  constructor(opts: Cifar100Options | null = {}) {
    const fn = 'CIFAR100';
    const o = checkCifar100Options(opts, fn);
    const root = resolve(absent(o.root) ? 'data' : o.root);
    const train = absent(o.train) ? true : o.train;
    const dir = find(root);
    if (dir === null) {
      const hint = o.download ? 'use `await CIFAR100.create({ ..., download: true })` to download it' : 'pass download: true to CIFAR100.create to download it';
      throw new Error(`${fn}: dataset not found or incomplete: no ${CIFAR100_RESOURCES.folder} with ${FILES.join(', ')} in ${root}; ${hint}`);
    }
    const metaPath = join(dir, 'meta');
    const meta = load(metaPath, fn);
    const classes = names(meta, 'fine_label_names', 100, metaPath, fn);
    const coarseClasses = names(meta, 'coarse_label_names', 20, metaPath, fn);
    const { images, fineLabels, coarseLabels } = readSplit(join(dir, train ? 'train' : 'test'), fn);
    super(images, fineLabels, o);
    this.root = root;
    this.train = train;
    this.folder = dir;
    this.classes = classes;
    this.coarseClasses = coarseClasses;
    this.coarseTargets = keep(coarseLabels);
  }

  /** Downloads (when `download` and missing), verifies and installs, then loads. */
  static async create(opts: Cifar100Options | null = {}): Promise<CIFAR100> {
    const fn = 'CIFAR100';
    const o = checkCifar100Options(opts, fn);
    const root = resolve(absent(o.root) ? 'data' : o.root);
    if (o.download === true && find(root) === null) {
      const res = CIFAR100_RESOURCES;
      const url = o.url ?? res.url;
      const md5 = o.md5 === null ? undefined : (o.md5 ?? (url === res.url || url.endsWith('/cifar-100-python.tar.gz') ? res.md5 : undefined));
      await fetchAndExtract(
        {
          url,
          root,
          md5,
          progress: o.progress ?? undefined,
          filename: 'cifar-100-python.tar.gz',
          validate: (extracted) => {
            for (const f of FILES) {
              if (!existsSync(join(extracted, res.folder, f))) throw new Error(`${fn}: the archive from ${url} lacks ${res.folder}/${f}`);
            }
          },
        },
        fn,
      );
    }
    return new CIFAR100(o);
  }

  override dispose(): void {
    super.dispose();
    this.coarseTargets.dispose();
  }

  override toString(): string {
    return `Dataset CIFAR100\n    Number of datapoints: ${this.len()}\n    Root location: ${this.root}\n    Split: ${this.train ? 'Train' : 'Test'}`;
  }
}

/** Validates CIFAR100's options (null, Python's None, stands for an omitted one). */
function checkCifar100Options(opts: Cifar100Options | null | undefined, fn: string): Cifar100Options {
  checkOptions(opts ?? undefined, KEYS, fn);
  const o = opts ?? {};
  checkVisionOptions(o, fn);
  if (!absent(o.root)) expectString(o.root, `${fn}: root`);
  if (!absent(o.train)) expectBool(o.train, `${fn}: train`);
  if (!absent(o.download)) expectBool(o.download, `${fn}: download`);
  if (!absent(o.url)) expectString(o.url, `${fn}: url`);
  checkDownloadOptions({ md5: o.md5, progress: o.progress }, fn);
  return o;
}
