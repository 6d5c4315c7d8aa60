/** Transforms: batchwise results equal torchvision's per-sample ones (tools/golden/data.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../lib/index.js';
import { data } from '../lib/index.js';

const G = JSON.parse(readFileSync(new URL('./fixtures/data.json', import.meta.url), 'utf8')) as any;
const T = data.transforms;
const u8 = (a: unknown) => torch.tensor(a as number[], { dtype: 'uint8' });
const f32 = (a: unknown) => torch.tensor(a as number[], { dtype: 'float32' });

test('ToTensor and Normalize, per sample and per batch, equal torchvision bit for bit', () => {
  const c = G.transforms;
  const imgs = u8(c.images); // [4, 5, 6, 3] HWC
  const tf = new T.Compose([new T.ToTensor(), new T.Normalize(c.mean, c.std)]);
  const batch = tf.applyBatch(imgs);
  assert.deepEqual(batch.shape, [4, 3, 5, 6]);
  assert.ok(batch.equal(f32(c.composed)), 'batch == torchvision (numpy input)');
  assert.ok(batch.equal(f32(c.composed_pil)), 'batch == torchvision (PIL input)');
  assert.ok(new T.ToTensor().applyBatch(imgs).equal(f32(c.to_tensor)));
  for (let i = 0; i < 4; i++) {
    assert.ok(tf.apply(imgs.select(0, i)).equal(f32(c.composed[i])), `sample ${i}`);
  }
  const g = G.transforms_grey;
  const grey = u8(g.images); // [3, 4, 5] greyscale
  const tg = new T.Compose([new T.ToTensor(), new T.Normalize([0.5], [0.25])]);
  const gb = tg.applyBatch(grey);
  assert.deepEqual(gb.shape, [3, 1, 4, 5]);
  assert.ok(gb.equal(f32(g.composed)));
  assert.ok(tg.apply(grey.select(0, 1)).equal(f32(g.composed[1])));
});

test('Normalize leaves its input alone unless inplace; Lambda per sample or batched', () => {
  const x = torch.ones([2, 3, 2, 2]);
  const y = new T.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]).applyBatch(x);
  assert.equal(x.sum().item(), 24);
  assert.equal(y.sum().item(), 24);
  const n = new T.Normalize([1], [2], { inplace: true });
  n.applyBatch(x);
  assert.equal(x.sum().item(), 0);
  const perSample = new T.Lambda((s) => s.sum().view(1));
  assert.deepEqual(perSample.applyBatch(torch.ones([3, 2, 2])).toArray(), [[4], [4], [4]]);
  const batched = new T.Lambda((b) => b.mul(2), { batched: true });
  assert.deepEqual(batched.apply(torch.ones([2])).toArray(), [2, 2]);
  assert.equal(String(new T.Normalize([0.5], [0.25])), 'Normalize(mean=[0.5], std=[0.25])');
});

test('transforms validate their inputs', () => {
  assert.throws(() => new T.Normalize([0.5], [0]), /^RangeError: Normalize: std evaluated to zero/);
  assert.throws(() => new T.Normalize([0.5, 0.5], [1, 1]).applyBatch(torch.ones([1, 3, 2, 2])), {
    message: 'Normalize: mean has 2 values but the input has 3 channels (shape [1, 3, 2, 2])',
  });
  assert.throws(() => new T.Normalize([0.5], [1]).apply(torch.ones([2, 2], { dtype: 'uint8' })), {
    message: 'Normalize: input tensor should be a float tensor. Got uint8',
  });
  assert.throws(() => new T.ToTensor().apply(torch.ones([1, 2, 3, 4])), {
    message: 'ToTensor: expected an image of shape [H, W] or [H, W, C] but received shape [1, 2, 3, 4]',
  });
  assert.throws(
    () => new T.Compose([(x: torch.Tensor) => x] as never),
    /Compose: expected Transform for transforms\[0\] but received .* \(wrap functions in Lambda\)/,
  );
});
