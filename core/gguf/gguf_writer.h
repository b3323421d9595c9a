// GgufWriter: builds a GGUF file (version 3, little-endian) in memory, for tests and for tools
// that synthesize models. Metadata keeps the order it was added in; tensors are laid out in the
// order added, each starting at a multiple of the alignment and padded to one, as llama.cpp does.
#ifndef EDGELLM_CORE_GGUF_GGUF_WRITER_H_
#define EDGELLM_CORE_GGUF_GGUF_WRITER_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/gguf/gguf_value.h"
#include "core/tensor.h"

namespace edgellm {

class GgufWriter {
 public:
  // Adds one key. `general.alignment` also sets the alignment used to lay out tensor data; it
  // must be a UINT32 power of two. InvalidArgument for that, or for a key already added.
  absl::Status AddMetadata(std::string key, GgufValue value);

  // Adds a tensor of shape `ne` (ne[0] innermost, 1 to 4 dimensions, each positive) whose type
  // is described by `layout`; `data` holds its bytes: ne[0] / block_size * type_size per row.
  // InvalidArgument for a duplicate or over-long name (see kGgufMaxTensorNameBytes), a bad shape,
  // ne[0] not a multiple of the block size, or a data size that does not match.
  absl::Status AddTensor(std::string name, const TypeLayout& layout, const std::vector<int64_t>& ne,
                         std::string data);

  uint32_t alignment() const { return alignment_; }

  // The whole file.
  std::string Serialize() const;
  // Serialize() written to `path` (created or replaced).
  absl::Status WriteFile(const std::string& path) const;

 private:
  struct PendingTensor {
    std::string name;
    uint32_t type_id;
    std::vector<int64_t> ne;
    std::string data;
  };

  uint32_t alignment_ = 32;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::set<std::string> keys_;
  std::vector<PendingTensor> tensors_;
  std::set<std::string> tensor_names_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_GGUF_GGUF_WRITER_H_
