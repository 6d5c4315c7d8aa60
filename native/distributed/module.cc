// The addon's `distributed` object (lib/distributed/backend.ts): every file's entry points, and
// syncBatchNorm (sync_batchnorm.cc).
#include "internal.h"

namespace torchnode {

void InitDistributed(Napi::Env env, Napi::Object exports) {
  Napi::Object d = Napi::Object::New(env);
  RegisterDistProcessGroup(env, d);
  RegisterDistCollectives(env, d);
  RegisterDistTickets(env, d);
  d.Set("syncBatchNorm", Napi::Function::New(env, SyncBatchNormEntry, "syncBatchNorm"));
  exports.Set("distributed", d);
}

}  // namespace torchnode
