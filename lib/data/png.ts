/**
 * A PNG decoder on node:zlib (no dependency), for ImageFolder's default loader: what PIL's
 * `Image.open(f).convert('RGB')` gives for a PNG, as a uint8 [H, W, 3] tensor (torchvision's
 * layout). Grey levels of 1, 2 and 4 bits are scaled to 0-255 as PIL does, palettes are looked up,
 * alpha is dropped (convert('RGB') drops it too, without compositing). Interlaced (Adam7) and
 * 16-bit images are refused with a message saying so.
 */
import { inflateSync } from 'node:zlib';
import { type Tensor, tensor } from '../tensor.js';
import { argMessage, expectString } from '../errors.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel of each colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Decodes PNG bytes to RGB: a uint8 tensor [H, W, 3]. `what` names the image in errors. */
export function decodePngRgb(bytes: Uint8Array, what = 'image'): Tensor {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(argMessage('Uint8Array or Buffer', 'decodePngRgb: bytes', bytes));
  expectString(what, 'decodePngRgb: what');
  const fail = (why: string): never => {
    throw new Error(`decodePng: ${what}: ${why}`);
  };
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) fail('not a PNG file (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= bytes.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const body = bytes.subarray(pos + 8, pos + 8 + len);
    if (body.length !== len) fail(`truncated ${type} chunk`);
    if (type === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      depth = bytes[pos + 16];
      colorType = bytes[pos + 17];
      if (bytes[pos + 20] !== 0) fail('interlaced (Adam7) PNGs are not supported; save it without interlacing');
    } else if (type === 'PLTE') {
      palette = body;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  if (colorType < 0) fail('no IHDR chunk');
  const channels = CHANNELS[colorType];
  if (channels === undefined) fail(`unknown colour type ${colorType}`);
  if (depth === 16) fail('16-bit PNGs are not supported');
  if (![1, 2, 4, 8].includes(depth) || (depth < 8 && colorType !== 0 && colorType !== 3)) fail(`invalid bit depth ${depth} for colour type ${colorType}`);
  if (width === 0 || height === 0) fail(`empty image (${width}x${height})`);
  if (colorType === 3 && palette === null) fail('palette image without a PLTE chunk');
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (e) {
    return fail(`corrupt image data (${(e as Error).message})`);
  }
  const bpp = Math.max(1, (channels * depth) / 8); // bytes per complete pixel, for the filters
  const stride = Math.ceil((width * channels * depth) / 8);
  if (raw.length < height * (stride + 1)) fail(`image data too short: ${raw.length} bytes for ${width}x${height}`);
  const rgb = new Uint8Array(width * height * 3);
  let prev = new Uint8Array(stride);
  let line = new Uint8Array(stride);
  const scale = depth < 8 && colorType === 0 ? 255 / ((1 << depth) - 1) : 1;
  for (let y = 0; y < height; y++) {
    const off = y * (stride + 1);
    const filter = raw[off];
    for (let i = 0; i < stride; i++) {
      const x = raw[off + 1 + i];
      const a = i >= bpp ? line[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          return fail(`unknown filter ${filter} on row ${y}`);
      }
      line[i] = v & 0xff;
    }
    for (let px = 0; px < width; px++) {
      const o = (y * width + px) * 3;
      if (depth < 8) {
        const bit = px * depth;
        const sample = (line[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
        if (colorType === 3) {
          rgb.set((palette as Uint8Array).subarray(sample * 3, sample * 3 + 3), o);
        } else {
          rgb.fill(Math.round(sample * scale), o, o + 3);
        }
        continue;
      }
      const s = px * channels;
      if (colorType === 2 || colorType === 6) {
        rgb[o] = line[s];
        rgb[o + 1] = line[s + 1];
        rgb[o + 2] = line[s + 2];
      } else if (colorType === 3) {
        const k = line[s] * 3;
        rgb.set((palette as Uint8Array).subarray(k, k + 3), o);
      } else {
        rgb.fill(line[s], o, o + 3);
      }
    }
    [prev, line] = [line, prev];
  }
  return tensor(rgb, { shape: [height, width, 3], dtype: 'uint8' });
}
