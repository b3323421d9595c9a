#include "tests/tokenizer/tokenizer_test_util.h"

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/gguf/gguf_file.h"
#include "core/gguf/gguf_writer.h"
#include "gtest/gtest.h"
#include "tests/gguf/test_type_layouts.h"
#include "tests/testing/shared_data.h"

namespace edgellm::testing {

std::string VocabPath(const std::string& name) {
  return SharedDir() + "/models/llama-cpp-vocab/ggml-vocab-" + name + ".gguf";
}

std::unique_ptr<Tokenizer> LoadTokenizer(const std::string& path) {
  absl::StatusOr<std::unique_ptr<GgufFile>> gguf = GgufFile::Open(path, TestTypeLayout);
  if (!gguf.ok()) {
    ADD_FAILURE() << gguf.status();
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::FromGguf(**gguf);
  if (!tokenizer.ok()) {
    ADD_FAILURE() << tokenizer.status();
    return nullptr;
  }
  return *std::move(tokenizer);
}

absl::StatusOr<std::unique_ptr<Tokenizer>> TokenizerFromMetadata(const Metadata& metadata) {
  GgufWriter writer;
  for (const auto& [key, value] : metadata) {
    absl::Status status = writer.AddMetadata(key, value);
    if (!status.ok()) return status;
  }
  static std::atomic<int> counter{0};
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/tokenizer_test_", counter++, ".gguf");
  absl::Status written = writer.WriteFile(path);
  if (!written.ok()) return written;
  absl::StatusOr<std::unique_ptr<GgufFile>> gguf = GgufFile::Open(path, TestTypeLayout);
  if (!gguf.ok()) return gguf.status();
  return Tokenizer::FromGguf(**gguf);
}

Metadata SmallSpmVocab() {
  const std::vector<std::string> tokens = {"<unk>",  "<s>",    "</s>",   "<0x0A>",   "<0xC3>",
                                           "<0xA9>", "<0xE0>", "<0x80>", "<0xF0>",   "<0x9F>",
                                           "<0x98>", "<0x81>", "<0xFF>", "▁",        "h",
                                           "i",      "▁h",     "▁hi",    "<|user|>", "<tag>"};
  std::vector<int32_t> types(tokens.size(), 1);
  types[0] = 2;
  types[1] = types[2] = types[18] = 3;
  std::fill(types.begin() + 3, types.begin() + 13, 6);
  types[19] = 4;
  std::vector<float> scores(tokens.size(), 0.0f);
  scores[16] = -2.0f;
  scores[17] = -1.0f;
  Metadata m;
  m.emplace_back("general.architecture", GgufValue::String("llama"));
  m.emplace_back("tokenizer.ggml.model", GgufValue::String("llama"));
  m.emplace_back("tokenizer.ggml.tokens", GgufValue::StringArray(tokens));
  m.emplace_back("tokenizer.ggml.scores", GgufValue::Array(scores));
  m.emplace_back("tokenizer.ggml.token_type", GgufValue::Array(types));
  return m;
}

void SetKey(Metadata* metadata, const std::string& key, GgufValue value) {
  for (auto& [k, v] : *metadata) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata->emplace_back(key, std::move(value));
}

void RemoveKey(Metadata* metadata, const std::string& key) {
  metadata->erase(std::remove_if(metadata->begin(), metadata->end(),
                                 [&](const auto& kv) { return kv.first == key; }),
                  metadata->end());
}

}  // namespace edgellm::testing
