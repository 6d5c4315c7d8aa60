// The one boundary every native entry point goes through: LibTorch and C++ exceptions
// become JS Errors with the op's name and LibTorch's message without the C++ backtrace.
#pragma once
#include <napi.h>
#include <c10/util/Exception.h>

#include <exception>
#include <new>
#include <string>

namespace torchnode {

// Trims LibTorch's "Exception raised from ..." tails that some builds keep in the message.
std::string CleanTorchMessage(const std::string& msg);

template <typename F>
Napi::Value Guarded(const Napi::CallbackInfo& info, const char* op, F&& body) {
  Napi::Env env = info.Env();
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, std::string(op) + ": " + CleanTorchMessage(e.what_without_backtrace()));
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, std::string(op) + ": out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(op) + ": " + CleanTorchMessage(e.what()));
  } catch (...) {
    throw Napi::Error::New(env, std::string(op) + ": unknown native error");
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
