/**
 * The raw addon, typed in one place (the public API lives elsewhere). Tensors cross the
 * boundary as integer handles into a per-environment table owned by the addon.
 * @internal
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { TorchError } from './torch_error.js';

/** A tensor handle: an index into the addon's tensor table. */
export type Handle = number;

/** A TS nn.Module tree as jit.trace hands it to the addon. */
export interface TraceTree {
  type: string;
  training: boolean;
  params: [string, Handle][];
  buffers: [string, Handle][];
  children: [string, TraceTree][];
}

/** What the addon was built against. */
export interface BuildInfo {
  torchVersion: string;
  cudaBuild: boolean;
  /** LibTorch was built with oneDNN (MKL-DNN): `Tensor.toMkldnn()` works on the CPU. */
  mkldnn: boolean;
  parallelInfo: string;
}

/** The at::Context switches lib/backends.ts sets, by their PyTorch names. */
export type ContextFlag = 'cudnn.enabled' | 'cudnn.benchmark' | 'cudnn.deterministic' | 'cudnn.allowTf32' | 'cuda.matmul.allowTf32' | 'deterministicAlgorithms';

/** The raw addon's exports; tensors are integer handles into the per-environment table. */
export interface NativeAddon {
  buildInfo(): BuildInfo;
  /** The class LibTorch's errors are thrown as in this environment (lib/torch_error.ts). */
  setErrorClass(cls: typeof TorchError): void;
  // tensors
  fromData(buffer: ArrayBufferLike, byteOffset: number, shape: number[], dtype: number, device?: string, requiresGrad?: boolean): Handle;
  data(h: Handle): ArrayBuffer;
  writeData(h: Handle, src: ArrayBufferView): void;
  meta(h: Handle): [dtype: number, shape: number[], device: string, requiresGrad: boolean];
  shape(h: Handle): number[];
  dtype(h: Handle): number;
  ndim(h: Handle): number;
  numel(h: Handle): number;
  device(h: Handle): string;
  stride(h: Handle): number[];
  isContiguous(h: Handle): boolean;
  layout(h: Handle): string;
  alias(h: Handle): Handle;
  isSameTensor(a: Handle, b: Handle): boolean;
  release(h: Handle): boolean;
  releaseMany(handles: Int32Array, count: number): void;
  memory(): { numTensors: number; numBytes: number };
  /** The address of this environment's link for the GC guard module (native/gc/guard.cc). */
  gcLink(): bigint;
  /** Releases the tensors whose GC guards were collected (called from a macrotask). */
  gcDrain(): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  // at::globalContext()'s switches (lib/backends.ts); warnOnly: deterministicAlgorithms only.
  getFlag(name: ContextFlag | 'cudnn.available' | 'deterministicAlgorithmsWarnOnly'): boolean;
  setFlag(name: ContextFlag, value: boolean, warnOnly?: boolean): void;
  // operators through the dispatcher
  resolveOp(name: string, overload: string): number;
  opSchema(index: number): string;
  // biome-ignore lint/suspicious/noExplicitAny: the generic op returns whatever the schema says; lib/ops.ts types it
  op(index: number, ...args: unknown[]): any;
  /** Direct entry for hot binary ops (codes in BINARY below): no boxing. Undefined for in-place codes. */
  /** `other`: a handle, or with BINARY_NUMBER in `code` (add/sub/mul/div and in-place forms) a number, passed as a wrapped-number tensor. */
  binary(code: number, self: Handle, other: Handle | boolean | bigint): Handle;
  // autograd
  backward(h: Handle, gradient: Handle | null, retainGraph: boolean | undefined, createGraph: boolean): void;
  /** torch.autograd.backward: all roots in one engine run. */
  backwardMany(tensors: Handle[], grads: (Handle | null)[] | null, retainGraph: boolean | undefined, createGraph: boolean): void;
  autogradGrad(
    outputs: Handle[],
    inputs: Handle[],
    gradOutputs: (Handle | null)[] | null,
    retainGraph: boolean | undefined,
    createGraph: boolean,
    allowUnused: boolean,
  ): (Handle | null)[];
  getGrad(h: Handle): Handle | null;
  setGrad(h: Handle, grad: Handle | null): void;
  requiresGrad(h: Handle, flag: boolean): void;
  autogradInfo(h: Handle): { requiresGrad: boolean; isLeaf: boolean; retainsGrad: boolean; gradFn: string | null };
  retainGrad(h: Handle): void;
  /** Registers `fn` (grad handle -> replacement handle or null) as a tensor hook; returns its id. */
  registerHook(h: Handle, fn: (grad: Handle) => Handle | null): number;
  /** A hook that only counts h's gradients (any thread; removed with removeHook). Optional: older addons lack it. */
  registerGradCounter?(h: Handle): number;
  /** Gradients a counting hook saw since the last call. */
  gradCount?(id: number): number;
  removeHook(id: number): void;
  releaseHookId(id: number): void;
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  enterInferenceMode(enabled: boolean): number;
  exitInferenceMode(): void;
  isInferenceModeEnabled(): boolean;
  // random
  manualSeed(seed: number | bigint): void;
  initialSeed(): bigint;
  newGenerator(device?: string): number;
  generatorManualSeed(g: number, seed: number | bigint): void;
  generatorInitialSeed(g: number): bigint;
  generatorGetState(g: number): Handle;
  generatorSetState(g: number, state: Handle): void;
  getRngState(): Handle;
  setRngState(state: Handle): void;
  releaseGenerator(g: number): void;
  cuda: {
    isAvailable(): boolean;
    deviceCount(): number;
    currentDevice(): number;
    setDevice(d: number): void;
    synchronize(d?: number): void;
    manualSeedAll(seed: number | bigint): void;
    memoryStats(d?: number): { allocated: number; reserved: number; maxAllocated: number; maxReserved: number };
    resetPeakMemoryStats(d?: number): void;
    emptyCache(): void;
    getDeviceName(d?: number): string;
  };
  // optimizers
  optimizerCreate(kind: string, params: Handle[][], options: Record<string, unknown>[]): number;
  optimizerStep(o: number): void;
  optimizerZeroGrad(o: number, setToNone: boolean): void;
  optimizerGetGroupOptions(o: number, group: number): Record<string, unknown>;
  optimizerSetGroupOptions(o: number, group: number, options: Record<string, unknown>): void;
  optimizerAddParamGroup(o: number, params: Handle[], options: Record<string, unknown>): void;
  optimizerNumGroups(o: number): number;
  optimizerState(o: number): { group: number; index: number; state: Record<string, Handle | number> }[];
  optimizerSetState(o: number, group: number, index: number, state: Record<string, Handle | number>): void;
  optimizerClearState(o: number): void;
  optimizerGroupParams(o: number, group: number): Handle[];
  optimizerRelease(o: number): void;
  // serialization
  /** Values tagged by lib/serialize.ts (JS cannot tell int from float, tuple from list). */
  pickleSave(value: unknown): ArrayBuffer;
  jitLoad(path: string, device?: string): number;
  /** Calls a method; tensors go in and come out as {h}, dicts as {d: [key, value][]}. */
  jitCall(m: number, method: string, args: unknown[]): unknown;
  jitMethods(m: number): string[];
  jitTo(m: number, device: string): void;
  jitModuleNames(m: number): string[];
  jitRelease(m: number): void;
  /** Traces `fn` (a TS module's forward) on `inputs` into a TorchScript module mirroring `tree`. */
  jitTrace(tree: TraceTree, inputs: Handle[], fn: (inputs: Handle[]) => unknown): number;
  /** Saves a script module to `path`, or returns the archive's bytes. */
  jitSave(m: number, path?: string): ArrayBuffer | undefined;
  jitLoadBytes(bytes: Uint8Array, device?: string): number;
  jitNamed(m: number, kind: 'parameters' | 'buffers' | 'state'): [string, Handle][];
  jitTrain(m: number, train: boolean): void;
  jitIsTraining(m: number): boolean;
  // torch.distributed (native/distributed/); collectives resolve when Gloo (or NCCL, on the
  // GPU) has finished them. isNcclAvailable/isGlooAvailable/backend are optional: older addons
  // lack them (lib/distributed/backend.ts falls back). `group`: a newGroup() id (0 or
  // absent: the default group); ranks passed with it are ranks in that group.
  distributed: {
    isAvailable(): boolean;
    isNcclAvailable?(): boolean;
    isGlooAvailable?(): boolean;
    backend?(): 'gloo' | 'nccl';
    isInitialized(): boolean;
    getRank(): number;
    getWorldSize(): number;
    init(opts: {
      host: string;
      port: number;
      rank: number;
      worldSize: number;
      timeoutMs: number;
      deviceHost?: string;
      deviceIface?: string;
      threads?: number;
      backend?: 'gloo' | 'nccl';
      deviceId?: number;
    }): Promise<void>;
    destroy(): boolean;
    allReduce(tensors: Handle[], op: string, group?: number): Promise<void>;
    broadcast(tensors: Handle[], src: number, group?: number): Promise<void>;
    allGather(outputs: Handle[], input: Handle[], group?: number): Promise<void>;
    reduceScatter(output: Handle[], inputs: Handle[], op: string, group?: number): Promise<void>;
    barrier(group?: number): Promise<void>;
    send(tensor: Handle[], dst: number, tag: number, group?: number): Promise<void>;
    /** src -1: from any rank; resolves with the sender's rank in the group. */
    recv(tensor: Handle[], src: number, tag: number, group?: number): Promise<number>;
    reduce(tensor: Handle[], dst: number, op: string, group?: number): Promise<void>;
    /** gatherList: empty on ranks other than dst. */
    gather(tensor: Handle[], gatherList: Handle[], dst: number, group?: number): Promise<void>;
    /** scatterList: empty on ranks other than src. */
    scatter(tensor: Handle[], scatterList: Handle[], src: number, group?: number): Promise<void>;
    allToAll(outputs: Handle[], inputs: Handle[], group?: number): Promise<void>;
    /** Split sizes along dim 0; empty arrays: equal splits. */
    allToAllSingle(output: Handle[], input: Handle[], outputSplits: number[], inputSplits: number[], group?: number): Promise<void>;
    /** ranks: sorted global ranks. Resolves with the group's id, or -1 on ranks outside it. */
    newGroup(ranks: number[], timeoutMs: number): Promise<number>;
    /** The ticket of the last collective queued (0: none); optional: older addons lack it. */
    lastTicket?(): number;
    /** Blocks until the collectives of these tickets completed (Python's work.wait()); throws their error. */
    waitTickets?(tickets: number[]): void;
    /**
     * nn.SyncBatchNorm's synchronized forward over the default group (native/sync_batchnorm.cc):
     * blocks until every rank took part; the result's backward all-reduces. Optional: older addons lack it.
     */
    syncBatchNorm?(
      input: Handle,
      weight: Handle | null,
      bias: Handle | null,
      runningMean: Handle | null,
      runningVar: Handle | null,
      eps: number,
      momentum: number,
    ): Handle;
  };
}

/** Codes of native.binary (native/fastops.cc). */
export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, add_: 4, sub_: 5, mul_: 6, div_: 7, matmul: 8 } as const;
/** Or'ed into a BINARY code when `other` is a number rather than a handle (handles are numbers too). */
export const BINARY_NUMBER = 16;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'CMakeLists.txt'))) return dir;
    dir = dirname(dir);
  }
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

/**
 * LibTorch builds linked with OpenMPI (Debian's 2.x) load UCX, whose libucs constructor replaces
 * the process's SIGSEGV, SIGBUS, SIGILL and SIGFPE handlers and catches SIGHUP. Node relies on
 * its own SIGSEGV handler: V8 turns out-of-bounds WebAssembly accesses (undici's HTTP parser is
 * WebAssembly) into WebAssembly.RuntimeErrors through it, and with UCX's handler the process dies instead
 * ("Caught signal 11", test/00). Its libucm also rewrites the first instructions of libc's mmap,
 * munmap, madvise, brk… (its "bistro" memory hooks) while V8's threads may be inside them: the
 * intermittent SIGSEGV in V8's allocator while the addon loads. torchnode never uses UCX, so it is
 * told to leave signals and memory functions alone, unless the user set these variables. They must
 * be in the C environment before the addon is loaded: assigning process.env does that on the main
 * thread (a worker's process.env is a copy).
 */
function keepNodeSignalHandlers(): void {
  process.env.UCX_HANDLE_ERRORS ??= 'none';
  process.env.UCX_DEBUG_SIGNO ??= '0';
  process.env.UCX_MEM_EVENTS ??= 'no';
}

function load(): NativeAddon {
  keepNodeSignalHandlers();
  const require = createRequire(import.meta.url);
  const root = packageRoot();
  const override = process.env.TORCHNODE_ADDON;
  try {
    if (override) return require(override) as NativeAddon;
    const gypBuild = require('node-gyp-build') as (dir: string) => NativeAddon;
    return gypBuild(root);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(
      `torchnode: the native addon could not be loaded (${msg.split('\n')[0]}).\n` +
        `Build it with \`npm run setup\` (installs LibTorch on Debian/Ubuntu when missing, then builds), ` +
        `or \`npx cmake-js rebuild\` with LIBTORCH, Torch_DIR or a python3 torch available.`,
    );
  }
}

/** The loaded addon (node-gyp-build: build/Release, then prebuilds/; TORCHNODE_ADDON overrides). */
export const native: NativeAddon = load();
native.setErrorClass(TorchError);

/** The GC guard module: `guard(h)` returns an object whose garbage collection frees the handle. */
export interface GcGuard {
  guard(h: Handle): object;
}

/**
 * Loads native/gc/guard.cc's module (torchnode_gc.so, next to the addon) and links it to this
 * environment's tensor table; null when it is absent or does not load (then tensors outside
 * scopes are freed by a FinalizationRegistry, which runs only when the event loop turns).
 * TORCHNODE_GC_GUARD=0 turns it off.
 */
function loadGcGuard(): GcGuard | null {
  if (process.env.TORCHNODE_GC_GUARD === '0') return null;
  try {
    const require = createRequire(import.meta.url);
    const override = process.env.TORCHNODE_ADDON;
    const addonPath = override ? require.resolve(override) : (require('node-gyp-build') as { resolve(dir: string): string }).resolve(packageRoot());
    const file = join(dirname(addonPath), 'torchnode_gc.so');
    if (!existsSync(file)) return null;
    const mod = { exports: {} as GcGuard & { init(link: bigint): void } };
    process.dlopen(mod, file);
    mod.exports.init(native.gcLink());
    return mod.exports;
  } catch {
    return null;
  }
}

export const gcGuard: GcGuard | null = loadGcGuard();

/** What the addon was built against: read once (it cannot change while the process runs). */
export const buildInfo: BuildInfo = native.buildInfo();

/** Whether the LibTorch this addon was built against is release major.minor or later. @internal */
export function libtorchAtLeast(major: number, minor: number): boolean {
  const [a, b] = buildInfo.torchVersion.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}
