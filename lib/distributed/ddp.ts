/**
 * `torch.nn.parallel.DistributedDataParallel` for torchnode modules.
 *
 * As PyTorch's reducer, a hook on every parameter copies its gradient (divided by the world size)
 * into its bucket as backward produces it, and a bucket's allReduce is enqueued as soon as all its
 * gradients are in, while backward goes on computing the rest (communication overlaps
 * computation). Gloo runs the collectives on its own threads; awaiting them cannot happen inside
 * the synchronous backward() on the JS thread, so one awaited call after backward waits for the
 * buckets still in flight and writes the averages into `.grad`:
 *
 *     const ddp = await DistributedDataParallel.create(model);   // broadcasts rank 0's state
 *     const loss = lossFn(ddp.call(x), y);
 *     loss.backward();                                             // buckets' allReduces start here
 *     await ddp.syncGradients();                                   // wait for them, average into .grad
 *     optimizer.step();
 *
 * The collectives are PyTorch's DDP's, one for one and on tensors of the same layout (see
 * docs/distributed.md), so torchnode ranks and Python ranks running
 * `torch.nn.parallel.DistributedDataParallel` on the same model train together in one group.
 */
import { type Tensor, empty, tensor, emptyLike, zerosLike } from '../tensor.js';
import { dispose, keep, tidy } from '../scope.js';
import { isGradEnabled, noGrad } from '../autograd.js';
import { describe } from '../dtype.js';
import { checkOptions } from '../errors.js';
import { libtorchAtLeast } from '../native.js';
import { Module } from '../nn/module.js';
import { registerOptimizerStepPreHook } from '../optim/optimizer.js';
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
  /**
   * PyTorch's `find_unused_parameters` (default false): parameters that got no gradient in a
   * backward are reduced as zeros (their `.grad` stays untouched where no rank used them), with
   * PyTorch's extra allReduce of the per-parameter "used" flags. Without it, a parameter that gets
   * no gradient stops the reduction, and `syncGradients()` (or the next `call()`) throws
   * PyTorch's "Expected to have finished reduction in the prior iteration" error naming it.
   */
  findUnusedParameters?: boolean;
}

/** Where each parameter's gradient lives in the flat bucket tensors of one bucket layout. */
interface Layout {
  /** Parameter indices per bucket, in all-reduce order (the `buckets` it was made for). */
  buckets: number[][];
  bucketOf: Int32Array;
  offsetOf: Float64Array;
  /** One flat tensor per bucket (kept; reused by every backward with this layout). */
  flats: Tensor[];
}

/** One backward's reduction: which gradients arrived, which buckets' allReduces were enqueued. */
interface Pass {
  /** Null: this backward's buckets are reduced in syncGradients (bucket rebuild due, or CUDA). */
  layout: Layout | null;
  ready: Uint8Array;
  readyCount: number;
  /** Gradients each bucket still waits for. */
  pending: number[];
  /** The next bucket to all-reduce (buckets are launched in order, as PyTorch's). */
  nextBucket: number;
  launched: Promise<void>[];
  /** Buckets whose allReduce a gradient hook enqueued during backward. */
  launchedInBackward: number;
  scale: number;
  used: Tensor | null;
}

const MB = 1024 * 1024;
// 1.13's DDP syncs the buffers in its construction broadcast whatever broadcast_buffers says; 2.x only when set.
const BUFFERS_ALWAYS_AT_CONSTRUCTION = !libtorchAtLeast(2, 0);

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
  readonly findUnusedParameters: boolean;
  /** Gradient hooks on the parameters (CPU only: JS hooks cannot run on CUDA's backward threads). */
  private readonly hooks: { remove(): void }[] = [];
  private layout: Layout | null = null;
  private pass: Pass | null = null;
  /** PyTorch's local_used_map: parameters that got a gradient since the last reduction (noSync included). */
  private readonly localUsed: Uint8Array;
  private noSyncDepth = 0;
  /**
   * Whether the last grad-enabled `call()` expects its backward to reduce (PyTorch's
   * `require_backward_grad_sync` at forward); null when backward follows no `call()` (the module
   * was called directly): then the hooks reduce unless inside `noSync()`.
   */
  private expectSync: boolean | null = null;
  /** Buckets enqueued by gradient hooks in the last reduced backward (how much overlapped). @internal */
  lastLaunchedInBackward = 0;
  private disposed = false;

  /** Wraps `module` and broadcasts its state from rank 0 once all ranks construct it. */
  static async create<M extends Module>(module: M, opts: DistributedDataParallelOptions | null = {}): Promise<DistributedDataParallel<M>> {
    const ddp = new DistributedDataParallel(module, opts);
    await ddp.ready;
    return ddp;
  }

  constructor(module: M, opts: DistributedDataParallelOptions | null = {}) {
    const fn = 'DistributedDataParallel';
    if (!(module instanceof Module)) throw new TypeError(`${fn}: Expected an nn.Module for module but received ${describe(module)}`);
    checkOptions(opts, ['bucketCapMb', 'broadcastBuffers', 'findUnusedParameters'], fn);
    const cap = opts?.bucketCapMb ?? 25;
    if (!(typeof cap === 'number' && cap > 0 && Number.isFinite(cap))) {
      throw new TypeError(`${fn}: Expected positive number for bucketCapMb but received ${describe(cap)}`);
    }
    const bb = opts?.broadcastBuffers ?? true;
    if (typeof bb !== 'boolean') throw new TypeError(`${fn}: Expected boolean for broadcastBuffers but received ${describe(bb)}`);
    const findUnused = opts?.findUnusedParameters ?? false;
    if (typeof findUnused !== 'boolean') {
      throw new TypeError(`${fn}: Expected boolean for findUnusedParameters but received ${describe(findUnused)}`);
    }
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
    this.findUnusedParameters = findUnused;
    this.localUsed = new Uint8Array(params.length);
    this.firstBucketBytes = opts?.bucketCapMb === undefined ? DEFAULT_FIRST_BUCKET_BYTES : Math.floor(cap * MB);
    if (findUnused) {
      // PyTorch 1.13 with find_unused_parameters: buckets by size over the registration order
      // (the first of _DEFAULT_FIRST_BUCKET_BYTES whatever bucket_cap_mb is: no rebuild
      // broadcast will align the ranks' layouts), all-reduced last bucket first, never rebuilt.
      this.buckets = assignBuckets(params, [DEFAULT_FIRST_BUCKET_BYTES, Math.floor(cap * MB)]).reverse();
      this.rebuild = 'done';
    } else {
      // The first iteration's buckets: one per dtype and device, every parameter in
      // registration order; all-reduced last bucket first.
      this.buckets = assignBuckets(params, [Number.POSITIVE_INFINITY]).reverse();
    }
    if (params.every((p) => p.device === 'cpu')) {
      params.forEach((p, i) => {
        this.hooks.push(p.registerHook((grad) => this.onGrad(i, grad)));
      });
      // PyTorch's step needs no wait (its reducer finishes inside backward); here a step before
      // syncGradients() would apply this rank's unaveraged gradients: refuse it instead.
      const mine = new Set<Tensor>(params);
      this.hooks.push(
        registerOptimizerStepPreHook((opt) => {
          if (this.pass === null || !opt.paramGroups.some((g) => g.params.some((p: Tensor) => mine.has(p)))) return;
          throw new Error(
            `${opt.constructor.name}.step: the gradients of the last backward() through DistributedDataParallel are not averaged ` +
              'across ranks yet: await ddp.syncGradients() after backward() and before step()',
          );
        }),
      );
    }
    // Enqueued now, in construction order on every rank; awaited through `ready`.
    const states: Tensor[] = [...module.parameters(), ...(bb || BUFFERS_ALWAYS_AT_CONSTRUCTION ? module.buffers() : [])];
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
    if (isGradEnabled() && this.noSyncDepth === 0) {
      if (this.pass !== null) {
        // PyTorch raises this in the next forward; here syncGradients() would be the next call.
        throw new Error(`DistributedDataParallel.call: ${this.unfinishedMessage(this.pass)}`);
      }
      this.maybeRebuild();
    }
    if (isGradEnabled()) this.expectSync = this.noSyncDepth === 0;
    return this.module.call(...inputs) as ReturnType<M['forward']>;
  }

  /**
   * PyTorch's `no_sync()`: runs `fn` (forward and backward of micro-batches) without reducing
   * gradients; they accumulate in `.grad`, and the next backward outside `noSync` (then
   * `syncGradients()`) reduces the accumulated sums, as PyTorch does. A backward counts as inside
   * when its `call()` was (or, for a module called directly, when backward itself is). Returns
   * what `fn` returns; when that is a Promise, the section ends once it settles.
   */
  noSync<T>(fn: () => T): T {
    if (typeof fn !== 'function') throw new TypeError(`DistributedDataParallel.noSync: Expected a function for fn but received ${describe(fn)}`);
    this.noSyncDepth++;
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.noSyncDepth--;
      throw e;
    }
    if (result instanceof Promise) {
      return result.finally(() => {
        this.noSyncDepth--;
      }) as T;
    }
    this.noSyncDepth--;
    return result;
  }

  /** PyTorch's message for a reduction that cannot finish, with this rank's parameters that got no gradient. */
  private unfinishedMessage(pass: Pass): string {
    const missing: number[] = [];
    pass.ready.forEach((r, i) => {
      if (!r) missing.push(i);
    });
    const names = new Map(this.module.namedParameters().map(([name, p]) => [p as Tensor, name]));
    const list = missing.map((i) => `${i} (${names.get(this.params[i]) ?? '?'})`).join(', ');
    return (
      'Expected to have finished reduction in the prior iteration before starting a new one. ' +
      (missing.length > 0
        ? 'This error indicates that your module has parameters that were not used in producing loss. ' +
          'You can enable unused parameter detection by passing findUnusedParameters: true to DistributedDataParallel, ' +
          'and by making sure all forward outputs participate in calculating loss. ' +
          `Parameter indices which did not receive grad for rank ${nativeDistributed.getRank()}: ${list}`
        : 'Call (and await) syncGradients() after each backward(), or accumulate gradients inside noSync().')
    );
  }

  /** This layout's flat bucket tensors and offsets (made once per layout). */
  private layoutFor(buckets: number[][]): Layout {
    if (this.layout?.buckets === buckets) return this.layout;
    if (this.layout) dispose(this.layout.flats);
    const n = this.params.length;
    const bucketOf = new Int32Array(n);
    const offsetOf = new Float64Array(n);
    const flats = buckets.map((bucket, k) => {
      let off = 0;
      for (const i of bucket) {
        bucketOf[i] = k;
        offsetOf[i] = off;
        off += this.params[i].numel();
      }
      const p0 = this.params[bucket[0]];
      return keep(tidy(() => empty([off], { dtype: p0.dtype, device: p0.device })));
    });
    this.layout = { buckets, bucketOf, offsetOf, flats };
    return this.layout;
  }

  /** `mark_variable_ready_dense`: gradient * (1 / world) into the parameter's place in its bucket. */
  private fillSlot(pass: Pass, i: number, grad: Tensor | null): void {
    const layout = pass.layout as Layout;
    const p = this.params[i];
    tidy(() =>
      noGrad(() => {
        const slot = layout.flats[layout.bucketOf[i]].narrow(0, layout.offsetOf[i], p.numel()).view(p.shape);
        if (grad) slot.copy_(grad.mul(pass.scale));
        else slot.zero_();
      }),
    );
    pass.pending[layout.bucketOf[i]]--;
  }

  /** Enqueues the allReduces of the buckets that are complete, in bucket order; then the used flags'. */
  private launchReady(pass: Pass, fromHook: boolean): void {
    const layout = pass.layout as Layout;
    while (pass.nextBucket < layout.flats.length && pass.pending[pass.nextBucket] === 0) {
      const flat = layout.flats[pass.nextBucket++];
      const done = inOrder(() => allReduceMany([flat], 'sum'));
      done.catch(() => {}); // awaited (and reported) by syncGradients
      pass.launched.push(done);
      if (fromHook) pass.launchedInBackward++;
    }
    if (pass.nextBucket === layout.flats.length && this.findUnusedParameters && pass.used === null) {
      // all_reduce_local_used_map, right after the last bucket's allReduce.
      const used = keep(tidy(() => tensor(Array.from(this.localUsed), { dtype: 'int32' }).to(this.params[0].device)));
      pass.used = used;
      const done = inOrder(() => allReduceMany([used], 'sum'));
      done.catch(() => {});
      pass.launched.push(done);
    }
  }

  /**
   * The gradient hook of parameter `i` (`Reducer::autograd_hook`): `grad` is about to be
   * accumulated into `.grad` (a tensor hook runs before accumulation, PyTorch's reducer after it:
   * the bucket gets the same sum, `.grad + grad`).
   */
  private onGrad(i: number, grad: Tensor): void {
    try {
      // Not before the construction's broadcasts finished; not after the group is gone (a model
      // fine-tuned alone after destroyProcessGroup must still run backward) or dispose().
      if (!this.isReady || this.disposed || !nativeDistributed.isInitialized()) return;
      this.localUsed[i] = 1;
      if (!(this.expectSync ?? this.noSyncDepth === 0)) return;
      if (this.pass === null) {
        const n = this.params.length;
        const launchable = this.rebuild === 'first' || this.rebuild === 'done';
        const layout = launchable ? this.layoutFor(this.buckets) : null;
        this.pass = {
          layout,
          ready: new Uint8Array(n),
          readyCount: 0,
          pending: layout ? layout.buckets.map((b) => b.length) : [],
          nextBucket: 0,
          launched: [],
          launchedInBackward: 0,
          scale: 1 / nativeDistributed.getWorldSize(),
          used: null,
        };
      }
      const pass = this.pass;
      if (pass.ready[i]) {
        throw new Error(
          `DistributedDataParallel: Expected to mark a variable ready only once: parameter ${i} received a second gradient ` +
            'before syncGradients() reduced the first (a second backward() without syncGradients(); accumulate gradients inside noSync())',
        );
      }
      pass.ready[i] = 1;
      pass.readyCount++;
      if (pass.layout === null) return; // reduced in syncGradients, after the bucket rebuild
      const old = this.params[i].grad;
      tidy(() => this.fillSlot(pass, i, old ? noGrad(() => old.add(grad)) : grad));
      old?.dispose();
      this.launchReady(pass, true);
    } finally {
      grad.dispose();
    }
  }

  /** Same as {@link call}. */
  forward(...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    return this.call(...inputs);
  }

  /**
   * Removes the gradient hooks from the module's parameters and frees the bucket tensors (PyTorch
   * does this when the DDP object is destroyed): the module trains alone afterwards, or under a
   * new DistributedDataParallel. Call it after the last `syncGradients()`.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const h of this.hooks) h.remove();
    this.hooks.length = 0;
    if (this.pass) this.abandon(this.pass);
    this.pass = null;
    if (this.layout) dispose(this.layout.flats);
    this.layout = null;
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
   * Finishes the gradient reduction of the last backward, as PyTorch's reducer at the end of
   * backward: waits for the buckets' allReduces (enqueued by backward as the gradients arrived;
   * any not yet enqueued are enqueued now, in bucket order) and writes the averages into every
   * trainable parameter's `.grad`. Each bucket is the flattened gradients times 1/worldSize,
   * summed by one allReduce. Buckets live on their parameters' device: with NCCL the gradients
   * never leave the GPU (there the whole reduction runs here: JS hooks cannot run on CUDA's
   * backward threads).
   *
   * Called without a reduced backward before it (after `noSync()` sections, or twice), it
   * all-reduces the parameters' current gradients (a missing one counts as zeros).
   */
  async syncGradients(): Promise<void> {
    const fn = 'DistributedDataParallel.syncGradients';
    const pass = this.pass;
    this.pass = null;
    this.expectSync = null;
    const n = this.params.length;
    if (pass && !this.findUnusedParameters && pass.readyCount < n) {
      this.abandon(pass);
      throw new Error(`${fn}: ${this.unfinishedMessage(pass)}`);
    }
    // Before the second sync without a grad-enabled call() in between: the rebuild comes now.
    this.maybeRebuild(true);
    const used = this.localUsed;
    try {
      if (pass?.layout) {
        if (pass.readyCount < n) {
          // findUnusedParameters: the unused parameters' places (their .grad or zeros) complete the buckets.
          tidy(() => {
            pass.ready.forEach((r, i) => {
              if (!r) this.fillSlot(pass, i, this.params[i].grad);
            });
            this.launchReady(pass, false);
          });
        }
        this.lastLaunchedInBackward = pass.launchedInBackward;
        try {
          await Promise.all(pass.launched);
          const globallyUsed = pass.used ? ints(pass.used) : null;
          pass.layout.buckets.forEach((bucket, k) => {
            this.copyBack(
              pass.layout as Layout,
              k,
              bucket.filter((i) => !globallyUsed || globallyUsed[i] > 0),
            );
          });
        } finally {
          pass.used?.dispose();
        }
      } else {
        this.lastLaunchedInBackward = 0;
        await this.reduceNow();
      }
    } finally {
      used.fill(0);
    }
    if (this.rebuild === 'first') this.rebuild = 'due';
  }

  /** A failed pass: its flat buckets may still be in flight, so the next pass gets new ones. */
  private abandon(pass: Pass): void {
    const layout = pass.layout;
    if (!layout || this.layout !== layout) return;
    this.layout = null;
    Promise.allSettled(pass.launched).then(() => dispose(layout.flats));
    pass.used?.dispose();
  }

  /** `finalize_bucket_dense`: bucket k's averages into the given parameters' `.grad`. */
  private copyBack(layout: Layout, k: number, indices: number[]): void {
    tidy(() =>
      noGrad(() => {
        for (const i of indices) {
          const p = this.params[i];
          const avg = layout.flats[k].narrow(0, layout.offsetOf[i], p.numel()).view(p.shape);
          const g = p.grad;
          if (g) g.copy_(avg);
          else p.grad = avg.clone();
        }
      }),
    );
  }

  /**
   * The whole reduction at once, after backward: in the iteration of the bucket rebuild (whose
   * layout is not known during backward), on CUDA, or without a reduced backward.
   */
  private async reduceNow(): Promise<void> {
    const scale = 1 / nativeDistributed.getWorldSize();
    let buckets: Parameter[][] = [];
    let flats: Tensor[] = [];
    let used: Tensor | null = null;
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
        if (this.findUnusedParameters) {
          // Without hooks (CUDA), a parameter counts as used when it has a gradient.
          const flags = this.hooks.length > 0 ? Array.from(this.localUsed) : this.params.map((p) => (p.grad ? 1 : 0));
          used = keep(tidy(() => tensor(flags, { dtype: 'int32' }).to(this.params[0].device)));
          return allReduceMany([...flats, used], 'sum');
        }
        return allReduceMany(flats, 'sum');
      });
      const globallyUsed = used ? ints(used) : null;
      buckets.forEach((bucket, k) => {
        const members = this.buckets[k].map((i, j) => [i, j]).filter(([i]) => !globallyUsed || globallyUsed[i] > 0);
        for (const [, j] of members) if (!bucket[j].grad) bucket[j].grad = zerosLike(bucket[j]);
        const kept = members.map(([, j]) => j);
        if (kept.length === bucket.length) {
          unflattenInto(
            flats[k],
            bucket.map((p) => p.grad as Tensor),
          );
        } else {
          // Globally unused parameters keep their .grad (PyTorch's copy_bucket_to_grad).
          tidy(() =>
            noGrad(() => {
              let off = 0;
              bucket.forEach((p, j) => {
                if (kept.includes(j)) (p.grad as Tensor).copy_(flats[k].narrow(0, off, p.numel()).view(p.shape));
                off += p.numel();
              });
            }),
          );
        }
      });
    } finally {
      for (const f of flats) f.dispose();
      (used as Tensor | null)?.dispose();
    }
  }
}
