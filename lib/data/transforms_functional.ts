/**
 * `torchvision.transforms.functional` for tensor images ([..., C, H, W], uint8 or float): the
 * deterministic operations behind the transforms, with torchvision 0.14's semantics and numbers
 * (the same LibTorch calls in the same order). Reached as `torch.data.transforms.functional`.
 */
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { checkOptions } from '../errors.js';
import * as ops from './image_ops.js';

/** The interpolation modes of tensor images (torchvision's `InterpolationMode` values that tensors support). */
export type InterpolationMode = 'nearest' | 'bilinear' | 'bicubic';
/** torchvision's padding modes. */
export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** Options of `resize` (torchvision's keyword arguments). */
export interface ResizeOptions {
  /** Default 'bilinear'. */
  interpolation?: InterpolationMode;
  /** The longest the longer edge may become (only when `size` gives the smaller edge). */
  maxSize?: number | null;
  /** Anti-aliasing for 'bilinear' and 'bicubic'; null/undefined (torchvision's None) is false for tensors. */
  antialias?: boolean | null;
}

/**
 * `F.resize(img, size, interpolation=BILINEAR, max_size=None, antialias=None)`: `size` an integer
 * (the smaller edge, keeping the aspect ratio) or [h, w].
 */
export function resize(img: Tensor, size: number | number[], opts: ResizeOptions | null = {}): Tensor {
  const fn = 'resize';
  ops.checkImage(img, fn);
  const s = ops.checkResizeSize(size, fn);
  checkOptions(opts, ['interpolation', 'maxSize', 'antialias'], fn);
  const interpolation = ops.checkInterpolation(opts?.interpolation ?? 'bilinear', fn);
  const maxSize = ops.checkMaxSize(opts?.maxSize, fn);
  const antialias = ops.optBool(opts?.antialias, fn, 'antialias', null);
  return tidy(() => ops.resize(img, s, interpolation, maxSize, antialias, fn));
}

/** Options of `pad`. */
export interface PadOptions {
  /** The value of constant padding (default 0). */
  fill?: number;
  /** Default 'constant'. */
  paddingMode?: PaddingMode;
}

/**
 * `F.pad(img, padding, fill=0, padding_mode='constant')`: `padding` an integer (every side),
 * [left/right, top/bottom] or [left, top, right, bottom].
 */
export function pad(img: Tensor, padding: number | number[], opts: PadOptions | null = {}): Tensor {
  const fn = 'pad';
  ops.checkImage(img, fn);
  const p = ops.checkPadding(padding, fn);
  checkOptions(opts, ['fill', 'paddingMode'], fn);
  const fill = ops.finite(opts?.fill ?? 0, fn, 'fill');
  const mode = ops.checkPaddingMode(opts?.paddingMode ?? 'constant', fn);
  return tidy(() => ops.pad(img, ops.parsePadding(p), fill, mode, fn));
}

function checkBox(top: unknown, left: unknown, height: unknown, width: unknown, fn: string): void {
  for (const [name, v] of [
    ['top', top],
    ['left', left],
  ] as const) {
    if (!ops.isInt(v)) throw ops.typeError(fn, name, 'an integer', v);
  }
  for (const [name, v] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!(ops.isInt(v) && v >= 0)) throw ops.typeError(fn, name, 'a non-negative integer', v);
  }
}

/**
 * `F.crop(img, top, left, height, width)`: a view of the box; the part of a box outside the image
 * is filled with zeros.
 */
export function crop(img: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const fn = 'crop';
  ops.checkImage(img, fn);
  checkBox(top, left, height, width, fn);
  return tidy(() => ops.crop(img, top, left, height, width, fn));
}

/** `F.center_crop(img, output_size)`: an integer or [h, w]; smaller images are padded with zeros first. */
export function centerCrop(img: Tensor, outputSize: number | number[]): Tensor {
  const fn = 'centerCrop';
  ops.checkImage(img, fn);
  const size = ops.checkSize2(outputSize, fn, 'outputSize');
  return tidy(() => ops.centerCrop(img, size, fn));
}

/** Options of `resizedCrop`. */
export interface ResizedCropOptions {
  /** Default 'bilinear'. */
  interpolation?: InterpolationMode;
  /** As resize's. */
  antialias?: boolean | null;
}

/** `F.resized_crop(img, top, left, height, width, size, interpolation=BILINEAR, antialias=None)`: crop, then resize. */
export function resizedCrop(
  img: Tensor,
  top: number,
  left: number,
  height: number,
  width: number,
  size: number | number[],
  opts: ResizedCropOptions | null = {},
): Tensor {
  const fn = 'resizedCrop';
  ops.checkImage(img, fn);
  checkBox(top, left, height, width, fn);
  const s = ops.checkResizeSize(size, fn);
  checkOptions(opts, ['interpolation', 'antialias'], fn);
  const interpolation = ops.checkInterpolation(opts?.interpolation ?? 'bilinear', fn);
  const antialias = ops.optBool(opts?.antialias, fn, 'antialias', null);
  return tidy(() => ops.resize(ops.crop(img, top, left, height, width, fn), s, interpolation, null, antialias, fn));
}

/** `F.hflip(img)`: flips the last dimension (width). */
export function hflip(img: Tensor): Tensor {
  return ops.hflip(ops.checkImage(img, 'hflip'));
}

/** `F.vflip(img)`: flips the second-to-last dimension (height). */
export function vflip(img: Tensor): Tensor {
  return ops.vflip(ops.checkImage(img, 'vflip'));
}

/** `F.adjust_brightness(img, brightness_factor)`: 0 gives black, 1 the image, 2 twice as bright (clamped). */
export function adjustBrightness(img: Tensor, brightnessFactor: number): Tensor {
  const fn = 'adjustBrightness';
  ops.checkImage(img, fn);
  return tidy(() => ops.adjustBrightness(img, brightnessFactor, fn));
}

/** `F.adjust_contrast(img, contrast_factor)`: blends with the mean grey level (0 gives a grey image). */
export function adjustContrast(img: Tensor, contrastFactor: number): Tensor {
  const fn = 'adjustContrast';
  ops.checkImage(img, fn);
  return tidy(() => ops.adjustContrast(img, contrastFactor, fn));
}

/** `F.adjust_saturation(img, saturation_factor)`: blends with the greyscale image (0 gives it). */
export function adjustSaturation(img: Tensor, saturationFactor: number): Tensor {
  const fn = 'adjustSaturation';
  ops.checkImage(img, fn);
  return tidy(() => ops.adjustSaturation(img, saturationFactor, fn));
}

/** `F.adjust_hue(img, hue_factor)`: shifts the hue by `hueFactor` turns, in [-0.5, 0.5]. */
export function adjustHue(img: Tensor, hueFactor: number): Tensor {
  const fn = 'adjustHue';
  ops.checkImage(img, fn);
  return tidy(() => ops.adjustHue(img, hueFactor, fn));
}

/**
 * `F.rgb_to_grayscale(img, num_output_channels=1)`: [..., 3, H, W] to one channel (or three equal
 * ones, an expanded view).
 */
export function rgbToGrayscale(img: Tensor, numOutputChannels = 1): Tensor {
  const fn = 'rgbToGrayscale';
  ops.checkImage(img, fn);
  return tidy(() => ops.rgbToGrayscale(img, numOutputChannels, fn));
}

/** `F.get_dimensions(img)`: [channels, height, width] (one channel for [H, W]). */
export function getDimensions(img: Tensor): [number, number, number] {
  return ops.dims(ops.checkImage(img, 'getDimensions'));
}
