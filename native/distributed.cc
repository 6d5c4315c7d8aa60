// torch.distributed on LibTorch's c10d with the Gloo backend: a TCPStore rendezvous, one default
// process group per Node environment, and collectives that return Promises.
//
// Threading: collectives are *enqueued* on the JS thread (argument checks throw synchronously,
// and every rank enqueues in program order, which is what keeps ranks matched); Gloo runs them on
// its own threads; one waiter thread per environment waits for their completion (with a timeout)
// off the JS thread and off libuv's pool, so the event loop and fs/dns/crypto stay free. Tensor handles are resolved to
// at::Tensor on the JS thread only; the worker holds at::Tensor references (refcounts are thread-safe), never the
// handle table.
//
// Builds without Gloo/c10d (TORCHNODE_DISTRIBUTED undefined) export the same functions;
// isAvailable() is false and the rest throw a clear error.
//
// LibTorch versions: built and tested against 1.13 (ProcessGroupGloo derives from ProcessGroup).
// In 2.x it derives from c10d::Backend; every call used here (TCPStore(host, TCPStoreOptions),
// PrefixStore, ProcessGroupGloo::Options::create/createDevice*, allreduce/broadcast/allgather/
// reduce_scatter/barrier on the Gloo object itself, c10d::Work::wait(timeout), ReduceOp) keeps
// its signature there. The one TORCH_VERSION branch is the rendezvous (PythonRendezvous): the
// store keys and the start-up barrier of the PyTorch version of this LibTorch, so that Python
// ranks running torch.distributed.init_process_group join the same group as Node ranks.
//
// NCCL (TORCHNODE_NCCL, set by cmake/LibTorch.cmake for a CUDA LibTorch 2.x whose c10d has
// ProcessGroupNCCL): backend 'nccl' builds c10d::ProcessGroupNCCL over the same TCPStore/PrefixStore
// rendezvous, and the collectives go through the same functions. Its Work is asynchronous on
// NCCL's own CUDA stream, and Work::wait() only makes the *calling thread's* current stream wait
// for it (it blocks the host only with TORCH_NCCL_BLOCKING_WAIT). So the waiter polls
// Work::isCompleted() (a non-blocking CUDA event query) against the timeout, then calls wait() to
// rethrow NCCL errors, as c10d's Work.hpp prescribes for pollers: a Promise resolves once the GPU
// has written the result, the same contract as Gloo's.
#include "pch.h"
#include "state.h"
#include "guard.h"
#include "compat.h"
#include "distributed.h"

#include <torch/version.h>

#ifdef TORCHNODE_DISTRIBUTED
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#endif

#if defined(TORCHNODE_DISTRIBUTED) && defined(TORCHNODE_NCCL)
#define TORCHNODE_HAS_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace torchnode {

#ifdef TORCHNODE_DISTRIBUTED

namespace {

using Millis = std::chrono::milliseconds;

// The default process group of one Node environment (main thread or worker thread).
struct DistState {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;  // backend 'gloo'
#ifdef TORCHNODE_HAS_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;  // backend 'nccl' (then pg is null)
#endif
  int rank = -1;
  int world = -1;
  Millis timeout{30 * 60 * 1000};
  bool initializing = false;
  std::shared_ptr<class Waiter> waiter;  // started by the first collective (Queue)
};

std::mutex g_mutex;
std::map<napi_env, std::shared_ptr<DistState>> g_states;

bool IsNccl(const DistState& st) {
#ifdef TORCHNODE_HAS_NCCL
  return static_cast<bool>(st.nccl);
#else
  return false;
#endif
}

bool HasGroup(const DistState& st) { return st.pg || IsNccl(st); }

// Drops the group. NCCL: shutdown() first (what destroy_process_group does in Python), so the
// communicators are finalized rather than aborted by the destructor.
void DropGroup(DistState& st) {
  st.pg.reset();  // joins Gloo's threads once queued work drained
#ifdef TORCHNODE_HAS_NCCL
  if (st.nccl) {
    try {
      st.nccl->shutdown();
    } catch (...) {
      // Already broken (timeout, peer gone): the destructor aborts the communicators.
    }
    st.nccl.reset();
  }
#endif
  st.store.reset();
}

// The one place collectives pick the backend; f is called with the ProcessGroupGloo or
// ProcessGroupNCCL (both have the c10d collective signatures).
template <typename F>
c10::intrusive_ptr<c10d::Work> OnGroup(DistState& st, F&& f) {
#ifdef TORCHNODE_HAS_NCCL
  if (st.nccl) return f(*st.nccl);
#endif
  return f(*st.pg);
}

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
        DropGroup(*s);
      },
      static_cast<void*>(env));
  return st;
}

DistState& Initialized(Napi::Env env, const char* op) {
  auto st = GetState(env);
  if (!HasGroup(*st)) {
    throw std::runtime_error(std::string("the default process group is not initialized; call (and await) "
                                         "distributed.initProcessGroup() before ") +
                             op);
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
    return op + ": timed out after " + std::to_string(timeout.count()) + " ms waiting for the other ranks (" + m +
           "). After a timeout the process group is unusable: "
           "call destroyProcessGroup().";
  }
  return op + ": " + m;
}

// One collective call's completion: its works, what runs after them, and its Promise.
struct WaitJob {
  std::string op;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  Millis timeout{0};
  std::function<void()> after;   // on the waiter thread once the works completed
  bool poll = false;             // NCCL works (see the top of this file)
  std::function<void()> finish;  // NCCL: waits for the CUDA stream that `after` queued its arithmetic on
  napi_deferred deferred = nullptr;
  std::string error;  // empty: resolve
};

// Waits until the GPU has finished `w` or the timeout passed; then wait() rethrows its error.
void PollUntilDone(c10d::Work& w, Millis timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto nap = std::chrono::microseconds(20);
  while (!w.isCompleted()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("Timed out: the NCCL collective had not completed on the GPU");
    }
    std::this_thread::sleep_for(nap);
    if (nap < std::chrono::microseconds(1000)) nap *= 2;
  }
  w.wait();
}

void RunJob(WaitJob& j) {
  try {
    for (auto& w : j.works) {
      if (j.poll)
        PollUntilDone(*w, j.timeout);
      else
        w->wait(j.timeout);
    }
    if (j.after) {
      at::NoGradGuard no_grad;  // in-place arithmetic on leaves that require grad, as torch.distributed does
      j.after();
    }
    if (j.finish) j.finish();
  } catch (const c10::Error& e) {
    j.error = Clean(j.op, e.what_without_backtrace(), j.timeout);
  } catch (const std::exception& e) {
    j.error = Clean(j.op, e.what(), j.timeout);
  } catch (...) {
    j.error = j.op + ": unknown native error";
  }
  j.works.clear();
  j.after = nullptr;
  j.finish = nullptr;
}

// The collectives' completions are waited for on one thread per environment, in the order they
// were enqueued (every rank enqueues in program order), and reported to JS through a thread-safe
// function. Not on libuv's pool: its 4 threads are shared with fs, dns, zlib and crypto, and with
// one blocked wait per pending collective, 4 collectives awaiting a slow peer stalled a small
// fs.readFile for 5 s.
class Waiter : public std::enable_shared_from_this<Waiter> {
 public:
  static std::shared_ptr<Waiter> Start(Napi::Env env) {
    auto w = std::make_shared<Waiter>();
    w->tsfn_ = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                             "torchnode.distributed.wait", 0, 1);
    w->tsfn_.Unref(env);  // an idle waiter does not keep the process alive; pending collectives do
    w->thread_ = std::thread([w] { w->Loop(); });
    // Registered after the thread-safe function's own hook, so it runs first (hooks run in reverse):
    // the thread stops calling into it before Node closes it.
    napi_add_env_cleanup_hook(
        env, [](void* arg) { static_cast<Waiter*>(arg)->Stop(); }, w.get());
    return w;
  }

  // JS thread.
  void Push(Napi::Env env, std::unique_ptr<WaitJob> j) {
    if (pending_++ == 0) tsfn_.Ref(env);
    {
      std::lock_guard<std::mutex> l(m_);
      q_.push_back(std::move(j));
    }
    cv_.notify_one();
  }

  ~Waiter() {
    if (thread_.joinable()) thread_.detach();
  }

 private:
  void Loop() {
    for (;;) {
      std::unique_ptr<WaitJob> j;
      {
        std::unique_lock<std::mutex> l(m_);
        cv_.wait(l, [&] { return stop_ || !q_.empty(); });
        if (stop_) return;
        j = std::move(q_.front());
        q_.pop_front();
      }
      RunJob(*j);
      std::lock_guard<std::mutex> l(m_);
      if (stop_) return;  // the environment is gone: nobody awaits the Promise
      WaitJob* raw = j.release();
      auto self = shared_from_this();
      if (tsfn_.NonBlockingCall(
              raw, [self](Napi::Env env, Napi::Function, WaitJob* job) { self->Complete(env, job); }) != napi_ok)
        delete raw;
    }
  }

  // JS thread: settles the Promise.
  void Complete(Napi::Env env, WaitJob* job) {
    std::unique_ptr<WaitJob> j(job);
    if (env == nullptr) return;
    Napi::HandleScope scope(env);
    if (j->error.empty())
      napi_resolve_deferred(env, j->deferred, env.Undefined());
    else
      napi_reject_deferred(env, j->deferred, Napi::Error::New(env, j->error).Value());
    if (--pending_ == 0) tsfn_.Unref(env);
  }

  // Environment teardown (JS thread): the thread ends after its current wait, detached.
  void Stop() {
    {
      std::lock_guard<std::mutex> l(m_);
      stop_ = true;
      q_.clear();
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.detach();
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<WaitJob>> q_;
  bool stop_ = false;
  int pending_ = 0;  // JS thread only
  Napi::ThreadSafeFunction tsfn_;
  std::thread thread_;
};

// torch.distributed.init_process_group(backend, init_method='env://' or 'tcp://...', rank,
// world_size) of the PyTorch version of this LibTorch, key for key, so that Python and Node ranks
// form one group (distributed_c10d.py; traced with a logging Store in 1.13 and 2.6):
//
// PyTorch 1.13:
//   store = PrefixStore("default_pg", TCPStore)                      # init_process_group
//   ProcessGroupGloo(PrefixStore("0", store))                        # group name "0": "default_pg/0/..."
//   _store_based_barrier: store.add("store_based_barrier_key:1", 1), then add(key, 0) every 10 ms
//     until it equals world_size (the key counts groups: _group_count is 1 after the default one)
//   pg._set_sequence_number_for_group(): rank 0 sets "default_pg/0/SEQ_NUM_STORE_KEY", the others
//     wait for it (a Node rank 0 that skipped it left Python ranks hanging)
// PyTorch 2.0 (neither traced nor run): 2.x's stores below, 1.13's barrier (always, key ":1").
// PyTorch 2.1+ (traced: 2.6):
//   store = PrefixStore("default_pg", TCPStore)
//   ProcessGroupGloo(PrefixStore("cpu/", PrefixStore("0/", store)))  # "default_pg/0//cpu//..." ("cuda/": NCCL)
//   backend._set_sequence_number_for_group()                         # no store traffic in 2.6
//   the barrier only with TORCH_DIST_INIT_BARRIER=1: key "store_based_barrier_key:0" (the group
//     name); whoever counts world_size sets "<key>:last_worker", the others wait for that key
// The TCPStore itself (rank 0 hosts it, "init/" counts the workers) is the same C++ class in
// Python and here. A torchnode-only group does the same, so nothing differs for it.
struct PythonRendezvous {
#if TORCH_VERSION_MAJOR >= 2
  static constexpr bool kBackendPrefix = true;  // "<group>/" then "<device>/"
#if TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR == 0
  static constexpr const char* kBarrierKey = "store_based_barrier_key:1";
  static constexpr bool kBarrierAlways = true;
  static constexpr bool kLastWorker = false;
#else
  static constexpr const char* kBarrierKey = "store_based_barrier_key:0";
  static constexpr bool kBarrierAlways = false;  // TORCH_DIST_INIT_BARRIER=1 only
  static constexpr bool kLastWorker = true;      // 2.2+ waits for it; 2.1 counts, as 1.13
#endif
  static constexpr bool kSeqBeforeBarrier = true;
#else
  static constexpr bool kBackendPrefix = false;  // PrefixStore("0", ...)
  static constexpr const char* kBarrierKey = "store_based_barrier_key:1";
  static constexpr bool kBarrierAlways = true;
  static constexpr bool kLastWorker = false;
  static constexpr bool kSeqBeforeBarrier = false;
#endif

  // The store the backend is built on, below root = PrefixStore("default_pg", tcp).
  static c10::intrusive_ptr<c10d::Store> BackendStore(const c10::intrusive_ptr<c10d::Store>& root,
                                                      const std::string& device) {
    if (!kBackendPrefix) return c10::make_intrusive<c10d::PrefixStore>("0", root);
    auto group = c10::make_intrusive<c10d::PrefixStore>("0/", root);
    return c10::make_intrusive<c10d::PrefixStore>(device + "/", group);
  }

  // _store_based_barrier on root: counts ranks in kBarrierKey; done when the count reaches
  // world_size (what 1.13, 2.0 and 2.1 wait for) or, in 2.x, when "<key>:last_worker" appears
  // (what 2.2+ waits for), which this rank sets when it is the one that counts world_size. Polls
  // every 10 ms, as 1.13 does.
  static void StoreBarrier(c10d::Store& root, int rank, int world, Millis timeout) {
    const std::string key = kBarrierKey;
    const std::string last = key + ":last_worker";
    root.add(key, 1);
    auto start = std::chrono::steady_clock::now();
    for (;;) {
      int64_t count = root.add(key, 0);
      if (count == world) {
        if (kLastWorker) {
          std::string one = "1";
          root.set(last, std::vector<uint8_t>(one.begin(), one.end()));
        }
        return;
      }
      if (kLastWorker && root.check({last})) return;
      if (std::chrono::steady_clock::now() - start > timeout) {
        throw std::runtime_error("Timed out initializing process group in store based barrier on rank " +
                                 std::to_string(rank) + ", for key: " + key + " (world_size=" + std::to_string(world) +
                                 ", worker_count=" + std::to_string(count) + ")");
      }
      std::this_thread::sleep_for(Millis(10));
    }
  }

  // What init_process_group does once the backend exists: the sequence number and the barrier,
  // in that version's order. `barrierEnv`: TORCH_DIST_INIT_BARRIER == 1 in this process.
  template <typename Backend>
  static void Join(Backend& backend, c10d::Store& root, int rank, int world, Millis timeout, bool barrierEnv) {
    bool barrier = kBarrierAlways || barrierEnv;
    if (kSeqBeforeBarrier) backend.setSequenceNumberForGroup();
    if (barrier) StoreBarrier(root, rank, world, timeout);
    if (!kSeqBeforeBarrier) backend.setSequenceNumberForGroup();
  }
};

// ProcessGroupNCCL::Options::group_name (2.2+; absent before): what Python sets for the default group.
template <class O>
auto SetGroupName(O& o, int) -> decltype(o.group_name = std::string(), void()) {
  o.group_name = "0";
}
template <class O>
void SetGroupName(O&, long) {}

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
    std::string backend = "gloo";
    int deviceId = -1;         // nccl: the GPU to bind and connect during init (-1: on the first collective)
    bool initBarrier = false;  // TORCH_DIST_INIT_BARRIER=1 (PythonRendezvous)
  };
  InitWorker(Napi::Env env, std::shared_ptr<DistState> st, Args a)
      : Napi::AsyncWorker(env, "torchnode.distributed.init"),
        deferred_(Napi::Promise::Deferred::New(env)),
        st_(std::move(st)),
        a_(std::move(a)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      c10d::TCPStoreOptions so;
      so.port = static_cast<std::uint16_t>(a_.port);
      so.isServer = a_.rank == 0;  // rank 0 hosts the rendezvous, as torch.distributed's tcp:// and env://
      so.numWorkers = static_cast<std::size_t>(a_.world);
      so.waitWorkers = true;
      so.timeout = a_.timeout;
      compat::UseClassicTcpStore(so);
      auto tcp = c10::make_intrusive<c10d::TCPStore>(a_.host, so);
      // The keys of torch.distributed's default group (PythonRendezvous).
      store_ = c10::make_intrusive<c10d::PrefixStore>("default_pg", tcp);
      auto backendStore = PythonRendezvous::BackendStore(store_, a_.backend == "nccl" ? "cuda" : "cpu");
#ifdef TORCHNODE_HAS_NCCL
      if (a_.backend == "nccl") {
        auto nopts = c10d::ProcessGroupNCCL::Options::create();
        nopts->timeout = a_.timeout;  // the watchdog's per-collective timeout, as init_process_group(timeout=)
        SetGroupName(*nopts, 0);      // "0", as _new_process_group_helper names the default group
        nccl_ = c10::make_intrusive<c10d::ProcessGroupNCCL>(backendStore, a_.rank, a_.world, nopts);
        if (a_.deviceId >= 0) {
          // init_process_group(device_id=...): bind the GPU and create the communicator now, off the
          // JS thread; otherwise the first collective creates it (its NCCL id exchange then blocks
          // the calling thread until every rank reached its first collective).
          at::Device dev(at::kCUDA, static_cast<c10::DeviceIndex>(a_.deviceId));
          nccl_->setBoundDeviceId(dev);
          nccl_->eagerConnectSingleDevice(dev);
        }
        PythonRendezvous::Join(*nccl_, *store_, a_.rank, a_.world, a_.timeout, a_.initBarrier);
        return;
      }
#endif
      auto opts = c10d::ProcessGroupGloo::Options::create(a_.timeout);
      if (!a_.deviceIface.empty()) {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(a_.deviceIface));
      } else if (!a_.deviceHost.empty()) {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(a_.deviceHost));
      } else {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      opts->threads = a_.threads;
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(backendStore, a_.rank, a_.world, opts);
      PythonRendezvous::Join(*pg_, *store_, a_.rank, a_.world, a_.timeout, a_.initBarrier);
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
      return "distributed.initProcessGroup: timed out after " + std::to_string(a_.timeout.count()) +
             " ms waiting for all " + std::to_string(a_.world) + " ranks to join the rendezvous at " + where +
             " as rank " + std::to_string(a_.rank) + " (" + m + ")";
    }
    return "distributed.initProcessGroup: rendezvous at " + where + " as rank " + std::to_string(a_.rank) +
           " failed: " + m;
  }
  void OnOK() override {
    st_->store = store_;
    st_->pg = pg_;
#ifdef TORCHNODE_HAS_NCCL
    st_->nccl = nccl_;
#endif
    st_->rank = a_.rank;
    st_->world = a_.world;
    st_->timeout = a_.timeout;
    st_->initializing = false;
    deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& e) override {
    st_->initializing = false;
    pg_.reset();
#ifdef TORCHNODE_HAS_NCCL
    nccl_.reset();
#endif
    store_.reset();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<DistState> st_;
  Args a_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
#ifdef TORCHNODE_HAS_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl_;
#endif
};

// NCCL: the devices of `tensors`, whose current streams `after` queued its arithmetic on.
std::function<void()> StreamSync(const std::vector<at::Tensor>& tensors) {
#ifdef TORCHNODE_HAS_NCCL
  std::vector<c10::DeviceIndex> devs;
  for (const auto& t : tensors) {
    if (std::find(devs.begin(), devs.end(), t.device().index()) == devs.end()) devs.push_back(t.device().index());
  }
  return [devs]() {
    for (auto d : devs) c10::cuda::getCurrentCUDAStream(d).synchronize();
  };
#else
  return nullptr;
#endif
}

Napi::Value Queue(Napi::Env env, DistState& st, const std::string& op,
                  std::vector<c10::intrusive_ptr<c10d::Work>> works, Millis timeout,
                  std::function<void()> after = nullptr, const std::vector<at::Tensor>& written = {}) {
  bool nccl = IsNccl(st);
  std::function<void()> finish;
  if (nccl && after) finish = StreamSync(written);
  if (!st.waiter) st.waiter = Waiter::Start(env);
  auto j = std::make_unique<WaitJob>();
  j->op = op;
  j->works = std::move(works);
  j->timeout = timeout;
  j->after = std::move(after);
  j->poll = nccl;
  j->finish = std::move(finish);
  napi_value promise;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &j->deferred, &promise), Napi::Value());
  st.waiter->Push(env, std::move(j));
  return Napi::Value(env, promise);
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

// NCCL communicates CUDA tensors only (lib/distributed checks this first, with the JS names).
void CheckDevices(const DistState& st, const std::vector<at::Tensor>& ts, const char* what) {
  if (!IsNccl(st)) return;
  for (const auto& t : ts) {
    if (!t.is_cuda()) {
      throw std::invalid_argument(std::string("expected CUDA tensors for ") + what +
                                  " (NCCL backend) but received one on " + t.device().str());
    }
  }
}

c10d::ReduceOp::RedOpType ReduceOpArg(const std::string& s) {
  if (s == "sum" || s == "avg") return c10d::ReduceOp::SUM;  // Gloo has no AVG: sum, then divide
  if (s == "product") return c10d::ReduceOp::PRODUCT;
  if (s == "min") return c10d::ReduceOp::MIN;
  if (s == "max") return c10d::ReduceOp::MAX;
  throw std::invalid_argument("unknown reduce op '" + s + "' (expected sum, avg, product, min or max)");
}

// The handle of distributed.h: a snapshot of the default group for native callers (SyncBatchNorm).
class GroupHandle : public DistGroup {
 public:
  explicit GroupHandle(const DistState& st) : pg_(st.pg), world_(st.world), timeout_(st.timeout) {
#ifdef TORCHNODE_HAS_NCCL
    nccl_ = st.nccl;
#endif
  }
  int Size() const override { return world_; }
  const char* Backend() const override { return Nccl() ? "nccl" : "gloo"; }
  void AllGather(std::vector<at::Tensor>& outputs, at::Tensor& input) override {
    std::vector<std::vector<at::Tensor>> outs{outputs};
    std::vector<at::Tensor> in{input};
    c10d::AllgatherOptions opts;
    opts.timeout = timeout_;
    On([&](auto& g) { return g.allgather(outs, in, opts); })->wait();
  }
  void AllGatherBase(at::Tensor& output, at::Tensor& input) override {
#ifdef TORCHNODE_HAS_NCCL
    if (nccl_) {
      c10d::AllgatherOptions opts;
      opts.timeout = timeout_;
      nccl_->_allgather_base(output, input, opts)->wait();
      return;
    }
#endif
    (void)output;
    (void)input;
    throw std::runtime_error("_allgather_base needs the NCCL backend");
  }
  void AllReduceSum(at::Tensor& t) override {
    std::vector<at::Tensor> one{t};
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp(c10d::ReduceOp::SUM);
    opts.timeout = timeout_;
    On([&](auto& g) { return g.allreduce(one, opts); })->wait();
  }

 private:
  bool Nccl() const {
#ifdef TORCHNODE_HAS_NCCL
    return static_cast<bool>(nccl_);
#else
    return false;
#endif
  }
  template <typename F>
  c10::intrusive_ptr<c10d::Work> On(F&& f) {
#ifdef TORCHNODE_HAS_NCCL
    if (nccl_) return f(*nccl_);
#endif
    return f(*pg_);
  }
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
#ifdef TORCHNODE_HAS_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl_;
#endif
  int world_;
  Millis timeout_;
};

}  // namespace

c10::intrusive_ptr<DistGroup> DefaultDistGroup(Napi::Env env) {
  auto st = GetState(env);
  if (!HasGroup(*st)) return {};
  return c10::make_intrusive<GroupHandle>(*st);
}

TN_FN(DistIsAvailable, "distributed.isAvailable") { return Napi::Boolean::New(info.Env(), true); }

TN_FN(DistIsNcclAvailable, "distributed.isNcclAvailable") {
#ifdef TORCHNODE_HAS_NCCL
  return Napi::Boolean::New(info.Env(), true);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

TN_FN(DistIsInitialized, "distributed.isInitialized") {
  return Napi::Boolean::New(info.Env(), HasGroup(*GetState(info.Env())));
}

// The default group's backend: "gloo" or "nccl".
TN_FN(DistBackend, "distributed.getBackend") {
  return Napi::String::New(info.Env(), IsNccl(Initialized(info.Env(), "getBackend()")) ? "nccl" : "gloo");
}

TN_FN(DistRank, "distributed.getRank") {
  return Napi::Number::New(info.Env(), Initialized(info.Env(), "getRank()").rank);
}
TN_FN(DistWorldSize, "distributed.getWorldSize") {
  return Napi::Number::New(info.Env(), Initialized(info.Env(), "getWorldSize()").world);
}

#ifndef TORCHNODE_HAS_NCCL
#ifdef TORCHNODE_CUDA
#define TORCHNODE_NO_NCCL_WHY "with CUDA but without NCCL (its c10d has no ProcessGroupNCCL)"
#else
#define TORCHNODE_NO_NCCL_WHY "without CUDA/NCCL"
#endif
static const char* kNcclUnavailable =
    "backend 'nccl' is not available: torchnode was built against LibTorch " TORCHNODE_TORCH_VERSION
    " " TORCHNODE_NO_NCCL_WHY "; use backend 'gloo'";
#endif

// init({host, port, rank, worldSize, timeoutMs, backend?, deviceId?, deviceHost?, deviceIface?, threads?}) ->
// Promise<void>
TN_FN(DistInit, "distributed.initProcessGroup") {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  std::string backend = o.Get("backend").IsString() ? o.Get("backend").As<Napi::String>().Utf8Value() : "gloo";
  if (backend != "gloo" && backend != "nccl") {
    throw std::invalid_argument("unknown backend '" + backend + "' (expected 'gloo' or 'nccl')");
  }
#ifndef TORCHNODE_HAS_NCCL
  if (backend == "nccl") throw std::runtime_error(kNcclUnavailable);
#endif
  auto st = GetState(env);
  if (HasGroup(*st))
    throw std::runtime_error("the default process group is already initialized (call destroyProcessGroup() first)");
  if (st->initializing) throw std::runtime_error("initProcessGroup() is already in progress");
  InitWorker::Args a;
  a.backend = backend;
  a.host = o.Get("host").As<Napi::String>().Utf8Value();
  a.port = o.Get("port").As<Napi::Number>().Int32Value();
  a.rank = o.Get("rank").As<Napi::Number>().Int32Value();
  a.world = o.Get("worldSize").As<Napi::Number>().Int32Value();
  a.timeout = Millis(o.Get("timeoutMs").As<Napi::Number>().Int64Value());
  if (o.Get("deviceHost").IsString()) a.deviceHost = o.Get("deviceHost").As<Napi::String>().Utf8Value();
  if (o.Get("deviceIface").IsString()) a.deviceIface = o.Get("deviceIface").As<Napi::String>().Utf8Value();
  if (o.Get("threads").IsNumber()) a.threads = o.Get("threads").As<Napi::Number>().Int32Value();
  // Read on the JS thread (Node's process.env writes reach the C environment).
  if (const char* b = std::getenv("TORCH_DIST_INIT_BARRIER")) a.initBarrier = std::atoi(b) == 1;
#ifdef TORCHNODE_HAS_NCCL
  if (backend == "nccl") {
    int n = static_cast<int>(c10::cuda::device_count());
    if (n == 0) throw std::runtime_error("backend 'nccl' needs a CUDA GPU, and none is visible to this process");
    if (o.Get("deviceId").IsNumber()) {
      a.deviceId = o.Get("deviceId").As<Napi::Number>().Int32Value();
      if (a.deviceId < 0 || a.deviceId >= n) {
        throw std::invalid_argument("deviceId " + std::to_string(a.deviceId) +
                                    " is not a CUDA device of this machine (expected 0.." + std::to_string(n - 1) +
                                    ")");
      }
    }
  }
#endif
  st->initializing = true;
  auto* w = new InitWorker(env, st, a);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

TN_FN(DistDestroy, "distributed.destroyProcessGroup") {
  auto st = GetState(info.Env());
  bool had = HasGroup(*st);
  DropGroup(*st);
  st->rank = -1;
  st->world = -1;
  return Napi::Boolean::New(info.Env(), had);
}

// allReduce(handles, op) -> Promise<void>: one allreduce per tensor, in place.
TN_FN(DistAllReduce, "distributed.allReduce") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "allReduce()");
  auto tensors = TensorsArg(env, info[0], "tensors");
  CheckDevices(st, tensors, "tensors");
  std::string opname = info[1].As<Napi::String>().Utf8Value();
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp(ReduceOpArg(opname));
  opts.timeout = st.timeout;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    works.push_back(OnGroup(st, [&](auto& g) { return g.allreduce(one, opts); }));
  }
  std::function<void()> after;
  if (opname == "avg") {
    int world = st.world;
    after = [tensors, world]() {
      for (auto t : tensors) {
        if (at::isFloatingType(t.scalar_type()) || at::isComplexType(t.scalar_type()))
          t.div_(world);
        else
          t.div_(world, "floor");  // integer tensors: floor division like torch's Gloo AVG emulation
      }
    };
  }
  return Queue(env, st, "distributed.allReduce", std::move(works), st.timeout, std::move(after), tensors);
}

// broadcast(handles, src) -> Promise<void>
TN_FN(DistBroadcast, "distributed.broadcast") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "broadcast()");
  auto tensors = TensorsArg(env, info[0], "tensors");
  CheckDevices(st, tensors, "tensors");
  int src = info[1].As<Napi::Number>().Int32Value();
  if (src < 0 || src >= st.world) {
    throw std::invalid_argument("src " + std::to_string(src) + " is not a rank of a group of " +
                                std::to_string(st.world));
  }
  c10d::BroadcastOptions opts;
  opts.rootRank = src;
  opts.rootTensor = 0;
  opts.timeout = st.timeout;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    works.push_back(OnGroup(st, [&](auto& g) { return g.broadcast(one, opts); }));
  }
  return Queue(env, st, "distributed.broadcast", std::move(works), st.timeout);
}

// allGather(outputs, input) -> Promise<void>
TN_FN(DistAllGather, "distributed.allGather") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "allGather()");
  auto outs = TensorsArg(env, info[0], "outputList");
  auto in = TensorsArg(env, info[1], "tensor");
  CheckDevices(st, outs, "outputList");
  CheckDevices(st, in, "tensor");
  if ((int)outs.size() != st.world) {
    throw std::invalid_argument("outputList has " + std::to_string(outs.size()) + " tensors but the group has " +
                                std::to_string(st.world) + " ranks");
  }
  std::vector<std::vector<at::Tensor>> outputs{outs};
  c10d::AllgatherOptions opts;
  opts.timeout = st.timeout;
  auto work = OnGroup(st, [&](auto& g) { return g.allgather(outputs, in, opts); });
  return Queue(env, st, "distributed.allGather", {work}, st.timeout);
}

// reduceScatter(output, inputs, op) -> Promise<void>
TN_FN(DistReduceScatter, "distributed.reduceScatter") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "reduceScatter()");
  auto out = TensorsArg(env, info[0], "output");
  auto ins = TensorsArg(env, info[1], "inputList");
  CheckDevices(st, out, "output");
  CheckDevices(st, ins, "inputList");
  std::string opname = info[2].As<Napi::String>().Utf8Value();
  c10d::ReduceScatterOptions opts;
  opts.reduceOp = c10d::ReduceOp(ReduceOpArg(opname));
  opts.timeout = st.timeout;
  std::vector<std::vector<at::Tensor>> inputs{ins};
  auto work = OnGroup(st, [&](auto& g) { return g.reduce_scatter(out, inputs, opts); });
  std::function<void()> after;
  if (opname == "avg") {
    int world = st.world;
    after = [out, world]() {
      for (auto t : out) t.div_(world);
    };
  }
  return Queue(env, st, "distributed.reduceScatter", {work}, st.timeout, std::move(after), out);
}

TN_FN(DistBarrier, "distributed.barrier") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "barrier()");
  c10d::BarrierOptions opts;
  opts.timeout = st.timeout;
  auto work = OnGroup(st, [&](auto& g) { return g.barrier(opts); });
  return Queue(env, st, "distributed.barrier", {work}, st.timeout);
}

#else  // !TORCHNODE_DISTRIBUTED

static const char* kUnavailable =
    "torch.distributed is not available: torchnode was built without c10d/Gloo (LibTorch " TORCHNODE_TORCH_VERSION
    " without torch/csrc/distributed/c10d headers, or gloo headers missing: on Debian install libgloo-dev and rebuild)";

TN_FN(DistIsAvailable, "distributed.isAvailable") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistIsNcclAvailable, "distributed.isNcclAvailable") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistIsInitialized, "distributed.isInitialized") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistBackend, "distributed.getBackend") { throw std::runtime_error(kUnavailable); }
TN_FN(DistRank, "distributed.getRank") { throw std::runtime_error(kUnavailable); }
TN_FN(DistWorldSize, "distributed.getWorldSize") { throw std::runtime_error(kUnavailable); }
TN_FN(DistInit, "distributed.initProcessGroup") { throw std::runtime_error(kUnavailable); }
TN_FN(DistDestroy, "distributed.destroyProcessGroup") { return Napi::Boolean::New(info.Env(), false); }
TN_FN(DistAllReduce, "distributed.allReduce") { throw std::runtime_error(kUnavailable); }
TN_FN(DistBroadcast, "distributed.broadcast") { throw std::runtime_error(kUnavailable); }
TN_FN(DistAllGather, "distributed.allGather") { throw std::runtime_error(kUnavailable); }
TN_FN(DistReduceScatter, "distributed.reduceScatter") { throw std::runtime_error(kUnavailable); }
TN_FN(DistBarrier, "distributed.barrier") { throw std::runtime_error(kUnavailable); }

c10::intrusive_ptr<DistGroup> DefaultDistGroup(Napi::Env) { return {}; }

#endif

void InitDistributed(Napi::Env env, Napi::Object exports) {
  Napi::Object d = Napi::Object::New(env);
  d.Set("isAvailable", Napi::Function::New(env, DistIsAvailable, "isAvailable"));
  d.Set("isNcclAvailable", Napi::Function::New(env, DistIsNcclAvailable, "isNcclAvailable"));
  d.Set("isInitialized", Napi::Function::New(env, DistIsInitialized, "isInitialized"));
  d.Set("backend", Napi::Function::New(env, DistBackend, "backend"));
  d.Set("getRank", Napi::Function::New(env, DistRank, "getRank"));
  d.Set("getWorldSize", Napi::Function::New(env, DistWorldSize, "getWorldSize"));
  d.Set("init", Napi::Function::New(env, DistInit, "init"));
  d.Set("destroy", Napi::Function::New(env, DistDestroy, "destroy"));
  d.Set("allReduce", Napi::Function::New(env, DistAllReduce, "allReduce"));
  d.Set("broadcast", Napi::Function::New(env, DistBroadcast, "broadcast"));
  d.Set("allGather", Napi::Function::New(env, DistAllGather, "allGather"));
  d.Set("reduceScatter", Napi::Function::New(env, DistReduceScatter, "reduceScatter"));
  d.Set("barrier", Napi::Function::New(env, DistBarrier, "barrier"));
  d.Set("syncBatchNorm", Napi::Function::New(env, SyncBatchNormEntry, "syncBatchNorm"));
  exports.Set("distributed", d);
}

}  // namespace torchnode
