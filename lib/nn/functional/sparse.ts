/** nn.functional, embedding, embedding_bag, one_hot. */
export {};
