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
import { nativeDistributed, ncclBuilt, glooBuilt, groupBackend, type BackendName } from './backend.js';
import { type Tensor, h } from '../tensor.js';
import { describe } from '../dtype.js';
import { glooDeviceHost } from './bind.js';
import { argMessage, checkOptions, expectInt, expectNonNegInt, expectOneOf, expectPositiveInt } from '../errors.js';
import { ProcessGroup, type GroupOption, type ResolvedGroup, groupRankOf, resolveGroup } from './group.js';
import { pickleValue, unpickleValue } from './objects.js';
import { tensor as makeTensor, zeros, empty } from '../creation.js';

export { DistributedSampler, type DistributedSamplerOptions, type Sized } from './sampler.js';
export { DistributedDataParallel, type DistributedDataParallelOptions } from './ddp.js';
export { launch, LAUNCHER_PATH, type LaunchOptions, type StdSpec } from './launcher.js';
export type { BackendName } from './backend.js';
export { ProcessGroup, type GroupOption } from './group.js';

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

/**
 * `torch.distributed.is_available()`: whether this build has c10d. Which backends it has:
 * {@link isGlooAvailable}, {@link isNcclAvailable}.
 */
export function isAvailable(): boolean {
  return nd.isAvailable();
}

/**
 * `torch.distributed.is_gloo_available()`: whether this build has the Gloo backend (CPU tensors).
 * False for a build against pip's torch, which ships no gloo headers (set GLOO_INCLUDE_DIR to
 * build it in; see docs/distributed.md).
 */
export function isGlooAvailable(): boolean {
  return glooBuilt();
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

/**
 * `torch.distributed.get_rank(group)`: this process's rank in the default group, or in `group`
 * (-1 when it is not a member).
 */
export function getRank(group?: ProcessGroup | null): number {
  if (group === undefined || group === null) return nd.getRank();
  return resolveGroup(group, 'distributed.getRank').rank;
}

/** `torch.distributed.get_world_size(group)`: number of processes in the default group, or in `group`. */
export function getWorldSize(group?: ProcessGroup | null): number {
  if (group === undefined || group === null) return nd.getWorldSize();
  return resolveGroup(group, 'distributed.getWorldSize').ranks.length;
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
  // Likewise for Gloo (a build against pip's torch, which ships no gloo headers).
  if (backend === 'gloo' && !glooBuilt()) await nd.init({ host: '', port: 0, rank: 0, worldSize: 1, timeoutMs: 0, backend });
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

// Collectives reach the process group in call order, which is what keeps ranks matched: each one
// is issued to the addon synchronously, when it is called.

/** The addon's ticket of the last collective issued (0: none yet). @internal */
export function lastTicket(): number {
  return nd.lastTicket?.() ?? 0;
}

/** The addon's tickets of the Promises of {@link allReduceMany} and {@link broadcastMany}. */
const ticketOf = new WeakMap<Promise<void>, number>();

/** `done`, the Promise of the collective just issued (ticket 0: none was), known to waitCollectives. */
function issued(done: Promise<void>, ticket = lastTicket()): Promise<void> {
  ticketOf.set(done, ticket);
  return done;
}

/**
 * Blocks the JS thread until these collectives (Promises of {@link allReduceMany} or
 * {@link broadcastMany}) completed, as a Python rank's synchronous collectives (`work.wait()`);
 * throws the first failed one's error. The Promises settle as usual. @internal
 */
export function waitCollectives(collectives: Promise<void>[]): void {
  if (!Array.isArray(collectives) || !collectives.every((p) => ticketOf.has(p))) {
    throw new TypeError(
      `distributed.waitCollectives: Expected an array of Promises of allReduceMany/broadcastMany for collectives but received ${describe(collectives)}`,
    );
  }
  for (const p of collectives) p.catch(() => {}); // the error is thrown here
  const tickets = collectives.map((p) => ticketOf.get(p) as number);
  if (!nd.waitTickets) throw new Error('distributed: the loaded torchnode addon predates blocking waits (rebuild it)');
  nd.waitTickets(tickets);
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
export async function allReduce(tensor: Tensor, opts: ({ op?: ReduceOpName } & GroupOption) | null = {}): Promise<void> {
  const fn = 'distributed.allReduce';
  checkOptions(opts, ['op', 'group'], fn);
  const op = named(fn, () => expectOneOf(opts?.op ?? 'sum', REDUCE_OPS, 'op'));
  const th = commTensor(tensor, 'tensor', fn);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  await nd.allReduce([th], op, g.id);
}

/**
 * `allReduce` of several tensors: one collective each, awaited together. Issued before it returns
 * (argument errors throw); its Promise can be waited for with {@link waitCollectives}. @internal
 */
export function allReduceMany(tensors: Tensor[], op: ReduceOpName): Promise<void> {
  const fn = 'distributed.allReduceMany';
  if (!Array.isArray(tensors)) throw new TypeError(`${fn}: Expected an array of Tensors for tensors but received ${describe(tensors)}`);
  named(fn, () => expectOneOf(op, REDUCE_OPS, 'op'));
  const hs = tensors.map((t, i) => commTensor(t, `tensors[${i}]`, fn));
  requireGroup(fn);
  return hs.length ? issued(nd.allReduce(hs, op)) : issued(Promise.resolve(), 0);
}

/**
 * `torch.distributed.broadcast(tensor, src)`: copies rank `src`'s `tensor` into every rank's, in
 * place. `src` is a rank of the default group, also with `group` (as in PyTorch).
 */
export async function broadcast(tensor: Tensor, opts: ({ src?: number } & GroupOption) | null = {}): Promise<void> {
  const fn = 'distributed.broadcast';
  checkOptions(opts, ['src', 'group'], fn);
  named(fn, () => expectNonNegInt(opts?.src ?? 0, 'src'));
  const th = commTensor(tensor, 'tensor', fn);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  const src = groupRankOf(g, opts?.src ?? 0, 'src', fn);
  await nd.broadcast([th], src, g.id);
}

/** `broadcast` of several tensors from `src`, awaited together; issued before it returns, as {@link allReduceMany}. @internal */
export function broadcastMany(tensors: Tensor[], src: number): Promise<void> {
  const fn = 'distributed.broadcastMany';
  if (!Array.isArray(tensors)) throw new TypeError(`${fn}: Expected an array of Tensors for tensors but received ${describe(tensors)}`);
  named(fn, () => expectNonNegInt(src, 'src'));
  const hs = tensors.map((t, i) => commTensor(t, `tensors[${i}]`, fn));
  requireGroup(fn);
  return hs.length ? issued(nd.broadcast(hs, src)) : issued(Promise.resolve(), 0);
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
export async function allGather(outputList: Tensor[], tensor: Tensor, opts: GroupOption | null = {}): Promise<void> {
  const fn = 'distributed.allGather';
  checkOptions(opts, ['group'], fn);
  const ohs = tensorList(outputList, 'outputList', fn);
  const ih = commTensor(tensor, 'tensor', fn);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  checkListLength(outputList, 'outputList', g, fn);
  outputList.forEach((o, i) => sameShapeDtype(o, tensor, `outputList[${i}]`, fn));
  await nd.allGather(ohs, [ih], g.id);
}

/**
 * `torch.distributed.reduce_scatter(output, input_list, op)`: reduces `inputList[i]` across ranks
 * into rank i's `output`. LibTorch 1.13's Gloo backend does not implement it (the Promise rejects
 * with Gloo's "does not support reduce_scatter"); newer LibTorch builds may.
 */
export async function reduceScatter(output: Tensor, inputList: Tensor[], opts: ({ op?: ReduceOpName } & GroupOption) | null = {}): Promise<void> {
  const fn = 'distributed.reduceScatter';
  checkOptions(opts, ['op', 'group'], fn);
  const op = named(fn, () => expectOneOf(opts?.op ?? 'sum', REDUCE_OPS, 'op'));
  const ihs = tensorList(inputList, 'inputList', fn);
  const oh = commTensor(output, 'output', fn);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  checkListLength(inputList, 'inputList', g, fn);
  inputList.forEach((t, i) => sameShapeDtype(t, output, `inputList[${i}]`, fn));
  await nd.reduceScatter([oh], ihs, op, g.id);
}

/** `torch.distributed.barrier(group)`: resolves once every rank (of `group`) has called it. */
export async function barrier(opts: GroupOption | null = {}): Promise<void> {
  const fn = 'distributed.barrier';
  checkOptions(opts, ['group'], fn);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  await nd.barrier(g.id);
}

// ---- point to point, rooted collectives, all-to-all, subgroups ----

/** `tensors` as commTensor handles, after checking it is an array. */
function tensorList(tensors: unknown, what: string, fn: string): number[] {
  if (!Array.isArray(tensors)) throw new TypeError(`${fn}: Expected an array of Tensors for ${what} but received ${describe(tensors)}`);
  return tensors.map((t, i) => commTensor(t, `${what}[${i}]`, fn));
}

function checkListLength(list: unknown[], what: string, g: ResolvedGroup, fn: string): void {
  if (list.length !== g.ranks.length) {
    throw new RangeError(`${fn}: Expected ${what} to hold worldSize (${g.ranks.length}) tensors but received ${list.length}`);
  }
}

function tagOf(opts: { tag?: number } | null | undefined, fn: string): number {
  return named(fn, () => expectInt(opts?.tag ?? 0, 'tag'));
}

/**
 * The handle of an {@link isend}/{@link irecv} (`torch.distributed.Work`). PyTorch's `wait()` blocks;
 * this one returns a Promise (it rejects with the operation's error, e.g. a timeout).
 * `isCompleted()` turns true once that Promise has settled.
 */
export class Work {
  readonly #done: Promise<void>;
  #completed = false;

  /** @internal */
  constructor(p: Promise<unknown>) {
    // Made by isend()/irecv(); checked because the class is reachable as distributed.Work.
    if (!(p instanceof Promise)) throw new TypeError(argMessage('a Promise', 'Work: p', p));
    this.#done = p.then(
      () => {
        this.#completed = true;
      },
      (e: unknown) => {
        this.#completed = true;
        throw e;
      },
    );
    this.#done.catch(() => {}); // rejected only for whoever waits
  }

  /** Resolves once the operation has completed (the tensor may be read, or reused). */
  wait(): Promise<void> {
    return this.#done;
  }

  /** Whether the operation has completed (successfully or not). */
  isCompleted(): boolean {
    return this.#completed;
  }
}

/** Options of {@link send} and {@link isend}. */
export interface SendOptions extends GroupOption {
  /** The receiving rank (a rank of the default group, also with `group`). */
  dst: number;
  /** Matches the receiver's `tag`. Default 0. */
  tag?: number;
}

/** Options of {@link recv} and {@link irecv}. */
export interface RecvOptions extends GroupOption {
  /** The sending rank (a rank of the default group); default: any rank. */
  src?: number;
  /** Matches the sender's `tag`. Default 0. */
  tag?: number;
}

function startSend(tensor: Tensor, opts: SendOptions, fn: string): Promise<void> | null {
  checkOptions(opts, ['dst', 'tag', 'group'], fn);
  if (opts === null || typeof opts !== 'object' || opts.dst === undefined) {
    throw new TypeError(`${fn}: Expected options with dst (the receiving rank) but received ${describe(opts)}`);
  }
  named(fn, () => expectNonNegInt(opts.dst, 'dst'));
  const tag = tagOf(opts, fn);
  const th = commTensor(tensor, 'tensor', fn);
  requireGroup(fn);
  const g = resolveGroup(opts.group, fn);
  if (!g.member) return null;
  const dst = groupRankOf(g, opts.dst, 'dst', fn);
  if (dst === g.rank) throw new RangeError(`${fn}: dst ${opts.dst} is this process's own rank (send to another rank)`);
  return nd.send([th], dst, tag, g.id);
}

function startRecv(tensor: Tensor, opts: RecvOptions | null | undefined, fn: string): Promise<number> | null {
  checkOptions(opts, ['src', 'tag', 'group'], fn);
  if (opts?.src !== undefined) named(fn, () => expectNonNegInt(opts.src, 'src'));
  const tag = tagOf(opts, fn);
  const th = commTensor(tensor, 'tensor', fn);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return null;
  let src = -1;
  if (opts?.src !== undefined) {
    src = groupRankOf(g, opts.src, 'src', fn);
    if (src === g.rank) throw new RangeError(`${fn}: src ${opts.src} is this process's own rank (receive from another rank)`);
  }
  return nd.recv([th], src, tag, g.id).then((groupRank) => g.ranks[groupRank]);
}

/** `torch.distributed.send(tensor, dst, group, tag)`: sends `tensor` to rank `dst`; resolves once sent. */
export async function send(tensor: Tensor, opts: SendOptions): Promise<void> {
  await startSend(tensor, opts, 'distributed.send');
}

/**
 * `torch.distributed.recv(tensor, src, group, tag)`: receives into `tensor` (its shape and dtype
 * must be the sender's) from `src`, or from any rank when `src` is omitted. Resolves with the
 * sender's rank (of the default group), as PyTorch returns it; -1 on ranks outside `group`.
 */
export async function recv(tensor: Tensor, opts: RecvOptions | null = {}): Promise<number> {
  const p = startRecv(tensor, opts, 'distributed.recv');
  return p === null ? -1 : await p;
}

/**
 * `torch.distributed.isend`: starts sending `tensor` to `dst` and returns its {@link Work} (do not
 * modify `tensor` before `wait()` resolves).
 */
export function isend(tensor: Tensor, opts: SendOptions): Work {
  return new Work(startSend(tensor, opts, 'distributed.isend') ?? Promise.resolve());
}

/** `torch.distributed.irecv`: starts receiving into `tensor` and returns its {@link Work}. */
export function irecv(tensor: Tensor, opts: RecvOptions | null = {}): Work {
  return new Work(startRecv(tensor, opts, 'distributed.irecv') ?? Promise.resolve());
}

/** Options of {@link reduce}. */
export interface ReduceOptions extends GroupOption {
  /** The rank that receives the result (a rank of the default group). */
  dst: number;
  /** Default 'sum'. */
  op?: ReduceOpName;
}

/**
 * `torch.distributed.reduce(tensor, dst, op)`: reduces `tensor` across ranks into rank `dst`'s
 * `tensor`. Only `dst`'s result is defined: the backend may use the other ranks' tensors as scratch.
 */
export async function reduce(tensor: Tensor, opts: ReduceOptions): Promise<void> {
  const fn = 'distributed.reduce';
  checkOptions(opts, ['dst', 'op', 'group'], fn);
  if (opts === null || typeof opts !== 'object' || opts.dst === undefined) {
    throw new TypeError(`${fn}: Expected options with dst (the rank that receives the result) but received ${describe(opts)}`);
  }
  named(fn, () => expectNonNegInt(opts.dst, 'dst'));
  const op = named(fn, () => expectOneOf(opts.op ?? 'sum', REDUCE_OPS, 'op'));
  const th = commTensor(tensor, 'tensor', fn);
  requireGroup(fn);
  const g = resolveGroup(opts.group, fn);
  if (!g.member) return;
  const dst = groupRankOf(g, opts.dst, 'dst', fn);
  await nd.reduce([th], dst, op, g.id);
}

/** Options of {@link gather}. */
export interface GatherOptions extends GroupOption {
  /** On `dst` only: worldSize tensors shaped like `tensor`, which receive rank i's in `[i]`. */
  gatherList?: Tensor[] | null;
  /** The gathering rank (a rank of the default group). Default 0. */
  dst?: number;
}

/**
 * `torch.distributed.gather(tensor, gather_list, dst)`: rank i's `tensor` into `gatherList[i]` on
 * rank `dst`. The other ranks pass no `gatherList` (PyTorch refuses one there too).
 */
export async function gather(tensor: Tensor, opts: GatherOptions | null = {}): Promise<void> {
  const fn = 'distributed.gather';
  checkOptions(opts, ['gatherList', 'dst', 'group'], fn);
  named(fn, () => expectNonNegInt(opts?.dst ?? 0, 'dst'));
  const list = opts?.gatherList ?? null;
  const ohs = list === null ? [] : tensorList(list, 'gatherList', fn);
  const ih = commTensor(tensor, 'tensor', fn);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  const dst = groupRankOf(g, opts?.dst ?? 0, 'dst', fn);
  if (dst === g.rank) {
    if (list === null) throw new TypeError(`${fn}: Expected gatherList on the destination rank ${opts?.dst ?? 0} but received none`);
    checkListLength(list, 'gatherList', g, fn);
    list.forEach((o, i) => sameShapeDtype(o, tensor, `gatherList[${i}]`, fn));
  } else if (list !== null) {
    throw new TypeError(`${fn}: gatherList must not be given on ranks other than dst (${opts?.dst ?? 0}); this is rank ${g.ranks[g.rank]}`);
  }
  await nd.gather([ih], ohs, dst, g.id);
}

/** Options of {@link scatter}. */
export interface ScatterOptions extends GroupOption {
  /** On `src` only: worldSize tensors shaped like `tensor`; rank i receives `[i]`. */
  scatterList?: Tensor[] | null;
  /** The scattering rank (a rank of the default group). Default 0. */
  src?: number;
}

/**
 * `torch.distributed.scatter(tensor, scatter_list, src)`: rank `src`'s `scatterList[i]` into rank
 * i's `tensor`. The other ranks pass no `scatterList`.
 */
export async function scatter(tensor: Tensor, opts: ScatterOptions | null = {}): Promise<void> {
  const fn = 'distributed.scatter';
  checkOptions(opts, ['scatterList', 'src', 'group'], fn);
  named(fn, () => expectNonNegInt(opts?.src ?? 0, 'src'));
  const list = opts?.scatterList ?? null;
  const ihs = list === null ? [] : tensorList(list, 'scatterList', fn);
  const oh = commTensor(tensor, 'tensor', fn);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  const src = groupRankOf(g, opts?.src ?? 0, 'src', fn);
  if (src === g.rank) {
    if (list === null) throw new TypeError(`${fn}: Expected scatterList on the source rank ${opts?.src ?? 0} but received none`);
    checkListLength(list, 'scatterList', g, fn);
    list.forEach((t, i) => sameShapeDtype(t, tensor, `scatterList[${i}]`, fn));
  } else if (list !== null) {
    throw new TypeError(`${fn}: scatterList must not be given on ranks other than src (${opts?.src ?? 0}); this is rank ${g.ranks[g.rank]}`);
  }
  await nd.scatter([oh], ihs, src, g.id);
}

function sameDtype(list: Tensor[], what: string, dtype: string, fn: string): void {
  list.forEach((t, i) => {
    if (t.dtype !== dtype) throw new TypeError(`${fn}: Expected ${what}[${i}] to have dtype ${dtype} (that of inputList[0]) but received ${t.dtype}`);
  });
}

/**
 * `torch.distributed.all_to_all(output_tensor_list, input_tensor_list)`: `inputList[j]` goes to
 * rank j's `outputList[i]` (i: this rank); shapes may differ per pair, dtypes must all be equal.
 * Runs on Gloo too (PyTorch's Gloo backend refuses all_to_all): the lists travel flattened and
 * concatenated through c10d's all_to_all_single, so a Python rank pairs with it by calling
 * `all_to_all_single` on the same flattened, concatenated tensors with the per-rank element counts
 * as split sizes.
 */
export async function allToAll(outputList: Tensor[], inputList: Tensor[], opts: GroupOption | null = {}): Promise<void> {
  const fn = 'distributed.allToAll';
  checkOptions(opts, ['group'], fn);
  const ohs = tensorList(outputList, 'outputList', fn);
  const ihs = tensorList(inputList, 'inputList', fn);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  checkListLength(outputList, 'outputList', g, fn);
  checkListLength(inputList, 'inputList', g, fn);
  sameDtype(inputList, 'inputList', inputList[0].dtype, fn);
  sameDtype(outputList, 'outputList', inputList[0].dtype, fn);
  await nd.allToAll(ohs, ihs, g.id);
}

/** Options of {@link allToAllSingle}. */
export interface AllToAllSingleOptions extends GroupOption {
  /** Rows of `output` received from each rank (worldSize entries); default: equal parts. */
  outputSplitSizes?: number[] | null;
  /** Rows of `input` sent to each rank (worldSize entries); default: equal parts. */
  inputSplitSizes?: number[] | null;
}

function splitSizes(v: unknown, what: string, t: Tensor, tname: string, g: ResolvedGroup, fn: string): number[] {
  const rows = t.shape.length === 0 ? 1 : t.shape[0];
  if (v === undefined || v === null) {
    if (rows % g.ranks.length !== 0) {
      throw new RangeError(`${fn}: ${tname}'s first dimension (${rows}) does not divide into worldSize (${g.ranks.length}) equal parts; pass ${what}`);
    }
    return [];
  }
  if (!Array.isArray(v)) throw new TypeError(`${fn}: Expected an array of non-negative integers for ${what} but received ${describe(v)}`);
  v.forEach((n, i) => named(fn, () => expectNonNegInt(n, `${what}[${i}]`)));
  if (v.length !== g.ranks.length) throw new RangeError(`${fn}: Expected ${what} to hold worldSize (${g.ranks.length}) sizes but received ${v.length}`);
  const sum = (v as number[]).reduce((a, b) => a + b, 0);
  if (sum !== rows) throw new RangeError(`${fn}: ${what} add up to ${sum} but ${tname}'s first dimension is ${rows}`);
  return v as number[];
}

/**
 * `torch.distributed.all_to_all_single(output, input, output_split_sizes, input_split_sizes)`:
 * splits `input` along dim 0 and sends part j to rank j, which writes it into its `output` at
 * part i (i: this rank).
 */
export async function allToAllSingle(output: Tensor, input: Tensor, opts: AllToAllSingleOptions | null = {}): Promise<void> {
  const fn = 'distributed.allToAllSingle';
  checkOptions(opts, ['outputSplitSizes', 'inputSplitSizes', 'group'], fn);
  const oh = commTensor(output, 'output', fn);
  const ih = commTensor(input, 'input', fn);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  if (output.dtype !== input.dtype) throw new TypeError(`${fn}: Expected output to have input's dtype ${input.dtype} but received ${output.dtype}`);
  const outSplits = splitSizes(opts?.outputSplitSizes, 'outputSplitSizes', output, 'output', g, fn);
  const inSplits = splitSizes(opts?.inputSplitSizes, 'inputSplitSizes', input, 'input', g, fn);
  await nd.allToAllSingle([oh], [ih], outSplits, inSplits, g.id);
}

/** Options of {@link newGroup}. */
export interface NewGroupOptions {
  /** Milliseconds to wait for the members (and each collective on the group). Default 30 minutes, as PyTorch. */
  timeout?: number;
  /** 'gloo' only (the default group's backend; subgroups of an NCCL group are not supported yet). */
  backend?: BackendName;
}

/**
 * `torch.distributed.new_group(ranks)`: a group of the given ranks of the default group (default:
 * all). As in PyTorch, every rank of the default group must call it, members or not, and create
 * its groups in the same order; ranks outside it get a {@link ProcessGroup} whose `isMember()` is
 * false. Resolves once every rank has called it. The store keys and the barrier are PyTorch's
 * (of the PyTorch version of this LibTorch), so Python ranks calling `new_group` with the same
 * ranks, in the same order, join the same group.
 */
export async function newGroup(ranks?: number[] | null, opts: NewGroupOptions | null = {}): Promise<ProcessGroup> {
  const fn = 'distributed.newGroup';
  checkOptions(opts, ['timeout', 'backend'], fn);
  const timeout = opts?.timeout ?? DEFAULT_TIMEOUT_MS;
  named(fn, () => expectPositiveInt(timeout, 'timeout (milliseconds)'));
  const backend = named(fn, () => expectOneOf(opts?.backend ?? 'gloo', BACKENDS, 'backend'));
  if (ranks !== undefined && ranks !== null && !Array.isArray(ranks)) {
    throw new TypeError(`${fn}: Expected an array of ranks for ranks but received ${describe(ranks)}`);
  }
  ranks?.forEach((r, i) => named(fn, () => expectNonNegInt(r, `ranks[${i}]`)));
  requireGroup(fn);
  if (backend !== groupBackend()) {
    throw new TypeError(`${fn}: backend '${backend}' differs from the default group's ('${groupBackend()}'); subgroups use the default group's backend`);
  }
  const world = nd.getWorldSize();
  const members = ranks ? [...ranks].sort((a, b) => a - b) : Array.from({ length: world }, (_, i) => i);
  if (members.length === 0) throw new RangeError(`${fn}: Expected at least one rank in ranks but received none`);
  for (let i = 0; i < members.length; i++) {
    if (members[i] >= world) throw new RangeError(`${fn}: rank ${members[i]} is not a rank of the default group (expected 0..${world - 1})`);
    if (i > 0 && members[i] === members[i - 1]) throw new RangeError(`${fn}: rank ${members[i]} is listed twice in ranks`);
  }
  const id = await nd.newGroup(members, timeout);
  return new ProcessGroup(id, members);
}

// ---- object collectives ----

function bytesTensor(b: Uint8Array): Tensor {
  return makeTensor(b, { dtype: 'uint8' });
}

function bytesOf(t: Tensor, n: number): Uint8Array {
  return (t.dataSync() as Uint8Array).subarray(0, n);
}

/** Every rank's pickle size (all_gather of int64 sizes), as PyTorch's object collectives begin. */
async function gatherSizes(local: number, g: ResolvedGroup, group: ProcessGroup | null | undefined): Promise<number[]> {
  const sizes = g.ranks.map(() => zeros([1], { dtype: 'int64' }));
  await allGather(sizes, makeTensor([local], { dtype: 'int64' }), { group });
  return sizes.map((t) => Number(t.item()));
}

/**
 * `torch.distributed.broadcast_object_list(object_list, src)`: replaces the entries of
 * `objectList` on every rank with rank `src`'s (all ranks pass a list of the same length). The
 * values travel as Python pickles, so Python ranks take part; plain data only (see
 * docs/distributed.md, "Object collectives").
 */
export async function broadcastObjectList(objectList: unknown[], opts: ({ src?: number } & GroupOption) | null = {}): Promise<void> {
  const fn = 'distributed.broadcastObjectList';
  checkOptions(opts, ['src', 'group'], fn);
  if (!Array.isArray(objectList)) throw new TypeError(`${fn}: Expected an array for objectList but received ${describe(objectList)}`);
  named(fn, () => expectNonNegInt(opts?.src ?? 0, 'src'));
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  groupRankOf(g, opts?.src ?? 0, 'src', fn);
  const isSrc = g.ranks[g.rank] === (opts?.src ?? 0);
  const pickles = isSrc ? objectList.map((o, i) => pickleValue(o, `${fn}: objectList[${i}]`)) : [];
  const sizes = isSrc
    ? makeTensor(
        pickles.map((p) => p.length),
        { dtype: 'int64' },
      )
    : empty([objectList.length], { dtype: 'int64' });
  await broadcast(sizes, { src: opts?.src ?? 0, group: opts?.group });
  const lengths = (sizes.tolist() as number[]).map(Number);
  const total = lengths.reduce((a, b) => a + b, 0);
  const data = isSrc ? bytesTensor(Uint8Array.from(pickles.flatMap((p) => Array.from(p)))) : empty([total], { dtype: 'uint8' });
  await broadcast(data, { src: opts?.src ?? 0, group: opts?.group });
  if (isSrc) return;
  const all = bytesOf(data, total);
  let off = 0;
  lengths.forEach((n, i) => {
    objectList[i] = unpickleValue(all.subarray(off, off + n), fn, `rank ${opts?.src ?? 0}`);
    off += n;
  });
}

/**
 * `torch.distributed.all_gather_object(object_list, obj)`: `objectList[i]` becomes rank i's `obj`
 * on every rank (`objectList` holds worldSize entries). Python pickles: Python ranks take part.
 */
export async function allGatherObject(objectList: unknown[], obj: unknown, opts: GroupOption | null = {}): Promise<void> {
  const fn = 'distributed.allGatherObject';
  checkOptions(opts, ['group'], fn);
  if (!Array.isArray(objectList)) throw new TypeError(`${fn}: Expected an array for objectList but received ${describe(objectList)}`);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  if (objectList.length !== g.ranks.length) {
    throw new RangeError(`${fn}: Expected objectList to hold worldSize (${g.ranks.length}) entries but received ${objectList.length}`);
  }
  const mine = pickleValue(obj, `${fn}: obj`);
  const sizes = await gatherSizes(mine.length, g, opts?.group);
  const max = Math.max(...sizes);
  const padded = new Uint8Array(max);
  padded.set(mine);
  const outs = g.ranks.map(() => empty([max], { dtype: 'uint8' }));
  await allGather(outs, bytesTensor(padded), { group: opts?.group });
  outs.forEach((t, i) => {
    objectList[i] = unpickleValue(bytesOf(t, sizes[i]), fn, `rank ${g.ranks[i]}`);
  });
}

/**
 * `torch.distributed.gather_object(obj, object_gather_list, dst)`: on rank `dst`,
 * `objectGatherList[i]` becomes rank i's `obj`; the other ranks pass no list. Python pickles:
 * Python ranks take part.
 */
export async function gatherObject(obj: unknown, opts: ({ objectGatherList?: unknown[] | null; dst?: number } & GroupOption) | null = {}): Promise<void> {
  const fn = 'distributed.gatherObject';
  checkOptions(opts, ['objectGatherList', 'dst', 'group'], fn);
  named(fn, () => expectNonNegInt(opts?.dst ?? 0, 'dst'));
  const list = opts?.objectGatherList ?? null;
  if (list !== null && !Array.isArray(list)) throw new TypeError(`${fn}: Expected an array for objectGatherList but received ${describe(list)}`);
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  const dst = groupRankOf(g, opts?.dst ?? 0, 'dst', fn);
  if (dst === g.rank) {
    if (list === null) throw new TypeError(`${fn}: Expected objectGatherList on the destination rank ${opts?.dst ?? 0} but received none`);
    if (list.length !== g.ranks.length) {
      throw new RangeError(`${fn}: Expected objectGatherList to hold worldSize (${g.ranks.length}) entries but received ${list.length}`);
    }
  } else if (list !== null) {
    throw new TypeError(`${fn}: objectGatherList must not be given on ranks other than dst (${opts?.dst ?? 0}); this is rank ${g.ranks[g.rank]}`);
  }
  const mine = pickleValue(obj, `${fn}: obj`);
  const sizes = await gatherSizes(mine.length, g, opts?.group);
  const max = Math.max(...sizes);
  const padded = new Uint8Array(max);
  padded.set(mine);
  const outs = dst === g.rank ? g.ranks.map(() => empty([max], { dtype: 'uint8' })) : null;
  await gather(bytesTensor(padded), { gatherList: outs, dst: opts?.dst ?? 0, group: opts?.group });
  if (outs === null || list === null) return;
  outs.forEach((t, i) => {
    list[i] = unpickleValue(bytesOf(t, sizes[i]), fn, `rank ${g.ranks[i]}`);
  });
}

/**
 * `torch.distributed.scatter_object_list(scatter_object_output_list, scatter_object_input_list,
 * src)`: rank i's `outputList[0]` becomes rank `src`'s `inputList[i]`; only `src` passes
 * `inputList` (worldSize entries). Python pickles: Python ranks take part.
 */
export async function scatterObjectList(outputList: unknown[], inputList: unknown[] | null, opts: ({ src?: number } & GroupOption) | null = {}): Promise<void> {
  const fn = 'distributed.scatterObjectList';
  checkOptions(opts, ['src', 'group'], fn);
  if (!Array.isArray(outputList) || outputList.length < 1) {
    throw new TypeError(`${fn}: Expected an array of at least one entry for outputList but received ${describe(outputList)}`);
  }
  if (inputList !== null && inputList !== undefined && !Array.isArray(inputList)) {
    throw new TypeError(`${fn}: Expected an array (or null on ranks other than src) for inputList but received ${describe(inputList)}`);
  }
  const srcGlobal = named(fn, () => expectNonNegInt(opts?.src ?? 0, 'src'));
  requireGroup(fn);
  const g = resolveGroup(opts?.group, fn);
  if (!g.member) return;
  const src = groupRankOf(g, srcGlobal, 'src', fn);
  const isSrc = src === g.rank;
  let pickles: Uint8Array[] = [];
  if (isSrc) {
    if (!inputList) throw new TypeError(`${fn}: Expected inputList on the source rank ${srcGlobal} but received none`);
    if (inputList.length !== g.ranks.length) {
      throw new RangeError(`${fn}: Expected inputList to hold worldSize (${g.ranks.length}) entries but received ${inputList.length}`);
    }
    pickles = inputList.map((o, i) => pickleValue(o, `${fn}: inputList[${i}]`));
  } else if (inputList !== null && inputList !== undefined) {
    throw new TypeError(`${fn}: inputList must not be given on ranks other than src (${srcGlobal}); this is rank ${g.ranks[g.rank]}`);
  }
  // PyTorch 1.13's steps: broadcast the largest size, scatter the padded bytes, then the sizes.
  const max = makeTensor([isSrc ? Math.max(...pickles.map((p) => p.length)) : 0], { dtype: 'int64' });
  await broadcast(max, { src: srcGlobal, group: opts?.group });
  const width = Number(max.item());
  const padded = pickles.map((p) => {
    const b = new Uint8Array(width);
    b.set(p);
    return bytesTensor(b);
  });
  const data = empty([width], { dtype: 'uint8' });
  await scatter(data, { scatterList: isSrc ? padded : null, src: srcGlobal, group: opts?.group });
  const size = zeros([1], { dtype: 'int64' });
  const sizes = pickles.map((p) => makeTensor([p.length], { dtype: 'int64' }));
  await scatter(size, { scatterList: isSrc ? sizes : null, src: srcGlobal, group: opts?.group });
  outputList[0] = unpickleValue(bytesOf(data, Number(size.item())), fn, `rank ${srcGlobal}`);
}
