/**
 * oneDNN (MKL-DNN) layout: `toMkldnn` / `toDense` / `layout` / `isMkldnn`, which evaluateModel
 * uses for CNN inference on the CPU. Values must round-trip exactly and a conv → ReLU → max-pool
 * stack kept in that layout must equal the dense computation bit for bit (the same oneDNN kernels
 * run; the dense path only adds layout conversions around each convolution) for batches of two or
 * more; a batch of one may differ in the last bit, and so does sigmoid, as in PyTorch.
 * The printed form is checked against PyTorch in test/24 (case `mkldnn`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';

test('this LibTorch has oneDNN (Debian 1.13 and the pip wheels both build it in)', () => {
  assert.equal(torch.backends.mkldnn.isAvailable(), true);
});

test('toMkldnn / toDense round-trip exactly; layout and isMkldnn report the layout', () => {
  torch.tidy(() => {
    torch.manualSeed(0);
    const x = torch.randn([2, 3, 5, 4]);
    assert.equal(x.layout, 'strided');
    assert.equal(x.isMkldnn, false);
    const m = x.toMkldnn();
    assert.equal(m.layout, '_mkldnn');
    assert.equal(m.isMkldnn, true);
    assert.deepEqual(m.shape, [2, 3, 5, 4]);
    assert.equal(m.dtype, 'float32');
    assert.deepEqual(Array.from(m.dataSync() as Float32Array), Array.from(x.dataSync() as Float32Array)); // read through a dense copy
    const d = m.toDense();
    assert.equal(d.layout, 'strided');
    assert.ok(d.equal(x));
    // bfloat16 (oneDNN's other dtype) reads back too (found by the API fuzzer: the widening to
    // float32 ran before the layout conversion and failed).
    const b = torch.tensor([1.5, -2, 0.25], { dtype: 'bfloat16' });
    assert.deepEqual(Array.from(b.toMkldnn().dataSync() as Float32Array), [1.5, -2, 0.25]);
    assert.equal(b.toMkldnn().toString(), 'tensor([ 1.5000, -2.0000,  0.2500], dtype=torch.bfloat16, layout=torch._mkldnn)');
    // Like PyTorch, to_dense of a strided tensor is the tensor itself.
    assert.equal(x.toDense(), x);
  });
});

test('oneDNN tensors count in memory() and are freed by dispose', () => {
  const before = torch.memory();
  const m = torch.tidy(() => torch.zeros([4, 8, 8, 8]).toMkldnn());
  const during = torch.memory();
  assert.equal(during.numTensors, before.numTensors + 1);
  assert.equal(during.numBytes - before.numBytes, 4 * 8 * 8 * 8 * 4);
  m.dispose();
  assert.equal(torch.memory().numTensors, before.numTensors);
});

test('errors name the op, what was received and what is expected', () => {
  torch.tidy(() => {
    // LibTorch's list of dtypes grows between versions (1.13: "float or bfloat16"; 2.x adds half, uint8, int8).
    assert.throws(() => torch.tensor([1, 2], { dtype: 'int64' }).toMkldnn(), {
      message: /^to_mkldnn: dense_to_mkldnn expects float.* tensor input \(self: int64\[2\]\)$/,
    });
    assert.throws(() => torch.zeros([2, 3], { dtype: 'float64' }).toMkldnn(), {
      message: /^to_mkldnn: dense_to_mkldnn expects float.* tensor input \(self: float64\[2, 3\]\)$/,
    });
    assert.throws(() => torch.zeros([2, 3]).toMkldnn().view(6), {
      message: 'view: Currently Mkldnn tensor does not support view. Change to use reshape instead (self: float32[2, 3])',
    });
  });
});

for (const activation of ['relu', 'sigmoid'] as const) {
  test(`conv2d → ${activation} → max_pool2d in oneDNN layout equals the dense computation (ReLU: bit for bit)`, () => {
    torch.manualSeed(1);
    const conv1 = new nn.Conv2d(3, 16, { kernelSize: 3 });
    const conv2 = new nn.Conv2d(16, 8, { kernelSize: 5 });
    const pool = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
    const act = (t: Tensor): Tensor => (activation === 'relu' ? nn.F.relu(t) : torch.sigmoid(t));
    const stack = (x: Tensor): Tensor => pool.call(act(conv2.call(act(conv1.call(x)) as Tensor))) as Tensor;
    torch.inferenceMode(() =>
      torch.tidy(() => {
        for (const n of [1, 2, 7, 50]) {
          const x = torch.randn([n, 3, 32, 32]);
          const dense = stack(x);
          const viaMkldnn = stack(x.toMkldnn());
          assert.equal(viaMkldnn.isMkldnn, true, 'the layout is kept through the stack');
          // A batch of one may take another oneDNN kernel and differ in the last bit (PyTorch 1.13
          // does the same: 2.4e-7 on this stack); from two images on the results are identical.
          if (activation === 'sigmoid') {
            // oneDNN's logistic is not ATen's sigmoid: up to 1 ulp apart (PyTorch: 1.2e-7 here).
            assert.ok(viaMkldnn.toDense().allclose(dense, { rtol: 0, atol: 5e-7 }), `batch ${n}`);
            assert.ok(!viaMkldnn.toDense().equal(dense) || n === 1, 'sigmoid differs in the last bit, as in PyTorch');
          } else if (n === 1) assert.ok(viaMkldnn.toDense().allclose(dense, { rtol: 0, atol: 1e-6 }), 'batch 1');
          else assert.ok(viaMkldnn.toDense().equal(dense), `batch ${n}`);
        }
      }),
    );
  });
}
