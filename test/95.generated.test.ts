/**
 * The generated op surface (tools/gen/gen.ts -> lib/generated/): committed files match what the
 * generator writes from the committed declarations, and generated ops dispatch, type and fail as
 * PyTorch's. Per-op values against PyTorch are test/96.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../lib/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

test('lib/generated is what tools/gen/gen.ts writes (npm run gen after changing the facade or the declarations)', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/gen/gen.ts', '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^lib\/generated is up to date: \d+ Tensor methods, \d+ torch, \d+ linalg, \d+ fft, \d+ special; \d+ operators/);
});

test('overloads are chosen by argument types, keyword arguments go in an options object', () => {
  const c = torch.zeros([2, 3, 5]);
  const a = torch.ones([2, 3, 4]);
  const b = torch.ones([2, 4, 5]);
  // baddbmm(input, batch1, batch2, *, beta=1, alpha=1): 0.5 * 0 + 2 * 4 = 8.
  assert.deepEqual([...torch.baddbmm(c, a, b, { alpha: 2 }).flatten().dataSync()].slice(0, 3), [8, 8, 8]);
  assert.deepEqual(c.baddbmm(a, b).shape, [2, 3, 5]);
  // Several results: an array with Python's named-tuple fields.
  const svd = torch.linalg.svd(torch.eye(3));
  assert.equal(svd.length, 3);
  assert.equal(svd.U, svd[0]);
  assert.deepEqual([...svd.S.dataSync()], [1, 1, 1]);
  // Defaulted positional arguments may also be given by name.
  assert.deepEqual(torch.linalg.svd(torch.ones([3, 2]), { fullMatrices: false }).U.shape, [3, 2]);
  // In-place methods return their tensor.
  const x = torch.tensor([0.25, 4]);
  assert.equal(x.sqrt_(), x);
  assert.deepEqual([...x.dataSync()], [0.5, 2]);
  // dtype arguments take dtype names.
  assert.equal(torch.ones([2]).newZeros([3], { dtype: 'int64' }).dtype, 'int64');
});

test('a call no overload takes says so, naming the op and listing its signatures', () => {
  assert.throws(() => (torch.baddbmm as (...a: unknown[]) => unknown)(torch.ones([1]), 1), {
    name: 'TypeError',
    message:
      'baddbmm: no overload takes (Tensor, number); the signatures are:\n' +
      '  baddbmm(self: Tensor, batch1: Tensor, batch2: Tensor, *beta: Scalar = default, *alpha: Scalar = default)',
  });
  assert.throws(() => torch.ones([2]).unflatten('a' as never, [1, 2]), {
    name: 'TypeError',
    message: /^unflatten: no overload takes \(self: Tensor, string, array\)/,
  });
  // An unknown option key matches no overload.
  assert.throws(() => torch.linalg.svd(torch.eye(2), { full: false } as never), { message: /^svd: no overload takes \(Tensor, \{full\}\)/ });
  // Errors from LibTorch itself name the op.
  assert.throws(() => torch.baddbmm(torch.ones([1]), torch.ones([2, 2]), torch.ones([2, 2])), {
    message: /^baddbmm: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\) \(self: float32\[1\]/,
  });
});

test('an operator the loaded LibTorch lacks is named with the function called', {
  skip: torch.version.libtorch.startsWith('1.13.') ? false : 'aten::nonzero_static exists in LibTorch 2.x',
}, () => {
  // The surface is the union of 1.13's and 2.6's declarations; nonzero_static is 2.x's.
  const t = torch.ones([3]);
  assert.throws(() => torch.nonzeroStatic(t, { size: 2 }), {
    message: `nonzeroStatic: LibTorch ${torch.version.libtorch} has no operator aten::nonzero_static`,
  });
  assert.throws(() => torch.callOp('aten::nonzero_static', t, 2), {
    message: `callOp: LibTorch ${torch.version.libtorch} has no operator aten::nonzero_static`,
  });
  t.dispose();
});
