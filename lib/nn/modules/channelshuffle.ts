/** ChannelShuffle (torch/nn/modules/channelshuffle.py). */
export {};
