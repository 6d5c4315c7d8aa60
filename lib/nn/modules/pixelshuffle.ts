/** PixelShuffle and PixelUnshuffle (torch/nn/modules/pixelshuffle.py). */
export {};
