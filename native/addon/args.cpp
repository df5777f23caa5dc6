// Argument checks for the Node-API glue (see args.h). Messages follow src/kernels/validate.ts.
#include "args.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace reinpool {
namespace addon {

void fail(Napi::Env env, const std::string& fn, const std::string& msg, bool typeError) {
  const std::string text = fn + ": " + msg;
  if (typeError) throw Napi::TypeError::New(env, text);
  throw Napi::RangeError::New(env, text);
}

namespace {

// How validate.ts names a value it rejects: null, typeof, or the constructor's name.
std::string describe(Napi::Value v) {
  switch (v.Type()) {
    case napi_null: return "null";
    case napi_undefined: return "undefined";
    case napi_boolean: return "boolean";
    case napi_number: return "number";
    case napi_string: return "string";
    case napi_symbol: return "symbol";
    case napi_function: return "function";
    case napi_bigint: return "bigint";
    case napi_object:
    case napi_external:
    default: break;
  }
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_int8_array: return "Int8Array";
      case napi_uint8_array: return "Uint8Array";
      case napi_uint8_clamped_array: return "Uint8ClampedArray";
      case napi_int16_array: return "Int16Array";
      case napi_uint16_array: return "Uint16Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint32_array: return "Uint32Array";
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      case napi_bigint64_array: return "BigInt64Array";
      case napi_biguint64_array: return "BigUint64Array";
      default: return "TypedArray";
    }
  }
  if (v.IsArray()) return "Array";
  if (v.IsArrayBuffer()) return "ArrayBuffer";
  if (v.IsDataView()) return "DataView";
  return "object";
}

// String(v) for the numbers and primitives validate.ts prints.
std::string show(Napi::Value v) {
  if (v.IsNumber()) {
    const double x = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(x)) return "NaN";
    if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
    if (x == std::floor(x) && std::fabs(x) < 1e21) {
      std::ostringstream o;
      o.precision(0);
      o << std::fixed << x;
      return o.str();
    }
    std::ostringstream o;
    o.precision(17);
    o << x;
    return o.str();
  }
  if (v.IsString()) return v.As<Napi::String>().Utf8Value();
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  return describe(v);
}

template <class T>
Typed<T> checkTyped(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v,
                    napi_typedarray_type want, const char* wantName) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != want)
    fail(env, fn, name + " must be a " + wantName + ", got " + describe(v), true);
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  napi_typedarray_type type;
  size_t length = 0, byteOffset = 0;
  void* data = nullptr;
  napi_value ab;
  napi_status st = napi_get_typedarray_info(env, ta, &type, &length, &data, &ab, &byteOffset);
  if (st != napi_ok) fail(env, fn, name + " could not be read", true);
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok) detached = false;
  if (detached) fail(env, fn, name + " is backed by a detached ArrayBuffer", true);
  if (length > 0 && data == nullptr) fail(env, fn, name + " is backed by a detached ArrayBuffer", true);
  Typed<T> out;
  out.data = static_cast<T*>(data);
  out.length = length;
  out.array = ta;
  return out;
}

void checkFiniteValues(Napi::Env env, const std::string& fn, const std::string& name,
                       const float* a, size_t n) {
  if (!finiteCheckEnabled()) return;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(a[i])) {
      std::ostringstream o;
      o << name << "[" << i << "] is " << (std::isnan(a[i]) ? "NaN" : a[i] > 0 ? "Infinity" : "-Infinity")
        << " (finite values required)";
      fail(env, fn, o.str());
    }
  }
}

std::string num(int64_t x) { return std::to_string(x); }

}  // namespace

static int gFiniteOverride = -1;  // -1: follow the environment

void setFiniteCheck(int mode) { gFiniteOverride = mode < 0 ? -1 : mode ? 1 : 0; }

bool finiteCheckEnabled() {
  if (gFiniteOverride >= 0) return gFiniteOverride == 1;
  const char* v = std::getenv("REINPOOL_VALIDATE_FINITE");
  return v && (!std::strcmp(v, "1") || !std::strcmp(v, "true"));
}

bool isDetached(Napi::Env env, Napi::Object typedArray) {
  napi_typedarray_type type;
  size_t length = 0, byteOffset = 0;
  void* data = nullptr;
  napi_value ab;
  if (napi_get_typedarray_info(env, typedArray, &type, &length, &data, &ab, &byteOffset) != napi_ok)
    return true;
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok) return true;
  return detached;
}

Napi::Object checkObject(Napi::Env env, const std::string& fn, const std::string& name,
                         Napi::Value v) {
  // typeof v === 'object' && v !== null (a function is not accepted, as in validate.ts)
  if (v.Type() != napi_object) fail(env, fn, name + " must be an object, got " + describe(v), true);
  return v.As<Napi::Object>();
}

int64_t checkInt(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v,
                 int64_t min, int64_t max) {
  if (!v.IsNumber()) fail(env, fn, name + " must be an integer, got " + show(v), true);
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x) || x != std::trunc(x)) fail(env, fn, name + " must be an integer, got " + show(v), true);
  if (x < (double)min || x > (double)max)
    fail(env, fn, name + " must be in [" + num(min) + ", " + num(max) + "], got " + show(v));
  return (int64_t)x;
}

Typed<float> checkFloat32(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v) {
  return checkTyped<float>(env, fn, name, v, napi_float32_array, "Float32Array");
}
Typed<int32_t> checkInt32(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v) {
  return checkTyped<int32_t>(env, fn, name, v, napi_int32_array, "Int32Array");
}
Typed<uint8_t> checkUint8(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v) {
  return checkTyped<uint8_t>(env, fn, name, v, napi_uint8_array, "Uint8Array");
}

SetArg checkSet(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v) {
  Napi::Object s = checkObject(env, fn, name, v);
  SetArg out;
  const int64_t dim = checkInt(env, fn, name + ".dim", s.Get("dim"), 1, 1 << 20);
  out.vectors = checkFloat32(env, fn, name + ".vectors", s.Get("vectors"));
  out.offsets = checkInt32(env, fn, name + ".offsets", s.Get("offsets"));
  const int32_t* off = out.offsets.data;
  const size_t n = out.offsets.length;
  if (n < 1) fail(env, fn, name + ".offsets must have count + 1 >= 1 entries, got 0");
  if (off[0] != 0) fail(env, fn, name + ".offsets[0] must be 0, got " + num(off[0]));
  for (size_t i = 1; i < n; ++i) {
    if (off[i] < off[i - 1])
      fail(env, fn, name + ".offsets must be non-decreasing, but offsets[" + num(i - 1) + "]=" +
                        num(off[i - 1]) + " > offsets[" + num(i) + "]=" + num(off[i]));
  }
  const int64_t count = (int64_t)n - 1;
  const int64_t total = off[count];
  if ((int64_t)out.vectors.length != total * dim)
    fail(env, fn, name + ".vectors has " + num(out.vectors.length) + " values but offsets end at " +
                      num(total) + " rows x dim " + num(dim) + " = " + num(total * dim));
  Napi::Value ids = s.Get("ids");
  if (!ids.IsUndefined()) {
    if (!ids.IsArray()) fail(env, fn, name + ".ids must be an array of strings", true);
    const uint32_t len = ids.As<Napi::Array>().Length();
    if ((int64_t)len != count)
      fail(env, fn, name + ".ids has " + num(len) + " entries for " + num(count) + " items");
  }
  checkFiniteValues(env, fn, name + ".vectors", out.vectors.data, out.vectors.length);
  out.total = total;
  out.view.vectors = out.vectors.data;
  out.view.offsets = off;
  out.view.count = count;
  out.view.dim = (int32_t)dim;
  return out;
}

MatrixArg checkMatrix(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v,
                      int32_t dimMustBe, bool finite) {
  Napi::Object m = checkObject(env, fn, name, v);
  MatrixArg out;
  const int64_t rows = checkInt(env, fn, name + ".rows", m.Get("rows"), 0);
  const int64_t dim = checkInt(env, fn, name + ".dim", m.Get("dim"), 1, 1 << 20);
  out.data = checkFloat32(env, fn, name + ".data", m.Get("data"));
  if ((int64_t)out.data.length != rows * dim)
    fail(env, fn, name + ".data has " + num(out.data.length) + " values, expected rows " + num(rows) +
                      " x dim " + num(dim) + " = " + num(rows * dim));
  if (dimMustBe > 0 && dim != dimMustBe)
    fail(env, fn, name + ".dim is " + num(dim) + " but must equal " + num(dimMustBe));
  if (finite) checkFiniteValues(env, fn, name + ".data", out.data.data, out.data.length);
  out.view.data = out.data.data;
  out.view.rows = rows;
  out.view.dim = (int32_t)dim;
  return out;
}

PoolMode checkMode(Napi::Env env, const std::string& fn, Napi::Value v) {
  if (v.IsUndefined()) return PoolMode::Mean;
  if (v.IsString()) {
    const std::string s = v.As<Napi::String>().Utf8Value();
    if (s == "mean") return PoolMode::Mean;
    if (s == "max") return PoolMode::Max;
  }
  fail(env, fn, "mode must be 'mean' or 'max', got " + show(v), true);
}

bool checkBool(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v,
               bool dflt) {
  if (v.IsUndefined()) return dflt;
  if (!v.IsBoolean()) fail(env, fn, name + " must be a boolean, got " + describe(v), true);
  return v.As<Napi::Boolean>().Value();
}

QrelsArg checkQrels(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v,
                    int64_t queries) {
  Napi::Object q = checkObject(env, fn, name, v);
  QrelsArg out;
  out.offsets = checkInt32(env, fn, name + ".offsets", q.Get("offsets"));
  out.docs = checkInt32(env, fn, name + ".docs", q.Get("docs"));
  out.gains = checkFloat32(env, fn, name + ".gains", q.Get("gains"));
  const int32_t* off = out.offsets.data;
  if ((int64_t)out.offsets.length != queries + 1)
    fail(env, fn, name + ".offsets has " + num(out.offsets.length) + " entries, expected queries + 1 = " +
                      num(queries + 1));
  if (off[0] != 0) fail(env, fn, name + ".offsets[0] must be 0, got " + num(off[0]));
  for (int64_t i = 1; i <= queries; ++i)
    if (off[i] < off[i - 1]) fail(env, fn, name + ".offsets must be non-decreasing at index " + num(i));
  const int64_t n = off[queries];
  if ((int64_t)out.docs.length != n)
    fail(env, fn, name + ".docs has " + num(out.docs.length) + " entries, offsets end at " + num(n));
  if ((int64_t)out.gains.length != n)
    fail(env, fn, name + ".gains has " + num(out.gains.length) + " entries, offsets end at " + num(n));
  for (int64_t i = 0; i < n; ++i) {
    if (out.docs.data[i] < 0)
      fail(env, fn, name + ".docs[" + num(i) + "] must be >= 0, got " + num(out.docs.data[i]));
    if (std::isnan(out.gains.data[i])) fail(env, fn, name + ".gains[" + num(i) + "] is NaN");
  }
  out.view.offsets = off;
  out.view.docs = out.docs.data;
  out.view.gains = out.gains.data;
  return out;
}

}  // namespace addon
}  // namespace reinpool
