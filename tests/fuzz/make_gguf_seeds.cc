// Writes small valid GGUF files into the folder given as argv[1], as the fuzzer's seed corpus:
// every metadata value type, nested arrays, a vocabulary, tensors of several types, 4-D shapes,
// non-default alignments and a version-2 file.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/gguf/gguf_value.h"
#include "core/gguf/gguf_writer.h"
#include "tests/gguf/test_type_layouts.h"

namespace edgellm {
namespace {

std::string Bytes(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 31 + seed);
  return s;
}

absl::Status AddTensor(GgufWriter* w, const std::string& name, uint32_t type,
                       std::vector<int64_t> ne) {
  absl::StatusOr<TypeLayout> layout = TestTypeLayout(type);
  if (!layout.ok()) return layout.status();
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  const size_t bytes = static_cast<size_t>(n / layout->block_size) * layout->type_size;
  return w->AddTensor(name, *layout, ne, Bytes(bytes, static_cast<int>(type)));
}

absl::Status Write(const std::string& dir, const std::string& name, const GgufWriter& w,
                   bool version2 = false) {
  std::string bytes = w.Serialize();
  if (version2) bytes[4] = 2;
  const std::string path = absl::StrCat(dir, "/", name, ".gguf");
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return absl::UnavailableError(absl::StrCat(path, ": cannot create"));
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok ? absl::OkStatus()
                                   : absl::UnavailableError(absl::StrCat(path, ": cannot write"));
}

absl::Status MakeSeeds(const std::string& dir) {
  {
    GgufWriter w;
    absl::Status s = w.AddMetadata("general.architecture", GgufValue::String("llama"));
    if (s.ok()) s = w.AddMetadata("general.alignment", GgufValue::Of(uint32_t{64}));
    if (s.ok()) s = w.AddMetadata("u8", GgufValue::Of(uint8_t{7}));
    if (s.ok()) s = w.AddMetadata("i8", GgufValue::Of(int8_t{-7}));
    if (s.ok()) s = w.AddMetadata("u16", GgufValue::Of(uint16_t{700}));
    if (s.ok()) s = w.AddMetadata("i16", GgufValue::Of(int16_t{-700}));
    if (s.ok()) s = w.AddMetadata("u32", GgufValue::Of(uint32_t{70000}));
    if (s.ok()) s = w.AddMetadata("i32", GgufValue::Of(int32_t{-70000}));
    if (s.ok()) s = w.AddMetadata("f32", GgufValue::Of(1e-5f));
    if (s.ok()) s = w.AddMetadata("bool", GgufValue::Of(true));
    if (s.ok()) s = w.AddMetadata("u64", GgufValue::Of(uint64_t{1} << 40));
    if (s.ok()) s = w.AddMetadata("i64", GgufValue::Of(-(int64_t{1} << 40)));
    if (s.ok()) s = w.AddMetadata("f64", GgufValue::Of(0.1));
    if (s.ok()) s = w.AddMetadata("bools", GgufValue::Array(std::vector<bool>{true, false}));
    absl::StatusOr<GgufValue> nested = GgufValue::ArrayOfArrays(
        {GgufValue::Array(std::vector<int16_t>{1, -2}), GgufValue::StringArray({"x", "yz"})});
    if (!nested.ok()) return nested.status();
    if (s.ok()) s = w.AddMetadata("nested", *nested);
    if (s.ok()) s = AddTensor(&w, "f32", 0, {8, 2});
    if (s.ok()) s = AddTensor(&w, "q8_0", 8, {64});
    if (s.ok()) s = AddTensor(&w, "q4_K", 12, {256});
    if (s.ok()) s = Write(dir, "all_types", w);
    if (!s.ok()) return s;
  }
  {
    GgufWriter w;
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
    const char* const kSpecial[] = {"<unk>", "<s>", "</s>"};
    for (int i = 0; i < 40; ++i) {
      tokens.push_back(i < 3 ? kSpecial[i] : absl::StrCat("tok", i));
      scores.push_back(-static_cast<float>(i));
      types.push_back(i < 3 ? 3 : 1);
    }
    absl::Status s = w.AddMetadata("general.architecture", GgufValue::String("llama"));
    if (s.ok()) s = w.AddMetadata("tokenizer.ggml.model", GgufValue::String("llama"));
    if (s.ok()) s = w.AddMetadata("tokenizer.ggml.tokens", GgufValue::StringArray(tokens));
    if (s.ok()) s = w.AddMetadata("tokenizer.ggml.scores", GgufValue::Array(scores));
    if (s.ok()) s = w.AddMetadata("tokenizer.ggml.token_type", GgufValue::Array(types));
    if (s.ok()) s = w.AddMetadata("tokenizer.ggml.merges", GgufValue::StringArray({"t o"}));
    if (s.ok()) s = Write(dir, "vocab", w);
    if (!s.ok()) return s;
  }
  {
    GgufWriter w;
    absl::Status s = w.AddMetadata("general.alignment", GgufValue::Of(uint32_t{16}));
    if (s.ok()) s = AddTensor(&w, "blk.0.w", 30, {2, 3, 2, 2});
    if (s.ok()) s = AddTensor(&w, "blk.0.h", 1, {5});
    if (s.ok()) s = AddTensor(&w, "blk.0.q", 2, {32, 2});
    if (s.ok()) s = Write(dir, "four_dims", w);
    if (!s.ok()) return s;
  }
  {
    GgufWriter w;
    absl::Status s = AddTensor(&w, "w", 0, {4});
    if (s.ok()) s = Write(dir, "minimal", w);
    if (s.ok()) s = Write(dir, "minimal_v2", w, /*version2=*/true);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace edgellm

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const absl::Status s = edgellm::MakeSeeds(argv[1]);
  if (!s.ok()) {
    std::fprintf(stderr, "make_gguf_seeds: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}
