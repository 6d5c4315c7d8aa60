/** Padding layers (torch/nn/modules/padding.py): constant, zero, reflection and replication padding in 1 to 3 dimensions. */
import type { Tensor } from '../../tensor.js';
import { expectNumber } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { inputOf, pyFloat, pyVal, withContext } from '../common.js';
import { ntuple } from './utils.js';

/** Padding (left, right[, top, bottom[, front, back]]) of the last dimensions, or one int for all sides. */
abstract class PadNd extends Module {
  readonly padding: number[];
  constructor(n: number, padding: unknown) {
    super();
    // Negative padding crops, as in PyTorch.
    this.padding = ntuple(padding, 2 * n, this.constructor.name, 'padding', Number.NEGATIVE_INFINITY);
  }
  override extraRepr(): string {
    return pyVal(this.padding);
  }
}

abstract class ConstantPadNd extends PadNd {
  readonly value: number;
  constructor(n: number, padding: unknown, value: unknown) {
    super(n, padding);
    this.value = expectNumber(value, `${this.constructor.name}: value`);
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.pad(x, this.padding, 'constant', this.value),
    );
  }
  override extraRepr(): string {
    return `padding=${pyVal(this.padding)}, value=${pyFloat(this.value)}`;
  }
}

/** `nn.ConstantPad1d(padding, value)`: padding an int or (left, right). */
export class ConstantPad1d extends ConstantPadNd {
  constructor(padding: number | [number, number], value: number) {
    super(1, padding, value);
  }
}
/** `nn.ConstantPad2d(padding, value)`: padding an int or (left, right, top, bottom). */
export class ConstantPad2d extends ConstantPadNd {
  constructor(padding: number | [number, number, number, number], value: number) {
    super(2, padding, value);
  }
}
/** `nn.ConstantPad3d(padding, value)`: padding an int or (left, right, top, bottom, front, back). */
export class ConstantPad3d extends ConstantPadNd {
  constructor(padding: number | [number, number, number, number, number, number], value: number) {
    super(3, padding, value);
  }
}
/** `nn.ZeroPad2d(padding)`: ConstantPad2d with value 0. */
export class ZeroPad2d extends ConstantPad2d {
  constructor(padding: number | [number, number, number, number]) {
    super(padding, 0);
  }
  override extraRepr(): string {
    return pyVal(this.padding);
  }
}

abstract class ModePadNd extends PadNd {
  /** @internal F.pad's mode. */
  protected abstract readonly _mode: 'reflect' | 'replicate';
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.pad(x, this.padding, this._mode),
    );
  }
}

/** `nn.ReflectionPad1d(padding)`: pads [N, C, W] or [C, W] with the reflection of the input. */
export class ReflectionPad1d extends ModePadNd {
  protected readonly _mode = 'reflect';
  constructor(padding: number | [number, number]) {
    super(1, padding);
  }
}
/** `nn.ReflectionPad2d(padding)`: pads [N, C, H, W] or [C, H, W] with the reflection of the input. */
export class ReflectionPad2d extends ModePadNd {
  protected readonly _mode = 'reflect';
  constructor(padding: number | [number, number, number, number]) {
    super(2, padding);
  }
}
/** `nn.ReflectionPad3d(padding)`: pads [N, C, D, H, W] or [C, D, H, W] with the reflection of the input. */
export class ReflectionPad3d extends ModePadNd {
  protected readonly _mode = 'reflect';
  constructor(padding: number | [number, number, number, number, number, number]) {
    super(3, padding);
  }
}
/** `nn.ReplicationPad1d(padding)`: pads with copies of the edge values. */
export class ReplicationPad1d extends ModePadNd {
  protected readonly _mode = 'replicate';
  constructor(padding: number | [number, number]) {
    super(1, padding);
  }
}
/** `nn.ReplicationPad2d(padding)`: pads with copies of the edge values. */
export class ReplicationPad2d extends ModePadNd {
  protected readonly _mode = 'replicate';
  constructor(padding: number | [number, number, number, number]) {
    super(2, padding);
  }
}
/** `nn.ReplicationPad3d(padding)`: pads with copies of the edge values. */
export class ReplicationPad3d extends ModePadNd {
  protected readonly _mode = 'replicate';
  constructor(padding: number | [number, number, number, number, number, number]) {
    super(3, padding);
  }
}
