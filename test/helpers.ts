/**
 * Shared test utilities: load the golden fixtures written by tools/golden/*.py and compare
 * torchnode results with them (shape, dtype and values; integers and booleans exactly).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import type { Tensor, NestedArray, DType } from '../lib/index.js';

const here = dirname(fileURLToPath(import.meta.url));

/** A tensor as tools/golden/ops.py stores it: Python's tolist() with dtype and shape. */
export interface EncTensor {
  dtype: string;
  shape: number[];
  data: NestedArray;
}
/** Any stored result: a tensor, a list of results, or a Python scalar. */
export type Enc = EncTensor | { list: Enc[] } | { bool: boolean } | { number: number } | { none: true };

/** Parses test/fixtures/<name> (name with or without `.json`). */
export function loadFixture<T = Record<string, unknown>>(name: string): T {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  return JSON.parse(readFileSync(join(here, 'fixtures', file), 'utf8')) as T;
}

/** Whether a stored value is a tensor. */
export function isEncTensor(e: unknown): e is EncTensor {
  return typeof e === 'object' && e !== null && 'dtype' in e && 'shape' in e && 'data' in e;
}

const INT_DTYPES = new Set(['int64', 'int32', 'int16', 'int8', 'uint8']);

/** Builds the stored tensor in torchnode (same dtype and shape, empty tensors included). */
export function fromFixture(e: EncTensor, opts: { requiresGrad?: boolean } = {}): Tensor {
  const dtype = e.dtype as DType;
  // int64 data goes through BigInt so that values past 2^53 would stay exact.
  const data = dtype === 'int64' ? mapNested(e.data, (v) => BigInt(v as number)) : e.data;
  const numel = e.shape.reduce((a, b) => a * b, 1);
  const t = numel === 0 ? torch.zeros(e.shape, { dtype }) : torch.tensor(data, { dtype });
  assert.deepEqual(t.shape, e.shape, 'fixture tensor shape');
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function mapNested(v: NestedArray, f: (x: unknown) => NestedArray): NestedArray {
  return Array.isArray(v) ? v.map((x) => mapNested(x as NestedArray, f)) : f(v);
}

function flat(v: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(v)) for (const x of v) flat(x, out);
  else out.push(v);
  return out;
}

function shapeOf(v: unknown): number[] {
  const s: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) {
    s.push(cur.length);
    cur = cur[0];
  }
  return s;
}

/**
 * Asserts that `actual` equals `expected` (a stored tensor, or nested arrays): same shape, the
 * same dtype when the expectation carries one, floats within `tol` (absolute below 1, relative
 * above), integers and booleans exactly.
 */
export function assertClose(actual: Tensor, expected: EncTensor | NestedArray, tol = 1e-6, what = 'tensor'): void {
  assert.ok(actual instanceof torch.Tensor, `${what}: expected a Tensor but got ${String(actual)}`);
  const enc = isEncTensor(expected) ? expected : null;
  const expData = enc ? enc.data : (expected as NestedArray);
  const expShape = enc ? enc.shape : shapeOf(expData);
  assert.deepEqual(actual.shape, expShape, `${what}: shape`);
  if (enc) assert.equal(actual.dtype, enc.dtype, `${what}: dtype`);
  const got = flat(actual.toArray());
  const exp = flat(expData);
  assert.equal(got.length, exp.length, `${what}: number of elements`);
  const exact = actual.dtype === 'bool' || INT_DTYPES.has(actual.dtype);
  for (let i = 0; i < exp.length; i++) {
    const g = got[i];
    const e = exp[i];
    if (exact || typeof e === 'boolean') {
      assert.equal(g, e, `${what}: element ${i} is ${String(g)}, expected ${String(e)}`);
    } else {
      const gn = Number(g);
      const en = Number(e);
      const ok = gn === en || Math.abs(gn - en) <= tol * Math.max(1, Math.abs(en));
      assert.ok(ok, `${what}: element ${i} is ${gn}, expected ${en} (tolerance ${tol})`);
    }
  }
}

/** Compares any result (tensor, [values, indices], tensor list, JS number/boolean) with a stored one. */
export function assertResult(actual: unknown, expected: Enc, tol = 1e-6, what = 'result'): void {
  if (isEncTensor(expected)) {
    assertClose(actual as Tensor, expected, tol, what);
  } else if ('list' in expected) {
    const items = actual instanceof torch.ValuesIndices ? [actual.values, actual.indices] : (actual as unknown[]);
    assert.ok(Array.isArray(items), `${what}: expected a list but got ${String(actual)}`);
    assert.equal(items.length, expected.list.length, `${what}: list length`);
    expected.list.forEach((e, i) => assertResult(items[i], e, tol, `${what}[${i}]`));
  } else if ('bool' in expected) {
    assert.equal(actual, expected.bool, what);
  } else if ('number' in expected) {
    assert.ok(
      typeof actual === 'number' && Math.abs(actual - expected.number) <= tol * Math.max(1, Math.abs(expected.number)),
      `${what}: ${String(actual)} vs ${expected.number}`,
    );
  } else {
    assert.equal(actual, null, what);
  }
}

/** Builds every stored input tensor of a fixture's `inputs` map. */
export function fixtureInputs(inputs: Record<string, EncTensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) out[k] = torch.keep(fromFixture(v));
  return out;
}

/** The PyTorch reference: Debian's python3 (tools/setup.sh installs python3-torch on Debian as root). */
import { PYTHON } from './python.js';
export { PYTHON };

/** What PYTHON offers as a reference: its torch release (null without torch) and torchvision. */
interface PythonReference {
  torchVersion: string | null;
  hasTorchvision: boolean;
}
let reference: PythonReference | undefined;

/**
 * Asks PYTHON once, on first use: importing torch takes seconds, and most test files that import
 * these helpers never need Python.
 */
function pythonReference(): PythonReference {
  if (!reference) {
    // One marked line: some builds print on import (Debian 2.6's UCX: "UCX ERROR failed to get boot id").
    const r = spawnSync(
      PYTHON,
      ['-c', 'import torch\ntry:\n import torchvision; v = 1\nexcept ImportError: v = 0\nprint("torchnode-reference", torch.__version__, v)'],
      { encoding: 'utf8' },
    );
    const line = /^torchnode-reference (\S+) ([01])$/m.exec(r.stdout ?? '');
    const [version, vision] = line ? [line[1], line[2]] : [null, '0'];
    reference = r.status === 0 && version ? { torchVersion: version, hasTorchvision: vision === '1' } : { torchVersion: null, hasTorchvision: false };
  }
  return reference;
}

/** '1.13.0a0+git…' and '2.6.0+cu124' name the releases 1.13.0 and 2.6.0. */
const release = (v: string): string => /^\d+\.\d+\.\d+/.exec(v)?.[0] ?? v;

/** Whether PYTHON's torch is the release torchnode was built against: then the same kernels run. */
export function pythonRunsOurLibTorch(): boolean {
  const v = pythonReference().torchVersion;
  return v !== null && release(v) === release(torch.version.libtorch);
}

/**
 * The skip option of a golden test whose reference is PyTorch 1.13's behaviour (reprs, messages,
 * argument handling: the release torchnode's facade mirrors), run live in PYTHON: another release
 * of Python's torch (2.x in tools/matrix.sh's roots) prints and words things its own way.
 */
export function skipUnlessPython113(): false | string {
  const v = pythonReference().torchVersion;
  if (v === null) return `${PYTHON} has no torch (tools/setup.sh installs Debian's python3-torch as root)`;
  return release(v).startsWith('1.13.') ? false : `the reference is PyTorch 1.13's behaviour; ${PYTHON} has torch ${release(v)}`;
}

/** The skip option of a test that runs appendix code live in PYTHON (torch and torchvision). */
export function skipWithoutPythonTorchvision(): false | string {
  const r = pythonReference();
  return r.torchVersion && r.hasTorchvision ? false : `${PYTHON} with torch and torchvision is not available (tools/setup.sh installs them on Debian as root)`;
}

/**
 * Runs a tools/golden script with PYTHON on this machine, writing its JSON to a temporary file,
 * and returns the parsed result. Trained values depend on the CPU (oneDNN and ATen pick kernels
 * by ISA), so parity tests compare against Python run here rather than a committed fixture.
 */
export function runGoldenLive<T>(script: string, env: NodeJS.ProcessEnv = {}): T {
  const dir = mkdtempSync(join(tmpdir(), 'golden-live-'));
  try {
    const out = join(dir, 'out.json');
    // -B: no __pycache__ in the source tree (part4_parity.py imports part3_parity.py).
    const r = spawnSync(PYTHON, ['-B', join(here, '..', 'tools', 'golden', script), out], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 0, `${PYTHON} tools/golden/${script} failed:\n${r.stderr}`);
    return JSON.parse(readFileSync(out, 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
