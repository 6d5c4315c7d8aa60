/**
 * `torch.save` / `torch.load` in PyTorch's own zip+pickle format, so files move both ways
 * between torchnode and Python. Writing uses LibTorch's `torch::pickle_save`. Reading parses
 * the archive here: LibTorch 1.13's unpickler turns Python's OrderedDict (every
 * `model.state_dict()`) into None, so it cannot read what Python's `torch.save` writes.
 *
 * Values: Tensors, numbers, bigints, strings, booleans, null, arrays, plain objects and Maps,
 * nested. Python ints/floats load as numbers (ints outside 2^53 as bigint), tuples and lists
 * as arrays, `OrderedDict` as a Map (what `Module.loadStateDict` takes) and `dict` as a plain
 * object (or a Map when its keys are not all strings/ints, or when an object would reorder them:
 * JS lists integer-like keys first, ascending). JS cannot have integer object keys:
 * keys of a plain object that are canonical integers ("0", "12") are saved as Python ints, so
 * an optimizer's `stateDict()` round-trips with Python's.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { native } from './native.js';
import { Tensor, op, wrap, deviceArg } from './tensor.js';
import { describe } from './dtype.js';
import { checkOptions } from './errors.js';

// ---- save -------------------------------------------------------------------------------

const INT_KEY = /^(0|[1-9]\d{0,14})$/;

type Tagged = null | boolean | string | { t: string; v?: unknown; h?: number; k?: unknown[] };

function tag(v: unknown, path: string, seen: Set<object>): Tagged {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? { t: 'i', v } : { t: 'f', v };
  if (typeof v === 'bigint') {
    if (v > 9223372036854775807n || v < -9223372036854775808n) throw new RangeError(`save: ${path} does not fit in int64`);
    return { t: 'i', v: Number(v) };
  }
  if (v instanceof Tensor) {
    if (v.isDisposed) throw new Error(`save: ${path} is a disposed tensor`);
    return { t: 'T', h: v._h };
  }
  if (typeof v !== 'object')
    throw new TypeError(`save: cannot save ${path}: ${describe(v)} (expected Tensors, numbers, strings, booleans, null, arrays, objects and Maps)`);
  if (seen.has(v)) throw new TypeError(`save: ${path} refers to itself (cycles cannot be saved)`);
  seen.add(v);
  try {
    if (Array.isArray(v)) return { t: 'L', v: v.map((x, i) => tag(x, `${path}[${i}]`, seen)) };
    if (v instanceof Map) {
      const k: unknown[] = [];
      const vals: Tagged[] = [];
      for (const [key, x] of v) {
        if (typeof key === 'number' && Number.isInteger(key)) k.push({ t: 'i', v: key });
        else if (typeof key === 'string') k.push(key);
        else throw new TypeError(`save: Map keys must be strings or integers but ${path} has a key ${describe(key)}`);
        vals.push(tag(x, `${path}.get(${JSON.stringify(key)})`, seen));
      }
      return { t: 'D', k, v: vals };
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`save: cannot save ${path}: ${describe(v)} (expected Tensors, numbers, strings, booleans, null, arrays, objects and Maps)`);
    }
    const k: unknown[] = [];
    const vals: Tagged[] = [];
    for (const [key, x] of Object.entries(v)) {
      k.push(INT_KEY.test(key) ? { t: 'i', v: Number(key) } : key);
      vals.push(tag(x, `${path}.${key}`, seen));
    }
    return { t: 'D', k, v: vals };
  } finally {
    seen.delete(v);
  }
}

/** Writes bytes atomically: a temp file in the same directory, fsync, then rename over `path`. */
function writeAtomic(path: string, bytes: Uint8Array, fn: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd = -1;
  try {
    fd = openSync(tmp, 'w', 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* the temp file may not exist */
    }
    throw new Error(`${fn}: cannot write '${path}': ${(e as Error).message}`);
  }
}

/** Where {@link save} can write: something with `write(bytes)`, as a Node Writable stream (Python's file-like `f`). */
export interface Writer {
  write(chunk: Uint8Array): unknown;
}

/**
 * `torch.save(obj, f)`: a Tensor or nested arrays/objects/Maps of tensors, numbers and
 * strings, in the zip format Python's `torch.load` reads. `f` is a path (the file is replaced
 * atomically) or a writer such as a Node stream, which receives the whole archive in one
 * `write` call: `torch.save(sd, fs.createWriteStream(p))`, or collect the bytes with
 * `{ write: (b) => chunks.push(b) }` (`torch.load` takes them back as a Buffer).
 */
export function save(obj: unknown, f: string | Writer): void {
  const isWriter = typeof f === 'object' && f !== null && typeof (f as Writer).write === 'function';
  if (!isWriter && (typeof f !== 'string' || f.length === 0))
    throw new TypeError(`save: Expected a file path string or a writer (an object with write(), e.g. a stream) for f but received ${describe(f)}`);
  const tagged = tag(obj, 'obj', new Set());
  const bytes = new Uint8Array(native.pickleSave(tagged));
  if (isWriter) (f as Writer).write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  else writeAtomic(f as string, bytes, 'save');
}

// ---- load: zip ----------------------------------------------------------------------------

class LoadError extends Error {}

interface ZipEntry {
  name: string;
  method: number;
  data: Buffer;
}

/** An entry's bytes; torch.save stores entries uncompressed (TorchScript archives compress code). */
function entryData(e: ZipEntry): Buffer {
  if (e.method !== 0) throw new LoadError(`entry '${e.name}' is compressed (method ${e.method}); torch.save archives are stored uncompressed`);
  return e.data;
}

function readZip(buf: Buffer): Map<string, ZipEntry> {
  const n = buf.length;
  let eocd = -1;
  for (let i = n - 22; i >= Math.max(0, n - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    if (n > 0 && buf[0] === 0x80)
      throw new LoadError('it is in the legacy (pre-1.6) torch.save format; re-save it in Python with torch.save(obj, path) (the default zip format)');
    throw new LoadError('it is not a torch.save archive (no zip directory found)');
  }
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    // Zip64: the locator right before the end record points to the zip64 end record.
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw new LoadError('corrupt zip64 directory');
    const rec = Number(buf.readBigUInt64LE(loc + 8));
    if (buf.readUInt32LE(rec) !== 0x06064b50) throw new LoadError('corrupt zip64 directory');
    count = Number(buf.readBigUInt64LE(rec + 32));
    cdOffset = Number(buf.readBigUInt64LE(rec + 48));
  }
  const out = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let e = 0; e < count; e++) {
    if (p + 46 > n || buf.readUInt32LE(p) !== 0x02014b50) throw new LoadError('corrupt zip directory');
    const method = buf.readUInt16LE(p + 10);
    let size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // Zip64 extra field: 64-bit sizes/offset replace the 0xffffffff placeholders, in order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = buf.readUInt16LE(x);
      const len = buf.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (buf.readUInt32LE(p + 24) === 0xffffffff) q += 8;
        if (size === 0xffffffff) {
          size = Number(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (local === 0xffffffff) {
          local = Number(buf.readBigUInt64LE(q));
        }
      }
      x += 4 + len;
    }
    if (local + 30 > n || buf.readUInt32LE(local) !== 0x04034b50) throw new LoadError(`corrupt zip entry '${name}'`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + size > n) throw new LoadError(`zip entry '${name}' is truncated`);
    out.set(name, { name, method, data: buf.subarray(start, start + size) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

// ---- load: pickle -------------------------------------------------------------------------

/** A Python dict while unpickling (keys may be ints or strings; order kept). */
class PyDict {
  entries: [unknown, unknown][] = [];
  /** Key -> index in entries, so a dict of n keys fills in O(n), not O(n^2). */
  private index = new Map<unknown, number>();
  constructor(readonly ordered: boolean) {}
  set(k: unknown, v: unknown): void {
    const i = this.index.get(k);
    if (i !== undefined) this.entries[i][1] = v;
    else {
      this.index.set(k, this.entries.length);
      this.entries.push([k, v]);
    }
  }
}
class Global {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}
class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: number,
    readonly location: string,
    readonly numel: number,
  ) {}
}

const STORAGE_DTYPES: Record<string, number> = {
  ByteStorage: 0,
  CharStorage: 1,
  ShortStorage: 2,
  IntStorage: 3,
  LongStorage: 4,
  HalfStorage: 5,
  FloatStorage: 6,
  DoubleStorage: 7,
  ComplexHalfStorage: 8,
  ComplexFloatStorage: 9,
  ComplexDoubleStorage: 10,
  BoolStorage: 11,
  BFloat16Storage: 15,
};
const ELEMENT_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 4, 4: 8, 5: 2, 6: 4, 7: 8, 8: 4, 9: 8, 10: 16, 11: 1, 15: 2 };

const asStrided = op('aten::as_strided');

interface LoadContext {
  records: Map<string, ZipEntry>;
  prefix: string;
  storages: Map<string, number>;
  mapLocation?: string;
  /** List, tuple and dict elements made so far, and the most allowed (see ELEMENTS_PER_BYTE). */
  elements: number;
  maxElements: number;
}

/**
 * Limits against hostile pickles. Memo references (BINGET) share one object, as in Python, so a
 * file whose lists each hold the previous one twice loads in linear time; what could still make
 * the work grow faster than the file (a shared list copied by many `list(x)` calls) is stopped by
 * an element budget: each element costs at least one opcode byte, and a pickle from Python makes
 * at most a few per byte. Nesting deeper than Python's own pickler writes (its recursion limit
 * is 1000) is refused rather than overflowing the stack.
 */
const MAX_DEPTH = 1000;
const ELEMENTS_PER_BYTE = 8;
const ELEMENTS_SLACK = 4096;

/** Counts `n` elements made against the budget of this load. */
function spend(ctx: LoadContext, n: number): void {
  ctx.elements += n;
  if (ctx.elements > ctx.maxElements) {
    const bytes = (ctx.maxElements - ELEMENTS_SLACK) / ELEMENTS_PER_BYTE;
    throw new LoadError(
      `it makes more than ${ctx.maxElements} list, tuple and dict elements, the limit of torch.load for a ${bytes}-byte pickle (${ELEMENTS_PER_BYTE} per byte + ${ELEMENTS_SLACK}); is it a pickle bomb?`,
    );
  }
}

function storageHandle(ctx: LoadContext, s: StorageRef): number {
  let hnd = ctx.storages.get(s.key);
  if (hnd === undefined) {
    const entry = ctx.records.get(`${ctx.prefix}data/${s.key}`);
    if (!entry) throw new LoadError(`storage record 'data/${s.key}' is missing`);
    const rec = entryData(entry);
    const need = s.numel * ELEMENT_SIZE[s.dtype];
    if (rec.length < need) throw new LoadError(`storage 'data/${s.key}' holds ${rec.length} bytes, expected ${need}`);
    hnd = native.fromData(rec.buffer, rec.byteOffset, [s.numel], s.dtype);
    ctx.storages.set(s.key, hnd);
  }
  return hnd;
}

function rebuildTensor(ctx: LoadContext, args: unknown[]): Tensor {
  const [storage, offset, size, stride, requiresGrad] = args as [StorageRef, number, number[], number[], boolean];
  if (!(storage instanceof StorageRef)) throw new LoadError('malformed tensor record');
  const base = storageHandle(ctx, storage);
  let t = wrap(asStrided(base, size, stride, offset));
  const device = ctx.mapLocation ?? storage.location;
  if (device !== 'cpu') {
    if (device.startsWith('cuda') && !native.cuda.isAvailable()) {
      t.dispose();
      throw new LoadError(`it holds tensors on '${device}' but CUDA is not available; pass {mapLocation: 'cpu'}`);
    }
    const moved = t.to(device);
    t.dispose();
    t = moved;
  }
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}

function callGlobal(ctx: LoadContext, g: Global, args: unknown[]): unknown {
  switch (g.qualified) {
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor':
      return rebuildTensor(ctx, args);
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state': {
      const t = args[0] as Tensor;
      if (args[1] === true && !t.requiresGrad) t.requiresGrad_(true);
      return t;
    }
    case 'collections.OrderedDict': {
      const d = new PyDict(true);
      const items = args[0];
      if (Array.isArray(items)) {
        spend(ctx, items.length);
        for (const kv of items) d.set((kv as unknown[])[0], (kv as unknown[])[1]);
      }
      return d;
    }
    case 'builtins.dict':
      return new PyDict(false);
    case 'builtins.list':
    case 'builtins.tuple':
    case 'torch.Size':
      if (!Array.isArray(args[0])) return [];
      spend(ctx, args[0].length);
      return [...(args[0] as unknown[])];
    case 'torch.device':
      // torch.device pickles as (type,) or (type, index).
      if (typeof args[0] !== 'string') throw new LoadError('malformed torch.device record');
      return typeof args[1] === 'number' ? `${args[0]}:${args[1]}` : args[0];
    case 'torch.jit._pickle.build_intlist':
    case 'torch.jit._pickle.build_floatlist':
    case 'torch.jit._pickle.build_boollist':
    case 'torch.jit._pickle.build_tensorlist':
    case 'torch.jit._pickle.build_doublelist':
    case 'torch.jit._pickle.restore_type_tag':
      return args[0];
    case 'builtins.complex':
      throw new LoadError('it holds a complex number, which torchnode does not load');
    default:
      throw new LoadError(
        `it holds an object of type '${g.qualified}' (torchnode loads tensors, numbers, strings, lists, tuples and dicts; save a state_dict rather than a whole model)`,
      );
  }
}

const ARRAY_INDEX = /^(0|[1-9]\d*)$/;

/**
 * Whether a plain object with these keys lists them in this order: JS puts array-index keys
 * ("0", "12") first, ascending, then the others in insertion order. A Python dict whose order an
 * object would change ({1: a, 0: b}) loads as a Map instead, as do duplicate texts (1 and '1').
 */
function objectKeepsOrder(keys: string[]): boolean {
  if (new Set(keys).size !== keys.length) return false;
  let prevIndex = -1;
  let seenOther = false;
  for (const k of keys) {
    const isIndex = ARRAY_INDEX.test(k) && Number(k) < 4294967295;
    if (!isIndex) {
      seenOther = true;
      continue;
    }
    if (seenOther || Number(k) < prevIndex) return false;
    prevIndex = Number(k);
  }
  return true;
}

/**
 * Turns unpickled values into JS ones (PyDict -> object or Map). `done` maps each list and dict
 * already converted to its result, so an object the pickle shares (through the memo) stays one
 * shared JS object, and a list holding itself becomes a cyclic array, as in Python.
 */
function finish(v: unknown, ctx: LoadContext, done: Map<object, unknown>, depth: number): unknown {
  if (!(v instanceof PyDict || Array.isArray(v))) {
    if (v instanceof Global || v instanceof StorageRef)
      throw new LoadError(`it holds a bare '${v instanceof Global ? v.qualified : 'storage'}' object, which torchnode does not load`);
    return v;
  }
  const seen = done.get(v);
  if (seen !== undefined) return seen;
  if (depth >= MAX_DEPTH) throw new LoadError(`it nests lists, tuples and dicts more than ${MAX_DEPTH} levels deep, the limit of torch.load`);
  if (Array.isArray(v)) {
    spend(ctx, v.length);
    const out: unknown[] = [];
    done.set(v, out);
    for (const x of v) out.push(finish(x, ctx, done, depth + 1));
    return out;
  }
  spend(ctx, v.entries.length);
  // Only string and integer keys are turned into text (String() of a shared nested list key is exponential).
  const plainable = !v.ordered && v.entries.every(([k]) => typeof k === 'string' || (typeof k === 'number' && Number.isInteger(k)));
  if (plainable && objectKeepsOrder(v.entries.map(([k]) => String(k)))) {
    const o: Record<string, unknown> = {};
    done.set(v, o);
    for (const [k, x] of v.entries) o[String(k)] = finish(x, ctx, done, depth + 1);
    return o;
  }
  const m = new Map<unknown, unknown>();
  done.set(v, m);
  for (const [k, x] of v.entries) m.set(k, finish(x, ctx, done, depth + 1));
  return m;
}

function unpickle(data: Buffer, ctx: LoadContext): unknown {
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();
  let p = 0;
  const need = (k: number) => {
    if (p + k > data.length) throw new LoadError('the pickle is truncated');
  };
  const u8 = () => {
    need(1);
    return data[p++];
  };
  const u16 = () => {
    need(2);
    const v = data.readUInt16LE(p);
    p += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = data.readUInt32LE(p);
    p += 4;
    return v;
  };
  const str = (len: number, enc: BufferEncoding = 'utf8') => {
    need(len);
    const s = data.toString(enc, p, p + len);
    p += len;
    return s;
  };
  const line = () => {
    const e = data.indexOf(0x0a, p);
    if (e < 0) throw new LoadError('the pickle is truncated');
    const s = data.toString('latin1', p, e);
    p = e + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw new LoadError('corrupt pickle (stack underflow)');
    return stack.pop();
  };
  const popMark = () => {
    const items = stack;
    const prev = marks.pop();
    if (!prev) throw new LoadError('corrupt pickle (no mark)');
    stack = prev;
    return items;
  };
  const top = () => stack[stack.length - 1];
  const setItems = (d: unknown, kv: unknown[]) => {
    if (!(d instanceof PyDict)) throw new LoadError('corrupt pickle (SETITEM on a non-dict)');
    spend(ctx, kv.length >> 1);
    for (let i = 0; i + 1 < kv.length; i += 2) d.set(kv[i], kv[i + 1]);
  };
  const long = (bytes: Buffer): number | bigint => {
    if (bytes.length === 0) return 0;
    // Little-endian two's complement; parsed as hex in one step (a shift per byte is quadratic).
    let v = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
    if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  for (;;) {
    const opc = u8();
    switch (opc) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        p += 8;
        break; // FRAME
      case 0x2e:
        return finish(pop(), ctx, new Map(), 0); // STOP
      case 0x28:
        marks.push(stack);
        stack = [];
        break; // MARK
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
        break; // NONE
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4a:
        need(4);
        stack.push(data.readInt32LE(p));
        p += 4;
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x49: {
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : Number(s));
        break;
      } // INT
      case 0x4c:
        stack.push(Number(line().replace(/L$/, '')));
        break; // LONG
      case 0x8a: {
        const k = u8();
        need(k);
        stack.push(long(data.subarray(p, p + k)));
        p += k;
        break;
      } // LONG1
      case 0x8b: {
        const k = u32();
        need(k);
        stack.push(long(data.subarray(p, p + k)));
        p += k;
        break;
      } // LONG4
      case 0x47:
        need(8);
        stack.push(data.readDoubleBE(p));
        p += 8;
        break; // BINFLOAT
      case 0x46:
        stack.push(Number(line()));
        break; // FLOAT
      case 0x58:
        stack.push(str(u32()));
        break; // BINUNICODE
      case 0x8c:
        stack.push(str(u8()));
        break; // SHORT_BINUNICODE
      case 0x8d: {
        need(8);
        const k = Number(data.readBigUInt64LE(p));
        p += 8;
        stack.push(str(k));
        break;
      } // BINUNICODE8
      case 0x54:
        stack.push(str(u32(), 'latin1'));
        break; // BINSTRING
      case 0x55:
        stack.push(str(u8(), 'latin1'));
        break; // SHORT_BINSTRING
      case 0x42: {
        const k = u32();
        need(k);
        stack.push(new Uint8Array(data.subarray(p, p + k)));
        p += k;
        break;
      } // BINBYTES
      case 0x43: {
        const k = u8();
        need(k);
        stack.push(new Uint8Array(data.subarray(p, p + k)));
        p += k;
        break;
      } // SHORT_BINBYTES
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x6c: {
        const items = popMark();
        spend(ctx, items.length);
        stack.push(items);
        break;
      } // LIST (popMark swaps the stack: read it first)
      case 0x61: {
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) throw new LoadError('corrupt pickle (APPEND to a non-list)');
        spend(ctx, 1);
        l.push(v);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) throw new LoadError('corrupt pickle (APPENDS to a non-list)');
        spend(ctx, items.length);
        for (const x of items) l.push(x);
        break;
      } // APPENDS
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x74: {
        const items = popMark();
        spend(ctx, items.length);
        stack.push(items);
        break;
      } // TUPLE
      case 0x85:
        spend(ctx, 1);
        stack.push([pop()]);
        break;
      case 0x86: {
        const b = pop();
        const a = pop();
        spend(ctx, 2);
        stack.push([a, b]);
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        spend(ctx, 3);
        stack.push([a, b, c]);
        break;
      }
      case 0x7d:
        stack.push(new PyDict(false));
        break; // EMPTY_DICT
      case 0x64: {
        const d = new PyDict(false);
        setItems(d, popMark());
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
        const kv = popMark();
        setItems(top(), kv);
        break;
      } // SETITEMS
      case 0x63: {
        const mod = line();
        const name = line();
        stack.push(new Global(mod, name));
        break;
      } // GLOBAL
      case 0x93: {
        const name = pop() as string;
        const mod = pop() as string;
        stack.push(new Global(mod, name));
        break;
      } // STACK_GLOBAL
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ
        const args = pop() as unknown[];
        const fn = pop();
        if (!(fn instanceof Global)) throw new LoadError('corrupt pickle (call of a non-global)');
        stack.push(callGlobal(ctx, fn, Array.isArray(args) ? args : [args]));
        break;
      }
      case 0x62: {
        // BUILD: state for an object; only dict-like objects (OrderedDict's _metadata) are expected
        const state = pop();
        const obj = top();
        if (obj instanceof Tensor || obj instanceof PyDict) break;
        throw new LoadError(`it holds an object with pickled state (${describe(state)}), which torchnode does not load`);
      }
      case 0x51: {
        // BINPERSID: ('storage', storage_type, key, location, numel)
        const pid = pop() as unknown[];
        if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof Global)) throw new LoadError('unsupported persistent id');
        const dtype = STORAGE_DTYPES[pid[1].name];
        if (dtype === undefined) throw new LoadError(`it holds a ${pid[1].qualified}, which torchnode does not load`);
        if (typeof pid[2] !== 'string' || typeof pid[3] !== 'string' || typeof pid[4] !== 'number') throw new LoadError('malformed storage record');
        stack.push(new StorageRef(pid[2], dtype, pid[3], pid[4]));
        break;
      }
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x70:
        memo.set(Number(line()), top());
        break; // PUT
      case 0x68:
        stack.push(memo.get(u8()));
        break; // BINGET
      case 0x6a:
        stack.push(memo.get(u32()));
        break; // LONG_BINGET
      case 0x67:
        stack.push(memo.get(Number(line())));
        break; // GET
      default:
        throw new LoadError(`unsupported pickle opcode 0x${opc.toString(16)} at byte ${p - 1}`);
    }
  }
}

/** Options of {@link load}. */
export interface LoadOptions {
  /** Device for every tensor (as PyTorch's `map_location` given a device); default: where each was saved. */
  mapLocation?: string;
}

/**
 * `torch.load(f)`: reads what `torch.save` wrote (Python's or this library's) from a file path
 * or from the bytes themselves (a Buffer, Uint8Array or ArrayBuffer, as Python's `io.BytesIO`).
 * Tensors come back on the device they were saved from unless `mapLocation` says otherwise.
 */
export function load(f: string | Uint8Array | ArrayBuffer, opts: LoadOptions | null = {}): unknown {
  const isBytes = f instanceof Uint8Array || f instanceof ArrayBuffer;
  if (!isBytes && (typeof f !== 'string' || f.length === 0))
    throw new TypeError(`load: Expected a file path string or bytes (Buffer, Uint8Array, ArrayBuffer) for f but received ${describe(f)}`);
  checkOptions(opts, ['mapLocation'], 'load');
  const mapLocation = opts?.mapLocation === undefined ? undefined : deviceArg(opts?.mapLocation, 'mapLocation');
  const path = isBytes ? `<${f.byteLength} bytes>` : (f as string);
  let buf: Buffer;
  if (f instanceof ArrayBuffer) buf = Buffer.from(f);
  else if (f instanceof Uint8Array) buf = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  else {
    try {
      buf = readFileSync(path);
    } catch (e) {
      throw new Error(`load: cannot read '${path}': ${(e as Error).message}`);
    }
  }
  const ctx: LoadContext = { records: new Map(), prefix: '', storages: new Map(), mapLocation, elements: 0, maxElements: 0 };
  try {
    ctx.records = readZip(buf);
    const pkl = [...ctx.records.keys()].find((k) => k === 'data.pkl' || k.endsWith('/data.pkl'));
    if (!pkl) throw new LoadError('the archive has no data.pkl (is it a TorchScript module? use jit.load)');
    ctx.prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
    if (ctx.records.has(`${ctx.prefix}constants.pkl`)) throw new LoadError('it is a TorchScript module; use jit.load');
    const data = entryData(ctx.records.get(pkl)!);
    ctx.maxElements = ELEMENTS_PER_BYTE * data.length + ELEMENTS_SLACK;
    return unpickle(data, ctx);
  } catch (e) {
    // Bytes from a corrupt file may reach a message: keep it printable and short.
    const clean = (m: string) => m.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
    if (e instanceof LoadError) throw new Error(`load: cannot load '${path}': ${clean(e.message)}`);
    // Anything else (a read past the end, LibTorch refusing a view of a storage) means the file is damaged.
    throw new Error(`load: cannot load '${path}': the file is corrupt or truncated (${clean((e as Error).message ?? String(e))})`);
  } finally {
    for (const hnd of ctx.storages.values()) native.release(hnd);
  }
}
