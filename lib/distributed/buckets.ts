/**
 * The bucketing of PyTorch's DDP (torch/csrc/distributed/c10d/reducer.cpp and comm.cpp), so that
 * torchnode ranks issue the same collectives, on tensors of the same layout, as Python ranks of
 * one group. @internal
 */
import { type Tensor, cat } from '../tensor.js';
import { dispose, keep, tidy } from '../scope.js';
import { noGrad } from '../autograd.js';
import { broadcastMany, waitCollectives } from './index.js';

/** `broadcast_bucket_size` of PyTorch's DDP: 250 MiB. */
export const BROADCAST_BUCKET_BYTES = 250 * 1024 * 1024;
/** `torch.distributed._DEFAULT_FIRST_BUCKET_BYTES`: 1 MiB. */
export const DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024;

/**
 * `compute_bucket_assignment_by_size(tensors, bucket_size_limits, {}, tensor_indices)`: consecutive
 * tensors of one dtype and device fill a bucket until it holds at least the current limit, then
 * the next limit applies to that dtype and device (the last one repeats). Returns the tensors'
 * indices per bucket: `indices[i]` for `tensors[i]` when given (then in the order filled), else
 * `i`, with the buckets sorted by their smallest index.
 */
export function assignBuckets(tensors: Tensor[], limits: number[], indices?: number[]): number[][] {
  const open = new Map<string, { members: number[]; bytes: number; limit: number }>();
  const result: number[][] = [];
  tensors.forEach((t, i) => {
    const key = `${t.dtype}|${t.device}`;
    let b = open.get(key);
    if (!b) {
      b = { members: [], bytes: 0, limit: 0 };
      open.set(key, b);
    }
    b.members.push(indices ? indices[i] : i);
    b.bytes += t.numel() * t.elementSize();
    if (b.bytes >= limits[b.limit]) {
      result.push(b.members);
      b.members = [];
      b.bytes = 0;
      if (b.limit + 1 < limits.length) b.limit++;
    }
  });
  for (const b of open.values()) if (b.members.length > 0) result.push(b.members);
  if (!indices) {
    const least = (xs: number[]) => xs.reduce((m, x) => Math.min(m, x), Number.POSITIVE_INFINITY);
    result.sort((a, b) => least(a) - least(b));
  }
  return result;
}

/**
 * The tensors flattened and concatenated (`flatten_dense_tensors`), into a new tensor that
 * outlives every enclosing tidy() (a collective may still use it after the scope ends: the caller
 * disposes it).
 */
export function flatten(tensors: Tensor[]): Tensor {
  return keep(tidy(() => noGrad(() => cat(tensors.map((t) => t.reshape([-1]))))));
}

/** Copies consecutive pieces of `flat` into `tensors` (`unflatten_dense_tensors` + copy_). */
export function unflattenInto(flat: Tensor, tensors: Tensor[]): void {
  tidy(() =>
    noGrad(() => {
      let off = 0;
      for (const t of tensors) {
        const n = t.numel();
        t.copy_(flat.narrow(0, off, n).view(t.shape));
        off += n;
      }
    }),
  );
}

/**
 * `torch.distributed._broadcast_coalesced(group, tensors, buffer_size, src)`: the tensors, in
 * buckets of up to `bucketBytes` per dtype and device, each flattened and broadcast from `src` as
 * one tensor, then copied back. The broadcasts are enqueued before this returns.
 */
export async function broadcastCoalesced(tensors: Tensor[], bucketBytes: number, src: number): Promise<void> {
  const c = coalesce(tensors, bucketBytes, src);
  if (!c) return;
  try {
    await c.done;
    c.copyBack();
  } finally {
    c.release();
  }
}

/** {@link broadcastCoalesced} waited for on the JS thread, as Python's (DDP's buffer sync in forward). */
export function broadcastCoalescedNow(tensors: Tensor[], bucketBytes: number, src: number): void {
  const c = coalesce(tensors, bucketBytes, src);
  if (!c) return;
  try {
    waitCollectives([c.done]);
    c.copyBack();
  } finally {
    c.release();
  }
}

function coalesce(tensors: Tensor[], bucketBytes: number, src: number) {
  if (tensors.length === 0) return null;
  const buckets = assignBuckets(tensors, [bucketBytes]);
  const flats = buckets.map((b) => flatten(b.map((i) => tensors[i])));
  let done: Promise<void>;
  try {
    done = broadcastMany(flats, src);
  } catch (e) {
    dispose(flats);
    throw e;
  }
  return {
    done,
    copyBack: () =>
      buckets.forEach((b, k) => {
        unflattenInto(
          flats[k],
          b.map((i) => tensors[i]),
        );
      }),
    release: () => dispose(flats),
  };
}
