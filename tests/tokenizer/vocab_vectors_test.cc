// llama.cpp's tokenizer test vectors (tests/test-tokenizer-0): for each vocabulary,
// ggml-vocab-<name>.gguf.inp holds texts separated by "\n__ggml_vocab_test__\n" and .out the
// expected ids of each, one line per text, tokenized without BOS and without parsing special
// tokens (add_special = false, parse_special = false).
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "core/tokenizer/tokenizer.h"
#include "gtest/gtest.h"
#include "tests/testing/shared_data.h"
#include "tests/tokenizer/tokenizer_test_util.h"

namespace edgellm {
namespace {

struct VectorCase {
  std::string text;
  std::vector<int32_t> ids;
};

// Splits the files exactly as test-tokenizer-0 does.
std::vector<VectorCase> ReadVectors(const std::string& vocab_path) {
  const std::string inp = testing::ReadFileOrDie(vocab_path + ".inp");
  const std::string out = testing::ReadFileOrDie(vocab_path + ".out");
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0; pos < inp.size();) {
    const size_t next = inp.find(separator, pos);
    if (next == std::string::npos) {
      texts.push_back(inp.substr(pos));
      break;
    }
    texts.push_back(inp.substr(pos, next - pos));
    pos = next + separator.size();
  }
  std::vector<VectorCase> cases;
  std::istringstream lines(out);
  std::string line;
  for (size_t i = 0; std::getline(lines, line); ++i) {
    if (i >= texts.size()) {
      ADD_FAILURE() << vocab_path << ": more expected lines than texts";
      break;
    }
    VectorCase c{texts[i], {}};
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) c.ids.push_back(id);
    cases.push_back(std::move(c));
  }
  EXPECT_EQ(cases.size(), texts.size()) << vocab_path;
  return cases;
}

class VocabVectorsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(VocabVectorsTest, EncodeMatchesLlamaCpp) {
  EDGELLM_REQUIRE_SHARED();
  const std::string path = testing::VocabPath(GetParam());
  const std::unique_ptr<Tokenizer> tokenizer = testing::LoadTokenizer(path);
  ASSERT_NE(tokenizer, nullptr);
  const std::vector<VectorCase> cases = ReadVectors(path);
  ASSERT_FALSE(cases.empty());
  int passed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::vector<int32_t> ids =
        tokenizer->Encode(cases[i].text, /*add_special=*/false, /*parse_special=*/false);
    EXPECT_EQ(ids, cases[i].ids) << GetParam() << " case " << i << ": \"" << cases[i].text << "\"";
    passed += ids == cases[i].ids;
  }
  RecordProperty("vectors_passed", passed);
  RecordProperty("vectors_total", static_cast<int>(cases.size()));
}

// Detokenizing the expected ids gives the text back: byte for byte for byte-level BPE, with the
// leading space SentencePiece adds for SPM.
TEST_P(VocabVectorsTest, PiecesRebuildTheText) {
  EDGELLM_REQUIRE_SHARED();
  const std::string path = testing::VocabPath(GetParam());
  const std::unique_ptr<Tokenizer> tokenizer = testing::LoadTokenizer(path);
  ASSERT_NE(tokenizer, nullptr);
  const bool spm = tokenizer->vocab().add_space_prefix();
  for (const VectorCase& c : ReadVectors(path)) {
    std::string text;
    for (int32_t id : c.ids) text += tokenizer->TokenToPiece(id);
    const std::string expected = spm && !c.text.empty() ? " " + c.text : c.text;
    EXPECT_EQ(text, expected) << GetParam();
  }
}

INSTANTIATE_TEST_SUITE_P(LlamaCppVocabs, VocabVectorsTest,
                         ::testing::Values("llama-spm", "phi-3", "gpt-2", "deepseek-llm",
                                           "deepseek-coder", "falcon", "mpt", "refact",
                                           "starcoder"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace edgellm
