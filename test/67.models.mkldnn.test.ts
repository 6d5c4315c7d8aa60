/**
 * evaluateModel's oneDNN path (scripts/models.ts acceptsMkldnn, scripts/train.ts): the ReLU CNNs
 * take their input in oneDNN's layout and must give bit-identical logits, hence the same
 * accuracy, as with a dense input; models for which that does not hold (MLPs, sigmoid CNNs)
 * must say no and get dense inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { MODEL_NAMES, buildModel, acceptsMkldnn } from '../scripts/models.js';
import { evaluateModel } from '../scripts/train.js';

test('which models accept oneDNN input', () => {
  const got = Object.fromEntries(MODEL_NAMES.flatMap((n) => [[n, acceptsMkldnn(buildModel(n))], [`${n}/sigmoid`, acceptsMkldnn(buildModel(n, 'sigmoid'))]]));
  assert.deepEqual(got, {
    mlp_1: false, 'mlp_1/sigmoid': false, mlp_2: false, 'mlp_2/sigmoid': false,
    cnn_3: true, 'cnn_3/sigmoid': false, cnn_4: true, 'cnn_4/sigmoid': false, cnn_5: true, 'cnn_5/sigmoid': false,
  });
});

for (const name of ['cnn_3', 'cnn_4', 'cnn_5'] as const) {
  test(`${name}: logits from a oneDNN input equal those from a dense input, bit for bit`, () => {
    torch.manualSeed(3);
    const model = buildModel(name);
    model.eval();
    torch.inferenceMode(() => torch.tidy(() => {
      for (const n of [2, 7, 50]) {
        const x = torch.randn([n, 3, 32, 32]);
        const dense = model.call(x) as Tensor;
        const viaMkldnn = model.call(x.toMkldnn()) as Tensor;
        assert.equal(viaMkldnn.layout, 'strided', 'the model converts back before the flatten');
        assert.ok(viaMkldnn.equal(dense), `${name} batch ${n}`);
      }
    }));
  });
}

test('evaluateModel feeds oneDNN batches (but not single images) to models that accept them, with equal accuracy', () => {
  torch.manualSeed(4);
  const model = buildModel('cnn_3');
  const batches = [50, 50, 1].map((n) => [torch.randn([n, 3, 32, 32]), torch.randint(0, 10, [n])] as [Tensor, Tensor]);
  const loader = { *[Symbol.iterator](): Iterator<[Tensor, Tensor]> { for (const [x, y] of batches) yield [x.detach(), y.detach()]; } };
  const seen: string[] = [];
  const forward = model.forward.bind(model);
  model.forward = (x: Tensor) => { seen.push(`${x.size(0)}:${x.layout}`); return forward(x); };
  try {
    const fast = evaluateModel(model, loader);
    assert.deepEqual(seen.splice(0), ['50:_mkldnn', '50:_mkldnn', '1:strided']);
    const plain = evaluateModel(model, loader, 'cpu', { mkldnn: false });
    assert.deepEqual(seen.splice(0), ['50:strided', '50:strided', '1:strided']);
    assert.equal(fast, plain);
    const mlp = buildModel('mlp_1');
    const f2 = mlp.forward.bind(mlp);
    mlp.forward = (x: Tensor) => { seen.push(x.layout); return f2(x); };
    evaluateModel(mlp, loader);
    assert.deepEqual(seen, ['strided', 'strided', 'strided']);
  } finally {
    torch.dispose(batches.flat());
  }
});
