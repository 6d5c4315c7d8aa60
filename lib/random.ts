/**
 * Random-number generators, as torch/random.py and torch.Generator: the default generator
 * (torch.manual_seed) and its state, and explicit generators for the `generator` options.
 */
import { native } from './native.js';
import { type Device, type Tensor, deviceArg, wrap, h } from './tensor.js';
import { expectInt } from './errors.js';

const generatorRegistry = new FinalizationRegistry<number>((id) => native.releaseGenerator(id));

/** A random-number generator, as `torch.Generator`. */
export class Generator {
  /** @internal */ _id: number;
  /** A generator for `device` ('cpu', 'cuda', 'cuda:0'), seeded as PyTorch seeds a new one. */
  constructor(device: Device = 'cpu') {
    this._id = native.newGenerator(deviceArg(device, 'Generator: device'));
    generatorRegistry.register(this, this._id);
  }
  /** Seeds this generator; returns it, like Python's `manual_seed`, so calls chain. */
  manualSeed(seed: number | bigint): this {
    if (typeof seed !== 'bigint') expectInt(seed, 'Generator.manualSeed: seed');
    native.generatorManualSeed(this._id, seed);
    return this;
  }
  /** `initial_seed()`: the seed this generator was last seeded with. */
  initialSeed(): bigint {
    return native.generatorInitialSeed(this._id);
  }
  /** `get_state()`: a uint8 tensor holding this generator's state. */
  getState(): Tensor {
    return wrap(native.generatorGetState(this._id));
  }
  /** `set_state(state)`: restores a state from {@link Generator.getState}; returns the generator. */
  setState(state: Tensor): this {
    native.generatorSetState(this._id, h(state, 'Generator.setState: state'));
    return this;
  }
}

// LibTorch's default CPU generator is one per process. A DataLoader worker thread stands for a
// PyTorch worker process, which has a default generator of its own: there, this generator takes
// the default's place for every random call that is given no generator.
let threadDefault: Generator | null = null;

/** Makes `g` this thread's default generator (null: LibTorch's process-wide one again). @internal */
export function setThreadDefaultGenerator(g: Generator | null): void {
  threadDefault = g;
}
/** The id of this thread's default generator, or undefined for LibTorch's process-wide one. @internal */
export function threadDefaultGeneratorId(): number | undefined {
  return threadDefault?._id;
}

/** `torch.manual_seed(seed)`: seeds the default CPU generator (and CUDA's when present). */
export function manualSeed(seed: number | bigint): void {
  if (typeof seed !== 'bigint') expectInt(seed, 'manualSeed: seed');
  if (threadDefault) threadDefault.manualSeed(seed);
  else native.manualSeed(seed);
}
/** `torch.seed()` equivalent reading: the seed the default generator was last seeded with. */
export function initialSeed(): bigint {
  return threadDefault ? threadDefault.initialSeed() : native.initialSeed();
}
/** `torch.get_rng_state()`: a uint8 tensor holding the default CPU generator's state. */
export function getRngState(): Tensor {
  return threadDefault ? threadDefault.getState() : wrap(native.getRngState());
}
/** `torch.set_rng_state(state)`. */
export function setRngState(state: Tensor): void {
  if (threadDefault) threadDefault.setState(state);
  else native.setRngState(h(state, 'setRngState: state'));
}
