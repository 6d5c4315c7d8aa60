/**
 * Python indexing `x[...]` and `x[...] = v` as `x.index(...)` / `x.indexPut_(...)`, against
 * PyTorch 1.13 (fixtures from tools/golden/ops.py): ints, negative ints, slices with steps,
 * None, Ellipsis, bool masks, int64 index tensors and lists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { slice, type Tensor } from '../lib/index.js';
import { loadFixture, fixtureInputs, assertResult, type Enc, type EncTensor } from './helpers.js';

const fx = loadFixture<{ inputs: Record<string, EncTensor>; cases: Record<string, Enc> }>('ops_index');
const I = fixtureInputs(fx.inputs);
type In = Record<string, Tensor>;

/** `x[spec] = value` on a clone of x; checks that indexPut_ returns the tensor it wrote. */
function put({ x }: In, specs: Parameters<Tensor['indexPut_']>[0], value: Tensor | number): Tensor {
  const c = x.clone();
  assert.equal(c.indexPut_(specs, value), c);
  return c;
}

const CASES: Record<string, (i: In) => Tensor> = {
  int: ({ x }) => x.index(1),
  int_int: ({ x }) => x.index(1, 2),
  negative_int: ({ x }) => x.index(-1, -2),
  scalar_element: ({ x }) => x.index(0, 1, 2),
  slice: ({ x }) => x.index(':', '1:3'),
  slice_step: ({ x }) => x.index('...', '::2'),
  slice_negative: ({ x }) => x.index(slice(), slice(-3, -1)),
  slice_open_end: ({ x }) => x.index(0, '2:'),
  slice_out_of_range_clamped: ({ x }) => x.index(0, '1:100'),
  slice_step_3: ({ x }) => x.index(1, '1::3', slice(1, 5, 2)),
  mixed_int_slice_none_ellipsis: ({ x }) => x.index(0, '1:3', null, '...'),
  none_first: ({ x }) => x.index(null),
  ellipsis_int: ({ x }) => x.index('...', 0),
  ellipsis_middle: ({ x }) => x.index(1, '...', 3),
  bool_mask_2d: ({ x, mask }) => x.index(0).index(mask),
  bool_mask_after_int: ({ x, mask }) => x.index(1, mask),
  bool_mask_rows: ({ x, rowmask }) => x.index(':', rowmask),
  int_tensor: ({ x, ind }) => x.index(0, ind),
  int_tensor_dim2: ({ x, ind }) => x.index(':', ':', ind),
  int_tensor_2d: ({ x, ind2 }) => x.index(1, ind2),
  int_list: ({ x }) => x.index(1, [0, 2, 3]),
  two_int_tensors: ({ x, ind }) => x.index(0, ind, torch.tensor([0n, 1n, 4n])),
  int_tensor_with_slice: ({ x, ind }) => x.index(':', ind, '1:3'),
  put_int_scalar: (i) => put(i, [0, 1], -1.0),
  put_slice_scalar: (i) => put(i, [':', '1:3'], 0.5),
  put_slice_step_tensor: (i) => put(i, [1, 0, '::2'], i.vals),
  put_bool_mask: (i) => put(i, [0, i.mask], 9.0),
  put_int_tensor_values: (i) => put(i, [1, i.ind, 2], i.vals),
  put_rowmask_broadcast: (i) => put(i, [':', i.rowmask], torch.arange(5, { dtype: 'float32' })),
  put_ellipsis: (i) => put(i, ['...', -1], 42.0),
  put_int_list: (i) => put(i, [1, [0, 2]], 7.0),
  put_int_list_only: (i) => put(i, [[1, 1]], 3.0),
};

test('every index fixture case has a torchnode twin and vice versa', () => {
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(fx.cases).sort());
});

for (const [name, expected] of Object.entries(fx.cases)) {
  test(`index: ${name}`, () => {
    const before = torch.memory().numTensors;
    torch.tidy(() => assertResult(CASES[name](I), expected, 0, name));
    assert.equal(torch.memory().numTensors, before, `${name}: tensors leaked`);
  });
}

test('basic indexing returns views that share storage (writes show through)', () => {
  torch.tidy(() => {
    const x = I.x.clone();
    const v = x.index(1, '1:3', '::2');
    v.fill_(-5);
    assert.equal(x.index(1, 1, 0).item(), -5);
    assert.equal(x.index(1, 2, 4).item(), -5);
    assert.equal(x.index(1, 1, 1).item(), 26); // untouched by the stepped view (x[1,1,1] = 20 + 5 + 1)
    // Advanced indexing copies instead.
    const c = x.index(0, torch.tensor([0n, 1n]));
    c.fill_(100);
    assert.equal(x.index(0, 0, 0).item(), 0);
  });
});

test('indexPut_ on a leaf-derived tensor keeps autograd working', () => {
  torch.tidy(() => {
    const w = torch.ones([3], { requiresGrad: true });
    const y = w.mul(2);
    y.indexPut_([1], 0);
    y.sum().backward();
    const g = w.grad!;
    assert.deepEqual(g.toArray(), [2, 0, 2]);
  });
});

test('index errors name the problem', () => {
  const x = I.x;
  assert.throws(() => x.index(2), { message: 'index 2 is out of bounds for dimension 0 with size 2' });
  assert.throws(() => x.index(0, -5), { message: 'index -5 is out of bounds for dimension 0 with size 4' });
  assert.throws(() => x.index(0, 0, 0, 0), { message: 'index: too many indices for tensor of dimension 3' });
  assert.throws(() => x.index('...', 0, '...'), { message: "index: an index can only have a single ellipsis ('...')" });
  assert.throws(() => x.index('1:2:3:4'), {
    message: "index: cannot parse index 0 '1:2:3:4' (expected a slice like '1:3', '::2', ':' or '...')",
  });
  assert.throws(() => x.index('::-1'), { message: 'index: slice step must be positive' });
  assert.throws(() => x.index(0.5), { message: 'index: expected an integer for index 0 but received 0.5' });
});
