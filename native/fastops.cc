// Direct entry points for the hottest small ops: no schema walk, no IValue boxing.
// Same semantics as the generic path (at::add is what aten::add.Tensor runs).
#include "pch.h"
#include "state.h"
#include "guard.h"

namespace torchnode {

namespace {

enum Binary : int { kAdd, kSub, kMul, kDiv, kAddInplace, kSubInplace, kMulInplace, kDivInplace, kMatmul };
const char* kBinaryNames[] = {"add", "sub", "mul", "div", "add_", "sub_", "mul_", "div_", "matmul"};

}  // namespace

// binary(code, self, other) -> handle (undefined for in-place)
static Napi::Value BinaryOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& st = State(env);
  int code = info[0].As<Napi::Number>().Int32Value();
  if (code < 0 || code > kMatmul) throw Napi::Error::New(env, "torchnode: bad binary op code");
  const char* name = kBinaryNames[code];
  try {
    const at::Tensor& a = st.tensors.Get(info[1], "self");
    const at::Tensor& b = st.tensors.Get(info[2], "other");
    at::Tensor r;
    switch (code) {
      case kAdd: r = at::add(a, b); break;
      case kSub: r = at::sub(a, b); break;
      case kMul: r = at::mul(a, b); break;
      case kDiv: r = at::div(a, b); break;
      case kAddInplace: const_cast<at::Tensor&>(a).add_(b); return env.Undefined();
      case kSubInplace: const_cast<at::Tensor&>(a).sub_(b); return env.Undefined();
      case kMulInplace: const_cast<at::Tensor&>(a).mul_(b); return env.Undefined();
      case kDivInplace: const_cast<at::Tensor&>(a).div_(b); return env.Undefined();
      case kMatmul: r = at::matmul(a, b); break;
    }
    int32_t id = st.tensors.Put(std::move(r));
    FlushExternalMemory(env, st);
    return Napi::Number::New(env, id);
  } catch (const c10::Error& e) {
    std::string shapes;
    try {
      shapes = " (self: " + DescribeTensor(st.tensors.Get(info[1], "self")) + ", other: " + DescribeTensor(st.tensors.Get(info[2], "other")) + ")";
    } catch (...) {}
    throw Napi::Error::New(env, std::string(name) + ": " + CleanTorchMessage(e.what_without_backtrace()) + shapes);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(name) + ": " + CleanTorchMessage(e.what()));
  }
}

void InitFastOps(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, BinaryOp, "binary"));
}

}  // namespace torchnode
