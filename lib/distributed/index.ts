/**
 * torchnode.distributed: `torch.distributed` on LibTorch's c10d with the Gloo backend (CPU tensors)
 * and, in builds against a CUDA LibTorch that has it, the NCCL backend (CUDA tensors).
 *
 *     import { distributed as dist } from 'torchnode';
 *     await dist.initProcessGroup({ backend: 'gloo', initMethod: 'env://' });
 *     await dist.allReduce(t, { op: 'sum' });
 *
 * Differences from Python, all because Node must not block its event loop: `initProcessGroup`,
 * the collectives and `barrier` return Promises (await them before reading the tensors they
 * write), and `timeout` is in milliseconds. Collectives are enqueued synchronously in call order,
 * so every rank must call them in the same order, exactly as in PyTorch.
 */
import { nativeDistributed, ncclBuilt, groupBackend, type BackendName } from './backend.js';
import { type Tensor, h } from '../tensor.js';
import { describe } from '../dtype.js';
import { glooDeviceHost } from './bind.js';
import { checkOptions, expectNonNegInt, expectOneOf, expectPositiveInt } from '../errors.js';

export { DistributedSampler, type DistributedSamplerOptions, type Sized } from './sampler.js';
export { DistributedDataParallel, type DistributedDataParallelOptions } from './ddp.js';
export { launch, LAUNCHER_PATH, type LaunchOptions, type StdSpec } from './launcher.js';
export type { BackendName } from './backend.js';

const nd = nativeDistributed;

/** Runs a validator and prefixes its message with the function's name. */
function named<T>(fn: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof TypeError) throw new TypeError(`${fn}: ${e.message}`);
    throw e;
  }
}

/** Reduction operators of `allReduce`/`reduceScatter` (`torch.distributed.ReduceOp`). */
export type ReduceOpName = 'sum' | 'avg' | 'product' | 'min' | 'max';
/** `torch.distributed.ReduceOp`, as strings. */
export const ReduceOp = { SUM: 'sum', AVG: 'avg', PRODUCT: 'product', MIN: 'min', MAX: 'max' } as const;
const REDUCE_OPS: readonly ReduceOpName[] = ['sum', 'avg', 'product', 'min', 'max'];
const BACKENDS: readonly BackendName[] = ['gloo', 'nccl'];

/** torch.distributed's default timeout: 30 minutes. */
export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

/** Options of {@link initProcessGroup} (`torch.distributed.init_process_group`). */
export interface InitProcessGroupOptions {
  /**
   * 'gloo' (CPU tensors; default) or 'nccl' (CUDA tensors; only where {@link isNcclAvailable},
   * one GPU per rank).
   */
  backend?: BackendName;
  /** `'env://'` (default: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE) or `'tcp://host:port'`. */
  initMethod?: string;
  /** This process's rank; default `RANK` from the environment. */
  rank?: number;
  /** Number of processes; default `WORLD_SIZE` from the environment. */
  worldSize?: number;
  /** Milliseconds to wait for the rendezvous and for each collective. Default 30 minutes. */
  timeout?: number;
  /**
   * NCCL only (PyTorch's `device_id`): the CUDA device index of this rank, e.g. `LOCAL_RANK`. Binds
   * the group to it and creates the NCCL communicator during `initProcessGroup`. Without it the
   * first collective creates the communicator, and that call blocks the JS thread until every
   * rank has reached its first collective.
   */
  deviceId?: number;
}

/** `torch.distributed.is_available()`: whether this build has c10d with Gloo. */
export function isAvailable(): boolean {
  return nd.isAvailable();
}

/**
 * `torch.distributed.is_nccl_available()`: whether this build has the NCCL backend (built against
 * a CUDA LibTorch whose c10d has ProcessGroupNCCL). Says nothing about GPUs being present.
 */
export function isNcclAvailable(): boolean {
  return ncclBuilt();
}

/** `torch.distributed.is_initialized()`. */
export function isInitialized(): boolean {
  return nd.isInitialized();
}

/** `torch.distributed.get_rank()`: this process's rank in the default group. */
export function getRank(): number {
  return nd.getRank();
}

/** `torch.distributed.get_world_size()`: number of processes in the default group. */
export function getWorldSize(): number {
  return nd.getWorldSize();
}

/** `torch.distributed.get_backend()`: `'gloo'` or `'nccl'`. */
export function getBackend(): BackendName {
  if (!nd.isInitialized()) throw new Error('distributed.getBackend: the default process group is not initialized');
  return groupBackend();
}

function envInt(name: string, fn: string): number {
  const v = process.env[name];
  if (v === undefined || v === '') {
    throw new Error(
      `${fn}: ${name} is not set in the environment (env:// needs MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE, ` +
        `or pass rank/worldSize; torchnode-run sets them all)`,
    );
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${fn}: expected a non-negative integer in ${name} but received '${v}'`);
  return n;
}

/**
 * `torch.distributed.init_process_group`: joins the default process group. Rank 0 hosts the
 * rendezvous (a c10d TCPStore) at the given address; resolves once all `worldSize` ranks joined,
 * rejects with a timeout error when they do not within `timeout`.
 *
 * Gloo binds to 127.0.0.1 when the master address is a loopback address, to the interface in
 * `GLOO_SOCKET_IFNAME` when set (as PyTorch), and otherwise to the address this host's name
 * resolves to, or, when that is a loopback address (peers elsewhere could not reach it), to the
 * address this machine uses to reach the master.
 *
 * The rendezvous is PyTorch's (store keys, start-up barrier, sequence number, of the PyTorch
 * version of this LibTorch), so Python ranks calling `torch.distributed.init_process_group('gloo',
 * init_method=...)` with the same address and world size join the same group; see
 * docs/distributed.md, "Node and Python ranks in one group".
 */
export async function initProcessGroup(opts: InitProcessGroupOptions | null = {}): Promise<void> {
  const fn = 'distributed.initProcessGroup';
  checkOptions(opts, ['backend', 'initMethod', 'rank', 'worldSize', 'timeout', 'deviceId'], fn);
  if (!nd.isAvailable()) {
    // Reports why (native message) rather than a generic error.
    await nd.init({ host: '', port: 0, rank: 0, worldSize: 1, timeoutMs: 0 });
  }
  const backend = named(fn, () => expectOneOf(opts?.backend ?? 'gloo', BACKENDS, 'backend'));
  if (backend === 'nccl' && !ncclBuilt()) {
    if (!nd.isNcclAvailable) {
      throw new Error(`${fn}: backend 'nccl' is not available: the loaded torchnode addon predates NCCL support (rebuild it)`);
    }
    // The native message says which LibTorch this build has and why it has no NCCL.
    await nd.init({ host: '', port: 0, rank: 0, worldSize: 1, timeoutMs: 0, backend });
  }
  let deviceId: number | undefined;
  if (opts?.deviceId !== undefined) {
    if (backend !== 'nccl') throw new TypeError(`${fn}: deviceId is only used by backend 'nccl' (Gloo communicates CPU tensors)`);
    deviceId = named(fn, () => expectNonNegInt(opts?.deviceId, 'deviceId'));
  }
  const initMethod = opts?.initMethod ?? 'env://';
  if (typeof initMethod !== 'string') throw new TypeError(`${fn}: Expected string for initMethod but received ${describe(initMethod)}`);
  let host: string;
  let port: number;
  if (initMethod === 'env://') {
    host = process.env.MASTER_ADDR ?? '';
    if (!host) throw new Error(`${fn}: MASTER_ADDR is not set in the environment (needed by initMethod 'env://')`);
    port = envInt('MASTER_PORT', fn);
  } else {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(initMethod);
    if (!m) throw new TypeError(`${fn}: Expected 'env://' or 'tcp://host:port' for initMethod but received '${initMethod}'`);
    host = m[1].replace(/^\[|\]$/g, '');
    port = Number(m[2]);
  }
  if (!(port > 0 && port < 65536)) throw new RangeError(`${fn}: Expected a port in 1..65535 but received ${port}`);
  const rank = opts?.rank ?? envInt('RANK', fn);
  const worldSize = opts?.worldSize ?? envInt('WORLD_SIZE', fn);
  named(fn, () => expectNonNegInt(rank, 'rank'));
  named(fn, () => expectPositiveInt(worldSize, 'worldSize'));
  if (rank >= worldSize) throw new RangeError(`${fn}: rank ${rank} is out of range for worldSize ${worldSize} (expected 0..${worldSize - 1})`);
  const timeout = opts?.timeout ?? DEFAULT_TIMEOUT_MS;
  named(fn, () => expectPositiveInt(timeout, 'timeout (milliseconds)'));
  if (backend === 'nccl') {
    await timedRendezvous(nd.init({ host, port, rank, worldSize, timeoutMs: timeout, backend, deviceId }), timeout);
    return;
  }
  const iface = process.env.GLOO_SOCKET_IFNAME;
  const joining = nd.init({
    host,
    port,
    rank,
    worldSize,
    timeoutMs: timeout,
    deviceIface: iface ? iface.split(',')[0] : undefined,
    deviceHost: iface ? undefined : await glooDeviceHost(host, port),
    threads: 2,
  });
  await timedRendezvous(joining, timeout);
}

/**
 * LibTorch applies the timeout to each rendezvous step in turn: TCPStore's wait for all ranks to
 * connect (which 1.13 ends silently after the timeout plus up to a second), then the backend's wait
 * for each peer's address. A missing rank thus makes rank 0 reject after about twice the timeout;
 * the native message says the timeout, this says how long it really waited.
 */
async function timedRendezvous(joining: Promise<void>, timeout: number): Promise<void> {
  const t0 = Date.now();
  try {
    await joining;
  } catch (e) {
    const m = e instanceof Error ? /^(distributed\.initProcessGroup: timed out after )\d+ ms (waiting for .*? as rank \d+)/s.exec(e.message) : null;
    if (m && e instanceof Error) {
      e.message = `${m[1]}${Date.now() - t0} ms ${m[2]} (the timeout of ${timeout} ms applies to each rendezvous step: the store's wait for all ranks to connect, then each peer's address)${e.message.slice(m[0].length)}`;
    }
    throw e;
  }
}

/** `torch.distributed.destroy_process_group()`: leaves the default group (no-op when none). */
export function destroyProcessGroup(): void {
  nd.destroy();
}

/**
 * Gloo works on dense, contiguous CPU tensors, NCCL on contiguous CUDA tensors; say so before the
 * native layer does. Before initProcessGroup the backend is unknown: requireGroup reports that.
 */
function commTensor(t: unknown, what: string, fn: string): number {
  const handle = h(t, `${fn}: ${what}`);
  const tt = t as Tensor;
  const backend = nd.isInitialized() ? groupBackend() : null;
  if (backend === 'nccl') {
    if (!tt.device.startsWith('cuda')) throw new TypeError(`${fn}: Expected a CUDA tensor for ${what} (NCCL backend) but received one on ${tt.device}`);
  } else if (backend === 'gloo' && tt.device !== 'cpu') {
    throw new TypeError(`${fn}: Expected a CPU tensor for ${what} (Gloo backend) but received one on ${tt.device}`);
  }
  if (!tt.isContiguous()) throw new TypeError(`${fn}: Expected a contiguous tensor for ${what} (call .contiguous() first)`);
  return handle;
}

// Collectives reach the process group in call order, which is what keeps ranks matched. DDP's
// bucket rebuild (two broadcasts, the second sized by the first's result, as PyTorch's
// Reducer::sync_bucket_indices) must not be interleaved with other collectives: while it runs,
// collectives called meanwhile wait here, in call order, and are enqueued right after it.
let held: (() => void)[] | null = null;

function enqueue<T>(start: () => Promise<T>): Promise<T> {
  const queue = held;
  if (queue === null) return start();
  return new Promise<T>((resolve, reject) => {
    queue.push(() => {
      try {
        start().then(resolve, reject);
      } catch (e) {
        reject(e);
      }
    });
  });
}

function release(queue: (() => void)[]): void {
  while (queue.length > 0) {
    if (held !== null) {
      // A released exclusive() took the group again: the rest waits for it, still first in line.
      held.unshift(...queue);
      return;
    }
    (queue.shift() as () => void)();
  }
}

/**
 * Calls `start` (which issues collectives) now, or, while an {@link exclusive} sequence runs, right
 * after it in call order. @internal
 */
export function inOrder<T>(start: () => Promise<T>): Promise<T> {
  if (typeof start !== 'function') throw new TypeError(`distributed.inOrder: Expected a function for start but received ${describe(start)}`);
  return enqueue(start);
}

/** A broadcast that bypasses the hold of {@link exclusive} (only for its steps). @internal */
export type DirectBroadcast = (tensors: Tensor[], src: number) => Promise<void>;

/**
 * Runs `steps` as one uninterrupted sequence of collectives, issued through the `broadcast` it is
 * given; collectives called while it runs are enqueued after it, in call order. @internal
 */
export function exclusive<T>(steps: (broadcast: DirectBroadcast) => Promise<T>): Promise<T> {
  if (typeof steps !== 'function') throw new TypeError(`distributed.exclusive: Expected a function for steps but received ${describe(steps)}`);
  const fn = 'distributed.broadcast';
  const direct: DirectBroadcast = (tensors, src) => {
    const hs = tensors.map((t, i) => commTensor(t, `tensors[${i}]`, fn));
    requireGroup(fn);
    return nd.broadcast(hs, src);
  };
  return enqueue(async () => {
    held = [];
    try {
      return await steps(direct);
    } finally {
      const queue = held ?? [];
      held = null;
      release(queue);
    }
  });
}

function requireGroup(fn: string): void {
  if (!nd.isAvailable()) nd.getRank(); // throws the build's "not available" message
  if (!nd.isInitialized()) {
    throw new Error(`${fn}: the default process group is not initialized; call (and await) distributed.initProcessGroup() first`);
  }
}

/**
 * `torch.distributed.all_reduce(tensor, op)`: reduces `tensor` across all ranks, in place.
 * `'avg'` sums, then divides by the world size (Gloo has no AVG; NCCL does it the same way here,
 * so both backends give the same numbers, integer tensors included).
 */
export async function allReduce(tensor: Tensor, opts: { op?: ReduceOpName } | null = {}): Promise<void> {
  const fn = 'distributed.allReduce';
  checkOptions(opts, ['op'], fn);
  const op = named(fn, () => expectOneOf(opts?.op ?? 'sum', REDUCE_OPS, 'op'));
  const th = commTensor(tensor, 'tensor', fn);
  requireGroup(fn);
  await enqueue(() => nd.allReduce([th], op));
}

/** `allReduce` of several tensors: one collective each, awaited together. @internal */
export async function allReduceMany(tensors: Tensor[], op: ReduceOpName): Promise<void> {
  const fn = 'distributed.allReduceMany';
  if (!Array.isArray(tensors)) throw new TypeError(`${fn}: Expected an array of Tensors for tensors but received ${describe(tensors)}`);
  named(fn, () => expectOneOf(op, REDUCE_OPS, 'op'));
  const hs = tensors.map((t, i) => commTensor(t, `tensors[${i}]`, fn));
  requireGroup(fn);
  if (hs.length) await enqueue(() => nd.allReduce(hs, op));
}

/** `torch.distributed.broadcast(tensor, src)`: copies rank `src`'s `tensor` into every rank's, in place. */
export async function broadcast(tensor: Tensor, opts: { src?: number } | null = {}): Promise<void> {
  const fn = 'distributed.broadcast';
  checkOptions(opts, ['src'], fn);
  const src = named(fn, () => expectNonNegInt(opts?.src ?? 0, 'src'));
  const th = commTensor(tensor, 'tensor', fn);
  requireGroup(fn);
  const world = nd.getWorldSize();
  if (src >= world) throw new RangeError(`${fn}: src ${src} is not a rank of this group (expected 0..${world - 1})`);
  await enqueue(() => nd.broadcast([th], src));
}

/** `broadcast` of several tensors from `src`, awaited together. @internal */
export async function broadcastMany(tensors: Tensor[], src: number): Promise<void> {
  const fn = 'distributed.broadcastMany';
  if (!Array.isArray(tensors)) throw new TypeError(`${fn}: Expected an array of Tensors for tensors but received ${describe(tensors)}`);
  named(fn, () => expectNonNegInt(src, 'src'));
  const hs = tensors.map((t, i) => commTensor(t, `tensors[${i}]`, fn));
  requireGroup(fn);
  if (hs.length) await enqueue(() => nd.broadcast(hs, src));
}

function sameShapeDtype(a: Tensor, b: Tensor, what: string, fn: string): void {
  if (a.dtype !== b.dtype || a.shape.join(',') !== b.shape.join(',')) {
    throw new TypeError(
      `${fn}: Expected ${what} to have the input's shape [${b.shape.join(', ')}] and dtype ${b.dtype} ` +
        `but received shape [${a.shape.join(', ')}] and dtype ${a.dtype}`,
    );
  }
}

/**
 * `torch.distributed.all_gather(tensor_list, tensor)`: writes rank i's `tensor` into
 * `outputList[i]` on every rank. `outputList` holds worldSize tensors shaped like `tensor`.
 */
export async function allGather(outputList: Tensor[], tensor: Tensor): Promise<void> {
  const fn = 'distributed.allGather';
  if (!Array.isArray(outputList)) throw new TypeError(`${fn}: Expected an array of Tensors for outputList but received ${describe(outputList)}`);
  const ih = commTensor(tensor, 'tensor', fn);
  const ohs = outputList.map((t, i) => commTensor(t, `outputList[${i}]`, fn));
  requireGroup(fn);
  const world = nd.getWorldSize();
  if (outputList.length !== world) {
    throw new RangeError(`${fn}: Expected outputList to hold worldSize (${world}) tensors but received ${outputList.length}`);
  }
  outputList.forEach((o, i) => sameShapeDtype(o, tensor, `outputList[${i}]`, fn));
  await enqueue(() => nd.allGather(ohs, [ih]));
}

/**
 * `torch.distributed.reduce_scatter(output, input_list, op)`: reduces `inputList[i]` across ranks
 * into rank i's `output`. LibTorch 1.13's Gloo backend does not implement it (the Promise rejects
 * with Gloo's "does not support reduce_scatter"); newer LibTorch builds may.
 */
export async function reduceScatter(output: Tensor, inputList: Tensor[], opts: { op?: ReduceOpName } | null = {}): Promise<void> {
  const fn = 'distributed.reduceScatter';
  checkOptions(opts, ['op'], fn);
  const op = named(fn, () => expectOneOf(opts?.op ?? 'sum', REDUCE_OPS, 'op'));
  if (!Array.isArray(inputList)) throw new TypeError(`${fn}: Expected an array of Tensors for inputList but received ${describe(inputList)}`);
  const oh = commTensor(output, 'output', fn);
  const ihs = inputList.map((t, i) => commTensor(t, `inputList[${i}]`, fn));
  requireGroup(fn);
  const world = nd.getWorldSize();
  if (inputList.length !== world) {
    throw new RangeError(`${fn}: Expected inputList to hold worldSize (${world}) tensors but received ${inputList.length}`);
  }
  inputList.forEach((t, i) => sameShapeDtype(t, output, `inputList[${i}]`, fn));
  await enqueue(() => nd.reduceScatter([oh], ihs, op));
}

/** `torch.distributed.barrier()`: resolves once every rank has called it. */
export async function barrier(): Promise<void> {
  requireGroup('distributed.barrier');
  await enqueue(() => nd.barrier());
}
