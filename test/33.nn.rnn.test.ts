/**
 * RNN, LSTM, GRU, their cells and nn.utils.rnn against PyTorch 1.13 run live
 * (tools/golden/nn_rnn.py): seeded initial state dicts, forward outputs and hidden states
 * (dropout between layers in training included), gradients of parameters, input and hx, packed
 * sequences, reprs, and error messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { dec, assertClose, assertStateDict, type Enc } from './30.nn.helpers.js';
import { runGoldenLive, skipUnlessPython113 } from './helpers.js';

const R = nn.utils.rnn;
const noTorch = skipUnlessPython113();

interface Case {
  name: string;
  cls: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  input_size: number;
  hidden_size: number;
  kwargs: Record<string, unknown>;
  extra: { fwd_seed?: number; eval?: boolean; packed?: { lengths: number[]; enforce_sorted: boolean }; dtype?: string };
  seed: number;
  init: Record<string, Enc>;
  repr: string;
  x: Enc;
  hx: Enc[] | null;
  outs: Enc[];
  grads: Record<string, Enc>;
  x_grad: Enc;
  hx_grad: Enc[] | null;
  batch_sizes?: Enc;
  sorted_indices?: Enc | null;
  unsorted_indices?: Enc | null;
  after_rand?: Enc;
}
interface Golden {
  cases: Case[];
  utils: Record<string, any>;
  errors: Record<string, string>;
  reprs: Record<string, string>;
}

const G: Golden | null = noTorch ? null : runGoldenLive<Golden>('nn_rnn.py');

/** snake_case keyword arguments to the options object. */
function options(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
}

function build(c: Case): nn.Module {
  const o = options(c.kwargs);
  switch (c.cls) {
    case 'RNN':
      return new nn.RNN(c.input_size, c.hidden_size, o);
    case 'LSTM':
      return new nn.LSTM(c.input_size, c.hidden_size, o);
    case 'GRU':
      return new nn.GRU(c.input_size, c.hidden_size, o);
    case 'RNNCell':
      return new nn.RNNCell(c.input_size, c.hidden_size, o);
    case 'LSTMCell':
      return new nn.LSTMCell(c.input_size, c.hidden_size, o);
    case 'GRUCell':
      return new nn.GRUCell(c.input_size, c.hidden_size, o);
  }
}

// Same LibTorch kernels as PyTorch's: the values are expected bit for bit. (A tolerance of
// 1e-6 would be the fallback for a CPU where oneDNN picks another kernel; none needed here.)
const EXACT = 0;

function runCase(c: Case): void {
  torch.manualSeed(c.seed);
  const m = build(c);
  assertStateDict(m.stateDict(), c.init, `${c.name} init`, EXACT);
  assert.equal(m.toString(), c.repr, `${c.name} repr`);
  const x = dec(c.x).requiresGrad_(true);
  const hx = c.hx ? c.hx.map((e) => dec(e).requiresGrad_(true)) : null;
  if (c.extra.eval) m.eval();
  if (c.extra.fwd_seed !== undefined) torch.manualSeed(c.extra.fwd_seed);
  let input: Tensor | nn.utils.rnn.PackedSequence = x;
  if (c.extra.packed) {
    input = R.packPaddedSequence(x, c.extra.packed.lengths, {
      batchFirst: (c.kwargs.batch_first as boolean | undefined) ?? false,
      enforceSorted: c.extra.packed.enforce_sorted,
    });
  }
  let outs: Tensor[];
  if (c.cls === 'LSTMCell') {
    outs = (m as nn.LSTMCell).forward(x, hx ? [hx[0], hx[1]] : null);
  } else if (c.cls === 'RNNCell' || c.cls === 'GRUCell') {
    outs = [(m as nn.GRUCell).forward(x, hx ? hx[0] : null)];
  } else {
    const res =
      c.cls === 'LSTM' ? (m as nn.LSTM).forward(input as Tensor, hx ? [hx[0], hx[1]] : null) : (m as nn.GRU).forward(input as Tensor, hx ? hx[0] : null);
    let o: Tensor | nn.utils.rnn.PackedSequence = res[0];
    if (o instanceof R.PackedSequence) {
      assertClose(o.batchSizes, c.batch_sizes as Enc, `${c.name} batch_sizes`, 0, 0);
      if (c.sorted_indices) assertClose(o.sortedIndices as Tensor, c.sorted_indices, `${c.name} sorted_indices`, 0, 0);
      else assert.equal(o.sortedIndices, null);
      if (c.unsorted_indices) assertClose(o.unsortedIndices as Tensor, c.unsorted_indices, `${c.name} unsorted_indices`, 0, 0);
      else assert.equal(o.unsortedIndices, null);
      o = o.data;
    } else {
      assert.ok(!c.extra.packed, `${c.name}: a packed input gives a PackedSequence`);
    }
    outs = [o, ...(Array.isArray(res[1]) ? res[1] : [res[1]])];
  }
  assert.equal(outs.length, c.outs.length, `${c.name}: number of outputs`);
  outs.forEach((t, i) => assertClose(t, c.outs[i], `${c.name} out[${i}]`, EXACT, 0));
  let loss = outs[0].sum();
  for (const t of outs.slice(1)) loss = loss.add(t.sum());
  loss.backward();
  const grads = new Map(m.namedParameters().map(([k, p]) => [k, p.grad as Tensor]));
  assert.deepEqual([...grads.keys()], Object.keys(c.grads), `${c.name} grad keys`);
  for (const [k, g] of grads) assertClose(g, c.grads[k], `${c.name} grad ${k}`, EXACT, 0);
  assertClose(x.grad as Tensor, c.x_grad, `${c.name} input grad`, EXACT, 0);
  if (hx) hx.forEach((h, i) => assertClose(h.grad as Tensor, (c.hx_grad as Enc[])[i], `${c.name} hx[${i}] grad`, EXACT, 0));
  if (c.after_rand) assertClose(torch.rand(3), c.after_rand, `${c.name}: RNG state after the forward`, 0, 0);
}

const groups: [string, RegExp][] = [
  ['RNN (tanh/relu, layers, bidirectional, batchFirst, bias, unbatched, packed, dropout)', /^rnn_/],
  ['LSTM (hx, layers, bidirectional, batchFirst, projSize, dropout train/eval, unbatched, packed, float64)', /^lstm_/],
  ['GRU (layers, bidirectional, batchFirst, dropout, unbatched, packed)', /^gru/],
  ['RNNCell, LSTMCell, GRUCell (batched, unbatched, without hx, without bias)', /cell/],
];
for (const [title, re] of groups) {
  test(`${title}: init, forward and gradients equal PyTorch's`, { skip: noTorch }, () => {
    const cases = (G as Golden).cases.filter((c) => re.test(c.name) && !(re.source === '^gru' && c.cls === 'GRUCell'));
    assert.ok(cases.length >= 4, `cases for ${title}`);
    for (const c of cases) torch.tidy(() => runCase(c));
  });
}

test('dropout between layers is drawn inside the op in training only (eval is deterministic)', { skip: noTorch }, () => {
  torch.manualSeed(1);
  const lstm = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.5 });
  const x = torch.randn(4, 2, 3);
  torch.manualSeed(2);
  const [a] = lstm.call(x);
  torch.manualSeed(3);
  const [b] = lstm.call(x);
  assert.ok(!a.equal(b), 'different seeds give different dropout masks in training');
  lstm.eval();
  const [c] = lstm.call(x);
  const [d] = lstm.call(x);
  assert.ok(c.equal(d));
});

test('nn.utils.rnn: padSequence, packSequence, padPackedSequence, unpadSequence, unpackSequence equal PyTorch', { skip: noTorch }, () => {
  const U = (G as Golden).utils;
  const seqs: Tensor[] = U.seqs.map(dec);
  assertClose(R.padSequence(seqs), U.pad, 'pad_sequence', 0, 0);
  assertClose(R.padSequence(seqs, { batchFirst: true, paddingValue: -1.5 }), U.pad_bf_val, 'pad_sequence batch_first', 0, 0);
  const ps = R.packSequence(seqs, { enforceSorted: false });
  assert.equal(ps.length, 4);
  const [data, batchSizes, sortedIndices, unsortedIndices] = ps;
  assertClose(data as Tensor, U.pack[0], 'pack data', 0, 0);
  assertClose(batchSizes as Tensor, U.pack[1], 'pack batch_sizes', 0, 0);
  assertClose(sortedIndices as Tensor, U.pack[2], 'pack sorted_indices', 0, 0);
  assertClose(unsortedIndices as Tensor, U.pack[3], 'pack unsorted_indices', 0, 0);
  const [padded, lengths] = R.padPackedSequence(ps, { batchFirst: true, paddingValue: 9, totalLength: 7 });
  assertClose(padded, U.pad_packed[0], 'pad_packed padded', 0, 0);
  assertClose(lengths, U.pad_packed[1], 'pad_packed lengths', 0, 0);
  const sorted = [...seqs].sort((p, q) => q.size(0) - p.size(0));
  const ps2 = R.packSequence(sorted);
  assertClose(ps2.data, U.pack_sorted[0], 'pack sorted data', 0, 0);
  assertClose(ps2.batchSizes, U.pack_sorted[1], 'pack sorted batch_sizes', 0, 0);
  assert.equal(ps2.sortedIndices === null && ps2.unsortedIndices === null, U.pack_sorted_none);
  const unpacked = R.unpackSequence(ps);
  assert.equal(unpacked.length, U.unpack.length);
  unpacked.forEach((t, i) => assertClose(t, U.unpack[i], `unpack[${i}]`, 0, 0));
  const tf = R.padSequence(seqs);
  const unpadded = R.unpadSequence(tf, torch.tensor([3, 5, 1, 4]));
  unpadded.forEach((t, i) => assertClose(t, U.unpad[i], `unpad[${i}]`, 0, 0));
  assert.deepEqual(tf.shape, [5, 4, 2], 'unpadSequence leaves its input as it was');
  assertClose(R.invertPermutation(torch.tensor([2, 0, 3, 1], { dtype: 'int64' })) as Tensor, U.invert, 'invert_permutation', 0, 0);
  assert.equal(R.packSequence([torch.tensor([1, 2]).float(), torch.tensor([3]).float()]).toString(), U.repr);
});

test('nn.utils.rnn: gradients flow through pack and pad as in PyTorch', { skip: noTorch }, () => {
  const U = (G as Golden).utils;
  const x = dec(U.grad_x).requiresGrad_(true);
  const w = dec(U.grad_w);
  const packed = R.packPaddedSequence(x, torch.tensor([2, 5, 3]), { enforceSorted: false });
  const [back] = R.padPackedSequence(packed);
  back.mul(w).sum().backward();
  assertClose(x.grad as Tensor, U.grad, 'grad through pack/pad', 0, 0);
});

test('a PackedSequence returned from tidy() keeps its tensors; dispose() frees them', () => {
  const before = torch.memory().numTensors;
  const ps = torch.tidy(() => R.packSequence([torch.ones(2, 3), torch.ones(1, 3)]));
  assert.deepEqual(ps.data.shape, [3, 3]);
  assert.deepEqual(ps.batchSizes.toArray(), [2, 1]);
  const lstm = new nn.LSTM(3, 2);
  const [out, [h, c]] = torch.tidy(() => lstm.forward(ps));
  assert.ok(out instanceof R.PackedSequence);
  assert.deepEqual(out.data.shape, [3, 2]);
  assert.deepEqual(
    [h.shape, c.shape],
    [
      [1, 2, 2],
      [1, 2, 2],
    ],
  );
  out.dispose();
  assert.ok(!ps.batchSizes.isDisposed, "the output's batchSizes is its own handle");
  ps.dispose();
  h.dispose();
  c.dispose();
  lstm.dispose();
  assert.equal(torch.memory().numTensors, before);
  // A frozen tuple: an array object (so tidy finds its tensors) without a list's methods.
  assert.ok(Array.isArray(ps) && Object.isFrozen(ps) && ps.length === 4 && !('push' in ps));
});

test('PackedSequence.to / double: data converted, indices follow, batchSizes stays', () => {
  const ps = R.packSequence([torch.ones(1, 2), torch.ones(3, 2)], { enforceSorted: false });
  const d = ps.double();
  assert.equal(d.data.dtype, 'float64');
  assert.equal(d.batchSizes.dtype, 'int64');
  assert.deepEqual(d.sortedIndices?.toArray(), [1, 0]);
  assert.equal(ps.to('float32'), ps, 'unchanged data gives the same PackedSequence');
  assert.equal(ps.isCuda, false);
  assert.equal(ps.isPinned(), false);
});

test('reprs equal PyTorch', { skip: noTorch }, () => {
  const r = (G as Golden).reprs;
  const ours: Record<string, nn.Module> = {
    rnn_all: new nn.RNN(2, 3, { nonlinearity: 'relu', numLayers: 2, dropout: 0.5, bidirectional: true, batchFirst: true, bias: false }),
    lstm_proj: new nn.LSTM(2, 3, { projSize: 2 }),
    gru_dropout_int: new nn.GRU(2, 3, { numLayers: 2, dropout: 1 }),
    rnncell_relu: new nn.RNNCell(2, 3, { nonlinearity: 'relu', bias: false }),
    lstmcell: new nn.LSTMCell(2, 3),
    grucell_nobias: new nn.GRUCell(2, 3, { bias: false }),
  };
  for (const [k, m] of Object.entries(ours)) assert.equal(m.toString(), r[k], k);
});

test("forward errors carry PyTorch's sentences after the module path", { skip: noTorch }, () => {
  const E = (G as Golden).errors;
  const lstm = new nn.LSTM(2, 3);
  const gru = new nn.GRU(2, 3);
  const r = torch.randn;
  const is = (f: () => unknown, msg: string) => assert.throws(f, (e: Error) => e.message === msg || assert.fail(`got: ${e.message}\nwanted: ${msg}`));
  is(() => lstm.call(r(4, 5, 3)), `lstm: ${E.lstm_input_size}`);
  is(() => lstm.call(r(4, 5, 2), [r(1, 4, 3), r(1, 5, 3)]), `lstm: ${E.lstm_h0_size}`);
  is(() => lstm.call(r(4, 5, 2), [r(1, 5, 3), r(1, 5, 4)]), `lstm: ${E.lstm_c0_size}`);
  is(() => lstm.call(r(4, 5, 2), [r(5, 3), r(1, 5, 3)]), `lstm: ${E.lstm_batched_hx_rank}`);
  is(() => lstm.call(r(4, 2), [r(1, 1, 3), r(1, 3)]), `lstm: ${E.lstm_unbatched_hx_rank}`);
  is(() => gru.call(r(4, 5, 2), r(5, 3)), `gru: ${E.gru_batched_hx_rank}`);
  is(() => gru.call(r(4, 2), r(1, 1, 3)), `gru: ${E.gru_unbatched_hx_rank}`);
  is(() => gru.call(r(4, 5, 2), r(2, 5, 3)), `gru: ${E.gru_hidden_size}`);
  is(() => new nn.LSTMCell(2, 3).call(r(4, 5, 2)), `lstmcell: ${E.lstmcell_rank.replace('LSTMCell: ', '')}`);
  assert.throws(
    () => new nn.LSTMCell(2, 3).call(r(4, 2), [r(5, 3), r(4, 3)]),
    (e: Error) => e.message.startsWith('lstmcell: ') && e.message.includes(E.lstmcell_batch),
  );
  assert.throws(
    () => new nn.GRUCell(2, 3).call(r(4, 3)),
    (e: Error) => e.message.startsWith('grucell: ') && e.message.includes(E.grucell_input_size),
  );
  assert.throws(
    () => new nn.GRUCell(2, 3).call(r(4, 2), r(4, 4)),
    (e: Error) => e.message.startsWith('grucell: ') && e.message.includes(E.grucell_hidden_size),
  );
  assert.throws(
    () => R.packPaddedSequence(r(5, 3, 2), [2, 5, 3]),
    (e: Error) => e.message.startsWith('packPaddedSequence: ') && e.message.includes(E.pack_unsorted),
  );
  is(
    () => R.padPackedSequence(R.packPaddedSequence(r(5, 3, 2), [5, 3, 2]), { totalLength: 4 }),
    'padPackedSequence: Expected totalLength to be at least the length of the longest sequence in input, but got totalLength=4 and max sequence length being 5',
  );
  // Messages of torchnode's own checks (PyTorch 1.13 has none here, or a misleading one).
  is(() => lstm.call(r(4, 5, 6, 2)), 'lstm: Expected input to be 2-D or 3-D but received 4-D tensor');
  is(() => lstm.call(r(4, 5, 2), r(1, 5, 3) as never), 'lstm: expected [h_0, c_0] (two Tensors) for hx but received an object of type Tensor');
  is(() => gru.call([1, 2] as never), 'gru: expected Tensor or PackedSequence for input but received an array of length 2');
  is(() => gru.call(r(4, 5, 2), 3 as never), 'gru: expected Tensor for hx but received 3 of type number');
  is(() => R.padSequence(3 as never), 'padSequence: Expected iterable for input sequences, but got arg of type: 3 of type number');
  // A module inside a model is named by its path.
  class Model extends nn.Module {
    rnn = new nn.LSTM(2, 3);
  }
  is(() => new Model().rnn.call(r(4, 5, 3)), `model.rnn: ${E.lstm_input_size}`);
});

test('constructor errors name the class and the argument', () => {
  const is = (f: () => unknown, msg: string) => assert.throws(f, (e: Error) => e.message === msg || assert.fail(`got: ${e.message}\nwanted: ${msg}`));
  is(() => new nn.LSTM(2, -1), 'LSTM: Expected positive integer for hiddenSize but received -1 of type number');
  is(() => new nn.GRU(2.5, 3), 'GRU: Expected non-negative integer for inputSize but received 2.5 of type number');
  is(() => new nn.RNN(2, 3, { numLayers: 0 }), 'RNN: Expected positive integer for numLayers but received 0 of type number');
  is(() => new nn.LSTM(2, 3, { dropout: 2 }), 'LSTM: dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
  is(() => new nn.LSTM(2, 3, { dropout: '0.1' as never }), "LSTM: Expected number for dropout but received '0.1' of type string");
  is(() => new nn.LSTM(2, 3, { projSize: 3 }), 'LSTM: projSize has to be smaller than hiddenSize');
  is(() => new nn.LSTM(2, 3, { projSize: -1 }), 'LSTM: projSize should be a positive integer or zero to disable projections');
  is(() => new nn.GRU(2, 3, { projSize: 1 } as never), 'GRU: projSize argument is only supported for LSTM, not RNN or GRU');
  is(() => new nn.RNN(2, 3, { projSize: 0 } as never), 'RNN: projSize argument is only supported for LSTM, not RNN or GRU');
  is(
    () => new nn.RNN(2, 3, { nonlinearity: 'sigmoid' as never }),
    "RNN: Expected one of 'tanh', 'relu' for nonlinearity but received 'sigmoid' of type string",
  );
  is(() => new nn.RNNCell(2, 3, { nonlinearity: 'x' as never }), "RNNCell: Expected one of 'tanh', 'relu' for nonlinearity but received 'x' of type string");
  is(() => new nn.LSTM(2, 3, { batchFirst: 1 as never }), 'LSTM: Expected boolean for batchFirst but received 1 of type number');
  is(() => new nn.GRUCell(2, 3, { bias: 'no' as never }), "GRUCell: Expected boolean for bias but received 'no' of type string");
  is(
    () => new nn.LSTM(2, 3, { layers: 2 } as never),
    "LSTM: unknown option 'layers' (expected one of numLayers, bias, batchFirst, dropout, bidirectional, projSize, dtype, device)",
  );
  is(() => new nn.RNNBase('FOO' as never, 2, 3), "RNNBase: Unrecognized RNN mode: 'FOO' of type string");
});

test('dropout with one layer warns as PyTorch does', async () => {
  // Other warnings of the process (if any are pending) are not this one: wait for ours.
  const warned = new Promise<Error>((resolve) => {
    const listener = (w: Error): void => {
      if (!w.message.startsWith('dropout option')) return;
      process.off('warning', listener);
      resolve(w);
    };
    process.on('warning', listener);
  });
  new nn.GRU(2, 3, { dropout: 0.2 });
  const w = await warned;
  assert.equal(w.name, 'UserWarning');
  assert.equal(
    w.message,
    'dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=0.2 and num_layers=1',
  );
});

test('allWeights, parameters in the order the op takes them, and to(float64)', () => {
  const lstm = new nn.LSTM(2, 4, { numLayers: 2, projSize: 3, bidirectional: true });
  assert.deepEqual(
    lstm.allWeights.map((ws) => ws.map((w) => w.shape)),
    [
      [[16, 2], [16, 3], [16], [16], [3, 4]],
      [[16, 2], [16, 3], [16], [16], [3, 4]],
      [[16, 6], [16, 3], [16], [16], [3, 4]],
      [[16, 6], [16, 3], [16], [16], [3, 4]],
    ],
  );
  lstm.double();
  const [out, [h, c]] = lstm.call(torch.randn(3, 2, 2, { dtype: 'float64' }));
  assert.deepEqual([out.shape, out.dtype, h.shape, c.shape], [[3, 2, 6], 'float64', [4, 2, 3], [4, 2, 4]]);
});
