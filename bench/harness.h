// The C++ sides' timing and lockstep protocol, as bench/harness.ts: `@@turn` before each block
// (run.ts answers with a newline), medians of CPU and wall time per block, one JSON line at the end.
#pragma once
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace bench {

inline bool lockstep = false;

// Waits for run.ts to give this side the machine (bench/harness.ts turn()).
inline void Turn() {
  if (!lockstep) return;
  std::fputs("@@turn\n", stdout);
  std::fflush(stdout);
  for (int c = std::getchar(); c != EOF && c != '\n'; c = std::getchar()) {
  }
}

inline double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

inline double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Measure {
  std::string name;
  double median;
  double cpu_median;
  int iters;
  std::vector<double> samples;
};

// bench/harness.ts timeit(): warm-up of at least `iters` calls and 1 s, then `blocks` blocks.
inline Measure TimeIt(const std::string& name, const std::function<void()>& fn, int iters, int blocks = 7) {
  Turn();
  const double w0 = WallSeconds();
  for (int i = 0; i < iters || WallSeconds() - w0 < 1.0; i++) fn();
  Measure m{name, 0, 0, iters, {}};
  std::vector<double> cpu;
  for (int b = 0; b < blocks; b++) {
    Turn();
    const double c0 = CpuSeconds();
    const double t0 = WallSeconds();
    for (int i = 0; i < iters; i++) fn();
    m.samples.push_back((WallSeconds() - t0) / iters);
    cpu.push_back((CpuSeconds() - c0) / iters);
  }
  m.median = Median(m.samples);
  m.cpu_median = Median(cpu);
  return m;
}

// Seconds with 9 significant digits (std::to_string's fixed 6 decimals would zero a 0.5 µs op).
inline std::string Num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

inline std::string Json(const std::vector<Measure>& res) {
  std::string s = "{\"side\":\"cpp\",\"results\":[";
  for (size_t i = 0; i < res.size(); i++) {
    const Measure& m = res[i];
    if (i) s += ",";
    s += "{\"name\":\"" + m.name + "\",\"median\":" + Num(m.median) + ",\"cpuMedian\":" + Num(m.cpu_median) +
         ",\"iters\":" + std::to_string(m.iters) + ",\"samples\":[";
    for (size_t k = 0; k < m.samples.size(); k++) s += (k ? "," : "") + Num(m.samples[k]);
    s += "]}";
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return s + "],\"peakRssMB\":" + Num(u.ru_maxrss / 1024.0) + "}";
}

// The result line run.ts reads (after one last turn, as bench/harness.ts emit()).
inline void Emit(const std::vector<Measure>& res) {
  Turn();
  std::puts(Json(res).c_str());
  std::fflush(stdout);
}

// Set from BENCH_LOCKSTEP / BENCH_SCALE, as the TS and Python sides read them.
inline void Init() {
  const char* ls = std::getenv("BENCH_LOCKSTEP");
  lockstep = ls && std::string(ls) == "1";
}
inline double Scale() {
  const char* sc = std::getenv("BENCH_SCALE");
  return sc ? std::atof(sc) : 1.0;
}

}  // namespace bench
