// KvCache: the keys and values of every layer for the positions evaluated so far.
//
// Per layer, K and V are row-major [n_ctx][n_kv_heads * head_dim] in one cache type (F16 by
// default, as llama.cpp; F32, Q8_0 or any loaded format whose block size divides head_dim), row p
// holding position p. Rows are written with the format's reference quantizer (from_float_ref),
// as ggml's set_rows/cpy into an F16 or Q8_0 cache does; the backend's attention reads them.
#ifndef EDGELLM_CORE_MODEL_KV_CACHE_H_
#define EDGELLM_CORE_MODEL_KV_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/backend.h"
#include "core/plugin/plugin_registry.h"
#include "core/quant_format.h"

namespace edgellm {

// GGUF type ids of the usual cache types.
inline constexpr uint32_t kCacheTypeF32 = EDGE_GGML_TYPE_F32;
inline constexpr uint32_t kCacheTypeF16 = EDGE_GGML_TYPE_F16;
inline constexpr uint32_t kCacheTypeQ8_0 = EDGE_GGML_TYPE_Q8_0;

class KvCache {
 public:
  // Allocates n_layer * 2 * n_ctx rows (left uninitialised: only written rows are read).
  // Errors: InvalidArgument for a non-positive size or a head_dim that is not a multiple of the
  // type's block size (or of its vec_dot_type's); NotFound (the registry's message) when the type
  // or its vec_dot_type has no plugin loaded; ResourceExhausted when the memory is not there.
  static absl::StatusOr<std::unique_ptr<KvCache>> Create(const PluginRegistry& registry,
                                                         uint32_t type_id, int64_t n_layer,
                                                         int64_t n_ctx, int64_t n_kv_heads,
                                                         int64_t head_dim);

  int64_t n_layer() const { return n_layer_; }
  int64_t n_ctx() const { return n_ctx_; }
  // Positions 0..n_past-1 hold valid rows.
  int64_t n_past() const { return n_past_; }
  const QuantFormat& format() const { return *format_; }
  // The format queries are quantized to for q.k (the cache type's vec_dot_type).
  const QuantFormat& vec_dot_format() const { return *vec_dot_format_; }
  size_t row_bytes() const { return row_bytes_; }
  // Bytes of all K and V rows.
  size_t size_bytes() const { return size_bytes_; }

  // Start of layer `layer`'s K (or V) rows; row p at + p * row_bytes().
  const void* k(int64_t layer) const { return data_.get() + Offset(layer, 0); }
  const void* v(int64_t layer) const { return data_.get() + Offset(layer, 1); }

  // Quantizes n rows of n_kv_heads * head_dim floats (k and v: row-major [n][...]) into layer
  // `layer` at positions pos..pos+n-1, through the backend's KV-cache write (Backend::KvWrite).
  // Requires 0 <= pos, pos + n <= n_ctx(); n_past() is not changed (see Commit), so a failed
  // evaluation leaves the valid prefix as it was. Errors: the backend's, as Backend::KvWrite.
  absl::Status Write(Backend& backend, int64_t layer, int64_t pos, int64_t n, const float* k,
                     const float* v);
  // Marks positions up to n_past (inclusive bound) valid after every layer was written.
  // Requires n_past() <= n_past <= n_ctx().
  void Commit(int64_t n_past) { n_past_ = n_past; }

  // Forgets every position.
  void Clear() { n_past_ = 0; }
  // Keeps positions 0..n-1 (to reuse a shared prompt prefix). InvalidArgument when n < 0 or
  // n > n_past().
  absl::Status Truncate(int64_t n);

 private:
  KvCache() = default;
  size_t Offset(int64_t layer, int which) const {
    return (static_cast<size_t>(layer) * 2 + which) * static_cast<size_t>(n_ctx_) * row_bytes_;
  }

  const QuantFormat* format_ = nullptr;
  const QuantFormat* vec_dot_format_ = nullptr;
  int64_t n_layer_ = 0;
  int64_t n_ctx_ = 0;
  int64_t row_elements_ = 0;
  size_t row_bytes_ = 0;
  int64_t n_past_ = 0;
  size_t size_bytes_ = 0;
  std::unique_ptr<uint8_t[]> data_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_MODEL_KV_CACHE_H_
