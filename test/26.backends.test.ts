/**
 * LibTorch's process-wide switches by PyTorch's names: torch.backends.cudnn.{enabled, benchmark,
 * deterministic, allowTf32}, torch.backends.cuda.matmul.allowTf32 and
 * torch.useDeterministicAlgorithms. The defaults are PyTorch's (read from 1.13 and 2.x: the same);
 * the switches are at::Context's own, so what is set here is what LibTorch's kernels read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';

const { cudnn, cuda } = torch.backends;

test('the switches start at PyTorch defaults', () => {
  assert.equal(cudnn.enabled, true);
  assert.equal(cudnn.benchmark, false);
  assert.equal(cudnn.deterministic, false);
  assert.equal(cudnn.allowTf32, true);
  assert.equal(cuda.matmul.allowTf32, false);
  assert.equal(torch.areDeterministicAlgorithmsEnabled(), false);
  assert.equal(torch.isDeterministicAlgorithmsWarnOnlyEnabled(), false);
  // cuDNN comes with CUDA builds only.
  assert.equal(cudnn.isAvailable(), torch.version.cuda && torch.cuda.isAvailable());
});

test('each switch reads back what was set, and refuses non-booleans naming itself', () => {
  for (const [obj, key, path] of [
    [cudnn, 'enabled', 'backends.cudnn'],
    [cudnn, 'benchmark', 'backends.cudnn'],
    [cudnn, 'deterministic', 'backends.cudnn'],
    [cudnn, 'allowTf32', 'backends.cudnn'],
    [cuda.matmul, 'allowTf32', 'backends.cuda.matmul'],
  ] as const) {
    const o = obj as unknown as Record<string, unknown>;
    const before = o[key];
    o[key] = !before;
    assert.equal(o[key], !before, path);
    o[key] = before;
    assert.equal(o[key], before, path);
    assert.throws(
      () => {
        o[key] = 1;
      },
      { name: 'TypeError', message: `${path}: Expected boolean for ${key} but received 1 of type number` },
    );
    assert.equal(o[key], before, `${path} unchanged after the refused value`);
  }
  assert.deepEqual(Object.keys(cudnn).sort(), ['allowTf32', 'benchmark', 'deterministic', 'enabled', 'isAvailable']);
});

test('useDeterministicAlgorithms: ops without a deterministic implementation throw as in PyTorch', () => {
  const x = torch.zeros([3]);
  const index = torch.tensor([0, 0], { dtype: 'int64' });
  const src = torch.tensor([1, 2]);
  try {
    torch.useDeterministicAlgorithms(true);
    assert.equal(torch.areDeterministicAlgorithmsEnabled(), true);
    assert.equal(torch.isDeterministicAlgorithmsWarnOnlyEnabled(), false);
    // put_ without accumulate writes duplicate indices in an unspecified order: PyTorch refuses.
    assert.throws(
      () => x.put_(index, src),
      (e: Error) => {
        assert.ok(e instanceof torch.TorchError);
        assert.match(e.message, /^put_: put_ does not have a deterministic implementation, but you set 'torch\.use_deterministic_algorithms\(True\)'/);
        return true;
      },
    );
    // accumulate=True sums in a fixed order on the CPU: allowed.
    x.put_(index, src, { accumulate: true });
    assert.deepEqual(Array.from(x.dataSync<'float32'>()), [3, 0, 0]);
    torch.useDeterministicAlgorithms(true, { warnOnly: true });
    assert.equal(torch.isDeterministicAlgorithmsWarnOnlyEnabled(), true);
  } finally {
    torch.useDeterministicAlgorithms(false);
  }
  assert.equal(torch.areDeterministicAlgorithmsEnabled(), false);
  x.put_(index, src); // allowed again
  assert.throws(() => torch.useDeterministicAlgorithms(1 as unknown as boolean), {
    name: 'TypeError',
    message: 'useDeterministicAlgorithms: Expected boolean for mode but received 1 of type number',
  });
  assert.throws(() => torch.useDeterministicAlgorithms(true, { warnOnly: 'yes' as unknown as boolean }), {
    name: 'TypeError',
    message: "useDeterministicAlgorithms: Expected boolean for warnOnly but received 'yes' of type string",
  });
  assert.throws(() => torch.useDeterministicAlgorithms(true, { warn_only: true } as never), {
    name: 'TypeError',
    message: "useDeterministicAlgorithms: unknown option 'warn_only' (expected one of warnOnly)",
  });
  assert.equal(torch.areDeterministicAlgorithmsEnabled(), false);
  torch.dispose([x, index, src]);
});
