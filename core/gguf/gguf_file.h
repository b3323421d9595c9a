// GgufFile: a validated, memory-mapped GGUF file (versions 2 and 3, little-endian).
//
// Open() maps the file read-only and checks everything before returning: the header, every
// metadata value, every tensor info, and that each tensor's data lies inside the file. A bad file
// gives an absl::Status whose message starts with the path and says what is wrong; nothing read
// from the file sizes an allocation before it is checked against the bytes that are really there.
// Tensor layouts (block size, bytes per block) come from the caller's TypeLayoutLookup, in
// practice the quant-format plugin registry; this reader knows no tensor type itself.
//
// Tensors are views into the mapping: they stay valid while the GgufFile lives. The file must not
// be truncated by someone else while mapped (reading a page past its new end raises SIGBUS).
#ifndef EDGELLM_CORE_GGUF_GGUF_FILE_H_
#define EDGELLM_CORE_GGUF_GGUF_FILE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/gguf/gguf_value.h"
#include "core/tensor.h"

namespace edgellm {

// The layout of a GGUF tensor type id; NotFound when no quant format provides it.
using TypeLayoutLookup = std::function<absl::StatusOr<TypeLayout>(uint32_t type_id)>;

inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr size_t kGgufMaxTensorNameBytes = 64;  // GGML_MAX_NAME

class GgufFile {
 public:
  // Errors: NotFound / PermissionDenied / ... when the file cannot be opened or mapped;
  // InvalidArgument for a malformed file; NotFound naming the tensor and its type when `lookup`
  // returns NotFound for a tensor's type ("<file>: tensor 'blk.0.attn_q.weight' has type 23
  // (IQ4_XS): no quant-format plugin loaded for it"); other lookup errors are passed on with the
  // file and tensor prepended.
  static absl::StatusOr<std::unique_ptr<GgufFile>> Open(const std::string& path,
                                                        const TypeLayoutLookup& lookup);
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t file_size() const { return file_size_; }
  // general.alignment, or kGgufDefaultAlignment when absent.
  uint32_t alignment() const { return alignment_; }
  // Where tensor data starts: the end of the tensor infos rounded up to alignment(). With no
  // tensors it may lie past file_size() (a file may end without the final padding).
  uint64_t data_offset() const { return data_offset_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  // nullptr when the key is absent.
  const GgufValue* FindMetadata(std::string_view key) const;

  // Typed metadata getters (conversions as in GgufValue::AsInt etc.; GetFloat gives any number
  // as double). Errors: NotFound when the key is absent, InvalidArgument when the value does not
  // convert; both messages name the file and the key.
  absl::StatusOr<std::string> GetString(std::string_view key) const;
  absl::StatusOr<int64_t> GetInt(std::string_view key) const;
  absl::StatusOr<uint64_t> GetUint(std::string_view key) const;
  absl::StatusOr<double> GetFloat(std::string_view key) const;
  absl::StatusOr<bool> GetBool(std::string_view key) const;
  // The value, which must be an array (of any element type).
  absl::StatusOr<const GgufValue*> GetArray(std::string_view key) const;
  // The elements of a STRING array (tokenizer vocabularies, merges).
  absl::StatusOr<const std::vector<std::string>*> GetStringArray(std::string_view key) const;

  // Tensors in file order; data points into the mapping.
  const std::vector<Tensor>& tensors() const { return tensors_; }
  // nullptr when no tensor has that name.
  const Tensor* FindTensor(std::string_view name) const;

 private:
  class Parser;
  GgufFile() = default;
  absl::StatusOr<const GgufValue*> Get(std::string_view key) const;
  absl::Status KeyError(std::string_view key, const absl::Status& status) const;

  std::string path_;
  uint32_t version_ = 0;
  uint64_t file_size_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  void* mapping_ = nullptr;  // the whole file, read-only; unmapped by the destructor
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::map<std::string, size_t, std::less<>> metadata_index_;
  std::vector<Tensor> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_GGUF_GGUF_FILE_H_
