#include "core/model/kv_pool.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace edgellm {
namespace {

// A reference to a free block is a bug in the caller: sharing it would corrupt another sequence.
void DieIfFree(int32_t refs, int32_t block, const char* what) {
  if (refs > 0) return;
  std::fprintf(stderr, "edgellm: KV block %d %s\n", block, what);
  std::abort();
}

}  // namespace

absl::StatusOr<std::unique_ptr<KvPool>> KvPool::Create(const PluginRegistry& registry,
                                                       uint32_t type_id, int64_t n_layer,
                                                       int64_t n_blocks, int64_t n_kv_heads,
                                                       int64_t head_dim) {
  if (n_layer <= 0 || n_blocks <= 0 || n_kv_heads <= 0 || head_dim <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "KV cache of %d layers x %d blocks x %d heads x %d: every size must be positive", n_layer,
        n_blocks, n_kv_heads, head_dim));
  }
  if (n_blocks > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("KV cache of %d blocks: at most 2^31 - 1", n_blocks));
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
  auto pool = std::unique_ptr<KvPool>(new KvPool());
  pool->format_ = format;
  pool->vec_dot_format_ = vec_dot;
  pool->n_layer_ = n_layer;
  pool->n_blocks_ = n_blocks;
  pool->row_elements_ = n_kv_heads * head_dim;
  pool->row_bytes_ = format->RowBytes(pool->row_elements_);
  // Sizes are positive and below 2^31 each (ModelConfig), but their product may still overflow.
  const double bytes = 2.0 * static_cast<double>(n_layer) * static_cast<double>(n_blocks) *
                       static_cast<double>(pool->block_bytes());
  if (bytes > static_cast<double>(std::numeric_limits<size_t>::max() / 2)) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "KV cache of %.0f bytes cannot be allocated: use a smaller context", bytes));
  }
  pool->size_bytes_ = static_cast<size_t>(bytes);
  pool->data_.reset(new (std::nothrow) uint8_t[pool->size_bytes_]);
  if (pool->data_ == nullptr) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "KV cache of %d bytes (%d layers, %d positions, %s) cannot be allocated: use a smaller "
        "context or a smaller cache type",
        pool->size_bytes_, n_layer, n_blocks * kBlockSize, format->name()));
  }
  absl::MutexLock lock(&pool->mu_);
  pool->refs_.assign(static_cast<size_t>(n_blocks), 0);
  pool->free_.reserve(static_cast<size_t>(n_blocks));
  for (int64_t b = n_blocks - 1; b >= 0; --b) pool->free_.push_back(static_cast<int32_t>(b));
  return pool;
}

int32_t KvPool::Allocate() {
  absl::MutexLock lock(&mu_);
  if (free_.empty()) return -1;
  const int32_t b = free_.back();
  free_.pop_back();
  refs_[b] = 1;
  return b;
}

void KvPool::Ref(int32_t block) {
  absl::MutexLock lock(&mu_);
  DieIfFree(refs_[block], block, "referenced while free");
  ++refs_[block];
}

void KvPool::Release(int32_t block) {
  absl::MutexLock lock(&mu_);
  DieIfFree(refs_[block], block, "released while free");
  if (--refs_[block] == 0) free_.push_back(block);
}

void KvPool::Release(absl::Span<const int32_t> blocks) {
  for (int32_t b : blocks) Release(b);
}

int32_t KvPool::ref_count(int32_t block) const {
  absl::MutexLock lock(&mu_);
  return refs_[block];
}

int64_t KvPool::free_blocks() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(free_.size());
}

absl::Status KvPool::Write(Backend& backend, int64_t layer, absl::Span<const int32_t> blocks,
                           int64_t pos, int64_t n, const float* k, const float* v) {
  // One write per block the rows fall in: rows of a block are contiguous, blocks are not.
  for (int64_t done = 0; done < n;) {
    const int64_t p = pos + done;
    const int64_t in_block = p % kBlockSize;
    const int64_t m = std::min(n - done, kBlockSize - in_block);
    const size_t at = static_cast<size_t>(blocks[p / kBlockSize]) * block_bytes() +
                      static_cast<size_t>(in_block) * row_bytes_;
    const size_t from = static_cast<size_t>(done * row_elements_);
    if (absl::Status s = backend.KvWrite(*format_->desc(), k + from, m, row_elements_,
                                         this->k(layer) + at, row_bytes_);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = backend.KvWrite(*format_->desc(), v + from, m, row_elements_,
                                         this->v(layer) + at, row_bytes_);
        !s.ok()) {
      return s;
    }
    done += m;
  }
  return absl::OkStatus();
}

}  // namespace edgellm
