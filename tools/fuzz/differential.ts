/**
 * Differential fuzzer: does torchnode accept and reject the same calls as PyTorch?
 *
 *   node --import tsx tools/fuzz/differential.ts --calls 2000 --seed 1 [--json out.json] [--md out.md]
 *   node --import tsx tools/fuzz/differential.ts --seed 1 --replay 123     (one call, both sides)
 *
 * Call `i` of seed `s` is drawn from `Rng(s, i)` (ops.ts): an op from OPS, a table of entry points
 * that exist in both APIs with a one-to-one mapping (Tensor methods camelCase ↔ snake_case, keyword
 * arguments ↔ the options object, shapes as arrays), and arguments that are plausible in half of
 * the calls and hostile but typed in the other half (wrong ranks, out-of-range dims, mismatched
 * shapes, integer dtypes where floats are expected, NaN/Inf, integers at the int32/int64 edges,
 * non-contiguous, 0-d, empty and mkldnn tensors). The calls are written to a JSON file; the same
 * calls run in torchnode (child processes of this file) and in PyTorch (tools/fuzz/differential.py,
 * same LibTorch release), each in batches whose process logs the call index before each call, so
 * that a native crash is attributed to its call and the batch resumes after it.
 *
 * Each call ends accepted (returned) or rejected (threw) on each side, or crashed. Disagreements
 * are grouped into categories (op + which side rejected + the rejecting message's pattern), and
 * the categories with a known, documented cause are listed in EXPLAINED. Anything else is a
 * finding.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as torchNs from '../../lib/index.js';
import { TSX } from './harness.js';
import { Rng } from './ops.js';

type Torch = typeof torchNs;
type AnyFn = (...args: any[]) => any;

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
/** PyTorch's Python (Debian's python3-torch, the same LibTorch release as the addon). */
export const PYTHON = process.env.FUZZ_PYTHON || process.env.TORCHNODE_PYTHON || '/usr/bin/python3';

// ---- call specs (shared with differential.py) ----------------------------------------------

const DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'] as const;
type DT = (typeof DTYPES)[number];
const FLOAT_DTYPES: readonly DT[] = ['float32', 'float64'];

/** How a tensor argument is made: dense, a transposed (non-contiguous) view, or mkldnn (float32). 0-d and empty are shapes. */
export type Variant = 'dense' | 'transposed' | '0-d' | 'empty' | 'mkldnn';
/** A float value in JSON: non-finite values and -0 as strings. */
type JFloat = number | 'nan' | 'inf' | '-inf' | '-0';

export interface TensorSpec {
  dtype: DT;
  shape: number[];
  /** Row-major values of the dense tensor (before the transpose of the 'transposed' variant). */
  values: JFloat[];
  variant: Variant;
}

/**
 * One argument. int: a Python int, a JS number (only values a double holds exactly are drawn:
 * |v| ≤ 2^53, ±2^63). big: a Python int, a JS BigInt (for Scalar parameters, which take bigints).
 * float: a Python float, a JS number. list: a Python list, a JS array.
 */
export type Arg =
  | { k: 'int'; v: string }
  | { k: 'big'; v: string }
  | { k: 'float'; v: JFloat }
  | { k: 'bool'; v: boolean }
  | { k: 'none' }
  | { k: 'str'; v: string }
  | { k: 'dtype'; v: DT }
  | { k: 'list'; v: Arg[] }
  | { k: 'tensor'; v: TensorSpec };

export interface CallSpec {
  i: number;
  op: string;
  /** method: args[0].js(...) / args[0].py(...); torch: torch.js / torch.py; F: nn.functional; aten: torch.callOp('aten::js') / torch.py. */
  kind: 'method' | 'torch' | 'F' | 'aten';
  js: string;
  py: string;
  /** Index in args where torchnode takes the options object (Python's keyword arguments). */
  optsAt: number;
  args: Arg[];
  /** Python keyword arguments (snake_case); torchnode gets them camelCased in one options object. */
  kwargs: Record<string, Arg>;
  plausible: boolean;
  desc: string;
}

/** Integral numbers as exact decimals: String(-(2 ** 63)) would be '-9223372036854776000'. */
const I = (v: number | bigint): Arg => ({ k: 'int', v: BigInt(v).toString() });
const Big = (v: bigint): Arg => ({ k: 'big', v: String(v) });
const Fl = (v: number): Arg => ({ k: 'float', v: encFloat(v) });
const Bo = (v: boolean): Arg => ({ k: 'bool', v });
const NONE: Arg = { k: 'none' };
const S = (v: string): Arg => ({ k: 'str', v });
const D = (v: DT): Arg => ({ k: 'dtype', v });
const L = (v: Arg[]): Arg => ({ k: 'list', v });

function encFloat(v: number): JFloat {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0';
  return v;
}
function decFloat(v: JFloat): number {
  return typeof v === 'number' ? v : { nan: NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 }[v];
}

// ---- argument generation --------------------------------------------------------------------

/** Integers at the edges: 2^31 and -2^31-1 leave int32, 2^63 leaves int64 (both APIs should reject it), -2^63 is int64's minimum. */
const EDGE_INTS = [-1, 0, 1_000_000, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 63, -(2 ** 63)];
/** Scalars at the int64 edges, as BigInt (exact in JS) and Python int. */
const EDGE_BIGS = [2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n];
const EDGE_FLOATS = [NaN, Infinity, -Infinity, 1e308, -0, 0.5, -2.5];
const SHAPES: number[][] = [[], [0], [1], [3], [2, 3], [3, 2], [4, 4], [2, 1, 3], [2, 3, 4], [1, 0, 2], [2, 2, 2, 2], [1, 3, 4, 4]];

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const shapeOf = (a: Arg): number[] => (a.k === 'tensor' ? a.v.shape : []);
const ndimOf = (a: Arg): number => shapeOf(a).length;

class Gen {
  constructor(
    readonly r: Rng,
    readonly plausible: boolean,
  ) {}

  /** In a hostile call, true with probability p. */
  bad(p: number): boolean {
    return !this.plausible && this.r.chance(p);
  }

  /**
   * A tensor argument: `shape` and `dtype` in a plausible call; in a hostile one, sometimes another
   * shape, dtype or variant. `index` draws int64 indices in [0, index).
   */
  t(shape: number[], dtype: DT = 'float32', o: { index?: number; variant?: Variant } = {}): Arg {
    const r = this.r;
    let s = [...shape];
    let dt = dtype;
    if (this.bad(0.25)) s = [...r.pick(SHAPES)];
    if (this.bad(0.2)) dt = r.pick(DTYPES);
    let variant: Variant = o.variant ?? (this.plausible ? (s.length >= 2 && r.chance(0.2) ? 'transposed' : 'dense') : 'dense');
    if (this.bad(0.3)) variant = r.pick(['transposed', '0-d', 'empty', 'mkldnn'] as const);
    if (variant === '0-d') s = [];
    if (variant === 'empty') s = s.length === 0 ? [0] : s.map((d, i) => (i === s.length - 1 ? 0 : d));
    if (variant === 'transposed' && s.length < 2) variant = 'dense';
    if (variant === 'mkldnn') dt = 'float32';
    const n = numel(s);
    const hostileValues = this.bad(0.2);
    const values: JFloat[] = [];
    for (let k = 0; k < n; k++) {
      if (o.index !== undefined && dt !== 'bool') values.push(hostileValues ? r.int(-o.index - 1, o.index + 1) : r.int(0, Math.max(0, o.index - 1)));
      else if (dt === 'bool') values.push(r.int(0, 1));
      else if (dt === 'uint8') values.push(r.int(0, 5));
      else if (dt.startsWith('int')) values.push(r.int(-3, 5));
      else values.push(hostileValues && r.chance(0.3) ? encFloat(r.pick(EDGE_FLOATS)) : r.int(-30, 30) / 10);
    }
    return { k: 'tensor', v: { dtype: dt, shape: s, values, variant } };
  }

  /** A float32/float64 tensor of a random plausible shape. */
  any(dtypes: readonly DT[] = FLOAT_DTYPES): Arg {
    return this.t([...this.r.pick([[3], [2, 3], [3, 4], [2, 3, 4], [4, 4], [1, 3], [2, 1, 3]])], this.r.pick(dtypes));
  }

  /** An integer `v`, or in a hostile call sometimes an edge value, a non-integral float, or an integral float (1.0: one JS number). */
  i(v: number): Arg {
    if (this.bad(0.3)) {
      const x = this.r.next();
      if (x < 0.8) return I(this.r.pick(EDGE_INTS));
      if (x < 0.9) return Fl(1.5);
      return Fl(v === 0 ? 1 : v);
    }
    return I(v);
  }

  /** A dim of an `nd`-D tensor (negative half the time). */
  dim(nd: number): Arg {
    const n = Math.max(nd, 1);
    return this.i(this.r.int(-n, n - 1));
  }

  dims(nd: number): Arg {
    const n = this.r.int(1, Math.max(1, nd));
    const out: Arg[] = [];
    for (let k = 0; k < n; k++) out.push(this.dim(nd));
    return L(out);
  }

  /** A float, or in a hostile call sometimes NaN, ±Inf, 1e308, -0 ... */
  f(v: number): Arg {
    return Fl(this.bad(0.3) ? this.r.pick(EDGE_FLOATS) : v);
  }

  /** A Scalar operand: an int, a non-integral float or a bool; hostile: int64 edges as BigInt, NaN/Inf. */
  scalar(): Arg {
    if (this.bad(0.35)) return this.r.chance(0.5) ? Big(this.r.pick(EDGE_BIGS)) : Fl(this.r.pick(EDGE_FLOATS));
    const x = this.r.next();
    return x < 0.4 ? I(this.r.int(-3, 5)) : x < 0.9 ? Fl(this.r.int(-25, 25) / 10 + 0.25) : Bo(this.r.chance(0.5));
  }

  /** A dtype: `dflt` in a plausible call, any in a hostile one. */
  dtype(dflt: DT): Arg {
    return D(this.bad(0.6) ? this.r.pick(DTYPES) : dflt);
  }

  /** A shape with entries from `s`, perturbed in hostile calls (negative or huge sizes, wrong length). */
  shape(s: number[]): Arg {
    let out = [...s];
    if (this.bad(0.3)) out = out.length > 0 && this.r.chance(0.5) ? out.slice(1) : [...out, this.r.int(1, 3)];
    return L(out.map((d) => this.i(d)));
  }

  pick<T>(xs: readonly T[]): T {
    return this.r.pick(xs);
  }
  chance(p: number): boolean {
    return this.r.chance(p);
  }
  int(lo: number, hi: number): number {
    return this.r.int(lo, hi);
  }
}

/** What one op's generator returns: positional args (self first for methods) and keyword args. */
interface Draw {
  args: Arg[];
  kwargs?: Record<string, Arg>;
}

export interface OpDef {
  name: string;
  kind: CallSpec['kind'];
  js: string;
  py: string;
  optsAt: number;
  gen: (g: Gen) => Draw;
}

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function method(js: string, optsAt: number, gen: (g: Gen) => Draw, py = snake(js)): OpDef {
  return { name: `Tensor.${py}`, kind: 'method', js, py, optsAt, gen };
}
function fn(js: string, optsAt: number, gen: (g: Gen) => Draw, py = snake(js)): OpDef {
  return { name: `torch.${py}`, kind: 'torch', js, py, optsAt, gen };
}
function nnf(js: string, optsAt: number, gen: (g: Gen) => Draw, py = snake(js)): OpDef {
  return { name: `F.${py}`, kind: 'F', js, py, optsAt, gen };
}

/** Options: each keyword argument present with probability p. */
function kw(g: Gen, p: number, entries: Record<string, () => Arg>): Record<string, Arg> {
  const out: Record<string, Arg> = {};
  for (const [k, f] of Object.entries(entries)) if (g.chance(p)) out[k] = f();
  return out;
}

const UNARY = [
  'abs',
  'neg',
  'exp',
  'log',
  'sqrt',
  'sin',
  'tanh',
  'sigmoid',
  'relu',
  'floor',
  'round',
  'trunc',
  'frac',
  'sign',
  'reciprocal',
  'erfinv',
  'square',
  'isnan',
  'signbit',
  'bitwiseNot',
  'logicalNot',
];

/** Self tensor for elementwise ops: float in plausible calls a third of the time any dtype. */
const elemSelf = (g: Gen): Arg => (g.chance(0.3) ? g.any(DTYPES) : g.any());

/** The other operand of a binary op: a same-shape or broadcastable tensor, or a Scalar. */
function operand(g: Gen, self: Arg): Arg {
  if (g.chance(0.4)) return g.scalar();
  const s = shapeOf(self);
  return g.t(g.chance(0.3) && s.length > 0 ? s.slice(1) : s, g.chance(0.2) ? g.pick(DTYPES) : 'float32');
}

export const OPS: OpDef[] = [
  ...UNARY.map((name) => method(name, 1, (g) => ({ args: [elemSelf(g)] }))),
  method('add', 2, (g) => {
    const a = g.any();
    return { args: [a, operand(g, a)], kwargs: kw(g, 0.3, { alpha: () => (g.chance(0.5) ? g.i(2) : g.f(0.5)) }) };
  }),
  method('sub', 2, (g) => {
    const a = elemSelf(g);
    return { args: [a, operand(g, a)] };
  }),
  method('mul', 1, (g) => {
    const a = elemSelf(g);
    return { args: [a, operand(g, a)] };
  }),
  method('div', 2, (g) => {
    const a = elemSelf(g);
    return { args: [a, operand(g, a)], kwargs: kw(g, 0.4, { rounding_mode: () => S(g.pick(['trunc', 'floor', ...(g.plausible ? [] : ['bogus'])])) }) };
  }),
  method('pow', 1, (g) => {
    const a = elemSelf(g);
    return { args: [a, operand(g, a)] };
  }),
  method('remainder', 1, (g) => {
    const a = elemSelf(g);
    return { args: [a, operand(g, a)] };
  }),
  method('fmod', 1, (g) => {
    const a = elemSelf(g);
    return { args: [a, operand(g, a)] };
  }),
  method('maximum', 1, (g) => {
    const a = g.any();
    return { args: [a, g.t(shapeOf(a))] };
  }),
  method('minimum', 1, (g) => {
    const a = elemSelf(g);
    return { args: [a, g.t(shapeOf(a), g.chance(0.3) ? 'int64' : 'float32')] };
  }),
  method('atan2', 1, (g) => {
    const a = g.any();
    return { args: [a, g.t(shapeOf(a))] };
  }),
  method('eq', 1, (g) => {
    const a = elemSelf(g);
    return { args: [a, operand(g, a)] };
  }),
  method('lt', 1, (g) => {
    const a = elemSelf(g);
    return { args: [a, operand(g, a)] };
  }),
  method('logicalAnd', 1, (g) => {
    const a = elemSelf(g);
    return { args: [a, g.t(shapeOf(a), 'bool')] };
  }),
  method('lerp', 2, (g) => {
    const a = g.any();
    return { args: [a, g.t(shapeOf(a)), g.f(0.25)] };
  }),
  method('addcmul', 3, (g) => {
    const a = g.any();
    return { args: [a, g.t(shapeOf(a)), g.t(shapeOf(a))], kwargs: kw(g, 0.5, { value: () => g.f(0.5) }) };
  }),
  method('isclose', 2, (g) => {
    const a = g.any();
    return { args: [a, g.t(shapeOf(a))], kwargs: kw(g, 0.4, { rtol: () => g.f(1e-3), atol: () => g.f(1e-5), equal_nan: () => Bo(true) }) };
  }),
  method('allclose', 2, (g) => {
    const a = g.any();
    return { args: [a, g.t(shapeOf(a))], kwargs: kw(g, 0.4, { rtol: () => g.f(1e-3), atol: () => g.f(1e-5) }) };
  }),
  method('equal', 1, (g) => {
    const a = elemSelf(g);
    return { args: [a, g.t(shapeOf(a))] };
  }),
  method('where', 2, (g) => {
    const a = g.any();
    return { args: [a, g.t(shapeOf(a), 'bool'), g.chance(0.5) ? g.t(shapeOf(a)) : g.scalar()] };
  }),
  method('maskedFill', 2, (g) => {
    const a = elemSelf(g);
    return { args: [a, g.t(shapeOf(a), 'bool'), g.scalar()] };
  }),
  method('clamp', 2, (g) => {
    const lo = g.chance(0.2) ? NONE : g.f(-0.5);
    return { args: [elemSelf(g), lo, lo.k === 'none' || g.chance(0.6) ? g.f(1.5) : NONE] };
  }),
  method('fill_', 1, (g) => ({ args: [elemSelf(g), g.scalar()] })),
  method('zero_', 1, (g) => ({ args: [elemSelf(g)] })),
  method('clone', 1, (g) => ({ args: [elemSelf(g)] })),
  method('contiguous', 1, (g) => ({ args: [g.t([2, 3], 'float32', { variant: g.plausible ? 'transposed' : undefined })] })),
  method('to', 1, (g) => ({ args: [elemSelf(g), D(g.pick(DTYPES))] })),
  method('toDense', 1, (g) => ({ args: [g.t([2, 3], 'float32', { variant: g.plausible ? 'mkldnn' : undefined })] })),
  // linear algebra
  method('matmul', 1, (g) => {
    const n = g.int(1, 4);
    const a = g.t(g.pick([[2, n], [3, 2, n], [n]]));
    return { args: [a, g.t(g.pick([[n, 3], [n], [3, n, 2]]))] };
  }),
  method('mm', 1, (g) => ({ args: [g.t([2, 3]), g.t([3, 4])] })),
  method('bmm', 1, (g) => ({ args: [g.t([2, 2, 3]), g.t([2, 3, 4])] })),
  method('mv', 1, (g) => ({ args: [g.t([2, 3]), g.t([3])] })),
  method('dot', 1, (g) => ({ args: [g.t([3]), g.t([3])] })),
  method('outer', 1, (g) => ({ args: [g.t([3]), g.t([2])] })),
  method('t', 1, (g) => ({ args: [g.t(g.pick([[2, 3], [3]]))] })),
  method('tril', 1, (g) => ({ args: [g.t([3, 4], g.pick(DTYPES)), g.i(g.int(-2, 2))] })),
  method('triu', 1, (g) => ({ args: [g.t([3, 4]), g.i(g.int(-2, 2))] })),
  method('diag', 1, (g) => ({ args: [g.t(g.pick([[3, 4], [3]])), g.i(g.int(-1, 1))] })),
  method('trace', 1, (g) => ({ args: [g.t([3, 3])] })),
  // shapes
  method('view', 1, (g) => {
    const a = g.t([2, 3, 4]);
    return { args: [a, g.shape(g.pick([[6, 4], [24], [-1, 4], [2, -1], [4, 3, 2]]))] };
  }),
  method('reshape', 1, (g) => {
    const a = g.t([2, 3, 4]);
    return { args: [a, g.shape(g.pick([[6, 4], [24], [-1, 2], [2, 12]]))] };
  }),
  method('transpose', 1, (g) => {
    const a = g.any();
    return { args: [a, g.dim(ndimOf(a)), g.dim(ndimOf(a))] };
  }),
  method('permute', 1, (g) => {
    const a = g.t([2, 3, 4]);
    return {
      args: [
        a,
        g.shape(
          g.pick([
            [2, 0, 1],
            [0, 1, 2],
            [-1, 0, 1],
          ]),
        ),
      ],
    };
  }),
  method('squeeze', 1, (g) => {
    const a = g.t([2, 1, 3]);
    return { args: g.chance(0.3) ? [a] : [a, g.dim(3)] };
  }),
  method('unsqueeze', 1, (g) => {
    const a = g.any();
    return { args: [a, g.i(g.int(-ndimOf(a) - 1, ndimOf(a)))] };
  }),
  method('flatten', 1, (g) => {
    const a = g.t([2, 3, 4]);
    return { args: [a, g.dim(3), g.dim(3)] };
  }),
  method('expand', 1, (g) => ({
    args: [
      g.t([3, 1]),
      g.shape(
        g.pick([
          [3, 4],
          [2, 3, 4],
          [-1, 5],
        ]),
      ),
    ],
  })),
  method('repeat', 1, (g) => ({
    args: [
      g.t([2, 3]),
      g.shape(
        g.pick([
          [2, 1],
          [1, 2, 2],
        ]),
      ),
    ],
  })),
  method('flip', 1, (g) => {
    const a = g.any();
    return { args: [a, g.dims(ndimOf(a))] };
  }),
  method('roll', 1, (g) => {
    const a = g.any();
    const nd = ndimOf(a);
    if (g.chance(0.3)) return { args: [a, g.i(g.int(-3, 3))] };
    if (g.chance(0.5)) return { args: [a, g.i(g.int(-3, 3)), g.dim(nd)] };
    const k = g.plausible ? Math.max(1, Math.min(2, nd)) : g.int(1, 3);
    const shifts: Arg[] = [];
    const dims: Arg[] = [];
    for (let j = 0; j < k; j++) shifts.push(g.i(g.int(-3, 3)));
    for (let j = 0; j < (g.bad(0.3) ? k + 1 : k); j++) dims.push(g.dim(nd));
    return { args: [a, L(shifts), L(dims)] };
  }),
  method('narrow', 1, (g) => {
    const a = g.t([4, 5]);
    return { args: [a, g.dim(2), g.i(g.int(0, 2)), g.i(g.int(0, 2))] };
  }),
  method('select', 1, (g) => {
    const a = g.t([3, 4]);
    return { args: [a, g.dim(2), g.i(g.int(-3, 2))] };
  }),
  method('split', 1, (g) => {
    const a = g.t([6, 2]);
    return { args: [a, g.chance(0.5) ? g.i(g.int(1, 4)) : g.shape([2, 4]), g.dim(2)] };
  }),
  method('chunk', 1, (g) => ({ args: [g.t([6, 2]), g.i(g.int(1, 4)), g.dim(2)] })),
  method('unbind', 1, (g) => {
    const a = g.any();
    return { args: [a, g.dim(ndimOf(a))] };
  }),
  // indexing
  method('gather', 1, (g) => {
    const a = g.t([3, 4]);
    return { args: [a, g.dim(2), g.t([3, 2], 'int64', { index: 3 })] };
  }),
  method('scatter', 1, (g) => {
    const a = g.t([3, 4]);
    return { args: [a, g.dim(2), g.t([2, 3], 'int64', { index: 3 }), g.chance(0.5) ? g.t([2, 3]) : g.scalar()] };
  }),
  method('scatterAdd', 1, (g) => {
    const a = g.t([3, 4]);
    return { args: [a, g.dim(2), g.t([2, 3], 'int64', { index: 3 }), g.t([2, 3])] };
  }),
  method('indexSelect', 1, (g) => {
    const a = g.any();
    return { args: [a, g.dim(ndimOf(a)), g.t([2], 'int64', { index: 2 })] };
  }),
  // reductions
  ...(['sum', 'mean'] as const).map((name) =>
    method(name, 2, (g) => {
      const a = elemSelf(g);
      if (g.chance(0.2)) return { args: [a] };
      return {
        args: [a, g.chance(0.5) ? g.dim(ndimOf(a)) : g.dims(ndimOf(a))],
        kwargs: kw(g, 0.4, { keepdim: () => Bo(true), dtype: () => g.dtype('float64') }),
      };
    }),
  ),
  method('prod', 2, (g) => {
    const a = elemSelf(g);
    return { args: [a, g.dim(ndimOf(a))], kwargs: kw(g, 0.3, { keepdim: () => Bo(true) }) };
  }),
  ...(['amax', 'logsumexp'] as const).map((name) =>
    method(name, 2, (g) => {
      const a = elemSelf(g);
      return { args: [a, g.chance(0.5) ? g.dim(ndimOf(a)) : g.dims(ndimOf(a))], kwargs: kw(g, 0.3, { keepdim: () => Bo(true) }) };
    }),
  ),
  ...(['argmax', 'all', 'any', 'max', 'min'] as const).map((name) =>
    method(name, 2, (g) => {
      const a = elemSelf(g);
      if (g.chance(0.25)) return { args: [a] };
      return { args: [a, g.dim(ndimOf(a))], kwargs: kw(g, 0.3, { keepdim: () => Bo(true) }) };
    }),
  ),
  ...(['std', 'var'] as const).map((name) =>
    method(name, 2, (g) => {
      const a = elemSelf(g);
      return { args: [a, g.dim(ndimOf(a))], kwargs: kw(g, 0.4, { unbiased: () => Bo(false), keepdim: () => Bo(true) }) };
    }),
  ),
  method('norm', 3, (g) => {
    const a = elemSelf(g);
    return { args: [a, g.f(g.pick([1, 2, 3.5])), g.dim(ndimOf(a))], kwargs: kw(g, 0.3, { keepdim: () => Bo(true) }) };
  }),
  ...(['cumsum', 'softmax', 'logSoftmax'] as const).map((name) =>
    method(name, 2, (g) => {
      const a = elemSelf(g);
      return { args: [a, g.dim(ndimOf(a))], kwargs: kw(g, 0.3, { dtype: () => g.dtype('float64') }) };
    }),
  ),
  method('sort', 2, (g) => {
    const a = elemSelf(g);
    return { args: [a, g.dim(ndimOf(a))], kwargs: kw(g, 0.4, { descending: () => Bo(true) }) };
  }),
  method('argsort', 2, (g) => {
    const a = elemSelf(g);
    return { args: [a, g.dim(ndimOf(a))], kwargs: kw(g, 0.4, { descending: () => Bo(true) }) };
  }),
  method('topk', 3, (g) => {
    const a = g.any();
    return { args: [a, g.i(g.int(0, 3)), g.dim(ndimOf(a))], kwargs: kw(g, 0.4, { largest: () => Bo(false), sorted: () => Bo(true) }) };
  }),
  // factories
  ...(['zeros', 'ones'] as const).map((name) =>
    fn(name, 1, (g) => ({ args: [g.shape(g.pick([[2, 3], [0], [4]]))], kwargs: kw(g, 0.5, { dtype: () => g.dtype('int64') }) })),
  ),
  fn('full', 2, (g) => ({ args: [g.shape([2, 3]), g.scalar()], kwargs: kw(g, 0.5, { dtype: () => g.dtype(g.pick(DTYPES)) }) })),
  fn('arange', 3, (g) => {
    const n = g.int(1, 3);
    const a = [g.i(0), g.i(g.int(4, 10)), g.chance(0.5) ? g.i(2) : g.f(0.5)].slice(3 - n);
    return { args: a, kwargs: kw(g, 0.4, { dtype: () => g.dtype(g.pick(DTYPES)) }) };
  }),
  fn('tensor', 1, (g) => {
    const dt = g.pick(DTYPES);
    const n = g.int(0, 4);
    const row = (): Arg[] => {
      const out: Arg[] = [];
      for (let j = 0; j < n; j++) out.push(g.bad(0.15) ? (g.chance(0.5) ? I(g.pick(EDGE_INTS)) : Fl(g.pick(EDGE_FLOATS))) : I(g.int(-3, 5)));
      return out;
    };
    const values = g.chance(0.5) ? L(row()) : L([L(row()), L(g.bad(0.3) ? row().slice(1) : row())]);
    return { args: [values], kwargs: kw(g, 0.7, { dtype: () => D(dt) }) };
  }),
  fn('eye', 2, (g) => ({ args: g.chance(0.5) ? [g.i(3)] : [g.i(2), g.i(4)], kwargs: kw(g, 0.3, { dtype: () => g.dtype('int64') }) })),
  fn('linspace', 3, (g) => ({ args: [g.f(0), g.f(1), g.i(g.int(0, 5))] })),
  fn('zerosLike', 1, (g) => ({ args: [elemSelf(g)], kwargs: kw(g, 0.5, { dtype: () => D(g.pick(DTYPES)) }) })),
  fn('fullLike', 2, (g) => ({ args: [elemSelf(g), g.scalar()] })),
  ...(['cat', 'stack'] as const).map((name) =>
    fn(name, 2, (g) => {
      const a = g.any();
      const n = g.bad(0.2) ? 0 : g.int(1, 3);
      const ts: Arg[] = [];
      for (let j = 0; j < n; j++) ts.push(g.t(shapeOf(a), g.chance(0.15) ? g.pick(DTYPES) : 'float32'));
      return { args: [L(ts), g.dim(ndimOf(a) + (name === 'stack' ? 1 : 0))] };
    }),
  ),
  fn('where', 3, (g) => {
    const a = g.any();
    return { args: [g.t(shapeOf(a), 'bool'), a, g.chance(0.5) ? g.t(shapeOf(a)) : g.scalar()] };
  }),
  {
    name: 'torch.addmm',
    kind: 'aten',
    js: 'addmm',
    py: 'addmm',
    optsAt: 3,
    gen: (g) => ({
      args: [g.t(g.pick([[2, 4], [4], [1]])), g.t([2, 3]), g.t([3, 4])],
      // callOp takes them positionally (schema order): both or neither.
      kwargs: g.chance(0.4) ? { beta: g.f(0.5), alpha: g.f(2.5) } : ({} as Record<string, Arg>),
    }),
  },
  // nn.functional
  nnf('relu', 1, (g) => ({ args: [elemSelf(g)] })),
  nnf('leakyRelu', 2, (g) => ({ args: [elemSelf(g), g.f(0.1)] })),
  nnf('softmax', 2, (g) => {
    const a = elemSelf(g);
    return { args: [a, g.dim(ndimOf(a))], kwargs: kw(g, 0.3, { dtype: () => g.dtype('float64') }) };
  }),
  nnf('logSoftmax', 2, (g) => {
    const a = elemSelf(g);
    return { args: [a, g.dim(ndimOf(a))] };
  }),
  nnf('linear', 3, (g) => {
    const n = g.int(1, 4);
    const args = [g.t(g.pick([[2, n], [n], [3, 2, n]])), g.t([3, n])];
    return { args: g.chance(0.5) ? [...args, g.t([3])] : args };
  }),
  // mkldnn inputs: LibTorch's mkldnn kernels assume their preconditions (PyTorch checks few of them)
  nnf('linear', 3, (g) => {
    const n = g.int(1, 4);
    const args = [
      g.t(
        g.pick([
          [2, n],
          [3, 2, n],
        ]),
        'float32',
        { variant: 'mkldnn' },
      ),
      g.t([3, n]),
    ];
    return { args: g.chance(0.5) ? [...args, g.t([3])] : args };
  }),
  nnf('relu', 1, (g) => ({ args: [g.t([2, 3], 'float32', { variant: 'mkldnn' })] })),
  method('add', 1, (g) => ({ args: [g.t([2, 3], 'float32', { variant: 'mkldnn' }), g.t([2, 3], 'float32', { variant: g.chance(0.5) ? 'mkldnn' : 'dense' })] })),
  method('reshape', 1, (g) => ({ args: [g.t([2, 3], 'float32', { variant: 'mkldnn' }), g.shape(g.pick([[3, 2], [6]]))] })),
  nnf('conv2d', 3, (g) => {
    const groups = g.plausible ? g.pick([1, 1, 2]) : g.int(0, 3);
    const args = [g.t([1, 2, 5, 5]), g.t([2, groups === 2 ? 1 : 2, 3, 3])];
    if (g.chance(0.5)) args.push(g.t([2]));
    const pair = (v: number): Arg => (g.chance(0.5) ? g.i(v) : L([g.i(v), g.i(v)]));
    return {
      args,
      kwargs: kw(g, 0.4, {
        stride: () => pair(g.int(1, 2)),
        padding: () => (g.chance(0.2) ? S(g.pick(['same', 'valid'])) : pair(g.int(0, 1))),
        dilation: () => pair(g.int(1, 2)),
        groups: () => g.i(groups),
      }),
    };
  }),
  nnf('maxPool2d', 2, (g) => ({
    args: [g.t([1, 2, 4, 4]), g.i(g.int(1, 3))],
    kwargs: kw(g, 0.4, { stride: () => g.i(g.int(1, 2)), padding: () => g.i(g.int(0, 1)), ceil_mode: () => Bo(true) }),
  })),
  nnf('avgPool2d', 2, (g) => ({
    args: [g.t([1, 2, 4, 4]), g.i(g.int(1, 3))],
    kwargs: kw(g, 0.4, { stride: () => g.i(g.int(1, 2)), padding: () => g.i(g.int(0, 1)), count_include_pad: () => Bo(false) }),
  })),
  nnf('adaptiveAvgPool2d', 2, (g) => ({ args: [g.t([1, 2, 5, 5]), g.chance(0.5) ? g.i(g.int(1, 3)) : L([g.i(2), g.i(3)])] })),
  nnf('batchNorm', 3, (g) => ({
    args: [g.t([2, 3, 4]), g.t([3]), g.t([3])],
    kwargs: kw(g, 0.4, { weight: () => g.t([3]), bias: () => g.t([3]), training: () => Bo(true), eps: () => g.f(1e-3) }),
  })),
  nnf('embedding', 2, (g) => ({ args: [g.t([2, 3], 'int64', { index: 5 }), g.t([5, 4])], kwargs: kw(g, 0.3, { padding_idx: () => g.i(g.int(-5, 4)) }) })),
  nnf('crossEntropy', 2, (g) => ({
    args: [g.t([3, 4]), g.chance(0.7) ? g.t([3], 'int64', { index: 4 }) : g.t([3, 4])],
    kwargs: kw(g, 0.3, {
      reduction: () => S(g.pick(['mean', 'sum', 'none', ...(g.plausible ? [] : ['bogus'])])),
      ignore_index: () => g.i(g.int(-100, 3)),
      label_smoothing: () => g.f(0.1),
    }),
  })),
  nnf('nllLoss', 2, (g) => ({
    args: [g.t([3, 4]), g.t([3], 'int64', { index: 4 })],
    kwargs: kw(g, 0.3, { reduction: () => S(g.pick(['mean', 'sum', 'none'])) }),
  })),
  ...(['mseLoss', 'l1Loss'] as const).map((name) =>
    nnf(name, 2, (g) => {
      const a = g.any();
      return { args: [a, g.t(shapeOf(a))], kwargs: kw(g, 0.3, { reduction: () => S(g.pick(['mean', 'sum', 'none'])) }) };
    }),
  ),
  nnf('binaryCrossEntropy', 2, (g) => {
    const a = g.any();
    return { args: [g.t(shapeOf(a)), g.t(shapeOf(a))] };
  }),
  nnf('oneHot', 2, (g) => ({ args: g.chance(0.3) ? [g.t([4], 'int64', { index: 3 })] : [g.t([4], 'int64', { index: 3 }), g.i(g.int(2, 5))] })),
  nnf('pad', 4, (g) => {
    const a = g.t(
      g.pick([
        [1, 2, 4],
        [1, 2, 4, 4],
      ]),
    );
    const mode = g.pick(['constant', 'constant', 'reflect', 'replicate', 'circular']);
    const p = g.pick([
      [1, 1],
      [1, 2, 0, 1],
      [0, 1],
    ]);
    const args: Arg[] = [a, L(p.map((v) => g.i(v)))];
    if (g.chance(0.6)) args.push(S(mode));
    if (args.length === 3 && mode === 'constant' && g.chance(0.5)) args.push(g.f(1.5));
    return { args };
  }),
  nnf('dropout', 2, (g) => ({ args: [g.any(), g.f(g.pick([0, 0.25, 1]))], kwargs: kw(g, 0.3, { training: () => Bo(false) }) })),
];

// ---- drawing calls ----------------------------------------------------------------------------

function fmtArg(a: Arg): string {
  switch (a.k) {
    case 'int':
      return a.v;
    case 'big':
      return `${a.v}n`;
    case 'float': {
      const v = decFloat(a.v);
      return Number.isNaN(v) ? 'nan' : !Number.isFinite(v) ? (v > 0 ? 'inf' : '-inf') : Number.isInteger(v) ? `${Object.is(v, -0) ? '-0' : v}.0` : String(v);
    }
    case 'bool':
      return a.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'str':
      return `'${a.v}'`;
    case 'dtype':
      return `torch.${a.v}`;
    case 'list':
      return `[${a.v.map(fmtArg).join(', ')}]`;
    case 'tensor':
      return `${a.v.dtype}[${a.v.shape.join(',')}]${a.v.variant === 'dense' || a.v.variant === '0-d' || a.v.variant === 'empty' ? '' : `(${a.v.variant})`}`;
  }
}

/** Call `i` of `seed`: a pure function of (seed, i). */
export function drawCall(seed: number, i: number): CallSpec {
  const r = new Rng(seed, i);
  const plausible = r.chance(0.5);
  const op = r.pick(OPS);
  const { args, kwargs = {} } = op.gen(new Gen(r, plausible));
  const parts = [...(op.kind === 'method' ? args.slice(1) : args).map(fmtArg), ...Object.entries(kwargs).map(([k, v]) => `${k}=${fmtArg(v)}`)];
  const desc = op.kind === 'method' ? `${fmtArg(args[0])}.${op.py}(${parts.join(', ')})` : `${op.name}(${parts.join(', ')})`;
  return { i, op: op.name, kind: op.kind, js: op.js, py: op.py, optsAt: op.optsAt, args, kwargs, plausible, desc };
}

// ---- the torchnode side -----------------------------------------------------------------------

export interface Outcome {
  status: 'ok' | 'error' | 'setup' | 'crash';
  /** Error class (TypeError, RuntimeError ...); for a crash, how the process died. */
  type?: string;
  msg?: string;
  /** Returned value's kind, e.g. 'float32[2,3]', '(float32[2], int64[2])', 'list(3)', 'bool'. */
  result?: string;
  /** PyTorch only, after a TypeError in a call with integral floats (2.0): the status with those floats as ints. */
  retry?: Outcome['status'];
}

function buildTensor(torch: Torch, s: TensorSpec): torchNs.Tensor {
  const shape = [...s.shape];
  if (s.variant === 'transposed') [shape[shape.length - 2], shape[shape.length - 1]] = [shape[shape.length - 1], shape[shape.length - 2]];
  const values = s.values.map((v) => (s.dtype === 'bool' ? v !== 0 : decFloat(v)));
  let t = torch.tensor(values, { dtype: s.dtype }).reshape(shape);
  if (s.variant === 'transposed') t = t.transpose(-1, -2);
  else if (s.variant === 'mkldnn') t = t.toMkldnn();
  return t;
}

function decode(torch: Torch, a: Arg): unknown {
  switch (a.k) {
    case 'int':
      return Number(a.v);
    case 'big':
      return BigInt(a.v);
    case 'float':
      return decFloat(a.v);
    case 'bool':
      return a.v;
    case 'none':
      return null;
    case 'str':
    case 'dtype':
      return a.v;
    case 'list':
      return a.v.map((x) => decode(torch, x));
    case 'tensor':
      return buildTensor(torch, a.v);
  }
}

function summarize(torch: Torch, r: unknown): string {
  if (r instanceof torch.Tensor) return `${r.dtype}[${r.shape.join(',')}]`;
  if (r instanceof torch.ValuesIndices) return `(${summarize(torch, r.values)}, ${summarize(torch, r.indices)})`;
  if (Array.isArray(r)) return `list(${r.length})`;
  if (typeof r === 'boolean') return 'bool';
  if (typeof r === 'number' || typeof r === 'bigint') return 'number';
  return r === null ? 'NoneType' : typeof r;
}

/** Runs one call in torchnode (in this process). */
export function runJs(torch: Torch, c: CallSpec): Outcome {
  return torch.tidy((): Outcome => {
    let f: AnyFn;
    let args: unknown[];
    try {
      args = c.args.map((a) => decode(torch, a));
      const kws = Object.entries(c.kwargs);
      if (kws.length > 0 || c.kind === 'aten') {
        while (args.length < c.optsAt) args.push(undefined);
        if (c.kind === 'aten') args.push(...kws.map(([, v]) => decode(torch, v)));
        else args.push(Object.fromEntries(kws.map(([k, v]) => [camel(k), decode(torch, v)])));
      }
      if (c.kind === 'method') {
        const self = args.shift() as Record<string, AnyFn>;
        f = (...a: unknown[]) => self[c.js](...a);
      } else if (c.kind === 'aten') {
        f = (...a: unknown[]) => torch.callOp(`aten::${c.js}`, ...a);
      } else {
        const ns = (c.kind === 'F' ? torch.nn.functional : torch) as unknown as Record<string, AnyFn>;
        f = ns[c.js];
      }
    } catch (e) {
      const err = e as Error;
      return { status: 'setup', type: err?.name ?? typeof e, msg: String(err?.message ?? e).slice(0, 2000) };
    }
    try {
      return { status: 'ok', result: summarize(torch, f(...args)) };
    } catch (e) {
      const err = e as Error;
      return { status: 'error', type: err?.name ?? typeof e, msg: String(err?.message ?? e).slice(0, 2000) };
    }
  });
}

async function childMain(callsFile: string, start: number, end: number, outFile: string): Promise<void> {
  const torch = await import('../../lib/index.js');
  const { calls } = JSON.parse(fs.readFileSync(callsFile, 'utf8')) as { calls: CallSpec[] };
  const fd = fs.openSync(outFile, 'a');
  const crashAt = Number(process.env.FUZZ_DIFF_JS_CRASH_AT ?? -1);
  for (let i = start; i < Math.min(end, calls.length); i++) {
    fs.writeSync(fd, `B ${i}\n`);
    if (i === crashAt) process.abort(); // the harness's self-test: a native crash in call i
    const o = runJs(torch, calls[i]);
    fs.writeSync(fd, `R ${JSON.stringify({ ...o, i })}\n`);
  }
  fs.closeSync(fd);
}

// ---- running a side in batches of child processes -------------------------------------------

type Side = 'js' | 'py';

/** Runs calls [from, n) of callsFile on one side, a batch per child process; a dead child's call is a crash. */
function runSide(side: Side, callsFile: string, n: number, work: string, batch: number, log: (s: string) => void, from = 0): Outcome[] {
  const out: Outcome[] = new Array(n);
  const self = fileURLToPath(import.meta.url);
  let start = from;
  let runs = 0;
  while (start < n) {
    const end = Math.min(n, start + batch);
    const logFile = path.join(work, `${side}-${runs++}.log`);
    const prog =
      side === 'js'
        ? `"${process.execPath}" --import ${TSX} "${self}" --child "${callsFile}" ${start} ${end} "${logFile}"`
        : `"${PYTHON}" -B "${path.join(here, 'differential.py')}" "${callsFile}" ${start} ${end} "${logFile}"`;
    const r = spawnSync('bash', ['-c', `ulimit -d ${4 * 1024 * 1024} && exec ${prog}`], {
      cwd: work,
      encoding: 'utf8',
      timeout: Math.max(120_000, (end - start) * 500),
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NODE_PATH: path.join(root, 'node_modules'), OMP_NUM_THREADS: '1' },
    });
    let last = -1;
    let begun = -1;
    const lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n') : [];
    for (const line of lines) {
      if (line.startsWith('B ')) begun = Number(line.slice(2));
      else if (line.startsWith('R ')) {
        const o = JSON.parse(line.slice(2)) as Outcome & { i: number };
        const { i, ...outcome } = o;
        out[i] = outcome;
        last = o.i;
      }
    }
    if (r.status === 0 && last === end - 1) {
      start = end;
      continue;
    }
    const how = r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? 'timeout' : r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
    if (begun <= last) {
      // Died before its first call: it cannot start (addon being rebuilt, no torch in Python).
      throw new Error(`differential: the ${side} child could not start (${how}):\n${(r.stderr ?? '').split('\n').slice(-15).join('\n')}`);
    }
    out[begun] = { status: 'crash', type: how, msg: (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ').slice(0, 500) };
    log(`${side}: call ${begun} killed its process (${how})`);
    start = begun + 1;
  }
  return out;
}

/** Call `i` alone on one side (replay). */
function runOne(side: Side, callsFile: string, i: number, work: string): Outcome {
  return runSide(side, callsFile, i + 1, work, 1, () => {}, i)[i];
}

// ---- comparison and report ------------------------------------------------------------------

export type Verdict = 'agree-accept' | 'agree-reject' | 'js-accepts-py-rejects' | 'js-rejects-py-accepts' | 'js-crash' | 'py-crash' | 'setup';

export interface Row {
  i: number;
  op: string;
  desc: string;
  plausible: boolean;
  verdict: Verdict;
  call: CallSpec;
  js: Outcome;
  py: Outcome;
  /** Automatic category of a disagreement: op, direction, pattern of the rejecting message. */
  category?: string;
  /** The EXPLAINED entry that covers this disagreement, if any. */
  explained?: string;
}

/** A category of disagreement with a known cause that is not a torchnode bug. */
export interface Explanation {
  id: string;
  reason: string;
  match: (r: Row) => boolean;
}

/**
 * The disagreements with a known cause outside torchnode's control. Product bugs never go here:
 * they are findings (see the report's 'unexplained' list).
 */
export const EXPLAINED: Explanation[] = [
  {
    id: 'integral-float-is-int',
    reason: 'JS numbers cannot tell 1 from 1.0, so torchnode accepts an integral float where Python demands an int',
    // differential.py reruns such a call with the integral floats as ints: PyTorch accepted it then.
    match: (r) => r.verdict === 'js-accepts-py-rejects' && r.py.type === 'TypeError' && r.py.retry === 'ok',
  },
  {
    id: 'tensor-where-scalar-other',
    reason:
      "Tensor.where(condition, other) takes a Scalar other in torchnode (it is torch.where(condition, this, other), as in PyTorch 2.x); PyTorch 1.13's Tensor.where binding takes only a Tensor",
    match: (r) =>
      r.op === 'Tensor.where' &&
      r.verdict === 'js-accepts-py-rejects' &&
      /^where\(\): argument 'other' \(position 2\) must be Tensor, not (int|float|bool)$/.test(r.py.msg ?? '') &&
      r.call.args[2]?.k !== 'tensor',
  },
];

/** A message's pattern: its first line with numbers, shapes and quoted text abstracted. */
export function messagePattern(msg: string | undefined): string {
  return (msg ?? '')
    .split('\n')[0]
    .replace(/'[^']*'|"[^"]*"/g, 'Q')
    .replace(/\[[^\]]*\]/g, '[…]')
    .replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/g, 'N')
    .slice(0, 90);
}

function verdictOf(js: Outcome, py: Outcome): Verdict {
  if (js.status === 'crash') return 'js-crash';
  if (py.status === 'crash') return 'py-crash';
  if (js.status === 'setup' && py.status === 'setup') return 'setup';
  const ja = js.status === 'ok';
  const pa = py.status === 'ok';
  if (ja && pa) return 'agree-accept';
  if (!ja && !pa) return 'agree-reject';
  return ja ? 'js-accepts-py-rejects' : 'js-rejects-py-accepts';
}

export interface DiffReport {
  seed: number;
  calls: number;
  counts: Record<Verdict, number>;
  /** Accept/reject agreement over the calls both sides could set up, in percent. */
  agreement: number;
  /** Accepted by both but with a different result kind (dtype or shape): information only. */
  resultMismatches: Row[];
  disagreements: Row[];
  categories: { category: string; count: number; explained?: string; example: Row }[];
  unexplained: Row[];
  ops: number;
  ms: number;
}

export interface DiffOptions {
  seed: number;
  calls: number;
  batch?: number;
  log?: (line: string) => void;
}

/** Draws `calls` calls of `seed`, runs them in torchnode and in PyTorch, and compares the outcomes. */
export function differential(opts: DiffOptions): DiffReport {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-diff-'));
  try {
    const calls = Array.from({ length: opts.calls }, (_, i) => drawCall(opts.seed, i));
    const callsFile = path.join(work, 'calls.json');
    fs.writeFileSync(callsFile, JSON.stringify({ seed: opts.seed, calls }));
    const batch = opts.batch ?? 1000;
    const js = runSide('js', callsFile, calls.length, work, batch, log);
    log(`torchnode side done (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const py = runSide('py', callsFile, calls.length, work, batch, log);
    log(`PyTorch side done (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return compare(opts.seed, calls, js, py, Date.now() - t0);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function compare(seed: number, calls: CallSpec[], js: Outcome[], py: Outcome[], ms: number): DiffReport {
  const counts: Record<Verdict, number> = {
    'agree-accept': 0,
    'agree-reject': 0,
    'js-accepts-py-rejects': 0,
    'js-rejects-py-accepts': 0,
    'js-crash': 0,
    'py-crash': 0,
    setup: 0,
  };
  const rows: Row[] = calls.map((c, i) => {
    const v = verdictOf(js[i], py[i]);
    counts[v]++;
    return { i: c.i, op: c.op, desc: c.desc, plausible: c.plausible, verdict: v, call: c, js: js[i], py: py[i] };
  });
  const disagreements = rows.filter((r) => r.verdict !== 'agree-accept' && r.verdict !== 'agree-reject' && r.verdict !== 'setup');
  const cats = new Map<string, { category: string; count: number; explained?: string; example: Row }>();
  for (const r of disagreements) {
    const rejecting = r.verdict === 'js-accepts-py-rejects' || r.verdict === 'py-crash' ? r.py : r.js;
    r.category = `${r.op} | ${r.verdict} | ${rejecting.type ?? ''}: ${messagePattern(rejecting.msg)}`;
    r.explained = EXPLAINED.find((e) => e.match(r))?.id;
    const c = cats.get(r.category) ?? { category: r.category, count: 0, explained: r.explained, example: r };
    c.count++;
    cats.set(r.category, c);
  }
  const decided = rows.length - counts.setup;
  return {
    seed,
    calls: rows.length,
    counts,
    agreement: decided === 0 ? 100 : (100 * (counts['agree-accept'] + counts['agree-reject'])) / decided,
    resultMismatches: rows.filter((r) => r.verdict === 'agree-accept' && r.js.result !== r.py.result),
    disagreements,
    categories: [...cats.values()].sort((a, b) => b.count - a.count || a.category.localeCompare(b.category)),
    unexplained: disagreements.filter((r) => !r.explained),
    ops: OPS.length,
    ms,
  };
}

const oneLine = (s: string | undefined, n = 300): string => (s ?? '').replace(/\s+/g, ' ').trim().slice(0, n);
const outcomeText = (o: Outcome): string =>
  o.status === 'ok' ? `accepted → ${o.result}` : `${o.status === 'crash' ? 'CRASH' : 'rejected'} ${o.type}: ${oneLine(o.msg)}`;

/** The report as markdown. */
export function toMarkdown(rep: DiffReport): string {
  const md: string[] = [];
  const c = rep.counts;
  md.push(`# Differential fuzz: torchnode vs PyTorch, seed ${rep.seed}, ${rep.calls} calls`, '');
  md.push(`${rep.ops} ops; generated by \`node --import tsx tools/fuzz/differential.ts --calls ${rep.calls} --seed ${rep.seed}\`.`, '');
  md.push('| outcome | calls |', '|---|---:|');
  for (const [k, v] of Object.entries(c)) md.push(`| ${k} | ${v} |`);
  md.push('', `Accept/reject agreement: **${rep.agreement.toFixed(2)}%** of the ${rep.calls - c.setup} calls both sides could set up.`, '');
  md.push(`## Disagreement categories (${rep.categories.length})`, '');
  for (const cat of rep.categories) {
    const e = cat.example;
    md.push(`### ${cat.count} × ${cat.category.replace(/\|/g, '·')}`, '');
    md.push(cat.explained ? `Explained: **${cat.explained}**: ${EXPLAINED.find((x) => x.id === cat.explained)?.reason}` : '**Unexplained** (a finding).', '');
    md.push(`- example call ${e.i}: \`${e.desc}\``, `- torchnode: ${outcomeText(e.js)}`, `- PyTorch: ${outcomeText(e.py)}`, '');
  }
  md.push(`## All disagreements (${rep.disagreements.length})`, '');
  for (const r of rep.disagreements) {
    md.push(
      `- call ${r.i} (${r.verdict}${r.explained ? `, ${r.explained}` : ''}): \`${r.desc}\``,
      `  - torchnode: ${outcomeText(r.js)}`,
      `  - PyTorch: ${outcomeText(r.py)}`,
    );
  }
  md.push('', `## Accepted by both with a different result kind (${rep.resultMismatches.length}, information only)`, '');
  for (const r of rep.resultMismatches.slice(0, 60)) md.push(`- call ${r.i}: \`${r.desc}\`: torchnode ${r.js.result}, PyTorch ${r.py.result}`);
  return `${md.join('\n')}\n`;
}

// ---- CLI ----------------------------------------------------------------------------------------

function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--child') {
    const [callsFile, start, end, outFile] = process.argv.slice(3, 7);
    await childMain(callsFile, Number(start), Number(end), outFile);
  } else if (argOf('replay') !== undefined) {
    // One call on both sides, each in a child process: node --import tsx tools/fuzz/differential.ts --seed 1 --replay 123
    const seed = Number(argOf('seed') ?? 1);
    const i = Number(argOf('replay'));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-diff-'));
    try {
      const calls = Array.from({ length: i + 1 }, (_, k) => drawCall(seed, k));
      const callsFile = path.join(work, 'calls.json');
      fs.writeFileSync(callsFile, JSON.stringify({ seed, calls }));
      console.log(`call ${i} of seed ${seed} (${calls[i].plausible ? 'plausible' : 'hostile'}): ${calls[i].desc}`);
      console.log(`torchnode: ${outcomeText(runOne('js', callsFile, i, work))}`);
      console.log(`PyTorch:   ${outcomeText(runOne('py', callsFile, i, work))}`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  } else {
    const seed = Number(argOf('seed') ?? 1);
    const rep = differential({ seed, calls: Number(argOf('calls') ?? 2000), batch: Number(argOf('batch') ?? 1000), log: (l) => console.error(l) });
    const json = argOf('json');
    if (json) fs.writeFileSync(json, JSON.stringify(rep, null, 1));
    const md = argOf('md');
    if (md) fs.writeFileSync(md, toMarkdown(rep));
    const c = rep.counts;
    console.log(
      `differential seed ${seed}: ${rep.calls} calls over ${rep.ops} ops, agreement ${rep.agreement.toFixed(2)}%: ` +
        `${c['agree-accept']} both accept, ${c['agree-reject']} both reject, ${c['js-accepts-py-rejects']} only torchnode accepts, ` +
        `${c['js-rejects-py-accepts']} only PyTorch accepts, ${c['js-crash']} torchnode crashes, ${c['py-crash']} PyTorch crashes, ` +
        `${c.setup} not set up; ${rep.categories.length} disagreement categories, ${rep.unexplained.length} unexplained disagreements, ${(rep.ms / 1000).toFixed(1)} s`,
    );
    for (const cat of rep.categories) {
      console.log(`${String(cat.count).padStart(4)}  ${cat.explained ? `[${cat.explained}] ` : ''}${cat.category}`);
      console.log(`        e.g. call ${cat.example.i}: ${cat.example.desc}`);
      console.log(`        torchnode: ${outcomeText(cat.example.js)}`);
      console.log(`        PyTorch:   ${outcomeText(cat.example.py)}`);
    }
    process.exitCode = c['js-crash'] > 0 || rep.unexplained.length > 0 ? 1 : 0;
  }
}
