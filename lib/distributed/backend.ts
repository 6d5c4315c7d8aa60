/** The addon's distributed exports (native/distributed/). @internal */
import { native } from '../native.js';

/** Backends of `initProcessGroup` (`torch.distributed.Backend`). */
export type BackendName = 'gloo' | 'nccl';

const UNAVAILABLE = 'torch.distributed is not available: the loaded torchnode addon predates distributed support (rebuild it)';
// A stale addon without the distributed exports reports "not available" instead of crashing.
/** The addon's c10d part, or a stand-in reporting it unavailable (stale or Gloo-less builds). @internal */
export const nativeDistributed: typeof native.distributed = native.distributed ?? {
  isAvailable: () => false,
  isNcclAvailable: () => false,
  isGlooAvailable: () => false,
  isInitialized: () => false,
  getRank: () => {
    throw new Error(UNAVAILABLE);
  },
  getWorldSize: () => {
    throw new Error(UNAVAILABLE);
  },
  init: () => Promise.reject(new Error(UNAVAILABLE)),
  destroy: () => false,
  allReduce: () => Promise.reject(new Error(UNAVAILABLE)),
  broadcast: () => Promise.reject(new Error(UNAVAILABLE)),
  allGather: () => Promise.reject(new Error(UNAVAILABLE)),
  reduceScatter: () => Promise.reject(new Error(UNAVAILABLE)),
  barrier: () => Promise.reject(new Error(UNAVAILABLE)),
  send: () => Promise.reject(new Error(UNAVAILABLE)),
  recv: () => Promise.reject(new Error(UNAVAILABLE)),
  reduce: () => Promise.reject(new Error(UNAVAILABLE)),
  gather: () => Promise.reject(new Error(UNAVAILABLE)),
  scatter: () => Promise.reject(new Error(UNAVAILABLE)),
  allToAll: () => Promise.reject(new Error(UNAVAILABLE)),
  allToAllSingle: () => Promise.reject(new Error(UNAVAILABLE)),
  newGroup: () => Promise.reject(new Error(UNAVAILABLE)),
};

/** Whether this build has c10d's NCCL backend (false for addons that predate it). @internal */
export function ncclBuilt(): boolean {
  return nativeDistributed.isNcclAvailable?.() ?? false;
}

/** Whether this build has c10d's Gloo backend (addons that predate the question had it whenever c10d). @internal */
export function glooBuilt(): boolean {
  return nativeDistributed.isGlooAvailable?.() ?? nativeDistributed.isAvailable();
}

/** The default group's backend; 'gloo' for addons that predate NCCL (they had only Gloo). @internal */
export function groupBackend(): BackendName {
  return nativeDistributed.backend?.() ?? 'gloo';
}
