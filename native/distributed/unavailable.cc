// Builds without c10d (or 1.13 without gloo's headers) export the same functions: isAvailable() is false and the rest
// throw a clear error.
#include "internal.h"

namespace torchnode {

#ifndef TORCHNODE_DISTRIBUTED

static const char* kUnavailable =
    "torch.distributed is not available: torchnode was built without c10d (LibTorch " TORCHNODE_TORCH_VERSION
    " without torch/csrc/distributed/c10d headers, or 1.13 without gloo's: on Debian install libgloo-dev and rebuild)";

TN_FN(DistIsAvailable, "distributed.isAvailable") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistIsNcclAvailable, "distributed.isNcclAvailable") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistIsGlooAvailable, "distributed.isGlooAvailable") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistIsInitialized, "distributed.isInitialized") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistBackend, "distributed.getBackend") { throw std::runtime_error(kUnavailable); }
TN_FN(DistRank, "distributed.getRank") { throw std::runtime_error(kUnavailable); }
TN_FN(DistWorldSize, "distributed.getWorldSize") { throw std::runtime_error(kUnavailable); }
TN_FN(DistInit, "distributed.initProcessGroup") { throw std::runtime_error(kUnavailable); }
TN_FN(DistDestroy, "distributed.destroyProcessGroup") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistAllReduce, "distributed.allReduce") { throw std::runtime_error(kUnavailable); }
TN_FN(DistBroadcast, "distributed.broadcast") { throw std::runtime_error(kUnavailable); }
TN_FN(DistAllGather, "distributed.allGather") { throw std::runtime_error(kUnavailable); }
TN_FN(DistReduceScatter, "distributed.reduceScatter") { throw std::runtime_error(kUnavailable); }
TN_FN(DistBarrier, "distributed.barrier") { throw std::runtime_error(kUnavailable); }
TN_FN(DistSend, "distributed.send") { throw std::runtime_error(kUnavailable); }
TN_FN(DistRecv, "distributed.recv") { throw std::runtime_error(kUnavailable); }
TN_FN(DistReduce, "distributed.reduce") { throw std::runtime_error(kUnavailable); }
TN_FN(DistGather, "distributed.gather") { throw std::runtime_error(kUnavailable); }
TN_FN(DistScatter, "distributed.scatter") { throw std::runtime_error(kUnavailable); }
TN_FN(DistAllToAll, "distributed.allToAll") { throw std::runtime_error(kUnavailable); }
TN_FN(DistAllToAllSingle, "distributed.allToAllSingle") { throw std::runtime_error(kUnavailable); }
TN_FN(DistLastTicket, "distributed.lastTicket") { return Napi::Number::New(info.Env(), 0); }
TN_FN(DistWaitTickets, "distributed.waitTickets") { throw std::runtime_error(kUnavailable); }
TN_FN(DistNewGroup, "distributed.newGroup") { throw std::runtime_error(kUnavailable); }

c10::intrusive_ptr<DistGroup> DefaultDistGroup(Napi::Env) { return {}; }

void RegisterDistProcessGroup(Napi::Env env, Napi::Object d) {
  d.Set("newGroup", Napi::Function::New(env, DistNewGroup, "newGroup"));
  d.Set("isAvailable", Napi::Function::New(env, DistIsAvailable, "isAvailable"));
  d.Set("isNcclAvailable", Napi::Function::New(env, DistIsNcclAvailable, "isNcclAvailable"));
  d.Set("isGlooAvailable", Napi::Function::New(env, DistIsGlooAvailable, "isGlooAvailable"));
  d.Set("isInitialized", Napi::Function::New(env, DistIsInitialized, "isInitialized"));
  d.Set("backend", Napi::Function::New(env, DistBackend, "backend"));
  d.Set("getRank", Napi::Function::New(env, DistRank, "getRank"));
  d.Set("getWorldSize", Napi::Function::New(env, DistWorldSize, "getWorldSize"));
  d.Set("init", Napi::Function::New(env, DistInit, "init"));
  d.Set("destroy", Napi::Function::New(env, DistDestroy, "destroy"));
}

void RegisterDistCollectives(Napi::Env env, Napi::Object d) {
  d.Set("allReduce", Napi::Function::New(env, DistAllReduce, "allReduce"));
  d.Set("broadcast", Napi::Function::New(env, DistBroadcast, "broadcast"));
  d.Set("allGather", Napi::Function::New(env, DistAllGather, "allGather"));
  d.Set("reduceScatter", Napi::Function::New(env, DistReduceScatter, "reduceScatter"));
  d.Set("barrier", Napi::Function::New(env, DistBarrier, "barrier"));
  d.Set("send", Napi::Function::New(env, DistSend, "send"));
  d.Set("recv", Napi::Function::New(env, DistRecv, "recv"));
  d.Set("reduce", Napi::Function::New(env, DistReduce, "reduce"));
  d.Set("gather", Napi::Function::New(env, DistGather, "gather"));
  d.Set("scatter", Napi::Function::New(env, DistScatter, "scatter"));
  d.Set("allToAll", Napi::Function::New(env, DistAllToAll, "allToAll"));
  d.Set("allToAllSingle", Napi::Function::New(env, DistAllToAllSingle, "allToAllSingle"));
}

void RegisterDistTickets(Napi::Env env, Napi::Object d) {
  d.Set("lastTicket", Napi::Function::New(env, DistLastTicket, "lastTicket"));
  d.Set("waitTickets", Napi::Function::New(env, DistWaitTickets, "waitTickets"));
}

#endif  // !TORCHNODE_DISTRIBUTED

}  // namespace torchnode
