// KvPool: the KV cache memory of a model, handed to sequences in blocks as they grow.
//
// A block holds kBlockSize consecutive positions of one sequence, for every layer's K and V. Per
// layer, K and V are row-major [n_blocks][kBlockSize][n_kv_heads * head_dim], each in its own
// cache type (F16 by default, as llama.cpp; F32, BF16, Q8_0, Q4_0 ... or any loaded format whose
// block size divides head_dim, as llama.cpp's -ctk/-ctv: K needs a vec_dot kernel, V only its
// to_float). A sequence's block table lists the blocks holding its positions 0.., kBlockSize
// each; attention reads through it (EdgeAttentionV1's paged fields, ABI 1.2), as vLLM's
// PagedAttention does (Kwon et al. 2023). Rows are written with the backend's KV-cache write
// (ggml's set_rows/cpy into an F16 or Q8_0 cache).
//
// Blocks are reference-counted so that sequences and the prefix cache share the blocks of a
// common prompt prefix; a block goes back to the free list when its last holder releases it.
// Thread-safe.
#ifndef EDGELLM_CORE_MODEL_KV_POOL_H_
#define EDGELLM_CORE_MODEL_KV_POOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "core/backend.h"
#include "core/plugin/plugin_registry.h"
#include "core/quant_format.h"

namespace edgellm {

// GGUF type ids of the usual cache types.
inline constexpr uint32_t kCacheTypeF32 = EDGE_GGML_TYPE_F32;
inline constexpr uint32_t kCacheTypeF16 = EDGE_GGML_TYPE_F16;
inline constexpr uint32_t kCacheTypeQ8_0 = EDGE_GGML_TYPE_Q8_0;

// The GGUF type id of a KV-cache type named as llama.cpp's -ctk/-ctv take it ("f16", "q8_0",
// "Q4_0": ggml's spelling, any case). `flag` names the setting in the message. Errors:
// InvalidArgument naming the value and the loaded types it could be.
absl::StatusOr<uint32_t> ParseCacheType(const PluginRegistry& registry, absl::string_view flag,
                                        absl::string_view name);

class KvPool {
 public:
  // Positions per block: a multiple of attention's 16-key tiles (ABI 1.2 requires it).
  static constexpr int64_t kBlockSize = 16;
  // Blocks that hold n positions.
  static constexpr int64_t BlocksFor(int64_t n) { return (n + kBlockSize - 1) / kBlockSize; }

  // Reserves n_blocks blocks of address space (pages are touched only when written), K rows in
  // k_type, V rows in v_type (GGUF type ids). Errors: InvalidArgument for a non-positive size, a
  // head_dim that is not a multiple of a type's block size (or of K's vec_dot_type's), or a K type
  // without a vec_dot kernel; NotFound (the registry's message) when a type or K's vec_dot_type
  // has no plugin loaded; ResourceExhausted when the memory is not there.
  static absl::StatusOr<std::unique_ptr<KvPool>> Create(const PluginRegistry& registry,
                                                        uint32_t k_type, uint32_t v_type,
                                                        int64_t n_layer, int64_t n_blocks,
                                                        int64_t n_kv_heads, int64_t head_dim);
  KvPool(const KvPool&) = delete;
  KvPool& operator=(const KvPool&) = delete;

  int64_t n_layer() const { return n_layer_; }
  int64_t n_blocks() const { return n_blocks_; }
  const QuantFormat& k_format() const { return *k_format_; }
  const QuantFormat& v_format() const { return *v_format_; }
  // The format queries are quantized to for q.k (K's vec_dot_type).
  const QuantFormat& vec_dot_format() const { return *vec_dot_format_; }
  // Bytes of one position's K (V) row of one layer, and of one block of them.
  size_t k_row_bytes() const { return k_row_bytes_; }
  size_t v_row_bytes() const { return v_row_bytes_; }
  size_t k_block_bytes() const { return k_row_bytes_ * kBlockSize; }
  size_t v_block_bytes() const { return v_row_bytes_ * kBlockSize; }
  // Bytes of one position over every layer's K and V.
  size_t bytes_per_position() const {
    return static_cast<size_t>(n_layer_) * (k_row_bytes_ + v_row_bytes_);
  }
  // Bytes of one block over every layer's K and V: what a sequence takes per kBlockSize positions.
  size_t bytes_per_block() const { return bytes_per_position() * kBlockSize; }
  size_t size_bytes() const { return size_bytes_; }

  // Layer `layer`'s K (V) blocks: block b at + b * k_block_bytes() (v_block_bytes()).
  uint8_t* k(int64_t layer) const { return data_.get() + LayerOffset(layer); }
  uint8_t* v(int64_t layer) const {
    return data_.get() + LayerOffset(layer) + static_cast<size_t>(n_blocks_) * k_block_bytes();
  }

  // A free block with one reference, or -1 when every block is taken.
  int32_t Allocate();
  // Another reference to a taken block.
  void Ref(int32_t block);
  // Drops a reference; the block is free again when none is left.
  void Release(int32_t block);
  void Release(absl::Span<const int32_t> blocks);
  int32_t ref_count(int32_t block) const;
  int64_t free_blocks() const;

  // Quantizes n rows of n_kv_heads * head_dim floats (k and v: row-major [n][...]) into layer
  // `layer` at positions pos..pos+n-1 of the sequence whose block table is `blocks` (which must
  // cover them), through the backend's KV-cache write (Backend::KvWrite). Errors: the backend's.
  absl::Status Write(Backend& backend, int64_t layer, absl::Span<const int32_t> blocks, int64_t pos,
                     int64_t n, const float* k, const float* v);

 private:
  KvPool() = default;
  size_t LayerOffset(int64_t layer) const {
    return static_cast<size_t>(layer) * static_cast<size_t>(n_blocks_) *
           (k_block_bytes() + v_block_bytes());
  }

  const QuantFormat* k_format_ = nullptr;
  const QuantFormat* v_format_ = nullptr;
  const QuantFormat* vec_dot_format_ = nullptr;
  int64_t n_layer_ = 0;
  int64_t n_blocks_ = 0;
  int64_t row_elements_ = 0;
  size_t k_row_bytes_ = 0;
  size_t v_row_bytes_ = 0;
  size_t size_bytes_ = 0;
  std::unique_ptr<uint8_t[]> data_;

  mutable absl::Mutex mu_;
  std::vector<int32_t> refs_ ABSL_GUARDED_BY(mu_);
  std::vector<int32_t> free_ ABSL_GUARDED_BY(mu_);  // a stack: recently freed blocks are warm
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_MODEL_KV_POOL_H_
