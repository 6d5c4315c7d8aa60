// PyTorch's file formats: torch::pickle_save writes the zip+pickle archive that Python's
// torch.load reads, and torch::jit::load runs TorchScript modules saved by Python.
// (Reading torch.save files is done in lib/serialize.ts: LibTorch 1.13's unpickler turns
// Python's OrderedDict, i.e. every state_dict, into None.)
#include "pch.h"
#include "state.h"
#include "guard.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/passes/fixup_trace_scope_blocks.h>
#include <torch/csrc/jit/passes/normalize_ops.h>

#include <cmath>
#include <sstream>

namespace torchnode {

class ScriptModule {
 public:
  torch::jit::Module module;
};

// JS values arrive tagged by lib/serialize.ts, because JS cannot tell int 1 from float 1.0
// nor a tuple from a list: {t:'i'|'f', v}, {t:'T', h}, {t:'L'|'U', v:[...]}, {t:'D', k:[...], v:[...]},
// plain strings, booleans and null.
static c10::IValue ToIValue(Napi::Env env, const Napi::Value& v, int depth) {
  if (depth > 64) throw std::invalid_argument("value is nested too deeply");
  if (v.IsNull() || v.IsUndefined()) return c10::IValue();
  if (v.IsBoolean()) return c10::IValue(v.As<Napi::Boolean>().Value());
  if (v.IsString()) return c10::IValue(v.As<Napi::String>().Utf8Value());
  if (!v.IsObject()) throw std::invalid_argument("cannot save a value of type " + JsTypeName(v));
  Napi::Object o = v.As<Napi::Object>();
  std::string t = o.Get("t").As<Napi::String>().Utf8Value();
  if (t == "i") return c10::IValue(static_cast<int64_t>(o.Get("v").As<Napi::Number>().DoubleValue()));
  if (t == "f") return c10::IValue(o.Get("v").As<Napi::Number>().DoubleValue());
  if (t == "T") {
    const at::Tensor& x = State(env).tensors.Get(o.Get("h").As<Napi::Number>().Int64Value(), "obj");
    return c10::IValue(x);
  }
  if (t == "L" || t == "U") {
    Napi::Array a = o.Get("v").As<Napi::Array>();
    std::vector<c10::IValue> items;
    for (uint32_t i = 0; i < a.Length(); ++i) items.push_back(ToIValue(env, a.Get(i), depth + 1));
    if (t == "U") return c10::ivalue::Tuple::create(std::move(items));
    c10::impl::GenericList list(c10::AnyType::get());
    for (auto& x : items) list.push_back(std::move(x));
    return c10::IValue(list);
  }
  if (t == "D") {
    Napi::Array k = o.Get("k").As<Napi::Array>();
    Napi::Array vals = o.Get("v").As<Napi::Array>();
    // Keys are all strings or all ints (Python allows mixes; TorchScript's dicts do not).
    std::vector<c10::IValue> keys;
    bool all_str = true, all_int = true;
    for (uint32_t i = 0; i < k.Length(); ++i) {
      keys.push_back(ToIValue(env, k.Get(i), depth + 1));
      all_str = all_str && keys.back().isString();
      all_int = all_int && keys.back().isInt();
    }
    if (!all_str && !all_int) throw std::invalid_argument("a dict's keys must be all strings or all integers");
    c10::TypePtr key_type =
        all_int && !keys.empty() ? c10::TypePtr(c10::IntType::get()) : c10::TypePtr(c10::StringType::get());
    c10::impl::GenericDict dict(key_type, c10::AnyType::get());
    for (uint32_t i = 0; i < k.Length(); ++i) dict.insert_or_assign(keys[i], ToIValue(env, vals.Get(i), depth + 1));
    return c10::IValue(dict);
  }
  throw std::invalid_argument("unknown value tag '" + t + "'");
}

// torch::pickle_save without type tags: LibTorch's pickler wraps every dict in
// torch.jit._pickle.restore_type_tag, a global that torch.load's weights_only unpickler (the
// default from PyTorch 2.4) refuses. Untagged, the pickle uses only what Python's torch.save
// writes (torch._utils._rebuild_tensor_v2, torch.*Storage, collections.OrderedDict) and loads
// in every PyTorch; lib/serialize.ts reads it back the same way it reads Python's files.
static std::vector<char> PickleSaveUntagged(const c10::IValue& iv) {
  std::vector<char> pickle;
  torch::jit::Pickler pickler([&](const char* b, size_t n) { pickle.insert(pickle.end(), b, b + n); },
                              /*tensor_table=*/nullptr, /*type_renamer=*/nullptr, /*memoized_class_types=*/nullptr,
                              /*get_tensor_id=*/nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(iv);
  pickler.stop();
  std::vector<char> archive;
  archive.reserve(pickle.size());
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* b, size_t n) {
    archive.insert(archive.end(), static_cast<const char*>(b), static_cast<const char*>(b) + n);
    return n;
  });
  torch::jit::writeArchiveAndTensors("data", pickle.data(), pickle.size(), pickler.tensorData(), writer);
  writer.writeEndOfFile();
  return archive;
}

// pickleSave(tagged) -> ArrayBuffer with the bytes of a torch.save-compatible zip archive.
TN_FN(PickleSave, "save") {
  Napi::Env env = info.Env();
  c10::IValue iv = ToIValue(env, info[0], 0);
  std::vector<char> bytes = PickleSaveUntagged(iv);
  Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, bytes.size());
  if (!bytes.empty()) std::memcpy(out.Data(), bytes.data(), bytes.size());
  return out;
}

// ---- TorchScript ----------------------------------------------------------------------

static ScriptModule& GetModule(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw std::invalid_argument("expected a script module handle");
  auto* p = State(info.Env()).script_modules.Find(info[0].As<Napi::Number>().Int64Value());
  if (!p || !*p) throw std::invalid_argument("the script module was disposed");
  return **p;
}

TN_FN(JitLoad, "jit.load") {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowType(env, "jit.load: expected a path string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  auto m = std::make_shared<ScriptModule>();
  if (info.Length() > 1 && info[1].IsString()) {
    m->module = torch::jit::load(path, ToDevice(info[1], "device"));
  } else {
    m->module = torch::jit::load(path);
  }
  return Napi::Number::New(env, State(env).script_modules.Put(std::move(m)));
}

// Results: tensors as {h: handle} (so that they differ from ints), numbers, booleans, strings,
// null, arrays (lists and tuples), and dicts as {d: [[key, value], ...]} (lib/jit.ts makes a Map).
static Napi::Value FromIValue(Napi::Env env, const c10::IValue& v, int depth = 0) {
  if (depth > 64) throw std::invalid_argument("the result is nested too deeply");
  if (v.isTensor()) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("h", WrapTensor(env, v.toTensor()));
    return o;
  }
  if (v.isNone()) return env.Null();
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isInt()) return Napi::Number::New(env, (double)v.toInt());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isTuple() || v.isList()) {
    std::vector<c10::IValue> items;
    if (v.isTuple())
      items = v.toTupleRef().elements().vec();
    else
      items = v.toListRef().vec();
    Napi::Array a = Napi::Array::New(env, items.size());
    for (size_t i = 0; i < items.size(); ++i) a.Set((uint32_t)i, FromIValue(env, items[i], depth + 1));
    return a;
  }
  if (v.isGenericDict()) {
    auto dict = v.toGenericDict();
    Napi::Array entries = Napi::Array::New(env, dict.size());
    uint32_t i = 0;
    for (const auto& kv : dict) {
      Napi::Array pair = Napi::Array::New(env, 2);
      pair.Set(0u, FromIValue(env, kv.key(), depth + 1));
      pair.Set(1u, FromIValue(env, kv.value(), depth + 1));
      entries.Set(i++, pair);
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("d", entries);
    return o;
  }
  throw std::invalid_argument(std::string("the method returned a ") + v.tagKind() +
                              ", which torchnode cannot return (tensors, numbers, booleans, strings, None, lists, "
                              "tuples and dicts of them)");
}

static std::string Describe(const Napi::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "'" + v.As<Napi::String>().Utf8Value() + "'";
  if (v.IsNumber()) {
    std::ostringstream o;
    o << v.As<Napi::Number>().DoubleValue();
    return o.str();
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsObject() && v.As<Napi::Object>().Has("h")) return "a Tensor";
  return "an object";
}

// A JS value as the IValue of TorchScript type `type` (the method's schema says what it takes).
// Tensors arrive as {h: handle}; Maps and plain objects as {d: [[k, v], ...]} (lib/jit.ts).
static c10::IValue ToTyped(Napi::Env env, const Napi::Value& v, const c10::TypePtr& type, const std::string& what,
                           int depth) {
  if (depth > 64) throw std::invalid_argument(what + " is nested too deeply");
  auto fail = [&]() -> c10::IValue {
    throw std::invalid_argument("expected " + type->annotation_str() + " for " + what + " but received " + Describe(v));
  };
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return ToTyped(env, v, type->expectRef<c10::OptionalType>().getElementType(), what, depth);
    case c10::TypeKind::NoneType:
      return v.IsNull() || v.IsUndefined() ? c10::IValue() : fail();
    case c10::TypeKind::TensorType:
      if (v.IsObject() && !v.IsArray() && v.As<Napi::Object>().Has("h"))
        return c10::IValue(State(env).tensors.Get(v.As<Napi::Object>().Get("h"), what.c_str()));
      return fail();
    case c10::TypeKind::IntType: {
      if (!v.IsNumber()) return fail();
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::trunc(d) != d || std::fabs(d) > 9007199254740992.0) return fail();
      return c10::IValue(static_cast<int64_t>(d));
    }
    case c10::TypeKind::FloatType:
      return v.IsNumber() ? c10::IValue(v.As<Napi::Number>().DoubleValue()) : fail();
    case c10::TypeKind::BoolType:
      return v.IsBoolean() ? c10::IValue(v.As<Napi::Boolean>().Value()) : fail();
    case c10::TypeKind::StringType:
      return v.IsString() ? c10::IValue(v.As<Napi::String>().Utf8Value()) : fail();
    case c10::TypeKind::NumberType:
    case c10::TypeKind::AnyType: {
      if (v.IsNumber()) {
        double d = v.As<Napi::Number>().DoubleValue();
        return std::trunc(d) == d && std::fabs(d) <= 9007199254740992.0 ? c10::IValue(static_cast<int64_t>(d))
                                                                        : c10::IValue(d);
      }
      if (v.IsBoolean()) return c10::IValue(v.As<Napi::Boolean>().Value());
      if (v.IsString()) return c10::IValue(v.As<Napi::String>().Utf8Value());
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      if (v.IsObject() && !v.IsArray() && v.As<Napi::Object>().Has("h"))
        return ToTyped(env, v, c10::TensorType::get(), what, depth);
      return fail();
    }
    case c10::TypeKind::ListType: {
      if (!v.IsArray()) return fail();
      auto elem = type->expectRef<c10::ListType>().getElementType();
      Napi::Array a = v.As<Napi::Array>();
      c10::impl::GenericList list(elem);
      for (uint32_t i = 0; i < a.Length(); ++i)
        list.push_back(ToTyped(env, a.Get(i), elem, what + "[" + std::to_string(i) + "]", depth + 1));
      return c10::IValue(list);
    }
    case c10::TypeKind::TupleType: {
      if (!v.IsArray()) return fail();
      const auto& elems = type->expectRef<c10::TupleType>().elements();
      Napi::Array a = v.As<Napi::Array>();
      if (a.Length() != elems.size()) {
        throw std::invalid_argument("expected " + type->annotation_str() + " for " + what +
                                    " but received an array of " + std::to_string(a.Length()));
      }
      std::vector<c10::IValue> items;
      for (uint32_t i = 0; i < a.Length(); ++i)
        items.push_back(ToTyped(env, a.Get(i), elems[i], what + "[" + std::to_string(i) + "]", depth + 1));
      return c10::ivalue::Tuple::create(std::move(items));
    }
    case c10::TypeKind::DictType: {
      if (!v.IsObject() || v.IsArray() || !v.As<Napi::Object>().Has("d")) return fail();
      const auto& dt = type->expectRef<c10::DictType>();
      Napi::Array entries = v.As<Napi::Object>().Get("d").As<Napi::Array>();
      c10::impl::GenericDict dict(dt.getKeyType(), dt.getValueType());
      for (uint32_t i = 0; i < entries.Length(); ++i) {
        Napi::Array kv = entries.Get(i).As<Napi::Array>();
        c10::IValue key = ToTyped(env, kv.Get(0u), dt.getKeyType(), what + " key", depth + 1);
        dict.insert_or_assign(
            key, ToTyped(env, kv.Get(1u), dt.getValueType(), what + "[" + Describe(kv.Get(0u)) + "]", depth + 1));
      }
      return c10::IValue(dict);
    }
    default:
      throw std::invalid_argument("torchnode cannot pass a " + type->annotation_str() + " (" + what + ")");
  }
}

// jitCall(m, method, args) -> result (FromIValue's encoding). Arguments take the types the
// method's schema declares: 2 goes in as an int where it takes int and as 2.0 where float.
TN_FN(JitCall, "jit.call") {
  Napi::Env env = info.Env();
  ScriptModule& m = GetModule(info);
  std::string name = info[1].As<Napi::String>().Utf8Value();
  auto method = m.module.find_method(name);
  if (!method) throw std::invalid_argument("the module has no method '" + name + "'");
  const auto& params = method->function().getSchema().arguments();  // params[0] is self
  Napi::Array a = info[2].As<Napi::Array>();
  size_t given = a.Length();
  if (given + 1 > params.size()) {
    throw std::invalid_argument(name + "() takes " + std::to_string(params.size() - 1) + " argument(s) but " +
                                std::to_string(given) + " were given");
  }
  std::vector<c10::IValue> args;
  for (size_t i = 1; i < params.size(); ++i) {
    const auto& p = params[i];
    if (i - 1 < given) {
      args.push_back(ToTyped(env, a.Get(static_cast<uint32_t>(i - 1)), p.type(), "argument '" + p.name() + "'", 0));
    } else if (p.default_value()) {
      args.push_back(*p.default_value());
    } else {
      throw std::invalid_argument(name + "() is missing argument '" + p.name() + "' (" + p.type()->annotation_str() +
                                  ")");
    }
  }
  return FromIValue(env, (*method)(std::move(args)));
}

// jitTo(m, device): moves its parameters and buffers (Module::to).
TN_FN(JitTo, "jit.to") {
  GetModule(info).module.to(ToDevice(info[1], "device"));
  return info.Env().Undefined();
}

// jitModuleNames(m) -> dotted names of the module and its submodules ('' first), as named_modules().
TN_FN(JitModuleNames, "jit.namedModules") {
  Napi::Env env = info.Env();
  ScriptModule& m = GetModule(info);
  std::vector<std::string> names;
  for (const auto& sub : m.module.named_modules()) names.push_back(sub.name);
  Napi::Array out = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); ++i) out.Set(static_cast<uint32_t>(i), names[i]);
  return out;
}

// jitMethods(m) -> the names of its methods.
TN_FN(JitMethods, "jit.methods") {
  Napi::Env env = info.Env();
  ScriptModule& m = GetModule(info);
  auto methods = m.module.get_methods();
  Napi::Array out = Napi::Array::New(env, methods.size());
  for (size_t i = 0; i < methods.size(); ++i) out.Set(static_cast<uint32_t>(i), methods[i].name());
  return out;
}
TN_FN(JitTrain, "jit.train") {
  GetModule(info).module.train(info[1].ToBoolean().Value());
  return info.Env().Undefined();
}

TN_FN(JitIsTraining, "jit.training") { return Napi::Boolean::New(info.Env(), GetModule(info).module.is_training()); }

static Napi::Value JitRelease(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState* st = env.GetInstanceData<AddonState>();
  if (st && info[0].IsNumber()) st->script_modules.Release(info[0].As<Napi::Number>().Int64Value());
  return env.Undefined();
}

// ---- jit.trace -----------------------------------------------------------------------

// A torch::jit::Module mirroring a TS nn.Module tree: {type, params: [[name, h]], buffers: [[name, h]],
// children: [[name, tree]]}. It holds the very tensors the TS module holds, so that the tracer
// records them as the module's attributes (prim::GetAttr), as Python's trace_module does.
static torch::jit::Module BuildModule(Napi::Env env, const Napi::Object& tree,
                                      const std::shared_ptr<torch::jit::CompilationUnit>& cu, int depth) {
  if (depth > 64) throw std::invalid_argument("the module tree is nested too deeply");
  std::string type = tree.Get("type").As<Napi::String>().Utf8Value();
  torch::jit::Module m(c10::QualifiedName("__torch__.torchnode." + type), cu, /*shouldMangle=*/true);
  // Every nn.Module has it (Module::train and Python's .training read it).
  m.register_attribute("training", c10::BoolType::get(), tree.Get("training").ToBoolean().Value());
  auto& st = State(env);
  auto each = [&](const char* key, auto&& f) {
    Napi::Array a = tree.Get(key).As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Array kv = a.Get(i).As<Napi::Array>();
      f(kv.Get(0u).As<Napi::String>().Utf8Value(), kv.Get(1u));
    }
  };
  each("params", [&](const std::string& name, const Napi::Value& v) {
    m.register_parameter(name, st.tensors.Get(v, name.c_str()), /*is_buffer=*/false);
  });
  each("buffers", [&](const std::string& name, const Napi::Value& v) {
    m.register_buffer(name, st.tensors.Get(v, name.c_str()));
  });
  each("children", [&](const std::string& name, const Napi::Value& v) {
    m.register_module(name, BuildModule(env, v.As<Napi::Object>(), cu, depth + 1));
  });
  return m;
}

static c10::IValue TracedResult(Napi::Env env, const Napi::Value& v, int depth) {
  if (depth > 16) throw std::invalid_argument("the traced function's result is nested too deeply");
  if (v.IsNumber()) return c10::IValue(State(env).tensors.Get(v, "result"));
  if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    std::vector<c10::IValue> items;
    for (uint32_t i = 0; i < a.Length(); ++i) items.push_back(TracedResult(env, a.Get(i), depth + 1));
    return c10::ivalue::Tuple::create(std::move(items));
  }
  throw std::invalid_argument("the traced forward must return a Tensor or an array of Tensors (nested)");
}

// jitTrace(tree, inputs: handle[], fn(handles) -> handle | nested handle[]) -> script module id.
// fn runs the TS module's forward once on the tracer's inputs: every op it calls goes through
// LibTorch's dispatcher, where the tracer records it.
TN_FN(JitTrace, "jit.trace") {
  Napi::Env env = info.Env();
  auto& st = State(env);
  Napi::Array in = info[1].As<Napi::Array>();
  Napi::Function fn = info[2].As<Napi::Function>();
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module root = BuildModule(env, info[0].As<Napi::Object>(), cu, 0);
  torch::jit::Stack inputs;
  for (uint32_t i = 0; i < in.Length(); ++i) inputs.emplace_back(st.tensors.Get(in.Get(i), "exampleInputs"));
  auto traced_fn = [&](torch::jit::Stack args) -> torch::jit::Stack {
    Napi::Array hs = Napi::Array::New(env, args.size());
    std::vector<int32_t> made;
    for (size_t i = 0; i < args.size(); ++i) {
      int32_t h = st.tensors.Put(args[i].toTensor());
      made.push_back(h);
      hs.Set(static_cast<uint32_t>(i), Napi::Number::New(env, h));
    }
    Napi::Value out = fn.Call({hs});  // a JS exception becomes a C++ one here (NAPI_CPP_EXCEPTIONS)
    c10::IValue result = TracedResult(env, out, 0);
    for (int32_t h : made) st.tensors.Release(h);
    return {result};
  };
  std::shared_ptr<torch::jit::tracer::TracingState> state;
  try {
    state = torch::jit::tracer::trace(
                std::move(inputs), traced_fn, [](const at::Tensor&) { return std::string(); },
                /*strict=*/false, /*force_outplace=*/false, &root)
                .first;
  } catch (...) {
    torch::jit::tracer::abandon();
    throw;
  }
  auto graph = state->graph;
  torch::jit::FixupTraceScopeBlocks(graph, &root);
  torch::jit::NormalizeOps(graph);
  auto method = c10::QualifiedName(*root.type()->name(), "forward");
  auto* f = root._ivalue()->compilation_unit()->create_function(method, graph);
  root.type()->addMethod(f);
  auto m = std::make_shared<ScriptModule>();
  m->module = root;
  return Napi::Number::New(env, st.script_modules.Put(std::move(m)));
}

// jitSave(m, path?) -> undefined, or the archive's bytes when no path is given.
TN_FN(JitSave, "jit.save") {
  Napi::Env env = info.Env();
  ScriptModule& m = GetModule(info);
  if (info[1].IsString()) {
    m.module.save(info[1].As<Napi::String>().Utf8Value());
    return env.Undefined();
  }
  std::ostringstream out;
  m.module.save(out);
  std::string bytes = out.str();
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes.size());
  if (!bytes.empty()) std::memcpy(ab.Data(), bytes.data(), bytes.size());
  return ab;
}

// jitLoadBytes(bytes: Uint8Array, device?) -> id
TN_FN(JitLoadBytes, "jit.load") {
  Napi::Env env = info.Env();
  Napi::Uint8Array b = info[0].As<Napi::Uint8Array>();
  std::istringstream in(std::string(reinterpret_cast<const char*>(b.Data()), b.ByteLength()));
  auto m = std::make_shared<ScriptModule>();
  if (info.Length() > 1 && info[1].IsString())
    m->module = torch::jit::load(in, ToDevice(info[1], "device"));
  else
    m->module = torch::jit::load(in);
  return Napi::Number::New(env, State(env).script_modules.Put(std::move(m)));
}

// jitNamed(m, 'parameters' | 'buffers' | 'state') -> [name, handle][] (recursive, dotted names)
TN_FN(JitNamed, "jit.named") {
  Napi::Env env = info.Env();
  ScriptModule& m = GetModule(info);
  std::string kind = info[1].As<Napi::String>().Utf8Value();
  std::vector<std::pair<std::string, at::Tensor>> items;
  if (kind == "parameters") {
    for (const auto& p : m.module.named_parameters(/*recurse=*/true)) items.emplace_back(p.name, p.value);
  } else if (kind == "buffers") {
    for (const auto& b : m.module.named_buffers(/*recurse=*/true)) items.emplace_back(b.name, b.value);
  } else {
    // state_dict's order: each module's parameters, then its buffers, modules in definition order.
    for (const auto& sub : m.module.named_modules()) {
      std::string prefix = sub.name.empty() ? "" : sub.name + ".";
      for (const auto& p : sub.value.named_parameters(/*recurse=*/false)) items.emplace_back(prefix + p.name, p.value);
      for (const auto& b : sub.value.named_buffers(/*recurse=*/false)) items.emplace_back(prefix + b.name, b.value);
    }
  }
  Napi::Array out = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    Napi::Array kv = Napi::Array::New(env, 2);
    kv.Set(0u, Napi::String::New(env, items[i].first));
    kv.Set(1u, WrapTensor(env, items[i].second));
    out.Set(static_cast<uint32_t>(i), kv);
  }
  return out;
}

void InitSerialize(Napi::Env env, Napi::Object exports) {
  exports.Set("jitTrace", Napi::Function::New(env, JitTrace, "jitTrace"));
  exports.Set("jitSave", Napi::Function::New(env, JitSave, "jitSave"));
  exports.Set("jitLoadBytes", Napi::Function::New(env, JitLoadBytes, "jitLoadBytes"));
  exports.Set("jitNamed", Napi::Function::New(env, JitNamed, "jitNamed"));
  exports.Set("pickleSave", Napi::Function::New(env, PickleSave, "pickleSave"));
  exports.Set("jitLoad", Napi::Function::New(env, JitLoad, "jitLoad"));
  exports.Set("jitCall", Napi::Function::New(env, JitCall, "jitCall"));
  exports.Set("jitMethods", Napi::Function::New(env, JitMethods, "jitMethods"));
  exports.Set("jitTo", Napi::Function::New(env, JitTo, "jitTo"));
  exports.Set("jitModuleNames", Napi::Function::New(env, JitModuleNames, "jitModuleNames"));
  exports.Set("jitTrain", Napi::Function::New(env, JitTrain, "jitTrain"));
  exports.Set("jitIsTraining", Napi::Function::New(env, JitIsTraining, "jitIsTraining"));
  exports.Set("jitRelease", Napi::Function::New(env, JitRelease, "jitRelease"));
}

}  // namespace torchnode
