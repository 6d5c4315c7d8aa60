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
 */
import { type Tensor, cat, zerosLike } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd.js';
import { describe } from '../dtype.js';
import { checkOptions } from '../errors.js';
import { Module } from '../nn/module.js';
import type { Parameter } from '../nn/parameter.js';
import { allReduceMany, broadcastMany } from './index.js';
import { nativeDistributed } from './backend.js';

/** Options of {@link DistributedDataParallel} (PyTorch's keyword arguments in camelCase). */
export interface DistributedDataParallelOptions {
  /** Gradient bucket size in MiB (PyTorch's `bucket_cap_mb`, default 25). */
  bucketCapMb?: number;
  /** Whether `syncBuffers()` (and construction) copy rank 0's buffers to every rank (default true). */
  broadcastBuffers?: boolean;
}

const MB = 1024 * 1024;

/**
 * Wraps a module for data-parallel training over the default process group. Construction
 * broadcasts rank 0's parameters and buffers to every rank (await `ready`, or use
 * {@link DistributedDataParallel.create}); `syncGradients()` after `backward()` averages the
 * gradients across ranks, in ~`bucketCapMb` buckets (one flattened allReduce per bucket).
 */
export class DistributedDataParallel<M extends Module = Module> {
  /** The wrapped module (PyTorch's `ddp.module`). */
  readonly module: M;
  readonly bucketCapMb: number;
  readonly broadcastBuffers: boolean;
  /** Resolves once the initial broadcast of parameters and buffers from rank 0 has finished. */
  readonly ready: Promise<void>;
  private isReady = false;

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
    this.module = module;
    this.bucketCapMb = cap;
    this.broadcastBuffers = bb;
    // Enqueued now, in construction order on every rank; awaited through `ready`.
    const states: Tensor[] = [...module.parameters(), ...(bb ? module.buffers() : [])];
    this.ready = broadcastMany(states, 0).then(() => {
      this.isReady = true;
    });
  }

  /** Runs the module's forward (`ddp(x)` in Python). */
  call(...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    if (!this.isReady) {
      throw new Error(
        'DistributedDataParallel.call: the initial broadcast of parameters has not finished; ' +
          'await ddp.ready (or construct with `await DistributedDataParallel.create(module)`) before the first forward',
      );
    }
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
   * Copies rank 0's buffers (e.g. BatchNorm running statistics) to every rank. PyTorch does this
   * before each forward when `broadcast_buffers=True`; here call it where that matters.
   */
  async syncBuffers(): Promise<void> {
    if (!this.broadcastBuffers) return;
    await broadcastMany(this.module.buffers(), 0);
  }

  /**
   * Averages every trainable parameter's gradient across ranks, in place. Parameters are grouped
   * in reverse registration order (as PyTorch's buckets) into buckets of up to `bucketCapMb` per
   * dtype and device; each bucket is flattened with `cat`, divided by the world size, all-reduced
   * once and copied back. Buckets live on their parameters' device: with NCCL the gradients never
   * leave the GPU. A parameter without a gradient on this rank contributes zeros and receives the
   * average, so all ranks stay in step.
   */
  async syncGradients(): Promise<void> {
    const world = nativeDistributed.getWorldSize();
    const params = this.module
      .parameters()
      .filter((p) => p.requiresGrad)
      .reverse();
    const cap = this.bucketCapMb * MB;
    // Bucket assignment: consecutive parameters of one dtype and device up to the byte cap.
    const buckets: Parameter[][] = [];
    let cur: Parameter[] = [];
    let bytes = 0;
    for (const p of params) {
      const b = p.numel() * p.elementSize();
      if (cur.length > 0 && (bytes + b > cap || cur[0].dtype !== p.dtype || cur[0].device !== p.device)) {
        buckets.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(p);
      bytes += b;
    }
    if (cur.length) buckets.push(cur);

    const flats: Tensor[] = buckets.map((bucket) =>
      tidy(() =>
        noGrad(() => {
          const pieces = bucket.map((p) => {
            const g = p.grad;
            return (g ?? zerosLike(p)).reshape([-1]);
          });
          const flat = cat(pieces);
          flat.div_(world); // average = sum of grad / world, as PyTorch's DDP divides before the allreduce
          return flat;
        }),
      ),
    );
    try {
      await allReduceMany(flats, 'sum');
      buckets.forEach((bucket, i) => {
        tidy(() =>
          noGrad(() => {
            let off = 0;
            for (const p of bucket) {
              const n = p.numel();
              const piece = flats[i].narrow(0, off, n).view(p.shape);
              const g = p.grad;
              if (g) g.copy_(piece);
              else p.grad = piece.clone();
              off += n;
            }
          }),
        );
      });
    } finally {
      for (const f of flats) f.dispose();
    }
  }
}
