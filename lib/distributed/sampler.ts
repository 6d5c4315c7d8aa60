/**
 * `torch.utils.data.distributed.DistributedSampler`: each rank iterates its own strided share of
 * one permutation that every rank computes identically from `seed + epoch`.
 */
import { nativeDistributed } from './backend.js';
import { randperm } from '../tensor.js';
import { Generator } from '../random.js';
import { describe } from '../dtype.js';
import { checkOptions } from '../errors.js';

/** Options of {@link DistributedSampler}, as PyTorch's keyword arguments. */
export interface DistributedSamplerOptions {
  /** Number of ranks sharing the dataset; default: the default group's world size. */
  numReplicas?: number;
  /** This rank; default: the default group's rank. */
  rank?: number;
  /** Shuffle with a generator seeded `seed + epoch` (default true). */
  shuffle?: boolean;
  /** Seed shared by all ranks (default 0). */
  seed?: number;
  /** Drop the tail instead of padding so every rank gets the same count (default false). */
  dropLast?: boolean;
}

/** A dataset's length: a number, anything with `length`, or with `len()`/`size()`. */
export type Sized = number | { length: number } | { len(): number } | { size(): number };

function sizeOf(d: unknown): number {
  let n: unknown;
  if (typeof d === 'number') n = d;
  else if (d && typeof d === 'object') {
    const o = d as Record<string, unknown>;
    if (typeof o.len === 'function') n = (o.len as () => unknown).call(d);
    else if (typeof o.length === 'number') n = o.length;
    else if (typeof o.size === 'function') n = (o.size as () => unknown).call(d);
  }
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  throw new TypeError(
    `DistributedSampler: Expected a dataset (an object with length or len()) or a non-negative integer size ` + `for dataset but received ${describe(d)}`,
  );
}

/**
 * `DistributedSampler(dataset, {numReplicas, rank, shuffle, seed, dropLast})`: iterates this
 * rank's dataset indices. Call `setEpoch(e)` at the start of every epoch so the shuffle changes
 * (identically on every rank). The indices match PyTorch's for the same arguments. Pass it as
 * the `sampler` of `data.DataLoader` (with `shuffle` left false), as in PyTorch.
 */
export class DistributedSampler implements Iterable<number> {
  readonly datasetSize: number;
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Indices per rank (PyTorch's `num_samples`). */
  readonly numSamples: number;
  /** numSamples * numReplicas. */
  readonly totalSize: number;
  epoch = 0;

  constructor(dataset: Sized, opts: DistributedSamplerOptions | null = {}) {
    const fn = 'DistributedSampler';
    checkOptions(opts, ['numReplicas', 'rank', 'shuffle', 'seed', 'dropLast'], fn);
    this.datasetSize = sizeOf(dataset);
    const needGroup = opts?.numReplicas === undefined || opts?.rank === undefined;
    if (needGroup && !(nativeDistributed.isAvailable() && nativeDistributed.isInitialized())) {
      throw new Error(
        `${fn}: numReplicas and rank default to the process group's, but it is not initialized ` +
          `(await distributed.initProcessGroup() first, or pass numReplicas and rank)`,
      );
    }
    const numReplicas = opts?.numReplicas ?? nativeDistributed.getWorldSize();
    const rank = opts?.rank ?? nativeDistributed.getRank();
    if (!(Number.isInteger(numReplicas) && numReplicas > 0)) {
      throw new TypeError(`${fn}: Expected positive integer for numReplicas but received ${describe(numReplicas)}`);
    }
    if (!(Number.isInteger(rank) && rank >= 0 && rank < numReplicas)) {
      throw new RangeError(`${fn}: Invalid rank ${typeof rank === 'number' ? rank : describe(rank)}, rank should be in the interval [0, ${numReplicas - 1}]`);
    }
    const shuffle = opts?.shuffle ?? true;
    const seed = opts?.seed ?? 0;
    const dropLast = opts?.dropLast ?? false;
    if (typeof shuffle !== 'boolean') throw new TypeError(`${fn}: Expected boolean for shuffle but received ${describe(shuffle)}`);
    if (!Number.isInteger(seed)) throw new TypeError(`${fn}: Expected integer for seed but received ${describe(seed)}`);
    if (typeof dropLast !== 'boolean') throw new TypeError(`${fn}: Expected boolean for dropLast but received ${describe(dropLast)}`);
    this.numReplicas = numReplicas;
    this.rank = rank;
    this.shuffle = shuffle;
    this.seed = seed;
    this.dropLast = dropLast;
    const n = this.datasetSize;
    // PyTorch's arithmetic: drop the tail only when it does not divide evenly.
    // `|| 0`: Math.ceil(-0.5) is -0 where Python's math.ceil gives 0.
    this.numSamples = (dropLast && n % numReplicas !== 0 ? Math.ceil((n - numReplicas) / numReplicas) : Math.ceil(n / numReplicas)) || 0;
    this.totalSize = this.numSamples * numReplicas;
  }

  /** `set_epoch`: the shuffle of the next iteration uses `seed + epoch`. */
  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch)) throw new TypeError(`DistributedSampler.setEpoch: Expected integer for epoch but received ${describe(epoch)}`);
    this.epoch = epoch;
  }

  /** `len(sampler)`: the number of indices this rank yields (what data.DataLoader reads). */
  len(): number {
    return this.numSamples;
  }
  /** `len()` as a property. */
  get length(): number {
    return this.numSamples;
  }

  /** All of this rank's indices for the current epoch. */
  indices(): number[] {
    const n = this.datasetSize;
    let all: number[];
    if (this.shuffle && n > 0) {
      // The permutation comes from LibTorch's randperm with its own generator, as in PyTorch.
      const g = new Generator().manualSeed(this.seed + this.epoch);
      const perm = randperm(n, { generator: g, dtype: 'int64' });
      all = (perm.tolist() as (number | bigint)[]).map(Number);
      perm.dispose();
    } else {
      all = Array.from({ length: n }, (_, i) => i);
    }
    if (!this.dropLast) {
      const pad = this.totalSize - all.length;
      if (pad > 0 && all.length > 0) {
        const reps = Math.ceil(pad / all.length);
        const extra: number[] = [];
        for (let r = 0; r < reps; r++) extra.push(...all);
        all = all.concat(extra.slice(0, pad));
      }
    } else {
      all = all.slice(0, this.totalSize);
    }
    const mine: number[] = [];
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) mine.push(all[i]);
    return mine;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.indices()[Symbol.iterator]();
  }
}
