/** PixelShuffle and PixelUnshuffle (torch/nn/modules/pixelshuffle.py). */
import type { Tensor } from '../../tensor.js';
import { expectInt } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { inputOf, withContext } from '../common.js';

/** `nn.PixelShuffle(upscale_factor)`: [*, C·r², H, W] → [*, C, H·r, W·r]. */
export class PixelShuffle extends Module {
  readonly upscaleFactor: number;
  constructor(upscaleFactor: number) {
    super();
    this.upscaleFactor = expectInt(upscaleFactor, 'PixelShuffle: upscaleFactor');
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.pixelShuffle(x, this.upscaleFactor),
    );
  }
  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/** `nn.PixelUnshuffle(downscale_factor)`: [*, C, H·r, W·r] → [*, C·r², H, W]. */
export class PixelUnshuffle extends Module {
  readonly downscaleFactor: number;
  constructor(downscaleFactor: number) {
    super();
    this.downscaleFactor = expectInt(downscaleFactor, 'PixelUnshuffle: downscaleFactor');
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.pixelUnshuffle(x, this.downscaleFactor),
    );
  }
  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}
