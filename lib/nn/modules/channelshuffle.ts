/** ChannelShuffle (torch/nn/modules/channelshuffle.py). */
import type { Tensor } from '../../tensor.js';
import { expectInt } from '../../errors.js';
import { Module } from '../module.js';
import * as F from '../functional/index.js';
import { inputOf, withContext } from '../common.js';

/** `nn.ChannelShuffle(groups)`: [N, g·k, *] with channels regrouped as [N, k·g, *]. */
export class ChannelShuffle extends Module {
  readonly groups: number;
  constructor(groups: number) {
    super();
    this.groups = expectInt(groups, 'ChannelShuffle: groups');
  }
  override forward(input: Tensor): Tensor {
    const x = inputOf(this, input);
    return withContext(
      () => this.modulePath,
      () => F.channelShuffle(x, this.groups),
    );
  }
  override extraRepr(): string {
    return `groups=${this.groups}`;
  }
}
