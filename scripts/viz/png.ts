/**
 * PNG encoding/decoding for figures, through the `pngjs` package. Files are written atomically
 * (a temporary file renamed into place) so a reader never sees a half-written image.
 */
import { PNG } from 'pngjs';
import { mkdirSync, renameSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** An 8-bit RGBA image: `data` holds width*height*4 bytes, row-major, top row first. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

function checkImage(img: unknown, fn: string): RgbaImage {
  const i = img as RgbaImage;
  if (i === null || typeof i !== 'object') throw new TypeError(`${fn}: expected an image {width, height, data} but received ${String(img)}`);
  if (!(Number.isInteger(i.width) && i.width > 0)) throw new TypeError(`${fn}: expected positive integer for image.width but received ${String(i.width)}`);
  if (!(Number.isInteger(i.height) && i.height > 0)) throw new TypeError(`${fn}: expected positive integer for image.height but received ${String(i.height)}`);
  if (!(i.data instanceof Uint8Array) || i.data.length !== i.width * i.height * 4) {
    throw new RangeError(
      `${fn}: expected image.data to be a Uint8Array of ${i.width}*${i.height}*4 = ${i.width * i.height * 4} bytes but received ${i.data instanceof Uint8Array ? `${i.data.length} bytes` : String(i.data)}`,
    );
  }
  return i;
}

/** Encodes an RGBA image as PNG bytes. */
export function encodePng(img: RgbaImage): Buffer {
  checkImage(img, 'encodePng');
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png);
}

/** Decodes PNG bytes into an RGBA image. */
export function decodePng(bytes: Uint8Array): RgbaImage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodePng: expected a Buffer or Uint8Array but received ${String(bytes)}`);
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/** Writes bytes to `path` atomically: a temporary sibling file, then rename. Creates the folder. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`writeFileAtomic: expected a non-empty string for path but received ${String(path)}`);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Encodes `img` and writes it to `path` atomically; returns the PNG bytes (for embedding). */
export function writePng(path: string, img: RgbaImage): Buffer {
  const bytes = encodePng(img);
  writeFileAtomic(path, bytes);
  return bytes;
}

/** Reads and decodes a PNG file. */
export function readPng(path: string): RgbaImage {
  return decodePng(readFileSync(path));
}
