/**
 * A minimal, safe unpickler for the files CIFAR-10's "python version" ships (and numpy arrays
 * pickled with protocols 2–5): dicts, lists, tuples, numbers, strings, bytes, and numpy ndarrays.
 * Nothing is executed: GLOBAL/STACK_GLOBAL may only name the few numpy/codecs callables that
 * rebuild an array, each replaced by a JS function below; any other global is refused.
 */
import { describe } from '../dtype.js';
import { checkOptions, expectBool, expectString } from '../errors.js';
import { expectBytes } from './check.js';

/** Python bytes (also Python 2 `str`, read as bytes like `pickle.load(f, encoding='bytes')`). */
export class PyBytes {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = expectBytes(bytes, 'PyBytes: bytes');
  }
  /** Latin-1 text, so b'data' reads as 'data'. */
  toString(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('latin1');
  }
}

/** A Python dict; keys are compared by their text (str, or bytes as latin-1). */
export class PyDict {
  readonly entries: [unknown, unknown][] = [];
  /** Key text -> index in entries (the first entry of that text), so n keys fill in O(n), not O(n^2). */
  private readonly index = new Map<string, number>();
  set(k: unknown, v: unknown): void {
    const name = keyName(k);
    const i = name === null ? undefined : this.index.get(name);
    if (i !== undefined) this.entries[i][1] = v;
    else {
      if (name !== null) this.index.set(name, this.entries.length);
      this.entries.push([k, v]);
    }
  }
  /** The value for key `name` (str or bytes key), or undefined. */
  get(name: string): unknown {
    const i = this.index.get(expectString(name, 'PyDict.get: name'));
    return i === undefined ? undefined : this.entries[i][1];
  }
  has(name: string): boolean {
    return this.index.has(expectString(name, 'PyDict.has: name'));
  }
  keys(): string[] {
    return this.entries.map(([k]) => String(keyName(k)));
  }
}

function keyName(k: unknown): string | null {
  if (typeof k === 'string') return k;
  if (k instanceof PyBytes) return k.toString();
  if (typeof k === 'number' || typeof k === 'bigint') return String(k);
  return null;
}

/** numpy.dtype, as far as plain numeric arrays need: kind+size ('u1', 'f4') and byte order. */
export class NpDtype {
  byteorder = '=';
  readonly spec: string;
  /** `spec`: numpy's kind and size, as 'f4' or 'u1'. */
  constructor(spec: string) {
    expectString(spec, 'NpDtype: spec');
    if (!/^[a-zA-Z]\d+$/.test(spec)) throw new TypeError(`NpDtype: expected a kind and a size (as 'f4' or 'u1') for spec but received ${describe(spec)}`);
    this.spec = spec;
  }
  /** e.g. '<f4', '|u1'. */
  get descr(): string {
    const order = this.byteorder === '=' ? (this.spec.endsWith('1') ? '|' : '<') : this.byteorder;
    return order + this.spec;
  }
}

/** A numpy ndarray rebuilt from a pickle: dtype, shape, order and raw bytes (C or F order). */
export class NdArray {
  shape: number[] = [];
  dtype: NpDtype | null = null;
  fortranOrder = false;
  data: Uint8Array = new Uint8Array(0);
}

class Global {
  constructor(
    readonly name: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}
const NDARRAY_CLASS = Symbol('numpy.ndarray');

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof PyBytes) return v.toString();
  throw new TypeError(`expected a string but found ${describe(v)}`);
}
function bytesOf(v: unknown): Uint8Array {
  if (v instanceof PyBytes) return v.bytes;
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  throw new TypeError(`expected bytes but found ${describe(v)}`);
}
function shapeOf(v: unknown): number[] {
  const s = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(s) || !s.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`expected a shape tuple but found ${describe(v)}`);
  }
  return s as number[];
}

function makeGlobals(): Map<string, Global | symbol> {
  const g = new Map<string, Global | symbol>();
  const reconstruct = new Global('_reconstruct', (args) => {
    if (args[0] !== NDARRAY_CLASS) throw new TypeError('_reconstruct: only numpy.ndarray can be rebuilt');
    return new NdArray();
  });
  const dtype = new Global('dtype', (args) => {
    const spec = text(args[0]);
    if (!/^[a-zA-Z]\d+$/.test(spec)) throw new TypeError(`numpy dtype '${spec}' is not a plain numeric type`);
    return new NpDtype(spec);
  });
  const frombuffer = new Global('_frombuffer', (args) => {
    const [buf, dt, shape, order] = args;
    if (!(dt instanceof NpDtype)) throw new TypeError(`_frombuffer: expected a dtype but found ${describe(dt)}`);
    const a = new NdArray();
    a.data = bytesOf(buf);
    a.dtype = dt;
    a.shape = shapeOf(shape);
    a.fortranOrder = text(order) === 'F';
    return a;
  });
  for (const mod of ['numpy.core.multiarray', 'numpy._core.multiarray']) g.set(`${mod}.${'_reconstruct'}`, reconstruct);
  for (const mod of ['numpy.core.numeric', 'numpy._core.numeric']) g.set(`${mod}._frombuffer`, frombuffer);
  g.set('numpy.ndarray', NDARRAY_CLASS);
  g.set('numpy.dtype', dtype);
  // Python 3 pickles bytes with protocol 2 as _codecs.encode(latin-1 text, 'latin1').
  g.set(
    '_codecs.encode',
    new Global('encode', (args) => {
      const enc = text(args[1] ?? 'utf-8')
        .toLowerCase()
        .replace('-', '');
      if (enc !== 'latin1' && enc !== 'iso88591') throw new TypeError(`_codecs.encode: only latin1 is supported, not ${enc}`);
      return new PyBytes(Buffer.from(text(args[0]), 'latin1'));
    }),
  );
  const bytes = new Global('bytes', (args) => {
    if (args.length === 0) return new PyBytes(new Uint8Array(0));
    if (Array.isArray(args[0])) return new PyBytes(Uint8Array.from(args[0] as number[]));
    throw new TypeError(`bytes(): unsupported argument ${describe(args[0])}`);
  });
  g.set('__builtin__.bytes', bytes);
  g.set('builtins.bytes', bytes);
  return g;
}

const MARK = Symbol('mark');

/** Options of unpickle. */
export interface UnpickleOptions {
  /**
   * Bytes objects and numpy array data become views into `buf` instead of copies (default
   * false). For readers that copy the data out before `buf` is reused: CIFAR-10's 30 MB
   * batches then cost no second allocation each.
   */
  zeroCopy?: boolean;
}

/**
 * Decodes a pickle. `file` names the source in errors: every defect (unknown opcode, forbidden
 * global, truncation) is reported as `<file>: <defect> at byte <offset>`.
 */
export function unpickle(buf: Uint8Array, file = '<buffer>', opts: UnpickleOptions | null = {}): unknown {
  expectBytes(buf, 'unpickle: buf');
  expectString(file, 'unpickle: file');
  checkOptions(opts ?? undefined, ['zeroCopy'], 'unpickle');
  const zeroCopy = opts?.zeroCopy === undefined || opts.zeroCopy === null ? false : expectBool(opts.zeroCopy, 'unpickle: zeroCopy');
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const globals = makeGlobals();
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const fail = (msg: string): never => {
    throw new Error(`unpickle: ${file}: ${msg} at byte ${pos}`);
  };
  const need = (n: number): void => {
    if (pos + n > b.length) fail(`truncated pickle (needs ${n} more bytes, ${b.length - pos} left)`);
  };
  const u8 = (): number => {
    need(1);
    return b[pos++];
  };
  const u16 = (): number => {
    need(2);
    const v = b.readUInt16LE(pos);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = b.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = b.readInt32LE(pos);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = b.readBigUInt64LE(pos);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('length too large');
    return Number(v);
  };
  const raw = (n: number): Uint8Array => {
    need(n);
    let out: Uint8Array;
    if (zeroCopy) out = new Uint8Array(b.buffer, b.byteOffset + pos, n);
    else {
      out = new Uint8Array(n);
      out.set(b.subarray(pos, pos + n));
    }
    pos += n;
    return out;
  };
  const line = (): string => {
    const end = b.indexOf(0x0a, pos);
    if (end < 0) fail('truncated GLOBAL name');
    const s = b.subarray(pos, end).toString('latin1');
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    let k = stack.length - 1;
    while (k >= 0 && stack[k] !== MARK) k--;
    if (k < 0) fail('MARK not found');
    const items = stack.slice(k + 1);
    stack.length = k;
    return items;
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const lookupGlobal = (mod: string, name: string): unknown => {
    const g = globals.get(`${mod}.${name}`);
    if (g === undefined) fail(`refusing to load global ${mod}.${name} (only numpy arrays and plain data are allowed)`);
    return g;
  };
  const setItems = (d: unknown, items: unknown[]): void => {
    if (!(d instanceof PyDict)) fail(`SETITEM(S) on ${describe(d)}, not a dict`);
    if (items.length % 2 !== 0) fail('odd number of items for SETITEMS');
    for (let i = 0; i < items.length; i += 2) (d as PyDict).set(items[i], items[i + 1]);
  };
  const build = (obj: unknown, state: unknown): void => {
    try {
      if (obj instanceof NdArray) {
        if (!Array.isArray(state) || state.length !== 5) throw new TypeError(`expected (version, shape, dtype, is_fortran, data) but found ${describe(state)}`);
        const [, shape, dt, fortran, data] = state;
        if (!(dt instanceof NpDtype)) throw new TypeError(`expected a dtype but found ${describe(dt)}`);
        if (Array.isArray(data)) throw new TypeError('object arrays (data as a list) are not supported');
        obj.shape = shapeOf(shape);
        obj.dtype = dt;
        obj.fortranOrder = fortran === true || fortran === 1;
        obj.data = bytesOf(data);
      } else if (obj instanceof NpDtype) {
        if (!Array.isArray(state) || state.length < 2) throw new TypeError(`unexpected dtype state ${describe(state)}`);
        const order = text(state[1]);
        if (!['<', '>', '|', '='].includes(order)) throw new TypeError(`unknown byte order '${order}'`);
        if (state.length >= 4 && state[3] !== null) throw new TypeError('structured dtypes are not supported');
        obj.byteorder = order;
      } else {
        throw new TypeError(`cannot BUILD ${describe(obj)}`);
      }
    } catch (e) {
      fail(`BUILD: ${(e as Error).message}`);
    }
  };

  for (;;) {
    if (pos >= b.length) fail('truncated pickle (no STOP opcode)');
    const opAt = pos;
    const code = b[pos++];
    switch (code) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        u64();
        break; // FRAME (a length hint)
      case 0x2e: {
        // STOP
        const v = pop();
        return v;
      }
      case 0x28:
        stack.push(MARK);
        break;
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP
      case 0x4e:
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4a:
        stack.push(i32());
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x8a:
      case 0x8b: {
        // LONG1, LONG4
        const n = code === 0x8a ? u8() : u32();
        const bytes = raw(n);
        // Little-endian two's complement, parsed as hex in one step (a shift per byte is quadratic).
        let v = n === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
        if (n > 0 && bytes[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: {
        need(8);
        stack.push(b.readDoubleBE(pos));
        pos += 8;
        break;
      } // BINFLOAT
      case 0x54:
        stack.push(new PyBytes(raw(i32())));
        break; // BINSTRING
      case 0x55:
        stack.push(new PyBytes(raw(u8())));
        break; // SHORT_BINSTRING
      case 0x58:
        stack.push(Buffer.from(raw(u32())).toString('utf8'));
        break; // BINUNICODE
      case 0x8c:
        stack.push(Buffer.from(raw(u8())).toString('utf8'));
        break; // SHORT_BINUNICODE
      case 0x8d:
        stack.push(Buffer.from(raw(u64())).toString('utf8'));
        break; // BINUNICODE8
      case 0x42:
        stack.push(new PyBytes(raw(u32())));
        break; // BINBYTES
      case 0x43:
        stack.push(new PyBytes(raw(u8())));
        break; // SHORT_BINBYTES
      case 0x8e:
      case 0x96:
        stack.push(new PyBytes(raw(u64())));
        break; // BINBYTES8, BYTEARRAY8
      case 0x29:
        stack.push(Object.freeze([]));
        break; // EMPTY_TUPLE
      case 0x74:
        stack.push(popMark());
        break; // TUPLE
      case 0x85:
        stack.push([pop()]);
        break;
      case 0x86: {
        const y = pop();
        const x = pop();
        stack.push([x, y]);
        break;
      }
      case 0x87: {
        const z = pop();
        const y = pop();
        const x = pop();
        stack.push([x, y, z]);
        break;
      }
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x6c:
        stack.push(popMark());
        break; // LIST
      case 0x61: {
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) fail('APPEND to a non-list');
        (l as unknown[]).push(v);
        break;
      }
      case 0x65: {
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) fail('APPENDS to a non-list');
        (l as unknown[]).push(...items);
        break;
      }
      case 0x7d:
        stack.push(new PyDict());
        break; // EMPTY_DICT
      case 0x64: {
        const items = popMark();
        const d = new PyDict();
        setItems(d, items);
        stack.push(d);
        break;
      } // DICT
      case 0x73: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const items = popMark();
        setItems(top(), items);
        break;
      } // SETITEMS
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x68:
      case 0x6a: {
        // BINGET, LONG_BINGET
        const k = code === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo key ${k} not found`);
        stack.push(memo.get(k));
        break;
      }
      case 0x63: {
        const mod = line();
        const name = line();
        stack.push(lookupGlobal(mod, name));
        break;
      } // GLOBAL
      case 0x93: {
        const name = pop();
        const mod = pop(); // STACK_GLOBAL
        if (typeof mod !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL with non-string names');
        stack.push(lookupGlobal(mod as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof Global)) fail(`REDUCE on ${fn === NDARRAY_CLASS ? 'numpy.ndarray' : describe(fn)}, which is not an allowed callable`);
        if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
        try {
          stack.push((fn as Global).call(args as unknown[]));
        } catch (e) {
          fail(`${(fn as Global).name}: ${(e as Error).message}`);
        }
        break;
      }
      case 0x62: {
        const state = pop();
        build(top(), state);
        break;
      } // BUILD
      default:
        pos = opAt;
        fail(`unsupported pickle opcode 0x${code.toString(16).padStart(2, '0')}${code >= 0x20 && code < 0x7f ? ` ('${String.fromCharCode(code)}')` : ''}`);
    }
  }
}
