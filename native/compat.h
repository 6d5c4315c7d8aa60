// LibTorch 1.13 and 2.x from one source. Each shim detects what the headers offer (by type or
// expression, not by version number), so a LibTorch between or after the tested ones still builds.
#pragma once
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

#include <ATen/Context.h>
#include <torch/optim/optimizer.h>

namespace torchnode {
namespace compat {

// The default generator of a CUDA device. 1.13 has CUDAHooksInterface::getDefaultCUDAGenerator,
// 2.x renamed it getDefaultGenerator; Context::defaultGenerator(Device) exists in both.
inline const at::Generator& DefaultCudaGenerator(int index) {
  return at::globalContext().defaultGenerator(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index)));
}

// torch::optim keys its per-parameter state by the TensorImpl's address: as a string in 1.13
// (c10::guts::to_string, gone in 2.x), as the void* itself in 2.x.
using OptimizerStateKey = typename std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;

template <class Key>
Key StateKeyOf(void* impl) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream s;  // what c10::guts::to_string(void*) wrote in 1.13
    s << impl;
    return s.str();
  } else {
    return impl;
  }
}

inline OptimizerStateKey OptimizerKey(const at::Tensor& p) {
  return StateKeyOf<OptimizerStateKey>(p.unsafeGetTensorImpl());
}

// c10d::TCPStoreOptions::useLibUV (2.3+, default true from 2.4) needs a LibTorch built with
// libuv, which Debian's is not ("use_libuv was requested but PyTorch was build without libuv
// support"). The classic backend speaks the same wire protocol, so it is used everywhere.
template <class Options>
auto DisableLibUV(Options& o, int) -> decltype(o.useLibUV = false, void()) {
  o.useLibUV = false;
}
template <class Options>
void DisableLibUV(Options&, long) {}
template <class Options>
void UseClassicTcpStore(Options& o) {
  DisableLibUV(o, 0);
}

}  // namespace compat
}  // namespace torchnode
