/**
 * The common part of the image datasets: uint8 images held in one LibTorch tensor (keep()-ed),
 * int64 labels, and a transform applied per batch (or once on the whole storage with `cache`).
 * Transforms receive images in torchvision's layout (HWC, or HW for greyscale, as PIL images and
 * numpy arrays are), so `Compose([ToTensor(), Normalize(…)])` gives torchvision's numbers.
 */
import { type Tensor, tensor, isTensor } from '../tensor.js';
import { tidy, keep } from '../scope.js';
import { describe } from '../dtype.js';
import { expectBool } from '../errors.js';
import { Dataset, type Sample, type BatchGather } from './dataset.js';
import { type TransformLike, Transform, applyToBatch } from './transforms.js';

/** Options shared by the image datasets. */
export interface VisionOptions {
  /** Applied to images (see the module comment for the layout it receives). */
  transform?: TransformLike;
  /** Applied to a batch of int64 labels (a function of a [N] tensor). */
  targetTransform?: (labels: Tensor) => Tensor;
  /** Apply `transform` once to the whole storage on first use and keep the result (more memory, faster epochs). */
  cache?: boolean;
}

/** Validates the options shared by the image datasets (root, train, transform). @internal */
export function checkVisionOptions(opts: VisionOptions, fn: string): void {
  if (opts.transform !== undefined && !(opts.transform instanceof Transform) && typeof opts.transform !== 'function') {
    throw new TypeError(`${fn}: expected a Transform or a function for transform but received ${describe(opts.transform)}`);
  }
  if (opts.targetTransform !== undefined && typeof opts.targetTransform !== 'function') {
    throw new TypeError(`${fn}: expected a function for targetTransform but received ${describe(opts.targetTransform)}`);
  }
  if (opts.cache !== undefined) expectBool(opts.cache, `${fn}: cache`);
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

  protected constructor(images: Tensor, labels: Tensor, opts: VisionOptions) {
    super();
    this.images = keep(images);
    this.labels = keep(labels);
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
    this.cache = opts.cache ?? false;
  }

  len(): number {
    return this.labels.shape[0];
  }

  /** torchvision's `.data`: the images in its layout ([N, H, W, C], or [N, H, W] for greyscale), a view. */
  get data(): Tensor {
    return this.toTorchvisionLayout(this.images);
  }
  /** torchvision's `.targets`: the labels tensor itself (do not dispose). */
  get targets(): Tensor {
    return this.labels;
  }

  /** [n, C, H, W] -> what transforms receive: [n, H, W, C], or [n, H, W] when C = 1. */
  protected toTorchvisionLayout(x: Tensor): Tensor {
    return x.shape[1] === 1 ? x.squeeze(1) : x.permute(0, 2, 3, 1);
  }

  /** Sample i: `[image, label]` (image transformed, or uint8 in torchvision's layout). */
  get(i: number): Sample {
    const k = this.checkIndex(i);
    return tidy(() => {
      const [x, y] = this.getBatch(tensor([k], { dtype: 'int64' }));
      return [x.squeeze(0), y.squeeze(0)];
    });
  }

  /** `[images, labels]` for int64 `indices`: one index_select each, the transform on the whole batch. */
  getBatch(indices: Tensor): Sample {
    if (!isTensor(indices)) throw new TypeError(`${this.constructor.name}.getBatch: expected an int64 Tensor of indices but received ${describe(indices)}`);
    return tidy(() => {
      let x: Tensor;
      if (this.transform !== undefined && this.cache) {
        x = this.transformedStorage().indexSelect(0, indices);
      } else {
        x = this.toTorchvisionLayout(this.images.indexSelect(0, indices));
        if (this.transform !== undefined) x = applyToBatch(this.transform, x);
      }
      let y = this.labels.indexSelect(0, indices);
      if (this.targetTransform !== undefined) y = this.targetTransform(y);
      return [x, y];
    });
  }

  /** The transform applied once to every image (computed on first use, keep()-ed). */
  transformedStorage(): Tensor {
    if (this.transform === undefined) return this.images;
    if (this._cached === null) {
      const t = this.transform;
      this._cached = keep(tidy(() => applyToBatch(t, this.toTorchvisionLayout(this.images))));
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
