/**
 * Transformer, its encoder and decoder stacks and layers (torch/nn/modules/transformer.py, 1.13).
 * Submodule names equal PyTorch's (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1,
 * dropout2, multihead_attn, layers.0, norm), so state_dict keys match; initialisation draws the
 * same random numbers in the same order. forward follows Python's general ("slow") path; the
 * inference fast path PyTorch takes in some eval configurations computes the same values.
 */
import { type Tensor, full } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool, expectNonNegInt, expectNumber, expectPositiveInt } from '../../errors.js';
import { tidy } from '../../scope.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import * as init from '../init.js';
import * as F from '../functional/index.js';
import { checkOptTensor, pyVal, shapeStr, type FactoryOptions } from '../common.js';
import { MultiheadAttention, ReLU, GELU } from './activation.js';
import { ModuleList } from './container.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { LayerNorm } from './normalization.js';

/** The feed-forward activation: 'relu', 'gelu', a unary function of a Tensor, or a Module. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

/** Options of TransformerEncoderLayer and TransformerDecoderLayer (Python's arguments after nhead). */
export interface TransformerLayerOptions extends FactoryOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: TransformerActivation;
  layerNormEps?: number;
  batchFirst?: boolean;
  normFirst?: boolean;
}

const LAYER_OPTIONS = ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst', 'dtype', 'device'];

/** Python's `_get_activation_fn` plus the callable and Module forms. */
function activationOf(a: unknown, fn: string): ((x: Tensor) => Tensor) | Module {
  if (a === undefined || a === 'relu') return reluFn;
  if (a === 'gelu') return geluFn;
  if (typeof a === 'string') throw new TypeError(`${fn}: activation should be relu/gelu, not ${a}`);
  if (typeof a === 'function' || a instanceof Module) return a as ((x: Tensor) => Tensor) | Module;
  throw new TypeError(`${fn}: Expected 'relu', 'gelu', a function or a Module for activation but received ${describe(a)}`);
}
// F.relu and F.gelu as Python's defaults (one argument: an options object must not be passed on).
const reluFn = (x: Tensor): Tensor => F.relu(x);
const geluFn = (x: Tensor): Tensor => F.gelu(x);

function applyActivation(a: ((x: Tensor) => Tensor) | Module, x: Tensor): Tensor {
  return a instanceof Module ? (a.forward(x) as Tensor) : a(x);
}

function layerArgs(fn: string, dModel: number, nhead: number, opts: TransformerLayerOptions | null) {
  checkOptions(opts, LAYER_OPTIONS, fn);
  const p = expectNumber(opts?.dropout ?? 0.1, `${fn}: dropout`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${fn}: dropout probability has to be between 0 and 1, but got ${p}`);
  return {
    dModel: expectPositiveInt(dModel, `${fn}: dModel`),
    nhead: expectPositiveInt(nhead, `${fn}: nhead`),
    dimFeedforward: expectPositiveInt(opts?.dimFeedforward ?? 2048, `${fn}: dimFeedforward`),
    dropout: p,
    activation: activationOf(opts?.activation, fn),
    eps: expectNumber(opts?.layerNormEps ?? 1e-5, `${fn}: layerNormEps`),
    batchFirst: expectBool(opts?.batchFirst ?? false, `${fn}: batchFirst`),
    normFirst: expectBool(opts?.normFirst ?? false, `${fn}: normFirst`),
    f: { dtype: opts?.dtype, device: opts?.device } as FactoryOptions,
  };
}

function checkKeyPaddingMask(m: Tensor | null, fn: string): void {
  if (m && m.dtype !== 'bool' && !m.isFloatingPoint()) throw new TypeError(`${fn}: only bool and floating types of key_padding_mask are supported`);
}

/** Options of TransformerEncoderLayer.forward. */
export interface TransformerEncoderLayerForwardOptions {
  srcMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * `nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu,
 * layer_norm_eps=1e-5, batch_first=False, norm_first=False)`: self-attention and feed-forward
 * blocks, each with dropout, a residual connection and LayerNorm (after, or before with normFirst).
 */
export class TransformerEncoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  readonly normFirst: boolean;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  /** The feed-forward activation (a registered submodule when it is a Module, as in PyTorch). */
  declare activation: ((x: Tensor) => Tensor) | Module;

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions | null = {}) {
    super();
    const a = layerArgs('TransformerEncoderLayer', dModel, nhead, opts);
    this.self_attn = new MultiheadAttention(a.dModel, a.nhead, { dropout: a.dropout, batchFirst: a.batchFirst, ...a.f });
    this.linear1 = new Linear(a.dModel, a.dimFeedforward, a.f);
    this.dropout = new Dropout(a.dropout);
    this.linear2 = new Linear(a.dimFeedforward, a.dModel, a.f);
    this.normFirst = a.normFirst;
    this.norm1 = new LayerNorm(a.dModel, { eps: a.eps, ...a.f });
    this.norm2 = new LayerNorm(a.dModel, { eps: a.eps, ...a.f });
    this.dropout1 = new Dropout(a.dropout);
    this.dropout2 = new Dropout(a.dropout);
    this.activation = a.activation;
  }
  /** Python's activation_relu_or_gelu (1 relu, 2 gelu, 0 other), read by its fast path. */
  get activationReluOrGelu(): number {
    const a = this.activation;
    if (a === reluFn || a === F.relu || a instanceof ReLU) return 1;
    if (a === geluFn || a === F.gelu || a instanceof GELU) return 2;
    return 0;
  }

  /** `forward(src, src_mask=None, src_key_padding_mask=None)`. */
  override forward(src: Tensor, opts: TransformerEncoderLayerForwardOptions | null = {}): Tensor {
    const path = this.modulePath;
    const x0 = inputTensor(this, src, 'src');
    checkOptions(opts, ['srcMask', 'srcKeyPaddingMask'], path);
    const mask = checkOptTensor(opts?.srcMask, path, 'srcMask');
    const kpm = checkOptTensor(opts?.srcKeyPaddingMask, path, 'srcKeyPaddingMask');
    checkKeyPaddingMask(kpm, path);
    return tidy(() => {
      let x = x0;
      if (this.normFirst) {
        x = x.add(this._saBlock(this.norm1.forward(x), mask, kpm));
        x = x.add(this._ffBlock(this.norm2.forward(x)));
      } else {
        x = this.norm1.forward(x.add(this._saBlock(x, mask, kpm)));
        x = this.norm2.forward(x.add(this._ffBlock(x)));
      }
      return x;
    });
  }
  /** @internal self-attention block. */
  _saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [y] = this.self_attn.forward(x, x, x, { attnMask, keyPaddingMask, needWeights: false });
    return this.dropout1.forward(y);
  }
  /** @internal feed-forward block. */
  _ffBlock(x: Tensor): Tensor {
    const h = this.linear2.forward(this.dropout.forward(applyActivation(this.activation, this.linear1.forward(x))));
    return this.dropout2.forward(h);
  }
}

/** Options of TransformerDecoderLayer.forward and TransformerDecoder.forward. */
export interface TransformerDecoderForwardOptions {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}
const DECODER_FORWARD_OPTIONS = ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask'];

/**
 * `nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu,
 * layer_norm_eps=1e-5, batch_first=False, norm_first=False)`: self-attention, attention over the
 * encoder's memory, and feed-forward blocks.
 */
export class TransformerDecoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare multihead_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  readonly normFirst: boolean;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare norm3: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare dropout3: Dropout;
  declare activation: ((x: Tensor) => Tensor) | Module;

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions | null = {}) {
    super();
    const a = layerArgs('TransformerDecoderLayer', dModel, nhead, opts);
    this.self_attn = new MultiheadAttention(a.dModel, a.nhead, { dropout: a.dropout, batchFirst: a.batchFirst, ...a.f });
    this.multihead_attn = new MultiheadAttention(a.dModel, a.nhead, { dropout: a.dropout, batchFirst: a.batchFirst, ...a.f });
    this.linear1 = new Linear(a.dModel, a.dimFeedforward, a.f);
    this.dropout = new Dropout(a.dropout);
    this.linear2 = new Linear(a.dimFeedforward, a.dModel, a.f);
    this.normFirst = a.normFirst;
    this.norm1 = new LayerNorm(a.dModel, { eps: a.eps, ...a.f });
    this.norm2 = new LayerNorm(a.dModel, { eps: a.eps, ...a.f });
    this.norm3 = new LayerNorm(a.dModel, { eps: a.eps, ...a.f });
    this.dropout1 = new Dropout(a.dropout);
    this.dropout2 = new Dropout(a.dropout);
    this.dropout3 = new Dropout(a.dropout);
    this.activation = a.activation;
  }

  /** `forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None)`. */
  override forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderForwardOptions | null = {}): Tensor {
    const path = this.modulePath;
    const x0 = inputTensor(this, tgt, 'tgt');
    const mem = inputTensor(this, memory, 'memory');
    checkOptions(opts, DECODER_FORWARD_OPTIONS, path);
    const tgtMask = checkOptTensor(opts?.tgtMask, path, 'tgtMask');
    const memoryMask = checkOptTensor(opts?.memoryMask, path, 'memoryMask');
    const tgtKpm = checkOptTensor(opts?.tgtKeyPaddingMask, path, 'tgtKeyPaddingMask');
    const memKpm = checkOptTensor(opts?.memoryKeyPaddingMask, path, 'memoryKeyPaddingMask');
    return tidy(() => {
      let x = x0;
      if (this.normFirst) {
        x = x.add(this._saBlock(this.norm1.forward(x), tgtMask, tgtKpm));
        x = x.add(this._mhaBlock(this.norm2.forward(x), mem, memoryMask, memKpm));
        x = x.add(this._ffBlock(this.norm3.forward(x)));
      } else {
        x = this.norm1.forward(x.add(this._saBlock(x, tgtMask, tgtKpm)));
        x = this.norm2.forward(x.add(this._mhaBlock(x, mem, memoryMask, memKpm)));
        x = this.norm3.forward(x.add(this._ffBlock(x)));
      }
      return x;
    });
  }
  /** @internal self-attention block. */
  _saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [y] = this.self_attn.forward(x, x, x, { attnMask, keyPaddingMask, needWeights: false });
    return this.dropout1.forward(y);
  }
  /** @internal attention over the memory. */
  _mhaBlock(x: Tensor, mem: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [y] = this.multihead_attn.forward(x, mem, mem, { attnMask, keyPaddingMask, needWeights: false });
    return this.dropout2.forward(y);
  }
  /** @internal feed-forward block. */
  _ffBlock(x: Tensor): Tensor {
    const act = this._copiedActivation ?? this.activation;
    const h = this.linear2.forward(this.dropout.forward(applyActivation(act, this.linear1.forward(x))));
    return this.dropout3.forward(h);
  }
  /**
   * @internal PyTorch 1.13's `__setstate__` of this class, which deepcopy runs: an activation held
   * as a Module lives in _modules, not in __dict__, so the copy gets `activation = F.relu` in its
   * __dict__ and computes relu, while the GELU (say) stays registered and printed. The layers of
   * a TransformerDecoder (deep copies) therefore apply relu; reproduced for parity.
   */
  _afterDeepCopy(): void {
    if (this.activation instanceof Module) this._copiedActivation = reluFn;
  }
  /** @internal see _afterDeepCopy. */
  declare _copiedActivation?: (x: Tensor) => Tensor;
}

function inputTensor(m: Module, x: unknown, arg: string): Tensor {
  if (x !== null && typeof x === 'object' && typeof (x as Tensor).isDisposed === 'boolean' && typeof (x as Tensor)._h === 'number') {
    if ((x as Tensor).isDisposed) throw new Error(`${m.modulePath}: ${arg} is a disposed Tensor`);
    return x as Tensor;
  }
  throw new TypeError(`${m.modulePath}: expected Tensor for ${arg} but received ${describe(x)}`);
}

// ---- deep copies (Python's copy.deepcopy of a module, for _get_clones) -------------------------------------

/**
 * A deep copy of a module tree: same classes and attributes, parameters and buffers cloned
 * (requiresGrad kept), submodules copied once each (shared ones stay shared, as deepcopy's memo),
 * no constructor run and so no random draws: the clones start equal to the original, as
 * PyTorch's `_get_clones` makes them.
 */
function deepCopyModule<M extends Module>(m: M, memo: Map<object, unknown> = new Map()): M {
  const seen = memo.get(m);
  if (seen) return seen as M;
  // The base constructor alone (it builds the registration proxy); subclass constructors do not run.
  const copy = Reflect.construct(Module, [], m.constructor) as M;
  memo.set(m, copy);
  const copyTensor = (t: Tensor): Tensor => {
    const s = memo.get(t);
    if (s) return s as Tensor;
    let c: Tensor;
    if (t instanceof Parameter) {
      const data = t.detach();
      const cl = data.clone();
      data.dispose();
      c = new Parameter(cl, t.requiresGrad);
      cl.dispose();
    } else {
      const data = t.detach();
      c = data.clone();
      data.dispose();
    }
    memo.set(t, c);
    return c;
  };
  const raw = m as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const [k, p] of m._parameters) copy.registerParameter(k, p ? (copyTensor(p) as Parameter) : null);
  for (const [k, b] of m._buffers) copy.registerBuffer(k, b ? copyTensor(b) : null, { persistent: !m._nonPersistentBuffers.has(k) });
  for (const [k, c] of m._modules) copy.registerModule(k, c ? deepCopyModule(c, memo) : null);
  for (const k of Object.keys(raw)) {
    if (m._parameters.has(k) || m._buffers.has(k) || m._modules.has(k)) continue;
    const v = raw[k];
    target[k] = Array.isArray(v) ? [...v] : v;
  }
  copy.training = m.training;
  // Python runs __setstate__ on the copy; the classes whose __setstate__ changes state say so here.
  (copy as { _afterDeepCopy?: () => void })._afterDeepCopy?.();
  return copy;
}

/** Python's `_get_clones`: a ModuleList of n deep copies. */
function getClones(module: Module, n: number): ModuleList {
  return new ModuleList(Array.from({ length: n }, () => deepCopyModule(module)));
}

// ---- stacks ----------------------------------------------------------------------------------------------

/** Options of TransformerEncoder (Python's arguments after num_layers). */
export interface TransformerEncoderOptions {
  norm?: Module | null;
  /** Accepted for PyTorch's signature; the nested-tensor fast path is not taken (same values). */
  enableNestedTensor?: boolean;
  maskCheck?: boolean;
}

/** Options of TransformerEncoder.forward. */
export interface TransformerEncoderForwardOptions {
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * `nn.TransformerEncoder(encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
 * mask_check=True)`: numLayers deep copies of encoderLayer (layers.0 …), then norm if given.
 */
export class TransformerEncoder extends Module {
  declare layers: ModuleList;
  readonly numLayers: number;
  declare norm: Module | null;
  readonly enableNestedTensor: boolean;
  readonly maskCheck: boolean;

  constructor(
    encoderLayer: Module,
    numLayers: number,
    norm?: Module | null | TransformerEncoderOptions,
    opts: Omit<TransformerEncoderOptions, 'norm'> | null = {},
  ) {
    super();
    const fn = 'TransformerEncoder';
    if (!(encoderLayer instanceof Module)) throw new TypeError(`${fn}: Expected a Module for encoderLayer but received ${describe(encoderLayer)}`);
    let o: TransformerEncoderOptions;
    if (norm === undefined || norm === null || norm instanceof Module) {
      checkOptions(opts, ['enableNestedTensor', 'maskCheck'], fn);
      o = { ...opts, norm: norm ?? null };
    } else {
      checkOptions(norm, ['norm', 'enableNestedTensor', 'maskCheck'], fn);
      o = norm;
    }
    this.numLayers = expectPositiveInt(numLayers, `${fn}: numLayers`);
    if (o.norm !== undefined && o.norm !== null && !(o.norm instanceof Module))
      throw new TypeError(`${fn}: Expected a Module or null for norm but received ${describe(o.norm)}`);
    this.layers = getClones(encoderLayer, this.numLayers);
    this.norm = o.norm ?? null;
    this.enableNestedTensor = expectBool(o.enableNestedTensor ?? true, `${fn}: enableNestedTensor`);
    this.maskCheck = expectBool(o.maskCheck ?? true, `${fn}: maskCheck`);
  }

  /** `forward(src, mask=None, src_key_padding_mask=None)`. */
  override forward(src: Tensor, opts: TransformerEncoderForwardOptions | null = {}): Tensor {
    const path = this.modulePath;
    const x0 = inputTensor(this, src, 'src');
    checkOptions(opts, ['mask', 'srcKeyPaddingMask'], path);
    const mask = checkOptTensor(opts?.mask, path, 'mask');
    const kpm = checkOptTensor(opts?.srcKeyPaddingMask, path, 'srcKeyPaddingMask');
    checkKeyPaddingMask(kpm, path);
    return tidy(() => {
      let out = x0;
      for (const mod of this.layers) out = mod.forward(out, { srcMask: mask, srcKeyPaddingMask: kpm }) as Tensor;
      if (this.norm) out = this.norm.forward(out) as Tensor;
      return out;
    });
  }
}

/** `nn.TransformerDecoder(decoder_layer, num_layers, norm=None)`: numLayers deep copies of decoderLayer, then norm. */
export class TransformerDecoder extends Module {
  declare layers: ModuleList;
  readonly numLayers: number;
  declare norm: Module | null;

  constructor(decoderLayer: Module, numLayers: number, norm?: Module | null | { norm?: Module | null }) {
    super();
    const fn = 'TransformerDecoder';
    if (!(decoderLayer instanceof Module)) throw new TypeError(`${fn}: Expected a Module for decoderLayer but received ${describe(decoderLayer)}`);
    let n: unknown = norm;
    if (norm !== undefined && norm !== null && !(norm instanceof Module)) {
      checkOptions(norm, ['norm'], fn);
      n = norm.norm;
    }
    if (n !== undefined && n !== null && !(n instanceof Module)) throw new TypeError(`${fn}: Expected a Module or null for norm but received ${describe(n)}`);
    this.numLayers = expectPositiveInt(numLayers, `${fn}: numLayers`);
    this.layers = getClones(decoderLayer, this.numLayers);
    this.norm = (n as Module | null | undefined) ?? null;
  }

  /** `forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None)`. */
  override forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderForwardOptions | null = {}): Tensor {
    const path = this.modulePath;
    const x0 = inputTensor(this, tgt, 'tgt');
    const mem = inputTensor(this, memory, 'memory');
    checkOptions(opts, DECODER_FORWARD_OPTIONS, path);
    const o = {
      tgtMask: checkOptTensor(opts?.tgtMask, path, 'tgtMask'),
      memoryMask: checkOptTensor(opts?.memoryMask, path, 'memoryMask'),
      tgtKeyPaddingMask: checkOptTensor(opts?.tgtKeyPaddingMask, path, 'tgtKeyPaddingMask'),
      memoryKeyPaddingMask: checkOptTensor(opts?.memoryKeyPaddingMask, path, 'memoryKeyPaddingMask'),
    };
    return tidy(() => {
      let out = x0;
      for (const mod of this.layers) out = mod.forward(out, mem, o) as Tensor;
      if (this.norm) out = this.norm.forward(out) as Tensor;
      return out;
    });
  }
}

/** Options of Transformer (Python's keyword arguments). */
export interface TransformerOptions extends TransformerLayerOptions {
  dModel?: number;
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  customEncoder?: Module | null;
  customDecoder?: Module | null;
}

/** Options of Transformer.forward. */
export interface TransformerForwardOptions extends TransformerDecoderForwardOptions {
  srcMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * `nn.Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
 * dim_feedforward=2048, dropout=0.1, activation=relu, custom_encoder=None, custom_decoder=None,
 * layer_norm_eps=1e-5, batch_first=False, norm_first=False)`: `new nn.Transformer(dModel, nhead, opts)`
 * or `new nn.Transformer(opts)`. Parameters with more than one dimension are then re-drawn by
 * xavier_uniform_ in parameters() order, as PyTorch's _reset_parameters.
 */
export class Transformer extends Module {
  declare encoder: Module;
  declare decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(dModel?: number | TransformerOptions | null, nhead?: number | null, opts: TransformerOptions | null = {}) {
    super();
    const fn = 'Transformer';
    let o: TransformerOptions;
    if (typeof dModel === 'object' && dModel !== null) {
      if (nhead !== undefined) throw new TypeError(`${fn}: an options object must be the last argument`);
      o = dModel;
    } else {
      o = { ...opts };
      if (dModel !== undefined && dModel !== null) {
        if (opts && 'dModel' in opts) throw new TypeError(`${fn}: got multiple values for dModel`);
        o.dModel = dModel;
      }
      if (nhead !== undefined && nhead !== null) {
        if (opts && 'nhead' in opts) throw new TypeError(`${fn}: got multiple values for nhead`);
        o.nhead = nhead;
      }
    }
    checkOptions(o, ['dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'customEncoder', 'customDecoder', ...LAYER_OPTIONS], fn);
    const d = expectPositiveInt(o.dModel ?? 512, `${fn}: dModel`);
    const h = expectPositiveInt(o.nhead ?? 8, `${fn}: nhead`);
    const nEnc = expectPositiveInt(o.numEncoderLayers ?? 6, `${fn}: numEncoderLayers`);
    const nDec = expectPositiveInt(o.numDecoderLayers ?? 6, `${fn}: numDecoderLayers`);
    const layerOpts: TransformerLayerOptions = {
      dimFeedforward: o.dimFeedforward,
      dropout: o.dropout,
      activation: o.activation,
      layerNormEps: o.layerNormEps,
      batchFirst: o.batchFirst,
      normFirst: o.normFirst,
      dtype: o.dtype,
      device: o.device,
    };
    const eps = expectNumber(o.layerNormEps ?? 1e-5, `${fn}: layerNormEps`);
    const f = { dtype: o.dtype, device: o.device };
    for (const k of ['customEncoder', 'customDecoder'] as const) {
      const v = o[k];
      if (v !== undefined && v !== null && !(v instanceof Module)) throw new TypeError(`${fn}: Expected a Module or null for ${k} but received ${describe(v)}`);
    }
    if (o.customEncoder) {
      this.encoder = o.customEncoder;
    } else {
      const layer = new TransformerEncoderLayer(d, h, layerOpts);
      const norm = new LayerNorm(d, { eps, ...f });
      this.encoder = new TransformerEncoder(layer, nEnc, norm);
    }
    if (o.customDecoder) {
      this.decoder = o.customDecoder;
    } else {
      const layer = new TransformerDecoderLayer(d, h, layerOpts);
      const norm = new LayerNorm(d, { eps, ...f });
      this.decoder = new TransformerDecoder(layer, nDec, norm);
    }
    this._resetParameters();
    this.dModel = d;
    this.nhead = h;
    this.batchFirst = expectBool(o.batchFirst ?? false, `${fn}: batchFirst`);
  }

  /** PyTorch's _reset_parameters: xavier_uniform_ on every parameter with more than one dimension. */
  _resetParameters(): void {
    for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform_(p);
  }

  /**
   * `forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
   * tgt_key_padding_mask=None, memory_key_padding_mask=None)`.
   */
  override forward(src: Tensor, tgt: Tensor, opts: TransformerForwardOptions | null = {}): Tensor {
    const path = this.modulePath;
    const s = inputTensor(this, src, 'src');
    const t = inputTensor(this, tgt, 'tgt');
    checkOptions(opts, ['srcMask', 'srcKeyPaddingMask', ...DECODER_FORWARD_OPTIONS], path);
    const isBatched = s.ndim === 3;
    if (!this.batchFirst && isBatched && s.size(1) !== t.size(1)) {
      throw new RangeError(`${path}: the batch number of src and tgt must be equal (src ${shapeStr(s.shape)}, tgt ${shapeStr(t.shape)})`);
    }
    if (this.batchFirst && isBatched && s.size(0) !== t.size(0)) {
      throw new RangeError(`${path}: the batch number of src and tgt must be equal (src ${shapeStr(s.shape)}, tgt ${shapeStr(t.shape)})`);
    }
    if (s.size(-1) !== this.dModel || t.size(-1) !== this.dModel) {
      throw new RangeError(
        `${path}: the feature number of src and tgt must be equal to d_model (${pyVal(this.dModel)}), got src ${shapeStr(s.shape)}, tgt ${shapeStr(t.shape)}`,
      );
    }
    return tidy(() => {
      const memory = this.encoder.forward(s, { mask: opts?.srcMask ?? null, srcKeyPaddingMask: opts?.srcKeyPaddingMask ?? null }) as Tensor;
      return this.decoder.forward(t, memory, {
        tgtMask: opts?.tgtMask ?? null,
        memoryMask: opts?.memoryMask ?? null,
        tgtKeyPaddingMask: opts?.tgtKeyPaddingMask ?? null,
        memoryKeyPaddingMask: opts?.memoryKeyPaddingMask ?? null,
      }) as Tensor;
    });
  }

  /**
   * `Transformer.generate_square_subsequent_mask(sz, device='cpu')`: a float [sz, sz] mask with
   * -inf above the diagonal and 0 elsewhere (position i may attend to positions ≤ i).
   */
  static generateSquareSubsequentMask(sz: number, device: string | { device?: string } | null = 'cpu'): Tensor {
    const fn = 'Transformer.generateSquareSubsequentMask';
    const n = expectNonNegInt(sz, `${fn}: sz`);
    let dev: unknown = device ?? 'cpu';
    if (typeof device === 'object' && device !== null) {
      checkOptions(device, ['device'], fn);
      dev = device.device ?? 'cpu';
    }
    if (typeof dev !== 'string') throw new TypeError(`${fn}: Expected a device string for device but received ${describe(dev)}`);
    return tidy(() => full([n, n], Number.NEGATIVE_INFINITY, { device: dev as string }).triu(1));
  }
}
