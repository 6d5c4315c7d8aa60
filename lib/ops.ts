/**
 * `torch.ops`: any LibTorch operator by schema name, for what the typed facade does not wrap yet:
 * `callOp('aten::unfold', t, 2, 3, 1)`. Tensor arguments are Tensors (never raw handles) and
 * Tensor results come back as Tensors, so ownership stays with the facade.
 */
import { native } from './native.js';
import { Tensor, op, wrap } from './tensor.js';
import { describe } from './dtype.js';

type ReturnKind = 'tensor' | 'tensors' | 'other';
interface Resolved {
  call: (...args: unknown[]) => unknown;
  returns: ReturnKind[];
  schema: string;
}
const cache = new Map<string, Resolved>();

/** Parses the return part of a schema ("-> (Tensor values, Tensor indices)") into kinds. */
function returnKinds(schema: string): ReturnKind[] {
  const arrow = schema.lastIndexOf('->');
  let ret = schema.slice(arrow + 2).trim();
  if (ret.startsWith('(') && ret.endsWith(')')) ret = ret.slice(1, -1);
  if (ret === '') return [];
  return ret.split(',').map((r) => {
    const type = r
      .trim()
      .split(' ')[0]
      .replace(/\([^)]*\)/g, '');
    if (type === 'Tensor') return 'tensor';
    if (type === 'Tensor[]') return 'tensors';
    return 'other';
  });
}

function resolve(qualified: string, fn = 'callOp'): Resolved {
  let r = cache.get(qualified);
  if (!r) {
    if (typeof qualified !== 'string' || !qualified.includes('::')) {
      throw new TypeError(`${fn}: expected an operator name like 'aten::add.Tensor' but received ${describe(qualified)}`);
    }
    const call = op(qualified);
    const dot = qualified.indexOf('.', qualified.indexOf('::') + 2);
    let index: number;
    try {
      index = native.resolveOp(dot < 0 ? qualified : qualified.slice(0, dot), dot < 0 ? '' : qualified.slice(dot + 1));
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('resolveOp: ')) e.message = `${fn}: ${e.message.slice('resolveOp: '.length)}`;
      throw e;
    }
    const text = native.opSchema(index);
    r = { call, returns: returnKinds(text), schema: text };
    cache.set(qualified, r);
  }
  return r;
}

function toArg(a: unknown): unknown {
  if (a instanceof Tensor) return a._h;
  if (Array.isArray(a) && a.some((x) => x instanceof Tensor)) return a.map((x) => (x instanceof Tensor ? x._h : x));
  return a;
}

function fromResult(v: unknown, kind: ReturnKind): unknown {
  if (v === null || v === undefined) return v;
  if (kind === 'tensor') return wrap(v as number);
  if (kind === 'tensors') return (v as number[]).map(wrap);
  return v;
}

/**
 * Calls a LibTorch operator by schema name ("aten::unfold", "aten::max.dim"); returns a Tensor,
 * an array for several results or Tensor lists, or the plain value. In-place ops return undefined.
 */
export function callOp(qualified: string, ...args: unknown[]): unknown {
  const r = resolve(qualified);
  const out = r.call(...args.map(toArg));
  if (out === undefined) return undefined;
  if (r.returns.length === 1) return fromResult(out, r.returns[0]);
  return (out as unknown[]).map((v, i) => fromResult(v, r.returns[i] ?? 'other'));
}

/** The schema LibTorch registers for an operator, e.g. for reading argument names and defaults. */
export function schema(qualified: string): string {
  return resolve(qualified, 'ops.schema').schema;
}
