/**
 * Pixel checks for rendered figures (test/60's activations.png, test/68's charts): text is dark
 * pixels in a region, a series is pixels near its colour.
 */
import type { RgbaImage } from '../scripts/viz/png.js';

/** Pixels in the box [x0, x1) × [y0, y1) (image pixels) that satisfy `pred`. */
export function count(img: RgbaImage, x0: number, y0: number, x1: number, y1: number, pred: (r: number, g: number, b: number) => boolean): number {
  let c = 0;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(img.height, Math.ceil(y1)); y++) {
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(img.width, Math.ceil(x1)); x++) {
      const i = (y * img.width + x) * 4;
      if (pred(img.data[i], img.data[i + 1], img.data[i + 2])) c++;
    }
  }
  return c;
}

/** Text-like pixels. */
export const dark = (r: number, g: number, b: number): boolean => r < 110 && g < 110 && b < 110;

/** Pixels within `tol` of colour `c` in every channel. */
export const near =
  (c: readonly number[], tol = 10) =>
  (r: number, g: number, b: number): boolean =>
    Math.abs(r - c[0]) <= tol && Math.abs(g - c[1]) <= tol && Math.abs(b - c[2]) <= tol;
