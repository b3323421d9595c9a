// Tensor: a non-owning, typed view of n-dimensional data (usually a region of a memory-mapped
// GGUF file). Dimension order is GGUF's: ne[0] is the innermost (contiguous) dimension, so a
// weight matrix of n_rows x n_cols has ne[0] = n_cols, ne[1] = n_rows.
#ifndef EDGELLM_CORE_TENSOR_H_
#define EDGELLM_CORE_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace edgellm {

inline constexpr int kMaxDims = 4;  // GGML_MAX_DIMS

// How a tensor type stores its elements: `block_size` elements in `type_size` bytes.
struct TypeLayout {
  uint32_t type_id = 0;  // GGUF type id
  std::string name;      // ggml spelling, e.g. "q4_K"
  int64_t block_size = 1;
  size_t type_size = 0;
};

struct Tensor {
  std::string name;
  uint32_t type_id = 0;  // GGUF type id
  int n_dims = 0;        // 1..4
  int64_t ne[kMaxDims] = {1, 1, 1, 1};  // elements per dimension; unused ones are 1
  size_t row_bytes = 0;  // bytes of one ne[0] row, from the type's layout
  size_t size_bytes = 0;  // bytes of the whole tensor
  uint64_t offset = 0;    // from the start of the GGUF data section
  const void* data = nullptr;  // not owned

  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
  const uint8_t* row(int64_t i) const {
    return static_cast<const uint8_t*>(data) + static_cast<size_t>(i) * row_bytes;
  }
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_TENSOR_H_
