/**
 * Convolutions against live PyTorch 1.13 (tools/golden/nn_layers2.py, part 'conv'): Conv1d/3d,
 * ConvTranspose1d/2d/3d (groups, dilation, output padding, forward's outputSize), the padding
 * modes, Fold/Unfold and their functional forms: seeded init state_dict, forward, gradients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { dec, assertClose, assertStateDict, type Enc } from './30.nn.helpers.js';
import { runGoldenLive, skipUnlessPython113 } from './helpers.js';

const F = nn.F;
interface ModuleRec {
  repr: string;
  init: Record<string, Enc>;
  inputs: Enc[];
  indices?: Enc;
  out: Enc;
  input_grads: (Enc | null)[];
  param_grads: Record<string, Enc>;
  after: Record<string, Enc>;
}
interface FRec {
  inputs: Enc[];
  indices?: Enc;
  out: Enc;
  input_grads: (Enc | null)[];
}
interface Golden {
  modules: Record<string, ModuleRec>;
  functional: Record<string, FRec>;
  errors: Record<string, string | null>;
}

const skip = skipUnlessPython113();
let cached: Golden | null = null;
function golden(): Golden {
  if (!cached) {
    process.env.NN_LAYERS2_PART = 'conv';
    cached = runGoldenLive<Golden>('nn_layers2.py');
  }
  return cached;
}

type Out = Tensor | torch.ValuesIndices;
function inputsOf(r: { inputs: Enc[]; input_grads: (Enc | null)[] }): Tensor[] {
  return r.inputs.map((e, i) => {
    const t = dec(e);
    if (r.input_grads[i] !== null) t.requiresGrad_(true);
    return t;
  });
}
function finish(r: FRec, xs: Tensor[], y: Out, what: string, tol: number): Tensor {
  let out: Tensor;
  if (y instanceof torch.ValuesIndices) {
    assertClose(y.indices, r.indices as Enc, `${what} indices`, 0, 0);
    out = y.values;
  } else out = y;
  assertClose(out, r.out, `${what} output`, tol);
  if (out.requiresGrad) out.pow(2).sum().div(2).backward();
  r.input_grads.forEach((g, i) => {
    if (g !== null) assertClose(xs[i].grad as Tensor, g, `${what} grad of input ${i}`, tol);
  });
  return out;
}

/** Seeded init, repr, forward (seed 1), backward of sum(out²)/2: all as PyTorch. */
function checkModule(name: string, make: () => nn.Module, fwd?: (m: nn.Module, ...xs: Tensor[]) => Out, tol = 1e-5): void {
  const r = golden().modules[name];
  assert.ok(r, `no golden for ${name}`);
  torch.manualSeed(0);
  const m = make();
  assert.equal(m.toString(), r.repr, `${name} repr`);
  assertStateDict(m.stateDict(), r.init, `${name} init`, 0);
  const xs = inputsOf(r);
  torch.manualSeed(1);
  const y = fwd ? fwd(m, ...xs) : (m.call(...xs) as Out);
  finish(r, xs, y, name, tol);
  const grads = Object.fromEntries(m.namedParameters().filter(([, p]) => p.grad !== null));
  assert.deepEqual(Object.keys(grads).sort(), Object.keys(r.param_grads).sort(), `${name} parameters with gradients`);
  for (const [k, g] of Object.entries(r.param_grads)) assertClose(grads[k].grad as Tensor, g, `${name} grad of ${k}`, tol);
  assertStateDict(m.stateDict(), r.after, `${name} state after forward`, tol);
}
function checkF(name: string, f: (...xs: Tensor[]) => Out, tol = 1e-5): void {
  const r = golden().functional[name];
  assert.ok(r, `no golden for ${name}`);
  const xs = inputsOf(r);
  torch.manualSeed(1);
  finish(r, xs, f(...xs), `F.${name}`, tol);
}

test('Conv1d, Conv2d and Conv3d with groups, dilation, strings and padding modes match PyTorch', { skip }, () => {
  checkModule('conv1d', () => new nn.Conv1d(4, 6, 3, { stride: 2, padding: 1, groups: 2 }));
  checkModule('conv1d_same_reflect', () => new nn.Conv1d(3, 2, 4, { padding: 'same', paddingMode: 'reflect', dilation: 2 }));
  checkModule('conv1d_unbatched', () => new nn.Conv1d(3, 2, 2, { bias: false, padding: 1 }));
  checkModule('conv2d_replicate', () => new nn.Conv2d(2, 4, [2, 3], { padding: [1, 2], paddingMode: 'replicate', stride: [2, 1] }));
  checkModule('conv3d', () => new nn.Conv3d(2, 4, [2, 3, 2], { stride: [1, 2, 1], padding: 1, dilation: [2, 1, 1] }));
  checkModule('conv3d_same_circular', () => new nn.Conv3d(2, 2, 3, { padding: 'same', paddingMode: 'circular', groups: 2 }));
});

test('ConvTranspose1d/2d/3d (output padding, groups, dilation, outputSize) match PyTorch', { skip }, () => {
  checkModule('convT1d', () => new nn.ConvTranspose1d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 1 }));
  checkModule('convT2d', () => new nn.ConvTranspose2d(3, 2, [3, 2], { stride: [2, 3], padding: [1, 0], dilation: [1, 2], bias: false }));
  checkModule(
    'convT2d_output_size',
    () => new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 }),
    (m, x) => (m as nn.ConvTranspose2d).call(x, [8, 8]),
  );
  checkModule('convT2d_unbatched', () => new nn.ConvTranspose2d(2, 3, 2));
  checkModule('convT3d', () => new nn.ConvTranspose3d(2, 4, 2, { stride: 2, groups: 2, outputPadding: [1, 0, 1] }));
});

test('Fold and Unfold match PyTorch', { skip }, () => {
  checkModule('fold', () => new nn.Fold([4, 5], [2, 2], { stride: [2, 1], padding: [1, 0] }));
  checkModule('unfold', () => new nn.Unfold([2, 3], { dilation: [1, 2], padding: 1, stride: 2 }));
  checkModule('fold_unbatched', () => new nn.Fold(3, 2));
});

test('F.conv1d/conv3d, convTranspose1d/2d/3d, unfold, fold and bilinear match PyTorch', { skip }, () => {
  checkF('conv1d', (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2 }));
  checkF('conv1d_valid', (x, w) => F.conv1d(x, w, null, { padding: 'valid' }));
  checkF('conv3d_same', (x, w, b) => F.conv3d(x, w, b, { padding: 'same' }));
  checkF('conv_transpose1d', (x, w, b) => F.convTranspose1d(x, w, b, { stride: 3, padding: 1, outputPadding: 2 }));
  checkF('conv_transpose2d', (x, w) => F.convTranspose2d(x, w, null, { stride: 2, groups: 2, dilation: 2 }));
  checkF('conv_transpose3d', (x, w, b) => F.convTranspose3d(x, w, b, { stride: [1, 2, 1], padding: [0, 1, 0] }));
  checkF('unfold', (x) => F.unfold(x, 2, { dilation: 1, padding: 1, stride: [1, 2] }));
  checkF('fold', (x) => F.fold(x, [3, 4], 2, { stride: 1 }));
  checkF('bilinear', (a, b, w, bias) => F.bilinear(a, b, w, bias));
});

/** The message starts with `s` (the native layer may append the arguments' dtypes and shapes). */
function startsWith(s: string): RegExp {
  return new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}

test("conv errors name the function and carry PyTorch's sentence", { skip }, () => {
  const e = golden().errors;
  assert.throws(() => F.conv1d(torch.zeros([1, 5, 10]), torch.zeros([4, 3, 3])), { message: startsWith(`conv1d: ${e.conv1d_channels}`) });
  assert.throws(() => F.convTranspose2d(torch.zeros([1, 2, 3, 3]), torch.zeros([2, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }), {
    message: startsWith(`convTranspose2d: ${e.conv_transpose2d_out_pad}`),
  });
  const ct = new nn.ConvTranspose2d(2, 3, 3, { stride: 2 });
  assert.throws(() => ct.call(torch.zeros([1, 2, 4, 4]), [20, 20]), {
    message: `convtranspose2d: ${(e.convT_output_size as string).replace('torch.Size([4, 4])', '[4, 4]')}`,
  });
});

test('conv constructors validate their arguments and name them', () => {
  assert.throws(() => new nn.Conv1d(3, 4, 0), {
    message: 'Conv1d: Expected a positive integer or a 1-element array of them for kernelSize but received 0 of type number',
  });
  assert.throws(() => new nn.Conv3d(3, 4, [2, 2] as never), {
    message: 'Conv3d: Expected a positive integer or a triple of them for kernelSize but received [2, 2]',
  });
  assert.throws(() => new nn.Conv1d(3, 4, 2, { groups: 2 }), { message: 'Conv1d: in_channels must be divisible by groups (inChannels=3, groups=2)' });
  assert.throws(() => new nn.Conv1d(4, 3, 2, { groups: 2 }), { message: 'Conv1d: out_channels must be divisible by groups (outChannels=3, groups=2)' });
  assert.throws(() => new nn.Conv3d(2, 2, 3, { padding: 'same', stride: 2 }), { message: "Conv3d: padding='same' is not supported for strided convolutions" });
  assert.throws(() => new nn.Conv1d(2, 2, 3, { padding: 'full' as 'same' }), {
    message: "Conv1d: Invalid padding string 'full', should be one of 'valid', 'same'",
  });
  assert.throws(() => new nn.ConvTranspose2d(2, 2, 3, { paddingMode: 'reflect' as 'zeros' }), {
    message: 'ConvTranspose2d: Only "zeros" padding mode is supported for ConvTranspose2d',
  });
  assert.throws(
    () => new nn.ConvTranspose1d(2, 2, 3, { dilation: 1, paddingMode: 'zeros', kernel_size: 3 } as never),
    /ConvTranspose1d: unknown option 'kernel_size'/,
  );
  assert.throws(() => new nn.Conv1d(2, 2, 3).call(torch.zeros([1, 3, 5])), {
    message: 'conv1d: expected input [N, 2, L] or [2, L] (2 channels), got [1, 3, 5]',
  });
  assert.throws(() => new nn.ConvTranspose3d(2, 2, 3).call(torch.zeros([1, 2, 3, 3, 3]), [1, 2, 3, 4]), {
    message: 'convtranspose3d: ConvTranspose3D: for 5D input, output_size must have 3 or 5 elements (got 4)',
  });
  assert.throws(() => F.unfold(torch.zeros([1, 1, 3, 3]), [2, 2, 2] as never), {
    message: 'unfold: Expected a positive integer or a pair of them for kernelSize but received [2, 2, 2]',
  });
  assert.throws(() => F.conv3d(torch.zeros([1, 1, 3, 3, 3]), 'w' as never), { message: "conv3d: expected Tensor for weight but received 'w' of type string" });
  assert.equal(
    new nn.ConvTranspose2d(2, 3, 3, { stride: 2, outputPadding: 1 }).toString(),
    'ConvTranspose2d(2, 3, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))',
  );
});

test('backends.mkldnn.useLayout: a conv/ReLU/pool stack trains in oneDNN layout with bit-identical outputs and gradients', (t) => {
  if (!torch.backends.mkldnn.layoutTrainingWorks()) return t.skip(`LibTorch ${torch.version.libtorch} cannot train through oneDNN's layout`);
  const build = (): nn.Sequential => {
    torch.manualSeed(11);
    return new nn.Sequential(
      new nn.Conv2d(3, 6, 3),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(6, 4, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(4 * 7 * 7, 5),
    );
  };
  const run = (layout: boolean): [Tensor, Tensor[], string] =>
    torch.tidy(() => {
      const m = build();
      if (layout) assert.equal(torch.backends.mkldnn.useLayout(m), m);
      let seen = '';
      (m.at(0) as nn.Conv2d).registerForwardHook((_m, _i, o) => {
        seen = (o as Tensor).layout;
      });
      torch.manualSeed(12);
      const x = torch.randn([4, 3, 16, 16]);
      const out = m.call(x) as Tensor;
      out.square().sum().backward();
      return [torch.keep(out), m.parameters().map((p) => torch.keep(p.grad!.clone())), seen];
    });
  const [a, ga, la] = run(true);
  const [b, gb, lb] = run(false);
  assert.equal(la, '_mkldnn', 'the first convolution computed in the blocked layout');
  assert.equal(lb, 'strided');
  assert.equal(a.layout, 'strided', 'Flatten brought it back');
  assert.ok(a.equal(b), 'outputs bit-identical');
  ga.forEach((g, i) => assert.ok(g.equal(gb[i]), `gradient ${i} bit-identical`));
  // Switched off globally: the same model runs dense.
  torch.backends.mkldnn.setLayoutEnabled(false);
  try {
    const m = torch.backends.mkldnn.useLayout(build());
    let seen = '';
    (m.at(0) as nn.Conv2d).registerForwardHook((_m, _i, o) => {
      seen = (o as Tensor).layout;
    });
    torch.tidy(() => m.call(torch.randn([2, 3, 16, 16])));
    assert.equal(seen, 'strided');
  } finally {
    torch.backends.mkldnn.setLayoutEnabled(true);
  }
  torch.dispose([a, b, ...ga, ...gb]);
  assert.throws(() => torch.backends.mkldnn.useLayout(3 as never), {
    message: 'backends.mkldnn.useLayout: Expected an nn.Module for model but received 3 of type number',
  });
  assert.throws(() => torch.backends.mkldnn.setLayoutEnabled('no' as never), {
    message: "backends.mkldnn.setLayoutEnabled: Expected a boolean for on but received 'no' of type string",
  });
});
