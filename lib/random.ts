/** Seeding: the default generator (torch.manual_seed) and its state. */
import { native } from './native.js';
import { type Tensor, wrap, h } from './tensor.js';
import { expectInt } from './errors.js';

/** `torch.manual_seed(seed)`: seeds the default CPU generator (and CUDA's when present). */
export function manualSeed(seed: number | bigint): void {
  if (typeof seed !== 'bigint') expectInt(seed, 'manualSeed: seed');
  native.manualSeed(seed);
}
/** `torch.seed()` equivalent reading: the seed the default generator was last seeded with. */
export function initialSeed(): bigint {
  return native.initialSeed();
}
/** `torch.get_rng_state()`: a uint8 tensor holding the default CPU generator's state. */
export function getRngState(): Tensor {
  return wrap(native.getRngState());
}
/** `torch.set_rng_state(state)`. */
export function setRngState(state: Tensor): void {
  native.setRngState(h(state, 'setRngState: state'));
}
