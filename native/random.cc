// Random number generators: the default CPU generator and explicit Generator handles.
// Same mt19937/Philox streams as PyTorch on the same LibTorch.
#include "pch.h"
#include "state.h"
#include "guard.h"
#include "compat.h"

#include <mutex>

namespace torchnode {

static uint64_t Seed(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  if (!v.IsNumber()) throw std::invalid_argument("expected an integer seed but received " + JsTypeName(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != (double)(int64_t)d) throw std::invalid_argument("expected an integer seed");
  // Python accepts negative seeds and reinterprets them as uint64.
  return static_cast<uint64_t>(static_cast<int64_t>(d));
}

TN_FN(ManualSeed, "manualSeed") {
  uint64_t seed = Seed(info[0]);
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  }
  // CUDA generators are seeded too, as torch.manual_seed does (lazily, when CUDA is present).
  if (at::globalContext().hasCUDA()) {
    for (int i = 0; i < (int)at::detail::getCUDAHooks().getNumGPUs(); ++i) {
      auto gen = compat::DefaultCudaGenerator(i);
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_current_seed(seed);
    }
  }
  return info.Env().Undefined();
}

TN_FN(InitialSeed, "initialSeed") {
  auto gen = at::detail::getDefaultCPUGenerator();
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(gen.current_seed()));
}

// newGenerator(device?) -> handle; handle -1 names the default CPU generator.
TN_FN(NewGenerator, "Generator") {
  AddonState& st = State(info.Env());
  c10::Device dev(c10::kCPU);
  if (info[0].IsString()) dev = ToDevice(info[0], "device");
  at::Generator g;
  if (dev.is_cpu()) {
    g = at::detail::createCPUGenerator();
  } else {
    g = compat::DefaultCudaGenerator(dev.has_index() ? dev.index() : 0).clone();
  }
  return Napi::Number::New(info.Env(), st.generators.Put(std::move(g)));
}

static at::Generator& Gen(const Napi::CallbackInfo& info) {
  AddonState& st = State(info.Env());
  int64_t id = info[0].As<Napi::Number>().Int64Value();
  at::Generator* g = st.generators.Find(id);
  if (!g) throw std::invalid_argument("the Generator was released");
  return *g;
}

TN_FN(GeneratorSeed, "Generator.manualSeed") {
  at::Generator& g = Gen(info);
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(Seed(info[1]));
  return info.Env().Undefined();
}

TN_FN(GeneratorInitialSeed, "Generator.initialSeed") {
  at::Generator& g = Gen(info);
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(g.current_seed()));
}

TN_FN(GeneratorGetState, "Generator.getState") {
  at::Generator& g = Gen(info);
  std::lock_guard<std::mutex> lock(g.mutex());
  return WrapTensor(info.Env(), at::Tensor(g.get_state()));
}

TN_FN(GeneratorSetState, "Generator.setState") {
  at::Generator& g = Gen(info);
  const at::Tensor& s = State(info.Env()).tensors.Get(info[1], "state");
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_state(s);
  return info.Env().Undefined();
}

TN_FN(DefaultGetState, "getRngState") {
  auto g = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(g.mutex());
  return WrapTensor(info.Env(), at::Tensor(g.get_state()));
}

TN_FN(DefaultSetState, "setRngState") {
  auto g = at::detail::getDefaultCPUGenerator();
  const at::Tensor& s = State(info.Env()).tensors.Get(info[0], "state");
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_state(s);
  return info.Env().Undefined();
}

static Napi::Value ReleaseGenerator(const Napi::CallbackInfo& info) {
  AddonState* st = info.Env().GetInstanceData<AddonState>();
  if (st && info[0].IsNumber()) st->generators.Release(info[0].As<Napi::Number>().Int64Value());
  return info.Env().Undefined();
}

void InitRandom(Napi::Env env, Napi::Object exports) {
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed, "manualSeed"));
  exports.Set("initialSeed", Napi::Function::New(env, InitialSeed, "initialSeed"));
  exports.Set("newGenerator", Napi::Function::New(env, NewGenerator, "newGenerator"));
  exports.Set("generatorManualSeed", Napi::Function::New(env, GeneratorSeed, "generatorManualSeed"));
  exports.Set("generatorInitialSeed", Napi::Function::New(env, GeneratorInitialSeed, "generatorInitialSeed"));
  exports.Set("generatorGetState", Napi::Function::New(env, GeneratorGetState, "generatorGetState"));
  exports.Set("generatorSetState", Napi::Function::New(env, GeneratorSetState, "generatorSetState"));
  exports.Set("getRngState", Napi::Function::New(env, DefaultGetState, "getRngState"));
  exports.Set("setRngState", Napi::Function::New(env, DefaultSetState, "setRngState"));
  exports.Set("releaseGenerator", Napi::Function::New(env, ReleaseGenerator, "releaseGenerator"));
}

}  // namespace torchnode
