// torch.distributed on LibTorch's c10d with the Gloo backend: a TCPStore rendezvous, one default
// process group per Node environment, and collectives that return Promises.
//
// Threading: collectives are *enqueued* on the JS thread (argument checks throw synchronously,
// and every rank enqueues in program order, which is what keeps ranks matched); Gloo runs them on
// its own threads; one AsyncWorker per call waits for completion (with a timeout) off the JS
// thread so the event loop stays free. Tensor handles are resolved to at::Tensor on the JS
// thread only; the worker holds at::Tensor references (refcounts are thread-safe), never the
// handle table.
//
// Builds without Gloo/c10d (TORCHNODE_DISTRIBUTED undefined) export the same functions;
// isAvailable() is false and the rest throw a clear error.
//
// LibTorch versions: built and tested against 1.13 (ProcessGroupGloo derives from ProcessGroup).
// In 2.x it derives from c10d::Backend; every call used here (TCPStore(host, TCPStoreOptions),
// PrefixStore, ProcessGroupGloo::Options::create/createDevice*, allreduce/broadcast/allgather/
// reduce_scatter/barrier on the Gloo object itself, c10d::Work::wait(timeout), ReduceOp) keeps
// its signature there, so no TORCH_VERSION_MAJOR branch is needed; untested against 2.x.
#include "pch.h"
#include "state.h"
#include "guard.h"

#include <torch/version.h>

#ifdef TORCHNODE_DISTRIBUTED
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#endif

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace torchnode {

#ifdef TORCHNODE_DISTRIBUTED

namespace {

using Millis = std::chrono::milliseconds;

// The default process group of one Node environment (main thread or worker thread).
struct DistState {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = -1;
  int world = -1;
  Millis timeout{30 * 60 * 1000};
  bool initializing = false;
};

std::mutex g_mutex;
std::map<napi_env, std::shared_ptr<DistState>> g_states;

std::shared_ptr<DistState> GetState(Napi::Env env) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_states.find(env);
  if (it != g_states.end()) return it->second;
  auto st = std::make_shared<DistState>();
  g_states[env] = st;
  // Environment teardown: drop the group (joins Gloo's threads) before the process exits.
  napi_add_env_cleanup_hook(
      env,
      [](void* arg) {
        napi_env e = static_cast<napi_env>(arg);
        std::shared_ptr<DistState> s;
        {
          std::lock_guard<std::mutex> l(g_mutex);
          auto i = g_states.find(e);
          if (i == g_states.end()) return;
          s = i->second;
          g_states.erase(i);
        }
        s->pg.reset();
        s->store.reset();
      },
      static_cast<void*>(env));
  return st;
}

DistState& Initialized(Napi::Env env, const char* op) {
  auto st = GetState(env);
  if (!st->pg) {
    throw std::runtime_error(std::string("the default process group is not initialized; call (and await) "
                                         "distributed.initProcessGroup() before ") + op);
  }
  return *st;
}

bool IsTimeout(const std::string& m) {
  return m.find("timed out") != std::string::npos || m.find("Timed out") != std::string::npos ||
         m.find("Timeout") != std::string::npos;
}

std::string Clean(const std::string& op, const std::string& msg, Millis timeout) {
  std::string m = CleanTorchMessage(msg);
  if (IsTimeout(m)) {
    return op + ": timed out after " + std::to_string(timeout.count()) +
           " ms waiting for the other ranks (" + m + "). After a timeout the process group is unusable: "
           "call destroyProcessGroup().";
  }
  return op + ": " + m;
}

// Resolves with undefined once `works` have all completed; rejects with the first error.
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, std::string op, std::vector<c10::intrusive_ptr<c10d::Work>> works, Millis timeout,
             std::function<void()> after)
      : Napi::AsyncWorker(env, "torchnode.distributed"), deferred_(Napi::Promise::Deferred::New(env)),
        op_(std::move(op)), works_(std::move(works)), timeout_(timeout), after_(std::move(after)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      for (auto& w : works_) w->wait(timeout_);
      if (after_) {
        at::NoGradGuard no_grad;  // in-place arithmetic on leaves that require grad, as torch.distributed does
        after_();
      }
    } catch (const c10::Error& e) {
      SetError(Clean(op_, e.what_without_backtrace(), timeout_));
    } catch (const std::exception& e) {
      SetError(Clean(op_, e.what(), timeout_));
    } catch (...) {
      SetError(op_ + ": unknown native error");
    }
    works_.clear();
    after_ = nullptr;
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string op_;
  std::vector<c10::intrusive_ptr<c10d::Work>> works_;
  Millis timeout_;
  std::function<void()> after_;
};

// Builds the store and the group off the JS thread: rendezvous blocks until every rank joined.
class InitWorker : public Napi::AsyncWorker {
 public:
  struct Args {
    std::string host;
    int port = 0;
    int rank = 0;
    int world = 1;
    Millis timeout{0};
    std::string deviceHost;   // bind Gloo to this address when set
    std::string deviceIface;  // or to this interface (GLOO_SOCKET_IFNAME)
    int threads = 2;
  };
  InitWorker(Napi::Env env, std::shared_ptr<DistState> st, Args a)
      : Napi::AsyncWorker(env, "torchnode.distributed.init"), deferred_(Napi::Promise::Deferred::New(env)),
        st_(std::move(st)), a_(std::move(a)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      c10d::TCPStoreOptions so;
      so.port = static_cast<std::uint16_t>(a_.port);
      so.isServer = a_.rank == 0;  // rank 0 hosts the rendezvous, as torch.distributed's tcp:// and env://
      so.numWorkers = static_cast<std::size_t>(a_.world);
      so.waitWorkers = true;
      so.timeout = a_.timeout;
      auto tcp = c10::make_intrusive<c10d::TCPStore>(a_.host, so);
      // The same key prefix torch.distributed gives its default group.
      store_ = c10::make_intrusive<c10d::PrefixStore>("default_pg/", tcp);
      auto opts = c10d::ProcessGroupGloo::Options::create(a_.timeout);
      if (!a_.deviceIface.empty()) {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(a_.deviceIface));
      } else if (!a_.deviceHost.empty()) {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(a_.deviceHost));
      } else {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      opts->threads = a_.threads;
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, a_.rank, a_.world, opts);
    } catch (const c10::Error& e) {
      SetError(InitMessage(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      SetError(InitMessage(e.what()));
    } catch (...) {
      SetError("distributed.initProcessGroup: unknown native error");
    }
  }
  std::string InitMessage(const std::string& msg) const {
    std::string m = CleanTorchMessage(msg);
    std::string where = a_.host + ":" + std::to_string(a_.port);
    if (IsTimeout(m)) {
      return "distributed.initProcessGroup: timed out after " + std::to_string(a_.timeout.count()) + " ms waiting for all " +
             std::to_string(a_.world) + " ranks to join the rendezvous at " + where + " as rank " + std::to_string(a_.rank) +
             " (" + m + ")";
    }
    return "distributed.initProcessGroup: rendezvous at " + where + " as rank " + std::to_string(a_.rank) + " failed: " + m;
  }
  void OnOK() override {
    st_->store = store_;
    st_->pg = pg_;
    st_->rank = a_.rank;
    st_->world = a_.world;
    st_->timeout = a_.timeout;
    st_->initializing = false;
    deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& e) override {
    st_->initializing = false;
    pg_.reset();
    store_.reset();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<DistState> st_;
  Args a_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
};

Napi::Value Queue(Napi::Env env, const std::string& op, std::vector<c10::intrusive_ptr<c10d::Work>> works, Millis timeout,
                  std::function<void()> after = nullptr) {
  auto* w = new WaitWorker(env, op, std::move(works), timeout, std::move(after));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

std::vector<at::Tensor> TensorsArg(Napi::Env env, const Napi::Value& v, const char* what) {
  if (!v.IsArray()) throw std::invalid_argument(std::string("expected an array of tensors for ") + what);
  Napi::Array a = v.As<Napi::Array>();
  auto& st = State(env);
  std::vector<at::Tensor> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw std::invalid_argument(std::string("expected a tensor handle in ") + what);
    out.push_back(st.tensors.Get(e.As<Napi::Number>().Int64Value(), what));
  }
  return out;
}

c10d::ReduceOp::RedOpType ReduceOpArg(const std::string& s) {
  if (s == "sum" || s == "avg") return c10d::ReduceOp::SUM;  // Gloo has no AVG: sum, then divide
  if (s == "product") return c10d::ReduceOp::PRODUCT;
  if (s == "min") return c10d::ReduceOp::MIN;
  if (s == "max") return c10d::ReduceOp::MAX;
  throw std::invalid_argument("unknown reduce op '" + s + "' (expected sum, avg, product, min or max)");
}

}  // namespace

TN_FN(DistIsAvailable, "distributed.isAvailable") { return Napi::Boolean::New(info.Env(), true); }

TN_FN(DistIsInitialized, "distributed.isInitialized") {
  return Napi::Boolean::New(info.Env(), static_cast<bool>(GetState(info.Env())->pg));
}

TN_FN(DistRank, "distributed.getRank") {
  return Napi::Number::New(info.Env(), Initialized(info.Env(), "getRank()").rank);
}
TN_FN(DistWorldSize, "distributed.getWorldSize") {
  return Napi::Number::New(info.Env(), Initialized(info.Env(), "getWorldSize()").world);
}

// init({host, port, rank, worldSize, timeoutMs, deviceHost?, deviceIface?, threads?}) -> Promise<void>
TN_FN(DistInit, "distributed.initProcessGroup") {
  Napi::Env env = info.Env();
  auto st = GetState(env);
  if (st->pg) throw std::runtime_error("the default process group is already initialized (call destroyProcessGroup() first)");
  if (st->initializing) throw std::runtime_error("initProcessGroup() is already in progress");
  Napi::Object o = info[0].As<Napi::Object>();
  InitWorker::Args a;
  a.host = o.Get("host").As<Napi::String>().Utf8Value();
  a.port = o.Get("port").As<Napi::Number>().Int32Value();
  a.rank = o.Get("rank").As<Napi::Number>().Int32Value();
  a.world = o.Get("worldSize").As<Napi::Number>().Int32Value();
  a.timeout = Millis(o.Get("timeoutMs").As<Napi::Number>().Int64Value());
  if (o.Get("deviceHost").IsString()) a.deviceHost = o.Get("deviceHost").As<Napi::String>().Utf8Value();
  if (o.Get("deviceIface").IsString()) a.deviceIface = o.Get("deviceIface").As<Napi::String>().Utf8Value();
  if (o.Get("threads").IsNumber()) a.threads = o.Get("threads").As<Napi::Number>().Int32Value();
  st->initializing = true;
  auto* w = new InitWorker(env, st, a);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

TN_FN(DistDestroy, "distributed.destroyProcessGroup") {
  auto st = GetState(info.Env());
  bool had = static_cast<bool>(st->pg);
  st->pg.reset();  // joins Gloo's threads once queued work drained
  st->store.reset();
  st->rank = -1;
  st->world = -1;
  return Napi::Boolean::New(info.Env(), had);
}

// allReduce(handles, op) -> Promise<void>: one allreduce per tensor, in place.
TN_FN(DistAllReduce, "distributed.allReduce") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "allReduce()");
  auto tensors = TensorsArg(env, info[0], "tensors");
  std::string opname = info[1].As<Napi::String>().Utf8Value();
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp(ReduceOpArg(opname));
  opts.timeout = st.timeout;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    works.push_back(st.pg->allreduce(one, opts));
  }
  std::function<void()> after;
  if (opname == "avg") {
    int world = st.world;
    after = [tensors, world]() {
      for (auto t : tensors) {
        if (at::isFloatingType(t.scalar_type()) || at::isComplexType(t.scalar_type())) t.div_(world);
        else t.div_(world, "floor");  // integer tensors: floor division like torch's Gloo AVG emulation
      }
    };
  }
  return Queue(env, "distributed.allReduce", std::move(works), st.timeout, std::move(after));
}

// broadcast(handles, src) -> Promise<void>
TN_FN(DistBroadcast, "distributed.broadcast") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "broadcast()");
  auto tensors = TensorsArg(env, info[0], "tensors");
  int src = info[1].As<Napi::Number>().Int32Value();
  if (src < 0 || src >= st.world) {
    throw std::invalid_argument("src " + std::to_string(src) + " is not a rank of a group of " + std::to_string(st.world));
  }
  c10d::BroadcastOptions opts;
  opts.rootRank = src;
  opts.rootTensor = 0;
  opts.timeout = st.timeout;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    works.push_back(st.pg->broadcast(one, opts));
  }
  return Queue(env, "distributed.broadcast", std::move(works), st.timeout);
}

// allGather(outputs, input) -> Promise<void>
TN_FN(DistAllGather, "distributed.allGather") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "allGather()");
  auto outs = TensorsArg(env, info[0], "outputList");
  auto in = TensorsArg(env, info[1], "tensor");
  if ((int)outs.size() != st.world) {
    throw std::invalid_argument("outputList has " + std::to_string(outs.size()) + " tensors but the group has " +
                                std::to_string(st.world) + " ranks");
  }
  std::vector<std::vector<at::Tensor>> outputs{outs};
  c10d::AllgatherOptions opts;
  opts.timeout = st.timeout;
  auto work = st.pg->allgather(outputs, in, opts);
  return Queue(env, "distributed.allGather", {work}, st.timeout);
}

// reduceScatter(output, inputs, op) -> Promise<void>
TN_FN(DistReduceScatter, "distributed.reduceScatter") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "reduceScatter()");
  auto out = TensorsArg(env, info[0], "output");
  auto ins = TensorsArg(env, info[1], "inputList");
  std::string opname = info[2].As<Napi::String>().Utf8Value();
  c10d::ReduceScatterOptions opts;
  opts.reduceOp = c10d::ReduceOp(ReduceOpArg(opname));
  opts.timeout = st.timeout;
  std::vector<std::vector<at::Tensor>> inputs{ins};
  auto work = st.pg->reduce_scatter(out, inputs, opts);
  std::function<void()> after;
  if (opname == "avg") {
    int world = st.world;
    after = [out, world]() { for (auto t : out) t.div_(world); };
  }
  return Queue(env, "distributed.reduceScatter", {work}, st.timeout, std::move(after));
}

TN_FN(DistBarrier, "distributed.barrier") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "barrier()");
  c10d::BarrierOptions opts;
  opts.timeout = st.timeout;
  auto work = st.pg->barrier(opts);
  return Queue(env, "distributed.barrier", {work}, st.timeout);
}

#else  // !TORCHNODE_DISTRIBUTED

static const char* kUnavailable =
    "torch.distributed is not available: torchnode was built without c10d/Gloo (LibTorch " TORCHNODE_TORCH_VERSION
    " without torch/csrc/distributed/c10d headers, or gloo headers missing: on Debian install libgloo-dev and rebuild)";

TN_FN(DistIsAvailable, "distributed.isAvailable") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistIsInitialized, "distributed.isInitialized") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistRank, "distributed.getRank") { throw std::runtime_error(kUnavailable); }
TN_FN(DistWorldSize, "distributed.getWorldSize") { throw std::runtime_error(kUnavailable); }
TN_FN(DistInit, "distributed.initProcessGroup") { throw std::runtime_error(kUnavailable); }
TN_FN(DistDestroy, "distributed.destroyProcessGroup") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistAllReduce, "distributed.allReduce") { throw std::runtime_error(kUnavailable); }
TN_FN(DistBroadcast, "distributed.broadcast") { throw std::runtime_error(kUnavailable); }
TN_FN(DistAllGather, "distributed.allGather") { throw std::runtime_error(kUnavailable); }
TN_FN(DistReduceScatter, "distributed.reduceScatter") { throw std::runtime_error(kUnavailable); }
TN_FN(DistBarrier, "distributed.barrier") { throw std::runtime_error(kUnavailable); }

#endif

void InitDistributed(Napi::Env env, Napi::Object exports) {
  Napi::Object d = Napi::Object::New(env);
  d.Set("isAvailable", Napi::Function::New(env, DistIsAvailable, "isAvailable"));
  d.Set("isInitialized", Napi::Function::New(env, DistIsInitialized, "isInitialized"));
  d.Set("getRank", Napi::Function::New(env, DistRank, "getRank"));
  d.Set("getWorldSize", Napi::Function::New(env, DistWorldSize, "getWorldSize"));
  d.Set("init", Napi::Function::New(env, DistInit, "init"));
  d.Set("destroy", Napi::Function::New(env, DistDestroy, "destroy"));
  d.Set("allReduce", Napi::Function::New(env, DistAllReduce, "allReduce"));
  d.Set("broadcast", Napi::Function::New(env, DistBroadcast, "broadcast"));
  d.Set("allGather", Napi::Function::New(env, DistAllGather, "allGather"));
  d.Set("reduceScatter", Napi::Function::New(env, DistReduceScatter, "reduceScatter"));
  d.Set("barrier", Napi::Function::New(env, DistBarrier, "barrier"));
  exports.Set("distributed", d);
}

}  // namespace torchnode
