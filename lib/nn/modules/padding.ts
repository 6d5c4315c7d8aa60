/** Padding layers: constant, zero, reflection, replication (torch/nn/modules/padding.py). */
export {};
