/** Fold and Unfold (torch/nn/modules/fold.py). */
export {};
