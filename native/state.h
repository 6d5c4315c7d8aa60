// Per-environment state: every Node environment (main thread or worker) that loads the
// addon gets its own tables, freed by the environment's cleanup (SetInstanceData).
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <ATen/core/dispatch/Dispatcher.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace torchnode {

// JS holds tensors as integer handles into this table: no wrapper object per tensor on
// the native side, so creating a result costs a vector slot, not an ObjectWrap (~1 us).
class TensorTable {
 public:
  int32_t Put(at::Tensor t);
  // Throws a JS-facing error naming `what` when the handle is not live.
  const at::Tensor& Get(int64_t id, const char* what) const;
  // The same from a JS value, which must be a handle (a number).
  const at::Tensor& Get(const Napi::Value& v, const char* what) const;
  bool Release(int64_t id);
  // The handle and the generation of its slot, as one number: a GC guard's identity for it.
  uint64_t Token(int32_t id) const;
  // Called from inside a garbage collection (native/gc/guard.cc) for a tensor whose JS object was
  // collected: C++ state only. The release waits until kQuarantine more tensors were created,
  // because JS may have read the handle number just before the object died and not yet passed
  // it to the addon (V8 frees an object after its last use, e.g. `native.op(t._h, [..])` with
  // the array allocated in between); a token whose slot was released meanwhile is ignored.
  void Collect(uint64_t token);
  // Releases every collected tensor now: only where no JS frame can hold a handle number read
  // from a dead object, i.e. from a statement of user code (memory()) or a fresh macrotask.
  void ReleaseAllCollected();
  void Clear();
  int64_t live() const { return live_; }
  int64_t logical_bytes() const { return bytes_; }
  int64_t TakeExternalDelta() {
    int64_t d = external_delta_;
    external_delta_ = 0;
    return d;
  }
  int64_t external_delta() const { return external_delta_; }

 private:
  void ReleaseCollected();
  static constexpr uint64_t kQuarantine = 64;
  struct Collected {
    int32_t id;
    uint32_t gen;
    uint64_t stamp;  // puts_ when collected
  };
  std::vector<at::Tensor> slots_;
  std::vector<uint32_t> gens_;  // bumped by every release: a stale token never frees a reused slot
  std::vector<int32_t> free_;
  std::deque<Collected> collected_;
  uint64_t puts_ = 0;
  int64_t live_ = 0;
  int64_t bytes_ = 0;
  int64_t external_delta_ = 0;
};

// Same design for generators and other refcounted LibTorch values JS can hold.
template <typename T>
class HandleTable {
 public:
  int32_t Put(T v) {
    if (!free_.empty()) {
      int32_t id = free_.back();
      free_.pop_back();
      slots_[id] = std::move(v);
      used_[id] = true;
      return id;
    }
    slots_.push_back(std::move(v));
    used_.push_back(true);
    return static_cast<int32_t>(slots_.size() - 1);
  }
  template <typename F>
  void ForEach(F f) {
    for (size_t i = 0; i < slots_.size(); ++i)
      if (used_[i]) f(slots_[i]);
  }
  T* Find(int64_t id) { return (id >= 0 && id < (int64_t)slots_.size() && used_[id]) ? &slots_[id] : nullptr; }
  bool Release(int64_t id) {
    if (!Find(id)) return false;
    slots_[id] = T();
    used_[id] = false;
    free_.push_back((int32_t)id);
    return true;
  }
  void Clear() {
    slots_.clear();
    used_.clear();
    free_.clear();
  }

 private:
  std::vector<T> slots_;
  std::vector<bool> used_;
  std::vector<int32_t> free_;
};

enum class ArgKind : uint8_t {
  Tensor,
  OptTensor,
  TensorList,
  OptTensorList,
  Int,
  OptInt,
  IntList,
  OptIntList,
  Double,
  OptDouble,
  DoubleList,
  OptDoubleList,
  Bool,
  OptBool,
  BoolList,
  Scalar,
  OptScalar,
  ScalarList,
  ScalarType,
  Layout,
  MemoryFormat,
  Device,
  Generator,
  String,
  OptString,
  Unsupported,
};

struct OpEntry {
  c10::OperatorHandle handle;
  std::string display;  // "add" for aten::add.Tensor: what error messages call it
  std::vector<ArgKind> kinds;
  std::vector<std::string> names;
  std::vector<c10::optional<c10::IValue>> defaults;
  bool returns_self = false;  // in-place: the result aliases `self`, no new handle
  explicit OpEntry(c10::OperatorHandle h) : handle(std::move(h)) {}
};

// What the GC guard module (native/gc/guard.cc, a separate .so) calls; its layout is repeated
// there and checked by `abi`. Allocated per environment and never freed: the guard module's
// environment may finalize its guards after this addon's state is gone (then `state` is null).
struct GcLink {
  uint32_t abi;
  void* state;
  void (*collect)(void* state, uint64_t token);
  uint64_t (*token)(void* state, int32_t id);
};
constexpr uint32_t kGcLinkAbi = 0x74670001;

class Optimizer;
class ScriptModule;
struct GradHook;  // Tensor.registerHook's JS function, held by the tensor's hook (autograd.cc)

struct AddonState {
  TensorTable tensors;
  HandleTable<at::Generator> generators;
  std::vector<OpEntry> ops;
  std::vector<std::unique_ptr<c10::InferenceMode>> inference_guards;
  std::vector<bool> grad_mode_stack;
  HandleTable<std::shared_ptr<Optimizer>> optimizers;
  HandleTable<std::shared_ptr<ScriptModule>> script_modules;
  // Weak: the hook lambda in the tensor's autograd metadata owns the entry, so it lives as long
  // as the tensor or graph that can call it; the table only finds it again for remove().
  HandleTable<std::weak_ptr<GradHook>> grad_hooks;
  GcLink* gc_link = nullptr;            // created by gcLink(); its state pointer is cleared on destruction
  Napi::FunctionReference torch_error;  // lib/torch_error.ts's TorchError, set by setErrorClass()
  ~AddonState();
};

AddonState& State(Napi::Env env);

// The external-memory hint to V8 is batched: one call per megabyte of change.
void FlushExternalMemory(Napi::Env env, AddonState& st, bool force = false);

// Result helpers.
Napi::Value WrapTensor(Napi::Env env, at::Tensor t);

// Lists of numbers <-> int64 vectors.
std::vector<int64_t> ToIntVector(const Napi::Value& v, const char* what);
Napi::Array FromIntArray(Napi::Env env, at::IntArrayRef a);
std::string DescribeTensor(const at::Tensor& t);
std::string DtypeName(at::ScalarType t);
at::ScalarType ToScalarType(const Napi::Value& v, const char* what);
c10::Device ToDevice(const Napi::Value& v, const char* what);
std::string JsTypeName(const Napi::Value& v);
// A JS number/boolean/BigInt as a LibTorch Scalar (integral numbers as int64, the rest as double);
// false when `v` is none of those; throws for a BigInt outside int64 (`what` names the argument).
bool ToScalar(const Napi::Value& v, c10::Scalar* out, const std::string& what);
// The one integer conversion at the boundary: a JS integer or BigInt in [-2^63, 2^63), else an
// invalid_argument naming `what` (never a wrapped or truncated value).
int64_t CheckedInt64(const Napi::Value& v, const std::string& what);

void InitTensor(Napi::Env env, Napi::Object exports);
void InitOps(Napi::Env env, Napi::Object exports);
void InitFastOps(Napi::Env env, Napi::Object exports);
void InitCuda(Napi::Env env, Napi::Object exports);
void InitAutograd(Napi::Env env, Napi::Object exports);
// Releases every registered hook's JS function while the environment can still do so.
void DropGradHooks(AddonState& st);
void InitRandom(Napi::Env env, Napi::Object exports);
void InitOptim(Napi::Env env, Napi::Object exports);
void InitSerialize(Napi::Env env, Napi::Object exports);
void InitDistributed(Napi::Env env, Napi::Object exports);

}  // namespace torchnode
