/**
 * nn.functional, vision (torch/nn/functional.py): interpolate/upsample, grid_sample, affine_grid,
 * pixel_shuffle/unshuffle, channel_shuffle.
 * F.pad (all four modes) is in functional/index.ts.
 */
import { type Tensor, op, wrap } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool, expectInt, expectNumber, expectOneOf, isInt64 } from '../../errors.js';
import { checkTensor, shapeStr, withContext } from '../common.js';

const O = {
  nearest1d: op('aten::upsample_nearest1d.vec'),
  nearest2d: op('aten::upsample_nearest2d.vec'),
  nearest3d: op('aten::upsample_nearest3d.vec'),
  nearestExact1d: op('aten::_upsample_nearest_exact1d.vec'),
  nearestExact2d: op('aten::_upsample_nearest_exact2d.vec'),
  nearestExact3d: op('aten::_upsample_nearest_exact3d.vec'),
  linear1d: op('aten::upsample_linear1d.vec'),
  bilinear2d: op('aten::upsample_bilinear2d.vec'),
  bilinear2dAA: op('aten::_upsample_bilinear2d_aa.vec'),
  bicubic2d: op('aten::upsample_bicubic2d.vec'),
  bicubic2dAA: op('aten::_upsample_bicubic2d_aa.vec'),
  trilinear3d: op('aten::upsample_trilinear3d.vec'),
  adaptiveAvgPool1d: op('aten::adaptive_avg_pool1d'),
  adaptiveAvgPool2d: op('aten::adaptive_avg_pool2d'),
  adaptiveAvgPool3d: op('aten::adaptive_avg_pool3d'),
  gridSampler: op('aten::grid_sampler'),
  affineGridGenerator: op('aten::affine_grid_generator'),
  pixelShuffle: op('aten::pixel_shuffle'),
  pixelUnshuffle: op('aten::pixel_unshuffle'),
  channelShuffle: op('aten::channel_shuffle'),
  nativeChannelShuffle: op('aten::native_channel_shuffle'),
};

const warned = new Set<string>();
/** Python's warnings.warn under the default filter: once per message. */
function warnOnce(msg: string): void {
  if (warned.has(msg)) return;
  warned.add(msg);
  process.emitWarning(msg);
}

// ---- interpolate --------------------------------------------------------------------------------------

/** The interpolation modes of F.interpolate. */
export type InterpolateMode = 'nearest' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area' | 'nearest-exact';
const MODES: readonly InterpolateMode[] = ['nearest', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact'];

/** Options of interpolate (Python's keyword arguments). */
export interface InterpolateOptions {
  /** Output spatial size: one int for every dimension or one per dimension. */
  size?: number | number[] | null;
  /** Multiplier of the spatial size: one number for every dimension or one per dimension. */
  scaleFactor?: number | number[] | null;
  mode?: InterpolateMode;
  /** Only for linear, bilinear, bicubic, trilinear (default false there). */
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
  /** Anti-aliasing (bilinear and bicubic on 4-D input). */
  antialias?: boolean;
}

/**
 * `F.interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
 * recompute_scale_factor=None, antialias=False)`: input [N, C, *spatial] with 1 to 3 spatial dimensions.
 */
export function interpolate(input: Tensor, opts: InterpolateOptions | null = {}): Tensor {
  return interpolateAs('interpolate', input, opts);
}

function interpolateAs(fn: string, input: Tensor, opts: InterpolateOptions | null): Tensor {
  checkTensor(input, fn);
  checkOptions(opts, ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor', 'antialias'], fn);
  const mode = expectOneOf(opts?.mode ?? 'nearest', MODES, `${fn}: mode`);
  let alignCorners = opts?.alignCorners ?? null;
  if (alignCorners !== null) expectBool(alignCorners, `${fn}: alignCorners`);
  const antialias = expectBool(opts?.antialias ?? false, `${fn}: antialias`);
  let recompute = opts?.recomputeScaleFactor ?? null;
  if (recompute !== null) expectBool(recompute, `${fn}: recomputeScaleFactor`);
  if (mode === 'nearest' || mode === 'area' || mode === 'nearest-exact') {
    if (alignCorners !== null) {
      throw new TypeError(`${fn}: align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear`);
    }
  } else if (alignCorners === null) {
    alignCorners = false;
  }
  const dim = input.ndim - 2;
  const spatial = shapeStr(input.shape.slice(2));
  const size = opts?.size ?? null;
  const scale = opts?.scaleFactor ?? null;
  let outputSize: number[] | null = null;
  let scales: number[] | null = null;
  if (size !== null && scale !== null) throw new TypeError(`${fn}: only one of size or scale_factor should be defined`);
  if (size !== null) {
    if (Array.isArray(size)) {
      if (size.length !== dim) {
        throw new RangeError(
          `${fn}: Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatial} and output size of ${shapeStr(size)}. ` +
            'Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.',
        );
      }
      size.forEach((s, i) => {
        if (!(isInt64(s) && s >= 0)) throw new TypeError(`${fn}: Expected a non-negative integer for size[${i}] but received ${describe(s)}`);
      });
      outputSize = [...size];
    } else {
      if (!(isInt64(size) && size >= 0))
        throw new TypeError(`${fn}: Expected a non-negative integer or an array of them for size but received ${describe(size)}`);
      outputSize = new Array<number>(Math.max(dim, 0)).fill(size);
    }
  } else if (scale !== null) {
    if (Array.isArray(scale)) {
      if (scale.length !== dim) {
        throw new RangeError(
          `${fn}: Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatial} and scale_factor of shape ${shapeStr(scale)}. ` +
            'Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.',
        );
      }
      scale.forEach((s, i) => expectNumber(s, `${fn}: scaleFactor[${i}]`));
      scales = [...scale];
    } else {
      expectNumber(scale, `${fn}: scaleFactor`);
      scales = new Array<number>(Math.max(dim, 0)).fill(scale);
    }
  } else {
    throw new TypeError(`${fn}: either size or scale_factor should be defined`);
  }
  if (recompute === true && size !== null) throw new TypeError(`${fn}: recompute_scale_factor is not meaningful with an explicit size.`);
  // "area" always needs an explicit size: the recompute path gives one.
  if (mode === 'area' && outputSize === null) recompute = true;
  if (recompute === true && scales !== null) {
    const sc = scales;
    outputSize = sc.map((s, i) => Math.floor(input.shape[i + 2] * s));
    scales = null;
  }
  if (antialias && !((mode === 'bilinear' || mode === 'bicubic') && input.ndim === 4)) {
    throw new TypeError(`${fn}: Anti-alias option is only supported for bilinear and bicubic modes`);
  }
  const x = input._h;
  const ac = alignCorners === true;
  const n = input.ndim;
  return withContext(fn, () => {
    const call = (): number => {
      if (mode === 'nearest' && n >= 3 && n <= 5) return [O.nearest1d, O.nearest2d, O.nearest3d][n - 3](x, outputSize, scales);
      if (mode === 'nearest-exact' && n >= 3 && n <= 5) return [O.nearestExact1d, O.nearestExact2d, O.nearestExact3d][n - 3](x, outputSize, scales);
      if (mode === 'area' && n >= 3 && n <= 5) return [O.adaptiveAvgPool1d, O.adaptiveAvgPool2d, O.adaptiveAvgPool3d][n - 3](x, outputSize);
      if (mode === 'linear' && n === 3) return O.linear1d(x, outputSize, ac, scales);
      if (mode === 'bilinear' && n === 4) return (antialias ? O.bilinear2dAA : O.bilinear2d)(x, outputSize, ac, scales);
      if (mode === 'trilinear' && n === 5) return O.trilinear3d(x, outputSize, ac, scales);
      if (mode === 'bicubic' && n === 4) return (antialias ? O.bicubic2dAA : O.bicubic2d)(x, outputSize, ac, scales);
      const needs: Record<string, number> = { linear: 3, bilinear: 4, trilinear: 5 };
      if (n >= 3 && n <= 5 && needs[mode] !== undefined) throw new RangeError(`Got ${n}D input, but ${mode} mode needs ${needs[mode]}D input`);
      throw new RangeError(
        `Input Error: Only 3D, 4D and 5D input Tensors supported (got ${n}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ${mode})`,
      );
    };
    return wrap(call());
  });
}

/** Options of upsample (Python's keyword arguments). */
export interface UpsampleFunctionalOptions {
  size?: number | number[] | null;
  scaleFactor?: number | number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
}

/** `F.upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None)` (deprecated: interpolate). */
export function upsample(input: Tensor, opts: UpsampleFunctionalOptions | null = {}): Tensor {
  checkOptions(opts, ['size', 'scaleFactor', 'mode', 'alignCorners'], 'upsample');
  warnOnce('nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.');
  return interpolateAs('upsample', input, opts);
}
/** `F.upsample_nearest(input, size=None, scale_factor=None)` (deprecated: interpolate with mode 'nearest'). */
export function upsampleNearest(input: Tensor, opts: { size?: number | number[] | null; scaleFactor?: number | number[] | null } | null = {}): Tensor {
  checkOptions(opts, ['size', 'scaleFactor'], 'upsampleNearest');
  warnOnce('nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.');
  return interpolateAs('upsampleNearest', input, { ...opts, mode: 'nearest' });
}
/** `F.upsample_bilinear(input, size=None, scale_factor=None)` (deprecated: interpolate bilinear, align_corners=True). */
export function upsampleBilinear(input: Tensor, opts: { size?: number | number[] | null; scaleFactor?: number | number[] | null } | null = {}): Tensor {
  checkOptions(opts, ['size', 'scaleFactor'], 'upsampleBilinear');
  warnOnce('nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.');
  return interpolateAs('upsampleBilinear', input, { ...opts, mode: 'bilinear', alignCorners: true });
}

// ---- sampling grids ----------------------------------------------------------------------------------

const ALIGN_WARNING =
  'Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for details.';

/** Options of gridSample. */
export interface GridSampleOptions {
  mode?: 'bilinear' | 'nearest' | 'bicubic';
  paddingMode?: 'zeros' | 'border' | 'reflection';
  alignCorners?: boolean | null;
}

/**
 * `F.grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None)`: input
 * [N, C, H, W] sampled at grid [N, Hout, Wout, 2] (x, y in [-1, 1]); 5-D for volumes.
 */
export function gridSample(input: Tensor, grid: Tensor, opts: GridSampleOptions | null = {}): Tensor {
  const fn = 'gridSample';
  checkTensor(input, fn);
  checkTensor(grid, fn, 'grid');
  checkOptions(opts, ['mode', 'paddingMode', 'alignCorners'], fn);
  const mode = opts?.mode ?? 'bilinear';
  if (mode !== 'bilinear' && mode !== 'nearest' && mode !== 'bicubic') {
    throw new TypeError(`${fn}: nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: ${describe(mode)}`);
  }
  const pm = opts?.paddingMode ?? 'zeros';
  if (pm !== 'zeros' && pm !== 'border' && pm !== 'reflection') {
    throw new TypeError(`${fn}: nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', but got: ${describe(pm)}`);
  }
  let ac = opts?.alignCorners ?? null;
  if (ac === null) {
    warnOnce(ALIGN_WARNING);
    ac = false;
  }
  expectBool(ac, `${fn}: alignCorners`);
  const modeEnum = { bilinear: 0, nearest: 1, bicubic: 2 }[mode];
  const padEnum = { zeros: 0, border: 1, reflection: 2 }[pm];
  return withContext(fn, () => wrap(O.gridSampler(input._h, grid._h, modeEnum, padEnum, ac)));
}

/**
 * `F.affine_grid(theta, size, align_corners=None)`: the sampling grid of affine matrices theta
 * [N, 2, 3] for size [N, C, H, W] (or [N, 3, 4] for [N, C, D, H, W]).
 */
export function affineGrid(theta: Tensor, size: number[], opts: { alignCorners?: boolean | null } | null = {}): Tensor {
  const fn = 'affineGrid';
  checkTensor(theta, fn, 'theta');
  checkOptions(opts, ['alignCorners'], fn);
  if (!Array.isArray(size) || !size.every((s) => isInt64(s)))
    throw new TypeError(`${fn}: Expected an array of integers for size but received ${describe(size)}`);
  let ac = opts?.alignCorners ?? null;
  if (ac === null) {
    warnOnce(ALIGN_WARNING);
    ac = false;
  }
  expectBool(ac, `${fn}: alignCorners`);
  if (!theta.isFloatingPoint()) throw new TypeError(`${fn}: Expected theta to have floating point type, but got ${theta.dtype}`);
  const t = theta.shape;
  let spatial: number[];
  if (size.length === 4) {
    if (theta.ndim !== 3 || t[1] !== 2 || t[2] !== 3) {
      throw new RangeError(`${fn}: Expected a batch of 2D affine matrices of shape Nx2x3 for size ${shapeStr(size)}. Got ${shapeStr(t)}.`);
    }
    spatial = size.slice(-2);
  } else if (size.length === 5) {
    if (theta.ndim !== 3 || t[1] !== 3 || t[2] !== 4) {
      throw new RangeError(`${fn}: Expected a batch of 3D affine matrices of shape Nx3x4 for size ${shapeStr(size)}. Got ${shapeStr(t)}.`);
    }
    spatial = size.slice(-3);
  } else {
    throw new RangeError(`${fn}: affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size ${shapeStr(size)}.`);
  }
  if (ac && Math.min(...spatial) === 1) {
    warnOnce(
      'Since version 1.3.0, affine_grid behavior has changed for unit-size grids when align_corners=True. This is not an intended use case of affine_grid. See the documentation of affine_grid for details.',
    );
  } else if (Math.min(...size) <= 0) {
    throw new RangeError(`${fn}: Expected non-zero, positive output size. Got ${shapeStr(size)}`);
  }
  return withContext(fn, () => wrap(O.affineGridGenerator(theta._h, size, ac)));
}

// ---- shuffles -----------------------------------------------------------------------------------------

/** Runs a shuffle op under our name, dropping LibTorch's own "op_name: " prefix so the op is named once. */
function shuffleOp(fn: string, aten: string, f: () => number): Tensor {
  return withContext(fn, () => {
    try {
      return wrap(f());
    } catch (e) {
      if (e instanceof Error) e.message = e.message.replace(new RegExp(`^${aten}: `), '');
      throw e;
    }
  });
}

/** `F.pixel_shuffle(input, upscale_factor)`: [*, C·r², H, W] → [*, C, H·r, W·r]. */
export function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor {
  checkTensor(input, 'pixelShuffle');
  const r = expectInt(upscaleFactor, 'pixelShuffle: upscaleFactor');
  return shuffleOp('pixelShuffle', 'pixel_shuffle', () => O.pixelShuffle(input._h, r));
}
/** `F.pixel_unshuffle(input, downscale_factor)`: [*, C, H·r, W·r] → [*, C·r², H, W]. */
export function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor {
  checkTensor(input, 'pixelUnshuffle');
  const r = expectInt(downscaleFactor, 'pixelUnshuffle: downscaleFactor');
  return shuffleOp('pixelUnshuffle', 'pixel_unshuffle', () => O.pixelUnshuffle(input._h, r));
}
/** `F.channel_shuffle(input, groups)`: [N, g·k, *] → channels regrouped as [N, k·g, *]. */
export function channelShuffle(input: Tensor, groups: number): Tensor {
  checkTensor(input, 'channelShuffle');
  const g = expectInt(groups, 'channelShuffle: groups');
  return shuffleOp('channelShuffle', 'channel_shuffle', () => O.channelShuffle(input._h, g));
}
/** `F.native_channel_shuffle(input, groups)`: channelShuffle without the grad-mode check (same values). */
export function nativeChannelShuffle(input: Tensor, groups: number): Tensor {
  checkTensor(input, 'nativeChannelShuffle');
  const g = expectInt(groups, 'nativeChannelShuffle: groups');
  // LibTorch's native kernel checks nothing: groups 0 or an empty input end the process (SIGFPE,
  // in PyTorch too), and channels not divisible by groups give a silently wrong result. Checked as
  // channel_shuffle checks, with its sentences.
  if (g <= 0) throw new RangeError(`nativeChannelShuffle: Number of groups to divide channels in must be positive. Value of groups:${g}`);
  const channels = input.dim() > 1 ? input.shape[1] : 0;
  if (input.dim() < 2 || channels % g !== 0) {
    throw new RangeError(`nativeChannelShuffle: Number of channels must be divisible by groups. Got ${channels} channels and ${g} groups.`);
  }
  if (input.numel() === 0) return input.clone();
  return shuffleOp('nativeChannelShuffle', 'native_channel_shuffle', () => O.nativeChannelShuffle(input._h, g));
}
