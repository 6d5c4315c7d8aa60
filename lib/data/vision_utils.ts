/**
 * `torchvision.utils`: `makeGrid` (make_grid) and `saveImage` (save_image), with torchvision
 * 0.14's numbers, and the PNG encoder behind saveImage (`encodePng`, as torchvision.io.encode_png
 * but returning the bytes). Reached as `torch.data.utils`, beside `torch.data.transforms` and
 * `torch.data.datasets`.
 *
 * The PNG writer is built in (node:zlib's deflate and a CRC-32): the library has no image
 * dependency at run time.
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { type Tensor, isTensor, stack, cat, full } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd.js';
import { checkOptions } from '../errors.js';
import { expectTensor } from './check.js';
import { typeError, rangeError, isInt, optBool } from './image_ops.js';

/** Options of makeGrid (torchvision's keyword arguments). */
export interface MakeGridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  /** Pixels between and around the images (default 2). */
  padding?: number;
  /** Shift the values to [0, 1] by their min and max, or by `valueRange` (default false). */
  normalize?: boolean;
  /** [min, max] used by `normalize` instead of the values' own. */
  valueRange?: [number, number] | null;
  /** Normalize each image by its own min and max (default false). */
  scaleEach?: boolean;
  /** The value of the padding pixels (default 0). */
  padValue?: number;
}

const GRID_KEYS = ['nrow', 'padding', 'normalize', 'valueRange', 'scaleEach', 'padValue'] as const;

interface GridArgs {
  nrow: number;
  padding: number;
  normalize: boolean;
  valueRange: [number, number] | null;
  scaleEach: boolean;
  padValue: number;
}

function checkGridOptions(opts: MakeGridOptions | null | undefined, fn: string, extra: readonly string[] = []): GridArgs {
  checkOptions(opts, [...GRID_KEYS, ...extra], fn);
  const o = opts ?? {};
  const nrow = o.nrow ?? 8;
  if (!(isInt(nrow) && nrow > 0)) throw typeError(fn, 'nrow', 'a positive integer', nrow);
  const padding = o.padding ?? 2;
  if (!(isInt(padding) && padding >= 0)) throw typeError(fn, 'padding', 'a non-negative integer', padding);
  const valueRange = o.valueRange ?? null;
  if (valueRange !== null && !(Array.isArray(valueRange) && valueRange.length === 2 && valueRange.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
    throw typeError(fn, 'valueRange', 'null or an array [min, max] of finite numbers', valueRange);
  }
  const padValue = o.padValue ?? 0;
  if (typeof padValue !== 'number' || Number.isNaN(padValue)) throw typeError(fn, 'padValue', 'a number', padValue);
  return {
    nrow,
    padding,
    normalize: optBool(o.normalize, fn, 'normalize', false),
    valueRange: valueRange === null ? null : [valueRange[0], valueRange[1]],
    scaleEach: optBool(o.scaleEach, fn, 'scaleEach', false),
    padValue,
  };
}

function gridImages(tensor: Tensor | readonly Tensor[], fn: string): Tensor {
  if (Array.isArray(tensor)) {
    if (tensor.length === 0) throw new RangeError(`${fn}: expected a tensor or a non-empty array of tensors but received an empty array`);
    tensor.forEach((t, i) => expectTensor(t, `${fn}: tensor[${i}]`));
    const shapes = tensor.map((t) => `[${t.shape.join(', ')}]`);
    const bad = shapes.findIndex((s) => s !== shapes[0]);
    if (bad >= 0) throw new RangeError(`${fn}: the images must have one shape, but tensor[0] has shape ${shapes[0]} and tensor[${bad}] ${shapes[bad]}`);
    return stack(tensor as Tensor[], 0);
  }
  if (!isTensor(tensor)) throw typeError(fn, 'tensor', 'a Tensor or an array of Tensors', tensor);
  return expectTensor(tensor, `${fn}: tensor`);
}

function grid(input: Tensor | readonly Tensor[], a: GridArgs, fn: string): Tensor {
  let t = gridImages(input, fn);
  if (t.dim() < 2 || t.dim() > 4) {
    throw new RangeError(
      `${fn}: expected images [B, C, H, W], one image [C, H, W] or [H, W] (or an array of images) but received shape [${t.shape.join(', ')}]`,
    );
  }
  if (t.dim() === 2) t = t.unsqueeze(0);
  if (t.dim() === 3) {
    if (t.shape[0] === 1) t = cat([t, t, t], 0);
    t = t.unsqueeze(0);
  }
  if (t.shape[1] === 1) t = cat([t, t, t], 1);
  if (t.shape[0] === 0) throw new RangeError(`${fn}: expected at least one image but received shape [${t.shape.join(', ')}]`);
  if (a.normalize) {
    t = t.clone();
    const normIp = (img: Tensor, low: number, high: number) => {
      img.clamp_(low, high);
      img.sub_(low).div_(Math.max(high - low, 1e-5));
    };
    const normRange = (img: Tensor) => {
      if (a.valueRange !== null) normIp(img, a.valueRange[0], a.valueRange[1]);
      else normIp(img, img.min().item() as number, img.max().item() as number);
    };
    if (a.scaleEach) {
      for (let k = 0; k < t.shape[0]; k++) normRange(t.select(0, k));
    } else {
      normRange(t);
    }
  }
  if (t.shape[0] === 1) return t.squeeze(0);
  const [nmaps, channels, h, w] = t.shape;
  const xmaps = Math.min(a.nrow, nmaps);
  const ymaps = Math.ceil(nmaps / xmaps);
  const height = h + a.padding;
  const width = w + a.padding;
  const out = full([channels, height * ymaps + a.padding, width * xmaps + a.padding], a.padValue, { dtype: t.dtype, device: t.device });
  let k = 0;
  for (let y = 0; y < ymaps; y++) {
    for (let x = 0; x < xmaps; x++) {
      if (k >= nmaps) break;
      out
        .narrow(1, y * height + a.padding, height - a.padding)
        .narrow(2, x * width + a.padding, width - a.padding)
        .copy_(t.select(0, k));
      k++;
    }
  }
  return out;
}

/**
 * `torchvision.utils.make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None,
 * scale_each=False, pad_value=0.0)`: images [B, C, H, W] (or an array of [C, H, W]) laid out in
 * rows of `nrow` into one image [C, H', W']. One-channel images become three channels; a single
 * image is returned without padding. Computed without gradient.
 */
export function makeGrid(tensor: Tensor | readonly Tensor[], opts: MakeGridOptions | null = {}): Tensor {
  const fn = 'makeGrid';
  const a = checkGridOptions(opts, fn);
  return noGrad(() => tidy(() => grid(tensor, a, fn)));
}

/** Options of saveImage: makeGrid's, and the format. */
export interface SaveImageOptions extends MakeGridOptions {
  /** 'png', the only format written (default: from the file name, which must then end in .png). */
  format?: 'png';
}

/**
 * `torchvision.utils.save_image(tensor, fp, format=None, **kwargs)`: makeGrid(tensor, opts), scaled
 * from [0, 1] to 0–255 as torchvision does (`mul(255).add_(0.5).clamp_(0, 255)`, then uint8), written
 * as a PNG (RGB, or RGBA for four channels). `f` is a path or anything with `write(bytes)` (then
 * `format: 'png'` is needed, as torchvision needs `format` with a file object).
 */
export function saveImage(tensor: Tensor | readonly Tensor[], f: string | { write(chunk: Uint8Array): unknown }, opts: SaveImageOptions | null = {}): void {
  const fn = 'saveImage';
  const a = checkGridOptions(opts, fn, ['format']);
  const format = opts?.format ?? null;
  if (format !== null && !(typeof format === 'string' && format.toLowerCase() === 'png')) {
    throw typeError(fn, 'format', "'png' (the only format saveImage writes)", format);
  }
  const isPath = typeof f === 'string';
  const isWriter = !isPath && typeof f === 'object' && f !== null && typeof (f as { write?: unknown }).write === 'function';
  if (!isPath && !isWriter) throw typeError(fn, 'f', 'a file path or an object with write(bytes)', f);
  if (isPath && format === null && !/\.png$/i.test(f)) {
    throw new TypeError(`${fn}: cannot tell the format from the file name '${f}': only PNG is written (name it *.png or pass format: 'png')`);
  }
  if (!isPath && format === null) throw new TypeError(`${fn}: format: 'png' is needed when f is not a file path`);
  const first = Array.isArray(tensor) ? tensor[0] : tensor;
  if (isTensor(first) && !first.isDisposed && !first.isFloatingPoint()) {
    throw new TypeError(
      `${fn}: expected a floating-point tensor with values in [0, 1] (scaled by 255 as torchvision does) but received a ${first.dtype} tensor`,
    );
  }
  const png = noGrad(() =>
    tidy(() => {
      const g = grid(tensor, a, fn);
      const hwc = g.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to('uint8').contiguous();
      return encodeHwc(hwc, 6, fn);
    }),
  );
  if (isPath) writeFileSync(f, png);
  else (f as { write(chunk: Uint8Array): unknown }).write(png);
}

/**
 * The PNG of a uint8 image [C, H, W] with 1 (grey), 2 (grey and alpha), 3 (RGB) or 4 (RGBA)
 * channels, as `torchvision.io.encode_png(input, compression_level=6)` (which returns the bytes
 * as a uint8 tensor; here they are a Buffer).
 */
export function encodePng(image: Tensor, compressionLevel = 6): Buffer {
  const fn = 'encodePng';
  expectTensor(image, `${fn}: image`);
  if (image.dtype !== 'uint8') throw new TypeError(`${fn}: expected a uint8 image but received a ${image.dtype} tensor`);
  if (image.dim() !== 3) throw new RangeError(`${fn}: expected an image [C, H, W] but received shape [${image.shape.join(', ')}]`);
  if (!(isInt(compressionLevel) && compressionLevel >= 0 && compressionLevel <= 9))
    throw rangeError(fn, 'compressionLevel', 'an integer from 0 to 9', compressionLevel);
  return tidy(() => encodeHwc(image.permute(1, 2, 0).contiguous(), compressionLevel, fn));
}

const COLOR_TYPE: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/** The PNG of a contiguous uint8 [H, W, C]. */
function encodeHwc(hwc: Tensor, level: number, fn: string): Buffer {
  const [height, width, channels] = hwc.shape;
  const colorType = COLOR_TYPE[channels];
  if (colorType === undefined) {
    throw new RangeError(
      `${fn}: a PNG holds 1, 2, 3 or 4 channels (grey, grey and alpha, RGB, RGBA) but the image has ${channels} (shape [${height}, ${width}, ${channels}])`,
    );
  }
  if (height === 0 || width === 0) throw new RangeError(`${fn}: a PNG cannot be empty (height ${height}, width ${width})`);
  const pixels = hwc.dataSync() as Uint8Array;
  const stride = width * channels;
  // Each row starts with its filter type (0: none); deflate does the compression.
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colorType;
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

let CRC_TABLE: Uint32Array | null = null;

/** CRC-32 (ISO-HDLC, as PNG uses), table-driven. */
function crc32(bytes: Uint8Array): number {
  if (CRC_TABLE === null) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
