/**
 * Checkpoints of the part 3–5 scripts (written by scripts/train.ts's `Training`): the position
 * in the experiment (run index, epoch, step), the running run's variables, the results of the
 * finished runs, the default generator's state and the model's and optimizer's state dicts, so
 * `--resume` continues bit for bit where an interrupted run stopped.
 *
 * One JSON file holds it all (tensors as {dtype, shape, base64 of the raw bytes}, exact; NaN and
 * infinities as {__number__}), written atomically (temporary file + rename): a crash leaves the
 * previous checkpoint intact. The tensor codec is the only place to change to store tensors
 * through lib/serialize instead.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { writeFileAtomic } from './viz/png.js';

const TAG = '__tensor__';
const MAP = '__map__';

type Encoded = { [TAG]: { dtype: string; shape: number[]; b64: string } };

const BYTES: Record<string, (buf: ArrayBuffer) => ArrayBufferView> = {
  float32: (b) => new Float32Array(b),
  float64: (b) => new Float64Array(b),
  int64: (b) => new BigInt64Array(b),
  int32: (b) => new Int32Array(b),
  uint8: (b) => new Uint8Array(b),
  bool: (b) => new Uint8Array(b),
};

/** A tensor as JSON: its exact bytes. */
export function encodeTensor(t: Tensor): Encoded {
  if (!BYTES[t.dtype]) throw new TypeError(`encodeTensor: cannot store a ${t.dtype} tensor (expected one of ${Object.keys(BYTES).join(', ')})`);
  const c = t.detach().cpu().contiguous();
  const data = c.dataSync() as unknown as ArrayBufferView;
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  const shape = c.shape;
  c.dispose();
  return { [TAG]: { dtype: t.dtype, shape, b64 } };
}

/** The inverse of encodeTensor (a new CPU tensor). */
export function decodeTensor(e: Encoded): Tensor {
  const { dtype, shape, b64 } = e[TAG];
  const make = BYTES[dtype];
  if (!make) throw new TypeError(`decodeTensor: unknown dtype '${dtype}'`);
  const buf = Buffer.from(b64, 'base64');
  const copy = new ArrayBuffer(buf.byteLength);
  new Uint8Array(copy).set(buf);
  const arr = make(copy);
  if (dtype === 'bool') {
    const u = torch.tensor(arr as Uint8Array, { shape, dtype: 'uint8' });
    const b = u.to('bool');
    u.dispose();
    return b;
  }
  return torch.tensor(arr as never, { shape, dtype: dtype as never });
}

/** JSON of a value holding tensors and Maps (state dicts), losslessly. */
export function encodeState(value: unknown): unknown {
  if (value instanceof torch.Tensor) return encodeTensor(value);
  if (value instanceof Map) return { [MAP]: [...value.entries()].map(([k, v]) => [k, encodeState(v)]) };
  if (Array.isArray(value)) return value.map(encodeState);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeState(v)]));
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { __number__: String(value) };
  return value;
}

/** The inverse of encodeState (tensors are new CPU tensors; dispose them when done). */
export function decodeState(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeState);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (TAG in o) return decodeTensor(o as Encoded);
    if (MAP in o) return new Map((o[MAP] as [string, unknown][]).map(([k, v]) => [k, decodeState(v)]));
    if ('__number__' in o) return Number(o.__number__);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decodeState(v)]));
  }
  return value;
}

/** A checkpoint as stored. `signature` must match the resuming command's settings. */
export interface Checkpoint<S = Record<string, unknown>> {
  version: 1;
  part: string;
  signature: Record<string, unknown>;
  /** The position and the runs' variables and results (JSON values; NaN and infinities kept). */
  state: S;
  /** Tensors and state dicts (model, optimizer, generator states). */
  tensors: Record<string, unknown>;
  savedAt: string;
}

/** Writes a checkpoint atomically. */
export function saveCheckpoint<S>(path: string, ck: Omit<Checkpoint<S>, 'version' | 'savedAt'>): void {
  const body: Checkpoint<S> = {
    version: 1,
    ...ck,
    state: encodeState(ck.state) as S,
    tensors: encodeState(ck.tensors) as Record<string, unknown>,
    savedAt: new Date().toISOString(),
  };
  writeFileAtomic(path, JSON.stringify(body));
}

/**
 * Reads a checkpoint; null when there is none. Throws when it belongs to another part or was
 * made with different settings (resuming it would not reproduce either run).
 */
export function loadCheckpoint<S>(path: string, part: string, signature: Record<string, unknown>): Checkpoint<S> | null {
  if (!existsSync(path)) return null;
  let ck: Checkpoint<S>;
  try {
    ck = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint<S>;
  } catch (e) {
    throw new Error(`--resume: cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  if (ck.version !== 1 || ck.part !== part)
    throw new Error(`--resume: ${path} is not a ${part} checkpoint (part ${String(ck.part)}, version ${String(ck.version)})`);
  const a = JSON.stringify(ck.signature),
    b = JSON.stringify(signature);
  if (a !== b) {
    throw new Error(
      `--resume: the checkpoint ${path} was made with other settings:\n  checkpoint: ${a}\n  now:        ${b}\nRun with the same options, or without --resume to start over.`,
    );
  }
  ck.state = decodeState(ck.state) as S;
  ck.tensors = decodeState(ck.tensors) as Record<string, unknown>;
  return ck;
}

/** Deletes a checkpoint (after a completed experiment). */
export function removeCheckpoint(path: string): void {
  rmSync(path, { force: true });
}
