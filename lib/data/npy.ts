/**
 * NumPy's `.npy` format (version 1.0–3.0): `load(path)` and `save(path, tensor)`.
 * Numeric dtypes only (<f2 <f4 <f8 <i8 <i4 <i2 |i1 |u1 |b1, big-endian read by swapping bytes),
 * C order. Fortran-ordered, object, string and structured arrays are refused with an error
 * naming the file. Saving writes a temporary file and renames it into place.
 */
import { readFileSync, writeFileSync, renameSync, unlinkSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { type Tensor, tensor, op, wrap } from '../tensor.js';
import { tidy } from '../scope.js';
import { type DType, dtypeCode } from '../dtype.js';
import { expectString } from '../errors.js';
import { expectTensor, expectBytes } from './check.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const viewDtype = op('aten::view.dtype');

/** numpy kind+size -> our dtype, with the element size. */
const DESCR: Record<string, [DType, number]> = {
  f2: ['float16', 2],
  f4: ['float32', 4],
  f8: ['float64', 8],
  i1: ['int8', 1],
  i2: ['int16', 2],
  i4: ['int32', 4],
  i8: ['int64', 8],
  u1: ['uint8', 1],
  b1: ['bool', 1],
};
const DESCR_OF: Partial<Record<DType, string>> = {
  float16: '<f2',
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  int16: '<i2',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  bool: '|b1',
};

/** The parsed header of a .npy file. */
export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
}

/** `file`'s defect, reported by `fn` (the public function called: npy.load, npy.fromBuffer, …). */
function failIn(fn: string): (file: string, defect: string) => never {
  return (file, defect) => {
    throw new Error(`${fn}: ${file}: ${defect}`);
  };
}

/** Parses the header dict literal numpy writes: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } */
export function parseHeader(buf: Uint8Array, file = '<buffer>'): NpyHeader {
  expectBytes(buf, 'npy.parseHeader: buf');
  expectString(file, 'npy.parseHeader: file');
  return header(buf, file, 'npy.parseHeader');
}

function header(buf: Uint8Array, file: string, fn: string): NpyHeader {
  const fail: (file: string, defect: string) => never = failIn(fn);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 10 || !b.subarray(0, 6).equals(MAGIC)) fail(file, 'not a .npy file (missing the \\x93NUMPY magic string)');
  const major = b[6];
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = b.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (b.length < 12) fail(file, 'truncated header');
    headerLen = b.readUInt32LE(8);
    start = 12;
  } else {
    fail(file, `unsupported format version ${major}.${b[7]} (expected 1.0, 2.0 or 3.0)`);
  }
  if (start + headerLen > b.length) fail(file, `truncated header (needs ${start + headerLen} bytes, the file has ${b.length})`);
  const text = b
    .subarray(start, start + headerLen)
    .toString(major === 3 ? 'utf8' : 'latin1')
    .trim();
  const descr = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!text.startsWith('{') || !text.endsWith('}')) fail(file, `malformed header ${JSON.stringify(text)} (expected a dict literal)`);
  if (!descr) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) fail(file, 'structured arrays (a list descr) are not supported');
    fail(file, `malformed header ${JSON.stringify(text)}: no 'descr' string`);
  }
  if (!fortran) fail(file, `malformed header ${JSON.stringify(text)}: no 'fortran_order' boolean`);
  if (!shape) fail(file, `malformed header ${JSON.stringify(text)}: no 'shape' tuple`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const parsed = dims.map((d) => {
    if (!/^\d+L?$/.test(d)) fail(file, `malformed shape (${shape[1]}) in the header`);
    return parseInt(d, 10);
  });
  return { descr: descr[2], fortranOrder: fortran[1] === 'True', shape: parsed, dataOffset: start + headerLen };
}

/** Reads a .npy file into a new tensor (owned by the caller). */
export function load(path: string): Tensor {
  expectString(path, 'npy.load: path');
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    throw new Error(`npy.load: cannot read ${path}: ${(e as Error).message}`);
  }
  return decode(b, path, 'npy.load');
}

/** Decodes .npy bytes (`file` names the source in errors). */
export function fromBuffer(b: Uint8Array, file = '<buffer>'): Tensor {
  expectBytes(b, 'npy.fromBuffer: b');
  expectString(file, 'npy.fromBuffer: file');
  return decode(b, file, 'npy.fromBuffer');
}

function decode(b: Uint8Array, file: string, fn: string): Tensor {
  const fail: (file: string, defect: string) => never = failIn(fn);
  const hdr = header(b, file, fn);
  const d = hdr.descr;
  const order = d[0];
  const key = d.slice(1);
  if (d === 'O' || d === '|O' || key === 'O') fail(file, 'object arrays (dtype object) cannot be loaded: they hold pickled Python objects');
  const entry = DESCR[key];
  if (!['<', '>', '|', '='].includes(order) || !entry) {
    fail(file, `unsupported dtype '${d}' (supported: <f2 <f4 <f8 <i8 <i4 <i2 |i1 |u1 |b1, either byte order)`);
  }
  if (hdr.fortranOrder && hdr.shape.filter((s) => s > 1).length > 1) {
    fail(file, 'Fortran-ordered arrays are not supported (save with np.ascontiguousarray first)');
  }
  const [dtype, size] = entry;
  const n = hdr.shape.reduce((a, c) => a * c, 1);
  const need = n * size;
  const have = b.byteLength - hdr.dataOffset;
  if (have < need) fail(file, `truncated data: shape (${hdr.shape.join(', ')}) of ${d} needs ${need} bytes but ${have} follow the header`);
  if (have > need) fail(file, `${have - need} unexpected trailing bytes after the data`);
  // Copy into an aligned buffer (the data offset need not be aligned), swapping big-endian data.
  const bytes = new Uint8Array(need);
  bytes.set(b.subarray(hdr.dataOffset, hdr.dataOffset + need));
  if (order === '>' && size > 1) {
    for (let i = 0; i < need; i += size) bytes.subarray(i, i + size).reverse();
  }
  const ab = bytes.buffer;
  return tidy(() => {
    switch (dtype) {
      case 'float32':
        return tensor(new Float32Array(ab), { shape: hdr.shape });
      case 'float64':
        return tensor(new Float64Array(ab), { shape: hdr.shape });
      case 'int64':
        return tensor(new BigInt64Array(ab), { shape: hdr.shape });
      case 'int32':
        return tensor(new Int32Array(ab), { shape: hdr.shape });
      case 'int16':
        return tensor(new Int16Array(ab), { shape: hdr.shape });
      case 'int8':
        return tensor(new Int8Array(ab), { shape: hdr.shape });
      case 'uint8':
        return tensor(new Uint8Array(ab), { shape: hdr.shape });
      case 'bool':
        return tensor(new Uint8Array(ab), { shape: hdr.shape }).to('bool');
      case 'float16': {
        // The raw half bits travel as int16 and are reinterpreted by LibTorch.
        const bits = tensor(new Int16Array(ab), { shape: hdr.shape });
        return wrap(viewDtype(bits._h, dtypeCode('float16')) as number);
      }
      default:
        return fail(file, `unsupported dtype '${d}'`);
    }
  });
}

/** Encodes a tensor as .npy bytes (little-endian, C order, format 1.0 or 2.0 for huge headers). */
export function toBuffer(t: Tensor): Buffer {
  return encode(t, 'npy.toBuffer');
}

function encode(t: Tensor, fn: string): Buffer {
  expectTensor(t, `${fn}: tensor`);
  const descr = DESCR_OF[t.dtype];
  if (!descr) throw new TypeError(`${fn}: dtype ${t.dtype} has no .npy equivalent (supported: ${Object.keys(DESCR_OF).join(', ')})`);
  const shape = t.shape;
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // numpy pads with spaces so that magic + length + header is a multiple of 64, ending in \n.
  let pre = 10;
  let total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  if (total - pre > 0xffff) {
    pre = 12;
    total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  }
  dict = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const head = Buffer.alloc(pre);
  MAGIC.copy(head, 0);
  head[6] = pre === 10 ? 1 : 2;
  head[7] = 0;
  if (pre === 10) head.writeUInt16LE(dict.length, 8);
  else head.writeUInt32LE(dict.length, 8);
  const data = tidy(() => {
    let c = t.detach().to('cpu').contiguous();
    if (c.dtype === 'float16') c = wrap(viewDtype(c._h, dtypeCode('int16')) as number);
    const arr = c.dataSync();
    return Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
  });
  return Buffer.concat([head, Buffer.from(dict, 'latin1'), data]);
}

/** Writes `t` to `path` as .npy, atomically (a temporary file renamed into place). */
export function save(path: string, t: Tensor): void {
  expectString(path, 'npy.save: path');
  const bytes = encode(t, 'npy.save');
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw new Error(`npy.save: cannot write ${path}: ${(e as Error).message}`);
  }
}
