/**
 * Tensor indexing (`t.index(...)`, `t.indexPut_(...)`): PyTorch's basic indexing (ints, slices,
 * None, ellipsis) as views, then advanced indexing with index tensors (aten::index /
 * aten::index_put_), as torch/csrc/autograd/python_variable_indexing.cpp does.
 */
import { O, type IndexSpec, type Scalar, type Slice, Tensor, scalarArg, slice, wrap } from './tensor.js';
import { full, tensor } from './creation.js';
import { describe } from './dtype.js';
import { native } from './native.js';

const SLICE_RE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

function parseSpec(s: IndexSpec, pos: number): IndexSpec {
  if (typeof s === 'string' && s !== '...') {
    const m = SLICE_RE.exec(s);
    if (!m) throw new TypeError(`index: cannot parse index ${pos} '${s}' (expected a slice like '1:3', '::2', ':' or '...')`);
    return slice(m[1] === undefined ? null : Number(m[1]), m[2] === undefined ? null : Number(m[2]), m[3] === undefined ? null : Number(m[3]));
  }
  return s;
}

/** Basic indexing (ints, slices, None, ellipsis) as views; collects index tensors (PyTorch's applySlicing). */
function applySlicing(self: Tensor, rawSpecs: readonly IndexSpec[], owned: Tensor[]): { view: Tensor; tensorIndices: (Tensor | null)[] } {
  const specs = rawSpecs.map(parseSpec);
  const ndim = self.ndim;
  let consumed = 0;
  for (const s of specs) {
    if (s === null || s === '...') continue;
    consumed += s instanceof Tensor && s.dtype === 'bool' ? s.ndim : 1;
  }
  const ellipses = specs.filter((s) => s === '...').length;
  if (ellipses > 1) throw new TypeError("index: an index can only have a single ellipsis ('...')");
  if (consumed > ndim) throw new RangeError(`index: too many indices for tensor of dimension ${ndim}`);
  let cur: Tensor = self;
  let dim = 0;
  const tensorIndices: (Tensor | null)[] = [];
  const step = (t: Tensor) => {
    if (cur !== self) owned.push(cur);
    cur = t;
  };
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    if (typeof s === 'number') {
      if (!Number.isInteger(s)) throw new TypeError(`index: expected an integer for index ${i} but received ${s}`);
      const size = cur.size(dim);
      if (s >= size || s < -size) throw new RangeError(`index ${s} is out of bounds for dimension ${dim} with size ${size}`);
      step(cur.select(dim, s));
    } else if (s === null) {
      step(cur.unsqueeze(dim));
      tensorIndices.push(null);
      dim++;
    } else if (s === '...') {
      const skip = ndim - consumed;
      for (let k = 0; k < skip; k++) tensorIndices.push(null);
      dim += skip;
    } else if (s instanceof Tensor) {
      // aten::index expands a k-dim mask over k dims itself: one entry, no padding.
      tensorIndices.push(s);
      dim += s.dtype === 'bool' ? s.ndim : 1;
    } else if (Array.isArray(s)) {
      const t = tensor(s as number[], { dtype: 'int64' });
      owned.push(t);
      tensorIndices.push(t);
      dim++;
    } else if (typeof s === 'object' && (s as Slice).__slice) {
      const sl = s as Slice;
      const stepv = sl.step ?? 1;
      if (stepv <= 0) throw new RangeError('index: slice step must be positive');
      const size = cur.size(dim);
      // Python clamps slice bounds; aten::slice does too.
      step(wrap(O.slice(cur._h, dim, sl.start ?? 0, sl.stop ?? size, stepv)));
      tensorIndices.push(null);
      dim++;
    } else {
      throw new TypeError(`index: unsupported index ${i}: ${describe(s)}`);
    }
  }
  while (tensorIndices.length > 0 && tensorIndices[tensorIndices.length - 1] === null) tensorIndices.pop();
  return { view: cur, tensorIndices };
}

/** `self[specs]`: a view for basic indexing, aten::index for index tensors (Tensor.index). */
export function applyIndex(self: Tensor, specs: readonly IndexSpec[]): Tensor {
  const owned: Tensor[] = [];
  try {
    const { view, tensorIndices } = applySlicing(self, specs, owned);
    if (tensorIndices.length === 0 || tensorIndices.every((t) => t === null)) {
      if (view === self) return wrap(native.alias(self._h));
      owned.splice(owned.indexOf(view), 1);
      return view;
    }
    if (view !== self) owned.push(view);
    return wrap(
      O.index(
        view._h,
        tensorIndices.map((t) => (t === null ? null : t._h)),
      ),
    );
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** `self[specs] = value` in place (Tensor.indexPut_). */
export function assignIndex(self: Tensor, specs: readonly IndexSpec[], value: Tensor | Scalar): void {
  const owned: Tensor[] = [];
  try {
    const { view, tensorIndices } = applySlicing(self, specs, owned);
    if (view !== self) owned.push(view);
    let v: Tensor;
    if (value instanceof Tensor) v = value;
    else {
      v = full([], scalarArg(value, 'value'), { dtype: self.dtype, device: self.device });
      owned.push(v);
    }
    if (tensorIndices.length === 0) {
      O.copy_(view._h, v._h, false);
    } else {
      O.indexPut_(
        view._h,
        tensorIndices.map((t) => (t === null ? null : t._h)),
        v._h,
        false,
      );
    }
  } finally {
    for (const t of owned) t.dispose();
  }
}
