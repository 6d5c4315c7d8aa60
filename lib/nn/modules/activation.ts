/** Activations (torch/nn/modules/activation.py). */
import type { Tensor } from '../../tensor.js';
import { checkOptions, expectBool, expectInt, expectNumber } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { pyVal, pyFloat, withContext, inputOf } from '../common.js';

// ---- activations ----------------------------------------------------------------------------------------

function inplaceArg(v: boolean | { inplace?: boolean } | null | undefined, fn: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  checkOptions(v, ['inplace'], fn);
  return expectBool(v.inplace ?? false, `${fn}: inplace`);
}

/** `nn.ReLU(inplace=False)`. */
export class ReLU extends Module {
  readonly inplace: boolean;
  constructor(opts?: boolean | { inplace?: boolean }) {
    super();
    this.inplace = inplaceArg(opts, 'ReLU');
  }
  override forward(input: Tensor): Tensor {
    return F.relu(inputOf(this, input), { inplace: this.inplace });
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** `nn.LeakyReLU(negative_slope=0.01, inplace=False)`. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;
  constructor(negativeSlope: number | { negativeSlope?: number; inplace?: boolean } = 0.01, inplace = false) {
    super();
    const o = typeof negativeSlope === 'object' && negativeSlope !== null ? negativeSlope : { negativeSlope, inplace };
    checkOptions(o, ['negativeSlope', 'inplace'], 'LeakyReLU');
    this.negativeSlope = expectNumber(o.negativeSlope ?? 0.01, 'LeakyReLU: negativeSlope');
    this.inplace = expectBool(o.inplace ?? false, 'LeakyReLU: inplace');
  }
  override forward(input: Tensor): Tensor {
    return F.leakyRelu(inputOf(this, input), this.negativeSlope, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** `nn.Sigmoid()`. */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return F.sigmoid(inputOf(this, input));
  }
}
/** `nn.Tanh()`. */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return F.tanh(inputOf(this, input));
  }
}

function dimArg(d: number | null | { dim?: number | null } | undefined, fn: string): number | null {
  let v = d;
  if (typeof d === 'object' && d !== null) {
    checkOptions(d, ['dim'], fn);
    v = d.dim;
  }
  if (v === undefined || v === null) return null;
  return expectInt(v, `${fn}: dim`);
}

/** `nn.Softmax(dim=None)`. */
export class Softmax extends Module {
  readonly dim: number | null;
  constructor(dim?: number | null | { dim?: number | null }) {
    super();
    this.dim = dimArg(dim, 'Softmax');
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.softmax(inputOf(this, input), this.dim),
    );
  }
  override extraRepr(): string {
    return `dim=${pyVal(this.dim)}`;
  }
}
/** `nn.LogSoftmax(dim=None)`. */
export class LogSoftmax extends Module {
  readonly dim: number | null;
  constructor(dim?: number | null | { dim?: number | null }) {
    super();
    this.dim = dimArg(dim, 'LogSoftmax');
  }
  override forward(input: Tensor): Tensor {
    return withContext(
      () => this.modulePath,
      () => F.logSoftmax(inputOf(this, input), this.dim),
    );
  }
  override extraRepr(): string {
    return `dim=${pyVal(this.dim)}`;
  }
}
