/**
 * The tensor image operations behind torchvision's transforms (torchvision 0.14's
 * transforms/functional.py and functional_tensor.py), op for op: the same LibTorch calls in the
 * same order, so results match torchvision's bit for bit. Every function takes `fn`, the public
 * function or transform the user called, and names it in errors; arguments other than the image
 * arrive validated (see the check* helpers here, used by transforms.ts and transforms_functional.ts).
 * @internal
 */
import { type Tensor, tensor, stack, arange, where, zerosLike, onesLike } from '../tensor.js';
import { einsum } from '../functional.js';
import { describe } from '../dtype.js';
import { interpolate, pad as torchPad } from '../nn/functional/index.js';
import { expectTensor, naming } from './check.js';

// ---- argument checks and Python's formatting -----------------------------------------------------

/** A value as it appears in messages: arrays of numbers as `[1, 2]`, the rest as `describe` puts it. */
export function show(v: unknown): string {
  if (Array.isArray(v) && v.length <= 8 && v.every((e) => typeof e === 'number' || typeof e === 'boolean')) return `[${v.join(', ')}]`;
  return describe(v);
}

/** "fn: expected <expected> for <arg> but received <got>" as a TypeError (the wrong kind of value). */
export function typeError(fn: string, arg: string, expected: string, got: unknown): TypeError {
  return new TypeError(`${fn}: expected ${expected} for ${arg} but received ${show(got)}`);
}

/** The same message as a RangeError (the right kind of value, out of range). */
export function rangeError(fn: string, arg: string, expected: string, got: unknown): RangeError {
  return new RangeError(`${fn}: expected ${expected} for ${arg} but received ${show(got)}`);
}

/** Whether `v` is a safe integer. */
export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/** A finite number, else a TypeError naming `fn` and `arg`. */
export function finite(v: unknown, fn: string, arg: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw typeError(fn, arg, 'a finite number', v);
}

/**
 * A size as torchvision's `_setup_size`: an integer n gives [n, n], [n] gives [n, n], [h, w] stays.
 * Every entry must be a positive integer.
 */
export function checkSize2(v: unknown, fn: string, arg = 'size'): [number, number] {
  const ok = (x: unknown): x is number => isInt(x) && x > 0;
  if (ok(v)) return [v, v];
  if (Array.isArray(v) && (v.length === 1 || v.length === 2) && v.every(ok)) return v.length === 1 ? [v[0], v[0]] : [v[0], v[1]];
  throw typeError(fn, arg, 'a positive integer or an array [h, w] (or [size]) of positive integers', v);
}

/** Validated `size` for resize: [s] (the smaller edge) or [h, w]. */
export function checkResizeSize(v: unknown, fn: string): number[] {
  const ok = (x: unknown): x is number => isInt(x) && x > 0;
  if (ok(v)) return [v];
  if (Array.isArray(v) && (v.length === 1 || v.length === 2) && v.every(ok)) return v.slice();
  throw typeError(fn, 'size', 'a positive integer (the smaller edge) or an array [h, w] (or [size]) of positive integers', v);
}

/** Validated `maxSize`: a positive integer, or null when absent. */
export function checkMaxSize(v: unknown, fn: string): number | null {
  if (v === undefined || v === null) return null;
  if (isInt(v) && v > 0) return v;
  throw typeError(fn, 'maxSize', 'a positive integer or null', v);
}

/** The padding of Pad / RandomCrop / functional.pad: an integer, or an array of 1, 2 or 4 integers. */
export function checkPadding(v: unknown, fn: string, arg = 'padding'): number | number[] {
  if (isInt(v)) return v;
  if (Array.isArray(v) && [1, 2, 4].includes(v.length) && v.every(isInt)) return v.slice();
  throw typeError(fn, arg, 'an integer or an array of 1, 2 or 4 integers (left/right/top/bottom, [left-right, top-bottom] or [left, top, right, bottom])', v);
}

/** torchvision's `_parse_pad_padding`: [left, right, top, bottom]. */
export function parsePadding(p: number | number[]): [number, number, number, number] {
  if (typeof p === 'number') return [p, p, p, p];
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[0], p[1], p[1]];
  return [p[0], p[2], p[1], p[3]];
}

/** torchvision's padding modes (for tensors). */
export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';
const PADDING_MODES: readonly PaddingMode[] = ['constant', 'edge', 'reflect', 'symmetric'];

/** A padding mode, else a TypeError listing them. */
export function checkPaddingMode(v: unknown, fn: string, arg = 'paddingMode'): PaddingMode {
  if (typeof v === 'string' && (PADDING_MODES as readonly string[]).includes(v)) return v as PaddingMode;
  throw typeError(fn, arg, "'constant', 'edge', 'reflect' or 'symmetric'", v);
}

/** The interpolation modes torchvision supports on tensors. */
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic';
const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear', 'bicubic'];

/** An interpolation mode, else an error (PIL's box, hamming and lanczos have no tensor version). */
export function checkInterpolation(v: unknown, fn: string, arg = 'interpolation'): Interpolation {
  if (typeof v === 'string' && (INTERPOLATIONS as readonly string[]).includes(v)) return v as Interpolation;
  const pilOnly = typeof v === 'string' && ['box', 'hamming', 'lanczos'].includes(v) ? ` ('${v}' exists only for PIL images)` : '';
  throw typeError(fn, arg, `'nearest', 'bilinear' or 'bicubic'${pilOnly}`, v);
}

/** An optional boolean: undefined or null (Python's None) give `dflt`. */
export function optBool<T>(v: unknown, fn: string, arg: string, dflt: T): boolean | T {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  throw typeError(fn, arg, 'a boolean', v);
}

/** Python's `round(x)` for a float: halves go to the even neighbour (round(2.5) = 2). */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Python's `repr` of a float: `1.0`, `0.08`, `1e-05`. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [m, e] = x.toExponential().split('e');
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

// ---- images --------------------------------------------------------------------------------------

/** A live tensor image [..., H, W] (torchvision's `_assert_image_tensor`), else an error naming `fn`. */
export function checkImage(img: unknown, fn: string, arg = 'img'): Tensor {
  const t = expectTensor(img, `${fn}: ${arg}`);
  if (t.dim() < 2) throw new RangeError(`${fn}: expected an image tensor of shape [..., H, W] for ${arg} but received shape [${t.shape.join(', ')}]`);
  return t;
}

/** torchvision's `get_dimensions`: [channels, height, width] (one channel for [H, W]). */
export function dims(img: Tensor): [number, number, number] {
  const s = img.shape;
  const n = s.length;
  return [n === 2 ? 1 : s[n - 3], s[n - 2], s[n - 1]];
}

/** Requires 1 or 3 channels (`_assert_channels(img, [1, 3])`). */
function checkChannels(img: Tensor, fn: string): number {
  const c = dims(img)[0];
  if (c !== 1 && c !== 3)
    throw new RangeError(`${fn}: expected an image with 1 or 3 channels (shape [..., C, H, W]) but received shape [${img.shape.join(', ')}]`);
  return c;
}

/** Requires [..., C, H, W] (at least 3 dimensions). */
function checkChw(img: Tensor, fn: string): void {
  if (img.dim() < 3)
    throw new RangeError(`${fn}: expected an image tensor of shape [..., C, H, W] (at least 3 dimensions) but received shape [${img.shape.join(', ')}]`);
}

/** A new handle on the same tensor (torchvision returns `img` itself; a caller may dispose either). */
export function same(img: Tensor): Tensor {
  return img.view(img.shape);
}

const INT_DTYPES = new Set(['uint8', 'int8', 'int16', 'int32', 'int64']);

/** `_cast_squeeze_in`: NCHW (unsqueezed when fewer dims), cast to `req[0]` unless the dtype is in `req`. */
function castSqueezeIn(img: Tensor, req: readonly string[]): { x: Tensor; cast: boolean; squeeze: boolean; dtype: string } {
  let x = img;
  const squeeze = x.dim() < 4;
  if (squeeze) x = x.unsqueeze(0);
  const dtype = x.dtype;
  const cast = !req.includes(dtype);
  if (cast) x = x.to(req[0] as 'float32');
  return { x, cast, squeeze, dtype };
}

/** `_cast_squeeze_out`: back to the input's rank and dtype (rounded first for integer dtypes). */
function castSqueezeOut(x: Tensor, cast: boolean, squeeze: boolean, dtype: string): Tensor {
  let y = squeeze ? x.squeeze(0) : x;
  if (cast) {
    if (INT_DTYPES.has(dtype)) y = y.round();
    y = y.to(dtype as 'float32');
  }
  return y;
}

// ---- geometry ------------------------------------------------------------------------------------

/** torchvision's `_compute_resized_output_size`: [newH, newW] for `size` ([s] = the smaller edge, or [h, w]). */
export function resizedOutputSize(h: number, w: number, size: readonly number[], maxSize: number | null, fn: string): [number, number] {
  if (size.length !== 1) return [size[0], size[1]];
  const [short, long] = w <= h ? [w, h] : [h, w];
  const requested = size[0];
  let newShort = requested;
  let newLong = Math.trunc((requested * long) / short);
  if (maxSize !== null) {
    if (maxSize <= requested) {
      throw new RangeError(`${fn}: expected maxSize greater than the requested size of the smaller edge (${requested}) but received ${maxSize}`);
    }
    if (newLong > maxSize) {
      newShort = Math.trunc((maxSize * newShort) / newLong);
      newLong = maxSize;
    }
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

/** `F_t.resize` to [h, w] (the size already computed). */
export function resizeTo(img: Tensor, size: [number, number], interpolation: Interpolation, antialias: boolean | null, fn: string): Tensor {
  if (img.dim() !== 3 && img.dim() !== 4) {
    throw new RangeError(`${fn}: expected an image [C, H, W] or a batch [N, C, H, W] but received shape [${img.shape.join(', ')}]`);
  }
  const aa = antialias ?? false;
  if (aa && interpolation === 'nearest')
    throw new RangeError(`${fn}: antialias is supported for the 'bilinear' and 'bicubic' interpolation modes only, not 'nearest'`);
  const { x, cast, squeeze, dtype } = castSqueezeIn(img, ['float32', 'float64']);
  const alignCorners = interpolation === 'nearest' ? null : false;
  let y = naming(fn, () => interpolate(x, { size: [size[0], size[1]], mode: interpolation, alignCorners, antialias: aa }));
  if (interpolation === 'bicubic' && dtype === 'uint8') y = y.clamp(0, 255);
  return castSqueezeOut(y, cast, squeeze, dtype);
}

/** `F.resize`: `size` as [s] (the smaller edge) or [h, w]. */
export function resize(
  img: Tensor,
  size: readonly number[],
  interpolation: Interpolation,
  maxSize: number | null,
  antialias: boolean | null,
  fn: string,
): Tensor {
  if (maxSize !== null && size.length !== 1) {
    throw new TypeError(`${fn}: maxSize is only supported when size is one integer (the smaller edge), but size is [${size.join(', ')}]`);
  }
  const [, h, w] = dims(img);
  return resizeTo(img, resizedOutputSize(h, w, size, maxSize, fn), interpolation, antialias, fn);
}

/** The symmetric padding of `_pad_symmetric` ([left, right, top, bottom]), by index_select. */
function padSymmetric(img: Tensor, padding: readonly number[], fn: string): Tensor {
  if (img.dim() !== 3 && img.dim() !== 4) {
    throw new RangeError(`${fn}: symmetric padding needs an image [C, H, W] or a batch [N, C, H, W] but received shape [${img.shape.join(', ')}]`);
  }
  let x = img;
  let p = padding.slice();
  if (p.some((v) => v < 0)) {
    const [cl, cr, ct, cb] = p.map((v) => -Math.min(v, 0));
    x = pySlice(pySlice(x, -2, ct, x.shape[x.dim() - 2] - cb), -1, cl, x.shape[x.dim() - 1] - cr);
    p = p.map((v) => Math.max(v, 0));
  }
  const H = x.shape[x.dim() - 2];
  const W = x.shape[x.dim() - 1];
  const indices = (n: number, before: number, after: number): number[] => {
    const out: number[] = [];
    for (let i = before - 1; i >= 0; i--) out.push(i);
    for (let i = 0; i < n; i++) out.push(i);
    for (let i = 0; i < after; i++) out.push(n - 1 - i);
    return out;
  };
  const xi = indices(W, p[0], p[1]);
  const yi = indices(H, p[2], p[3]);
  const bad = xi.some((i) => i < 0 || i >= W) || yi.some((i) => i < 0 || i >= H);
  if (bad) {
    throw new RangeError(
      `${fn}: symmetric padding [${padding.join(', ')}] (left, right, top, bottom) is larger than the image (height ${H}, width ${W}) it reflects`,
    );
  }
  const ys = tensor(Float64Array.from(yi), { dtype: 'int64' });
  const xs = tensor(Float64Array.from(xi), { dtype: 'int64' });
  return x.indexSelect(-2, ys).indexSelect(-1, xs);
}

/** Python's `x[..., start:stop]` along `dim` (negative and out-of-range bounds as Python clamps them). */
function pySlice(x: Tensor, dim: number, start: number, stop: number): Tensor {
  const n = x.shape[x.dim() + dim];
  const norm = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const a = norm(start);
  const b = norm(stop);
  return x.narrow(dim, a, Math.max(b - a, 0));
}

/** `F_t.pad` with [left, right, top, bottom] already parsed. */
export function pad(img: Tensor, p: [number, number, number, number], fill: number, mode: PaddingMode, fn: string): Tensor {
  if (mode === 'symmetric') return padSymmetric(img, p, fn);
  let x = img;
  const squeeze = x.dim() < 4;
  if (squeeze) x = x.unsqueeze(0);
  const dtype = x.dtype;
  const cast = mode !== 'constant' && dtype !== 'float32' && dtype !== 'float64';
  if (cast) x = x.to('float32');
  const xin = x;
  x = naming(fn, () => (mode === 'constant' ? torchPad(xin, p, 'constant', fill) : torchPad(xin, p, mode === 'edge' ? 'replicate' : 'reflect')));
  if (squeeze) x = x.squeeze(0);
  if (cast) x = x.to(dtype as 'float32');
  return x;
}

/** `F_t.crop`: a view when the box lies inside the image, else the part inside padded with zeros. */
export function crop(img: Tensor, top: number, left: number, height: number, width: number, fn: string): Tensor {
  const [, h, w] = dims(img);
  const right = left + width;
  const bottom = top + height;
  if (left < 0 || top < 0 || right > w || bottom > h) {
    const p: [number, number, number, number] = [
      Math.max(-left + Math.min(0, right), 0),
      Math.max(right - Math.max(w, left), 0),
      Math.max(-top + Math.min(0, bottom), 0),
      Math.max(bottom - Math.max(h, top), 0),
    ];
    const inside = pySlice(pySlice(img, -2, Math.max(top, 0), bottom), -1, Math.max(left, 0), right);
    return pad(inside, p, 0, 'constant', fn);
  }
  return img.narrow(-2, top, height).narrow(-1, left, width);
}

/** `F.center_crop` to [h, w]: padded with zeros first where the image is smaller. */
export function centerCrop(img: Tensor, size: [number, number], fn: string): Tensor {
  let [, ih, iw] = dims(img);
  const [ch, cw] = size;
  let x = img;
  if (cw > iw || ch > ih) {
    const ltrb = [cw > iw ? (cw - iw) >> 1 : 0, ch > ih ? (ch - ih) >> 1 : 0, cw > iw ? (cw - iw + 1) >> 1 : 0, ch > ih ? (ch - ih + 1) >> 1 : 0];
    x = pad(x, [ltrb[0], ltrb[2], ltrb[1], ltrb[3]], 0, 'constant', fn);
    [, ih, iw] = dims(x);
    if (cw === iw && ch === ih) return x;
  }
  const top = pyRound((ih - ch) / 2);
  const left = pyRound((iw - cw) / 2);
  return crop(x, top, left, ch, cw, fn);
}

/** `F_t.hflip`. */
export function hflip(img: Tensor): Tensor {
  return img.flip(-1);
}

/** `F_t.vflip`. */
export function vflip(img: Tensor): Tensor {
  return img.flip(-2);
}

// ---- colour --------------------------------------------------------------------------------------

/** `F_t.rgb_to_grayscale`: 0.2989 R + 0.587 G + 0.114 B in the input's dtype (truncated for integers). */
export function rgbToGrayscale(img: Tensor, numOutputChannels: number, fn: string): Tensor {
  checkChw(img, fn);
  checkChannels(img, fn);
  if (numOutputChannels !== 1 && numOutputChannels !== 3) throw rangeError(fn, 'numOutputChannels', '1 or 3', numOutputChannels);
  let l: Tensor;
  if (img.shape[img.dim() - 3] === 3) {
    const [r, g, b] = img.unbind(-3);
    l = r.mul(0.2989).add(g.mul(0.587)).add(b.mul(0.114)).to(img.dtype).unsqueeze(-3);
  } else {
    l = img.clone();
  }
  return numOutputChannels === 3 ? l.expand(img.shape) : l;
}

/** A float tensor for a multiplication by a Python float (integral JS numbers act as Python ints). */
function asFloat(x: Tensor): Tensor {
  return x.isFloatingPoint() ? x : x.to('float32');
}

/** `_blend`: `ratio * img1 + (1 - ratio) * img2`, clamped to the dtype's range, in img1's dtype. */
function blend(img1: Tensor, img2: Tensor, ratio: number): Tensor {
  const bound = img1.isFloatingPoint() ? 1 : 255;
  return asFloat(img1)
    .mul(ratio)
    .add(asFloat(img2).mul(1 - ratio))
    .clamp(0, bound)
    .to(img1.dtype);
}

function checkFactor(v: number, fn: string, arg: string): number {
  if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw rangeError(fn, arg, 'a non-negative number', v);
  return v;
}

/** `F_t.adjust_brightness`. */
export function adjustBrightness(img: Tensor, factor: number, fn: string, arg = 'brightnessFactor'): Tensor {
  checkFactor(factor, fn, arg);
  checkChannels(img, fn);
  return blend(img, zerosLike(img), factor);
}

/** `F_t.adjust_contrast`: blends with the mean of the greyscale image. */
export function adjustContrast(img: Tensor, factor: number, fn: string, arg = 'contrastFactor'): Tensor {
  checkFactor(factor, fn, arg);
  checkChw(img, fn);
  const c = checkChannels(img, fn);
  const dtype = img.isFloatingPoint() ? img.dtype : 'float32';
  const grey = c === 3 ? rgbToGrayscale(img, 1, fn) : img;
  const mean = grey.to(dtype).mean([-3, -2, -1], { keepdim: true });
  return blend(img, mean, factor);
}

/** `F_t.adjust_saturation`: blends with the greyscale image (one-channel images are returned as they are). */
export function adjustSaturation(img: Tensor, factor: number, fn: string, arg = 'saturationFactor'): Tensor {
  checkFactor(factor, fn, arg);
  if (checkChannels(img, fn) === 1) return same(img);
  return blend(img, rgbToGrayscale(img, 1, fn), factor);
}

/** `F_t.adjust_hue`: shifts the hue in HSV space (one-channel images are returned as they are). */
export function adjustHue(img: Tensor, factor: number, fn: string, arg = 'hueFactor'): Tensor {
  if (!(typeof factor === 'number' && factor >= -0.5 && factor <= 0.5)) throw rangeError(fn, arg, 'a number in [-0.5, 0.5]', factor);
  if (checkChannels(img, fn) === 1) return same(img);
  const dtype = img.dtype;
  let x = img;
  if (dtype === 'uint8') x = x.to('float32').div(255);
  const [h, s, v] = rgb2hsv(x).unbind(-3);
  const shifted = stack([h.add(factor).remainder(1), s, v], -3);
  let out = hsv2rgb(shifted);
  if (dtype === 'uint8') out = out.mul(255).to('uint8');
  return out;
}

/** `_rgb2hsv` (after Pillow's Convert.c), with its guards against dividing by zero. */
export function rgb2hsv(img: Tensor): Tensor {
  const [r, g, b] = img.unbind(-3);
  const maxc = img.max(-3).values;
  const minc = img.min(-3).values;
  const eqc = maxc.eq(minc);
  const cr = maxc.sub(minc);
  const ones = onesLike(maxc);
  const s = cr.div(where(eqc, ones, maxc));
  const crDivisor = where(eqc, ones, cr);
  const rc = maxc.sub(r).div(crDivisor);
  const gc = maxc.sub(g).div(crDivisor);
  const bc = maxc.sub(b).div(crDivisor);
  const hr = maxc.eq(r).mul(bc.sub(gc));
  const hg = maxc.eq(g).bitwiseAnd(maxc.ne(r)).mul(rc.add(2).sub(bc));
  const hb = maxc.ne(g).bitwiseAnd(maxc.ne(r)).mul(gc.add(4).sub(rc));
  const hsum = hr.add(hg).add(hb);
  const hue = hsum.div(6).add(1).fmod(1);
  return stack([hue, s, maxc], -3);
}

/** `_hsv2rgb`: the six sectors selected by a one-hot mask and an einsum, as torchvision does. */
export function hsv2rgb(img: Tensor): Tensor {
  const [h, s, v] = img.unbind(-3);
  const i0 = h.mul(6).floor();
  const f = h.mul(6).sub(i0);
  const i = i0.to('int32').remainder(6);
  const p = v.mul(s.rsub(1)).clamp(0, 1);
  const q = v.mul(s.mul(f).rsub(1)).clamp(0, 1);
  const t = v.mul(s.mul(f.rsub(1)).rsub(1)).clamp(0, 1);
  const mask = i.unsqueeze(-3).eq(arange(6, { dtype: 'int64' }).view(-1, 1, 1));
  const a1 = stack([v, q, p, p, t, v], -3);
  const a2 = stack([t, v, v, q, p, p], -3);
  const a3 = stack([p, p, t, v, v, q], -3);
  const a4 = stack([a1, a2, a3], -4);
  return einsum('...ijk, ...xijk -> ...xjk', mask.to(img.dtype), a4);
}
