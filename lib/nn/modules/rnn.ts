/**
 * Recurrent layers: RNN, LSTM, GRU and their cells (torch/nn/modules/rnn.py). The recurrences
 * run in the ATen ops PyTorch's Python calls through `_VF` (`aten::lstm.input`/`.data`,
 * `aten::gru.*`, `aten::rnn_tanh.*`, `aten::rnn_relu.*`, `aten::lstm_cell`, …), so outputs,
 * gradients and the dropout between layers (drawn inside the op in training) are PyTorch's.
 */
import { Tensor, op, wrap, zeros } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { describe } from '../../dtype.js';
import { argMessage, checkOptions, expectBool, expectNonNegInt, expectOneOf, expectPositiveInt } from '../../errors.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import * as init from '../init.js';
import { pyFloat, pyVal, withContext, newParam, type FactoryOptions } from '../common.js';
import { PackedSequence } from '../utils/rnn.js';

const OPS = {
  lstmInput: op('aten::lstm.input'),
  lstmData: op('aten::lstm.data'),
  gruInput: op('aten::gru.input'),
  gruData: op('aten::gru.data'),
  rnnTanhInput: op('aten::rnn_tanh.input'),
  rnnTanhData: op('aten::rnn_tanh.data'),
  rnnReluInput: op('aten::rnn_relu.input'),
  rnnReluData: op('aten::rnn_relu.data'),
  lstmCell: op('aten::lstm_cell'),
  gruCell: op('aten::gru_cell'),
  rnnTanhCell: op('aten::rnn_tanh_cell'),
  rnnReluCell: op('aten::rnn_relu_cell'),
  indexSelect: op('aten::index_select'),
  unsqueeze: op('aten::unsqueeze'),
  squeezeDim: op('aten::squeeze.dim'),
  alias: op('aten::alias'),
};

/** The PackedSequence of an RNN's output: Python reuses the input's batch sizes and indices; here each gets its own handle, so disposing one PackedSequence leaves the other whole. */
function packedLike(data: Tensor, like: PackedSequence): PackedSequence {
  const alias = (t: Tensor | null): Tensor | null => (t === null ? null : wrap(OPS.alias(t._h)));
  return new PackedSequence(data, alias(like.batchSizes) as Tensor, alias(like.sortedIndices), alias(like.unsortedIndices));
}

/** The recurrence an RNNBase runs (PyTorch's `mode`). */
export type RNNMode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';
const MODES: readonly RNNMode[] = ['LSTM', 'GRU', 'RNN_TANH', 'RNN_RELU'];

/** Options of RNNBase and LSTM (PyTorch's keyword arguments, camelCase). */
export interface RNNBaseOptions extends FactoryOptions {
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Whether the layers have the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output as [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training (default 0). */
  dropout?: number;
  /** Whether each layer also runs backwards in time (default false). */
  bidirectional?: boolean;
  /** LSTM only: the size of the projected hidden state (0: no projection). */
  projSize?: number;
}
/** Options of LSTM. */
export type LSTMOptions = RNNBaseOptions;
/** Options of GRU (no projSize: that is LSTM's). */
export type GRUOptions = Omit<RNNBaseOptions, 'projSize'>;
/** Options of RNN: GRU's plus the nonlinearity. */
export interface RNNOptions extends GRUOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

const BASE_KEYS = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'projSize', 'dtype', 'device'] as const;

/** Python's tuple repr of a shape, as PyTorch's hidden-size messages print the expected one. */
function tupleStr(s: readonly number[]): string {
  return pyVal([...s]);
}
function listStr(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}
/** `int(batch_sizes[0])`: the batch size of a packed sequence's first step. */
function firstBatchSize(batchSizes: Tensor): number {
  return tidy(() => Number(batchSizes.index(0).item()));
}

/**
 * `nn.RNNBase(mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
 * dropout=0., bidirectional=False, proj_size=0, device=None, dtype=None)`: the parameters,
 * their names and initialisation shared by RNN, LSTM and GRU. Parameters are registered as
 * PyTorch's (per layer and direction: `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`,
 * `bias_hh_l{k}`, `weight_hr_l{k}`, with `_reverse` for the backward direction), so state dicts
 * are interchangeable and a seed gives the same initial values.
 */
export class RNNBase extends Module {
  /** The recurrence: 'LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU'. */
  declare readonly mode: RNNMode;
  /** Features of the input. */
  declare readonly inputSize: number;
  /** Features of the hidden state (of the cell state for a projected LSTM). */
  declare readonly hiddenSize: number;
  /** Stacked recurrent layers. */
  declare readonly numLayers: number;
  /** Whether the layers have biases (a flag, as PyTorch's `bias` attribute). */
  declare readonly bias: boolean;
  /** Input and output as [batch, seq, feature]. */
  declare readonly batchFirst: boolean;
  /** Dropout probability between layers in training. */
  declare readonly dropout: number;
  /** Whether each layer also runs backwards in time. */
  declare readonly bidirectional: boolean;
  /** LSTM's projection size (0: none). */
  declare readonly projSize: number;
  /** @internal parameter names in the order the ATen ops take them (PyTorch's `_flat_weights_names`). */
  declare readonly _flatWeightsNames: string[];
  /** @internal the names per layer and direction (PyTorch's `_all_weights`). */
  declare readonly _allWeights: string[][];

  constructor(mode: RNNMode, inputSize: number, hiddenSize: number, opts: RNNBaseOptions | null = {}) {
    super();
    const fn = new.target.name;
    checkOptions(opts, BASE_KEYS, fn);
    const o = opts ?? {};
    if (!(MODES as readonly unknown[]).includes(mode)) throw new TypeError(`${fn}: Unrecognized RNN mode: ${describe(mode)}`);
    this.mode = mode;
    this.inputSize = expectNonNegInt(inputSize, `${fn}: inputSize`);
    this.hiddenSize = expectPositiveInt(hiddenSize, `${fn}: hiddenSize`);
    this.numLayers = expectPositiveInt(o.numLayers ?? 1, `${fn}: numLayers`);
    this.bias = expectBool(o.bias ?? true, `${fn}: bias`);
    this.batchFirst = expectBool(o.batchFirst ?? false, `${fn}: batchFirst`);
    const dropout = o.dropout ?? 0;
    if (typeof dropout !== 'number') throw new TypeError(argMessage('number', `${fn}: dropout`, dropout));
    if (!(dropout >= 0 && dropout <= 1)) {
      throw new RangeError(`${fn}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed`);
    }
    this.dropout = dropout;
    this.bidirectional = expectBool(o.bidirectional ?? false, `${fn}: bidirectional`);
    const projSize = o.projSize ?? 0;
    if (typeof projSize !== 'number' || !Number.isInteger(projSize)) throw new TypeError(argMessage('integer', `${fn}: projSize`, projSize));
    if (projSize < 0) throw new RangeError(`${fn}: projSize should be a positive integer or zero to disable projections`);
    if (projSize >= this.hiddenSize) throw new RangeError(`${fn}: projSize has to be smaller than hiddenSize`);
    this.projSize = projSize;
    if (dropout > 0 && this.numLayers === 1) {
      process.emitWarning(
        `dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${dropout} and num_layers=${this.numLayers}`,
        'UserWarning',
      );
    }
    const gateSize = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 }[mode] * this.hiddenSize;
    const factory = { dtype: o.dtype, device: o.device };
    this._flatWeightsNames = [];
    this._allWeights = [];
    // Allocation errors (sizes beyond memory) name the class.
    withContext(fn, () => this._createWeights(gateSize, factory));
    this.resetParameters();
  }

  /** Creates and registers the parameters per layer and direction, in PyTorch's order. */
  private _createWeights(gateSize: number, factory: FactoryOptions): void {
    const numDirections = this.bidirectional ? 2 : 1;
    const projSize = this.projSize;
    const realHidden = projSize > 0 ? projSize : this.hiddenSize;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let direction = 0; direction < numDirections; direction++) {
        const layerInput = layer === 0 ? this.inputSize : realHidden * numDirections;
        const suffix = `_l${layer}${direction === 1 ? '_reverse' : ''}`;
        const params: [string, Parameter][] = [
          [`weight_ih${suffix}`, newParam([gateSize, layerInput], factory)],
          [`weight_hh${suffix}`, newParam([gateSize, realHidden], factory)],
        ];
        if (this.bias) params.push([`bias_ih${suffix}`, newParam([gateSize], factory)], [`bias_hh${suffix}`, newParam([gateSize], factory)]);
        if (projSize > 0) params.push([`weight_hr${suffix}`, newParam([projSize, this.hiddenSize], factory)]);
        for (const [name, p] of params) this.registerParameter(name, p);
        const names = params.map(([n]) => n);
        this._flatWeightsNames.push(...names);
        this._allWeights.push(names);
      }
    }
  }

  /** `flatten_parameters()`: packs the weights for cuDNN in PyTorch; LibTorch's CPU kernels need nothing, so a no-op. */
  flattenParameters(): void {}

  /** `reset_parameters()`: every parameter, in registration order, from U(-1/√hiddenSize, 1/√hiddenSize). */
  resetParameters(): void {
    const stdv = this.hiddenSize > 0 ? 1.0 / Math.sqrt(this.hiddenSize) : 0;
    for (const w of this.parameters()) init.uniform_(w, -stdv, stdv);
  }

  /** `all_weights`: the parameters per layer and direction. */
  get allWeights(): Parameter[][] {
    return this._allWeights.map((names) => names.map((n) => this._parameters.get(n) as Parameter));
  }

  /** @internal the parameters as the ATen ops take them (read at each call, so `to()` and loads are seen). */
  _flatWeights(): Tensor[] {
    return this._flatWeightsNames.map((n) => {
      const p = this._parameters.get(n);
      if (!p) throw new Error(`${this.modulePath}: parameter ${n} is not set`);
      return p;
    });
  }

  /** `check_input(input, batch_sizes)`: rank (2 packed, else 3) and feature size. */
  checkInput(input: Tensor, batchSizes: Tensor | null): void {
    const expectedDim = batchSizes !== null ? 2 : 3;
    if (input.dim() !== expectedDim) throw new RangeError(`${this.modulePath}: input must have ${expectedDim} dimensions, got ${input.dim()}`);
    if (this.inputSize !== input.size(-1)) {
      throw new RangeError(`${this.modulePath}: input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${input.size(-1)}`);
    }
  }

  /** `get_expected_hidden_size(input, batch_sizes)`: [numLayers · directions, batch, projSize or hiddenSize]. */
  getExpectedHiddenSize(input: Tensor, batchSizes: Tensor | null): [number, number, number] {
    const miniBatch = batchSizes !== null ? firstBatchSize(batchSizes) : input.size(this.batchFirst ? 0 : 1);
    const numDirections = this.bidirectional ? 2 : 1;
    return [this.numLayers * numDirections, miniBatch, this.projSize > 0 ? this.projSize : this.hiddenSize];
  }

  /** `check_hidden_size(hx, expected_hidden_size, msg)`; msg has `{}` for the expected and the actual size. */
  checkHiddenSize(hx: Tensor, expected: readonly number[], msg = 'Expected hidden size {}, got {}'): void {
    const s = hx.shape;
    if (s.length !== expected.length || s.some((d, i) => d !== expected[i])) {
      throw new RangeError(`${this.modulePath}: ${msg.replace('{}', tupleStr(expected)).replace('{}', listStr(s))}`);
    }
  }

  /**
   * The forward shared by RNN, GRU (hx: one tensor) and LSTM (hx: [h, c]), as PyTorch's three
   * copies of it: unpack or add the batch dimension, default or permute hx, check, run the op.
   * @internal
   */
  _run(input: unknown, hx: Tensor[] | null): [Tensor | PackedSequence, Tensor[]] {
    const isLSTM = this.mode === 'LSTM';
    return withContext(
      () => this.modulePath,
      () =>
        tidy(() => {
          let x: Tensor;
          let batchSizes: Tensor | null = null;
          let sorted: Tensor | null = null;
          let unsorted: Tensor | null = null;
          let isBatched = true;
          const batchDim = this.batchFirst ? 0 : 1;
          let maxBatch: number;
          let h = hx;
          if (input instanceof PackedSequence) {
            x = input.data;
            batchSizes = input.batchSizes;
            sorted = input.sortedIndices;
            unsorted = input.unsortedIndices;
            if (batchSizes.numel() === 0) throw new RangeError(`${this.modulePath}: the PackedSequence is empty (no batch sizes)`);
            maxBatch = firstBatchSize(batchSizes);
          } else {
            if (!(input instanceof Tensor) || input.isDisposed) {
              throw new TypeError(
                `${this.modulePath}: expected Tensor or PackedSequence for input but received ${input instanceof Tensor ? 'a disposed Tensor' : describe(input)}`,
              );
            }
            x = input;
            const d = x.dim();
            if (d !== 2 && d !== 3) throw new RangeError(`${this.modulePath}: Expected input to be 2-D or 3-D but received ${d}-D tensor`);
            isBatched = d === 3;
            if (h !== null) {
              const want = isBatched ? 3 : 2;
              if (h.some((t) => t.dim() !== want)) {
                const kind = isBatched ? 'batched 3-D' : 'unbatched 2-D';
                throw new RangeError(
                  isLSTM
                    ? `${this.modulePath}: For ${kind} input, hx and cx should also be ${want}-D but got (${h[0].dim()}-D, ${h[1].dim()}-D) tensors`
                    : `${this.modulePath}: For ${kind} input, hx should also be ${want}-D but got ${h[0].dim()}-D tensor`,
                );
              }
            }
            if (!isBatched) {
              x = wrap(OPS.unsqueeze(x._h, batchDim));
              if (h !== null) h = h.map((t) => wrap(OPS.unsqueeze(t._h, 1)));
            }
            maxBatch = x.size(batchDim);
          }
          if (h === null) {
            const numDirections = this.bidirectional ? 2 : 1;
            const f = { dtype: x.dtype, device: x.device };
            const realHidden = this.projSize > 0 ? this.projSize : this.hiddenSize;
            h = isLSTM
              ? [zeros([this.numLayers * numDirections, maxBatch, realHidden], f), zeros([this.numLayers * numDirections, maxBatch, this.hiddenSize], f)]
              : [zeros([this.numLayers * numDirections, maxBatch, this.hiddenSize], f)];
          } else if (sorted !== null) {
            const perm = sorted;
            h = h.map((t) => wrap(OPS.indexSelect(t._h, 1, perm._h)));
          }
          // check_forward_args
          this.checkInput(x, batchSizes);
          const expected = this.getExpectedHiddenSize(x, batchSizes);
          if (isLSTM) {
            this.checkHiddenSize(h[0], expected, 'Expected hidden[0] size {}, got {}');
            this.checkHiddenSize(h[1], [expected[0], expected[1], this.hiddenSize], 'Expected hidden[1] size {}, got {}');
          } else {
            this.checkHiddenSize(h[0], expected);
          }
          const weights = this._flatWeights().map((w) => w._h);
          const hxArg = isLSTM ? h.map((t) => t._h) : h[0]._h;
          const [inputOp, dataOp] = {
            LSTM: [OPS.lstmInput, OPS.lstmData],
            GRU: [OPS.gruInput, OPS.gruData],
            RNN_TANH: [OPS.rnnTanhInput, OPS.rnnTanhData],
            RNN_RELU: [OPS.rnnReluInput, OPS.rnnReluData],
          }[this.mode];
          const res = (
            batchSizes === null
              ? inputOp(x._h, hxArg, weights, this.bias, this.numLayers, this.dropout, this.training, this.bidirectional, this.batchFirst)
              : dataOp(x._h, batchSizes._h, hxArg, weights, this.bias, this.numLayers, this.dropout, this.training, this.bidirectional)
          ) as number[];
          let output = wrap(res[0]);
          let hidden = res.slice(1).map(wrap);
          if (input instanceof PackedSequence) {
            if (unsorted !== null) {
              const perm = unsorted;
              hidden = hidden.map((t) => wrap(OPS.indexSelect(t._h, 1, perm._h)));
            }
            return [packedLike(output, input), hidden];
          }
          if (!isBatched) {
            output = wrap(OPS.squeezeDim(output._h, batchDim));
            hidden = hidden.map((t) => wrap(OPS.squeezeDim(t._h, 1)));
          }
          return [output, hidden];
        }),
    );
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (this.bias !== true) s += ', bias=False';
    if (this.batchFirst !== false) s += ', batch_first=True';
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional !== false) s += ', bidirectional=True';
    return s;
  }
}

/** hx of RNN and GRU: null or one Tensor. */
function singleHx(m: Module, hx: unknown): Tensor[] | null {
  if (hx === undefined || hx === null) return null;
  if (hx instanceof Tensor && !hx.isDisposed) return [hx];
  throw new TypeError(`${m.modulePath}: expected Tensor for hx but received ${hx instanceof Tensor ? 'a disposed Tensor' : describe(hx)}`);
}

/** A constructor option only LSTM has: PyTorch refuses proj_size for RNN and GRU by name. */
function refuseProjSize(fn: string, opts: object | null | undefined): void {
  if (opts !== null && typeof opts === 'object' && 'projSize' in opts) {
    throw new TypeError(`${fn}: projSize argument is only supported for LSTM, not RNN or GRU`);
  }
}

function rnnMode(inputSize: unknown, hiddenSize: unknown, opts: RNNOptions | null | undefined): RNNMode {
  expectNonNegInt(inputSize, 'RNN: inputSize');
  expectPositiveInt(hiddenSize, 'RNN: hiddenSize');
  refuseProjSize('RNN', opts);
  checkOptions(opts, [...BASE_KEYS.filter((k) => k !== 'projSize'), 'nonlinearity'], 'RNN');
  return withContext('RNN', () => (expectOneOf(opts?.nonlinearity ?? 'tanh', ['tanh', 'relu'], 'RNN: nonlinearity') === 'tanh' ? 'RNN_TANH' : 'RNN_RELU'));
}

function withoutNonlinearity(opts: RNNOptions | null | undefined): GRUOptions {
  const { nonlinearity: _n, ...rest } = opts ?? {};
  return rest;
}

/**
 * `nn.RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
 * batch_first=False, dropout=0., bidirectional=False)`: an Elman RNN,
 * h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) (or ReLU).
 * `forward(input, hx?)` returns `[output, h_n]`; input is [L, N, H_in] ([N, L, H_in] with
 * batchFirst), [L, H_in] unbatched, or a PackedSequence (then output is one too: call
 * `forward(packed)` for that typing; `call` is typed for tensors).
 */
export class RNN extends RNNBase {
  /** 'tanh' or 'relu'. */
  declare readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions | null = {}) {
    const mode = rnnMode(inputSize, hiddenSize, opts);
    super(mode, inputSize, hiddenSize, withoutNonlinearity(opts));
    this.nonlinearity = mode === 'RNN_TANH' ? 'tanh' : 'relu';
  }
  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const [out, hidden] = this._run(input, singleHx(this, hx));
    return [out, hidden[0]];
  }
}

/**
 * `nn.LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.,
 * bidirectional=False, proj_size=0)`: a multi-layer long short-term memory RNN.
 * `forward(input, [h_0, c_0]?)` returns `[output, [h_n, c_n]]`; input as in {@link RNN}. With
 * projSize > 0 the hidden state is projected by `weight_hr_l{k}` to projSize features.
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: LSTMOptions | null = {}) {
    super('LSTM', inputSize, hiddenSize, opts);
  }
  /** `get_expected_cell_size(input, batch_sizes)`: [numLayers · directions, batch, hiddenSize]. */
  getExpectedCellSize(input: Tensor, batchSizes: Tensor | null): [number, number, number] {
    const [layers, batch] = this.getExpectedHiddenSize(input, batchSizes);
    return [layers, batch, this.hiddenSize];
  }
  override forward(input: PackedSequence, hx?: [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  override forward(input: Tensor | PackedSequence, hx: [Tensor, Tensor] | null = null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    let pair: Tensor[] | null = null;
    if (hx !== undefined && hx !== null) {
      const ok = Array.isArray(hx) && hx.length === 2 && hx.every((t) => t instanceof Tensor && !t.isDisposed);
      if (!ok) throw new TypeError(`${this.modulePath}: expected [h_0, c_0] (two Tensors) for hx but received ${describe(hx)}`);
      pair = hx;
    }
    const [out, hidden] = this._run(input, pair);
    return [out, [hidden[0], hidden[1]]];
  }
}

/**
 * `nn.GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.,
 * bidirectional=False)`: a multi-layer gated recurrent unit RNN. `forward(input, hx?)` returns
 * `[output, h_n]`; input as in {@link RNN}.
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: GRUOptions | null = {}) {
    refuseProjSize('GRU', opts);
    super('GRU', inputSize, hiddenSize, opts);
  }
  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const [out, hidden] = this._run(input, singleHx(this, hx));
    return [out, hidden[0]];
  }
}

// ---- cells ---------------------------------------------------------------------------------------

/**
 * `nn.RNNCellBase(input_size, hidden_size, bias, num_chunks)`: the parameters of one recurrent
 * step, `weight_ih` [numChunks · hiddenSize, inputSize], `weight_hh`, `bias_ih`, `bias_hh`, all
 * from U(-1/√hiddenSize, 1/√hiddenSize) as PyTorch's.
 */
export class RNNCellBase extends Module {
  /** Features of the input. */
  declare readonly inputSize: number;
  /** Features of the hidden state. */
  declare readonly hiddenSize: number;
  /** Whether the cell has biases (a flag, as PyTorch's `bias` attribute). */
  declare readonly bias: boolean;
  /** [numChunks · hiddenSize, inputSize]. */
  declare weight_ih: Parameter;
  /** [numChunks · hiddenSize, hiddenSize]. */
  declare weight_hh: Parameter;
  /** [numChunks · hiddenSize], or null without bias. */
  declare bias_ih: Parameter | null;
  /** [numChunks · hiddenSize], or null without bias. */
  declare bias_hh: Parameter | null;

  constructor(inputSize: number, hiddenSize: number, bias: boolean, numChunks: number, opts: FactoryOptions | null = {}) {
    super();
    const fn = new.target.name;
    checkOptions(opts, ['dtype', 'device'], fn);
    this.inputSize = expectNonNegInt(inputSize, `${fn}: inputSize`);
    this.hiddenSize = expectNonNegInt(hiddenSize, `${fn}: hiddenSize`);
    this.bias = expectBool(bias, `${fn}: bias`);
    expectPositiveInt(numChunks, `${fn}: numChunks`);
    const f = opts ?? {};
    withContext(fn, () => {
      this.weight_ih = newParam([numChunks * hiddenSize, inputSize], f);
      this.weight_hh = newParam([numChunks * hiddenSize, hiddenSize], f);
      if (this.bias) {
        this.bias_ih = newParam([numChunks * hiddenSize], f);
        this.bias_hh = newParam([numChunks * hiddenSize], f);
      } else {
        this.registerParameter('bias_ih', null);
        this.registerParameter('bias_hh', null);
      }
    });
    this.resetParameters();
  }

  /** `reset_parameters()`: every parameter from U(-1/√hiddenSize, 1/√hiddenSize), in order. */
  resetParameters(): void {
    const stdv = this.hiddenSize > 0 ? 1.0 / Math.sqrt(this.hiddenSize) : 0;
    for (const w of this.parameters()) init.uniform_(w, -stdv, stdv);
  }

  /**
   * One step: input [N, H_in] or [H_in], hx tensors [N, H] or [H] (zeros when null); `kernel`
   * is the ATen cell. @internal
   */
  _step(input: unknown, hx: Tensor[] | null, kernel: (x: number, h: number[]) => number | number[]): Tensor[] {
    return withContext(
      () => this.modulePath,
      () =>
        tidy(() => {
          if (!(input instanceof Tensor) || input.isDisposed) {
            throw new TypeError(
              `${this.modulePath}: expected Tensor for input but received ${input instanceof Tensor ? 'a disposed Tensor' : describe(input)}`,
            );
          }
          const d = input.dim();
          if (d !== 1 && d !== 2) throw new RangeError(`${this.modulePath}: Expected input to be 1-D or 2-D but received ${d}-D tensor`);
          const isBatched = d === 2;
          const x = isBatched ? input : wrap(OPS.unsqueeze(input._h, 0));
          let h: Tensor[];
          if (hx === null) {
            const z = zeros([x.size(0), this.hiddenSize], { dtype: x.dtype, device: x.device });
            h = [z, z];
          } else {
            h = isBatched ? hx : hx.map((t) => wrap(OPS.unsqueeze(t._h, 0)));
          }
          const r = kernel(
            x._h,
            h.map((t) => t._h),
          );
          const out = (Array.isArray(r) ? r : [r]).map(wrap);
          return isBatched ? out : out.map((t) => wrap(OPS.squeezeDim(t._h, 0)));
        }),
    );
  }

  /** @internal the four parameters' handles (biases may be null). */
  _weights(): [number, number, number | null, number | null] {
    return [this.weight_ih._h, this.weight_hh._h, this.bias_ih?._h ?? null, this.bias_hh?._h ?? null];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.bias !== true) s += ', bias=False';
    const nl = (this as { nonlinearity?: string }).nonlinearity;
    if (nl !== undefined && nl !== 'tanh') s += `, nonlinearity=${nl}`;
    return s;
  }
}

/**
 * The options of a cell, checked before RNNCellBase runs: sizes first (as the base would), then
 * the keys, each read once (a getter on the options object runs once, inside the class's name).
 */
function cellOptions(
  fn: string,
  inputSize: unknown,
  hiddenSize: unknown,
  opts: RNNCellOptions | null | undefined,
  hasNonlinearity: boolean,
): { bias: boolean; nonlinearity: 'tanh' | 'relu'; factory: FactoryOptions } {
  expectNonNegInt(inputSize, `${fn}: inputSize`);
  expectNonNegInt(hiddenSize, `${fn}: hiddenSize`);
  checkOptions(opts, hasNonlinearity ? ['bias', 'nonlinearity', 'dtype', 'device'] : ['bias', 'dtype', 'device'], fn);
  return withContext(fn, () => {
    const o = opts ?? {};
    return {
      bias: expectBool(o.bias ?? true, `${fn}: bias`),
      nonlinearity: expectOneOf(o.nonlinearity ?? 'tanh', ['tanh', 'relu'], `${fn}: nonlinearity`),
      factory: { dtype: o.dtype, device: o.device },
    };
  });
}

function cellHx(m: Module, hx: unknown): Tensor[] | null {
  return singleHx(m, hx);
}

/** Options of RNNCell. */
export interface RNNCellOptions extends FactoryOptions {
  /** Whether the cell has the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/**
 * `nn.RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh')`: one Elman step,
 * h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or ReLU). `forward(input, hx?)` returns h'.
 */
export class RNNCell extends RNNCellBase {
  /** 'tanh' or 'relu'. */
  declare readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions | null = {}) {
    const o = cellOptions('RNNCell', inputSize, hiddenSize, opts, true);
    super(inputSize, hiddenSize, o.bias, 1, o.factory);
    this.nonlinearity = o.nonlinearity;
  }
  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const kernel = this.nonlinearity === 'tanh' ? OPS.rnnTanhCell : OPS.rnnReluCell;
    return this._step(input, cellHx(this, hx), (x, h) => kernel(x, h[0], ...this._weights()))[0];
  }
}

/**
 * `nn.LSTMCell(input_size, hidden_size, bias=True)`: one LSTM step. `forward(input, [h, c]?)`
 * returns `[h', c']`.
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: (FactoryOptions & { bias?: boolean }) | null = {}) {
    const o = cellOptions('LSTMCell', inputSize, hiddenSize, opts, false);
    super(inputSize, hiddenSize, o.bias, 4, o.factory);
  }
  override forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    let pair: Tensor[] | null = null;
    if (hx !== undefined && hx !== null) {
      const ok = Array.isArray(hx) && hx.length === 2 && hx.every((t) => t instanceof Tensor && !t.isDisposed);
      if (!ok) throw new TypeError(`${this.modulePath}: expected [h_0, c_0] (two Tensors) for hx but received ${describe(hx)}`);
      pair = hx;
    }
    const r = this._step(input, pair, (x, h) => OPS.lstmCell(x, h, ...this._weights()));
    return [r[0], r[1]];
  }
}

/** `nn.GRUCell(input_size, hidden_size, bias=True)`: one GRU step. `forward(input, hx?)` returns h'. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: (FactoryOptions & { bias?: boolean }) | null = {}) {
    const o = cellOptions('GRUCell', inputSize, hiddenSize, opts, false);
    super(inputSize, hiddenSize, o.bias, 3, o.factory);
  }
  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this._step(input, cellHx(this, hx), (x, h) => OPS.gruCell(x, h[0], ...this._weights()))[0];
  }
}
