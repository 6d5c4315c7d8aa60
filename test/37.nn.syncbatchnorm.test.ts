/**
 * nn.SyncBatchNorm against live PyTorch 1.13 (tools/golden/nn_syncbatchnorm.py): constructor
 * defaults and options, reprs, state_dicts, the refusal of non-CUDA input, the input-rank check,
 * and convertSyncBatchnorm (repr, shared Parameters and buffers, state_dict values). The native
 * synchronized path (native/sync_batchnorm.cc) runs only on CUDA: here its entry point is reached
 * on the CPU up to LibTorch's first CUDA-only kernel; with a GPU, the eval and one-rank paths equal
 * BatchNorm and two ranks on cuda:0 (Gloo) equal BatchNorm on the whole batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { nn, distributed as dist, type Tensor } from '../lib/index.js';
import { native } from '../lib/native.js';
import { dec, assertStateDict, type Enc } from './30.nn.helpers.js';
import { runGoldenLive, skipUnlessPython113 } from './helpers.js';
import { freePort, runLauncher } from './70.distributed.helpers.js';

interface Attrs {
  num_features: number;
  eps: number;
  momentum: number | null;
  affine: boolean;
  track_running_stats: boolean;
  training: boolean;
  process_group: null;
}
interface Made {
  repr: string;
  attrs: Attrs;
  state: Record<string, Enc>;
  params: string[];
  buffers: string[];
}
type PyError = [string, string] | null;
interface Golden {
  default: Made;
  options: Made;
  cpu_train: PyError;
  cpu_train_nbt: number;
  cpu_eval: PyError;
  cpu_1d: PyError;
  check_1d: PyError;
  check_2d: PyError;
  convert: {
    before: Record<string, Enc>;
    repr: string;
    after: Record<string, Enc>;
    same_root: boolean;
    same_conv: boolean;
    shares: boolean[];
    types: string[];
    attrs: Record<string, Attrs>;
  };
  convert_single: { repr: string; same: boolean; weight_shared: boolean };
}

const skip = skipUnlessPython113();
let cached: Golden | null = null;
function golden(): Golden {
  cached ??= runGoldenLive<Golden>('nn_syncbatchnorm.py');
  return cached;
}

function attrsOf(m: nn.SyncBatchNorm): Attrs {
  return {
    num_features: m.numFeatures,
    eps: m.eps,
    momentum: m.momentum,
    affine: m.affine,
    track_running_stats: m.trackRunningStats,
    training: m.training,
    process_group: m.processGroup,
  };
}

const hasCuda = torch.cuda.isAvailable();
const noCuda = hasCuda ? false : 'needs a CUDA GPU (SyncBatchNorm takes CUDA input only)';

test('SyncBatchNorm: defaults, options, repr, parameters and buffers as PyTorch', { skip }, () => {
  const g = golden();
  torch.manualSeed(0);
  const d = new nn.SyncBatchNorm(4);
  assert.equal(d.toString(), g.default.repr);
  assert.deepEqual(attrsOf(d), g.default.attrs);
  assert.deepEqual(
    d.namedParameters().map(([n]) => n),
    g.default.params,
  );
  assert.deepEqual(
    d.namedBuffers().map(([n]) => n),
    g.default.buffers,
  );
  assertStateDict(d.stateDict(), g.default.state, 'default', 0);
  assert.equal(d.num_batches_tracked?.dtype, 'int64');
  const o = new nn.SyncBatchNorm(3, { eps: 1e-3, momentum: null, affine: false, trackRunningStats: false, processGroup: null });
  assert.equal(o.toString(), g.options.repr);
  assert.deepEqual(attrsOf(o), g.options.attrs);
  assert.deepEqual(o.namedParameters(), []);
  assert.deepEqual(o.namedBuffers(), []);
  assertStateDict(o.stateDict(), g.options.state, 'options', 0);
  assert.ok(d instanceof nn.BatchNorm, 'a _BatchNorm, as in PyTorch');
});

test('SyncBatchNorm: bad options name the class and the option', () => {
  assert.throws(() => new nn.SyncBatchNorm(4, { processGroup: 'world' as never }), {
    name: 'TypeError',
    message: "SyncBatchNorm: Expected null (the default process group; torchnode has no other) for processGroup but received 'world' of type string",
  });
  assert.throws(() => new nn.SyncBatchNorm(4, { group: null } as never), {
    name: 'TypeError',
    message: "SyncBatchNorm: unknown option 'group' (expected one of eps, momentum, affine, trackRunningStats, processGroup, dtype, device)",
  });
  assert.throws(() => new nn.SyncBatchNorm(0), {
    name: 'TypeError',
    message: 'SyncBatchNorm: Expected positive integer for numFeatures but received 0 of type number',
  });
});

test('SyncBatchNorm: CPU input is refused first, in training and in eval, as PyTorch 1.13', { skip }, () => {
  const g = golden();
  const py = 'SyncBatchNorm expected input tensor to be on GPU';
  assert.deepEqual(g.cpu_train, ['ValueError', py]);
  assert.deepEqual(g.cpu_eval, ['ValueError', py]);
  assert.deepEqual(g.cpu_1d, ['ValueError', py], 'the device is checked before the rank');
  const m = new nn.SyncBatchNorm(4);
  const message = `syncbatchnorm: ${py} but received one on cpu`;
  assert.throws(() => m.call(torch.ones([2, 4])), { name: 'TypeError', message });
  // Refused before the batch is counted, as PyTorch (cpu_train_nbt).
  assert.equal(m.num_batches_tracked?.item(), g.cpu_train_nbt);
  m.eval();
  assert.throws(() => m.call(torch.ones([2, 4])), { name: 'TypeError', message });
  assert.throws(() => m.call(torch.ones([3])), { name: 'TypeError', message });
  // Inside a model the message names the module's path.
  const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.SyncBatchNorm(4));
  assert.throws(() => seq.call(torch.ones([2, 3])), { message: `sequential.1: ${py} but received one on cpu` });
  assert.throws(() => m.call('x' as never), { name: 'TypeError', message: "syncbatchnorm: expected Tensor for input but received 'x' of type string" });
});

test('SyncBatchNorm: the input-rank check (at least 2D) as PyTorch', { skip }, () => {
  const g = golden();
  assert.deepEqual(g.check_1d, ['ValueError', 'expected at least 2D input (got 1D input)']);
  assert.equal(g.check_2d, null);
  const m = new nn.SyncBatchNorm(4);
  // Only CUDA input reaches the check in forward; called directly here (PyTorch's _check_input_dim).
  const check = (x: Tensor): void => (m as unknown as { _checkInputDim(x: Tensor): void })._checkInputDim(x);
  assert.throws(() => check(torch.ones([3])), { name: 'RangeError', message: 'syncbatchnorm: expected at least 2D input (got 1D input [3])' });
  assert.throws(() => check(torch.tensor(1)), { name: 'RangeError', message: 'syncbatchnorm: expected at least 2D input (got 0D input [])' });
  check(torch.ones([2, 4]));
  check(torch.ones([2, 4, 3, 3, 3]));
});

/** PyTorch's model of the convert golden; its state_dict comes from Python. */
function convertModel(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(3, 4, 3),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.Sequential(new nn.BatchNorm1d(5, { momentum: null, affine: false })),
    new nn.BatchNorm3d(2, { eps: 1e-3, trackRunningStats: false }),
  );
}

test('SyncBatchNorm.convertSyncBatchnorm: the same tree, repr and state_dict as PyTorch; tensors shared', { skip }, () => {
  const g = golden().convert;
  const net = convertModel();
  const missing = net.loadStateDict(new Map(Object.entries(g.before).map(([k, e]) => [k, dec(e)])));
  assert.deepEqual(missing, { missingKeys: [], unexpectedKeys: [] });
  assertStateDict(net.stateDict(), g.before, 'before', 0);
  const bn = net[1] as nn.BatchNorm2d;
  const conv = net[0];
  const [w, b, rm, nbt] = [bn.weight, bn.bias, bn.running_mean, bn.num_batches_tracked];
  const out = nn.SyncBatchNorm.convertSyncBatchnorm(net) as nn.Sequential;
  assert.equal(out === net, g.same_root);
  assert.equal(out[0] === conv, g.same_conv);
  assert.equal(out.toString(), g.repr);
  assertStateDict(out.stateDict(), g.after, 'after', 0);
  const s = out[1] as nn.SyncBatchNorm;
  assert.deepEqual([s.weight === w, s.bias === b, s.running_mean === rm, s.num_batches_tracked === nbt], g.shares);
  assert.deepEqual(
    out.modules().map((m) => m.constructor.name),
    g.types,
  );
  for (const [name, m] of out.namedModules()) {
    if (m instanceof nn.SyncBatchNorm) assert.deepEqual(attrsOf(m), g.attrs[name], name);
  }
  assert.deepEqual(Object.keys(g.attrs).sort(), ['1', '3.0', '4']);
  // The converted modules sit where the BatchNorms were, and errors name them by that path.
  assert.equal(out[1].modulePath, 'sequential.1');
  assert.equal((out[3] as nn.Sequential)[0].modulePath, 'sequential.3.0');
  // Shared, not copied: training one changes the other's view.
  torch.noGrad(() => w!.fill_(3));
  assert.equal((s.weight as Tensor).sum().item(), 12);

  const single = new nn.BatchNorm1d(3, { momentum: 0.3 });
  const cs = nn.SyncBatchNorm.convertSyncBatchnorm(single);
  assert.equal(cs.toString(), golden().convert_single.repr);
  assert.equal(cs === single, golden().convert_single.same);
  assert.equal((cs as nn.SyncBatchNorm).weight === single.weight, golden().convert_single.weight_shared);
});

test('SyncBatchNorm.convertSyncBatchnorm: keeps eval mode (PyTorch 2.x), converts SyncBatchNorm again, checks arguments', () => {
  const bn = new nn.BatchNorm2d(2).eval();
  const s = nn.SyncBatchNorm.convertSyncBatchnorm(bn) as nn.SyncBatchNorm;
  assert.ok(s instanceof nn.SyncBatchNorm);
  assert.equal(s.training, false);
  const again = nn.SyncBatchNorm.convertSyncBatchnorm(s) as nn.SyncBatchNorm;
  assert.ok(again instanceof nn.SyncBatchNorm && again !== s && again.weight === s.weight);
  // Not a _BatchNorm: InstanceNorm and LayerNorm stay.
  const other = new nn.Sequential(new nn.InstanceNorm2d(2), new nn.LayerNorm(2));
  nn.SyncBatchNorm.convertSyncBatchnorm(other);
  assert.deepEqual(
    other.children().map((m) => m.constructor.name),
    ['InstanceNorm2d', 'LayerNorm'],
  );
  assert.throws(() => nn.SyncBatchNorm.convertSyncBatchnorm({} as never), {
    name: 'TypeError',
    message: 'SyncBatchNorm.convertSyncBatchnorm: Expected an nn.Module for module but received an object of type Object',
  });
  assert.throws(() => nn.SyncBatchNorm.convertSyncBatchnorm(bn, 1 as never), {
    name: 'TypeError',
    message:
      'SyncBatchNorm.convertSyncBatchnorm: Expected null (the default process group; torchnode has no other) for processGroup but received 1 of type number',
  });
});

test('the native synchronized path: registered, refuses without a group, reaches LibTorch with one', {
  skip: dist.isGlooAvailable() ? false : 'this build has no Gloo backend',
}, async () => {
  const sync = native.distributed.syncBatchNorm;
  assert.equal(typeof sync, 'function');
  const x = torch.randn([4, 3, 2]);
  const w = torch.ones([3]);
  const call = (): number => sync!(x._h, w._h, null, null, null, 1e-5, 0.1);
  assert.throws(call, {
    message: 'SyncBatchNorm: Default process group has not been initialized, please make sure to call distributed.initProcessGroup().',
  });
  assert.throws(() => sync!(torch.ones([3])._h, null, null, null, null, 1e-5, 0.1), {
    message: 'SyncBatchNorm: expected at least 2D input (got 1D input)',
  });
  await dist.initProcessGroup({ backend: 'gloo', initMethod: `tcp://127.0.0.1:${await freePort()}`, rank: 0, worldSize: 1, timeout: 5000 });
  try {
    assert.throws(() => sync!(x._h, w._h, null, null, null, 'a' as never, 0.1), { message: 'SyncBatchNorm: expected a number for eps' });
    // LibTorch has batch_norm_stats for CUDA only (1.13 and 2.x): the first kernel refuses CPU.
    assert.throws(call, { message: /^SyncBatchNorm: .*'aten::batch_norm_stats'.*'CPU' backend/s });
  } finally {
    dist.destroyProcessGroup();
  }
});

// ---- GPU ---------------------------------------------------------------------------------------------

test('SyncBatchNorm on CUDA without synchronization: eval, no running stats, errors', { skip: noCuda }, () => {
  torch.manualSeed(3);
  const x = torch.randn([6, 4, 5, 5]).cuda();
  const s = new nn.SyncBatchNorm(4).cuda();
  const b = new nn.BatchNorm2d(4).cuda();
  torch.noGrad(() => {
    for (const m of [s, b]) {
      m.running_mean!.copy_(torch.tensor([0.1, -0.2, 0.3, 0]));
      m.running_var!.copy_(torch.tensor([1.5, 0.5, 2, 1]));
      m.weight!.copy_(torch.tensor([0.5, 1.5, -1, 2]));
    }
  });
  // Eval with running statistics: F.batch_norm, no group needed (PyTorch's need_sync is false).
  s.eval();
  b.eval();
  assert.ok(s.call(x).equal(b.call(x)));
  // Training without a group: PyTorch counts the batch, then asks for the default group.
  s.train();
  assert.throws(() => s.call(x), {
    name: 'Error',
    message: 'syncbatchnorm: Default process group has not been initialized, please make sure to call distributed.initProcessGroup().',
  });
  assert.equal(s.num_batches_tracked!.item(), 1);
  // Eval without running statistics normalizes with the batch's, still without synchronizing.
  const n = new nn.SyncBatchNorm(4, { trackRunningStats: false }).cuda().eval();
  assert.ok(n.call(x).allclose(nn.F.batchNorm(x, null, null, { training: true }), { atol: 1e-6 }));
  assert.throws(() => s.call(torch.ones([3]).cuda()), { name: 'RangeError', message: 'syncbatchnorm: expected at least 2D input (got 1D input [3])' });
  assert.throws(() => s.call(torch.ones([2, 0, 3]).cuda()), {
    name: 'RangeError',
    message: 'syncbatchnorm: SyncBatchNorm number of input channels should be non-zero',
  });
});

test('SyncBatchNorm on CUDA in a group of one rank: BatchNorm (no collectives)', {
  skip: noCuda || (dist.isGlooAvailable() ? false : 'this build has no Gloo backend'),
}, async () => {
  await dist.initProcessGroup({ backend: 'gloo', initMethod: `tcp://127.0.0.1:${await freePort()}`, rank: 0, worldSize: 1, timeout: 5000 });
  try {
    torch.manualSeed(4);
    const x = torch.randn([6, 4, 5]).cuda();
    const s = new nn.SyncBatchNorm(4, { momentum: null }).cuda();
    const b = new nn.BatchNorm1d(4, { momentum: null }).cuda();
    for (let i = 0; i < 2; i++) assert.ok(s.call(x).equal(b.call(x)));
    assert.ok(s.running_mean!.equal(b.running_mean!) && s.running_var!.equal(b.running_var!));
    assert.equal(s.num_batches_tracked!.item(), 2);
  } finally {
    dist.destroyProcessGroup();
  }
});

test('SyncBatchNorm across 2 ranks on cuda:0 (Gloo): BatchNorm over the whole batch', {
  skip: noCuda || (dist.isGlooAvailable() ? false : 'this build has no Gloo backend'),
}, async () => {
  const prefix = join(mkdtempSync(join(tmpdir(), 'tn-syncbn-')), 'sbn');
  const { code, out } = await runLauncher(new URL('./37.nn.syncbatchnorm.worker.ts', import.meta.url).pathname, [prefix], 2, 240000);
  assert.equal(code, 0, out);
  const [r0, r1] = [0, 1].map((r) => JSON.parse(readFileSync(`${prefix}.${r}.json`, 'utf8')) as Record<string, any>);
  assert.equal(r0.world, 2);
  // The reference: the worker's data, in this process, through BatchNorm2d on all 8 samples.
  torch.manualSeed(7);
  const full = torch.randn([8, 4, 3, 3]).mul(2).add(1).cuda().requiresGrad_(true);
  const upstream = torch.randn([8, 4, 3, 3]).cuda();
  const bn = new nn.BatchNorm2d(4).cuda();
  torch.noGrad(() => {
    bn.weight!.copy_(torch.tensor([0.5, 1.5, -1, 2]));
    bn.bias!.copy_(torch.tensor([0.1, -0.2, 0.3, 0]));
  });
  let y0: Tensor | null = null;
  for (let step = 0; step < 2; step++) {
    const y = bn.call(full);
    y0 ??= y.detach();
    y.mul(upstream).sum().backward();
  }
  const close = (got: unknown, want: Tensor, what: string): void => {
    const g = torch.tensor(got as number[]).cuda();
    assert.ok(g.allclose(want, { rtol: 1e-4, atol: 1e-5 }), `${what}: ${String(g)} vs ${String(want)}`);
  };
  const halves = (t: Tensor): Tensor[] => [t.narrow(0, 0, 3), t.narrow(0, 3, 5)];
  const ys = halves(y0!);
  const xg = halves(full.grad!);
  [r0, r1].forEach((r, i) => {
    close(r.y, ys[i], `rank ${i} output`);
    close(r.xGrad, xg[i], `rank ${i} input gradient`);
    close(r.runningMean, bn.running_mean!, `rank ${i} running_mean`);
    close(r.runningVar, bn.running_var!, `rank ${i} running_var`);
    assert.equal(r.numBatchesTracked, 2);
  });
  // grad_weight/grad_bias are each rank's share (DDP sums them): their sum is the whole batch's.
  close(torch.tensor(r0.weightGrad).add(torch.tensor(r1.weightGrad)).tolist(), bn.weight!.grad!, 'weight gradient');
  close(torch.tensor(r0.biasGrad).add(torch.tensor(r1.biasGrad)).tolist(), bn.bias!.grad!, 'bias gradient');
  bn.eval();
  const evalYs = halves(bn.call(full.detach()));
  close(r0.evalY, evalYs[0], 'rank 0 eval output');
  close(r1.evalY, evalYs[1], 'rank 1 eval output');
});
