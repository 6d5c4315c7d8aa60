/**
 * `torch.utils.data.DataLoader` for map-style datasets, in the calling thread (numWorkers 0) or
 * in worker threads (numWorkers > 0, see worker_pool.ts: the same batches as PyTorch's worker
 * processes for the same seed).
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
import { checkOptions, expectBool, expectNonNegInt, expectPositiveInt } from '../errors.js';
import { Dataset, hasBatchGather } from './dataset.js';
import { type Sampler, SequentialSampler, RandomSampler, BatchSampler, drawSeed } from './sampler.js';
import { WorkerPool, WorkerEpoch } from './worker_pool.js';
import { encodeForWorker } from './worker_transfer.js';

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
  /** Build the next batch in the background while an `for await` consumer awaits (default false; workers always prefetch). */
  prefetch?: boolean;
  /**
   * Worker threads that build batches (default 0: the calling thread does). Each holds its own
   * copy of the dataset: the built-in datasets and transforms are copied as they are; other
   * datasets need a `workerSpec()` (see docs/data.md, "Worker threads").
   */
  numWorkers?: number;
  /** Batches each worker builds ahead (default 2; only with numWorkers > 0). */
  prefetchFactor?: number;
  /** Keep the workers (and their random state) from one epoch to the next (default false; needs numWorkers > 0). */
  persistentWorkers?: boolean;
  /**
   * Called in each worker with its id once it is seeded and has its dataset (Python's
   * `worker_init_fn`). It runs in the worker thread, from its source code: it cannot use the
   * main thread's variables, but `torch` is in scope and it may `await import(…)`.
   */
  workerInitFn?: (workerId: number) => unknown;
  /** Seconds to wait for a batch from the workers before raising "DataLoader timed out after … seconds" (default 0: no limit). */
  timeout?: number;
}

const OPTION_KEYS = [
  'batchSize',
  'shuffle',
  'sampler',
  'dropLast',
  'generator',
  'collate',
  'prefetch',
  'numWorkers',
  'prefetchFactor',
  'persistentWorkers',
  'workerInitFn',
  'timeout',
] as const;

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
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly persistentWorkers: boolean;
  readonly workerInitFn: ((workerId: number) => unknown) | undefined;
  /** Seconds to wait for a batch from the workers (0: no limit). */
  readonly timeout: number;
  /** The persistent workers, started by the first iteration. */
  private _pool: WorkerPool | null = null;

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
    this.numWorkers = opts.numWorkers === undefined ? 0 : expectNonNegInt(opts.numWorkers, 'DataLoader: numWorkers');
    if (opts.prefetchFactor !== undefined) {
      expectPositiveInt(opts.prefetchFactor, 'DataLoader: prefetchFactor');
      if (this.numWorkers === 0 && opts.prefetchFactor !== 2) {
        throw new RangeError('DataLoader: the prefetchFactor option can only be given with numWorkers > 0 (batches are then built ahead in worker threads)');
      }
    }
    this.prefetchFactor = opts.prefetchFactor ?? 2;
    this.persistentWorkers = opts.persistentWorkers === undefined ? false : expectBool(opts.persistentWorkers, 'DataLoader: persistentWorkers');
    if (this.persistentWorkers && this.numWorkers === 0) throw new RangeError('DataLoader: the persistentWorkers option needs numWorkers > 0');
    if (opts.workerInitFn !== undefined && typeof opts.workerInitFn !== 'function') {
      throw new TypeError(`DataLoader: expected a function for workerInitFn but received ${describe(opts.workerInitFn)}`);
    }
    if (opts.workerInitFn !== undefined && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(opts.workerInitFn))) {
      throw new TypeError('DataLoader: workerInitFn is a native or bound function; it runs in the worker from its source code, so give a plain function');
    }
    this.workerInitFn = opts.workerInitFn;
    if (opts.timeout !== undefined && !(typeof opts.timeout === 'number' && opts.timeout >= 0 && Number.isFinite(opts.timeout))) {
      throw new RangeError(`DataLoader: timeout option should be a non-negative number of seconds but received ${describe(opts.timeout)}`);
    }
    this.timeout = opts.timeout ?? 0;
    // Refuse a dataset that cannot reach the workers now, rather than at the first epoch.
    if (this.numWorkers > 0) encodeForWorker(dataset, null, 'DataLoader', 'dataset');
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

  /** Stops persistent workers now (they never keep the process alive, and stop at its exit anyway). */
  shutdownWorkers(): void {
    this._pool?.terminate();
    this._pool = null;
  }

  /**
   * An epoch with worker threads. As PyTorch: the base seed is drawn when workers start (each
   * epoch, or once with persistentWorkers), and the tasks are sent at once.
   */
  private _workerEpoch(): WorkerEpoch<B> {
    const config = {
      dataset: this.dataset,
      numWorkers: this.numWorkers,
      prefetchFactor: this.prefetchFactor,
      workerInitFn: this.workerInitFn,
      collate: this.collate,
    };
    let pool: WorkerPool;
    if (this.persistentWorkers && this._pool !== null && !this._pool.isClosed) {
      pool = this._pool;
      pool.newEpoch();
    } else {
      pool = new WorkerPool(config, drawSeed(this.generator));
      if (this.persistentWorkers) this._pool = pool;
    }
    const persistent = this.persistentWorkers;
    const epoch = new WorkerEpoch<B>(pool, config, this.batchSampler[Symbol.iterator](), (error) => {
      if (persistent && !error) pool.endEpoch();
      else {
        pool.terminate();
        if (this._pool === pool) this._pool = null;
      }
    });
    return epoch;
  }

  private _workerIterator(): IterableIterator<B> {
    const epoch = this._workerEpoch();
    const timeoutMs = this.timeout * 1000;
    const timedOut = `DataLoader timed out after ${this.timeout} seconds`;
    const it: IterableIterator<B> = {
      next(): IteratorResult<B> {
        for (;;) {
          const r = epoch.ready();
          if (r !== null) return r;
          const m = epoch.pool.waitSync(timeoutMs);
          if (m === null) {
            epoch.finish(true);
            throw new Error(timedOut);
          }
          epoch.accept(m);
        }
      },
      return(): IteratorResult<B> {
        epoch.finish(false);
        return { done: true, value: undefined };
      },
      [Symbol.iterator]() {
        return it;
      },
    };
    return it;
  }

  private _workerAsyncIterator(): AsyncIterableIterator<B> {
    const epoch = this._workerEpoch();
    const timeout = this.timeout;
    let wake: (() => void) | null = null;
    const inbox: Parameters<typeof epoch.accept>[0][] = [];
    const unlisten = epoch.pool.listen((m) => {
      inbox.push(m);
      wake?.();
    });
    const it: AsyncIterableIterator<B> = {
      async next(): Promise<IteratorResult<B>> {
        try {
          for (;;) {
            for (const m of inbox.splice(0)) epoch.accept(m);
            const r = epoch.ready();
            if (r !== null) {
              if (r.done) unlisten();
              return r;
            }
            let timer: NodeJS.Timeout | undefined;
            await new Promise<void>((resolve, reject) => {
              wake = resolve;
              if (timeout > 0) {
                timer = setTimeout(() => {
                  epoch.finish(true);
                  reject(new Error(`DataLoader timed out after ${timeout} seconds`));
                }, timeout * 1000);
              }
            }).finally(() => clearTimeout(timer));
            wake = null;
          }
        } catch (e) {
          unlisten();
          throw e;
        }
      },
      async return(): Promise<IteratorResult<B>> {
        unlisten();
        epoch.finish(false);
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }

  /** `iter(loader)`: draws the base seed now (PyTorch does, even with num_workers=0). */
  [Symbol.iterator](): IterableIterator<B> {
    if (this.numWorkers > 0) return this._workerIterator();
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
    if (this.numWorkers > 0) return this._workerAsyncIterator();
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
