/** Upsample, UpsamplingNearest2d, UpsamplingBilinear2d (torch/nn/modules/upsampling.py). */
export {};
