/**
 * The object collectives (`broadcast_object_list`, `all_gather_object`, `gather_object`): values
 * travel as Python pickles in uint8 tensors, with PyTorch 1.13's steps (a size collective, then
 * the bytes), so Node and Python ranks exchange plain data in one group. Node writes pickle
 * protocol 3 (Python reads it) and reads any protocol through lib/data/pickle.ts's safe
 * unpickler, which executes nothing.
 *
 * Plain data only: null/undefined (None), booleans, numbers (integral ones become Python ints),
 * bigints, strings, arrays (lists), plain objects and Maps (dicts), Uint8Array (bytes). Python
 * tuples arrive as arrays, dicts with str keys as plain objects (other keys: a Map), bytes as
 * Uint8Array, ints beyond 2^53 as bigints. Tensors and class instances are refused.
 */
import { PyBytes, PyDict, unpickle } from '../data/pickle.js';
import { describe } from '../dtype.js';

const enc = new TextEncoder();

/** Pickle (protocol 3) of a plain JS value; `fn` names the caller in errors. @internal */
export function pickleValue(value: unknown, fn: string): Uint8Array {
  const parts: number[] = [0x80, 3]; // PROTO 3
  const seen = new Set<object>();
  const u32 = (n: number) => parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  const bytes = (b: Uint8Array) => {
    for (const x of b) parts.push(x);
  };
  const long1 = (v: bigint) => {
    // Two's complement, little-endian, as few bytes as keep the sign.
    const out: number[] = [];
    let x = v;
    for (;;) {
      const byte = Number(x & 0xffn);
      out.push(byte);
      x >>= 8n;
      if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
    }
    parts.push(0x8a, out.length, ...out); // LONG1
  };
  const put = (v: unknown, path: string): void => {
    if (v === null || v === undefined)
      parts.push(0x4e); // NONE
    else if (v === true) parts.push(0x88);
    else if (v === false) parts.push(0x89);
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
        if (v >= -(2 ** 31) && v < 2 ** 31) {
          parts.push(0x4a); // BININT
          u32(v);
        } else long1(BigInt(v));
      } else {
        const b = new DataView(new ArrayBuffer(8));
        b.setFloat64(0, v); // BINFLOAT is big-endian
        parts.push(0x47, ...new Uint8Array(b.buffer));
      }
    } else if (typeof v === 'bigint') long1(v);
    else if (typeof v === 'string') {
      const b = enc.encode(v);
      parts.push(0x58); // BINUNICODE
      u32(b.length);
      bytes(b);
    } else if (v instanceof Uint8Array) {
      parts.push(0x42); // BINBYTES
      u32(v.length);
      bytes(v);
    } else if (typeof v === 'object') {
      if (seen.has(v)) throw new TypeError(`${fn}: cannot pickle ${path}: it contains itself`);
      seen.add(v);
      if (Array.isArray(v)) {
        parts.push(0x5d, 0x28); // EMPTY_LIST, MARK
        v.forEach((x, i) => put(x, `${path}[${i}]`));
        parts.push(0x65); // APPENDS
      } else if (v instanceof Map) {
        parts.push(0x7d, 0x28); // EMPTY_DICT, MARK
        for (const [k, x] of v) {
          put(k, `${path} key`);
          put(x, `${path}.get(${String(k)})`);
        }
        parts.push(0x75); // SETITEMS
      } else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
        parts.push(0x7d, 0x28);
        for (const [k, x] of Object.entries(v)) {
          put(k, `${path} key`);
          put(x, `${path}.${k}`);
        }
        parts.push(0x75);
      } else {
        throw new TypeError(
          `${fn}: cannot pickle ${path} (${describe(v)}): only plain data travels (null, booleans, numbers, bigints, strings, arrays, plain objects, Maps, Uint8Array)`,
        );
      }
      seen.delete(v);
    } else {
      throw new TypeError(`${fn}: cannot pickle ${path} (${describe(v)}): only plain data travels`);
    }
  };
  put(value, 'the object');
  parts.push(0x2e); // STOP
  return Uint8Array.from(parts);
}

/** The JS value of an unpickled Python value (see the top of this file). @internal */
export function fromPython(v: unknown): unknown {
  if (v instanceof PyDict) {
    if (v.entries.every(([k]) => typeof k === 'string')) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v.entries) o[k as string] = fromPython(x);
      return o;
    }
    return new Map(v.entries.map(([k, x]) => [fromPython(k), fromPython(x)]));
  }
  if (v instanceof PyBytes) return new Uint8Array(v.bytes);
  if (Array.isArray(v)) return v.map(fromPython);
  return v;
}

/** Decodes one rank's pickle; `fn` and `who` name it in errors. @internal */
export function unpickleValue(bytes: Uint8Array, fn: string, who: string): unknown {
  return fromPython(unpickle(bytes, `${fn}: the object from ${who}`));
}
