/**
 * Parses LibTorch operator schemas as native_functions.yaml writes them:
 *
 *     linalg_svd(Tensor A, bool full_matrices=True, *, str? driver=None) -> (Tensor U, Tensor S, Tensor Vh)
 *
 * into names, argument types, defaults and returns: what tools/gen/gen.ts needs to write typed
 * wrappers. The grammar is torchgen's (torchgen/model.py FunctionSchema.parse), reduced to what the
 * wrappers use.
 */

export interface SchemaArg {
  name: string;
  /** The type as written, without alias annotations: "Tensor", "int[2]", "Tensor?[]", "ScalarType?". */
  type: string;
  /** The default as written ("None", "1", "[0,1]", "\"fro\""), or undefined when required. */
  default?: string;
  kwargOnly: boolean;
  /** Written to in place (`Tensor(a!)`). */
  mutable: boolean;
}

export interface SchemaReturn {
  name?: string;
  type: string;
  mutable: boolean;
}

export interface Schema {
  /** "max" of "max.dim". */
  name: string;
  /** "dim" of "max.dim"; '' for the default overload. */
  overload: string;
  args: SchemaArg[];
  returns: SchemaReturn[];
}

/** Splits `s` at commas outside brackets, parentheses and quotes. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** "Tensor(a!)[]" -> { type: "Tensor[]", mutable: true }. */
function stripAlias(t: string): { type: string; mutable: boolean } {
  const m = /\(([a-z]\d*)(!?)(?: -> [^)]*)?\)/.exec(t);
  if (!m) return { type: t, mutable: false };
  return { type: t.replace(m[0], ''), mutable: m[2] === '!' };
}

/** Parses one schema; throws on text it does not understand (the generator reports it). */
export function parseSchema(text: string): Schema {
  const arrow = text.lastIndexOf(') -> ');
  const open = text.indexOf('(');
  if (open < 0 || arrow < 0) throw new Error(`not a schema: ${text}`);
  const full = text.slice(0, open);
  const dot = full.indexOf('.');
  const name = dot < 0 ? full : full.slice(0, dot);
  const overload = dot < 0 ? '' : full.slice(dot + 1);
  const args: SchemaArg[] = [];
  let kwargOnly = false;
  for (const part of splitTop(text.slice(open + 1, arrow))) {
    if (part === '*') {
      kwargOnly = true;
      continue;
    }
    const eq = part.indexOf('=');
    const decl = (eq < 0 ? part : part.slice(0, eq)).trim();
    const sp = decl.lastIndexOf(' ');
    const { type, mutable } = stripAlias(decl.slice(0, sp).trim());
    args.push({ name: decl.slice(sp + 1), type, default: eq < 0 ? undefined : part.slice(eq + 1).trim(), kwargOnly, mutable });
  }
  let ret = text.slice(arrow + 5).trim();
  if (ret.startsWith('(') && ret.endsWith(')')) ret = ret.slice(1, -1);
  const returns: SchemaReturn[] =
    ret === ''
      ? []
      : splitTop(ret).map((r) => {
          const sp = r.lastIndexOf(' ');
          const hasName = sp > 0 && !r.slice(sp + 1).includes(')');
          const { type, mutable } = stripAlias(hasName ? r.slice(0, sp) : r);
          return { name: hasName ? r.slice(sp + 1) : undefined, type, mutable };
        });
  return { name, overload, args, returns };
}
