/**
 * The homework CNNs run their convolution stack in oneDNN's blocked layout on the CPU
 * (torch.backends.mkldnn.useLayout, applied by scripts/models.ts buildModel): forward outputs, gradients and whole Adam trajectories must be
 * bit-identical to the dense computation (what Python's appendix code runs), and the layout must
 * be used exactly where that holds: ReLU models, batches of two or more, and a LibTorch that can
 * train through the layout (1.13 can; 2.x's max_pool2d refuses oneDNN tensors under autograd).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, optim, type Tensor } from '../lib/index.js';
import { buildModel, oneDnnStackWorks, setOneDnnLayout, type Activation } from '../scripts/models.js';

/** Runs fn with the oneDNN layout switched on or off, restoring the default after. */
function withLayout<T>(on: boolean, fn: () => T): T {
  setOneDnnLayout(on);
  try {
    return fn();
  } finally {
    setOneDnnLayout(true);
  }
}

/** The layout conv1 computes in for a batch of n (the layout of its output, seen by a forward hook). */
function conv1Layout(name: 'cnn_3' | 'cnn_4' | 'cnn_5', activation: Activation, n: number): string {
  const model = buildModel(name, activation) as nn.Module & { conv1: nn.Conv2d };
  let seen = '';
  model.conv1.registerForwardHook((_m, _input, output) => {
    seen = (output as Tensor).layout;
  });
  torch.inferenceMode(() =>
    torch.tidy(() => {
      model.call(torch.zeros([n, 3, 32, 32]));
    }),
  );
  return seen;
}

const supported = oneDnnStackWorks();

test("the probe agrees with what this LibTorch does: a conv/relu/max_pool2d step through oneDNN's layout", () => {
  let error: Error | null = null;
  try {
    torch.tidy(() => {
      const w = torch.randn([4, 3, 3, 3], { requiresGrad: true });
      const out = nn.F.maxPool2d(nn.F.relu(nn.F.conv2d(torch.randn([2, 3, 8, 8]).toMkldnn(), w)), 2, { stride: 2 }).toDense();
      out.sum().backward();
      assert.deepEqual(out.shape, [2, 4, 3, 3]);
    });
  } catch (e) {
    error = e as Error;
  }
  assert.equal(
    supported,
    error === null,
    `probe says ${supported}, the step ${error ? `threw: ${error.message.split('\n')[0]}` : 'ran'} (LibTorch ${torch.version.libtorch})`,
  );
});

test('where the oneDNN layout is used: ReLU CNNs, batches of two or more, when switched on and supported', () => {
  const on = supported ? '_mkldnn' : 'strided';
  assert.equal(conv1Layout('cnn_3', 'relu', 50), on);
  assert.equal(conv1Layout('cnn_4', 'relu', 2), on);
  assert.equal(conv1Layout('cnn_5', 'relu', 1), 'strided');
  assert.equal(conv1Layout('cnn_3', 'sigmoid', 50), 'strided');
  assert.equal(
    withLayout(false, () => conv1Layout('cnn_3', 'relu', 50)),
    'strided',
  );
  assert.throws(() => setOneDnnLayout('yes' as never), { message: 'setOneDnnLayout: expected a boolean but received yes of type string' });
});

for (const name of ['cnn_3', 'cnn_4', 'cnn_5'] as const) {
  test(`${name}: logits with and without the oneDNN layout are equal, bit for bit`, () => {
    torch.manualSeed(3);
    const model = buildModel(name);
    model.eval();
    torch.inferenceMode(() =>
      torch.tidy(() => {
        for (const n of [2, 7, 50]) {
          const x = torch.randn([n, 3, 32, 32]);
          const viaOneDnn = model.call(x) as Tensor;
          const dense = withLayout(false, () => model.call(x) as Tensor);
          assert.equal(viaOneDnn.layout, 'strided', 'the model converts back before the flatten');
          assert.ok(viaOneDnn.equal(dense), `${name} batch ${n}`);
        }
      }),
    );
  });

  test(`${name}: five Adam steps with and without the oneDNN layout give identical losses and weights`, () => {
    const run = (on: boolean): { losses: number[]; params: Tensor[] } =>
      withLayout(on, () => {
        torch.manualSeed(5);
        const model = buildModel(name);
        const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
        const criterion = new nn.CrossEntropyLoss();
        const losses: number[] = [];
        for (let i = 0; i < 5; i++) {
          losses.push(
            torch.tidy(() => {
              const x = torch.randn([16, 3, 32, 32]);
              const y = torch.randint(0, 10, [16]);
              opt.zeroGrad();
              const loss = criterion.call(model.call(x) as Tensor, y) as Tensor;
              loss.backward();
              opt.step();
              return loss.item() as number;
            }),
          );
        }
        return { losses, params: model.parameters().map((p) => p.detach().clone()) };
      });
    const a = run(true);
    const b = run(false);
    assert.deepEqual(a.losses, b.losses);
    a.params.forEach((p, i) => assert.ok(p.equal(b.params[i]), `parameter ${i}`));
    torch.dispose([...a.params, ...b.params]);
  });
}
