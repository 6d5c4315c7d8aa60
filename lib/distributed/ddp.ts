/**
 * `torch.nn.parallel.DistributedDataParallel` for torchnode modules.
 *
 * As PyTorch's reducer, a hook on every parameter copies its gradient (divided by the world size)
 * into its bucket as backward produces it, and a bucket's allReduce is enqueued as soon as all its
 * gradients are in, while backward goes on computing the rest (communication overlaps
 * computation, on Gloo's threads). At the end of backward() the reducer waits for the buckets
 * still in flight and writes the averages into `.grad`, as PyTorch's does, so a training loop
 * reads as its Python:
 *
 *     const ddp = await DistributedDataParallel.create(model);   // broadcasts rank 0's state
 *     const loss = lossFn(ddp.call(x), y);
 *     loss.backward();                                             // gradients averaged across ranks
 *     optimizer.step();
 *
 * That wait, and the bucket rebuild's two broadcasts in the second `call()`, block the JS thread
 * as they block Python's (the event loop resumes when backward() returns); `await
 * ddp.syncGradients()` after backward() is still accepted and returns at once.
 *
 * The collectives are PyTorch's DDP's, one for one and on tensors of the same layout (see
 * docs/distributed.md), so torchnode ranks and Python ranks running
 * `torch.nn.parallel.DistributedDataParallel` on the same model train together in one group.
 */
import { type Tensor, empty, tensor, emptyLike, zerosLike, onBackwardEnd } from '../tensor.js';
import { dispose, keep, tidy } from '../scope.js';
import { isGradEnabled, noGrad } from '../autograd.js';
import { describe } from '../dtype.js';
import { checkOptions } from '../errors.js';
import { libtorchAtLeast, native } from '../native.js';
import { Module } from '../nn/module.js';
import { registerOptimizerStepPreHook } from '../optim/optimizer.js';
import type { Parameter } from '../nn/parameter.js';
import { allGather, allReduceMany, broadcastMany, waitCollectives } from './index.js';
import { nativeDistributed } from './backend.js';
import {
  BROADCAST_BUCKET_BYTES,
  DEFAULT_FIRST_BUCKET_BYTES,
  assignBuckets,
  broadcastCoalesced,
  broadcastCoalescedNow,
  flatten,
  unflattenInto,
} from './buckets.js';

/** Options of {@link DistributedDataParallel} (PyTorch's keyword arguments in camelCase). */
export interface DistributedDataParallelOptions {
  /**
   * Gradient bucket size in MiB (PyTorch's `bucket_cap_mb`, default 25). The first bucket after
   * the rebuild holds 1 MiB unless this is given (PyTorch 2.x's rule).
   */
  bucketCapMb?: number;
  /**
   * PyTorch's `broadcast_buffers` (default true): rank 0's buffers are copied to every rank before
   * forwards (`call()`), as PyTorch's, and by `syncBuffers()`.
   */
  broadcastBuffers?: boolean;
  /**
   * PyTorch's `find_unused_parameters` (default false): parameters that got no gradient in a
   * backward are reduced as zeros (their `.grad` stays untouched where no rank used them), with
   * PyTorch's extra allReduce of the per-parameter "used" flags. Without it, a parameter that gets
   * no gradient stops the reduction, and the next `call()` (or `optimizer.step()`) throws
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
  layout: Layout;
  ready: Uint8Array;
  readyCount: number;
  /** Gradients each bucket still waits for. */
  pending: number[];
  /** The next bucket to all-reduce (buckets are launched in order, as PyTorch's). */
  nextBucket: number;
  /** The enqueued allReduces. */
  launched: Promise<void>[];
  /** Buckets whose allReduce a gradient hook enqueued during backward. */
  launchedInBackward: number;
  scale: number;
  used: Tensor | null;
}

const MB = 1024 * 1024;
// 1.13's DDP syncs the buffers in its construction broadcast whatever broadcast_buffers says; 2.x only when set.
const BUFFERS_ALWAYS_AT_CONSTRUCTION = !libtorchAtLeast(2, 0);
// The CUDA path (counting hooks, the whole reduction at backward's end) on CPU, so that test/77
// can check it against PyTorch where no GPU is.
const COUNTING_HOOKS = process.env.TORCHNODE_DDP_COUNTING_HOOKS === '1';
// 2.x's DDP (2.6's distributed.py) gives find_unused_parameters' first bucket 1 MiB only with the default bucket_cap_mb.
const FIRST_BUCKET_ONLY_BY_DEFAULT = libtorchAtLeast(2, 0);

/** Integers of a (small) int32/int64 tensor. */
function ints(t: Tensor): number[] {
  return tidy(() => Array.from(t.cpu().dataSync() as ArrayLike<number | bigint>, Number));
}

/**
 * Wraps a module for data-parallel training over the default process group. Construction
 * checks that every rank has the same parameters (count, sizes, strides) and broadcasts rank 0's
 * parameters and buffers (await `ready`, or use {@link DistributedDataParallel.create});
 * a backward() after `call()` averages the gradients across ranks, one flattened allReduce per
 * bucket (PyTorch's `require_backward_grad_sync`: not inside `noSync()`; a backward without a
 * grad-enabled `call()` before it reduces nothing, as in PyTorch).
 *
 * Buckets, as PyTorch's reducer: the first backward reduces one bucket per dtype and device with
 * every parameter in registration order; the next grad-enabled `call()` (or `syncBuffers()` if it
 * comes first) broadcasts rank 0's bucket layout, used from then on: buckets of about
 * `bucketCapMb` in reverse registration order when rank 0 is a torchnode rank (PyTorch's rank 0
 * uses the order autograd produced the gradients in).
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
  /** 'first': before the first reduction; 'due': the bucket rebuild comes in the next call(); 'done'. */
  private rebuild: 'first' | 'due' | 'done' = 'first';
  readonly findUnusedParameters: boolean;
  /**
   * The gradient hooks on the parameters: on CPU JS hooks filling the buckets; elsewhere hooks
   * that only count (JS cannot run on CUDA's backward threads), read at the end of backward.
   */
  private readonly hooks: { remove(): void }[] = [];
  private readonly counters: number[] = [];
  /** Whether gradient hooks (JS or counting) keep localUsed; without them a gradient counts as use. */
  private readonly tracksUse: boolean;
  private layout: Layout | null = null;
  private pass: Pass | null = null;
  /** PyTorch's local_used_map: parameters that got a gradient since the last reduction (noSync included). */
  private readonly localUsed: Uint8Array;
  private noSyncDepth = 0;
  /**
   * PyTorch's `expect_autograd_hooks_`: set by a grad-enabled `call()` outside `noSync()`, cleared
   * when its backward's reduction finished. A backward without it reduces nothing.
   */
  private expectSync = false;
  /**
   * PyTorch's `require_forward_param_sync`: whether the next forward broadcasts rank 0's buffers
   * (true at first, then whether the last forward was a grad-enabled one outside noSync()).
   */
  private requireForwardParamSync = true;
  /** syncBuffers() ran since the last call(): that call() does not broadcast them again. */
  private buffersSynced = false;
  /** The last backward's reduction finished in backward(): the next syncGradients() has nothing to do. */
  private finishedInBackward = false;
  private readonly unregisterBackwardEnd: () => void;
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
      // With find_unused_parameters: buckets by size over the registration order, all-reduced
      // last bucket first, never rebuilt (no rebuild broadcast will align the ranks' layouts).
      // The first holds _DEFAULT_FIRST_BUCKET_BYTES in 1.13 whatever bucket_cap_mb is; in 2.x
      // only when bucket_cap_mb is not given.
      const limits =
        FIRST_BUCKET_ONLY_BY_DEFAULT && opts?.bucketCapMb !== undefined ? [Math.floor(cap * MB)] : [DEFAULT_FIRST_BUCKET_BYTES, Math.floor(cap * MB)];
      this.buckets = assignBuckets(params, limits).reverse();
      this.rebuild = 'done';
    } else {
      // The first iteration's buckets: one per dtype and device, every parameter in
      // registration order; all-reduced last bucket first.
      this.buckets = assignBuckets(params, [Number.POSITIVE_INFINITY]).reverse();
    }
    if (params.every((p) => p.device === 'cpu') && !COUNTING_HOOKS) {
      params.forEach((p, i) => {
        this.hooks.push(p.registerHook((grad) => this.onGrad(i, grad)));
      });
    } else if (native.registerGradCounter) {
      for (const p of params) {
        const id = native.registerGradCounter(p._h);
        this.counters.push(id);
        this.hooks.push({ remove: () => native.removeHook(id) });
      }
    }
    this.tracksUse = this.hooks.length > 0;
    // Through a WeakRef: a forgotten DDP object does not stay alive for the callback's sake.
    const self = new WeakRef(this);
    const unregister = onBackwardEnd(() => {
      const ddp = self.deref();
      if (ddp) ddp.finishBackward();
      else unregister();
    });
    this.unregisterBackwardEnd = unregister;
    // A reduction that could not finish in backward (a parameter without gradient): PyTorch's next
    // forward raises; a step before it would apply this rank's unaveraged gradients, so it raises too.
    const mine = new Set<Tensor>(params);
    this.hooks.push(
      registerOptimizerStepPreHook((opt) => {
        if (this.pass === null || !opt.paramGroups.some((g) => g.params.some((p: Tensor) => mine.has(p)))) return;
        throw new Error(`${opt.constructor.name}.step: ${this.unfinishedMessage(this.pass)}`);
      }),
    );
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

  /** The bucket rebuild when it is due (PyTorch: `reducer._rebuild_buckets()` in forward). */
  private maybeRebuild(): void {
    if (this.rebuild !== 'due' || !isGradEnabled()) return;
    this.rebuild = 'done'; // once, as PyTorch (also when it fails)
    this.syncBucketIndices();
  }

  /**
   * `Reducer::sync_bucket_indices`: rank 0's bucket layout to every rank, as two int32
   * broadcasts (the indices of all buckets followed by their number; then each bucket's size),
   * each waited for before the next, as in PyTorch. This rank's proposal, used when it is rank 0:
   * buckets of `firstBucketBytes` then `bucketCapMb` over the parameters in reverse registration
   * order.
   */
  private syncBucketIndices(): void {
    const fn = 'DistributedDataParallel';
    const n = this.params.length;
    const order = Array.from({ length: n }, (_, i) => n - 1 - i);
    const proposal = assignBuckets(
      order.map((i) => this.params[i]),
      [this.firstBucketBytes, Math.floor(this.bucketCapMb * MB)],
      order,
    );
    const device = this.params[0].device;
    const broadcast = (t: Tensor): void => waitCollectives([broadcastMany([t], 0)]);
    // keep(): call() may run inside the user's tidy().
    const indices = keep(tidy(() => tensor([...proposal.flat(), proposal.length], { dtype: 'int32' }).to(device)));
    let sizes: Tensor | null = null;
    try {
      broadcast(indices);
      const got = ints(indices);
      const num = got[n];
      if (!(Number.isInteger(num) && num >= 1 && num <= n)) {
        throw new Error(`${fn}: rank 0 sent a bucket layout with ${num} buckets for ${n} parameters`);
      }
      const mySizes = Array.from({ length: num }, (_, i) => proposal[Math.min(i, proposal.length - 1)].length);
      sizes = keep(tidy(() => tensor(mySizes, { dtype: 'int32' }).to(device)));
      broadcast(sizes);
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
        // The last backward's reduction could not finish: PyTorch raises this in the next forward.
        throw new Error(`DistributedDataParallel.call: ${this.unfinishedMessage(this.pass)}`);
      }
      this.maybeRebuild();
      this.expectSync = true;
      this.finishedInBackward = false;
    } else if (isGradEnabled()) {
      this.expectSync = false; // inside noSync(): its backward accumulates locally
    }
    // _sync_buffers before forward, on PyTorch's condition (an eval forward after training too).
    if (this.requireForwardParamSync && this.broadcastBuffers && !this.buffersSynced) {
      broadcastCoalescedNow(this.module.buffers(), BROADCAST_BUCKET_BYTES, 0);
    }
    this.buffersSynced = false;
    this.requireForwardParamSync = isGradEnabled() && this.noSyncDepth === 0;
    return this.module.call(...inputs) as ReturnType<M['forward']>;
  }

  /**
   * PyTorch's `no_sync()`: runs `fn` (forward and backward of micro-batches) without reducing
   * gradients; they accumulate in `.grad`, and the backward of the next `call()` outside `noSync`
   * reduces the accumulated sums, as PyTorch does. A backward counts as inside when its `call()`
   * was. Returns what `fn` returns; when that is a Promise, the section ends once it settles.
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
        : 'Accumulate gradients of several backward() calls inside noSync().')
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
      const done = allReduceMany([flat], 'sum');
      done.catch(() => {}); // thrown by the wait at the end of backward
      pass.launched.push(done);
      if (fromHook) pass.launchedInBackward++;
    }
    if (pass.nextBucket === layout.flats.length && this.findUnusedParameters && pass.used === null) {
      // all_reduce_local_used_map, right after the last bucket's allReduce.
      const used = keep(tidy(() => tensor(Array.from(this.localUsed), { dtype: 'int32' }).to(this.params[0].device)));
      pass.used = used;
      const done = allReduceMany([used], 'sum');
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
      if (!this.expectSync) return;
      if (this.pass === null) {
        const n = this.params.length;
        const layout = this.layoutFor(this.buckets);
        this.pass = {
          layout,
          ready: new Uint8Array(n),
          readyCount: 0,
          pending: layout.buckets.map((b) => b.length),
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
            'in one backward() (accumulate gradients of several backward() calls inside noSync())',
        );
      }
      pass.ready[i] = 1;
      pass.readyCount++;
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
   * new DistributedDataParallel. Call it after the last backward().
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const h of this.hooks) h.remove();
    this.hooks.length = 0;
    this.counters.length = 0;
    this.unregisterBackwardEnd();
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
   * PyTorch's `_sync_buffers`. `call()` does this itself, where PyTorch's forward does (with
   * `broadcastBuffers`, in the forward after a grad-enabled one); this awaitable form, before a
   * `call()`, takes that call()'s place (the bucket rebuild due in it comes first, as there).
   */
  async syncBuffers(): Promise<void> {
    this.maybeRebuild();
    if (!this.broadcastBuffers) return;
    this.buffersSynced = true;
    await broadcastCoalesced(this.module.buffers(), BROADCAST_BUCKET_BYTES, 0);
  }

  /**
   * The end of every backward() (PyTorch's reducer finalizes in the autograd engine's final
   * callback): when this backward reduced through this module, waits for its buckets and writes
   * the averages into `.grad`. A reduction that cannot finish (a parameter without gradient and no
   * findUnusedParameters) is left for the next `call()` to report, as PyTorch's next forward does.
   */
  private finishBackward(): void {
    if (!this.isReady || this.disposed || !nativeDistributed.isInitialized()) return;
    if (this.counters.length > 0) {
      // Counting hooks (CUDA): the whole reduction now, if this backward reached the parameters.
      const counts = this.counters.map((id) => native.gradCount?.(id) ?? 0);
      counts.forEach((c, i) => {
        if (c > 0) this.localUsed[i] = 1;
      });
      if (!this.expectSync || !counts.some((c) => c > 0)) return;
      this.reduceNow(true);
      this.finishedInBackward = true;
      return;
    }
    const pass = this.pass;
    if (pass === null || (!this.findUnusedParameters && pass.readyCount < this.params.length)) return;
    this.finishPass(pass);
    this.finishedInBackward = true;
  }

  /**
   * `finalize_backward`: the unused parameters' places complete the buckets (findUnusedParameters),
   * then waits for every bucket's allReduce and copies the averages into `.grad`.
   */
  private finishPass(pass: Pass): void {
    this.pass = null;
    this.expectSync = false;
    try {
      if (pass.readyCount < this.params.length) {
        tidy(() => {
          pass.ready.forEach((r, i) => {
            if (!r) this.fillSlot(pass, i, this.params[i].grad);
          });
          this.launchReady(pass, false);
        });
      }
      this.lastLaunchedInBackward = pass.launchedInBackward;
      try {
        waitCollectives(pass.launched);
      } catch (e) {
        this.abandon(pass);
        throw e;
      }
      const globallyUsed = pass.used ? ints(pass.used) : null;
      pass.layout.buckets.forEach((bucket, k) => {
        this.copyBack(
          pass.layout,
          k,
          bucket.filter((i) => !globallyUsed || globallyUsed[i] > 0),
        );
      });
    } finally {
      pass.used?.dispose();
      pass.used = null;
      this.localUsed.fill(0);
    }
    if (this.rebuild === 'first') this.rebuild = 'due';
  }

  /**
   * Kept from the releases where backward() did not finish the reduction: after a backward that
   * reduced (the usual case) it returns at once. Without one (after `noSync()` sections, or after
   * backward of the module called directly), it all-reduces the parameters' current gradients (a
   * missing one counts as zeros) and averages them into `.grad`; after a reduction that could not
   * finish, it throws PyTorch's error naming the parameters without gradient.
   */
  async syncGradients(): Promise<void> {
    const fn = 'DistributedDataParallel.syncGradients';
    if (this.finishedInBackward) {
      this.finishedInBackward = false;
      return;
    }
    const pass = this.pass;
    if (pass) {
      if (!this.findUnusedParameters && pass.readyCount < this.params.length) {
        this.pass = null;
        this.expectSync = false;
        this.abandon(pass);
        this.localUsed.fill(0);
        throw new Error(`${fn}: ${this.unfinishedMessage(pass)}`);
      }
      this.finishPass(pass); // a backward that did not end through backward() (autograd.grad)
      return;
    }
    await this.reduceNow(false);
  }

  /** A failed pass: its flat buckets may still be in flight, so the next pass gets new ones. */
  private abandon(pass: Pass): void {
    const layout = pass.layout;
    pass.used?.dispose();
    pass.used = null;
    if (this.layout !== layout) return;
    this.layout = null;
    Promise.allSettled(pass.launched).then(() => dispose(layout.flats));
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
   * The whole reduction at once (CUDA, where no JS hook fills buckets during backward; or
   * syncGradients() without a reduced backward): the parameters' gradients flattened per bucket
   * times 1/worldSize, one allReduce each (and the used flags'), averaged into `.grad`; ends the
   * reduction's bookkeeping as finishPass does. `block`: waits on the JS thread (at the end of
   * backward), else awaits.
   */
  private reduceNow(block: true): void;
  private reduceNow(block: false): Promise<void>;
  private reduceNow(block: boolean): void | Promise<void> {
    this.expectSync = false;
    // The used flags are read now and localUsed starts over, whatever happens next.
    const flags = this.tracksUse ? Array.from(this.localUsed) : this.params.map((p) => (p.grad ? 1 : 0));
    this.localUsed.fill(0);
    const scale = 1 / nativeDistributed.getWorldSize();
    const buckets = this.buckets.map((b) => b.map((i) => this.params[i]));
    let used: Tensor | null = null;
    const flats = buckets.map((bucket) =>
      keep(
        tidy(() => {
          const flat = flatten(bucket.map((p) => p.grad ?? zerosLike(p)));
          flat.mul_(scale); // grad * (1 / world): the reducer's mul_out into the bucket
          return flat;
        }),
      ),
    );
    const release = () => {
      dispose(flats);
      (used as Tensor | null)?.dispose();
    };
    let done: Promise<void>;
    try {
      if (this.findUnusedParameters) {
        used = keep(tidy(() => tensor(flags, { dtype: 'int32' }).to(this.params[0].device)));
        done = allReduceMany([...flats, used], 'sum');
      } else {
        done = allReduceMany(flats, 'sum');
      }
    } catch (e) {
      release();
      throw e;
    }
    const finish = () => {
      try {
        this.copyBackAll(buckets, flats, used ? ints(used) : null);
      } finally {
        release();
      }
      if (this.rebuild === 'first') this.rebuild = 'due';
    };
    if (!block)
      return done.then(finish, (e) => {
        release();
        throw e;
      });
    try {
      waitCollectives([done]);
    } catch (e) {
      release();
      throw e;
    }
    finish();
  }

  /** The reduced flat buckets into `.grad`; globally unused parameters keep theirs (copy_bucket_to_grad). */
  private copyBackAll(buckets: Parameter[][], flats: Tensor[], globallyUsed: number[] | null): void {
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
  }
}
