// What the files of native/distributed/ share (not a public interface: native/distributed.h is
// what other native code uses). Laid out by topic:
//   process_group.cc  the per-environment state, init/destroy, the rendezvous keys, DefaultDistGroup
//   work.cc           the waiter thread that settles the collectives' Promises (Queue)
//   collectives.cc    the collectives' entry points
//   unavailable.cc    the same exports for builds without c10d/Gloo
//   module.cc         InitDistributed: the addon's `distributed` object
//
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
#pragma once
#include "../pch.h"
#include "../state.h"
#include "../guard.h"
#include "../compat.h"
#include "../distributed.h"

#include <torch/version.h>

#ifdef TORCHNODE_DISTRIBUTED
#ifdef TORCHNODE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#else
#include <torch/csrc/distributed/c10d/Backend.hpp>  // 2.x: the base of every backend
#endif
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

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace torchnode {

// Each file adds its entry points to the addon's `distributed` object (module.cc).
void RegisterDistProcessGroup(Napi::Env env, Napi::Object d);
void RegisterDistCollectives(Napi::Env env, Napi::Object d);
void RegisterDistTickets(Napi::Env env, Napi::Object d);  // lastTicket, waitTickets (work.cc)

#ifdef TORCHNODE_DISTRIBUTED
namespace dist {

using Millis = std::chrono::milliseconds;

// The Gloo backend's class. ProcessGroupGloo.hpp includes gloo's own headers, which Debian ships
// (libgloo-dev) and pip's torch does not: built without them (TORCHNODE_GLOO undefined, LibTorch
// 2.x only), backend 'gloo' and newGroup() say so, the Gloo members below stay null, and
// c10d::Backend stands in for the type so that the collectives' code stays one.
#ifdef TORCHNODE_GLOO
using GlooGroup = c10d::ProcessGroupGloo;
#else
using GlooGroup = c10d::Backend;
#endif

class Waiter;

// A newGroup() subgroup (torch.distributed.new_group, Gloo): this rank's part of it. Ranks outside
// the group keep no entry; every rank counts the group (DistState::groupCount) all the same.
struct Subgroup {
  c10::intrusive_ptr<GlooGroup> pg;
  int rank = -1;  // this process's rank in the group
  int size = 0;
  Millis timeout{0};
};

// The default process group of one Node environment (main thread or worker thread).
struct DistState {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<GlooGroup> pg;  // backend 'gloo'
#ifdef TORCHNODE_HAS_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;  // backend 'nccl' (then pg is null)
#endif
  int rank = -1;
  int world = -1;
  Millis timeout{30 * 60 * 1000};
  bool initializing = false;
  std::shared_ptr<class Waiter> waiter;  // started by the first collective (Queue)
#ifdef TORCHNODE_GLOO
  // Gloo's devices and threads of the default group, reused by its subgroups.
  c10::intrusive_ptr<c10d::ProcessGroupGloo::Options> glooOptions;
#endif
  // Groups created so far, the default one included (PyTorch's _group_count): names the next one.
  int groupCount = 0;
  // Subgroups by id (the handle JS holds); ids are never reused, so a handle of a group dropped by
  // destroyProcessGroup() finds nothing.
  std::map<int, Subgroup> subgroups;
  int nextGroupId = 1;
};

// The group one collective runs on: the default group (group id 0) or a subgroup.
struct Comm {
  c10::intrusive_ptr<GlooGroup> gloo;
#ifdef TORCHNODE_HAS_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  int rank = -1;
  int size = 0;
  Millis timeout{0};
};

inline bool IsNccl(const Comm& c) {
#ifdef TORCHNODE_HAS_NCCL
  return static_cast<bool>(c.nccl);
#else
  return false;
#endif
}

template <typename F>
c10::intrusive_ptr<c10d::Work> OnComm(Comm& c, F&& f) {
#ifdef TORCHNODE_HAS_NCCL
  if (c.nccl) return f(*c.nccl);
#endif
  return f(*c.gloo);
}

inline bool IsNccl(const DistState& st) {
#ifdef TORCHNODE_HAS_NCCL
  return static_cast<bool>(st.nccl);
#else
  return false;
#endif
}

inline bool HasGroup(const DistState& st) { return st.pg || IsNccl(st); }

// Drops the group. NCCL: shutdown() first (what destroy_process_group does in Python), so the
// communicators are finalized rather than aborted by the destructor.
void DropGroup(DistState& st);

// The one place collectives pick the backend; f is called with the ProcessGroupGloo or
// ProcessGroupNCCL (both have the c10d collective signatures).
template <typename F>
c10::intrusive_ptr<c10d::Work> OnGroup(DistState& st, F&& f) {
#ifdef TORCHNODE_HAS_NCCL
  if (st.nccl) return f(*st.nccl);
#endif
  return f(*st.pg);
}

// The state of `env`'s default group (created empty on first use).
std::shared_ptr<DistState> GetState(Napi::Env env);
// The state, or a clear error naming `op` when no group is initialized.
DistState& Initialized(Napi::Env env, const char* op);
// The group of a collective's `group` argument: undefined or 0 is the default group, otherwise a
// subgroup id from newGroup(); a clear error when that group no longer exists.
Comm CommOf(DistState& st, const Napi::Value& group);

// work.cc
bool IsTimeout(const std::string& m);
// `op: message`, with a hint when c10d's message says the wait timed out.
std::string Clean(const std::string& op, const std::string& msg, Millis timeout);
// Enqueues `works` for the waiter thread and returns the Promise it settles once they completed
// and `after` (if any) ran; `written`: the tensors `after` writes (NCCL: synchronized on);
// `result`: what the Promise resolves to (on the JS thread; undefined when null).
Napi::Value Queue(Napi::Env env, DistState& st, const Comm& c, const std::string& op,
                  std::vector<c10::intrusive_ptr<c10d::Work>> works, std::function<void()> after = nullptr,
                  const std::vector<at::Tensor>& written = {}, std::function<Napi::Value(Napi::Env)> result = nullptr);

}  // namespace dist
#endif

}  // namespace torchnode
