// The collectives' completions: enqueued on the JS thread (Queue), settled as Promises through a
// thread-safe function. Gloo works report completion through their futures' callbacks on Gloo's
// own threads (Waiter::Direct); works without a future, and NCCL's (polled), are waited for on one
// thread per environment (the Waiter's loop).
#include "internal.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace torchnode {

#ifdef TORCHNODE_DISTRIBUTED
namespace dist {

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

namespace {

// One collective call's completion: its works, what runs after them, and its Promise.
struct WaitJob {
  uint64_t ticket = 0;  // what WaitTickets names it by
  std::string op;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  Millis timeout{0};
  std::function<void()> after;   // on the waiter thread once the works completed
  bool poll = false;             // NCCL works (see the top of this file)
  std::function<void()> finish;  // NCCL: waits for the CUDA stream that `after` queued its arithmetic on
  napi_deferred deferred = nullptr;
  std::string error;                             // empty: resolve
  const char* error_type = nullptr;              // a LibTorch error: PyTorch's Python type (TorchError)
  std::function<Napi::Value(Napi::Env)> result;  // the resolved value (JS thread); null: undefined
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

// LibTorch's errors reject with a TorchError, as the same errors thrown synchronously do (Clean's
// messages start with "op: ", which MakeTorchError writes itself).
napi_value RejectionOf(Napi::Env env, const WaitJob& j) {
  if (!j.error_type) return Napi::Error::New(env, j.error).Value();
  return MakeTorchError(env, j.op, j.error.substr(j.op.size() + 2), j.error_type).Value();
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
    j.error_type = PythonTypeOf(e);
  } catch (const std::exception& e) {
    j.error = Clean(j.op, e.what(), j.timeout);
  } catch (...) {
    j.error = j.op + ": unknown native error";
  }
  j.works.clear();
  j.after = nullptr;
  j.finish = nullptr;
}

}  // namespace

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

  // JS thread: the ticket of the job queued next (Push or Direct), running until Finished().
  uint64_t Register(WaitJob& j) {
    std::lock_guard<std::mutex> l(fm_);
    j.ticket = ++last_ticket_;
    running_.emplace(j.ticket, j.timeout);
    return j.ticket;
  }

  // JS thread: the ticket of the last collective queued (0: none yet).
  uint64_t LastTicket() {
    std::lock_guard<std::mutex> l(fm_);
    return last_ticket_;
  }

  // JS thread: blocks until the jobs of `tickets` have finished (works completed, `after` ran);
  // throws the first one's error. Their Promises still settle later, on the event loop.
  void WaitTickets(Napi::Env env, const std::vector<uint64_t>& tickets) {
    std::unique_lock<std::mutex> l(fm_);
    Millis longest{0};
    for (auto t : tickets) {
      auto it = running_.find(t);
      if (it != running_.end()) longest = std::max(longest, it->second);
    }
    // Every job ends by itself within its timeout (c10d applies it); the margin only guards a bug.
    auto deadline = std::chrono::steady_clock::now() + longest + std::chrono::seconds(30);
    auto all_done = [&] {
      return std::none_of(tickets.begin(), tickets.end(), [&](uint64_t t) { return running_.count(t) > 0; });
    };
    if (!fcv_.wait_until(l, deadline, all_done)) {
      throw std::runtime_error("timed out after " + std::to_string(longest.count()) +
                               " ms waiting for the collectives to complete");
    }
    for (auto t : tickets) {
      auto it = failed_.find(t);
      if (it == failed_.end()) continue;
      WaitJob j;
      j.op = it->second.op;
      j.error = it->second.error;
      j.error_type = it->second.error_type;
      failed_.erase(it);
      throw Napi::Error(env, RejectionOf(env, j));
    }
  }

  // JS thread.
  void Push(Napi::Env env, std::unique_ptr<WaitJob> j) {
    Register(*j);
    if (pending_++ == 0) tsfn_.Ref(env);
    {
      std::lock_guard<std::mutex> l(m_);
      q_.push_back(std::move(j));
    }
    cv_.notify_one();
  }

  // JS thread. Gloo: the works' completion callbacks, on Gloo's threads, settle the Promise
  // without the waiter thread. One thread wake-up less per collective: through the waiter, a 4-byte
  // allReduce took 1.7-2.5x PyTorch's median time on a loaded 2-core machine. Gloo applies the
  // group's timeout to each collective itself, so its errors still come back. False (nothing
  // taken) for a work without a future: the waiter waits for it.
  bool Direct(Napi::Env env, std::unique_ptr<WaitJob>& j) {
    std::vector<c10::intrusive_ptr<c10::ivalue::Future>> futures;
    try {
      for (auto& w : j->works) futures.push_back(w->getFuture());
    } catch (...) {
      return false;
    }
    if (futures.empty()) return false;
    Register(*j);
    if (pending_++ == 0) tsfn_.Ref(env);
    struct Shared {
      std::unique_ptr<WaitJob> job;
      std::atomic<size_t> left;
      std::mutex m;
    };
    auto shared = std::make_shared<Shared>();
    shared->job = std::move(j);
    shared->left = futures.size();
    auto self = shared_from_this();
    for (auto& f : futures) {
      f->addCallback([self, shared](c10::ivalue::Future& fut) {
        if (fut.hasError()) {
          std::lock_guard<std::mutex> l(shared->m);
          WaitJob& job = *shared->job;
          if (job.error.empty()) job.error = Clean(job.op, fut.tryRetrieveErrorMessage(), job.timeout);
        }
        if (--shared->left == 0) self->Done(std::move(shared->job));
      });
    }
    return true;
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
      Finished(*j);
      std::lock_guard<std::mutex> l(m_);
      if (stop_) return;  // the environment is gone: nobody awaits the Promise
      WaitJob* raw = j.release();
      auto self = shared_from_this();
      if (tsfn_.NonBlockingCall(
              raw, [self](Napi::Env env, Napi::Function, WaitJob* job) { self->Complete(env, job); }) != napi_ok)
        delete raw;
    }
  }

  // The last completion callback of a Direct job (a Gloo thread; or the JS thread when the works
  // had completed already): what runs after the works, then the Promise is settled on the JS thread.
  void Done(std::unique_ptr<WaitJob> j) {
    if (j->error.empty() && j->after) {
      try {
        at::NoGradGuard no_grad;
        j->after();
      } catch (const std::exception& e) {
        j->error = Clean(j->op, e.what(), j->timeout);
      }
    }
    j->works.clear();
    j->after = nullptr;
    Finished(*j);
    std::lock_guard<std::mutex> l(m_);
    if (stop_) return;  // the environment is gone: nobody awaits the Promise
    WaitJob* raw = j.release();
    auto self = shared_from_this();
    if (tsfn_.NonBlockingCall(raw, [self](Napi::Env env, Napi::Function, WaitJob* job) { self->Complete(env, job); }) !=
        napi_ok)
      delete raw;
  }

  // Any thread: `j` is done (before its Promise settles); wakes WaitTickets. The errors of the
  // last 256 failed jobs are kept for it.
  void Finished(const WaitJob& j) {
    {
      std::lock_guard<std::mutex> l(fm_);
      running_.erase(j.ticket);
      if (!j.error.empty()) {
        failed_[j.ticket] = Failure{j.op, j.error, j.error_type};
        if (failed_.size() > 256) failed_.erase(failed_.begin());
      }
    }
    fcv_.notify_all();
  }

  // JS thread: settles the Promise.
  void Complete(Napi::Env env, WaitJob* job) {
    std::unique_ptr<WaitJob> j(job);
    if (env == nullptr) return;
    Napi::HandleScope scope(env);
    if (j->error.empty())
      napi_resolve_deferred(env, j->deferred, j->result ? j->result(env) : env.Undefined());
    else
      napi_reject_deferred(env, j->deferred, RejectionOf(env, *j));
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

  struct Failure {
    std::string op, error;
    const char* error_type;
  };
  std::mutex fm_;  // the tickets' state, for WaitTickets
  std::condition_variable fcv_;
  uint64_t last_ticket_ = 0;
  std::unordered_map<uint64_t, Millis> running_;  // ticket -> its timeout
  std::map<uint64_t, Failure> failed_;

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<WaitJob>> q_;
  bool stop_ = false;
  int pending_ = 0;  // JS thread only
  Napi::ThreadSafeFunction tsfn_;
  std::thread thread_;
};

namespace {

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

}  // namespace

Napi::Value Queue(Napi::Env env, DistState& st, const Comm& c, const std::string& op,
                  std::vector<c10::intrusive_ptr<c10d::Work>> works, std::function<void()> after,
                  const std::vector<at::Tensor>& written, std::function<Napi::Value(Napi::Env)> result) {
  bool nccl = IsNccl(c);
  std::function<void()> finish;
  if (nccl && after) finish = StreamSync(written);
  if (!st.waiter) st.waiter = Waiter::Start(env);
  auto j = std::make_unique<WaitJob>();
  j->op = op;
  j->works = std::move(works);
  j->timeout = c.timeout;
  j->after = std::move(after);
  j->result = std::move(result);
  j->poll = nccl;
  j->finish = std::move(finish);
  napi_value promise;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &j->deferred, &promise), Napi::Value());
  if (nccl || !st.waiter->Direct(env, j)) st.waiter->Push(env, std::move(j));
  return Napi::Value(env, promise);
}

}  // namespace dist

// lastTicket() -> number: the ticket of the last collective this environment queued (0: none).
TN_FN(DistLastTicket, "distributed.lastTicket") {
  auto st = dist::GetState(info.Env());
  return Napi::Number::New(info.Env(), st->waiter ? static_cast<double>(st->waiter->LastTicket()) : 0.0);
}

// waitTickets(tickets[]) -> undefined: blocks the JS thread until those collectives completed (as a
// Python rank's work.wait()); throws the first failed one's error.
TN_FN(DistWaitTickets, "distributed.waitTickets") {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw std::invalid_argument("expected an array of tickets");
  Napi::Array a = info[0].As<Napi::Array>();
  std::vector<uint64_t> tickets;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    if (!v.IsNumber()) throw std::invalid_argument("expected an array of tickets");
    tickets.push_back(static_cast<uint64_t>(v.As<Napi::Number>().Int64Value()));
  }
  auto st = dist::GetState(env);
  if (st->waiter && !tickets.empty()) st->waiter->WaitTickets(env, tickets);
  return env.Undefined();
}

void RegisterDistTickets(Napi::Env env, Napi::Object d) {
  d.Set("lastTicket", Napi::Function::New(env, DistLastTicket, "lastTicket"));
  d.Set("waitTickets", Napi::Function::New(env, DistWaitTickets, "waitTickets"));
}
#endif  // TORCHNODE_DISTRIBUTED

}  // namespace torchnode
