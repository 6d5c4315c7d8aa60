/**
 * Printing like PyTorch's `_tensor_str`: precision 4, integer mode for whole-valued floats,
 * scientific notation for wide ranges, summarization past 1000 elements with 3 edge items.
 */
import { type Tensor, op, wrap } from './tensor.js';
import { native } from './native.js';
import { describe, isComplexDType } from './dtype.js';
import { checkOptions, expectBool, expectNonNegInt, expectPositiveInt } from './errors.js';

/** Options of `setPrintOptions` (`torch.set_printoptions`), camelCased. */
export interface PrintOptions {
  /** Digits after the decimal point (default 4). */
  precision: number;
  /** Element count above which the output is summarised with `...` (default 1000). */
  threshold: number;
  /** Items shown at each end of a summarised dimension (default 3). */
  edgeitems: number;
  /** Characters per line before wrapping (default 80). */
  linewidth: number;
  /** Force (true) or forbid (false) scientific notation; null lets PyTorch's rule decide (default). */
  sciMode: boolean | null;
}

const printOptions: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };

/** As torch.set_printoptions: precision, threshold, edgeitems, linewidth, sciMode (null: automatic). */
export function setPrintOptions(opts: Partial<PrintOptions>): void {
  checkOptions(opts, ['precision', 'threshold', 'edgeitems', 'linewidth', 'sciMode'], 'setPrintOptions');
  if (opts === null || opts === undefined) throw new TypeError('setPrintOptions: expected an options object but received ' + String(opts));
  // Validate everything before changing anything.
  if (opts.precision !== undefined && !(Number.isInteger(opts.precision) && opts.precision >= 0 && opts.precision <= 50)) {
    throw new TypeError(`setPrintOptions: expected an integer in [0, 50] for precision but received ${describe(opts.precision)}`);
  }
  if (opts.threshold !== undefined) expectNonNegInt(opts.threshold, 'setPrintOptions: threshold');
  if (opts.edgeitems !== undefined) expectNonNegInt(opts.edgeitems, 'setPrintOptions: edgeitems');
  if (opts.linewidth !== undefined) expectPositiveInt(opts.linewidth, 'setPrintOptions: linewidth');
  if (opts.sciMode !== undefined && opts.sciMode !== null) expectBool(opts.sciMode, 'setPrintOptions: sciMode');
  Object.assign(printOptions, opts);
}

type Formatter = (v: number | bigint | boolean) => string;

/**
 * Python's `'{:.Nf}'` / `'{:.Ne}'`: like toFixed/toExponential, except that an exact tie rounds
 * half to even (JS rounds ties away from zero: 1.03125 → '1.0313' where Python prints '1.0312').
 */
function pyFixed(x: number, digits: number, exp: boolean): string {
  if (Object.is(x, -0)) return '-' + pyFixed(0, digits, exp); // JS drops the sign of -0
  const conv = (d: number) => (exp ? x.toExponential(d) : x.toFixed(d));
  const out = conv(digits);
  if (digits + 1 > 100) return out;
  const more = conv(digits + 1);
  const mant = exp ? more.slice(0, more.indexOf('e')) : more;
  if (!mant.endsWith('5')) return out;
  // An exact tie has nothing after the 5; a float32/float64 value that is not a tie shows a
  // non-zero digit within the next 60 (its lowest bit is far above 1e-60 of its magnitude).
  const far = conv(Math.min(100, digits + 60));
  const farMant = exp ? far.slice(0, far.indexOf('e')) : far;
  if (!/^0*$/.test(farMant.slice(mant.length))) return out;
  const kept = mant.slice(0, -1);
  const lastDigit = kept.replace(/\D/g, '').slice(-1);
  if (Number(lastDigit) % 2 === 1) return out; // JS rounded away from zero, onto an even digit
  const truncated = kept.endsWith('.') ? kept.slice(0, -1) : kept;
  return exp ? truncated + more.slice(more.indexOf('e')) : truncated;
}

/** Python's exponent style: at least two digits (`1.0000e+00`). */
function pyExp(n: number, precision: number): string {
  const [m, e] = pyFixed(n, precision, true).split('e');
  const ev = Number(e);
  return `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
}

function nonFinite(n: number): string {
  return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
}

/** PyTorch's `_Formatter`: picks int/fixed/sci mode and the column width from the printed values. */
function makeFormatter(values: (number | bigint | boolean)[], dtype: string): { fmt: Formatter; width: number } {
  const opts = printOptions;
  let width = 1;
  if (!dtype.startsWith('float') && dtype !== 'bfloat16') {
    // Integers and bools: the widest of all values.
    const fmt: Formatter = dtype === 'bool' ? (v) => (v ? 'True' : 'False') : (v) => String(v);
    for (const v of values) width = Math.max(width, fmt(v).length);
    return { fmt, width };
  }
  const nums = values as number[];
  // Mode and width come from the nonzero finite values only (zeros, nan and inf just get padded).
  const nz: number[] = [];
  for (const v of nums) if (Number.isFinite(v) && v !== 0) nz.push(v);
  let intMode = true;
  let sci = false;
  if (nz.length > 0) {
    let maxv = 0;
    let minv = Infinity;
    for (const v of nz) {
      const a = Math.abs(v);
      if (a > maxv) maxv = a;
      if (a < minv) minv = a;
      if (!Number.isInteger(v)) intMode = false;
    }
    sci = maxv / minv > 1000 || maxv > 1e8 || (!intMode && minv < 1e-4);
    const measure = sci
      ? (v: number) => pyExp(v, opts.precision)
      : intMode
        ? (v: number) => `${pyFixed(v, 0, false)}.`
        : (v: number) => pyFixed(v, opts.precision, false);
    for (const v of nz) width = Math.max(width, measure(v).length);
  }
  // As in PyTorch, a forced sciMode changes the format but not the measured width.
  if (opts.sciMode !== null) sci = opts.sciMode;
  let fmt: Formatter;
  if (sci) {
    fmt = (v) => (Number.isFinite(v as number) ? pyExp(v as number, opts.precision) : nonFinite(v as number));
  } else if (intMode) {
    fmt = (v) => (Number.isFinite(v as number) ? `${pyFixed(v as number, 0, false)}.` : nonFinite(v as number));
  } else {
    fmt = (v) => (Number.isFinite(v as number) ? pyFixed(v as number, opts.precision, false) : nonFinite(v as number));
  }
  return { fmt, width };
}

/** Formats a tensor as PyTorch prints it: `tensor([[1., 2.], [3., 4.]], dtype=torch.float64)`. */
export function formatTensor(t: Tensor): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const shape = native.shape(t._h);
  const dtype = t.dtype;
  const numel = shape.reduce((a, b) => a * b, 1);
  const layout = t.layout;
  const sparse = layout.startsWith('sparse');
  const suffix: string[] = [];
  if (t.device !== 'cpu') suffix.push(`device='${t.device}'`);
  // complex64 is the default complex dtype while float32 is the default dtype (PyTorch omits both).
  const defaultDtype = dtype === 'float32' || dtype === 'complex64' || dtype === 'int64' || dtype === 'bool';
  let body: string;
  if (sparse) {
    // PyTorch's sparse repr: the component tensors, then size, nnz and dtype; COO's suffixes start on a new line.
    suffix.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`, `nnz=${sparseNnz(t)}`);
    if (!defaultDtype) suffix.push(`dtype=torch.${dtype}`);
    const components = sparseComponents(t, layout);
    try {
      body = components
        .map(([name, c]) => {
          const p = `${name}=tensor(`;
          const cshape = c.shape;
          const empty = cshape.reduce((a, b) => a * b, 1) === 0;
          return `${p}${tensorBody(c, indent + p.length)}${empty ? `, size=(${cshape.join(', ')}${cshape.length === 1 ? ',' : ''})` : ''})`;
        })
        .join(`,\n${' '.repeat(indent)}`);
    } finally {
      for (const [, c] of components) c.dispose();
    }
  } else {
    body = tensorBody(t, indent);
    if (numel === 0 && shape.length > 1) suffix.push(`size=(${shape.join(', ')})`);
    if (!defaultDtype || (numel === 0 && dtype !== 'float32')) suffix.push(`dtype=torch.${dtype}`);
  }
  if (layout !== 'strided') suffix.push(`layout=torch.${layout}`);
  const info = native.autogradInfo(t._h);
  if (info.gradFn) suffix.push(`grad_fn=<${info.gradFn}>`);
  else if (info.requiresGrad) suffix.push('requires_grad=True');
  return addSuffixes(prefix + body, suffix, indent, layout === 'sparse_coo');
}

const SPARSE_PARTS: Record<string, [string, string][]> = {
  sparse_coo: [
    ['indices', 'aten::_indices'],
    ['values', 'aten::_values'],
  ],
  sparse_csr: [
    ['crow_indices', 'aten::crow_indices'],
    ['col_indices', 'aten::col_indices'],
    ['values', 'aten::values'],
  ],
  sparse_bsr: [
    ['crow_indices', 'aten::crow_indices'],
    ['col_indices', 'aten::col_indices'],
    ['values', 'aten::values'],
  ],
  sparse_csc: [
    ['ccol_indices', 'aten::ccol_indices'],
    ['row_indices', 'aten::row_indices'],
    ['values', 'aten::values'],
  ],
  sparse_bsc: [
    ['ccol_indices', 'aten::ccol_indices'],
    ['row_indices', 'aten::row_indices'],
    ['values', 'aten::values'],
  ],
};

// Resolved on first use: tensor.ts imports this module, so nothing of it runs at load.
const sparseOps = new Map<string, (...args: unknown[]) => unknown>();
function sparseOp(schema: string): (...args: unknown[]) => unknown {
  let f = sparseOps.get(schema);
  if (!f) {
    f = op(schema);
    sparseOps.set(schema, f);
  }
  return f;
}

/** A sparse tensor's component tensors (views, freed by the caller's scope or GC). */
function sparseComponents(t: Tensor, layout: string): [string, Tensor][] {
  const parts = SPARSE_PARTS[layout];
  if (!parts) throw new TypeError(`toString: cannot print a tensor of layout ${layout}`);
  return parts.map(([name, schema]) => [name, wrap(sparseOp(schema)(t._h) as number)]);
}

function sparseNnz(t: Tensor): number {
  return sparseOp('aten::_nnz')(t._h) as number;
}

/** PyTorch's _tensor_str: the values of a strided tensor, continuation lines indented by `indent`. */
function tensorBody(t: Tensor, indent: number): string {
  const shape = native.shape(t._h);
  const dtype = t.dtype;
  const numel = shape.reduce((a, b) => a * b, 1);
  const summarize = numel > printOptions.threshold;
  // A complex tensor reads as interleaved [real, imag] floats; each part gets its own formatter, as in PyTorch.
  const complex = isComplexDType(dtype);
  const raw = t.dataSync() as ArrayLike<number | bigint>;
  const conv = (v: number | bigint): number | bigint | boolean => (dtype === 'bool' ? v !== 0 : v);
  const shownImag: number[] = [];
  const strides: number[] = new Array(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d];
  }
  const edge = printOptions.edgeitems;
  // Values that will be printed decide the format, as in PyTorch.
  const shown: (number | bigint | boolean)[] = [];
  const visit = (d: number, off: number) => {
    if (d === shape.length) {
      if (complex) {
        shown.push(raw[2 * off] as number);
        shownImag.push(raw[2 * off + 1] as number);
      } else {
        shown.push(conv(raw[off]));
      }
      return;
    }
    const n = shape[d];
    const idx = summarize && n > 2 * edge ? [...Array(edge).keys(), ...Array.from({ length: edge }, (_, i) => n - edge + i)] : [...Array(n).keys()];
    for (const i of idx) visit(d + 1, off + i * strides[d]);
  };
  if (numel > 0) visit(0, 0); // an empty tensor prints no values (and may have huge other dims)
  const partDtype = dtype === 'complex128' ? 'float64' : 'float32';
  const { fmt, width: realWidth } = makeFormatter(shown, complex ? partDtype : dtype);
  const imag = complex ? makeFormatter(shownImag, partDtype) : null;
  // PyTorch's _val_formatter: the imaginary part, padded then stripped, joins with its own sign.
  const element = (off: number): string => {
    if (!imag) return fmt(conv(raw[off])).padStart(realWidth);
    const re = fmt(raw[2 * off] as number).padStart(realWidth);
    const im = `${imag.fmt(raw[2 * off + 1] as number).padStart(imag.width)}j`.trimStart();
    return im.startsWith('+') || im.startsWith('-') ? re + im : `${re}+${im}`;
  };
  const width = imag ? realWidth + imag.width + 1 : realWidth;
  const render = (d: number, off: number, ind: number): string => {
    if (d === shape.length) return element(off);
    const n = shape[d];
    const useSummary = summarize && n > 2 * edge;
    const parts: string[] = [];
    const idx = useSummary ? [...Array(edge).keys(), -1, ...Array.from({ length: edge }, (_, i) => n - edge + i)] : [...Array(n).keys()];
    // PyTorch's _vector_str writes the last dimension's ellipsis as ' ...' (so ',  ...').
    const ellipsis = d === shape.length - 1 ? ' ...' : '...';
    for (const i of idx) parts.push(i === -1 ? ellipsis : render(d + 1, off + i * strides[d], ind + 1));
    if (d === shape.length - 1) {
      // Wrap long rows at linewidth as PyTorch does.
      const perLine = Math.max(1, Math.floor((printOptions.linewidth - ind) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < parts.length; i += perLine) lines.push(parts.slice(i, i + perLine).join(', '));
      return `[${lines.join(',\n' + ' '.repeat(ind + 1))}]`;
    }
    const sep = ',' + '\n'.repeat(shape.length - d - 1) + ' '.repeat(ind + 1);
    return `[${parts.join(sep)}]`;
  };
  return shape.length === 0 ? (complex ? element(0) : fmt(conv(raw[0]))) : numel === 0 ? '[]' : render(0, 0, indent);
}

/** PyTorch's _add_suffixes: each suffix goes on a new line when the last line would pass linewidth. */
function addSuffixes(text: string, suffixes: string[], indent: number, forceNewline = false): string {
  const parts = [text];
  // PyTorch's own count (one more than the last line's length): its wrapping decisions are followed exactly.
  let lastLine = text.length - text.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (forceNewline || lastLine + s.length + 2 > printOptions.linewidth) {
      parts.push(`,\n${' '.repeat(indent)}${s}`);
      lastLine = indent + s.length;
      forceNewline = false;
    } else {
      parts.push(`, ${s}`);
      lastLine += s.length + 2;
    }
  }
  return `${parts.join('')})`;
}
