/** nn.utils.weight_norm / remove_weight_norm (torch/nn/utils/weight_norm.py). */
export {};
