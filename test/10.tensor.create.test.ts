/**
 * Tensor creation: tensor() from nested arrays, TypedArrays and scalars with dtype inference;
 * zeros/ones/full/empty/arange/linspace/eye and the *Like factories against PyTorch 1.13
 * (fixtures from tools/golden/ops.py); metadata properties and data()/toArray()/item().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { loadFixture, assertClose, type EncTensor } from './helpers.js';

const fx = loadFixture<Record<string, EncTensor>>('ops_create');

/** Runs fn in a tidy scope and checks that nothing outlives it. */
function scoped(fn: () => void): void {
  const before = torch.memory().numTensors;
  torch.tidy(fn);
  assert.equal(torch.memory().numTensors, before, 'tensors leaked');
}

test('tensor(): nested numbers default to float32, bigints to int64, booleans to bool', () => {
  scoped(() => {
    assertClose(
      torch.tensor([
        [1, 2],
        [3, 4],
      ]),
      fx.tensor_2d_float,
    );
    assertClose(torch.tensor([true, false]), fx.tensor_bool);
    assertClose(torch.tensor([1n, -2n, 2n ** 40n]), fx.tensor_int64);
    assertClose(torch.tensor([1, -2, 2 ** 40], { dtype: 'int64' }), fx.tensor_int64);
    // float to int64 truncates toward zero, as .long() does in PyTorch
    assertClose(torch.tensor([1.7, -2.7], { dtype: 'int64' }), fx.tensor_float_to_int64);
    assert.equal(torch.tensor([1n, 2.5]).dtype, 'float32'); // a number among bigints makes it float
    assert.equal(torch.tensor([true, 2]).dtype, 'float32');
  });
});

test('tensor(): scalars give 0-dim tensors', () => {
  scoped(() => {
    const s = torch.tensor(3.5);
    assert.deepEqual(s.shape, []);
    assert.equal(s.ndim, 0);
    assert.equal(s.numel(), 1);
    assert.equal(s.item(), 3.5);
    assert.equal(torch.tensor(7n).dtype, 'int64');
    assert.equal(torch.tensor(7n).item(), 7);
    assert.equal(torch.tensor(true).item(), true);
    assert.deepEqual(torch.tensor(2).toArray(), 2);
  });
});

test('tensor(): empty arrays and empty inner dimensions', () => {
  scoped(() => {
    const e = torch.tensor([]);
    assert.deepEqual(e.shape, [0]);
    assert.equal(e.dtype, 'float32');
    assert.deepEqual(torch.tensor([[], []]).shape, [2, 0]);
    assert.deepEqual(e.toArray(), []);
  });
});

test('tensor(): TypedArrays keep their element type (one copy), with an optional shape', () => {
  scoped(() => {
    const cases: [ArrayLike<number | bigint> & { constructor: { name: string } }, string][] = [
      [new Float32Array([1.5, 2]), 'float32'],
      [new Float64Array([1.5, 2]), 'float64'],
      [new Int32Array([1, -2]), 'int32'],
      [new Int16Array([1, -2]), 'int16'],
      [new Int8Array([1, -2]), 'int8'],
      [new Uint8Array([1, 255]), 'uint8'],
      [new BigInt64Array([1n, -(2n ** 62n)]), 'int64'],
    ];
    for (const [arr, dt] of cases) {
      const t = torch.tensor(arr as never);
      assert.equal(t.dtype, dt, arr.constructor.name);
      assert.deepEqual(Array.from(t.dataSync() as ArrayLike<number>), Array.from(arr as ArrayLike<number>), arr.constructor.name);
    }
    const m = torch.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    assert.deepEqual(m.shape, [2, 3]);
    assert.deepEqual(m.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    // the tensor owns a copy: changing the source afterwards does not change it
    const src = new Float32Array([1, 2]);
    const t = torch.tensor(src);
    src[0] = 100;
    assert.equal(t.index(0).item(), 1);
    // a view into a larger buffer honours byteOffset
    const big = new Float64Array([9, 8, 7, 6]);
    assert.deepEqual(torch.tensor(big.subarray(1, 3)).toArray(), [8, 7]);
    // with a dtype, the TypedArray is converted by LibTorch
    assert.equal(torch.tensor(new Int32Array([1, 2]), { dtype: 'float64' }).dtype, 'float64');
  });
});

test('int64 round-trips exactly through BigInt64Array beyond 2^53', () => {
  scoped(() => {
    const big = 2n ** 62n + 12345n;
    const t = torch.tensor(new BigInt64Array([big, -big]));
    const d = t.dataSync() as BigInt64Array;
    assert.ok(d instanceof BigInt64Array);
    assert.equal(d[0], big);
    assert.equal(d[1], -big);
    assert.equal(t.add(1n).dataSync()[0], big + 1n);
  });
});

test('float16 / bfloat16 / int8 values are rounded / wrapped as in PyTorch', () => {
  scoped(() => {
    assertClose(torch.tensor([0.1, 1000.7, -3.3], { dtype: 'float16' }), fx.float16_values, 0);
    assertClose(torch.tensor([0.1, 1000.7, -3.3], { dtype: 'bfloat16' }), fx.bfloat16_values, 0);
    assertClose(torch.tensor([127, -128, 5], { dtype: 'int8' }), fx.int8_wrap);
    assert.ok(torch.tensor([1], { dtype: 'float16' }).dataSync() instanceof Float32Array, 'half types widen to float32');
  });
});

test('zeros / ones / full / empty with sizes as an array or as arguments', () => {
  scoped(() => {
    assertClose(torch.zeros([2, 3]), fx.zeros);
    assertClose(torch.zeros(2, 3), fx.zeros);
    assertClose(torch.ones([2], { dtype: 'int64' }), fx.ones_int);
    assertClose(torch.ones(2, { dtype: 'int64' }), fx.ones_int);
    assertClose(torch.full([2, 2], 1.5), fx.full);
    assertClose(torch.full([3], 7, { dtype: 'int32' }), fx.full_int);
    const e = torch.empty(4, 5, { dtype: 'float64' });
    assert.deepEqual(e.shape, [4, 5]);
    assert.equal(e.dtype, 'float64');
    assert.deepEqual(torch.zeros([]).shape, []);
    assert.equal(torch.full([2], true).dtype, 'bool');
    assert.equal(torch.full([2], 3n).dtype, 'int64');
  });
});

test('arange / linspace / eye', () => {
  scoped(() => {
    assertClose(torch.arange(5), fx.arange_end);
    assertClose(torch.arange(1, 10, 3), fx.arange_start_end_step);
    assertClose(torch.arange(0, 1, 0.25), fx.arange_float);
    assertClose(torch.arange(5, 0, -2), fx.arange_negative_step);
    assertClose(torch.linspace(0, 1, 5), fx.linspace);
    assertClose(torch.linspace(-2, 3, 7), fx.linspace_neg);
    assertClose(torch.eye(3), fx.eye);
    assertClose(torch.eye(2, 4), fx.eye_nm);
    assert.equal(torch.arange(3, { dtype: 'float32' }).dtype, 'float32');
  });
});

test('zerosLike / onesLike / fullLike keep shape and dtype unless told otherwise', () => {
  scoped(() => {
    assertClose(torch.zerosLike(torch.ones([2, 3], { dtype: 'float64' })), fx.zeros_like);
    assertClose(torch.onesLike(torch.zeros([2]), { dtype: 'int64' }), fx.ones_like_dtype);
    assertClose(torch.fullLike(torch.zeros([2, 2]), 3.25), fx.full_like);
    const e = torch.emptyLike(torch.zeros([3, 1], { dtype: 'int32' }));
    assert.deepEqual(e.shape, [3, 1]);
    assert.equal(e.dtype, 'int32');
  });
});

test('metadata: shape, size(dim), dtype, device, ndim, numel, stride, isContiguous, elementSize', () => {
  scoped(() => {
    const t = torch.zeros([2, 3, 4]);
    assert.deepEqual(t.shape, [2, 3, 4]);
    assert.deepEqual(t.size(), [2, 3, 4]);
    assert.equal(t.size(-1), 4);
    assert.equal(t.size(1), 3);
    assert.equal(t.dtype, 'float32');
    assert.equal(t.device, 'cpu');
    assert.equal(t.ndim, 3);
    assert.equal(t.dim(), 3);
    assert.equal(t.numel(), 24);
    assert.deepEqual(t.stride(), [12, 4, 1]);
    assert.equal(t.isContiguous(), true);
    const p = t.permute(2, 0, 1);
    assert.deepEqual(p.stride(), [1, 12, 4]);
    assert.equal(p.isContiguous(), false);
    assert.equal(t.elementSize(), 4);
    assert.equal(t.isFloatingPoint(), true);
    assert.equal(torch.zeros([1], { dtype: 'int64' }).isFloatingPoint(), false);
    assert.equal(torch.isTensor(t), true);
    assert.equal(torch.isTensor([1]), false);
  });
});

test('requiresGrad option and property', () => {
  scoped(() => {
    const a = torch.zeros([2], { requiresGrad: true });
    assert.equal(a.requiresGrad, true);
    assert.equal(a.isLeaf, true);
    assert.equal(torch.tensor([1, 2], { requiresGrad: true }).requiresGrad, true);
    assert.equal(torch.ones([2]).requiresGrad, false);
    assert.throws(() => torch.tensor([1, 2], { dtype: 'int64', requiresGrad: true }), {
      message: 'requiresGrad_: only Tensors of floating point and complex dtype can require gradients (self: int64[2])',
    });
  });
});

test('data() / toArray() / tolist() / item()', () => {
  scoped(() => {
    const t = torch.tensor([
      [1.5, 2],
      [3, 4],
    ]);
    const d = t.dataSync();
    assert.ok(d instanceof Float32Array);
    assert.deepEqual(Array.from(d), [1.5, 2, 3, 4]);
    assert.deepEqual(t.toArray(), [
      [1.5, 2],
      [3, 4],
    ]);
    assert.deepEqual(t.tolist(), t.toArray());
    // data() of a non-contiguous view is the logical (row-major) order
    assert.deepEqual(Array.from(t.t().dataSync() as Float32Array), [1.5, 3, 2, 4]);
    assert.deepEqual(torch.tensor([true, false]).toArray(), [true, false]);
    assert.deepEqual(torch.tensor([5n, -6n]).toArray(), [5, -6]);
    assert.ok(torch.tensor([true]).dataSync() instanceof Uint8Array);
    assert.equal(t.index(1, 0).item(), 3);
    assert.equal(torch.tensor([[2.5]]).item(), 2.5);
    assert.equal(typeof torch.tensor([1n]).item(), 'number');
  });
});

test('dtype aliases (float, double, long, half...) are accepted', () => {
  scoped(() => {
    assert.equal(torch.zeros([1], { dtype: 'float' as never }).dtype, 'float32');
    assert.equal(torch.zeros([1], { dtype: 'double' as never }).dtype, 'float64');
    assert.equal(torch.zeros([1], { dtype: 'long' as never }).dtype, 'int64');
    assert.equal(torch.zeros([1], { dtype: 'half' as never }).dtype, 'float16');
  });
});

test('-0 keeps its sign as a float operand, as in PyTorch', () => {
  torch.tidy(() => {
    // PyTorch: torch.tensor([1., 2.]).mul(-0.) -> [-0., -0.]; torch.tensor([-1., 2.]).div(-0.) -> [inf, -inf]
    const m = torch.tensor([1, 2]).mul(-0).toArray() as number[];
    assert.ok(
      m.every((v) => Object.is(v, -0)),
      `mul(-0) gave ${m.map((v) => (Object.is(v, -0) ? '-0' : String(v)))}`,
    );
    assert.deepEqual(torch.tensor([-1, 2]).div(-0).toArray(), [Infinity, -Infinity]);
    assert.ok(Object.is(torch.full([], -0).item(), -0), 'full([], -0)');
    assert.ok(Object.is((torch.zeros([1]).fill_(-0).toArray() as number[])[0], -0), 'fill_(-0)');
    // +0 and other integral numbers stay integers: an int64 tensor times 0 stays int64.
    assert.equal(torch.tensor([3], { dtype: 'int64' }).mul(0).dtype, 'int64');
  });
});
