/** LayerNorm, GroupNorm, LocalResponseNorm, CrossMapLRN2d (torch/nn/modules/normalization.py). */
export {};
