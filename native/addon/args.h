// Argument checks for the Node-API glue. Each check mirrors src/kernels/validate.ts: it throws a
// TypeError (wrong kind of value) or RangeError (right kind, bad value) whose message starts with
// the function name and names the argument, and it runs before any kernel touches memory.
#ifndef REINPOOL_ADDON_ARGS_H
#define REINPOOL_ADDON_ARGS_H

#include <napi.h>

#include <cstdint>
#include <string>

#include "../kernels/kernels.h"

namespace reinpool {
namespace addon {

// A validated typed-array view (data may be null when length is 0).
template <class T>
struct Typed {
  T* data = nullptr;
  size_t length = 0;
  Napi::Object array;  // the typed array itself (kept alive by async workers)
};

[[noreturn]] void fail(Napi::Env env, const std::string& fn, const std::string& msg,
                       bool typeError = false);

Napi::Object checkObject(Napi::Env env, const std::string& fn, const std::string& name,
                         Napi::Value v);
int64_t checkInt(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v,
                 int64_t min, int64_t max = 0x7fffffff);
Typed<float> checkFloat32(Napi::Env env, const std::string& fn, const std::string& name,
                          Napi::Value v);
Typed<int32_t> checkInt32(Napi::Env env, const std::string& fn, const std::string& name,
                          Napi::Value v);
Typed<uint8_t> checkUint8(Napi::Env env, const std::string& fn, const std::string& name,
                          Napi::Value v);
// True when REINPOOL_VALIDATE_FINITE is 1 or true (read on every call), unless overridden.
bool finiteCheckEnabled();
// Overrides the environment: 1 = check, 0 = don't, -1 = follow REINPOOL_VALIDATE_FINITE again.
// (Worker threads and test sandboxes have their own process.env that getenv cannot see.)
void setFiniteCheck(int mode);

struct SetArg {
  RaggedView view;
  int64_t total = 0;
  Typed<float> vectors;
  Typed<int32_t> offsets;
};
// A MultiVectorSet: dim, vectors, offsets (monotone, offsets[0] = 0, lengths consistent), ids.
SetArg checkSet(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v);

struct MatrixArg {
  MatrixView view;
  Typed<float> data;
};
// A DenseMatrix; dimMustBe > 0 also requires dim == dimMustBe. finite = false skips the
// REINPOOL_VALIDATE_FINITE scan (for values where -Infinity is meaningful).
MatrixArg checkMatrix(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v,
                      int32_t dimMustBe = 0, bool finite = true);

PoolMode checkMode(Napi::Env env, const std::string& fn, Napi::Value v);
bool checkBool(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v,
               bool dflt);

struct QrelsArg {
  QrelsView view;
  Typed<int32_t> offsets, docs;
  Typed<float> gains;
};
QrelsArg checkQrels(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v,
                    int64_t queries);

// Whether the typed array's buffer is detached now.
bool isDetached(Napi::Env env, Napi::Object typedArray);

}  // namespace addon
}  // namespace reinpool

#endif
