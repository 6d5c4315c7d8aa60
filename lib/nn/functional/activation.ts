/** nn.functional, Activation functions: gelu, silu, mish, elu, selu, celu, softplus, hardswish, prelu, glu, … */
export {};
