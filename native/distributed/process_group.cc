// torch.distributed's default process group: per-environment state, initProcessGroup (TCPStore
// rendezvous with the keys of the PyTorch version of this LibTorch), destroyProcessGroup, and the
// native handle of distributed.h (DefaultDistGroup).
#include "internal.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

namespace torchnode {

#ifdef TORCHNODE_DISTRIBUTED
namespace dist {

namespace {
std::mutex g_mutex;
std::map<napi_env, std::shared_ptr<DistState>> g_states;
}  // namespace

void DropGroup(DistState& st) {
  st.subgroups.clear();
  st.groupCount = 0;
#ifdef TORCHNODE_GLOO
  st.glooOptions.reset();
#endif
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

Comm CommOf(DistState& st, const Napi::Value& group) {
  Comm c;
  int id = group.IsNumber() ? group.As<Napi::Number>().Int32Value() : 0;
  if (id == 0) {
    c.gloo = st.pg;
#ifdef TORCHNODE_HAS_NCCL
    c.nccl = st.nccl;
#endif
    c.rank = st.rank;
    c.size = st.world;
    c.timeout = st.timeout;
    return c;
  }
  auto it = st.subgroups.find(id);
  if (it == st.subgroups.end()) {
    throw std::invalid_argument("this group no longer exists (destroyProcessGroup() ends every group)");
  }
  c.gloo = it->second.pg;
  c.rank = it->second.rank;
  c.size = it->second.size;
  c.timeout = it->second.timeout;
  return c;
}

}  // namespace dist

namespace {
using namespace dist;

#ifndef TORCHNODE_GLOO
// pip's torch ships c10d's headers but not gloo's, which ProcessGroupGloo.hpp includes.
const char* kGlooUnavailable =
    "backend 'gloo' is not available: torchnode was built against LibTorch " TORCHNODE_TORCH_VERSION
    " without gloo's headers (a pip torch ships none): set GLOO_INCLUDE_DIR to the headers of the gloo that "
    "LibTorch was built with and rebuild, or use backend 'nccl' for CUDA tensors";
#endif

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
//
// new_group(ranks) (every rank of the default group calls it, members or not): the group is named
// by the count of groups created before it ("1" for the first), built on that name's prefix of the
// store of the default group in _world.pg_map ("default_pg/1/..." in 1.13; the default group's
// "0/" prefix store in 2.x, so "default_pg/0//1//cpu//...", traced in 2.6) by its members only,
// then every rank enters the store barrier on that same store (1.13 and 2.0: always,
// key ":<groups created so far>", i.e. ":2" for the first subgroup; 2.1+ (read in 2.6's
// distributed_c10d.py): only with TORCH_DIST_INIT_BARRIER=1, key ":<name>"), and the members set
// the sequence number (1.13: after the barrier; 2.x: before it).
struct PythonRendezvous {
#if TORCH_VERSION_MAJOR >= 2
  static constexpr bool kBackendPrefix = true;  // "<group>/" then "<device>/"
#if TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR == 0
  static constexpr bool kBarrierKeyByName = false;  // ":<_group_count>", counted after naming the group
  static constexpr bool kBarrierAlways = true;
  static constexpr bool kLastWorker = false;
#else
  static constexpr bool kBarrierKeyByName = true;  // ":<group name>"
  static constexpr bool kBarrierAlways = false;    // TORCH_DIST_INIT_BARRIER=1 only
  static constexpr bool kLastWorker = true;        // 2.2+ waits for it; 2.1 counts, as 1.13
#endif
  static constexpr bool kSeqBeforeBarrier = true;
#else
  static constexpr bool kBackendPrefix = false;  // PrefixStore("0", ...)
  static constexpr bool kBarrierKeyByName = false;
  static constexpr bool kBarrierAlways = true;
  static constexpr bool kLastWorker = false;
  static constexpr bool kSeqBeforeBarrier = false;
#endif

  // The store new_group builds on: the default group's store in _world.pg_map, which 1.13 made
  // root itself and 2.x the group's own prefix store, PrefixStore("0/", root).
  static c10::intrusive_ptr<c10d::Store> SubgroupBase(const c10::intrusive_ptr<c10d::Store>& root) {
    if (!kBackendPrefix) return root;
    return c10::make_intrusive<c10d::PrefixStore>("0/", root);
  }

  // The store the backend of group number `index` (0: the default group) is built on, below
  // root = PrefixStore("default_pg", tcp).
  static c10::intrusive_ptr<c10d::Store> BackendStore(const c10::intrusive_ptr<c10d::Store>& root,
                                                      const std::string& device, int index = 0) {
    std::string name = std::to_string(index);
    auto base = index == 0 ? root : SubgroupBase(root);
    if (!kBackendPrefix) return c10::make_intrusive<c10d::PrefixStore>(name, base);
    auto group = c10::make_intrusive<c10d::PrefixStore>(name + "/", base);
    return c10::make_intrusive<c10d::PrefixStore>(device + "/", group);
  }

  // The store barrier's key after creating group number `index`.
  static std::string BarrierKey(int index) {
    return "store_based_barrier_key:" + std::to_string(kBarrierKeyByName ? index : index + 1);
  }

  // _store_based_barrier on root: counts ranks in kBarrierKey; done when the count reaches
  // world_size (what 1.13, 2.0 and 2.1 wait for) or, in 2.x, when "<key>:last_worker" appears
  // (what 2.2+ waits for), which this rank sets when it is the one that counts world_size. Polls
  // every 10 ms, as 1.13 does.
  static void StoreBarrier(c10d::Store& root, const std::string& key, int rank, int world, Millis timeout) {
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
    if (barrier) StoreBarrier(root, BarrierKey(0), rank, world, timeout);
    if (!kSeqBeforeBarrier) backend.setSequenceNumberForGroup();
  }

  // What new_group does once its members built the backend (`backend` null elsewhere): `rank` and
  // `world` are the default group's.
  static void JoinSubgroup(GlooGroup* backend, const c10::intrusive_ptr<c10d::Store>& root, int index, int rank,
                           int world, Millis timeout, bool barrierEnv) {
    if (kSeqBeforeBarrier && backend) backend->setSequenceNumberForGroup();
    if (kBarrierAlways || barrierEnv) StoreBarrier(*SubgroupBase(root), BarrierKey(index), rank, world, timeout);
    if (!kSeqBeforeBarrier && backend) backend->setSequenceNumberForGroup();
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
#ifdef TORCHNODE_GLOO
      auto opts = c10d::ProcessGroupGloo::Options::create(a_.timeout);
      if (!a_.deviceIface.empty()) {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(a_.deviceIface));
      } else if (!a_.deviceHost.empty()) {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(a_.deviceHost));
      } else {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      opts->threads = a_.threads;
      glooOptions_ = opts;
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(backendStore, a_.rank, a_.world, opts);
      PythonRendezvous::Join(*pg_, *store_, a_.rank, a_.world, a_.timeout, a_.initBarrier);
#else
      (void)backendStore;
      SetError(kGlooUnavailable);  // DistInit refuses first; kept for a direct native call
#endif
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
#ifdef TORCHNODE_GLOO
    st_->glooOptions = glooOptions_;
#endif
    st_->groupCount = 1;  // the default group is "0"
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
  c10::intrusive_ptr<GlooGroup> pg_;
#ifdef TORCHNODE_GLOO
  c10::intrusive_ptr<c10d::ProcessGroupGloo::Options> glooOptions_;
#endif
#ifdef TORCHNODE_HAS_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl_;
#endif
};

#ifdef TORCHNODE_GLOO
// new_group's rendezvous off the JS thread: the members' Gloo connections, then the store barrier
// of every rank. Resolves with the subgroup's id, or -1 on ranks outside it.
class NewGroupWorker : public Napi::AsyncWorker {
 public:
  struct Args {
    int index = 0;       // the group's name (groups created before it)
    int id = 0;          // its handle
    int groupRank = -1;  // -1: not a member
    int groupSize = 0;
    int rank = 0;  // in the default group
    int world = 0;
    Millis timeout{0};
    bool initBarrier = false;  // TORCH_DIST_INIT_BARRIER=1 (PythonRendezvous)
  };
  NewGroupWorker(Napi::Env env, std::shared_ptr<DistState> st, Args a)
      : Napi::AsyncWorker(env, "torchnode.distributed.newGroup"),
        deferred_(Napi::Promise::Deferred::New(env)),
        st_(std::move(st)),
        a_(a),
        root_(st_->store),
        base_(st_->glooOptions) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      if (a_.groupRank >= 0) {
        auto opts = c10d::ProcessGroupGloo::Options::create(a_.timeout);
        opts->devices = base_->devices;
        opts->threads = base_->threads;
        pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(PythonRendezvous::BackendStore(root_, "cpu", a_.index),
                                                          a_.groupRank, a_.groupSize, opts);
      }
      PythonRendezvous::JoinSubgroup(pg_.get(), root_, a_.index, a_.rank, a_.world, a_.timeout, a_.initBarrier);
    } catch (const c10::Error& e) {
      SetError(Clean("distributed.newGroup", e.what_without_backtrace(), a_.timeout));
    } catch (const std::exception& e) {
      SetError(Clean("distributed.newGroup", e.what(), a_.timeout));
    } catch (...) {
      SetError("distributed.newGroup: unknown native error");
    }
  }
  void OnOK() override {
    if (st_->store != root_) {
      pg_.reset();
      deferred_.Reject(
          Napi::Error::New(Env(), "distributed.newGroup: destroyProcessGroup() was called while the group was formed")
              .Value());
      return;
    }
    if (pg_) {
      Subgroup g;
      g.pg = pg_;
      g.rank = a_.groupRank;
      g.size = a_.groupSize;
      g.timeout = a_.timeout;
      st_->subgroups[a_.id] = g;
    }
    deferred_.Resolve(Napi::Number::New(Env(), pg_ ? a_.id : -1));
  }
  void OnError(const Napi::Error& e) override {
    pg_.reset();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<DistState> st_;
  Args a_;
  c10::intrusive_ptr<c10d::Store> root_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo::Options> base_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
};
#endif  // TORCHNODE_GLOO

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
  c10::intrusive_ptr<GlooGroup> pg_;
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

TN_FN(DistIsGlooAvailable, "distributed.isGlooAvailable") {
#ifdef TORCHNODE_GLOO
  return Napi::Boolean::New(info.Env(), true);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

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
#ifndef TORCHNODE_GLOO
  if (backend == "gloo") throw std::runtime_error(kGlooUnavailable);
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

// newGroup(ranks (sorted global ranks), timeoutMs) -> Promise<id, or -1 outside the group>
TN_FN(DistNewGroup, "distributed.newGroup") {
  Napi::Env env = info.Env();
  auto st = GetState(env);
  if (!HasGroup(*st)) Initialized(env, "newGroup()");
  if (IsNccl(*st)) {
    throw std::runtime_error("subgroups of an NCCL default group are not supported yet (backend 'gloo' only)");
  }
#ifndef TORCHNODE_GLOO
  throw std::runtime_error(kGlooUnavailable);
#else
  Napi::Array ranks = info[0].As<Napi::Array>();
  NewGroupWorker::Args a;
  a.groupSize = static_cast<int>(ranks.Length());
  for (uint32_t i = 0; i < ranks.Length(); ++i) {
    int r = ranks.Get(i).As<Napi::Number>().Int32Value();
    if (r < 0 || r >= st->world) {
      throw std::invalid_argument("rank " + std::to_string(r) + " is not a rank of the default group of " +
                                  std::to_string(st->world));
    }
    if (r == st->rank) a.groupRank = static_cast<int>(i);
  }
  a.timeout = Millis(info[1].As<Napi::Number>().Int64Value());
  a.rank = st->rank;
  a.world = st->world;
  // Read on the JS thread (Node's process.env writes reach the C environment).
  if (const char* b = std::getenv("TORCH_DIST_INIT_BARRIER")) a.initBarrier = std::atoi(b) == 1;
  // Named and numbered now, in call order: every rank creates its groups in the same order.
  a.index = st->groupCount++;
  a.id = st->nextGroupId++;
  auto* w = new NewGroupWorker(env, st, a);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
#endif
}

void RegisterDistProcessGroup(Napi::Env env, Napi::Object d) {
  d.Set("newGroup", Napi::Function::New(env, DistNewGroup, "newGroup"));
  d.Set("isAvailable", Napi::Function::New(env, DistIsAvailable, "isAvailable"));
  d.Set("isNcclAvailable", Napi::Function::New(env, DistIsNcclAvailable, "isNcclAvailable"));
  d.Set("isGlooAvailable", Napi::Function::New(env, DistIsGlooAvailable, "isGlooAvailable"));
  d.Set("isInitialized", Napi::Function::New(env, DistIsInitialized, "isInitialized"));
  d.Set("backend", Napi::Function::New(env, DistBackend, "backend"));
  d.Set("getRank", Napi::Function::New(env, DistRank, "getRank"));
  d.Set("getWorldSize", Napi::Function::New(env, DistWorldSize, "getWorldSize"));
  d.Set("init", Napi::Function::New(env, DistInit, "init"));
  d.Set("destroy", Napi::Function::New(env, DistDestroy, "destroy"));
}

#endif  // TORCHNODE_DISTRIBUTED

}  // namespace torchnode
