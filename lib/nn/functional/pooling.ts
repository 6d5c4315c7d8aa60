/** nn.functional, Pooling: max/avg/adaptive/LP/fractional 1d–3d, max_unpool. */
export {};
