// The ops suite's C++ side: bench/ops.ts's calls made directly on LibTorch, the floor of a
// single op's cost (dispatcher, allocation, kernel) with no binding in between.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <iostream>
#include <vector>

#include "harness.h"

int main() {
  bench::Init();
  const double scale = bench::Scale();
  try {
    at::set_num_threads(1);
    const at::Tensor a4 = at::ones({4}), b4 = at::ones({4});
    at::Tensor acc4 = at::ones({4});
    const at::Tensor a1k = at::ones({1000}), b1k = at::ones({1000});
    const at::Tensor m64 = at::randn({64, 64});
    const at::Tensor x = at::randn({50, 3, 32, 32}), w = at::randn({16, 3, 3, 3});
    const int n = static_cast<int>(20000 * scale);
    std::vector<bench::Measure> res;
    res.push_back(bench::TimeIt(
        "add 4 (new result)", [&] { at::add(a4, b4); }, n));
    // No scopes in C++: the same call as the row above, so the two TS rows share one floor.
    res.push_back(bench::TimeIt(
        "add 4 (new result, tidy)", [&] { at::add(a4, b4); }, n));
    res.push_back(bench::TimeIt(
        "add_ 4 (in place)", [&] { acc4.add_(b4); }, n));
    res.push_back(bench::TimeIt(
        "add 1000", [&] { at::add(a1k, b1k); }, n));
    res.push_back(bench::TimeIt(
        "matmul 64x64", [&] { at::matmul(m64, m64); }, static_cast<int>(2000 * scale)));
    res.push_back(bench::TimeIt(
        "conv2d [50,3,32,32]x[16,3,3,3]", [&] { at::conv2d(x, w); }, static_cast<int>(20 * scale)));
    bench::Emit(res);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench/ops.cc: " << e.what() << "\n";
    return 1;
  }
}
