#include "core/gguf/gguf_writer.h"

#include <errno.h>

#include <cstdio>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/gguf/gguf_file.h"

namespace edgellm {
namespace {

template <typename T>
void Put(T v, std::string* out) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

void PutString(const std::string& s, std::string* out) {
  Put<uint64_t>(s.size(), out);
  out->append(s);
}

void PadTo(uint64_t alignment, std::string* out) {
  out->append((alignment - out->size() % alignment) % alignment, '\0');
}

// The value's encoding after its type tag. Accessors cannot fail here: each matches the type.
void PutValue(const GgufValue& v, std::string* out) {
  switch (v.type()) {
    case GgufType::UINT8: Put(static_cast<uint8_t>(*v.AsUint()), out); break;
    case GgufType::UINT16: Put(static_cast<uint16_t>(*v.AsUint()), out); break;
    case GgufType::UINT32: Put(static_cast<uint32_t>(*v.AsUint()), out); break;
    case GgufType::UINT64: Put(*v.AsUint(), out); break;
    case GgufType::INT8: Put(static_cast<int8_t>(*v.AsInt()), out); break;
    case GgufType::INT16: Put(static_cast<int16_t>(*v.AsInt()), out); break;
    case GgufType::INT32: Put(static_cast<int32_t>(*v.AsInt()), out); break;
    case GgufType::INT64: Put(*v.AsInt(), out); break;
    case GgufType::FLOAT32: Put(static_cast<float>(*v.AsDouble()), out); break;
    case GgufType::FLOAT64: Put(*v.AsDouble(), out); break;
    case GgufType::BOOL: Put<uint8_t>(*v.AsBool() ? 1 : 0, out); break;
    case GgufType::STRING: PutString(*v.AsString(), out); break;
    case GgufType::ARRAY:
      Put(static_cast<uint32_t>(v.array_type()), out);
      Put<uint64_t>(v.size(), out);
      if (v.array_type() == GgufType::STRING) {
        for (const std::string& s : v.strings()) PutString(s, out);
      } else if (v.array_type() == GgufType::ARRAY) {
        for (const GgufValue& a : v.arrays()) PutValue(a, out);
      } else {
        out->append(v.numeric_bytes());
      }
      break;
  }
}

}  // namespace

absl::Status GgufWriter::AddMetadata(std::string key, GgufValue value) {
  if (keys_.count(key) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat("duplicate metadata key '%s'", key));
  }
  if (key == "general.alignment") {
    if (value.type() != GgufType::UINT32) {
      return absl::InvalidArgumentError(absl::StrCat("general.alignment must be UINT32, not ",
                                                     GgufTypeName(value.type())));
    }
    const uint64_t a = *value.AsUint();
    if (a == 0 || (a & (a - 1)) != 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("general.alignment %d is not a power of two", a));
    }
    alignment_ = static_cast<uint32_t>(a);
  }
  keys_.insert(key);
  metadata_.emplace_back(std::move(key), std::move(value));
  return absl::OkStatus();
}

absl::Status GgufWriter::AddTensor(std::string name, const TypeLayout& layout,
                                   const std::vector<int64_t>& ne, std::string data) {
  if (name.size() > kGgufMaxTensorNameBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "tensor name '%s' is longer than %d bytes", name, kGgufMaxTensorNameBytes));
  }
  if (tensor_names_.count(name) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat("duplicate tensor name '%s'", name));
  }
  if (ne.empty() || ne.size() > static_cast<size_t>(kMaxDims)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "tensor '%s' has %d dimensions (must be 1 to %d)", name, ne.size(), kMaxDims));
  }
  if (layout.block_size < 1 || layout.type_size < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "tensor '%s': invalid layout (block size %d, type size %d)", name, layout.block_size,
        layout.type_size));
  }
  unsigned __int128 n_elements = 1;
  for (const int64_t d : ne) {
    if (d < 1) {
      return absl::InvalidArgumentError(
          absl::StrFormat("tensor '%s' has a dimension of %d", name, d));
    }
    n_elements *= static_cast<uint64_t>(d);
    if (n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::InvalidArgumentError(
          absl::StrFormat("tensor '%s': element count overflows int64", name));
    }
  }
  if (ne[0] % layout.block_size != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("tensor '%s': ne[0] = %d is not a multiple of the block size %d", name,
                        ne[0], layout.block_size));
  }
  const unsigned __int128 expected = n_elements / static_cast<uint64_t>(layout.block_size) *
                                     static_cast<uint64_t>(layout.type_size);
  if (expected != data.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "tensor '%s': %d bytes of data, but its shape and type need %d", name, data.size(),
        static_cast<uint64_t>(expected)));
  }
  tensor_names_.insert(name);
  tensors_.push_back({std::move(name), layout.type_id, ne, std::move(data)});
  return absl::OkStatus();
}

std::string GgufWriter::Serialize() const {
  std::string out = "GGUF";
  Put<uint32_t>(3, &out);
  Put<uint64_t>(tensors_.size(), &out);
  Put<uint64_t>(metadata_.size(), &out);
  for (const auto& [key, value] : metadata_) {
    PutString(key, &out);
    Put(static_cast<uint32_t>(value.type()), &out);
    PutValue(value, &out);
  }
  uint64_t offset = 0;
  for (const PendingTensor& t : tensors_) {
    PutString(t.name, &out);
    Put<uint32_t>(static_cast<uint32_t>(t.ne.size()), &out);
    for (const int64_t d : t.ne) Put<uint64_t>(static_cast<uint64_t>(d), &out);
    Put<uint32_t>(t.type_id, &out);
    Put<uint64_t>(offset, &out);
    offset += (t.data.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  PadTo(alignment_, &out);
  for (const PendingTensor& t : tensors_) {
    out.append(t.data);
    PadTo(alignment_, &out);
  }
  return out;
}

absl::Status GgufWriter::WriteFile(const std::string& path) const {
  const std::string bytes = Serialize();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot create"));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const int write_errno = errno;
  if (std::fclose(f) != 0 || !written) {
    return absl::ErrnoToStatus(written ? errno : write_errno,
                               absl::StrCat(path, ": cannot write"));
  }
  return absl::OkStatus();
}

}  // namespace edgellm
