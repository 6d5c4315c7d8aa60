/**
 * Map-style datasets (`torch.utils.data.Dataset` and friends) and `randomSplit`.
 *
 * A dataset may also implement `getBatch(indices)`: the DataLoader then gathers a whole batch
 * in LibTorch (one `index_select` per stored tensor) instead of calling `get(i)` per sample.
 */
import { type Tensor, tensor, randperm, isTensor } from '../tensor.js';
import { Generator } from '../random.js';
import { tidy, keep } from '../scope.js';
import { describe } from '../dtype.js';
import { expectNonNegInt } from '../errors.js';
import { expectTensor, expectIndexTensor, naming } from './check.js';

/** One sample or one batch: usually `[x, y]`. */
export type Sample = Tensor[];

/** `torch.utils.data.Dataset`: `len()` samples, each read by `get(i)`. */
export abstract class Dataset<T = Sample> {
  /** Number of samples (Python's `__len__`). */
  abstract len(): number;
  /** Sample `i` (Python's `__getitem__`), `0 <= i < len()`. */
  abstract get(i: number): T;
  /** `len()` as a property, for code that reads `.length`. */
  get length(): number {
    return this.len();
  }
  /** Checks an index against `len()` with an error naming the dataset. */
  protected checkIndex(i: number): number {
    const n = this.len();
    if (!(Number.isInteger(i) && i >= -n && i < n)) {
      throw new RangeError(`${this.constructor.name}.get: expected an integer index in [${-n}, ${n}) but received ${describe(i)}`);
    }
    return i < 0 ? i + n : i;
  }
}

// `len` and `get` are abstract, but JavaScript can still construct a Dataset (or a subclass that
// forgot one): they then say so instead of "this.len is not a function".
for (const m of ['len', 'get'] as const) {
  Object.defineProperty(Dataset.prototype, m, {
    value: function (this: object) {
      const name = this?.constructor?.name ?? 'Dataset';
      throw new TypeError(`${name}.${m}: Dataset is abstract; subclasses must implement ${m}()${name === 'Dataset' ? '' : ` (${name} does not)`}`);
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/**
 * Datasets that can gather many samples at once. `indices` is an int64 tensor; the result is the
 * collated batch (e.g. `[x, y]` with a leading batch dimension), owned by the caller.
 */
export interface BatchGather {
  getBatch(indices: Tensor): Sample;
}

/** Whether `ds` gathers batches natively (see `BatchGather`). */
export function hasBatchGather(ds: unknown): ds is BatchGather {
  return (
    ds !== null &&
    typeof ds === 'object' &&
    typeof (ds as { getBatch?: unknown }).getBatch === 'function' &&
    ((ds as { canGetBatch?: () => boolean }).canGetBatch?.() ?? true)
  );
}

/**
 * `TensorDataset(*tensors)`: sample i is `[t[i] for t in tensors]`. The tensors are `keep()`-ed
 * (they are the dataset's storage) and must share their first dimension.
 */
export class TensorDataset extends Dataset<Sample> implements BatchGather {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new TypeError('TensorDataset: expected at least one tensor');
    tensors.forEach((t, i) => {
      expectTensor(t, `TensorDataset: tensors[${i}]`);
      if (t.dim() === 0) throw new RangeError(`TensorDataset: tensors[${i}] is 0-dimensional; every tensor needs a first (sample) dimension`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) {
        throw new RangeError(`TensorDataset: size mismatch between tensors: tensors[0] has ${n} samples but tensors[${i}] has shape [${t.shape.join(', ')}]`);
      }
    });
    this.tensors = tensors.map((t) => keep(t));
  }
  len(): number {
    return this.tensors[0].shape[0];
  }
  get(i: number): Sample {
    const k = this.checkIndex(i);
    return this.tensors.map((t) => t.select(0, k));
  }
  /** One `index_select` per tensor. */
  getBatch(indices: Tensor): Sample {
    expectIndexTensor(indices, 'TensorDataset.getBatch: indices');
    return naming('TensorDataset.getBatch', () => tidy(() => this.tensors.map((t) => t.indexSelect(0, indices))));
  }
}

/** `Subset(dataset, indices)`: the samples of `dataset` at `indices`, in that order. */
export class Subset<T = Sample> extends Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: readonly number[];
  private _idx: Tensor | null = null;
  constructor(dataset: Dataset<T>, indices: readonly number[] | Tensor) {
    super();
    if (!(dataset instanceof Dataset)) throw new TypeError(`Subset: expected Dataset for dataset but received ${describe(dataset)}`);
    let list: number[];
    if (isTensor(indices)) {
      expectTensor(indices, 'Subset: indices');
      if (indices.isFloatingPoint() || indices.dtype === 'bool') {
        throw new TypeError(`Subset: expected an integer Tensor for indices but received a ${indices.dtype} tensor`);
      }
      if (indices.dim() !== 1) throw new RangeError(`Subset: expected a 1-D tensor for indices but received shape [${indices.shape.join(', ')}]`);
      list = Array.from(indices.to('int64').dataSync() as BigInt64Array, Number);
    } else if (Array.isArray(indices)) {
      list = indices.slice();
    } else {
      throw new TypeError(`Subset: expected an array of integers or a Tensor for indices but received ${describe(indices)}`);
    }
    const n = dataset.len();
    list.forEach((v, i) => {
      if (!(Number.isInteger(v) && v >= -n && v < n)) {
        throw new RangeError(`Subset: indices[${i}] = ${describe(v)} is out of range for a dataset of ${n} samples`);
      }
    });
    this.dataset = dataset;
    this.indices = list.map((v) => (v < 0 ? v + n : v));
  }
  len(): number {
    return this.indices.length;
  }
  get(i: number): T {
    return this.dataset.get(this.indices[this.checkIndex(i)]);
  }
  /** A batch can be gathered natively when the parent dataset can. */
  canGetBatch(): boolean {
    return hasBatchGather(this.dataset);
  }
  /** Maps batch positions to parent indices in LibTorch, then gathers from the parent. */
  getBatch(indices: Tensor): Sample {
    if (!hasBatchGather(this.dataset)) throw new TypeError('Subset.getBatch: the parent dataset has no getBatch');
    expectIndexTensor(indices, 'Subset.getBatch: indices');
    if (this._idx === null) this._idx = keep(tensor(Int32Array.from(this.indices), { dtype: 'int64' }));
    const parent = this.dataset;
    const idx = this._idx;
    return tidy(() => parent.getBatch(naming('Subset.getBatch', () => idx.indexSelect(0, indices))));
  }
}

/** `ConcatDataset(datasets)`: the samples of each dataset in turn. */
export class ConcatDataset<T = Sample> extends Dataset<T> {
  readonly datasets: Dataset<T>[];
  /** Running totals of the datasets' lengths (Python's `cumulative_sizes`). */
  readonly cumulativeSizes: number[];
  constructor(datasets: Dataset<T>[]) {
    super();
    if (!Array.isArray(datasets) || datasets.length === 0) {
      throw new TypeError(`ConcatDataset: expected a non-empty array of datasets but received ${describe(datasets)}`);
    }
    datasets.forEach((d, i) => {
      if (!(d instanceof Dataset)) throw new TypeError(`ConcatDataset: expected Dataset for datasets[${i}] but received ${describe(d)}`);
    });
    this.datasets = datasets.slice();
    let s = 0;
    this.cumulativeSizes = datasets.map((d) => (s += d.len()));
  }
  len(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }
  get(i: number): T {
    const k = this.checkIndex(i);
    let d = 0;
    while (k >= this.cumulativeSizes[d]) d++;
    return this.datasets[d].get(d === 0 ? k : k - this.cumulativeSizes[d - 1]);
  }
}

/**
 * `random_split(dataset, lengths, generator)`, PyTorch 1.13's algorithm: fractions that sum to 1
 * become `floor(n * f)` with the remainder added round-robin; then
 * `randperm(sum(lengths), generator)` is sliced into consecutive Subsets. Without a generator the
 * default generator is used (as Python's default argument `default_generator`).
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], generator?: Generator): Subset<T>[] {
  if (!(dataset instanceof Dataset)) throw new TypeError(`randomSplit: expected Dataset for dataset but received ${describe(dataset)}`);
  if (!Array.isArray(lengths) || lengths.length === 0) {
    throw new TypeError(`randomSplit: expected a non-empty array of lengths or fractions but received ${describe(lengths)}`);
  }
  lengths.forEach((l, i) => {
    if (!(typeof l === 'number' && Number.isFinite(l) && l >= 0)) {
      throw new TypeError(`randomSplit: expected a non-negative number for lengths[${i}] but received ${describe(l)}`);
    }
  });
  if (generator === null) generator = undefined;
  if (generator !== undefined && !(generator instanceof Generator)) {
    throw new TypeError(`randomSplit: expected Generator for generator but received ${describe(generator)}`);
  }
  const n = dataset.len();
  let sizes = lengths.slice();
  const total = sizes.reduce((a, b) => a + b, 0); // left-to-right, as Python's sum()
  if (isClose(total, 1) && total <= 1) {
    sizes = lengths.map((f, i) => {
      if (f < 0 || f > 1) throw new RangeError(`randomSplit: fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * f);
    });
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
  } else {
    sizes.forEach((l, i) => expectNonNegInt(l, `randomSplit: lengths[${i}]`));
  }
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum !== n) {
    throw new RangeError(`randomSplit: sum of input lengths (${sum}) does not equal the length of the input dataset (${n})`);
  }
  const perm = randperm(sum, generator ? { generator } : undefined);
  const indices = Array.from(perm.dataSync() as BigInt64Array, Number);
  perm.dispose();
  const out: Subset<T>[] = [];
  let offset = 0;
  for (const len of sizes) {
    out.push(new Subset(dataset, indices.slice(offset, offset + len)));
    offset += len;
  }
  return out;
}

/** Python's `math.isclose(a, b)` with its default rel_tol=1e-9, abs_tol=0. */
function isClose(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}
