// StreamingDetokenizer: whole UTF-8 characters only, across token boundaries.
#include "core/tokenizer/streaming_detokenizer.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/shared_data.h"
#include "tests/tokenizer/tokenizer_test_util.h"

namespace edgellm {
namespace {

// Ids of the small vocabulary's byte tokens (see SmallSpmVocab).
constexpr int32_t kC3 = 4, kA9 = 5, kE0 = 6, k80 = 7, kF0 = 8, k9F = 9, k98 = 10, k81 = 11,
                  kFF = 12;
constexpr int32_t kSpaceHi = 17, kUser = 18;
constexpr char kReplacement[] = "\xEF\xBF\xBD";

class StreamingDetokenizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Tokenizer>> t =
        testing::TokenizerFromMetadata(testing::SmallSpmVocab());
    ASSERT_TRUE(t.ok()) << t.status();
    tokenizer_ = *std::move(t);
  }
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_F(StreamingDetokenizerTest, HoldsBackPartialCharacters) {
  StreamingDetokenizer d(*tokenizer_);
  EXPECT_EQ(d.Feed(kSpaceHi), " hi");
  EXPECT_EQ(d.Feed(kC3), "");
  EXPECT_EQ(d.pending_bytes(), 1u);
  EXPECT_EQ(d.Feed(kA9), "\xC3\xA9");
  EXPECT_EQ(d.pending_bytes(), 0u);
  // A four-byte emoji, one byte per token.
  EXPECT_EQ(d.Feed(kF0), "");
  EXPECT_EQ(d.Feed(k9F), "");
  EXPECT_EQ(d.Feed(k98), "");
  EXPECT_EQ(d.Feed(k81), "\xF0\x9F\x98\x81");
  EXPECT_EQ(d.Flush(), "");
}

TEST_F(StreamingDetokenizerTest, InvalidBytesBecomeReplacementCharacters) {
  StreamingDetokenizer d(*tokenizer_);
  // 0xFF can never start a character: replaced at once.
  EXPECT_EQ(d.Feed(kFF), kReplacement);
  // E0 needs A0..BF next; E0 80 is two ill-formed pieces.
  EXPECT_EQ(d.Feed(kE0), "");
  EXPECT_EQ(d.Feed(k80), std::string(kReplacement) + kReplacement);
  // An unfinished character followed by a complete one.
  EXPECT_EQ(d.Feed(kC3), "");
  EXPECT_EQ(d.Feed(kSpaceHi), std::string(kReplacement) + " hi");
}

TEST_F(StreamingDetokenizerTest, FlushReplacesAnUnfinishedCharacter) {
  StreamingDetokenizer d(*tokenizer_);
  EXPECT_EQ(d.Feed(kF0), "");
  EXPECT_EQ(d.Feed(k9F), "");
  EXPECT_EQ(d.Flush(), kReplacement);
  EXPECT_EQ(d.pending_bytes(), 0u);
  // Ready for another stream.
  EXPECT_EQ(d.Feed(kSpaceHi), " hi");
}

TEST_F(StreamingDetokenizerTest, ControlTokensOnlyWhenAsked) {
  StreamingDetokenizer plain(*tokenizer_);
  EXPECT_EQ(plain.Feed(kUser), "");
  StreamingDetokenizer special(*tokenizer_, /*special=*/true);
  EXPECT_EQ(special.Feed(kUser), "<|user|>");
}

// Byte-level BPE splits a character over several tokens too; the stream gives it back whole.
TEST(StreamingDetokenizerSharedTest, ByteLevelPiecesOfOneCharacter) {
  EDGELLM_REQUIRE_SHARED();
  std::unique_ptr<Tokenizer> t = testing::LoadTokenizer(testing::VocabPath("gpt-2"));
  ASSERT_NE(t, nullptr);
  const std::string text = " this is \xF0\x9F\xA6\x99.cpp";  // U+1F999 LLAMA
  StreamingDetokenizer d(*t);
  std::string out;
  int partial_steps = 0;
  for (int32_t id : t->Encode(text, false, false)) {
    const std::string step = d.Feed(id);
    partial_steps += step.empty() && d.pending_bytes() > 0;
    out += step;
  }
  out += d.Flush();
  EXPECT_EQ(out, text);
  EXPECT_GT(partial_steps, 0);  // the emoji really was split
}

}  // namespace
}  // namespace edgellm
