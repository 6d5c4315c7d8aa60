// torch.cuda: device queries, seeding, synchronisation and caching-allocator statistics.
// CPU-only builds compile the same file; the CUDA parts sit behind TORCHNODE_CUDA.
#include "pch.h"
#include "state.h"
#include "guard.h"
#include "compat.h"

#ifdef TORCHNODE_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <torch/cuda.h>
#endif

#include <mutex>

namespace torchnode {

static int NumGpus() {
  if (!at::globalContext().hasCUDA()) return 0;
  return static_cast<int>(at::detail::getCUDAHooks().getNumGPUs());
}

#ifdef TORCHNODE_CUDA
static int DeviceArg(const Napi::CallbackInfo& info, size_t i) {
  int n = NumGpus();
  if (n == 0) {
    throw std::runtime_error("CUDA is not available: torchnode was built with CUDA (LibTorch " TORCHNODE_TORCH_VERSION
                             ") but no usable GPU or driver was found");
  }
  int d = (info.Length() > i && info[i].IsNumber()) ? info[i].As<Napi::Number>().Int32Value()
                                                    : static_cast<int>(c10::cuda::current_device());
  if (d < 0 || d >= n)
    throw std::invalid_argument("invalid device " + std::to_string(d) + " (" + std::to_string(n) + " devices)");
  return d;
}
#else
[[noreturn]] static int DeviceArg(const Napi::CallbackInfo&, size_t) {
  throw std::runtime_error(
      "CUDA is not available: torchnode was built against a CPU-only LibTorch (" TORCHNODE_TORCH_VERSION ")");
}
#endif

TN_FN(IsAvailable, "cuda.isAvailable") { return Napi::Boolean::New(info.Env(), NumGpus() > 0); }
TN_FN(DeviceCount, "cuda.deviceCount") { return Napi::Number::New(info.Env(), NumGpus()); }

TN_FN(CurrentDevice, "cuda.currentDevice") {
  DeviceArg(info, 99);
#ifdef TORCHNODE_CUDA
  return Napi::Number::New(info.Env(), c10::cuda::current_device());
#endif
}

TN_FN(SetDevice, "cuda.setDevice") {
  int d = DeviceArg(info, 0);
#ifdef TORCHNODE_CUDA
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(d));
#endif
  (void)d;
  return info.Env().Undefined();
}

TN_FN(Synchronize, "cuda.synchronize") {
  int d = DeviceArg(info, 0);
#ifdef TORCHNODE_CUDA
  torch::cuda::synchronize(d);
#endif
  (void)d;
  return info.Env().Undefined();
}

TN_FN(ManualSeedAll, "cuda.manualSeedAll") {
  Napi::Value v = info[0];
  uint64_t seed;
  if (v.IsBigInt()) {
    bool lossless;
    seed = v.As<Napi::BigInt>().Uint64Value(&lossless);
  } else {
    seed = static_cast<uint64_t>(static_cast<int64_t>(v.As<Napi::Number>().DoubleValue()));
  }
  for (int i = 0; i < NumGpus(); ++i) {
    auto gen = compat::DefaultCudaGenerator(i);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  }
  return info.Env().Undefined();
}

// memoryStats(device) -> {allocated, reserved, maxAllocated, maxReserved} in bytes
TN_FN(MemoryStats, "cuda.memoryStats") {
  int d = DeviceArg(info, 0);
  Napi::Object o = Napi::Object::New(info.Env());
#ifdef TORCHNODE_CUDA
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(d);
  // Index 0 is StatType::AGGREGATE in LibTorch 1.13 and 2.x alike.
  o.Set("allocated", static_cast<double>(stats.allocated_bytes[0].current));
  o.Set("reserved", static_cast<double>(stats.reserved_bytes[0].current));
  o.Set("maxAllocated", static_cast<double>(stats.allocated_bytes[0].peak));
  o.Set("maxReserved", static_cast<double>(stats.reserved_bytes[0].peak));
#endif
  (void)d;
  return o;
}

TN_FN(ResetPeak, "cuda.resetPeakMemoryStats") {
  int d = DeviceArg(info, 0);
#ifdef TORCHNODE_CUDA
  c10::cuda::CUDACachingAllocator::resetPeakStats(d);
#endif
  (void)d;
  return info.Env().Undefined();
}

TN_FN(EmptyCache, "cuda.emptyCache") {
  DeviceArg(info, 99);
#ifdef TORCHNODE_CUDA
  c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  return info.Env().Undefined();
}

TN_FN(DeviceName, "cuda.getDeviceName") {
  int d = DeviceArg(info, 0);
#ifdef TORCHNODE_CUDA
  return Napi::String::New(info.Env(), at::cuda::getDeviceProperties(d)->name);
#else
  (void)d;
  return info.Env().Undefined();
#endif
}

void InitCuda(Napi::Env env, Napi::Object exports) {
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("isAvailable", Napi::Function::New(env, IsAvailable, "isAvailable"));
  cuda.Set("deviceCount", Napi::Function::New(env, DeviceCount, "deviceCount"));
  cuda.Set("currentDevice", Napi::Function::New(env, CurrentDevice, "currentDevice"));
  cuda.Set("setDevice", Napi::Function::New(env, SetDevice, "setDevice"));
  cuda.Set("synchronize", Napi::Function::New(env, Synchronize, "synchronize"));
  cuda.Set("manualSeedAll", Napi::Function::New(env, ManualSeedAll, "manualSeedAll"));
  cuda.Set("memoryStats", Napi::Function::New(env, MemoryStats, "memoryStats"));
  cuda.Set("resetPeakMemoryStats", Napi::Function::New(env, ResetPeak, "resetPeakMemoryStats"));
  cuda.Set("emptyCache", Napi::Function::New(env, EmptyCache, "emptyCache"));
  cuda.Set("getDeviceName", Napi::Function::New(env, DeviceName, "getDeviceName"));
  exports.Set("cuda", cuda);
}

}  // namespace torchnode
