/**
 * `torchvision.datasets.CIFAR10`: reads the official binary version (`cifar-10-batches-bin`,
 * records of 1 label byte + 3072 pixel bytes in R, G, B planes) or the python version
 * (`cifar-10-batches-py`, pickled dicts with b'data' (uint8 [10000, 3072]) and b'labels'), through
 * a safe unpickler that executes nothing. `CIFAR10.create({download: true})` fetches, verifies
 * and installs the archive first (see download.ts).
 */
import { existsSync, statSync, fstatSync, openSync, readSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Tensor, tensor, empty } from '../tensor.js';
import { tidy } from '../scope.js';
import { native } from '../native.js';
import { describe } from '../dtype.js';
import { checkOptions, expectBool, expectOneOf, expectString } from '../errors.js';
import { VisionDataset, type VisionOptions, checkVisionOptions } from './vision.js';
import { unpickle, PyDict, NdArray } from './pickle.js';
import { fetchAndExtract, checkDownloadOptions, type DownloadOptions } from './download.js';
import { absent } from './check.js';

/** The official archives (from https://www.cs.toronto.edu/~kriz/cifar.html). */
export const CIFAR10_RESOURCES = {
  binary: { url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530', folder: 'cifar-10-batches-bin' },
  python: { url: 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz', md5: 'c58f30108f718f92721af3b95e74349a', folder: 'cifar-10-batches-py' },
} as const;

/** The ten class names, in label order. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

const RECORD = 3073;

/** Which of CIFAR-10's distributions to read. */
export type Cifar10Format = 'binary' | 'python';

/** Options of CIFAR10 (torchvision's keyword arguments). */
export interface Cifar10Options extends VisionOptions {
  /** Folder holding `cifar-10-batches-bin` or `cifar-10-batches-py` (default './data'). */
  root?: string;
  /** Training set (data_batch_1…5) or test set (test_batch); default true. */
  train?: boolean;
  /** Download when missing (only with `await CIFAR10.create(…)`). */
  download?: boolean;
  /** Which distribution: default the one present under root, else 'binary'. */
  format?: Cifar10Format;
  /** Archive URL (a mirror); default the official one for `format`. */
  url?: string;
  /** Expected MD5 of the archive at `url`; default the official one (pass null to skip). */
  md5?: string | null;
  /** Progress bar while downloading (default: when stderr is a terminal). */
  progress?: boolean;
}

const KEYS = ['root', 'train', 'download', 'format', 'url', 'md5', 'progress', 'transform', 'targetTransform', 'cache'] as const;

function files(format: Cifar10Format, train: boolean): string[] {
  const ext = format === 'binary' ? '.bin' : '';
  return train ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}${ext}`) : [`test_batch${ext}`];
}

const FORMATS = ['binary', 'python'] as const;

/** The folder under `root` holding a complete copy of `format`, or null. */
export function findCifar10(root: string, format: Cifar10Format): string | null {
  expectString(root, 'findCifar10: root');
  expectOneOf(format, FORMATS, 'findCifar10: format');
  return find(root, format);
}

function find(root: string, format: Cifar10Format): string | null {
  const dir = join(root, CIFAR10_RESOURCES[format].folder);
  const all = [...files(format, true), ...files(format, false)];
  return all.every((f) => existsSync(join(dir, f)) && statSync(join(dir, f)).size > 0) ? dir : null;
}

/**
 * A non-empty array of file paths (a number would be taken by node's fs as a file descriptor,
 * and could block on a pipe).
 */
function checkPaths(paths: unknown, fn: string): string[] {
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new TypeError(`${fn}: expected a non-empty array of file paths for paths but received ${describe(paths)}`);
  }
  paths.forEach((p, i) => expectString(p, `${fn}: paths[${i}]`));
  return paths as string[];
}

/** Reads binary batch files: checks each file's size, returns uint8 images [N,3,32,32] and int64 labels. */
export function readCifar10Binary(paths: string[]): { images: Tensor; labels: Tensor } {
  return readBinary(checkPaths(paths, 'readCifar10Binary'), 'readCifar10Binary');
}

/** readCifar10Binary for `fn` (named in errors). */
function readBinary(paths: string[], fn: string): { images: Tensor; labels: Tensor } {
  const sizes = paths.map((p) => {
    let size: number;
    try {
      size = statSync(p).size;
    } catch (e) {
      throw new Error(`${fn}: cannot read ${p}: ${(e as Error).message}`);
    }
    if (size === 0 || size % RECORD !== 0) {
      throw new Error(
        `${fn}: ${p} has ${size} bytes, not a whole number of ${RECORD}-byte records (1 label byte + 3072 pixel bytes); the file is truncated or not CIFAR-10 binary`,
      );
    }
    return size;
  });
  // Read every file straight into one buffer (the data set is ~150 MB: copies matter).
  const all = new Uint8Array(sizes.reduce((x, y) => x + y, 0));
  let off = 0;
  paths.forEach((p, k) => {
    const fd = openSync(p, 'r');
    try {
      let got = 0;
      while (got < sizes[k]) {
        const n = readSync(fd, all, off + got, sizes[k] - got, got);
        if (n === 0) throw new Error(`${fn}: ${p} shrank while being read (${got} of ${sizes[k]} bytes)`);
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    for (let i = 0; i < sizes[k]; i += RECORD) {
      if (all[off + i] > 9)
        throw new Error(`${fn}: ${p} record ${i / RECORD} has label ${all[off + i]} (expected 0-9); wrong record size or not CIFAR-10 binary`);
    }
    off += sizes[k];
  });
  const n = all.length / RECORD;
  return tidy(() => {
    const rec = tensor(all, { shape: [n, RECORD] });
    // The images stay a strided view of the records (no second 150 MB copy); index_select
    // gathers from it directly.
    return { labels: rec.select(1, 0).to('int64'), images: rec.narrow(1, 1, 3072).view(n, 3, 32, 32) };
  });
}

/** Reads python-version batch files (pickled dicts) through the safe unpickler. */
export function readCifar10Python(paths: string[]): { images: Tensor; labels: Tensor } {
  return readPython(checkPaths(paths, 'readCifar10Python'), 'readCifar10Python');
}

/** readCifar10Python for `fn` (named in errors). */
function readPython(paths: string[], fn: string): { images: Tensor; labels: Tensor } {
  // Two passes keep the peak near the data set's own size: the first validates every file and
  // counts its images; the second copies each file's pixels into its slice of the final tensor,
  // with one file in memory at a time. (Gathering all files and concatenating, as torchvision's
  // vstack does, holds the pixels twice plus the raw files: 150 MB more at peak for CIFAR-10.)
  const counts: number[] = [];
  const labels: number[] = [];
  const reader = new FileReader(fn);
  for (const p of paths) {
    const { n, labels: lab } = readPythonBatch(p, reader, fn);
    counts.push(n);
    labels.push(...lab);
  }
  const total = labels.length;
  return tidy(() => {
    const images = empty([total, 3, 32, 32], { dtype: 'uint8' });
    let o = 0;
    paths.forEach((p, k) => {
      const { n, pixels } = readPythonBatch(p, reader, fn);
      if (n !== counts[k]) throw new Error(`${fn}: ${p} changed while being read (${counts[k]} images, then ${n})`);
      tidy(() => native.writeData(images.narrow(0, o, n)._h, pixels));
      o += n;
    });
    return { images, labels: tensor(Float64Array.from(labels), { dtype: 'int64' }) };
  });
}

/** Reads whole files into one buffer, grown as needed and reused: one allocation for all batches. */
class FileReader {
  private buf = Buffer.alloc(0);
  constructor(private readonly fn: string) {}
  read(p: string): Buffer {
    const fn = this.fn;
    let fd: number;
    try {
      fd = openSync(p, 'r');
    } catch (e) {
      throw new Error(`${fn}: cannot read ${p}: ${(e as Error).message}`);
    }
    try {
      const size = fstatSync(fd).size;
      if (this.buf.length < size) this.buf = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const n = readSync(fd, this.buf, got, size - got, got);
        if (n === 0) throw new Error(`${fn}: ${p} shrank while being read (${got} of ${size} bytes)`);
        got += n;
      }
      return this.buf.subarray(0, size);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * One python-format batch file: validated pixels and labels. The pixels are a view into the
 * reader's buffer, valid until its next read.
 */
function readPythonBatch(p: string, reader: FileReader, fn: string): { n: number; pixels: Uint8Array; labels: number[] } {
  let d: unknown;
  const bytes = reader.read(p);
  try {
    d = unpickle(bytes, p, { zeroCopy: true });
  } catch (e) {
    throw new Error(`${fn}: ${(e as Error).message}`);
  }
  if (!(d instanceof PyDict)) throw new Error(`${fn}: ${p} does not hold a dict (found ${describe(d)})`);
  const data = d.get('data');
  const lab = d.get('labels') ?? d.get('fine_labels');
  if (!(data instanceof NdArray)) throw new Error(`${fn}: ${p} has no numpy array under b'data' (keys: ${d.keys().join(', ')})`);
  if (!Array.isArray(lab)) throw new Error(`${fn}: ${p} has no list under b'labels' (keys: ${d.keys().join(', ')})`);
  const descr = data.dtype?.descr;
  if (descr !== '|u1') throw new Error(`${fn}: ${p}: b'data' has dtype ${descr}, expected uint8 (|u1)`);
  if (data.shape.length !== 2 || data.shape[1] !== 3072) throw new Error(`${fn}: ${p}: b'data' has shape (${data.shape.join(', ')}), expected (N, 3072)`);
  if (data.fortranOrder) throw new Error(`${fn}: ${p}: b'data' is Fortran-ordered, expected C order`);
  const n = data.shape[0];
  if (data.data.length !== n * 3072) throw new Error(`${fn}: ${p}: b'data' holds ${data.data.length} bytes, expected ${n * 3072} for shape (${n}, 3072)`);
  if (lab.length !== n) throw new Error(`${fn}: ${p}: ${lab.length} labels for ${n} images`);
  lab.forEach((v, i) => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 9))
      throw new Error(`${fn}: ${p}: label ${i} is ${describe(v)}, expected an integer 0-9`);
  });
  return { n, pixels: data.data, labels: lab as number[] };
}

/**
 * `torchvision.datasets.CIFAR10(root, train, transform, target_transform, download)`.
 * The constructor reads from disk; use `await CIFAR10.create(opts)` when `download` may be needed.
 */
export class CIFAR10 extends VisionDataset {
  readonly root: string;
  readonly train: boolean;
  readonly format: Cifar10Format;
  /** The folder the batches were read from. */
  readonly folder: string;
  readonly classes: readonly string[] = CIFAR10_CLASSES;

  constructor(opts: Cifar10Options | null = {}) {
    const o = checkCifarOptions(opts, 'CIFAR10');
    const root = resolve(absent(o.root) ? 'data' : o.root);
    const train = absent(o.train) ? true : o.train;
    const format = resolveFormat(root, o);
    const dir = find(root, format);
    if (dir === null) {
      const hint = o.download ? 'use `await CIFAR10.create({ ..., download: true })` to download it' : 'pass download: true to CIFAR10.create to download it';
      throw new Error(
        `CIFAR10: dataset not found or incomplete: no ${CIFAR10_RESOURCES[format].folder} with ${[...files(format, true), ...files(format, false)].join(', ')} in ${root}; ${hint}`,
      );
    }
    const paths = files(format, train).map((f) => join(dir, f));
    const { images, labels } = format === 'binary' ? readBinary(paths, 'CIFAR10') : readPython(paths, 'CIFAR10');
    super(images, labels, o);
    this.root = root;
    this.train = train;
    this.format = format;
    this.folder = dir;
  }

  /** Downloads (when `download` and missing), verifies and installs, then loads. */
  static async create(opts: Cifar10Options | null = {}): Promise<CIFAR10> {
    const o = checkCifarOptions(opts, 'CIFAR10');
    const root = resolve(absent(o.root) ? 'data' : o.root);
    const format = resolveFormat(root, o);
    if (o.download === true && find(root, format) === null) {
      await fetchCifar10({ root, format, url: o.url ?? undefined, md5: o.md5, progress: o.progress ?? undefined }, 'CIFAR10');
    }
    return new CIFAR10(o);
  }

  override toString(): string {
    return `Dataset CIFAR10\n    Number of datapoints: ${this.len()}\n    Root location: ${this.root}\n    Split: ${this.train ? 'Train' : 'Test'}`;
  }
}

/** Validates CIFAR10's options (null, Python's None, stands for an omitted one); returns them as an object. */
function checkCifarOptions(opts: Cifar10Options | null | undefined, fn: string): Cifar10Options {
  checkOptions(opts ?? undefined, KEYS, fn);
  const o = opts ?? {};
  checkVisionOptions(o, fn);
  if (!absent(o.root)) expectString(o.root, `${fn}: root`);
  if (!absent(o.train)) expectBool(o.train, `${fn}: train`);
  if (!absent(o.download)) expectBool(o.download, `${fn}: download`);
  if (!absent(o.format) && o.format !== 'binary' && o.format !== 'python') {
    throw new TypeError(`${fn}: expected 'binary' or 'python' for format but received ${describe(o.format)}`);
  }
  if (!absent(o.url)) expectString(o.url, `${fn}: url`);
  checkDownloadOptions({ md5: o.md5, progress: o.progress }, fn);
  return o;
}

function resolveFormat(root: string, opts: Cifar10Options): Cifar10Format {
  if (!absent(opts.format)) return opts.format;
  if (find(root, 'binary')) return 'binary';
  if (find(root, 'python')) return 'python';
  // A mirror URL names its format.
  if (typeof opts.url === 'string' && /python/.test(opts.url)) return 'python';
  return 'binary';
}

/** Options of downloadCifar10. */
export type DownloadCifar10Options = { root: string; format?: Cifar10Format; url?: string; md5?: string | null } & Pick<
  DownloadOptions,
  'progress' | 'timeoutMs'
>;

const DOWNLOAD_KEYS = ['root', 'format', 'url', 'md5', 'progress', 'timeoutMs'] as const;

/**
 * Fetches CIFAR-10 into `root` (archive kept as torchvision does) with MD5 verification, safe
 * extraction, a record-size check of every batch file, and an atomic install.
 */
export async function downloadCifar10(opts: DownloadCifar10Options): Promise<string> {
  const fn = 'downloadCifar10';
  checkOptions(opts ?? undefined, DOWNLOAD_KEYS, fn);
  const o = (opts ?? {}) as Partial<DownloadCifar10Options>;
  const root = expectString(o.root, `${fn}: root`);
  const format = absent(o.format) ? 'binary' : expectOneOf(o.format, FORMATS, `${fn}: format`);
  const url = absent(o.url) ? undefined : expectString(o.url, `${fn}: url`);
  checkDownloadOptions({ md5: o.md5, progress: o.progress, timeoutMs: o.timeoutMs }, fn);
  return fetchCifar10({ root, format, url, md5: o.md5, progress: o.progress ?? undefined, timeoutMs: o.timeoutMs ?? undefined }, fn);
}

/** downloadCifar10 on validated options, for `fn` (named in errors). */
async function fetchCifar10(
  opts: { root: string; format: Cifar10Format; url?: string; md5?: string | null } & Pick<DownloadOptions, 'progress' | 'timeoutMs'>,
  fn: string,
): Promise<string> {
  const format = opts.format;
  const res = CIFAR10_RESOURCES[format];
  const url = opts.url ?? res.url;
  const md5 = opts.md5 === null ? undefined : (opts.md5 ?? (url === res.url || url.endsWith(`/${res.url.split('/').pop()}`) ? res.md5 : undefined));
  const root = resolve(opts.root);
  await fetchAndExtract(
    {
      url,
      root,
      md5,
      progress: opts.progress,
      timeoutMs: opts.timeoutMs,
      filename: res.url.split('/').pop(),
      validate: (dir) => {
        const d = join(dir, res.folder);
        for (const f of [...files(format, true), ...files(format, false)]) {
          const p = join(d, f);
          if (!existsSync(p)) throw new Error(`${fn}: the archive from ${url} lacks ${res.folder}/${f}`);
          if (format === 'binary') {
            const size = statSync(p).size;
            if (size === 0 || size % RECORD !== 0)
              throw new Error(`${fn}: ${res.folder}/${f} in the archive from ${url} has ${size} bytes, not a whole number of ${RECORD}-byte records`);
          }
        }
      },
    },
    fn,
  );
  const dir = find(root, format);
  if (dir === null) throw new Error(`${fn}: after extracting ${url}, ${res.folder} is still incomplete in ${root}`);
  return dir;
}
