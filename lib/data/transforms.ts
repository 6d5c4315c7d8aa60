/**
 * Image transforms (`torchvision.transforms`), usable per sample (torchvision's convention) or
 * on a whole batch with the same numbers: `apply(x)` takes one image, `applyBatch(x)` a batch with
 * a leading dimension N. Image datasets call `applyBatch` once per batch (or once on their whole
 * storage), so no per-sample JS loop runs for the deterministic transforms.
 *
 * Layouts follow torchvision: raw images are uint8 HWC (as numpy arrays and PIL images), and
 * `ToTensor` produces float CHW. The other image transforms work on tensor images [..., C, H, W]
 * (uint8 or float), as torchvision 0.14's do on tensors, with its numbers: put `ToTensor` first.
 *
 * Random transforms (RandomCrop, RandomResizedCrop, the flips, ColorJitter) draw from the default
 * generator with the calls torchvision makes, in its order, so after `torch.manualSeed(s)` they
 * choose what torchvision chooses. `apply(x)` draws once for x (on a batch tensor, one choice for
 * all of it, as torchvision); `applyBatch(x)` draws for each sample in turn, as a DataLoader
 * calling the transform per sample does (a Compose holding a random transform runs its whole chain
 * per sample, so the draws come in torchvision's order).
 */
import { type Tensor, tensor, rand, randint, randperm, empty } from '../tensor.js';
import { tidy } from '../scope.js';
import { describe } from '../dtype.js';
import { expectBool } from '../errors.js';
import { expectTensor, options, perSample } from './check.js';
import * as ops from './image_ops.js';

export * as functional from './transforms_functional.js';

/** A transform that works on one sample and, identically, on a batch of them. */
export abstract class Transform {
  /** One sample, as torchvision's `transform(img)`. */
  abstract apply(x: Tensor): Tensor;
  /** A batch `[N, …]`: the same result as `apply` on each sample, stacked. */
  abstract applyBatch(x: Tensor): Tensor;
  /** Python's `repr`. */
  abstract toString(): string;
  /**
   * Whether `apply` draws random numbers. `applyBatch` of a random transform draws per sample,
   * and a Compose holding one runs its chain per sample.
   */
  get random(): boolean {
    return false;
  }
}

// `apply`, `applyBatch` and `toString` are abstract, but JavaScript can still construct a
// Transform (or a subclass that forgot one): they then say so instead of "is not a function".
for (const m of ['apply', 'applyBatch'] as const) {
  Object.defineProperty(Transform.prototype, m, {
    value: function (this: object) {
      const name = this?.constructor?.name ?? 'Transform';
      throw new TypeError(`${name}.${m}: Transform is abstract; subclasses must implement ${m}()${name === 'Transform' ? '' : ` (${name} does not)`}`);
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/** A per-sample function or a Transform: what datasets accept as `transform`. */
export type TransformLike = Transform | ((x: Tensor) => Tensor);

/** Applies a TransformLike to a batch: natively for Transforms, per sample for plain functions. */
export function applyToBatch(t: TransformLike, x: Tensor): Tensor {
  if (!(t instanceof Transform) && typeof t !== 'function') {
    throw new TypeError(`applyToBatch: expected a Transform or a function for t but received ${describe(t)}`);
  }
  expectTensor(x, 'applyToBatch: x');
  return t instanceof Transform ? t.applyBatch(x) : perSample(t, x, 'applyToBatch');
}

function checkTensor(x: unknown, fn: string): Tensor {
  return expectTensor(x, `${fn}: input`);
}

/**
 * `ToTensor()`: a uint8 image HWC (or HW) becomes float32 CHW in [0, 1] (`/255`); other dtypes
 * are only moved to CHW, as torchvision does for non-uint8 numpy arrays.
 */
export class ToTensor extends Transform {
  apply(x: Tensor): Tensor {
    checkTensor(x, 'ToTensor');
    if (x.dim() !== 2 && x.dim() !== 3) {
      throw new RangeError(`ToTensor: expected an image of shape [H, W] or [H, W, C] but received shape [${x.shape.join(', ')}]`);
    }
    return tidy(() => this._convert(x.dim() === 2 ? x.unsqueeze(0) : x.permute(2, 0, 1)));
  }
  applyBatch(x: Tensor): Tensor {
    checkTensor(x, 'ToTensor');
    if (x.dim() !== 3 && x.dim() !== 4) {
      throw new RangeError(`ToTensor: expected a batch of shape [N, H, W] or [N, H, W, C] but received shape [${x.shape.join(', ')}]`);
    }
    return tidy(() => this._convert(x.dim() === 3 ? x.unsqueeze(1) : x.permute(0, 3, 1, 2)));
  }
  private _convert(chw: Tensor): Tensor {
    // torchvision: permute(...).contiguous(), then .to(float).div(255) for uint8.
    const c = chw.contiguous();
    return c.dtype === 'uint8' ? c.to('float32').div(255) : c;
  }
  toString(): string {
    return 'ToTensor()';
  }
}

/** `Normalize(mean, std, inplace=False)`: `(x - mean[c]) / std[c]` over the channel dimension (-3). */
export class Normalize extends Transform {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly inplace: boolean;
  constructor(mean: readonly number[], std: readonly number[], opts: { inplace?: boolean } | null = {}) {
    super();
    const o = options(opts, ['inplace'], 'Normalize');
    for (const [name, v] of [
      ['mean', mean],
      ['std', std],
    ] as const) {
      if (!Array.isArray(v) || v.length === 0 || !v.every((e) => typeof e === 'number' && Number.isFinite(e))) {
        throw new TypeError(`Normalize: expected a non-empty array of finite numbers for ${name} but received ${describe(v)}`);
      }
    }
    if (std.some((s) => s === 0)) {
      throw new RangeError(`Normalize: std evaluated to zero after conversion to float32, leading to division by zero (std = [${std.join(', ')}])`);
    }
    this.mean = mean.slice();
    this.std = std.slice();
    this.inplace = o.inplace === undefined || o.inplace === null ? false : expectBool(o.inplace, 'Normalize: inplace');
  }
  apply(x: Tensor): Tensor {
    return this._normalize(x, 'an image of shape [C, H, W]');
  }
  applyBatch(x: Tensor): Tensor {
    return this._normalize(x, 'a batch of shape [N, C, H, W]');
  }
  private _normalize(x: Tensor, what: string): Tensor {
    checkTensor(x, 'Normalize');
    if (!x.isFloatingPoint()) throw new TypeError(`Normalize: input tensor should be a float tensor. Got ${x.dtype}`);
    if (x.dim() < 3) throw new RangeError(`Normalize: expected ${what} (at least 3 dimensions) but received shape [${x.shape.join(', ')}]`);
    const c = x.shape[x.dim() - 3];
    for (const [name, v] of [
      ['mean', this.mean],
      ['std', this.std],
    ] as const) {
      if (v.length !== 1 && v.length !== c) {
        throw new RangeError(`Normalize: ${name} has ${v.length} values but the input has ${c} channels (shape [${x.shape.join(', ')}])`);
      }
    }
    return tidy(() => {
      // torchvision: mean/std as tensors of the input's dtype, viewed (-1, 1, 1), sub_ then div_.
      const mean = tensor(Float64Array.from(this.mean), { dtype: x.dtype }).view(-1, 1, 1);
      const std = tensor(Float64Array.from(this.std), { dtype: x.dtype }).view(-1, 1, 1);
      const out = this.inplace ? x : x.clone();
      return out.sub_(mean).div_(std);
    });
  }
  toString(): string {
    return `Normalize(mean=[${this.mean.join(', ')}], std=[${this.std.join(', ')}])`;
  }
}

/** `Compose(transforms)`: applies each in turn. */
export class Compose extends Transform {
  readonly transforms: readonly Transform[];
  constructor(transforms: readonly Transform[]) {
    super();
    if (!Array.isArray(transforms)) throw new TypeError(`Compose: expected an array of transforms but received ${describe(transforms)}`);
    transforms.forEach((t, i) => {
      if (!(t instanceof Transform)) {
        throw new TypeError(`Compose: expected Transform for transforms[${i}] but received ${describe(t)} (wrap functions in Lambda)`);
      }
    });
    this.transforms = transforms.slice();
  }
  apply(x: Tensor): Tensor {
    checkTensor(x, 'Compose');
    return tidy(() => this.transforms.reduce((v, t) => t.apply(v), x));
  }
  applyBatch(x: Tensor): Tensor {
    checkTensor(x, 'Compose');
    // With a random transform inside, each sample goes through the whole chain in turn, so the
    // random draws come in torchvision's order (sample 0's crop, flip, …, then sample 1's).
    if (this.random) return perSample((s) => this.apply(s), x, 'Compose');
    return tidy(() => this.transforms.reduce((v, t) => t.applyBatch(v), x));
  }
  override get random(): boolean {
    return this.transforms.some((t) => t.random);
  }
  toString(): string {
    return `Compose(\n${this.transforms.map((t) => `    ${t.toString()}`).join('\n')}\n)`;
  }
}

/**
 * `Lambda(fn)`: a user function. With `{batched: true}` it receives whole batches; otherwise it
 * is applied per sample (and batches are unbound and stacked).
 */
export class Lambda extends Transform {
  readonly fn: (x: Tensor) => Tensor;
  readonly batched: boolean;
  constructor(fn: (x: Tensor) => Tensor, opts: { batched?: boolean } | null = {}) {
    super();
    if (typeof fn !== 'function') throw new TypeError(`Lambda: expected a function for fn but received ${describe(fn)}`);
    const o = options(opts, ['batched'], 'Lambda');
    this.fn = fn;
    this.batched = o.batched === undefined || o.batched === null ? false : expectBool(o.batched, 'Lambda: batched');
  }
  apply(x: Tensor): Tensor {
    checkTensor(x, 'Lambda');
    if (!this.batched) return this.fn(x);
    return tidy(() => {
      const r = this.fn(x.unsqueeze(0));
      return expectTensor(r, "Lambda: the function's result").squeeze(0);
    });
  }
  applyBatch(x: Tensor): Tensor {
    checkTensor(x, 'Lambda');
    return this.batched ? this.fn(x) : perSample(this.fn, x, 'Lambda');
  }
  toString(): string {
    return 'Lambda()';
  }
}

// ---- tensor image transforms (torchvision 0.14 on tensors) -----------------------------------------

/** torchvision's `InterpolationMode` for tensor images: `InterpolationMode.BILINEAR` is 'bilinear'. */
export const InterpolationMode = { NEAREST: 'nearest', BILINEAR: 'bilinear', BICUBIC: 'bicubic' } as const;
/** The interpolation modes of tensor images. */
export type InterpolationMode = (typeof InterpolationMode)[keyof typeof InterpolationMode];
/** torchvision's padding modes: constant (`fill`), edge (repeat the border), reflect, symmetric (reflect including the border). */
export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/**
 * The base of the tensor image transforms ([..., C, H, W]): `applyBatch` of a deterministic one
 * sends a batch [N, C, H, W] through `apply` at once (leading dimensions are independent, so the
 * numbers are those per sample); random ones, and other ranks, go sample by sample.
 */
export abstract class ImageTransform extends Transform {
  applyBatch(x: Tensor): Tensor {
    checkTensor(x, this.constructor.name);
    if (x.dim() === 4 && !this.random) return this.apply(x);
    return perSample((s) => this.apply(s), x, this.constructor.name);
  }
}

/** Python's repr of a size given as an integer or array (torchvision keeps what it was given). */
function reprSize(v: number | readonly number[]): string {
  return typeof v === 'number' ? String(v) : `[${v.join(', ')}]`;
}
/** Python's repr of torchvision's `_setup_size` result: a tuple, or the list given as [h, w]. */
function reprSetupSize(given: number | readonly number[], size: readonly [number, number]): string {
  return Array.isArray(given) && given.length === 2 ? `[${size.join(', ')}]` : `(${size.join(', ')})`;
}
function reprOpt(v: boolean | number | null): string {
  return v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : String(v);
}

/** Options of Resize (torchvision's keyword arguments). */
export interface ResizeOptions {
  /** Default 'bilinear' ('nearest', 'bilinear', 'bicubic'). */
  interpolation?: InterpolationMode;
  /** The longest the longer edge may become; only with `size` an integer (the smaller edge). */
  maxSize?: number | null;
  /** Anti-aliasing for 'bilinear' and 'bicubic'; null (torchvision 0.14's default None) is false for tensors. */
  antialias?: boolean | null;
}

/**
 * `Resize(size, interpolation=BILINEAR, max_size=None, antialias=None)`: `size` an integer (the
 * smaller edge becomes `size`, keeping the aspect ratio) or [h, w]. uint8 images are resized in
 * float32 and rounded back, as torchvision does.
 */
export class Resize extends ImageTransform {
  readonly size: number | readonly number[];
  readonly interpolation: InterpolationMode;
  readonly maxSize: number | null;
  readonly antialias: boolean | null;
  private readonly _size: number[];
  constructor(size: number | number[], opts: ResizeOptions | null = {}) {
    super();
    const fn = 'Resize';
    this._size = ops.checkResizeSize(size, fn);
    const o = options(opts, ['interpolation', 'maxSize', 'antialias'], fn);
    this.interpolation = ops.checkInterpolation(o.interpolation ?? 'bilinear', fn);
    this.maxSize = ops.checkMaxSize(o.maxSize, fn);
    this.antialias = ops.optBool(o.antialias, fn, 'antialias', null);
    if (this.maxSize !== null && this._size.length !== 1) {
      throw new TypeError(`${fn}: maxSize is only supported when size is one integer (the smaller edge), but size is ${reprSize(size)}`);
    }
    if (this.maxSize !== null && this.maxSize <= this._size[0]) {
      throw ops.rangeError(fn, 'maxSize', `an integer greater than the requested size of the smaller edge (${this._size[0]})`, this.maxSize);
    }
    if (this.antialias === true && this.interpolation === 'nearest') {
      throw new RangeError(`${fn}: antialias is supported for the 'bilinear' and 'bicubic' interpolation modes only, not 'nearest'`);
    }
    this.size = typeof size === 'number' ? size : size.slice();
  }
  apply(x: Tensor): Tensor {
    ops.checkImage(x, 'Resize', 'input');
    return tidy(() => ops.resize(x, this._size, this.interpolation, this.maxSize, this.antialias, 'Resize'));
  }
  toString(): string {
    return `Resize(size=${reprSize(this.size)}, interpolation=${this.interpolation}, max_size=${reprOpt(this.maxSize)}, antialias=${reprOpt(this.antialias)})`;
  }
}

/** `CenterCrop(size)`: an integer (square) or [h, w]; images smaller than that are padded with zeros first. */
export class CenterCrop extends ImageTransform {
  /** [h, w]. */
  readonly size: readonly [number, number];
  private readonly _given: number | readonly number[];
  constructor(size: number | number[]) {
    super();
    this.size = ops.checkSize2(size, 'CenterCrop');
    this._given = size;
  }
  apply(x: Tensor): Tensor {
    ops.checkImage(x, 'CenterCrop', 'input');
    return tidy(() => ops.centerCrop(x, [this.size[0], this.size[1]], 'CenterCrop'));
  }
  toString(): string {
    return `CenterCrop(size=${reprSetupSize(this._given, this.size)})`;
  }
}

/** Options of Pad. */
export interface PadOptions {
  /** The value of constant padding (default 0); a number (torchvision takes per-channel tuples only for PIL images). */
  fill?: number;
  /** Default 'constant'. */
  paddingMode?: PaddingMode;
}

/**
 * `Pad(padding, fill=0, padding_mode='constant')`: `padding` an integer (every side),
 * [left/right, top/bottom] or [left, top, right, bottom]; negative values crop.
 */
export class Pad extends ImageTransform {
  readonly padding: number | readonly number[];
  readonly fill: number;
  readonly paddingMode: PaddingMode;
  constructor(padding: number | number[], opts: PadOptions | null = {}) {
    super();
    const fn = 'Pad';
    this.padding = ops.checkPadding(padding, fn);
    const o = options(opts, ['fill', 'paddingMode'], fn);
    this.fill = ops.finite(o.fill ?? 0, fn, 'fill');
    this.paddingMode = ops.checkPaddingMode(o.paddingMode ?? 'constant', fn);
  }
  apply(x: Tensor): Tensor {
    ops.checkImage(x, 'Pad', 'input');
    return tidy(() => ops.pad(x, ops.parsePadding(this.padding as number | number[]), this.fill, this.paddingMode, 'Pad'));
  }
  toString(): string {
    return `Pad(padding=${reprSize(this.padding)}, fill=${this.fill}, padding_mode=${this.paddingMode})`;
  }
}

/**
 * `Grayscale(num_output_channels=1)`: RGB [..., 3, H, W] to 0.2989 R + 0.587 G + 0.114 B (three
 * equal channels, an expanded view, with 3).
 */
export class Grayscale extends ImageTransform {
  readonly numOutputChannels: 1 | 3;
  constructor(numOutputChannels: 1 | 3 | { numOutputChannels?: 1 | 3 } = 1) {
    super();
    const fn = 'Grayscale';
    let n: unknown = numOutputChannels;
    if (typeof numOutputChannels === 'object' && numOutputChannels !== null && !Array.isArray(numOutputChannels)) {
      n = options(numOutputChannels, ['numOutputChannels'], fn).numOutputChannels ?? 1;
    }
    if (n !== 1 && n !== 3) throw ops.rangeError(fn, 'numOutputChannels', '1 or 3', n);
    this.numOutputChannels = n;
  }
  apply(x: Tensor): Tensor {
    ops.checkImage(x, 'Grayscale', 'input');
    return tidy(() => ops.rgbToGrayscale(x, this.numOutputChannels, 'Grayscale'));
  }
  toString(): string {
    return `Grayscale(num_output_channels=${this.numOutputChannels})`;
  }
}

/** Options of RandomCrop (torchvision's keyword arguments). */
export interface RandomCropOptions {
  /** Padding applied first: an integer or [left/right, top/bottom] or [left, top, right, bottom]. */
  padding?: number | number[] | null;
  /** Pads images smaller than `size` (on both sides, by the shortfall, as torchvision). */
  padIfNeeded?: boolean;
  /** The value of constant padding (default 0). */
  fill?: number;
  /** Default 'constant'. */
  paddingMode?: PaddingMode;
}

/** The random [top, left] of an [h, w] crop: torchvision's two torch.randint draws (none when the sizes are equal). */
function cropParams(img: Tensor, size: readonly [number, number], fn: string): [number, number, number, number] {
  const [, h, w] = ops.dims(img);
  const [th, tw] = size;
  if (h < th || w < tw) {
    throw new RangeError(`${fn}: the crop size [${th}, ${tw}] is larger than the input image size [${h}, ${w}] (pad it: padding, padIfNeeded)`);
  }
  if (w === tw && h === th) return [0, 0, h, w];
  return tidy(() => {
    const i = randint(0, h - th + 1, [1]).item() as number;
    const j = randint(0, w - tw + 1, [1]).item() as number;
    return [i, j, th, tw];
  });
}

/**
 * `RandomCrop(size, padding=None, pad_if_needed=False, fill=0, padding_mode='constant')`: a crop
 * of `size` (an integer or [h, w]) at a random place, after the optional padding.
 */
export class RandomCrop extends ImageTransform {
  /** [h, w]. */
  readonly size: readonly [number, number];
  readonly padding: number | readonly number[] | null;
  readonly padIfNeeded: boolean;
  readonly fill: number;
  readonly paddingMode: PaddingMode;
  constructor(size: number | number[], opts: RandomCropOptions | null = {}) {
    super();
    const fn = 'RandomCrop';
    this.size = ops.checkSize2(size, fn);
    const o = options(opts, ['padding', 'padIfNeeded', 'fill', 'paddingMode'], fn);
    this.padding = o.padding === undefined || o.padding === null ? null : ops.checkPadding(o.padding, fn);
    this.padIfNeeded = ops.optBool(o.padIfNeeded, fn, 'padIfNeeded', false);
    this.fill = ops.finite(o.fill ?? 0, fn, 'fill');
    this.paddingMode = ops.checkPaddingMode(o.paddingMode ?? 'constant', fn);
  }
  /**
   * `RandomCrop.get_params(img, output_size)`: [top, left, h, w] of a random crop of [h, w] =
   * `outputSize` (draws torch.randint twice from the default generator, or not at all when the
   * image already has that size).
   */
  static getParams(img: Tensor, outputSize: [number, number]): [number, number, number, number] {
    const fn = 'RandomCrop.getParams';
    ops.checkImage(img, fn);
    if (!(Array.isArray(outputSize) && outputSize.length === 2 && outputSize.every((v) => ops.isInt(v) && v > 0))) {
      throw ops.typeError(fn, 'outputSize', 'an array [h, w] of positive integers', outputSize);
    }
    return cropParams(img, outputSize, fn);
  }
  override get random(): boolean {
    return true;
  }
  apply(x: Tensor): Tensor {
    const fn = 'RandomCrop';
    ops.checkImage(x, fn, 'input');
    return tidy(() => {
      let img = x;
      if (this.padding !== null) img = ops.pad(img, ops.parsePadding(this.padding as number | number[]), this.fill, this.paddingMode, fn);
      const [, height, width] = ops.dims(img);
      if (this.padIfNeeded && width < this.size[1]) img = ops.pad(img, ops.parsePadding([this.size[1] - width, 0]), this.fill, this.paddingMode, fn);
      if (this.padIfNeeded && height < this.size[0]) img = ops.pad(img, ops.parsePadding([0, this.size[0] - height]), this.fill, this.paddingMode, fn);
      const [i, j, h, w] = cropParams(img, this.size, fn);
      return ops.crop(img, i, j, h, w, fn);
    });
  }
  toString(): string {
    return `RandomCrop(size=(${this.size.join(', ')}), padding=${this.padding === null ? 'None' : reprSize(this.padding)})`;
  }
}

/** The probability of a flip: a number in [0, 1], given alone or as `{p}`. */
function flipProbability(p: unknown, fn: string): number {
  let v = p;
  if (typeof p === 'object' && p !== null && !Array.isArray(p)) v = options(p as { p?: number }, ['p'], fn).p ?? 0.5;
  if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw ops.rangeError(fn, 'p', 'a probability in [0, 1]', v);
  return v;
}

/** torchvision's `torch.rand(1) < p`: the float32 draw against p in float32. */
function draw(p: number): boolean {
  return tidy(() => (rand(1).item() as number) < Math.fround(p));
}

/** `RandomHorizontalFlip(p=0.5)`: flips the width with probability p (one `torch.rand(1)` per call). */
export class RandomHorizontalFlip extends ImageTransform {
  readonly p: number;
  constructor(p: number | { p?: number } = 0.5) {
    super();
    this.p = flipProbability(p, 'RandomHorizontalFlip');
  }
  override get random(): boolean {
    return true;
  }
  apply(x: Tensor): Tensor {
    ops.checkImage(x, 'RandomHorizontalFlip', 'input');
    return draw(this.p) ? ops.hflip(x) : ops.same(x);
  }
  toString(): string {
    return `RandomHorizontalFlip(p=${this.p})`;
  }
}

/** `RandomVerticalFlip(p=0.5)`: flips the height with probability p (one `torch.rand(1)` per call). */
export class RandomVerticalFlip extends ImageTransform {
  readonly p: number;
  constructor(p: number | { p?: number } = 0.5) {
    super();
    this.p = flipProbability(p, 'RandomVerticalFlip');
  }
  override get random(): boolean {
    return true;
  }
  apply(x: Tensor): Tensor {
    ops.checkImage(x, 'RandomVerticalFlip', 'input');
    return draw(this.p) ? ops.vflip(x) : ops.same(x);
  }
  toString(): string {
    return `RandomVerticalFlip(p=${this.p})`;
  }
}

/** Options of RandomResizedCrop (torchvision's keyword arguments). */
export interface RandomResizedCropOptions {
  /** [min, max] of the crop's area as a fraction of the image's (default [0.08, 1]). */
  scale?: [number, number];
  /** [min, max] of the crop's aspect ratio w / h (default [3/4, 4/3]). */
  ratio?: [number, number];
  /** Default 'bilinear'. */
  interpolation?: InterpolationMode;
  /** As Resize's. */
  antialias?: boolean | null;
}

function checkRange(v: unknown, fn: string, arg: string, positive: boolean): [number, number] {
  const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && (positive ? x > 0 : x >= 0);
  if (!(Array.isArray(v) && v.length === 2 && v.every(ok))) {
    throw ops.typeError(fn, arg, `an array [min, max] of ${positive ? 'positive' : 'non-negative'} finite numbers`, v);
  }
  if (v[0] > v[1]) throw ops.rangeError(fn, arg, '[min, max] with min <= max', v);
  return [v[0], v[1]];
}

function resizedCropParams(img: Tensor, scale: readonly [number, number], ratio: readonly [number, number]): [number, number, number, number] {
  const [, height, width] = ops.dims(img);
  const area = height * width;
  return tidy(() => {
    // torch.log(torch.tensor(ratio)): float32, and uniform_ receives those float32 values.
    const [lr0, lr1] = tensor([ratio[0], ratio[1]], { dtype: 'float32' }).log().toArray() as number[];
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = area * (empty(1).uniform_(scale[0], scale[1]).item() as number);
      const aspectRatio = empty(1).uniform_(lr0, lr1).exp().item() as number;
      const w = ops.pyRound(Math.sqrt(targetArea * aspectRatio));
      const h = ops.pyRound(Math.sqrt(targetArea / aspectRatio));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        const i = randint(0, height - h + 1, [1]).item() as number;
        const j = randint(0, width - w + 1, [1]).item() as number;
        return [i, j, h, w] as [number, number, number, number];
      }
    }
    // Fallback to a central crop.
    const inRatio = width / height;
    let w: number;
    let h: number;
    if (inRatio < Math.min(ratio[0], ratio[1])) {
      w = width;
      h = ops.pyRound(w / Math.min(ratio[0], ratio[1]));
    } else if (inRatio > Math.max(ratio[0], ratio[1])) {
      h = height;
      w = ops.pyRound(h * Math.max(ratio[0], ratio[1]));
    } else {
      w = width;
      h = height;
    }
    return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w] as [number, number, number, number];
  });
}

/**
 * `RandomResizedCrop(size, scale=(0.08, 1.0), ratio=(3/4, 4/3), interpolation=BILINEAR,
 * antialias=None)`: a crop of random area and aspect ratio (up to 10 attempts, then a central
 * crop), resized to `size` (an integer or [h, w]).
 */
export class RandomResizedCrop extends ImageTransform {
  /** [h, w]. */
  readonly size: readonly [number, number];
  readonly scale: readonly [number, number];
  readonly ratio: readonly [number, number];
  readonly interpolation: InterpolationMode;
  readonly antialias: boolean | null;
  constructor(size: number | number[], opts: RandomResizedCropOptions | null = {}) {
    super();
    const fn = 'RandomResizedCrop';
    this.size = ops.checkSize2(size, fn);
    const o = options(opts, ['scale', 'ratio', 'interpolation', 'antialias'], fn);
    this.scale = o.scale === undefined || o.scale === null ? [0.08, 1.0] : checkRange(o.scale, fn, 'scale', false);
    this.ratio = o.ratio === undefined || o.ratio === null ? [3.0 / 4.0, 4.0 / 3.0] : checkRange(o.ratio, fn, 'ratio', true);
    this.interpolation = ops.checkInterpolation(o.interpolation ?? 'bilinear', fn);
    this.antialias = ops.optBool(o.antialias, fn, 'antialias', null);
    if (this.antialias === true && this.interpolation === 'nearest') {
      throw new RangeError(`${fn}: antialias is supported for the 'bilinear' and 'bicubic' interpolation modes only, not 'nearest'`);
    }
  }
  /**
   * `RandomResizedCrop.get_params(img, scale, ratio)`: [top, left, h, w], drawn as torchvision
   * draws them (two `uniform_` per attempt, two `randint` for the accepted one).
   */
  static getParams(img: Tensor, scale: [number, number], ratio: [number, number]): [number, number, number, number] {
    const fn = 'RandomResizedCrop.getParams';
    ops.checkImage(img, fn);
    return resizedCropParams(img, checkRange(scale, fn, 'scale', false), checkRange(ratio, fn, 'ratio', true));
  }
  override get random(): boolean {
    return true;
  }
  apply(x: Tensor): Tensor {
    const fn = 'RandomResizedCrop';
    ops.checkImage(x, fn, 'input');
    const [i, j, h, w] = resizedCropParams(x, this.scale, this.ratio);
    return tidy(() => ops.resize(ops.crop(x, i, j, h, w, fn), [this.size[0], this.size[1]], this.interpolation, null, this.antialias, fn));
  }
  toString(): string {
    const r4 = (v: number) => ops.pyFloat(Number(v.toFixed(4)));
    return (
      `RandomResizedCrop(size=(${this.size.join(', ')}), scale=(${this.scale.map(r4).join(', ')}), ratio=(${this.ratio.map(r4).join(', ')}), ` +
      `interpolation=${this.interpolation}), antialias=${reprOpt(this.antialias)})`
    );
  }
}

/** Options of ColorJitter: each a number v (a range around the identity) or [min, max]. */
export interface ColorJitterOptions {
  /** Factor from [max(0, 1 - v), 1 + v] or [min, max] (non-negative). */
  brightness?: number | [number, number];
  /** Factor from [max(0, 1 - v), 1 + v] or [min, max] (non-negative). */
  contrast?: number | [number, number];
  /** Factor from [max(0, 1 - v), 1 + v] or [min, max] (non-negative). */
  saturation?: number | [number, number];
  /** Shift from [-v, v] (v <= 0.5) or [min, max] within [-0.5, 0.5]. */
  hue?: number | [number, number];
}

/** torchvision's `ColorJitter._check_input`: [min, max], or null for the identity. */
function jitterRange(v: unknown, name: string, hue: boolean): [number, number] | null {
  const fn = 'ColorJitter';
  const center = hue ? 0 : 1;
  const bound: [number, number] = hue ? [-0.5, 0.5] : [0, Number.POSITIVE_INFINITY];
  let r: [number, number];
  if (typeof v === 'number') {
    if (!(Number.isFinite(v) && v >= 0 && (!hue || v <= 0.5))) {
      throw ops.rangeError(fn, name, hue ? 'a number in [0, 0.5] or [min, max] within [-0.5, 0.5]' : 'a non-negative number or [min, max]', v);
    }
    r = [center - v, center + v];
    if (!hue) r[0] = Math.max(r[0], 0);
  } else if (Array.isArray(v) && v.length === 2 && v.every((e) => typeof e === 'number' && Number.isFinite(e))) {
    if (!(bound[0] <= v[0] && v[0] <= v[1] && v[1] <= bound[1])) {
      throw ops.rangeError(fn, name, `[min, max] with ${hue ? '-0.5' : '0'} <= min <= max${hue ? ' <= 0.5' : ''}`, v);
    }
    r = [v[0], v[1]];
  } else {
    throw ops.typeError(fn, name, 'a number or an array [min, max]', v);
  }
  return r[0] === center && r[1] === center ? null : r;
}

/** `torch.empty(1).uniform_(lo, hi)` as a number (the float32 value). */
function uniform(r: readonly [number, number] | null): number | null {
  return r === null ? null : (empty(1).uniform_(r[0], r[1]).item() as number);
}

/**
 * `ColorJitter(brightness=0, contrast=0, saturation=0, hue=0)`: the four adjustments with random
 * factors, in a random order (`torch.randperm(4)`, then one `uniform_` per adjustment in use).
 */
export class ColorJitter extends ImageTransform {
  readonly brightness: readonly [number, number] | null;
  readonly contrast: readonly [number, number] | null;
  readonly saturation: readonly [number, number] | null;
  readonly hue: readonly [number, number] | null;
  constructor(opts: ColorJitterOptions | null = {}) {
    super();
    const o = options(opts, ['brightness', 'contrast', 'saturation', 'hue'], 'ColorJitter');
    this.brightness = jitterRange(o.brightness ?? 0, 'brightness', false);
    this.contrast = jitterRange(o.contrast ?? 0, 'contrast', false);
    this.saturation = jitterRange(o.saturation ?? 0, 'saturation', false);
    this.hue = jitterRange(o.hue ?? 0, 'hue', true);
  }
  /**
   * `ColorJitter.get_params(brightness, contrast, saturation, hue)`: [order, brightness factor,
   * contrast factor, saturation factor, hue factor], null for the ranges that are null.
   */
  static getParams(
    brightness: readonly [number, number] | null,
    contrast: readonly [number, number] | null,
    saturation: readonly [number, number] | null,
    hue: readonly [number, number] | null,
  ): [number[], number | null, number | null, number | null, number | null] {
    const fn = 'ColorJitter.getParams';
    const ranges = { brightness, contrast, saturation, hue };
    for (const [name, r] of Object.entries(ranges)) {
      if (r === null) continue;
      if (!(Array.isArray(r) && r.length === 2 && r.every((e) => typeof e === 'number' && Number.isFinite(e)) && r[0] <= r[1])) {
        throw ops.typeError(fn, name, 'null or an array [min, max] of finite numbers with min <= max', r);
      }
    }
    return tidy(() => {
      const order = randperm(4).toArray() as number[];
      return [order, uniform(brightness), uniform(contrast), uniform(saturation), uniform(hue)];
    });
  }
  override get random(): boolean {
    return true;
  }
  apply(x: Tensor): Tensor {
    const fn = 'ColorJitter';
    ops.checkImage(x, fn, 'input');
    const [order, b, c, s, h] = ColorJitter.getParams(this.brightness, this.contrast, this.saturation, this.hue);
    return tidy(() => {
      let img = x;
      for (const id of order) {
        if (id === 0 && b !== null) img = ops.adjustBrightness(img, b, fn, 'the brightness factor');
        else if (id === 1 && c !== null) img = ops.adjustContrast(img, c, fn, 'the contrast factor');
        else if (id === 2 && s !== null) img = ops.adjustSaturation(img, s, fn, 'the saturation factor');
        else if (id === 3 && h !== null) img = ops.adjustHue(img, h, fn, 'the hue factor');
      }
      return img === x ? ops.same(x) : img;
    });
  }
  toString(): string {
    const r = (v: readonly [number, number] | null) => (v === null ? 'None' : `[${v.map(ops.pyFloat).join(', ')}]`);
    return `ColorJitter(brightness=${r(this.brightness)}, contrast=${r(this.contrast)}, saturation=${r(this.saturation)}, hue=${r(this.hue)})`;
  }
}
