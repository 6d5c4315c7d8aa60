/**
 * `torchvision.datasets.ImageFolder` (0.14): images in one folder per class, read when a sample is
 * asked for. Classes, `classToIdx` and the order of `samples` are torchvision's: class folders
 * sorted by name (code points, as Python's sorted), then each class's tree walked with symbolic
 * links followed, directories sorted by path and files by name, keeping the files whose extension
 * (any case) is one of IMG_EXTENSIONS.
 *
 * The default loader decodes PNG (lib/data/png.ts: PIL's `convert('RGB')` as a uint8 [H, W, 3]
 * tensor); other formats need a `loader` (a function path -> uint8 tensor [H, W, C]).
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { describe } from '../dtype.js';
import { argMessage, checkOptions, expectString } from '../errors.js';
import { Dataset } from './dataset.js';
import { Transform, type TransformLike } from './transforms.js';
import { decodePngRgb } from './png.js';
import { absent } from './check.js';

/** torchvision's IMG_EXTENSIONS. */
export const IMG_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'] as const;

/** Options of ImageFolder (torchvision's keyword arguments). */
export interface ImageFolderOptions {
  /** Applied to each image (a uint8 [H, W, 3] tensor from the default loader), as torchvision's transform. */
  transform?: TransformLike;
  /** Applied to each target (the class index). */
  targetTransform?: (target: number) => unknown;
  /** Reads an image from its path (default: PNG, see {@link defaultLoader}). A custom loader keeps the dataset out of DataLoader worker threads unless it has a workerSpec(). */
  loader?: (path: string) => Tensor;
  /** Keeps a file when true (then `extensions` are not used), as torchvision's is_valid_file. */
  isValidFile?: (path: string) => boolean;
}

/** Python's sorted() order for strings: by code point. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) as number) - (y[i].codePointAt(0) as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory(); // follows links, as os.scandir's is_dir()
  } catch {
    return false;
  }
}

/** `find_classes(directory)`: the class folders, sorted, and their indices. */
export function findClasses(directory: string): { classes: string[]; classToIdx: Record<string, number> } {
  expectString(directory, 'findClasses: directory');
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (e) {
    throw new Error(`findClasses: cannot read ${directory}: ${(e as Error).message}`);
  }
  const classes = names.filter((n) => isDir(join(directory, n))).sort(byCodePoint);
  if (classes.length === 0) throw new Error(`findClasses: Couldn't find any class folder in ${directory}.`);
  return { classes, classToIdx: Object.fromEntries(classes.map((c, i) => [c, i])) };
}

/** os.walk(top, followlinks=True), sorted by directory path: [dir, file names] pairs. */
function walk(top: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  const seen = new Set<string>();
  const visit = (dir: string): void => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      return;
    }
    if (seen.has(real)) return; // a link back up the tree: Python would loop; walk it once
    seen.add(real);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // os.walk skips folders it cannot list
    }
    const files: string[] = [];
    const dirs: string[] = [];
    for (const n of names) (isDir(join(dir, n)) ? dirs : files).push(n);
    out.push([dir, files]);
    for (const d of dirs) visit(join(dir, d));
  };
  visit(top);
  return out.sort((a, b) => byCodePoint(a[0], b[0]));
}

/** `make_dataset(directory, class_to_idx, extensions, is_valid_file)`: [path, class index] pairs in torchvision's order. */
export function makeDataset(
  directory: string,
  classToIdx: Record<string, number>,
  extensions: readonly string[] | null,
  isValidFile?: (path: string) => boolean,
): [string, number][] {
  expectString(directory, 'makeDataset: directory');
  if (classToIdx === null || typeof classToIdx !== 'object' || Array.isArray(classToIdx) || Object.values(classToIdx).some((v) => !Number.isInteger(v))) {
    throw new TypeError(argMessage('an object of class name -> integer index', 'makeDataset: classToIdx', classToIdx));
  }
  if (extensions !== null && !(Array.isArray(extensions) && extensions.every((e) => typeof e === 'string'))) {
    throw new TypeError(argMessage('an array of strings or null', 'makeDataset: extensions', extensions));
  }
  if (isValidFile !== undefined && typeof isValidFile !== 'function') {
    throw new TypeError(argMessage('a function (path) => boolean', 'makeDataset: isValidFile', isValidFile));
  }
  if (Object.keys(classToIdx).length === 0) throw new RangeError("makeDataset: 'classToIdx' must have at least one entry to collect any samples.");
  if ((extensions === null) === (isValidFile === undefined)) {
    throw new TypeError('makeDataset: Both extensions and isValidFile cannot be null or given at the same time');
  }
  const valid = isValidFile ?? ((p: string) => (extensions as readonly string[]).some((e) => p.toLowerCase().endsWith(e)));
  const instances: [string, number][] = [];
  const available = new Set<string>();
  for (const cls of Object.keys(classToIdx).sort(byCodePoint)) {
    const targetDir = join(directory, cls);
    if (!isDir(targetDir)) continue;
    for (const [root, fnames] of walk(targetDir)) {
      for (const f of fnames.sort(byCodePoint)) {
        const path = join(root, f);
        if (valid(path)) {
          instances.push([path, classToIdx[cls]]);
          available.add(cls);
        }
      }
    }
  }
  const empty = Object.keys(classToIdx)
    .filter((c) => !available.has(c))
    .sort(byCodePoint);
  if (empty.length > 0) {
    let msg = `Found no valid file for the classes ${empty.join(', ')}. `;
    if (extensions !== null) msg += `Supported extensions are: ${extensions.join(', ')}`;
    throw new Error(`ImageFolder: ${msg}`);
  }
  return instances;
}

/** ImageFolder's default loader: a PNG file as a uint8 [H, W, 3] tensor (PIL's convert('RGB')); other formats are refused. */
export function defaultLoader(path: string): Tensor {
  expectString(path, 'defaultLoader: path');
  if (!path.toLowerCase().endsWith('.png')) {
    throw new Error(
      `ImageFolder: the default loader decodes PNG only, and ${path} is not a .png; pass a loader option (a function path -> uint8 tensor [H, W, 3]) for other formats`,
    );
  }
  return decodePngRgb(readFileSync(path), path);
}

const KEYS = ['transform', 'targetTransform', 'loader', 'isValidFile'] as const;

/** `ImageFolder(root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None)`. */
export class ImageFolder extends Dataset<[unknown, unknown]> {
  /** The folder holding the class folders (absolute). */
  readonly root: string;
  /** The class names, sorted. */
  readonly classes: string[];
  /** Class name -> index (Python's class_to_idx). */
  readonly classToIdx: Record<string, number>;
  /** [path, class index] for every image, in torchvision's order. */
  readonly samples: [string, number][];
  /** The class index of every image. */
  readonly targets: number[];
  /** The extensions kept (null with isValidFile). */
  readonly extensions: readonly string[] | null;
  /** Applied to each image. */
  readonly transform: TransformLike | undefined;
  /** Applied to each class index. */
  readonly targetTransform: ((target: number) => unknown) | undefined;
  /** The custom loader; undefined for the default (PNG) one. */
  readonly loader: ((path: string) => Tensor) | undefined;

  constructor(root: string, opts: ImageFolderOptions | null = {}) {
    super();
    if (typeof root !== 'string') throw new TypeError(`ImageFolder: expected a string for root but received ${describe(root)}`);
    checkOptions(opts ?? undefined, KEYS, 'ImageFolder');
    const o = opts ?? {};
    if (!absent(o.transform) && !(o.transform instanceof Transform) && typeof o.transform !== 'function') {
      throw new TypeError(`ImageFolder: expected a Transform or a function for transform but received ${describe(o.transform)}`);
    }
    for (const k of ['targetTransform', 'loader', 'isValidFile'] as const) {
      if (!absent(o[k]) && typeof o[k] !== 'function') throw new TypeError(`ImageFolder: expected a function for ${k} but received ${describe(o[k])}`);
    }
    this.root = resolve(root);
    const { classes, classToIdx } = findClasses(this.root);
    this.extensions = absent(o.isValidFile) ? IMG_EXTENSIONS : null;
    this.samples = makeDataset(this.root, classToIdx, this.extensions, o.isValidFile ?? undefined);
    this.classes = classes;
    this.classToIdx = classToIdx;
    this.targets = this.samples.map((s) => s[1]);
    this.transform = o.transform ?? undefined;
    this.targetTransform = o.targetTransform ?? undefined;
    this.loader = o.loader ?? undefined;
  }

  /** torchvision's `imgs`: the same list as `samples`. */
  get imgs(): [string, number][] {
    return this.samples;
  }

  /** The number of images. */
  len(): number {
    return this.samples.length;
  }

  /** `[image, target]`: the image read by the loader, then `transform`; the class index, then `targetTransform`. */
  get(i: number): [unknown, unknown] {
    const [path, target] = this.samples[this.checkIndex(i)];
    const image = tidy(() => {
      const img = (this.loader ?? defaultLoader)(path);
      const t = this.transform;
      return t === undefined ? img : t instanceof Transform ? t.apply(img) : t(img);
    });
    return [image, this.targetTransform ? this.targetTransform(target) : target];
  }

  /** torchvision's repr. */
  override toString(): string {
    return `Dataset ImageFolder\n    Number of datapoints: ${this.len()}\n    Root location: ${this.root}`;
  }
}
