// The collectives' entry points: argument checks on the JS thread, then the c10d call, whose
// completion work.cc turns into a Promise.
#include "internal.h"

namespace torchnode {

#ifdef TORCHNODE_DISTRIBUTED

namespace {
using namespace dist;

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

}  // namespace

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

void RegisterDistCollectives(Napi::Env env, Napi::Object d) {
  d.Set("allReduce", Napi::Function::New(env, DistAllReduce, "allReduce"));
  d.Set("broadcast", Napi::Function::New(env, DistBroadcast, "broadcast"));
  d.Set("allGather", Napi::Function::New(env, DistAllGather, "allGather"));
  d.Set("reduceScatter", Napi::Function::New(env, DistReduceScatter, "reduceScatter"));
  d.Set("barrier", Napi::Function::New(env, DistBarrier, "barrier"));
}

#endif  // TORCHNODE_DISTRIBUTED

}  // namespace torchnode
