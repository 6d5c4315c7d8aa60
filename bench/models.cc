// The models suite's third side: the same work as bench/models.ts, written directly against
// LibTorch in C++ (no JavaScript, no binding). It is the floor for the binding's own overhead:
// TS ÷ C++ − 1 is what torchnode adds on top of the LibTorch calls it makes.
//
// It does what the TS side does, call for call: the homework models as scripts/models.ts builds
// them (the ReLU CNNs' convolution stack in oneDNN's layout, as layoutIn does on the CPU), a
// train step at batch 50 (forward, cross-entropy, zero_grad(set_to_none), backward, Adam step,
// loss.item(), the accuracy count) and a validation pass over 100 batches of 50 in InferenceMode
// (max over dim 1, eq, sum, item per batch, as scripts/train.ts evaluateModel). Timing and the lockstep
// protocol are bench/harness.ts's: `@@turn` before each block, one JSON line at the end.
//
// run.ts compiles it on first use into .bench/ (g++ and LibTorch's headers; about 25 s).
#include <torch/torch.h>

#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "harness.h"

namespace {

using bench::Measure;
using bench::TimeIt;

using Conv = torch::nn::Conv2d;
using Lin = torch::nn::Linear;

Conv C(int64_t in, int64_t out, int64_t k) { return Conv(torch::nn::Conv2dOptions(in, out, k)); }
Lin L(int64_t in, int64_t out, bool bias = true) { return Lin(torch::nn::LinearOptions(in, out).bias(bias)); }

// scripts/models.ts, ReLU models: the same layers and the same op sequence.
struct Model {
  std::vector<torch::Tensor> params;
  std::function<torch::Tensor(const torch::Tensor&)> forward;
};

template <typename... M>
std::vector<torch::Tensor> ParamsOf(M&... m) {
  std::vector<torch::Tensor> out;
  for (auto* mod : {static_cast<torch::nn::Module*>(m.get())...}) {
    for (auto& p : mod->parameters()) out.push_back(p);
  }
  return out;
}

torch::Tensor Pool(const torch::Tensor& x) { return torch::max_pool2d(x, {2, 2}, {2, 2}); }

// layoutIn(): a float32 CPU batch of two or more enters oneDNN's layout; toDense() before the flatten.
torch::Tensor LayoutIn(const torch::Tensor& x) { return torch::hasMKLDNN() && x.size(0) >= 2 ? x.to_mkldnn() : x; }
torch::Tensor Flatten(const torch::Tensor& x) {
  const torch::Tensor d = x.is_mkldnn() ? x.to_dense() : x;
  return d.view({d.size(0), -1});
}

Model Build(const std::string& name) {
  if (name == "mlp_1") {
    auto fc1 = L(3072, 32), fc2 = L(32, 10);
    return {ParamsOf(fc1, fc2), [=](const torch::Tensor& x) mutable {
              return fc2->forward(torch::relu(fc1->forward(x.view({x.size(0), -1}))));
            }};
  }
  if (name == "mlp_2") {
    auto fc1 = L(3072, 32), fc2 = L(32, 64, false), fc3 = L(64, 10);
    return {ParamsOf(fc1, fc2, fc3), [=](const torch::Tensor& x) mutable {
              auto h = torch::relu(fc1->forward(x.view({x.size(0), -1})));
              return fc3->forward(torch::relu(fc2->forward(h)));
            }};
  }
  if (name == "cnn_3") {
    auto c1 = C(3, 16, 3), c2 = C(16, 8, 5), c3 = C(8, 16, 7);
    auto fc = L(144, 10);
    return {ParamsOf(c1, c2, c3, fc), [=](const torch::Tensor& in) mutable {
              auto x = torch::relu(c1->forward(LayoutIn(in)));
              x = Pool(torch::relu(c2->forward(x)));
              x = Pool(torch::relu(c3->forward(x)));
              return fc->forward(Flatten(x));
            }};
  }
  if (name == "cnn_4") {
    auto c1 = C(3, 16, 3), c2 = C(16, 8, 3), c3 = C(8, 16, 5), c4 = C(16, 16, 5);
    auto fc = L(256, 10);
    return {ParamsOf(c1, c2, c3, c4, fc), [=](const torch::Tensor& in) mutable {
              auto x = torch::relu(c1->forward(LayoutIn(in)));
              x = torch::relu(c2->forward(x));
              x = Pool(torch::relu(c3->forward(x)));
              x = Pool(torch::relu(c4->forward(x)));
              return fc->forward(Flatten(x));
            }};
  }
  // cnn_5 (Appendix 3's CNN5_Debug)
  auto c1 = C(3, 8, 3), c2 = C(8, 16, 3), c3 = C(16, 8, 3), c4 = C(8, 16, 3), c5 = C(16, 16, 3), c6 = C(16, 8, 3);
  auto fc = L(128, 10);
  return {ParamsOf(c1, c2, c3, c4, c5, c6, fc), [=](const torch::Tensor& in) mutable {
            auto x = torch::relu(c1->forward(LayoutIn(in)));
            x = torch::relu(c2->forward(x));
            x = torch::relu(c3->forward(x));
            x = Pool(torch::relu(c4->forward(x)));
            x = torch::relu(c5->forward(x));
            x = Pool(torch::relu(c6->forward(x)));
            return fc->forward(Flatten(x));
          }};
}

}  // namespace

int main() {
  bench::Init();
  const double scale = bench::Scale();
  try {
    torch::set_num_threads(1);
    torch::manual_seed(0);
    const torch::Tensor x = torch::randn({50, 3, 32, 32});
    const torch::Tensor y = torch::randint(0, 10, {50});
    std::vector<std::pair<torch::Tensor, torch::Tensor>> val;
    for (int i = 0; i < 100; i++) val.emplace_back(torch::randn({50, 3, 32, 32}), torch::randint(0, 10, {50}));

    std::vector<Measure> res;
    for (const std::string name : {"mlp_1", "mlp_2", "cnn_3", "cnn_4", "cnn_5"}) {
      Model model = Build(name);
      torch::optim::Adam optimizer(model.params, torch::optim::AdamOptions(0.001));
      double running = 0;
      int64_t correct = 0, total = 0;
      auto step = [&] {
        torch::Tensor outputs = model.forward(x);
        torch::Tensor loss = torch::nn::functional::cross_entropy(outputs, y);
        for (auto& p : model.params) p.mutable_grad().reset();  // zeroGrad({ setToNone: true })
        loss.backward();
        optimizer.step();
        running += loss.item<double>();
        torch::Tensor preds = std::get<1>(torch::max(outputs, 1));
        total += y.size(0);
        correct += preds.eq(y).sum().item<int64_t>();
      };
      auto evaluate = [&] {
        c10::InferenceMode guard;
        int64_t c = 0, n = 0;
        for (const auto& [bx, by] : val) {
          torch::Tensor predicted = std::get<1>(torch::max(model.forward(bx), 1));
          c += predicted.eq(by).sum().item<int64_t>();
          n += by.size(0);
        }
        return 100.0 * c / n;
      };
      res.push_back(TimeIt(name + " train step b50", step, std::max(1, static_cast<int>(40 * scale))));
      res.push_back(TimeIt(
          name + " validation 5000", [&] { evaluate(); }, 1, 3));
    }
    bench::Emit(res);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench/models.cc: " << e.what() << "\n";
    return 1;
  }
}
