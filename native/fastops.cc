// Direct entry points for the hottest small ops: no schema walk, no IValue boxing.
// Same semantics as the generic path (at::add is what aten::add.Tensor runs).
#include "pch.h"
#include "state.h"
#include "guard.h"

#include <ATen/ScalarOps.h>

namespace torchnode {

namespace {

enum Binary : int { kAdd, kSub, kMul, kDiv, kAddInplace, kSubInplace, kMulInplace, kDivInplace, kMatmul };
constexpr int kNumberOther = 16;  // or'ed into the code: `other` is a number (lib/native.ts BINARY_NUMBER)
const char* kBinaryNames[] = {"add", "sub", "mul", "div", "add_", "sub_", "mul_", "div_", "matmul"};

// A JS number as PyTorch's Python binding passes one to add/sub/mul/div: a 0-dim "wrapped number"
// tensor, which type promotion treats like a Python scalar (float32 + 2.5 stays float32). The
// Tensor overload then runs, so autograd records the node Python shows (AddBackward0, not the
// Scalar overload's AddBackward1).
at::Tensor WrappedNumber(const Napi::Value& v) {
  c10::Scalar s;
  if (!ToScalar(v, &s, "argument 'other'"))
    throw std::invalid_argument("expected a number for argument 'other' but received " + JsTypeName(v));
  at::Tensor t = c10::scalar_to_tensor(s);
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

}  // namespace

// binary(code, self, other) -> handle (undefined for in-place); other: a handle, or, with
// kNumberOther in the code, a number (add/sub/mul/div and their in-place forms).
static Napi::Value BinaryOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState& st = State(env);
  int code = info[0].As<Napi::Number>().Int32Value();
  // kNumberOther flags `other` as a JS number (handles are numbers too).
  const bool numberOther = (code & kNumberOther) != 0;
  code &= ~kNumberOther;
  if (code < 0 || code > kMatmul || (numberOther && code == kMatmul))
    throw Napi::Error::New(env, "torchnode: bad binary op code");
  const char* name = kBinaryNames[code];
  try {
    const at::Tensor& a = st.tensors.Get(info[1], "self");
    at::Tensor number;
    if (numberOther) number = WrappedNumber(info[2]);
    const at::Tensor& b = number.defined() ? number : st.tensors.Get(info[2], "other");
    at::Tensor r;
    switch (code) {
      case kAdd:
        r = at::add(a, b);
        break;
      case kSub:
        r = at::sub(a, b);
        break;
      case kMul:
        r = at::mul(a, b);
        break;
      case kDiv:
        r = at::div(a, b);
        break;
      case kAddInplace:
        const_cast<at::Tensor&>(a).add_(b);
        return env.Undefined();
      case kSubInplace:
        const_cast<at::Tensor&>(a).sub_(b);
        return env.Undefined();
      case kMulInplace:
        const_cast<at::Tensor&>(a).mul_(b);
        return env.Undefined();
      case kDivInplace:
        const_cast<at::Tensor&>(a).div_(b);
        return env.Undefined();
      case kMatmul:
        r = at::matmul(a, b);
        break;
    }
    int32_t id = st.tensors.Put(std::move(r));
    FlushExternalMemory(env, st);
    return Napi::Number::New(env, id);
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw JsErrorFor(env, name, std::current_exception(), [&] {
      try {
        std::string other =
            numberOther ? "number " + info[2].ToString().Utf8Value() : DescribeTensor(st.tensors.Get(info[2], "other"));
        return " (self: " + DescribeTensor(st.tensors.Get(info[1], "self")) + ", other: " + other + ")";
      } catch (...) {
        return std::string();
      }
    });
  }
}

void InitFastOps(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, BinaryOp, "binary"));
}

}  // namespace torchnode
