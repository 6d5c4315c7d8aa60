import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as torch from '../lib/index.js';

test('the addon loads and reports the LibTorch it was built against', () => {
  const found = execFileSync(process.execPath, ['tools/libtorch-paths.mjs', 'version']).toString().trim();
  assert.equal(torch.version.libtorch, found);
  assert.equal(typeof torch.version.cuda, 'boolean');
});

test('a tensor round-trips through LibTorch', () => {
  const t = torch.tensor([[1, 2], [3, 4]]);
  assert.deepEqual(t.shape, [2, 2]);
  assert.equal(t.dtype, 'float32');
  assert.deepEqual(Array.from(t.mul(t).data<'float32'>()), [1, 4, 9, 16]);
  t.dispose();
});
