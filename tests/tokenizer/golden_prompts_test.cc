// The prompts of the golden model runs (<shared>/golden/models/*.json, made by llama.cpp):
// each case's prompt must tokenize to its prompt_tokens (BOS added), and its greedy_tokens must
// detokenize to its greedy_text (pieces concatenated, invalid UTF-8 replaced by U+FFFD).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/tokenizer/streaming_detokenizer.h"
#include "core/tokenizer/tokenizer.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/shared_data.h"
#include "tests/tokenizer/tokenizer_test_util.h"

namespace edgellm {
namespace {

namespace fs = std::filesystem;
using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

struct GoldenCase {
  std::string prompt;
  bool add_bos = false;
  std::vector<int32_t> prompt_tokens;
  std::vector<int32_t> greedy_tokens;
  std::string greedy_text;
};

struct GoldenFile {
  std::string json_path;
  std::string model_path;
  std::vector<GoldenCase> cases;
};

std::vector<int32_t> Ids(const ListValue& list) {
  std::vector<int32_t> ids;
  for (const Value& v : list.values()) ids.push_back(static_cast<int32_t>(v.number_value()));
  return ids;
}

// The model file `name` anywhere under <shared>/models, or "".
std::string FindModel(const std::string& name) {
  for (const fs::directory_entry& e :
       fs::recursive_directory_iterator(testing::SharedDir() + "/models")) {
    if (e.is_regular_file() && e.path().filename() == name) return e.path().string();
  }
  return "";
}

std::vector<GoldenFile> ReadGoldenFiles() {
  std::vector<std::string> paths;
  for (const fs::directory_entry& e :
       fs::directory_iterator(testing::SharedDir() + "/golden/models")) {
    if (e.path().extension() == ".json") paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<GoldenFile> files;
  for (const std::string& path : paths) {
    Struct json;
    const auto status =
        google::protobuf::util::JsonStringToMessage(testing::ReadFileOrDie(path), &json);
    if (!status.ok()) {
      ADD_FAILURE() << path << ": " << status.ToString();
      continue;
    }
    GoldenFile file{path, FindModel(json.fields().at("model").string_value()), {}};
    EXPECT_FALSE(file.model_path.empty()) << path << ": model file not found";
    for (const Value& v : json.fields().at("cases").list_value().values()) {
      const auto& f = v.struct_value().fields();
      file.cases.push_back({f.at("prompt").string_value(), f.at("add_bos").bool_value(),
                            Ids(f.at("prompt_tokens").list_value()),
                            Ids(f.at("greedy_tokens").list_value()),
                            f.at("greedy_text").string_value()});
    }
    files.push_back(std::move(file));
  }
  return files;
}

TEST(GoldenPromptsTest, PromptTokensMatchLlamaCpp) {
  EDGELLM_REQUIRE_SHARED();
  const std::vector<GoldenFile> files = ReadGoldenFiles();
  ASSERT_FALSE(files.empty());
  for (const GoldenFile& file : files) {
    if (file.model_path.empty()) continue;
    const std::unique_ptr<Tokenizer> tokenizer = testing::LoadTokenizer(file.model_path);
    ASSERT_NE(tokenizer, nullptr) << file.model_path;
    for (const GoldenCase& c : file.cases) {
      EXPECT_EQ(tokenizer->Encode(c.prompt, c.add_bos, /*parse_special=*/true), c.prompt_tokens)
          << file.json_path << ": \"" << c.prompt << "\"";
    }
  }
}

TEST(GoldenPromptsTest, GreedyTokensDetokenizeToGreedyText) {
  EDGELLM_REQUIRE_SHARED();
  for (const GoldenFile& file : ReadGoldenFiles()) {
    if (file.model_path.empty()) continue;
    const std::unique_ptr<Tokenizer> tokenizer = testing::LoadTokenizer(file.model_path);
    ASSERT_NE(tokenizer, nullptr) << file.model_path;
    for (const GoldenCase& c : file.cases) {
      StreamingDetokenizer detokenizer(*tokenizer);
      std::string text;
      for (int32_t id : c.greedy_tokens) text += detokenizer.Feed(id);
      text += detokenizer.Flush();
      EXPECT_EQ(text, c.greedy_text) << file.json_path << ": \"" << c.prompt << "\"";
    }
  }
}

TEST(Stories260KTest, TokenizesLikeLlamaCpp) {
  EDGELLM_REQUIRE_SHARED();
  const std::unique_ptr<Tokenizer> tokenizer =
      testing::LoadTokenizer(testing::SharedDir() + "/models/stories260K/stories260K.gguf");
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->n_vocab(), 512);
  EXPECT_EQ(tokenizer->bos_id(), 1);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  EXPECT_TRUE(tokenizer->add_bos());
  EXPECT_TRUE(tokenizer->IsEog(2));
  EXPECT_FALSE(tokenizer->IsEog(1));
  // stories260K.f32.json, first case.
  EXPECT_EQ(tokenizer->Encode("Once upon a time", /*add_special=*/true, /*parse_special=*/false),
            (std::vector<int32_t>{1, 403, 407, 261, 378}));
  EXPECT_EQ(tokenizer->Encode("Once upon a time", /*add_special=*/false, /*parse_special=*/false),
            (std::vector<int32_t>{403, 407, 261, 378}));
}

}  // namespace
}  // namespace edgellm
