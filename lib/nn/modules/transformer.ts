/** Transformer, its encoder and decoder stacks and layers (torch/nn/modules/transformer.py). */
export {};
