/**
 * Parts 3–5 outputs on tiny `--steps` runs: each JSON has the original pickle's keys with the
 * right lengths and shapes (one record per 10 steps), figures and the report exist, the models
 * have the seed's shapes, and the command line rejects bad options clearly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { writeSyntheticCifar10 } from '../scripts/cifar.js';
import { buildModel, MODEL_NAMES, CNN3, parseModelList } from '../scripts/models.js';
import { main as part3 } from '../scripts/part3.js';
import { main as part4 } from '../scripts/part4.js';
import { main as part5, schedule } from '../scripts/part5.js';

const root = mkdtempSync(join(tmpdir(), 'hw-outputs-'));
writeSyntheticCifar10(root, { seed: 11, nTrain: 500, nTest: 100 });
const out = join(root, 'out');
const common = ['--data', root, '--seed', '1', '--out', out, '--no-progress', '--threads', '1', '--device', 'cpu'];
torch.setNumThreads(1);

const read = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(out, name), 'utf8'));

function shapeOf(v: unknown): number[] {
  const s: number[] = [];
  while (Array.isArray(v)) {
    s.push(v.length);
    v = v[0];
  }
  return s;
}

test("the five models: parameter shapes as the seed's comments, output [N, 10]", () => {
  const expected: Record<string, [string, number[]][]> = {
    mlp_1: [
      ['fc1.weight', [32, 3072]],
      ['fc1.bias', [32]],
      ['fc2.weight', [10, 32]],
      ['fc2.bias', [10]],
    ],
    mlp_2: [
      ['fc1.weight', [32, 3072]],
      ['fc1.bias', [32]],
      ['fc2.weight', [64, 32]],
      ['fc3.weight', [10, 64]],
      ['fc3.bias', [10]],
    ],
    cnn_3: [
      ['conv1.weight', [16, 3, 3, 3]],
      ['conv1.bias', [16]],
      ['conv2.weight', [8, 16, 5, 5]],
      ['conv2.bias', [8]],
      ['conv3.weight', [16, 8, 7, 7]],
      ['conv3.bias', [16]],
      ['fc.weight', [10, 144]],
      ['fc.bias', [10]],
    ],
    cnn_4: [
      ['conv1.weight', [16, 3, 3, 3]],
      ['conv1.bias', [16]],
      ['conv2.weight', [8, 16, 3, 3]],
      ['conv2.bias', [8]],
      ['conv3.weight', [16, 8, 5, 5]],
      ['conv3.bias', [16]],
      ['conv4.weight', [16, 16, 5, 5]],
      ['conv4.bias', [16]],
      ['fc.weight', [10, 256]],
      ['fc.bias', [10]],
    ],
    cnn_5: [
      ['conv1.weight', [8, 3, 3, 3]],
      ['conv1.bias', [8]],
      ['conv2.weight', [16, 8, 3, 3]],
      ['conv2.bias', [16]],
      ['conv3.weight', [8, 16, 3, 3]],
      ['conv3.bias', [8]],
      ['conv4.weight', [16, 8, 3, 3]],
      ['conv4.bias', [16]],
      ['conv5.weight', [16, 16, 3, 3]],
      ['conv5.bias', [16]],
      ['conv6.weight', [8, 16, 3, 3]],
      ['conv6.bias', [8]],
      ['fc.weight', [10, 128]],
      ['fc.bias', [10]],
    ],
  };
  for (const name of MODEL_NAMES) {
    for (const act of ['relu', 'sigmoid'] as const) {
      const m = buildModel(name, act);
      assert.deepEqual(
        [...m.stateDict()].map(([k, v]) => [k, v.shape]),
        expected[name],
        name,
      );
      const y = torch.tidy(() => (m.call(torch.zeros([2, 3, 32, 32])) as torch.Tensor).shape);
      assert.deepEqual(y, [2, 10]);
    }
  }
  // The models do not check their input (the appendix's do not); the first layer does, naming itself.
  assert.throws(() => new CNN3().call(torch.zeros([2, 1, 28, 28])), {
    message: 'cnn3.conv1: expected input [N, 3, H, W] or [3, H, W] (3 channels), got [2, 1, 28, 28]',
  });
  assert.throws(() => new CNN3('tanh' as never), { message: `CNN3: expected 'relu' or 'sigmoid' for activation but received "tanh" of type string` });
  assert.deepEqual(parseModelList('cnn5,mlp_1,CNN-3'), ['mlp_1', 'cnn_3', 'cnn_5']);
  assert.throws(() => parseModelList('vgg'), { message: "--models: expected names among mlp_1, mlp_2, cnn_3, cnn_4, cnn_5 but received 'vgg'" });
});

test('part 3 JSON: the original keys, one record per 10 steps, first-layer weights', async () => {
  assert.equal(await part3([...common, '--steps', '25', '--models', 'mlp_2,cnn_4']), 0);
  for (const [name, wshape] of [
    ['mlp_2', [32, 3072]],
    ['cnn_4', [16, 3, 3, 3]],
  ] as const) {
    const r = read(`part3_${name}.json`);
    for (const k of ['name', 'loss_curve', 'train_acc_curve', 'val_acc_curve', 'test_acc', 'weights']) assert.ok(k in r, `${name}: ${k}`);
    assert.equal(r.name, name);
    for (const k of ['loss_curve', 'train_acc_curve', 'val_acc_curve']) assert.equal((r[k] as number[]).length, 2, `${name} ${k}`);
    assert.equal(typeof r.test_acc, 'number');
    assert.deepEqual(shapeOf(r.weights), wshape);
    assert.equal((r.data as { kind: string }).kind, 'cifar10');
    assert.ok(existsSync(join(out, `weights_${name}.png`)));
  }
  for (const f of ['part3_report.html', 'all_models_performance_training_loss.png', 'all_models_performance_validation_accuracy.png'])
    assert.ok(existsSync(join(out, f)), f);
});

test('part 4 JSON: relu/sigmoid loss and gradient curves', async () => {
  assert.equal(await part4([...common, '--steps', '30', '--models', 'cnn_5']), 0);
  const r = read('part4_cnn_5.json');
  assert.equal(r.name, 'cnn_5');
  for (const k of ['relu_loss_curve', 'sigmoid_loss_curve', 'relu_grad_curve', 'sigmoid_grad_curve']) {
    assert.equal((r[k] as number[]).length, 3, k);
    assert.ok(
      (r[k] as number[]).every((v) => Number.isFinite(v) && v >= 0),
      k,
    );
  }
  assert.ok(existsSync(join(out, 'part4_report.html')));
});

test('part 5 JSON: three learning rates and the scheduled run', async () => {
  assert.equal(await part5([...common, '--epochs', '2', '--epoch-steps', '5']), 0); // 2 × 5 steps: one record per run
  const r = read('part5_cnn3.json');
  assert.equal(r.name, 'cnn3');
  for (const t of ['1', '01', '001']) {
    assert.equal((r[`loss_curve_${t}`] as number[]).length, 1);
    assert.equal((r[`val_acc_curve_${t}`] as number[]).length, 1);
  }
  const sch = read('part5_cnn3_scheduled.json');
  const plan = schedule(2, false);
  assert.equal((sch.val_acc_curve as number[]).length, plan.epochs);
  assert.deepEqual(
    sch.lr_curve,
    Array.from({ length: plan.epochs }, (_, e) => (e < plan.milestones[0] ? 0.1 : e < plan.milestones[1] ? 0.01 : 0.001)),
  );
  assert.equal(typeof sch.test_acc, 'number');
  assert.deepEqual(schedule(20, false), { epochs: 30, milestones: [5, 15] });
  assert.ok(existsSync(join(out, 'part5_report.html')));
});

test('command line: clear errors', async () => {
  await assert.rejects(part3(['--quick', '--full', '--data', root]), { message: 'part3: --quick and --full are exclusive' });
  await assert.rejects(part3(['--epochs', '1.5']), { message: "part3: expected an integer for --epochs but received '1.5'" });
  await assert.rejects(part3(['--device', 'tpu']), { message: "--device: expected cpu, cuda or auto but received 'tpu'" });
  await assert.rejects(part3(['--bogus']), /part3: Unknown option '--bogus'/);
  await assert.rejects(part3(['--data', join(root, 'nope')]), {
    message: /^--data .*nope: no complete CIFAR-10 \(cifar-10-batches-bin with data_batch_1\.bin … test_batch\.bin, or cifar-10-batches-py\) in .*nope$/,
  });
  await assert.rejects(part5(['--data', root, '--models', 'mlp_1']), /part5: trains CNN3 only/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
