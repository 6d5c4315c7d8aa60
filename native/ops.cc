// Generic operator calls through LibTorch's dispatcher. JS resolves an operator schema
// once ("aten::add", "Tensor") to an index; each call converts JS arguments by the schema's
// argument types and runs the boxed kernel, which includes autograd like at::add does.
#include "pch.h"
#include "state.h"
#include "guard.h"

#include <cmath>
#include <sstream>

namespace torchnode {

static ArgKind Classify(const c10::TypePtr& type) {
  const std::string s = type->str();
  // Enum-like types travel as integers (dtype codes etc.); SymInt as a plain int.
  if (s == "int" || s == "SymInt" || s == "ScalarType" || s == "Layout" || s == "MemoryFormat") return ArgKind::Int;
  if (s == "int?" || s == "SymInt?" || s == "ScalarType?" || s == "Layout?" || s == "MemoryFormat?")
    return ArgKind::OptInt;
  if (s == "int[]" || s == "SymInt[]") return ArgKind::IntList;
  if (s == "int[]?" || s == "SymInt[]?") return ArgKind::OptIntList;
  if (s == "Tensor") return ArgKind::Tensor;
  if (s == "Tensor?") return ArgKind::OptTensor;
  if (s == "Tensor[]") return ArgKind::TensorList;
  if (s == "Tensor?[]") return ArgKind::OptTensorList;
  if (s == "float") return ArgKind::Double;
  if (s == "float?") return ArgKind::OptDouble;
  if (s == "float[]") return ArgKind::DoubleList;
  if (s == "float[]?") return ArgKind::OptDoubleList;
  if (s == "bool") return ArgKind::Bool;
  if (s == "bool?") return ArgKind::OptBool;
  if (s == "bool[]") return ArgKind::BoolList;
  if (s == "Scalar" || s == "number") return ArgKind::Scalar;
  if (s == "Scalar?" || s == "number?") return ArgKind::OptScalar;
  if (s == "Scalar[]" || s == "number[]") return ArgKind::ScalarList;
  if (s == "Device" || s == "Device?") return ArgKind::Device;
  if (s == "Generator" || s == "Generator?") return ArgKind::Generator;
  if (s == "str") return ArgKind::String;
  if (s == "str?") return ArgKind::OptString;
  return ArgKind::Unsupported;
}

static bool IsOptionalKind(ArgKind k) {
  switch (k) {
    case ArgKind::OptTensor:
    case ArgKind::OptInt:
    case ArgKind::OptIntList:
    case ArgKind::OptDouble:
    case ArgKind::OptDoubleList:
    case ArgKind::OptBool:
    case ArgKind::OptScalar:
    case ArgKind::OptString:
    case ArgKind::Device:
    case ArgKind::Generator:
      return true;
    default:
      return false;
  }
}

// resolve(name, overload) -> index, or throws when LibTorch has no such operator.
TN_FN(Resolve, "resolveOp") {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) {
    throw std::invalid_argument("LibTorch " TORCHNODE_TORCH_VERSION " has no operator " + name +
                                (overload.empty() ? "" : "." + overload));
  }
  OpEntry e(*handle);
  const c10::FunctionSchema& schema = handle->schema();
  e.display = name.substr(name.find("::") == std::string::npos ? 0 : name.find("::") + 2);
  for (const auto& a : schema.arguments()) {
    ArgKind k = Classify(a.type());
    if (k == ArgKind::Unsupported && !a.default_value()) {
      throw std::invalid_argument("operator " + name + "." + overload + ": argument '" + a.name() + "' of type " +
                                  a.type()->str() + " is not supported");
    }
    e.kinds.push_back(k);
    e.names.push_back(a.name());
    e.defaults.push_back(a.default_value());
  }
  const auto& rets = schema.returns();
  if (rets.size() == 1 && rets[0].alias_info() && rets[0].alias_info()->isWrite() && !schema.arguments().empty() &&
      schema.arguments()[0].alias_info() && schema.arguments()[0].alias_info()->isWrite()) {
    e.returns_self = true;
  }
  AddonState& st = State(env);
  st.ops.push_back(std::move(e));
  return Napi::Number::New(env, static_cast<double>(st.ops.size() - 1));
}

TN_FN(Schema, "opSchema") {
  AddonState& st = State(info.Env());
  int64_t i = info[0].As<Napi::Number>().Int64Value();
  if (i < 0 || i >= (int64_t)st.ops.size()) throw std::invalid_argument("no such op index");
  std::ostringstream os;
  os << st.ops[i].handle.schema();
  return Napi::String::New(info.Env(), os.str());
}

[[noreturn]] static void BadArg(const OpEntry& op, size_t i, const char* expected, const Napi::Value& v) {
  throw std::invalid_argument("expected " + std::string(expected) + " for argument '" + op.names[i] +
                              "' but received " + JsTypeName(v));
}

static double NumberOf(const OpEntry& op, size_t i, const Napi::Value& v) {
  if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue();
  BadArg(op, i, "a number", v);
}

static int64_t IntOf(const OpEntry& op, size_t i, const Napi::Value& v) {
  if (!v.IsNumber() && !v.IsBigInt()) BadArg(op, i, "an integer", v);
  return CheckedInt64(v, "argument '" + op.names[i] + "'");
}

static c10::Scalar ScalarOf(const OpEntry& op, size_t i, const Napi::Value& v) {
  c10::Scalar out;
  if (!ToScalar(v, &out, "argument '" + op.names[i] + "'")) BadArg(op, i, "a number", v);
  return out;
}

static const at::Tensor& TensorOf(AddonState& st, const OpEntry& op, size_t i, const Napi::Value& v) {
  if (!v.IsNumber()) BadArg(op, i, "a Tensor", v);
  return st.tensors.Get(v.As<Napi::Number>().Int64Value(), op.names[i].c_str());
}

static c10::IValue Convert(AddonState& st, const OpEntry& op, size_t i, const Napi::Value& v) {
  ArgKind k = op.kinds[i];
  if (v.IsUndefined() || (v.IsNull() && IsOptionalKind(k))) {
    if (op.defaults[i]) return *op.defaults[i];
    if (IsOptionalKind(k)) return c10::IValue();
    throw std::invalid_argument("missing required argument '" + op.names[i] + "'");
  }
  switch (k) {
    case ArgKind::Tensor:
    case ArgKind::OptTensor:
      return TensorOf(st, op, i, v);
    case ArgKind::TensorList:
    case ArgKind::OptTensorList: {
      if (!v.IsArray()) BadArg(op, i, "an array of Tensors", v);
      Napi::Array a = v.As<Napi::Array>();
      if (k == ArgKind::TensorList) {
        c10::List<at::Tensor> list;
        list.reserve(a.Length());
        for (uint32_t j = 0; j < a.Length(); ++j) list.push_back(TensorOf(st, op, i, a.Get(j)));
        return list;
      }
      c10::List<c10::optional<at::Tensor>> list;
      list.reserve(a.Length());
      for (uint32_t j = 0; j < a.Length(); ++j) {
        Napi::Value e = a.Get(j);
        if (e.IsNull() || e.IsUndefined())
          list.push_back(c10::nullopt);
        else
          list.push_back(TensorOf(st, op, i, e));
      }
      return list;
    }
    case ArgKind::Int:
    case ArgKind::OptInt:
      return IntOf(op, i, v);
    case ArgKind::IntList:
    case ArgKind::OptIntList: {
      std::vector<int64_t> out;
      if (v.IsNumber() || v.IsBigInt()) {
        // int[2] kernel_size=3 means [3, 3], as in Python.
        auto n = op.handle.schema().arguments()[i].N();
        out.assign(n ? *n : 1, IntOf(op, i, v));
      } else {
        if (!v.IsArray()) BadArg(op, i, "an array of integers", v);
        Napi::Array a = v.As<Napi::Array>();
        out.reserve(a.Length());
        for (uint32_t j = 0; j < a.Length(); ++j) out.push_back(IntOf(op, i, a.Get(j)));
      }
      return out;
    }
    case ArgKind::Double:
    case ArgKind::OptDouble:
      if (v.IsBigInt()) return static_cast<double>(IntOf(op, i, v));  // Python: float(int)
      return NumberOf(op, i, v);
    case ArgKind::DoubleList:
    case ArgKind::OptDoubleList: {
      std::vector<double> out;
      if (v.IsNumber()) {
        auto n = op.handle.schema().arguments()[i].N();
        out.assign(n ? *n : 1, NumberOf(op, i, v));
      } else {
        if (!v.IsArray()) BadArg(op, i, "an array of numbers", v);
        Napi::Array a = v.As<Napi::Array>();
        for (uint32_t j = 0; j < a.Length(); ++j) out.push_back(NumberOf(op, i, a.Get(j)));
      }
      return out;
    }
    case ArgKind::Bool:
    case ArgKind::OptBool:
      if (!v.IsBoolean()) BadArg(op, i, "a boolean", v);
      return v.As<Napi::Boolean>().Value();
    case ArgKind::BoolList: {
      if (!v.IsArray()) BadArg(op, i, "an array of booleans", v);
      Napi::Array a = v.As<Napi::Array>();
      c10::List<bool> out;
      for (uint32_t j = 0; j < a.Length(); ++j) {
        Napi::Value e = a.Get(j);
        if (!e.IsBoolean()) BadArg(op, i, "an array of booleans", v);
        out.push_back(e.As<Napi::Boolean>().Value());
      }
      return out;
    }
    case ArgKind::Scalar:
    case ArgKind::OptScalar:
      return ScalarOf(op, i, v);
    case ArgKind::ScalarList: {
      if (!v.IsArray()) BadArg(op, i, "an array of numbers", v);
      Napi::Array a = v.As<Napi::Array>();
      c10::List<c10::Scalar> out;
      for (uint32_t j = 0; j < a.Length(); ++j) out.push_back(ScalarOf(op, i, a.Get(j)));
      return out;
    }
    case ArgKind::Device:
      return c10::IValue(ToDevice(v, op.names[i].c_str()));
    case ArgKind::Generator: {
      if (!v.IsNumber()) BadArg(op, i, "a Generator", v);
      at::Generator* g = st.generators.Find(v.As<Napi::Number>().Int64Value());
      if (!g) throw std::invalid_argument("argument '" + op.names[i] + "' is a released Generator");
      return *g;
    }
    case ArgKind::String:
    case ArgKind::OptString:
      if (!v.IsString()) BadArg(op, i, "a string", v);
      return v.As<Napi::String>().Utf8Value();
    default:
      throw std::invalid_argument("argument '" + op.names[i] + "' cannot be given from JS");
  }
}

static Napi::Value FromIValue(Napi::Env env, AddonState& st, c10::IValue v) {
  if (v.isTensor()) {
    at::Tensor t = std::move(v).toTensor();
    if (!t.defined()) return env.Null();
    int32_t id = st.tensors.Put(std::move(t));
    return Napi::Number::New(env, id);
  }
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t j = 0; j < list.size(); ++j) a.Set((uint32_t)j, FromIValue(env, st, list.get(j)));
    return a;
  }
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isNone()) return env.Null();
  if (v.isIntList()) return FromIntArray(env, v.toIntVector());
  if (v.isTuple()) {
    auto elems = v.toTupleRef().elements();
    Napi::Array a = Napi::Array::New(env, elems.size());
    for (size_t j = 0; j < elems.size(); ++j) a.Set((uint32_t)j, FromIValue(env, st, elems[j]));
    return a;
  }
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isScalar()) {
    c10::Scalar s = v.toScalar();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
    return Napi::Number::New(env, s.toDouble());
  }
  throw std::runtime_error("cannot return a value of type " + v.tagKind() + " to JS");
}

static std::string DescribeTensorArgs(AddonState& st, const OpEntry& op, const Napi::CallbackInfo& info) {
  std::ostringstream os;
  bool any = false;
  for (size_t i = 0; i < op.kinds.size() && i + 1 < info.Length(); ++i) {
    if (op.kinds[i] != ArgKind::Tensor && op.kinds[i] != ArgKind::OptTensor) continue;
    Napi::Value v = info[i + 1];
    if (!v.IsNumber()) continue;
    int64_t id = v.As<Napi::Number>().Int64Value();
    os << (any ? ", " : " (") << op.names[i] << ": ";
    try {
      os << DescribeTensor(st.tensors.Get(id, ""));
    } catch (...) {
      os << "disposed";
    }
    any = true;
  }
  if (any) os << ")";
  return os.str();
}

// ---- oneDNN layout preconditions -----------------------------------------------------------
// Some LibTorch kernels for oneDNN's layout (toMkldnn) read shapes without checking them, and a
// wrong shape is then a segfault rather than an error (Python crashes the same way). Each entry
// checks, before the call, what the kernel assumes. Found by tools/fuzz (oneDNN-layout inputs).

static bool AnyMkldnn(const torch::jit::Stack& stack) {
  for (const c10::IValue& v : stack)
    if (v.isTensor() && v.toTensor().defined() && v.toTensor().is_mkldnn()) return true;
  return false;
}

static std::string Dims(const at::Tensor& t) { return std::to_string(t.dim()) + "-D"; }

static void CheckMkldnnPreconditions(const OpEntry& op, const torch::jit::Stack& stack) {
  const std::string& name = op.handle.schema().name();
  if (name == "aten::linear") {
    // mkldnn_linear indexes weight.size(0) and bias as a vector of out_features.
    const at::Tensor& weight = stack[1].toTensor();
    if (weight.dim() != 2)
      throw std::invalid_argument(
          "a oneDNN-layout input needs a 2-D weight [out_features, in_features] but weight is " + Dims(weight));
    if (stack[2].isTensor() && stack[2].toTensor().dim() > 1)
      throw std::invalid_argument("a oneDNN-layout input needs a 0-D or 1-D bias but bias is " +
                                  Dims(stack[2].toTensor()));
  }
}

// op(index, ...args) -> handle | number | boolean | array | undefined (in-place ops)
static Napi::Value Op(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState* stp = env.GetInstanceData<AddonState>();
  if (!stp) throw Napi::Error::New(env, "torchnode: environment is shutting down");
  AddonState& st = *stp;
  uint32_t index = info[0].As<Napi::Number>().Uint32Value();
  if (index >= st.ops.size()) throw Napi::Error::New(env, "torchnode: bad operator index");
  const OpEntry& op = st.ops[index];
  try {
    const size_t nargs = op.kinds.size();
    size_t given = info.Length() - 1;
    while (given > 0 && info[given].IsUndefined()) --given;  // JS passes unused trailing slots
    if (given > nargs) {
      throw std::invalid_argument("takes " + std::to_string(nargs) + " arguments but " + std::to_string(given) +
                                  " were given");
    }
    torch::jit::Stack stack;
    stack.reserve(nargs);
    for (size_t i = 0; i < nargs; ++i)
      stack.push_back(Convert(st, op, i, i + 1 < info.Length() ? info[i + 1] : env.Undefined()));
    if (AnyMkldnn(stack)) CheckMkldnnPreconditions(op, stack);
    op.handle.callBoxed(&stack);
    if (op.returns_self) return env.Undefined();
    Napi::Value result;
    if (stack.size() == 1) {
      result = FromIValue(env, st, std::move(stack[0]));
    } else {
      Napi::Array a = Napi::Array::New(env, stack.size());
      for (size_t j = 0; j < stack.size(); ++j) a.Set((uint32_t)j, FromIValue(env, st, std::move(stack[j])));
      result = a;
    }
    FlushExternalMemory(env, st);
    return result;
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw JsErrorFor(env, op.display, std::current_exception(), [&] { return DescribeTensorArgs(st, op, info); });
  }
}

void InitOps(Napi::Env env, Napi::Object exports) {
  exports.Set("resolveOp", Napi::Function::New(env, Resolve, "resolveOp"));
  exports.Set("opSchema", Napi::Function::New(env, Schema, "opSchema"));
  exports.Set("op", Napi::Function::New(env, Op, "op"));
}

}  // namespace torchnode
