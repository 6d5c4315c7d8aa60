/** nn.functional, interpolate, upsample, grid_sample, affine_grid, pad modes, pixel_shuffle, channel_shuffle. */
export {};
