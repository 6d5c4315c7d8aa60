/** The addon's distributed exports (native/distributed.cc). @internal */
import { native } from '../native.js';

/** Backends of `initProcessGroup` (`torch.distributed.Backend`). */
export type BackendName = 'gloo' | 'nccl';

type NativeInit = Parameters<typeof native.distributed.init>[0];
/**
 * The distributed exports, with what NCCL added: `backend`/`deviceId` for init, `isNcclAvailable`
 * and `backend()`. Optional, because an addon built before NCCL support lacks them. @internal
 */
export type NativeDistributed = Omit<typeof native.distributed, 'init'> & {
  init(opts: NativeInit & { backend?: BackendName; deviceId?: number }): Promise<void>;
  isNcclAvailable?(): boolean;
  backend?(): BackendName;
};

const UNAVAILABLE = 'torch.distributed is not available: the loaded torchnode addon predates distributed support (rebuild it)';
// A stale addon without the distributed exports reports "not available" instead of crashing.
/** The addon's c10d part, or a stand-in reporting it unavailable (stale or Gloo-less builds). @internal */
export const nativeDistributed: NativeDistributed = (native.distributed as NativeDistributed | undefined) ?? {
  isAvailable: () => false,
  isNcclAvailable: () => false,
  isInitialized: () => false,
  getRank: () => { throw new Error(UNAVAILABLE); },
  getWorldSize: () => { throw new Error(UNAVAILABLE); },
  init: () => Promise.reject(new Error(UNAVAILABLE)),
  destroy: () => false,
  allReduce: () => Promise.reject(new Error(UNAVAILABLE)),
  broadcast: () => Promise.reject(new Error(UNAVAILABLE)),
  allGather: () => Promise.reject(new Error(UNAVAILABLE)),
  reduceScatter: () => Promise.reject(new Error(UNAVAILABLE)),
  barrier: () => Promise.reject(new Error(UNAVAILABLE)),
};

/** Whether this build has c10d's NCCL backend (false for addons that predate it). @internal */
export function ncclBuilt(): boolean {
  return nativeDistributed.isNcclAvailable?.() ?? false;
}

/** The default group's backend; 'gloo' for addons that predate NCCL (they had only Gloo). @internal */
export function groupBackend(): BackendName {
  return nativeDistributed.backend?.() ?? 'gloo';
}
