/**
 * The generated op surface against PyTorch: every entry of lib/generated/ that tools/gen/golden.py
 * could call in PyTorch 1.13 (Tensor methods, torch.*, linalg, fft, special) is replayed here with
 * the same inputs, positional arguments and keyword arguments (as the options object), and its
 * result compared with PyTorch's; and each entry's recorded rejections (a string where a tensor or
 * number goes, an input of a rank or dtype LibTorch refuses) must be JS Errors naming the function.
 *
 * The fixture, test/fixtures/generated-golden.json, is regenerated with
 * `/usr/bin/python3 tools/gen/golden.py`. Inputs are small float64/int64/bool tensors, so results
 * do not depend on the CPU beyond rounding; floats compare to 1e-9 relative (float64) or 1e-5
 * (narrower types).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../lib/index.js';
import { Tensor, type DType } from '../lib/index.js';

interface EncTensor {
  dtype: string;
  shape: number[];
  values: (number | string | boolean)[] | null;
}
type Out = EncTensor | { list: Out[] } | { bool: boolean } | { int: number } | { float: number | string } | { dtype_value: string } | { none: true };
type Arg = { t: number } | { dtype: string } | Arg[] | number | string | boolean | null;
interface Call {
  args: Arg[];
  kwargs: Record<string, Arg>;
  inputs: EncTensor[];
}
interface Case extends Call {
  out: Out;
  valuesUndefined?: boolean;
}
interface ErrorCase extends Call {
  kind: 'type' | 'runtime';
  python: string;
}
interface Entry {
  ns: 'Tensor' | 'torch' | 'linalg' | 'fft' | 'special';
  js: string;
  aten: string;
  py: string | null;
  cases: Case[];
  errors: ErrorCase[];
}
interface Fixture {
  torch: string;
  entries: number;
  golden: Entry[];
  uncovered: { ns: string; js: string; aten: string; reason: string }[];
}

/** The namespaces an entry lives in, by its ns field. */
const NAMESPACES = { torch, linalg: torch.linalg, fft: torch.fft, special: torch.special } as unknown as Record<
  string,
  Record<string, (...a: unknown[]) => unknown>
>;

const fixture = JSON.parse(readFileSync(new URL('./fixtures/generated-golden.json', import.meta.url), 'utf8')) as Fixture;

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function num(v: number | string | boolean): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(v);
}

function makeInput(e: EncTensor): Tensor {
  return torch.tensor(e.values as number[] | boolean[], { dtype: e.dtype as DType }).reshape(e.shape);
}

/** The JS arguments of a recorded call: positional arguments, then keyword arguments as the options object. */
function jsArgs(c: Call): unknown[] {
  const inputs = c.inputs.map(makeInput);
  const js = (a: Arg): unknown => {
    if (Array.isArray(a)) return a.map(js);
    if (a !== null && typeof a === 'object') return 't' in a ? inputs[a.t] : a.dtype;
    return a;
  };
  const args = c.args.map(js);
  const keys = Object.keys(c.kwargs);
  if (keys.length > 0) args.push(Object.fromEntries(keys.map((k) => [camel(k), js(c.kwargs[k])])));
  return args;
}

function callEntry(e: Entry, args: unknown[]): unknown {
  if (e.ns === 'Tensor') {
    const [self, ...rest] = args;
    return ((self as Record<string, unknown>)[e.js] as (...a: unknown[]) => unknown).apply(self, rest);
  }
  return NAMESPACES[e.ns][e.js](...args);
}

function assertOut(actual: unknown, expected: Out, valuesUndefined: boolean, where: string): void {
  if ('list' in expected) {
    assert.ok(Array.isArray(actual), `${where}: expected a list, got ${String(actual)}`);
    assert.equal(actual.length, expected.list.length, `${where}: list length`);
    expected.list.forEach((x, i) => assertOut(actual[i], x, valuesUndefined, `${where}[${i}]`));
    return;
  }
  if ('none' in expected) {
    assert.equal(actual ?? null, null, `${where}: expected None`);
    return;
  }
  if ('bool' in expected) {
    assert.equal(actual, expected.bool, where);
    return;
  }
  if ('int' in expected) {
    assert.equal(Number(actual), expected.int, where);
    return;
  }
  if ('float' in expected) {
    assertNumber(Number(actual), num(expected.float), 1e-9, where);
    return;
  }
  if ('dtype_value' in expected) {
    assert.equal(actual, expected.dtype_value, where);
    return;
  }
  assert.ok(actual instanceof Tensor, `${where}: expected a Tensor, got ${String(actual)}`);
  assert.equal(actual.dtype, expected.dtype, `${where}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${where}: shape`);
  if (valuesUndefined || expected.values === null) return;
  const t = actual.dtype.startsWith('complex') ? torch.viewAsReal(actual.resolveConj()) : actual;
  const got = Array.from(t.contiguous().dataSync() as ArrayLike<number | bigint>, (v) => Number(v));
  assert.equal(got.length, expected.values.length, `${where}: element count`);
  const tol = actual.dtype === 'float64' || actual.dtype === 'complex128' ? 1e-9 : 1e-5;
  expected.values.forEach((v, i) => assertNumber(got[i], num(v), tol, `${where}: element ${i}`));
}

function assertNumber(a: number, b: number, rtol: number, where: string): void {
  if (Number.isNaN(b)) {
    assert.ok(Number.isNaN(a), `${where}: expected NaN, got ${a}`);
    return;
  }
  if (!Number.isFinite(b)) {
    assert.equal(a, b, where);
    return;
  }
  assert.ok(Math.abs(a - b) <= rtol * (1 + Math.abs(b)), `${where}: ${a} vs PyTorch's ${b}`);
}

/**
 * Where Python's torch.* binding departs from the operator's own schema, torchnode follows the
 * schema (as C++, torch.ops.aten and nn.functional do); these entries' default-argument cases are
 * not compared. PyTorch 1.13's argument parser reads the default `reduction=Mean` as 0 (none), so
 * `torch.kl_div(a, b)` is elementwise while `torch.ops.aten.kl_div(a, b)` and `F.kl_div` average;
 * `torch.slice_copy(t)` slices [0:1] where the schema's `end=None` means the whole dimension.
 */
/** Entry -> the argument whose default differs. */
const SCHEMA_DEFAULTS_DIFFER: Record<string, string> = {
  binaryCrossEntropyWithLogits: 'reduction',
  hingeEmbeddingLoss: 'reduction',
  klDiv: 'reduction',
  marginRankingLoss: 'reduction',
  tripletMarginLoss: 'reduction',
  sliceCopy: 'end',
};

const ON_113 = torch.version.libtorch.startsWith('1.13.');

const label = (e: Entry): string => (e.ns === 'Tensor' ? `Tensor.${e.js}` : e.ns === 'torch' ? `torch.${e.js}` : `torch.${e.ns}.${e.js}`);

test('the fixture was made from the generated surface of this tree', () => {
  assert.match(fixture.torch, /^1\.13\./);
  assert.ok(fixture.golden.length >= 700, `only ${fixture.golden.length} entries have golden cases`);
  for (const e of fixture.golden) {
    const owner = (e.ns === 'Tensor' ? Tensor.prototype : NAMESPACES[e.ns]) as unknown as Record<string, unknown>;
    assert.equal(typeof owner[e.js], 'function', `${label(e)} is no longer exported`);
  }
});

for (const ns of ['Tensor', 'torch', 'linalg', 'fft', 'special'] as const) {
  describe(`generated ${ns} entries match PyTorch`, () => {
    for (const e of fixture.golden.filter((g) => g.ns === ns)) {
      test(label(e), () => {
        e.cases.forEach((c, i) => {
          const differs = e.ns === 'torch' ? SCHEMA_DEFAULTS_DIFFER[e.js] : undefined;
          if (differs && !(differs in c.kwargs)) return;
          torch.tidy(() => {
            const args = jsArgs(c);
            torch.manualSeed(0);
            let out: unknown;
            try {
              out = callEntry(e, args);
            } catch (err) {
              // The fixture is PyTorch 1.13's: an operator 2.x removed (symeig, frobenius_norm, …) says so.
              if (!ON_113 && err instanceof Error && /^\w+: LibTorch \S+ has no operator aten::/.test(err.message)) return;
              throw err;
            }
            assertOut(out, c.out, c.valuesUndefined === true, `${label(e)} case ${i}`);
          });
        });
        // The rejections are PyTorch 1.13's; 2.x accepts some of them (and lacks some operators).
        for (const bad of ON_113 ? e.errors : []) {
          torch.tidy(() => {
            const args = jsArgs(bad);
            let message: string | null = null;
            try {
              callEntry(e, args);
            } catch (err) {
              message = err instanceof Error ? err.message : `a thrown ${typeof err}`;
            }
            const why = `${label(e)} should reject what PyTorch rejects (${bad.python})`;
            assert.ok(message !== null, `${why}, but accepted it`);
            // The JS name, or LibTorch's operator name that the native layer puts first.
            const base = e.aten.replace(/_$/, '');
            assert.ok(
              [e.js, e.aten, base].some((n) => message.startsWith(`${n}: `)),
              `${why} with an Error naming ${e.js}, but said: ${message.split('\n')[0]}`,
            );
          });
        }
      });
    }
  });
}
