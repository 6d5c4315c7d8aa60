/**
 * EE449 HW1 part 2, `part2.py`: a convolutional layer written by hand. `myConv2d` keeps the
 * original's explicit loops over (batch, output channel, input channel, i, j); each step is a
 * tensor op on one input patch (narrow + mul + sum), as the original does with NumPy slices.
 * `myConv2dVectorized` does the same with unfold + matmul. Both are checked against
 * `nn.functional.conv2d`, and the output is drawn as the original's figure: one row per image,
 * one column per filter, each panel normalised on its own.
 *
 * The course files `samples_6.npy` and `kernel.npy` are not available. Without `--input` /
 * `--kernel` this uses stand-ins (and says so): six Fashion-MNIST test images (Debian's
 * dataset-fashion-mnist) or, without it, generated digit-like images; and a bank of classic 3×3
 * filters.
 *
 *     npm run part2 -- --out results/ [--input samples_6.npy --kernel kernel.npy]
 */
import { pathToFileURL } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { type Tensor, tidy, noGrad, nn } from '../lib/index.js';
import { Canvas, composeGrid, tensorToImage } from './viz/images.js';
import { writePng, type RgbaImage } from './viz/png.js';
import { Report } from './viz/report.js';
import { parseCli, writeJson } from './common.js';

function checkConvArgs(input: unknown, kernel: unknown, fn: string): { input: Tensor; kernel: Tensor } {
  if (!torch.isTensor(input)) throw new TypeError(`${fn}: expected Tensor for input but received ${String(input)}`);
  if (!torch.isTensor(kernel)) throw new TypeError(`${fn}: expected Tensor for kernel but received ${String(kernel)}`);
  if (input.ndim !== 4) throw new RangeError(`${fn}: expected input of shape [batch, inChannels, H, W] but received [${input.shape.join(', ')}]`);
  if (kernel.ndim !== 4) throw new RangeError(`${fn}: expected kernel of shape [outChannels, inChannels, fh, fw] but received [${kernel.shape.join(', ')}]`);
  if (input.shape[1] !== kernel.shape[1]) {
    throw new RangeError(
      `${fn}: input has ${input.shape[1]} channels (shape [${input.shape.join(', ')}]) but kernel expects ${kernel.shape[1]} (shape [${kernel.shape.join(', ')}])`,
    );
  }
  if (kernel.shape[2] > input.shape[2] || kernel.shape[3] > input.shape[3]) {
    throw new RangeError(`${fn}: kernel ${kernel.shape[2]}×${kernel.shape[3]} is larger than the input ${input.shape[2]}×${input.shape[3]} (valid padding)`);
  }
  if (!input.isFloatingPoint() || input.dtype !== kernel.dtype) {
    throw new TypeError(`${fn}: expected floating-point input and kernel of the same dtype but received ${input.dtype} and ${kernel.dtype}`);
  }
  return { input, kernel };
}

/**
 * `my_conv2d(input, kernel)` of part2.py: valid padding, stride 1, no bias. Loops as the
 * original; `out[b, oc, i, j] += sum(input[b, ic, i:i+fh, j:j+fw] * kernel[oc, ic])`.
 */
export function myConv2d(input: Tensor, kernel: Tensor): Tensor {
  checkConvArgs(input, kernel, 'myConv2d');
  const [batchSize, inputChannels, inputHeight, inputWidth] = input.shape;
  const [outputChannels, , filterHeight, filterWidth] = kernel.shape;
  // Calculate output dimensions
  const outputHeight = inputHeight - filterHeight + 1;
  const outputWidth = inputWidth - filterWidth + 1;
  return noGrad(() => {
    // Initialize the output tensor
    const out = torch.zeros([batchSize, outputChannels, outputHeight, outputWidth], { dtype: input.dtype });
    // Perform convolution
    for (let batch = 0; batch < batchSize; batch++) {
      for (let outCh = 0; outCh < outputChannels; outCh++) {
        for (let inCh = 0; inCh < inputChannels; inCh++) {
          tidy(() => {
            const image = input.select(0, batch).select(0, inCh);
            const k = kernel.select(0, outCh).select(0, inCh);
            const outMap = out.select(0, batch).select(0, outCh);
            for (let i = 0; i < outputHeight; i++) {
              // One tidy per output row keeps the temporaries of a row bounded.
              tidy(() => {
                const outRow = outMap.select(0, i);
                for (let j = 0; j < outputWidth; j++) {
                  const patch = image.narrow(0, i, filterHeight).narrow(1, j, filterWidth);
                  outRow.select(0, j).add_(patch.mul(k).sum());
                }
              });
            }
          });
        }
      }
    }
    return out;
  });
}

/**
 * The same convolution without loops: `unfold` gathers every fh×fw patch as a view
 * (as_strided), one matmul with the flattened kernel does all the sums.
 */
export function myConv2dVectorized(input: Tensor, kernel: Tensor): Tensor {
  checkConvArgs(input, kernel, 'myConv2dVectorized');
  const [b, c] = input.shape;
  const [oc, , fh, fw] = kernel.shape;
  return noGrad(() =>
    tidy(() => {
      const unfold = (t: Tensor, dim: number, size: number) => torch.callOp('aten::unfold', t, dim, size, 1) as Tensor;
      const patches = unfold(unfold(input, 2, fh), 3, fw); // [B, C, OH, OW, fh, fw]
      const [, , oh, ow] = patches.shape;
      const cols = patches.permute([0, 2, 3, 1, 4, 5]).reshape([b, oh, ow, c * fh * fw]);
      return cols
        .matmul(kernel.reshape([oc, c * fh * fw]).T)
        .permute([0, 3, 1, 2])
        .contiguous();
    }),
  );
}

/** Largest absolute difference and that difference relative to the reference's largest magnitude. */
export function compare(a: Tensor, ref: Tensor): { maxAbsDiff: number; relative: number } {
  return tidy(() =>
    noGrad(() => {
      const maxAbsDiff = a.sub(ref).abs().amax().item();
      const scale = ref.abs().amax().item();
      return { maxAbsDiff, relative: scale === 0 ? maxAbsDiff : maxAbsDiff / scale };
    }),
  );
}

// ---- stand-in data ---------------------------------------------------------------------------

/** Named 3×3 filters for the stand-in kernel bank (classic image-processing kernels). */
export const FILTER_BANK: readonly { name: string; weights: number[][] }[] = [
  {
    name: 'Sobel x',
    weights: [
      [-1, 0, 1],
      [-2, 0, 2],
      [-1, 0, 1],
    ],
  },
  {
    name: 'Sobel y',
    weights: [
      [-1, -2, -1],
      [0, 0, 0],
      [1, 2, 1],
    ],
  },
  {
    name: 'Laplacian',
    weights: [
      [0, 1, 0],
      [1, -4, 1],
      [0, 1, 0],
    ],
  },
  {
    name: 'box blur',
    weights: [
      [1 / 9, 1 / 9, 1 / 9],
      [1 / 9, 1 / 9, 1 / 9],
      [1 / 9, 1 / 9, 1 / 9],
    ],
  },
  {
    name: 'sharpen',
    weights: [
      [0, -1, 0],
      [-1, 5, -1],
      [0, -1, 0],
    ],
  },
  {
    name: 'diagonal edge (45°)',
    weights: [
      [0, 1, 2],
      [-1, 0, 1],
      [-2, -1, 0],
    ],
  },
  {
    name: 'diagonal edge (135°)',
    weights: [
      [2, 1, 0],
      [1, 0, -1],
      [0, -1, -2],
    ],
  },
  {
    name: 'emboss',
    weights: [
      [-2, -1, 0],
      [-1, 1, 1],
      [0, 1, 2],
    ],
  },
];

/** The filter bank as a kernel [8, 1, 3, 3] (float32). */
export function standInKernel(): Tensor {
  return torch.tensor(
    FILTER_BANK.map((f) => [f.weights]),
    { dtype: 'float32' },
  );
}

/** Where Debian's dataset-fashion-mnist puts the test images. */
export const FASHION_MNIST_TEST_IMAGES = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';

/**
 * The first `count` images of an idx3 file (gzipped or not) as float32 [count, 1, rows, cols]
 * with the raw 0..255 pixel values (a minimal reader of the idx header: magic 0x00000803, then
 * count, rows and cols as big-endian uint32).
 */
export function readIdxImages(path: string, count: number): Tensor {
  if (typeof path !== 'string') throw new TypeError(`readIdxImages: expected string for path but received ${String(path)}`);
  if (!(Number.isInteger(count) && count > 0)) throw new TypeError(`readIdxImages: expected positive integer for count but received ${String(count)}`);
  let bytes: Buffer = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const magic = bytes.readUInt32BE(0);
  if (magic !== 0x803) throw new Error(`readIdxImages: ${path} is not an idx3 image file (magic 0x${magic.toString(16)}, expected 0x803)`);
  const n = bytes.readUInt32BE(4),
    rows = bytes.readUInt32BE(8),
    cols = bytes.readUInt32BE(12);
  if (count > n) throw new RangeError(`readIdxImages: asked for ${count} images but ${path} holds ${n}`);
  const pixels = new Uint8Array(bytes.buffer, bytes.byteOffset + 16, count * rows * cols);
  return tidy(() => torch.tensor(pixels, { shape: [count, 1, rows, cols] }).to('float32'));
}

/** Seven-segment strokes of digits 0–9 (a, b, c, d, e, f, g), for generated digit-like images. */
const SEGMENTS = ['abcdef', 'bc', 'abged', 'abgcd', 'fgbc', 'afgcd', 'afgedc', 'abc', 'abcdefg', 'abcdfg'];

/** Digit-like 28×28 images (0..255, float32 [count, 1, 28, 28]) drawn as thick seven-segment strokes. */
export function generatedDigits(count: number): Tensor {
  if (!(Number.isInteger(count) && count > 0)) throw new TypeError(`generatedDigits: expected positive integer for count but received ${String(count)}`);
  const seg: Record<string, [number, number, number, number]> = {
    a: [9, 6, 19, 6],
    b: [19, 6, 19, 14],
    c: [19, 14, 19, 22],
    d: [9, 22, 19, 22],
    e: [9, 14, 9, 22],
    f: [9, 6, 9, 14],
    g: [9, 14, 19, 14],
  };
  const pixels = new Uint8Array(count * 28 * 28);
  for (let k = 0; k < count; k++) {
    const c = new Canvas(28, 28, [0, 0, 0]);
    for (const s of SEGMENTS[k % 10]) {
      const [x0, y0, x1, y1] = seg[s];
      // A slight slant, like handwriting.
      c.line(x0 + (28 - y0) * 0.15 - 2, y0, x1 + (28 - y1) * 0.15 - 2, y1, [255, 255, 255], 3);
    }
    for (let i = 0; i < 28 * 28; i++) pixels[k * 784 + i] = c.data[i * 4];
  }
  return tidy(() => torch.tensor(pixels, { shape: [count, 1, 28, 28] }).to('float32'));
}

/**
 * `np.load(path)` for part 2's `--input` / `--kernel`: lib/data's .npy reader
 * (`torch.data.npy.load`), then a floating dtype for the convolution as NumPy's arithmetic with
 * a float kernel would give: float16 → float32 (LibTorch's CPU conv2d has no half), integer and
 * bool arrays up to 16 bits → float32, int32/int64 → float64; float32/float64 stay.
 */
export function loadNpy(path: string): Tensor {
  if (typeof path !== 'string' || path === '') throw new TypeError(`part2: expected a .npy file path but received ${JSON.stringify(path)}`);
  if (!existsSync(path)) throw new Error(`part2: no such file ${path}`);
  const t = torch.data.npy.load(path);
  if (t.ndim !== 4) {
    const shape = t.shape;
    t.dispose();
    throw new RangeError(
      `part2: ${path} holds an array of shape (${shape.join(', ')}); expected 4 dimensions ([batch, channels, H, W] for --input, [out, in, fh, fw] for --kernel)`,
    );
  }
  const to: torch.DType | null = t.dtype === 'float32' || t.dtype === 'float64' ? null : t.dtype === 'int32' || t.dtype === 'int64' ? 'float64' : 'float32';
  if (to === null) return t;
  const f = t.to(to);
  t.dispose();
  return f;
}

// ---- figure ------------------------------------------------------------------------------------

/** The original's output figure: one row per image, one column per filter, each panel normalised. */
export function part2Plot(out: Tensor, opts: { scale?: number } = {}): RgbaImage {
  if (!torch.isTensor(out) || out.ndim !== 4)
    throw new TypeError(
      `part2Plot: expected a 4-D Tensor [batch, channels, H, W] but received ${torch.isTensor(out) ? `shape [${out.shape.join(', ')}]` : String(out)}`,
    );
  const scale = opts.scale ?? 4;
  const [b, c] = out.shape;
  const rows: RgbaImage[][] = [];
  for (let i = 0; i < b; i++) {
    const row: RgbaImage[] = [];
    for (let k = 0; k < c; k++) row.push(tidy(() => tensorToImage(out.select(0, i).select(0, k), { scale })));
    rows.push(row);
  }
  return composeGrid(rows, { pad: 4 });
}

/** Runs part 2 on the given (or stand-in) data; returns the numbers and figures. */
export function runPart2(input: Tensor, kernel: Tensor, log: (s: string) => void = console.log) {
  const t0 = performance.now();
  const out = myConv2d(input, kernel);
  const loopSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const vec = myConv2dVectorized(input, kernel);
  const vecSeconds = (performance.now() - t1) / 1000;
  const ref = noGrad(() => nn.functional.conv2d(input, kernel));
  const loops = compare(out, ref),
    vectorized = compare(vec, ref);
  log(
    `myConv2d (loops) vs nn.functional.conv2d: max abs difference ${loops.maxAbsDiff.toExponential(3)} (relative ${loops.relative.toExponential(3)}), ${loopSeconds.toFixed(2)} s`,
  );
  log(
    `myConv2dVectorized (unfold + matmul) vs nn.functional.conv2d: max abs difference ${vectorized.maxAbsDiff.toExponential(3)} (relative ${vectorized.relative.toExponential(3)}), ${vecSeconds.toFixed(4)} s`,
  );
  const [lo, hi] = tidy(() => [out.amin().item(), out.amax().item()]);
  log(`Output shape [${out.shape.join(', ')}], values in [${lo}..${hi}].`);
  return { out, vec, ref, loops, vectorized, loopSeconds, vecSeconds, range: [lo, hi] as [number, number], figure: part2Plot(out) };
}

/** `npm run part2`. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const args = parseCli(
    'part2',
    {
      out: { type: 'string', default: 'results', outDir: 'create', help: 'folder for the figure, JSON and report' },
      input: { type: 'string', help: 'samples .npy [batch, channels, H, W] (default: stand-in images)' },
      kernel: { type: 'string', help: 'kernel .npy [out, in, fh, fw] (default: stand-in filter bank)' },
      samples: { type: 'integer', default: 6, help: 'number of stand-in images' },
    },
    argv,
  );
  if (args === null) return;
  const notes: string[] = [];
  let input: Tensor,
    kernel: Tensor,
    inputSource: string,
    kernelSource: string,
    filterNames: string[] | null = null;
  if (args.input !== undefined) {
    input = loadNpy(args.input);
    inputSource = args.input;
  } else if (existsSync(FASHION_MNIST_TEST_IMAGES)) {
    input = readIdxImages(FASHION_MNIST_TEST_IMAGES, args.samples);
    inputSource = `stand-in: the first ${args.samples} Fashion-MNIST test images (${FASHION_MNIST_TEST_IMAGES}), pixel values 0..255`;
  } else {
    input = generatedDigits(args.samples);
    inputSource = `stand-in: ${args.samples} generated seven-segment digit images 28×28, values 0..255`;
  }
  if (args.kernel !== undefined) {
    kernel = loadNpy(args.kernel);
    kernelSource = args.kernel;
  } else {
    kernel = standInKernel();
    filterNames = FILTER_BANK.map((f) => f.name);
    kernelSource = `stand-in: classic 3×3 filters (${filterNames.join(', ')})`;
  }
  if (input.dtype !== kernel.dtype) {
    // np arithmetic promotes; so do we, to the wider type.
    const wide = input.dtype === 'float64' || kernel.dtype === 'float64' ? 'float64' : 'float32';
    input = input.to(wide);
    kernel = kernel.to(wide);
  }
  if (args.input === undefined) notes.push(`The course's samples_6.npy is not available; input is a ${inputSource}.`);
  if (args.kernel === undefined) notes.push(`The course's kernel.npy is not available; kernel is a ${kernelSource}.`);
  for (const n of notes) console.log(n);
  console.log(`input [${input.shape.join(', ')}] ${input.dtype}, kernel [${kernel.shape.join(', ')}] ${kernel.dtype}`);
  const lines: string[] = [];
  const r = runPart2(input, kernel, (s) => {
    console.log(s);
    lines.push(s);
  });
  const path = join(args.out, 'part2_conv_output.png');
  const png = writePng(path, r.figure);
  console.log('Convolution completed and output saved.');
  const inputsPng = writePng(join(args.out, 'part2_inputs.png'), part2Plot(input.to('float64').transpose(0, 1), { scale: 3 }));
  writeJson(join(args.out, 'part2_results.json'), {
    inputSource,
    kernelSource,
    filterNames,
    inputShape: input.shape,
    kernelShape: kernel.shape,
    outputShape: r.out.shape,
    dtype: input.dtype,
    outputRange: r.range,
    loopsVsConv2d: r.loops,
    vectorizedVsConv2d: r.vectorized,
    loopSeconds: r.loopSeconds,
    vectorizedSeconds: r.vecSeconds,
    figure: 'part2_conv_output.png',
  });
  const report = new Report('EE449 HW1 part 2 (torchnode port)');
  report.heading('Part 2: a convolutional layer by hand');
  for (const n of notes) report.text(n);
  report.pre(lines.join('\n'));
  report.table(
    ['implementation', 'max |Δ| vs conv2d', 'relative', 'seconds'],
    [
      ['myConv2d (loops)', r.loops.maxAbsDiff.toExponential(3), r.loops.relative.toExponential(3), r.loopSeconds.toFixed(3)],
      ['myConv2dVectorized', r.vectorized.maxAbsDiff.toExponential(3), r.vectorized.relative.toExponential(3), r.vecSeconds.toFixed(4)],
    ],
  );
  report.image({ title: 'Inputs (one panel per image)', png: inputsPng });
  report.image({
    title: `part2_conv_output.png: one row per image, one column per filter${filterNames ? ` (${filterNames.join(', ')})` : ''}, each panel normalised`,
    png,
  });
  report.write(join(args.out, 'part2_report.html'));
  console.log(`Wrote ${path}, ${join(args.out, 'part2_results.json')} and ${join(args.out, 'part2_report.html')}.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: Error) => {
    console.error(e.message);
    process.exitCode = 1;
  });
}
