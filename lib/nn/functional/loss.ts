/** nn.functional, Loss functions. */
export {};
