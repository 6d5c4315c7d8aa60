/** nn.utils.spectral_norm / remove_spectral_norm (torch/nn/utils/spectral_norm.py). */
export {};
