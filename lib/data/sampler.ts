/**
 * Samplers (`torch.utils.data.sampler`), consuming random numbers exactly as PyTorch 1.13:
 * a RandomSampler without a generator draws a seed from the default generator
 * (`int(torch.empty((), dtype=torch.int64).random_().item())`) when its iteration starts, seeds a
 * fresh Generator with it and permutes with `randperm(n, generator)`.
 */
import { type Tensor, op, empty, randperm, randint } from '../tensor.js';
import { Generator, threadDefaultGeneratorId } from '../random.js';
import { tidy } from '../scope.js';
import { describe } from '../dtype.js';
import { checkOptions, expectBool, expectInt, expectPositiveInt } from '../errors.js';
import { absent } from './check.js';

const random_ = op('aten::random_');

/**
 * `torch.empty((), dtype=torch.int64).random_(generator=g).item()`: how PyTorch's data loading
 * draws seeds (all 64 bits kept as a bigint).
 */
export function drawSeed(generator?: Generator | null): bigint {
  if (generator === null) generator = undefined;
  if (generator !== undefined && !(generator instanceof Generator)) {
    throw new TypeError(`drawSeed: expected Generator for generator but received ${describe(generator)}`);
  }
  return tidy(() => {
    const t = empty([], { dtype: 'int64' });
    random_(t._h, generator ? generator._id : (threadDefaultGeneratorId() ?? null));
    return (t.dataSync() as BigInt64Array)[0];
  });
}

function toNumbers(t: Tensor): number[] {
  const out = Array.from(t.dataSync() as BigInt64Array, Number);
  t.dispose();
  return out;
}

/** `torch.utils.data.Sampler`: an iterable of sample indices with a length. */
export abstract class Sampler implements Iterable<number> {
  abstract [Symbol.iterator](): Iterator<number>;
  abstract len(): number;
}

// Abstract, but JavaScript can still construct a Sampler (or a subclass that forgot a method):
// it then says so instead of "is not a function".
for (const m of ['len', Symbol.iterator] as const) {
  const label = typeof m === 'symbol' ? '[Symbol.iterator]' : m;
  Object.defineProperty(Sampler.prototype, m, {
    value: function (this: object) {
      const name = this?.constructor?.name ?? 'Sampler';
      throw new TypeError(`${name}.${label}: Sampler is abstract; subclasses must implement ${label}()${name === 'Sampler' ? '' : ` (${name} does not)`}`);
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/** Something with a length (a Dataset). */
export interface SizedSource {
  len(): number;
}

function checkSource(src: unknown, fn: string): SizedSource {
  if (src === null || typeof src !== 'object' || typeof (src as SizedSource).len !== 'function') {
    throw new TypeError(`${fn}: expected a dataset (an object with len()) for dataSource but received ${describe(src)}`);
  }
  return src as SizedSource;
}

/** `SequentialSampler(data_source)`: 0, 1, …, n-1. */
export class SequentialSampler extends Sampler {
  readonly dataSource: SizedSource;
  constructor(dataSource: SizedSource) {
    super();
    this.dataSource = checkSource(dataSource, 'SequentialSampler');
  }
  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.len();
    for (let i = 0; i < n; i++) yield i;
  }
  len(): number {
    return this.dataSource.len();
  }
}

/** Options of RandomSampler (Python's keyword arguments). */
export interface RandomSamplerOptions {
  replacement?: boolean;
  numSamples?: number;
  generator?: Generator;
}

/** `RandomSampler(data_source, replacement=False, num_samples=None, generator=None)`. */
export class RandomSampler extends Sampler {
  readonly dataSource: SizedSource;
  readonly replacement: boolean;
  readonly generator: Generator | undefined;
  private readonly _numSamples: number | undefined;
  constructor(dataSource: SizedSource, opts: RandomSamplerOptions | null = {}) {
    super();
    this.dataSource = checkSource(dataSource, 'RandomSampler');
    checkOptions(opts ?? undefined, ['replacement', 'numSamples', 'generator'], 'RandomSampler');
    const o = opts ?? {};
    this.replacement = absent(o.replacement) ? false : expectBool(o.replacement, 'RandomSampler: replacement');
    this._numSamples = absent(o.numSamples) ? undefined : expectPositiveInt(o.numSamples, 'RandomSampler: numSamples');
    if (!absent(o.generator) && !(o.generator instanceof Generator)) {
      throw new TypeError(`RandomSampler: expected Generator for generator but received ${describe(o.generator)}`);
    }
    this.generator = o.generator ?? undefined;
    if (this.numSamples <= 0) {
      throw new RangeError(`RandomSampler: numSamples should be a positive integer value, but got numSamples=${this.numSamples}`);
    }
  }
  /** The dataset's length unless numSamples was given (the dataset may change size). */
  get numSamples(): number {
    return this._numSamples ?? this.dataSource.len();
  }
  /**
   * The epoch's indices. As Python's generator, the RNG is consumed lazily: the seed and first
   * permutation when the first index is requested, the trailing `randperm(n)[:m % n]` only once
   * the earlier ones are exhausted (it is drawn even when empty, as in PyTorch).
   */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.len();
    const generator = this.generator ?? new Generator().manualSeed(drawSeed());
    const m = this.numSamples;
    if (this.replacement) {
      for (let i = 0; i < Math.floor(m / 32); i++) yield* toNumbers(randint(0, n, [32], { generator, dtype: 'int64' }));
      yield* toNumbers(randint(0, n, [m % 32], { generator, dtype: 'int64' }));
    } else {
      for (let i = 0; i < Math.floor(m / n); i++) yield* toNumbers(randperm(n, { generator }));
      yield* toNumbers(randperm(n, { generator })).slice(0, m % n);
    }
  }
  len(): number {
    return this.numSamples;
  }
}

/** `SubsetRandomSampler(indices, generator=None)`: the given indices in a random order. */
export class SubsetRandomSampler extends Sampler {
  readonly indices: readonly number[];
  readonly generator: Generator | undefined;
  constructor(indices: readonly number[], generator?: Generator | null) {
    super();
    if (!Array.isArray(indices)) throw new TypeError(`SubsetRandomSampler: expected an array of integers for indices but received ${describe(indices)}`);
    indices.forEach((v, i) => expectInt(v, `SubsetRandomSampler: indices[${i}]`));
    if (!absent(generator) && !(generator instanceof Generator)) {
      throw new TypeError(`SubsetRandomSampler: expected Generator for generator but received ${describe(generator)}`);
    }
    this.indices = indices.slice();
    this.generator = generator ?? undefined;
  }
  *[Symbol.iterator](): Iterator<number> {
    const perm = toNumbers(randperm(this.indices.length, this.generator ? { generator: this.generator } : undefined));
    for (const i of perm) yield this.indices[i];
  }
  len(): number {
    return this.indices.length;
  }
}

/** `BatchSampler(sampler, batch_size, drop_last)`: lists of indices. */
export class BatchSampler implements Iterable<number[]> {
  readonly sampler: Iterable<number> & { len(): number };
  readonly batchSize: number;
  readonly dropLast: boolean;
  constructor(sampler: Iterable<number> & { len(): number }, batchSize: number, dropLast: boolean) {
    if (sampler === null || typeof sampler !== 'object' || typeof (sampler as Sampler)[Symbol.iterator] !== 'function') {
      throw new TypeError(`BatchSampler: expected an iterable sampler but received ${describe(sampler)}`);
    }
    this.sampler = sampler;
    this.batchSize = expectPositiveInt(batchSize, 'BatchSampler: batchSize');
    this.dropLast = expectBool(dropLast, 'BatchSampler: dropLast');
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
  len(): number {
    const n = this.sampler.len();
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
}
