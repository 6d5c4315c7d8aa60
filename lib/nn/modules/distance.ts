/** PairwiseDistance and CosineSimilarity (torch/nn/modules/distance.py). */
export {};
