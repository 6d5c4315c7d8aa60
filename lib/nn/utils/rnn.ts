/**
 * nn.utils.rnn: PackedSequence, pack_padded_sequence, pad_packed_sequence, pad_sequence,
 * pack_sequence, unpad_sequence, unpack_sequence (torch/nn/utils/rnn.py), on the ATen ops
 * PyTorch's Python calls (`aten::_pack_padded_sequence`, `aten::_pad_packed_sequence`,
 * `aten::pad_sequence`).
 */
import { Tensor, op, wrap, tensor } from '../../tensor.js';
import { native } from '../../native.js';
import { tidy } from '../../scope.js';
import { type DType, describe } from '../../dtype.js';
import { checkOptions, expectBool, expectNumber, expectNonNegInt, argMessage } from '../../errors.js';
import { checkTensor, withContext } from '../common.js';

const aliasOp = op('aten::alias');
const emptyLikeOp = op('aten::empty_like');
const scatterOp = op('aten::scatter_.src');
const arangeOp = op('aten::arange.start');
const sortOp = op('aten::sort');
const indexSelectOp = op('aten::index_select');
const packPaddedOp = op('aten::_pack_padded_sequence');
const padPackedOp = op('aten::_pad_packed_sequence');
const padSequenceOp = op('aten::pad_sequence');
const transposeOp = op('aten::transpose.int');
const selectOp = op('aten::select.int');
const ltOp = op('aten::lt.Tensor');
const indexOp = op('aten::index.Tensor');

/** A new handle to the same tensor (so each PackedSequence owns what it holds; disposing one leaves the other). */
function alias(t: Tensor): Tensor;
function alias(t: Tensor | null): Tensor | null;
function alias(t: Tensor | null): Tensor | null {
  return t === null ? null : wrap(aliasOp(t._h));
}

/**
 * `PackedSequence(data, batch_sizes=None, sorted_indices=None, unsorted_indices=None)`: the
 * packed form of a batch of variable-length sequences. As in Python, where it is a namedtuple,
 * it is a frozen 4-tuple `[data, batchSizes, sortedIndices, unsortedIndices]`: it destructures
 * like the tuple, has `length` 4 and the named getters. Build it with {@link packPaddedSequence}
 * or {@link packSequence}; `dispose()` frees the tensors it holds.
 *
 * (Each instance is a JS array object, so `tidy()`, `keep()` and `dispose()` find its tensors as
 * they find those in an array: a PackedSequence returned from `tidy()` survives it. Its
 * prototype is PackedSequence's own, without Array's methods: it is a tuple, not a list.)
 */
export class PackedSequence implements Iterable<Tensor | null> {
  /** The four members by position (data, batchSizes, sortedIndices, unsortedIndices). */
  readonly [index: number]: Tensor | null;
  /** Always 4, as the namedtuple's len(). */
  declare readonly length: 4;

  /**
   * `PackedSequence(data, batch_sizes, sorted_indices=None, unsorted_indices=None)`; unsortedIndices
   * defaults to the inverse permutation of sortedIndices. The tensors are held, not copied.
   */
  constructor(data: Tensor, batchSizes: Tensor, sortedIndices: Tensor | null = null, unsortedIndices: Tensor | null = null) {
    const fn = 'PackedSequence';
    const members = withContext(fn, () => {
      checkTensor(data, fn, 'data');
      checkTensor(batchSizes, fn, 'batchSizes');
      if (sortedIndices !== null && sortedIndices !== undefined) checkTensor(sortedIndices, fn, 'sortedIndices');
      if (unsortedIndices !== null && unsortedIndices !== undefined) checkTensor(unsortedIndices, fn, 'unsortedIndices');
      if (batchSizes.device !== 'cpu') {
        throw new Error(
          `${fn}: batchSizes should always be on CPU. Instances of PackedSequence should never be created manually. They should be instantiated by functions like packSequence and packPaddedSequence in nn.utils.rnn.`,
        );
      }
      const sorted = sortedIndices ?? null;
      return [data, batchSizes, sorted, unsortedIndices ?? invertPermutation(sorted)];
    });
    const self = Object.freeze(Object.setPrototypeOf(members, new.target.prototype) as PackedSequence);
    // biome-ignore lint/correctness/noConstructorReturn: the instance is an array object (see the class comment)
    return self;
  }

  /** Iterates data, batchSizes, sortedIndices, unsortedIndices (destructuring, `for … of`). */
  *[Symbol.iterator](): IterableIterator<Tensor | null> {
    for (let i = 0; i < 4; i++) yield this[i];
  }

  /** The packed elements: [sum of lengths, *]. */
  get data(): Tensor {
    return this[0] as Tensor;
  }
  /** How many sequences are still running at each time step (int64, on the CPU). */
  get batchSizes(): Tensor {
    return this[1] as Tensor;
  }
  /** The batch order the packing used (null when the input was already sorted). */
  get sortedIndices(): Tensor | null {
    return this[2];
  }
  /** The inverse of sortedIndices: restores the caller's batch order. */
  get unsortedIndices(): Tensor | null {
    return this[3];
  }

  /**
   * `PackedSequence.to(*args)`: data converted as `Tensor.to` does; the indices follow data's
   * device (never its dtype); batchSizes stays on the CPU. Returns this when data is unchanged.
   */
  to(target: DType | string | Tensor, opts: { nonBlocking?: boolean; copy?: boolean } | null = {}): PackedSequence {
    return withContext('PackedSequence.to', () => {
      const data = this.data.to(target, opts);
      if (native.isSameTensor(data._h, this.data._h) && !opts?.copy) {
        data.dispose();
        return this;
      }
      const dev = data.device;
      const move = (t: Tensor | null): Tensor | null => (t === null ? null : t.device === dev ? alias(t) : t.to(dev));
      return new PackedSequence(data, alias(this.batchSizes), move(this.sortedIndices), move(this.unsortedIndices));
    });
  }
  /** `cpu()`: the data (and indices) on the CPU. */
  cpu(): PackedSequence {
    return this.to('cpu');
  }
  /** `cuda(device=0)`: the data (and indices) on a CUDA device. */
  cuda(device: number | string = 0): PackedSequence {
    return this.to(typeof device === 'number' ? `cuda:${device}` : device);
  }
  /** `double()`: data as float64. */
  double(): PackedSequence {
    return this.to('float64');
  }
  /** `float()`: data as float32. */
  float(): PackedSequence {
    return this.to('float32');
  }
  /** `half()`: data as float16. */
  half(): PackedSequence {
    return this.to('float16');
  }
  /** `long()`: data as int64. */
  long(): PackedSequence {
    return this.to('int64');
  }
  /** `int()`: data as int32. */
  int(): PackedSequence {
    return this.to('int32');
  }
  /** `short()`: data as int16. */
  short(): PackedSequence {
    return this.to('int16');
  }
  /** `char()`: data as int8. */
  char(): PackedSequence {
    return this.to('int8');
  }
  /** `byte()`: data as uint8. */
  byte(): PackedSequence {
    return this.to('uint8');
  }
  /** `is_cuda`: whether data is on a CUDA device. */
  get isCuda(): boolean {
    return this.data.isCuda;
  }
  /** `is_pinned()`: whether data is in pinned (page-locked) memory. */
  isPinned(): boolean {
    return this.data.isPinned();
  }
  /** Frees the tensors this PackedSequence holds. */
  dispose(): void {
    for (const t of this) t?.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  /** Python's repr: `PackedSequence(data=tensor(…), batch_sizes=tensor(…), sorted_indices=None, unsorted_indices=None)`. */
  toString(): string {
    const r = (t: Tensor | null): string => (t === null ? 'None' : t.toString());
    return `PackedSequence(data=${r(this.data)}, batch_sizes=${r(this.batchSizes)}, sorted_indices=${r(this.sortedIndices)}, unsorted_indices=${r(this.unsortedIndices)})`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** `invert_permutation(permutation)`: the inverse permutation (null for null), by a scatter as PyTorch's. */
export function invertPermutation(permutation: Tensor | null): Tensor | null {
  if (permutation === null || permutation === undefined) return null;
  checkTensor(permutation, 'invertPermutation', 'permutation');
  return withContext('invertPermutation', () =>
    tidy(() => {
      const out = wrap(emptyLikeOp(permutation._h));
      const range = wrap(arangeOp(0, permutation.numel(), undefined, undefined, permutation.device));
      scatterOp(out._h, 0, permutation._h, range._h);
      return out;
    }),
  );
}

/** `torch.as_tensor(lengths, dtype=torch.int64)` for a Tensor or an array of integers. */
function lengthsTensor(lengths: unknown, fn: string): Tensor {
  if (lengths instanceof Tensor) return checkTensor(lengths, fn, 'lengths').to('int64');
  if (Array.isArray(lengths)) {
    lengths.forEach((v, i) => expectNonNegInt(v, `${fn}: lengths[${i}]`));
    return tensor(lengths as number[], { dtype: 'int64' });
  }
  throw new TypeError(argMessage('a Tensor or an array of integers', `${fn}: lengths`, lengths));
}

/**
 * `pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True)`: packs a
 * padded batch [T, B, *] ([B, T, *] with batchFirst) of sequences of the given lengths. With
 * enforceSorted false the batch is sorted by decreasing length first and the permutation kept.
 */
export function packPaddedSequence(
  input: Tensor,
  lengths: Tensor | readonly number[],
  opts: { batchFirst?: boolean; enforceSorted?: boolean } | null = {},
): PackedSequence {
  const fn = 'packPaddedSequence';
  checkTensor(input, fn, 'input');
  checkOptions(opts, ['batchFirst', 'enforceSorted'], fn);
  const batchFirst = expectBool(opts?.batchFirst ?? false, `${fn}: batchFirst`);
  const enforceSorted = expectBool(opts?.enforceSorted ?? true, `${fn}: enforceSorted`);
  const parts = withContext(fn, () =>
    tidy(() => {
      let len = lengthsTensor(lengths, fn);
      let x = input;
      let sortedIndices: Tensor | null = null;
      if (!enforceSorted) {
        const [vals, idx] = sortOp(len._h, 0, true) as [number, number];
        len = wrap(vals);
        sortedIndices = wrap(idx).to(input.device);
        x = wrap(indexSelectOp(input._h, batchFirst ? 0 : 1, sortedIndices._h));
      }
      const [data, batchSizes] = packPaddedOp(x._h, len._h, batchFirst) as [number, number];
      return [wrap(data), wrap(batchSizes), sortedIndices, invertPermutation(sortedIndices)] as const;
    }),
  );
  return new PackedSequence(parts[0], parts[1], parts[2], parts[3]);
}

/**
 * `pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None)`:
 * the inverse of packPaddedSequence; returns `[padded, lengths]` in the caller's batch order.
 */
export function padPackedSequence(
  sequence: PackedSequence,
  opts: { batchFirst?: boolean; paddingValue?: number; totalLength?: number | null } | null = {},
): [Tensor, Tensor] {
  const fn = 'padPackedSequence';
  if (!(sequence instanceof PackedSequence)) throw new TypeError(argMessage('a PackedSequence', `${fn}: sequence`, sequence));
  checkOptions(opts, ['batchFirst', 'paddingValue', 'totalLength'], fn);
  const batchFirst = expectBool(opts?.batchFirst ?? false, `${fn}: batchFirst`);
  const paddingValue = expectNumber(opts?.paddingValue ?? 0, `${fn}: paddingValue`);
  let maxSeqLength = sequence.batchSizes.size(0);
  const totalLength = opts?.totalLength ?? null;
  if (totalLength !== null) {
    expectNonNegInt(totalLength, `${fn}: totalLength`);
    if (totalLength < maxSeqLength) {
      throw new RangeError(
        `${fn}: Expected totalLength to be at least the length of the longest sequence in input, but got totalLength=${totalLength} and max sequence length being ${maxSeqLength}`,
      );
    }
    maxSeqLength = totalLength;
  }
  return withContext(fn, () =>
    tidy(() => {
      const [p, l] = padPackedOp(sequence.data._h, sequence.batchSizes._h, batchFirst, paddingValue, maxSeqLength) as [number, number];
      const padded = wrap(p);
      const lengths = wrap(l);
      const unsorted = sequence.unsortedIndices;
      if (unsorted === null) return [padded, lengths] as [Tensor, Tensor];
      const cpuIdx = unsorted.device === 'cpu' ? unsorted : unsorted.cpu();
      return [wrap(indexSelectOp(padded._h, batchFirst ? 0 : 1, unsorted._h)), wrap(indexOp(lengths._h, [cpuIdx._h]))] as [Tensor, Tensor];
    }),
  );
}

/** The sequences argument of padSequence: an array of Tensors, or a Tensor (its rows, as Python iterates it). */
function sequenceList(sequences: unknown, fn: string): Tensor[] {
  if (sequences instanceof Tensor) return checkTensor(sequences, fn, 'sequences').unbind(0);
  if (!Array.isArray(sequences)) {
    throw new TypeError(`${fn}: Expected iterable for input sequences, but got arg of type: ${describe(sequences)}`);
  }
  return sequences.map((s, i) => checkTensor(s, fn, `sequences[${i}]`));
}

/**
 * `pad_sequence(sequences, batch_first=False, padding_value=0.0)`: stacks tensors of shape
 * [L_i, *] into [max L, B, *] ([B, max L, *] with batchFirst), padding with paddingValue.
 */
export function padSequence(sequences: readonly Tensor[] | Tensor, opts: { batchFirst?: boolean; paddingValue?: number } | null = {}): Tensor {
  const fn = 'padSequence';
  checkOptions(opts, ['batchFirst', 'paddingValue'], fn);
  const batchFirst = expectBool(opts?.batchFirst ?? false, `${fn}: batchFirst`);
  const paddingValue = expectNumber(opts?.paddingValue ?? 0, `${fn}: paddingValue`);
  return withContext(fn, () =>
    tidy(() => {
      const seqs = sequenceList(sequences, fn);
      return wrap(
        padSequenceOp(
          seqs.map((s) => s._h),
          batchFirst,
          paddingValue,
        ),
      );
    }),
  );
}

/**
 * `unpad_sequence(padded_sequences, lengths, batch_first=False)`: the list of unpadded
 * sequences. (PyTorch transposes a time-first input in place; here the input is left as it was.)
 */
export function unpadSequence(paddedSequences: Tensor, lengths: Tensor | readonly number[], opts: { batchFirst?: boolean } | null = {}): Tensor[] {
  const fn = 'unpadSequence';
  checkTensor(paddedSequences, fn, 'paddedSequences');
  checkOptions(opts, ['batchFirst'], fn);
  const batchFirst = expectBool(opts?.batchFirst ?? false, `${fn}: batchFirst`);
  return withContext(fn, () =>
    tidy(() => {
      const padded = batchFirst ? paddedSequences : wrap(transposeOp(paddedSequences._h, 0, 1));
      if (padded.dim() < 2) throw new RangeError(`${fn}: Expected paddedSequences to have at least 2 dimensions, got ${padded.dim()}`);
      const len = lengthsTensor(lengths, fn);
      const maxLength = padded.shape[1];
      const idx = wrap(arangeOp(0, maxLength, undefined, undefined, len.device));
      // zip(padded_sequences, lengths): as many as the shorter of the two.
      const n = Math.min(padded.shape[0], len.numel());
      const out: Tensor[] = [];
      for (let i = 0; i < n; i++) {
        const seq = wrap(selectOp(padded._h, 0, i));
        const mask = wrap(ltOp(idx._h, wrap(selectOp(len._h, 0, i))._h));
        out.push(wrap(indexOp(seq._h, [mask._h])));
      }
      return out;
    }),
  );
}

/**
 * `pack_sequence(sequences, enforce_sorted=True)`: packs a list of [L_i, *] tensors
 * (padSequence then packPaddedSequence, as PyTorch).
 */
export function packSequence(sequences: readonly Tensor[], opts: { enforceSorted?: boolean } | null = {}): PackedSequence {
  const fn = 'packSequence';
  checkOptions(opts, ['enforceSorted'], fn);
  const enforceSorted = expectBool(opts?.enforceSorted ?? true, `${fn}: enforceSorted`);
  return withContext(fn, () =>
    tidy(() => {
      const seqs = sequenceList(sequences, fn);
      const lengths = seqs.map((s) => {
        if (s.dim() === 0) throw new RangeError(`${fn}: Expected every sequence to have at least 1 dimension, got a 0-D tensor`);
        return s.size(0);
      });
      return packPaddedSequence(padSequence(seqs), lengths, { enforceSorted });
    }),
  );
}

/** `unpack_sequence(packed_sequences)`: the list of sequences a PackedSequence holds, in the caller's order. */
export function unpackSequence(packedSequences: PackedSequence): Tensor[] {
  const fn = 'unpackSequence';
  if (!(packedSequences instanceof PackedSequence)) throw new TypeError(argMessage('a PackedSequence', `${fn}: packedSequences`, packedSequences));
  return withContext(fn, () =>
    tidy(() => {
      const [padded, lengths] = padPackedSequence(packedSequences, { batchFirst: true });
      return unpadSequence(padded, lengths, { batchFirst: true });
    }),
  );
}
