// Module entry: per-environment state, the tensor table, and shared conversions.
#include "pch.h"
#include "state.h"
#include "guard.h"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace torchnode {

// ---- TensorTable -------------------------------------------------------------------

static int64_t StorageBytes(const at::Tensor& t) {
  // Views share their base's storage: count memory only for the tensor that owns it.
  if (!t.defined() || t.is_view()) return 0;
  // oneDNN (mkldnn) tensors keep their memory outside a Storage: count their logical size.
  if (t.is_mkldnn()) return static_cast<int64_t>(t.numel() * t.element_size());
  if (!t.has_storage()) return 0;
  return static_cast<int64_t>(t.storage().nbytes());
}

int32_t TensorTable::Put(at::Tensor t) {
  ++puts_;
  if (!collected_.empty()) ReleaseCollected();
  int64_t logical = t.defined() ? static_cast<int64_t>(t.numel() * t.element_size()) : 0;
  external_delta_ += StorageBytes(t);
  bytes_ += logical;
  ++live_;
  if (!free_.empty()) {
    int32_t id = free_.back();
    free_.pop_back();
    slots_[id] = std::move(t);
    return id;
  }
  slots_.push_back(std::move(t));
  gens_.push_back(0);
  return static_cast<int32_t>(slots_.size() - 1);
}

uint64_t TensorTable::Token(int32_t id) const {
  uint32_t gen = (id >= 0 && id < static_cast<int64_t>(gens_.size())) ? gens_[id] : 0;
  return (static_cast<uint64_t>(gen) << 32) | static_cast<uint32_t>(id);
}

void TensorTable::Collect(uint64_t token) {
  collected_.push_back({static_cast<int32_t>(token & 0xffffffffu), static_cast<uint32_t>(token >> 32), puts_});
}

void TensorTable::ReleaseAllCollected() {
  for (const Collected& c : collected_)
    if (c.id >= 0 && c.id < static_cast<int64_t>(slots_.size()) && gens_[c.id] == c.gen) Release(c.id);
  collected_.clear();
}

void TensorTable::ReleaseCollected() {
  while (!collected_.empty() && puts_ - collected_.front().stamp >= kQuarantine) {
    Collected c = collected_.front();
    collected_.pop_front();
    if (c.id >= 0 && c.id < static_cast<int64_t>(slots_.size()) && gens_[c.id] == c.gen) Release(c.id);
  }
}

const at::Tensor& TensorTable::Get(int64_t id, const char* what) const {
  if (id < 0 || id >= static_cast<int64_t>(slots_.size()) || !slots_[id].defined()) {
    throw std::invalid_argument(std::string("argument '") + what +
                                "' is a disposed tensor (it was freed by dispose() or a tidy() scope)");
  }
  return slots_[id];
}

const at::Tensor& TensorTable::Get(const Napi::Value& v, const char* what) const {
  if (!v.IsNumber()) throw std::invalid_argument(std::string("expected a Tensor for argument '") + what + "'");
  return Get(v.As<Napi::Number>().Int64Value(), what);
}

bool TensorTable::Release(int64_t id) {
  if (id < 0 || id >= static_cast<int64_t>(slots_.size()) || !slots_[id].defined()) return false;
  at::Tensor& t = slots_[id];
  external_delta_ -= StorageBytes(t);
  bytes_ -= static_cast<int64_t>(t.numel() * t.element_size());
  --live_;
  t.reset();
  ++gens_[id];
  free_.push_back(static_cast<int32_t>(id));
  return true;
}

void TensorTable::Clear() {
  slots_.clear();
  gens_.clear();
  collected_.clear();
  free_.clear();
  live_ = 0;
  bytes_ = 0;
}

AddonState::~AddonState() {
  if (gc_link) gc_link->state = nullptr;  // guards finalized later find nothing to free
  // Inference guards are RAII objects of this thread: unwind them in reverse order.
  while (!inference_guards.empty()) inference_guards.pop_back();
  DropGradHooks(*this);
  optimizers.Clear();
  script_modules.Clear();
  tensors.Clear();
  generators.Clear();
}

AddonState& State(Napi::Env env) {
  AddonState* st = env.GetInstanceData<AddonState>();
  if (!st) throw Napi::Error::New(env, "torchnode: addon state is gone (environment shutting down)");
  return *st;
}

void FlushExternalMemory(Napi::Env env, AddonState& st, bool force) {
  int64_t d = st.tensors.external_delta();
  if (force || d > (1 << 20) || d < -(1 << 20)) {
    st.tensors.TakeExternalDelta();
    Napi::MemoryManagement::AdjustExternalMemory(env, d);
  }
}

Napi::Value WrapTensor(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  AddonState& st = State(env);
  int32_t id = st.tensors.Put(std::move(t));
  FlushExternalMemory(env, st);
  return Napi::Number::New(env, id);
}

// ---- conversions -------------------------------------------------------------------

bool ToScalar(const Napi::Value& v, c10::Scalar* out, const std::string& what) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    // Integral numbers go in as int64 Scalars (Python's int), except -0: only a float keeps its
    // sign (x.mul(-0) is [-0, -0] and x.div(-0) flips the infinities, as in PyTorch). Integral
    // numbers beyond 2^53 stay doubles: JS cannot hold them exactly, so they are Python floats.
    if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0 && !(d == 0 && std::signbit(d)))
      *out = c10::Scalar(static_cast<int64_t>(d));
    else
      *out = c10::Scalar(d);
    return true;
  }
  if (v.IsBoolean()) {
    *out = c10::Scalar(v.As<Napi::Boolean>().Value());
    return true;
  }
  if (v.IsBigInt()) {
    *out = c10::Scalar(CheckedInt64(v, what));
    return true;
  }
  return false;
}

std::string JsTypeName(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "boolean";
    case napi_number:
      return "number";
    case napi_string:
      return "string";
    case napi_symbol:
      return "symbol";
    case napi_object:
      return v.IsArray() ? "array" : "object";
    case napi_function:
      return "function";
    case napi_external:
      return "external";
    case napi_bigint:
      return "bigint";
    default:
      return "unknown";
  }
}

int64_t CheckedInt64(const Napi::Value& v, const std::string& what) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    // [-2^63, 2^63) exactly: both bounds are doubles, and the cast below is defined only inside.
    if (std::trunc(d) != d || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
      std::ostringstream os;
      os << "expected an integer for " << what << " but received ";
      if (std::trunc(d) == d && std::fabs(d) < 1e21)  // as JS writes it: 1e19 is 10000000000000000000
        os << std::fixed << std::setprecision(0) << d << ", outside int64's range [-2^63, 2^63)";
      else
        os << std::setprecision(17) << d;
      throw std::invalid_argument(os.str());
    }
    return static_cast<int64_t>(d);
  }
  if (v.IsBigInt()) {
    bool lossless = true;
    int64_t r = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) {
      throw std::invalid_argument("expected an integer for " + what + " but received the BigInt " +
                                  v.ToString().Utf8Value() + ", outside int64's range [-2^63, 2^63)");
    }
    return r;
  }
  throw std::invalid_argument("expected an integer for " + what + " but received " + JsTypeName(v));
}

static int64_t ToInt64(const Napi::Value& v, const char* what) { return CheckedInt64(v, what); }

std::vector<int64_t> ToIntVector(const Napi::Value& v, const char* what) {
  std::vector<int64_t> out;
  if (v.IsNumber() || v.IsBigInt()) {
    out.push_back(ToInt64(v, what));
    return out;
  }
  if (!v.IsArray()) {
    throw std::invalid_argument(std::string("expected an array of integers for ") + what + " but received " +
                                JsTypeName(v));
  }
  Napi::Array a = v.As<Napi::Array>();
  uint32_t n = a.Length();
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) out.push_back(ToInt64(a.Get(i), what));
  return out;
}

Napi::Array FromIntArray(Napi::Env env, at::IntArrayRef a) {
  Napi::Array out = Napi::Array::New(env, a.size());
  for (size_t i = 0; i < a.size(); ++i) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, (double)a[i]));
  return out;
}

std::string DtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat:
      return "float32";
    case at::kDouble:
      return "float64";
    case at::kHalf:
      return "float16";
    case at::kBFloat16:
      return "bfloat16";
    case at::kLong:
      return "int64";
    case at::kInt:
      return "int32";
    case at::kShort:
      return "int16";
    case at::kChar:
      return "int8";
    case at::kByte:
      return "uint8";
    case at::kBool:
      return "bool";
    case at::kComplexFloat:
      return "complex64";
    case at::kComplexDouble:
      return "complex128";
    default:
      return c10::toString(t);
  }
}

std::string DescribeTensor(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::ostringstream os;
  os << DtypeName(t.scalar_type()) << "[";
  auto s = t.sizes();
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  if (!t.device().is_cpu()) os << " on " << t.device().str();
  return os.str();
}

at::ScalarType ToScalarType(const Napi::Value& v, const char* what) {
  int64_t code = ToInt64(v, what);
  if (code < 0 || code >= static_cast<int64_t>(at::ScalarType::NumOptions)) {
    throw std::invalid_argument(std::string("invalid dtype code for ") + what);
  }
  return static_cast<at::ScalarType>(code);
}

c10::Device ToDevice(const Napi::Value& v, const char* what) {
  if (!v.IsString()) {
    throw std::invalid_argument(std::string("expected a device string like 'cpu' or 'cuda:0' for ") + what +
                                " but received " + JsTypeName(v));
  }
  return c10::Device(v.As<Napi::String>().Utf8Value());
}

std::string CleanTorchMessage(const std::string& msg) {
  // A CUDA tensor asked of a LibTorch without CUDA (or without a GPU): the dispatcher lists every
  // backend (~5 KB). Say what Python says instead. With a GPU, the message is about a missing kernel.
  const bool cuda_kernel_missing =
      msg.rfind("Could not run '", 0) == 0 && msg.find("from the 'CUDA' backend") != std::string::npos;
  const bool cuda_not_linked = msg.rfind("PyTorch is not linked with support for cuda devices", 0) == 0;
  if ((cuda_kernel_missing || cuda_not_linked) && !at::globalContext().hasCUDA()) {
#ifdef TORCHNODE_CUDA
    return "CUDA is not available: torchnode was built with CUDA (LibTorch " TORCHNODE_TORCH_VERSION
           "), but no usable GPU or driver was found";
#else
    return "Torch not compiled with CUDA enabled (torchnode was built against a CPU-only "
           "LibTorch " TORCHNODE_TORCH_VERSION ")";
#endif
  }
  std::string m = msg;
  size_t p = m.find("\nException raised from");
  if (p != std::string::npos) m.erase(p);
  // c10's enforce: "[enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't …".
  if (m.rfind("[enforce fail at ", 0) == 0 && (p = m.find("] ")) != std::string::npos) {
    size_t sentence = m.find(". ", p);
    m.erase(0, sentence == std::string::npos ? p + 2 : sentence + 2);
  }
  // A kernel missing for a backend: the first sentence says it; the rest lists every backend (~5 KB).
  if (m.rfind("Could not run '", 0) == 0 && (p = m.find(" This could be because")) != std::string::npos) {
    m.erase(p);
    if (m.find("'MkldnnCPU' backend") != std::string::npos)
      m += " oneDNN's layout (toMkldnn) supports only a few ops: convert with toDense() first.";
  }
  // Text written for LibTorch's developers: a bare TORCH_CHECK's "Expected cond to be true, but
  // got false. (Could this error message be improved? …)" and TORCH_INTERNAL_ASSERT's plea with
  // its source location. Keep the condition; drop the rest.
  const std::string improve = "(Could this error message be improved?";
  if ((p = m.find(improve)) != std::string::npos) {
    m.erase(p);
    const std::string expected = "Expected ", tail = " to be true, but got false.";
    size_t t = m.find(tail);
    if (m.rfind(expected, 0) == 0 && t != std::string::npos)
      m = "LibTorch's check failed: " + m.substr(expected.size(), t - expected.size()) + " is false";
  }
  const std::string internal = " INTERNAL ASSERT FAILED at ";
  if ((p = m.find(internal)) != std::string::npos) {
    std::string cond = m.substr(0, p);
    size_t plea = m.find("please report a bug to PyTorch.", p);
    std::string detail = plea == std::string::npos ? "" : m.substr(plea + 31);
    m = "LibTorch's internal check failed: " + cond +
        " is false (these arguments reach a path LibTorch does not "
        "handle)" +
        (detail.find_first_not_of(' ') == std::string::npos ? "" : ":" + detail);
  }
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// ---- errors ------------------------------------------------------------------------

const char* PythonTypeOf(const c10::Error& e) {
  // Most derived first; these are the subclasses LibTorch 1.13 and 2.x both declare.
  if (dynamic_cast<const c10::IndexError*>(&e)) return "IndexError";
  if (dynamic_cast<const c10::ValueError*>(&e)) return "ValueError";
  if (dynamic_cast<const c10::TypeError*>(&e)) return "TypeError";
  if (dynamic_cast<const c10::NotImplementedError*>(&e)) return "NotImplementedError";
  if (dynamic_cast<const c10::LinAlgError*>(&e)) return "LinAlgError";
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e)) return "OutOfMemoryError";
  return "RuntimeError";
}

Napi::Error MakeTorchError(Napi::Env env, const std::string& op, const std::string& message, const char* python_type) {
  AddonState* st = env.GetInstanceData<AddonState>();
  std::string text = op + ": " + message;
  if (!st || st->torch_error.IsEmpty()) return Napi::Error::New(env, text);
  Napi::Object e = st->torch_error.New(
      {Napi::String::New(env, text), Napi::String::New(env, op), Napi::String::New(env, python_type)});
  return Napi::Error(env, e);
}

Napi::Error JsErrorFor(Napi::Env env, const std::string& op, const std::exception_ptr& error,
                       const std::function<std::string()>& context) {
  try {
    std::rethrow_exception(error);
  } catch (const Napi::Error& e) {
    return e;
  } catch (const c10::Error& e) {
    return MakeTorchError(env, op, CleanTorchMessage(e.what_without_backtrace()) + (context ? context() : ""),
                          PythonTypeOf(e));
  } catch (const std::bad_alloc&) {
    return Napi::RangeError::New(env, op + ": out of memory" + (context ? context() : ""));
  } catch (const std::exception& e) {
    return Napi::Error::New(env, op + ": " + CleanTorchMessage(e.what()));
  } catch (...) {
    return Napi::Error::New(env, op + ": unknown native error");
  }
}

// setErrorClass(TorchError): the constructor LibTorch's errors are thrown as, in this environment.
TN_FN(SetErrorClass, "setErrorClass") {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction())
    ThrowType(env, "setErrorClass: expected a constructor for cls but received " + JsTypeName(info[0]));
  State(env).torch_error = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

// ---- info --------------------------------------------------------------------------

TN_FN(BuildInfo, "buildInfo") {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("torchVersion", TORCHNODE_TORCH_VERSION);
#ifdef TORCHNODE_CUDA
  o.Set("cudaBuild", true);
#else
  o.Set("cudaBuild", false);
#endif
  o.Set("mkldnn", at::hasMKLDNN());
  o.Set("parallelInfo", at::get_parallel_info());
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<AddonState>(new AddonState());
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass, "setErrorClass"));
  InitTensor(env, exports);
  InitOps(env, exports);
  InitFastOps(env, exports);
  InitCuda(env, exports);
  InitAutograd(env, exports);
  InitRandom(env, exports);
  InitOptim(env, exports);
  InitSerialize(env, exports);
  InitDistributed(env, exports);
  return exports;
}

}  // namespace torchnode

static Napi::Object InitTorchnode(Napi::Env env, Napi::Object exports) { return torchnode::Init(env, exports); }
NODE_API_MODULE(torchnode, InitTorchnode)
