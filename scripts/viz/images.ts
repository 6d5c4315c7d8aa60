/**
 * Image composition for figures: an RGBA canvas with simple rasterisation (lines, discs,
 * rectangles), colormaps, per-panel normalised tensor images and grids of panels.
 * Only the colouring of final pixel buffers happens in JS; normalisation of tensor data runs
 * in LibTorch.
 */
import { Tensor } from '../../lib/tensor.js';
import { tidy } from '../../lib/scope.js';
import type { RgbaImage } from './png.js';

/** An RGB colour, components 0..255. */
export type Rgb = readonly [number, number, number];

function posInt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  throw new TypeError(`Expected positive integer for ${what} but received ${String(v)} of type ${typeof v}`);
}

function checkColor(c: unknown, what: string): Rgb {
  if (Array.isArray(c) && c.length === 3 && c.every((v) => typeof v === 'number' && v >= 0 && v <= 255)) return c as unknown as Rgb;
  throw new TypeError(`Expected an [r, g, b] colour with components in 0..255 for ${what} but received ${JSON.stringify(c)}`);
}

/** A mutable RGBA image with alpha-blended drawing primitives (coordinates in pixels, y down). */
export class Canvas implements RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Rgb = [255, 255, 255]) {
    this.width = posInt(width, 'Canvas: width');
    this.height = posInt(height, 'Canvas: height');
    checkColor(background, 'Canvas: background');
    this.data = new Uint8Array(this.width * this.height * 4);
    this.fill(background);
  }

  /** Fills the whole canvas with an opaque colour. */
  fill(c: Rgb): this {
    const d = this.data;
    for (let i = 0; i < d.length; i += 4) {
      d[i] = c[0];
      d[i + 1] = c[1];
      d[i + 2] = c[2];
      d[i + 3] = 255;
    }
    return this;
  }

  /** Blends colour `c` with opacity `a` (0..1) over pixel (x, y); ignores pixels outside. */
  blend(x: number, y: number, c: Rgb, a = 1): void {
    x = Math.floor(x);
    y = Math.floor(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || !(a > 0)) return;
    const i = (y * this.width + x) * 4;
    const d = this.data;
    const b = Math.min(1, a);
    d[i] = Math.round(d[i] * (1 - b) + c[0] * b);
    d[i + 1] = Math.round(d[i + 1] * (1 - b) + c[1] * b);
    d[i + 2] = Math.round(d[i + 2] * (1 - b) + c[2] * b);
    d[i + 3] = 255;
  }

  /** Fills the rectangle [x, x+w) × [y, y+h). */
  fillRect(x: number, y: number, w: number, h: number, c: Rgb, a = 1): this {
    for (let yy = Math.max(0, Math.floor(y)); yy < Math.min(this.height, Math.floor(y + h)); yy++) {
      for (let xx = Math.max(0, Math.floor(x)); xx < Math.min(this.width, Math.floor(x + w)); xx++) this.blend(xx, yy, c, a);
    }
    return this;
  }

  /** One-pixel outline of a rectangle. */
  strokeRect(x: number, y: number, w: number, h: number, c: Rgb): this {
    this.line(x, y, x + w - 1, y, c);
    this.line(x, y + h - 1, x + w - 1, y + h - 1, c);
    this.line(x, y, x, y + h - 1, c);
    this.line(x + w - 1, y, x + w - 1, y + h - 1, c);
    return this;
  }

  /** An antialiased line of the given width (a disc stamped along the segment, coverage-weighted). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1): this {
    const r = Math.max(0.5, width / 2);
    const minX = Math.floor(Math.min(x0, x1) - r - 1),
      maxX = Math.ceil(Math.max(x0, x1) + r + 1);
    const minY = Math.floor(Math.min(y0, y1) - r - 1),
      maxY = Math.ceil(Math.max(y0, y1) + r + 1);
    const dx = x1 - x0,
      dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    for (let y = Math.max(0, minY); y <= Math.min(this.height - 1, maxY); y++) {
      for (let x = Math.max(0, minX); x <= Math.min(this.width - 1, maxX); x++) {
        // Distance from the pixel centre to the segment gives the coverage.
        const px = x + 0.5 - x0,
          py = y + 0.5 - y0;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
        const ex = px - t * dx,
          ey = py - t * dy;
        const dist = Math.sqrt(ex * ex + ey * ey);
        const cov = Math.max(0, Math.min(1, r + 0.5 - dist));
        if (cov > 0) this.blend(x, y, c, cov);
      }
    }
    return this;
  }

  /** A polyline through the points (x[i], y[i]); non-finite points break the line. */
  polyline(xs: ArrayLike<number>, ys: ArrayLike<number>, c: Rgb, width = 1): this {
    for (let i = 1; i < xs.length; i++) {
      if ([xs[i - 1], ys[i - 1], xs[i], ys[i]].every(Number.isFinite)) this.line(xs[i - 1], ys[i - 1], xs[i], ys[i], c, width);
    }
    return this;
  }

  /** A filled antialiased disc, optionally with a darker edge. */
  disc(cx: number, cy: number, radius: number, c: Rgb, edge?: Rgb): this {
    for (let y = Math.floor(cy - radius - 1); y <= Math.ceil(cy + radius + 1); y++) {
      for (let x = Math.floor(cx - radius - 1); x <= Math.ceil(cx + radius + 1); x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        const cov = Math.max(0, Math.min(1, radius + 0.5 - d));
        if (cov <= 0) continue;
        const onEdge = edge !== undefined && d > radius - 1.2;
        this.blend(x, y, onEdge ? edge : c, cov);
      }
    }
    return this;
  }

  /** Copies an image into this canvas with its top-left corner at (x, y). */
  draw(img: RgbaImage, x: number, y: number): this {
    for (let yy = 0; yy < img.height; yy++) {
      const ty = y + yy;
      if (ty < 0 || ty >= this.height) continue;
      for (let xx = 0; xx < img.width; xx++) {
        const tx = x + xx;
        if (tx < 0 || tx >= this.width) continue;
        const s = (yy * img.width + xx) * 4,
          t = (ty * this.width + tx) * 4;
        this.data[t] = img.data[s];
        this.data[t + 1] = img.data[s + 1];
        this.data[t + 2] = img.data[s + 2];
        this.data[t + 3] = 255;
      }
    }
    return this;
  }
}

// ---- colormaps ----------------------------------------------------------------------------

/** Stops of matplotlib's colormaps (sampled), linearly interpolated. */
const COLORMAPS: Record<string, Rgb[]> = {
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  viridis: [
    [68, 1, 84],
    [72, 40, 120],
    [62, 74, 137],
    [49, 104, 142],
    [38, 130, 142],
    [31, 158, 137],
    [53, 183, 121],
    [109, 205, 89],
    [180, 222, 44],
    [253, 231, 37],
  ],
  RdYlBu: [
    [165, 0, 38],
    [215, 48, 39],
    [244, 109, 67],
    [253, 174, 97],
    [254, 224, 144],
    [255, 255, 191],
    [224, 243, 248],
    [171, 217, 233],
    [116, 173, 209],
    [69, 117, 180],
    [49, 54, 149],
  ],
  coolwarm: [
    [59, 76, 192],
    [98, 130, 234],
    [141, 176, 254],
    [184, 208, 249],
    [221, 221, 221],
    [245, 196, 173],
    [244, 154, 123],
    [222, 96, 77],
    [180, 4, 38],
  ],
};

/** Names of the available colormaps. */
export type ColormapName = 'gray' | 'viridis' | 'RdYlBu' | 'coolwarm';

/** The colour of value `t` in [0, 1] (clamped; NaN maps to magenta) in a named colormap. */
export function colormap(name: ColormapName, t: number): Rgb {
  const stops = COLORMAPS[name];
  if (stops === undefined) throw new TypeError(`colormap: expected one of ${Object.keys(COLORMAPS).join(', ')} for name but received ${String(name)}`);
  if (Number.isNaN(t)) return [255, 0, 255];
  const u = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i],
    b = stops[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** Colours an H×W array of values already scaled to [0, 1] (row-major) with a colormap. */
export function valuesToImage(values: ArrayLike<number>, width: number, height: number, cmap: ColormapName = 'gray'): RgbaImage {
  posInt(width, 'valuesToImage: width');
  posInt(height, 'valuesToImage: height');
  if (values.length !== width * height)
    throw new RangeError(`valuesToImage: expected ${width}*${height} = ${width * height} values but received ${values.length}`);
  const c = new Canvas(width, height);
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = colormap(cmap, values[i]);
    c.data[i * 4] = r;
    c.data[i * 4 + 1] = g;
    c.data[i * 4 + 2] = b;
  }
  return c;
}

/**
 * A 2-D tensor as an image, normalised to its own min..max (as matplotlib's imshow does per
 * panel). The normalisation runs in LibTorch; a constant panel maps to the colormap's middle.
 */
export function tensorToImage(t: Tensor, opts: { cmap?: ColormapName; scale?: number } = {}): RgbaImage {
  if (!(t instanceof Tensor)) throw new TypeError(`tensorToImage: expected Tensor for t but received ${String(t)}`);
  if (t.ndim !== 2) throw new RangeError(`tensorToImage: expected a 2-D tensor [H, W] but received shape [${t.shape.join(', ')}]`);
  const scale = opts.scale === undefined ? 1 : posInt(opts.scale, 'tensorToImage: scale');
  const [h, w] = t.shape;
  const values = tidy(() => {
    const x = t.detach().to('float64');
    const lo = x.amin(),
      hi = x.amax();
    const range = hi.sub(lo);
    // Constant panel: divide by 1 and shift to 0.5 rather than dividing by zero.
    const isConst = range.eq(0);
    const n = x.sub(lo).div(range.maskedFill(isConst, 1)).add(isConst.to('float64').mul(0.5));
    return n.dataSync() as Float64Array;
  });
  const img = valuesToImage(values, w, h, opts.cmap ?? 'gray');
  return scale === 1 ? img : scaleNearest(img, scale);
}

/** Enlarges an image by an integer factor (nearest neighbour: pixels stay crisp). */
export function scaleNearest(img: RgbaImage, factor: number): RgbaImage {
  posInt(factor, 'scaleNearest: factor');
  const c = new Canvas(img.width * factor, img.height * factor);
  for (let y = 0; y < c.height; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < c.width; x++) {
      const s = (sy * img.width + Math.floor(x / factor)) * 4,
        d = (y * c.width + x) * 4;
      c.data[d] = img.data[s];
      c.data[d + 1] = img.data[s + 1];
      c.data[d + 2] = img.data[s + 2];
      c.data[d + 3] = 255;
    }
  }
  return c;
}

/**
 * Lays out panels in a grid (`panels[row][col]`), each cell as large as the largest panel,
 * separated by `pad` pixels of `background`.
 */
export function composeGrid(panels: RgbaImage[][], opts: { pad?: number; background?: Rgb } = {}): RgbaImage {
  if (!Array.isArray(panels) || panels.length === 0 || !panels.every((r) => Array.isArray(r) && r.length > 0)) {
    throw new TypeError('composeGrid: expected a non-empty array of non-empty rows of images for panels');
  }
  const pad = opts.pad ?? 4;
  if (!(Number.isInteger(pad) && pad >= 0)) throw new TypeError(`composeGrid: expected non-negative integer for pad but received ${String(pad)}`);
  const cols = Math.max(...panels.map((r) => r.length));
  const cw = Math.max(...panels.flat().map((p) => p.width));
  const ch = Math.max(...panels.flat().map((p) => p.height));
  const c = new Canvas(cols * cw + (cols + 1) * pad, panels.length * ch + (panels.length + 1) * pad, opts.background ?? [255, 255, 255]);
  panels.forEach((row, r) => row.forEach((p, k) => c.draw(p, pad + k * (cw + pad), pad + r * (ch + pad))));
  return c;
}

/** matplotlib's default colour cycle (tab10), for series colours. */
export const TAB10: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** `#rrggbb` of a colour, for the HTML report. */
export function toHex(c: Rgb): string {
  return `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}
