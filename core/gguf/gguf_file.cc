#include "core/gguf/gguf_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/gguf/ggml_type_names.h"

namespace edgellm {
namespace {

// The smallest encodings, to refuse counts the remaining bytes cannot hold before allocating.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;             // empty key, type, one-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // empty name, 1 dim, type, offset
constexpr uint64_t kMinStringBytes = 8;                 // the length
constexpr uint64_t kMinArrayBytes = 4 + 8;              // element type, count

// Counts are checked against the bytes left, but an in-memory element is larger than its
// smallest encoding (a std::string is 32 bytes, an empty string 8 in the file): reserving a
// corrupt count up front could still ask for many times the file size. Containers reserve at most
// this many elements and grow as elements are actually read.
constexpr uint64_t kMaxReserve = 1 << 16;

size_t ReserveFor(uint64_t count) { return static_cast<size_t>(std::min(count, kMaxReserve)); }

using uint128 = unsigned __int128;

// What is being read, for messages; formatted only when something is wrong.
struct Where {
  const char* what;            // "metadata", "metadata key", "tensor", "the header"
  std::string_view name = {};  // the key or tensor name, once known
  int64_t index = -1;          // key or tensor number before the name is known; array element

  std::string Str() const {
    std::string s = what;
    if (!name.empty()) absl::StrAppend(&s, " '", absl::string_view(name.data(), name.size()), "'");
    if (index >= 0) absl::StrAppend(&s, name.empty() ? " #" : " element ", index);
    return s;
  }
};

template <typename T>
GgufValue ScalarFrom(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return GgufValue::Of(v);
}

// Requires a fixed-size type.
GgufValue ScalarFromBytes(GgufType type, const uint8_t* p) {
  switch (type) {
    case GgufType::UINT8: return ScalarFrom<uint8_t>(p);
    case GgufType::INT8: return ScalarFrom<int8_t>(p);
    case GgufType::UINT16: return ScalarFrom<uint16_t>(p);
    case GgufType::INT16: return ScalarFrom<int16_t>(p);
    case GgufType::UINT32: return ScalarFrom<uint32_t>(p);
    case GgufType::INT32: return ScalarFrom<int32_t>(p);
    case GgufType::FLOAT32: return ScalarFrom<float>(p);
    case GgufType::BOOL: return GgufValue::Of(*p != 0);
    case GgufType::UINT64: return ScalarFrom<uint64_t>(p);
    case GgufType::INT64: return ScalarFrom<int64_t>(p);
    default: return ScalarFrom<double>(p);
  }
}

}  // namespace

class GgufFile::Parser {
 public:
  Parser(GgufFile* file, const uint8_t* base, uint64_t size)
      : file_(*file), base_(base), size_(size) {}

  absl::Status Run(const TypeLayoutLookup& lookup) {
    uint64_t tensor_count = 0, kv_count = 0;
    if (absl::Status s = ParseHeader(&tensor_count, &kv_count); !s.ok()) return s;
    if (absl::Status s = ParseMetadata(kv_count); !s.ok()) return s;
    if (absl::Status s = ParseAlignment(); !s.ok()) return s;
    if (absl::Status s = ParseTensorInfos(tensor_count, lookup); !s.ok()) return s;
    file_.data_offset_ = (pos_ + file_.alignment_ - 1) / file_.alignment_ * file_.alignment_;
    return PlaceTensors();
  }

 private:
  absl::Status Error(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(file_.path_, ": ", message));
  }

  uint64_t remaining() const { return size_ - pos_; }

  absl::Status Truncated(uint64_t need, const char* field, const Where& where) const {
    return Error(absl::StrFormat(
        "truncated header: the file ends while reading %s of %s (%d bytes at offset %d, the file "
        "has %d bytes)",
        field, where.Str(), need, pos_, size_));
  }

  absl::Status Read(void* dst, uint64_t n, const char* field, const Where& where) {
    if (remaining() < n) return Truncated(n, field, where);
    std::memcpy(dst, base_ + pos_, n);
    pos_ += n;
    return absl::OkStatus();
  }

  template <typename T>
  absl::Status Read(T* v, const char* field, const Where& where) {
    return Read(static_cast<void*>(v), sizeof(T), field, where);
  }

  absl::Status ReadString(std::string* s, const Where& where) {
    uint64_t len = 0;
    if (absl::Status st = Read(&len, "the string length", where); !st.ok()) return st;
    if (len > remaining()) {
      return Error(absl::StrFormat(
          "%s: string length %d at offset %d runs past the end of the file (%d bytes)",
          where.Str(), len, pos_ - sizeof(len), size_));
    }
    s->assign(reinterpret_cast<const char*>(base_ + pos_), len);
    pos_ += len;
    return absl::OkStatus();
  }

  absl::StatusOr<GgufType> ReadType(const char* field, const Where& where) {
    uint32_t raw = 0;
    if (absl::Status s = Read(&raw, field, where); !s.ok()) return s;
    if (raw >= kGgufTypeCount) {
      return Error(absl::StrFormat("%s: unknown value type %d at offset %d", where.Str(), raw,
                                   pos_ - sizeof(raw)));
    }
    return static_cast<GgufType>(raw);
  }

  absl::Status ParseHeader(uint64_t* tensor_count, uint64_t* kv_count) {
    const Where header{"the header"};
    if (size_ < 4) {
      return Error(absl::StrFormat(
          "truncated header: the file has %d bytes, too few for the GGUF magic", size_));
    }
    if (std::memcmp(base_, "GGUF", 4) != 0) {
      return Error(absl::StrFormat(
          "bad magic \"%s\" (a GGUF file starts with \"GGUF\")",
          absl::CHexEscape(absl::string_view(reinterpret_cast<const char*>(base_), 4))));
    }
    pos_ = 4;
    uint32_t version = 0;
    if (absl::Status s = Read(&version, "the version", header); !s.ok()) return s;
    if (version != 2 && version != 3) {
      std::string why = "only versions 2 and 3 are supported";
      if (version == 1) {
        why = "version 1 used 32-bit counts; only versions 2 and 3 are supported";
      } else if (version == 0x02000000 || version == 0x03000000) {
        why = "this looks like a big-endian file; only little-endian files are supported";
      }
      return Error(absl::StrFormat("unsupported GGUF version %d (%s)", version, why));
    }
    file_.version_ = version;
    if (absl::Status s = Read(tensor_count, "the tensor count", header); !s.ok()) return s;
    if (absl::Status s = Read(kv_count, "the metadata count", header); !s.ok()) return s;
    if (*kv_count > remaining() / kMinKvBytes) {
      return Error(absl::StrFormat(
          "metadata count %d is absurd for a file of %d bytes (each entry takes at least %d)",
          *kv_count, size_, kMinKvBytes));
    }
    if (*tensor_count > (remaining() - *kv_count * kMinKvBytes) / kMinTensorInfoBytes) {
      return Error(absl::StrFormat(
          "tensor count %d is absurd for a file of %d bytes (each tensor info takes at least %d)",
          *tensor_count, size_, kMinTensorInfoBytes));
    }
    return absl::OkStatus();
  }

  absl::Status ParseMetadata(uint64_t kv_count) {
    file_.metadata_.reserve(ReserveFor(kv_count));
    for (uint64_t i = 0; i < kv_count; ++i) {
      std::string key;
      if (absl::Status s = ReadString(&key, Where{"metadata key", {}, static_cast<int64_t>(i)});
          !s.ok()) {
        return s;
      }
      if (file_.metadata_index_.count(key) != 0) {
        return Error(absl::StrFormat("duplicate metadata key '%s'", key));
      }
      const Where where{"metadata", key};
      absl::StatusOr<GgufType> type = ReadType("the value type", where);
      if (!type.ok()) return type.status();
      absl::StatusOr<GgufValue> value = ParseValue(*type, where);
      if (!value.ok()) return value.status();
      file_.metadata_index_.emplace(key, file_.metadata_.size());
      file_.metadata_.emplace_back(std::move(key), *std::move(value));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<GgufValue> ParseValue(GgufType type, const Where& where) {
    if (type == GgufType::ARRAY) return ParseArray(1, where);
    if (type == GgufType::STRING) {
      std::string s;
      if (absl::Status st = ReadString(&s, where); !st.ok()) return st;
      return GgufValue::String(std::move(s));
    }
    const uint64_t n = GgufTypeSize(type);
    if (remaining() < n) return Truncated(n, "the value", where);
    GgufValue v = ScalarFromBytes(type, base_ + pos_);
    pos_ += n;
    return v;
  }

  // The element type, count and elements of an array at nesting level `depth` (1 = outermost).
  absl::StatusOr<GgufValue> ParseArray(int depth, const Where& where) {
    absl::StatusOr<GgufType> type = ReadType("the array element type", where);
    if (!type.ok()) return type.status();
    uint64_t count = 0;
    if (absl::Status s = Read(&count, "the array count", where); !s.ok()) return s;
    const uint64_t min_bytes = IsGgufFixedSizeType(*type) ? GgufTypeSize(*type)
                               : *type == GgufType::STRING ? kMinStringBytes
                                                            : kMinArrayBytes;
    if (count > remaining() / min_bytes) {
      return Error(absl::StrFormat(
          "%s: array count %d of %s cannot fit in the %d bytes left in the file", where.Str(),
          count, GgufTypeName(*type), remaining()));
    }
    if (IsGgufFixedSizeType(*type)) {
      std::string bytes(reinterpret_cast<const char*>(base_ + pos_), count * min_bytes);
      pos_ += count * min_bytes;
      return GgufValue::NumericArrayFromBytes(*type, std::move(bytes));
    }
    if (*type == GgufType::STRING) {
      std::vector<std::string> strings;
      strings.reserve(ReserveFor(count));
      for (uint64_t i = 0; i < count; ++i) {
        if (absl::Status s = ReadString(&strings.emplace_back(),
                                        Where{where.what, where.name, static_cast<int64_t>(i)});
            !s.ok()) {
          return s;
        }
      }
      return GgufValue::StringArray(std::move(strings));
    }
    if (depth >= kGgufMaxArrayDepth) {
      return Error(absl::StrFormat("%s: arrays nested deeper than %d levels", where.Str(),
                                   kGgufMaxArrayDepth));
    }
    std::vector<GgufValue> arrays;
    arrays.reserve(ReserveFor(count));
    for (uint64_t i = 0; i < count; ++i) {
      absl::StatusOr<GgufValue> a =
          ParseArray(depth + 1, Where{where.what, where.name, static_cast<int64_t>(i)});
      if (!a.ok()) return a.status();
      arrays.push_back(*std::move(a));
    }
    return GgufValue::ArrayOfArrays(std::move(arrays));
  }

  absl::Status ParseAlignment() {
    const GgufValue* a = file_.FindMetadata("general.alignment");
    if (a == nullptr) return absl::OkStatus();
    if (a->type() != GgufType::UINT32) {
      return Error(absl::StrFormat("general.alignment must be UINT32, not %s (%s)",
                                   GgufTypeName(a->type()), a->ToString(4)));
    }
    const uint64_t v = *a->AsUint();
    if (v == 0 || (v & (v - 1)) != 0) {
      return Error(absl::StrFormat("general.alignment %d is not a power of two", v));
    }
    file_.alignment_ = static_cast<uint32_t>(v);
    return absl::OkStatus();
  }

  absl::Status ParseTensorInfos(uint64_t tensor_count, const TypeLayoutLookup& lookup) {
    file_.tensors_.reserve(ReserveFor(tensor_count));
    sizes_.reserve(ReserveFor(tensor_count));
    for (uint64_t i = 0; i < tensor_count; ++i) {
      Tensor t;
      if (absl::Status s = ReadString(&t.name, Where{"tensor", {}, static_cast<int64_t>(i)});
          !s.ok()) {
        return s;
      }
      if (t.name.size() > kGgufMaxTensorNameBytes) {
        return Error(absl::StrFormat("tensor #%d: name of %d bytes is longer than %d (\"%s...\")",
                                     i, t.name.size(), kGgufMaxTensorNameBytes,
                                     absl::CHexEscape(t.name.substr(0, 32))));
      }
      if (file_.tensor_index_.count(t.name) != 0) {
        return Error(absl::StrFormat("duplicate tensor name '%s'", t.name));
      }
      const Where where{"tensor", t.name};
      uint32_t n_dims = 0;
      if (absl::Status s = Read(&n_dims, "n_dims", where); !s.ok()) return s;
      if (n_dims == 0 || n_dims > kMaxDims) {
        return Error(absl::StrFormat("tensor '%s' has %d dimensions (n_dims must be 1 to %d)",
                                     t.name, n_dims, kMaxDims));
      }
      t.n_dims = static_cast<int>(n_dims);
      int64_t n_elements = 1;
      for (uint32_t d = 0; d < n_dims; ++d) {
        uint64_t ne = 0;
        if (absl::Status s = Read(&ne, "a dimension", where); !s.ok()) return s;
        if (ne == 0 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return Error(absl::StrFormat(
              "tensor '%s': ne[%d] = %d is not a valid dimension (must be 1 to 2^63-1)", t.name,
              d, ne));
        }
        t.ne[d] = static_cast<int64_t>(ne);
        if (n_elements > std::numeric_limits<int64_t>::max() / t.ne[d]) {
          return Error(absl::StrFormat("tensor '%s': element count of shape [%s] overflows int64",
                                       t.name, absl::StrJoin(t.ne, t.ne + n_dims, ", ")));
        }
        n_elements *= t.ne[d];
      }
      if (absl::Status s = Read(&t.type_id, "the type", where); !s.ok()) return s;
      if (absl::Status s = Read(&t.offset, "the data offset", where); !s.ok()) return s;

      absl::StatusOr<TypeLayout> layout = lookup(t.type_id);
      if (!layout.ok()) {
        const std::string prefix = absl::StrFormat("%s: tensor '%s' has type %d (%s)",
                                                   file_.path_, t.name, t.type_id,
                                                   GgmlTypeName(t.type_id));
        if (absl::IsNotFound(layout.status())) {
          return absl::NotFoundError(
              absl::StrCat(prefix, ": no quant-format plugin loaded for it"));
        }
        return absl::Status(layout.status().code(),
                            absl::StrCat(prefix, ": ", layout.status().message()));
      }
      if (layout->block_size < 1 || layout->type_size < 1) {
        return Error(absl::StrFormat(
            "tensor '%s': the layout of type %d (%s) is invalid (block size %d, type size %d)",
            t.name, t.type_id, GgmlTypeName(t.type_id), layout->block_size, layout->type_size));
      }
      if (t.ne[0] % layout->block_size != 0) {
        return Error(absl::StrFormat(
            "tensor '%s' of type %s: ne[0] = %d is not a multiple of the block size %d", t.name,
            GgmlTypeName(t.type_id), t.ne[0], layout->block_size));
      }
      if (t.offset % file_.alignment_ != 0) {
        return Error(absl::StrFormat(
            "tensor '%s': data offset %d is not a multiple of the alignment %d", t.name, t.offset,
            file_.alignment_));
      }
      // Blocks per row < 2^63 and type size < 2^64: the row size fits in 128 bits exactly; the
      // tensor size saturates (anything that large is refused against the file size later).
      const uint128 row_bytes =
          static_cast<uint128>(t.ne[0] / layout->block_size) * layout->type_size;
      const uint128 n_rows = static_cast<uint128>(n_elements / t.ne[0]);
      const uint128 max = ~static_cast<uint128>(0);
      sizes_.push_back({row_bytes, n_rows > max / row_bytes ? max : row_bytes * n_rows});
      file_.tensor_index_.emplace(t.name, file_.tensors_.size());
      file_.tensors_.push_back(std::move(t));
    }
    return absl::OkStatus();
  }

  // Checks each tensor's data range against the file, then that no two overlap.
  absl::Status PlaceTensors() {
    const uint64_t data_offset = file_.data_offset_;
    const uint64_t available = data_offset < size_ ? size_ - data_offset : 0;
    for (size_t i = 0; i < file_.tensors_.size(); ++i) {
      Tensor& t = file_.tensors_[i];
      if (t.offset >= available) {
        return Error(absl::StrFormat(
            "tensor '%s': data offset %d is out of range (the data section starts at byte %d of "
            "a %d-byte file)",
            t.name, t.offset, data_offset, size_));
      }
      if (sizes_[i].total > available - t.offset) {
        return Error(absl::StrFormat(
            "tensor '%s': truncated tensor data: %s bytes at file offset %d run past the end of "
            "the file (%d bytes)",
            t.name, ToDecimal(sizes_[i].total), data_offset + t.offset, size_));
      }
      t.row_bytes = static_cast<size_t>(sizes_[i].row_bytes);
      t.size_bytes = static_cast<size_t>(sizes_[i].total);
      t.data = base_ + data_offset + t.offset;
    }
    std::vector<size_t> order(file_.tensors_.size());
    std::iota(order.begin(), order.end(), 0);
    const std::vector<Tensor>& tensors = file_.tensors_;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return tensors[a].offset < tensors[b].offset; });
    for (size_t k = 1; k < order.size(); ++k) {
      const Tensor& a = tensors[order[k - 1]];
      const Tensor& b = tensors[order[k]];
      if (a.offset + a.size_bytes > b.offset) {
        return Error(absl::StrFormat(
            "tensors '%s' (data bytes %d to %d) and '%s' (from byte %d) overlap", a.name,
            a.offset, a.offset + a.size_bytes, b.name, b.offset));
      }
    }
    return absl::OkStatus();
  }

  static std::string ToDecimal(uint128 v) {
    std::string digits;
    do {
      digits.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
      v /= 10;
    } while (v != 0);
    return std::string(digits.rbegin(), digits.rend());
  }

  GgufFile& file_;
  const uint8_t* base_;
  uint64_t size_;
  uint64_t pos_ = 0;
  struct Sizes {
    uint128 row_bytes;
    uint128 total;
  };
  std::vector<Sizes> sizes_;  // parallel to file_.tensors_
};

absl::StatusOr<std::unique_ptr<GgufFile>> GgufFile::Open(const std::string& path,
                                                         const TypeLayoutLookup& lookup) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open"));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return absl::ErrnoToStatus(err, absl::StrCat(path, ": cannot stat"));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(
        path, S_ISDIR(st.st_mode) ? ": is a directory" : ": is not a regular file"));
  }
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = path;
  file->file_size_ = static_cast<uint64_t>(st.st_size);
  if (file->file_size_ > std::numeric_limits<size_t>::max()) {
    close(fd);
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d bytes is too large to map here", path, file->file_size_));
  }
  if (file->file_size_ > 0) {
    void* m = mmap(nullptr, static_cast<size_t>(file->file_size_), PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      const int err = errno;
      close(fd);
      return absl::ErrnoToStatus(err, absl::StrCat(path, ": cannot map"));
    }
    file->mapping_ = m;
  }
  close(fd);
  Parser parser(file.get(), static_cast<const uint8_t*>(file->mapping_), file->file_size_);
  if (absl::Status s = parser.Run(lookup); !s.ok()) return s;
  return file;
}

GgufFile::~GgufFile() {
  if (mapping_ != nullptr) munmap(mapping_, static_cast<size_t>(file_size_));
}

const GgufValue* GgufFile::FindMetadata(std::string_view key) const {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

const Tensor* GgufFile::FindTensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

absl::StatusOr<const GgufValue*> GgufFile::Get(std::string_view key) const {
  const GgufValue* v = FindMetadata(key);
  if (v == nullptr) {
    return absl::NotFoundError(absl::StrFormat("%s: no metadata key '%s'", path_, key));
  }
  return v;
}

absl::Status GgufFile::KeyError(std::string_view key, const absl::Status& status) const {
  return absl::Status(status.code(),
                      absl::StrFormat("%s: metadata '%s': %s", path_, key, status.message()));
}

absl::StatusOr<std::string> GgufFile::GetString(std::string_view key) const {
  absl::StatusOr<const GgufValue*> v = Get(key);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> r = (*v)->AsString();
  if (!r.ok()) return KeyError(key, r.status());
  return r;
}

absl::StatusOr<int64_t> GgufFile::GetInt(std::string_view key) const {
  absl::StatusOr<const GgufValue*> v = Get(key);
  if (!v.ok()) return v.status();
  absl::StatusOr<int64_t> r = (*v)->AsInt();
  if (!r.ok()) return KeyError(key, r.status());
  return r;
}

absl::StatusOr<uint64_t> GgufFile::GetUint(std::string_view key) const {
  absl::StatusOr<const GgufValue*> v = Get(key);
  if (!v.ok()) return v.status();
  absl::StatusOr<uint64_t> r = (*v)->AsUint();
  if (!r.ok()) return KeyError(key, r.status());
  return r;
}

absl::StatusOr<double> GgufFile::GetFloat(std::string_view key) const {
  absl::StatusOr<const GgufValue*> v = Get(key);
  if (!v.ok()) return v.status();
  absl::StatusOr<double> r = (*v)->AsDouble();
  if (!r.ok()) return KeyError(key, r.status());
  return r;
}

absl::StatusOr<bool> GgufFile::GetBool(std::string_view key) const {
  absl::StatusOr<const GgufValue*> v = Get(key);
  if (!v.ok()) return v.status();
  absl::StatusOr<bool> r = (*v)->AsBool();
  if (!r.ok()) return KeyError(key, r.status());
  return r;
}

absl::StatusOr<const GgufValue*> GgufFile::GetArray(std::string_view key) const {
  absl::StatusOr<const GgufValue*> v = Get(key);
  if (!v.ok()) return v.status();
  if (!(*v)->is_array()) {
    return KeyError(key, absl::InvalidArgumentError(absl::StrCat(
                             "value is ", GgufTypeName((*v)->type()), ", not an array")));
  }
  return v;
}

absl::StatusOr<const std::vector<std::string>*> GgufFile::GetStringArray(
    std::string_view key) const {
  absl::StatusOr<const GgufValue*> v = GetArray(key);
  if (!v.ok()) return v.status();
  if ((*v)->array_type() != GgufType::STRING) {
    return KeyError(key, absl::InvalidArgumentError(absl::StrCat(
                             "value is an array of ", GgufTypeName((*v)->array_type()),
                             ", not of STRING")));
  }
  return &(*v)->strings();
}

}  // namespace edgellm
