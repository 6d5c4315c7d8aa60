/**
 * Printing like PyTorch's `_tensor_str`: precision 4, integer mode for whole-valued floats,
 * scientific notation for wide ranges, summarization past 1000 elements with 3 edge items.
 */
import type { Tensor } from './tensor.js';
import { native } from './native.js';

/** Options of `setPrintOptions` (`torch.set_printoptions`), camelCased. */
export interface PrintOptions {
  precision: number;
  threshold: number;
  edgeitems: number;
  linewidth: number;
  sciMode: boolean | null;
}

const printOptions: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };

/** As torch.set_printoptions. */
export function setPrintOptions(opts: Partial<PrintOptions>): void {
  Object.assign(printOptions, opts);
}

type Formatter = (v: number | bigint | boolean) => string;

function makeFormatter(values: (number | bigint | boolean)[], dtype: string): { fmt: Formatter; width: number } {
  const opts = printOptions;
  if (dtype === 'bool') {
    const fmt: Formatter = (v) => (v ? 'True' : 'False');
    return { fmt, width: values.length ? Math.max(...values.map((v) => fmt(v).length)) : 0 };
  }
  if (!dtype.startsWith('float') && dtype !== 'bfloat16') {
    const fmt: Formatter = (v) => String(v);
    return { fmt, width: values.length ? Math.max(...values.map((v) => fmt(v).length)) : 0 };
  }
  const nums = values as number[];
  const finite = nums.filter((v) => Number.isFinite(v));
  const nonzero = finite.filter((v) => v !== 0).map(Math.abs);
  const intMode = finite.every((v) => Number.isInteger(v));
  let sci = false;
  if (nonzero.length > 0) {
    const maxv = Math.max(...nonzero);
    const minv = Math.min(...nonzero);
    if (intMode) sci = maxv > 1e8;
    else sci = maxv / minv > 1000 || maxv > 1e8 || minv < 1e-4;
  }
  if (opts.sciMode !== null) sci = opts.sciMode;
  let fmt: Formatter;
  if (sci) {
    fmt = (v) => {
      const n = v as number;
      if (!Number.isFinite(n)) return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
      const [m, e] = n.toExponential(opts.precision).split('e');
      const ev = Number(e);
      return `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
    };
  } else if (intMode) {
    fmt = (v) => {
      const n = v as number;
      if (!Number.isFinite(n)) return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
      return `${Object.is(n, -0) ? '-0' : n.toFixed(0)}.`;
    };
  } else {
    fmt = (v) => {
      const n = v as number;
      if (!Number.isFinite(n)) return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
      return n.toFixed(opts.precision);
    };
  }
  const width = nums.length ? Math.max(...nums.map((v) => fmt(v).length)) : 0;
  return { fmt, width };
}

/** Formats a tensor as PyTorch prints it: `tensor([[1., 2.], [3., 4.]], dtype=torch.float64)`. */
export function formatTensor(t: Tensor): string {
  const shape = native.shape(t._h);
  const dtype = t.dtype;
  const numel = shape.reduce((a, b) => a * b, 1);
  const summarize = numel > printOptions.threshold;
  const raw = t.data() as ArrayLike<number | bigint>;
  const conv = (v: number | bigint): number | bigint | boolean => (dtype === 'bool' ? v !== 0 : v);
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
      shown.push(conv(raw[off]));
      return;
    }
    const n = shape[d];
    const idx = summarize && n > 2 * edge ? [...Array(edge).keys(), ...Array.from({ length: edge }, (_, i) => n - edge + i)] : [...Array(n).keys()];
    for (const i of idx) visit(d + 1, off + i * strides[d]);
  };
  visit(0, 0);
  const { fmt, width } = makeFormatter(shown, dtype);
  const prefix = 'tensor(';
  const indent = prefix.length;
  const render = (d: number, off: number, ind: number): string => {
    if (d === shape.length) return fmt(conv(raw[off])).padStart(width);
    const n = shape[d];
    const useSummary = summarize && n > 2 * edge;
    const parts: string[] = [];
    const idx = useSummary ? [...Array(edge).keys(), -1, ...Array.from({ length: edge }, (_, i) => n - edge + i)] : [...Array(n).keys()];
    for (const i of idx) parts.push(i === -1 ? '...' : render(d + 1, off + i * strides[d], ind + 1));
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
  let body = shape.length === 0 ? fmt(conv(raw[0])) : numel === 0 ? '[]' : render(0, 0, indent);
  const suffix: string[] = [];
  if (t.device !== 'cpu') suffix.push(`device='${t.device}'`);
  if (numel === 0 && shape.length > 1) suffix.push(`size=(${shape.join(', ')})`);
  if (!(dtype === 'float32' || dtype === 'int64' || dtype === 'bool') || (numel === 0 && dtype !== 'float32')) {
    suffix.push(`dtype=torch.${dtype}`);
  }
  const info = native.autogradInfo(t._h);
  if (info.gradFn) suffix.push(`grad_fn=<${info.gradFn}>`);
  else if (info.requiresGrad) suffix.push('requires_grad=True');
  if (suffix.length) body += ', ' + suffix.join(', ');
  return `${prefix}${body})`;
}
