/**
 * torch.cuda: device queries, seeding, synchronisation and memory statistics. On a CPU-only
 * build `isAvailable()` is false and the other calls throw an error that says why.
 */
import { native } from './native.js';
import { expectInt, expectNonNegInt } from './errors.js';

export interface CudaMemoryStats {
  allocated: number;
  reserved: number;
  maxAllocated: number;
  maxReserved: number;
}

function device(d: number | string | undefined, what = 'device'): number | undefined {
  if (d === undefined) return undefined;
  if (typeof d === 'string') {
    const m = /^cuda(?::(\d+))?$/.exec(d);
    if (!m) throw new TypeError(`Expected a CUDA device like 'cuda:0' or an index for ${what} but received '${d}'`);
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
export function currentDevice(): number {
  return native.cuda.currentDevice();
}
export function setDevice(d: number | string): void {
  native.cuda.setDevice(device(d) ?? 0);
}
/** Waits for all kernels on the device to finish (timings must call this). */
export function synchronize(d?: number | string): void {
  native.cuda.synchronize(device(d));
}
/** Seeds every GPU's default generator. */
export function manualSeedAll(seed: number | bigint): void {
  if (typeof seed !== 'bigint') expectInt(seed, 'seed');
  native.cuda.manualSeedAll(seed);
}
export function memoryStats(d?: number | string): CudaMemoryStats {
  return native.cuda.memoryStats(device(d));
}
export function memoryAllocated(d?: number | string): number {
  return memoryStats(d).allocated;
}
export function memoryReserved(d?: number | string): number {
  return memoryStats(d).reserved;
}
export function maxMemoryAllocated(d?: number | string): number {
  return memoryStats(d).maxAllocated;
}
export function resetPeakMemoryStats(d?: number | string): void {
  native.cuda.resetPeakMemoryStats(device(d));
}
/** Returns cached, unused blocks of the caching allocator to the driver. */
export function emptyCache(): void {
  native.cuda.emptyCache();
}
export function getDeviceName(d?: number | string): string {
  return native.cuda.getDeviceName(device(d));
}

/**
 * Resolves a scripts' `--device` value: 'auto' picks CUDA when usable and says so when a CUDA
 * build finds no GPU, rather than silently running on the CPU.
 */
export function resolveDevice(requested: string, log: (msg: string) => void = console.log): string {
  if (requested === 'auto') {
    if (isAvailable()) return 'cuda';
    if (native.buildInfo().cudaBuild) log('torchnode: built with CUDA but no usable GPU/driver was found: running on the CPU');
    return 'cpu';
  }
  if (requested.startsWith('cuda') && !isAvailable()) {
    throw new Error(`--device ${requested}: CUDA is not available (${native.buildInfo().cudaBuild ? 'no usable GPU or driver' : 'this build uses a CPU-only LibTorch ' + native.buildInfo().torchVersion})`);
  }
  return requested;
}
