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

/** `nn.Bilinear(in1_features, in2_features, out_features, bias=True)`: y = x1ᵀ A x2 + b, A [out, in1, in2]. */
export class Bilinear extends Module {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  declare weight: Parameter;
  declare bias: Parameter | null;
  constructor(in1Features: number, in2Features: number, outFeatures: number, opts: LinearOptions | null = {}) {
    super();
    const fn = 'Bilinear';
    checkOptions(opts, ['bias', 'dtype', 'device'], fn);
    this.in1Features = expectNonNegInt(in1Features, `${fn}: in1Features`);
    this.in2Features = expectNonNegInt(in2Features, `${fn}: in2Features`);
    this.outFeatures = expectNonNegInt(outFeatures, `${fn}: outFeatures`);
    const f = { dtype: opts?.dtype, device: opts?.device };
    this.weight = newParam([outFeatures, in1Features, in2Features], f);
    if (expectBool(opts?.bias ?? true, `${fn}: bias`)) this.bias = newParam([outFeatures], f);
    else this.registerParameter('bias', null);
    this.resetParameters();
  }
  /** PyTorch's reset_parameters: weight and bias U(±1/√in1). */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }
  override forward(input1: Tensor, input2: Tensor): Tensor {
    const a = inputOf(this, input1);
    const b = inputOf(this, input2);
    return withContext(
      () => this.modulePath,
      () => F.bilinear(a, b, this.weight, this.bias),
    );
  }
  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
