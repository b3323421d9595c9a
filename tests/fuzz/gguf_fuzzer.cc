// libFuzzer target for the GGUF reader: GgufFile::Open on arbitrary bytes. The bytes go through a
// memfd so the reader maps them exactly as it maps a model file. A file that opens is then read
// through every accessor, written back with GgufWriter and opened again: the copy must hold the
// same metadata and tensor data (a mismatch aborts, so the fuzzer reports it).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/gguf/gguf_file.h"
#include "core/gguf/gguf_value.h"
#include "core/gguf/gguf_writer.h"
#include "tests/gguf/test_type_layouts.h"

namespace edgellm {
namespace {

// A memfd holding `size` bytes; its /proc path opens like a regular file.
class MemFile {
 public:
  explicit MemFile(const char* name) : fd_(memfd_create(name, MFD_CLOEXEC)) {
    if (fd_ < 0) Die("memfd_create failed");
    path_ = absl::StrCat("/proc/self/fd/", fd_);
  }
  const std::string& Fill(const void* data, size_t size) {
    if (ftruncate(fd_, 0) != 0) Die("ftruncate failed");
    const char* p = static_cast<const char*>(data);
    for (size_t done = 0; done < size;) {
      const ssize_t n = pwrite(fd_, p + done, size - done, static_cast<off_t>(done));
      if (n <= 0) Die("pwrite failed");
      done += static_cast<size_t>(n);
    }
    return path_;
  }

  [[noreturn]] static void Die(const char* why) {
    std::fprintf(stderr, "gguf_fuzzer: %s\n", why);
    std::abort();
  }

 private:
  int fd_;
  std::string path_;
};

// Calls every accessor; results are ignored, only crashes and sanitizer reports matter.
void Exercise(const GgufValue& v) {
  (void)v.ToString(3);
  (void)v.AsInt();
  (void)v.AsUint();
  (void)v.AsDouble();
  (void)v.AsBool();
  (void)v.AsString();
  if (!v.is_array()) return;
  (void)v.ToFloats();
  (void)v.ToInt32s();
  (void)v.at(v.size());
  if (v.size() > 0) Exercise(v[v.size() - 1]);
}

std::string MetadataJson(const GgufFile& f) {
  std::string out;
  for (const auto& [key, value] : f.metadata()) {
    absl::StrAppend(&out, key, ":", static_cast<uint32_t>(value.type()), ":",
                    static_cast<uint32_t>(value.array_type()), "=");
    value.AppendJson(&out);
    out.push_back('\n');
  }
  return out;
}

void Check(bool ok, const char* what) {
  if (!ok) MemFile::Die(what);
}

void RoundTrip(const GgufFile& f, MemFile* copy_file) {
  GgufWriter w;
  for (const auto& [key, value] : f.metadata()) {
    Check(w.AddMetadata(key, value).ok(), "writer refused metadata the reader accepted");
  }
  for (const Tensor& t : f.tensors()) {
    const absl::StatusOr<TypeLayout> layout = TestTypeLayout(t.type_id);
    Check(layout.ok(), "tensor type vanished");
    Check(w.AddTensor(t.name, *layout, std::vector<int64_t>(t.ne, t.ne + t.n_dims),
                      std::string(static_cast<const char*>(t.data), t.size_bytes))
              .ok(),
          "writer refused a tensor the reader accepted");
  }
  const std::string bytes = w.Serialize();
  const absl::StatusOr<std::unique_ptr<GgufFile>> copy =
      GgufFile::Open(copy_file->Fill(bytes.data(), bytes.size()), TestTypeLayout);
  Check(copy.ok(), "the writer's copy does not open");
  const GgufFile& c = **copy;
  Check(MetadataJson(c) == MetadataJson(f), "metadata changed in the round trip");
  Check(c.alignment() == f.alignment(), "alignment changed in the round trip");
  Check(c.tensors().size() == f.tensors().size(), "tensor count changed in the round trip");
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const Tensor& a = f.tensors()[i];
    const Tensor& b = c.tensors()[i];
    Check(a.name == b.name && a.type_id == b.type_id && a.n_dims == b.n_dims &&
              std::memcmp(a.ne, b.ne, sizeof(a.ne)) == 0 && a.row_bytes == b.row_bytes &&
              a.size_bytes == b.size_bytes && std::memcmp(a.data, b.data, a.size_bytes) == 0,
          "a tensor changed in the round trip");
  }
}

}  // namespace
}  // namespace edgellm

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using edgellm::GgufFile;
  static edgellm::MemFile* input = new edgellm::MemFile("gguf_fuzz_input");
  static edgellm::MemFile* copy = new edgellm::MemFile("gguf_fuzz_copy");
  const std::string& path = input->Fill(data, size);
  const absl::StatusOr<std::unique_ptr<GgufFile>> f =
      GgufFile::Open(path, edgellm::TestTypeLayout);
  if (!f.ok()) {
    // Every refusal names the file.
    edgellm::Check(absl::StartsWith(f.status().message(), path + ": "),
                   "an error message does not start with the path");
    return 0;
  }
  const GgufFile& g = **f;
  for (const auto& kv : g.metadata()) edgellm::Exercise(kv.second);
  volatile uint8_t sink = 0;
  for (const edgellm::Tensor& t : g.tensors()) {
    const auto* p = static_cast<const uint8_t*>(t.data);
    sink = sink + p[0] + p[t.size_bytes - 1];
    edgellm::Check(g.FindTensor(t.name) == &t, "FindTensor lost a tensor");
  }
  edgellm::RoundTrip(g, copy);
  return 0;
}
