// Tensor handles: creation from JS memory, reading data back, metadata, release.
#include "pch.h"
#include "state.h"
#include "guard.h"

#include <cstring>

namespace torchnode {

static const at::Tensor& Arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return State(info.Env()).tensors.Get(info[i], what);
}

// fromData(buffer: ArrayBuffer, byteOffset, shape, dtypeCode, device?, requiresGrad?) -> handle
// The bytes are copied once into LibTorch-owned memory: the tensor may outlive the JS buffer
// (autograd graphs, optimizer state, other threads), so borrowing it would not be safe.
TN_FN(FromData, "tensor") {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) ThrowType(env, "tensor: expected an ArrayBuffer");
  Napi::ArrayBuffer buf = info[0].As<Napi::ArrayBuffer>();
  int64_t offset = info[1].As<Napi::Number>().Int64Value();
  std::vector<int64_t> shape = ToIntVector(info[2], "shape");
  at::ScalarType dtype = ToScalarType(info[3], "dtype");
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("negative dimension in shape");
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  size_t nbytes = t.numel() * t.element_size();
  if (offset < 0 || static_cast<size_t>(offset) + nbytes > buf.ByteLength()) {
    throw std::invalid_argument("data holds " + std::to_string(buf.ByteLength() - offset) + " bytes, shape needs " +
                                std::to_string(nbytes));
  }
  if (nbytes) std::memcpy(t.data_ptr(), static_cast<uint8_t*>(buf.Data()) + offset, nbytes);
  if (info.Length() > 4 && info[4].IsString()) {
    c10::Device dev = ToDevice(info[4], "device");
    if (!dev.is_cpu()) t = t.to(dev);
  }
  if (info.Length() > 5 && info[5].ToBoolean().Value()) t.requires_grad_(true);
  return WrapTensor(env, std::move(t));
}

// writeData(handle, view: TypedArray) copies the view's bytes into a contiguous CPU tensor
// (e.g. a narrow() slice of a preallocated one): readers fill a data set in place instead of
// allocating a temporary tensor per file.
TN_FN(WriteData, "writeData") {
  Napi::Env env = info.Env();
  const at::Tensor& t = Arg(info, 0, "self");
  if (!info[1].IsTypedArray()) ThrowType(env, "writeData: expected a TypedArray");
  Napi::TypedArray src = info[1].As<Napi::TypedArray>();
  if (!t.device().is_cpu() || t.is_mkldnn() || !t.is_contiguous()) {
    throw std::invalid_argument("expected a contiguous CPU tensor to write into, got " + DescribeTensor(t));
  }
  if (t.requires_grad()) throw std::invalid_argument("cannot write into a tensor that requires grad");
  size_t nbytes = t.numel() * t.element_size();
  if (src.ByteLength() != nbytes) {
    throw std::invalid_argument("data holds " + std::to_string(src.ByteLength()) + " bytes, " + DescribeTensor(t) +
                                " needs " + std::to_string(nbytes));
  }
  if (nbytes) {
    const uint8_t* from = static_cast<const uint8_t*>(src.ArrayBuffer().Data()) + src.ByteOffset();
    std::memcpy(t.data_ptr(), from, nbytes);
  }
  t.unsafeGetTensorImpl()->bump_version();  // an in-place write, as autograd counts them
  return env.Undefined();
}

// data(handle) -> ArrayBuffer holding a contiguous CPU copy (half types widened to float32).
TN_FN(Data, "data") {
  Napi::Env env = info.Env();
  at::Tensor t = Arg(info, 0, "self");
  {
    at::NoGradGuard no_grad;
    if (t.is_mkldnn()) t = t.to_dense();  // oneDNN's blocked layout has no plain storage to copy from
    if (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) t = t.to(at::kFloat);
    if (t.is_complex()) throw std::invalid_argument("complex tensors cannot be read into a TypedArray");
    t = t.to(at::kCPU).contiguous();
  }
  size_t nbytes = t.numel() * t.element_size();
  Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, nbytes);
  if (nbytes) std::memcpy(out.Data(), t.data_ptr(), nbytes);
  return out;
}

// meta(handle) -> [dtypeCode, shape, device, requiresGrad, isLeaf, hasGrad]
TN_FN(Meta, "meta") {
  Napi::Env env = info.Env();
  const at::Tensor& t = Arg(info, 0, "self");
  Napi::Array out = Napi::Array::New(env, 4);
  out.Set(0u, Napi::Number::New(env, static_cast<int>(t.scalar_type())));
  out.Set(1u, FromIntArray(env, t.sizes()));
  out.Set(2u, Napi::String::New(env, t.device().str()));
  out.Set(3u, Napi::Boolean::New(env, t.requires_grad()));
  return out;
}

TN_FN(Shape, "shape") { return FromIntArray(info.Env(), Arg(info, 0, "self").sizes()); }
TN_FN(Dtype, "dtype") { return Napi::Number::New(info.Env(), (int)Arg(info, 0, "self").scalar_type()); }
TN_FN(Ndim, "ndim") { return Napi::Number::New(info.Env(), (double)Arg(info, 0, "self").dim()); }
TN_FN(Numel, "numel") { return Napi::Number::New(info.Env(), (double)Arg(info, 0, "self").numel()); }
TN_FN(DeviceOf, "device") { return Napi::String::New(info.Env(), Arg(info, 0, "self").device().str()); }
TN_FN(Strides, "stride") { return FromIntArray(info.Env(), Arg(info, 0, "self").strides()); }
// Python's layout names without "torch.": strided, sparse_coo, _mkldnn, sparse_csr, ...
TN_FN(Layout, "layout") {
  const at::Tensor& t = Arg(info, 0, "self");
  const char* name = "strided";
  if (t.is_mkldnn())
    name = "_mkldnn";
  else if (t.is_sparse())
    name = "sparse_coo";
  else if (t.layout() == at::kSparseCsr)
    name = "sparse_csr";
  else if (t.layout() == at::kSparseCsc)
    name = "sparse_csc";
  else if (t.layout() == at::kSparseBsr)
    name = "sparse_bsr";
  else if (t.layout() == at::kSparseBsc)
    name = "sparse_bsc";
  else if (t.layout() != at::kStrided)
    name = "other";
  return Napi::String::New(info.Env(), name);
}
TN_FN(IsContiguous, "isContiguous") { return Napi::Boolean::New(info.Env(), Arg(info, 0, "self").is_contiguous()); }

// A second handle to the same LibTorch tensor (shares storage and autograd identity).
TN_FN(Alias, "alias") { return WrapTensor(info.Env(), Arg(info, 0, "self")); }

TN_FN(SameTensor, "isSameTensor") {
  return Napi::Boolean::New(info.Env(),
                            Arg(info, 0, "self").unsafeGetTensorImpl() == Arg(info, 1, "other").unsafeGetTensorImpl());
}

// release(handle) -> bool (false when it was already released: dispose is idempotent)
static Napi::Value Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState* st = env.GetInstanceData<AddonState>();
  if (!st || !info[0].IsNumber()) return Napi::Boolean::New(env, false);
  bool ok = st->tensors.Release(info[0].As<Napi::Number>().Int64Value());
  FlushExternalMemory(env, *st);
  return Napi::Boolean::New(env, ok);
}

// releaseMany(Int32Array) : one crossing to end a tidy() scope.
static Napi::Value ReleaseMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState* st = env.GetInstanceData<AddonState>();
  if (!st || !info[0].IsTypedArray()) return env.Undefined();
  Napi::Int32Array ids = info[0].As<Napi::Int32Array>();
  size_t n = info.Length() > 1 ? info[1].As<Napi::Number>().Uint32Value() : ids.ElementLength();
  for (size_t i = 0; i < n && i < ids.ElementLength(); ++i) st->tensors.Release(ids[i]);
  FlushExternalMemory(env, *st);
  return env.Undefined();
}

TN_FN(Memory, "memory") {
  Napi::Env env = info.Env();
  AddonState& st = State(env);
  // Collected tensors are garbage, not live: memory() is called from a statement of user code,
  // where no handle read from a dead object is pending (TensorTable::Collect).
  st.tensors.ReleaseAllCollected();
  FlushExternalMemory(env, st);
  Napi::Object o = Napi::Object::New(env);
  o.Set("numTensors", Napi::Number::New(env, (double)st.tensors.live()));
  o.Set("numBytes", Napi::Number::New(env, (double)st.tensors.logical_bytes()));
  return o;
}

// gcLink() -> bigint: the address of this environment's GcLink, for the GC guard module.
static void GcCollect(void* state, uint64_t token) { static_cast<AddonState*>(state)->tensors.Collect(token); }
static uint64_t GcToken(void* state, int32_t id) { return static_cast<AddonState*>(state)->tensors.Token(id); }
TN_FN(GcLinkOf, "gcLink") {
  Napi::Env env = info.Env();
  AddonState& st = State(env);
  if (!st.gc_link) st.gc_link = new GcLink{kGcLinkAbi, &st, GcCollect, GcToken};  // never freed: see state.h
  return Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(st.gc_link)));
}

// gcDrain(): releases the collected tensors, from a macrotask (scope.ts).
TN_FN(GcDrain, "gcDrain") {
  Napi::Env env = info.Env();
  AddonState& st = State(env);
  st.tensors.ReleaseAllCollected();
  FlushExternalMemory(env, st);
  return env.Undefined();
}

TN_FN(SetNumThreads, "setNumThreads") {
  int64_t n = info[0].As<Napi::Number>().Int64Value();
  if (n < 1) throw std::invalid_argument("expected a positive integer for threads");
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}
TN_FN(GetNumThreads, "getNumThreads") { return Napi::Number::New(info.Env(), at::get_num_threads()); }

// at::globalContext()'s switches by PyTorch's names: torch.backends.cudnn.{enabled, benchmark,
// deterministic, allow_tf32}, torch.backends.cuda.matmul.allow_tf32 and
// torch.use_deterministic_algorithms (lib/backends.ts). Process-wide, as in PyTorch.
TN_FN(GetFlag, "backends.getFlag") {
  auto& ctx = at::globalContext();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  bool v;
  if (name == "cudnn.available")
    v = ctx.hasCuDNN();
  else if (name == "cudnn.enabled")
    v = ctx.userEnabledCuDNN();
  else if (name == "cudnn.benchmark")
    v = ctx.benchmarkCuDNN();
  else if (name == "cudnn.deterministic")
    v = ctx.deterministicCuDNN();
  else if (name == "cudnn.allowTf32")
    v = ctx.allowTF32CuDNN();
  else if (name == "cuda.matmul.allowTf32")
    v = ctx.allowTF32CuBLAS();
  else if (name == "deterministicAlgorithms")
    v = ctx.deterministicAlgorithms();
  else if (name == "deterministicAlgorithmsWarnOnly")
    v = ctx.deterministicAlgorithmsWarnOnly();
  else
    throw std::invalid_argument("unknown flag '" + name + "'");
  return Napi::Boolean::New(info.Env(), v);
}

TN_FN(SetFlag, "backends.setFlag") {
  auto& ctx = at::globalContext();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  bool v = info[1].As<Napi::Boolean>().Value();
  if (name == "cudnn.enabled")
    ctx.setUserEnabledCuDNN(v);
  else if (name == "cudnn.benchmark")
    ctx.setBenchmarkCuDNN(v);
  else if (name == "cudnn.deterministic")
    ctx.setDeterministicCuDNN(v);
  else if (name == "cudnn.allowTf32")
    ctx.setAllowTF32CuDNN(v);
  else if (name == "cuda.matmul.allowTf32")
    ctx.setAllowTF32CuBLAS(v);
  else if (name == "deterministicAlgorithms")
    ctx.setDeterministicAlgorithms(v, info[2].ToBoolean().Value());
  else
    throw std::invalid_argument("unknown flag '" + name + "'");
  return info.Env().Undefined();
}

void InitTensor(Napi::Env env, Napi::Object exports) {
  exports.Set("fromData", Napi::Function::New(env, FromData, "fromData"));
  exports.Set("data", Napi::Function::New(env, Data, "data"));
  exports.Set("writeData", Napi::Function::New(env, WriteData, "writeData"));
  exports.Set("meta", Napi::Function::New(env, Meta, "meta"));
  exports.Set("shape", Napi::Function::New(env, Shape, "shape"));
  exports.Set("dtype", Napi::Function::New(env, Dtype, "dtype"));
  exports.Set("ndim", Napi::Function::New(env, Ndim, "ndim"));
  exports.Set("numel", Napi::Function::New(env, Numel, "numel"));
  exports.Set("device", Napi::Function::New(env, DeviceOf, "device"));
  exports.Set("stride", Napi::Function::New(env, Strides, "stride"));
  exports.Set("layout", Napi::Function::New(env, Layout, "layout"));
  exports.Set("isContiguous", Napi::Function::New(env, IsContiguous, "isContiguous"));
  exports.Set("alias", Napi::Function::New(env, Alias, "alias"));
  exports.Set("isSameTensor", Napi::Function::New(env, SameTensor, "isSameTensor"));
  exports.Set("release", Napi::Function::New(env, Release, "release"));
  exports.Set("releaseMany", Napi::Function::New(env, ReleaseMany, "releaseMany"));
  exports.Set("memory", Napi::Function::New(env, Memory, "memory"));
  exports.Set("gcLink", Napi::Function::New(env, GcLinkOf, "gcLink"));
  exports.Set("gcDrain", Napi::Function::New(env, GcDrain, "gcDrain"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("getFlag", Napi::Function::New(env, GetFlag, "getFlag"));
  exports.Set("setFlag", Napi::Function::New(env, SetFlag, "setFlag"));
}

}  // namespace torchnode
