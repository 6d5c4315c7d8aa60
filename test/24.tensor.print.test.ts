/**
 * `Tensor.toString()` equals Python's `repr(tensor)` (fixtures from tools/golden/ops.py):
 * integer and float formatting, int-valued floats, scientific mode, bool, dtype suffixes,
 * requires_grad / grad_fn suffixes, line wrapping and summarization of large tensors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { existsSync } from 'node:fs';
import { loadFixture, fromFixture, runGoldenLive, PYTHON, type EncTensor } from './helpers.js';

const fx = loadFixture<Record<string, { input: EncTensor; repr: string; options?: Record<string, unknown> }>>('ops_print');

/** How each case's tensor is built from its stored input (most are the input itself). */
const BUILD: Record<string, (x: Tensor) => Tensor> = {
  requires_grad: (x) => x.requiresGrad_(true),
  float64_requires_grad: (x) => x.requiresGrad_(true),
  // inf, nan, -inf, x[3] (as the script computes them)
  nonfinite_fixed: (x) => x.div(torch.tensor([0, 0, 0, 1])),
  nonfinite_int_mode: (x) => x.div(torch.tensor([0, 0, 0, 1])),
  nonfinite_sci: (x) => x.div(torch.tensor([0, 0, 0, 1])),
  grad_fn_mul: (x) => {
    x.requiresGrad_(true);
    return x.mul(x);
  },
  grad_fn_sum: (x) => x.requiresGrad_(true).sum(),
  mkldnn: (x) => x.toMkldnn(),
};

const DEFAULTS = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };

for (const [name, { input, repr, options }] of Object.entries(fx)) {
  test(`print: ${name}`, () => {
    try {
      if (options) {
        torch.setPrintOptions(Object.fromEntries(Object.entries(options).map(([k, v]) => [k === 'sci_mode' ? 'sciMode' : k, v])));
      }
      torch.tidy(() => {
        const x = fromFixture(input);
        const t = (BUILD[name] ?? ((v: Tensor) => v))(x);
        assert.equal(t.toString(), repr);
      });
    } finally {
      torch.setPrintOptions(DEFAULTS);
    }
  });
}

test('String(), template literals and util.inspect use the same repr', async () => {
  const { inspect } = await import('node:util');
  torch.tidy(() => {
    const t = fromFixture(fx.float.input);
    assert.equal(String(t), fx.float.repr);
    assert.equal(`${t}`, fx.float.repr);
    assert.equal(inspect(t), fx.float.repr);
  });
});

test('a disposed tensor prints as such instead of crashing', () => {
  const t = torch.zeros([2]);
  t.dispose();
  assert.equal(t.toString(), 'tensor(<disposed>)');
});

test('setPrintOptions validates its options and changes nothing on error', () => {
  assert.throws(() => torch.setPrintOptions({ precision: -1 }), {
    message: 'setPrintOptions: expected an integer in [0, 50] for precision but received -1 of type number',
  });
  assert.throws(() => torch.setPrintOptions({ sciMode: 'yes' as never }), {
    message: "setPrintOptions: Expected boolean for sciMode but received 'yes' of type string",
  });
  assert.throws(() => torch.setPrintOptions({ lineWidth: 10 } as never), {
    message: "setPrintOptions: unknown option 'lineWidth' (expected one of precision, threshold, edgeitems, linewidth, sciMode)",
  });
  torch.tidy(() => assert.equal(fromFixture(fx.float.input).toString(), fx.float.repr));
});

/** The same tensors as tools/golden/print_live.py builds (Python is run live: fft values are CPU-dependent in the last bits). */
const LIVE: Record<string, () => Tensor> = {
  fft_complex64: () => torch.fft.fft(complexInput()),
  fft_complex128_suffix_wraps: () => torch.fft.fft(complexInput().double()),
  conj_negative_zero: () => torch.fft.fft(complexInput()).conj(),
  scalar: () => torch.complex(torch.tensor(1.5), torch.tensor(-2.0)),
  sci_imag_summarized: () => torch.fft.fft(torch.arange(0, 2000).float()),
  complex32: () => torch.fft.fft(complexInput()).to('complex32'),
  empty: () => torch.zeros([0], { dtype: 'complex64' }),
  sparse_coo: () => sparseInput().toSparse(),
  sparse_coo_float64: () =>
    torch
      .tensor(
        [
          [0, 1],
          [2, 0],
        ],
        { dtype: 'float64' },
      )
      .toSparse(),
  sparse_coo_empty: () => torch.zeros([2, 3]).toSparse(),
  sparse_coo_int32_1d: () => torch.tensor([0, 5, 0], { dtype: 'int32' }).toSparse(),
  sparse_csr: () => sparseInput().toSparseCsr(),
  sparse_csc: () => sparseInput().toSparseCsc(),
};
const sparseInput = (): Tensor =>
  torch.tensor([
    [0, 1.5, 0],
    [2, 0, 3],
  ]);
const complexInput = (): Tensor =>
  torch.tensor([
    [1, 2.5, -3],
    [0.25, 4, 1e-3],
  ]);

test('complex and sparse tensors print as in PyTorch (real and imaginary formatters, j suffix, suffix wrapping; sparse components, size, nnz, layout)', {
  skip: skipWithoutPython(),
}, () => {
  const expected = runGoldenLive<Record<string, { repr: string; list: [number, number][] | null }>>('print_live.py');
  for (const [name, build] of Object.entries(LIVE)) {
    torch.tidy(() => {
      const t = build();
      assert.equal(t.toString(), expected[name].repr, name);
      if (expected[name].list) {
        // toArray gives [real, imag] pairs in place of complex numbers: the same values as viewAsReal.
        const pairs = (t.dim() === 0 ? [t.toArray()] : (t.toArray() as unknown[]).flat(t.dim() - 1)) as [number, number][];
        const want = expected[name].list;
        assert.equal(pairs.length, want.length, `${name}: element count`);
        // complex32 widens to complex64 in both; the rest are exact copies of the same values.
        want.forEach(([re, im], i) => {
          assert.ok(Math.abs(pairs[i][0] - re) <= 1e-6 * (1 + Math.abs(re)) && Math.abs(pairs[i][1] - im) <= 1e-6 * (1 + Math.abs(im)), `${name}[${i}]`);
        });
      }
    });
  }
});

function skipWithoutPython(): false | string {
  return existsSync(PYTHON) ? false : `${PYTHON} is not installed`;
}
