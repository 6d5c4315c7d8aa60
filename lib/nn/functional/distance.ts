/** nn.functional, pairwise_distance, cosine_similarity, pdist. */
export {};
