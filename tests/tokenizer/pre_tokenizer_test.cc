// The pre-tokenizer regexes, including those of vocabularies without llama.cpp test vectors here
// (llama3, qwen2). Expected splits come from the original tokenizer.json expressions run by
// Python's `regex` module, the engine Hugging Face's reference tokenizers agree with.
#include "core/tokenizer/pre_tokenizer.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/tokenizer/byte_level.h"
#include "gtest/gtest.h"

namespace edgellm {
namespace {

// Split() with the byte-level encoding undone.
std::vector<std::string> Words(const std::string& pre, const std::string& text) {
  absl::StatusOr<std::unique_ptr<PreTokenizer>> pre_tokenizer = PreTokenizer::ForName(pre);
  EXPECT_TRUE(pre_tokenizer.ok()) << pre_tokenizer.status();
  if (!pre_tokenizer.ok()) return {};
  std::vector<std::string> words;
  for (const std::string& w : (*pre_tokenizer)->Split(text)) words.push_back(ByteLevelDecode(w));
  return words;
}

using Split = std::vector<std::string>;

const char kMixed[] = "Hello, y'all! How are you 😁 ?我想在apple工作1314151天～";

TEST(PreTokenizerTest, Llama3) {
  EXPECT_EQ(Words("llama-bpe", kMixed),
            (Split{"Hello", ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?",
                   "我想在apple工作", "131", "415", "1", "天", "～"}));
  EXPECT_EQ(Words("llama3", "I'M HERE'S 'LL don't"),
            (Split{"I", "'M", " HERE", "'S", " '", "LL", " don", "'t"}));
  EXPECT_EQ(Words("llama-bpe", "x  \n\ny"), (Split{"x", "  \n\n", "y"}));
  EXPECT_EQ(Words("llama-bpe", "1234567"), (Split{"123", "456", "7"}));
}

TEST(PreTokenizerTest, Qwen2) {
  EXPECT_EQ(Words("qwen2", kMixed),
            (Split{"Hello",           ",", " y", "'all", "!", " How", " are", " you", " 😁", " ?",
                   "我想在apple工作", "1", "3",  "1",    "4", "1",    "5",    "1",    "天", "～"}));
  EXPECT_EQ(Words("qwen2", "1234567"), (Split{"1", "2", "3", "4", "5", "6", "7"}));
}

TEST(PreTokenizerTest, Gpt2) {
  EXPECT_EQ(Words("gpt-2", "I'M HERE'S 'LL don't"),
            (Split{"I", "'", "M", " HERE", "'", "S", " '", "LL", " don", "'t"}));
  EXPECT_EQ(Words("gpt-2", "x  \n\ny"), (Split{"x", "  \n", "\n", "y"}));
  EXPECT_EQ(Words("gpt-2", "1234567"), (Split{"1234567"}));
}

// \s is Unicode's White_Space, as in llama.cpp: NEL (U+0085) is whitespace, the Mongolian vowel
// separator (U+180E, matched by PCRE2's own \s) is not.
TEST(PreTokenizerTest, WhiteSpaceIsUnicodeWhiteSpace) {
  const std::string nel = "\xC2\x85";
  const std::string mvs = "\xE1\xA0\x8E";
  EXPECT_EQ(Words("gpt-2", "x" + nel + nel + "y"), (Split{"x", nel, nel, "y"}));
  EXPECT_EQ(Words("gpt-2", mvs + mvs + "a"), (Split{mvs + mvs, "a"}));
}

TEST(PreTokenizerTest, WordsAreByteLevelEncoded) {
  absl::StatusOr<std::unique_ptr<PreTokenizer>> gpt2 = PreTokenizer::ForName("gpt-2");
  ASSERT_TRUE(gpt2.ok());
  // Space -> U+0120, newline -> U+010A.
  EXPECT_EQ((*gpt2)->Split(" a\n"), (Split{"Ġa", "Ċ"}));
}

TEST(PreTokenizerTest, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(Words("gpt-2",
                  "a\xFF\xFE"
                  "b"),
            (Split{"a", "\xEF\xBF\xBD\xEF\xBF\xBD", "b"}));
}

TEST(PreTokenizerTest, EmptyTextHasNoWords) { EXPECT_TRUE(Words("default", "").empty()); }

TEST(PreTokenizerTest, DefaultsAndFlags) {
  absl::StatusOr<std::unique_ptr<PreTokenizer>> llama3 = PreTokenizer::ForName("llama-bpe");
  ASSERT_TRUE(llama3.ok());
  EXPECT_TRUE((*llama3)->ignore_merges());
  EXPECT_TRUE((*llama3)->add_bos_default());
  absl::StatusOr<std::unique_ptr<PreTokenizer>> gpt2 = PreTokenizer::ForName("gpt-2");
  ASSERT_TRUE(gpt2.ok());
  EXPECT_FALSE((*gpt2)->ignore_merges());
  EXPECT_FALSE((*gpt2)->add_bos_default());
  // No name is llama.cpp's "default" list.
  EXPECT_EQ(Words("", "a1234"), Words("default", "a1234"));
}

TEST(PreTokenizerTest, UnknownNameIsNotFound) {
  absl::StatusOr<std::unique_ptr<PreTokenizer>> pre = PreTokenizer::ForName("no-such-pre");
  ASSERT_FALSE(pre.ok());
  EXPECT_EQ(pre.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(pre.status().message().find("tokenizer.ggml.pre"), absl::string_view::npos);
  EXPECT_NE(pre.status().message().find("no-such-pre"), absl::string_view::npos);
}

}  // namespace
}  // namespace edgellm
