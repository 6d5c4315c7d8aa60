/** Fold and Unfold (torch/nn/modules/fold.py). */
import type { Tensor } from '../../tensor.js';
import { checkOptions } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { inputOf, pyVal, withContext } from '../common.js';
import { ntuple } from './utils.js';

import type { IntOrPair } from './pooling.js';
/** Options of Fold and Unfold. */
export interface FoldOptions {
  dilation?: IntOrPair;
  padding?: IntOrPair;
  stride?: IntOrPair;
}

/** `nn.Fold(output_size, kernel_size, dilation=1, padding=0, stride=1)`: sliding blocks [N, C·kH·kW, L] summed into [N, C, H, W]. */
export class Fold extends Module {
  readonly outputSize: IntOrPair;
  readonly kernelSize: IntOrPair;
  readonly dilation: IntOrPair;
  readonly padding: IntOrPair;
  readonly stride: IntOrPair;
  constructor(outputSize: IntOrPair, kernelSize: IntOrPair, opts: FoldOptions | null = {}) {
    super();
    const fn = 'Fold';
    checkOptions(opts, ['dilation', 'padding', 'stride'], fn);
    ntuple(outputSize, 2, fn, 'outputSize', 1);
    ntuple(kernelSize, 2, fn, 'kernelSize', 1);
    this.outputSize = outputSize;
    this.kernelSize = kernelSize;
    this.dilation = opts?.dilation ?? 1;
    this.padding = opts?.padding ?? 0;
    this.stride = opts?.stride ?? 1;
    ntuple(this.dilation, 2, fn, 'dilation', 1);
    ntuple(this.padding, 2, fn, 'padding');
    ntuple(this.stride, 2, fn, 'stride', 1);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.fold(x, this.outputSize, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride }),
    );
  }
  override extraRepr(): string {
    return `output_size=${pyVal(this.outputSize)}, kernel_size=${pyVal(this.kernelSize)}, dilation=${pyVal(this.dilation)}, padding=${pyVal(this.padding)}, stride=${pyVal(this.stride)}`;
  }
}

/** `nn.Unfold(kernel_size, dilation=1, padding=0, stride=1)`: [N, C, H, W] → sliding blocks [N, C·kH·kW, L]. */
export class Unfold extends Module {
  readonly kernelSize: IntOrPair;
  readonly dilation: IntOrPair;
  readonly padding: IntOrPair;
  readonly stride: IntOrPair;
  constructor(kernelSize: IntOrPair, opts: FoldOptions | null = {}) {
    super();
    const fn = 'Unfold';
    checkOptions(opts, ['dilation', 'padding', 'stride'], fn);
    ntuple(kernelSize, 2, fn, 'kernelSize', 1);
    this.kernelSize = kernelSize;
    this.dilation = opts?.dilation ?? 1;
    this.padding = opts?.padding ?? 0;
    this.stride = opts?.stride ?? 1;
    ntuple(this.dilation, 2, fn, 'dilation', 1);
    ntuple(this.padding, 2, fn, 'padding');
    ntuple(this.stride, 2, fn, 'stride', 1);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.unfold(x, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride }),
    );
  }
  override extraRepr(): string {
    return `kernel_size=${pyVal(this.kernelSize)}, dilation=${pyVal(this.dilation)}, padding=${pyVal(this.padding)}, stride=${pyVal(this.stride)}`;
  }
}
