// torchnode's GC guard: a second, tiny Node-API module that frees tensors whose JS objects the
// garbage collector has collected, during the collection itself.
//
// Why a separate module: Node runs a finalizer from inside the GC (not from a later
// setImmediate, which a synchronous training loop never reaches) only for modules that declare
// the experimental Node-API version and only for "basic" finalizers, which must not touch JS
// (nodejs/node#42651, #50060). Measured: Node 20.20, 22.23 and 24.22 do this; with NAPI_VERSION
// 8 or 10 every finalizer waits for the event loop. Declaring the experimental version for the
// whole addon would change how all its other finalizers run, so only this file declares it;
// when it does not load, lib/scope.ts falls back to a FinalizationRegistry.
//
// The main addon hands over a GcLink (a pointer, as a BigInt) whose functions only touch C++
// state: a finalizer records the handle (and its generation) for release a little later, in the
// main addon's own code (TensorTable::Collect explains the delay).
#include <node_api.h>

#include <cstdint>

namespace {

// Must match native/state.h's GcLink (checked through `abi`).
struct GcLink {
  uint32_t abi;
  void* state;  // the main addon's per-environment state; null once it is gone
  void (*collect)(void* state, uint64_t token);
  uint64_t (*token)(void* state, int32_t id);
};
constexpr uint32_t kGcLinkAbi = 0x74670001;

void Finalize(node_api_basic_env, void* data, void* hint) {
  auto* link = static_cast<GcLink*>(hint);
  if (link->state) link->collect(link->state, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data)));
}

napi_value Throw(napi_env env, const char* msg) {
  napi_throw_error(env, nullptr, msg);
  return nullptr;
}

// init(link: bigint): binds this environment's guards to the main addon's state.
napi_value Init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  uint64_t ptr = 0;
  bool lossless = false;
  if (argc < 1 || napi_get_value_bigint_uint64(env, argv[0], &ptr, &lossless) != napi_ok || ptr == 0)
    return Throw(env, "torchnode gc guard: init expects the addon's link as a bigint");
  auto* link = reinterpret_cast<GcLink*>(static_cast<uintptr_t>(ptr));
  if (link->abi != kGcLinkAbi) return Throw(env, "torchnode gc guard: the addon's link has another layout");
  napi_set_instance_data(env, link, nullptr, nullptr);
  return nullptr;
}

// guard(handle: number): an opaque object whose collection releases the handle.
napi_value Guard(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  GcLink* link = nullptr;
  napi_get_instance_data(env, reinterpret_cast<void**>(&link));
  int32_t id = -1;
  if (!link || !link->state) return Throw(env, "torchnode gc guard: not initialized");
  if (argc < 1 || napi_get_value_int32(env, argv[0], &id) != napi_ok || id < 0)
    return Throw(env, "torchnode gc guard: guard expects a live handle");
  uint64_t token = link->token(link->state, id);
  napi_value ext = nullptr;
  if (napi_create_external(env, reinterpret_cast<void*>(static_cast<uintptr_t>(token)), Finalize, link, &ext) !=
      napi_ok)
    return Throw(env, "torchnode gc guard: could not create a guard");
  return ext;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"guard", nullptr, Guard, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
