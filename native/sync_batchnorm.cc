// nn.SyncBatchNorm's synchronized path: PyTorch 1.13's torch/nn/modules/_functions.py
// SyncBatchNorm as a C++ autograd Function, op for op. Forward: per-rank batch_norm_stats, an
// all-gather of (mean, invstd, count) over the default process group, batch_norm_gather_stats_
// with_counts (which also updates the running statistics), batch_norm_elemt. Backward:
// batch_norm_backward_reduce, an all-reduce (sum) of (sum_dy, sum_dy_xmu), batch_norm_backward_elemt.
// The collectives block (async_op=False) on the calling thread: the JS thread in forward, the
// autograd engine's device thread in backward.
//
// lib/nn/modules/batchnorm.ts reaches it only for CUDA input in training with a group of more than
// one rank, as PyTorch; the batch_norm_* kernels are CUDA-only in LibTorch 1.13 and 2.x.
//
// From PyTorch 2.x's version of the same function (no-ops when the dtypes agree, as in 1.13's
// use): the counts take running_mean's dtype and the weight mean's dtype, so half input with float
// statistics works.
#include "pch.h"
#include "state.h"
#include "guard.h"
#include "distributed.h"

#include <ATen/TensorIndexing.h>
#include <torch/csrc/autograd/custom_function.h>

#ifdef TORCHNODE_CUDA
#include <c10/cuda/CUDAGraphsC10Utils.h>
#endif

#include <stdexcept>
#include <string>
#include <vector>

namespace torchnode {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// torch.cuda.is_current_stream_capturing(): the masking below syncs with the host, which a CUDA
// graph capture forbids.
bool StreamCapturing() {
#ifdef TORCHNODE_CUDA
  return c10::cuda::currentStreamCaptureStatusMayInitCtx() != c10::cuda::CaptureStatus::None;
#else
  return false;
#endif
}

at::Tensor OrUndefined(const c10::optional<at::Tensor>& t) { return t.has_value() ? *t : at::Tensor(); }

struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  // weight, bias, running_mean, running_var: absent (nullopt) as Python's None. Only present
  // tensors are autograd inputs, so the edge index of bias depends on whether weight is there.
  static at::Tensor forward(AutogradContext* ctx, at::Tensor input, c10::optional<at::Tensor> weight_opt,
                            c10::optional<at::Tensor> bias_opt, c10::optional<at::Tensor> running_mean_opt,
                            c10::optional<at::Tensor> running_var_opt, double eps, double momentum,
                            c10::intrusive_ptr<DistGroup> group, int64_t world_size) {
    if (!input.is_contiguous(at::MemoryFormat::ChannelsLast)) input = input.contiguous();
    at::Tensor weight = OrUndefined(weight_opt);
    if (weight.defined()) weight = weight.contiguous();
    at::Tensor bias = OrUndefined(bias_opt);
    at::Tensor running_mean = OrUndefined(running_mean_opt);
    at::Tensor running_var = OrUndefined(running_var_opt);

    int64_t size = input.numel() / input.size(1);
    if (size == 1 && world_size < 2) {
      throw std::invalid_argument("Expected more than 1 value per channel when training, got input size " +
                                  std::to_string(size));
    }
    int64_t num_channels = input.size(1);
    at::Tensor combined;
    if (input.numel() > 0) {
      // Local mean/invstd.
      auto stats = at::batch_norm_stats(input, eps);
      const at::Tensor& mean = std::get<0>(stats);
      const at::Tensor& invstd = std::get<1>(stats);
      at::Tensor count = at::full({1}, input.numel() / input.size(1), mean.options());
      combined = at::cat({mean, invstd, count}, 0);  // C, C, 1 -> 2C + 1
    } else {
      // Empty input: zero stats and count, filtered out below; the all-gather still runs so that
      // the other ranks are not left waiting.
      combined = at::zeros({2 * num_channels + 1}, input.options());
    }

    // all_gather rather than all_reduce: the counts may differ between ranks.
    if (std::string(group->Backend()) == "nccl") {
      int64_t combined_size = combined.numel();
      at::Tensor combined_flat = at::empty({1, combined_size * world_size}, combined.options());
      group->AllGatherBase(combined_flat, combined);
      combined = at::reshape(combined_flat, {world_size, combined_size});
    } else {
      std::vector<at::Tensor> combined_list;
      for (int64_t i = 0; i < world_size; ++i) combined_list.push_back(at::empty_like(combined));
      group->AllGather(combined_list, combined);
      combined = at::stack(combined_list, 0);
    }
    // world_size x (2C + 1) -> world_size x C, world_size x C, world_size x 1
    auto parts = at::split(combined, num_channels, 1);
    at::Tensor mean_all = parts[0];
    at::Tensor invstd_all = parts[1];
    at::Tensor count_all = parts[2];

    if (!StreamCapturing()) {
      // Drop the stats of ranks whose input was empty (the shape depends on values: a host sync).
      at::Tensor mask = count_all.squeeze(-1) >= 1;
      count_all = count_all.index({mask});
      mean_all = mean_all.index({mask});
      invstd_all = invstd_all.index({mask});
    }

    at::Tensor counts = count_all.view(-1);
    if (running_mean.defined() && counts.scalar_type() != running_mean.scalar_type())
      counts = counts.to(running_mean.scalar_type());
    // Global mean/invstd; updates running_mean/running_var in place.
    auto global = at::batch_norm_gather_stats_with_counts(input, mean_all, invstd_all, running_mean_opt,
                                                          running_var_opt, momentum, eps, counts);
    at::Tensor mean = std::get<0>(global);
    at::Tensor invstd = std::get<1>(global);

    ctx->save_for_backward({input, weight, mean, invstd, count_all.to(at::kInt)});
    ctx->saved_data["group"] = at::IValue::make_capsule(group);
    ctx->saved_data["has_weight"] = weight.defined();
    ctx->saved_data["has_bias"] = bias.defined();

    if (input.numel() > 0) return at::batch_norm_elemt(input, weight, bias, mean, invstd, eps);
    return at::empty_like(input);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    at::Tensor grad_output = grad_outputs[0];
    if (!grad_output.is_contiguous(at::MemoryFormat::ChannelsLast)) grad_output = grad_output.contiguous();
    auto saved = ctx->get_saved_variables();
    at::Tensor saved_input = saved[0];
    at::Tensor weight = saved[1];
    at::Tensor mean = saved[2];
    at::Tensor invstd = saved[3];
    at::Tensor count_tensor = saved[4];
    auto holder = ctx->saved_data["group"].toCapsule();
    auto* group = static_cast<DistGroup*>(holder.get());
    // Python's needs_input_grad[0..2]; absent weight/bias are no autograd inputs (no edge).
    bool has_weight = ctx->saved_data["has_weight"].toBool();
    bool has_bias = ctx->saved_data["has_bias"].toBool();
    size_t edge = 0;
    bool need_input = ctx->needs_input_grad(edge++);
    bool need_weight = has_weight && ctx->needs_input_grad(edge++);
    bool need_bias = has_bias && ctx->needs_input_grad(edge++);

    at::Tensor grad_input, grad_weight, grad_bias;
    if (saved_input.numel() > 0) {
      // Local stats and grad_weight / grad_bias.
      auto r = at::batch_norm_backward_reduce(grad_output, saved_input, mean, invstd, weight, need_input, need_weight,
                                              need_bias);
      at::Tensor sum_dy = std::get<0>(r);
      at::Tensor sum_dy_xmu = std::get<1>(r);
      grad_weight = std::get<2>(r);
      grad_bias = std::get<3>(r);
      if (need_input) {
        // The stats the input gradient needs, summed over the ranks.
        int64_t num_channels = sum_dy.size(0);
        at::Tensor combined = at::cat({sum_dy, sum_dy_xmu}, 0);
        group->AllReduceSum(combined);
        auto parts = at::split(combined, num_channels);
        sum_dy = parts[0];
        sum_dy_xmu = parts[1];
        if (weight.defined() && weight.scalar_type() != mean.scalar_type()) weight = weight.to(mean.scalar_type());
        grad_input = at::batch_norm_backward_elemt(grad_output, saved_input, mean, invstd, weight, sum_dy, sum_dy_xmu,
                                                   count_tensor);
      }
      // grad_weight / grad_bias are not synchronized: DDP all-reduces them.
      if (!weight.defined() || !need_weight) grad_weight = at::Tensor();
      if (!weight.defined() || !need_bias) grad_bias = at::Tensor();
    } else {
      // Empty input here: still join the all-reduce the other ranks run; the gradients stay
      // undefined (zeros to autograd).
      int64_t num_channels = saved_input.size(1);
      if (need_input) {
        at::Tensor combined = at::zeros({2 * num_channels}, saved_input.options());
        group->AllReduceSum(combined);
      }
    }
    // One per forward argument: input, weight, bias, running_mean, running_var, eps, momentum,
    // group, world_size.
    return {grad_input,   grad_weight,  grad_bias,    at::Tensor(), at::Tensor(),
            at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

c10::optional<at::Tensor> OptionalTensorArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return State(info.Env()).tensors.Get(info[i], what);
}

double NumberArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw std::invalid_argument(std::string("expected a number for ") + what);
  return info[i].As<Napi::Number>().DoubleValue();
}

}  // namespace

// syncBatchNorm(input, weight|null, bias|null, runningMean|null, runningVar|null, eps, momentum)
// -> handle: the synchronized batch norm over the default process group, differentiable.
TN_FN(SyncBatchNormNative, "SyncBatchNorm") {
  Napi::Env env = info.Env();
  at::Tensor input = State(env).tensors.Get(info[0], "input");
  auto weight = OptionalTensorArg(info, 1, "weight");
  auto bias = OptionalTensorArg(info, 2, "bias");
  auto running_mean = OptionalTensorArg(info, 3, "running_mean");
  auto running_var = OptionalTensorArg(info, 4, "running_var");
  double eps = NumberArg(info, 5, "eps");
  double momentum = NumberArg(info, 6, "momentum");
  if (input.dim() < 2) {
    throw std::invalid_argument("expected at least 2D input (got " + std::to_string(input.dim()) + "D input)");
  }
  c10::intrusive_ptr<DistGroup> group = DefaultDistGroup(env);
  if (!group) {
    throw std::runtime_error(
        "Default process group has not been initialized, please make sure to call "
        "distributed.initProcessGroup().");
  }
  int64_t world_size = group->Size();
  at::Tensor out =
      SyncBatchNormFunction::apply(input, weight, bias, running_mean, running_var, eps, momentum, group, world_size);
  return WrapTensor(env, std::move(out));
}

Napi::Value SyncBatchNormEntry(const Napi::CallbackInfo& info) { return SyncBatchNormNative(info); }

}  // namespace torchnode
