#include "core/model/kv_cache.h"

#include <limits>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace edgellm {

absl::StatusOr<std::unique_ptr<KvCache>> KvCache::Create(const PluginRegistry& registry,
                                                         uint32_t type_id, int64_t n_layer,
                                                         int64_t n_ctx, int64_t n_kv_heads,
                                                         int64_t head_dim) {
  if (n_layer <= 0 || n_ctx <= 0 || n_kv_heads <= 0 || head_dim <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "KV cache of %d layers x %d positions x %d heads x %d: every size must be positive",
        n_layer, n_ctx, n_kv_heads, head_dim));
  }
  absl::StatusOr<TypeLayout> layout = registry.LookupLayout(type_id);
  if (!layout.ok()) {
    return absl::Status(layout.status().code(),
                        absl::StrCat("KV cache type ", layout.status().message()));
  }
  const QuantFormat* format = registry.FindFormat(type_id);
  const QuantFormat* vec_dot = registry.FindFormat(format->vec_dot_type());
  if (vec_dot == nullptr) {
    return absl::NotFoundError(absl::StrFormat(
        "KV cache type %s: queries are quantized to type %u for q.k, and no quant-format plugin "
        "is loaded for it",
        format->name(), format->vec_dot_type()));
  }
  for (const QuantFormat* f : {format, vec_dot}) {
    if (head_dim % f->block_size() != 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "KV cache type %s needs the head size (%d) to be a multiple of %s's block size %d: "
          "pick another cache type (f16 or f32 always fit)",
          format->name(), head_dim, f->name(), f->block_size()));
    }
  }
  auto cache = std::unique_ptr<KvCache>(new KvCache());
  cache->format_ = format;
  cache->vec_dot_format_ = vec_dot;
  cache->n_layer_ = n_layer;
  cache->n_ctx_ = n_ctx;
  cache->row_elements_ = n_kv_heads * head_dim;
  cache->row_bytes_ = format->RowBytes(cache->row_elements_);
  // Sizes are positive and below 2^31 each (ModelConfig), but their product may still overflow.
  const double bytes = 2.0 * static_cast<double>(n_layer) * static_cast<double>(n_ctx) *
                       static_cast<double>(cache->row_bytes_);
  if (bytes > static_cast<double>(std::numeric_limits<size_t>::max() / 2)) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "KV cache of %.0f bytes cannot be allocated: use a smaller context", bytes));
  }
  cache->size_bytes_ = static_cast<size_t>(bytes);
  cache->data_.reset(new (std::nothrow) uint8_t[cache->size_bytes_]);
  if (cache->data_ == nullptr) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "KV cache of %d bytes (%d layers, context %d, %s) cannot be allocated: use a smaller "
        "context or a smaller cache type",
        cache->size_bytes_, n_layer, n_ctx, format->name()));
  }
  return cache;
}

absl::Status KvCache::Write(Backend& backend, int64_t layer, int64_t pos, int64_t n,
                            const float* k, const float* v) {
  const size_t at = static_cast<size_t>(pos) * row_bytes_;
  if (absl::Status s = backend.KvWrite(*format_->desc(), k, n, row_elements_,
                                       data_.get() + Offset(layer, 0) + at, row_bytes_);
      !s.ok()) {
    return s;
  }
  return backend.KvWrite(*format_->desc(), v, n, row_elements_,
                         data_.get() + Offset(layer, 1) + at, row_bytes_);
}

absl::Status KvCache::Truncate(int64_t n) {
  if (n < 0 || n > n_past_) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot truncate the KV cache to %d positions: it holds %d", n, n_past_));
  }
  n_past_ = n;
  return absl::OkStatus();
}

}  // namespace edgellm
