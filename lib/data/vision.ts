/**
 * The common part of the image datasets: uint8 images held in one LibTorch tensor (keep()-ed),
 * int64 labels, and a transform applied per batch (or once on the whole storage with `cache`).
 * Transforms receive images in torchvision's layout (HWC, or HW for greyscale, as PIL images and
 * numpy arrays are), so `Compose([ToTensor(), Normalize(…)])` gives torchvision's numbers.
 */
import { type Tensor, tensor } from '../tensor.js';
import { tidy, keep } from '../scope.js';
import { describe } from '../dtype.js';
import { checkOptions, expectBool } from '../errors.js';
import { Dataset, type Sample, type BatchGather } from './dataset.js';
import { type TransformLike, Transform } from './transforms.js';
import { expectTensor, expectIndexTensor, naming, absent, perSample } from './check.js';

/** Options shared by the image datasets. */
export interface VisionOptions {
  /** Applied to images (see the module comment for the layout it receives). */
  transform?: TransformLike;
  /** Applied to a batch of int64 labels (a function of a [N] tensor). */
  targetTransform?: (labels: Tensor) => Tensor;
  /** Apply `transform` once to the whole storage on first use and keep the result (more memory, faster epochs). */
  cache?: boolean;
}

const VISION_KEYS = ['transform', 'targetTransform', 'cache'] as const;

/**
 * Validates the options shared by the image datasets (transform, targetTransform, cache); null
 * stands for an omitted option, as Python's None. @internal
 */
export function checkVisionOptions(opts: VisionOptions, fn: string): void {
  if (!absent(opts.transform) && !(opts.transform instanceof Transform) && typeof opts.transform !== 'function') {
    throw new TypeError(`${fn}: expected a Transform or a function for transform but received ${describe(opts.transform)}`);
  }
  if (!absent(opts.targetTransform) && typeof opts.targetTransform !== 'function') {
    throw new TypeError(`${fn}: expected a function for targetTransform but received ${describe(opts.targetTransform)}`);
  }
  if (!absent(opts.cache)) expectBool(opts.cache, `${fn}: cache`);
}

/** An in-memory image dataset: `images` uint8 [N, C, H, W], `labels` int64 [N]. */
export abstract class VisionDataset extends Dataset<Sample> implements BatchGather {
  /** uint8 [N, C, H, W], keep()-ed. */
  readonly images: Tensor;
  /** int64 [N], keep()-ed. */
  readonly labels: Tensor;
  readonly transform: TransformLike | undefined;
  readonly targetTransform: ((labels: Tensor) => Tensor) | undefined;
  readonly cache: boolean;
  private _cached: Tensor | null = null;

  /**
   * `images` [N, C, H, W] and `labels` [N] become the dataset's storage (keep()-ed, freed by
   * `dispose()`). Subclasses validate their own options and pass them on.
   */
  protected constructor(images: Tensor, labels: Tensor, opts?: VisionOptions | null) {
    super();
    const name = new.target.name;
    expectTensor(images, `${name}: images`);
    expectTensor(labels, `${name}: labels`);
    if (images.dim() !== 4) throw new RangeError(`${name}: expected images of shape [N, C, H, W] but received shape [${images.shape.join(', ')}]`);
    if (labels.dim() !== 1) throw new RangeError(`${name}: expected labels of shape [N] but received shape [${labels.shape.join(', ')}]`);
    if (labels.shape[0] !== images.shape[0]) {
      throw new RangeError(`${name}: ${images.shape[0]} images (shape [${images.shape.join(', ')}]) but ${labels.shape[0]} labels`);
    }
    if (opts !== undefined && opts !== null && typeof opts !== 'object') {
      throw new TypeError(`${name}: expected an options object but received ${describe(opts)}`);
    }
    const o = opts ?? {};
    // Subclasses (CIFAR10, MNIST) check their own keys; a VisionDataset made directly has only these.
    if (new.target === VisionDataset) checkOptions(o, VISION_KEYS, name);
    checkVisionOptions(o, name);
    this.images = keep(images);
    this.labels = keep(labels);
    this.transform = o.transform ?? undefined;
    this.targetTransform = o.targetTransform ?? undefined;
    this.cache = o.cache ?? false;
  }

  len(): number {
    this._checkLive('len');
    return this.labels.shape[0];
  }

  /** torchvision's `.data`: the images in its layout ([N, H, W, C], or [N, H, W] for greyscale), a view. */
  get data(): Tensor {
    this._checkLive('data');
    return this.toTorchvisionLayout(this.images);
  }
  /** torchvision's `.targets`: the labels tensor itself (do not dispose). */
  get targets(): Tensor {
    return this.labels;
  }

  /** [n, C, H, W] -> what transforms receive: [n, H, W, C], or [n, H, W] when C = 1. */
  protected toTorchvisionLayout(x: Tensor): Tensor {
    const fn = `${this.constructor.name}.toTorchvisionLayout`;
    expectTensor(x, `${fn}: x`);
    if (x.dim() !== 4) throw new RangeError(`${fn}: expected a batch of shape [N, C, H, W] but received shape [${x.shape.join(', ')}]`);
    return x.shape[1] === 1 ? x.squeeze(1) : x.permute(0, 2, 3, 1);
  }

  /** The transform on a batch: natively for Transforms, per sample for plain functions. */
  private _transformBatch(t: TransformLike, x: Tensor): Tensor {
    return t instanceof Transform ? t.applyBatch(x) : perSample(t, x, this.constructor.name);
  }

  /** Throws when the storage was freed by `dispose()`. */
  private _checkLive(fn: string): void {
    if (this.images.isDisposed || this.labels.isDisposed)
      throw new Error(`${this.constructor.name}.${fn}: the dataset was used after dispose() freed its storage`);
  }

  /** Sample i: `[image, label]` (image transformed, or uint8 in torchvision's layout). */
  get(i: number): Sample {
    this._checkLive('get');
    const k = this.checkIndex(i);
    return tidy(() => {
      const [x, y] = this.getBatch(tensor([k], { dtype: 'int64' }));
      return [x.squeeze(0), y.squeeze(0)];
    });
  }

  /** `[images, labels]` for int64 `indices`: one index_select each, the transform on the whole batch. */
  getBatch(indices: Tensor): Sample {
    const fn = `${this.constructor.name}.getBatch`;
    expectIndexTensor(indices, `${fn}: indices`);
    this._checkLive('getBatch');
    return tidy(() => {
      let x: Tensor;
      if (this.transform !== undefined && this.cache) {
        const all = this.transformedStorage();
        x = naming(fn, () => all.indexSelect(0, indices));
      } else {
        x = this.toTorchvisionLayout(naming(fn, () => this.images.indexSelect(0, indices)));
        if (this.transform !== undefined) x = this._transformBatch(this.transform, x);
      }
      let y = naming(fn, () => this.labels.indexSelect(0, indices));
      if (this.targetTransform !== undefined) y = this.targetTransform(y);
      return [x, y];
    });
  }

  /** The transform applied once to every image (computed on first use, keep()-ed). */
  transformedStorage(): Tensor {
    this._checkLive('transformedStorage');
    if (this.transform === undefined) return this.images;
    if (this._cached === null) {
      const t = this.transform;
      this._cached = keep(tidy(() => this._transformBatch(t, this.toTorchvisionLayout(this.images))));
    }
    return this._cached;
  }

  /** Frees the storage (and the cached transform); the dataset is unusable afterwards. */
  dispose(): void {
    this.images.dispose();
    this.labels.dispose();
    this._cached?.dispose();
    this._cached = null;
  }
}
