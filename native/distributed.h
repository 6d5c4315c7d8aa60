// What native code outside native/distributed/ needs of the default process group (sync_batchnorm.cc):
// a handle that keeps the group alive and runs blocking collectives on it, without naming c10d's
// classes, so a caller compiles the same against LibTorch 1.13 (ProcessGroupGloo/NCCL derive from
// c10d::ProcessGroup) and 2.x (they derive from c10d::Backend), with or without c10d at all.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <ATen/core/ivalue.h>

#include <vector>

namespace torchnode {

// The default group of one Node environment, as it was when DefaultDistGroup was called: a later
// destroyProcessGroup() does not free it while a handle (e.g. an autograd graph) holds it. The
// collectives block until their result is usable on the calling thread's current CUDA stream (as
// torch.distributed's async_op=False: Work::wait()); any thread may call them, in the same order
// on every rank. A CustomClassHolder so that an autograd context can keep it (IValue capsule).
class DistGroup : public torch::CustomClassHolder {
 public:
  ~DistGroup() override = default;
  virtual int Size() const = 0;
  // "gloo" or "nccl".
  virtual const char* Backend() const = 0;
  // all_gather(outputs, input): rank i's `input` into outputs[i] (outputs.size() == Size()).
  virtual void AllGather(std::vector<at::Tensor>& outputs, at::Tensor& input) = 0;
  // _all_gather_base(output, input): every rank's `input` into `output`, concatenated (NCCL only).
  virtual void AllGatherBase(at::Tensor& output, at::Tensor& input) = 0;
  // all_reduce(t, SUM), in place.
  virtual void AllReduceSum(at::Tensor& t) = 0;
};

// The default group of `env`; null when none is initialized (or the build has no c10d).
c10::intrusive_ptr<DistGroup> DefaultDistGroup(Napi::Env env);

// distributed.syncBatchNorm (sync_batchnorm.cc), exported by InitDistributed.
Napi::Value SyncBatchNormEntry(const Napi::CallbackInfo& info);

}  // namespace torchnode
