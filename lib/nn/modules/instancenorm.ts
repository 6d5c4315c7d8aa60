/** InstanceNorm1d/2d/3d (torch/nn/modules/instancenorm.py). */
export {};
