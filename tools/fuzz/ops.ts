/**
 * The fuzz engine: enumerates every exported entry point of the public API (Tensor methods and
 * getters, functional forms, factories, autograd helpers, scopes, nn layers/functional, optim)
 * and calls them with random and hostile arguments. Call `i` of seed `s` is a pure function of
 * (s, i): its arguments come from an RNG seeded by both, so any single call can be replayed
 * alone (`run.ts --seed s --replay i`).
 *
 * A call passes when it returns a sane value (a live Tensor with a valid shape whose data can be
 * read, a number, a boolean, ...) or throws an `Error` with a non-empty message. Crashes
 * (signals, aborts, hangs) are detected by the parent (harness.ts), since they kill this process.
 */
import * as fs from 'node:fs';
import * as torchNs from '../../lib/index.js';

type Torch = typeof torchNs;
type AnyFn = (...args: any[]) => any;

// ---- deterministic RNG ------------------------------------------------------------------

/** mulberry32 over a 32-bit state mixed from (seed, index). */
export class Rng {
  private s: number;
  constructor(seed: number, index = 0) {
    let x = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul((index | 0) + 0x632be5ab, 0x85ebca6b)) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d) >>> 0;
    x ^= x >>> 15;
    this.s = x || 1;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---- targets ----------------------------------------------------------------------------

/** One fuzzable entry point. `kind` says how it is invoked. */
export interface Target {
  name: string;
  kind: 'method' | 'getter' | 'function' | 'class';
  fn: AnyFn;
  /** For classes: method names found on the prototype chain (called on a constructed instance). */
  methods?: string[];
}

// Calls that would make the fuzzer itself misbehave (not the library): changing the thread pool
// size would make every later call slow, and printing options only affect formatting.
const SKIP_FUNCTIONS = new Set(['setNumThreads']);

/**
 * Known open findings, skipped unless FUZZ_INCLUDE_KNOWN=1 (run.ts --include-known) so that a
 * fuzz run keeps finding new problems. Each entry is reported to its owner; delete it once fixed.
 */
export const KNOWN_ISSUES: Record<string, string> = {
  // Matched by the last name segment: torch.datasets.X and torch.data.datasets.X are one function.
};

function isClass(f: unknown): boolean {
  return typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));
}

function protoMethods(proto: object | null, stop: object | null): string[] {
  const names = new Set<string>();
  for (let p = proto; p && p !== stop && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) {
      // Underscored members are internal (@internal in the docs), not API.
      if (k === 'constructor' || k.startsWith('_')) continue;
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (d && (typeof d.value === 'function' || d.get)) names.add(k);
    }
  }
  return [...names].sort();
}

/** Every entry point of the public API, in a stable order (the seed's meaning depends on it). */
export function collectTargets(torch: Torch, includeKnown = process.env.FUZZ_INCLUDE_KNOWN === '1'): Target[] {
  const out: Target[] = [];
  const T = torch.Tensor.prototype as unknown as Record<string, unknown>;
  for (const k of Object.getOwnPropertyNames(T).sort()) {
    if (k === 'constructor' || k.startsWith('_')) continue;
    const d = Object.getOwnPropertyDescriptor(T, k)!;
    if (d.get) out.push({ name: `Tensor#${k}`, kind: 'getter', fn: d.get as AnyFn });
    else if (typeof d.value === 'function') out.push({ name: `Tensor#${k}`, kind: 'method', fn: d.value as AnyFn });
  }
  out.push({ name: 'Tensor#[Symbol.dispose]', kind: 'method', fn: (T as unknown as Record<symbol, AnyFn>)[Symbol.dispose] });

  const addNamespace = (prefix: string, ns: Record<string, unknown>, depth: number): void => {
    for (const k of Object.keys(ns).sort()) {
      const v = ns[k];
      const name = `${prefix}${k}`;
      if (SKIP_FUNCTIONS.has(k) && prefix === 'torch.') continue;
      if (k === 'Tensor' && prefix === 'torch.') continue; // its methods are listed above
      if (isClass(v)) {
        out.push({ name, kind: 'class', fn: v as AnyFn, methods: protoMethods((v as { prototype: object }).prototype, null) });
      } else if (typeof v === 'function') {
        out.push({ name, kind: 'function', fn: v as AnyFn });
      } else if (v && typeof v === 'object' && depth < 3 && !Array.isArray(v) && k !== 'version') {
        addNamespace(`${name}.`, v as Record<string, unknown>, depth + 1);
      }
    }
  };
  addNamespace('torch.', torch as unknown as Record<string, unknown>, 0);
  // nn.F is an alias of nn.functional: keep one copy.
  return out.filter(
    (t, i, a) =>
      !t.name.startsWith('torch.nn.F.') &&
      a.findIndex((u) => u.name === t.name) === i &&
      (includeKnown || !(t.name.slice(t.name.lastIndexOf('.') + 1) in KNOWN_ISSUES)),
  );
}

// ---- argument generation ----------------------------------------------------------------

const DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'] as const;
const SHAPES: number[][] = [[], [0], [1], [3], [2, 3], [3, 2], [1, 0, 2], [2, 1, 3], [2, 3, 4], [4, 4], [1, 1, 1, 1], [2, 2, 2, 2], [0, 3]];
const HOSTILE_NUMBERS = [NaN, Infinity, -Infinity, 1e12, -1e12, 2 ** 31, -(2 ** 31), 2 ** 53, 2 ** 63, 0.5, -0.5, -0, 1e-300, Number.MAX_VALUE];
// Integer edge values: dtype bounds and just past them, int64's bounds and past them (where a
// silent wrap would hide), as numbers and as BigInts.
const EDGE_INTEGERS = [255, 256, -129, 127, 128, 2 ** 32, -(2 ** 63), 1e19, -1e19, 2 ** 64, 2 ** 62];
const EDGE_BIGINTS = [2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n, 2n ** 64n, 2n ** 70n, 0n, 3n, -1n];
const STRINGS = [
  'float32',
  'int64',
  'bool',
  'bfloat16',
  'cpu',
  'cuda',
  'cuda:7',
  'meta',
  'bogus',
  '',
  '...',
  'trunc',
  'floor',
  'mean',
  'sum',
  'none',
  'zeros',
  'nearest',
  '\u0000',
];
const OPTION_KEYS = [
  'dtype',
  'device',
  'requiresGrad',
  'keepdim',
  'alpha',
  'dim',
  'generator',
  'min',
  'max',
  'value',
  'roundingMode',
  'descending',
  'largest',
  'sorted',
  'unbiased',
  'correction',
  'replacement',
  'retainGraph',
  'createGraph',
  'allowUnused',
  'gradOutputs',
  'lr',
  'momentum',
  'weightDecay',
  'betas',
  'eps',
  'nesterov',
  'bias',
  'stride',
  'padding',
  'dilation',
  'groups',
  'reduction',
  'weight',
  'ignoreIndex',
  'labelSmoothing',
  'p',
  'training',
  'inplace',
  'negativeSlope',
  'kernelSize',
  'ceilMode',
  'numClasses',
  'mode',
  'shape',
  'nonBlocking',
  'copy',
  'equalNan',
  'rtol',
  'atol',
  'stepSize',
  'gamma',
  'TMax',
  'etaMin',
  'maxLr',
  'totalSteps',
  'milestones',
  'lastEpoch',
  'patience',
  'factor',
  'threshold',
  'affine',
  'trackRunningStats',
  'numFeatures',
  'paddingIdx',
  'maxNorm',
  'momentumDecay',
  'amsgrad',
  'maximize',
  'dampening',
  'alpha',
  'centered',
  'lrDecay',
  'initialAccumulatorValue',
  'startDim',
  'endDim',
  'outputSize',
  'countIncludePad',
  'divisorOverride',
  'posWeight',
  'setToNone',
  'recurse',
  'prefix',
  'strict',
];

/** A value with a printable descriptor (for the crash log). */
interface Gen {
  v: unknown;
  d: string;
}

/**
 * The layouts a sweep (FUZZ_SWEEP=1) gives the first tensor of a call (the receiver of a method),
 * so that every entry point meets each of them: dense, oneDNN's blocked layout, a non-contiguous
 * view, a 0-d tensor, an empty one.
 */
export const SWEEP_VARIANTS = ['dense', 'mkldnn', 'noncontiguous', '0-d', 'empty'] as const;
export type SweepVariant = (typeof SWEEP_VARIANTS)[number];

/** Per-call context: the tensors it made (disposed after the call) and the RNG. */
export class CallCtx {
  made: torchNs.Tensor[] = [];
  /** In a sweep, the layout of the next tensor made (then cleared). */
  forced: SweepVariant | null = null;
  /** Tensors handed to the call as arguments (a result may legitimately be one of them). */
  inputs = new Set<unknown>();
  /** Shape/dtype that "plausible" tensors share, so that binary ops get past validation. */
  base: { shape: number[]; dtype: string };
  constructor(
    readonly torch: Torch,
    readonly rng: Rng,
    readonly plausible: boolean,
  ) {
    this.base = { shape: rng.pick(SHAPES), dtype: plausible ? rng.pick(['float32', 'float32', 'float64', 'int64']) : rng.pick(DTYPES) };
  }

  tensor(): Gen {
    const { torch, rng } = this;
    if (this.forced !== null) return this.sweepTensor();
    const shape = this.plausible || rng.chance(0.4) ? this.base.shape : rng.pick(SHAPES);
    const dtype = this.plausible || rng.chance(0.3) ? this.base.dtype : rng.pick(DTYPES);
    const numel = shape.reduce((a, b) => a * b, 1);
    const special = dtype.startsWith('float') || dtype === 'bfloat16' ? [0, 1, -1, NaN, Infinity, -Infinity, 1e30, -0] : [0, 1, -1, 127, 2];
    const vals: number[] = [];
    for (let i = 0; i < numel; i++) vals.push(rng.chance(0.15) ? rng.pick(special) : Math.round((rng.next() * 8 - 4) * 100) / 100);
    let desc = `${dtype}[${shape.join(',')}]`;
    let t: torchNs.Tensor;
    if (dtype === 'bool') t = torch.tensor(new Uint8Array(vals.map((x) => (x > 0 ? 1 : 0))), { shape }).to('bool');
    else if (dtype === 'float64') t = torch.tensor(Float64Array.from(vals), { shape });
    else t = torch.tensor(Float32Array.from(vals), { shape }).to(dtype as torchNs.DType);
    this.made.push(t);
    const r = rng.next();
    if (r < 0.12 && shape.length >= 2) {
      t = t.transpose(0, shape.length - 1);
      desc += '.T';
      this.made.push(t);
    } else if (r < 0.18 && shape.length >= 1 && shape[0] > 1) {
      t = t.narrow(0, 1, shape[0] - 1);
      desc += '.narrow';
      this.made.push(t);
    } else if (r < 0.22 && shape.length >= 1) {
      t = t.unsqueeze(0).expand([2, ...shape]);
      desc += '.expand2';
      this.made.push(t);
    } else if (r < 0.3 && dtype === 'float32' && numel > 0 && shape.length > 0 && torch.backends.mkldnn.isAvailable()) {
      // oneDNN's opaque layout: most ops have no kernel for it, and some that do crash on shapes
      // they do not expect (issue 18: F.linear(mkldnn, 0-d weight) was a segfault).
      t = t.toMkldnn();
      desc += '.mkldnn';
      this.made.push(t);
    }
    if (t.dtype.startsWith('float') || t.dtype === 'bfloat16') {
      if (rng.chance(this.plausible ? 0.3 : 0.15)) {
        t = t.detach().requiresGrad_(true);
        desc += '.grad';
        this.made.push(t);
        if (rng.chance(0.3) && !t.isMkldnn) {
          t = t.mul(2);
          desc += '.mul2';
          this.made.push(t);
        }
      }
    }
    if (!this.plausible && rng.chance(0.05)) {
      t.dispose();
      desc += '.disposed';
    }
    this.inputs.add(t);
    return { v: t, d: `T(${desc})` };
  }

  /** A float32 tensor in the forced layout, shaped like base where that fits. */
  private sweepTensor(): Gen {
    const { torch } = this;
    const v = this.forced!;
    this.forced = null;
    const shape = v === '0-d' ? [] : v === 'empty' ? [0, 3] : [2, 3];
    const n = shape.reduce((a, b) => a * b, 1);
    let t = torch.tensor(
      Float32Array.from({ length: n }, (_, i) => (i % 5) - 1.5),
      { shape },
    );
    this.made.push(t);
    if (v === 'mkldnn' && torch.backends.mkldnn.isAvailable()) t = t.toMkldnn();
    else if (v === 'noncontiguous') t = t.t();
    if (t !== this.made[this.made.length - 1]) this.made.push(t);
    this.inputs.add(t);
    return { v: t, d: `T(float32[${t.shape.join(',')}].${v})` };
  }

  int(): Gen {
    const { rng } = this;
    const r = rng.next();
    const v = r < (this.plausible ? 0.97 : 0.8) ? rng.int(-2, 4) : r < (this.plausible ? 0.985 : 0.9) ? rng.pick(EDGE_INTEGERS) : rng.pick(HOSTILE_NUMBERS);
    return { v, d: String(Object.is(v, -0) ? '-0' : v) };
  }

  value(depth = 0): Gen {
    const { rng, torch } = this;
    const r = rng.next();
    if (r < 0.36) return this.tensor();
    if (r < 0.52) return this.int();
    if (r < 0.56) {
      const v = rng.pick(HOSTILE_NUMBERS);
      return { v, d: String(v) };
    }
    if (r < 0.58) {
      const v = rng.next() * 4 - 2;
      return { v, d: String(v) };
    }
    if (r < 0.68) {
      const n = rng.int(0, 4);
      const items: Gen[] = [];
      for (let i = 0; i < n; i++) items.push(depth < 2 && rng.chance(0.15) ? this.value(depth + 1) : this.int());
      if (rng.chance(0.3)) {
        const ts: Gen[] = [];
        for (let i = 0; i < n; i++) ts.push(this.tensor());
        return { v: ts.map((x) => x.v), d: `[${ts.map((x) => x.d).join(',')}]` };
      }
      return { v: items.map((x) => x.v), d: `[${items.map((x) => x.d).join(',')}]` };
    }
    if (r < 0.78 && depth < 2) {
      const n = rng.int(0, 3);
      const o: Record<string, unknown> = {};
      const ds: string[] = [];
      for (let i = 0; i < n; i++) {
        const k = rng.pick(OPTION_KEYS);
        const g =
          k === 'dtype'
            ? { v: rng.pick([...DTYPES, 'float', 'long', 'complex64']), d: '' }
            : k === 'device'
              ? { v: rng.pick(STRINGS), d: '' }
              : this.value(depth + 1);
        if (!g.d) g.d = JSON.stringify(g.v);
        o[k] = g.v;
        ds.push(`${k}:${g.d}`);
      }
      return { v: o, d: `{${ds.join(',')}}` };
    }
    if (r < 0.83) {
      const v = rng.pick(STRINGS);
      return { v, d: JSON.stringify(v) };
    }
    if (r < 0.87) {
      const v = rng.pick([null, undefined]);
      return { v, d: String(v) };
    }
    if (r < 0.89) {
      const v = rng.chance(0.5);
      return { v, d: String(v) };
    }
    if (r < 0.9) {
      const v = rng.pick(EDGE_BIGINTS);
      return { v, d: `${v}n` };
    }
    if (r < 0.93) {
      const k = rng.int(0, 5);
      const fns: [AnyFn, string][] = [
        [() => torch.ones([2]), '()=>ones([2])'],
        [
          () => {
            throw new Error('thrown by fuzz callback');
          },
          '()=>{throw}',
        ],
        [async () => 1, 'async()=>1'],
        [(x: unknown) => x, 'x=>x'],
        [() => [torch.zeros([1]), 5], '()=>[zeros([1]),5]'],
        [() => Promise.resolve(torch.ones([1])), '()=>Promise(ones)'],
      ];
      return { v: fns[k][0], d: fns[k][1] };
    }
    if (r < 0.94) return { v: new torch.Generator().manualSeed(rng.int(0, 9)), d: 'Generator' };
    if (r < 0.95) {
      const a = rng.int(-2, 3);
      const b = rng.int(-2, 3);
      return { v: torch.slice(a, b), d: `slice(${a},${b})` };
    }
    const k = rng.int(0, 7);
    const weird: [() => unknown, string][] = [
      [() => Object.create(torch.Tensor.prototype), 'Object.create(Tensor.prototype)'],
      [() => ({ _h: 0, dispose() {} }), '{_h:0}'],
      [() => Symbol('s'), 'Symbol'],
      [() => new Float32Array([1, 2, 3]), 'Float32Array[3]'],
      [
        () =>
          new Proxy(
            {},
            {
              get() {
                throw new Error('hostile getter');
              },
            },
          ),
        'Proxy(throwing)',
      ],
      [() => ({ valueOf: () => 3 }), '{valueOf:3}'],
      [() => new BigInt64Array([1n, 2n]), 'BigInt64Array[2]'],
      [() => [[1, 2], [3]], '[[1,2],[3]]'],
    ];
    return { v: weird[k][0](), d: weird[k][1] };
  }
}

// ---- result checking --------------------------------------------------------------------

/** What one call did. */
export type Outcome = { status: 'ok' } | { status: 'error'; message: string } | { status: 'bad'; why: string };

function checkResult(torch: Torch, ctx: CallCtx, result: unknown, depth = 0): string | null {
  if (depth > 3 || result === null || result === undefined) return null;
  if (result instanceof torch.Tensor) {
    if (result.isDisposed) return ctx.inputs.has(result) ? null : 'returned a disposed tensor';
    const shape = result.shape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) return `bad shape ${String(shape)}`;
    const numel = shape.reduce((a, b) => a * b, 1);
    if (result.numel() !== numel) return `numel ${result.numel()} != prod(shape) ${numel}`;
    if (typeof result.dtype !== 'string') return 'bad dtype';
    // Meta tensors have no data by design (reading them throws a clear error, as in PyTorch); sparse
    // tensors have no dense element buffer (dataSync says so, as numpy() refuses them in PyTorch).
    if (numel <= 4096 && result.device !== 'meta' && !result.layout.startsWith('sparse')) {
      // Reading the data back exercises the copy-out path on every dtype and layout.
      let data: ArrayLike<unknown>;
      try {
        data = result.dataSync();
      } catch (e) {
        return `dataSync threw on a returned ${result.dtype}[${shape}] tensor: ${(e as Error)?.message}`;
      }
      // Complex elements read as interleaved [real, imag] pairs.
      const expected = result.dtype.startsWith('complex') ? 2 * numel : numel;
      if (data.length !== expected) return `dataSync length ${data.length} != ${expected} for numel ${numel}`;
      try {
        String(result);
      } catch (e) {
        return `toString threw: ${(e as Error)?.message}`;
      }
    }
    return null;
  }
  if (Array.isArray(result)) {
    for (const r of result) {
      const w = checkResult(torch, ctx, r, depth + 1);
      if (w) return w;
    }
    return null;
  }
  if (result instanceof torch.ValuesIndices) {
    return checkResult(torch, ctx, result.values, depth + 1) ?? checkResult(torch, ctx, result.indices, depth + 1);
  }
  return null;
}

// V8's own messages: an argument reached code that assumed its type, so the user learns neither the
// function nor the argument. Every one is a missing check in the facade.
const ENGINE_ERROR =
  /Cannot read propert|is not a function|is not iterable|Cannot convert|Cannot destructure|is not a constructor|Cannot mix BigInt|cannot be converted to a BigInt|Invalid array length|Maximum call stack|Cannot create property|Cannot set propert|Cannot access '|Cannot use 'in' operator|Reduce of empty array/;
// LibTorch's text for a failed internal check, meant for its developers.
const INTERNAL_ASSERT = /INTERNAL ASSERT FAILED|Could this error message be improved|please report a bug to PyTorch/;

function errorOutcome(e: unknown): Outcome {
  if (!(e instanceof Error)) return { status: 'bad', why: `threw a non-Error: ${typeof e} ${String(e)}` };
  if (typeof e.message !== 'string' || e.message.trim() === '') return { status: 'bad', why: `threw an Error with an empty message (${e.name})` };
  if (e.message !== 'thrown by fuzz callback' && ENGINE_ERROR.test(e.message)) return { status: 'bad', why: `raw JS engine error: ${e.message}` };
  if (INTERNAL_ASSERT.test(e.message)) return { status: 'bad', why: `LibTorch internal-check text: ${e.message.split('\n')[0]}` };
  return { status: 'error', message: e.message };
}

/**
 * Whether an error message names the function the user called: its name as written (`expandAs`),
 * in snake_case (`expand_as`, as LibTorch's op names), or for a class its name.
 */
export function namesFunction(target: string, message: string): boolean {
  // The user's own errors (a throwing callback or getter) pass through unchanged, as they should.
  if (message === 'thrown by fuzz callback' || message === 'hostile getter') return true;
  const m = message.toLowerCase();
  // "torch.nn.Linear#forward": the class or the method may be the one that complains.
  return target.split('#').some((part) => {
    const short = part.slice(part.lastIndexOf('.') + 1);
    const snake = short.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return m.includes(short.toLowerCase()) || m.includes(snake.toLowerCase()) || m.includes(short.replace(/_$/, '').toLowerCase());
  });
}

// ---- one call ---------------------------------------------------------------------------

/** A prepared call: its descriptor (logged before running) and its thunk. */
export interface PreparedCall {
  index: number;
  /** The entry point's name, as in Target. */
  target: string;
  desc: string;
  run: () => unknown;
  ctx: CallCtx;
}

/** Builds call `index` of `seed` (pure function of both and the target list). */
export function prepareCall(torch: Torch, targets: Target[], seed: number, index: number, sweep = process.env.FUZZ_SWEEP === '1'): PreparedCall {
  const rng = new Rng(seed, index);
  const drawn = targets[Math.floor(rng.next() * targets.length)];
  // A sweep visits entry point i % T with layout ⌊i / T⌋ mod 5 for its first tensor, the rest random.
  const target = sweep ? targets[index % targets.length] : drawn;
  const ctx = new CallCtx(torch, rng, rng.chance(0.5));
  if (sweep) ctx.forced = SWEEP_VARIANTS[Math.floor(index / targets.length) % SWEEP_VARIANTS.length];
  const nargs = ctx.plausible ? rng.int(0, 3) : rng.int(0, 5);
  const args: Gen[] = [];
  // In a sweep, the forced tensor is a method's receiver, or a function's first argument.
  const sweepSelf = ctx.forced !== null && (target.kind === 'method' || target.kind === 'getter') ? ctx.tensor() : null;
  if (ctx.forced !== null) args.push(ctx.tensor());
  for (let i = args.length; i < Math.max(nargs, args.length); i++) args.push(ctx.value());
  const argDesc = args.map((a) => a.d).join(', ');
  let desc: string;
  let run: () => unknown;
  let classMethod: string | null = null;
  if (target.kind === 'method' || target.kind === 'getter') {
    // Mostly a real tensor receiver; sometimes a hostile `this`.
    const self: Gen = sweepSelf
      ? sweepSelf
      : rng.chance(0.95)
        ? ctx.tensor()
        : rng.pick([
            { v: {}, d: '{}' },
            { v: Object.create(torch.Tensor.prototype), d: 'Object.create(Tensor.prototype)' },
            { v: undefined, d: 'undefined' },
          ]);
    desc = target.kind === 'getter' ? `${self.d}.${target.name.slice(7)}` : `${self.d}.${target.name.slice(7)}(${argDesc})`;
    run =
      target.kind === 'getter'
        ? () => target.fn.call(self.v)
        : () =>
            target.fn.apply(
              self.v,
              args.map((a) => a.v),
            );
  } else if (target.kind === 'function') {
    desc = `${target.name}(${argDesc})`;
    run = () => target.fn(...args.map((a) => a.v));
  } else {
    const methods = target.methods ?? [];
    const callMethod = methods.length > 0 && rng.chance(0.7) ? rng.pick(methods) : null;
    classMethod = callMethod;
    const margs: Gen[] = [];
    if (callMethod) {
      const n = rng.int(0, 3);
      for (let i = 0; i < n; i++) margs.push(ctx.value());
    }
    desc = `new ${target.name}(${argDesc})` + (callMethod ? `.${callMethod}(${margs.map((a) => a.d).join(', ')})` : '');
    run = () => {
      const Cls = target.fn as unknown as new (...a: unknown[]) => Record<string, unknown>;
      const obj = new Cls(...args.map((a) => a.v));
      if (!callMethod) return obj;
      const m = obj[callMethod];
      return typeof m === 'function'
        ? (m as AnyFn).apply(
            obj,
            margs.map((a) => a.v),
          )
        : m;
    };
  }
  return { index, target: classMethod ? `${target.name}#${classMethod}` : target.name, desc, run, ctx };
}

/** Runs a prepared call inside tidy() (so its temporaries are freed) and classifies the outcome. */
export async function executeCall(torch: Torch, call: PreparedCall): Promise<Outcome> {
  let outcome: Outcome;
  try {
    let result: unknown;
    let bad: string | null = null;
    torch.tidy(() => {
      result = call.run();
      if (!(result instanceof Promise)) bad = checkResult(torch, call.ctx, result);
    });
    if (result instanceof Promise) {
      const settled = await Promise.race([
        result.then(
          () => ({ ok: true as const }),
          (e: unknown) => ({ ok: false as const, e }),
        ),
        new Promise<{ ok: 'timeout' }>((res) => setTimeout(() => res({ ok: 'timeout' }), 2000).unref()),
      ]);
      if (settled.ok === 'timeout') outcome = { status: 'ok' };
      else outcome = settled.ok ? { status: 'ok' } : errorOutcome(settled.e);
    } else {
      outcome = bad ? { status: 'bad', why: bad } : { status: 'ok' };
    }
  } catch (e) {
    outcome = errorOutcome(e);
  }
  for (const t of call.ctx.made) t.dispose();
  return outcome;
}

// ---- a batch (run inside a child process) --------------------------------------------------

export interface BatchSummary {
  seed: number;
  start: number;
  end: number;
  calls: number;
  ok: number;
  errors: number;
  /** Calls that returned garbage or threw a non-Error: silent failures. */
  bad: { index: number; desc: string; why: string }[];
  /** Distinct error messages (first line, numbers stripped) and counts: the error catalogue. */
  errorKinds: Record<string, number>;
  /** Errors whose message does not name the called function (issue 18's message rule). */
  unnamed: { index: number; desc: string; message: string }[];
  targets: number;
  numTensorsAfter: number;
  ms: number;
}

/**
 * Runs calls [start, end) of `seed`, writing "index\tdescriptor" to `logFd` before each call so
 * that the parent can name the call that killed the process.
 */
export async function runBatch(seed: number, start: number, end: number, logFd: number | null, torch: Torch = torchNs): Promise<BatchSummary> {
  const targets = collectTargets(torch);
  const t0 = Date.now();
  const s: BatchSummary = {
    seed,
    start,
    end,
    calls: 0,
    ok: 0,
    errors: 0,
    bad: [],
    errorKinds: {},
    unnamed: [],
    targets: targets.length,
    numTensorsAfter: 0,
    ms: 0,
  };
  for (let i = start; i < end; i++) {
    let call: PreparedCall;
    try {
      call = prepareCall(torch, targets, seed, i);
    } catch (e) {
      // Argument construction itself uses the library; a failure there is a finding too.
      s.bad.push({ index: i, desc: '(preparing arguments)', why: String((e as Error)?.stack ?? e) });
      continue;
    }
    if (logFd !== null) fs.writeSync(logFd, `${i}\t${call.desc}\n`);
    // Self-test of the parent's crash detection (test 80): abort (as a failed C++ check would) at a chosen call.
    if (process.env.FUZZ_SELFTEST_CRASH_AT === String(i)) process.abort();
    const o = await executeCall(torch, call);
    s.calls++;
    if (o.status === 'ok') s.ok++;
    else if (o.status === 'error') {
      s.errors++;
      const key = o.message
        .split('\n')[0]
        .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, 'N')
        .slice(0, 120);
      s.errorKinds[key] = (s.errorKinds[key] ?? 0) + 1;
      if (!namesFunction(call.target, o.message)) s.unnamed.push({ index: i, desc: call.desc, message: o.message.split('\n')[0].slice(0, 300) });
    } else s.bad.push({ index: i, desc: call.desc, why: o.why });
    // Let finalizers and microtasks run now and then, as a real program's event loop would.
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
  s.numTensorsAfter = torch.memory().numTensors;
  s.ms = Date.now() - t0;
  return s;
}
