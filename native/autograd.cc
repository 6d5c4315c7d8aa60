// Autograd: backward, gradients, grad mode and inference mode.
#include "pch.h"
#include "state.h"
#include "guard.h"

#include <atomic>
#include <memory>
#include <thread>

namespace torchnode {

static const at::Tensor& T(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return State(info.Env()).tensors.Get(info[i], what);
}

static std::vector<at::Tensor> TensorList(const Napi::CallbackInfo& info, size_t i, const char* what, bool allow_null) {
  std::vector<at::Tensor> out;
  if (info[i].IsUndefined() || info[i].IsNull()) return out;
  if (!info[i].IsArray()) throw std::invalid_argument(std::string("expected an array of Tensors for ") + what);
  Napi::Array a = info[i].As<Napi::Array>();
  AddonState& st = State(info.Env());
  for (uint32_t j = 0; j < a.Length(); ++j) {
    Napi::Value v = a.Get(j);
    if (allow_null && (v.IsNull() || v.IsUndefined())) {
      out.emplace_back();
      continue;
    }
    if (!v.IsNumber()) throw std::invalid_argument(std::string("expected an array of Tensors for ") + what);
    out.push_back(st.tensors.Get(v.As<Napi::Number>().Int64Value(), what));
  }
  return out;
}

// backward(self, gradient|null, retainGraph, createGraph)
TN_FN(Backward, "backward") {
  at::Tensor t = T(info, 0, "self");
  at::Tensor grad;
  if (info[1].IsNumber()) grad = T(info, 1, "gradient");
  bool create_graph = info[3].ToBoolean().Value();
  c10::optional<bool> retain;
  if (info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
  if (!t.requires_grad()) {
    throw std::invalid_argument("element 0 of tensors does not require grad and does not have a grad_fn");
  }
  if (!grad.defined() && t.numel() != 1) {
    throw std::invalid_argument("grad can be implicitly created only for scalar outputs (self: " + DescribeTensor(t) +
                                ")");
  }
  t.backward(grad, retain, create_graph);
  return info.Env().Undefined();
}

// backwardMany(tensors[], gradTensors[]|null, retainGraph, createGraph): torch.autograd.backward,
// all roots in one engine run (a leaf's hooks see the summed gradient once, as in PyTorch).
TN_FN(BackwardMany, "autograd.backward") {
  auto tensors = TensorList(info, 0, "tensors", false);
  auto grads = TensorList(info, 1, "gradTensors", true);
  if (!grads.empty() && grads.size() != tensors.size()) {
    throw std::invalid_argument("got " + std::to_string(grads.size()) + " gradTensors for " +
                                std::to_string(tensors.size()) + " tensors");
  }
  grads.resize(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].requires_grad()) {
      throw std::invalid_argument("element " + std::to_string(i) +
                                  " of tensors does not require grad and does not have a grad_fn");
    }
    if (!grads[i].defined() && tensors[i].numel() != 1) {
      throw std::invalid_argument("grad can be implicitly created only for scalar outputs (tensors[" +
                                  std::to_string(i) + "]: " + DescribeTensor(tensors[i]) + ")");
    }
  }
  c10::optional<bool> retain;
  if (info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
  torch::autograd::backward(tensors, grads, retain, info[3].ToBoolean().Value());
  return info.Env().Undefined();
}

// grad(outputs[], inputs[], gradOutputs[]|null, retainGraph, createGraph, allowUnused) -> handles (null if unused)
TN_FN(Grad, "autograd.grad") {
  Napi::Env env = info.Env();
  auto outputs = TensorList(info, 0, "outputs", false);
  auto inputs = TensorList(info, 1, "inputs", false);
  auto grad_outputs = TensorList(info, 2, "gradOutputs", true);
  c10::optional<bool> retain;
  if (info[3].IsBoolean()) retain = info[3].As<Napi::Boolean>().Value();
  bool create = info[4].ToBoolean().Value();
  bool allow_unused = info[5].ToBoolean().Value();
  auto grads = torch::autograd::grad(outputs, inputs, grad_outputs, retain, create, allow_unused);
  Napi::Array out = Napi::Array::New(env, grads.size());
  for (size_t j = 0; j < grads.size(); ++j) out.Set((uint32_t)j, WrapTensor(env, grads[j]));
  return out;
}

TN_FN(GetGrad, "grad") { return WrapTensor(info.Env(), T(info, 0, "self").grad()); }

// setGrad(self, grad|null)
TN_FN(SetGrad, "grad") {
  at::Tensor t = T(info, 0, "self");
  if (info[1].IsNull() || info[1].IsUndefined()) {
    t.mutable_grad().reset();
  } else {
    const at::Tensor& g = T(info, 1, "grad");
    if (g.sizes() != t.sizes()) {
      throw std::invalid_argument("assigned grad has shape " + DescribeTensor(g) + " but the tensor is " +
                                  DescribeTensor(t));
    }
    t.mutable_grad() = g;
  }
  return info.Env().Undefined();
}

TN_FN(RequiresGrad, "requiresGrad_") {
  at::Tensor t = T(info, 0, "self");
  bool flag = info[1].ToBoolean().Value();
  if (flag && !(t.is_floating_point() || t.is_complex())) {
    throw std::invalid_argument(
        "only Tensors of floating point and complex dtype can require gradients (self: " + DescribeTensor(t) + ")");
  }
  if (!flag && !t.is_leaf()) {
    throw std::invalid_argument("you can only change requires_grad flags of leaf variables; use detach() instead");
  }
  t.requires_grad_(flag);
  return info.Env().Undefined();
}

TN_FN(AutogradInfo, "autogradInfo") {
  Napi::Env env = info.Env();
  const at::Tensor& t = T(info, 0, "self");
  Napi::Object o = Napi::Object::New(env);
  o.Set("requiresGrad", t.requires_grad());
  o.Set("isLeaf", t.is_leaf());
  o.Set("retainsGrad", t.retains_grad());
  o.Set("gradFn", t.grad_fn() ? Napi::Value(Napi::String::New(env, t.grad_fn()->name())) : env.Null());
  return o;
}

TN_FN(RetainGrad, "retainGrad") {
  T(info, 0, "self").retain_grad();
  return info.Env().Undefined();
}

TN_FN(SetGradEnabled, "setGradEnabled") {
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), prev);
}
TN_FN(IsGradEnabled, "isGradEnabled") { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }

TN_FN(EnterInference, "inferenceMode") {
  AddonState& st = State(info.Env());
  st.inference_guards.push_back(std::make_unique<c10::InferenceMode>(info[0].ToBoolean().Value()));
  return Napi::Number::New(info.Env(), (double)st.inference_guards.size());
}
TN_FN(ExitInference, "inferenceMode") {
  AddonState& st = State(info.Env());
  if (!st.inference_guards.empty()) st.inference_guards.pop_back();
  return info.Env().Undefined();
}
TN_FN(IsInference, "isInferenceModeEnabled") {
  return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled());
}

// ---- Tensor.registerHook ------------------------------------------------------------------
// The JS function a tensor hook calls. The hook lambda stored in the tensor's autograd metadata
// (and in its grad_fn's pre-hooks) owns this entry, so the function stays alive exactly as long as
// the tensor or graph that can run it; remove() and environment teardown drop it earlier.
struct GradHook {
  Napi::FunctionReference fn;
  const bool counting = false;     // registerGradCounter: no fn, only counts
  std::atomic<uint32_t> count{0};  // gradients seen since the last gradCount()
  std::thread::id thread;          // the JS thread: the only one that may call fn
  c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl> tensor;
  unsigned pos = 0;  // the hook's index for Tensor::remove_hook
  bool live = true;

  GradHook(Napi::Function f, const at::Tensor& t)
      : fn(Napi::Persistent(f)), thread(std::this_thread::get_id()), tensor(t.getIntrusivePtr()) {}
  explicit GradHook(const at::Tensor& t)
      : counting(true), thread(std::this_thread::get_id()), tensor(t.getIntrusivePtr()) {}
  // A napi reference may only be deleted on its own thread; off it (a CUDA device thread freeing
  // the graph) the reference is left to the environment's teardown instead.
  void Drop() {
    if (!live) return;
    live = false;
    if (std::this_thread::get_id() == thread) {
      fn.Reset();
    } else {
      fn.SuppressDestruct();
    }
  }
  ~GradHook() { Drop(); }
};

void DropGradHooks(AddonState& st) {
  st.grad_hooks.ForEach([](std::weak_ptr<GradHook>& w) {
    if (auto e = w.lock()) e->Drop();
  });
  st.grad_hooks.Clear();
}

// Runs the JS function (the facade's trampoline: grad handle -> replacement handle or null).
static at::Tensor RunGradHook(const std::shared_ptr<GradHook>& e, const at::Tensor& grad) {
  if (e->counting) {  // a counting hook: any thread (CUDA's device threads too)
    if (e->live) e->count++;
    return at::Tensor();
  }
  if (std::this_thread::get_id() != e->thread) {
    // LibTorch runs CUDA (and other device) backward work on its own threads, where JS cannot run.
    throw std::runtime_error(
        "registerHook: the hook's gradient was computed on a LibTorch device thread; JS tensor hooks run only "
        "for gradients computed on the thread that called backward() (CPU tensors)");
  }
  if (!e->live) return at::Tensor();
  Napi::Env env = e->fn.Env();
  Napi::HandleScope scope(env);
  Napi::Value g = WrapTensor(env, grad);
  Napi::Value r = e->fn.Call({g});  // a JS throw comes back as Napi::Error and ends backward()
  if (r.IsNull() || r.IsUndefined()) return at::Tensor();
  return State(env).tensors.Get(r, "hook result");
}

// registerHook(self, fn) -> hook id
TN_FN(RegisterHook, "registerHook") {
  Napi::Env env = info.Env();
  at::Tensor t = T(info, 0, "self");
  if (!info[1].IsFunction()) ThrowType(env, "registerHook: expected a function for hook");
  if (!t.requires_grad()) {
    throw std::invalid_argument("cannot register a hook on a tensor that doesn't require gradient");
  }
  auto e = std::make_shared<GradHook>(info[1].As<Napi::Function>(), t);
  e->pos = t.register_hook([e](at::Tensor grad) -> at::Tensor { return RunGradHook(e, grad); });
  int32_t id = State(env).grad_hooks.Put(e);
  return Napi::Number::New(env, id);
}

// registerGradCounter(self) -> hook id: a hook that only counts the gradients computed for self, on
// whatever thread computes them (DistributedDataParallel on CUDA, where JS hooks cannot run).
TN_FN(RegisterGradCounter, "registerGradCounter") {
  at::Tensor t = T(info, 0, "self");
  if (!t.requires_grad()) {
    throw std::invalid_argument("cannot register a hook on a tensor that doesn't require gradient");
  }
  auto e = std::make_shared<GradHook>(t);
  e->pos = t.register_hook([e](at::Tensor grad) -> at::Tensor { return RunGradHook(e, grad); });
  return Napi::Number::New(info.Env(), State(info.Env()).grad_hooks.Put(e));
}

// gradCount(id) -> the gradients a counting hook saw since the last call (0 for a removed hook).
TN_FN(GradCount, "gradCount") {
  std::weak_ptr<GradHook>* w = State(info.Env()).grad_hooks.Find(info[0].As<Napi::Number>().Int64Value());
  std::shared_ptr<GradHook> e = w ? w->lock() : nullptr;
  return Napi::Number::New(info.Env(), e ? e->count.exchange(0) : 0);
}

// removeHook(id): unregisters the hook from its tensor (if the tensor is still alive) and drops fn.
TN_FN(RemoveHook, "remove") {
  AddonState& st = State(info.Env());
  int64_t id = info[0].As<Napi::Number>().Int64Value();
  std::weak_ptr<GradHook>* w = st.grad_hooks.Find(id);
  if (!w) return info.Env().Undefined();
  std::shared_ptr<GradHook> e = w->lock();
  st.grad_hooks.Release(id);
  if (!e || !e->live) return info.Env().Undefined();
  e->Drop();
  if (auto impl = e->tensor.lock()) {
    at::Tensor t(std::move(impl));
    t.remove_hook(e->pos);  // clears the lambda, the last owner of e but for this scope
  }
  return info.Env().Undefined();
}

// releaseHookId(id): the JS handle was collected; the hook itself stays registered.
TN_FN(ReleaseHookId, "releaseHookId") {
  State(info.Env()).grad_hooks.Release(info[0].As<Napi::Number>().Int64Value());
  return info.Env().Undefined();
}

void InitAutograd(Napi::Env env, Napi::Object exports) {
  exports.Set("backward", Napi::Function::New(env, Backward, "backward"));
  exports.Set("backwardMany", Napi::Function::New(env, BackwardMany, "backwardMany"));
  exports.Set("autogradGrad", Napi::Function::New(env, Grad, "autogradGrad"));
  exports.Set("getGrad", Napi::Function::New(env, GetGrad, "getGrad"));
  exports.Set("setGrad", Napi::Function::New(env, SetGrad, "setGrad"));
  exports.Set("requiresGrad", Napi::Function::New(env, RequiresGrad, "requiresGrad"));
  exports.Set("autogradInfo", Napi::Function::New(env, AutogradInfo, "autogradInfo"));
  exports.Set("retainGrad", Napi::Function::New(env, RetainGrad, "retainGrad"));
  exports.Set("setGradEnabled", Napi::Function::New(env, SetGradEnabled, "setGradEnabled"));
  exports.Set("isGradEnabled", Napi::Function::New(env, IsGradEnabled, "isGradEnabled"));
  exports.Set("enterInferenceMode", Napi::Function::New(env, EnterInference, "enterInferenceMode"));
  exports.Set("exitInferenceMode", Napi::Function::New(env, ExitInference, "exitInferenceMode"));
  exports.Set("registerHook", Napi::Function::New(env, RegisterHook, "registerHook"));
  exports.Set("registerGradCounter", Napi::Function::New(env, RegisterGradCounter, "registerGradCounter"));
  exports.Set("gradCount", Napi::Function::New(env, GradCount, "gradCount"));
  exports.Set("removeHook", Napi::Function::New(env, RemoveHook, "removeHook"));
  exports.Set("releaseHookId", Napi::Function::New(env, ReleaseHookId, "releaseHookId"));
  exports.Set("isInferenceModeEnabled", Napi::Function::New(env, IsInference, "isInferenceModeEnabled"));
}

}  // namespace torchnode
