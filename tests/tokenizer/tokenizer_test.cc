// Tokenizer behaviour beyond the test vectors: special tokens, pieces, end of generation, and the
// errors malformed metadata gives.
#include "core/tokenizer/tokenizer.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "core/gguf/gguf_file.h"
#include "gtest/gtest.h"
#include "tests/gguf/test_type_layouts.h"
#include "tests/testing/shared_data.h"
#include "tests/tokenizer/tokenizer_test_util.h"

namespace edgellm {
namespace {

using Ids = std::vector<int32_t>;
using testing::Metadata;

std::unique_ptr<Tokenizer> SmallSpm() {
  absl::StatusOr<std::unique_ptr<Tokenizer>> t =
      testing::TokenizerFromMetadata(testing::SmallSpmVocab());
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : nullptr;
}

// A byte-level BPE vocabulary of three tokens: "a", "b", "ab" (merge "a b").
Metadata TinyBpeVocab() {
  Metadata m;
  m.emplace_back("tokenizer.ggml.model", GgufValue::String("gpt2"));
  m.emplace_back("tokenizer.ggml.pre", GgufValue::String("gpt-2"));
  m.emplace_back("tokenizer.ggml.tokens", GgufValue::StringArray({"a", "b", "ab"}));
  m.emplace_back("tokenizer.ggml.merges", GgufValue::StringArray({"a b"}));
  return m;
}

// The status of building a tokenizer from `metadata`, which must fail.
absl::Status LoadError(const Metadata& metadata) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = testing::TokenizerFromMetadata(metadata);
  EXPECT_FALSE(t.ok());
  return t.ok() ? absl::OkStatus() : t.status();
}

bool Mentions(const absl::Status& status, const std::string& text) {
  return status.message().find(text) != absl::string_view::npos;
}

TEST(SpmTokenizerTest, MergesByScoreAndAddsLeadingSpace) {
  std::unique_ptr<Tokenizer> t = SmallSpm();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->n_vocab(), 20);
  EXPECT_EQ(t->Encode("hi", false, false), (Ids{17}));
  EXPECT_EQ(t->Encode("hi", true, false), (Ids{1, 17}));
  EXPECT_EQ(t->Encode("hi hi", false, false), (Ids{17, 17}));
  EXPECT_TRUE(t->Encode("", false, false).empty());
  EXPECT_EQ(t->Encode("", true, false), (Ids{1}));
}

TEST(SpmTokenizerTest, FallsBackToByteTokens) {
  std::unique_ptr<Tokenizer> t = SmallSpm();
  ASSERT_NE(t, nullptr);
  // "▁" is a token, "é" is not: its bytes C3 A9 are.
  EXPECT_EQ(t->Encode("\xC3\xA9", false, false), (Ids{13, 4, 5}));
  // No token and no byte token for 'x': the unknown token.
  EXPECT_EQ(t->Encode("x", false, false), (Ids{13, 0}));
}

TEST(SpmTokenizerTest, SpecialTokens) {
  std::unique_ptr<Tokenizer> t = SmallSpm();
  ASSERT_NE(t, nullptr);
  // Control tokens only with parse_special; SentencePiece adds a space after each of them.
  EXPECT_EQ(t->Encode("hi<|user|>hi", false, true), (Ids{17, 18, 17}));
  EXPECT_EQ(t->Encode("<s>hi", false, true), (Ids{1, 17}));
  const Ids unparsed = t->Encode("<s>", false, false);
  EXPECT_EQ(std::count(unparsed.begin(), unparsed.end(), 1), 0);
  // User-defined tokens always.
  EXPECT_EQ(t->Encode("hi<tag>", false, false), (Ids{17, 19}));
}

TEST(SpmTokenizerTest, Pieces) {
  std::unique_ptr<Tokenizer> t = SmallSpm();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->TokenToPiece(17), " hi");
  EXPECT_EQ(t->TokenToPiece(3), "\n");
  EXPECT_EQ(t->TokenToPiece(4), "\xC3");
  EXPECT_EQ(t->TokenToPiece(1), "");
  EXPECT_EQ(t->TokenToPiece(1, /*special=*/true), "<s>");
  EXPECT_EQ(t->TokenToPiece(0), "");
  EXPECT_EQ(t->TokenToPiece(0, /*special=*/true), "<unk>");
  EXPECT_EQ(t->TokenToPiece(19), "<tag>");
  EXPECT_EQ(t->TokenToPiece(-1), "");
  EXPECT_EQ(t->TokenToPiece(20), "");
}

TEST(SpmTokenizerTest, DefaultsAndEndOfGeneration) {
  std::unique_ptr<Tokenizer> t = SmallSpm();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->bos_id(), 1);
  EXPECT_EQ(t->eos_id(), 2);
  EXPECT_TRUE(t->add_bos());
  EXPECT_TRUE(t->IsEog(2));
  EXPECT_FALSE(t->IsEog(1));
  EXPECT_FALSE(t->IsEog(-1));
}

TEST(SpmTokenizerTest, MetadataOverridesDefaults) {
  Metadata m = testing::SmallSpmVocab();
  testing::SetKey(&m, "tokenizer.ggml.add_bos_token", GgufValue::Of(false));
  testing::SetKey(&m, "tokenizer.ggml.add_eos_token", GgufValue::Of(true));
  testing::SetKey(&m, "tokenizer.ggml.add_space_prefix", GgufValue::Of(false));
  testing::SetKey(&m, "tokenizer.ggml.eos_token_id", GgufValue::Of(uint32_t{18}));
  testing::SetKey(&m, "tokenizer.ggml.eot_token_id", GgufValue::Of(uint32_t{19}));
  // Out of range: ignored, as llama.cpp does (stories260K has 0xFFFFFFFF ids).
  testing::SetKey(&m, "tokenizer.ggml.bos_token_id", GgufValue::Of(uint32_t{0xFFFFFFFF}));
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = testing::TokenizerFromMetadata(m);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_FALSE((*t)->add_bos());
  EXPECT_EQ((*t)->bos_id(), 1);
  EXPECT_EQ((*t)->eos_id(), 18);
  EXPECT_TRUE((*t)->IsEog(18));
  EXPECT_TRUE((*t)->IsEog(19));
  EXPECT_TRUE((*t)->IsEog(2));  // "</s>" ends generation by its text
  // No leading space now: "h" "i" instead of "▁hi"; EOS appended.
  EXPECT_EQ((*t)->Encode("hi", true, false), (Ids{14, 15, 18}));
}

TEST(BpeTokenizerTest, MergesAndDropsBytesWithoutTokens) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = testing::TokenizerFromMetadata(TinyBpeVocab());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->Encode("ab", false, false), (Ids{2}));
  EXPECT_EQ((*t)->Encode("ba", false, false), (Ids{1, 0}));
  // 'c' has no token, not even as a byte: llama.cpp drops it.
  EXPECT_EQ((*t)->Encode("abc", false, false), (Ids{2}));
  EXPECT_FALSE((*t)->add_bos());
  EXPECT_EQ((*t)->bos_id(), kNoToken);  // the default id 11 is outside this vocabulary
  EXPECT_EQ((*t)->TokenToPiece(2), "ab");
}

TEST(SharedVocabTest, Gpt2SpecialTokens) {
  EDGELLM_REQUIRE_SHARED();
  std::unique_ptr<Tokenizer> t = testing::LoadTokenizer(testing::VocabPath("gpt-2"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->n_vocab(), 50257);
  EXPECT_EQ(t->Encode("Hello<|endoftext|>", false, true), (Ids{15496, 50256}));
  const Ids as_text = t->Encode("Hello<|endoftext|>", false, false);
  EXPECT_GT(as_text.size(), 2u);
  EXPECT_EQ(std::count(as_text.begin(), as_text.end(), 50256), 0);
  EXPECT_TRUE(t->IsEog(50256));
  EXPECT_FALSE(t->add_bos());
  EXPECT_EQ(t->TokenToPiece(50256), "");
  EXPECT_EQ(t->TokenToPiece(50256, /*special=*/true), "<|endoftext|>");
  EXPECT_EQ(t->TokenToPiece(995), " world");  // "Ġworld"
}

TEST(SharedVocabTest, DeepSeekLlmSettings) {
  EDGELLM_REQUIRE_SHARED();
  std::unique_ptr<Tokenizer> t = testing::LoadTokenizer(testing::VocabPath("deepseek-llm"));
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->add_bos());
  EXPECT_EQ(t->bos_id(), 100000);
  EXPECT_TRUE(t->IsEog(100001));
  const Ids ids = t->Encode("Hello", true, false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], 100000);
}

TEST(SharedVocabTest, Phi3SpecialTokensSwallowFollowingWhitespace) {
  EDGELLM_REQUIRE_SHARED();
  std::unique_ptr<Tokenizer> t = testing::LoadTokenizer(testing::VocabPath("phi-3"));
  ASSERT_NE(t, nullptr);
  const int32_t user = t->vocab().Find("<|user|>");
  const int32_t end = t->vocab().Find("<|end|>");
  ASSERT_NE(user, kNoToken);
  ASSERT_NE(end, kNoToken);
  Ids expected = {user};
  const Ids hi = t->Encode("Hi", false, false);
  expected.insert(expected.end(), hi.begin(), hi.end());
  expected.push_back(end);
  EXPECT_EQ(t->Encode("<|user|>\n Hi<|end|>\n", false, true), expected);
  EXPECT_TRUE(t->IsEog(end));
  EXPECT_TRUE(t->IsEog(t->eos_id()));
  EXPECT_TRUE(t->IsEog(t->vocab().Find("</s>")));
}

TEST(SharedVocabTest, LlamaSpmParsesControlTokens) {
  EDGELLM_REQUIRE_SHARED();
  std::unique_ptr<Tokenizer> t = testing::LoadTokenizer(testing::VocabPath("llama-spm"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->Encode("<s>Hello</s>", false, true), (Ids{1, 15043, 2}));
  EXPECT_EQ(t->TokenToPiece(15043), " Hello");
}

TEST(SharedVocabTest, ConcurrentEncodesAgree) {
  EDGELLM_REQUIRE_SHARED();
  std::unique_ptr<Tokenizer> t = testing::LoadTokenizer(testing::VocabPath("starcoder"));
  ASSERT_NE(t, nullptr);
  const std::string text = "int main() { return 42; } // \xF0\x9F\xA6\x99 llama";
  const Ids expected = t->Encode(text, false, false);
  std::vector<Ids> results(2);
  std::vector<std::thread> threads;
  for (Ids& r : results) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) r = t->Encode(text, false, false);
    });
  }
  for (std::thread& th : threads) th.join();
  for (const Ids& r : results) EXPECT_EQ(r, expected);
}

TEST(SharedVocabTest, UnsupportedTokenizerModel) {
  EDGELLM_REQUIRE_SHARED();
  absl::StatusOr<std::unique_ptr<GgufFile>> gguf =
      GgufFile::Open(testing::VocabPath("bert-bge"), TestTypeLayout);
  ASSERT_TRUE(gguf.ok()) << gguf.status();
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::FromGguf(**gguf);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(Mentions(t.status(), "tokenizer.ggml.model")) << t.status();
  EXPECT_TRUE(Mentions(t.status(), "bert")) << t.status();
}

// Every vocabulary of the shared folder loads, or is refused as an unsupported family.
TEST(SharedVocabTest, EveryVocabLoadsOrIsUnsupported) {
  EDGELLM_REQUIRE_SHARED();
  int loaded = 0;
  for (const std::filesystem::directory_entry& e :
       std::filesystem::directory_iterator(testing::SharedDir() + "/models/llama-cpp-vocab")) {
    if (e.path().extension() != ".gguf") continue;
    absl::StatusOr<std::unique_ptr<GgufFile>> gguf =
        GgufFile::Open(e.path().string(), TestTypeLayout);
    ASSERT_TRUE(gguf.ok()) << gguf.status();
    absl::StatusOr<std::string> model = (*gguf)->GetString("tokenizer.ggml.model");
    ASSERT_TRUE(model.ok()) << model.status();
    absl::StatusOr<std::unique_ptr<Tokenizer>> t = Tokenizer::FromGguf(**gguf);
    if (*model == "llama" || *model == "gpt2") {
      ASSERT_TRUE(t.ok()) << t.status();
      EXPECT_FALSE((*t)->Encode("Hello world", true, false).empty()) << e.path();
      ++loaded;
    } else {
      EXPECT_EQ(t.status().code(), absl::StatusCode::kUnimplemented) << e.path();
    }
  }
  EXPECT_GE(loaded, 11);
}

TEST(TokenizerErrorsTest, MissingOrMistypedModel) {
  Metadata m = testing::SmallSpmVocab();
  testing::RemoveKey(&m, "tokenizer.ggml.model");
  absl::Status s = LoadError(m);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.model")) << s;

  testing::SetKey(&m, "tokenizer.ggml.model", GgufValue::Of(uint32_t{1}));
  s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.model")) << s;
}

TEST(TokenizerErrorsTest, MissingTokens) {
  Metadata m = testing::SmallSpmVocab();
  testing::RemoveKey(&m, "tokenizer.ggml.tokens");
  const absl::Status s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.tokens")) << s;
}

TEST(TokenizerErrorsTest, DuplicateToken) {
  Metadata m = TinyBpeVocab();
  testing::SetKey(&m, "tokenizer.ggml.tokens", GgufValue::StringArray({"a", "b", "a"}));
  const absl::Status s = LoadError(m);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.tokens")) << s;
}

TEST(TokenizerErrorsTest, BadTokenTypes) {
  Metadata m = testing::SmallSpmVocab();
  std::vector<int32_t> types(20, 1);
  types[7] = 9;
  testing::SetKey(&m, "tokenizer.ggml.token_type", GgufValue::Array(types));
  absl::Status s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.token_type")) << s;

  testing::SetKey(&m, "tokenizer.ggml.token_type", GgufValue::Array(std::vector<int32_t>(5, 1)));
  s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.token_type")) << s;

  types.assign(20, 1);
  types[14] = 6;  // "h" claims to be a byte token
  testing::SetKey(&m, "tokenizer.ggml.token_type", GgufValue::Array(types));
  s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.token_type")) << s;
}

TEST(TokenizerErrorsTest, BadScores) {
  Metadata m = testing::SmallSpmVocab();
  testing::SetKey(&m, "tokenizer.ggml.scores", GgufValue::Array(std::vector<float>(3)));
  absl::Status s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.scores")) << s;

  testing::SetKey(&m, "tokenizer.ggml.scores", GgufValue::String("high"));
  s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.scores")) << s;
}

TEST(TokenizerErrorsTest, BadFlagsAndIds) {
  Metadata m = testing::SmallSpmVocab();
  testing::SetKey(&m, "tokenizer.ggml.add_bos_token", GgufValue::Of(uint32_t{1}));
  absl::Status s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.add_bos_token")) << s;

  m = testing::SmallSpmVocab();
  testing::SetKey(&m, "tokenizer.ggml.eos_token_id", GgufValue::Of(-3.5f));
  s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.eos_token_id")) << s;

  // add_bos_token without a BOS token (the BPE default id 11 is outside this vocabulary).
  m = TinyBpeVocab();
  testing::SetKey(&m, "tokenizer.ggml.add_bos_token", GgufValue::Of(true));
  s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.add_bos_token")) << s;
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.bos_token_id")) << s;
}

TEST(TokenizerErrorsTest, BadBpeMetadata) {
  Metadata m = TinyBpeVocab();
  testing::RemoveKey(&m, "tokenizer.ggml.merges");
  absl::Status s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.merges")) << s;

  m = TinyBpeVocab();
  testing::SetKey(&m, "tokenizer.ggml.merges", GgufValue::StringArray({"ab"}));
  s = LoadError(m);
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.merges")) << s;

  m = TinyBpeVocab();
  testing::SetKey(&m, "tokenizer.ggml.pre", GgufValue::String("klingon"));
  s = LoadError(m);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_TRUE(Mentions(s, "tokenizer.ggml.pre")) << s;
  EXPECT_TRUE(Mentions(s, "klingon")) << s;
}

}  // namespace
}  // namespace edgellm
