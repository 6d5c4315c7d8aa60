/** nn.functional, Convolutions 1d/2d/3d and transposed, fold/unfold. */
export {};
