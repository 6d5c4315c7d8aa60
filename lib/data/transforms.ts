/**
 * Image transforms (`torchvision.transforms`), usable per sample (torchvision's convention) or
 * on a whole batch with the same numbers: `apply(x)` takes one image, `applyBatch(x)` a batch with
 * a leading dimension N. Image datasets call `applyBatch` once per batch (or once on their whole
 * storage), so no per-sample JS loop runs.
 *
 * Layouts follow torchvision: raw images are uint8 HWC (as numpy arrays and PIL images), and
 * `ToTensor` produces float CHW.
 */
import { type Tensor, tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { describe } from '../dtype.js';
import { expectBool } from '../errors.js';
import { expectTensor, options, perSample } from './check.js';

/** A transform that works on one sample and, identically, on a batch of them. */
export abstract class Transform {
  /** One sample, as torchvision's `transform(img)`. */
  abstract apply(x: Tensor): Tensor;
  /** A batch `[N, …]`: the same result as `apply` on each sample, stacked. */
  abstract applyBatch(x: Tensor): Tensor;
  /** Python's `repr`. */
  abstract toString(): string;
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
    return tidy(() => this.transforms.reduce((v, t) => t.applyBatch(v), x));
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
