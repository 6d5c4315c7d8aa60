/**
 * `torch.nn.parallel.DistributedDataParallel` for torchnode modules.
 *
 * PyTorch averages gradients from autograd hooks during backward; torchnode has no gradient
 * hooks, so the averaging is one explicit, awaited call after backward:
 *
 *     const ddp = await DistributedDataParallel.create(model);   // broadcasts rank 0's state
 *     const loss = lossFn(ddp.call(x), y);
 *     loss.backward();
 *     await ddp.syncGradients();                                   // bucketed allReduce, average
 *     optimizer.step();
 *
 * The collectives are PyTorch's DDP's, one for one and on tensors of the same layout (see
 * docs/distributed.md), so torchnode ranks and Python ranks running
 * `torch.nn.parallel.DistributedDataParallel` on the same model train together in one group.
 */
import { type Tensor, tensor, emptyLike, zerosLike } from '../tensor.js';
import { dispose, keep, tidy } from '../scope.js';
import { isGradEnabled } from '../autograd.js';
import { describe } from '../dtype.js';
import { checkOptions } from '../errors.js';
import { buildInfo } from '../native.js';
import { Module } from '../nn/module.js';
import type { Parameter } from '../nn/parameter.js';
import { allGather, allReduceMany, broadcastMany, exclusive, inOrder, type DirectBroadcast } from './index.js';
import { nativeDistributed } from './backend.js';
import { BROADCAST_BUCKET_BYTES, DEFAULT_FIRST_BUCKET_BYTES, assignBuckets, broadcastCoalesced, flatten, unflattenInto } from './buckets.js';

/** Options of {@link DistributedDataParallel} (PyTorch's keyword arguments in camelCase). */
export interface DistributedDataParallelOptions {
  /**
   * Gradient bucket size in MiB (PyTorch's `bucket_cap_mb`, default 25). The first bucket after
   * the rebuild holds 1 MiB unless this is given (PyTorch 2.x's rule).
   */
  bucketCapMb?: number;
  /** Whether `syncBuffers()` (and construction) copy rank 0's buffers to every rank (default true). */
  broadcastBuffers?: boolean;
}

const MB = 1024 * 1024;
const TORCH_MAJOR = Number.parseInt(buildInfo.torchVersion, 10);

/** Integers of a (small) int32/int64 tensor. */
function ints(t: Tensor): number[] {
  return tidy(() => Array.from(t.cpu().dataSync() as ArrayLike<number | bigint>, Number));
}

/**
 * Wraps a module for data-parallel training over the default process group. Construction
 * checks that every rank has the same parameters (count, sizes, strides) and broadcasts rank 0's
 * parameters and buffers (await `ready`, or use {@link DistributedDataParallel.create});
 * `syncGradients()` after `backward()` averages the gradients across ranks, one flattened
 * allReduce per bucket.
 *
 * Buckets, as PyTorch's reducer: the first `syncGradients()` reduces one bucket per dtype and
 * device with every parameter in registration order; before the next forward (`call()`, or
 * `syncBuffers()`/`syncGradients()` if they come first) rank 0's bucket layout is broadcast and
 * used from then on: buckets of about `bucketCapMb` in reverse registration order when rank 0 is
 * a torchnode rank (PyTorch's rank 0 uses the order autograd produced the gradients in).
 */
export class DistributedDataParallel<M extends Module = Module> {
  /** The wrapped module (PyTorch's `ddp.module`). */
  readonly module: M;
  readonly bucketCapMb: number;
  readonly broadcastBuffers: boolean;
  /**
   * Resolves once the construction's collectives have finished (the parameter check and the
   * broadcast of parameters and buffers from rank 0); rejects when the ranks' models differ.
   */
  readonly ready: Promise<void>;
  private isReady = false;
  /** The parameters that require grad, in registration order (the reducer's indices). */
  private readonly params: Parameter[];
  /** Parameter indices per bucket, in the order the buckets are all-reduced. */
  private buckets: number[][];
  private readonly firstBucketBytes: number;
  /** 'first': before the first syncGradients; 'due': the bucket rebuild is next; 'done'. */
  private rebuild: 'first' | 'due' | 'running' | 'done' = 'first';
  private rebuildError: Error | null = null;

  /** Wraps `module` and broadcasts its state from rank 0 once all ranks construct it. */
  static async create<M extends Module>(module: M, opts: DistributedDataParallelOptions | null = {}): Promise<DistributedDataParallel<M>> {
    const ddp = new DistributedDataParallel(module, opts);
    await ddp.ready;
    return ddp;
  }

  constructor(module: M, opts: DistributedDataParallelOptions | null = {}) {
    const fn = 'DistributedDataParallel';
    if (!(module instanceof Module)) throw new TypeError(`${fn}: Expected an nn.Module for module but received ${describe(module)}`);
    checkOptions(opts, ['bucketCapMb', 'broadcastBuffers'], fn);
    const cap = opts?.bucketCapMb ?? 25;
    if (!(typeof cap === 'number' && cap > 0 && Number.isFinite(cap))) {
      throw new TypeError(`${fn}: Expected positive number for bucketCapMb but received ${describe(cap)}`);
    }
    const bb = opts?.broadcastBuffers ?? true;
    if (typeof bb !== 'boolean') throw new TypeError(`${fn}: Expected boolean for broadcastBuffers but received ${describe(bb)}`);
    if (!(nativeDistributed.isAvailable() && nativeDistributed.isInitialized())) {
      throw new Error(`${fn}: the default process group is not initialized; await distributed.initProcessGroup() first`);
    }
    const params = module.parameters().filter((p) => p.requiresGrad);
    if (params.length === 0) {
      throw new Error(`${fn}: DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.`);
    }
    this.module = module;
    this.bucketCapMb = cap;
    this.broadcastBuffers = bb;
    this.params = params;
    this.firstBucketBytes = opts?.bucketCapMb === undefined ? DEFAULT_FIRST_BUCKET_BYTES : Math.floor(cap * MB);
    // The first iteration's buckets (DDP without find_unused_parameters): one per dtype and
    // device, every parameter in registration order; all-reduced last bucket first.
    this.buckets = assignBuckets(params, [Number.POSITIVE_INFINITY]).reverse();
    // Enqueued now, in construction order on every rank; awaited through `ready`.
    const states: Tensor[] = [...module.parameters(), ...(bb || TORCH_MAJOR < 2 ? module.buffers() : [])];
    this.ready = this.construct(states).then(() => {
      this.isReady = true;
    });
  }

  /**
   * PyTorch's construction, collective for collective: `_verify_param_shape_across_processes`
   * (all-gather of the parameter count, broadcast of rank 0's sizes and strides, int64) and
   * `_sync_module_states` (`_broadcast_coalesced` of all parameters and the buffers: always in
   * PyTorch 1.x, with broadcast_buffers in 2.x). All three are enqueued before the first await.
   */
  private async construct(states: Tensor[]): Promise<void> {
    const fn = 'DistributedDataParallel';
    const params = this.params;
    const device = params[0].device;
    const rank = nativeDistributed.getRank();
    const world = nativeDistributed.getWorldSize();
    // keep(): these outlive a tidy() the constructor may be called in (the collectives use them later).
    const count = keep(tidy(() => tensor([params.length], { dtype: 'int64' }).to(device)));
    const counts = Array.from({ length: world }, () => keep(emptyLike(count)));
    const mine = params.flatMap((p) => [...p.shape, ...p.stride()]);
    const meta = keep(tidy(() => tensor(BigInt64Array.from(mine, BigInt), { shape: [mine.length] }).to(device)));
    const gathered = allGather(counts, count);
    const metaDone = broadcastMany([meta], 0);
    const statesDone = broadcastCoalesced(states, BROADCAST_BUCKET_BYTES, 0);
    try {
      await gathered;
      counts.forEach((c, i) => {
        const n = ints(c)[0];
        if (n !== params.length) {
          throw new Error(
            `${fn}: DDP expects same model across all ranks, but Rank ${rank} has ${params.length} params, while rank ${i} has inconsistent ${n} params.`,
          );
        }
      });
      await metaDone;
      const control = ints(meta);
      let k = 0;
      params.forEach((p, i) => {
        for (const sz of p.shape) {
          if (sz !== control[k++]) {
            throw new Error(
              `${fn}: [${rank}]: params[${i}] in this process with sizes [${p.shape.join(', ')}] appears not to match sizes of the same param in process 0.`,
            );
          }
        }
        for (const st of p.stride()) {
          if (st !== control[k++]) {
            throw new Error(
              `${fn}: params[${i}] in this process with sizes [${p.shape.join(', ')}] appears not to match strides of the same param in process 0.`,
            );
          }
        }
      });
      await statesDone;
    } catch (e) {
      for (const p of [metaDone, statesDone]) p.catch(() => {});
      throw e;
    } finally {
      dispose([count, ...counts, meta]);
    }
  }

  /** Starts the bucket rebuild when it is due (PyTorch: `reducer._rebuild_buckets()` in forward). */
  private maybeRebuild(force = false): void {
    if (this.rebuild !== 'due' || !(force || isGradEnabled())) return;
    this.rebuild = 'running';
    const p = exclusive((broadcast) => this.syncBucketIndices(broadcast)).finally(() => {
      this.rebuild = 'done';
    });
    p.catch(() => {}); // reported by the next syncGradients() (rebuildError)
  }

  /**
   * `Reducer::sync_bucket_indices`: rank 0's bucket layout to every rank, as two int32
   * broadcasts (the indices of all buckets followed by their number; then each bucket's size).
   * This rank's proposal, used when it is rank 0: buckets of `firstBucketBytes` then
   * `bucketCapMb` over the parameters in reverse registration order.
   */
  private async syncBucketIndices(broadcast: DirectBroadcast): Promise<void> {
    const fn = 'DistributedDataParallel';
    const n = this.params.length;
    const order = Array.from({ length: n }, (_, i) => n - 1 - i);
    const proposal = assignBuckets(
      order.map((i) => this.params[i]),
      [this.firstBucketBytes, Math.floor(this.bucketCapMb * MB)],
      order,
    );
    const device = this.params[0].device;
    // keep(): call() may run inside the user's tidy(), which must not free what the broadcast uses.
    const indices = keep(tidy(() => tensor([...proposal.flat(), proposal.length], { dtype: 'int32' }).to(device)));
    let sizes: Tensor | null = null;
    this.rebuildError = null;
    try {
      await broadcast([indices], 0);
      const got = ints(indices);
      const num = got[n];
      if (!(Number.isInteger(num) && num >= 1 && num <= n)) {
        throw new Error(`${fn}: rank 0 sent a bucket layout with ${num} buckets for ${n} parameters`);
      }
      const mySizes = Array.from({ length: num }, (_, i) => proposal[Math.min(i, proposal.length - 1)].length);
      sizes = keep(tidy(() => tensor(mySizes, { dtype: 'int32' }).to(device)));
      await broadcast([sizes], 0);
      const counts = ints(sizes);
      const buckets: number[][] = [];
      let off = 0;
      for (const c of counts) {
        buckets.push(got.slice(off, off + c));
        off += c;
      }
      const seen = new Set(buckets.flat());
      if (off !== n || seen.size !== n || [...seen].some((i) => !(Number.isInteger(i) && i >= 0 && i < n))) {
        throw new Error(`${fn}: rank 0's bucket layout does not cover this rank's ${n} parameters once each (models differ across ranks?)`);
      }
      this.buckets = buckets;
    } catch (e) {
      this.rebuildError = e as Error;
      throw e;
    } finally {
      dispose([indices, ...(sizes ? [sizes] : [])]);
    }
  }

  /** Runs the module's forward (`ddp(x)` in Python). */
  call(...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    if (!this.isReady) {
      throw new Error(
        'DistributedDataParallel.call: the initial broadcast of parameters has not finished; ' +
          'await ddp.ready (or construct with `await DistributedDataParallel.create(module)`) before the first forward',
      );
    }
    this.maybeRebuild();
    return this.module.call(...inputs) as ReturnType<M['forward']>;
  }

  /** Same as {@link call}. */
  forward(...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    return this.call(...inputs);
  }

  /** The wrapped module's parameters. */
  parameters(): Parameter[] {
    return this.module.parameters();
  }

  /** The wrapped module's named parameters. */
  namedParameters(): [string, Parameter][] {
    return this.module.namedParameters();
  }

  /** Puts the wrapped module in training mode. */
  train(mode = true): this {
    this.module.train(mode);
    return this;
  }

  /** Puts the wrapped module in evaluation mode. */
  eval(): this {
    this.module.eval();
    return this;
  }

  /** `zero_grad(set_to_none=True)`: the wrapped module's `zeroGrad` (grads become null unless setToNone is false). */
  zeroGrad(opts: { setToNone?: boolean } | boolean | null = {}): void {
    this.module.zeroGrad(opts);
  }

  /**
   * Copies rank 0's buffers (e.g. BatchNorm running statistics) to every rank, coalesced as
   * PyTorch's `_sync_buffers`. PyTorch does this before each training forward when
   * `broadcast_buffers=True` and the module has buffers; here call it where that matters (and,
   * in a group with Python ranks, before each training forward, as they do).
   */
  async syncBuffers(): Promise<void> {
    this.maybeRebuild();
    if (!this.broadcastBuffers) return;
    await broadcastCoalesced(this.module.buffers(), BROADCAST_BUCKET_BYTES, 0);
  }

  /**
   * Averages every trainable parameter's gradient across ranks, in place, as PyTorch's reducer:
   * per bucket, the gradients are flattened into one tensor, multiplied by 1/worldSize, summed by
   * one allReduce, and copied back. Buckets live on their parameters' device: with NCCL the
   * gradients never leave the GPU. A parameter without a gradient on this rank contributes zeros
   * and receives the average, so all ranks stay in step.
   */
  async syncGradients(): Promise<void> {
    // Before the second sync without a grad-enabled call() in between: the rebuild comes now.
    this.maybeRebuild(true);
    const scale = 1 / nativeDistributed.getWorldSize();
    let buckets: Parameter[][] = [];
    let flats: Tensor[] = [];
    try {
      // In call order with other collectives; after a running bucket rebuild, whose layout it uses.
      await inOrder(() => {
        if (this.rebuildError) throw this.rebuildError;
        buckets = this.buckets.map((b) => b.map((i) => this.params[i]));
        flats = buckets.map((bucket) =>
          keep(
            tidy(() => {
              const flat = flatten(bucket.map((p) => p.grad ?? zerosLike(p)));
              flat.mul_(scale); // grad * (1 / world): the reducer's mul_out into the bucket
              return flat;
            }),
          ),
        );
        return allReduceMany(flats, 'sum');
      });
      buckets.forEach((bucket, i) => {
        for (const p of bucket) if (!p.grad) p.grad = zerosLike(p);
        unflattenInto(
          flats[i],
          bucket.map((p) => p.grad as Tensor),
        );
      });
    } finally {
      for (const f of flats) f.dispose();
    }
    if (this.rebuild === 'first') this.rebuild = 'due';
  }
}
