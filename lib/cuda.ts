/**
 * torch.cuda: device queries, seeding, synchronisation and memory statistics. On a CPU-only
 * build `isAvailable()` is false and the other calls throw an error that says why.
 */
import { native, buildInfo } from './native.js';
import { expectInt, expectNonNegInt, argMessage } from './errors.js';

/** Bytes held by the CUDA caching allocator, as `torch.cuda.memory_stats()` summarises them. */
export interface CudaMemoryStats {
  /** Bytes occupied by live tensors now. */
  allocated: number;
  /** Bytes held by the caching allocator now (allocated plus cached). */
  reserved: number;
  /** Peak of `allocated` since start or `resetPeakMemoryStats()`. */
  maxAllocated: number;
  /** Peak of `reserved` since start or `resetPeakMemoryStats()`. */
  maxReserved: number;
}

function device(d: number | string | undefined, what = 'device'): number | undefined {
  if (d === undefined) return undefined;
  if (typeof d === 'string') {
    const m = /^cuda(?::(\d+))?$/.exec(d);
    if (!m) throw new TypeError(argMessage("a CUDA device like 'cuda:0' or an index", what, d));
    return m[1] === undefined ? undefined : Number(m[1]);
  }
  return expectNonNegInt(d, what);
}

/** True when this build has CUDA and a usable GPU and driver are present. */
export function isAvailable(): boolean {
  return native.cuda.isAvailable();
}
/** Number of visible GPUs (0 on CPU-only builds). */
export function deviceCount(): number {
  return native.cuda.deviceCount();
}
/** `torch.cuda.current_device()`: index of the selected GPU. */
export function currentDevice(): number {
  return native.cuda.currentDevice();
}
/** `torch.cuda.set_device(d)`: selects the GPU that `'cuda'` means. */
export function setDevice(d: number | string): void {
  native.cuda.setDevice(device(d, 'cuda.setDevice: device') ?? 0);
}
/** Waits for all kernels on the device to finish (timings must call this). */
export function synchronize(d?: number | string): void {
  native.cuda.synchronize(device(d, 'cuda.synchronize: device'));
}
/** Seeds every GPU's default generator. */
export function manualSeedAll(seed: number | bigint): void {
  if (typeof seed !== 'bigint') expectInt(seed, 'cuda.manualSeedAll: seed');
  native.cuda.manualSeedAll(seed);
}
/** Current and peak allocated/reserved bytes of a device (default: the current one). */
export function memoryStats(d?: number | string): CudaMemoryStats {
  return statsOf(d, 'cuda.memoryStats');
}
function statsOf(d: number | string | undefined, fn: string): CudaMemoryStats {
  const index = device(d, `${fn}: device`);
  try {
    return native.cuda.memoryStats(index);
  } catch (e) {
    // The native function names itself memoryStats; say which one the user called.
    if (e instanceof Error && fn !== 'cuda.memoryStats') e.message = e.message.replace(/^cuda\.memoryStats: /, `${fn}: `);
    throw e;
  }
}
/** `torch.cuda.memory_allocated()`: bytes occupied by live tensors. */
export function memoryAllocated(d?: number | string): number {
  return statsOf(d, 'cuda.memoryAllocated').allocated;
}
/** `torch.cuda.memory_reserved()`: bytes held by the caching allocator. */
export function memoryReserved(d?: number | string): number {
  return statsOf(d, 'cuda.memoryReserved').reserved;
}
/** `torch.cuda.max_memory_allocated()`: peak since start or the last reset. */
export function maxMemoryAllocated(d?: number | string): number {
  return statsOf(d, 'cuda.maxMemoryAllocated').maxAllocated;
}
/** `torch.cuda.reset_peak_memory_stats()`. */
export function resetPeakMemoryStats(d?: number | string): void {
  native.cuda.resetPeakMemoryStats(device(d, 'cuda.resetPeakMemoryStats: device'));
}
/** Returns cached, unused blocks of the caching allocator to the driver. */
export function emptyCache(): void {
  native.cuda.emptyCache();
}
/** `torch.cuda.get_device_name()`, e.g. "NVIDIA H100 80GB HBM3". */
export function getDeviceName(d?: number | string): string {
  return native.cuda.getDeviceName(device(d, 'cuda.getDeviceName: device'));
}

/**
 * Resolves a scripts' `--device` value: 'auto' picks CUDA when usable and says so when a CUDA
 * build finds no GPU, rather than silently running on the CPU.
 */
export function resolveDevice(requested: string, log: (msg: string) => void = console.log): string {
  if (typeof requested !== 'string') throw new TypeError(argMessage("'auto', 'cpu', 'cuda' or 'cuda:N'", 'resolveDevice: requested', requested));
  if (typeof log !== 'function') throw new TypeError(argMessage('a function', 'resolveDevice: log', log));
  if (requested === 'auto') {
    if (isAvailable()) return 'cuda';
    if (buildInfo.cudaBuild) log('torchnode: built with CUDA but no usable GPU/driver was found: running on the CPU');
    return 'cpu';
  }
  if (requested.startsWith('cuda') && !isAvailable()) {
    throw new Error(
      `--device ${requested}: CUDA is not available (${buildInfo.cudaBuild ? 'no usable GPU or driver' : 'this build uses a CPU-only LibTorch ' + buildInfo.torchVersion})`,
    );
  }
  return requested;
}
