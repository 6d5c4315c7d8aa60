/** Linear and Identity (torch/nn/modules/linear.py). */
import { type Tensor, op, wrap } from '../../tensor.js';
import { checkOptions, expectBool, expectNonNegInt } from '../../errors.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import * as init from '../init.js';
import * as F from '../functional/index.js';
import { shapeStr, pyBool, withContext, newParam, inputOf, type FactoryOptions } from '../common.js';

// ---- Linear --------------------------------------------------------------------------------------

/** Options of Linear. */
export interface LinearOptions extends FactoryOptions {
  bias?: boolean;
}

/** `nn.Linear(in_features, out_features, bias=True)`: y = x Wᵀ + b, W [out, in]. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions | null = {}) {
    super();
    checkOptions(opts, ['bias', 'dtype', 'device'], 'Linear');
    this.inFeatures = expectNonNegInt(inFeatures, 'Linear: inFeatures');
    this.outFeatures = expectNonNegInt(outFeatures, 'Linear: outFeatures');
    this.weight = newParam([outFeatures, inFeatures], opts ?? {});
    if (expectBool(opts?.bias ?? true, 'Linear: bias')) this.bias = newParam([outFeatures], opts ?? {});
    else this.registerParameter('bias', null);
    this.resetParameters();
  }
  /** PyTorch's reset_parameters: kaiming_uniform_(a=√5) for W, U(±1/√fan_in) for b. */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    try {
      return F.linear(x, this.weight, this.bias);
    } catch (e) {
      // Checked after the fact so the hot path makes one native call.
      const s = x.shape;
      if (s.length === 0 || s[s.length - 1] !== this.inFeatures) {
        throw new RangeError(`${this.modulePath}: expected input [*, ${this.inFeatures}], got ${shapeStr(s)}`);
      }
      return withContext(
        () => this.modulePath,
        () => {
          throw e;
        },
      );
    }
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

const aliasOp = op('aten::alias');
/** `nn.Identity()`: returns its input (a new handle to the same tensor, so tidy() semantics stay simple). */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return wrap(aliasOp(inputOf(this, input)._h));
  }
}
