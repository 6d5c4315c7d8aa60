// Optimizers on torch::optim: the update loop runs in LibTorch (CPU or CUDA) with no JS per
// parameter. JS holds an optimizer handle; options are read/written per param group so that
// `group.lr = x` in JS takes effect at the next step, as in PyTorch.
#include "pch.h"
#include "state.h"
#include "guard.h"
#include "compat.h"

#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace torchnode {

namespace optim = torch::optim;

enum class OptKind { SGD, Adam, AdamW, RMSprop, Adagrad };

class Optimizer {
 public:
  OptKind kind;
  std::unique_ptr<optim::Optimizer> impl;
};

static OptKind ParseKind(const std::string& s) {
  if (s == "SGD") return OptKind::SGD;
  if (s == "Adam") return OptKind::Adam;
  if (s == "AdamW") return OptKind::AdamW;
  if (s == "RMSprop") return OptKind::RMSprop;
  if (s == "Adagrad") return OptKind::Adagrad;
  throw std::invalid_argument("unknown optimizer kind '" + s + "'");
}

static compat::OptimizerStateKey KeyOf(const at::Tensor& p) { return compat::OptimizerKey(p); }

// ---- JS option objects <-> OptimizerOptions -------------------------------------------
// Keys are the TS (camelCase) names; a missing key leaves the current value.

static bool Has(const Napi::Object& o, const char* k) {
  return o.Has(k) && !o.Get(k).IsUndefined() && !o.Get(k).IsNull();
}
static double Num(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  if (!v.IsNumber())
    throw std::invalid_argument(std::string("expected a number for ") + k + " but received " + JsTypeName(v));
  return v.As<Napi::Number>().DoubleValue();
}
static bool Bool(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  if (!v.IsBoolean())
    throw std::invalid_argument(std::string("expected a boolean for ") + k + " but received " + JsTypeName(v));
  return v.As<Napi::Boolean>().Value();
}
static std::tuple<double, double> Betas(const Napi::Object& o) {
  Napi::Value v = o.Get("betas");
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 2)
    throw std::invalid_argument("expected [beta1, beta2] for betas");
  Napi::Array a = v.As<Napi::Array>();
  return std::make_tuple(a.Get(0u).As<Napi::Number>().DoubleValue(), a.Get(1u).As<Napi::Number>().DoubleValue());
}

template <typename O>
static void ApplyAdamLike(O& opt, const Napi::Object& o) {
  if (Has(o, "lr")) opt.lr(Num(o, "lr"));
  if (Has(o, "betas")) opt.betas(Betas(o));
  if (Has(o, "eps")) opt.eps(Num(o, "eps"));
  if (Has(o, "weightDecay")) opt.weight_decay(Num(o, "weightDecay"));
  if (Has(o, "amsgrad")) opt.amsgrad(Bool(o, "amsgrad"));
}

static void ApplyOptions(OptKind kind, optim::OptimizerOptions& base, const Napi::Object& o) {
  switch (kind) {
    case OptKind::SGD: {
      auto& opt = static_cast<optim::SGDOptions&>(base);
      if (Has(o, "lr")) opt.lr(Num(o, "lr"));
      if (Has(o, "momentum")) opt.momentum(Num(o, "momentum"));
      if (Has(o, "dampening")) opt.dampening(Num(o, "dampening"));
      if (Has(o, "weightDecay")) opt.weight_decay(Num(o, "weightDecay"));
      if (Has(o, "nesterov")) opt.nesterov(Bool(o, "nesterov"));
      break;
    }
    case OptKind::Adam:
      ApplyAdamLike(static_cast<optim::AdamOptions&>(base), o);
      break;
    case OptKind::AdamW:
      ApplyAdamLike(static_cast<optim::AdamWOptions&>(base), o);
      break;
    case OptKind::RMSprop: {
      auto& opt = static_cast<optim::RMSpropOptions&>(base);
      if (Has(o, "lr")) opt.lr(Num(o, "lr"));
      if (Has(o, "alpha")) opt.alpha(Num(o, "alpha"));
      if (Has(o, "eps")) opt.eps(Num(o, "eps"));
      if (Has(o, "weightDecay")) opt.weight_decay(Num(o, "weightDecay"));
      if (Has(o, "momentum")) opt.momentum(Num(o, "momentum"));
      if (Has(o, "centered")) opt.centered(Bool(o, "centered"));
      break;
    }
    case OptKind::Adagrad: {
      auto& opt = static_cast<optim::AdagradOptions&>(base);
      if (Has(o, "lr")) opt.lr(Num(o, "lr"));
      if (Has(o, "lrDecay")) opt.lr_decay(Num(o, "lrDecay"));
      if (Has(o, "weightDecay")) opt.weight_decay(Num(o, "weightDecay"));
      if (Has(o, "initialAccumulatorValue")) opt.initial_accumulator_value(Num(o, "initialAccumulatorValue"));
      if (Has(o, "eps")) opt.eps(Num(o, "eps"));
      break;
    }
  }
}

static std::unique_ptr<optim::OptimizerOptions> MakeOptions(OptKind kind, const Napi::Object& o) {
  std::unique_ptr<optim::OptimizerOptions> r;
  switch (kind) {
    case OptKind::SGD: {
      if (!Has(o, "lr")) throw std::invalid_argument("SGD requires lr");
      r = std::make_unique<optim::SGDOptions>(Num(o, "lr"));
      break;
    }
    case OptKind::Adam:
      r = std::make_unique<optim::AdamOptions>();
      break;
    case OptKind::AdamW:
      r = std::make_unique<optim::AdamWOptions>();
      break;
    case OptKind::RMSprop:
      r = std::make_unique<optim::RMSpropOptions>();
      break;
    case OptKind::Adagrad:
      r = std::make_unique<optim::AdagradOptions>();
      break;
  }
  ApplyOptions(kind, *r, o);
  return r;
}

template <typename O>
static void AdamLikeToJs(Napi::Env env, Napi::Object& out, const O& opt) {
  out.Set("lr", opt.lr());
  Napi::Array b = Napi::Array::New(env, 2);
  b.Set(0u, std::get<0>(opt.betas()));
  b.Set(1u, std::get<1>(opt.betas()));
  out.Set("betas", b);
  out.Set("eps", opt.eps());
  out.Set("weightDecay", opt.weight_decay());
  out.Set("amsgrad", opt.amsgrad());
}

static Napi::Object OptionsToJs(Napi::Env env, OptKind kind, const optim::OptimizerOptions& base) {
  Napi::Object out = Napi::Object::New(env);
  switch (kind) {
    case OptKind::SGD: {
      auto& opt = static_cast<const optim::SGDOptions&>(base);
      out.Set("lr", opt.lr());
      out.Set("momentum", opt.momentum());
      out.Set("dampening", opt.dampening());
      out.Set("weightDecay", opt.weight_decay());
      out.Set("nesterov", opt.nesterov());
      break;
    }
    case OptKind::Adam:
      AdamLikeToJs(env, out, static_cast<const optim::AdamOptions&>(base));
      break;
    case OptKind::AdamW:
      AdamLikeToJs(env, out, static_cast<const optim::AdamWOptions&>(base));
      break;
    case OptKind::RMSprop: {
      auto& opt = static_cast<const optim::RMSpropOptions&>(base);
      out.Set("lr", opt.lr());
      out.Set("alpha", opt.alpha());
      out.Set("eps", opt.eps());
      out.Set("weightDecay", opt.weight_decay());
      out.Set("momentum", opt.momentum());
      out.Set("centered", opt.centered());
      break;
    }
    case OptKind::Adagrad: {
      auto& opt = static_cast<const optim::AdagradOptions&>(base);
      out.Set("lr", opt.lr());
      out.Set("lrDecay", opt.lr_decay());
      out.Set("weightDecay", opt.weight_decay());
      out.Set("initialAccumulatorValue", opt.initial_accumulator_value());
      out.Set("eps", opt.eps());
      break;
    }
  }
  return out;
}

// ---- helpers ------------------------------------------------------------------------

static Optimizer& GetOpt(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw std::invalid_argument("expected an optimizer handle");
  auto* p = State(info.Env()).optimizers.Find(info[0].As<Napi::Number>().Int64Value());
  if (!p || !*p) throw std::invalid_argument("the optimizer was disposed");
  return **p;
}

static std::vector<at::Tensor> ParamList(Napi::Env env, const Napi::Value& v) {
  if (!v.IsArray()) throw std::invalid_argument("expected an array of parameter handles");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  AddonState& st = State(env);
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw std::invalid_argument("expected a parameter handle");
    out.push_back(st.tensors.Get(e.As<Napi::Number>().Int64Value(), "params"));
  }
  return out;
}

static optim::OptimizerParamGroup& Group(Optimizer& o, const Napi::Value& v) {
  int64_t g = v.As<Napi::Number>().Int64Value();
  auto& groups = o.impl->param_groups();
  if (g < 0 || g >= (int64_t)groups.size()) throw std::invalid_argument("param group index out of range");
  return groups[g];
}

// Adagrad creates its per-parameter state in its constructor only: groups added later need it too.
static void EnsureAdagradState(Optimizer& o) {
  if (o.kind != OptKind::Adagrad) return;
  auto& state = o.impl->state();
  for (auto& g : o.impl->param_groups()) {
    auto& opt = static_cast<optim::AdagradOptions&>(g.options());
    for (auto& p : g.params()) {
      auto key = KeyOf(p);
      if (state.find(key) != state.end()) continue;
      auto s = std::make_unique<optim::AdagradParamState>();
      s->step(0);
      s->sum(torch::full_like(p, opt.initial_accumulator_value(), at::MemoryFormat::Preserve));
      state[key] = std::move(s);
    }
  }
}

// ---- entry points ---------------------------------------------------------------------

// optimizerCreate(kind, params: handle[][], options: object[]) -> handle
TN_FN(OptimizerCreate, "optimizer") {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowType(env, "optimizer: expected a kind string");
  OptKind kind = ParseKind(info[0].As<Napi::String>().Utf8Value());
  if (!info[1].IsArray() || !info[2].IsArray()) ThrowType(env, "optimizer: expected arrays of groups");
  Napi::Array groups = info[1].As<Napi::Array>();
  Napi::Array options = info[2].As<Napi::Array>();
  if (groups.Length() == 0 || groups.Length() != options.Length())
    throw std::invalid_argument("expected one options object per param group");
  std::vector<optim::OptimizerParamGroup> pg;
  for (uint32_t i = 0; i < groups.Length(); ++i) {
    pg.emplace_back(ParamList(env, groups.Get(i)), MakeOptions(kind, options.Get(i).As<Napi::Object>()));
  }
  // Defaults: group 0's options (every group carries its own options, so they never apply).
  auto opt = std::make_shared<Optimizer>();
  opt->kind = kind;
  const Napi::Object d = options.Get(0u).As<Napi::Object>();
  switch (kind) {
    case OptKind::SGD: {
      auto o = MakeOptions(kind, d);
      opt->impl = std::make_unique<optim::SGD>(pg, static_cast<optim::SGDOptions&>(*o));
      break;
    }
    case OptKind::Adam: {
      auto o = MakeOptions(kind, d);
      opt->impl = std::make_unique<optim::Adam>(pg, static_cast<optim::AdamOptions&>(*o));
      break;
    }
    case OptKind::AdamW: {
      auto o = MakeOptions(kind, d);
      opt->impl = std::make_unique<optim::AdamW>(pg, static_cast<optim::AdamWOptions&>(*o));
      break;
    }
    case OptKind::RMSprop: {
      auto o = MakeOptions(kind, d);
      opt->impl = std::make_unique<optim::RMSprop>(pg, static_cast<optim::RMSpropOptions&>(*o));
      break;
    }
    case OptKind::Adagrad: {
      auto o = MakeOptions(kind, d);
      opt->impl = std::make_unique<optim::Adagrad>(pg, static_cast<optim::AdagradOptions&>(*o));
      break;
    }
  }
  EnsureAdagradState(*opt);
  return Napi::Number::New(env, State(env).optimizers.Put(std::move(opt)));
}

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
// Python's Adam and AdamW step (_single_tensor_adam/_single_tensor_adamw, the CPU default) on
// torch::optim's state. From PyTorch 2.1 Python decays the first moment with
// exp_avg.lerp_(grad, 1 - beta1), while LibTorch's C++ Adam still computes
// exp_avg.mul_(beta1).add_(grad, 1 - beta1): the two round differently, and after a few steps the
// weights differ in the last bits. Following Python's sequence of ops keeps the numbers Python's.
// (Up to 2.0 both used mul_/add_, and torch::optim's own step is Python's.)
//
// On CUDA, Python's default is the foreach implementation (_multi_tensor_adam: _default_to_fused_or_foreach
// picks it when every parameter with a gradient is a floating CUDA tensor), whose kernels associate
// differently (addcmul: self + value * (a * b), not (value * a) * b): AdamForeachStep is its sequence.
template <class Options, class ParamState>
static ParamState& AdamStateOf(optim::Optimizer& opt, const at::Tensor& p, const Options& o) {
  auto& slot = opt.state()[KeyOf(p)];
  if (!slot) {
    auto fresh = std::make_unique<ParamState>();
    fresh->step(0);
    fresh->exp_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
    fresh->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
    if (o.amsgrad()) fresh->max_exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
    slot = std::move(fresh);
  }
  return static_cast<ParamState&>(*slot);
}

// _multi_tensor_adam / _multi_tensor_adamw (not capturable, not maximize) for one group's parameters
// of one device and dtype, op for op.
template <class Options, class ParamState>
static void AdamForeachStep(optim::Optimizer& opt, const Options& o, const std::vector<at::Tensor>& ps,
                            bool decoupled_weight_decay) {
  const double lr = o.lr(), beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
  const double eps = o.eps(), weight_decay = o.weight_decay();
  std::vector<at::Tensor> params, grads, exp_avgs, exp_avg_sqs, max_sqs;
  std::vector<ParamState*> states;
  for (const auto& p : ps) {
    auto& st = AdamStateOf<Options, ParamState>(opt, p, o);
    params.push_back(p);
    grads.push_back(p.grad());
    exp_avgs.push_back(st.exp_avg());
    exp_avg_sqs.push_back(st.exp_avg_sq());
    if (o.amsgrad()) max_sqs.push_back(st.max_exp_avg_sq());
    states.push_back(&st);
  }
  for (auto* st : states) st->step(st->step() + 1);  // torch._foreach_add_(device_state_steps, 1)
  if (weight_decay != 0) {
    if (decoupled_weight_decay) {
      at::_foreach_mul_(params, 1 - lr * weight_decay);
    } else {
      grads = at::_foreach_add(grads, params, weight_decay);
    }
  }
  at::_foreach_lerp_(exp_avgs, grads, 1 - beta1);
  at::_foreach_mul_(exp_avg_sqs, beta2);
  at::_foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - beta2);
  std::vector<at::Scalar> step_size, bias_correction2_sqrt;
  for (auto* st : states) {
    const double step = static_cast<double>(st->step());
    step_size.emplace_back((lr / (1 - std::pow(beta1, step))) * -1);
    bias_correction2_sqrt.emplace_back(std::pow(1 - std::pow(beta2, step), 0.5));
  }
  std::vector<at::Tensor> denom;
  if (o.amsgrad()) {
    at::_foreach_maximum_(max_sqs, exp_avg_sqs);
    denom = at::_foreach_sqrt(max_sqs);
  } else {
    denom = at::_foreach_sqrt(exp_avg_sqs);
  }
  at::_foreach_div_(denom, bias_correction2_sqrt);
  at::_foreach_add_(denom, eps);
  at::_foreach_addcdiv_(params, exp_avgs, denom, step_size);
}

template <class Options, class ParamState>
static void PythonAdamStep(optim::Optimizer& opt, bool decoupled_weight_decay) {
  at::NoGradGuard no_grad;
  for (auto& group : opt.param_groups()) {
    auto& o = static_cast<Options&>(group.options());
    const double lr = o.lr(), beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    const double eps = o.eps(), weight_decay = o.weight_decay();
    std::vector<at::Tensor> with_grad;
    bool all_cuda = true;  // every parameter with a gradient a floating CUDA tensor: Python picks foreach
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      TORCH_CHECK(!p.grad().is_sparse(), "Adam does not support sparse gradients");
      with_grad.push_back(p);
      all_cuda = all_cuda && p.is_cuda() && at::isFloatingType(p.scalar_type());
    }
    if (all_cuda && !with_grad.empty()) {
      // _group_tensors_by_device_and_dtype: one foreach step per (device, dtype), in first-seen order.
      std::vector<std::pair<std::pair<c10::Device, at::ScalarType>, std::vector<at::Tensor>>> buckets;
      for (auto& p : with_grad) {
        auto key = std::make_pair(p.device(), p.scalar_type());
        auto it = std::find_if(buckets.begin(), buckets.end(), [&](const auto& b) { return b.first == key; });
        if (it == buckets.end()) {
          buckets.push_back({key, {p}});
        } else {
          it->second.push_back(p);
        }
      }
      for (auto& b : buckets) AdamForeachStep<Options, ParamState>(opt, o, b.second, decoupled_weight_decay);
      continue;
    }
    for (auto& p : with_grad) {
      at::Tensor grad = p.grad();
      auto& st = AdamStateOf<Options, ParamState>(opt, p, o);
      st.step(st.step() + 1);
      if (decoupled_weight_decay) {
        p.mul_(1 - lr * weight_decay);
      } else if (weight_decay != 0) {
        grad = grad.add(p, weight_decay);
      }
      at::Tensor exp_avg = st.exp_avg(), exp_avg_sq = st.exp_avg_sq();
      exp_avg.lerp_(grad, 1 - beta1);
      exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
      const double step = static_cast<double>(st.step());
      const double bias_correction1 = 1 - std::pow(beta1, step);
      const double bias_correction2 = 1 - std::pow(beta2, step);
      const double step_size = lr / bias_correction1;
      const double bias_correction2_sqrt = std::pow(bias_correction2, 0.5);  // Python's ** 0.5
      at::Tensor denom;
      if (o.amsgrad()) {
        at::Tensor max_sq = st.max_exp_avg_sq();
        at::maximum_out(max_sq, max_sq, exp_avg_sq);
        denom = (max_sq.sqrt() / bias_correction2_sqrt).add_(eps);
      } else {
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps);
      }
      p.addcdiv_(exp_avg, denom, -step_size);
    }
  }
}

// Python's RMSprop step (_single_tensor_rmsprop) on torch::optim's state: from 2.1 the centered
// average is grad_avg.lerp_(grad, 1 - alpha), where torch::optim computes mul_(alpha).add_(grad, 1 - alpha).
static void PythonRMSpropStep(optim::Optimizer& opt) {
  at::NoGradGuard no_grad;
  for (auto& group : opt.param_groups()) {
    auto& o = static_cast<optim::RMSpropOptions&>(group.options());
    const double alpha = o.alpha(), eps = o.eps(), weight_decay = o.weight_decay(), momentum = o.momentum();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      at::Tensor grad = p.grad();
      TORCH_CHECK(!grad.is_sparse(), "RMSprop does not support sparse gradients");
      auto& slot = opt.state()[KeyOf(p)];
      if (!slot) {
        auto fresh = std::make_unique<optim::RMSpropParamState>();
        fresh->step(0);
        fresh->square_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
        if (momentum > 0) fresh->momentum_buffer(at::zeros_like(p, at::MemoryFormat::Preserve));
        if (o.centered()) fresh->grad_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
        slot = std::move(fresh);
      }
      auto& st = static_cast<optim::RMSpropParamState&>(*slot);
      st.step(st.step() + 1);
      if (weight_decay != 0) grad = grad.add(p, weight_decay);
      at::Tensor square_avg = st.square_avg();
      square_avg.mul_(alpha).addcmul_(grad, grad, 1 - alpha);
      at::Tensor avg;
      if (o.centered()) {
        at::Tensor grad_avg = st.grad_avg();
        grad_avg.lerp_(grad, 1 - alpha);
        avg = square_avg.addcmul(grad_avg, grad_avg, -1).sqrt_();
      } else {
        avg = square_avg.sqrt();
      }
      avg.add_(eps);
      if (momentum > 0) {
        at::Tensor buf = st.momentum_buffer();
        buf.mul_(momentum).addcdiv_(grad, avg);
        p.add_(buf, -o.lr());
      } else {
        p.addcdiv_(grad, avg, -o.lr());
      }
    }
  }
}
#define TORCHNODE_PYTHON_ADAM_STEP 1
#endif

TN_FN(OptimizerStep, "optimizer.step") {
  Optimizer& o = GetOpt(info);
#ifdef TORCHNODE_PYTHON_ADAM_STEP
  if (o.kind == OptKind::Adam) {
    PythonAdamStep<optim::AdamOptions, optim::AdamParamState>(*o.impl, false);
  } else if (o.kind == OptKind::AdamW) {
    PythonAdamStep<optim::AdamWOptions, optim::AdamWParamState>(*o.impl, true);
  } else if (o.kind == OptKind::RMSprop) {
    PythonRMSpropStep(*o.impl);
  } else {
    o.impl->step();
  }
#else
  o.impl->step();
#endif
  FlushExternalMemory(info.Env(), State(info.Env()));
  return info.Env().Undefined();
}

// zeroGrad(setToNone): torch::optim 1.13's zero_grad only zeroes; PyTorch 2.x defaults to None.
TN_FN(OptimizerZeroGrad, "optimizer.zeroGrad") {
  Optimizer& o = GetOpt(info);
  bool set_to_none = info[1].ToBoolean().Value();
  for (auto& g : o.impl->param_groups()) {
    for (auto& p : g.params()) {
      at::Tensor& grad = p.mutable_grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        grad.reset();
      } else {
        // As PyTorch: a grad that is part of a graph is detached, then zeroed in place.
        if (grad.grad_fn())
          grad.detach_();
        else
          grad.requires_grad_(false);
        grad.zero_();
      }
    }
  }
  return info.Env().Undefined();
}

TN_FN(OptimizerGetGroupOptions, "optimizer.paramGroups") {
  Optimizer& o = GetOpt(info);
  return OptionsToJs(info.Env(), o.kind, Group(o, info[1]).options());
}

TN_FN(OptimizerSetGroupOptions, "optimizer.paramGroups") {
  Optimizer& o = GetOpt(info);
  if (!info[2].IsObject()) throw std::invalid_argument("expected an options object");
  ApplyOptions(o.kind, Group(o, info[1]).options(), info[2].As<Napi::Object>());
  return info.Env().Undefined();
}

TN_FN(OptimizerGroupParams, "optimizer.paramGroups") {
  Optimizer& o = GetOpt(info);
  Napi::Env env = info.Env();
  auto& params = Group(o, info[1]).params();
  Napi::Array out = Napi::Array::New(env, params.size());
  for (size_t i = 0; i < params.size(); ++i) out.Set((uint32_t)i, WrapTensor(env, params[i]));
  return out;
}

TN_FN(OptimizerAddParamGroup, "optimizer.addParamGroup") {
  Napi::Env env = info.Env();
  Optimizer& o = GetOpt(info);
  if (!info[2].IsObject()) throw std::invalid_argument("expected an options object");
  optim::OptimizerParamGroup g(ParamList(env, info[1]), MakeOptions(o.kind, info[2].As<Napi::Object>()));
  o.impl->add_param_group(g);
  EnsureAdagradState(o);
  return env.Undefined();
}

TN_FN(OptimizerNumGroups, "optimizer.paramGroups") {
  return Napi::Number::New(info.Env(), (double)GetOpt(info).impl->param_groups().size());
}

static void PutTensor(Napi::Env env, Napi::Object& o, const char* k, const at::Tensor& t) {
  if (t.defined()) o.Set(k, WrapTensor(env, t));
}

// optimizerState(o) -> [{group, index, state: {step?, exp_avg, ...}}] (PyTorch's state key names)
TN_FN(OptimizerState, "optimizer.stateDict") {
  Napi::Env env = info.Env();
  Optimizer& o = GetOpt(info);
  auto& state = o.impl->state();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  auto& groups = o.impl->param_groups();
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    auto& params = groups[gi].params();
    for (size_t pi = 0; pi < params.size(); ++pi) {
      auto it = state.find(KeyOf(params[pi]));
      if (it == state.end() || !it->second) continue;
      Napi::Object s = Napi::Object::New(env);
      switch (o.kind) {
        case OptKind::SGD: {
          auto& ps = static_cast<optim::SGDParamState&>(*it->second);
          PutTensor(env, s, "momentum_buffer", ps.momentum_buffer());
          break;
        }
        case OptKind::Adam: {
          auto& ps = static_cast<optim::AdamParamState&>(*it->second);
          s.Set("step", (double)ps.step());
          PutTensor(env, s, "exp_avg", ps.exp_avg());
          PutTensor(env, s, "exp_avg_sq", ps.exp_avg_sq());
          PutTensor(env, s, "max_exp_avg_sq", ps.max_exp_avg_sq());
          break;
        }
        case OptKind::AdamW: {
          auto& ps = static_cast<optim::AdamWParamState&>(*it->second);
          s.Set("step", (double)ps.step());
          PutTensor(env, s, "exp_avg", ps.exp_avg());
          PutTensor(env, s, "exp_avg_sq", ps.exp_avg_sq());
          PutTensor(env, s, "max_exp_avg_sq", ps.max_exp_avg_sq());
          break;
        }
        case OptKind::RMSprop: {
          auto& ps = static_cast<optim::RMSpropParamState&>(*it->second);
          s.Set("step", (double)ps.step());
          PutTensor(env, s, "square_avg", ps.square_avg());
          PutTensor(env, s, "momentum_buffer", ps.momentum_buffer());
          PutTensor(env, s, "grad_avg", ps.grad_avg());
          break;
        }
        case OptKind::Adagrad: {
          auto& ps = static_cast<optim::AdagradParamState&>(*it->second);
          s.Set("step", (double)ps.step());
          PutTensor(env, s, "sum", ps.sum());
          break;
        }
      }
      Napi::Object e = Napi::Object::New(env);
      e.Set("group", (double)gi);
      e.Set("index", (double)pi);
      e.Set("state", s);
      out.Set(n++, e);
    }
  }
  return out;
}

static at::Tensor StateTensor(Napi::Env env, const Napi::Object& s, const char* k, const at::Tensor& p, bool required) {
  if (!Has(s, k)) {
    if (required) throw std::invalid_argument(std::string("state is missing '") + k + "'");
    return at::Tensor();
  }
  Napi::Value v = s.Get(k);
  if (!v.IsNumber()) throw std::invalid_argument(std::string("expected a Tensor for state '") + k + "'");
  const at::Tensor& t = State(env).tensors.Get(v.As<Napi::Number>().Int64Value(), k);
  if (!t.sizes().equals(p.sizes())) {
    throw std::invalid_argument(std::string("state '") + k + "' has shape " + DescribeTensor(t) +
                                " but the parameter is " + DescribeTensor(p));
  }
  // A copy on the parameter's device and dtype: loaded state must not alias the caller's tensors.
  return t.detach().to(p.device(), p.scalar_type(), false, true);
}

static int64_t StateStep(const Napi::Object& s) {
  if (!Has(s, "step")) return 0;
  return static_cast<int64_t>(Num(s, "step"));
}

// optimizerSetState(o, group, index, state)

// Adam and AdamW keep the same state under distinct LibTorch types.
template <typename State>
static std::unique_ptr<optim::OptimizerParamState> AdamLikeState(Napi::Env env, Napi::Object s, const at::Tensor& p) {
  auto x = std::make_unique<State>();
  x->step(StateStep(s));
  x->exp_avg(StateTensor(env, s, "exp_avg", p, true));
  x->exp_avg_sq(StateTensor(env, s, "exp_avg_sq", p, true));
  x->max_exp_avg_sq(StateTensor(env, s, "max_exp_avg_sq", p, false));
  return x;
}

TN_FN(OptimizerSetState, "optimizer.loadStateDict") {
  Napi::Env env = info.Env();
  Optimizer& o = GetOpt(info);
  auto& g = Group(o, info[1]);
  int64_t pi = info[2].As<Napi::Number>().Int64Value();
  if (pi < 0 || pi >= (int64_t)g.params().size()) throw std::invalid_argument("parameter index out of range");
  const at::Tensor& p = g.params()[pi];
  if (!info[3].IsObject()) throw std::invalid_argument("expected a state object");
  Napi::Object s = info[3].As<Napi::Object>();
  std::unique_ptr<optim::OptimizerParamState> ps;
  switch (o.kind) {
    case OptKind::SGD: {
      auto x = std::make_unique<optim::SGDParamState>();
      x->momentum_buffer(StateTensor(env, s, "momentum_buffer", p, false));
      ps = std::move(x);
      break;
    }
    case OptKind::Adam:
      ps = AdamLikeState<optim::AdamParamState>(env, s, p);
      break;
    case OptKind::AdamW:
      ps = AdamLikeState<optim::AdamWParamState>(env, s, p);
      break;
    case OptKind::RMSprop: {
      auto x = std::make_unique<optim::RMSpropParamState>();
      x->step(StateStep(s));
      x->square_avg(StateTensor(env, s, "square_avg", p, true));
      x->momentum_buffer(StateTensor(env, s, "momentum_buffer", p, false));
      x->grad_avg(StateTensor(env, s, "grad_avg", p, false));
      ps = std::move(x);
      break;
    }
    case OptKind::Adagrad: {
      auto x = std::make_unique<optim::AdagradParamState>();
      x->step(StateStep(s));
      x->sum(StateTensor(env, s, "sum", p, true));
      ps = std::move(x);
      break;
    }
  }
  o.impl->state()[KeyOf(p)] = std::move(ps);
  return env.Undefined();
}

// Drops all per-parameter state (loadStateDict replaces it wholesale, as PyTorch does).
TN_FN(OptimizerClearState, "optimizer.loadStateDict") {
  Optimizer& o = GetOpt(info);
  o.impl->state().clear();
  EnsureAdagradState(o);
  return info.Env().Undefined();
}

static Napi::Value OptimizerRelease(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState* st = env.GetInstanceData<AddonState>();
  if (st && info[0].IsNumber()) st->optimizers.Release(info[0].As<Napi::Number>().Int64Value());
  return env.Undefined();
}

void InitOptim(Napi::Env env, Napi::Object exports) {
  exports.Set("optimizerCreate", Napi::Function::New(env, OptimizerCreate, "optimizerCreate"));
  exports.Set("optimizerStep", Napi::Function::New(env, OptimizerStep, "optimizerStep"));
  exports.Set("optimizerZeroGrad", Napi::Function::New(env, OptimizerZeroGrad, "optimizerZeroGrad"));
  exports.Set("optimizerGetGroupOptions",
              Napi::Function::New(env, OptimizerGetGroupOptions, "optimizerGetGroupOptions"));
  exports.Set("optimizerSetGroupOptions",
              Napi::Function::New(env, OptimizerSetGroupOptions, "optimizerSetGroupOptions"));
  exports.Set("optimizerGroupParams", Napi::Function::New(env, OptimizerGroupParams, "optimizerGroupParams"));
  exports.Set("optimizerAddParamGroup", Napi::Function::New(env, OptimizerAddParamGroup, "optimizerAddParamGroup"));
  exports.Set("optimizerNumGroups", Napi::Function::New(env, OptimizerNumGroups, "optimizerNumGroups"));
  exports.Set("optimizerState", Napi::Function::New(env, OptimizerState, "optimizerState"));
  exports.Set("optimizerSetState", Napi::Function::New(env, OptimizerSetState, "optimizerSetState"));
  exports.Set("optimizerClearState", Napi::Function::New(env, OptimizerClearState, "optimizerClearState"));
  exports.Set("optimizerRelease", Napi::Function::New(env, OptimizerRelease, "optimizerRelease"));
}

}  // namespace torchnode
