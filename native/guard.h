// The one boundary every native entry point goes through: LibTorch and C++ exceptions become JS
// errors with the op's name and LibTorch's message without the C++ backtrace. LibTorch's own
// errors (c10::Error and its subclasses) become the facade's TorchError (lib/torch_error.ts),
// carrying the op and the Python exception PyTorch raises for them.
#pragma once
#include <napi.h>
#include <c10/util/Exception.h>

#include <exception>
#include <functional>
#include <new>
#include <string>

namespace torchnode {

// Trims LibTorch's "Exception raised from ..." tails that some builds keep in the message.
std::string CleanTorchMessage(const std::string& msg);

// The JS error for a caught C++ exception, the one catch chain of the addon: a Napi::Error as
// is; c10::Error → TorchError("op: message" + context()); bad_alloc → RangeError("op: out of
// memory" + context()); any other std::exception → Error("op: message"). `context` (shapes of
// the op's arguments, say) is computed only for LibTorch errors.
Napi::Error JsErrorFor(Napi::Env env, const std::string& op, const std::exception_ptr& error,
                       const std::function<std::string()>& context = nullptr);

// A TorchError built from parts, for errors that crossed a thread as text (distributed work).
Napi::Error MakeTorchError(Napi::Env env, const std::string& op, const std::string& message,
                           const char* python_type = "RuntimeError");

// PyTorch's Python exception type for a LibTorch error: "IndexError", "ValueError", … or "RuntimeError".
const char* PythonTypeOf(const c10::Error& e);

template <typename F>
Napi::Value Guarded(const Napi::CallbackInfo& info, const char* op, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw JsErrorFor(info.Env(), op, std::current_exception());
  }
}

#define TN_FN(name, opname)                                            \
  static Napi::Value name##_impl(const Napi::CallbackInfo& info);      \
  static Napi::Value name(const Napi::CallbackInfo& info) {            \
    return Guarded(info, opname, [&]() { return name##_impl(info); }); \
  }                                                                    \
  static Napi::Value name##_impl(const Napi::CallbackInfo& info)

[[noreturn]] inline void ThrowType(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }

}  // namespace torchnode
