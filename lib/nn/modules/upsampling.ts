/** Upsampling (torch/nn/modules/upsampling.py): Upsample, UpsamplingNearest2d, UpsamplingBilinear2d. */
import type { Tensor } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { inputOf, pyFloat, pyVal, withContext } from '../common.js';

/** Options of Upsample (one of size and scaleFactor). */
export interface UpsampleOptions {
  size?: number | number[] | null;
  scaleFactor?: number | number[] | null;
  mode?: F.InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}

/**
 * `nn.Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None)`:
 * F.interpolate as a module.
 */
export class Upsample extends Module {
  readonly size: number | number[] | null;
  readonly scaleFactor: number | number[] | null;
  readonly mode: F.InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;
  constructor(opts: UpsampleOptions | null = {}) {
    super();
    const fn = this.constructor.name;
    checkOptions(opts, ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor'], fn);
    this.size = opts?.size ?? null;
    const sf = opts?.scaleFactor ?? null;
    if (sf !== null && !(typeof sf === 'number' || (Array.isArray(sf) && sf.every((v) => typeof v === 'number')))) {
      throw new TypeError(`${fn}: Expected a number or an array of numbers for scaleFactor but received ${describe(sf)}`);
    }
    // Python keeps float(scale_factor), and None for a 0 factor.
    this.scaleFactor = sf === 0 ? null : sf;
    this.mode = opts?.mode ?? 'nearest';
    this.alignCorners = opts?.alignCorners ?? null;
    if (this.alignCorners !== null) expectBool(this.alignCorners, `${fn}: alignCorners`);
    this.recomputeScaleFactor = opts?.recomputeScaleFactor ?? null;
    if (this.recomputeScaleFactor !== null) expectBool(this.recomputeScaleFactor, `${fn}: recomputeScaleFactor`);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () =>
        F.interpolate(x, {
          size: this.size,
          scaleFactor: this.scaleFactor,
          mode: this.mode,
          alignCorners: this.alignCorners,
          recomputeScaleFactor: this.recomputeScaleFactor,
        }),
    );
  }
  override extraRepr(): string {
    const sf = this.scaleFactor;
    let info: string;
    if (sf !== null)
      info = `scale_factor=${typeof sf === 'number' ? pyFloat(sf) : sf.length === 1 ? `(${pyFloat(sf[0])},)` : `(${sf.map(pyFloat).join(', ')})`}`;
    else info = `size=${pyVal(this.size)}`;
    return `${info}, mode=${this.mode}`;
  }
}

/** `nn.UpsamplingNearest2d(size=None, scale_factor=None)`: Upsample with mode 'nearest'. */
export class UpsamplingNearest2d extends Upsample {
  constructor(opts: { size?: number | [number, number] | null; scaleFactor?: number | [number, number] | null } | null = {}) {
    checkOptions(opts, ['size', 'scaleFactor'], 'UpsamplingNearest2d');
    super({ size: opts?.size, scaleFactor: opts?.scaleFactor, mode: 'nearest' });
  }
}
/** `nn.UpsamplingBilinear2d(size=None, scale_factor=None)`: Upsample with mode 'bilinear' and alignCorners true. */
export class UpsamplingBilinear2d extends Upsample {
  constructor(opts: { size?: number | [number, number] | null; scaleFactor?: number | [number, number] | null } | null = {}) {
    checkOptions(opts, ['size', 'scaleFactor'], 'UpsamplingBilinear2d');
    super({ size: opts?.size, scaleFactor: opts?.scaleFactor, mode: 'bilinear', alignCorners: true });
  }
}
