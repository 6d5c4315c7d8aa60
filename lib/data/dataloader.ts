/**
 * `torch.utils.data.DataLoader` for map-style datasets, single process (num_workers=0).
 *
 * Random numbers are consumed in PyTorch 1.13's order, so a seeded program sees the same batches
 * and leaves the default generator in the same state:
 *  1. creating an iterator (`for … of loader`, Python's `iter(loader)`) draws the base seed
 *     `torch.empty((), dtype=torch.int64).random_(generator=loader.generator)`, even without workers;
 *  2. a shuffling loader's first batch then starts the RandomSampler, which draws its own seed
 *     from the default generator (or uses the loader's generator) and calls `randperm`.
 *
 * Batches of datasets that implement `getBatch` (TensorDataset, Subset of one, the image
 * datasets) are gathered in LibTorch with one index_select per tensor; others use `get(i)` and
 * `collate` (default: stack). Yielded tensors belong to the caller (`dispose()` or a tidy scope).
 */
import { type Tensor, tensor, stack, isTensor } from '../tensor.js';
import { Generator } from '../random.js';
import { tidy, dispose } from '../scope.js';
import { describe } from '../dtype.js';
import { checkOptions, expectBool, expectPositiveInt } from '../errors.js';
import { Dataset, hasBatchGather } from './dataset.js';
import { type Sampler, SequentialSampler, RandomSampler, BatchSampler, drawSeed } from './sampler.js';

/** What `defaultCollate` accepts and returns: tensors, numbers, and arrays/objects of them. */
export type Collatable = Tensor | number | bigint | boolean | Collatable[] | { [k: string]: Collatable };

/**
 * `default_collate`: stacks tensors along a new first dimension; numbers become a tensor
 * (int64 when all are integers, else float64, as Python ints/floats); arrays and objects are
 * collated per position/key.
 */
// biome-ignore lint/suspicious/noExplicitAny: the batch mirrors the samples' structure, as PyTorch's default_collate
export function defaultCollate(batch: unknown[]): any {
  if (!Array.isArray(batch) || batch.length === 0) {
    throw new TypeError(`defaultCollate: expected a non-empty array of samples but received ${describe(batch)}`);
  }
  const first = batch[0];
  if (isTensor(first)) {
    batch.forEach((b, i) => {
      if (!isTensor(b)) throw new TypeError(`defaultCollate: sample ${i} is ${describe(b)} but sample 0 is a Tensor`);
      if (b.shape.join() !== first.shape.join()) {
        throw new RangeError(
          `defaultCollate: stack expects each tensor to be equal size, but got [${first.shape.join(', ')}] at entry 0 and [${b.shape.join(', ')}] at entry ${i}`,
        );
      }
    });
    return stack(batch as Tensor[], 0);
  }
  if (typeof first === 'number') {
    const nums = batch as number[];
    return nums.every((v) => Number.isInteger(v)) ? tensor(Float64Array.from(nums), { dtype: 'int64' }) : tensor(Float64Array.from(nums));
  }
  if (typeof first === 'bigint') return tensor(BigInt64Array.from(batch as bigint[]));
  if (typeof first === 'boolean') return tensor(batch as boolean[]);
  if (Array.isArray(first)) {
    const len = first.length;
    batch.forEach((b, i) => {
      if (!Array.isArray(b) || b.length !== len)
        throw new RangeError(
          `defaultCollate: each element in the list of samples should be of equal size (sample 0 has ${len}, sample ${i} is ${describe(b)})`,
        );
    });
    return first.map((_, k) => defaultCollate(batch.map((b) => (b as unknown[])[k])));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    return Object.fromEntries(Object.keys(first).map((k) => [k, defaultCollate(batch.map((b) => (b as Record<string, unknown>)[k]))]));
  }
  throw new TypeError(`defaultCollate: samples must contain tensors, numbers, arrays or objects; found ${describe(first)}`);
}

/** DataLoader options (Python's keyword arguments in camelCase). */
export interface DataLoaderOptions<B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle at every epoch (default false). */
  shuffle?: boolean;
  /** Custom index order (exclusive with shuffle). */
  sampler?: Sampler | (Iterable<number> & { len(): number });
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
  /** Generator for the base seed and shuffling (default: the default generator). */
  generator?: Generator;
  /** Merges samples into a batch (Python's `collate_fn`); default `defaultCollate`. */
  // biome-ignore lint/suspicious/noExplicitAny: samples are whatever the dataset yields
  collate?: (samples: any[]) => B;
  /** Build the next batch in the background while an `for await` consumer awaits (default false). */
  prefetch?: boolean;
}

const OPTION_KEYS = ['batchSize', 'shuffle', 'sampler', 'dropLast', 'generator', 'collate', 'prefetch'] as const;

/** `DataLoader(dataset, batch_size=1, shuffle=False, …)`. Iterate with `for…of` or `for await…of`. */
export class DataLoader<B = [Tensor, Tensor]> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: Dataset<unknown>;
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly generator: Generator | undefined;
  readonly sampler: Iterable<number> & { len(): number };
  readonly batchSampler: BatchSampler;
  // biome-ignore lint/suspicious/noExplicitAny: samples are whatever the dataset yields
  readonly collate: ((samples: any[]) => B) | undefined;
  readonly prefetch: boolean;

  constructor(dataset: Dataset<unknown>, options: DataLoaderOptions<B> | null = {}) {
    checkOptions(options ?? undefined, OPTION_KEYS, 'DataLoader');
    if (!(dataset instanceof Dataset)) throw new TypeError(`DataLoader: expected Dataset for dataset but received ${describe(dataset)}`);
    // null stands for an omitted option (Python's None).
    const opts = Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== null)) as DataLoaderOptions<B>;
    this.dataset = dataset;
    this.batchSize = opts.batchSize === undefined ? 1 : expectPositiveInt(opts.batchSize, 'DataLoader: batchSize');
    const shuffle = opts.shuffle === undefined ? false : expectBool(opts.shuffle, 'DataLoader: shuffle');
    this.dropLast = opts.dropLast === undefined ? false : expectBool(opts.dropLast, 'DataLoader: dropLast');
    this.prefetch = opts.prefetch === undefined ? false : expectBool(opts.prefetch, 'DataLoader: prefetch');
    if (opts.generator !== undefined && !(opts.generator instanceof Generator)) {
      throw new TypeError(`DataLoader: expected Generator for generator but received ${describe(opts.generator)}`);
    }
    this.generator = opts.generator;
    if (opts.collate !== undefined && typeof opts.collate !== 'function') {
      throw new TypeError(`DataLoader: expected a function for collate but received ${describe(opts.collate)}`);
    }
    this.collate = opts.collate;
    if (opts.sampler !== undefined) {
      if (shuffle) throw new TypeError('DataLoader: sampler option is mutually exclusive with shuffle');
      const s = opts.sampler;
      if (s === null || typeof s !== 'object' || typeof s[Symbol.iterator] !== 'function' || typeof s.len !== 'function') {
        throw new TypeError(`DataLoader: expected a Sampler for sampler but received ${describe(s)}`);
      }
      this.sampler = s;
    } else {
      this.sampler = shuffle ? new RandomSampler(dataset, { generator: this.generator }) : new SequentialSampler(dataset);
    }
    this.batchSampler = new BatchSampler(this.sampler, this.batchSize, this.dropLast);
  }

  /** Number of batches (Python's `len(loader)`). */
  len(): number {
    return this.batchSampler.len();
  }
  /** `len()` as a property. */
  get length(): number {
    return this.len();
  }

  /** Builds one batch from its sample indices. */
  fetch(indices: number[]): B {
    const ds = this.dataset;
    if (!Array.isArray(indices) || indices.length === 0) {
      throw new TypeError(`DataLoader.fetch: expected a non-empty array of sample indices for indices but received ${describe(indices)}`);
    }
    const n = ds.len();
    indices.forEach((v, i) => {
      if (!(Number.isInteger(v) && v >= 0 && v < n)) {
        throw new RangeError(`DataLoader.fetch: Expected an integer in [0, ${n}) for indices[${i}] but received ${describe(v)}`);
      }
    });
    if (this.collate === undefined && hasBatchGather(ds)) {
      return tidy(() => ds.getBatch(tensor(Float64Array.from(indices), { dtype: 'int64' }))) as unknown as B;
    }
    // Samples created by get() (views or copies) are freed by the scope once collated; tensors
    // the dataset merely returns from its own storage were created outside it and survive.
    return tidy(() => (this.collate ?? defaultCollate)(indices.map((i) => ds.get(i))) as B);
  }

  /** `iter(loader)`: draws the base seed now (PyTorch does, even with num_workers=0). */
  [Symbol.iterator](): IterableIterator<B> {
    drawSeed(this.generator);
    const batches = this.batchSampler[Symbol.iterator]();
    const self = this;
    const it: IterableIterator<B> = {
      next(): IteratorResult<B> {
        const r = batches.next();
        if (r.done) return { done: true, value: undefined };
        return { done: false, value: self.fetch(r.value) };
      },
      return(): IteratorResult<B> {
        batches.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.iterator]() {
        return it;
      },
    };
    return it;
  }

  /**
   * `for await (const [x, y] of loader)`: the same batches and RNG consumption as `for…of`.
   * With `prefetch`, the next batch is built on the next turn of the event loop, while the
   * consumer awaits (LibTorch work itself stays on this thread).
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<B> {
    const sync = this[Symbol.iterator]();
    const prefetch = this.prefetch;
    let pending: Promise<IteratorResult<B>> | null = null;
    let finished = false;
    const produce = (): Promise<IteratorResult<B>> =>
      new Promise((resolve, reject) => {
        setImmediate(() => {
          try {
            resolve(sync.next());
          } catch (e) {
            reject(e);
          }
        });
      });
    const it: AsyncIterableIterator<B> = {
      async next(): Promise<IteratorResult<B>> {
        if (finished) return { done: true, value: undefined };
        let r: IteratorResult<B>;
        if (pending) {
          r = await pending;
          pending = null;
        } else {
          r = sync.next();
        }
        if (r.done) {
          finished = true;
          return r;
        }
        if (prefetch) {
          pending = produce();
          pending.catch(() => undefined); // surfaced by the next call to next()
        }
        return r;
      },
      async return(): Promise<IteratorResult<B>> {
        finished = true;
        if (pending) {
          const p = pending;
          pending = null;
          try {
            const r = await p;
            if (!r.done) dispose(r.value);
          } catch {
            // an error in a batch nobody will read
          }
        }
        sync.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }
}
