/**
 * The runtime half of the generated op surface (lib/generated/, written by tools/gen/gen.ts):
 * picks the LibTorch overload that a call's arguments fit, as PyTorch's Python argument parser
 * does, converts the arguments and runs it through the dispatcher. One function serves every
 * generated op; its table of overloads is data (lib/generated/ops.generated.ts).
 *
 * An overload is `[qualified name, parameters, returns]`, both lists comma-separated:
 * a parameter is `name:kind`, prefixed `*` when keyword-only, suffixed `=` when it has a default;
 * a return is a kind with an optional name ("T values"), or `self` for an in-place op.
 * Kinds: T Tensor, I int, F float, B bool, S Scalar, D dtype, M memory format, L layout, Dev
 * device, G generator, Str string, X a type the facade does not pass (always defaulted); `[]`
 * marks a list and a trailing `?` a parameter that takes null.
 */
import { Tensor, op, wrap } from './tensor.js';
import { Generator, threadDefaultGeneratorId } from './random.js';
import { describe, dtypeCode, dtypeFromCode } from './dtype.js';
import { apiFunction, callPrefix, runAs } from './errors.js';

/** One overload: qualified name ("aten::max.dim"), parameters, returns (see the file comment). */
export type OverloadSpec = readonly [qualified: string, params: string, returns: string];

/** `torch.memory_format` values, as Python names them. */
export type MemoryFormat = 'contiguous_format' | 'preserve_format' | 'channels_last' | 'channels_last_3d';
// c10::MemoryFormat's enum values.
const MEMORY_FORMAT: Record<MemoryFormat, number> = { contiguous_format: 0, preserve_format: 1, channels_last: 2, channels_last_3d: 3 };

interface Param {
  name: string;
  /** camelCase, as the options object spells it. */
  key: string;
  kind: string;
  nullable: boolean;
  hasDefault: boolean;
  kwOnly: boolean;
}
interface Overload {
  qualified: string;
  params: Param[];
  returns: { kind: string; name?: string }[];
  call: (...args: unknown[]) => unknown;
}

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function parseOverload([qualified, params, returns]: OverloadSpec): Overload {
  return {
    qualified,
    params:
      params === ''
        ? []
        : params.split(',').map((p) => {
            const kwOnly = p.startsWith('*');
            const hasDefault = p.endsWith('=');
            const [name, kind] = p.slice(kwOnly ? 1 : 0, hasDefault ? -1 : undefined).split(':');
            return { name, key: camel(name), kind, nullable: kind.endsWith('?'), hasDefault, kwOnly };
          }),
    returns:
      returns === ''
        ? []
        : returns.split(',').map((r) => {
            const [kind, name] = r.split(' ');
            return { kind, name };
          }),
    call: op(qualified),
  };
}

const parsed = new Map<string, Overload[]>();
function overloadsOf(name: string, specs: readonly OverloadSpec[]): Overload[] {
  let o = parsed.get(name);
  if (!o) {
    o = specs.map(parseOverload);
    parsed.set(name, o);
  }
  return o;
}

const isInt = (v: unknown): boolean => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
const isNum = (v: unknown): boolean => typeof v === 'number' || typeof v === 'bigint';

/** Whether `v` can be passed as `kind` (null and undefined are judged by the caller). */
/**
 * Whether a lone number may stand for a list (`kernel_size=2` for `[2, 2]`). The first pass over
 * the overloads refuses it, so `histogramdd(x, 4)` takes the `int bins` overload, not `int[] bins`,
 * as Python's parser prefers an exact match.
 */
let numberForList = true;

function fits(kind: string, v: unknown): boolean {
  const base = kind.endsWith('?') ? kind.slice(0, -1) : kind;
  switch (base) {
    case 'T':
      return v instanceof Tensor;
    case 'T[]':
      return Array.isArray(v) && v.every((x) => x instanceof Tensor);
    case 'T?[]':
      return Array.isArray(v) && v.every((x) => x === null || x === undefined || x instanceof Tensor);
    case 'I':
      return isInt(v);
    case 'I[]':
      return (numberForList && isInt(v)) || (Array.isArray(v) && v.every(isInt));
    case 'F':
      return isNum(v);
    case 'F[]':
      return (numberForList && isNum(v)) || (Array.isArray(v) && v.every(isNum));
    case 'B':
      return typeof v === 'boolean';
    case 'B[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'boolean');
    case 'S':
      return isNum(v) || typeof v === 'boolean';
    case 'S[]':
      return Array.isArray(v) && v.every((x) => isNum(x) || typeof x === 'boolean');
    case 'D':
    case 'M':
    case 'Dev':
    case 'Str':
      return typeof v === 'string';
    case 'L':
      return v === 'strided';
    case 'G':
      return v instanceof Generator;
    default:
      return false;
  }
}

/** `v` as the addon takes it: handles for tensors, codes for dtypes and memory formats. */
function toNative(p: Param, v: unknown): unknown {
  if (v === null || v === undefined) return p.kind === 'G?' ? (threadDefaultGeneratorId() ?? v) : v;
  const base = p.kind.endsWith('?') ? p.kind.slice(0, -1) : p.kind;
  switch (base) {
    case 'T':
      return (v as Tensor)._h;
    case 'T[]':
    case 'T?[]':
      return (v as (Tensor | null)[]).map((t) => (t instanceof Tensor ? t._h : null));
    case 'D':
      return dtypeCode(v, p.key);
    case 'M': {
      const code = MEMORY_FORMAT[v as MemoryFormat];
      if (code === undefined) throw new TypeError(`Expected one of ${Object.keys(MEMORY_FORMAT).join(', ')} for ${p.key} but received ${describe(v)}`);
      return code;
    }
    case 'L':
      return 0; // strided
    case 'G':
      return (v as Generator)._id;
    default:
      return v;
  }
}

function fromNative(kind: string, v: unknown): unknown {
  if (v === null || v === undefined) return v;
  switch (kind) {
    case 'T':
      return wrap(v as number);
    case 'T[]':
      return (v as number[]).map(wrap);
    case 'D':
      return dtypeFromCode(v as number);
    default:
      return v;
  }
}

function isOptionsObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor || v instanceof Generator) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Binds `args` to `o`'s parameters; undefined when they do not fit it. */
function bind(o: Overload, self: Tensor | undefined, args: unknown[], opts: Record<string, unknown> | undefined): unknown[] | undefined {
  const values: unknown[] = new Array(o.params.length);
  let next = 0;
  let i = 0;
  if (self !== undefined) {
    // A method's receiver is its first Tensor parameter ("self", or "input" for a few ops).
    if (o.params.length === 0 || o.params[0].kind !== 'T') return undefined;
    values[0] = self;
    i = 1;
  }
  for (; i < o.params.length && next < args.length; i++) {
    if (o.params[i].kwOnly) break;
    values[i] = args[next++];
  }
  if (next < args.length) return undefined; // too many positional arguments
  if (opts) {
    for (const k of Object.keys(opts)) {
      const j = o.params.findIndex((p) => p.key === k);
      if (j < 0 || values[j] !== undefined || (self !== undefined && j === 0)) return undefined;
      values[j] = opts[k];
    }
  }
  for (let j = 0; j < o.params.length; j++) {
    const p = o.params[j];
    const v = values[j];
    if (v === undefined) {
      if (!p.hasDefault && !p.nullable) return undefined;
    } else if (v === null) {
      if (!p.nullable) return undefined;
    } else if (!fits(p.kind, v)) return undefined;
  }
  return values;
}

const KIND_NAMES: Record<string, string> = {
  T: 'Tensor',
  I: 'int',
  F: 'float',
  B: 'bool',
  S: 'Scalar',
  D: 'dtype',
  M: 'memory format',
  L: 'layout',
  Dev: 'device',
  G: 'Generator',
  Str: 'str',
};
function signature(name: string, o: Overload, method: boolean): string {
  const ps = o.params.slice(method ? 1 : 0).map((p) => {
    const nullable = p.kind.endsWith('?') && !p.kind.endsWith('?[]');
    const base = nullable ? p.kind.slice(0, -1) : p.kind;
    const list = base.endsWith('[]');
    const t = KIND_NAMES[base.replace(/\??\[\]$/, '')] ?? base;
    return `${p.kwOnly ? '*' : ''}${p.key}: ${t}${list ? '[]' : ''}${nullable ? ' | null' : ''}${p.hasDefault ? ' = default' : ''}`;
  });
  return `${name}(${ps.join(', ')})`;
}

function kindOf(v: unknown): string {
  if (v instanceof Tensor) return 'Tensor';
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length > 0 && v.every((x) => x instanceof Tensor) ? 'Tensor[]' : 'array';
  if (isOptionsObject(v)) return `{${Object.keys(v).join(', ')}}`;
  return typeof v;
}

/**
 * Runs generated op `name` (a Tensor method when `self` is given) on `args`: the first overload
 * they fit, in LibTorch's declaration order; an error listing the signatures when none does.
 */
export function dispatch(name: string, specs: readonly OverloadSpec[], self: Tensor | undefined, args: unknown[]): unknown {
  return runAs(name, () => {
    const overloads = overloadsOf(specs[0][0], specs);
    let positional = args;
    while (positional.length > 0 && positional[positional.length - 1] === undefined) positional = positional.slice(0, -1);
    let opts: Record<string, unknown> | undefined;
    if (positional.length > 0 && isOptionsObject(positional[positional.length - 1])) {
      opts = positional[positional.length - 1] as Record<string, unknown>;
      positional = positional.slice(0, -1);
    }
    let chosen: { o: Overload; values: unknown[] } | undefined;
    for (const lenient of [false, true]) {
      numberForList = lenient;
      try {
        for (const o of overloads) {
          const values = bind(o, self, positional, opts);
          if (values) {
            chosen = { o, values };
            break;
          }
        }
      } finally {
        numberForList = true;
      }
      if (chosen) break;
    }
    if (chosen) {
      const { o, values } = chosen;
      const out = o.call(...values.map((v, j) => toNative(o.params[j], v)));
      if (o.returns.length === 1 && o.returns[0].kind === 'self') return self ?? values[0];
      if (o.returns.length === 0) return undefined;
      if (o.returns.length === 1) return fromNative(o.returns[0].kind, out);
      // Several results: an array that also has Python's named-tuple fields (values, indices).
      const r = (out as unknown[]).map((v, j) => fromNative(o.returns[j].kind, v)) as unknown[] & Record<string, unknown>;
      o.returns.forEach((ret, j) => {
        if (ret.name) r[ret.name] = r[j];
      });
      return r;
    }
    const got = [...(self ? ['self: Tensor'] : []), ...positional.map(kindOf), ...(opts ? [kindOf(opts)] : [])].join(', ');
    const sigs = overloads.map((o) => `  ${signature(name, o, self !== undefined)}`).join('\n');
    throw new TypeError(`${name}: no overload takes (${got}); the signatures are:\n${sigs}`);
  });
}

/** Checks a method's receiver (see tensor.ts's error protocol). */
function checkThis(name: string): (self: unknown) => void {
  return (self) => {
    if (!(self instanceof Tensor))
      throw new TypeError(`Tensor.${name}: called on ${describe(self)} instead of a Tensor (was the method detached from its tensor?)`);
    // Before the arguments: a freed receiver is the problem whatever else the call got wrong.
    if (self.isDisposed) throw new Error(`${name}: argument 'self' is a disposed tensor (it was freed by dispose() or a tidy() scope)`);
  };
}

/** The size arguments LibTorch should refuse and does not: negative dimensions. */
function refuseNegativeSizes(size: unknown): void {
  const dims = typeof size === 'number' ? [size] : Array.isArray(size) ? size : [];
  const bad = dims.find((d) => typeof d === 'number' && d < 0);
  if (bad !== undefined) throw new RangeError(`${callPrefix()}Trying to create tensor with negative dimension ${bad}: [${dims.join(', ')}]`);
}

/**
 * Checks run before a generated method, for inputs LibTorch accepts and turns into a wrong
 * value: LibTorch 1.13's resize_([0, -1]) makes a tensor of shape [0, -1] (PyTorch 1.13 too;
 * 2.x refuses it with this message).
 */
const PRECONDITIONS: Record<string, (args: unknown[]) => void> = {
  resize_: ([size]) => refuseNegativeSizes(size),
};

/** Installs generated Tensor methods (JS name -> specs) that tensor.ts does not define by hand. */
export function installMethods(methods: Record<string, readonly OverloadSpec[]>): void {
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  for (const [js, specs] of Object.entries(methods)) {
    if (Object.hasOwn(proto, js)) continue;
    const pre = PRECONDITIONS[js];
    const f = function (this: Tensor, ...args: unknown[]): unknown {
      pre?.(args);
      return dispatch(js, specs, this, args);
    };
    Object.defineProperty(proto, js, { value: apiFunction(js, f, checkThis(js)), writable: true, configurable: true, enumerable: false });
  }
}
