/**
 * nn.Module's features against PyTorch 1.13 run live (tools/golden/nn_module.py): forward
 * pre-hooks and hooks (order and effect, removable handles), non-persistent buffers missing from
 * state_dict, apply, named_* iterators, deepcopy (independence, sharing, hooks), type/bfloat16,
 * getParameter/getBuffer, zeroGrad.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { runGoldenLive, fromFixture, assertClose, type EncTensor } from './helpers.js';

interface ModuleGolden {
  sd: Record<string, EncTensor>;
  keys: string[];
  buffers: string[];
  x: EncTensor;
  y: EncTensor;
  log: string[];
  y_removed: EncTensor;
  log_removed: string[];
  apply: string[];
  named_modules: string[];
  named_parameters: string[];
  named_parameters_norec: string[];
  named_children: string[];
  copy_keys: string[];
  copy_buffers: string[];
  err_get_parameter: string;
  err_not_param: string;
  err_not_buffer: string;
  type_dtypes: Record<string, string>;
  bf16_dtypes: Record<string, string>;
}
const py = runGoldenLive<{ module: ModuleGolden }>('nn_module.py').module;

/** The TS twin of Net in tools/golden/nn_module.py (the same registration order). */
class Net extends nn.Module {
  fc1 = new nn.Linear(3, 4);
  act = new nn.ReLU();
  fc2 = new nn.Linear(4, 2);
  declare bn: nn.BatchNorm1d;
  declare steps: Tensor;
  constructor() {
    super();
    this.registerBuffer('steps', torch.zeros([1]));
    this.registerBuffer('cache', torch.ones([2]), { persistent: false });
    this.registerBuffer('empty', null);
    this.bn = new nn.BatchNorm1d(2);
  }
  override forward(x: Tensor): Tensor {
    return this.bn.call(this.fc2.call(this.act.call(this.fc1.call(x))));
  }
}

function hookedNet(log: string[]): [Net, ReturnType<Net['registerForwardPreHook']>] {
  torch.manualSeed(50);
  const net = new Net();
  // Block bodies: a hook's return value other than undefined/null replaces the input or output
  // (Python's None is undefined), and Array.push returns a number.
  net.fc1.registerForwardPreHook(() => {
    log.push('pre fc1');
  });
  net.fc1.registerForwardHook(() => {
    log.push('fwd fc1');
  });
  const h = net.fc2.registerForwardPreHook((_m, inp) => [(inp[0] as Tensor).mul(2)]);
  net.fc2.registerForwardHook((_m, _inp, o) => (o as Tensor).add(1));
  net.registerForwardPreHook(() => {
    log.push('pre net');
  });
  net.registerForwardHook(() => {
    log.push('fwd net');
  });
  net.act.registerForwardHook(() => {
    log.push('fwd act');
  });
  return [net, h];
}

test('forward hooks: order and effect as PyTorch; a removed handle stops its hook; non-persistent buffers stay out of state_dict', () => {
  const log: string[] = [];
  const [net, h] = hookedNet(log);
  const x = fromFixture(py.x);
  const y = net.call(x);
  assert.deepEqual(log, py.log);
  assertClose(y, py.y, 1e-6, 'output with hooks');
  assert.deepEqual([...net.stateDict().keys()], py.keys);
  for (const [k, v] of net.stateDict()) assertClose(v, py.sd[k], 1e-6, k);
  assert.deepEqual(
    net.namedBuffers().map(([n]) => n),
    py.buffers,
  );
  h.remove();
  h.remove(); // a second remove does nothing, as PyTorch
  log.length = 0;
  assertClose(net.call(x), py.y_removed, 1e-6, 'output after removing the pre-hook');
  assert.deepEqual(log, py.log_removed);
  // Hooks run when a container calls forward directly, too (torchnode's Sequential does).
  const seen: string[] = [];
  const lin = new nn.Linear(2, 2);
  lin.registerForwardHook(() => {
    seen.push('lin');
  });
  new nn.Sequential(lin, new nn.ReLU()).call(torch.ones([1, 2]));
  assert.deepEqual(seen, ['lin']);
  // A pre-hook's single non-array result is the one argument (Python wraps it in a tuple).
  const id = new nn.Identity();
  id.registerForwardPreHook(() => torch.tensor([7]));
  assert.deepEqual(id.call(torch.tensor([1])).toArray(), [7]);
  {
    using _h = id.registerForwardHook(() => torch.tensor([8]));
    assert.deepEqual(id.call(torch.tensor([1])).toArray(), [8]);
  }
  assert.deepEqual(id.call(torch.tensor([1])).toArray(), [7], 'the handle was disposed with its scope');
});

test('apply, namedModules/namedParameters/namedChildren with prefix, recurse and removeDuplicate', () => {
  torch.manualSeed(50);
  const net = new Net();
  const order: string[] = [];
  assert.equal(
    net.apply((m) => order.push(m.constructor.name)),
    net,
  );
  assert.deepEqual(order, py.apply);
  assert.deepEqual(
    net.namedModules({ prefix: 'root' }).map(([n]) => n),
    py.named_modules,
  );
  assert.deepEqual(
    net.namedParameters({ prefix: 'root', recurse: true }).map(([n]) => n),
    py.named_parameters,
  );
  assert.deepEqual(
    net.bn.namedParameters({ recurse: false }).map(([n]) => n),
    py.named_parameters_norec,
  );
  assert.deepEqual(
    net.namedChildren().map(([n]) => n),
    py.named_children,
  );
  // Shared modules and parameters: once by default, every path with removeDuplicate false.
  const shared = new nn.Linear(2, 2);
  const seq = new nn.Sequential(shared, shared);
  assert.deepEqual(
    seq.namedModules().map(([n]) => n),
    ['', '0'],
  );
  assert.deepEqual(
    seq.namedModules({ removeDuplicate: false }).map(([n]) => n),
    ['', '0', '1'],
  );
  assert.deepEqual(
    seq.namedParameters().map(([n]) => n),
    ['0.weight', '0.bias'],
  );
  assert.deepEqual(
    seq.namedParameters({ removeDuplicate: false }).map(([n]) => n),
    ['0.weight', '0.bias', '1.weight', '1.bias'],
  );
  assert.throws(() => seq.namedParameters({ removeDuplicates: true } as never), {
    message: "namedParameters: unknown option 'removeDuplicates' (expected one of prefix, recurse, removeDuplicate)",
  });
  assert.throws(() => seq.namedBuffers({ recurse: 'yes' as unknown as boolean }), {
    message: "namedBuffers: Expected boolean for recurse but received 'yes' of type string",
  });
});

test('deepcopy: cloned parameters and buffers, sharing preserved, hooks copied, independent of the original', () => {
  const log: string[] = [];
  const [net] = hookedNet(log);
  const x = fromFixture(py.x);
  net.call(x).sum().backward();
  const copy = net.deepcopy();
  assert.ok(copy instanceof Net);
  assert.notEqual(copy, net);
  assert.deepEqual([...copy.stateDict().keys()], py.copy_keys);
  assert.deepEqual(
    copy.namedBuffers().map(([n]) => n),
    py.copy_buffers,
  );
  for (const [[n, p], [, q]] of net.namedParameters().map((e, i) => [e, copy.namedParameters()[i]])) {
    assert.notEqual(q, p, `${n} is a new Parameter`);
    assert.ok(q instanceof nn.Parameter && q.requiresGrad, `${n} requires grad`);
    assert.equal(q.grad, null, `${n}: Parameter.__deepcopy__ leaves grad behind`);
    assert.deepEqual(q.toArray(), p.toArray(), `${n} values`);
  }
  assert.equal(copy.fc1.modulePath, 'net.fc1');
  // Independent: changing the original leaves the copy alone.
  const before = copy.fc1.weight.toArray();
  torch.noGrad(() => net.fc1.weight.add_(1));
  assert.deepEqual(copy.fc1.weight.toArray(), before);
  net.steps.add_(5);
  assert.deepEqual(copy.steps.toArray(), [0]);
  // Hooks are copied: the copy's forward runs the same hook functions (log and effect).
  log.length = 0;
  const yc = copy.call(x);
  assert.deepEqual(log, py.log);
  assertClose(yc, py.y, 1e-5, 'copy output');
  // Sharing is preserved inside the copy (tied weights stay tied), not with the original.
  class Tied extends nn.Module {
    enc = new nn.Linear(3, 3);
    dec = new nn.Linear(3, 3);
    alias = this.enc;
    constructor() {
      super();
      this.dec.weight = this.enc.weight;
    }
  }
  const tied = new Tied();
  const tc = tied.deepcopy();
  assert.equal(tc.dec.weight, tc.enc.weight);
  assert.equal(tc.alias, tc.enc);
  assert.notEqual(tc.enc.weight, tied.enc.weight);
  assert.deepEqual(
    tc.namedParameters().map(([n]) => n),
    tied.namedParameters().map(([n]) => n),
  );
  // As PyTorch 1.13: a module holding a non-leaf tensor (weight_norm's computed weight) cannot be copied.
  assert.throws(() => nn.utils.weightNorm(new nn.Linear(2, 2)).deepcopy(), {
    message: 'deepcopy: Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment',
  });
  const sn = nn.utils.spectralNorm(new nn.Linear(2, 2)).deepcopy();
  assert.deepEqual([...sn.stateDict().keys()], ['bias', 'weight_orig', 'weight_u', 'weight_v']);
  assert.equal(sn._forwardPreHooks.size, 1);
});

test('type(), bfloat16(), requiresGrad_, getParameter/getBuffer, zeroGrad as PyTorch', () => {
  torch.manualSeed(50);
  const net = new Net();
  assert.equal(net.getParameter('fc1.weight'), net.fc1.weight);
  assert.equal(net.getBuffer('bn.running_mean'), net.bn.running_mean);
  assert.throws(() => net.getParameter('fc1.nope'), { message: `getParameter: ${py.err_get_parameter}` });
  assert.throws(() => net.getParameter('steps'), { message: `getParameter: ${py.err_not_param}` });
  assert.throws(() => net.getBuffer('fc1.weight'), { message: `getBuffer: ${py.err_not_buffer}` });
  assert.throws(() => net.getSubmodule('fc9'), { message: 'getSubmodule: Net has no attribute `fc9`' });
  assert.equal(net.requiresGrad_(false), net);
  assert.ok(net.parameters().every((p) => !p.requiresGrad));
  net.requiresGrad_();
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  assert.throws(() => net.requiresGrad_(1 as unknown as boolean), {
    message: 'requiresGrad_: Expected boolean for requiresGrad but received 1 of type number',
  });
  // zeroGrad: set to None by default (PyTorch 2.x, torchnode's optimizers); setToNone false zeroes.
  net
    .call(torch.randn([4, 3]))
    .sum()
    .backward();
  net.zeroGrad({ setToNone: false });
  assert.equal(net.fc1.weight.grad?.abs().sum().item(), 0);
  assert.equal(net.fc1.weight.grad?.requiresGrad, false);
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
  assert.throws(() => net.zeroGrad({ setToNone: 'no' as unknown as boolean }), {
    message: "zeroGrad: Expected boolean for setToNone but received 'no' of type string",
  });
  // type() casts every tensor (int64 num_batches_tracked too); bfloat16() the floating ones.
  const fwd = net.fc1.weight;
  net.type('float64');
  assert.equal(net.fc1.weight, fwd, 'the Parameter objects stay the same');
  assert.deepEqual(Object.fromEntries([...net.stateDict()].map(([k, v]) => [k, v.dtype])), py.type_dtypes);
  net.bfloat16();
  assert.deepEqual(Object.fromEntries([...net.stateDict()].map(([k, v]) => [k, v.dtype])), py.bf16_dtypes);
  // to(device, dtype) and to(tensor): floating-point tensors only, as PyTorch.
  const bn = new nn.BatchNorm1d(2).to('cpu', 'float64');
  assert.deepEqual([bn.weight?.dtype, bn.running_mean?.dtype, bn.num_batches_tracked?.dtype], ['float64', 'float64', 'int64']);
  bn.to(torch.zeros([1], { dtype: 'float16' }));
  assert.deepEqual([bn.weight?.dtype, bn.num_batches_tracked?.dtype], ['float16', 'int64']);
  const e = new nn.Linear(2, 3).toEmpty({ device: 'cpu' });
  assert.deepEqual(e.weight.shape, [3, 2]);
  assert.throws(() => new nn.Linear(2, 3).toEmpty({ device: 'gpu' }), {
    message: "toEmpty: Expected a device like 'cpu' or 'cuda:0' for device but received 'gpu' of type string",
  });
});

test('hook registration errors', () => {
  const lin = new nn.Linear(2, 2);
  assert.throws(() => lin.registerForwardHook(3 as never), { message: 'registerForwardHook: Expected a function for hook but received 3 of type number' });
  assert.throws(() => lin.registerForwardPreHook(null as never), {
    message: 'registerForwardPreHook: Expected a function for hook but received null',
  });
  // registerFullBackwardHook works now (test/30.nn.module.backward_hooks.test.ts): only its argument check here
  assert.throws(() => lin.registerFullBackwardHook(null as never), {
    message: 'registerFullBackwardHook: Expected a function for hook but received null',
  });
  assert.equal(lin._forwardHooks.size, 0);
});
