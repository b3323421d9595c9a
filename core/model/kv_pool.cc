#include "core/model/kv_pool.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace edgellm {
namespace {

// A reference to a free block is a bug in the caller: sharing it would corrupt another sequence.
void DieIfFree(int32_t refs, int32_t block, const char* what) {
  if (refs > 0) return;
  std::fprintf(stderr, "edgellm: KV block %d %s\n", block, what);
  std::abort();
}

}  // namespace

absl::StatusOr<uint32_t> ParseCacheType(const PluginRegistry& registry, absl::string_view flag,
                                        absl::string_view name) {
  for (const QuantFormat* f : registry.formats()) {
    if (absl::EqualsIgnoreCase(f->name(), name)) return f->type_id();
  }
  std::vector<std::string> names;
  for (const QuantFormat* f : registry.formats()) names.push_back(f->name());
  return absl::InvalidArgumentError(
      absl::StrCat(flag, "=", name,
                   " is not a loaded quant format; KV-cache types: ", absl::StrJoin(names, ", "),
                   " (llama.cpp offers f32 f16 bf16 q8_0 q4_0 q4_1 "
                   "q5_0 q5_1 iq4_nl)"));
}

absl::StatusOr<std::unique_ptr<KvPool>> KvPool::Create(const PluginRegistry& registry,
                                                       uint32_t k_type, uint32_t v_type,
                                                       int64_t n_layer, int64_t n_blocks,
                                                       int64_t n_kv_heads, int64_t head_dim) {
  if (n_layer <= 0 || n_blocks <= 0 || n_kv_heads <= 0 || head_dim <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "KV cache of %d layers x %d blocks x %d heads x %d: every size must be positive", n_layer,
        n_blocks, n_kv_heads, head_dim));
  }
  if (n_blocks > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("KV cache of %d blocks: at most 2^31 - 1", n_blocks));
  }
  const QuantFormat* formats[2] = {nullptr, nullptr};
  for (int which = 0; which < 2; ++which) {
    const uint32_t type = which == 0 ? k_type : v_type;
    absl::StatusOr<TypeLayout> layout = registry.LookupLayout(type);
    if (!layout.ok()) {
      return absl::Status(
          layout.status().code(),
          absl::StrCat("KV cache type (", which == 0 ? "K" : "V", ") ", layout.status().message()));
    }
    formats[which] = registry.FindFormat(type);
  }
  const QuantFormat* k_format = formats[0];
  const QuantFormat* v_format = formats[1];
  if (k_format->vec_dot_isas().empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "KV cache type %s cannot hold keys: it has no vec_dot kernel for q.k", k_format->name()));
  }
  const QuantFormat* vec_dot = registry.FindFormat(k_format->vec_dot_type());
  if (vec_dot == nullptr) {
    return absl::NotFoundError(absl::StrFormat(
        "KV cache type %s: queries are quantized to type %u for q.k, and no quant-format plugin "
        "is loaded for it",
        k_format->name(), k_format->vec_dot_type()));
  }
  for (const QuantFormat* f : {k_format, vec_dot, v_format}) {
    if (head_dim % f->block_size() != 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "KV cache type %s needs the head size (%d) to be a multiple of its block size %d: "
          "pick another cache type (f16 or f32 always fit)",
          f == vec_dot ? k_format->name() : f->name(), head_dim, f->block_size()));
    }
  }
  auto pool = std::unique_ptr<KvPool>(new KvPool());
  pool->k_format_ = k_format;
  pool->v_format_ = v_format;
  pool->vec_dot_format_ = vec_dot;
  pool->n_layer_ = n_layer;
  pool->n_blocks_ = n_blocks;
  pool->row_elements_ = n_kv_heads * head_dim;
  pool->k_row_bytes_ = k_format->RowBytes(pool->row_elements_);
  pool->v_row_bytes_ = v_format->RowBytes(pool->row_elements_);
  // Sizes are positive and below 2^31 each (ModelConfig), but their product may still overflow.
  const double bytes = static_cast<double>(n_blocks) * static_cast<double>(pool->bytes_per_block());
  if (bytes > static_cast<double>(std::numeric_limits<size_t>::max() / 2)) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "KV cache of %.0f bytes cannot be allocated: use a smaller context", bytes));
  }
  pool->size_bytes_ = static_cast<size_t>(bytes);
  pool->data_.reset(new (std::nothrow) uint8_t[pool->size_bytes_]);
  if (pool->data_ == nullptr) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "KV cache of %d bytes (%d layers, %d positions, K %s, V %s) cannot be allocated: use a "
        "smaller context or smaller cache types",
        pool->size_bytes_, n_layer, n_blocks * kBlockSize, k_format->name(), v_format->name()));
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
    const auto block = static_cast<size_t>(blocks[p / kBlockSize]);
    const auto row = static_cast<size_t>(in_block);
    const size_t from = static_cast<size_t>(done * row_elements_);
    if (absl::Status s = backend.KvWrite(
            *k_format_->desc(), k + from, m, row_elements_,
            this->k(layer) + block * k_block_bytes() + row * k_row_bytes_, k_row_bytes_);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = backend.KvWrite(
            *v_format_->desc(), v + from, m, row_elements_,
            this->v(layer) + block * v_block_bytes() + row * v_row_bytes_, v_row_bytes_);
        !s.ok()) {
      return s;
    }
    done += m;
  }
  return absl::OkStatus();
}

}  // namespace edgellm
