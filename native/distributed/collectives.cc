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
void CheckDevices(const Comm& c, const std::vector<at::Tensor>& ts, const char* what) {
  if (!IsNccl(c)) return;
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

// 'avg' = sum / world size: integer tensors by floor division, like torch's Gloo AVG emulation.
std::function<void()> DivideBy(std::vector<at::Tensor> tensors, int n) {
  return [tensors, n]() {
    for (auto t : tensors) {
      if (at::isFloatingType(t.scalar_type()) || at::isComplexType(t.scalar_type()))
        t.div_(n);
      else
        t.div_(n, "floor");
    }
  };
}

// A rank argument (`what`: src, dst) of a group of `size`.
int RankArg(const Napi::Value& v, const char* what, const Comm& c) {
  int r = v.As<Napi::Number>().Int32Value();
  if (r < 0 || r >= c.size) {
    throw std::invalid_argument(std::string(what) + " " + std::to_string(r) + " is not a rank of a group of " +
                                std::to_string(c.size));
  }
  return r;
}

// Group sizes of the list arguments (`what`) of gather/scatter/allToAll.
void CheckListSize(const std::vector<at::Tensor>& ts, const char* what, const Comm& c) {
  if (static_cast<int>(ts.size()) != c.size) {
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(ts.size()) +
                                " tensors but the group has " + std::to_string(c.size) + " ranks");
  }
}

std::vector<int64_t> CountsArg(const Napi::Value& v) {
  std::vector<int64_t> out;
  if (!v.IsArray()) return out;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(a.Get(i).As<Napi::Number>().Int64Value());
  return out;
}

}  // namespace

// allReduce(handles, op, group?) -> Promise<void>: one allreduce per tensor, in place.
TN_FN(DistAllReduce, "distributed.allReduce") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "allReduce()");
  Comm c = CommOf(st, info[2]);
  auto tensors = TensorsArg(env, info[0], "tensors");
  CheckDevices(c, tensors, "tensors");
  std::string opname = info[1].As<Napi::String>().Utf8Value();
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp(ReduceOpArg(opname));
  opts.timeout = c.timeout;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    works.push_back(OnComm(c, [&](auto& g) { return g.allreduce(one, opts); }));
  }
  std::function<void()> after;
  if (opname == "avg") after = DivideBy(tensors, c.size);
  return Queue(env, st, c, "distributed.allReduce", std::move(works), std::move(after), tensors);
}

// broadcast(handles, src, group?) -> Promise<void>
TN_FN(DistBroadcast, "distributed.broadcast") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "broadcast()");
  Comm c = CommOf(st, info[2]);
  auto tensors = TensorsArg(env, info[0], "tensors");
  CheckDevices(c, tensors, "tensors");
  c10d::BroadcastOptions opts;
  opts.rootRank = RankArg(info[1], "src", c);
  opts.rootTensor = 0;
  opts.timeout = c.timeout;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    works.push_back(OnComm(c, [&](auto& g) { return g.broadcast(one, opts); }));
  }
  return Queue(env, st, c, "distributed.broadcast", std::move(works));
}

// allGather(outputs, input, group?) -> Promise<void>
TN_FN(DistAllGather, "distributed.allGather") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "allGather()");
  Comm c = CommOf(st, info[2]);
  auto outs = TensorsArg(env, info[0], "outputList");
  auto in = TensorsArg(env, info[1], "tensor");
  CheckDevices(c, outs, "outputList");
  CheckDevices(c, in, "tensor");
  CheckListSize(outs, "outputList", c);
  std::vector<std::vector<at::Tensor>> outputs{outs};
  c10d::AllgatherOptions opts;
  opts.timeout = c.timeout;
  auto work = OnComm(c, [&](auto& g) { return g.allgather(outputs, in, opts); });
  return Queue(env, st, c, "distributed.allGather", {work});
}

// reduceScatter(output, inputs, op, group?) -> Promise<void>
TN_FN(DistReduceScatter, "distributed.reduceScatter") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "reduceScatter()");
  Comm c = CommOf(st, info[3]);
  auto out = TensorsArg(env, info[0], "output");
  auto ins = TensorsArg(env, info[1], "inputList");
  CheckDevices(c, out, "output");
  CheckDevices(c, ins, "inputList");
  std::string opname = info[2].As<Napi::String>().Utf8Value();
  c10d::ReduceScatterOptions opts;
  opts.reduceOp = c10d::ReduceOp(ReduceOpArg(opname));
  opts.timeout = c.timeout;
  std::vector<std::vector<at::Tensor>> inputs{ins};
  auto work = OnComm(c, [&](auto& g) { return g.reduce_scatter(out, inputs, opts); });
  std::function<void()> after;
  if (opname == "avg") after = DivideBy(out, c.size);
  return Queue(env, st, c, "distributed.reduceScatter", {work}, std::move(after), out);
}

// barrier(group?) -> Promise<void>
TN_FN(DistBarrier, "distributed.barrier") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "barrier()");
  Comm c = CommOf(st, info[0]);
  c10d::BarrierOptions opts;
  opts.timeout = c.timeout;
  auto work = OnComm(c, [&](auto& g) { return g.barrier(opts); });
  return Queue(env, st, c, "distributed.barrier", {work});
}

// send(handle, dst, tag, group?) -> Promise<void>
TN_FN(DistSend, "distributed.send") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "send()");
  Comm c = CommOf(st, info[3]);
  auto tensors = TensorsArg(env, info[0], "tensor");
  CheckDevices(c, tensors, "tensor");
  int dst = RankArg(info[1], "dst", c);
  if (dst == c.rank) throw std::invalid_argument("dst " + std::to_string(dst) + " is this rank (send to another rank)");
  int tag = info[2].As<Napi::Number>().Int32Value();
  auto work = OnComm(c, [&](auto& g) { return g.send(tensors, dst, tag); });
  return Queue(env, st, c, "distributed.send", {work});
}

// recv(handle, src (-1: any rank), tag, group?) -> Promise<the sender's rank in the group>
TN_FN(DistRecv, "distributed.recv") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "recv()");
  Comm c = CommOf(st, info[3]);
  auto tensors = TensorsArg(env, info[0], "tensor");
  CheckDevices(c, tensors, "tensor");
  int tag = info[2].As<Napi::Number>().Int32Value();
  int src = info[1].As<Napi::Number>().Int32Value();
  if (src == -1) {
    auto work = OnComm(c, [&](auto& g) { return g.recvAnysource(tensors, tag); });
    auto sender = std::make_shared<int>(-1);
    // sourceRank() is known once the work completed: read on the waiter thread, reported on the JS thread.
    auto after = [work, sender]() { *sender = work->sourceRank(); };
    return Queue(env, st, c, "distributed.recv", {work}, after, {},
                 [sender](Napi::Env e) { return Napi::Number::New(e, *sender); });
  }
  src = RankArg(info[1], "src", c);
  if (src == c.rank)
    throw std::invalid_argument("src " + std::to_string(src) + " is this rank (receive from another rank)");
  auto work = OnComm(c, [&](auto& g) { return g.recv(tensors, src, tag); });
  return Queue(env, st, c, "distributed.recv", {work}, nullptr, {},
               [src](Napi::Env e) { return Napi::Number::New(e, src); });
}

// reduce(handle, dst, op, group?) -> Promise<void>: the result on dst only.
TN_FN(DistReduce, "distributed.reduce") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "reduce()");
  Comm c = CommOf(st, info[3]);
  auto tensors = TensorsArg(env, info[0], "tensor");
  CheckDevices(c, tensors, "tensor");
  c10d::ReduceOptions opts;
  opts.rootRank = RankArg(info[1], "dst", c);
  opts.rootTensor = 0;
  std::string opname = info[2].As<Napi::String>().Utf8Value();
  opts.reduceOp = c10d::ReduceOp(ReduceOpArg(opname));
  opts.timeout = c.timeout;
  auto work = OnComm(c, [&](auto& g) { return g.reduce(tensors, opts); });
  std::function<void()> after;
  if (opname == "avg" && opts.rootRank == c.rank) after = DivideBy(tensors, c.size);
  return Queue(env, st, c, "distributed.reduce", {work}, std::move(after), tensors);
}

// gather(input, outputs (empty except on dst), dst, group?) -> Promise<void>
TN_FN(DistGather, "distributed.gather") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "gather()");
  Comm c = CommOf(st, info[3]);
  auto in = TensorsArg(env, info[0], "tensor");
  auto outs = TensorsArg(env, info[1], "gatherList");
  CheckDevices(c, in, "tensor");
  CheckDevices(c, outs, "gatherList");
  c10d::GatherOptions opts;
  opts.rootRank = RankArg(info[2], "dst", c);
  opts.timeout = c.timeout;
  std::vector<std::vector<at::Tensor>> outputs;
  if (opts.rootRank == c.rank) {
    CheckListSize(outs, "gatherList", c);
    outputs.push_back(outs);
  } else if (!outs.empty()) {
    throw std::invalid_argument("gatherList must be empty on ranks other than dst");
  }
  auto work = OnComm(c, [&](auto& g) { return g.gather(outputs, in, opts); });
  return Queue(env, st, c, "distributed.gather", {work});
}

// scatter(output, inputs (empty except on src), src, group?) -> Promise<void>
TN_FN(DistScatter, "distributed.scatter") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "scatter()");
  Comm c = CommOf(st, info[3]);
  auto out = TensorsArg(env, info[0], "tensor");
  auto ins = TensorsArg(env, info[1], "scatterList");
  CheckDevices(c, out, "tensor");
  CheckDevices(c, ins, "scatterList");
  c10d::ScatterOptions opts;
  opts.rootRank = RankArg(info[2], "src", c);
  opts.timeout = c.timeout;
  std::vector<std::vector<at::Tensor>> inputs;
  if (opts.rootRank == c.rank) {
    CheckListSize(ins, "scatterList", c);
    inputs.push_back(ins);
  } else if (!ins.empty()) {
    throw std::invalid_argument("scatterList must be empty on ranks other than src");
  }
  auto work = OnComm(c, [&](auto& g) { return g.scatter(out, inputs, opts); });
  return Queue(env, st, c, "distributed.scatter", {work});
}

// allToAllSingle(output, input, outputSplitSizes, inputSplitSizes, group?) -> Promise<void>:
// c10d's alltoall_base (splits along dim 0; empty: equal splits).
TN_FN(DistAllToAllSingle, "distributed.allToAllSingle") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "allToAllSingle()");
  Comm c = CommOf(st, info[4]);
  auto out = TensorsArg(env, info[0], "output");
  auto in = TensorsArg(env, info[1], "input");
  CheckDevices(c, out, "output");
  CheckDevices(c, in, "input");
  auto outCounts = CountsArg(info[2]);
  auto inCounts = CountsArg(info[3]);
  c10d::AllToAllOptions opts;
  opts.timeout = c.timeout;
  at::Tensor o = out.at(0), i = in.at(0);
  auto work = OnComm(c, [&](auto& g) { return g.alltoall_base(o, i, outCounts, inCounts, opts); });
  return Queue(env, st, c, "distributed.allToAllSingle", {work});
}

// allToAll(outputs, inputs, group?) -> Promise<void>: inputs[j] to rank j's outputs[this rank].
// Gloo has no list alltoall (PyTorch's all_to_all fails on it): the lists are flattened into one
// buffer each and exchanged with alltoall_base and split sizes (what NCCL does inside), so the
// wire format is all_to_all_single's on flattened tensors.
TN_FN(DistAllToAll, "distributed.allToAll") {
  Napi::Env env = info.Env();
  DistState& st = Initialized(env, "allToAll()");
  Comm c = CommOf(st, info[2]);
  auto outs = TensorsArg(env, info[0], "outputList");
  auto ins = TensorsArg(env, info[1], "inputList");
  CheckDevices(c, outs, "outputList");
  CheckDevices(c, ins, "inputList");
  CheckListSize(outs, "outputList", c);
  CheckListSize(ins, "inputList", c);
  std::vector<int64_t> outCounts, inCounts;
  std::vector<at::Tensor> flatIn;
  for (auto& t : ins) {
    inCounts.push_back(t.numel());
    flatIn.push_back(t.reshape({-1}));
  }
  int64_t total = 0;
  for (auto& t : outs) {
    outCounts.push_back(t.numel());
    total += t.numel();
  }
  at::Tensor input = at::cat(flatIn);
  at::Tensor output = at::empty({total}, outs[0].options());
  c10d::AllToAllOptions opts;
  opts.timeout = c.timeout;
  // Gloo moves the counts out of the vectors it is given: it gets copies.
  std::vector<int64_t> outArg = outCounts, inArg = inCounts;
  auto work = OnComm(c, [&](auto& g) { return g.alltoall_base(output, input, outArg, inArg, opts); });
  auto after = [outs, output, outCounts]() {
    int64_t off = 0;
    for (size_t k = 0; k < outs.size(); ++k) {
      at::Tensor dst = outs[k];
      dst.copy_(output.narrow(0, off, outCounts[k]).view(dst.sizes()));
      off += outCounts[k];
    }
  };
  return Queue(env, st, c, "distributed.allToAll", {work}, after, outs);
}

void RegisterDistCollectives(Napi::Env env, Napi::Object d) {
  d.Set("allReduce", Napi::Function::New(env, DistAllReduce, "allReduce"));
  d.Set("broadcast", Napi::Function::New(env, DistBroadcast, "broadcast"));
  d.Set("allGather", Napi::Function::New(env, DistAllGather, "allGather"));
  d.Set("reduceScatter", Napi::Function::New(env, DistReduceScatter, "reduceScatter"));
  d.Set("barrier", Napi::Function::New(env, DistBarrier, "barrier"));
  d.Set("send", Napi::Function::New(env, DistSend, "send"));
  d.Set("recv", Napi::Function::New(env, DistRecv, "recv"));
  d.Set("reduce", Napi::Function::New(env, DistReduce, "reduce"));
  d.Set("gather", Napi::Function::New(env, DistGather, "gather"));
  d.Set("scatter", Napi::Function::New(env, DistScatter, "scatter"));
  d.Set("allToAll", Napi::Function::New(env, DistAllToAll, "allToAll"));
  d.Set("allToAllSingle", Napi::Function::New(env, DistAllToAllSingle, "allToAllSingle"));
}

#endif  // TORCHNODE_DISTRIBUTED

}  // namespace torchnode
